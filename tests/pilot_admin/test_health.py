"""/health/ (the load balancer's probe) and /health/ready/ (every part, for monitoring): 200 with
each part named when healthy, 503 naming the failing part in Chinese and in JSON; on the
embedded default (SQLite, filesystem broker, no Redis) the parts it lacks say 未配置."""

import datetime
import time

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from pilot_admin import health
from pilot_admin.choices import ImportStatus, NoticeKind, OutboxStatus
from pilot_admin.models import ImportRun, Notification, OutboxMessage
from pilot_admin.notifications.outbox import outbox_fill
from pilot_admin.notifications.services import notify
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PARTS = {"database", "cache", "broker", "worker", "beat", "outbox", "imports"}


@pytest.fixture
def heartbeats(settings):
    """Heartbeats on, both processes seen just now (the signal handlers a worker and beat run)."""
    settings.HEALTH_HEARTBEATS = True
    health._last_stamp.clear()
    health._worker_ready()
    health._beat_started()
    yield
    health._in_beat = False
    health._last_stamp.clear()


def _ready(client, **params):
    return client.get(reverse("health_ready"), {"format": "json", **params})


def test_liveness_keeps_its_contract(client):
    response = client.get(reverse("health"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_ready_names_every_part_when_healthy(client, heartbeats):
    response = _ready(client)
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["failing"] == []
    assert set(body["checks"]) == PARTS
    assert body["checks"]["database"] == {"name": "数据库", "status": "ok", "message": "正常"}
    assert body["checks"]["worker"]["status"] == "ok"
    assert body["checks"]["outbox"]["message"] == "待发送 0 条"

    text = client.get(reverse("health_ready")).content.decode()
    assert text.startswith("正常\n")
    for name in ("数据库", "缓存", "任务队列", "后台任务进程（worker）", "定时任务（beat）", "发件箱", "后台导入"):
        assert f"{name}：" in text


def test_the_embedded_default_passes_and_says_what_is_not_configured(client, settings):
    settings.REDIS_URL = ""
    settings.HEALTH_HEARTBEATS = False
    settings.CELERY_BROKER_URL = "filesystem://"
    response = _ready(client)
    assert response.status_code == 200
    checks = response.json()["checks"]
    for part in ("cache", "worker", "beat"):
        assert checks[part]["status"] == "not_configured", part
        assert checks[part]["message"].startswith("未配置")
    assert checks["broker"] == {"name": "任务队列", "status": "ok", "message": "本机文件队列"}


def test_no_worker_heartbeat_is_503_naming_the_worker(client, settings):
    settings.HEALTH_HEARTBEATS = True
    health._last_stamp.clear()
    health._beat_started()  # beat alive, no worker ever seen
    try:
        response = _ready(client)
    finally:
        health._in_beat = False
    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == ["worker"]
    assert body["failing_names"] == ["后台任务进程（worker）"]
    assert body["checks"]["worker"]["message"] == "没有收到任何后台任务进程的心跳"

    text = client.get(reverse("health_ready")).content.decode()
    assert text.startswith("有故障：后台任务进程（worker）")


def test_a_worker_heartbeat_older_than_the_limit_is_503_and_a_fresh_one_is_not(client, settings, heartbeats):
    settings.HEALTH_WORKER_MAX_AGE = 300
    stamp = {"at": time.time() - 301, "host": "node1", "pid": 1}
    health.cache.set(health.WORKER_KEY, stamp)
    response = _ready(client)
    assert response.status_code == 503
    assert response.json()["failing"] == ["worker"]
    assert "超过 300 秒" in response.json()["checks"]["worker"]["message"]

    health.cache.set(health.WORKER_KEY, {**stamp, "at": time.time() - 299})
    assert _ready(client).status_code == 200


def test_a_task_run_by_a_worker_is_its_heartbeat(client, settings):
    from pilot_admin.tasks import deliver_outbox_task

    settings.HEALTH_HEARTBEATS = True
    health._last_stamp.clear()
    health._beat_started()
    health._in_beat = False  # the task below runs in this process as a worker would
    assert _ready(client).json()["failing"] == ["worker"]
    deliver_outbox_task.apply()
    assert _ready(client).status_code == 200


def test_an_outbox_backlog_older_than_the_limit_is_503_naming_the_outbox(client, settings, heartbeats):
    settings.HEALTH_OUTBOX_MAX_MINUTES = 15
    person = UserFactory(role="county_viewer", phone="13812340001")
    notify(users=[person], source="test:1", title="【已逾期】报告", body="请尽快报送。", link="/tasks/1/")
    Notification.objects.update(kind=NoticeKind.OVERDUE)
    outbox_fill(now=timezone.now() - datetime.timedelta(minutes=14))
    assert OutboxMessage.objects.filter(status=OutboxStatus.PENDING).count() == 1
    response = _ready(client)
    assert response.status_code == 200  # due 14 minutes ago: not yet late
    assert response.json()["checks"]["outbox"]["message"] == "待发送 1 条"

    OutboxMessage.objects.update(next_attempt_at=timezone.now() - datetime.timedelta(minutes=16))
    response = _ready(client)
    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == ["outbox"]
    assert body["checks"]["outbox"]["status"] == "error"
    assert body["checks"]["outbox"]["message"] == "1 条待发送消息超过 15 分钟未发出"


def test_an_import_without_progress_is_503_naming_the_imports(client, settings, heartbeats, county_admin):
    settings.HEALTH_IMPORT_STUCK_MINUTES = 30
    run = ImportRun.objects.create(
        actor=county_admin, kind="villages", filename="村.xlsx", status=ImportStatus.RUNNING,
        upload=ContentFile(b"x", name="村.xlsx"),
    )  # fmt: skip
    assert _ready(client).status_code == 200
    ImportRun.objects.filter(pk=run.pk).update(updated_at=timezone.now() - datetime.timedelta(minutes=31))
    response = _ready(client)
    assert response.status_code == 503
    assert response.json()["failing"] == ["imports"]
    assert response.json()["checks"]["imports"]["message"] == "1 个导入超过 30 分钟没有进展"


def test_an_unreachable_redis_is_503_naming_the_cache(client, settings, heartbeats):
    # A port nothing listens on: refused at once, as when Redis is stopped.
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = _ready(client)
    assert response.status_code == 503
    assert "cache" in response.json()["failing"]
    assert response.json()["checks"]["cache"]["message"] == "Redis 无法连接"


def test_an_unreachable_broker_is_503_naming_it(client, settings, heartbeats, monkeypatch):
    from pilot_admin.celery import app

    # Celery takes the CELERY_BROKER_URL environment variable over its configuration (CI sets
    # it for the PostgreSQL + Redis run), so the unreachable address goes in both; the
    # configured one is read first, to be put back.
    original = app.conf.broker_url
    monkeypatch.setenv("CELERY_BROKER_URL", "redis://127.0.0.1:1/0")
    app.conf.broker_url = "redis://127.0.0.1:1/0"
    try:
        response = _ready(client)
    finally:
        app.conf.broker_url = original
    assert response.status_code == 503
    assert response.json()["failing"] == ["broker"]
    assert response.json()["checks"]["broker"]["name"] == "任务队列"


def test_the_probes_answer_without_touching_the_database_outside_their_checks(client, django_assert_max_num_queries):
    # With the database down the answer must be the 503 of the database check (which runs on a
    # connection of its own), so nothing on the way (sessions, the access log) may query it.
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()
    with django_assert_max_num_queries(0):
        assert client.get(reverse("health")).status_code == 200


def test_a_message_beat_publishes_is_its_heartbeat(client, settings):
    from pilot_admin.celery import app
    from pilot_admin.tasks import deliver_outbox_task

    settings.HEALTH_HEARTBEATS = True
    health._last_stamp.clear()
    health._worker_ready()
    assert _ready(client).json()["failing"] == ["beat"]
    assert _ready(client).json()["checks"]["beat"]["message"] == "没有收到定时任务进程的心跳"

    deliver_outbox_task.apply_async(connection=app.connection_for_write("memory://"))
    assert _ready(client).json()["failing"] == ["beat"]  # published by this web process: not beat

    health._in_beat = True  # what beat_init sets in the beat process
    try:
        deliver_outbox_task.apply_async(connection=app.connection_for_write("memory://"))
    finally:
        health._in_beat = False
    assert _ready(client).status_code == 200
