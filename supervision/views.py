"""The township official's pages for supervision committees: the cadre register, committees,
the election step by step to filing, meetings and expense reviews. Every page reads through
visible_to (another township's id is a 404) and writes through one service."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import DetailView, FormView, ListView, TemplateView

from pilot_admin import uploads
from pilot_admin.audit.access import PersonalData
from pilot_admin.forms import apply_validation_error
from pilot_admin.params import int_param
from pilot_admin.scoping import ScopedViewMixin
from supervision import forms, permissions, selectors, services
from supervision.choices import ELECTION_ORDER, CommitteeStatus, ElectionStatus, MatterStatus
from supervision.models import (
    Candidate,
    Committee,
    CommitteeMember,
    Election,
    ElectionDocument,
    RaisedMatter,
    SupervisionPilotPlan,
    VillageCadre,
)
from supervision.statistics import supervision_stats
from villages.models import Township, Village

# --- reading ------------------------------------------------------------------------------------


class CadreListView(ScopedViewMixin, ListView):
    personal_data = PersonalData("村干部名册", "supervision.VillageCadre")
    access = staticmethod(permissions.can_view_supervision)
    template_name = "supervision/cadre_list.html"
    context_object_name = "cadres"
    paginate_by = 50

    def get_queryset(self):
        self.village_id = int_param(self.request.GET.get("village"))
        return selectors.cadre_list(user=self.request.user, village_id=self.village_id)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = timezone.localdate()
        for cadre in context["cadres"]:
            cadre.shown_id = selectors.shown_id(cadre)
            cadre.serving = cadre.serves_on(today)
        context.update(
            villages=Village.objects.visible_to(self.request.user).select_related("township"),
            village_id=self.village_id,
            can_edit=permissions.can_edit_supervision(self.request.user),
        )
        return context


# The committee list's filter for committees in office past their term (not a stored status).
OVERDUE = "overdue"


class CommitteeListView(ScopedViewMixin, ListView):
    access = staticmethod(permissions.can_view_supervision)
    template_name = "supervision/committee_list.html"
    context_object_name = "committees"
    paginate_by = 50

    def get_queryset(self):
        self.status = self.request.GET.get("status", "")
        if self.status == OVERDUE:
            # The dashboard's 届满未换届 leads here: in office with the term already ended.
            committees = selectors.committee_list(user=self.request.user, status=CommitteeStatus.ACTIVE)
            return committees.filter(term_end__lt=timezone.localdate())
        if self.status not in CommitteeStatus.values:
            self.status = ""
        return selectors.committee_list(user=self.request.user, status=self.status)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            statuses=[*CommitteeStatus.choices, (OVERDUE, "届满未换届")],
            status=self.status,
            can_edit=permissions.can_edit_supervision(self.request.user),
            # A committee still in office past its term is overdue for re-election (the
            # dashboard's 届满未换届): the list says so rather than a bare 在任.
            today=timezone.localdate(),
        )
        return context


class CommitteeDetailView(ScopedViewMixin, DetailView):
    personal_data = PersonalData("村务监督委员会", "supervision.Committee")
    access = staticmethod(permissions.can_view_supervision)
    template_name = "supervision/committee_detail.html"
    context_object_name = "committee"

    def get_queryset(self):
        return Committee.objects.visible_to(self.request.user).select_related("village__township", "election")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        committee, user = self.object, self.request.user
        members = list(committee.members.all())
        for member in members:
            member.age = selectors.age_text(member, committee.election.held_on or timezone.localdate())
        context.update(
            today=timezone.localdate(),
            members=members,
            problems=services.committee_problems(committee) if committee.status == CommitteeStatus.ACTIVE else [],
            meetings=committee.meetings.prefetch_related("decisions", "attendees")[:24],
            reviews=committee.expense_reviews.prefetch_related("refusals")[:24],
            can_edit=Committee.objects.editable_by(user).filter(pk=committee.pk).exists(),
            active=committee.status == CommitteeStatus.ACTIVE,
        )
        return context


STEP_FORMS = {
    "nominate": (ElectionStatus.PREPARING, forms.NominateForm, "提名候选人"),
    "vet": (ElectionStatus.NOMINATED, forms.VetForm, "村党支部审查"),
    "approve": (ElectionStatus.VETTED, forms.ApproveForm, "乡镇党委审核批准"),
    "hold": (ElectionStatus.APPROVED, forms.HoldForm, "召开选举会议"),
    "chair": (ElectionStatus.HELD, forms.ChairForm, "推选主任"),
    "file": (ElectionStatus.CHAIR_CHOSEN, forms.FileForm, "报乡镇纪委备案"),
}
# The step that follows each status, for the wizard's "next" button.
NEXT_STEP = {status: step for step, (status, _, _) in STEP_FORMS.items()}


class ElectionDetailView(ScopedViewMixin, DetailView):
    personal_data = PersonalData("村务监督委员会选举", "supervision.Election")
    access = staticmethod(permissions.can_view_supervision)
    template_name = "supervision/election_detail.html"
    context_object_name = "election"

    def get_queryset(self):
        return Election.objects.visible_to(self.request.user).select_related("committee__village__township")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        election, user = self.object, self.request.user
        candidates = list(election.candidates.prefetch_related("exceptions"))
        on = election.held_on or election.scheduled_on
        for candidate in candidates:
            candidate.refusals = services.candidate_refusals(candidate, on=on)
            candidate.age = selectors.age_text(candidate, on)
        reached = ELECTION_ORDER.index(election.status) if election.status in ELECTION_ORDER else -1
        step = NEXT_STEP.get(election.status)
        context.update(
            candidates=candidates,
            steps=[
                (ElectionStatus(status).label, index <= reached, self._date_of(election, status))
                for index, status in enumerate(ELECTION_ORDER[1:], start=1)
            ],
            next_step=step,
            next_label=STEP_FORMS[step][2] if step else "",
            can_edit=Election.objects.editable_by(user).filter(pk=election.pk).exists(),
            can_add_candidates=election.status in (ElectionStatus.PREPARING, ElectionStatus.NOMINATED),
            can_except=permissions.can_record_exception(user),
            documents=election.documents.all(),
        )
        return context

    @staticmethod
    def _date_of(election, status):
        return {
            ElectionStatus.NOMINATED: election.nominated_on,
            ElectionStatus.VETTED: election.vetted_on,
            ElectionStatus.APPROVED: election.approved_on,
            ElectionStatus.HELD: election.held_on,
            ElectionStatus.CHAIR_CHOSEN: election.chair_chosen_on,
            ElectionStatus.FILED: election.filed_on,
        }.get(status)


class CommitteePageView(ScopedViewMixin, DetailView):
    """A committee's own register page: found through visible_to, so another township's
    committee is a 404; the rows come in a fixed number of queries."""

    access = staticmethod(permissions.can_view_supervision)
    context_object_name = "committee"

    def get_queryset(self):
        return Committee.objects.visible_to(self.request.user).select_related("village__township")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        committee = self.object
        context.update(
            can_edit=Committee.objects.editable_by(self.request.user).filter(pk=committee.pk).exists(),
            active=committee.status == CommitteeStatus.ACTIVE,
        )
        return context


class MatterListView(CommitteePageView):
    """监督事项 (R-J13): what villagers raised or the committee found, its investigation and the
    feedback to villagers, open matters first."""

    template_name = "supervision/matter_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        matters = list(self.object.matters.order_by("status", "-raised_on", "-pk"))
        context.update(matters=matters, open_count=sum(m.status == MatterStatus.OPEN for m in matters))
        return context


class AnnualListView(CommitteePageView):
    """年度工作报告 and 民主评议 (R-J14), year by year side by side."""

    template_name = "supervision/annual_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        reports = {report.year: report for report in self.object.annual_reports.all()}
        evaluations = {evaluation.year: evaluation for evaluation in self.object.evaluations.all()}
        context["years"] = [
            (year, reports.get(year), evaluations.get(year))
            for year in sorted(reports.keys() | evaluations.keys(), reverse=True)
        ]
        return context


def _phase(plan, today):
    if today < plan.pilot_start:
        return "试点尚未开始"
    if today <= plan.pilot_end:
        return "试点阶段"
    if today <= plan.rollout_deadline:
        return "全面推广阶段"
    return "全面推广期限已过"


class RolloutView(ScopedViewMixin, TemplateView):
    """试点与推广 (R-J1, R-J15): per township, the pilot villages against the county plan's range
    and the committees established against the villages, beside the plan's phase deadlines. The
    counts are statistics.supervision_stats' own (as of today); this page only compares them."""

    access = staticmethod(permissions.can_view_supervision)
    template_name = "supervision/rollout.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, today = self.request.user, timezone.localdate()
        stats = supervision_stats(user=user, month=today)
        plans = {
            plan.county_id: plan
            for plan in SupervisionPilotPlan.objects.filter(
                county__in=Township.objects.visible_to(user).values("county")
            )
        }
        counties = []
        for county in stats.counties:
            plan = plans.get(county["id"])
            townships = []
            for row in stats.townships:
                if row["county"] != county["id"]:
                    continue
                row = dict(row)
                if plan is not None:
                    row["pilot_ok"] = plan.pilots_min <= row["pilot_villages"] <= plan.pilots_max
                    row["rollout_late"] = today > plan.rollout_deadline and row["established"] < row["villages"]
                row["coverage_percent"] = round(row["coverage"] * 100, 1)
                townships.append(row)
            counties.append(
                {
                    **county,
                    "coverage_percent": round(county["coverage"] * 100, 1),
                    "plan": plan,
                    "phase": _phase(plan, today) if plan else "",
                    "townships": townships,
                }
            )
        context.update(counties=counties, as_of=stats.as_of, can_edit_plan=permissions.can_edit_pilot_plan(user))
        return context


class ElectionDocumentView(ScopedViewMixin, View):
    access = staticmethod(permissions.can_view_supervision)

    def get(self, request, pk):
        document = get_object_or_404(ElectionDocument.objects.visible_to(request.user), pk=pk)
        return uploads.attachment_response(document.file, document.original_name)


# --- writing --------------------------------------------------------------------------------------


class ServiceFormView(ScopedViewMixin, FormView):
    """A form that calls one service: `load` finds the record through visible_to (a foreign id
    is a 404) and refuses one the user may see but not change (404 too); `call` returns the
    success message; a ValidationError goes back onto the form."""

    access = staticmethod(permissions.can_edit_supervision)
    template_name = "supervision/form.html"
    title = ""
    model = None

    def load(self, request, *args, **kwargs):
        self.object = None
        if self.model is not None:
            self.object = get_object_or_404(self.model.objects.visible_to(request.user), pk=kwargs["pk"])
            if not self.model.objects.editable_by(request.user).filter(pk=self.object.pk).exists():
                raise Http404("无权修改该记录。")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(title=self.get_title(), cancel_url=self.cancel_url(), multipart=self.multipart)
        return context

    multipart = False

    def get_title(self) -> str:
        return self.title

    def cancel_url(self) -> str:
        return self.object.get_absolute_url() if self.object is not None else "/"

    def call(self, form):
        raise NotImplementedError

    def form_valid(self, form):
        try:
            message, then = self.call(form)
        except ValidationError as error:
            apply_validation_error(form, error)
            return self.form_invalid(form)
        messages.success(self.request, message)
        return redirect(then)


class CadreCreateView(ServiceFormView):
    form_class = forms.CadreForm
    title = "登记村干部"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_initial(self):
        return {"village": int_param(self.request.GET.get("village"))}

    def cancel_url(self):
        return reverse("supervision:cadre_list")

    def call(self, form):
        data = dict(form.cleaned_data)
        cadre = services.cadre_create(actor=self.request.user, village=data.pop("village"), **data)
        return f"已登记：{cadre}", cadre


class RelativeCreateView(ServiceFormView):
    model = VillageCadre
    form_class = forms.RelativeForm

    def get_title(self):
        return f"登记近亲属：{self.object.village.name} · {self.object}"

    def call(self, form):
        relative = services.relative_add(actor=self.request.user, cadre=self.object, **form.cleaned_data)
        return f"已登记：{relative}", self.object


class CommitteeCreateView(ServiceFormView):
    form_class = forms.CommitteeForm
    title = "新一届村务监督委员会"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def cancel_url(self):
        return reverse("supervision:committee_list")

    def call(self, form):
        data = dict(form.cleaned_data)
        committee = services.committee_create(actor=self.request.user, village=data.pop("village"), **data)
        return f"已建立：{committee}，请登记候选人。", committee.election


class CandidateCreateView(ServiceFormView):
    model = Election
    form_class = forms.CandidateForm

    def get_title(self):
        return f"登记候选人：{self.object.committee.village.name}"

    def call(self, form):
        candidate = services.candidate_add(actor=self.request.user, election=self.object, **form.cleaned_data)
        return f"已登记候选人：{candidate.name}", self.object


class ElectionStepView(ServiceFormView):
    """One step of the election wizard (STEP_FORMS); its document, if attached, is stored with
    the step in the same transaction."""

    model = Election
    multipart = True

    def load(self, request, *args, **kwargs):
        if kwargs["step"] not in STEP_FORMS:
            raise Http404("没有这个步骤。")
        self.step = kwargs["step"]
        super().load(request, *args, **kwargs)

    def get_form_class(self):
        return STEP_FORMS[self.step][1]

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        if self.step in ("vet", "hold", "chair"):
            kwargs["election"] = self.object
        return kwargs

    def get_title(self):
        return f"{STEP_FORMS[self.step][2]}：{self.object.committee.village.name}"

    def call(self, form):
        actor, election, data = self.request.user, self.object, form.cleaned_data
        warnings = []
        with transaction.atomic():
            if self.step == "nominate":
                services.election_nominate(actor=actor, election=election, nominated_on=data["nominated_on"])
            elif self.step == "vet":
                services.election_vet(
                    actor=actor, election=election, vetted_on=data["vetted_on"], formal=data["formal"]
                )
            elif self.step == "approve":
                services.election_approve(
                    actor=actor, election=election, approved_on=data["approved_on"], reference=data["reference"]
                )
            elif self.step == "hold":
                services.election_hold(
                    actor=actor,
                    election=election,
                    held_on=data["held_on"],
                    representatives_total=data["representatives_total"],
                    representatives_present=data["representatives_present"],
                    votes=form.votes(),
                    assembly=data["assembly"],
                )
            elif self.step == "chair":
                warnings = services.election_choose_chair(
                    actor=actor,
                    election=election,
                    chosen_on=data["chosen_on"],
                    chair=data["chair"],
                    subgroups=form.subgroups(),
                ).warnings
            else:
                services.election_file(
                    actor=actor, election=election, filed_on=data["filed_on"], reference=data["reference"]
                )
            if data.get("document"):
                services.election_document_add(
                    actor=actor, election=election, step=STEP_FORMS[self.step][0], upload=data["document"]
                )
        for warning in warnings:
            messages.warning(self.request, warning)
        election.refresh_from_db()
        if election.status == ElectionStatus.FILED:
            return "已报乡镇纪委备案，本届村务监督委员会成立。", election.committee
        return f"已完成：{STEP_FORMS[self.step][2]}。", election


class ExceptionCreateView(ServiceFormView):
    access = staticmethod(permissions.can_record_exception)
    model = Candidate
    form_class = forms.ExceptionForm

    def get_title(self):
        return f"任职条件例外：{self.object.name}"

    def cancel_url(self):
        return self.object.election.get_absolute_url()

    def call(self, form):
        services.exception_record(actor=self.request.user, candidate=self.object, **form.cleaned_data)
        return f"已记录例外：{self.object.name}", self.object.election


class MemberRemoveView(ServiceFormView):
    model = CommitteeMember
    form_class = forms.MemberRemoveForm
    confirm_text = "我已核实：撤换由村民会议或村民代表会议决定，撤换后不能恢复。"

    def get_title(self):
        return f"撤换成员：{self.object.name}"

    def cancel_url(self):
        return self.object.committee.get_absolute_url()

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "confirm_text": self.confirm_text}

    def form_valid(self, form):
        if self.request.POST.get("confirm") != "yes":
            form.add_error(None, f"请勾选确认：{self.confirm_text}")
            return self.form_invalid(form)
        return super().form_valid(form)

    def call(self, form):
        outcome = services.member_remove(actor=self.request.user, member=self.object, **form.cleaned_data)
        for warning in outcome.warnings:
            messages.warning(self.request, warning)
        return f"已撤换：{self.object.name}", self.object.committee


class MeetingCreateView(ServiceFormView):
    model = Committee
    form_class = forms.MeetingForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "committee": self.object}

    def get_title(self):
        return f"登记会议：{self.object.village.name}"

    def call(self, form):
        data = form.cleaned_data
        meeting = services.meeting_record(
            actor=self.request.user,
            committee=self.object,
            held_on=data["held_on"],
            attendees=data["attendees"],
            matters=data["matters"],
            minutes=data["minutes"],
            decisions=form.decisions(),
        )
        return f"已登记 {meeting.held_on} 的会议。", self.object


class ExpenseReviewCreateView(ServiceFormView):
    model = Committee
    form_class = forms.ExpenseReviewForm

    def get_title(self):
        interval = services.policy_for(self.object.village.township.county).get_expense_review_interval_display()
        return f"财务支出复核（{interval}）：{self.object.village.name}"

    def call(self, form):
        data = form.cleaned_data
        review = services.expense_review_record(
            actor=self.request.user,
            committee=self.object,
            period_start=data["period_start"],
            reviewed_on=data["reviewed_on"],
            vouchers_reviewed=data["vouchers_reviewed"],
            vouchers_stamped=data["vouchers_stamped"],
            refusals=form.refusals(),
            amount_yuan=data["amount_yuan"],
            notes=data["notes"],
        )
        return f"已登记 {review.period_start:%Y年%m月} 起的财务支出复核。", self.object


class MatterCreateView(ServiceFormView):
    model = Committee
    form_class = forms.MatterForm

    def get_title(self):
        return f"受理监督事项：{self.object.village.name}"

    def cancel_url(self):
        return reverse("supervision:matter_list", args=[self.object.pk])

    def call(self, form):
        services.matter_raise(actor=self.request.user, committee=self.object, **form.cleaned_data)
        return "已受理监督事项。", self.cancel_url()


class MatterFeedbackView(ServiceFormView):
    model = RaisedMatter
    form_class = forms.MatterFeedbackForm

    def get_title(self):
        return f"反馈监督事项：{self.object.committee.village.name} · {self.object}"

    def cancel_url(self):
        return reverse("supervision:matter_list", args=[self.object.committee_id])

    def call(self, form):
        services.matter_feed_back(actor=self.request.user, matter=self.object, **form.cleaned_data)
        return "已记录调查情况和向村民的反馈。", self.cancel_url()


class AnnualReportCreateView(ServiceFormView):
    model = Committee
    form_class = forms.AnnualReportForm

    def get_title(self):
        return f"年度工作报告：{self.object.village.name}"

    def cancel_url(self):
        return reverse("supervision:annual_list", args=[self.object.pk])

    def call(self, form):
        report = services.annual_report_record(actor=self.request.user, committee=self.object, **form.cleaned_data)
        return f"已登记 {report.year} 年度工作报告。", self.cancel_url()


class EvaluationCreateView(ServiceFormView):
    model = Committee
    form_class = forms.EvaluationForm

    def get_title(self):
        return f"民主评议：{self.object.village.name}"

    def cancel_url(self):
        return reverse("supervision:annual_list", args=[self.object.pk])

    def call(self, form):
        data = {key: value for key, value in form.cleaned_data.items() if value is not None}
        evaluation = services.evaluation_record(actor=self.request.user, committee=self.object, **data)
        return f"已登记 {evaluation.year} 年度民主评议。", self.cancel_url()


class PilotPlanEditView(ServiceFormView):
    """The county office's own pilot plan (R-J1, R-J15), created on first save."""

    access = staticmethod(permissions.can_edit_pilot_plan)
    form_class = forms.PilotPlanForm
    title = "村务监督委员会试点方案"

    def load(self, request, *args, **kwargs):
        super().load(request, *args, **kwargs)
        if request.user.county_id is None:
            raise Http404("没有所属的县。")
        self.plan = SupervisionPilotPlan.objects.filter(county_id=request.user.county_id).first()

    def get_initial(self):
        if self.plan is None:
            return {}
        return {name: getattr(self.plan, name) for name in services.PLAN_FIELDS}

    def cancel_url(self):
        return reverse("supervision:rollout")

    def call(self, form):
        services.pilot_plan_save(actor=self.request.user, county=self.request.user.county, **form.cleaned_data)
        return "已保存试点方案。", self.cancel_url()
