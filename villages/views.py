from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.views.generic import DetailView, FormView, ListView, TemplateView

from pilot_admin.actions import ActionView
from pilot_admin.api.pagination import WindowCountPaginator
from pilot_admin.audit.services import audit_entries_for
from pilot_admin.forms import apply_validation_error
from pilot_admin.lists import FilteredListMixin
from pilot_admin.params import int_param
from pilot_admin.reversing import reverse_id
from pilot_admin.scoping import ScopedViewMixin
from villages import permissions, selectors, services
from villages.charts import quota_chart
from villages.choices import COUNTED_PILOT_STATUSES, IndicatorStatus, PilotLevel, PilotStatus, ProvincialStatus
from villages.filters import PilotAssignmentFilterSet, VillageFilterSet
from villages.forms import PilotSelectForm, ProvincialStatusForm, ReasonForm, VillageForm, VillageIndicatorForm
from villages.history import village_timeline
from villages.models import PilotAssignment, Township, Village, VillageIndicator


class TownshipListView(ScopedViewMixin, ListView):
    access = staticmethod(permissions.can_view_villages)
    template_name = "villages/township_list.html"
    context_object_name = "townships"

    def get_queryset(self):
        return selectors.township_list(user=self.request.user)


class VillageListView(ScopedViewMixin, FilteredListMixin, ListView):
    access = staticmethod(permissions.can_view_villages)
    template_name = "villages/village_list.html"
    context_object_name = "villages"
    filterset_class = VillageFilterSet
    extra_context = {"export_url": reverse_lazy("villages:village_export")}

    # The page's rows and its total in one statement (a window count), where Django's paginator
    # sends a separate COUNT(*) first.
    paginator_class = WindowCountPaginator
    keep_statement = True

    def base_queryset(self):
        # The current pilot as a JSON column of the villages' own statement (where the prefetch
        # of village_list costs a second query); rows as values(): the page only reads fields,
        # and building fifty model instances cost more than the SQL.
        return selectors.village_api_list(user=self.request.user)

    row_fields = (
        "id",
        "name",
        "code",
        "township__name",
        "households",
        "population",
        "resident_population",
        "is_poverty_village",
        "kind",
        "ended_on",
        "current_pilot",
    )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        kinds = dict(Village._meta.get_field("kind").flatchoices)
        # The page's rows (the same dicts as context["villages"]) with what the template shows
        # and a model instance would compute: its link, labels and current pilot.
        for village in context["page_obj"].object_list:
            village["url"] = reverse_id("villages:village_detail", village["id"])
            village["kind_display"] = kinds.get(village["kind"], village["kind"])
            pilot = village["current_pilot"]
            village["pilot_text"] = (
                f"{pilot['year']}年 {_label(PilotLevel, pilot['level'])}（{_label(PilotStatus, pilot['status'])}）"
                if pilot
                else None
            )
            village["row"] = village_row(village)
        return context


class VillageDetailView(ScopedViewMixin, DetailView):
    access = staticmethod(permissions.can_view_villages)
    template_name = "villages/village_detail.html"
    context_object_name = "village"

    def get_queryset(self):
        return Village.objects.visible_to(self.request.user).select_related("township", "township__county")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        village, user = self.object, self.request.user
        context["indicators"] = village.indicators.select_related("reported_by").order_by("-year")
        context["pilots"] = village.pilot_assignments.select_related("program", "approved_by").order_by("-year")
        context["audit_entries"] = audit_entries_for(village)[:50]
        context["can_edit"] = Village.objects.editable_by(user).filter(pk=village.pk).exists()
        context["can_submit"] = (
            permissions.can_submit_indicators(user)
            and Village.objects.indicators_submittable_by(user).filter(pk=village.pk).exists()
        )
        context["this_year"] = timezone.localdate().year
        # One "填报YYYY年度指标" per year the county has open (issue 13).
        context["open_years"] = services.open_indicator_years(county_id=village.township.county_id)
        context["timeline"] = village_timeline(village)
        context["can_record_events"] = context["can_edit"] and village.ended_on is None
        return context


class VillageFormView(ScopedViewMixin, FormView):
    access = staticmethod(permissions.can_manage_villages)
    template_name = "villages/village_form.html"
    form_class = VillageForm

    def load(self, request, *args, **kwargs):
        self.village = None
        if "pk" in kwargs:
            self.village = get_object_or_404(Village.objects.visible_to(request.user), pk=kwargs["pk"])

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        kwargs["instance"] = self.village
        return kwargs

    def form_valid(self, form):
        data = dict(form.cleaned_data)
        try:
            if self.village is None:
                village = services.village_create(actor=self.request.user, **data)
            else:
                village = services.village_update(actor=self.request.user, village=self.village, **data)
        except ValidationError as error:
            apply_validation_error(form, error)
            return self.form_invalid(form)
        messages.success(self.request, f"已保存：{village.name}")
        return redirect(village)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["village"] = self.village
        return context


class IndicatorSubmitView(ScopedViewMixin, FormView):
    """The township fills in (or corrects) a village's yearly indicators."""

    access = staticmethod(permissions.can_submit_indicators)
    template_name = "villages/indicator_form.html"
    form_class = VillageIndicatorForm

    def load(self, request, *args, **kwargs):
        self.village = get_object_or_404(
            Village.objects.visible_to(request.user).select_related("township"), pk=kwargs["pk"]
        )
        self.year = kwargs["year"]
        if not Village.objects.indicators_submittable_by(request.user).filter(pk=self.village.pk).exists():
            raise PermissionDenied("您不能填报该村的指标。")
        self.existing = VillageIndicator.objects.filter(village=self.village, year=self.year).first()

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["instance"] = self.existing
        return kwargs

    def form_valid(self, form):
        try:
            indicator = services.village_indicator_submit(
                actor=self.request.user, village=self.village, year=self.year, **form.cleaned_data
            )
        except ValidationError as error:
            apply_validation_error(form, error)
            return self.form_invalid(form)
        messages.success(self.request, f"{self.village.name} {self.year}年度指标已提交，等待县里确认。")
        return redirect(indicator)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(village=self.village, year=self.year, existing=self.existing)
        context["year_open"] = self.year in services.open_indicator_years(county_id=self.village.township.county_id)
        return context


class IndicatorListView(ScopedViewMixin, ListView):
    access = staticmethod(permissions.can_view_villages)
    template_name = "villages/indicator_list.html"
    context_object_name = "indicators"
    paginate_by = 50

    def get_queryset(self):
        queryset = VillageIndicator.objects.visible_to(self.request.user).select_related(
            "village", "village__township", "reported_by"
        )
        self.status = self.request.GET.get("status", "")
        if self.status in IndicatorStatus.values:
            queryset = queryset.filter(status=self.status)
        return queryset.order_by("-reported_at")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["statuses"] = IndicatorStatus.choices
        context["status"] = self.status
        context["query_string"] = f"status={self.status}" if self.status else ""
        return context


class IndicatorDetailView(ScopedViewMixin, DetailView):
    access = staticmethod(permissions.can_view_villages)
    template_name = "villages/indicator_detail.html"
    context_object_name = "indicator"

    def get_queryset(self):
        return VillageIndicator.objects.visible_to(self.request.user).select_related(
            "village", "village__township", "reported_by", "confirmed_by"
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        indicator = self.object
        context["fields"] = [
            (field.verbose_name, _display(indicator, field))
            for field in VillageIndicatorForm._meta.model._meta.concrete_fields
            if field.name in VillageIndicatorForm._meta.fields
        ]
        context["audit_entries"] = audit_entries_for(indicator)[:50]
        context["can_review"] = (
            permissions.can_confirm_indicators(self.request.user) and indicator.status == IndicatorStatus.SUBMITTED
        )
        context["return_form"] = ReasonForm()
        return context


def _display(instance, field):
    value = getattr(instance, field.name)
    if isinstance(value, bool):
        return "是" if value else "否"
    # Items added after a record was filed (R-B3, households lifted) are empty on it.
    return "未填报" if value is None else value


class IndicatorReviewView(ActionView):
    """POST-only: the county office confirms or returns a submitted indicator record."""

    access = staticmethod(permissions.can_confirm_indicators)
    actions = ("confirm", "return")

    def get_queryset(self):
        return VillageIndicator.objects.visible_to(self.request.user)

    def do_confirm(self, indicator):
        services.village_indicator_confirm(actor=self.request.user, indicator=indicator)
        return "已确认。"

    def do_return(self, indicator):
        services.village_indicator_return(
            actor=self.request.user, indicator=indicator, reason=self.request.POST.get("reason", "")
        )
        return "已退回乡镇修改。"


class PilotListView(ScopedViewMixin, FilteredListMixin, ListView):
    """The pilot ledger: every selected pilot village with its level and status."""

    access = staticmethod(permissions.can_view_villages)
    template_name = "villages/pilot_list.html"
    context_object_name = "pilots"
    filterset_class = PilotAssignmentFilterSet
    extra_context = {"export_url": reverse_lazy("villages:pilot_export")}

    # As the village list: the page's rows and total in one statement.
    paginator_class = WindowCountPaginator
    keep_statement = True

    def base_queryset(self):
        # The ledger names the approver only: the accepting user (the detail page's) is not
        # joined.
        return selectors.pilot_assignment_api_list(user=self.request.user)

    # Rows as values(): the ledger only reads fields (see VillageListView).
    row_fields = (
        "id",
        "year",
        "level",
        "status",
        "provincial_status",
        "is_demonstration",
        "accepted_on",
        "acceptance_document_no",
        "village__name",
        "village__township__name",
        "program__name",
        "approved_by__username",
        "approved_by__first_name",
        "approved_by__last_name",
    )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_manage"] = permissions.can_manage_pilots(self.request.user)
        for pilot in context["page_obj"].object_list:
            pilot["url"] = reverse_id("villages:pilot_detail", pilot["id"])
            pilot["level_display"] = _label(PilotLevel, pilot["level"])
            pilot["provincial_status_display"] = _label(ProvincialStatus, pilot["provincial_status"])
            pilot["status_display"] = _label(PilotStatus, pilot["status"])
            # User.__str__: the full name, else the user name.
            username = pilot["approved_by__username"]
            full_name = f"{pilot['approved_by__first_name']} {pilot['approved_by__last_name']}".strip()
            pilot["approved_by"] = (full_name or username) if username is not None else None
            pilot["row"] = pilot_row(pilot, can_manage=context["can_manage"])
        return context


def village_row(village: dict) -> SafeString:
    """One row of the village list, written in Python: fifty rows through the template engine
    cost the page more than its statement (tests/villages/test_list_rows.py compares this with the
    template it replaced)."""
    merged = ' <span class="badge warn">已撤并</span>' if village["ended_on"] else ""
    return mark_safe(  # noqa: S308 — every value is escaped or one of the fixed texts above
        "\n    <tr>\n"
        f'      <td data-label="乡镇">{escape(village["township__name"])}</td>\n'
        f'      <td data-label="村名"><a href="{escape(village["url"])}">{escape(village["name"])}</a></td>\n'
        f'      <td data-label="区划代码">{escape(village["code"] or "—")}</td>\n'
        f'      <td data-label="户数" class="num">{escape(village["households"])}</td>\n'
        f'      <td data-label="户籍人口" class="num">{escape(village["population"])}</td>\n'
        f'      <td data-label="常住人口" class="num">{escape(village["resident_population"])}</td>\n'
        f'      <td data-label="贫困村">{"是" if village["is_poverty_village"] else "否"}</td>\n'
        f'      <td data-label="类型">{escape(village["kind_display"])}{merged}</td>\n'
        f'      <td data-label="试点">{escape(village["pilot_text"] or "—")}</td>\n'
        "    </tr>\n  "
    )


def pilot_row(pilot: dict, *, can_manage: bool) -> SafeString:
    """One row of the pilot ledger, written in Python (as village_row)."""
    select = ""
    if can_manage:
        box = (
            f'<input type="checkbox" name="pilots" value="{escape(pilot["id"])}" '
            f'aria-label="选择{escape(pilot["village__name"])}">'
            if pilot["status"] == PilotStatus.PROPOSED
            else ""
        )
        select = f'<td class="no-print">{box}</td>'
    demonstration = ' <span class="badge ok">示范村</span>' if pilot["is_demonstration"] else ""
    accepted_on = pilot["accepted_on"]
    accepted = f"{accepted_on.strftime('%Y-%m-%d')} {escape(pilot['acceptance_document_no'])}" if accepted_on else "—"
    return mark_safe(  # noqa: S308 — every value is escaped or one of the fixed texts above
        "\n      <tr>\n"
        f"        {select}\n"
        f'        <td data-label="年度">{escape(pilot["year"])}</td>\n'
        f'        <td data-label="乡镇">{escape(pilot["village__township__name"])}</td>\n'
        f'        <td data-label="村"><a href="{escape(pilot["url"])}">{escape(pilot["village__name"])}</a></td>\n'
        f'        <td data-label="试点项目">{escape(pilot["program__name"])}</td>\n'
        f'        <td data-label="级别">{escape(pilot["level_display"])}</td>\n'
        f'        <td data-label="省级重点支持">{escape(pilot["provincial_status_display"])}</td>\n'
        f'        <td data-label="状态">{escape(pilot["status_display"])}{demonstration}</td>\n'
        f'        <td data-label="审批人">{escape(pilot["approved_by"] or "—")}</td>\n'
        f'        <td data-label="验收">{accepted}</td>\n'
        "      </tr>\n    "
    )


def _label(choices, value):
    # get_FOO_display(): the choice's label, the stored value itself when it is not a choice.
    return choices(value).label if value in choices.values else value


class PilotDetailView(ScopedViewMixin, DetailView):
    access = staticmethod(permissions.can_view_villages)
    template_name = "villages/pilot_detail.html"
    context_object_name = "pilot"

    def get_queryset(self):
        return selectors.pilot_assignment_list(user=self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["audit_entries"] = audit_entries_for(self.object)[:50]
        context["can_manage"] = permissions.can_manage_pilots(self.request.user)
        context["withdraw_form"] = ReasonForm()
        context["provincial_form"] = ProvincialStatusForm(initial={"status": self.object.provincial_status})
        return context


class PilotActionView(ActionView):
    """POST-only: approve or withdraw one pilot, or approve several ticked on the ledger."""

    access = staticmethod(permissions.can_manage_pilots)
    actions = ("approve", "withdraw")

    def get_object(self):
        visible = PilotAssignment.objects.visible_to(self.request.user)
        if "pk" in self.kwargs:
            return [get_object_or_404(visible, pk=self.kwargs["pk"])]
        ids = [value for value in self.request.POST.getlist("pilots") if value.isdigit()]
        return list(visible.filter(pk__in=ids))

    def default_url(self, pilots):
        return pilots[0].get_absolute_url() if len(pilots) == 1 else reverse("villages:pilot_list")

    def do_approve(self, pilots):
        for pilot in _ticked(pilots):
            services.pilot_assignment_approve(actor=self.request.user, assignment=pilot)
        return f"已审批 {len(pilots)} 个试点村。"

    def do_withdraw(self, pilots):
        reason = self.request.POST.get("reason", "")
        for pilot in _ticked(pilots):
            services.pilot_assignment_withdraw(actor=self.request.user, assignment=pilot, reason=reason)
        return f"已撤销 {len(pilots)} 个试点村。"


def _ticked(pilots):
    if not pilots:
        raise ValidationError("请先勾选要审批的试点村。")
    return pilots


class PilotSelectView(ScopedViewMixin, FormView):
    """The county office picks a township's villages that are not yet pilots of the program."""

    access = staticmethod(permissions.can_manage_pilots)
    template_name = "villages/pilot_select.html"
    form_class = PilotSelectForm

    def load(self, request, *args, **kwargs):
        user = request.user
        params = request.POST if request.method == "POST" else request.GET
        self.program = selectors.program_for_code(user=user, code=params.get("program"))
        if self.program is None:
            raise Http404("没有可用的试点项目。")
        self.township = None
        township_id = params.get("township", "")
        if township_id.isdigit():
            self.township = get_object_or_404(Township.objects.editable_by(user), pk=township_id)
        self.year = int_param(params.get("year"), self.program.default_year(timezone.localdate()))

    def candidates(self):
        queryset = (
            Village.objects.editable_by(self.request.user)
            .active_administrative()
            .exclude(
                pilot_assignments__program=self.program,
                pilot_assignments__status__in=[PilotStatus.PROPOSED, *COUNTED_PILOT_STATUSES],
            )
        )
        queryset = queryset.filter(township=self.township) if self.township is not None else queryset.none()
        return queryset.select_related("township").order_by("code", "name")

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs.update(user=self.request.user, candidates=self.candidates())
        kwargs["initial"] = {"program": self.program.code, "year": self.year}
        return kwargs

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            created = services.pilot_assignments_propose(
                actor=self.request.user,
                program=data["program"],
                year=data["year"],
                level=data["level"],
                villages=data["villages"],
            )
        except ValidationError as error:
            apply_validation_error(form, error)
            return self.form_invalid(form)
        messages.success(self.request, f"已拟定 {len(created)} 个试点村，请审批。")
        return redirect(
            reverse("villages:pilot_list")
            + f"?program={data['program'].code}&year={data['year']}&status={PilotStatus.PROPOSED}"
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            program=self.program,
            year=self.year,
            township=self.township,
            townships=Township.objects.editable_by(self.request.user).filter(county=self.program.county_id),
            report=selectors.pilot_quota_stats(user=self.request.user, program=self.program, year=self.year),
        )
        return context


class QuotaReportView(ScopedViewMixin, TemplateView):
    access = staticmethod(permissions.can_view_quota_report)
    template_name = "villages/quota_report.html"
    extra_context = {"export_url": reverse_lazy("villages:quota_export")}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        program, programs = selectors.program_and_programs(user=user, code=self.request.GET.get("program"))
        if program is None:
            raise Http404("没有可用的试点项目。")
        default_year = program.default_year(timezone.localdate())
        year = int_param(self.request.GET.get("year"), default_year)
        if year not in program.years:
            year = default_year
        report = selectors.pilot_quota_stats(user=user, program=program, year=year)
        context.update(program=program, year=year, report=report, programs=programs, chart=quota_chart(report))
        return context
