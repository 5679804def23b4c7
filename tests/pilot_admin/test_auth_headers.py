"""Security headers, the Content-Security-Policy, and `check --deploy` clean with production
settings."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.conf import settings
from django.urls import reverse

TEMPLATE_DIRS = [settings.BASE_DIR / "templates", *sorted(settings.BASE_DIR.glob("*/templates"))]
# HTML that a browser renders under the CSP (e-mails are read in a mail client instead).
INLINE = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|<style\b|\sstyle=\"|\son[a-z]+=\"", re.I)


def _directives(header: str) -> dict:
    parts = [p.strip().split() for p in header.split(";") if p.strip()]
    return {p[0]: set(p[1:]) for p in parts}


@pytest.mark.parametrize("signed_in", [False, True])
def test_pages_send_the_policy_and_security_headers(client, township_a_official, signed_in):
    if signed_in:
        client.force_login(township_a_official)
    response = client.get(reverse("villages:village_list") if signed_in else reverse("login"))

    assert response.status_code == 200
    csp = _directives(response["Content-Security-Policy"])
    assert csp["default-src"] == {"'self'"}
    assert csp["script-src"] == {"'self'"}  # no 'unsafe-inline', no outside host
    assert csp["style-src"] == {"'self'"}
    assert csp["img-src"] == {"'self'", "data:"}
    assert csp["object-src"] == {"'none'"}
    assert csp["frame-ancestors"] == {"'none'"}
    assert csp["form-action"] == {"'self'"}
    assert csp["base-uri"] == {"'self'"}
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_api_answers_carry_the_headers_too(client, api_client_user):
    client.force_login(api_client_user)
    response = client.get(reverse("api_village-list"))

    assert response["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]


def test_no_template_has_inline_script_style_or_handlers():
    offenders = []
    for directory in TEMPLATE_DIRS:
        for path in Path(directory).rglob("*.html"):
            if "email" in path.parts:
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if INLINE.search(line):
                    offenders.append(f"{path.relative_to(settings.BASE_DIR)}:{number}")
    assert offenders == []


def _run_check(**env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env={**clean, "DJANGO_SETTINGS_MODULE": "pilot_admin.settings", **env},
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )


# README's production steps: nothing about HTTPS needs saying, it is the default with DEBUG off.
PRODUCTION = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
    "DJANGO_ALLOWED_HOSTS": "pilot.badong.example",
    "DJANGO_SECURE_PROXY_SSL_HEADER": "1",
    # The keys README's production steps require (personal data at rest, backups).
    "PERSONAL_DATA_KEY": Fernet.generate_key().decode(),
    "PERSONAL_DATA_INDEX_KEY": Fernet.generate_key().decode(),
    "BACKUP_ENCRYPTION_KEY": Fernet.generate_key().decode(),
}


def test_check_deploy_is_clean_with_readmes_production_steps():
    result = _run_check(**PRODUCTION)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout
    assert "WARNING" not in result.stderr + result.stdout


def test_check_deploy_warns_when_backups_would_be_refused():
    result = _run_check(**{k: v for k, v in PRODUCTION.items() if k != "BACKUP_ENCRYPTION_KEY"})

    assert result.returncode != 0
    assert "pilot_admin.W103" in result.stderr + result.stdout


def test_check_deploy_notices_insecure_cookies():
    # The check is real: drop one setting and it fails.
    result = _run_check(**{**PRODUCTION, "DJANGO_SECURE_COOKIES": "0"})

    assert result.returncode != 0
    assert "security.W012" in result.stderr + result.stdout


def test_a_plain_http_intranet_must_say_so_and_check_deploy_keeps_warning():
    result = _run_check(**{**PRODUCTION, "DJANGO_HTTPS": "0"})

    output = result.stderr + result.stdout
    assert result.returncode != 0
    # No HSTS, no redirect, no secure cookies: each named, none silently accepted.
    assert {"security.W004", "security.W008", "security.W012", "security.W016"} <= set(
        re.findall(r"security\.W\d{3}", output)
    )
