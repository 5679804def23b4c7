"""A Celery worker killed with SIGKILL in the middle of a large daily reminder run, after it had
sent part of the digests: the message comes back (acks_late, reject_on_worker_lost, the Redis
visibility timeout), a new worker completes the run, and nothing is doubled.

What is exactly-once is the database: one reminder per obligation and kind, one notification per
user and reminder, one DigestDelivery per user and day, each notification e-mailed once. The
e-mail itself leaves before its transaction commits, so a kill between the two can send that one
mail again; the test allows that one and no more."""

import datetime
import os
import re
import signal
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings

from pilot_admin.choices import Role
from pilot_admin.models import DigestDelivery, Notification, User
from tasks.models import Reminder
from tests.tasks.test_reminder_worker import Broker, _database_url, _state, world  # noqa: F401  (world: a fixture)

pytestmark = pytest.mark.django_db(transaction=True)

# Enough recipients that the digest loop (one mail, one transaction each) takes seconds: the
# kill lands in its middle.
CLERKS = 300


class MailingBroker(Broker):
    """Workers whose e-mail goes to files the test can read."""

    def __init__(self):
        super().__init__()
        self.mail_dir = Path(tempfile.mkdtemp(prefix="fault-mail-"))

    def start_worker(self) -> subprocess.Popen:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.faults.worker_settings",
            "DATABASE_URL": _database_url(),
            "PILOT_ADMIN_TEST_MEDIA_ROOT": str(settings.MEDIA_ROOT),
            "PILOT_ADMIN_TEST_MAIL_DIR": str(self.mail_dir),
            "CELERY_VISIBILITY_TIMEOUT": "3",
            "CELERY_BROKER_KEY_PREFIX": self.prefix,
        }
        command = [sys.executable, "-m", "celery", "-A", "pilot_admin", "worker", "--pool=solo", "-Q", self.queue,
                   "--loglevel=WARNING", "--without-heartbeat", "--without-mingle", "--without-gossip"]  # fmt: skip
        return subprocess.Popen(command, env=env, cwd=settings.BASE_DIR, stdout=self.log, stderr=subprocess.STDOUT)

    def mails_per_recipient(self) -> Counter:
        recipients = Counter()
        for path in self.mail_dir.iterdir():
            recipients.update(re.findall(r"^To: (\S+)$", path.read_text(errors="replace"), flags=re.M))
        return recipients


@pytest.fixture
def clerks(world, township_a):  # noqa: F811
    users = [
        User(
            username=f"clerk{i}",
            last_name=f"办事员{i}",
            role=Role.TOWNSHIP,
            township=township_a,
            county=township_a.county,
            email=f"clerk{i}@example.cn",
        )
        for i in range(CLERKS)
    ]
    return User.objects.bulk_create(users)


def test_a_worker_killed_mid_run_is_replaced_and_every_digest_goes_out_once(world, clerks):  # noqa: F811
    due, users = world
    day = due + datetime.timedelta(days=1)
    # Overdue goes to the units' clerks and the lead department's user, not to the township
    # leader nor the county office (escalations come later).
    recipients = len(users) + len(clerks) - 2
    broker = MailingBroker()
    first = second = None
    try:
        first = broker.start_worker()
        broker.enqueue(day)
        broker.wait_for(lambda: DigestDelivery.objects.count() >= 20, first, "the first digests")
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=20)
        sent_before_kill = DigestDelivery.objects.count()
        assert 20 <= sent_before_kill < recipients, "the kill was not in the middle of the run"
        print(f"worker killed after {sent_before_kill} of {recipients} digests")
        assert broker.unacked() == 1  # the message is held for redelivery

        broker.wait_until_visible_again()
        second = broker.start_worker()
        broker.wait_for(lambda: DigestDelivery.objects.count() == recipients, second, "the rest of the digests")
        broker.wait_until_idle(second)
        completed = _state()

        broker.enqueue(day)  # the next tick adds nothing
        broker.wait_until_idle(second)
        again = _state()
        mails = broker.mails_per_recipient()
    finally:
        broker.close(first, second)

    assert Reminder.objects.count() == 2 and not Reminder.objects.filter(notified_at=None).exists()
    assert Notification.objects.count() == recipients
    assert not Notification.objects.filter(emailed_at=None).exists()
    assert len(completed["digests"]) == len({user for user, _, _ in completed["digests"]})
    assert again == completed
    assert set(mails) == set(User.objects.filter(digests__isnull=False).values_list("email", flat=True))
    assert sum(mails.values()) - len(mails) <= 1, [address for address, n in mails.items() if n > 1]
