"""The daily reminder run in a real Celery worker process, taking its message from real Redis and
working on this test's database: run twice it adds nothing; killed with SIGKILL in the middle of
the scan, its message comes back (acks_late, Redis visibility timeout) and a new worker finishes
the run with no duplicate reminder, message or digest.

The worker is stopped mid-task without any test hook in the code: this test holds a lock on the
reminder table, so the worker's scan blocks inside its transaction; the test sees it waiting in
pg_locks and kills it there."""

import datetime
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid

import psycopg2
import pytest
import redis
from django.conf import settings
from django.db import connection

from pilot_admin.celery import app as celery_app
from pilot_admin.choices import ReminderKind, Role
from pilot_admin.models import DigestDelivery, Notification
from pilot_admin.tasks import send_due_reminders_task
from tasks import services
from tasks.choices import CadenceKind
from tasks.models import Reminder
from tests.factories import UserFactory
from tests.helpers.calendar import every_day_a_working_day

pytestmark = [
    pytest.mark.skipif(
        not settings.CELERY_BROKER_URL.startswith("redis://"),
        reason="needs CELERY_BROKER_URL=redis://… for a real worker (CI sets it)",
    ),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: the worker process shares the test database and is stopped by a table lock",
    ),
    pytest.mark.django_db(transaction=True),
]

# Short, so a message of a killed worker comes back within the test, not after an hour.
VISIBILITY_TIMEOUT = 3
# Long enough to cover a missed restore at start-up: kombu restores again every 100 s.
WAIT_SECONDS = 150


def _database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
        return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    return f"sqlite:///{db['NAME']}"


class Broker:
    """This test's corner of Redis: a queue of its own under a key prefix of its own, so the
    short visibility timeout never restores another test's (or another site's) messages."""

    def __init__(self):
        self.queue = f"test-reminders-{uuid.uuid4().hex[:8]}"
        self.prefix = f"test-{uuid.uuid4().hex[:8]}:"
        self.redis = redis.Redis.from_url(settings.CELERY_BROKER_URL)
        handle, self.log_path = tempfile.mkstemp(prefix="reminder-worker-", suffix=".log")
        self.log = os.fdopen(handle, "w")

    def start_worker(self) -> subprocess.Popen:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.settings",
            "DATABASE_URL": _database_url(),
            "PILOT_ADMIN_TEST_MEDIA_ROOT": str(settings.MEDIA_ROOT),
            "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
            "CELERY_BROKER_KEY_PREFIX": self.prefix,
        }
        command = [sys.executable, "-m", "celery", "-A", "pilot_admin", "worker", "--pool=solo", "-Q", self.queue,
                   "--loglevel=WARNING", "--without-heartbeat", "--without-mingle", "--without-gossip"]  # fmt: skip
        return subprocess.Popen(command, env=env, cwd=settings.BASE_DIR, stdout=self.log, stderr=subprocess.STDOUT)

    def enqueue(self, day: datetime.date) -> None:
        options = {**settings.CELERY_BROKER_TRANSPORT_OPTIONS, "global_keyprefix": self.prefix}
        with celery_app.connection_for_write(transport_options=options) as broker:
            send_due_reminders_task.apply_async(kwargs={"date_iso": day.isoformat()}, queue=self.queue,
                                                connection=broker)  # fmt: skip

    def waiting(self) -> int:
        return self.redis.llen(self.prefix + self.queue)

    def unacked(self) -> int:
        return self.redis.hlen(self.prefix + "unacked")

    def wait_until_visible_again(self) -> None:
        """Until every unacknowledged message was taken longer than the visibility timeout ago."""
        taken = [score for _, score in self.redis.zrange(self.prefix + "unacked_index", 0, -1, withscores=True)]
        assert taken, "no message is held unacknowledged"
        time.sleep(max(0.0, max(taken) + VISIBILITY_TIMEOUT + 2.0 - time.time()))

    def wait_until_idle(self, worker: subprocess.Popen) -> None:
        """Until no message is queued or held unacknowledged: with acks_late the message is
        acknowledged only after the task returned, so the run is complete."""
        self.wait_for(lambda: self.waiting() == 0 and self.unacked() == 0, worker, "the worker to finish")

    def wait_for(self, condition, worker, what: str):
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            value = condition()
            if value:
                return value
            assert worker.poll() is None, f"worker exited: {self.output()}"
            assert time.monotonic() < deadline, f"waited {WAIT_SECONDS} s for {what}: {self.output()}"
            time.sleep(0.2)

    def output(self) -> str:
        with open(self.log_path, encoding="utf-8", errors="replace") as log:
            return log.read()[-3000:]

    def close(self, *workers):
        for worker in workers:
            if worker is not None and worker.poll() is None:
                worker.terminate()
                worker.wait(timeout=20)
        keys = list(self.redis.scan_iter(match=self.prefix + "*"))
        if keys:
            self.redis.delete(*keys)
        self.redis.close()
        self.log.close()
        os.unlink(self.log_path)


@pytest.fixture
def world(county, county_admin, program, department, department_user, township_a, township_a_official):
    leader = UserFactory(
        username="township_a_leader", role=Role.TOWNSHIP, township=township_a, county=county, is_unit_leader=True
    )
    users = [county_admin, department_user, township_a_official, leader]
    for user in users:
        user.email = f"{user.username}@example.cn"
        user.save()
    task = services.task_create(
        actor=county_admin, program=program, code="BD-05-01", title="建立试点工作台账", text="建立台账。",
        start_date=datetime.date(2017, 5, 16), deadline=datetime.date(2017, 6, 30), lead=[department],
        townships=[township_a], cadence_kind=CadenceKind.EVERY_N_MONTHS, cadence_months=2,
    )  # fmt: skip
    # The runs fall on 2017-07-01, a Saturday: these tests are of the worker, not the days off.
    every_day_a_working_day(datetime.date(2017, 5, 1), datetime.date(2017, 8, 31))
    return task.periods.get().due_date, users


def _state():
    """Every row the run writes, with whether it was notified / e-mailed."""
    return {
        "reminders": sorted((r.assignment_id, r.kind, r.notified_at is None) for r in Reminder.objects.all()),
        "notifications": sorted((n.user_id, n.source, n.emailed_at is None) for n in Notification.objects.all()),
        "digests": sorted(DigestDelivery.objects.values_list("user_id", "date", "items")),
    }


def test_a_real_worker_sends_each_reminder_once_even_when_run_twice(world):
    due, users = world
    broker = Broker()
    worker = broker.start_worker()
    try:
        broker.enqueue(due - datetime.timedelta(days=1))
        broker.wait_until_idle(worker)
        first = _state()

        broker.enqueue(due - datetime.timedelta(days=1))
        broker.wait_until_idle(worker)
        second = _state()
    finally:
        broker.close(worker)

    assert [kind for _, kind, _ in first["reminders"]] == [ReminderKind.DUE_TOMORROW] * 2
    assert all(not pending for *_, pending in first["reminders"])  # every reminder notified
    assert len(first["notifications"]) == 2  # the township clerk and the lead department's user
    assert all(not pending for *_, pending in first["notifications"])  # and e-mailed
    assert len(first["digests"]) == 2
    assert second == first


def test_a_worker_killed_mid_scan_is_replaced_and_the_run_completes_once(world, program):
    due, users = world
    day = due + datetime.timedelta(days=program.escalate_county_after_days)
    broker = Broker()
    first_worker = second_worker = None
    db = connection.settings_dict
    blocker = psycopg2.connect(
        dbname=db["NAME"], user=db["USER"], password=db.get("PASSWORD") or None, host=db["HOST"], port=db["PORT"]
    )
    try:
        first_worker = broker.start_worker()
        with blocker.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {Reminder._meta.db_table} IN SHARE ROW EXCLUSIVE MODE")
        broker.enqueue(day)

        def scan_blocked():
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pid FROM pg_locks WHERE relation = %s::regclass AND NOT granted",
                    [Reminder._meta.db_table],
                )
                row = cursor.fetchone()
            return row[0] if row else None

        worker_backend = broker.wait_for(scan_blocked, first_worker, "the worker's scan to wait on the lock")
        assert broker.unacked() == 1  # the worker holds the message, not yet acknowledged

        first_worker.send_signal(signal.SIGKILL)
        first_worker.wait(timeout=20)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [worker_backend])
        blocker.rollback()  # release the lock
        assert not Reminder.objects.exists()  # the killed scan's transaction left nothing
        assert broker.unacked() == 1  # and its message is still held for redelivery

        # A starting worker restores the messages held longer than the visibility timeout (and
        # then only every 100 s): start it once this one is old enough.
        broker.wait_until_visible_again()
        second_worker = broker.start_worker()
        broker.wait_for(lambda: Reminder.objects.exists(), second_worker, "the message to be redelivered")
        broker.wait_until_idle(second_worker)
        after_redelivery = _state()

        broker.enqueue(day)
        broker.wait_until_idle(second_worker)
        after_another_run = _state()
    finally:
        blocker.close()
        broker.close(first_worker, second_worker)

    late_kinds = {ReminderKind.OVERDUE, ReminderKind.ESCALATE_LEADER, ReminderKind.ESCALATE_COUNTY}
    reminders = after_redelivery["reminders"]
    assert len(reminders) == 2 * len(late_kinds)
    assert {kind for _, kind, _ in reminders} == late_kinds
    assert all(not pending for *_, pending in reminders)
    # clerk: overdue; leader: escalate_leader; department user: overdue, escalate_leader (its unit
    # has no leader account) and escalate_county for both units; county office: escalate_county ×2.
    notifications = after_redelivery["notifications"]
    assert len(notifications) == 1 + 1 + 4 + 2
    assert all(not pending for *_, pending in notifications)
    assert sorted(user for user, _, _ in after_redelivery["digests"]) == sorted(user.pk for user in users)
    assert after_another_run == after_redelivery
