"""Django's Redis cache, failing open: the cache only saves work (statistics, API throttling
counters), so when Redis is down every read is a miss and every write is dropped, and pages go
on working from the database. Django's own RedisCache raises instead.

After a failure Redis is left alone for RETRY_AFTER seconds, so an outage costs one refused
connection per process and interval rather than one per cache call; the first call after
that tries again, and the cache is back as soon as Redis is."""

import logging
import time

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

RETRY_AFTER = 5.0


class _Outage:
    def __init__(self):
        self.until = 0.0

    def active(self) -> bool:
        return time.monotonic() < self.until

    def begin(self, error: Exception) -> None:
        if not self.active():
            logger.warning("Redis cache unavailable, serving without cache for %ss: %s", RETRY_AFTER, error)
        self.until = time.monotonic() + RETRY_AFTER


def _failing_open(name: str, fallback):
    parent = getattr(RedisCacheClient, name)

    def method(self, *args, **kwargs):
        if self.outage.active():
            return fallback(*args, **kwargs)
        try:
            return parent(self, *args, **kwargs)
        except RedisError as error:
            self.outage.begin(error)
            return fallback(*args, **kwargs)

    method.__name__ = name
    return method


def _miss_on_incr(key, delta):
    # What Django's caches raise for a missing key; callers of incr() already handle it.
    raise ValueError(f"Key {key!r} not found (cache unavailable)")


class FailOpenRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.outage = _Outage()

    add = _failing_open("add", lambda key, value, timeout: False)
    get = _failing_open("get", lambda key, default: default)
    set = _failing_open("set", lambda key, value, timeout: None)
    touch = _failing_open("touch", lambda key, timeout: False)
    delete = _failing_open("delete", lambda key: False)
    get_many = _failing_open("get_many", lambda keys: {})
    has_key = _failing_open("has_key", lambda key: False)
    incr = _failing_open("incr", _miss_on_incr)
    set_many = _failing_open("set_many", lambda data, timeout: None)
    delete_many = _failing_open("delete_many", lambda keys: None)
    clear = _failing_open("clear", lambda: False)


class FailOpenRedisCache(RedisCache):
    """settings.CACHES BACKEND "pilot_admin.cache.FailOpenRedisCache"; OPTIONS as RedisCache's."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = FailOpenRedisCacheClient
