"""The guardianship pages. Every page reads through selectors or visible_to querysets and writes
through one service; a person of another township is a 404."""

import datetime
from collections.abc import Iterator
from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import F
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.views import View
from django.views.generic import DetailView, FormView, ListView, TemplateView

from guardianship import permissions, rules, selectors, services
from guardianship.choices import Duty, PersonStatus, SelfCareLevel, SupportMode
from guardianship.excel import person_export_columns, visit_matrix_columns
from guardianship.filters import PersonFilterSet
from guardianship.forms import (
    AgreementForm,
    FindingForm,
    FindingResultForm,
    GuardianAssignForm,
    GuardianReplaceForm,
    PersonExitForm,
    PersonForm,
    SelfCareForm,
    VisitForm,
)
from guardianship.models import Guardian, Person, SupervisionFinding, Visit, VisitPhoto
from pilot_admin import uploads
from pilot_admin.actions import ActionView
from pilot_admin.api.pagination import WindowCountPaginator
from pilot_admin.audit.access import PersonalData
from pilot_admin.audit.services import audit_entries_for
from pilot_admin.charts import percent_text
from pilot_admin.excel import export_response, stream, values_of
from pilot_admin.forms import apply_validation_error
from pilot_admin.lists import filtered, kept_page_rows
from pilot_admin.params import int_param
from pilot_admin.reversing import reverse_id
from pilot_admin.scoping import ScopedViewMixin
from villages.models import Township, Village

# Worst last: a move to the right between two assessments is a decline.
_SEVERITY = list(SelfCareLevel.values)


def parse_month(value, *, default: datetime.date) -> datetime.date:
    """`YYYY-MM` from the query string; anything else means the default month."""
    try:
        return datetime.datetime.strptime(value or "", "%Y-%m").date()
    except ValueError:
        return selectors.month_start(default)


def _filtered_register(request, month):
    return filtered(PersonFilterSet, request, selectors.person_register(user=request.user, month=month))


# --- the register ------------------------------------------------------------------------------


class PersonRegisterView(ScopedViewMixin, ListView):
    personal_data = PersonalData("特困人员名册", "guardianship.Person")
    access = staticmethod(permissions.can_view_guardianship)
    template_name = "guardianship/person_list.html"
    context_object_name = "persons"
    paginate_by = 50
    # The page's rows and its total in one statement (a window count), where Django's paginator
    # sends a separate COUNT(*) first.
    paginator_class = WindowCountPaginator

    def get_queryset(self):
        self.today = timezone.localdate()
        self.month = parse_month(self.request.GET.get("month"), default=self.today)
        # Rows as values of the columns shown: no model instances (with their village and
        # township), and only the ID number decrypted of the person's encrypted fields. The
        # statement is compiled once per user, scope, day and query string (the month is one of
        # its parameters or, when absent, today's).
        self.filterset, rows = kept_page_rows(
            self,
            PersonFilterSet,
            lambda: selectors.person_register(user=self.request.user, month=self.month),
            lambda persons: persons.values(
                *_REGISTER_FIELDS, village_name=F("village__name"), township_name=F("village__township__name")
            ),
        )
        return rows

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        # A list shows ID numbers masked; 显示完整身份证号 shows this page's in full to the roles
        # that may see them, and that read is written to the audit trail.
        full = services.person_register_full_ids(
            actor=user, asked=self.request.GET.get("full_id") == "1", rows=len(context["persons"])
        )
        # What the template would ask a Person for: its link, the choices' labels, the number
        # as shown.
        for person in context["persons"]:
            person["url"] = reverse_id("guardianship:person_detail", person["id"])
            person["shown_id"] = rules.shown_id_number(person.pop("id_number"), full=full)
            for name, labels in _REGISTER_LABELS.items():
                person[f"{name}_display"] = labels.get(person[name], person[name])
            person["row"] = register_row(person)
        query = self.request.GET.copy()
        query.pop("page", None)
        toggle = query.copy()
        toggle.pop("full_id", None)
        if not full:
            toggle["full_id"] = "1"
        context.update(
            filterset=self.filterset,
            month=self.month,
            query_string=query.urlencode(),
            can_edit=permissions.can_edit_persons(user),
            can_see_full=permissions.can_see_full_id_numbers(user),
            full_ids=full,
            full_id_toggle=toggle.urlencode(),
            export_full=full and permissions.can_export_full_id(user),
            dispersed=SupportMode.DISPERSED,
        )
        return context


def register_row(person: dict) -> SafeString:
    """One row of the register table, written in Python: fifty rows of eleven cells through the
    template engine cost the page more than its statement (tests/guardianship/test_register_row.py
    compares this with the template it replaced)."""
    exited = person["status"] == PersonStatus.EXITED
    if person["guardian_category"]:
        agreement = "" if person["has_agreement"] else ' <span class="badge warn">无协议</span>'
        guardian = f"{escape(person['guardian_category'])}类{agreement}"
    elif person["civil_capacity"] != "full":
        guardian = '<span class="badge bad">无监护人</span>'
    else:
        guardian = "—"
    if person["support_mode"] != SupportMode.DISPERSED:
        visited = '<span class="muted">集中供养</span>'
    elif person["visited_in_month"]:
        visited = '<span class="badge ok">已走访</span>'
    else:
        visited = '<span class="badge bad">未走访</span>'
    last_visit = person["last_visit"]
    muted = ' class="muted"' if exited else ""
    return mark_safe(  # noqa: S308 — every value is escaped or one of the fixed texts above
        f'\n    <tr data-person="{escape(person["id"])}"{muted}>\n'
        f'      <td data-label="乡镇">{escape(person["township_name"])}</td>\n'
        f'      <td data-label="村">{escape(person["village_name"])}</td>\n'
        f'      <td data-label="姓名"><a href="{escape(person["url"])}">{escape(person["name"])}</a>'
        f"{'（已退出）' if exited else ''}</td>\n"
        f'      <td data-label="公民身份号码" class="id-number">{escape(person["shown_id"])}</td>\n'
        f'      <td data-label="人员类别">{escape(person["kind_display"])}</td>\n'
        f'      <td data-label="民事行为能力">{escape(person["civil_capacity_display"])}</td>\n'
        f'      <td data-label="供养方式">{escape(person["support_mode_display"])}</td>\n'
        f'      <td data-label="自理能力">{escape(person["self_care_level_display"] or "未评估")}</td>\n'
        f'      <td data-label="监护类别">{guardian}</td>\n'
        f'      <td data-label="本月走访" class="visited">{visited}</td>\n'
        f'      <td data-label="最近走访">{last_visit.strftime("%Y-%m-%d") if last_visit else "—"}</td>\n'
        "    </tr>\n  "
    )


# The register's columns read from the person (with the annotations of selectors.person_register).
_REGISTER_FIELDS = (
    "id",
    "name",
    "status",
    "id_number",
    "kind",
    "civil_capacity",
    "support_mode",
    "self_care_level",
    "guardian_category",
    "has_agreement",
    "visited_in_month",
    "last_visit",
)
_REGISTER_LABELS = {
    name: dict(Person._meta.get_field(name).flatchoices)
    for name in ("kind", "civil_capacity", "support_mode", "self_care_level")
}


class PersonExportView(ScopedViewMixin, View):
    """The register as .xlsx with the page's filters. ID numbers are masked unless the county
    office ticks 显示完整身份证号 (services.person_export_full_ids decides, and audits it)."""

    access = staticmethod(permissions.can_view_guardianship)

    def get(self, request):
        month = parse_month(request.GET.get("month"), default=timezone.localdate())
        _, persons = _filtered_register(request, month)
        filters = request.GET.copy()
        filters.pop("full_id", None)
        full = services.person_export_full_ids(
            actor=request.user, asked=request.GET.get("full_id") == "1", persons=persons, filters=filters.urlencode()
        )
        columns = person_export_columns(full_id_numbers=full)
        return export_response(
            filename=f"特困人员名册_{month:%Y%m}.xlsx",
            sheet_title="特困人员名册",
            columns=columns,
            rows=values_of(columns, stream(persons)),
        )


# --- the person page ---------------------------------------------------------------------------


class PersonDetailView(ScopedViewMixin, DetailView):
    personal_data = PersonalData("特困人员档案", "guardianship.Person")
    access = staticmethod(permissions.can_view_guardianship)
    template_name = "guardianship/person_detail.html"
    context_object_name = "person"

    def get_queryset(self):
        return Person.objects.visible_to(self.request.user).select_related("village__township__county")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        person, user = self.object, self.request.user
        assessments = list(person.assessments.all())
        latest, previous = (assessments + [None, None])[:2]
        declined = (
            latest is not None
            and previous is not None
            and _SEVERITY.index(latest.level) > _SEVERITY.index(previous.level)
        )
        guardians = list(person.guardians.prefetch_related("agreements"))
        duty_labels = dict(Duty.choices)
        for guardian in guardians:
            for agreement in guardian.agreements.all():
                agreement.duty_labels = [duty_labels.get(d, d) for d in agreement.duties]
        context.update(
            identity=services.person_identity(person, viewer=user),
            # Paper prints the mask whatever the screen shows: a printout leaves the system, and
            # who reads it, copies it or leaves it on a desk is never in the audit trail that
            # guards the full number on screen. Name, village and the masked number still say
            # who the person is on a case file.
            printed_identity=services.person_identity(person, viewer=user, full=False),
            eligibility=services.person_eligibility(person, viewer=user),
            assessments=assessments,
            latest_assessment=latest,
            declined=declined,
            previous_assessment=previous,
            guardians=guardians,
            active_guardian=next((g for g in guardians if g.is_active), None),
            replacements=person.replacements.select_related("old_guardian", "new_guardian", "decided_by"),
            visits=person.visits.prefetch_related("photos")[:24],
            visit_checks=[(name, Visit._meta.get_field(name).verbose_name) for name in services.VISIT_CHECKS],
            findings=person.findings.select_related("found_by"),
            audit_entries=audit_entries_for(person)[:50],
            can_edit=Person.objects.editable_by(user).filter(pk=person.pk).exists(),
            can_print_agreement=permissions.can_see_full_id_numbers(user),
            is_active=person.status == PersonStatus.ACTIVE,
        )
        for visit in context["visits"]:
            visit.failed_checks = [label for name, label in context["visit_checks"] if not getattr(visit, name)]
        return context


class PersonPageMixin(ScopedViewMixin):
    """A form about one person the user may edit (a foreign person is a 404)."""

    access = staticmethod(permissions.can_edit_persons)
    title = ""
    # An action that cannot be undone names what it ends; the form then carries a required
    # box to tick (checked again here), a confirmation that needs no script.
    confirm_text = ""

    def load(self, request, *args, **kwargs):
        self.person = get_object_or_404(
            Person.objects.visible_to(request.user).select_related("village__township"), pk=kwargs["pk"]
        )
        if not Person.objects.editable_by(request.user).filter(pk=self.person.pk).exists():
            raise Http404("无权修改该人员。")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(person=self.person, title=self.title, confirm_text=self.confirm_text)
        return context

    def call(self, form):
        raise NotImplementedError

    def form_valid(self, form):
        if self.confirm_text and self.request.POST.get("confirm") != "yes":
            form.add_error(None, f"请勾选确认：{self.confirm_text}")
            return self.form_invalid(form)
        try:
            message = self.call(form)
        except ValidationError as error:
            apply_validation_error(form, error)
            return self.form_invalid(form)
        messages.success(self.request, message)
        return redirect(self.person)


class PersonFormView(ScopedViewMixin, FormView):
    access = staticmethod(permissions.can_edit_persons)
    template_name = "guardianship/person_form.html"
    form_class = PersonForm

    def load(self, request, *args, **kwargs):
        self.person = None
        if "pk" in kwargs:
            self.person = get_object_or_404(Person.objects.editable_by(request.user), pk=kwargs["pk"])

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs.update(user=self.request.user, instance=self.person)
        return kwargs

    def form_valid(self, form):
        try:
            person = services.person_save(actor=self.request.user, person=self.person, **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
            return self.form_invalid(form)
        messages.success(self.request, f"已保存：{person.name}")
        return redirect(person)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["person"] = self.person
        return context


class PersonExitView(PersonPageMixin, FormView):
    template_name = "guardianship/person_action.html"
    form_class = PersonExitForm
    title = "办理退出"
    confirm_text = "我已核实：办理退出后该人员不再列入在册人员和每月走访，此操作不能撤销。"

    def call(self, form):
        services.person_exit(actor=self.request.user, person=self.person, **form.cleaned_data)
        return f"{self.person.name} 已退出特困供养。"


class SelfCareAssessView(PersonPageMixin, FormView):
    template_name = "guardianship/person_action.html"
    form_class = SelfCareForm
    title = "自理能力评估"

    def call(self, form):
        assessment = services.self_care_assess(
            actor=self.request.user,
            person=self.person,
            assessed_on=form.cleaned_data["assessed_on"],
            assessor=form.cleaned_data["assessor"],
            **form.items,
        )
        return f"评估结果：{assessment.get_level_display()}（{assessment.unmet_count} 项不能独立完成）。"


class GuardianAssignView(PersonPageMixin, FormView):
    template_name = "guardianship/person_action.html"
    form_class = GuardianAssignForm
    title = "确定监护人"

    def call(self, form):
        guardian = services.guardian_assign(actor=self.request.user, person=self.person, **form.cleaned_data)
        return f"已确定监护人 {guardian.name}，监护类别：{guardian.get_category_display()}。"


class GuardianReplaceView(PersonPageMixin, FormView):
    template_name = "guardianship/person_action.html"
    form_class = GuardianReplaceForm
    title = "更换监护人"
    confirm_text = "我已核实：现任监护人的监护随之终止，更换记录不能撤销。"

    def call(self, form):
        data = form.cleaned_data
        replacement = services.guardian_replace(
            actor=self.request.user,
            person=self.person,
            reason=data["reason"],
            decided_on=data["decided_on"],
            note=data["note"],
            **form.new_guardian(),
        )
        new = replacement.new_guardian
        return f"已更换监护人为 {new.name}，监护类别：{new.get_category_display()}。"


class AgreementSignView(PersonPageMixin, FormView):
    template_name = "guardianship/person_action.html"
    form_class = AgreementForm
    title = "登记监护照料协议"

    def load(self, request, *args, **kwargs):
        super().load(request, *args, **kwargs)
        self.guardian = get_object_or_404(
            Guardian.objects.visible_to(request.user), pk=kwargs["guardian_pk"], person=self.person
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["multipart"] = True
        context["subtitle"] = f"监护人：{self.guardian}"
        return context

    def call(self, form):
        data = form.cleaned_data
        services.agreement_sign(
            actor=self.request.user,
            guardian=self.guardian,
            signed_on=data["signed_on"],
            duties=data["duties"],
            upload=data["document"],
        )
        return f"已登记与 {self.guardian.name} 的监护照料协议。"


class VisitCreateView(PersonPageMixin, FormView):
    """The phone form a township official fills in at the person's home."""

    access = staticmethod(permissions.can_record_visits)
    template_name = "guardianship/visit_form.html"
    form_class = VisitForm
    title = "登记走访"

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        return kwargs

    def call(self, form):
        visit = services.visit_record(actor=self.request.user, person=self.person, **form.cleaned_data)
        return f"已登记 {self.person.name} {visit.visited_on:%Y-%m-%d} 的走访。"


# --- the visit ledger and the county overview ---------------------------------------------------


@dataclass(frozen=True)
class MatrixRow:
    person: Person
    months: list


class VisitMatrixMixin(ScopedViewMixin):
    access = staticmethod(permissions.can_view_guardianship)

    def load(self, request, *args, **kwargs):
        today = timezone.localdate()
        self.year = int_param(request.GET.get("year"), today.year)
        if not 2000 <= self.year <= today.year + 1:
            self.year = today.year
        self.township = self.village = None
        if int_param(request.GET.get("township")):
            self.township = get_object_or_404(Township.objects.visible_to(request.user), pk=request.GET["township"])
        if int_param(request.GET.get("village")):
            villages = Village.objects.visible_to(request.user).select_related("township")
            self.village = get_object_or_404(villages, pk=request.GET["village"])

    def rows(self) -> Iterator[MatrixRow]:
        """The page's rows: Persons (each links to its page), from the ledger's one query."""
        rows = selectors.visit_matrix_rows(
            user=self.request.user, year=self.year, township=self.township, village=self.village
        )
        return (MatrixRow(person, months) for person, months in rows)

    def title(self) -> str:
        where = self.village or self.township
        place = f"{where.township.name}{where.name}" if self.village else (where.name if where else "")
        return f"{place}{self.year}年分散供养特困人员走访台账"


class VisitMatrixView(VisitMatrixMixin, TemplateView):
    personal_data = PersonalData("走访台账", "guardianship.Visit")
    template_name = "guardianship/visit_matrix.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        rows = list(self.rows())
        today = timezone.localdate()
        # Months still ahead are blank, not 未走访.
        last_month = 12 if self.year < today.year else (today.month if self.year == today.year else 0)
        user = self.request.user
        context.update(
            rows=rows,
            year=self.year,
            township=self.township,
            village=self.village,
            title=self.title(),
            months=list(range(1, 13)),
            last_month=last_month,
            townships=Township.objects.visible_to(user).order_by("code", "name"),
            villages=Village.objects.visible_to(user)
            .filter(township=self.township or (user.township if user.township_id else None))
            .order_by("name")
            if (self.township or user.township_id)
            else Village.objects.none(),
            visited_counts=[sum(1 for row in rows if row.months[m - 1]) for m in range(1, 13)],
            query_string=self.request.GET.urlencode(),
        )
        return context


class VisitMatrixExportView(VisitMatrixMixin, View):
    def get(self, request):
        columns = visit_matrix_columns()
        title = self.title()
        return export_response(
            filename=f"{title}.xlsx",
            sheet_title=f"{self.year}年走访台账",
            title=title,
            columns=columns,
            rows=values_of(
                columns,
                selectors.visit_ledger_lines(
                    user=request.user, year=self.year, township=self.township, village=self.village
                ),
            ),
        )


class OverviewView(ScopedViewMixin, TemplateView):
    """Per township: persons on the register, dispersed, visited this month and the coverage,
    and the gaps the inspections look for: no guardian where one is needed, no agreement."""

    access = staticmethod(permissions.can_view_guardianship)
    template_name = "guardianship/overview.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        month = parse_month(self.request.GET.get("month"), default=timezone.localdate())
        stats = selectors.guardianship_stats(user=user, month=month)
        rows = []
        for row in stats.townships:
            figures = stats.township_figures.get(row["id"], {})
            rows.append(
                {
                    **row,
                    "dispersed": figures.get("dispersed", 0),
                    "guardian_missing": figures.get("missing", 0),
                    "agreements_missing": figures.get("agreements_missing", 0),
                    "coverage_text": percent_text(row["visit_coverage"]),
                }
            )
        context.update(
            month=month,
            previous=selectors.previous_month(month),
            following=selectors.next_month(month),
            totals=stats.as_dict(),
            coverage_text=percent_text(stats.as_dict()["visit_coverage"]),
            rows=rows,
            register_url=reverse("guardianship:register"),
        )
        return context


class ScreeningView(ScopedViewMixin, TemplateView):
    """摸底排查: registered persons whose facts do not meet every condition of eligibility, with
    the conditions that fail — flagged for review, never dropped from the register."""

    personal_data = PersonalData("摸底排查名单", "guardianship.Person")

    access = staticmethod(permissions.can_view_guardianship)
    template_name = "guardianship/screening.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        persons = list(
            Person.objects.visible_to(user)
            .filter(status=PersonStatus.ACTIVE)
            .select_related("village__township__county")
            .order_by("village__township__name", "village__name", "name")
        )
        flagged = []
        if persons:
            county = persons[0].village.township.county
            for person, result in services.screening(persons, county=county, viewer=user):
                if not result.eligible:
                    failing = [c for c in result.conditions if not c.holds]
                    flagged.append({"person": person, "failing": failing})
        context.update(flagged=flagged, checked=len(persons))
        return context


class FindingListView(ScopedViewMixin, ListView):
    """督查问题: the county's findings against townships and guardians, with their results."""

    personal_data = PersonalData("督查发现", "guardianship.SupervisionFinding")

    access = staticmethod(permissions.can_view_guardianship)
    template_name = "guardianship/finding_list.html"
    context_object_name = "findings"
    paginate_by = 50

    def get_queryset(self):
        return SupervisionFinding.objects.visible_to(self.request.user).select_related("township", "person", "found_by")


class FindingCreateView(ScopedViewMixin, FormView):
    access = staticmethod(permissions.can_supervise)
    template_name = "guardianship/finding_form.html"
    form_class = FindingForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        return kwargs

    def form_valid(self, form):
        try:
            services.finding_create(actor=self.request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
            return self.form_invalid(form)
        messages.success(self.request, "已登记督查问题。")
        return redirect("guardianship:finding_list")


class FindingResolveView(ActionView):
    """POST-only: the township (or the county office) records what was done."""

    access = staticmethod(permissions.can_edit_persons)

    def get_queryset(self):
        return SupervisionFinding.objects.visible_to(self.request.user)

    def default_url(self, finding):
        return reverse("guardianship:finding_list")

    def perform(self, finding):
        form = FindingResultForm(self.request.POST)
        services.finding_resolve(actor=self.request.user, finding=finding, result=form.data.get("result", ""))
        return "已填报整改结果。"


class VisitPhotoView(ScopedViewMixin, View):
    """Streams a visit photo of a visible person; never a public media URL."""

    personal_data = PersonalData("走访照片", "guardianship.VisitPhoto")

    access = staticmethod(permissions.can_view_guardianship)

    def get(self, request, pk):
        visible = Visit.objects.visible_to(request.user).values("pk")
        photo = get_object_or_404(VisitPhoto.objects.filter(visit__in=visible), pk=pk)
        return uploads.attachment_response(photo.file, photo.original_name)
