import datetime
import smtplib

from celery import shared_task
from django.db import OperationalError
from django.utils import timezone

from pilot_admin import excel, services
from pilot_admin.accounts import services as account_services
from pilot_admin.notifications.outbox import outbox_run
from pilot_admin.reminders.services import send_due_reminders


@shared_task(acks_late=True, autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def purge_expired_data() -> dict:
    return services.purge_expired_data()


@shared_task(acks_late=True, autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def disable_inactive_accounts() -> int:
    """Nightly: disable accounts unused for ACCOUNT_INACTIVE_DAYS. Safe to run twice: the second
    run finds them already disabled."""
    return account_services.accounts_disable_inactive()


@shared_task(bind=True, acks_late=True, max_retries=5)
def run_import_task(self, run_id: int) -> str | None:
    """Import a queued ImportRun. Safe to deliver twice: only the delivery that claims the run
    (queued → running) works on it. A transient failure hands the run back to the queue and is
    retried with backoff; when the retries run out, or on any other failure, the run is failed."""
    try:
        run = excel.import_run_process(run_id=run_id)
    except excel.TRANSIENT_ERRORS as error:
        if self.request.retries >= self.max_retries:
            excel.import_run_abandon(run_id=run_id)
            raise
        raise self.retry(exc=error, countdown=min(600, 10 * 2**self.request.retries)) from error
    return run.status if run is not None else None


@shared_task(
    acks_late=True,
    autoretry_for=(OperationalError, ConnectionError, smtplib.SMTPException),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=5,
)
def send_due_reminders_task(date_iso: str | None = None) -> dict:
    """The daily reminder run (every app's scan → notify, then the digest) for `date_iso`, or
    today in the county's time zone. Safe to deliver twice or to retry: every step is idempotent
    in the database."""
    today = datetime.date.fromisoformat(date_iso) if date_iso else timezone.localdate()
    return send_due_reminders(today=today).as_dict()


@shared_task(acks_late=True, autoretry_for=(OperationalError, ConnectionError), retry_backoff=True, max_retries=5)
def deliver_outbox_task() -> dict:
    """Every minute: new notices into the outbox, then send what is due. Safe to run in several
    workers at once and to redeliver: each message is claimed by one conditional UPDATE, and a
    provider's failure is the row's retry (with its backoff), not the task's."""
    return outbox_run()
