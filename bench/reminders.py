"""The reminder scan at province scale: a million obligations (2,000 tasks × 50 units × 10
reporting periods by default), most past ones reported, timed in this process against two
hand-written floors:

- the writing floor, which the target judges: ONE INSERT … SELECT … ON CONFLICT DO NOTHING of the
  same reminders into the same table (its indexes, unique constraint and foreign keys), its own
  transaction, commit included. The scan's job is to find the due obligations and to record the
  reminders it sends (exactly-once rests on those rows), and this is the least one statement can
  do for that job;
- the SELECT-only floor, for information: ONE SELECT of the same obligations and kinds, which
  finds the reminders and records none.

The scan and the writing floor are timed alike, alternating which goes first, each from the same
table state: the first run ever (the table emptied before each side, untimed: every late
obligation of the past is caught up at once), the same day again (which must add nothing), and an
ordinary day (the beat's scans since the last working day done by the scan, untimed, before each
side's today). Both floors compute each obligation's days until due and its kinds in one pass,
written independently of the scan's SQL, so the checks (the floor's rows are exactly the
reminders the scan recorded, and both sides wrote the same) mean something.
"""

import datetime
import statistics
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bench import tasks_seed
from bench.seed import BENCH_PROVINCE
from pilot_admin.choices import ReminderKind
from pilot_admin.workdays import WorkCalendar
from tasks.choices import AssignmentRole, ReportStatus, TaskStatus
from tasks.models import ProgressReport, Reminder, ReportingPeriod, Task, TaskAssignment
from tasks.reminders import reminders_scan
from villages.choices import DepartmentKind
from villages.models import County, Department, PilotProgram

UNITS = 50
PERIODS_PER_TASK = 10
PERIOD_SPACING_DAYS = 61
SCAN_DATE = datetime.date(2020, 6, 15)
# Task i's first due date is FIRST_DUE + (i mod PERIOD_SPACING_DAYS) days, so every day of the
# range has some obligations falling due; about half of all periods lie before SCAN_DATE.
FIRST_DUE = SCAN_DATE - datetime.timedelta(days=5 * PERIOD_SPACING_DAYS + PERIOD_SPACING_DAYS // 2)
BATCH_SIZE = 5000
PROGRAM_CODE = "bench-reminders"


def _t(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


@dataclass
class ReminderBench:
    """Medians in ms: the scan's (`scan_ms` first run, `repeat_ms` the same day again, `daily_ms`
    an ordinary day), the writing floor's (`floor_ms`, `floor_repeat_ms`, `floor_daily_ms`) and
    the SELECT-only floor's (`select_floor_ms`, the same day's obligations in each case)."""

    obligations: int
    tasks: int
    units: int
    periods: int
    reports: int
    scan_date: str
    runs: int
    scan_ms: float = 0.0
    repeat_ms: float = 0.0
    daily_ms: float = 0.0
    floor_ms: float = 0.0
    floor_repeat_ms: float = 0.0
    floor_daily_ms: float = 0.0
    select_floor_ms: float = 0.0
    ratio: float | None = None
    daily_ratio: float | None = None
    scan_created: int = 0
    repeat_created: int = 0
    daily_created: int = 0
    floor_created: int = 0
    floor_repeat_created: int = 0
    floor_daily_created: int = 0
    floor_rows: int = 0
    scan_queries: int = 0
    problem: str | None = None

    def as_dict(self) -> dict:
        return asdict(self)


def _date(value: datetime.date):
    return connection.ops.adapt_datefield_value(value)


def _timestamp(value: datetime.datetime):
    return connection.ops.adapt_datetimefield_value(value)


@transaction.atomic
def seed(tasks: int) -> tuple[PilotProgram, int]:
    """A county of its own in the bench province with UNITS units and `tasks` open tasks, each
    assigned to every unit with PERIODS_PER_TASK periods. Past obligations are 90 % reported
    (some accepted), 5 % returned and 5 % not reported; of those due in the next ten days a
    third are reported early. Returns the program and the number of reports written."""
    county = County.objects.create(
        name="基准县（提醒）", province=BENCH_PROVINCE, prefecture="基准州", admin_code="800000"
    )
    program = PilotProgram.objects.create(
        county=county, code=PROGRAM_CODE, name="基准提醒试点", start_year=2016, end_year=2020, cumulative_by_year=2020
    )
    Department.objects.bulk_create(
        [
            Department(county=county, key=f"unit-{i:02d}", name=f"基准单位{i:02d}", kind=DepartmentKind.GOVERNMENT)
            for i in range(UNITS)
        ]
    )
    span = datetime.timedelta(days=PERIOD_SPACING_DAYS)
    tasks_seed.create_tasks_with_periods(
        [program],
        per_program=tasks,
        code_prefix="R",
        first_due=lambda i: FIRST_DUE + datetime.timedelta(days=i % PERIOD_SPACING_DAYS),
        periods=PERIODS_PER_TASK,
        spacing_days=PERIOD_SPACING_DAYS,
        start_date=lambda i: FIRST_DUE - span,
        deadline=lambda i: FIRST_DUE + span * (PERIODS_PER_TASK + 1),
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {_t(TaskAssignment)} (task_id, department_id, role, verbatim)
            SELECT t.id, d.id, CASE WHEN d.key = %s THEN %s ELSE %s END, ''
              FROM {_t(Task)} t CROSS JOIN {_t(Department)} d
             WHERE t.program_id = %s AND d.county_id = %s
            """,
            ["unit-00", AssignmentRole.LEAD, AssignmentRole.COOPERATING, program.pk, county.pk],
        )
    reports = tasks_seed.insert_reports(
        counties_sql="%s",
        counties_params=[county.pk],
        cutoff=SCAN_DATE,
        early_days=10,
        submitted=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC),
    )
    return program, reports


def _floor_sql() -> str:
    """Every open obligation with its due date, its days until due (negative when late) and the
    kinds that day gives it, met ones left out: one statement, one pass."""
    if connection.vendor == "postgresql":
        days_until = "(p.due_date - CAST(%s AS date))"
    else:
        days_until = "CAST(julianday(p.due_date) - julianday(%s) AS INTEGER)"
    return f"""
    SELECT o.assignment_id, o.period_id, o.due_date,
           o.days_until = o.remind_days_before AS f0, o.days_until = 1 AS f1, o.days_until < 0 AS f2,
           o.days_until < 0 AND -o.days_until >= o.leader_days AS f3,
           o.days_until < 0 AND -o.days_until >= o.county_days AS f4
      FROM (SELECT a.id AS assignment_id, p.id AS period_id, p.due_date, {days_until} AS days_until,
                   g.remind_days_before, g.escalate_leader_after_days AS leader_days,
                   g.escalate_county_after_days AS county_days
              FROM {_t(ReportingPeriod)} p
              JOIN {_t(Task)} t ON t.id = p.task_id AND t.status = %s
              JOIN {_t(PilotProgram)} g ON g.id = t.program_id
              JOIN {_t(TaskAssignment)} a ON a.task_id = p.task_id
             WHERE NOT EXISTS (SELECT 1 FROM {_t(ProgressReport)} r
                                WHERE r.period_id = p.id AND r.department_id = a.department_id
                                  AND r.status IN (%s, %s))) o
     WHERE o.days_until = o.remind_days_before OR o.days_until = 1 OR o.days_until < 0
    """


FLOOR_KINDS = (
    ReminderKind.DUE_SOON,
    ReminderKind.DUE_TOMORROW,
    ReminderKind.OVERDUE,
    ReminderKind.ESCALATE_LEADER,
    ReminderKind.ESCALATE_COUNTY,
)


def _floor_params(today: datetime.date) -> list:
    return [_date(today), TaskStatus.OPEN, ReportStatus.SUBMITTED, ReportStatus.ACCEPTED]


def floor_rows(today: datetime.date) -> list[tuple]:
    """The SELECT-only floor: finds the reminders, records none."""
    with connection.cursor() as cursor:
        cursor.execute(_floor_sql(), _floor_params(today))
        return cursor.fetchall()


def _floor_insert_sql() -> str:
    """The writing floor: the SELECT-only floor's rows, one per kind whose flag is set, inserted
    into the reminder table (its indexes, unique constraint and foreign keys) by one INSERT …
    SELECT … ON CONFLICT DO NOTHING: the least one statement can do for the scan's whole job,
    finding the due obligations and recording the reminders that make the sending exactly-once."""
    flags = [f"o.f{position}" for position in range(len(FLOOR_KINDS))]
    if connection.vendor == "postgresql":
        kinds = ", ".join(f"(%s, {flag})" for flag in flags)
        expand = f"CROSS JOIN LATERAL (VALUES {kinds}) k (kind, flag) WHERE k.flag"
    else:  # SQLite has no LATERAL; its WHERE goes before the upsert's ON CONFLICT
        kinds = ", ".join(f"(%s, {position})" for position in range(len(flags)))
        whens = " ".join(f"WHEN {position} THEN {flag}" for position, flag in enumerate(flags))
        expand = f"JOIN (VALUES {kinds}) k ON CASE k.column2 {whens} END WHERE TRUE"
    kind = "k.kind" if connection.vendor == "postgresql" else "k.column1"
    return f"""
    INSERT INTO {_t(Reminder)} (assignment_id, period_id, kind, due_date, scan_date, created_at, notified_at)
    SELECT o.assignment_id, o.period_id, {kind}, o.due_date, %s, %s, NULL
      FROM ({_floor_sql()}) o
      {expand}
    ON CONFLICT (assignment_id, period_id, kind, due_date) DO NOTHING
    """


def floor_insert(today: datetime.date) -> int:
    """Run the writing floor as the scan runs: one statement, its own transaction (the deferred
    foreign-key checks at its commit). Returns how many reminders it added."""
    params = [_date(today), _timestamp(timezone.now()), *_floor_params(today), *FLOOR_KINDS]
    with connection.cursor() as cursor:
        cursor.execute(_floor_insert_sql(), params)
        return cursor.rowcount


def _day(value) -> datetime.date:
    return datetime.date.fromisoformat(value) if isinstance(value, str) else value


def _expand(rows: list[tuple]) -> set[tuple[int, int, str, datetime.date]]:
    return {
        (assignment, period, kind, _day(due))
        for assignment, period, due, *flags in rows
        for kind, flag in zip(FLOOR_KINDS, flags, strict=True)
        if flag
    }


def _recorded(**filters) -> set[tuple[int, int, str, datetime.date]]:
    rows = Reminder.objects.filter(**filters).values_list("assignment_id", "period_id", "kind", "due_date")
    return set(rows.iterator(chunk_size=20_000))


def _clear_reminders() -> None:
    """Back to an empty reminder table, the same state for either side: TRUNCATE on PostgreSQL,
    since a DELETE leaves every row dead in the heap and in each index (more so with autovacuum
    off), and the next side's inserts and ON CONFLICT probes would step over them. Inside a
    transaction (the tests'), whose pending foreign-key checks TRUNCATE refuses, a DELETE."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            cursor.execute(f"TRUNCATE {_t(Reminder)}")
        else:
            cursor.execute(f"DELETE FROM {_t(Reminder)}")


def _obligations() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT COUNT(*) FROM {_t(TaskAssignment)} a JOIN {_t(ReportingPeriod)} p ON p.task_id = a.task_id
                JOIN {_t(Task)} t ON t.id = a.task_id WHERE t.status = %s""",
            [TaskStatus.OPEN],
        )
        return cursor.fetchone()[0]


def _beat_days_before(today: datetime.date) -> list[datetime.date]:
    """The days the daily beat scanned before `today` since its last working day, oldest first:
    that working day's full scan and the days off's urgent ones. Yesterday alone is not an
    ordinary day's history when it was a day off (SCAN_DATE is a Monday): its scan records only
    the escalations, and today's would then catch up every overdue obligation of the past."""
    calendar = WorkCalendar.load()
    day = today - datetime.timedelta(days=1)
    days = [day]
    while not calendar.is_workday(day):
        day -= datetime.timedelta(days=1)
        days.insert(0, day)
    return days


def _ms(start: float) -> float:
    return (time.perf_counter() - start) * 1000


def _median(values: list[float]) -> float:
    return round(statistics.median(values), 1)


def _ratio(ours: float, floor: float) -> float | None:
    return round(ours / floor, 2) if floor else None


def run(*, obligations: int = 1_000_000, runs: int = 3) -> ReminderBench:
    """Seed; then `runs` rounds of, for the scan and the writing floor in turn (the first of
    them alternating): empty the reminders, time a first run, time it again; and the SELECT-only
    floor. Then `runs` ordinary days, each side after the same untimed history. Medians; the
    checks compare the SELECT-only floor's rows with what each side recorded, and the two sides'
    ordinary days."""
    tasks = max(1, obligations // (UNITS * PERIODS_PER_TASK))
    _program, reports = seed(tasks)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    result = ReminderBench(
        obligations=_obligations(),
        tasks=tasks,
        units=UNITS,
        periods=tasks * PERIODS_PER_TASK,
        reports=reports,
        scan_date=SCAN_DATE.isoformat(),
        runs=runs,
    )
    sides: dict[str, Callable[[], int]] = {
        "ours": lambda: reminders_scan(today=SCAN_DATE),
        "floor": lambda: floor_insert(SCAN_DATE),
    }

    def in_turn(round_: int) -> list[str]:
        # A machine getting busier weighs on both sides alike.
        return ["ours", "floor"] if round_ % 2 == 0 else ["floor", "ours"]

    times: dict[tuple[str, str], list[float]] = defaultdict(list)
    created: dict[tuple[str, str], int] = {}
    recorded: dict[tuple[str, str], set] = {}

    def timed(side: str, case: str) -> None:
        start = time.perf_counter()
        created[side, case] = sides[side]()
        times[side, case].append(_ms(start))

    rows = floor_rows(SCAN_DATE)  # untimed: the first read of the tables is not the floor's
    for round_ in range(runs):
        for side in in_turn(round_):
            _clear_reminders()
            timed(side, "first")
            timed(side, "repeat")
            if round_ == 0:
                recorded[side, "first"] = _recorded()
        start = time.perf_counter()
        rows = floor_rows(SCAN_DATE)
        times["select", "first"].append(_ms(start))
    # The statements of one scan (untimed: the capture slows the cursor): the same every run.
    with CaptureQueriesContext(connection) as queries:
        reminders_scan(today=SCAN_DATE)
    result.scan_queries = len(queries.captured_queries)
    for round_ in range(runs):
        for side in in_turn(round_):
            _clear_reminders()
            for day in _beat_days_before(SCAN_DATE):
                reminders_scan(today=day)
            timed(side, "daily")
            if round_ == 0:
                recorded[side, "daily"] = _recorded(scan_date=SCAN_DATE)

    result.scan_ms, result.repeat_ms, result.daily_ms = (
        _median(times["ours", c]) for c in ("first", "repeat", "daily")
    )
    result.floor_ms, result.floor_repeat_ms, result.floor_daily_ms = (
        _median(times["floor", c]) for c in ("first", "repeat", "daily")
    )
    result.select_floor_ms = _median(times["select", "first"])
    result.ratio = _ratio(result.scan_ms, result.floor_ms)
    result.daily_ratio = _ratio(result.daily_ms, result.floor_daily_ms)
    result.scan_created, result.repeat_created, result.daily_created = (
        created["ours", c] for c in ("first", "repeat", "daily")
    )
    result.floor_created, result.floor_repeat_created, result.floor_daily_created = (
        created["floor", c] for c in ("first", "repeat", "daily")
    )
    expected = _expand(rows)
    result.floor_rows = len(expected)
    result.problem = _problem(result, expected, recorded)
    return result


def _problem(result: ReminderBench, expected: set, recorded: dict[tuple[str, str], set]) -> str | None:
    for side, name in (("ours", "the scan"), ("floor", "the writing floor")):
        wrote = recorded[side, "first"]
        if wrote != expected:
            return (
                f"{name} recorded {len(wrote)} reminders, the SELECT floor selects {len(expected)} "
                f"({len(wrote - expected)} only in {name}, {len(expected - wrote)} only in the SELECT)"
            )
    if result.scan_created != len(expected) or result.floor_created != len(expected):
        return f"first runs reported {result.scan_created} and {result.floor_created} new, not {len(expected)}"
    if result.repeat_created or result.floor_repeat_created:
        return f"a second run the same day added {result.repeat_created} (scan), {result.floor_repeat_created} (floor)"
    ours, floor = recorded["ours", "daily"], recorded["floor", "daily"]
    if ours != floor or result.daily_created != result.floor_daily_created:
        return (
            f"an ordinary day: the scan recorded {len(ours)} reminders, the writing floor {len(floor)} "
            f"({len(ours - floor)} only in the scan, {len(floor - ours)} only in the floor)"
        )
    return None


def format_table(result: ReminderBench) -> str:
    from bench.measure import _table

    def ratio(ours: float, floor: float) -> str:
        return f"{ours / floor:.1f}x" if floor else "-"

    header = (
        "what", "obligations", "ours ms", "floor ms", "ratio", "SELECT floor ms", "ratio to it", "queries", "rows",
        "check",
    )  # fmt: skip
    cases = (
        ("reminder scan 提醒扫描, first run ever", result.scan_ms, result.floor_ms, result.scan_created),
        ("reminder scan, an ordinary day", result.daily_ms, result.floor_daily_ms, result.daily_created),
        ("reminder scan again the same day", result.repeat_ms, result.floor_repeat_ms, result.repeat_created),
    )
    rows = [
        (what, f"{result.obligations:,}", f"{ours:.1f}", f"{floor:.1f}", ratio(ours, floor),
         f"{result.select_floor_ms:.1f}", ratio(ours, result.select_floor_ms), str(result.scan_queries),
         f"{rows:,}", result.problem or "ok")
        for what, ours, floor, rows in cases
    ]  # fmt: skip
    return _table(header, rows)
