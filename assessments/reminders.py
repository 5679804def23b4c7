"""Rectification deadline reminders: the assessments app's reminder source. It declares the
obligations, the recipients and the message texts; the reminder kit (pilot_admin/reminders/)
scans, claims and notifies them as it does every source, set-based and safe to run twice.

An obligation is a rectification not yet verified (整改中 or 已报整改结果: until the county
office has accepted the work, the deadline still stands). Kinds and offsets are the report
reminders', taken from the inspection's program:

- due_soon      deadline − today == remind_days_before
- due_tomorrow  deadline − today == 1
- overdue       today > deadline
- escalate_leader  today − deadline ≥ escalate_leader_after_days
- escalate_county  today − deadline ≥ escalate_county_after_days

A finished program's rectifications are reminded only until their county escalation's day, as
the report reminders (DeadlineDays.still_reminded).

Recipients: the responsible unit's users (its clerks first, as for task reports); escalate_leader
its leaders; escalate_county its leaders and the county office (R-F6: 逾期未整改到位的，提请约谈).
"""

import datetime

from assessments.choices import RectificationStatus
from assessments.models import Inspection, Rectification, RectificationReminder, ScoreItem
from pilot_admin.choices import ReminderKind, Role
from pilot_admin.models import User
from pilot_admin.reminders.sources import KindedRows, ReminderSource, reminder_sources
from pilot_admin.reminders.sql import (
    CLERK_KINDS,
    TITLE_MAX,
    DeadlineDays,
    in_list,
    kind_labels,
    table,
    unit_users,
    url_around_id,
)
from pilot_admin.workdays import WorkCalendar
from villages.models import Department, PilotAssignment, PilotProgram, Village

OPEN_STATUSES = (RectificationStatus.OPEN, RectificationStatus.SUBMITTED)
PROGRAM_DAYS = DeadlineDays(
    remind_days_before="g.remind_days_before",
    escalate_leader_after_days="g.escalate_leader_after_days",
    escalate_county_after_days="g.escalate_county_after_days",
)


def _obligations(today: datetime.date, calendar: WorkCalendar) -> KindedRows:
    """The reminder key (rectification, deadline) of each unverified rectification `x` of program
    `g`, with per kind the condition on its deadline that gives it that kind today."""
    statuses, status_params = in_list(OPEN_STATUSES)
    rows = f"""
      FROM {table(Rectification)} x
      JOIN {table(Inspection)} i ON i.id = x.inspection_id
      JOIN {table(PilotAssignment)} pa ON pa.id = i.pilot_id
      JOIN {table(PilotProgram)} g ON g.id = pa.program_id
     WHERE x.status IN ({statuses})
    """
    running, running_params = PROGRAM_DAYS.still_reminded(today, deadline="x.deadline", end_year="g.end_year")
    return KindedRows(
        select="SELECT x.id AS rectification_id, x.deadline AS due_date",
        rows=f"{rows} AND {running}",
        params=[*status_params, *running_params],
        kinds=PROGRAM_DAYS.conditions(today, deadline="x.deadline", calendar=calendar),
    )


def _recipients(stamp) -> tuple[str, list]:
    """(reminder_id, user_id) of every message the reminders claimed with `stamp` give."""
    units, unit_params = unit_users()
    clerk_kinds, clerk_params = in_list(CLERK_KINDS)
    escalations, escalation_params = in_list((ReminderKind.ESCALATE_LEADER, ReminderKind.ESCALATE_COUNTY))
    sql = f"""
        SELECT r.id AS reminder_id, uu.user_id
          FROM {table(RectificationReminder)} r
          JOIN {table(Rectification)} x ON x.id = r.rectification_id
          JOIN ({units}) uu ON uu.unit_id = x.responsible_unit_id
         WHERE r.notified_at = %s AND r.kind IN ({clerk_kinds}) AND (NOT uu.leader OR uu.has_clerk = 0)
        UNION
        SELECT r.id, uu.user_id
          FROM {table(RectificationReminder)} r
          JOIN {table(Rectification)} x ON x.id = r.rectification_id
          JOIN ({units}) uu ON uu.unit_id = x.responsible_unit_id
         WHERE r.notified_at = %s AND r.kind IN ({escalations}) AND (uu.leader OR uu.has_leader = 0)
        UNION
        SELECT r.id, u.id
          FROM {table(RectificationReminder)} r
          JOIN {table(Rectification)} x ON x.id = r.rectification_id
          JOIN {table(Inspection)} i ON i.id = x.inspection_id
          JOIN {table(PilotAssignment)} pa ON pa.id = i.pilot_id
          JOIN {table(PilotProgram)} g ON g.id = pa.program_id
          JOIN {table(User)} u ON u.county_id = g.county_id AND u.role = %s AND u.is_active
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


def _messages(stamp) -> tuple[str, list]:
    """Title, body and link of each claimed reminder's messages, over reminder r, rectification
    x, d, v, it, g; the texts are parameters. A rectification verified since the scan gets none."""
    title_case, title_params = kind_labels()
    title = f"SUBSTR({title_case} || %s || v.name || ' ' || it.code || ' ' || it.title, 1, {TITLE_MAX})"
    body_case, body_case_params = PROGRAM_DAYS.phrases(_BODY_TEXTS, due="r.due_date")
    body = f"d.name || %s || v.name || %s || it.code || ' ' || it.title || %s || {body_case}"
    prefix, suffix = url_around_id("assessments:rectification_detail", fallback=("/assessments/rectifications/", "/"))
    recipients, recipient_params = _recipients(stamp)
    statuses, status_params = in_list(OPEN_STATUSES)
    sql = f"""
        SELECT r.id AS reminder_id, rc.user_id AS user_id, {title} AS title, {body} AS body,
               %s || CAST(x.id AS TEXT) || %s AS link
          FROM ({recipients}) rc
          JOIN {table(RectificationReminder)} r ON r.id = rc.reminder_id
          JOIN {table(Rectification)} x ON x.id = r.rectification_id
          JOIN {table(Department)} d ON d.id = x.responsible_unit_id
          JOIN {table(ScoreItem)} it ON it.id = x.item_id
          JOIN {table(Inspection)} i ON i.id = x.inspection_id
          JOIN {table(PilotAssignment)} pa ON pa.id = i.pilot_id
          JOIN {table(Village)} v ON v.id = pa.village_id
          JOIN {table(PilotProgram)} g ON g.id = pa.program_id
         WHERE x.status IN ({statuses})
    """
    params = [
        *title_params, "整改：",
        "：", "“", "”的整改", *body_case_params,
        prefix, suffix,
        *recipient_params, *status_params,
    ]  # fmt: skip
    return sql, params


source = reminder_sources.register(
    ReminderSource(
        model=RectificationReminder, prefix="rectification_reminder:", obligations=_obligations, messages=_messages
    )
)

# The steps under the names the tests call.
rectification_reminders_scan = source.scan
rectification_reminders_notify = source.notify
