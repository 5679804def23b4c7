"""A real Celery worker process for tests: it takes tasks from the Redis broker of the settings
and works on this test's own database and media folder. Tests that use it need a committed
database (`django_db(transaction=True)`) and skip without a redis:// broker."""

import contextlib
import os
import subprocess
import sys
import uuid

import pytest
from django.conf import settings
from django.db import connection

needs_redis_broker = pytest.mark.skipif(
    not settings.CELERY_BROKER_URL.startswith("redis://"),
    reason="needs CELERY_BROKER_URL=redis://… for a real worker (CI sets it)",
)


def _database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    return f"sqlite:///{db['NAME']}"


@contextlib.contextmanager
def celery_worker():
    """Start a solo worker on a queue of its own and yield its process, the queue's name in
    `.queue`: tasks sent there (apply_async(queue=…), or with task_default_queue pointed at it)
    reach only this worker."""
    queue = f"test-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": _database_url(),
        "PILOT_ADMIN_TEST_MEDIA_ROOT": str(settings.MEDIA_ROOT),
    }
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "pilot_admin",
            "worker",
            "--pool=solo",
            "-Q",
            queue,
            "--loglevel=WARNING",
            "--without-heartbeat",
            "--without-mingle",
            "--without-gossip",
        ],
        env=env,
        cwd=settings.BASE_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    worker.queue = queue
    try:
        yield worker
    finally:
        worker.terminate()
        worker.wait(timeout=20)
