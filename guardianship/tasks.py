from celery import shared_task

from guardianship import services_retention


@shared_task(acks_late=True, autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def archive_exited_persons() -> int:
    """Nightly: archive persons who exited more than PERSON_RETENTION_YEARS ago. Safe to run
    twice: an archived person is not due again."""
    return services_retention.persons_archive_exited()
