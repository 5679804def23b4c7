import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from pilot_admin.env import env_bool, env_int, env_list


def _load_settings(**env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "EMAIL_URL"))}
    return subprocess.run(
        [sys.executable, "-c", "import pilot_admin.settings as s; print(s.DEBUG, s.DATABASES['default']['ENGINE'])"],
        env={**clean, **env},
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
    )


def test_production_refuses_the_development_secret_key():
    result = _load_settings(DJANGO_DEBUG="0")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_defaults_need_no_server():
    result = _load_settings(DJANGO_DEBUG="1")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "pilot_admin.sqlite"]


def test_database_url_selects_postgresql():
    result = _load_settings(DJANGO_SECRET_KEY="k" * 50, DATABASE_URL="postgres://u@127.0.0.1:5432/x")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "django.db.backends.postgresql"]


def test_bad_email_url_fails_loudly():
    result = _load_settings(DJANGO_DEBUG="1", EMAIL_URL="carrier-pigeon://x")
    assert result.returncode != 0
    assert "EMAIL_URL scheme" in result.stderr


def test_an_unknown_two_factor_role_fails_loudly():
    result = _load_settings(DJANGO_DEBUG="1", PILOT_ADMIN_2FA_ROLES="county_admin,township_head")
    assert result.returncode != 0
    assert "PILOT_ADMIN_2FA_ROLES may name only" in result.stderr


@pytest.mark.parametrize("name", ["PASSWORD_MAX_AGE_DAYS", "ACCOUNT_INACTIVE_DAYS", "API_TOKEN_MAX_AGE_DAYS"])
def test_a_negative_number_of_days_fails_loudly(name):
    result = _load_settings(DJANGO_DEBUG="1", **{name: "-1"})
    assert result.returncode != 0
    assert f"{name} must be 0 (off) or a number of days" in result.stderr


@pytest.mark.parametrize(("raw", "expected"), [("1", True), ("true", True), ("off", False), ("0", False)])
def test_env_bool(monkeypatch, raw, expected):
    monkeypatch.setenv("X_FLAG", raw)
    assert env_bool("X_FLAG", not expected) is expected


def test_env_bool_and_int_refuse_garbage(monkeypatch):
    monkeypatch.setenv("X_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured):
        env_bool("X_FLAG", False)
    monkeypatch.setenv("X_INT", "ten")
    with pytest.raises(ImproperlyConfigured):
        env_int("X_INT", 1)


def test_env_list(monkeypatch):
    monkeypatch.setenv("X_HOSTS", "a.example, b.example ,")
    assert env_list("X_HOSTS", []) == ["a.example", "b.example"]
    assert env_list("X_UNSET", ["d"]) == ["d"]


def test_ui_language_is_simplified_chinese():
    assert settings.LANGUAGE_CODE == "zh-hans"


@pytest.mark.django_db
def test_a_thousand_row_bulk_write_is_one_insert_on_every_database():
    """The embedded default writes an import's batch in one statement, as PostgreSQL does:
    Django 5.2 would split it by SQLite's old 999-parameter limit (pilot_admin/sqlite/base.py)."""
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from pilot_admin.choices import AuditAction
    from pilot_admin.models import AuditEntry

    kind = ContentType.objects.get_for_model(AuditEntry)
    entries = [
        AuditEntry(action=AuditAction.CREATE, content_type=kind, object_id=str(i), object_repr="一条")
        for i in range(1000)
    ]
    with CaptureQueriesContext(connection) as queries:
        AuditEntry.objects.bulk_create(entries, batch_size=1000)

    assert len(queries) == 1
    assert AuditEntry.objects.count() == 1000


def test_transaction_pooling_turns_server_side_cursors_off_and_sends_no_startup_options():
    """PgBouncer in transaction mode refuses the `options` startup parameter and loses a
    server-side cursor between its FETCHes (README "部署与扩容"); directly to PostgreSQL both stay."""
    show = "d = s.DATABASES['default']; print(d.get('DISABLE_SERVER_SIDE_CURSORS', False), d.get('OPTIONS', {}))"
    env = {"DJANGO_SECRET_KEY": "k" * 50, "DATABASE_URL": "postgres://u@127.0.0.1:6432/x"}
    outputs = []
    for pooling in ("0", "1"):
        result = subprocess.run(
            [sys.executable, "-c", f"import pilot_admin.settings as s; {show}"],
            env={**{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}, **env,
                 "DATABASE_TRANSACTION_POOLING": pooling},
            cwd=settings.BASE_DIR, capture_output=True, text=True,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        outputs.append(result.stdout.strip())

    assert outputs == ["False {'options': '-c jit=off'}", "True {}"]
