"""Reads and statistics of the tasks app: always through visible_to, aggregates in SQL, and a
number of queries that does not depend on how many tasks, periods or reports there are.

The definitions shared by the pages, the API and the reminders:

- obligation: (TaskAssignment, ReportingPeriod of the same task) of an open task;
- met: that unit's report for that period is 已提交 or 已采纳 (a returned report is not met);
- overdue: today > due date and not met;
- completeness = received / expected, timeliness = on time / expected (DHIS2), where expected
  are the obligations due in the year and by the as-of date, received those first submitted
  by the as-of date, on time those first submitted (local date) by the due date.

The statistics of a year are counted as of its reference date (pilot_admin.dates.year_as_of):
only close-outs and submissions stamped on or before it count, so a past year's figures stay
as they were.

- a task of the year: begun by the as-of date, and either still running into the year
  (deadline in or after it) or not closed out when the year began (an overdue task carries
  over until it is closed out);
- closed out: closed out (销号) on or before the as-of date; counted in that year and after;
- overdue: deadline before the as-of date and not closed out by it;
- a unit leads a task when it is the task's lead unit (牵头), or when the task has no county
  lead and is carried out by the townships: then each township government leads its part
  (S0 §四(一), SPEC §4.4 item 5) — as the task list's lead_departments shows it.
"""

import datetime
import zoneinfo
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import (
    BooleanField,
    Case,
    Count,
    DateField,
    DecimalField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    JSONField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, JSONObject, LPad, TruncDate
from django.db.models.lookups import LessThanOrEqual
from django.urls import reverse
from django.utils import timezone

from pilot_admin.choices import Role
from pilot_admin.dates import end_of_day
from tasks.choices import AssignmentRole, ReportStatus, TaskStatus, UnlockRequestStatus
from tasks.models import (
    ProgressReport,
    ReportingPeriod,
    ReportUnlock,
    ReportUnlockRequest,
    Task,
    TaskAssignment,
)
from tasks.services import lock_date
from villages.choices import DepartmentKind
from villages.models import Department
from villages.querysets import unit_q

MET_STATUSES = (ReportStatus.SUBMITTED, ReportStatus.ACCEPTED)


def code_order(field="code"):
    """Task codes in the plan's order: an imported 任务分工表 numbers its tasks 1, 2, … 36, which
    text order puts as 1, 10, 11, … 2. Padded on the left to the field's length (so nothing is
    cut), 2 sorts before 10; codes of one length (BD-01-01) keep their text order."""
    return LPad(field, Task._meta.get_field("code").max_length, Value("0"))


# Lead units first, as the plan lists them (S0 §四), then cooperating units, then townships.
ROLE_ORDER = Case(
    When(role=AssignmentRole.LEAD, then=Value(0)),
    When(role=AssignmentRole.COOPERATING, then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)


def rate(part: int, whole: int) -> float:
    """A share rounded to 4 places; 0 when nothing was expected."""
    return round(part / whole, 4) if whole else 0.0


def _days_since(later, earlier) -> ExpressionWrapper:
    """`later - earlier` for two date expressions, as a timedelta (PostgreSQL and SQLite)."""
    return ExpressionWrapper(later - earlier, output_field=DurationField())


def _date(value: datetime.date) -> Value:
    return Value(value, output_field=DateField())


def first_submitted_on(field: str = "first_submitted_at"):
    """The county's local date of a report's first submission: timeliness is judged on it."""
    return TruncDate(field, tzinfo=zoneinfo.ZoneInfo(settings.TIME_ZONE))


def task_overdue_q(today: datetime.date) -> Q:
    """A task is overdue while open after its deadline."""
    return Q(status=TaskStatus.OPEN, deadline__lt=today)


def _path(prefix: str, name: str) -> str:
    return f"{prefix}__{name}" if prefix else name


def task_closed_out_by_q(as_of: datetime.date, prefix: str = "") -> Q:
    """Tasks closed out (销号) on or before `as_of` (the county's local date)."""
    return Q(**{_path(prefix, "status"): TaskStatus.CLOSED_OUT, _path(prefix, "closed_out_at__lt"): end_of_day(as_of)})


def task_overdue_as_of_q(as_of: datetime.date, prefix: str = "") -> Q:
    """Tasks past their deadline on `as_of` and not closed out by then."""
    return Q(**{_path(prefix, "deadline__lt"): as_of}) & ~task_closed_out_by_q(as_of, prefix)


def task_of_year_q(year: int, as_of: datetime.date, prefix: str = "") -> Q:
    """The tasks of `year` counted as of `as_of` (see the module docstring)."""
    first_day = datetime.date(year, 1, 1)
    begun = Q(**{_path(prefix, "start_date__lte"): as_of})
    open_at_start = ~task_closed_out_by_q(first_day - datetime.timedelta(days=1), prefix)
    return begun & (Q(**{_path(prefix, "deadline__gte"): first_day}) | open_at_start)


def leads_q(prefix: str = "") -> Q:
    """Assignments (at `prefix`) by which the unit leads the task: the lead unit's, or a township
    government's on a task with no lead unit (S0 §四(一))."""
    county_lead = TaskAssignment.objects.filter(task=OuterRef(_path(prefix, "task")), role=AssignmentRole.LEAD)
    return Q(**{_path(prefix, "role"): AssignmentRole.LEAD}) | (
        Q(**{_path(prefix, "role"): AssignmentRole.TOWNSHIP}) & ~Exists(county_lead)
    )


def task_list(*, user, today: datetime.date | None = None) -> QuerySet[Task]:
    """Visible tasks with `is_overdue`, their lead units prefetched as `lead_assignments` and
    the number of townships they apply to as `township_count`."""
    today = today or timezone.localdate()
    leads = (
        TaskAssignment.objects.filter(role=AssignmentRole.LEAD)
        .select_related("department")
        .order_by("department__name")
    )
    return (
        Task.objects.visible_to(user)
        .select_related("program")
        .annotate(
            is_overdue=ExpressionWrapper(task_overdue_q(today), output_field=BooleanField()),
            township_count=Count("assignments", filter=Q(assignments__role=AssignmentRole.TOWNSHIP)),
        )
        .prefetch_related(Prefetch("assignments", queryset=leads, to_attr="lead_assignments"))
        # GROUP BY drops Meta.ordering; pages and API pages need a stable order.
        .order_by("program__name", "program_id", code_order(), "code")
    )


def my_obligations(*, user, today: datetime.date) -> QuerySet[ReportingPeriod]:
    """The obligations a department or township user's unit still has to meet: periods of its
    open tasks that have begun and have no submitted or accepted report of the unit, in the
    order they need action: returned reports first, then the overdue ones (the most recently
    due first: those still open before their lock), then the rest by due date. Each period
    carries the unit's report (`report_id`, `report_status`, `return_reason`,
    `percent_complete`), `days_to_due` (negative when overdue), `unlocked_until` (the latest
    day a county unlock keeps it open, if any) and the unit's latest 补报 request
    (`unlock_request_id`, `unlock_request_status`, `unlock_refusal_reason`). Empty for roles
    that speak for no unit."""
    own = unit_q(user)
    if own is None:
        return ReportingPeriod.objects.none()
    reports = ProgressReport.objects.filter(own, period=OuterRef("pk"))
    unlocks = ReportUnlock.objects.filter(own, period=OuterRef("pk")).order_by("-until")
    requests = ReportUnlockRequest.objects.filter(own, period=OuterRef("pk")).order_by("-requested_at", "-pk")
    is_overdue = Q(due_date__lt=today)
    return (
        ReportingPeriod.objects.visible_to(user)
        .filter(task__status=TaskStatus.OPEN, start__lte=today)
        .filter(~Exists(reports.filter(status__in=MET_STATUSES)))
        .select_related("task", "task__program")
        .annotate(
            report_id=Subquery(reports.values("pk")[:1]),
            report_status=Subquery(reports.values("status")[:1]),
            return_reason=Subquery(reports.values("return_reason")[:1]),
            percent_complete=Subquery(reports.values("percent_complete")[:1]),
            days_to_due=_days_since(F("due_date"), _date(today)),
            unlocked_until=Subquery(unlocks.values("until")[:1]),
            unlock_request_id=Subquery(requests.values("pk")[:1]),
            unlock_request_status=Subquery(requests.values("status")[:1]),
            unlock_refusal_reason=Subquery(requests.values("refusal_reason")[:1]),
        )
        .order_by(
            Case(
                When(report_status=ReportStatus.RETURNED, then=Value(0)), default=Value(1), output_field=IntegerField()
            ),
            Case(When(is_overdue, then=Value(0)), default=Value(1), output_field=IntegerField()),
            Case(When(is_overdue, then=F("due_date")), default=None, output_field=DateField()).desc(nulls_last=True),
            "due_date",
            "task__code",
            "pk",
        )
    )


def review_queue(*, user) -> QuerySet[ProgressReport]:
    """The county office's queue: submitted reports with `on_time` (progress_report_list), the
    most recent period first (where the work of the day is), newest submission first within it;
    the unit, task and period each come in the same query."""
    return (
        progress_report_list(user=user)
        .filter(status=ReportStatus.SUBMITTED)
        .select_related("submitted_by", "department__township")
        .order_by("-period__due_date", "-submitted_at", "-pk")
    )


def unlock_request_queue(*, user) -> QuerySet[ReportUnlockRequest]:
    """补报申请 for the county office: pending ones first (oldest waiting first), then the
    decided ones, most recent decision first."""
    return (
        ReportUnlockRequest.objects.visible_to(user)
        .select_related("period", "period__task", "period__task__program", "department", "requested_by", "decided_by")
        .select_related("unlock")
        .order_by(
            Case(
                When(status=UnlockRequestStatus.PENDING, then=Value(0)), default=Value(1), output_field=IntegerField()
            ),
            Case(When(status=UnlockRequestStatus.PENDING, then=F("requested_at")), default=None).asc(),
            F("decided_at").desc(nulls_last=True),
            "-pk",
        )
    )


def pending_unlock_requests(*, user) -> QuerySet[ReportUnlockRequest]:
    """What the menu badge of 补报申请 counts (with the header's other badges, in one statement)."""
    return ReportUnlockRequest.objects.visible_to(user).filter(status=UnlockRequestStatus.PENDING)


def pending_unlock_request_count(*, user) -> int:
    """One COUNT on the partial index of pending requests."""
    return pending_unlock_requests(user=user).count()


# The ledger's order: by program, the plan's task order, lead units first, then by name.
LEDGER_ORDER = (
    "task__program__name",
    "task__program_id",
    code_order("task__code"),
    "role_order",
    "department__name",
    "pk",
)


def _ledger_parts(today: datetime.date) -> tuple[QuerySet, QuerySet, Case]:
    """What a ledger row reads, shared by the export's rows and the page's: the task's periods
    in the order that puts the current one first (the latest one due by today, else the first
    to come), the unit's reports latest first, and `overdue_since` (the earliest due date the
    unit has not met, open tasks only)."""
    periods = ReportingPeriod.objects.filter(task=OuterRef("task"))
    is_due = Q(due_date__lte=today)
    current = periods.order_by(
        Case(When(is_due, then=Value(0)), default=Value(1), output_field=IntegerField()),
        Case(When(is_due, then=F("due_date")), default=None, output_field=DateField()).desc(nulls_last=True),
        "due_date",
    )
    reports = ProgressReport.objects.filter(task=OuterRef("task"), department=OuterRef("department")).order_by(
        "-period__due_date", "-pk"
    )
    met = ProgressReport.objects.filter(
        period=OuterRef("pk"), department=OuterRef(OuterRef("department")), status__in=MET_STATUSES
    )
    first_unmet = periods.filter(due_date__lt=today).filter(~Exists(met)).order_by("due_date").values("due_date")[:1]
    overdue_since = Case(
        When(task__status=TaskStatus.OPEN, then=Subquery(first_unmet)), default=None, output_field=DateField()
    )
    return current, reports, overdue_since


def ledger_rows(*, user, today: datetime.date) -> QuerySet[TaskAssignment]:
    """The task ledger (台账) as the export and the documents read it: one row per task × unit,
    annotated with the task's current period (`period_label`, `period_due`), the unit's latest
    report (`report_id`, `report_status`, `report_percent`, `report_submitted_at`,
    `report_period_label`, `report_figures` with the task's figures prefetched),
    `overdue_since` and `days_overdue`."""
    current, reports, overdue_since = _ledger_parts(today)
    return (
        TaskAssignment.objects.visible_to(user)
        .select_related("task", "task__program", "department")
        # The figures the latest report carries are named by the task's figures.
        .prefetch_related("task__figures")
        .annotate(
            report_figures=Subquery(reports.values("figures")[:1], output_field=JSONField()),
            period_label=Subquery(current.values("label")[:1]),
            period_due=Subquery(current.values("due_date")[:1]),
            report_id=Subquery(reports.values("pk")[:1]),
            report_status=Subquery(reports.values("status")[:1]),
            report_percent=Subquery(reports.values("percent_complete")[:1]),
            report_submitted_at=Subquery(reports.values("submitted_at")[:1]),
            report_period_label=Subquery(reports.values("period__label")[:1]),
            overdue_since=overdue_since,
            days_overdue=_days_since(_date(today), F("overdue_since")),
            role_order=ROLE_ORDER,
        )
        .order_by(*LEDGER_ORDER)
    )


def ledger_page_rows(*, user, today: datetime.date) -> QuerySet[TaskAssignment]:
    """ledger_rows as the page reads it (no figures): the current period and the latest report
    each one JSON column (`period`: label, due; `report`: id, status, percent, submitted_at,
    period_label; None without one) of the rows' own statement, three subqueries per row where
    a column each made eight, with `overdue_since` for the overdue filter."""
    current, reports, overdue_since = _ledger_parts(today)
    period = current.values(json=JSONObject(label=F("label"), due=F("due_date")))
    report = reports.values(
        json=JSONObject(
            id=F("pk"),
            status=F("status"),
            percent=F("percent_complete"),
            submitted_at=F("submitted_at"),
            period_label=F("period__label"),
        )
    )
    return (
        TaskAssignment.objects.visible_to(user)
        .annotate(
            period=Subquery(period[:1], output_field=JSONField()),
            report=Subquery(report[:1], output_field=JSONField()),
            overdue_since=overdue_since,
            role_order=ROLE_ORDER,
        )
        .order_by(*LEDGER_ORDER)
    )


@dataclass(frozen=True)
class CompletenessTotals:
    """Expected, received and on-time reports with the two DHIS2 rates."""

    expected: int
    received: int
    on_time: int

    @property
    def completeness(self) -> float:
        return rate(self.received, self.expected)

    @property
    def timeliness(self) -> float:
        return rate(self.on_time, self.expected)

    @property
    def completeness_percent(self) -> float:
        return self.completeness * 100

    @property
    def timeliness_percent(self) -> float:
        return self.timeliness * 100


@dataclass(frozen=True, kw_only=True)
class UnitCompleteness(CompletenessTotals):
    unit_id: int
    unit: str
    kind: str

    def as_dict(self) -> dict:
        return {
            "unit": self.unit,
            "expected": self.expected,
            "received": self.received,
            "on_time": self.on_time,
            "completeness": self.completeness,
            "timeliness": self.timeliness,
        }


def completeness_totals(rows: list[UnitCompleteness]) -> CompletenessTotals:
    return CompletenessTotals(
        expected=sum(row.expected for row in rows),
        received=sum(row.received for row in rows),
        on_time=sum(row.on_time for row in rows),
    )


def _unit_order(kind_path: str, name_path: str) -> list:
    """Party organs, government departments, mass organisations, others, then townships."""
    kinds = [DepartmentKind.PARTY, DepartmentKind.GOVERNMENT, DepartmentKind.MASS_ORGANIZATION, DepartmentKind.OTHER]
    return [
        Case(
            *[When(**{kind_path: kind}, then=Value(index)) for index, kind in enumerate(kinds)],
            default=Value(len(kinds)),
            output_field=IntegerField(),
        ),
        name_path,
    ]


def completeness(*, user, program, year: int, as_of: datetime.date) -> list[UnitCompleteness]:
    """Expected, received and on-time reports per reporting unit for the program's periods
    due in `year` and by `as_of`, in one grouped query over periods × the task's units. A
    department or township user gets only their own unit.

    A closed-out task's periods due on or before its close-out still count (they were owed
    while it was open); those after it do not. A report counts as received when first
    submitted by `as_of`, so a late report leaves a past year's figures as they were."""
    own = None
    if user.role == Role.DEPARTMENT:
        own = Q(unit=user.department_id)
    elif user.role == Role.TOWNSHIP:
        own = Q(unit_township=user.township_id)
    return _completeness(ReportingPeriod.objects.visible_to(user), own=own, program=program, year=year, as_of=as_of)


def county_completeness_totals(*, program, year: int, as_of: datetime.date) -> CompletenessTotals:
    """The program's county pooled over every reporting unit, totals only: the figure a unit
    may set its own against without seeing another unit's row."""
    return completeness_totals(
        _completeness(ReportingPeriod.objects.all(), own=None, program=program, year=year, as_of=as_of)
    )


def _completeness(
    scope: QuerySet[ReportingPeriod], *, own: Q | None, program, year: int, as_of: datetime.date
) -> list[UnitCompleteness]:
    owed = Q(task__status=TaskStatus.OPEN) | Q(task__closed_out_at__date__gte=F("due_date"))
    periods = (
        scope.filter(owed, task__program=program, due_date__year=year, due_date__lte=as_of)
        # One row per period × unit; the unit is an annotation so every later reference
        # reuses this one join.
        .annotate(
            unit=F("task__assignments__department"),
            unit_name=F("task__assignments__department__name"),
            unit_kind=F("task__assignments__department__kind"),
            unit_township=F("task__assignments__department__township"),
        )
    )
    if own is not None:
        periods = periods.filter(own)
    # When the unit's report of the period (one at most: progressreport_once_per_unit_period)
    # was first submitted by the as-of date: a scalar subquery, looked up by that index row by
    # row. An EXISTS here was answered by hashing every report of every county first.
    first_submitted = (
        ProgressReport.objects.filter(
            period=OuterRef("pk"), department=OuterRef("unit"), first_submitted_at__lt=end_of_day(as_of)
        )
        .order_by()
        .values("first_submitted_at")[:1]
    )
    periods = periods.alias(first_submitted=Subquery(first_submitted))
    received = Q(first_submitted__isnull=False)
    on_time = Q(LessThanOrEqual(first_submitted_on("first_submitted"), F("due_date")))
    rows = (
        periods.values("unit", "unit_name", "unit_kind")
        .annotate(
            expected=Count("pk"),
            received=Count("pk", filter=received),
            on_time=Count("pk", filter=on_time),
        )
        .order_by(*_unit_order("unit_kind", "unit_name"))
    )
    return [
        UnitCompleteness(
            unit_id=row["unit"],
            unit=row["unit_name"],
            kind=row["unit_kind"],
            expected=row["expected"],
            received=row["received"],
            on_time=row["on_time"],
        )
        for row in rows
    ]


@dataclass(frozen=True)
class DepartmentStats:
    id: int
    name: str
    kind: str
    township_id: int | None
    tasks_led: int
    tasks_cooperating: int
    tasks_involved: int
    closed_out: int
    overdue: int

    @property
    def completion_rate(self) -> float:
        """办结率: closed-out tasks over the tasks the unit is involved in."""
        return rate(self.closed_out, self.tasks_involved)

    @property
    def completion_percent(self) -> float:
        return self.completion_rate * 100

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "name": self.name,
            "kind": self.kind,
            "tasks_led": self.tasks_led,
            "tasks_cooperating": self.tasks_cooperating,
            "tasks_involved": self.tasks_involved,
            "closed_out": self.closed_out,
            "overdue": self.overdue,
            "completion_rate": self.completion_rate,
        }


def department_stats(*, user, program, year: int, as_of: datetime.date) -> list[DepartmentStats]:
    """Per unit — county departments and township governments alike — the program's tasks of
    `year` it leads (see leads_q), cooperates on, is involved in at all (as lead, cooperating
    or carrying-out township); of those, closed out and overdue as of `as_of`. One grouped
    query. A department or township user gets only their own unit, never a partial count of
    another one."""
    departments = Department.objects.visible_to(user).filter(county=program.county_id)
    if user.role == Role.DEPARTMENT:
        departments = departments.filter(pk=user.department_id)
    elif user.role == Role.TOWNSHIP:
        departments = departments.filter(township=user.township_id)
    # The units' assignments to the program's tasks of the year, grouped by unit: the year's
    # condition is written once, in WHERE, where five filtered counts over every assignment of
    # every unit repeated it five times.
    rows = (
        TaskAssignment.objects.filter(task_of_year_q(year, as_of, "task"), task__program=program)
        .filter(department__in=departments.values("pk"))
        .values("department", "department__name", "department__kind", "department__township")
        .annotate(
            tasks_led=Count("pk", filter=leads_q()),
            tasks_cooperating=Count("pk", filter=Q(role=AssignmentRole.COOPERATING)),
            tasks_involved=Count("pk"),
            n_closed=Count("pk", filter=task_closed_out_by_q(as_of, "task")),
            n_overdue=Count("pk", filter=task_overdue_as_of_q(as_of, "task")),
        )
        .order_by(*_unit_order("department__kind", "department__name"))
    )
    return [
        DepartmentStats(
            id=row["department"],
            name=row["department__name"],
            kind=row["department__kind"],
            township_id=row["department__township"],
            tasks_led=row["tasks_led"],
            tasks_cooperating=row["tasks_cooperating"],
            tasks_involved=row["tasks_involved"],
            closed_out=row["n_closed"],
            overdue=row["n_overdue"],
        )
        for row in rows
    ]


def task_totals(*, user, program, year: int, as_of: datetime.date) -> dict:
    """The visible tasks of the program of `year` (as department_stats counts them), closed out
    and overdue as of `as_of`: each task once, however many units it has. One aggregate query.
    For a department or township user these are its own unit's row."""
    return (
        Task.objects.visible_to(user)
        .filter(task_of_year_q(year, as_of), program=program)
        .aggregate(
            running=Count("pk"),
            closed_out=Count("pk", filter=task_closed_out_by_q(as_of)),
            overdue=Count("pk", filter=task_overdue_as_of_q(as_of)),
        )
    )


def task_stats(*, user, program, year: int, as_of: datetime.date) -> dict:
    """The statistics of GET /api/v1/stats/tasks/: the program's tasks of the year, each unit's
    load and close-out, and report completeness per reporting unit, all as of `as_of`."""
    return {
        "program": program.code,
        "year": year,
        "as_of": as_of,
        "scope": stats_scope(user),
        "tasks": task_totals(user=user, program=program, year=year, as_of=as_of),
        "departments": [row.as_dict() for row in department_stats(user=user, program=program, year=year, as_of=as_of)],
        "reporting_units": [row.as_dict() for row in completeness(user=user, program=program, year=year, as_of=as_of)],
    }


def stats_scope(user) -> str:
    """Whose tasks the statistics cover: a department's or a township government's own unit,
    else the county."""
    if user.role in (Role.DEPARTMENT, Role.TOWNSHIP):
        return user.role
    return "county"


def task_list_with_units(*, user) -> QuerySet[Task]:
    """task_list with every unit of each task prefetched as `unit_assignments` and its
    reporting periods as `period_list` (by due date): what a client needs to recount the task
    statistics."""
    units = TaskAssignment.objects.select_related("department").order_by(ROLE_ORDER, "department__name")
    periods = ReportingPeriod.objects.order_by("due_date")
    return task_list(user=user).prefetch_related(
        Prefetch("assignments", queryset=units, to_attr="unit_assignments"),
        Prefetch("periods", queryset=periods, to_attr="period_list"),
    )


def progress_report_list(*, user) -> QuerySet[ProgressReport]:
    """Visible reports with `on_time`, judged as the completeness table judges it."""
    return (
        ProgressReport.objects.visible_to(user)
        .select_related("task", "period", "department")
        .prefetch_related("task__figures")
        .annotate(first_day=first_submitted_on())
        .annotate(
            on_time=Case(
                When(first_day__lte=F("period__due_date"), then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            )
        )
        # Newest period first, as on the pages; task, unit and id make the order total.
        .order_by("-period__due_date", "task__code", "department__name", "pk")
    )


def figure_totals(*, user, task, figures) -> dict[int, dict[str, Decimal]]:
    """Per period of `task`, each figure summed over the units' submitted and accepted reports
    the user may read (a draft or a returned report is not a unit's figure yet): one grouped
    query however many units and periods."""
    figures = list(figures)
    if not figures:
        return {}
    sums = {
        figure.key: Sum(Cast(KeyTextTransform(figure.key, "figures"), DecimalField(max_digits=20, decimal_places=4)))
        for figure in figures
    }
    rows = (
        ProgressReport.objects.visible_to(user)
        .filter(task=task, status__in=MET_STATUSES)
        .values("period")
        .annotate(**sums)
        .order_by()
    )
    return {row["period"]: {figure.key: row[figure.key] for figure in figures} for row in rows}


@dataclass(frozen=True)
class ReportAction:
    """What a unit can do next about one obligation of my_obligations, as its lists show it:
    fill the report in, or — the period locked — ask for a late report (申请补报)."""

    label: str
    url: str
    locked: bool
    # 补报 request awaiting the county office's decision: nothing to do but wait.
    pending: bool = False
    note: str = ""


def report_action(period: ReportingPeriod, *, today: datetime.date) -> ReportAction:
    """The action for one my_obligations row (its annotations; no query). A locked period
    offers 申请补报, never a form that would refuse it (tasks.services.is_locked decides the
    same on the write)."""
    # tasks.services.is_locked, read from the row's `unlocked_until` instead of one query a row.
    lock = lock_date(period)
    unlocked = period.unlocked_until is not None and period.unlocked_until >= today
    if today > lock and not unlocked:
        request_url = reverse("tasks:unlock_request_create", args=[period.pk])
        if period.unlock_request_status == UnlockRequestStatus.PENDING:
            return ReportAction("查看补报申请", request_url, locked=True, pending=True, note="补报申请待县里处理")
        note = ""
        if period.unlock_request_status == UnlockRequestStatus.REFUSED:
            note = f"上次补报申请未同意：{period.unlock_refusal_reason}"
        return ReportAction("申请补报", request_url, locked=True, note=note)
    edit_url = reverse("tasks:report_edit", args=[period.pk])
    note = f"已解锁至 {period.unlocked_until:%Y-%m-%d}" if unlocked and today > lock else ""
    if period.report_status == ReportStatus.RETURNED:
        return ReportAction("修改后重新提交", edit_url, locked=False, note=note)
    return ReportAction("继续填报" if period.report_id else "填报", edit_url, locked=False, note=note)
