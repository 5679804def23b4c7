"""Task seeding shared by the reminder scan (one county, 50 units, a million obligations) and the
province (30 tasks in each county): tasks with their reporting periods, written with
bulk_create, and their reports, written with ONE INSERT … SELECT over periods × units.

Reports follow one rule everywhere: of the obligations due before `cutoff`, 19 in 20 are
reported (1 in 20 of those returned, 1 in 4 accepted, the rest submitted); of those due in the
`early_days` after it, a third are reported early; nothing later.
"""

import datetime
from collections.abc import Callable

from django.db import connection

from tasks.choices import CadenceKind, ReportStatus, TaskStatus
from tasks.models import ProgressReport, ReportingPeriod, Task, TaskAssignment
from villages.models import County, PilotProgram

BATCH_SIZE = 5000


def quoted(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def sql_date(value: datetime.date):
    return connection.ops.adapt_datefield_value(value)


def sql_timestamp(value: datetime.datetime):
    return connection.ops.adapt_datetimefield_value(value)


def create_tasks_with_periods(
    programs: list[PilotProgram],
    *,
    per_program: int,
    code_prefix: str,
    first_due: Callable[[int], datetime.date],
    periods: int,
    spacing_days: int,
    start_date: Callable[[int], datetime.date],
    deadline: Callable[[int], datetime.date],
    closed_out_at: Callable[[int], datetime.datetime | None] = lambda i: None,
) -> list[Task]:
    """`per_program` tasks in each program, task i (0-based within its program) with `periods`
    periods due first_due(i), then every `spacing_days` days; closed out when
    closed_out_at(i) gives a time."""
    tasks = []
    for program in programs:
        for i in range(per_program):
            closed = closed_out_at(i)
            tasks.append(
                Task(
                    program=program,
                    code=f"{code_prefix}-{i:05d}",
                    title=f"基准任务{i:05d}",
                    text="按方案推进。",
                    start_date=start_date(i),
                    deadline=deadline(i),
                    cadence_kind=CadenceKind.EVERY_N_MONTHS,
                    cadence_months=2,
                    status=TaskStatus.CLOSED_OUT if closed else TaskStatus.OPEN,
                    closed_out_at=closed,
                )
            )
    tasks = Task.objects.bulk_create(tasks, batch_size=BATCH_SIZE)
    span = datetime.timedelta(days=spacing_days)
    rows = []
    for index, task in enumerate(tasks):
        first = first_due(index % per_program)
        for k in range(periods):
            due = first + span * k
            rows.append(
                ReportingPeriod(task=task, label=f"第{k + 1}期", start=due - span + datetime.timedelta(days=1),
                                end=due, due_date=due)
            )  # fmt: skip
    ReportingPeriod.objects.bulk_create(rows, batch_size=BATCH_SIZE)
    return tasks


def insert_reports(
    *, counties_sql: str, counties_params: list, cutoff: datetime.date, early_days: int, submitted: datetime.datetime
) -> int:
    """Reports of the units of every task of the programs of the counties `counties_sql` selects
    (a SELECT of county ids), by the rule in the module docstring; returns how many."""
    now = sql_timestamp(submitted)
    version, one = version_column(ProgressReport)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {quoted(ProgressReport)} (task_id, period_id, department_id, text, percent_complete, figures,
                   signed_by_principal, status, submitted_at, first_submitted_at, return_reason, created_at,
                   updated_at{version})
            SELECT p.task_id, p.id, a.department_id, '', 100, %s, %s,
                   CASE WHEN (a.id * 31 + p.id) %% 20 = 1 THEN %s
                        WHEN (a.id * 31 + p.id) %% 4 = 0 THEN %s ELSE %s END,
                   %s, %s,
                   CASE WHEN (a.id * 31 + p.id) %% 20 = 1 THEN %s ELSE '' END,
                   %s, %s{one}
              FROM {quoted(ReportingPeriod)} p
              JOIN {quoted(TaskAssignment)} a ON a.task_id = p.task_id
              JOIN {quoted(Task)} t ON t.id = p.task_id
              JOIN {quoted(PilotProgram)} g ON g.id = t.program_id
             WHERE g.county_id IN ({counties_sql})
               AND ((p.due_date < %s AND (a.id * 31 + p.id) %% 20 <> 0)
                    OR (p.due_date >= %s AND p.due_date < %s AND (a.id * 31 + p.id) %% 3 = 0))
            """,
            [
                "{}", False, ReportStatus.RETURNED, ReportStatus.ACCEPTED, ReportStatus.SUBMITTED, now, now,
                "数据不全，请补充。", now, now, *counties_params,
                sql_date(cutoff), sql_date(cutoff), sql_date(cutoff + datetime.timedelta(days=early_days)),
            ],
        )  # fmt: skip
        return cursor.rowcount


def counties_by_code_sql(first_code: str, last_code: str) -> tuple[str, list]:
    """A SELECT of the ids of the counties whose admin codes lie in [first_code, last_code]."""
    return f"SELECT id FROM {quoted(County)} WHERE admin_code BETWEEN %s AND %s", [first_code, last_code]


def version_column(model) -> tuple[str, str]:
    """(", version", ", 1") for a model with optimistic locking, ("", "") otherwise: the raw
    INSERTs name every NOT NULL column, and the version column has no database default."""
    names = {f.name for f in model._meta.concrete_fields}
    return (", version", ", 1") if "version" in names else ("", "")
