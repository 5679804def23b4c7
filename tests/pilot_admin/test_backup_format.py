"""The encrypted backup format (pilot_admin/backups.py) on its own, with small chunks so every
boundary is reached: what goes in comes out, and any change to the file is refused."""

import io
import struct

import pytest

from pilot_admin import backups

CHUNK = 64
KEY = backups.parse_keys([backups.generate_key()])[0]


def _encrypt(plain: bytes, *, pieces: int = 7, key: bytes = KEY) -> bytes:
    out = io.BytesIO()
    writer = backups.EncryptedWriter(out, key=key, vendor="postgresql", chunk_size=CHUNK)
    # Written in uneven pieces, as pg_dump's pipe hands them over.
    for start in range(0, len(plain), pieces):
        writer.write(plain[start : start + pieces])
    writer.close()
    return out.getvalue()


def _decrypt(data: bytes, keys=(KEY,)) -> bytes:
    source = io.BytesIO(data)
    header = backups.read_header(source)
    return b"".join(backups.decrypt_chunks(source, header, list(keys)))


@pytest.mark.parametrize("size", [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK, 3 * CHUNK + 5])
def test_every_size_round_trips(size):
    plain = bytes(range(256)) * (size // 256 + 1)
    plain = plain[:size]

    data = _encrypt(plain)

    assert _decrypt(data) == plain
    chunks = max(1, -(-size // CHUNK))  # the last chunk may be full; nothing at all is one empty chunk
    assert len(data) == backups.HEADER_SIZE + size + chunks * backups.TAG_SIZE


def test_the_header_names_the_content_and_the_key():
    header = backups.read_header(io.BytesIO(_encrypt(b"x")))

    assert (header.vendor, header.chunk_size, header.key_id) == ("postgresql", CHUNK, backups.key_id(KEY))


def test_two_backups_of_the_same_data_differ():
    assert _encrypt(b"same" * 100) != _encrypt(b"same" * 100)


def _chunks(data: bytes) -> tuple[bytes, list[bytes]]:
    body = data[backups.HEADER_SIZE :]
    size = CHUNK + backups.TAG_SIZE
    return data[: backups.HEADER_SIZE], [body[i : i + size] for i in range(0, len(body), size)]


def _refused(data: bytes, match="已损坏、不完整或被改动"):
    with pytest.raises(backups.BackupCryptoError, match=match):
        _decrypt(data)


def test_a_file_cut_at_a_chunk_boundary_is_refused():
    header, chunks = _chunks(_encrypt(b"a" * (3 * CHUNK + 5)))

    _refused(header + b"".join(chunks[:-1]))
    _refused(header + b"".join(chunks[:1]))


def test_swapped_or_repeated_chunks_are_refused():
    header, chunks = _chunks(_encrypt(bytes(range(200)) * 2))

    _refused(header + chunks[1] + chunks[0] + b"".join(chunks[2:]))
    _refused(header + chunks[0] + chunks[0] + b"".join(chunks[2:]))


def test_a_changed_chunk_size_in_the_header_is_refused():
    data = bytearray(_encrypt(b"b" * 300))
    struct.pack_into(">I", data, 6, CHUNK * 2)

    _refused(bytes(data))


def test_a_header_claiming_huge_chunks_is_refused_before_reading_them():
    data = bytearray(_encrypt(b"c"))
    struct.pack_into(">I", data, 6, backups.MAX_CHUNK_SIZE + 1)

    _refused(bytes(data), match="文件头已损坏或被改动")


def test_a_later_format_version_is_named():
    data = bytearray(_encrypt(b"d"))
    data[4] = 2

    _refused(bytes(data), match="格式版本 2 不受支持")


def test_any_listed_key_decrypts_and_an_unlisted_one_is_named():
    other = backups.parse_keys([backups.generate_key()])[0]
    data = _encrypt(b"e" * 100)

    assert _decrypt(data, keys=(other, KEY)) == b"e" * 100
    with pytest.raises(backups.BackupCryptoError, match="另一个密钥加密的"):
        _decrypt(data, keys=(other,))


def test_generated_keys_parse_and_fernet_shaped_keys_are_accepted():
    assert len(backups.parse_keys([backups.generate_key()])[0]) == 32
    # A key made by cryptography's Fernet.generate_key() has the same shape.
    assert len(backups.parse_keys(["zIDMp2WSnePcKiwsMjyRRQqQYTrD6FM5-6mFkzxmnn4="])[0]) == 32
    with pytest.raises(backups.BackupCryptoError, match="第 1 个密钥格式不对"):
        backups.parse_keys(["c2hvcnQ="])
