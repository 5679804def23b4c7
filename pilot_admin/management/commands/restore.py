"""`manage.py restore <file> --into <database>`: load a `manage.py backup` dump into a fresh
database, created when it does not exist. It never writes over data by accident: a target that
already has tables is refused unless --force, which drops the dumped objects first. The
configured database is never the default target; name it explicitly to restore over it."""

import shutil
import sqlite3
import subprocess  # nosec B404  # runs pg_restore with a fixed argument list, never through a shell
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from pilot_admin.management.commands.backup import pg_environment, pg_program

_USER_TABLES = """
    SELECT count(*) FROM pg_catalog.pg_tables
     WHERE schemaname NOT IN ('pg_catalog', 'information_schema')
"""


class Command(BaseCommand):
    help = "从 manage.py backup 的备份文件恢复到一个新数据库（不存在则创建）；目标库已有数据表时须加 --force。"

    def add_arguments(self, parser):
        parser.add_argument("dump", help="备份文件路径。")
        parser.add_argument(
            "--into", required=True, help="目标数据库名（PostgreSQL，同一服务器）或目标文件路径（SQLite）。"
        )
        parser.add_argument("--force", action="store_true", help="目标库已有数据表时，先删除备份中的对象再恢复。")
        parser.add_argument("--database", default="default", help="提供服务器地址和账号的连接名，默认 default。")

    def handle(self, *args, dump, into, force=False, database="default", **options):
        path = Path(dump)
        if not path.is_file():
            raise CommandError(f"备份文件 {path} 不存在。")
        connection = connections[database]
        if connection.vendor == "postgresql":
            self._pg_restore(connection, path, into, force)
        elif connection.vendor == "sqlite":
            self._sqlite_restore(path, Path(into), force)
        else:
            raise CommandError(f"不支持恢复到 {connection.vendor} 数据库。")
        self.stdout.write(f"已从 {path} 恢复到 {into}。")

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

    def _pg_restore(self, connection, path: Path, into: str, force: bool) -> None:
        existed = self._database_exists(connection, into)
        if existed and self._table_count(connection, into) and not force:
            raise CommandError(f"目标数据库 {into} 已有数据表，未恢复。请换一个新库名，或确认覆盖后加 --force。")
        command = [pg_program("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error", f"--dbname={into}"]
        if force:
            command += ["--clean", "--if-exists"]
        else:
            # All or nothing: a failed restore leaves the fresh database empty, not half loaded.
            command.append("--single-transaction")
        result = subprocess.run(  # nosec B603  # fixed argument list, no shell
            [*command, str(path)],
            env=pg_environment(connection.settings_dict, dbname=into),
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise CommandError(f"pg_restore 失败（退出码 {result.returncode}）：{result.stderr.strip()}")

    # --- SQLite (development) ----------------------------------------------------------------

    def _sqlite_restore(self, path: Path, target: Path, force: bool) -> None:
        with sqlite3.connect(str(path)) as probe:
            if probe.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise CommandError(f"{path} 不是完好的 SQLite 备份。")
        if target.exists() and target.stat().st_size and not force:
            raise CommandError(f"目标文件 {target} 已存在，未恢复。请换一个新路径，或确认覆盖后加 --force。")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
