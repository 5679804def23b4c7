import datetime
import os
import time

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.files.base import ContentFile
from django.utils import timezone

from pilot_admin import services
from pilot_admin.choices import ImportStatus
from pilot_admin.models import ImportRun
from pilot_admin.tasks import purge_expired_data
from tests.celery_worker import celery_worker, needs_redis_broker


def _session(key, expires):
    return Session.objects.create(session_key=key, session_data="x", expire_date=expires)


def _run(actor, age_days):
    run = ImportRun(actor=actor, kind="villages", filename="村.xlsx", status=ImportStatus.DONE)
    run.upload.save("村.xlsx", ContentFile(b"PK\x03\x04 not really"), save=True)
    ImportRun.objects.filter(pk=run.pk).update(created_at=timezone.now() - datetime.timedelta(days=age_days))
    run.refresh_from_db()
    return run


def test_purge_drops_expired_sessions_and_old_upload_files(county_admin):
    now = timezone.now()
    _session("expired", now - datetime.timedelta(minutes=1))
    _session("alive", now + datetime.timedelta(hours=1))
    old = _run(county_admin, settings.IMPORT_RETENTION_DAYS + 1)
    recent = _run(county_admin, settings.IMPORT_RETENTION_DAYS - 1)
    old_path = old.upload.path

    result = services.purge_expired_data(now=now)

    assert result == {"sessions": 1, "import_files": 1}
    assert set(Session.objects.values_list("session_key", flat=True)) == {"alive"}
    old.refresh_from_db()
    recent.refresh_from_db()
    assert old.upload.name == "" and not os.path.exists(old_path)
    assert recent.upload.name != "" and os.path.exists(recent.upload.path)
    assert ImportRun.objects.count() == 2


def test_beat_schedule_names_a_registered_task():
    from pilot_admin.celery import app

    app.loader.import_default_modules()
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in app.tasks


@needs_redis_broker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_the_purge_from_redis(county_admin):
    """The wiring end to end: a Celery worker process takes the task from Redis and works on the
    same database as this test."""
    _session("expired-for-worker", timezone.now() - datetime.timedelta(minutes=5))
    with celery_worker() as worker:
        purge_expired_data.apply_async(queue=worker.queue)
        deadline = time.monotonic() + 60
        while Session.objects.filter(session_key="expired-for-worker").exists():
            assert worker.poll() is None, worker.stdout.read().decode()
            assert time.monotonic() < deadline, "the worker did not run the task within 60 s"
            time.sleep(0.3)
