"""Redis down (`redis-cli shutdown nosave`): pages and the API go on working without the cache
(pilot_admin.cache.FailOpenRedisCache), a reminder run that cannot be queued loses nothing,
and once Redis is back the next run sends everything once; runs after that send nothing twice."""

import datetime
import time
import uuid

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.urls import reverse
from kombu.exceptions import OperationalError as BrokerError

from pilot_admin.models import ApiToken, DigestDelivery, Notification
from tasks.models import Reminder
from tests.tasks.test_reminder_worker import Broker, _state, world  # noqa: F401  (world: a fixture)

pytestmark = pytest.mark.django_db(transaction=True)

# With Redis gone a page may not wait on it: a refused connection is immediate, and after the
# first one the cache is skipped (pilot_admin.cache.RETRY_AFTER).
PAGE_SECONDS = 5


@pytest.fixture
def production_cache(settings):
    """The cache as production configures it (the test settings use a process-local one), under
    a key prefix of this test's own."""
    from pilot_admin import settings as production

    assert production.CACHES["default"]["BACKEND"] == "pilot_admin.cache.FailOpenRedisCache"
    settings.CACHES = {"default": {**production.CACHES["default"], "KEY_PREFIX": f"faults-{uuid.uuid4().hex[:8]}"}}
    yield
    cache.clear()


def _timed(call):
    started = time.monotonic()
    response = call()
    return response, time.monotonic() - started


def test_pages_and_the_api_work_without_redis_and_the_cache_returns_with_it(
    client, county_admin, village_a, program, redis_server, production_cache
):
    client.force_login(county_admin)
    token = ApiToken.objects.create(user=county_admin)
    pages = [reverse("home"), reverse("villages:village_list")]
    api = reverse("api_village-list")
    for url in pages:
        assert client.get(url).status_code == 200  # the statistics cache is filled
    cache.set("fault-probe", "cached")
    assert cache.get("fault-probe") == "cached"

    redis_server.redis_stop()
    for url in pages:
        response, seconds = _timed(lambda url=url: client.get(url))
        assert response.status_code == 200, url
        assert seconds < PAGE_SECONDS, (url, seconds)
    response = client.get(api, headers={"Authorization": f"Token {token.key}"})
    assert response.status_code == 200
    assert village_a.name in response.content.decode()
    assert cache.get("fault-probe", "miss") == "miss"  # a read is a miss, not an error
    assert cache.set("fault-probe", "dropped") is None
    assert cache.add("fault-probe", "dropped") is False

    redis_server.redis_start()
    time.sleep(5.5)  # past RETRY_AFTER: the next call tries Redis again
    cache.set("fault-probe", "back")
    assert cache.get("fault-probe") == "back"
    assert client.get(pages[0]).status_code == 200


def test_a_reminder_run_refused_by_a_dead_broker_is_sent_once_when_redis_is_back(world, redis_server):  # noqa: F811
    due, users = world
    day = due + datetime.timedelta(days=1)  # overdue: one reminder per assignment
    broker = Broker()
    worker = None
    try:
        redis_server.redis_stop()
        # The 07:30 beat tick: the broker refuses the message. Nothing was done, nothing is lost:
        # the obligations are in the database and the next run finds them.
        with pytest.raises(BrokerError):
            broker.enqueue(day)
        assert not Reminder.objects.exists()
        assert not Notification.objects.exists()

        redis_server.redis_start()
        worker = broker.start_worker()
        broker.enqueue(day)  # the catch-up tick once Redis is back
        broker.wait_for(lambda: DigestDelivery.objects.exists(), worker, "the run to send the digests")
        broker.wait_until_idle(worker)
        once = _state()

        broker.enqueue(day)  # the next tick
        broker.wait_until_idle(worker)
        call_command("send_reminders", date=day.isoformat())  # and a manual run
        again = _state()
    finally:
        broker.close(worker)

    assert len(once["reminders"]) == 2 and all(not pending for *_, pending in once["reminders"])
    assert len(once["notifications"]) == 2 and all(not pending for *_, pending in once["notifications"])
    assert len(once["digests"]) == 2
    assert again == once
