"""The county dashboard (首页 for county roles): where the county stands in a program's year.

Every figure comes from the selector behind the matching `/api/v1/stats/...` endpoint, called
with the same user and the same reference date (pilot_admin.dates: a past year as of its last
day, this year as of today), so the page and the API give the same numbers (one computation,
two renderings). The figures of all the program's years that have begun give both the chosen
year and the year-over-year table. A closed year is counted as of its last day, so today's
writes do not change it: its figures are kept per year across data versions
(stats_cache.cached_history, invalidated only by writes that can correct the past), and a request
after today's write computes only the running year and this month's guardianship figures
(stats_cache.cached, per data version).
"""

import datetime
from dataclasses import dataclass
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone

from assessments import permissions as assessment_permissions
from assessments import selectors as assessment_selectors
from guardianship import permissions as guardianship_permissions
from guardianship import selectors as guardianship_selectors
from pilot_admin import stats_cache
from pilot_admin.charts import ChartRow, bar_chart, percent_text
from pilot_admin.choices import Role
from pilot_admin.dates import year_as_of
from supervision import permissions as supervision_permissions
from supervision import statistics as supervision_statistics
from tasks import permissions as task_permissions
from tasks import selectors as task_selectors
from villages import selectors as village_selectors
from villages import standards as village_standards
from villages.charts import quota_chart


@dataclass
class YearFigures:
    """One program year, as the four stats endpoints give it to this user."""

    year: int
    as_of: datetime.date
    quota: village_selectors.QuotaReport
    task_totals: dict | None
    departments: list | None
    completeness: list | None
    assessments: assessment_selectors.AssessmentStats | None
    standards: village_standards.AreaCoverage | None = None

    @property
    def completeness_totals(self):
        return task_selectors.completeness_totals(self.completeness or [])

    @property
    def townships_short(self) -> int:
        return sum(1 for row in self.quota.townships if not row.meets_quota)


def _url(name: str, **query) -> str:
    query = {key: value for key, value in query.items() if value not in (None, "")}
    return reverse(name) + (f"?{urlencode(query)}" if query else "")


def begun_years(program, today: datetime.date) -> list[int]:
    """The program's years that have begun: a year yet to come has no figures (the stats API
    refuses it too)."""
    return [year for year in program.years if year <= today.year]


def choose(*, request, today: datetime.date):
    """The program and year asked for in ?program=&year= (defaults: the newest visible program,
    this year clamped to its years that have begun). A bad value is answered with the stats
    API's Chinese message and the default instead, never an error page. Returns (program, year,
    errors); program is None when the user sees no program at all, year None when the program
    has not begun."""
    user = request.user
    program = village_selectors.program_for_code(user=user, code=None)
    if program is None:
        return None, None, []
    errors = []
    code, year = request.GET.get("program", "").strip(), request.GET.get("year", "").strip()
    if code:
        found = village_selectors.program_for_code(user=user, code=code)
        if found is None:
            # Unknown and out-of-scope codes get the same answer, as in the API.
            errors.append(f"试点项目“{code}”不存在或不在您的查看范围内，已显示“{program.name}”。")
        else:
            program = found
    years = begun_years(program, today)
    if not years:
        errors.append(f"{program.name}{program.start_year}年才开始，还没有统计。")
        return program, None, errors
    chosen = min(program.default_year(today), years[-1])
    if year:
        try:
            asked = int(year)
        except ValueError:
            errors.append(f"年度应为整数，已显示 {chosen} 年。")
        else:
            if asked in years:
                chosen = asked
            elif asked in program.years:
                errors.append(f"{asked}年尚未开始，没有统计；已显示 {chosen} 年。")
            else:
                errors.append(
                    f"年度应在 {program.start_year}–{program.end_year} 之间（{program.name}），已显示 {chosen} 年。"
                )
    return program, chosen, errors


def year_figures(*, user, program, year: int, today: datetime.date) -> YearFigures:
    """One year's figures from the stats selectors (the API's) as of the year's reference date,
    only the sections the role may read."""
    see_tasks = task_permissions.can_view_tasks(user)
    see_assessments = assessment_permissions.can_view_assessments(user)
    as_of = year_as_of(year, today)
    query = {"user": user, "program": program, "year": year, "as_of": as_of}
    return YearFigures(
        year=year,
        as_of=as_of,
        quota=village_selectors.pilot_quota_stats(**query),
        task_totals=task_selectors.task_totals(**query) if see_tasks else None,
        departments=task_selectors.department_stats(**query) if see_tasks else None,
        completeness=task_selectors.completeness(**query) if see_tasks else None,
        assessments=assessment_selectors.assessment_stats(**query) if see_assessments else None,
        # The county block of /api/v1/stats/standards/ (the same for every role).
        standards=village_standards.county_coverage(program=program, year=year, as_of=as_of),
    )


def closed_years(program, today: datetime.date) -> list[int]:
    """The program's years that are over: their figures stand as of their last day."""
    return [year for year in begun_years(program, today) if year < today.year]


def compute(*, user, program, today: datetime.date) -> dict:
    """What today's writes can change: the running year's figures (when the program runs this
    year) and this month's guardianship figures. The selectors run once for the year: a fixed
    number of queries (10), whatever the data."""
    years = [
        year_figures(user=user, program=program, year=year, today=today)
        for year in begun_years(program, today)
        if year >= today.year
    ]
    guardianship = None
    if guardianship_permissions.can_view_guardianship(user):
        guardianship = guardianship_selectors.guardianship_stats(user=user, month=today.replace(day=1))
    supervision = None
    if supervision_permissions.can_view_supervision(user):
        supervision = supervision_statistics.supervision_stats(user=user, month=today.replace(day=1))
    return {"years": years, "guardianship": guardianship, "supervision": supervision}


def all_figures(*, user, program, today: datetime.date) -> dict:
    """Every begun year's figures, oldest first, and this month's guardianship and supervision figures: the
    closed years from their kept entries (computed once, 10 queries each), the rest per data
    version."""
    closed = stats_cache.cached_history(
        user=user,
        name="county_dashboard_year",
        parts={year: (program.pk, year) for year in closed_years(program, today)},
        compute=lambda year: year_figures(user=user, program=program, year=year, today=today),
    )
    live = stats_cache.cached(
        user=user,
        name="county_dashboard",
        parts=(program.pk, today.isoformat()),
        compute=lambda: compute(user=user, program=program, today=today),
    )
    # Every live section passes through: a key left out here is a section that silently vanishes.
    return {
        "years": [*closed.values(), *live["years"]],
        "guardianship": live["guardianship"],
        "supervision": live["supervision"],
    }


def _quota_section(figures: YearFigures, program) -> dict:
    report = figures.quota
    return {
        "report": report,
        "chart": quota_chart(report, table=True, chart_id="dashboard-quota-chart"),
        "url": _url("villages:quota_report", program=program.code, year=report.year),
        "short": [
            {
                "row": row,
                "url": _url(
                    "villages:pilot_list", program=program.code, year=report.year, township=row.id, ledger="counted"
                ),
            }
            for row in report.townships
            if not row.meets_quota
        ],
    }


def _standards_section(figures: YearFigures, program) -> dict | None:
    coverage = figures.standards
    if coverage is None or not coverage.cells:
        return None
    return {
        "coverage": coverage,
        "url": _url("villages:standards_table", program=program.code, year=figures.year),
        "failing": [cell for cell in coverage.cells if cell.verdict == village_standards.NOT_MET],
    }


def _standards_met_text(figures: YearFigures) -> str:
    cells = figures.standards.cells if figures.standards else []
    due = [cell for cell in cells if cell.due]
    return f"{sum(cell.verdict == village_standards.MET for cell in due)}/{len(due)}" if due else "—"


def _unit_filter(row) -> dict:
    """The list filter naming a unit: a township government through its township (the lists'
    department filter offers county departments only)."""
    return {"township": row.township_id} if row.township_id else {"department": row.id}


def _task_section(figures: YearFigures, program, today: datetime.date) -> dict:
    code = program.code
    # The task lists show tasks as they stand today: they hold exactly a figure's rows only
    # while the year runs (as of today); a past year's figures link to the program's tasks.
    current = figures.as_of == today
    departments = [
        {
            "row": row,
            # The chart and the table beside it write the same text (charts.percent_text).
            "completion_text": percent_text(row.completion_rate),
            "tasks_url": _url("tasks:task_list", program=code, **_unit_filter(row)),
            "overdue_url": _url("tasks:task_list", program=code, overdue="true", **_unit_filter(row))
            if current
            else None,
            "ledger_url": _url("tasks:ledger", program=code, overdue="true", **_unit_filter(row)),
        }
        for row in figures.departments
    ]
    return {
        "current": current,
        "as_of": figures.as_of,
        "totals": figures.task_totals,
        "departments": departments,
        "completeness": figures.completeness,
        "completeness_totals": figures.completeness_totals,
        "chart": bar_chart(
            chart_id="dashboard-departments-chart",
            title=f"各部门{figures.year}年任务办结率（%）",
            rows=[
                ChartRow(
                    label=item["row"].name,
                    value=item["row"].completion_percent,
                    value_text=item["completion_text"],
                    ok=False if item["row"].overdue else None,
                )
                for item in departments
            ],
            value_header="办结率",
            scale_max=100,
        ),
        "tasks_url": _url("tasks:task_list", program=code),
        "closed_url": _url("tasks:task_list", program=code, status="closed_out") if current else None,
        "overdue_url": _url("tasks:task_list", program=code, overdue="true") if current else None,
        "ledger_overdue_url": _url("tasks:ledger", program=code, overdue="true"),
        "completeness_url": _url("tasks:completeness", program=code, year=figures.year),
    }


def _assessment_section(figures: YearFigures, program) -> dict:
    stats = figures.assessments
    query = {"program": program.code, "year": figures.year}
    return {
        "stats": stats,
        "chart": bar_chart(
            chart_id="dashboard-assessment-chart",
            title=f"各乡镇{figures.year}年检查验收平均分",
            rows=[
                ChartRow(label=row.name, value=row.mean_total or 0, value_text=str(row.mean_total or "—"))
                for row in stats.townships
            ],
            value_header="平均分",
            scale_max=100,
        ),
        "ranking_url": _url("assessments:ranking", **query),
        "townships_url": _url("assessments:township_summary", **query),
        "rectifications_url": _url("assessments:rectification_list", status="unverified", **query),
    }


def _guardianship_section(stats, today: datetime.date) -> dict:
    month = stats.month.strftime("%Y-%m")
    totals = stats.as_dict()
    return {
        "month": stats.month,
        "as_of": stats.as_of,
        "totals": totals,
        "not_visited": totals["dispersed_total"] - totals["dispersed_visited"],
        "townships": stats.townships,
        "coverage_text": percent_text(totals["visit_coverage"]),
        "chart": bar_chart(
            chart_id="dashboard-visit-chart",
            title=f"各乡镇{stats.month:%Y年%-m月}分散供养人员走访覆盖率（%）",
            rows=[
                ChartRow(
                    label=row["name"],
                    value=row["visit_coverage"] * 100,
                    value_text=percent_text(row["visit_coverage"]),
                    ok=row["dispersed_visited"] >= row["dispersed_total"],
                )
                for row in stats.townships
            ],
            value_header="走访覆盖率",
            scale_max=100,
        ),
        "not_visited_url": _url(
            "guardianship:register", support_mode="dispersed", visited="false", status="active", month=month
        ),
        "matrix_url": _url("guardianship:visit_matrix", year=today.year),
        "overview_url": _url("guardianship:overview", month=month),
        "no_guardian_url": _url("guardianship:register", guardian_category="needed", status="active"),
        "no_agreement_url": _url("guardianship:register", agreement="false", status="active"),
    }


def _supervision_section(stats) -> dict:
    """This month's committee figures, as /api/v1/stats/supervision/ gives them to this user."""
    totals = stats.as_dict()
    return {
        "month": stats.month,
        "as_of": stats.as_of,
        "totals": totals,
        "coverage_text": percent_text(totals["coverage"]),
        "meeting_rate_text": percent_text(totals["meeting_rate"]),
        "review_rate_text": percent_text(totals["review_rate"]),
        "townships": stats.townships,
        "chart": bar_chart(
            chart_id="dashboard-supervision-chart",
            title="各乡镇村务监督委员会推广覆盖率（%）",
            rows=[
                ChartRow(
                    label=row["name"],
                    value=row["coverage"] * 100,
                    value_text=percent_text(row["coverage"]),
                    ok=row["overdue"] == 0 and row["pilot_in_range"],
                )
                for row in stats.townships
            ],
            value_header="覆盖率",
            scale_max=100,
        ),
        "committees_url": reverse("supervision:committee_list"),
        "overdue_url": _url("supervision:committee_list", status="overdue"),
    }


def _year_over_year(years: list[YearFigures]) -> list[dict]:
    """One row per figure, one value per program year (None where the role does not see it)."""

    def row(key, label, value_of):
        return {"key": key, "label": label, "cells": [{"year": f.year, "value": value_of(f)} for f in years]}

    rows = [
        row("as_of", "统计截至", lambda f: f.as_of.isoformat()),
        row("new_pilots", "新增试点村（已审批）", lambda f: f.quota.county.new_pilots),
        row("required_yearly", "全县每年最少试点村", lambda f: f.quota.county.required_yearly),
        row("townships_short", "未达标乡镇", lambda f: f.townships_short),
        row("cumulative_pilots", "累计试点村", lambda f: f.quota.county.cumulative_pilots),
        row("standards_met", "建设标准达标（已到期的）", _standards_met_text),
    ]
    if years and years[0].task_totals is not None:
        rows += [
            row("tasks_running", "实施中任务", lambda f: f.task_totals["running"]),
            row("tasks_closed_out", "已销号任务", lambda f: f.task_totals["closed_out"]),
            row("tasks_overdue", "逾期任务", lambda f: f.task_totals["overdue"]),
            row("completeness", "报送完整率", lambda f: percent_text(f.completeness_totals.completeness, 1)),
            row("timeliness", "报送及时率", lambda f: percent_text(f.completeness_totals.timeliness, 1)),
        ]
    if years and years[0].assessments is not None:
        rows += [
            row("inspected", "检查村数", lambda f: f.assessments.inspected),
            row(
                "mean_total", "平均分", lambda f: "—" if f.assessments.mean_total is None else f.assessments.mean_total
            ),
            row("excellent", "优秀", lambda f: f.assessments.excellent),
            row("pass", "合格", lambda f: f.assessments.passed),
            row("fail", "不合格", lambda f: f.assessments.fail),
            row("open_rectifications", "未验收整改", lambda f: f.assessments.open_rectifications),
        ]
    return rows


def county_dashboard(*, request) -> dict:
    user = request.user
    today = timezone.localdate()
    # An inspector's home starts with the sheets that wait for them: live, never cached.
    scoring = assessment_selectors.scoring_work(user=user) if user.role == Role.INSPECTOR else None
    program, year, errors = choose(request=request, today=today)
    if program is None or year is None:
        return {"errors": errors, "scoring": scoring}
    figures = all_figures(user=user, program=program, today=today)
    years = figures["years"]
    chosen = next(f for f in years if f.year == year)
    context = {
        "errors": errors,
        "scoring": scoring,
        "program": program,
        "programs": village_selectors.visible_programs(user=user),
        "year": year,
        "today": today,
        "as_of": chosen.as_of,
        "quota": _quota_section(chosen, program),
        "standards": _standards_section(chosen, program),
        "tasks": _task_section(chosen, program, today) if chosen.task_totals is not None else None,
        "assessments": _assessment_section(chosen, program) if chosen.assessments is not None else None,
        "guardianship": _guardianship_section(figures["guardianship"], today) if figures["guardianship"] else None,
        "supervision": _supervision_section(figures["supervision"]) if figures.get("supervision") else None,
        "years": [f.year for f in years],
        "year_over_year": _year_over_year(years),
    }
    # Kept for templates written before the sections: the quota report of the chosen year.
    context["report"] = chosen.quota
    return context
