"""Settings of the Celery worker the health fault test starts: the test settings with the cache
on the real Redis, under the key prefix the test hands it, so the test reads the worker's
heartbeat as /health/ready/ does in production."""

import os

from tests.settings import *  # noqa: F403
from tests.settings import REDIS_URL

CACHES = {
    "default": {
        "BACKEND": "pilot_admin.cache.FailOpenRedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": os.environ["PILOT_ADMIN_TEST_CACHE_PREFIX"],
    }
}
HEALTH_HEARTBEATS = True
