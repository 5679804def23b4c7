"""Monthly visit reminders (R-H14): the guardianship app's reminder source. It declares the
obligations, the recipients and the message texts; the reminder kit (pilot_admin/reminders/)
scans, claims and notifies them as it does every source, set-based and safe to run twice. The
VisitReminder unique constraint (person, month, kind) keeps each reminder once.

The obligation is the selectors' monthly compliance, built by the same ORM expressions
(selectors.due_visits_q, selectors.with_month_visits) and handed to the kit's INSERT … SELECT,
so the register, the statistics and the reminders cannot disagree on who is due.

- due_soon  from the county policy's visit_warning_day (the 20th) to the end of the month, for
            each person due visits this month and not yet visited enough. A scan that missed
            the day catches up on the next one; the constraint keeps it once a month.
- overdue   in the month after, for each person due visits last month and not visited enough
            ("escalates after the month ends": the first scan of the new month records it).

Messages go per township and kind, with the number of persons, not one per person: a township
official learns "12 persons are not visited yet" and opens the filtered register. due_soon goes
to the township's officials; overdue to the township's leaders (all its officials when it has
no leader account) and the county office.
"""

import datetime

from django.db.models import IntegerField, Value
from django.db.models.functions import Coalesce
from django.urls import NoReverseMatch, reverse

from guardianship import selectors
from guardianship.models import GuardianshipPolicy, Person, VisitReminder
from pilot_admin.choices import ReminderKind, Role
from pilot_admin.models import User
from pilot_admin.reminders.sources import ReminderSource, reminder_sources
from pilot_admin.reminders.sql import TITLE_MAX, date_param, date_text, kind_case, kind_labels, table
from pilot_admin.workdays import WorkCalendar
from villages.models import Township, Village

DEFAULT_WARNING_DAY = GuardianshipPolicy._meta.get_field("visit_warning_day").default


def unvisited(month: datetime.date):
    """Persons due visits in `month` with fewer than the policy's visits: every county's, since
    the scan runs for the whole installation."""
    return (
        selectors.with_month_visits(Person.objects.filter(selectors.due_visits_q(month)), month)
        .filter(visited_in_month=False)
        .order_by()
    )


def _obligations(today: datetime.date, calendar: WorkCalendar) -> dict[str, tuple[str, list]]:
    """Per kind, the reminder key (person, month) of each person it selects on `today` (every
    day alike: the calendar is not needed)."""
    this_month = selectors.month_start(today)
    last_month = selectors.previous_month(this_month)
    warning_day = Coalesce(
        "village__township__county__guardianship_policy__visit_warning_day",
        Value(DEFAULT_WARNING_DAY),
        output_field=IntegerField(),
    )
    warned = unvisited(this_month).alias(warning_day=warning_day).filter(warning_day__lte=today.day)
    obligations = {}
    for kind, month, persons in (
        (ReminderKind.DUE_SOON, this_month, warned),
        (ReminderKind.OVERDUE, last_month, unvisited(last_month)),
    ):
        select, params = persons.values("id").query.sql_with_params()
        obligations[kind] = (
            f"SELECT due.id AS person_id, %s AS month FROM ({select}) due",
            [date_param(month), *params],
        )
    return obligations


def register_link_parts() -> tuple[str, str]:
    """The register page's URL, for building links in SQL; the pages' path while their URLconf
    is not installed."""
    try:
        return reverse("guardianship:register"), "?"
    except NoReverseMatch:
        return "/guardianship/", "?"


_TEXTS = {
    # kind: (after the count in the title, the body's closing sentence)
    ReminderKind.DUE_SOON: ("名分散供养人员本月尚未走访", "每月至少走访一次，请在月底前完成走访并登记。"),
    ReminderKind.OVERDUE: ("名分散供养人员当月未走访", "已过月末仍未按要求走访，请乡镇负责人督促补访并说明原因。"),
}


def _messages(stamp) -> tuple[str, list]:
    """The messages of the reminders claimed with `stamp`: one per township, kind and month to
    each recipient, named by the group's first reminder."""
    month_text = f"SUBSTR({date_text('g.month')}, 1, 7)"
    label_case, label_params = kind_labels(column="g.kind")
    titles = {kind: ("%s", [title]) for kind, (title, _) in _TEXTS.items()}
    bodies = {kind: ("%s", [body]) for kind, (_, body) in _TEXTS.items()}
    title_case, title_params = kind_case(titles, column="g.kind")
    body_case, body_params = kind_case(bodies, column="g.kind")
    prefix, joiner = register_link_parts()
    sql = f"""
        SELECT g.first_id AS reminder_id,
               u.id AS user_id,
               SUBSTR({label_case} || tw.name || ' ' || {month_text} || %s
                      || CAST(g.n AS TEXT) || {title_case}, 1, {TITLE_MAX}) AS title,
               tw.name || ' ' || {month_text} || %s || CAST(g.n AS TEXT) || %s || {body_case} AS body,
               %s || %s || 'month=' || {month_text} || '&township=' || CAST(tw.id AS TEXT) || '&visited=false' AS link
          FROM (SELECT r.kind, r.month, v.township_id, COUNT(*) AS n, MIN(r.id) AS first_id
                  FROM {table(VisitReminder)} r
                  JOIN {table(Person)} p ON p.id = r.person_id
                  JOIN {table(Village)} v ON v.id = p.village_id
                 WHERE r.notified_at = %s
                 GROUP BY r.kind, r.month, v.township_id) g
          JOIN {table(Township)} tw ON tw.id = g.township_id
          JOIN {table(User)} u ON u.is_active AND (
               (g.kind = %s AND u.role = %s AND u.township_id = tw.id)
            OR (g.kind = %s AND u.role = %s AND u.township_id = tw.id AND (u.is_unit_leader OR NOT EXISTS (
                    SELECT 1 FROM {table(User)} lead
                     WHERE lead.is_active AND lead.role = %s AND lead.township_id = tw.id AND lead.is_unit_leader)))
            OR (g.kind = %s AND u.role = %s AND u.county_id = tw.county_id))
    """
    params = [
        *label_params, " 有 ", *title_params,
        "：有 ", " 名分散供养人员未达到每月走访要求。", *body_params,
        prefix, joiner,
        stamp,
        ReminderKind.DUE_SOON, Role.TOWNSHIP,
        ReminderKind.OVERDUE, Role.TOWNSHIP, Role.TOWNSHIP,
        ReminderKind.OVERDUE, Role.COUNTY_ADMIN,
    ]  # fmt: skip
    return sql, params


source = reminder_sources.register(
    ReminderSource(model=VisitReminder, prefix="visit_reminder:", obligations=_obligations, messages=_messages)
)

# The steps under the names the tests call.
visit_reminders_scan = source.scan
visit_reminders_notify = source.notify
send_visit_reminders = source.run
