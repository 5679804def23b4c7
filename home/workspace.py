"""The township workspace (首页 for township officials): what is theirs to do today, most urgent
first, and where their township stands against the county.

Every obligation and every figure comes from the owning app's selectors, the ones the app's
pages, reminders and API `stats/` endpoints use, so the workspace cannot disagree with them.
The county comparison uses the selectors' county-total helpers, which return totals only:
nothing of another township's rows reaches this page.
"""

import datetime
from dataclasses import dataclass

from django.urls import reverse
from django.utils import timezone

from assessments import selectors as assessment_selectors
from guardianship import selectors as guardianship_selectors
from guardianship.models import GuardianshipPolicy
from guardianship.permissions import can_view_guardianship
from pilot_admin.dates import year_as_of
from supervision import obligations as supervision_obligations
from supervision.models import Committee
from supervision.permissions import can_view_supervision
from tasks import selectors as task_selectors
from tasks.choices import ReportStatus
from villages import selectors as village_selectors

# The kinds in the order the counts are shown; on equal due dates the list keeps this order too.
KINDS = {
    "report": "待报送报告",
    "returned": "退回待修改",
    "rectification": "整改待报送",
    "visit": "本月待走访",
    "supervision_term": "监委会待换届",
    "supervision_meeting": "监委会本月待开会",
    "supervision_review": "财务支出待复核",
}
DEFAULT_WARNING_DAY = GuardianshipPolicy._meta.get_field("visit_warning_day").default


@dataclass(frozen=True)
class Obligation:
    """One thing the township has to do, with the link to the form that does it."""

    kind: str
    title: str
    detail: str
    due_date: datetime.date
    days_to_due: int  # negative when overdue
    url: str
    action: str
    soon: bool
    # A report whose period is locked: its action is 申请补报 (or waiting for the answer).
    locked: bool = False

    @property
    def kind_label(self) -> str:
        return KINDS[self.kind]

    @property
    def days_overdue(self) -> int:
        return max(0, -self.days_to_due)

    @property
    def days_left(self) -> int | None:
        return self.days_to_due if self.days_to_due >= 0 else None

    @property
    def badge(self) -> str:
        """The CSS class of the due-date badge: overdue, due soon, or plain."""
        if self.days_to_due < 0:
            return "bad"
        return "warn" if self.soon else ""

    @property
    def sort_key(self) -> tuple:
        return (self.due_date, list(KINDS).index(self.kind), self.title, self.url)


def _report_obligations(user, today: datetime.date) -> list[Obligation]:
    items = []
    for period in task_selectors.my_obligations(user=user, today=today):
        task, days = period.task, period.days_to_due.days
        returned = period.report_status == ReportStatus.RETURNED
        action = task_selectors.report_action(period, today=today)
        detail = period.label
        if returned and period.return_reason:
            detail = f"{period.label} · 退回原因：{period.return_reason}"
        if action.note:
            detail = f"{detail} · {action.note}"
        items.append(
            Obligation(
                kind="returned" if returned else "report",
                title=f"{task.code} {task.title}",
                detail=detail,
                due_date=period.due_date,
                days_to_due=days,
                url=action.url,
                action=action.label,
                soon=0 <= days <= task.program.remind_days_before,
                locked=action.locked,
            )
        )
    return items


def _rectification_obligations(user, today: datetime.date) -> list[Obligation]:
    items = []
    for row in assessment_selectors.rectifications_due(user=user).select_related("inspection__pilot__program"):
        days = (row.deadline - today).days
        items.append(
            Obligation(
                kind="rectification",
                title=f"{row.inspection.pilot.village.name} · {row.item.code} {row.item.title}",
                detail=row.issue,
                due_date=row.deadline,
                days_to_due=days,
                url=reverse("assessments:rectification_detail", args=[row.pk]) + "#evidence-form",
                action="报送整改情况",
                soon=0 <= days <= row.inspection.pilot.program.remind_days_before,
            )
        )
    return items


def _visit_obligations(user, today: datetime.date) -> list[Obligation]:
    """Persons due a visit this month and not yet visited enough; due on the month's last day,
    due soon from the county policy's warning day (as the visit reminders)."""
    if not can_view_guardianship(user):
        return []
    month = guardianship_selectors.month_start(today)
    last_day = guardianship_selectors.next_month(month) - datetime.timedelta(days=1)
    warning_day = (
        GuardianshipPolicy.objects.filter(county=user.township.county_id)
        .values_list("visit_warning_day", flat=True)
        .first()
    ) or DEFAULT_WARNING_DAY
    persons = (
        guardianship_selectors.monthly_compliance(user=user, month=month)
        .filter(visited_in_month=False)
        .order_by("village__code", "village__name", "name", "pk")
    )
    days = (last_day - today).days
    return [
        Obligation(
            kind="visit",
            title=person.name,
            detail=f"{person.village.name} · 本月已走访 {person.visits_in_month} 次"
            f"，应不少于 {person.required_visits} 次",
            due_date=last_day,
            days_to_due=days,
            url=reverse("guardianship:visit_create", args=[person.pk]),
            action="登记走访",
            soon=today.day >= warning_day,
        )
        for person in persons
    ]


def _supervision_obligations(user, today: datetime.date) -> list[Obligation]:
    """The township's committees: a term ending within the county's warning days or ended
    (re-election), this month's meeting and this period's expense review not yet recorded —
    supervision/obligations.py, which the reminders send too."""
    if not can_view_supervision(user):
        return []
    texts = {
        supervision_obligations.TERM: ("任期 {end} 届满，请组织换届选举", "committee_detail", "查看监委会"),
        supervision_obligations.MEETING: ("{month} 尚未召开监委会会议", "meeting_create", "登记会议"),
        supervision_obligations.REVIEW: ("{month} 起的财务支出尚未复核", "review_create", "登记复核"),
    }
    items = []
    for owed in supervision_obligations.owed(Committee.objects.visible_to(user), today):
        detail, route, action = texts[owed.kind]
        days = (owed.due_date - today).days
        items.append(
            Obligation(
                kind=f"supervision_{owed.kind}",
                title=f"{owed.committee.village.name}村务监督委员会",
                detail=detail.format(end=owed.committee.term_end, month=f"{owed.period:%Y年%-m月}"),
                due_date=owed.due_date,
                days_to_due=days,
                url=reverse(f"supervision:{route}", args=[owed.committee.pk]),
                action=action,
                soon=days <= 7,
            )
        )
    return items


def township_obligations(*, user, today: datetime.date) -> list[Obligation]:
    """Every obligation of the user's township in one list, most overdue first, then due
    soonest. A fixed number of queries however many there are."""
    items = [
        *_report_obligations(user, today),
        *_rectification_obligations(user, today),
        *_visit_obligations(user, today),
        *_supervision_obligations(user, today),
    ]
    return sorted(items, key=lambda item: item.sort_key)


@dataclass(frozen=True)
class Comparison:
    """One figure of the township next to the county's."""

    key: str
    label: str
    own: str
    county: str
    url: str


def _percent(value: float) -> str:
    return f"{value * 100:.1f}%"


def _points(value) -> str:
    return "—" if value is None else f"{value} 分"


def township_figures(*, user, program, year: int, today: datetime.date) -> dict:
    """The township's own figures (the API stats selectors, scoped to the user) against the
    county totals, all as of the year's reference date (the API's). Returns the quota report
    (its own row, and the county block) and the comparison rows."""
    as_of = year_as_of(year, today)
    quota = village_selectors.pilot_quota_stats(user=user, program=program, year=year, as_of=as_of)
    county_quota = quota.county
    own_quota = quota.townships[0] if quota.townships else None

    own_reports = task_selectors.completeness_totals(
        task_selectors.completeness(user=user, program=program, year=year, as_of=as_of)
    )
    county_reports = task_selectors.county_completeness_totals(program=program, year=year, as_of=as_of)

    own_results = assessment_selectors.assessment_stats(user=user, program=program, year=year, as_of=as_of)
    county_results = assessment_selectors.county_result_totals(program=program, year=year, as_of=as_of)

    rows = [
        Comparison(
            key="pilot-share",
            label=f"累计试点村占比（截至{year}年）",
            own=_percent(own_quota.cumulative_share) if own_quota else "—",
            county=_percent(county_quota.cumulative_share),
            url=f"{reverse('villages:quota_report')}?program={program.code}&year={year}",
        ),
        Comparison(
            key="new-pilots",
            label=f"{year}年新增已审批试点村",
            own=f"{own_quota.new_pilots} 个" if own_quota else "—",
            county=f"{county_quota.new_pilots} 个",
            url=f"{reverse('villages:pilot_list')}?program={program.code}&year={year}",
        ),
        Comparison(
            key="completeness",
            label=f"{year}年报告完整率",
            own=_percent(own_reports.completeness),
            county=_percent(county_reports.completeness),
            url=reverse("tasks:completeness"),
        ),
        Comparison(
            key="timeliness",
            label=f"{year}年报告及时率",
            own=_percent(own_reports.timeliness),
            county=_percent(county_reports.timeliness),
            url=reverse("tasks:completeness"),
        ),
        Comparison(
            key="inspection-mean",
            label=f"{year}年检查验收平均分",
            own=_points(own_results.mean_total),
            county=_points(county_results.mean_total),
            url=f"{reverse('assessments:ranking')}?program={program.code}&year={year}",
        ),
    ]
    if can_view_guardianship(user):
        month = guardianship_selectors.month_start(today)
        own_visits = guardianship_selectors.guardianship_stats(user=user, month=month).as_dict()
        county_visits = guardianship_selectors.county_visit_coverage(county=program.county_id, month=month)
        rows.append(
            Comparison(
                key="visit-coverage",
                label=f"{month.year}年{month.month}月分散供养人员走访率",
                own=f"{_percent(own_visits['visit_coverage'])}（{own_visits['dispersed_visited']}/{own_visits['dispersed_total']}）",
                county=_percent(county_visits["visit_coverage"]),
                url=f"{reverse('guardianship:visit_matrix')}?year={month.year}",
            )
        )
    return {
        "as_of": as_of,
        "report": quota,
        "county_quota": county_quota,
        "own_reports": own_reports,
        "county_reports": county_reports,
        "own_results": own_results,
        "county_results": county_results,
        "comparisons": rows,
    }


def township_workspace(*, request, today: datetime.date | None = None) -> dict:
    user = request.user
    today = today or timezone.localdate()
    obligations = township_obligations(user=user, today=today)
    context = {
        "today": today,
        "obligations": obligations,
        "obligation_counts": [
            {"kind": kind, "label": label, "count": sum(1 for item in obligations if item.kind == kind)}
            for kind, label in KINDS.items()
        ],
        "overdue_count": sum(1 for item in obligations if item.days_to_due < 0),
    }
    program = village_selectors.program_for_code(user=user, code=None)
    if program is not None and program.start_year <= today.year:
        year = program.default_year(today)
        context.update(
            program=program, year=year, **township_figures(user=user, program=program, year=year, today=today)
        )
    return context
