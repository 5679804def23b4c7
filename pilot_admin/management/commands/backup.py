"""`manage.py backup`: a consistent copy of the configured database in one file.

PostgreSQL: pg_dump in its custom format (compressed, restorable table by table with
pg_restore, see `manage.py restore`). SQLite (development only): the sqlite3 online backup API,
which copies a consistent snapshot even while the server writes."""

import os
import shutil
import sqlite3
import subprocess  # nosec B404  # runs pg_dump with a fixed argument list, never through a shell
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from django.utils import timezone


def pg_environment(settings_dict: dict, dbname: str | None = None) -> dict:
    """Environment for the PostgreSQL client programs: the password travels in PGPASSWORD, not
    on the command line where `ps` would show it."""
    env = {**os.environ}
    for variable, key in (("PGHOST", "HOST"), ("PGPORT", "PORT"), ("PGUSER", "USER"), ("PGPASSWORD", "PASSWORD")):
        value = settings_dict.get(key)
        if value:
            env[variable] = str(value)
    env["PGDATABASE"] = dbname or settings_dict["NAME"]
    return env


def pg_program(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise CommandError(f"找不到 {name}：请安装 PostgreSQL 客户端（Debian：apt-get install postgresql-client）。")
    return path


def default_path(vendor: str) -> Path:
    suffix = "dump" if vendor == "postgresql" else "sqlite3"
    return settings.VAR_DIR / "backups" / f"pilot_admin-{timezone.now():%Y%m%dT%H%M%SZ}.{suffix}"


class Command(BaseCommand):
    help = (
        "备份数据库：PostgreSQL 用 pg_dump 自定义格式写入一个文件（用 manage.py restore 恢复）；SQLite 复制数据库文件。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", "-o", help="备份文件路径，默认 var/backups/pilot_admin-<时间>.dump。")
        parser.add_argument("--database", default="default", help="settings.DATABASES 中的连接名，默认 default。")

    def handle(self, *args, output=None, database="default", **options):
        connection = connections[database]
        path = Path(output) if output else default_path(connection.vendor)
        path.parent.mkdir(parents=True, exist_ok=True)
        if connection.vendor == "postgresql":
            self._pg_dump(connection.settings_dict, path)
        elif connection.vendor == "sqlite":
            self._sqlite_copy(connection.settings_dict["NAME"], path)
        else:
            raise CommandError(f"不支持备份 {connection.vendor} 数据库。")
        self.stdout.write(f"数据库已备份到 {path}（{path.stat().st_size} 字节）。")
        return None

    def _pg_dump(self, settings_dict: dict, path: Path) -> None:
        partial = path.with_name(path.name + ".partial")
        command = [pg_program("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", f"--file={partial}"]
        result = subprocess.run(  # nosec B603  # fixed argument list, no shell
            command, env=pg_environment(settings_dict), capture_output=True, text=True, check=False
        )
        if result.returncode != 0:
            partial.unlink(missing_ok=True)
            raise CommandError(f"pg_dump 失败（退出码 {result.returncode}）：{result.stderr.strip()}")
        # Only a complete dump takes the final name: a failed run never leaves a file that looks good.
        partial.replace(path)

    def _sqlite_copy(self, name, path: Path) -> None:
        if str(name) == ":memory:" or "mode=memory" in str(name):
            raise CommandError("内存中的 SQLite 数据库无法备份。")
        source = sqlite3.connect(str(name))
        target = sqlite3.connect(str(path))
        try:
            with target:
                source.backup(target)
        finally:
            target.close()
            source.close()
