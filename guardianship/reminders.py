"""Monthly visit reminders (R-H14): the same daily scan and notify steps as the task reminders
(tasks/reminders.py), set-based and safe to run twice. The scan inserts under the VisitReminder
unique constraint (person, month, kind); notify claims with a conditional UPDATE and inserts
inbox messages under the Notification one.

The obligation is the selectors' monthly compliance, built by the same ORM expressions
(selectors.due_visits_q, selectors.with_month_visits) and turned into INSERT … SELECT here, so
the register, the statistics and the reminders cannot disagree on who is due.

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
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import IntegerField, Value
from django.db.models.functions import Coalesce
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from guardianship import selectors
from guardianship.models import GuardianshipPolicy, Person, VisitReminder
from pilot_admin.choices import ReminderKind, Role
from pilot_admin.models import Notification, User

# The date helpers that make SQL portable between PostgreSQL and SQLite are the task reminders'.
from tasks.reminders import _date_param, _date_text
from villages.models import Township, Village

_TABLES = {
    "reminder": VisitReminder,
    "person": Person,
    "village": Village,
    "township": Township,
    "user": User,
    "notification": Notification,
}
DEFAULT_WARNING_DAY = GuardianshipPolicy._meta.get_field("visit_warning_day").default
TITLE_MAX = Notification._meta.get_field("title").max_length
SOURCE_PREFIX = "visit_reminder:"


def _t(name: str) -> str:
    return connection.ops.quote_name(_TABLES[name]._meta.db_table)


def unvisited(month: datetime.date):
    """Persons due visits in `month` with fewer than the policy's visits: every county's, since
    the scan runs for the whole installation."""
    return (
        selectors.with_month_visits(Person.objects.filter(selectors.due_visits_q(month)), month)
        .filter(visited_in_month=False)
        .order_by()
    )


def _obligations(today: datetime.date) -> dict[str, tuple[datetime.date, object]]:
    """Per kind, the month it concerns and the persons it selects on `today`."""
    this_month = selectors.month_start(today)
    warning_day = Coalesce(
        "village__township__county__guardianship_policy__visit_warning_day",
        Value(DEFAULT_WARNING_DAY),
        output_field=IntegerField(),
    )
    warned = unvisited(this_month).alias(warning_day=warning_day).filter(warning_day__lte=today.day)
    return {
        ReminderKind.DUE_SOON: (this_month, warned),
        ReminderKind.OVERDUE: (selectors.previous_month(this_month), unvisited(selectors.previous_month(this_month))),
    }


def visit_reminders_scan(*, today: datetime.date) -> int:
    """Record today's visit reminders: one INSERT … SELECT … ON CONFLICT DO NOTHING per kind, in
    one transaction. Returns the number of new reminders; a second scan the same day adds 0."""
    created_at = connection.ops.adapt_datetimefield_value(timezone.now())
    created = 0
    with transaction.atomic(), connection.cursor() as cursor:
        for kind, (month, persons) in _obligations(today).items():
            select, params = persons.values("id").query.sql_with_params()
            cursor.execute(
                f"""
                INSERT INTO {_t("reminder")} (person_id, month, kind, scan_date, created_at, notified_at)
                SELECT due.id, %s, %s, %s, %s, NULL
                  FROM ({select}) due
                 WHERE TRUE  -- SQLite needs a WHERE before an upsert's ON CONFLICT after a SELECT
                ON CONFLICT (person_id, month, kind) DO NOTHING
                """,
                [_date_param(month), kind, _date_param(today), created_at, *params],
            )
            created += cursor.rowcount
    return created


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
    """SELECT of (user_id, source, title, body, link) for the reminders claimed with `stamp`:
    one message per township, kind and month to each recipient."""
    month_text = f"SUBSTR({_date_text('g.month')}, 1, 7)"
    title_case, body_case, case_params_title, case_params_body = [], [], [], []
    for kind, (title_text, body_text) in _TEXTS.items():
        title_case.append("WHEN %s THEN %s")
        case_params_title += [kind, title_text]
        body_case.append("WHEN %s THEN %s")
        case_params_body += [kind, body_text]
    label_case = " ".join("WHEN %s THEN %s" for _ in ReminderKind)
    label_params = [p for kind in ReminderKind for p in (kind, f"【{kind.label}】")]
    prefix, joiner = register_link_parts()
    sql = f"""
        SELECT u.id,
               %s || CAST(g.first_id AS TEXT),
               SUBSTR(CASE g.kind {label_case} END || tw.name || ' ' || {month_text} || %s
                      || CAST(g.n AS TEXT) || CASE g.kind {" ".join(title_case)} END, 1, {TITLE_MAX}),
               tw.name || ' ' || {month_text} || %s || CAST(g.n AS TEXT) || %s
                      || CASE g.kind {" ".join(body_case)} END,
               %s || %s || 'month=' || {month_text} || '&township=' || CAST(tw.id AS TEXT) || '&visited=false'
          FROM (SELECT r.kind, r.month, v.township_id, COUNT(*) AS n, MIN(r.id) AS first_id
                  FROM {_t("reminder")} r
                  JOIN {_t("person")} p ON p.id = r.person_id
                  JOIN {_t("village")} v ON v.id = p.village_id
                 WHERE r.notified_at = %s
                 GROUP BY r.kind, r.month, v.township_id) g
          JOIN {_t("township")} tw ON tw.id = g.township_id
          JOIN {_t("user")} u ON u.is_active AND (
               (g.kind = %s AND u.role = %s AND u.township_id = tw.id)
            OR (g.kind = %s AND u.role = %s AND u.township_id = tw.id AND (u.is_unit_leader OR NOT EXISTS (
                    SELECT 1 FROM {_t("user")} lead
                     WHERE lead.is_active AND lead.role = %s AND lead.township_id = tw.id AND lead.is_unit_leader)))
            OR (g.kind = %s AND u.role = %s AND u.county_id = tw.county_id))
    """
    params = [
        SOURCE_PREFIX, *label_params, " 有 ", *case_params_title,
        "：有 ", " 名分散供养人员未达到每月走访要求。", *case_params_body,
        prefix, joiner,
        stamp,
        ReminderKind.DUE_SOON, Role.TOWNSHIP,
        ReminderKind.OVERDUE, Role.TOWNSHIP, Role.TOWNSHIP,
        ReminderKind.OVERDUE, Role.COUNTY_ADMIN,
    ]  # fmt: skip
    return sql, params


@dataclass(frozen=True)
class VisitNotifyResult:
    reminders: int
    notifications: int


def visit_reminders_notify(*, now: datetime.datetime) -> VisitNotifyResult:
    """Claim every reminder not yet notified and write its inbox messages, in one transaction;
    the claim's own timestamp names the claimed rows, so no id list travels to Python."""
    stamp = connection.ops.adapt_datetimefield_value(now)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {_t('reminder')} SET notified_at = %s WHERE notified_at IS NULL", [stamp])
        claimed = cursor.rowcount
        if not claimed:
            return VisitNotifyResult(reminders=0, notifications=0)
        messages, params = _messages(stamp)
        cursor.execute(
            f"""
            INSERT INTO {_t("notification")} (user_id, source, title, body, link, created_at, read_at, emailed_at)
            SELECT m.*, %s, NULL, NULL FROM ({messages}) m WHERE TRUE
            ON CONFLICT (user_id, source) DO NOTHING
            """,
            [stamp, *params],
        )
        return VisitNotifyResult(reminders=claimed, notifications=cursor.rowcount)


def send_visit_reminders(*, today: datetime.date, now: datetime.datetime) -> VisitNotifyResult:
    """Scan and notify; the daily send_due_reminders calls this before its e-mail digest."""
    visit_reminders_scan(today=today)
    return visit_reminders_notify(now=now)
