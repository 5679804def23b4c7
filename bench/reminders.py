"""The reminder scan at province scale: a million obligations (2,000 tasks × 50 units × 10
reporting periods by default), most past ones reported, timed against its floor — ONE
hand-written SELECT returning the same (assignment, period, kind) rows — in this process.

The scan is timed as the first run ever (the reminder table emptied before each run, untimed:
every late obligation of the past is caught up at once), as a repeated run the same day, which
must add nothing, and as an ordinary day (yesterday's scan done, untimed, before today's). The floor computes each
obligation's days until due and its kinds in one pass, written independently of the scan's SQL,
so the check (the floor's rows are exactly the reminders the scan recorded) means something.
"""

import datetime
import statistics
import time
from dataclasses import asdict, dataclass

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

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
    ratio: float | None = None
    scan_created: int = 0
    repeat_created: int = 0
    daily_created: int = 0
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
    """Every open obligation with its days until due (negative when late) and the kinds that
    day gives it, met ones left out: one statement, one pass."""
    if connection.vendor == "postgresql":
        days_until = "(p.due_date - CAST(%s AS date))"
    else:
        days_until = "CAST(julianday(p.due_date) - julianday(%s) AS INTEGER)"
    return f"""
    SELECT o.assignment_id, o.period_id,
           o.days_until = o.remind_days_before, o.days_until = 1, o.days_until < 0,
           o.days_until < 0 AND -o.days_until >= o.leader_days,
           o.days_until < 0 AND -o.days_until >= o.county_days
      FROM (SELECT a.id AS assignment_id, p.id AS period_id, {days_until} AS days_until,
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


def floor_rows(today: datetime.date) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(_floor_sql(), [_date(today), TaskStatus.OPEN, ReportStatus.SUBMITTED, ReportStatus.ACCEPTED])
        return cursor.fetchall()


def _expand(rows: list[tuple]) -> set[tuple[int, int, str]]:
    return {
        (assignment, period, kind)
        for assignment, period, *flags in rows
        for kind, flag in zip(FLOOR_KINDS, flags, strict=True)
        if flag
    }


def _clear_reminders() -> None:
    with connection.cursor() as cursor:
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


def run(*, obligations: int = 1_000_000, runs: int = 3) -> ReminderBench:
    """Seed; then `runs` rounds of: empty the reminders, time the first scan, time it again,
    time the floor; then `runs` ordinary days (the beat's scans since the last working day done,
    untimed, before today's). Medians; the check compares the floor's rows with
    what the first scan recorded."""
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
    scans, repeats, floors, dailies = [], [], [], []
    for _ in range(runs):
        _clear_reminders()
        start = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            result.scan_created = reminders_scan(today=SCAN_DATE)
        scans.append(_ms(start))
        result.scan_queries = len(queries.captured_queries)
        start = time.perf_counter()
        result.repeat_created = reminders_scan(today=SCAN_DATE)
        repeats.append(_ms(start))
        start = time.perf_counter()
        rows = floor_rows(SCAN_DATE)
        floors.append(_ms(start))
    recorded = set(Reminder.objects.values_list("assignment_id", "period_id", "kind").iterator(chunk_size=20_000))
    for _ in range(runs):
        _clear_reminders()
        for day in _beat_days_before(SCAN_DATE):
            reminders_scan(today=day)
        start = time.perf_counter()
        result.daily_created = reminders_scan(today=SCAN_DATE)
        dailies.append(_ms(start))
    result.scan_ms = round(statistics.median(scans), 1)
    result.repeat_ms = round(statistics.median(repeats), 1)
    result.floor_ms = round(statistics.median(floors), 1)
    result.daily_ms = round(statistics.median(dailies), 1)
    result.ratio = round(result.scan_ms / result.floor_ms, 2) if result.floor_ms else None
    expected = _expand(rows)
    result.floor_rows = len(expected)
    if recorded != expected:
        result.problem = (
            f"the scan recorded {len(recorded)} reminders, the floor selects {len(expected)} "
            f"({len(recorded - expected)} only in the scan, {len(expected - recorded)} only in the floor)"
        )
    elif result.repeat_created:
        result.problem = f"a second scan the same day added {result.repeat_created} reminders"
    return result


def format_table(result: ReminderBench) -> str:
    from bench.measure import _table

    header = ("what", "obligations", "ours ms", "floor ms", "ratio", "queries", "rows", "check")
    rows = [
        ("reminder scan 提醒扫描, first run ever", f"{result.obligations:,}", f"{result.scan_ms:.1f}",
         f"{result.floor_ms:.1f}", f"{result.ratio:.1f}x" if result.ratio else "-", str(result.scan_queries),
         f"{result.scan_created:,}", result.problem or "ok"),
        ("reminder scan, an ordinary day", f"{result.obligations:,}", f"{result.daily_ms:.1f}",
         f"{result.floor_ms:.1f}", f"{result.daily_ms / result.floor_ms:.1f}x" if result.floor_ms else "-",
         str(result.scan_queries), f"{result.daily_created:,}", "ok"),
        ("reminder scan again the same day", f"{result.obligations:,}", f"{result.repeat_ms:.1f}",
         f"{result.floor_ms:.1f}", f"{result.repeat_ms / result.floor_ms:.1f}x" if result.floor_ms else "-",
         str(result.scan_queries), str(result.repeat_created), "ok" if not result.repeat_created else "added rows"),
    ]  # fmt: skip
    return _table(header, rows)
