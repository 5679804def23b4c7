"""Backup and restore on the real PostgreSQL: `manage.py backup` of a seeded database, `manage.py
restore` into a fresh one, then the key tables compared row for row (count and an md5 over the
ordered rows) between the source and the copy."""

import contextlib

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from tests.test_access_matrix import objects  # noqa: F401  (fixture: rows of every kind)

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_dump/pg_restore need DATABASE_URL=postgres://…"),
]

KEY_TABLES = [
    "villages_village",
    "villages_pilotassignment",
    "guardianship_person",
    "guardianship_visit",
    "tasks_progressreport",
    "pilot_admin_auditentry",
    "assessments_inspection",
    "pilot_admin_user",
]


def _fingerprint(cursor) -> dict[str, tuple[int, str]]:
    """(row count, md5 of every row's text in id order) per key table."""
    result = {}
    for table in KEY_TABLES:
        cursor.execute(f"SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t.id), '')) FROM {table} t")
        result[table] = tuple(cursor.fetchone())
    return result


@contextlib.contextmanager
def _raw(dbname):
    params = {**connection.get_connection_params(), "dbname": dbname}
    raw = connection.Database.connect(**params)
    raw.autocommit = True
    try:
        yield raw
    finally:
        raw.close()


def _drop(dbname):
    with _raw("postgres") as raw, raw.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", [dbname])
        cursor.execute(f"DROP DATABASE IF EXISTS {connection.ops.quote_name(dbname)}")


@pytest.fixture
def restore_target():
    name = connection.settings_dict["NAME"] + "_restore"
    _drop(name)
    yield name
    _drop(name)


def test_backup_restores_into_a_fresh_database_identical_in_the_key_tables(objects, tmp_path, restore_target):  # noqa: F811
    with connection.cursor() as cursor:
        source = _fingerprint(cursor)
    assert all(count > 0 for count, _ in source.values()), source  # every key table has rows to compare
    dump = tmp_path / "pilot_admin.dump"

    call_command("backup", output=str(dump))
    assert dump.read_bytes().startswith(b"PGDMP")  # pg_dump's custom format
    assert not list(tmp_path.glob("*.partial"))
    call_command("restore", str(dump), into=restore_target)

    with _raw(restore_target) as raw, raw.cursor() as cursor:
        assert _fingerprint(cursor) == source
        cursor.execute("SELECT max(name) FROM django_migrations")
        assert cursor.fetchone()[0] is not None


def test_restore_refuses_a_database_that_has_tables_unless_forced(objects, tmp_path, restore_target):  # noqa: F811
    dump = tmp_path / "pilot_admin.dump"
    call_command("backup", output=str(dump))
    call_command("restore", str(dump), into=restore_target)
    # Data written to the copy after the first restore: --force must bring back the dump's state.
    with _raw(restore_target) as raw, raw.cursor() as cursor:
        cursor.execute("UPDATE villages_village SET name = name || '（改）'")

    with pytest.raises(CommandError, match="已有数据表"):
        call_command("restore", str(dump), into=restore_target)
    with _raw(restore_target) as raw, raw.cursor() as cursor:
        cursor.execute("SELECT bool_and(name LIKE '%（改）') FROM villages_village")
        assert cursor.fetchone()[0] is True  # the refused restore wrote nothing

    call_command("restore", str(dump), into=restore_target, force=True)
    with connection.cursor() as cursor:
        source = _fingerprint(cursor)
    with _raw(restore_target) as raw, raw.cursor() as cursor:
        assert _fingerprint(cursor) == source


def test_a_missing_dump_file_is_a_clear_error(db, tmp_path):
    with pytest.raises(CommandError, match="不存在"):
        call_command("restore", str(tmp_path / "none.dump"), into="pilot_admin_never_created")
