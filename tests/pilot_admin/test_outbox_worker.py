"""A real Celery worker killed (SIGKILL) while the provider holds its SMS request: the message is
not lost, since its claim expires and a second worker sends it, and not doubled, since it is
marked sent once. Needs a Redis broker and a database both processes share (CI: PostgreSQL)."""

import time

import pytest

from pilot_admin.choices import Channel, NoticeKind, OutboxStatus
from pilot_admin.models import Notification, OutboxMessage
from pilot_admin.notifications.services import notify
from pilot_admin.tasks import deliver_outbox_task
from tests.celery_worker import celery_worker, needs_redis_broker
from tests.factories import UserFactory
from tests.helpers import provider_server as ps

CLAIM_SECONDS = 3


def _wait(condition, worker, what: str, seconds: float = 60):
    deadline = time.monotonic() + seconds
    while not condition():
        assert worker.poll() is None, worker.stdout.read().decode()
        assert time.monotonic() < deadline, f"{what} within {seconds} s"
        time.sleep(0.2)


@needs_redis_broker
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_send_is_not_lost_and_not_doubled(monkeypatch, settings):
    with ps.ProviderServer() as server:
        environment = {
            "NOTIFY_SMS_PROVIDER": "aliyun",
            "NOTIFY_WECOM_PROVIDER": "off",
            "NOTIFY_DINGTALK_PROVIDER": "off",
            "ALIYUN_SMS_ENDPOINT": server.url,
            "ALIYUN_ACCESS_KEY_ID": ps.ALIYUN_KEY_ID,
            "ALIYUN_ACCESS_KEY_SECRET": ps.ALIYUN_SECRET,
            "SMS_SIGN_NAME": "巴东县民政局",
            "SMS_TEMPLATES": "overdue=SMS_102",
            "OUTBOX_CLAIM_SECONDS": str(CLAIM_SECONDS),
            "NOTIFY_HTTP_TIMEOUT": "1",
        }
        for name, value in environment.items():
            monkeypatch.setenv(name, value)
        settings.NOTIFY_PROVIDERS = {Channel.SMS: "aliyun", Channel.WECOM: "off", Channel.DINGTALK: "off"}
        person = UserFactory(phone="13912345678")
        notify(users=[person], source="worker-test", title="【已逾期】村务公开报告")
        Notification.objects.update(kind=NoticeKind.OVERDUE)
        release = server.hold_next("aliyun")

        with celery_worker() as first:
            deliver_outbox_task.apply_async(queue=first.queue)
            _wait(server.state.held.is_set, first, "the first worker did not reach the provider")
            first.kill()
            first.wait(timeout=20)
        release.set()

        row = OutboxMessage.objects.get()
        assert (row.status, row.attempts) == (OutboxStatus.PENDING, 1)
        assert row.claimed_until is not None
        time.sleep(CLAIM_SECONDS + 1)

        with celery_worker() as second:
            deliver_outbox_task.apply_async(queue=second.queue)
            _wait(lambda: OutboxMessage.objects.filter(status=OutboxStatus.SENT).exists(), second, "not sent")
            deliver_outbox_task.apply_async(queue=second.queue)
            time.sleep(2)

        row.refresh_from_db()
        assert (row.status, row.attempts) == (OutboxStatus.SENT, 2)
        assert len(server.delivered("aliyun")) == 1
