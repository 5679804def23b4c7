"""The construction-standards pages: a pilot village's 建设达标 checklist, the township ×
standard table and its Excel export. All read villages.standards, the API's selector."""

from html import escape

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views import View
from django.views.generic import TemplateView

from pilot_admin.excel import ExportColumn, export_response
from pilot_admin.params import int_param
from pilot_admin.reversing import reverse_id_parts
from pilot_admin.scoping import ScopedViewMixin
from villages import permissions, selectors, standards
from villages.choices import COUNTED_PILOT_STATUSES, StandardAppliesTo
from villages.models import PilotAssignment, Township, Village


def _program_and_year(request):
    """The program (?program=, default the newest visible), a year of it (?year=, default the
    year the program pages open on) and the visible programs (the pages' select), in one query."""
    program, programs = selectors.program_and_programs(user=request.user, code=request.GET.get("program"))
    if program is None:
        raise Http404("没有可用的试点项目。")
    default_year = program.default_year(timezone.localdate())
    year = int_param(request.GET.get("year"), default_year)
    if year not in program.years:
        year = default_year
    return program, year, programs


def _township(request):
    """The ?township= filter, through visible_to: another township's id is a 404."""
    value = request.GET.get("township", "")
    if not value.isdigit():
        return None
    return get_object_or_404(Township.objects.visible_to(request.user), pk=value)


class VillageStandardsView(ScopedViewMixin, TemplateView):
    """A village's 建设达标 checklist for a program year."""

    access = staticmethod(permissions.can_view_quota_report)
    template_name = "villages/standards_checklist.html"

    def load(self, request, *args, **kwargs):
        self.village = get_object_or_404(
            Village.objects.visible_to(request.user).select_related("township"), pk=kwargs["pk"]
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        program, year, programs = _program_and_year(self.request)
        context.update(
            village=self.village,
            program=program,
            year=year,
            programs=programs,
            checklist=standards.village_checklist(program=program, village_id=self.village.pk, year=year),
            # The page head says when the pilot is already accepted (销号) or a 示范村: whoever reads
            # the checklist should not chase standards of a pilot the county has closed out.
            pilot=PilotAssignment.objects.visible_to(self.request.user)
            .filter(program=program, village=self.village, status__in=COUNTED_PILOT_STATUSES)
            .first(),
            table_url=reverse("villages:standards_table")
            + f"?program={program.code}&year={year}&township={self.village.township_id}",
        )
        return context


# The three tables' rows are written here, not in the template: each of the ~150 cells and ~80
# rows held a dozen template nodes ({% if %} per badge, {% widthratio %}, a loop for the failing
# codes), and rendering them cost several times the page's own data. The markup is the
# template's, character for character (html.escape is what autoescaping does to a plain string).
_BADGE = {standards.MET: "ok", standards.NOT_MET: "bad"}
_NONE_FAILING = '<span class="ok">无</span>'


def _percent(rate) -> str:
    """What {% widthratio rate 1 100 %} writes."""
    return str(round((float(rate) / 1.0) * 100))


def _cell(cell: standards.Coverage, with_verdict: bool) -> str:
    verdict = cell.verdict
    rate = cell.rate
    return (
        f'<td data-standard="{escape(cell.standard.code)}"'
        + (f' data-verdict="{verdict}">' if with_verdict else ">")
        + f"{cell.met}/{cell.applicable}{'' if rate is None else f' {_percent(rate)}%'}"
        + f'<br><span class="badge {_BADGE.get(verdict, "warn")}">{standards.VERDICT_LABELS[verdict]}</span></td>'
    )


def county_rows(report: standards.StandardsReport) -> str:
    """The county table's body: a row per standard."""
    parts = []
    for cell in report.county.cells:
        standard, verdict, rate = cell.standard, cell.verdict, cell.rate
        code = escape(standard.code)
        parts.append(
            f'\n      <tr data-standard="{code}" data-verdict="{verdict}">\n'
            f'        <td data-label="编号">{code}</td><td data-label="标准">{escape(standard.title)}</td>\n'
            f'        <td data-label="单村要求">{escape(cell.threshold_text)}'
            f"{'（贫困村）' if standard.applies_to == StandardAppliesTo.POVERTY_PILOTS else ''}"
            f"{'（原则上）' if standard.waivable else ''}</td>\n"
            f'        <td data-label="覆盖率目标">{_percent(standard.target_rate)}%'
            f"{f'（{standard.due_year}年）' if standard.due_year else ''}</td>\n"
            f'        <td data-label="达标 / 适用" class="num">{cell.met} / {cell.applicable}'
            f'<small class="muted">（未填报 {cell.not_reported}）</small></td>\n'
            f'        <td data-label="覆盖率" class="num">{"—" if rate is None else f"{_percent(rate)}%"}</td>\n'
            f'        <td data-label="结论"><span class="badge {_BADGE.get(verdict, "warn")}">'
            f"{standards.VERDICT_LABELS[verdict]}</span></td>\n"
            "      </tr>\n    "
        )
    return mark_safe("".join(parts))  # noqa: S308 - every value above is escaped or a number


def township_rows(report: standards.StandardsReport) -> str:
    """The township table's body: a row per township shown, then the county's total row."""
    parts = []
    for row in report.townships:
        name = escape(row.name)
        parts.append(
            f'\n      <tr data-township="{name}"><th scope="row">{name}</th><td class="num">{row.pilots}</td>\n      '
            + "".join(_cell(cell, True) for cell in row.cells)
            + "</tr>\n    "
        )
    county = report.county
    parts.append(
        f'\n    <tr class="total" data-township="全县"><th scope="row">全县</th><td class="num">{county.pilots}</td>'
        + "".join(_cell(cell, False) for cell in county.cells)
        + "</tr>"
    )
    return mark_safe("".join(parts))  # noqa: S308 - every value above is escaped or a number


def village_groups(report: standards.StandardsReport, program, year: int) -> list[tuple[str, int, str]]:
    """The pilots' checklists by township, in order: (township, pilots, the table's rows)."""
    query = f"?program={escape(program.code)}&amp;year={year}"
    head, tail = reverse_id_parts("villages:village_standards")
    groups: list[tuple[str, list[str]]] = []
    for c in report.villages:
        if not groups or groups[-1][0] != c.township:
            groups.append((c.township, []))
        village, failing = escape(c.village), c.failing_codes
        groups[-1][1].append(
            f'\n        <tr data-village="{village}"><td data-label="乡镇">{escape(c.township)}</td>'
            f'<td data-label="村"><a href="{head}{c.village_id}{tail}{query}">'
            f"{village}</a></td>\n"
            f'          <td data-label="试点年度" class="num">{c.pilot_year}</td>'
            f'<td data-label="达标" class="num">{c.count_met}</td>'
            f'<td data-label="未达标" class="num">{c.count_not_met}</td>'
            f'<td data-label="未填报" class="num">{c.count_not_reported}</td>\n'
            f'          <td data-label="未达标或未填报">'
            f"{'、'.join(map(escape, failing)) if failing else _NONE_FAILING}</td></tr>\n      "
        )
    return [(township, len(rows), mark_safe("".join(rows))) for township, rows in groups]  # noqa: S308 - as above


def _options(choices) -> str:
    """A select's options from (value, label, selected), as the template wrote them."""
    return mark_safe(  # noqa: S308 - values and labels escaped
        "".join(
            f'<option value="{escape(str(value))}"{" selected" if selected else ""}>{escape(str(label))}</option>'
            for value, label, selected in choices
        )
    )


def picker_options(programs, program, year: int, townships, township) -> dict[str, str]:
    """The page's three selects' options (program, year, township), written here with its tables."""
    return {
        "program_options": _options((p.code, p.name, p.pk == program.pk) for p in programs),
        "year_options": _options((y, y, y == year) for y in program.years),
        "township_options": _options(
            (t["pk"], t["name"], township is not None and t["pk"] == township.pk) for t in townships
        ),
    }


class StandardsTableView(ScopedViewMixin, TemplateView):
    """Township × standard coverage for a program year, with each pilot's checklist below."""

    access = staticmethod(permissions.can_view_quota_report)
    template_name = "villages/standards_table.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        program, year, programs = _program_and_year(self.request)
        township = _township(self.request)
        report = standards.standards_report(user=user, program=program, year=year, township=township)
        context.update(
            program=program,
            year=year,
            township=township,
            report=report,
            county_rows=county_rows(report),
            township_rows=township_rows(report),
            village_groups=village_groups(report, program, year),
            programs=programs,
            townships=report.township_choices,
            export_url=reverse("villages:standards_export"),
            **picker_options(programs, program, year, report.township_choices, township),
        )
        return context


def _verdict_text(cell: standards.Coverage) -> str:
    rate = "—" if cell.rate is None else f"{cell.rate * 100:.0f}%"
    return f"{cell.met}/{cell.applicable} {rate} {cell.verdict_label}"


class StandardsExportView(ScopedViewMixin, View):
    """The checklist ledger (台账): one row per pilot village, one column per standard, then the
    township and county coverage lines — the page's selector, streamed and formula-safe."""

    access = staticmethod(permissions.can_view_quota_report)

    def get(self, request):
        program, year, _ = _program_and_year(request)
        report = standards.standards_report(user=request.user, program=program, year=year, township=_township(request))
        codes = [s.code for s in report.standards]
        columns = [
            ExportColumn("乡镇", None, width=12),
            ExportColumn("村名", None, width=12),
            ExportColumn("试点年度", None, width=10),
            *[
                ExportColumn(f"{s.code} {s.title}（{standards.threshold_text(s)}）", None, width=18)
                for s in report.standards
            ],
            ExportColumn("未达标或未填报", None, width=30),
        ]

        def village_rows():
            for checklist in report.villages:
                by_code = {item.standard.code: item for item in checklist.items}
                cells = []
                for code in codes:
                    item = by_code.get(code)
                    cells.append("不适用" if item is None else f"{item.status_label}（{item.value}）")
                failing = "、".join(item.standard.code for item in checklist.failing)
                yield [checklist.township, checklist.village, checklist.pilot_year, *cells, failing]

        footer = [
            [row.name, "", row.pilots, *[_verdict_text(cell) for cell in row.cells], ""]
            for row in [*report.townships, report.county]
        ]
        return export_response(
            filename=f"建设达标台账_{year}年.xlsx",
            sheet_title=f"{year}年建设达标",
            title=f"{program.name} · {year}年试点村建设达标台账（统计截至 {report.as_of:%Y-%m-%d}）",
            columns=columns,
            rows=village_rows(),
            footer=footer,
        )
