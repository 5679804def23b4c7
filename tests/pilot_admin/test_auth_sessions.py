"""Session expiry (absolute and idle), strong passwords with Chinese messages, the password
change page, and the audit of every login, logout and failed login."""

import time

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from pilot_admin.choices import AuditAction
from pilot_admin.middleware import IDLE_SESSION_KEY
from pilot_admin.models import AuditEntry
from tests.factories import PASSWORD

UA = "Mozilla/5.0 (Linux; Android 13) 乡镇手机"


def _set_last_activity(client, seconds_ago):
    session = client.session
    session[IDLE_SESSION_KEY] = int(time.time()) - seconds_ago
    session.save()


def test_idle_session_is_signed_out_and_told_why(client, township_a_official):
    client.force_login(township_a_official)
    _set_last_activity(client, settings.SESSION_IDLE_TIMEOUT + 5)

    response = client.get(reverse("villages:village_list"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert "_auth_user_id" not in client.session
    assert "长时间未操作" in client.get(response["Location"]).content.decode()
    entry = AuditEntry.objects.get(action=AuditAction.LOGOUT)
    assert entry.actor == township_a_official and entry.note == "长时间未操作，自动退出"


def test_session_active_within_the_idle_limit_stays_signed_in(client, township_a_official):
    client.force_login(township_a_official)
    _set_last_activity(client, settings.SESSION_IDLE_TIMEOUT - 5)

    assert client.get(reverse("villages:village_list")).status_code == 200
    # The request counted as activity: the stamp moved forward.
    assert int(time.time()) - client.session[IDLE_SESSION_KEY] < 5


def test_session_has_an_absolute_age(client, township_a_official):
    client.force_login(township_a_official)
    client.get(reverse("home"))

    assert client.session.get_expiry_age() == settings.SESSION_COOKIE_AGE
    assert settings.SESSION_IDLE_TIMEOUT < settings.SESSION_COOKIE_AGE


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("Aa1!short", "密码长度太短"),
        ("Zhangsan-2024", "太相似"),
        ("12345678901234567", "只包含数字"),
        ("Q1w2e3r4t5y6", "太常见"),
        ("alllowercaseletters", "至少 3 类"),
    ],
)
def test_weak_passwords_are_refused_in_chinese(township_a_official, password, message):
    township_a_official.username = "zhangsan"
    with translation.override("zh-hans"), pytest.raises(ValidationError) as exc:
        validate_password(password, user=township_a_official)
    assert message in " ".join(exc.value.messages)
    assert all(not m.isascii() for m in exc.value.messages)


def test_minimum_length_boundary(township_a_official):
    base = "Kx7#qWm2$vLp9"
    short, exact = base[: settings.PASSWORD_MIN_LENGTH - 1], base[: settings.PASSWORD_MIN_LENGTH]
    with pytest.raises(ValidationError):
        validate_password(short, user=township_a_official)
    validate_password(exact, user=township_a_official)


def test_character_classes_boundary(township_a_official):
    two_classes = "qwertyuiopzx" + "2468"
    three_classes = "Qwertyuiopzx" + "2468"
    with pytest.raises(ValidationError, match="至少 3 类"):
        validate_password(two_classes, user=township_a_official)
    validate_password(three_classes, user=township_a_official)


def test_password_change_page_refuses_weak_and_accepts_strong(client, township_a_official):
    client.force_login(township_a_official)
    url = reverse("accounts:password_change")

    weak = client.post(url, {"old_password": PASSWORD, "new_password1": "abc", "new_password2": "abc"})
    assert weak.status_code == 200
    assert "密码长度太短" in weak.content.decode()

    new = "Qingjiang-River-42"
    response = client.post(url, {"old_password": PASSWORD, "new_password1": new, "new_password2": new})

    assert response.status_code == 302 and response["Location"] == reverse("accounts:password_change_done")
    township_a_official.refresh_from_db()
    assert township_a_official.check_password(new)
    # Still signed in (the session hash was updated), and the change is in the audit trail
    # without the password hashes.
    assert client.get(reverse("home")).status_code == 200
    entry = AuditEntry.objects.get(note="修改密码")
    assert entry.actor == township_a_official and entry.changes == {}


def test_login_logout_and_failure_are_audited_with_address_and_client(client, township_a_official):
    client.post(
        reverse("login"), {"username": "nobody-here", "password": "x"}, REMOTE_ADDR="10.5.5.5", HTTP_USER_AGENT=UA
    )
    client.post(
        reverse("login"),
        {"username": township_a_official.username, "password": PASSWORD},
        REMOTE_ADDR="10.5.5.6",
        HTTP_USER_AGENT=UA,
    )
    client.post(reverse("logout"), REMOTE_ADDR="10.5.5.6", HTTP_USER_AGENT=UA)

    failed, login, logout = AuditEntry.objects.order_by("id")
    assert (failed.action, failed.object_repr, failed.actor, failed.ip_address) == (
        AuditAction.LOGIN_FAILED,
        "nobody-here",
        None,
        "10.5.5.5",
    )
    assert (login.action, login.actor, login.ip_address, login.user_agent) == (
        AuditAction.LOGIN,
        township_a_official,
        "10.5.5.6",
        UA,
    )
    assert (logout.action, logout.actor) == (AuditAction.LOGOUT, township_a_official)
    assert login.created_at is not None


def test_failed_token_request_is_audited(client, api_client_user):
    client.post(
        reverse("api_token"),
        {"username": api_client_user.username, "password": "wrong"},
        content_type="application/json",
        REMOTE_ADDR="10.6.6.6",
    )

    entry = AuditEntry.objects.get(action=AuditAction.LOGIN_FAILED)
    assert entry.object_repr == api_client_user.username and entry.ip_address == "10.6.6.6"
