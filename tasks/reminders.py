"""Report deadline reminders: the tasks app's reminder source. It declares the obligations, the
recipients and the message texts; the reminder kit (pilot_admin/reminders/) scans, claims and
notifies, set-based and safe to run twice, and runs it every day with the other apps' sources.

An obligation is one unit's report (a TaskAssignment) for one ReportingPeriod of an open task;
it is met when that report is submitted or accepted (a returned report is not met). Kinds, with
the offsets taken from the task's program:

- due_soon      due_date − today == remind_days_before
- due_tomorrow  due_date is tomorrow (or, before days off, the next working day)
- overdue       today > due_date
- escalate_leader  today > due_date and today − due_date ≥ escalate_leader_after_days
- escalate_county  today > due_date and today − due_date ≥ escalate_county_after_days

Catching up: the overdue and escalation kinds compare with ≥, so a scan that missed days (a
beat that did not run) still records each of them once. due_soon and due_tomorrow fire only on
their exact day: a warning a week ahead is worthless once the day has passed. On a day off of the
working-day calendar only the escalations are sent; the others come on the next working day
(DeadlineDays.conditions). A due date the working-day rule moved says so: "（国庆节顺延）".

A finished program reminds no one: once the program's last year is over, a period of its tasks
is reminded only until its county escalation has had its day (DeadlineDays.still_reminded).
"""

import datetime

from django.db import connection

from pilot_admin.choices import ReminderKind, Role
from pilot_admin.models import User
from pilot_admin.reminders.sources import KindedRows, ReminderSource, reminder_sources
from pilot_admin.reminders.sql import (
    CLERK_KINDS,
    TITLE_MAX,
    DeadlineDays,
    in_list,
    kind_labels,
    moved_due_note,
    table,
    unit_users,
    url_around_id,
)
from pilot_admin.workdays import WorkCalendar
from tasks.choices import AssignmentRole, TaskStatus
from tasks.models import ProgressReport, Reminder, ReportingPeriod, Task, TaskAssignment
from tasks.selectors import MET_STATUSES
from villages.models import Department, PilotProgram

PROGRAM_DAYS = DeadlineDays(
    remind_days_before="g.remind_days_before",
    escalate_leader_after_days="g.escalate_leader_after_days",
    escalate_county_after_days="g.escalate_county_after_days",
)


def kind_conditions(today: datetime.date, calendar: WorkCalendar) -> dict[str, tuple[str, list]]:
    """Per kind, the condition on period `p` and program `g` that selects its obligations on
    `today`, with its parameters."""
    return PROGRAM_DAYS.conditions(today, deadline="p.due_date", calendar=calendar)


def open_obligations_from() -> tuple[str, list]:
    """FROM and WHERE of the open, unmet obligations: assignment `a` × period `p` of task `t`
    in program `g`."""
    sql = f"""
      FROM {table(TaskAssignment)} a
      JOIN {table(Task)} t ON t.id = a.task_id
      JOIN {table(PilotProgram)} g ON g.id = t.program_id
      JOIN {table(ReportingPeriod)} p ON p.task_id = a.task_id
     WHERE t.status = %s
       AND NOT EXISTS (
           SELECT 1 FROM {table(ProgressReport)} r
            WHERE r.period_id = p.id AND r.department_id = a.department_id AND r.status IN (%s, %s))
    """
    return sql, [TaskStatus.OPEN, *MET_STATUSES]


def _obligations(today: datetime.date, calendar: WorkCalendar) -> KindedRows:
    """The reminder key (assignment, period, due date) of each open obligation, with per kind the
    condition on its due date that gives it that kind today: one pass over the obligations."""
    rows, params = open_obligations_from()
    running, running_params = PROGRAM_DAYS.still_reminded(today, deadline="p.due_date", end_year="g.end_year")
    return KindedRows(
        select="SELECT a.id AS assignment_id, p.id AS period_id, p.due_date AS due_date",
        rows=f"{rows} AND {running}",
        params=[*params, *running_params],
        kinds=kind_conditions(today, calendar),
    )


def _recipients(stamp) -> tuple[str, list]:
    """(reminder_id, user_id) of every message the reminders claimed with `stamp` give:

    - due_soon, due_tomorrow, overdue → the unit's users who are not its leaders (all of the
      unit's users when it has no such user);
    - escalate_leader → the unit's leaders (all of its users when it has no leader account, so
      the escalation is not lost);
    - escalate_county → the users of the task's lead unit(s) and the county office of the
      task's county.
    """
    units, unit_params = unit_users()
    clerk_kinds, clerk_params = in_list(CLERK_KINDS)
    sql = f"""
        SELECT r.id AS reminder_id, uu.user_id
          FROM {table(Reminder)} r
          JOIN {table(TaskAssignment)} a ON a.id = r.assignment_id
          JOIN ({units}) uu ON uu.unit_id = a.department_id
         WHERE r.notified_at = %s AND r.kind IN ({clerk_kinds}) AND (NOT uu.leader OR uu.has_clerk = 0)
        UNION ALL
        SELECT r.id, uu.user_id
          FROM {table(Reminder)} r
          JOIN {table(TaskAssignment)} a ON a.id = r.assignment_id
          JOIN ({units}) uu ON uu.unit_id = a.department_id
         WHERE r.notified_at = %s AND r.kind = %s AND (uu.leader OR uu.has_leader = 0)
        UNION ALL
        SELECT r.id, uu.user_id
          FROM {table(Reminder)} r
          JOIN {table(TaskAssignment)} a ON a.id = r.assignment_id
          JOIN {table(TaskAssignment)} lead ON lead.task_id = a.task_id AND lead.role = %s
          JOIN ({units}) uu ON uu.unit_id = lead.department_id
         WHERE r.notified_at = %s AND r.kind = %s
        UNION ALL
        SELECT r.id, u.id
          FROM {table(Reminder)} r
          JOIN {table(TaskAssignment)} a ON a.id = r.assignment_id
          JOIN {table(Task)} t ON t.id = a.task_id
          JOIN {table(PilotProgram)} g ON g.id = t.program_id
          JOIN {table(User)} u ON u.county_id = g.county_id AND u.role = %s AND u.is_active
         WHERE r.notified_at = %s AND r.kind = %s
    """
    params = [
        *unit_params, stamp, *clerk_params,
        *unit_params, stamp, ReminderKind.ESCALATE_LEADER,
        AssignmentRole.LEAD, *unit_params, stamp, ReminderKind.ESCALATE_COUNTY,
        Role.COUNTY_ADMIN, stamp, ReminderKind.ESCALATE_COUNTY,
    ]  # fmt: skip
    return sql, params


# The body after "<unit>：《<task>》<period> 的进度报告": the texts around the due date and,
# for escalations, the program's number of days.
_BODY_TEXTS = {
    ReminderKind.DUE_SOON: ("应于 ", " 前报送，目前尚未提交。"),
    # Before days off "tomorrow" is the next working day: the date is what the sentence relies on.
    ReminderKind.DUE_TOMORROW: ("将于 ", " 截止，目前尚未提交。"),
    ReminderKind.OVERDUE: ("已于 ", " 截止，至今未提交，请尽快报送。"),
    ReminderKind.ESCALATE_LEADER: ("已于 ", " 截止，逾期 ", " 天以上仍未提交，请单位负责人督办。"),
    ReminderKind.ESCALATE_COUNTY: ("已于 ", " 截止，逾期 ", " 天以上仍未提交，请县牵头单位和县领导小组办公室督办。"),
}


def _moved_note(stamp) -> tuple[str, list]:
    """The "（国庆节顺延）" of the claimed reminders whose period's due date the working-day rule
    moved off its nominal last day."""
    end = connection.ops.quote_name("end")
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT DISTINCT p.{end} FROM {table(Reminder)} r JOIN {table(ReportingPeriod)} p ON p.id = r.period_id"
            f" WHERE r.notified_at = %s AND p.due_date <> p.{end}",
            [stamp],
        )
        ends = [row[0] if isinstance(row[0], datetime.date) else datetime.date.fromisoformat(row[0]) for row in cursor]
    return moved_due_note(WorkCalendar.load(), ends, end=f"p.{end}", due="p.due_date")


def _messages(stamp) -> tuple[str, list]:
    """Title, body and link of each claimed reminder's messages, as SQL over r, d, p, t, g; the
    texts are parameters, only column values are concatenated. A closed-out task sends none."""
    title_case, title_params = kind_labels()
    title = f"SUBSTR({title_case} || t.code || ' ' || t.title || %s || d.name || ' ' || p.label || %s, 1, {TITLE_MAX})"
    body_case, body_case_params = PROGRAM_DAYS.phrases(_BODY_TEXTS, due="p.due_date", note=_moved_note(stamp))
    body = f"d.name || %s || t.code || ' ' || t.title || %s || p.label || %s || {body_case}"
    prefix, suffix = url_around_id("tasks:task_detail", fallback=("/tasks/", "/"))
    recipients, recipient_params = _recipients(stamp)
    sql = f"""
        SELECT r.id AS reminder_id, rc.user_id AS user_id, {title} AS title, {body} AS body,
               %s || CAST(t.id AS TEXT) || %s AS link
          FROM ({recipients}) rc
          JOIN {table(Reminder)} r ON r.id = rc.reminder_id
          JOIN {table(TaskAssignment)} a ON a.id = r.assignment_id
          JOIN {table(Department)} d ON d.id = a.department_id
          JOIN {table(ReportingPeriod)} p ON p.id = r.period_id
          JOIN {table(Task)} t ON t.id = a.task_id
          JOIN {table(PilotProgram)} g ON g.id = t.program_id
         WHERE t.status = %s
    """
    params = [
        *title_params, "：", " 报告",
        "：《", "》", " 的进度报告", *body_case_params,
        prefix, suffix,
        *recipient_params, TaskStatus.OPEN,
    ]  # fmt: skip
    return sql, params


source = reminder_sources.register(
    ReminderSource(model=Reminder, prefix="reminder:", obligations=_obligations, messages=_messages)
)

# The steps under the names the tests, the end-to-end flow and the benchmark call.
reminders_scan = source.scan
reminders_notify = source.notify
