"""The fault tests stop and restart the real PostgreSQL and Redis of the settings and kill real
Celery workers: they run alone, after the suite (`make test-faults`, run by .ci/run), never beside
other tests. Every test here carries the `faults` marker, which `make test` deselects."""

import pytest

from tests.faults import services


def pytest_collection_modifyitems(config, items):
    # Only on request (-m faults): a plain `pytest tests/` beside other runs must not stop the
    # servers they use.
    requested = "faults" in (config.getoption("markexpr") or "").replace("not faults", "")
    for item in items:
        if "/tests/faults/" in str(item.path):
            item.add_marker(pytest.mark.faults)
            if not requested:
                item.add_marker(pytest.mark.skip(reason="fault test: run alone with `make test-faults` (-m faults)"))


@pytest.fixture
def postgres_server():
    """The PostgreSQL server of DATABASE_URL, up again after the test whatever happened."""
    services.require_postgresql()
    try:
        yield services
    finally:
        services.pg_ensure_up()


@pytest.fixture
def redis_server():
    """The Redis server of REDIS_URL, up again after the test whatever happened."""
    services.require_redis()
    try:
        yield services
    finally:
        services.redis_ensure_up()
