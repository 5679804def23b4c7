"""Where the benchmark writes: never the configured database itself, always a dedicated one.

Runs before django.setup(): it rewrites DATABASE_URL for this process only, so the settings
module reads the bench database like any other.
"""

import os
from pathlib import Path
from urllib.parse import urlparse, urlunparse

BENCH_DATABASE_NAME = "pilot_admin_bench"


def bench_database_url(configured: str | None, *, name: str, base_dir: Path) -> str:
    """The bench twin of the configured database: same PostgreSQL server under another name,
    or a separate SQLite file when no server is configured."""
    if not configured:
        return f"sqlite:///{base_dir / 'var' / f'{name}.sqlite3'}"
    parsed = urlparse(configured)
    if parsed.scheme in ("postgres", "postgresql", "pgsql", "postgis"):
        return urlunparse(parsed._replace(path=f"/{name}"))
    if parsed.scheme == "sqlite":
        return f"sqlite:///{base_dir / 'var' / f'{name}.sqlite3'}"
    raise SystemExit(f"bench: unsupported DATABASE_URL scheme {parsed.scheme!r} (PostgreSQL or SQLite)")


def ensure_postgres_database(url: str) -> bool:
    """CREATE DATABASE if the bench database is missing; True when it was created. Connects to
    the server's maintenance database with the same credentials."""
    import psycopg2
    from psycopg2 import sql

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    params = {
        "host": parsed.hostname or None,
        "port": parsed.port or None,
        "user": parsed.username or None,
        "password": parsed.password or None,
        "dbname": "postgres",
    }
    connection = psycopg2.connect(**{k: v for k, v in params.items() if v is not None})
    try:
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cursor.fetchone():
                return False
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            return True
    finally:
        connection.close()


def point_django_at_bench_database(*, name: str, base_dir: Path) -> str:
    """Set this process's DATABASE_URL to the bench database (creating it on PostgreSQL)."""
    url = bench_database_url(os.environ.get("DATABASE_URL"), name=name, base_dir=base_dir)
    if url.startswith("sqlite:"):
        (base_dir / "var").mkdir(exist_ok=True)
    else:
        ensure_postgres_database(url)
    os.environ["DATABASE_URL"] = url
    return url
