"""Backup and restore: `manage.py backup` of a seeded database writes an encrypted file only its
owner can read; `manage.py restore` decrypts it into a fresh database, and the key tables are
compared row for row (count and a checksum over the ordered rows) with the source. A wrong key,
a flipped byte or a cut file restore nothing. On PostgreSQL the dump is pg_dump's (CI); on
SQLite it is the database image, so the same tests run on a machine without a server."""

import contextlib
import hashlib
import os
import sqlite3

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from pilot_admin import backups
from tests.test_access_matrix import objects  # noqa: F401  (fixture: rows of every kind)

pytestmark = pytest.mark.django_db(transaction=True)

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
OLD_KEY, NEW_KEY, STRANGE_KEY = backups.generate_key(), backups.generate_key(), backups.generate_key()
POSTGRESQL = connection.vendor == "postgresql"


def _fingerprint(raw) -> dict[str, tuple[int, str]]:
    """(row count, md5 of every row in id order) per key table, from a DB-API connection."""
    result = {}
    with contextlib.closing(raw.cursor()) as cursor:
        for table in KEY_TABLES:
            if POSTGRESQL:
                cursor.execute(
                    f"SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t.id), '')) FROM {table} t"
                )
                result[table] = tuple(cursor.fetchone())
            else:
                cursor.execute(f"SELECT * FROM {table} ORDER BY id")  # nosec B608  # fixed table names
                rows = cursor.fetchall()
                result[table] = (len(rows), hashlib.md5(repr(rows).encode()).hexdigest())
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


class Target:
    """Where `restore --into` puts the copy: a database next to the test database, or a file."""

    def __init__(self, into: str):
        self.into = into

    def exists(self) -> bool:
        if POSTGRESQL:
            with _raw("postgres") as raw, raw.cursor() as cursor:
                cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [self.into])
                return cursor.fetchone() is not None
        return os.path.exists(self.into)

    @contextlib.contextmanager
    def open(self):
        if POSTGRESQL:
            with _raw(self.into) as raw:
                yield raw
        else:
            with contextlib.closing(sqlite3.connect(self.into)) as raw:
                yield raw
                raw.commit()


@pytest.fixture
def restore_target(tmp_path):
    if POSTGRESQL:
        name = connection.settings_dict["NAME"] + "_restore"
        _drop(name)
        yield Target(name)
        _drop(name)
    else:
        yield Target(str(tmp_path / "restored.sqlite3"))


def _source_fingerprint():
    if POSTGRESQL:
        with _raw(connection.settings_dict["NAME"]) as raw:
            return _fingerprint(raw)
    # A plain sqlite3 copy of the test database, so both sides are read the same way.
    connection.ensure_connection()
    with contextlib.closing(sqlite3.connect(":memory:")) as raw:
        raw.deserialize(connection.connection.serialize())
        return _fingerprint(raw)


@pytest.fixture
def keys(settings):
    """Production settings with one backup key; tests rotate by assigning the list."""
    settings.DEBUG = False
    settings.BACKUP_ENCRYPTION_KEYS = [OLD_KEY]
    return settings


@pytest.fixture
def dump(objects, keys, tmp_path):  # noqa: F811
    path = tmp_path / "pilot_admin.dump.enc"
    call_command("backup", output=str(path), stdout=open(os.devnull, "w"))  # noqa: SIM115
    return path


def _plaintext(path, key=OLD_KEY) -> bytes:
    with path.open("rb") as source:
        header = backups.read_header(source)
        return b"".join(backups.decrypt_chunks(source, header, backups.parse_keys([key])))


def test_backup_is_encrypted_owner_only_and_restores_the_key_tables(objects, keys, tmp_path, restore_target):  # noqa: F811
    source = _source_fingerprint()
    assert all(count > 0 for count, _ in source.values()), source  # every key table has rows to compare
    person = objects["person"]
    path = tmp_path / "pilot_admin.dump.enc"

    # With a umask that would leave a default file world-readable, the backup is still 0600.
    previous_umask = os.umask(0)
    try:
        call_command("backup", output=str(path), stdout=open(os.devnull, "w"))  # noqa: SIM115
    finally:
        os.umask(previous_umask)

    assert os.stat(path).st_mode & 0o777 == 0o600
    assert not list(tmp_path.glob("*.partial"))
    data = path.read_bytes()
    assert data.startswith(b"PABK")
    for plain in (person.name, person.id_number, "guardianship_person", "PGDMP", "SQLite format"):
        assert plain.encode() not in data, plain
    # The check has teeth: the same words are in what the file decrypts to.
    assert b"guardianship_person" in _plaintext(path)

    call_command("restore", str(path), into=restore_target.into, stdout=open(os.devnull, "w"))  # noqa: SIM115

    with restore_target.open() as raw:
        assert _fingerprint(raw) == source
        cursor = raw.cursor()
        cursor.execute("SELECT max(name) FROM django_migrations")
        assert cursor.fetchone()[0] is not None


def test_restore_refuses_a_database_that_has_tables_unless_forced(dump, restore_target):
    call_command("restore", str(dump), into=restore_target.into)
    # Data written to the copy after the first restore: --force must bring back the dump's state.
    with restore_target.open() as raw:
        raw.cursor().execute("UPDATE villages_village SET name = name || '（改）'")

    with pytest.raises(CommandError, match="已有数据表|已存在"):
        call_command("restore", str(dump), into=restore_target.into)
    with restore_target.open() as raw:
        cursor = raw.cursor()
        cursor.execute("SELECT count(*) FROM villages_village WHERE name NOT LIKE '%（改）'")
        assert cursor.fetchone()[0] == 0  # the refused restore wrote nothing

    call_command("restore", str(dump), into=restore_target.into, force=True)
    with restore_target.open() as raw:
        assert _fingerprint(raw) == _source_fingerprint()


def test_a_wrong_key_restores_nothing(dump, keys, restore_target):
    keys.BACKUP_ENCRYPTION_KEYS = [STRANGE_KEY]

    with pytest.raises(CommandError, match="另一个密钥加密的.*密钥不对，或旧密钥已被删除。未恢复"):
        call_command("restore", str(dump), into=restore_target.into)

    assert not restore_target.exists()


@pytest.mark.parametrize(
    "where",
    [
        backups.HEADER_SIZE - 1,  # the salt: every chunk's key changes
        backups.HEADER_SIZE + 10,  # inside the first chunk
        -1,  # the last chunk's tag
    ],
)
def test_a_flipped_byte_restores_nothing(dump, restore_target, where):
    data = bytearray(dump.read_bytes())
    data[where] ^= 0x01
    dump.write_bytes(bytes(data))

    with pytest.raises(CommandError, match="备份文件已损坏、不完整或被改动（第 \\d+ 块校验失败），未恢复。"):
        call_command("restore", str(dump), into=restore_target.into)

    assert not restore_target.exists()


def test_a_cut_file_restores_nothing(dump, restore_target):
    dump.write_bytes(dump.read_bytes()[:-100])

    with pytest.raises(CommandError, match="已损坏、不完整或被改动"):
        call_command("restore", str(dump), into=restore_target.into)

    assert not restore_target.exists()


def test_old_key_still_decrypts_after_rotation_and_the_new_key_encrypts(dump, keys, restore_target, tmp_path):
    keys.BACKUP_ENCRYPTION_KEYS = [NEW_KEY, OLD_KEY]

    call_command("restore", str(dump), into=restore_target.into)
    with restore_target.open() as raw:
        assert _fingerprint(raw)["guardianship_person"] == _source_fingerprint()["guardianship_person"]

    newer = tmp_path / "newer.dump.enc"
    call_command("backup", output=str(newer))
    with newer.open("rb") as source:
        assert backups.read_header(source).key_id == backups.key_id(backups.parse_keys([NEW_KEY])[0])
    # Once the old key is retired, its backups no longer open; the new ones do.
    keys.BACKUP_ENCRYPTION_KEYS = [NEW_KEY]
    with pytest.raises(CommandError, match="密钥不对"):
        call_command("restore", str(dump), into=restore_target.into, force=True)
    call_command("restore", str(newer), into=restore_target.into, force=True)


def test_production_refuses_to_back_up_without_a_key(db, settings, tmp_path):
    settings.DEBUG = False
    settings.BACKUP_ENCRYPTION_KEYS = []

    with pytest.raises(CommandError, match="未设置 BACKUP_ENCRYPTION_KEY，拒绝备份"):
        call_command("backup", output=str(tmp_path / "plain.dump"))

    assert list(tmp_path.iterdir()) == []


def test_a_malformed_key_is_named(db, settings, tmp_path):
    settings.BACKUP_ENCRYPTION_KEYS = [OLD_KEY, "not-a-key"]

    with pytest.raises(CommandError, match="BACKUP_ENCRYPTION_KEY 中第 2 个密钥格式不对"):
        call_command("backup", output=str(tmp_path / "x.dump.enc"))


def test_an_unencrypted_backup_restores_only_when_allowed(objects, settings, tmp_path, restore_target):  # noqa: F811
    # Development without a key writes a plain file (and says so), as backups made before encryption were.
    settings.DEBUG = True
    settings.BACKUP_ENCRYPTION_KEYS = []
    path = tmp_path / "plain.dump"
    call_command("backup", output=str(path), stdout=open(os.devnull, "w"), stderr=open(os.devnull, "w"))  # noqa: SIM115
    assert os.stat(path).st_mode & 0o777 == 0o600
    settings.DEBUG = False
    settings.BACKUP_ENCRYPTION_KEYS = [OLD_KEY]

    with pytest.raises(CommandError, match="是未加密的备份.*加 --allow-unencrypted 恢复"):
        call_command("restore", str(path), into=restore_target.into)
    assert not restore_target.exists()

    call_command("restore", str(path), into=restore_target.into, allow_unencrypted=True)
    with restore_target.open() as raw:
        assert _fingerprint(raw) == _source_fingerprint()


def test_a_file_that_is_no_backup_is_refused(db, tmp_path, restore_target):
    path = tmp_path / "notes.txt"
    path.write_text("不是备份")

    with pytest.raises(CommandError, match="不是 manage.py backup 写出的备份文件"):
        call_command("restore", str(path), into=restore_target.into)


def test_a_missing_dump_file_is_a_clear_error(db, tmp_path):
    with pytest.raises(CommandError, match="不存在"):
        call_command("restore", str(tmp_path / "none.dump"), into="pilot_admin_never_created")
