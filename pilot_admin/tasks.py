from celery import shared_task

from pilot_admin import services


@shared_task(acks_late=True, autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def purge_expired_data() -> dict:
    return services.purge_expired_data()
