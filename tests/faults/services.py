"""Stopping and starting the real servers the settings point at, for the fault tests. The server
is found by the port in DATABASE_URL / REDIS_URL, so a private server on another port (a
second PostgreSQL cluster, a redis-server on a spare port) can stand in for the shared one."""

import shutil
import subprocess  # nosec B404  # fixed argument lists, never a shell
import time
from urllib.parse import urlparse

import pytest
from django.conf import settings
from django.db import connection

WAIT_SECONDS = 30


def _run(*command: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(command, capture_output=True, text=True, check=check, timeout=120)  # nosec B603


def _wait(probe, what: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not probe():
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not come back within {WAIT_SECONDS}s")
        time.sleep(0.2)


# --- PostgreSQL ------------------------------------------------------------------------------


def _pg_address() -> tuple[str, int]:
    db = settings.DATABASES["default"]
    return db.get("HOST") or "127.0.0.1", int(db.get("PORT") or 5432)


def require_postgresql() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the database faults need DATABASE_URL=postgres://… (CI sets it)")


def pg_cluster() -> tuple[str, str] | None:
    """(version, name) of the local cluster listening on the database's port, or None when
    pg_lsclusters is missing or no local cluster has that port."""
    if shutil.which("pg_lsclusters") is None:
        return None
    _, port = _pg_address()
    for line in _run("pg_lsclusters", "--no-header").stdout.splitlines():
        fields = line.split()
        if len(fields) >= 3 and fields[2] == str(port):
            return fields[0], fields[1]
    return None


def pg_is_up() -> bool:
    host, port = _pg_address()
    return _run("pg_isready", "-q", "-h", host, "-p", str(port), check=False).returncode == 0


def pg_restart() -> str:
    """Restart the database server (fast mode: open sessions are cut, as in a crash-restart or
    a failover). Where the cluster cannot be restarted from here, every other session on the
    test database is terminated instead, which the application sees the same way. Returns
    which was done."""
    cluster = pg_cluster()
    if cluster is not None:
        _run("pg_ctlcluster", "--skip-systemctl-redirect", "--mode", "fast", *cluster, "restart")
        _wait(pg_is_up, "PostgreSQL")
        return "restart"
    name = connection.settings_dict["NAME"]
    params = {**connection.get_connection_params(), "dbname": "postgres"}
    raw = connection.Database.connect(**params)
    raw.autocommit = True
    try:
        with raw.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                [name],
            )
    finally:
        raw.close()
    return "terminate"


def pg_stop() -> None:
    """Stop the database server (fast mode) until pg_ensure_up starts it again; skips the test
    where the cluster cannot be stopped from here (no local cluster on the database's port)."""
    cluster = pg_cluster()
    if cluster is None:
        pytest.skip("stopping PostgreSQL needs a local cluster on DATABASE_URL's port (pg_ctlcluster)")
    _run("pg_ctlcluster", "--skip-systemctl-redirect", "--mode", "fast", *cluster, "stop")
    _wait(lambda: not pg_is_up(), "PostgreSQL shutdown")


def pg_ensure_up() -> None:
    if not pg_is_up():
        cluster = pg_cluster()
        if cluster is not None:
            _run("pg_ctlcluster", "--skip-systemctl-redirect", *cluster, "start", check=False)
        _wait(pg_is_up, "PostgreSQL")
    # This process's own connection died with the server: open a fresh one for the teardown.
    connection.close()


# --- Redis -------------------------------------------------------------------------------------


def _redis_address() -> tuple[str, int]:
    url = urlparse(settings.REDIS_URL)
    return url.hostname or "127.0.0.1", url.port or 6379


def require_redis() -> None:
    if not settings.REDIS_URL.startswith("redis://"):
        pytest.skip("the Redis faults need REDIS_URL=redis://… (CI sets it)")
    broker = urlparse(settings.CELERY_BROKER_URL)
    if broker.scheme != "redis" or (broker.hostname, broker.port or 6379) != _redis_address():
        pytest.skip("the Redis faults need CELERY_BROKER_URL on the same Redis server as REDIS_URL")


def redis_is_up() -> bool:
    host, port = _redis_address()
    result = _run("redis-cli", "-h", host, "-p", str(port), "ping", check=False)
    return result.stdout.strip() == "PONG"


def redis_stop() -> None:
    host, port = _redis_address()
    _run("redis-cli", "-h", host, "-p", str(port), "shutdown", "nosave", check=False)
    _wait(lambda: not redis_is_up(), "Redis shutdown")


def redis_start() -> None:
    host, port = _redis_address()
    _run("redis-server", "--daemonize", "yes", "--bind", host, "--port", str(port), "--save", "", "--appendonly", "no")
    _wait(redis_is_up, "Redis")


def redis_ensure_up() -> None:
    if not redis_is_up():
        redis_start()
