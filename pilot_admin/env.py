"""Typed readers for settings taken from the environment; a bad value fails start-up loudly."""

import base64
import binascii
import os

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), got {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from exc


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def key_bytes(value: str, *, setting: str, position: int, generate: str) -> bytes:
    """A 32-byte key from its URL-safe Base64 text (the form Fernet and our backups use); a
    ValueError in Chinese naming the setting and the key's place in its list, and the command
    that makes a good one, if it is not one."""
    try:
        raw = base64.urlsafe_b64decode(value.strip().encode())
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != 32:
        raise ValueError(
            f"{setting} 中第 {position} 个密钥格式不对：应为 32 字节的 URL 安全 Base64 编码（用 {generate} 生成）。"
        )
    return raw


def env_pairs(name: str, default: dict[str, str]) -> dict[str, str]:
    """`key=value,key=value` (e.g. SMS_TEMPLATES=overdue=SMS_1234,due_tomorrow=SMS_5678)."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    pairs = {}
    for item in raw.split(","):
        if not item.strip():
            continue
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise ImproperlyConfigured(f"{name} must be key=value pairs separated by commas, got {item!r}")
        pairs[key.strip()] = value.strip()
    return pairs
