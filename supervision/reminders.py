"""Reminders of the supervision committees: the app's reminder source. It declares the
obligations, the recipients and the texts; the reminder kit (pilot_admin/reminders/) scans,
claims and notifies them as it does every source, set-based and safe to run twice (the
SupervisionReminder unique constraint keeps each once).

The obligations are those of supervision/statistics.py (in office, owes a meeting, owes a
review), built by the same ORM expressions and handed to the kit's INSERT … SELECT:

- term     due_soon from the county's term_warning_days before the term ends (R-J4, "届满应当
           及时进行换届选举"); overdue once it has ended with the committee still in office (no
           successor filed). Keyed by the term's end, so once per term.
- meeting  overdue when a month passed without a meeting of a committee that owed one (R-J14).
- review   overdue when a review period (month, or quarter where the county reviews quarterly,
           R-J11) passed without its review.

Working days as the other sources: the kit records nothing but escalations on a day off, and
a period's deadline is its last day moved to the next working day (民法典第二百零三条, as
WorkCalendar.next_workday), so a month ending on a Sunday is overdue only from the day after the
Monday. A scan that missed days catches up, the key holding each reminder once. Only the
period just passed is scanned: older unmet months are history, not today's work.

Messages go to the township's officials (the township runs its villages' committees, R-J8), one
per committee and obligation, linking to the committee's page.
"""

import calendar
import datetime

from django.db.models import Exists, OuterRef, Q
from django.urls import NoReverseMatch, reverse

from pilot_admin.choices import ReminderKind, Role
from pilot_admin.models import User
from pilot_admin.reminders.sources import ReminderSource, reminder_sources
from pilot_admin.reminders.sql import TITLE_MAX, date_param, date_text, kind_labels, table
from pilot_admin.workdays import WorkCalendar
from supervision import statistics
from supervision.choices import ReviewInterval
from supervision.models import Committee, ExpenseReview, Meeting, SupervisionPolicy
from supervision.models_reminders import SupervisionReminder
from villages.models import Village

TERM, MEETING, REVIEW = "term", "meeting", "review"
CLOSING = "。村务监督委员会一般每月召开一次会议，财务支出按月或按季复核（村务监督工作制度）。"


def _month_end(day: datetime.date) -> datetime.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def _previous_month(month: datetime.date) -> datetime.date:
    return (month - datetime.timedelta(days=1)).replace(day=1)


def _county_q(county_ids, *, include: bool) -> Q:
    q = Q(village__township__county_id__in=list(county_ids))
    return q if include else ~q


def _select(rows, subject: str, period: str | datetime.date) -> tuple[str, list]:
    """(committee_id, subject, period) of `rows`; `period` a column of rows or a fixed date."""
    if isinstance(period, datetime.date):
        select, params = rows.order_by().values("id").query.sql_with_params()
        return f"SELECT o.id AS committee_id, %s AS subject, %s AS period FROM ({select}) o", [
            subject,
            date_param(period),
            *params,
        ]
    select, params = rows.order_by().values("id", period).query.sql_with_params()
    return f"SELECT o.id AS committee_id, %s AS subject, o.{period} AS period FROM ({select}) o", [subject, *params]


def _union(parts: list[tuple[str, list]]) -> tuple[str, list]:
    sql = " UNION ALL ".join(f"SELECT * FROM ({select}) u{n}" for n, (select, _) in enumerate(parts))
    return sql, [param for _, params in parts for param in params]


def _owing(period_start: datetime.date, period_end: datetime.date):
    """Committees in office at the period's end that owed its meeting or review: filed before it
    began and still within their term when it began."""
    return (
        statistics.with_succession(Committee.objects.all(), period_end)
        .filter(statistics.in_office_q(period_end))
        .filter(established_on__lt=period_start, term_end__gte=period_start)
    )


def _obligations(today: datetime.date, cal: WorkCalendar) -> dict[str, tuple[str, list]]:
    policies = list(SupervisionPolicy.objects.values("county_id", "term_warning_days", "expense_review_interval"))
    with_policy = [p["county_id"] for p in policies]
    quarterly = [p["county_id"] for p in policies if p["expense_review_interval"] == ReviewInterval.QUARTERLY]

    # Terms: warned within the county's days before the end, overdue after it.
    in_office = statistics.with_succession(Committee.objects.all(), today).filter(statistics.in_office_q(today))
    warn = _county_q(with_policy, include=False) & Q(
        term_end__lte=today + datetime.timedelta(days=statistics._DEFAULT_WARNING_DAYS)
    )
    for policy in policies:
        warn |= Q(
            village__township__county_id=policy["county_id"],
            term_end__lte=today + datetime.timedelta(days=policy["term_warning_days"]),
        )
    due_soon = [_select(in_office.filter(warn, term_end__gte=today), TERM, "term_end")]
    overdue = [_select(in_office.filter(term_end__lt=today), TERM, "term_end")]

    # The month just passed, once its (moved) deadline has passed.
    month = _previous_month(today.replace(day=1))
    end = _month_end(month)
    if today > cal.next_workday(end):
        met = Meeting.objects.filter(committee=OuterRef("pk"), held_on__gte=month, held_on__lte=end)
        overdue.append(_select(_owing(month, end).filter(~Exists(met)), MEETING, month))
        reviewed = ExpenseReview.objects.filter(committee=OuterRef("pk"), period_start=month)
        rows = _owing(month, end).filter(_county_q(quarterly, include=False)).filter(~Exists(reviewed))
        overdue.append(_select(rows, REVIEW, month))
    # The quarter just passed, for the counties reviewing quarterly.
    quarter = statistics.quarter_start(statistics.quarter_start(today) - datetime.timedelta(days=1))
    quarter_end = _month_end(datetime.date(quarter.year, quarter.month + 2, 1))
    if quarterly and today > cal.next_workday(quarter_end):
        reviewed = ExpenseReview.objects.filter(committee=OuterRef("pk"), period_start=quarter)
        rows = _owing(quarter, quarter_end).filter(_county_q(quarterly, include=True)).filter(~Exists(reviewed))
        overdue.append(_select(rows, REVIEW, quarter))
    return {ReminderKind.DUE_SOON: _union(due_soon), ReminderKind.OVERDUE: _union(overdue)}


def committee_link_prefix() -> str:
    """The committees' pages' path, for building links in SQL; the pages' path while their
    URLconf is not installed."""
    try:
        return reverse("supervision:committee_list")
    except NoReverseMatch:
        return "/supervision/"


def _messages(stamp) -> tuple[str, list]:
    """One message per claimed reminder to each active official of the committee's township."""
    label_case, label_params = kind_labels(column="r.kind")
    day = date_text("r.period")
    what = f"""CASE
        WHEN r.subject = %s AND r.kind = %s THEN %s || {day} || %s
        WHEN r.subject = %s THEN %s || {day} || %s
        WHEN r.subject = %s THEN SUBSTR({day}, 1, 7) || %s
        ELSE SUBSTR({day}, 1, 7) || %s END"""
    what_params = [
        TERM, ReminderKind.DUE_SOON, "任期将于 ", " 届满，请及时组织换届选举",
        TERM, "任期已于 ", " 届满，新一届尚未选出备案",
        MEETING, " 未召开监委会会议",
        "起的财务支出未复核",
    ]  # fmt: skip
    sql = f"""
        SELECT r.id AS reminder_id,
               u.id AS user_id,
               SUBSTR({label_case} || v.name || %s || {what}, 1, {TITLE_MAX}) AS title,
               v.name || %s || {what} || %s AS body,
               %s || CAST(c.id AS TEXT) || '/' AS link
          FROM {table(SupervisionReminder)} r
          JOIN {table(Committee)} c ON c.id = r.committee_id
          JOIN {table(Village)} v ON v.id = c.village_id
          JOIN {table(User)} u ON u.is_active AND u.role = %s AND u.township_id = v.township_id
         WHERE r.notified_at = %s
    """
    params = [
        *label_params, "村务监督委员会", *what_params,
        "村务监督委员会", *what_params, CLOSING,
        committee_link_prefix(),
        Role.TOWNSHIP,
        stamp,
    ]  # fmt: skip
    return sql, params


source = reminder_sources.register(
    ReminderSource(
        model=SupervisionReminder, prefix="supervision_reminder:", obligations=_obligations, messages=_messages
    )
)

supervision_reminders_scan = source.scan
supervision_reminders_notify = source.notify
send_supervision_reminders = source.run
