"""Deadline reminders: the daily scan that records them and the notify step that turns them into
inbox messages. Both are set-based SQL, a fixed number of statements whatever the number of
tasks, and both are safe to run twice: the scan inserts under the Reminder unique constraint,
the notify step claims with a conditional UPDATE and inserts under the Notification one.

An obligation is one unit's report (a TaskAssignment) for one ReportingPeriod of an open task;
it is met when that report is submitted or accepted (a returned report is not met). Kinds, with
the offsets taken from the task's program:

- due_soon      due_date − today == remind_days_before
- due_tomorrow  due_date − today == 1
- overdue       today > due_date
- escalate_leader  today > due_date and today − due_date ≥ escalate_leader_after_days
- escalate_county  today > due_date and today − due_date ≥ escalate_county_after_days

Catching up: the overdue and escalation kinds compare with ≥, so a scan that missed days (a
beat that did not run) still records each of them once. due_soon and due_tomorrow fire only on
their exact day: a warning a week ahead is worthless once the day has passed.
"""

import datetime
from dataclasses import dataclass

from django.db import connection, transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from pilot_admin.choices import ReminderKind, Role
from pilot_admin.models import Notification, User
from pilot_admin.notifications.services import DigestResult, digest_send
from tasks.choices import AssignmentRole, ReportStatus, TaskStatus
from tasks.models import ProgressReport, Reminder, ReportingPeriod, Task, TaskAssignment
from villages.models import Department, PilotProgram

_TABLES = {
    "reminder": Reminder,
    "assignment": TaskAssignment,
    "task": Task,
    "program": PilotProgram,
    "period": ReportingPeriod,
    "report": ProgressReport,
    "department": Department,
    "user": User,
    "notification": Notification,
}

MET_STATUSES = (ReportStatus.SUBMITTED, ReportStatus.ACCEPTED)
CLERK_KINDS = (ReminderKind.DUE_SOON, ReminderKind.DUE_TOMORROW, ReminderKind.OVERDUE)
TITLE_MAX = Notification._meta.get_field("title").max_length


def _t(name: str) -> str:
    return connection.ops.quote_name(_TABLES[name]._meta.db_table)


def _date_param(value: datetime.date):
    return connection.ops.adapt_datefield_value(value)


def _shifted_today(sign: str, days_column: str) -> str:
    """SQL for the scan date (one %s parameter) plus or minus a per-program number of days, as
    a value both backends compare with a DateField column."""
    if connection.vendor == "postgresql":
        return f"(CAST(%s AS date) {sign} {days_column})"
    return f"date(%s, '{sign}' || {days_column} || ' days')"


def _date_text(column: str) -> str:
    """A date column as YYYY-MM-DD text, whatever the server's DateStyle."""
    if connection.vendor == "postgresql":
        return f"to_char({column}, 'YYYY-MM-DD')"
    return column


def kind_conditions(today: datetime.date) -> dict[str, tuple[str, list]]:
    """Per kind, the condition on period `p` and program `g` that selects its obligations on
    `today`, with its parameters. Shared with the benchmark's hand-written floor."""
    day = _date_param(today)
    tomorrow = _date_param(today + datetime.timedelta(days=1))
    return {
        ReminderKind.DUE_SOON: (f"p.due_date = {_shifted_today('+', 'g.remind_days_before')}", [day]),
        ReminderKind.DUE_TOMORROW: ("p.due_date = %s", [tomorrow]),
        ReminderKind.OVERDUE: ("p.due_date < %s", [day]),
        ReminderKind.ESCALATE_LEADER: (
            f"p.due_date < %s AND p.due_date <= {_shifted_today('-', 'g.escalate_leader_after_days')}",
            [day, day],
        ),
        ReminderKind.ESCALATE_COUNTY: (
            f"p.due_date < %s AND p.due_date <= {_shifted_today('-', 'g.escalate_county_after_days')}",
            [day, day],
        ),
    }


def open_obligations_from() -> tuple[str, list]:
    """FROM and WHERE of the open, unmet obligations: assignment `a` × period `p` of task `t`
    in program `g`. Shared with the benchmark's floor so both select by the same definition."""
    sql = f"""
      FROM {_t("assignment")} a
      JOIN {_t("task")} t ON t.id = a.task_id
      JOIN {_t("program")} g ON g.id = t.program_id
      JOIN {_t("period")} p ON p.task_id = a.task_id
     WHERE t.status = %s
       AND NOT EXISTS (
           SELECT 1 FROM {_t("report")} r
            WHERE r.period_id = p.id AND r.department_id = a.department_id AND r.status IN (%s, %s))
    """
    return sql, [TaskStatus.OPEN, *MET_STATUSES]


def reminders_scan(*, today: datetime.date) -> int:
    """Record today's reminders of every open, unmet obligation: one INSERT … SELECT … ON
    CONFLICT DO NOTHING per kind, in one transaction. Returns the number of new reminders; a
    second scan on the same day returns 0."""
    obligations, obligation_params = open_obligations_from()
    created_at = connection.ops.adapt_datetimefield_value(timezone.now())
    created = 0
    with transaction.atomic(), connection.cursor() as cursor:
        for kind, (condition, condition_params) in kind_conditions(today).items():
            cursor.execute(
                f"""
                INSERT INTO {_t("reminder")} (assignment_id, period_id, kind, due_date, scan_date, created_at,
                                              notified_at)
                SELECT a.id, p.id, %s, p.due_date, %s, %s, NULL
                {obligations}
                   AND {condition}
                ON CONFLICT (assignment_id, period_id, kind, due_date) DO NOTHING
                """,
                [kind, _date_param(today), created_at, *obligation_params, *condition_params],
            )
            created += cursor.rowcount
    return created


# --- notify ---------------------------------------------------------------------------------

# Every active user of every unit: department users by their department, township users by
# their township's government. has_clerk / has_leader say whether the unit has any non-leader /
# leader user, for the fallbacks below.
_UNIT_USERS = """
    SELECT unit_id, user_id, leader,
           MAX(CASE WHEN leader THEN 0 ELSE 1 END) OVER (PARTITION BY unit_id) AS has_clerk,
           MAX(CASE WHEN leader THEN 1 ELSE 0 END) OVER (PARTITION BY unit_id) AS has_leader
      FROM (SELECT u.department_id AS unit_id, u.id AS user_id, u.is_unit_leader AS leader
              FROM {user} u
             WHERE u.is_active AND u.role = %s AND u.department_id IS NOT NULL
            UNION ALL
            SELECT d.id, u.id, u.is_unit_leader
              FROM {user} u
              JOIN {department} d ON d.township_id = u.township_id
             WHERE u.is_active AND u.role = %s) unit_user
"""


def _unit_users() -> tuple[str, list]:
    return _UNIT_USERS.format(user=_t("user"), department=_t("department")), [Role.DEPARTMENT, Role.TOWNSHIP]


def _in(values) -> tuple[str, list]:
    return ", ".join(["%s"] * len(values)), list(values)


def _recipients(stamp) -> tuple[str, list]:
    """(reminder_id, user_id) of every message the reminders claimed with `stamp` give:

    - due_soon, due_tomorrow, overdue → the unit's users who are not its leaders (all of the
      unit's users when it has no such user);
    - escalate_leader → the unit's leaders (all of its users when it has no leader account, so
      the escalation is not lost);
    - escalate_county → the users of the task's lead unit(s) and the county office of the
      task's county.
    """
    unit_users, unit_params = _unit_users()
    clerk_kinds, clerk_params = _in(CLERK_KINDS)
    sql = f"""
        SELECT r.id AS reminder_id, uu.user_id
          FROM {_t("reminder")} r
          JOIN {_t("assignment")} a ON a.id = r.assignment_id
          JOIN ({unit_users}) uu ON uu.unit_id = a.department_id
         WHERE r.notified_at = %s AND r.kind IN ({clerk_kinds}) AND (NOT uu.leader OR uu.has_clerk = 0)
        UNION ALL
        SELECT r.id, uu.user_id
          FROM {_t("reminder")} r
          JOIN {_t("assignment")} a ON a.id = r.assignment_id
          JOIN ({unit_users}) uu ON uu.unit_id = a.department_id
         WHERE r.notified_at = %s AND r.kind = %s AND (uu.leader OR uu.has_leader = 0)
        UNION ALL
        SELECT r.id, uu.user_id
          FROM {_t("reminder")} r
          JOIN {_t("assignment")} a ON a.id = r.assignment_id
          JOIN {_t("assignment")} lead ON lead.task_id = a.task_id AND lead.role = %s
          JOIN ({unit_users}) uu ON uu.unit_id = lead.department_id
         WHERE r.notified_at = %s AND r.kind = %s
        UNION ALL
        SELECT r.id, u.id
          FROM {_t("reminder")} r
          JOIN {_t("assignment")} a ON a.id = r.assignment_id
          JOIN {_t("task")} t ON t.id = a.task_id
          JOIN {_t("program")} g ON g.id = t.program_id
          JOIN {_t("user")} u ON u.county_id = g.county_id AND u.role = %s AND u.is_active
         WHERE r.notified_at = %s AND r.kind = %s
    """
    params = [
        *unit_params, stamp, *clerk_params,
        *unit_params, stamp, ReminderKind.ESCALATE_LEADER,
        AssignmentRole.LEAD, *unit_params, stamp, ReminderKind.ESCALATE_COUNTY,
        Role.COUNTY_ADMIN, stamp, ReminderKind.ESCALATE_COUNTY,
    ]  # fmt: skip
    return sql, params


def _kind_case(pieces: dict[str, tuple[str, list]]) -> tuple[str, list]:
    """CASE r.kind WHEN … THEN <expression> … END from {kind: (expression, its parameters)}."""
    whens, params = [], []
    for kind, (expression, expression_params) in pieces.items():
        whens.append(f"WHEN %s THEN {expression}")
        params += [kind, *expression_params]
    return f"CASE r.kind {' '.join(whens)} END", params


# The body after "<unit>：《<task>》<period> 的进度报告": the texts around the due date and,
# for escalations, the program's number of days.
_BODY_TEXTS = {
    ReminderKind.DUE_SOON: ("应于 ", " 前报送，目前尚未提交。"),
    ReminderKind.DUE_TOMORROW: ("明天（", "）截止，目前尚未提交。"),
    ReminderKind.OVERDUE: ("已于 ", " 截止，至今未提交，请尽快报送。"),
    ReminderKind.ESCALATE_LEADER: ("已于 ", " 截止，逾期 ", " 天以上仍未提交，请单位负责人督办。"),
    ReminderKind.ESCALATE_COUNTY: ("已于 ", " 截止，逾期 ", " 天以上仍未提交，请县牵头单位和县领导小组办公室督办。"),
}
_ESCALATION_DAYS = {
    ReminderKind.ESCALATE_LEADER: "g.escalate_leader_after_days",
    ReminderKind.ESCALATE_COUNTY: "g.escalate_county_after_days",
}


def _message_columns() -> tuple[str, list]:
    """Title, body and link of a reminder's message, as SQL over r, d, p, t, g. The texts are
    parameters; only column values are concatenated."""
    title_case, title_params = _kind_case({kind: ("%s", [f"【{kind.label}】"]) for kind in ReminderKind})
    title = f"SUBSTR({title_case} || t.code || ' ' || t.title || %s || d.name || ' ' || p.label || %s, 1, {TITLE_MAX})"
    title_params += ["：", " 报告"]
    due = _date_text("p.due_date")
    body_pieces = {}
    for kind, texts in _BODY_TEXTS.items():
        if kind in _ESCALATION_DAYS:
            body_pieces[kind] = (f"%s || {due} || %s || CAST({_ESCALATION_DAYS[kind]} AS TEXT) || %s", list(texts))
        else:
            body_pieces[kind] = (f"%s || {due} || %s", list(texts))
    body_case, body_case_params = _kind_case(body_pieces)
    body = f"d.name || %s || t.code || ' ' || t.title || %s || p.label || %s || {body_case}"
    body_params = ["：《", "》", " 的进度报告", *body_case_params]
    prefix, suffix = task_link_parts()
    link = "%s || CAST(t.id AS TEXT) || %s"
    return f"{title}, {body}, {link}", [*title_params, *body_params, prefix, suffix]


def task_link_parts() -> tuple[str, str]:
    """The task page's URL around its id, for building links in SQL. Falls back to the path
    the tasks pages use while their URLconf is not installed."""
    marker = 987654321
    try:
        url = reverse("tasks:task_detail", args=[marker])
    except NoReverseMatch:
        return "/tasks/", "/"
    prefix, suffix = url.split(str(marker), 1)
    return prefix, suffix


@dataclass(frozen=True)
class NotifyResult:
    reminders: int
    notifications: int


def reminders_notify(*, now: datetime.datetime) -> NotifyResult:
    """Claim every reminder not yet notified (a conditional UPDATE: a concurrent or repeated
    notify finds nothing left to claim) and insert its inbox messages, in one transaction, so a
    worker killed half-way leaves the reminders unclaimed for the next run. Inside the
    transaction the claim's own timestamp names the claimed rows: no id list travels to Python
    and back, however many there are. Messages of a closed-out task are not sent."""
    stamp = connection.ops.adapt_datetimefield_value(now)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {_t('reminder')} SET notified_at = %s WHERE notified_at IS NULL", [stamp])
        claimed = cursor.rowcount
        if not claimed:
            return NotifyResult(reminders=0, notifications=0)
        recipients, recipient_params = _recipients(stamp)
        columns, column_params = _message_columns()
        cursor.execute(
            f"""
            INSERT INTO {_t("notification")} (user_id, source, title, body, link, created_at, read_at, emailed_at)
            SELECT rc.user_id, %s || CAST(r.id AS TEXT), {columns}, %s, NULL, NULL
              FROM ({recipients}) rc
              JOIN {_t("reminder")} r ON r.id = rc.reminder_id
              JOIN {_t("assignment")} a ON a.id = r.assignment_id
              JOIN {_t("department")} d ON d.id = a.department_id
              JOIN {_t("period")} p ON p.id = r.period_id
              JOIN {_t("task")} t ON t.id = a.task_id
              JOIN {_t("program")} g ON g.id = t.program_id
             WHERE t.status = %s
            ON CONFLICT (user_id, source) DO NOTHING
            """,
            ["reminder:", *column_params, stamp, *recipient_params, TaskStatus.OPEN],
        )
        return NotifyResult(reminders=claimed, notifications=cursor.rowcount)


@dataclass(frozen=True)
class ReminderRun:
    date: datetime.date
    created: int
    notify: NotifyResult
    digest: DigestResult

    def as_dict(self) -> dict:
        return {
            "date": self.date.isoformat(),
            "reminders_created": self.created,
            "reminders_notified": self.notify.reminders,
            "notifications": self.notify.notifications,
            "digests_sent": self.digest.sent,
            "digest_items": self.digest.items,
        }


def send_due_reminders(*, today: datetime.date, now: datetime.datetime | None = None) -> ReminderRun:
    """The daily run: scan, notify, then the e-mail digest. Each step is idempotent, so a
    retried or redelivered run finishes what a killed one started and doubles nothing."""
    now = now or timezone.now()
    created = reminders_scan(today=today)
    notified = reminders_notify(now=now)
    # Rectification deadlines (assessments) join the same daily run and e-mail digest; imported
    # here so the tasks app does not depend on assessments at import time.
    from assessments.reminders import send_rectification_reminders

    send_rectification_reminders(today=today, now=now)
    # Monthly visits (guardianship) likewise; imported here for the same reason.
    from guardianship.reminders import send_visit_reminders

    send_visit_reminders(today=today, now=now)
    digest = digest_send(today=today, now=now)
    return ReminderRun(date=today, created=created, notify=notified, digest=digest)
