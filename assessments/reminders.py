"""Rectification deadline reminders: the same daily scan and notify steps as the task reminders
(tasks/reminders.py), set-based and safe to run twice. The scan inserts under the
RectificationReminder unique constraint; notify claims with a conditional UPDATE and inserts
inbox messages under the Notification one.

An obligation is a rectification not yet verified (整改中 or 已报整改结果: until the county
office has accepted the work, the deadline still stands). Kinds and offsets are the task
reminders', taken from the inspection's program:

- due_soon      deadline − today == remind_days_before
- due_tomorrow  deadline − today == 1
- overdue       today > deadline
- escalate_leader  today − deadline ≥ escalate_leader_after_days
- escalate_county  today − deadline ≥ escalate_county_after_days

Recipients: the responsible unit's users (its clerks first, as for task reports); escalate_leader
its leaders; escalate_county its leaders and the county office (R-F6: 逾期未整改到位的，提请约谈).
"""

import datetime
from dataclasses import dataclass

from django.db import connection, transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from assessments.choices import RectificationStatus
from assessments.models import Inspection, Rectification, RectificationReminder, ScoreItem
from pilot_admin.choices import ReminderKind, Role
from pilot_admin.models import Notification, User

# The SQL fragments that make dates portable between PostgreSQL and SQLite, and the unit-user
# subquery (clerks and leaders of every unit), are the task reminders' own: one definition.
from tasks.reminders import CLERK_KINDS, _date_param, _date_text, _in, _kind_case, _shifted_today, _unit_users
from villages.models import Department, PilotAssignment, PilotProgram, Village

_TABLES = {
    "reminder": RectificationReminder,
    "rectification": Rectification,
    "inspection": Inspection,
    "pilot": PilotAssignment,
    "program": PilotProgram,
    "village": Village,
    "item": ScoreItem,
    "department": Department,
    "user": User,
    "notification": Notification,
}

OPEN_STATUSES = (RectificationStatus.OPEN, RectificationStatus.SUBMITTED)
TITLE_MAX = Notification._meta.get_field("title").max_length
SOURCE_PREFIX = "rectification_reminder:"


def _t(name: str) -> str:
    return connection.ops.quote_name(_TABLES[name]._meta.db_table)


def _kind_conditions(today: datetime.date) -> dict[str, tuple[str, list]]:
    """Per kind, the condition on rectification `x` and program `g` for `today`."""
    day = _date_param(today)
    tomorrow = _date_param(today + datetime.timedelta(days=1))
    return {
        ReminderKind.DUE_SOON: (f"x.deadline = {_shifted_today('+', 'g.remind_days_before')}", [day]),
        ReminderKind.DUE_TOMORROW: ("x.deadline = %s", [tomorrow]),
        ReminderKind.OVERDUE: ("x.deadline < %s", [day]),
        ReminderKind.ESCALATE_LEADER: (
            f"x.deadline < %s AND x.deadline <= {_shifted_today('-', 'g.escalate_leader_after_days')}",
            [day, day],
        ),
        ReminderKind.ESCALATE_COUNTY: (
            f"x.deadline < %s AND x.deadline <= {_shifted_today('-', 'g.escalate_county_after_days')}",
            [day, day],
        ),
    }


def _open_rectifications_from() -> tuple[str, list]:
    """FROM and WHERE of the unverified rectifications `x` with their program `g`."""
    statuses, params = _in(OPEN_STATUSES)
    sql = f"""
      FROM {_t("rectification")} x
      JOIN {_t("inspection")} i ON i.id = x.inspection_id
      JOIN {_t("pilot")} pa ON pa.id = i.pilot_id
      JOIN {_t("program")} g ON g.id = pa.program_id
     WHERE x.status IN ({statuses})
    """
    return sql, params


def rectification_reminders_scan(*, today: datetime.date) -> int:
    """Record today's reminders of every unverified rectification: one INSERT … SELECT … ON
    CONFLICT DO NOTHING per kind. Returns how many are new; a second scan the same day adds 0."""
    obligations, obligation_params = _open_rectifications_from()
    created_at = connection.ops.adapt_datetimefield_value(timezone.now())
    created = 0
    with transaction.atomic(), connection.cursor() as cursor:
        for kind, (condition, condition_params) in _kind_conditions(today).items():
            cursor.execute(
                f"""
                INSERT INTO {_t("reminder")} (rectification_id, kind, due_date, scan_date, created_at, notified_at)
                SELECT x.id, %s, x.deadline, %s, %s, NULL
                {obligations}
                   AND {condition}
                ON CONFLICT (rectification_id, kind, due_date) DO NOTHING
                """,
                [kind, _date_param(today), created_at, *obligation_params, *condition_params],
            )
            created += cursor.rowcount
    return created


def _recipients(stamp) -> tuple[str, list]:
    """(reminder_id, user_id) of every message the reminders claimed with `stamp` give."""
    unit_users, unit_params = _unit_users()
    clerk_kinds, clerk_params = _in(CLERK_KINDS)
    escalations, escalation_params = _in((ReminderKind.ESCALATE_LEADER, ReminderKind.ESCALATE_COUNTY))
    sql = f"""
        SELECT r.id AS reminder_id, uu.user_id
          FROM {_t("reminder")} r
          JOIN {_t("rectification")} x ON x.id = r.rectification_id
          JOIN ({unit_users}) uu ON uu.unit_id = x.responsible_unit_id
         WHERE r.notified_at = %s AND r.kind IN ({clerk_kinds}) AND (NOT uu.leader OR uu.has_clerk = 0)
        UNION
        SELECT r.id, uu.user_id
          FROM {_t("reminder")} r
          JOIN {_t("rectification")} x ON x.id = r.rectification_id
          JOIN ({unit_users}) uu ON uu.unit_id = x.responsible_unit_id
         WHERE r.notified_at = %s AND r.kind IN ({escalations}) AND (uu.leader OR uu.has_leader = 0)
        UNION
        SELECT r.id, u.id
          FROM {_t("reminder")} r
          JOIN {_t("rectification")} x ON x.id = r.rectification_id
          JOIN {_t("inspection")} i ON i.id = x.inspection_id
          JOIN {_t("pilot")} pa ON pa.id = i.pilot_id
          JOIN {_t("program")} g ON g.id = pa.program_id
          JOIN {_t("user")} u ON u.county_id = g.county_id AND u.role = %s AND u.is_active
         WHERE r.notified_at = %s AND r.kind = %s
    """
    params = [
        *unit_params, stamp, *clerk_params,
        *unit_params, stamp, *escalation_params,
        Role.COUNTY_ADMIN, stamp, ReminderKind.ESCALATE_COUNTY,
    ]  # fmt: skip
    return sql, params


_BODY_TEXTS = {
    ReminderKind.DUE_SOON: ("应于 ", " 前整改到位，尚未验收。"),
    ReminderKind.DUE_TOMORROW: ("明天（", "）到期，尚未验收。"),
    ReminderKind.OVERDUE: ("已于 ", " 到期，至今未整改到位，请尽快整改并报送整改情况。"),
    ReminderKind.ESCALATE_LEADER: ("已于 ", " 到期，逾期 ", " 天以上仍未整改到位，请单位负责人督办。"),
    ReminderKind.ESCALATE_COUNTY: ("已于 ", " 到期，逾期 ", " 天以上仍未整改到位，请县领导小组办公室督办约谈。"),
}
_ESCALATION_DAYS = {
    ReminderKind.ESCALATE_LEADER: "g.escalate_leader_after_days",
    ReminderKind.ESCALATE_COUNTY: "g.escalate_county_after_days",
}


def _message_columns() -> tuple[str, list]:
    """Title, body and link over reminder r, rectification x, d, v, it, g; texts are parameters."""
    title_case, title_params = _kind_case({kind: ("%s", [f"【{kind.label}】"]) for kind in ReminderKind})
    title = f"SUBSTR({title_case} || %s || v.name || ' ' || it.code || ' ' || it.title, 1, {TITLE_MAX})"
    title_params += ["整改："]
    due = _date_text("r.due_date")
    pieces = {}
    for kind, texts in _BODY_TEXTS.items():
        if kind in _ESCALATION_DAYS:
            pieces[kind] = (f"%s || {due} || %s || CAST({_ESCALATION_DAYS[kind]} AS TEXT) || %s", list(texts))
        else:
            pieces[kind] = (f"%s || {due} || %s", list(texts))
    body_case, body_params = _kind_case(pieces)
    body = f"d.name || %s || v.name || %s || it.code || ' ' || it.title || %s || {body_case}"
    prefix, suffix = rectification_link_parts()
    link = "%s || CAST(x.id AS TEXT) || %s"
    return f"{title}, {body}, {link}", [*title_params, "：", "“", "”的整改", *body_params, prefix, suffix]


def rectification_link_parts() -> tuple[str, str]:
    marker = 987654321
    try:
        url = reverse("assessments:rectification_detail", args=[marker])
    except NoReverseMatch:
        return "/assessments/rectifications/", "/"
    prefix, suffix = url.split(str(marker), 1)
    return prefix, suffix


@dataclass(frozen=True)
class RectificationNotifyResult:
    reminders: int
    notifications: int


def rectification_reminders_notify(*, now: datetime.datetime) -> RectificationNotifyResult:
    """Claim every unsent reminder and write its inbox messages in one transaction; a
    rectification verified since the scan gets none."""
    stamp = connection.ops.adapt_datetimefield_value(now)
    statuses, status_params = _in(OPEN_STATUSES)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {_t('reminder')} SET notified_at = %s WHERE notified_at IS NULL", [stamp])
        claimed = cursor.rowcount
        if not claimed:
            return RectificationNotifyResult(reminders=0, notifications=0)
        recipients, recipient_params = _recipients(stamp)
        columns, column_params = _message_columns()
        cursor.execute(
            f"""
            INSERT INTO {_t("notification")} (user_id, source, title, body, link, created_at, read_at, emailed_at)
            SELECT rc.user_id, %s || CAST(r.id AS TEXT), {columns}, %s, NULL, NULL
              FROM ({recipients}) rc
              JOIN {_t("reminder")} r ON r.id = rc.reminder_id
              JOIN {_t("rectification")} x ON x.id = r.rectification_id
              JOIN {_t("department")} d ON d.id = x.responsible_unit_id
              JOIN {_t("item")} it ON it.id = x.item_id
              JOIN {_t("inspection")} i ON i.id = x.inspection_id
              JOIN {_t("pilot")} pa ON pa.id = i.pilot_id
              JOIN {_t("village")} v ON v.id = pa.village_id
              JOIN {_t("program")} g ON g.id = pa.program_id
             WHERE x.status IN ({statuses})
            ON CONFLICT (user_id, source) DO NOTHING
            """,
            [SOURCE_PREFIX, *column_params, stamp, *recipient_params, *status_params],
        )
        return RectificationNotifyResult(reminders=claimed, notifications=cursor.rowcount)


def send_rectification_reminders(*, today: datetime.date, now: datetime.datetime) -> RectificationNotifyResult:
    """Scan and notify; the daily send_due_reminders calls this before its e-mail digest, so
    rectification reminders ride in the same digest."""
    rectification_reminders_scan(today=today)
    return rectification_reminders_notify(now=now)
