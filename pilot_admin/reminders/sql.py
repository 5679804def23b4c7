"""The SQL pieces every reminder source builds its statements from, written once: dates that
PostgreSQL and SQLite both compare and print the same way, IN lists and CASE expressions whose
values are bound parameters, the deadline kinds with the program's numbers of days, and the
users of a unit. Only quoted table names and fixed fragments are ever interpolated."""

import datetime
from dataclasses import dataclass

from django.db import connection
from django.urls import NoReverseMatch, reverse

from pilot_admin.choices import ReminderKind, Role
from pilot_admin.models import Notification, User
from pilot_admin.workdays import WorkCalendar

# The kinds a unit's clerks receive; the escalations go to its leaders.
CLERK_KINDS = (ReminderKind.DUE_SOON, ReminderKind.DUE_TOMORROW, ReminderKind.OVERDUE)
# The kinds sent on a day off too (pilot_admin/workdays.py): the escalations of an overdue
# obligation, to the leaders who must act on it. Overdue waits for the next working day (it
# compares with ≥, so it is recorded then); due_soon and due_tomorrow come early, on the working
# day before the days off (DeadlineDays.conditions), so each is still recorded once.
URGENT_KINDS = (ReminderKind.ESCALATE_LEADER, ReminderKind.ESCALATE_COUNTY)
TITLE_MAX = Notification._meta.get_field("title").max_length


def table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def date_param(value: datetime.date):
    return connection.ops.adapt_datefield_value(value)


def timestamp_param(value: datetime.datetime):
    return connection.ops.adapt_datetimefield_value(value)


def shifted_today(sign: str, days_column: str) -> str:
    """SQL for the scan date (one %s parameter) plus or minus a per-program number of days, as
    a value both backends compare with a DateField column."""
    if connection.vendor == "postgresql":
        return f"(CAST(%s AS date) {sign} {days_column})"
    return f"date(%s, '{sign}' || {days_column} || ' days')"


def moved_due_note(calendar: WorkCalendar, moved_ends, *, end: str, due: str) -> tuple[str, list]:
    """SQL for the "（国庆节顺延）" after a due date the working-day rule moved: `moved_ends` are the
    nominal last days (column `end`) of the rows about to be messaged whose `due` differs."""
    whens, params = [], []
    for day in sorted(set(moved_ends)):
        whens.append("WHEN %s THEN %s")
        params += [date_param(day), f"（{calendar.day_off_name(day) or '节假日'}顺延）"]
    if not whens:
        return "''", []
    return f"(CASE WHEN {due} <> {end} THEN (CASE {end} {' '.join(whens)} ELSE '' END) ELSE '' END)", params


def date_text(column: str) -> str:
    """A date column as YYYY-MM-DD text, whatever the server's DateStyle."""
    if connection.vendor == "postgresql":
        return f"to_char({column}, 'YYYY-MM-DD')"
    return column


def in_list(values) -> tuple[str, list]:
    return ", ".join(["%s"] * len(values)), list(values)


def kind_case(pieces: dict[str, tuple[str, list]], *, column: str = "r.kind") -> tuple[str, list]:
    """CASE <column> WHEN … THEN <expression> … END from {kind: (expression, its parameters)}."""
    whens, params = [], []
    for kind, (expression, expression_params) in pieces.items():
        whens.append(f"WHEN %s THEN {expression}")
        params += [kind, *expression_params]
    return f"CASE {column} {' '.join(whens)} END", params


def kind_labels(column: str = "r.kind") -> tuple[str, list]:
    """The 【label】 every reminder title starts with, as a CASE on the kind column."""
    return kind_case({kind: ("%s", [f"【{kind.label}】"]) for kind in ReminderKind}, column=column)


@dataclass(frozen=True)
class DeadlineDays:
    """The numbers of days a program sets around a deadline (warn this many days before,
    escalate to the unit's leader and then to the county this many days after), as columns over
    the source's own aliases: policy numbers are data, never literals here."""

    remind_days_before: str
    escalate_leader_after_days: str
    escalate_county_after_days: str

    def conditions(
        self, today: datetime.date, *, deadline: str, calendar: WorkCalendar | None = None
    ) -> dict[str, tuple[str, list]]:
        """Per kind, the condition that selects the obligations whose `deadline` gives that kind
        on `today`, with its parameters. The overdue and escalation kinds compare with ≥, so a
        scan that missed days still records each once; due_soon and due_tomorrow fire on their
        day only (a warning a week ahead is worthless once the day has passed), where "their
        day" is the last working day at or before it: on a day off only the URGENT_KINDS are
        scanned, so the working day before days off warns of them too (due_soon of every deadline
        whose warning day falls before the next working day, due_tomorrow of every deadline up to
        the next working day)."""
        calendar = calendar or WorkCalendar.load()
        day = date_param(today)
        conditions = {
            ReminderKind.ESCALATE_LEADER: (
                f"{deadline} < %s AND {deadline} <= {shifted_today('-', self.escalate_leader_after_days)}",
                [day, day],
            ),
            ReminderKind.ESCALATE_COUNTY: (
                f"{deadline} < %s AND {deadline} <= {shifted_today('-', self.escalate_county_after_days)}",
                [day, day],
            ),
        }
        if not calendar.is_workday(today):
            return conditions
        next_workday = date_param(calendar.next_workday(today + datetime.timedelta(days=1)))
        return {
            ReminderKind.DUE_SOON: (
                f"{deadline} >= {shifted_today('+', self.remind_days_before)}"
                f" AND {deadline} < {shifted_today('+', self.remind_days_before)}",
                [day, next_workday],
            ),
            ReminderKind.DUE_TOMORROW: (f"{deadline} > %s AND {deadline} <= %s", [day, next_workday]),
            ReminderKind.OVERDUE: (f"{deadline} < %s", [day]),
            **conditions,
        }

    def still_reminded(self, today: datetime.date, *, deadline: str, end_year: str) -> tuple[str, list]:
        """The condition that keeps an obligation in the scan on `today`: its program (last year
        `end_year`) is still running, or its `deadline` is recent enough that its escalations are
        still due. Once a program has ended, its older unmet obligations are history, not
        today's work: without this, the first scan of an installation carrying a finished
        program would put every overdue obligation of it, years back, in the inboxes at once."""
        recent = f"{deadline} >= {shifted_today('-', self.escalate_county_after_days)}"
        return f"({end_year} >= %s OR {recent})", [today.year, date_param(today)]

    def phrases(
        self, texts: dict[str, tuple[str, ...]], *, due: str, note: tuple[str, list] = ("''", [])
    ) -> tuple[str, list]:
        """A CASE on r.kind giving each kind's sentence about the deadline: its texts around the
        due date `due` followed by `note` (an SQL expression and its parameters, e.g. a moved due
        date's "（国庆节顺延）") and, for an escalation, the program's number of days."""
        days = {
            ReminderKind.ESCALATE_LEADER: self.escalate_leader_after_days,
            ReminderKind.ESCALATE_COUNTY: self.escalate_county_after_days,
        }
        note_sql, note_params = note
        due_text = f"{date_text(due)} || {note_sql}"
        pieces = {}
        for kind, kind_texts in texts.items():
            first, *rest = kind_texts
            if kind in days:
                expression = f"%s || {due_text} || %s || CAST({days[kind]} AS TEXT) || %s"
            else:
                expression = f"%s || {due_text} || %s"
            pieces[kind] = (expression, [first, *note_params, *rest])
        return kind_case(pieces)


# Every active user of every unit: department users by their department, township users by
# their township's government. has_clerk / has_leader say whether the unit has any non-leader /
# leader user, so a source can fall back to all of a unit's users rather than lose a message.
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


def unit_users() -> tuple[str, list]:
    """The subquery (unit_id, user_id, leader, has_clerk, has_leader) of every unit's users. The
    unit table is the one users belong to, reached through the user model: the core does not
    import the app that owns it."""
    department = User._meta.get_field("department").related_model
    sql = _UNIT_USERS.format(user=table(User), department=table(department))
    return sql, [Role.DEPARTMENT, Role.TOWNSHIP]


def url_around_id(name: str, *, fallback: tuple[str, str]) -> tuple[str, str]:
    """A detail page's URL before and after its id, for building links in SQL; `fallback`
    while the app's URLconf is not installed."""
    marker = 987654321
    try:
        url = reverse(name, args=[marker])
    except NoReverseMatch:
        return fallback
    prefix, suffix = url.split(str(marker), 1)
    return prefix, suffix
