"""The Redis cache fails open: with no Redis answering, reads miss and writes are dropped, quickly,
instead of raising into the page. (Redis stopped under running pages: tests/faults.)"""

import time

import pytest
from redis.exceptions import ConnectionError

from pilot_admin.cache import RETRY_AFTER, FailOpenRedisCache

# Nothing listens on port 1: the connection is refused at once, as with a stopped Redis.
DEAD = "redis://127.0.0.1:1/0"


@pytest.fixture
def dead_cache():
    return FailOpenRedisCache(DEAD, {"OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1}})


def test_every_call_degrades_to_no_cache(dead_cache):
    assert dead_cache.get("k") is None
    assert dead_cache.get("k", "fallback") == "fallback"
    assert dead_cache.set("k", 1) is None
    assert dead_cache.add("k", 1) is False
    assert dead_cache.get_or_set("k", 7) == 7
    assert dead_cache.get_many(["a", "b"]) == {}
    assert dead_cache.set_many({"a": 1, "b": 2}) == []
    assert dead_cache.delete("k") is False
    assert dead_cache.has_key("k") is False
    assert dead_cache.touch("k") is False
    dead_cache.delete_many(["a"])
    with pytest.raises(ValueError):
        dead_cache.incr("counter")


def test_after_a_failure_redis_is_not_asked_again_until_the_retry_interval(dead_cache, monkeypatch):
    assert dead_cache.get("k") is None
    client = dead_cache._cache
    assert client.outage.active()
    calls = []

    def refused(*args, **kwargs):
        calls.append(1)
        raise ConnectionError("refused")

    monkeypatch.setattr(client, "get_client", refused)
    started = time.monotonic()
    for _ in range(100):
        assert dead_cache.get("k", "miss") == "miss"
    assert calls == []  # skipped without touching Redis
    assert time.monotonic() - started < 0.5
    client.outage.until = time.monotonic() - 1  # the interval is over
    assert RETRY_AFTER > 0
    dead_cache.get("k")
    assert calls == [1]  # tried again
