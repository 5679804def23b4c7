"""`manage.py backup`: a consistent copy of the configured database in one encrypted file.

PostgreSQL: pg_dump in its custom format (compressed, restorable table by table with pg_restore,
see `manage.py restore`), streamed through the encryption as it comes, so no plaintext copy of
the register is ever written to disk. SQLite (development only): the database image, serialized
from the connection in one consistent snapshot. The file format is described in
pilot_admin/backups.py; the file is created readable by its owner only (0600)."""

import os
import shutil
import subprocess  # nosec B404  # runs pg_dump with a fixed argument list, never through a shell
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from django.utils import timezone

from pilot_admin import backups

READ_SIZE = 1 << 16


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


def default_path(vendor: str, *, encrypted: bool) -> Path:
    suffix = ("dump" if vendor == "postgresql" else "sqlite3") + (".enc" if encrypted else "")
    return settings.VAR_DIR / "backups" / f"pilot_admin-{timezone.now():%Y%m%dT%H%M%SZ}.{suffix}"


def open_private(path: Path):
    """A new file only its owner can read, whatever the umask: created 0600, never widened and
    then narrowed; O_NOFOLLOW so a planted symlink cannot redirect the write."""
    path.unlink(missing_ok=True)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    return os.fdopen(os.open(path, flags, 0o600), "wb")


class _PlainWriter:
    """Development without a key: the same interface, nothing encrypted."""

    def __init__(self, raw):
        self._raw = raw

    def write(self, data: bytes) -> int:
        return self._raw.write(data)

    def close(self) -> None:
        pass


class Command(BaseCommand):
    help = (
        "加密备份数据库：PostgreSQL 用 pg_dump 自定义格式、SQLite 取数据库快照，用 BACKUP_ENCRYPTION_KEY "
        "的第一个密钥加密写入一个仅属主可读（0600）的文件（用 manage.py restore 恢复）。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", "-o", help="备份文件路径，默认 var/backups/pilot_admin-<时间>.dump.enc。")
        parser.add_argument("--database", default="default", help="settings.DATABASES 中的连接名，默认 default。")
        parser.add_argument(
            "--generate-key", action="store_true", help="只生成一个新的加密密钥并打印（放入 BACKUP_ENCRYPTION_KEY）。"
        )

    def handle(self, *args, output=None, database="default", generate_key=False, **options):
        if generate_key:
            self.stdout.write(backups.generate_key())
            return None
        key = self._encryption_key()
        connection = connections[database]
        if connection.vendor not in backups.CONTENT:
            raise CommandError(f"不支持备份 {connection.vendor} 数据库。")
        path = Path(output) if output else default_path(connection.vendor, encrypted=key is not None)
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        partial = path.with_name(path.name + ".partial")
        try:
            with open_private(partial) as out:
                writer = backups.EncryptedWriter(out, key=key, vendor=connection.vendor) if key else _PlainWriter(out)
                if connection.vendor == "postgresql":
                    self._pg_dump(connection.settings_dict, writer)
                else:
                    self._sqlite_image(connection, writer)
                writer.close()
                out.flush()
                os.fsync(out.fileno())
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        # Only a complete backup takes the final name: a failed run never leaves a file that looks good.
        partial.replace(path)
        size = path.stat().st_size
        if key:
            self.stdout.write(f"数据库已加密备份到 {path}（{size} 字节，密钥编号 {backups.key_id(key).hex()}）。")
        else:
            self.stdout.write(f"数据库已备份到 {path}（{size} 字节，未加密）。")
        return None

    def _encryption_key(self) -> bytes | None:
        try:
            keys = backups.configured_keys()
        except backups.BackupCryptoError as error:
            raise CommandError(str(error)) from error
        if keys:
            return keys[0]
        if not settings.DEBUG:
            raise CommandError(
                "未设置 BACKUP_ENCRYPTION_KEY，拒绝备份：备份文件含特困人员的身份证号、健康和残疾等个人信息，"
                "生产环境必须加密。请用 manage.py backup --generate-key 生成密钥，设为环境变量 "
                "BACKUP_ENCRYPTION_KEY，并另行妥善保管（丢失密钥则备份无法恢复）。"
            )
        self.stderr.write("开发模式（DJANGO_DEBUG=1）且未设置 BACKUP_ENCRYPTION_KEY：本次备份未加密。")
        return None

    def _pg_dump(self, settings_dict: dict, writer) -> None:
        command = [pg_program("pg_dump"), "--format=custom", "--no-owner", "--no-privileges"]
        with tempfile.TemporaryFile() as errors:
            process = subprocess.Popen(  # nosec B603  # fixed argument list, no shell
                command, env=pg_environment(settings_dict), stdout=subprocess.PIPE, stderr=errors
            )
            try:
                for block in iter(lambda: process.stdout.read(READ_SIZE), b""):
                    writer.write(block)
            except BaseException:
                process.kill()
                raise
            finally:
                process.stdout.close()
                returncode = process.wait()
            if returncode != 0:
                errors.seek(0)
                message = errors.read().decode(errors="replace").strip()
                raise CommandError(f"pg_dump 失败（退出码 {returncode}）：{message}")

    def _sqlite_image(self, connection, writer) -> None:
        # The connection's own snapshot of the database (an in-memory one included), taken under
        # a read lock; fed to the writer a chunk at a time so the image is held only once.
        connection.ensure_connection()
        image = memoryview(connection.connection.serialize())
        for start in range(0, len(image), backups.CHUNK_SIZE):
            writer.write(image[start : start + backups.CHUNK_SIZE])
