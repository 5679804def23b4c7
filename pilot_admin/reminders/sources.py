"""Reminder sources and their registry. An app declares one ReminderSource in its own
reminders.py: its reminder model, the SQL that selects its obligations per kind, and the SQL
of its messages. The steps are the kit's, the same for every source, so exactly-once holds
the same way everywhere:

- scan: on a day off of the working-day calendar only the urgent kinds (sql.URGENT_KINDS: the
  escalations); every other kind waits for the next working day, whose scan catches it up.
  ONE INSERT … SELECT … ON CONFLICT DO NOTHING of every kind into the reminder table, reading
  the obligations once (KindedRows: each row's kinds from its deadline), whose unique
  constraint (the obligation's key and the kind) makes a repeated scan add nothing. The
  calendar is read once and handed to the source; the statement is its own transaction;
- claim: a conditional UPDATE … SET notified_at WHERE notified_at IS NULL, so a concurrent or
  repeated run finds nothing left to claim;
- notify: in the claim's transaction, one INSERT … SELECT of the messages into the Notification
  table ON CONFLICT (user_id, source) DO NOTHING. A worker killed half-way leaves the reminders
  unclaimed for the next run; the claim's own timestamp names the claimed rows, so no id list
  travels to Python and back, however many there are.
"""

import datetime
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules

from pilot_admin.models import Notification
from pilot_admin.reminders.sql import URGENT_KINDS, date_param, table, timestamp_param
from pilot_admin.workdays import WorkCalendar


@dataclass(frozen=True)
class KindedRows:
    """The obligations of every kind in one pass: `select` is the SELECT list of the reminder
    key's columns (named after the reminder model's key columns, its unique constraint without
    `kind`), `rows` its FROM … WHERE … with `params`, and `kinds` per kind the condition over
    `rows`' aliases that gives an obligation that kind today, with its parameters. Used where
    every kind is a deadline window over the same rows (task reports, rectifications)."""

    select: str
    rows: str
    params: list
    kinds: dict[str, tuple[str, list]]


# What a source's `obligations(today, calendar)` gives (the calendar is the scan's, read once):
# KindedRows (one pass), or per kind a SELECT of the key columns with its parameters, for a source
# whose kinds select different rows (the visits: this month's persons and last month's).
Obligations = Callable[[datetime.date, WorkCalendar], "KindedRows | dict[str, tuple[str, list]]"]
# Given the claim's timestamp (a parameter), a SELECT of (reminder_id, user_id, title, body,
# link) of the messages the reminders claimed with it give, with its parameters.
Messages = Callable[[Any], tuple[str, list]]


@dataclass(frozen=True)
class NotifyResult:
    reminders: int
    notifications: int


@dataclass(frozen=True)
class SourceRun:
    """One source's part of a daily run; `created_by_kind` holds the new reminders per kind
    (kinds with none left out), so the run's report can say what it made."""

    source: str
    created: int
    reminders: int
    notifications: int
    created_by_kind: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class ReminderSource:
    """What one app reminds of. `model` is its reminder table: a unique constraint on the
    obligation's key columns and `kind`, plus `scan_date`, `created_at` and `notified_at`.
    `prefix` starts each message's Notification.source, before the reminder's id."""

    model: type[models.Model]
    prefix: str
    obligations: Obligations
    messages: Messages

    @property
    def name(self) -> str:
        """The owning app's label: one source per app."""
        return self.model._meta.app_label

    @property
    def label(self) -> str:
        """The owning app's name as users read it (its AppConfig.verbose_name)."""
        return apps.get_app_config(self.name).verbose_name

    def scan(self, *, today: datetime.date) -> int:
        """Record today's reminders; returns how many are new (a second scan the same day adds 0)."""
        return sum(self.scan_by_kind(today=today).values())

    def scan_by_kind(self, *, today: datetime.date) -> dict[str, int]:
        """Record today's reminders: ONE INSERT … SELECT … ON CONFLICT DO NOTHING of every kind
        (kinds_select), a transaction of its own. Returns how many are new per kind, kinds with
        none left out."""
        quote = connection.ops.quote_name
        key = conflict_key(self.model)
        columns = [quote(column) for column in key if column != "kind"]
        calendar = WorkCalendar.load()
        kept = (lambda kind: True) if calendar.is_workday(today) else (lambda kind: kind in URGENT_KINDS)
        found = kinds_select(self.obligations(today, calendar), keep=kept, columns=columns)
        if found is None:
            return {}
        select, select_params = found
        # Every late obligation offers its kinds again each day and ON CONFLICT skips the ones
        # recorded (one probe of the unique index each). A NOT EXISTS anti-join on the reminder
        # table was faster with fresh statistics, but with stale ones (the table just filled or
        # emptied) PostgreSQL nested it over a sequential scan of the table: minutes, not seconds.
        insert = f"""
            INSERT INTO {table(self.model)} ({", ".join(columns)}, kind, scan_date, created_at, notified_at)
            SELECT {", ".join(f"o.{column}" for column in columns)}, o.kind, %s, %s, NULL
              FROM ({select}) o
             WHERE TRUE  -- SQLite needs a WHERE before an upsert's ON CONFLICT after a SELECT
            ON CONFLICT ({", ".join(map(quote, key))}) DO NOTHING
            RETURNING kind
        """
        params = [date_param(today), timestamp_param(timezone.now()), *select_params]
        # One statement is atomic on its own (the deferred foreign-key checks run at its implicit
        # commit): no BEGIN and COMMIT of ours around it. Inside a caller's transaction it is
        # part of that one.
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # The new rows are counted in the server: a first run's hundreds of thousands of
                # kinds never travel to Python.
                cursor.execute(f"WITH new AS ({insert}) SELECT kind, COUNT(*) FROM new GROUP BY kind", params)
                return dict(cursor.fetchall())
            # SQLite has no INSERT inside a WITH; its databases are small.
            cursor.execute(insert, params)
            return dict(Counter(kind for (kind,) in cursor.fetchall()))

    def notify(self, *, now: datetime.datetime) -> NotifyResult:
        """Claim every reminder not yet notified and insert its inbox messages, in one
        transaction."""
        stamp = timestamp_param(now)
        with transaction.atomic(), connection.cursor() as cursor:
            claimed = reminders_claim(cursor, model=self.model, stamp=stamp)
            if not claimed:
                return NotifyResult(reminders=0, notifications=0)
            messages, params = self.messages(stamp)
            notified = notifications_insert(
                cursor, model=self.model, prefix=self.prefix, messages=messages, params=params, stamp=stamp
            )
        return NotifyResult(reminders=claimed, notifications=notified)

    def run(self, *, today: datetime.date, now: datetime.datetime) -> SourceRun:
        created = self.scan_by_kind(today=today)
        notified = self.notify(now=now)
        return SourceRun(self.name, sum(created.values()), notified.reminders, notified.notifications, created)


def kinds_select(
    obligations: "KindedRows | dict[str, tuple[str, list]]", *, keep: Callable[[str], bool], columns: list[str]
) -> tuple[str, list] | None:
    """One SELECT of (key columns…, kind) of the obligations of the kinds `keep` accepts, with its
    parameters; None when no kind is left (a day off for a source without urgent kinds).

    KindedRows give one pass: the rows are read once, each with a flag per kind (its condition),
    only the rows with some flag are kept, and a join with the kept kinds (a VALUES list) turns
    each flag that is set into one row: an overdue obligation past both escalation days gives
    three. A dict of SELECTs gives their UNION ALL, each with its kind."""
    if isinstance(obligations, KindedRows):
        kinds = {kind: condition for kind, condition in obligations.kinds.items() if keep(kind)}
        if not kinds:
            return None
        flags, flag_params, any_params, whens, when_params = [], [], [], [], []
        for position, (kind, (condition, condition_params)) in enumerate(kinds.items()):
            flags.append(f"({condition}) AS kind_{position}")
            flag_params += condition_params
            any_params += condition_params
            whens.append(f"WHEN %s THEN o.kind_{position}")
            when_params.append(kind)
        values = ", ".join(["(%s)"] * len(kinds))
        any_kind = " OR ".join(f"({condition})" for condition, _ in kinds.values())
        # The OFFSET fences the rows off: without it PostgreSQL flattens the subquery and joins
        # every obligation with the kinds before filtering them (five times the rows to test).
        # VALUES' column is column1 on both backends (neither names it otherwise portably).
        fence = "OFFSET 0" if connection.vendor == "postgresql" else "LIMIT -1 OFFSET 0"
        sql = f"""
            SELECT {", ".join(f"o.{column}" for column in columns)}, k.column1 AS kind
              FROM ({obligations.select}, {", ".join(flags)} {obligations.rows} AND ({any_kind}) {fence}) o
              JOIN (VALUES {values}) k ON (CASE k.column1 {" ".join(whens)} END)
        """
        return sql, [*flag_params, *obligations.params, *any_params, *kinds, *when_params]
    selects, params = [], []
    for kind, (select, select_params) in obligations.items():
        if keep(kind):
            selects.append(f"SELECT {', '.join(f'd.{column}' for column in columns)}, %s AS kind FROM ({select}) d")
            params += [kind, *select_params]
    if not selects:
        return None
    return " UNION ALL ".join(selects), params


def conflict_key(model: type[models.Model]) -> list[str]:
    """The columns of the reminder model's unique constraint, which ON CONFLICT names: read from
    the model, so the scan cannot drift from the constraint that makes it safe."""
    unique = [
        constraint
        for constraint in model._meta.constraints
        if isinstance(constraint, models.UniqueConstraint) and constraint.condition is None
    ]
    if len(unique) != 1 or "kind" not in unique[0].fields:
        raise ImproperlyConfigured(f"{model._meta.label} needs exactly one unique constraint, and it includes kind.")
    return [model._meta.get_field(name).column for name in unique[0].fields]


def reminders_claim(cursor, *, model: type[models.Model], stamp) -> int:
    """Mark every reminder of `model` not yet notified as notified at `stamp`; returns how many.
    The claim is conditional, so two runs never claim the same reminder."""
    cursor.execute(f"UPDATE {table(model)} SET notified_at = %s WHERE notified_at IS NULL", [stamp])
    return cursor.rowcount


def notifications_insert(cursor, *, model: type[models.Model], prefix: str, messages: str, params: list, stamp) -> int:
    """Insert the `messages` SELECT into the inboxes, each with its reminder's kind (which picks
    the person's channels); Notification's unique (user, source) makes a message that is already
    there a no-op. Returns how many are new."""
    cursor.execute(
        f"""
        INSERT INTO {table(Notification)} (user_id, source, title, body, link, kind, created_at, read_at, emailed_at)
        SELECT m.user_id, %s || CAST(m.reminder_id AS TEXT), m.title, m.body, m.link, r.kind, %s, NULL, NULL
          FROM ({messages}) m
          JOIN {table(model)} r ON r.id = m.reminder_id
         WHERE TRUE  -- as in the scan, for SQLite
        ON CONFLICT (user_id, source) DO NOTHING
        """,
        [prefix, stamp, *params],
    )
    return cursor.rowcount


class ReminderSourceRegistry:
    """Apps register their source from `<app>/reminders.py`, found like admin.py on first use.
    Sources run in INSTALLED_APPS order, whatever order their modules happened to be imported in."""

    def __init__(self):
        self._sources: dict[str, ReminderSource] = {}
        self._discovered = False

    def register(self, source: ReminderSource) -> ReminderSource:
        if source.name in self._sources:
            raise ImproperlyConfigured(f"The {source.name} app already registered its reminder source.")
        conflict_key(source.model)  # refuse now a model the scan could not upsert into
        self._sources[source.name] = source
        return source

    def all(self) -> list[ReminderSource]:
        if not self._discovered:
            self._discovered = True
            autodiscover_modules("reminders")
        order = {config.label: position for position, config in enumerate(apps.get_app_configs())}
        return sorted(self._sources.values(), key=lambda source: order[source.name])


reminder_sources = ReminderSourceRegistry()
