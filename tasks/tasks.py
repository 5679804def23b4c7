import datetime
import smtplib

from celery import shared_task
from django.db import OperationalError
from django.utils import timezone

from pilot_admin.reminders import services as reminders


@shared_task(
    acks_late=True,
    autoretry_for=(OperationalError, ConnectionError, smtplib.SMTPException),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=5,
)
def send_due_reminders_task(date_iso: str | None = None) -> dict:
    """The daily reminder run (scan → notify → digest) for `date_iso`, or today in the county's
    time zone. Safe to deliver twice or to retry: every step is idempotent in the database."""
    today = datetime.date.fromisoformat(date_iso) if date_iso else timezone.localdate()
    return reminders.send_due_reminders(today=today).as_dict()
