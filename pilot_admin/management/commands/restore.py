"""`manage.py restore <file> --into <database>`: load a `manage.py backup` file into a fresh
database, created when it does not exist. It never writes over data by accident: a target that
already has tables is refused unless --force, which drops the dumped objects first. The
configured database is never the default target; name it explicitly to restore over it.

An encrypted backup is decrypted with the keys in BACKUP_ENCRYPTION_KEY. The whole file is
authenticated before anything is created or loaded, so a wrong key or a damaged or altered file
restores nothing; then it is decrypted a second time straight into pg_restore, so no plaintext
copy is written to disk."""

import contextlib
import sqlite3
import subprocess  # nosec B404  # runs pg_restore with a fixed argument list, never through a shell
import tempfile
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from pilot_admin import backups
from pilot_admin.management.commands.backup import READ_SIZE, open_private, pg_environment, pg_program

_USER_TABLES = """
    SELECT count(*) FROM pg_catalog.pg_tables
     WHERE schemaname NOT IN ('pg_catalog', 'information_schema')
"""


def _as_command_errors(chunks: Iterator[bytes]) -> Iterator[bytes]:
    try:
        yield from chunks
    except backups.BackupCryptoError as error:
        raise CommandError(str(error)) from error


class Command(BaseCommand):
    help = (
        "从 manage.py backup 的备份文件恢复到一个新数据库（不存在则创建）；目标库已有数据表时须加 --force。"
        "加密的备份用 BACKUP_ENCRYPTION_KEY 中的密钥解密，密钥不对或文件被改动时什么也不恢复。"
    )

    def add_arguments(self, parser):
        parser.add_argument("dump", help="备份文件路径。")
        parser.add_argument(
            "--into", required=True, help="目标数据库名（PostgreSQL，同一服务器）或目标文件路径（SQLite）。"
        )
        parser.add_argument("--force", action="store_true", help="目标库已有数据表时，先删除备份中的对象再恢复。")
        parser.add_argument("--database", default="default", help="提供服务器地址和账号的连接名，默认 default。")
        parser.add_argument(
            "--allow-unencrypted",
            action="store_true",
            help="允许恢复未加密的备份（启用加密之前做的备份）；开发模式下无须此项。",
        )

    def handle(self, *args, dump, into, force=False, database="default", allow_unencrypted=False, **options):
        path = Path(dump)
        if not path.is_file():
            raise CommandError(f"备份文件 {path} 不存在。")
        connection = connections[database]
        if connection.vendor not in backups.CONTENT:
            raise CommandError(f"不支持恢复到 {connection.vendor} 数据库。")
        with path.open("rb") as source:
            chunks = self._verified_chunks(source, path, connection.vendor, allow_unencrypted)
            if connection.vendor == "postgresql":
                self._pg_restore(connection, chunks, into, force)
            else:
                self._sqlite_restore(chunks, Path(into), force)
        self.stdout.write(f"已从 {path} 恢复到 {into}。")

    def _verified_chunks(self, source, path: Path, vendor: str, allow_unencrypted: bool) -> Iterator[bytes]:
        """The file's plaintext as an iterator of chunks, once the whole file has checked out."""
        try:
            header = backups.read_header(source)
        except backups.BackupCryptoError as error:
            raise CommandError(str(error)) from error
        if header is None:
            return self._plain_chunks(source, path, vendor, allow_unencrypted)
        if header.vendor != vendor:
            raise CommandError(
                f"这是 {backups.CONTENT_LABEL[header.content]} 数据库的备份，不能恢复到 {vendor} 数据库。未恢复。"
            )
        try:
            keys = backups.configured_keys()
        except backups.BackupCryptoError as error:
            raise CommandError(str(error)) from error
        if not keys:
            raise CommandError("备份文件已加密，但未设置 BACKUP_ENCRYPTION_KEY，无法解密。未恢复。")
        # First pass: every tag checked before anything is created, dropped or loaded.
        for _chunk in _as_command_errors(backups.decrypt_chunks(source, header, keys)):
            pass
        source.seek(backups.HEADER_SIZE)
        return _as_command_errors(backups.decrypt_chunks(source, header, keys))

    def _plain_chunks(self, source, path: Path, vendor: str, allow_unencrypted: bool) -> Iterator[bytes]:
        plain = backups.plain_vendor(source)
        if plain is None:
            raise CommandError(f"{path} 不是 manage.py backup 写出的备份文件。未恢复。")
        if plain != vendor:
            raise CommandError(f"这是未加密的 {plain} 数据库备份，不能恢复到 {vendor} 数据库。未恢复。")
        if not (allow_unencrypted or settings.DEBUG):
            raise CommandError(
                f"{path} 是未加密的备份（启用备份加密之前做的）。确认文件来源可信后，加 --allow-unencrypted 恢复。"
            )
        return iter(lambda: source.read(READ_SIZE), b"")

    # --- PostgreSQL ------------------------------------------------------------------------

    def _connect(self, connection, dbname: str):
        params = {**connection.get_connection_params(), "dbname": dbname}
        params.pop("database", None)
        raw = connection.Database.connect(**params)
        raw.autocommit = True
        return raw

    def _database_exists(self, connection, name: str) -> bool:
        raw = self._connect(connection, "postgres")
        try:
            with raw.cursor() as cursor:
                cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
                exists = cursor.fetchone() is not None
                if not exists:
                    cursor.execute(f"CREATE DATABASE {connection.ops.quote_name(name)}")
                return exists
        finally:
            raw.close()

    def _table_count(self, connection, name: str) -> int:
        raw = self._connect(connection, name)
        try:
            with raw.cursor() as cursor:
                cursor.execute(_USER_TABLES)
                return cursor.fetchone()[0]
        finally:
            raw.close()

    def _pg_restore(self, connection, chunks: Iterator[bytes], into: str, force: bool) -> None:
        existed = self._database_exists(connection, into)
        if existed and self._table_count(connection, into) and not force:
            raise CommandError(f"目标数据库 {into} 已有数据表，未恢复。请换一个新库名，或确认覆盖后加 --force。")
        # No file argument: pg_restore reads the archive from its standard input.
        command = [pg_program("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error", f"--dbname={into}"]
        if force:
            command += ["--clean", "--if-exists"]
        else:
            # All or nothing: a failed restore leaves the fresh database empty, not half loaded.
            command.append("--single-transaction")
        with tempfile.TemporaryFile() as errors:
            process = subprocess.Popen(  # nosec B603  # fixed argument list, no shell
                command,
                env=pg_environment(connection.settings_dict, dbname=into),
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=errors,
            )
            try:
                try:
                    for chunk in chunks:
                        process.stdin.write(chunk)
                except BrokenPipeError:
                    pass  # pg_restore stopped early; its exit code and message say why
                finally:
                    with contextlib.suppress(BrokenPipeError):
                        process.stdin.close()
            except BaseException:
                process.kill()
                process.wait()
                raise
            returncode = process.wait()
            if returncode != 0:
                errors.seek(0)
                message = errors.read().decode(errors="replace").strip()
                raise CommandError(f"pg_restore 失败（退出码 {returncode}）：{message}")

    # --- SQLite (development) ----------------------------------------------------------------

    def _sqlite_restore(self, chunks: Iterator[bytes], target: Path, force: bool) -> None:
        if target.exists() and target.stat().st_size and not force:
            raise CommandError(f"目标文件 {target} 已存在，未恢复。请换一个新路径，或确认覆盖后加 --force。")
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".partial")
        try:
            with open_private(partial) as out:
                for chunk in chunks:
                    out.write(chunk)
            try:
                with contextlib.closing(sqlite3.connect(partial)) as probe:
                    intact = probe.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            except sqlite3.DatabaseError:
                intact = False
            if not intact:
                raise CommandError("备份中的 SQLite 数据库不完好，未恢复。")
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        partial.replace(target)
