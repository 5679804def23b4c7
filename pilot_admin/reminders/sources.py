"""Reminder sources and their registry. An app declares one ReminderSource in its own
reminders.py: its reminder model, the SQL that selects its obligations per kind, and the SQL
of its messages. The steps are the kit's, the same for every source, so exactly-once holds
the same way everywhere:

- scan: on a day off of the working-day calendar only the urgent kinds (sql.URGENT_KINDS: the
  escalations); every other kind waits for the next working day, whose scan catches it up.
  Per kind, one INSERT … SELECT … ON CONFLICT DO NOTHING into the reminder table, whose
  unique constraint (the obligation's key and the kind) makes a repeated scan add nothing;
- claim: a conditional UPDATE … SET notified_at WHERE notified_at IS NULL, so a concurrent or
  repeated run finds nothing left to claim;
- notify: in the claim's transaction, one INSERT … SELECT of the messages into the Notification
  table ON CONFLICT (user_id, source) DO NOTHING. A worker killed half-way leaves the reminders
  unclaimed for the next run; the claim's own timestamp names the claimed rows, so no id list
  travels to Python and back, however many there are.
"""

import datetime
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

# Per kind, a SELECT whose columns are named after the reminder model's key columns (its unique
# constraint without `kind`), with its parameters.
Obligations = Callable[[datetime.date], dict[str, tuple[str, list]]]
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
        """Record today's reminders: one INSERT … SELECT … ON CONFLICT DO NOTHING per kind, in
        one transaction. Returns how many are new per kind, kinds with none left out."""
        quote = connection.ops.quote_name
        key = conflict_key(self.model)
        columns = [quote(column) for column in key if column != "kind"]
        created_at = timestamp_param(timezone.now())
        created: dict[str, int] = {}
        day_off = not WorkCalendar.load().is_workday(today)
        with transaction.atomic(), connection.cursor() as cursor:
            for kind, (select, params) in self.obligations(today).items():
                if day_off and kind not in URGENT_KINDS:
                    continue
                cursor.execute(
                    f"""
                    INSERT INTO {table(self.model)} ({", ".join(columns)}, kind, scan_date, created_at, notified_at)
                    SELECT {", ".join(f"o.{column}" for column in columns)}, %s, %s, %s, NULL
                      FROM ({select}) o
                     WHERE TRUE  -- SQLite needs a WHERE before an upsert's ON CONFLICT after a SELECT
                    ON CONFLICT ({", ".join(map(quote, key))}) DO NOTHING
                    """,
                    [kind, date_param(today), created_at, *params],
                )
                if cursor.rowcount > 0:
                    created[kind] = cursor.rowcount
        return created

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
