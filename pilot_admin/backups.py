"""Encrypted backup files: the format `manage.py backup` writes and `manage.py restore` reads.

A backup holds the whole register (ID numbers, health, disability of the persons in care) and
backup files travel: to another machine, to a disk in a drawer. So they are encrypted with a key
that lives only in the environment (BACKUP_ENCRYPTION_KEY), never next to the files.

Format, version 1 (integers big-endian):

    header   b"PABK" | version (1 byte: 1) | content (1 byte: b"p" pg_dump custom format,
             b"s" SQLite database) | chunk size (4 bytes) | key id (8 bytes) | salt (16 bytes)
    chunks   the plaintext cut into `chunk size` pieces (the last one may be shorter; an empty
             plaintext is one empty chunk), each encrypted with AES-256-GCM, its 16-byte tag after it

Each file gets its own key, HKDF-SHA256(configured key, salt, "pilot_admin backup v1"), so the
nonce can simply count: 11 bytes of chunk number and a last byte that is 1 on the final chunk
only (the STREAM construction). Every chunk authenticates the header as associated data. A
flipped byte anywhere, a changed header, chunks swapped or dropped, a file cut short: each fails
a tag check. The key id (a hash of the key) says which configured key made the file, so keys
rotate: the first key encrypts, every listed key decrypts. Only one chunk is ever in memory.
"""

import base64
import hashlib
import os
import secrets
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

from pilot_admin.env import key_bytes

MAGIC = b"PABK"
VERSION = 1
CONTENT = {"postgresql": b"p", "sqlite": b"s"}
CONTENT_LABEL = {b"p": "PostgreSQL", b"s": "SQLite"}
_HEADER = struct.Struct(">4sBcI8s16s")
HEADER_SIZE = _HEADER.size
TAG_SIZE = 16
CHUNK_SIZE = 1 << 20
# A header is only authenticated with the first chunk, so its chunk size is bounded before
# anything that large is read.
MAX_CHUNK_SIZE = 16 << 20
# What the unencrypted files start with: a backup from before encryption, or one made in
# development without a key.
PLAIN_MAGIC = {b"PGDMP": "postgresql", b"SQLite format 3\x00": "sqlite"}

KEY_SETTING = "BACKUP_ENCRYPTION_KEY"


class BackupCryptoError(Exception):
    """A key or file problem, with the Chinese message the operator sees."""


@dataclass(frozen=True)
class Header:
    content: bytes
    chunk_size: int
    key_id: bytes
    salt: bytes
    raw: bytes

    @property
    def vendor(self) -> str:
        return next(vendor for vendor, code in CONTENT.items() if code == self.content)


def generate_key() -> str:
    """A new key for BACKUP_ENCRYPTION_KEY: 32 random bytes in URL-safe base64 (a Fernet key's shape)."""
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()


def parse_keys(values: list[str]) -> list[bytes]:
    try:
        return [
            key_bytes(value, setting=KEY_SETTING, position=position, generate="manage.py backup --generate-key")
            for position, value in enumerate(values, start=1)
        ]
    except ValueError as error:
        raise BackupCryptoError(str(error)) from error


def configured_keys() -> list[bytes]:
    """The keys from settings, the one that encrypts first."""
    return parse_keys(settings.BACKUP_ENCRYPTION_KEYS)


def key_id(key: bytes) -> bytes:
    return hashlib.sha256(b"pilot_admin backup key id\x00" + key).digest()[:8]


def _file_cipher(key: bytes, salt: bytes) -> AESGCM:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=b"pilot_admin backup v1")
    return AESGCM(hkdf.derive(key))


def _nonce(index: int, last: bool) -> bytes:
    return index.to_bytes(11, "big") + (b"\x01" if last else b"\x00")


class EncryptedWriter:
    """A file-like sink: what is written goes out encrypted, chunk by chunk; `close()` writes
    the final chunk (it does not close the underlying file)."""

    def __init__(self, raw: BinaryIO, *, key: bytes, vendor: str, chunk_size: int = CHUNK_SIZE):
        salt = os.urandom(16)
        self._raw = raw
        self._header = _HEADER.pack(MAGIC, VERSION, CONTENT[vendor], chunk_size, key_id(key), salt)
        self._cipher = _file_cipher(key, salt)
        self._chunk_size = chunk_size
        self._buffer = bytearray()
        self._index = 0
        self._closed = False
        raw.write(self._header)

    def write(self, data: bytes) -> int:
        self._buffer += data
        # A full chunk is written only once more data follows it: the last chunk must be marked.
        while len(self._buffer) > self._chunk_size:
            self._emit(bytes(self._buffer[: self._chunk_size]), last=False)
            del self._buffer[: self._chunk_size]
        return len(data)

    def close(self) -> None:
        if not self._closed:
            self._emit(bytes(self._buffer), last=True)
            self._buffer.clear()
            self._closed = True

    def _emit(self, plain: bytes, *, last: bool) -> None:
        self._raw.write(self._cipher.encrypt(_nonce(self._index, last), plain, self._header))
        self._index += 1


def read_header(source: BinaryIO) -> Header | None:
    """The header of an encrypted backup, or None (and the file rewound) if it is not one."""
    raw = source.read(HEADER_SIZE)
    if not raw.startswith(MAGIC):
        source.seek(0)
        return None
    if len(raw) < HEADER_SIZE:
        raise BackupCryptoError("备份文件不完整（文件头被截断），未恢复。")
    magic, version, content, chunk_size, file_key_id, salt = _HEADER.unpack(raw)
    if version != VERSION:
        raise BackupCryptoError(f"备份文件格式版本 {version} 不受支持（本程序读版本 {VERSION}），未恢复。")
    if content not in CONTENT_LABEL or not 0 < chunk_size <= MAX_CHUNK_SIZE:
        raise BackupCryptoError("备份文件头已损坏或被改动，未恢复。")
    return Header(content=content, chunk_size=chunk_size, key_id=file_key_id, salt=salt, raw=raw)


def plain_vendor(source: BinaryIO) -> str | None:
    """The engine of an unencrypted dump (the file rewound), or None when it is neither kind."""
    start = source.read(16)
    source.seek(0)
    return next((vendor for magic, vendor in PLAIN_MAGIC.items() if start.startswith(magic)), None)


def _read_exact(source: BinaryIO, size: int) -> bytes:
    parts, wanted = [], size
    while wanted:
        part = source.read(wanted)
        if not part:
            break
        parts.append(part)
        wanted -= len(part)
    return b"".join(parts)


def decrypt_chunks(source: BinaryIO, header: Header, keys: list[bytes]) -> Iterator[bytes]:
    """The plaintext, chunk by chunk, each released only after its tag checked out. Raises
    BackupCryptoError on a wrong key or a damaged file; `source` is positioned after the header."""
    key = next((key for key in keys if key_id(key) == header.key_id), None)
    if key is None:
        raise BackupCryptoError(
            f"备份文件是用另一个密钥加密的（密钥编号 {header.key_id.hex()}），{KEY_SETTING} 中没有它："
            "密钥不对，或旧密钥已被删除。未恢复。"
        )
    cipher = _file_cipher(key, header.salt)
    size = header.chunk_size + TAG_SIZE
    current = _read_exact(source, size)
    index = 0
    while True:
        following = _read_exact(source, size)
        last = not following
        try:
            if len(current) < TAG_SIZE or (not last and len(current) != size):
                raise InvalidTag
            plain = cipher.decrypt(_nonce(index, last), current, header.raw)
        except InvalidTag:
            raise BackupCryptoError(f"备份文件已损坏、不完整或被改动（第 {index + 1} 块校验失败），未恢复。") from None
        yield plain
        if last:
            return
        current = following
        index += 1
