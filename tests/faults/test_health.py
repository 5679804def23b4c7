"""The readiness check against real failures: PostgreSQL stopped → 503 naming 数据库 (and the
load balancer's /health/ too); Redis stopped → 503 naming 缓存; a real Celery worker killed →
its heartbeat ages and the check names the worker. The servers are started again afterwards
(tests/faults/conftest.py)."""

import os
import signal
import subprocess  # nosec B404  # fixed argument lists, never a shell
import sys
import tempfile
import time
import uuid

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.urls import reverse

from tests.tasks.test_reminder_worker import _database_url

pytestmark = pytest.mark.django_db(transaction=True)

WAIT_SECONDS = 60


def _ready(client) -> tuple[int, dict]:
    response = client.get(reverse("health_ready"), {"format": "json"})
    return response.status_code, response.json()


@pytest.fixture
def redis_cache(settings):
    """The cache on the real Redis (the test settings use a process-local one), under a key
    prefix of this test's own; heartbeats on."""
    from pilot_admin import settings as production

    prefix = f"faults-{uuid.uuid4().hex[:8]}"
    settings.CACHES = {"default": {**production.CACHES["default"], "KEY_PREFIX": prefix}}
    settings.HEALTH_HEARTBEATS = True
    yield prefix
    cache.clear()


def test_postgresql_stopped_is_503_naming_the_database(client, postgres_server, settings):
    settings.HEALTH_HEARTBEATS = False  # only the database is under test here
    assert client.get(reverse("health")).status_code == 200
    status, body = _ready(client)
    assert status == 200, body

    postgres_server.pg_stop()
    try:
        response = client.get(reverse("health"))
        assert response.status_code == 503
        assert response.json()["failing_names"] == ["数据库"]
        status, body = _ready(client)
        assert status == 503
        assert "数据库" in body["failing_names"]
        assert body["checks"]["database"]["message"] == "无法连接或查询失败"
        assert "数据库：故障" in client.get(reverse("health_ready")).content.decode()
    finally:
        postgres_server.pg_ensure_up()

    response = client.get(reverse("health"))
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_redis_stopped_is_503_naming_the_cache(client, redis_server, settings):
    settings.HEALTH_HEARTBEATS = False  # the heartbeats live in Redis: tested below
    status, body = _ready(client)
    assert status == 200, body
    assert body["checks"]["cache"]["status"] == "ok"

    redis_server.redis_stop()
    status, body = _ready(client)
    assert status == 503
    assert "缓存" in body["failing_names"]
    assert "数据库" not in body["failing_names"]  # pages go on without the cache
    assert body["checks"]["cache"]["message"] == "Redis 无法连接"
    assert client.get(reverse("health")).status_code == 200  # the node still serves

    redis_server.redis_start()
    status, body = _ready(client)
    assert body["checks"]["cache"]["status"] == "ok"


def _start_worker(prefix: str, log) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.faults.health_settings",
        "DATABASE_URL": _database_url(),
        "PILOT_ADMIN_TEST_MEDIA_ROOT": str(django_settings.MEDIA_ROOT),
        "PILOT_ADMIN_TEST_CACHE_PREFIX": prefix,
    }
    queue = f"test-health-{uuid.uuid4().hex[:8]}"
    command = [sys.executable, "-m", "celery", "-A", "pilot_admin", "worker", "--pool=solo", "-Q", queue,
               "--loglevel=WARNING", "--without-heartbeat", "--without-mingle", "--without-gossip"]  # fmt: skip
    return subprocess.Popen(command, env=env, cwd=django_settings.BASE_DIR, stdout=log, stderr=subprocess.STDOUT)  # nosec B603


def _wait_for(condition, what: str, worker, log_path):
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        if time.monotonic() > deadline:
            with open(log_path, encoding="utf-8", errors="replace") as log:
                pytest.fail(f"waited {WAIT_SECONDS} s for {what}: {log.read()[-3000:]}")
        assert worker.poll() is None or what.startswith("the heartbeat to age"), "worker exited"
        time.sleep(0.5)


def test_a_killed_worker_is_503_naming_the_worker(client, redis_server, redis_cache, settings):
    settings.HEALTH_WORKER_MAX_AGE = 3
    status, body = _ready(client)
    assert status == 503
    assert "worker" in body["failing"]
    assert body["checks"]["worker"]["message"] == "没有收到任何后台任务进程的心跳"

    handle, log_path = tempfile.mkstemp(prefix="health-worker-", suffix=".log")
    log = os.fdopen(handle, "w")
    worker = _start_worker(redis_cache, log)
    try:
        # worker_ready stamps the heartbeat in the shared cache.
        _wait_for(lambda: _ready(client)[1]["checks"]["worker"]["status"] == "ok", "the worker's heartbeat", worker,
                  log_path)  # fmt: skip
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=20)
        _wait_for(lambda: _ready(client)[1]["checks"]["worker"]["status"] == "error", "the heartbeat to age", worker,
                  log_path)  # fmt: skip
        status, body = _ready(client)
        assert status == 503
        assert "后台任务进程（worker）" in body["failing_names"]
        assert "超过 3 秒" in body["checks"]["worker"]["message"]
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait(timeout=20)
        log.close()
        os.unlink(log_path)
