"""The daily reminder run: every registered source scans and notifies, then one e-mail digest
carries all their messages. The Celery task and `manage.py send_reminders` both call it."""

import datetime
from dataclasses import dataclass

from django.utils import timezone

from pilot_admin import metrics
from pilot_admin.notifications.services import DigestResult, digest_send
from pilot_admin.reminders.sources import NotifyResult, SourceRun, reminder_sources


@dataclass(frozen=True)
class ReminderRun:
    date: datetime.date
    sources: tuple[SourceRun, ...]
    digest: DigestResult

    @property
    def created(self) -> int:
        return sum(source.created for source in self.sources)

    @property
    def notify(self) -> NotifyResult:
        return NotifyResult(
            reminders=sum(source.reminders for source in self.sources),
            notifications=sum(source.notifications for source in self.sources),
        )

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
    """Scan and notify every source in INSTALLED_APPS order, then send the digest. Each step is
    idempotent, so a retried or redelivered run finishes what a killed one started and doubles
    nothing."""
    now = now or timezone.now()
    sources = tuple(source.run(today=today, now=now) for source in reminder_sources.all())
    for source in sources:
        for kind, count in source.created_by_kind.items():
            metrics.REMINDERS.labels(kind).inc(count)
    digest = digest_send(today=today, now=now)
    return ReminderRun(date=today, sources=sources, digest=digest)
