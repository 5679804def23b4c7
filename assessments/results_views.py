"""The score sheet (Excel and print) and the results pages: ranking, township summary,
year-over-year change and the 通报. Rows come from assessments.selectors or visible_to, so a
foreign id is a 404 and every figure is the one the API gives."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import FormView, TemplateView

from assessments import excel, permissions, selectors
from assessments.choices import Grade, InspectionStatus
from assessments.forms import CircularIssueForm
from assessments.services_circular import circular_issue_save
from pilot_admin.forms import apply_validation_error
from pilot_admin.params import int_param
from pilot_admin.scoping import ScopedViewMixin
from villages.selectors import program_and_programs


def _year(value, program, user) -> int:
    """The requested year when it is one of the program's; else the latest year up to today's
    with confirmed results the user may see, so a running program opens on results rather than
    on an empty future year; else the program's year for today."""
    year = int_param(value)
    if year in program.years:
        return year
    until = program.default_year(timezone.localdate())
    return selectors.latest_result_year(user=user, program=program, until=until) or until


class InspectionSheetMixin(ScopedViewMixin):
    """The sheet of one visible inspection: blank on ?blank=1, otherwise with its scores."""

    access = staticmethod(permissions.can_view_assessments)

    def load(self, request, *args, **kwargs):
        self.inspection = get_object_or_404(selectors.inspection_list(user=request.user), pk=kwargs["pk"])
        self.blank = request.GET.get("blank") == "1"
        self.items = list(self.inspection.template.items.select_related("section").order_by("order"))
        self.scores = {} if self.blank else {s.item_id: s for s in self.inspection.scores.all()}


class SheetExportView(InspectionSheetMixin, View):
    def get(self, request, pk):
        return excel.sheet_response(inspection=self.inspection, items=self.items, scores=self.scores, blank=self.blank)


class SheetPrintView(InspectionSheetMixin, TemplateView):
    template_name = "assessments/sheet_print.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        sections = []
        for item in self.items:
            if not sections or sections[-1]["section"].pk != item.section_id:
                sections.append({"section": item.section, "rows": []})
            sections[-1]["rows"].append({"item": item, "score": self.scores.get(item.pk)})
        context.update(
            inspection=self.inspection,
            sections=sections,
            blank=self.blank,
            village=self.inspection.pilot.village,
            max_total=sum(item.max_points for item in self.items),
            can_import=permissions.can_score(self.request.user) and self.inspection.status == InspectionStatus.DRAFT,
        )
        return context


class ResultsMixin(ScopedViewMixin):
    """A program (by ?program=code, default the newest visible) and one of its years."""

    access = staticmethod(permissions.can_view_assessments)
    export_url_name = None

    def load(self, request, *args, **kwargs):
        self.program, self.programs = program_and_programs(user=request.user, code=request.GET.get("program"))
        if self.program is None:
            raise Http404("没有可用的试点项目。")
        self.year = _year(request.GET.get("year"), self.program, request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            program=self.program,
            programs=self.programs,
            year=self.year,
            query=f"program={self.program.code}&year={self.year}",
        )
        return context


def _circular_stats(user, program, year):
    """The circular states the ranking it prints: the results as they stand today (latest
    confirmed, re-inspections included), not the year's figures as of its last day."""
    return selectors.assessment_stats(user=user, program=program, year=year, as_of=timezone.localdate())


class RankingView(ResultsMixin, TemplateView):
    template_name = "assessments/results_ranking.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["rows"] = selectors.ranking_rows(user=self.request.user, program=self.program, year=self.year)
        return context


class TownshipSummaryView(ResultsMixin, TemplateView):
    template_name = "assessments/results_townships.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["stats"] = selectors.assessment_stats(user=self.request.user, program=self.program, year=self.year)
        return context


class YearOverYearView(ResultsMixin, TemplateView):
    template_name = "assessments/results_year_over_year.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["rows"] = selectors.year_over_year(user=self.request.user, program=self.program, year=self.year)
        context["previous_year"] = self.year - 1
        return context


class CircularView(ResultsMixin, TemplateView):
    """通报: grade counts, the ranking, 优秀 villages commended and 不合格 villages named with
    their rectification count — printable as it stands."""

    template_name = "assessments/results_circular.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        rows = list(selectors.ranking(user=self.request.user, program=self.program, year=self.year))
        context.update(
            title=excel.circular_title(self.program, self.year),
            title_lines=excel.circular_title_lines(self.program, self.year),
            issue=selectors.circular_issue(user=self.request.user, program=self.program, year=self.year),
            can_issue=permissions.can_issue_circular(self.request.user),
            rows=rows,
            stats=_circular_stats(self.request.user, self.program, self.year),
            commended=[row for row in rows if row.grade == Grade.EXCELLENT],
            failed=[row for row in rows if row.grade == Grade.FAIL],
            export_url=reverse("assessments:circular_export"),
        )
        return context


class CircularExportView(ResultsMixin, View):
    def get(self, request):
        rows = selectors.ranking(user=request.user, program=self.program, year=self.year)
        stats = _circular_stats(request.user, self.program, self.year)
        issue = selectors.circular_issue(user=request.user, program=self.program, year=self.year)
        return excel.circular_response(program=self.program, year=self.year, rows=rows, stats=stats, issue=issue)


class CircularIssueView(ResultsMixin, FormView):
    """The county office sets the circular's 文号, 主送机关 and 落款 (one call of the service)."""

    access = staticmethod(permissions.can_issue_circular)
    template_name = "assessments/circular_issue_form.html"
    form_class = CircularIssueForm

    def load(self, request, *args, **kwargs):
        super().load(request, *args, **kwargs)
        self.issue = selectors.circular_issue(user=request.user, program=self.program, year=self.year)

    def get_initial(self):
        if self.issue is not None:
            return {
                "number": self.issue.number,
                "addressees": self.issue.addressees,
                "issuer": self.issue.issuer,
                "issued_on": self.issue.issued_on,
            }
        return {
            "addressees": "各乡镇人民政府，县直有关部门",
            "issuer": f"{self.program.county.name}试点工作领导小组办公室",
            "issued_on": timezone.localdate(),
        }

    def form_valid(self, form):
        try:
            issue = circular_issue_save(
                actor=self.request.user, program=self.program, year=self.year, **form.cleaned_data
            )
        except ValidationError as error:
            apply_validation_error(form, error)
            return self.form_invalid(form)
        messages.success(self.request, f"已保存通报文号 {issue.number} 和落款。")
        return redirect(issue.get_absolute_url())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(title=excel.circular_title(self.program, self.year), issue=self.issue)
        return context
