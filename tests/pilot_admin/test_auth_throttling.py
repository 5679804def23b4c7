"""Login throttling (django-axes): per account and per address, on the login form, the API token
endpoint and the admin login; refused before any password hash is computed; unlocked by the
county office or by the cool-off."""

import datetime
from unittest import mock

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from pilot_admin.choices import AuditAction
from pilot_admin.models import AuditEntry, User
from tests.factories import PASSWORD, CountyFactory, UserFactory

LOGIN = reverse("login")
TOKEN = reverse("api_token")
LIMIT = settings.AXES_FAILURE_LIMIT


def _login(client, username, password, ip="10.1.1.1"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


def _fail_until_locked(client, username, ip="10.1.1.1"):
    responses = [_login(client, username, "wrong-password", ip=ip) for _ in range(LIMIT)]
    # Below the limit the form answers with its error; the attempt that reaches it is a 429.
    assert [r.status_code for r in responses[:-1]] == [200] * (LIMIT - 1)
    return responses[-1]


@pytest.fixture
def hash_checks():
    """Counts password-hash checks: a locked-out attempt must not cost one."""
    with mock.patch.object(User, "check_password", autospec=True, side_effect=User.check_password) as spy:
        yield spy


def test_the_attempt_reaching_the_limit_is_a_429_in_chinese(client, township_a_official):
    response = _fail_until_locked(client, township_a_official.username)

    assert response.status_code == 429
    body = response.content.decode()
    assert "登录失败次数过多" in body and "联系安全管理员解锁" in body
    assert response["Retry-After"] == str(int(settings.AXES_COOLOFF_TIME.total_seconds()))


def test_locked_account_is_refused_without_checking_the_password(client, township_a_official, hash_checks):
    _fail_until_locked(client, township_a_official.username)
    hash_checks.reset_mock()

    # The right password, from a fresh address: the account itself is locked.
    response = _login(client, township_a_official.username, PASSWORD, ip="10.9.9.9")

    assert response.status_code == 429
    assert hash_checks.call_count == 0
    assert "_auth_user_id" not in client.session


def test_one_failure_short_of_the_limit_still_signs_in(client, township_a_official):
    for _ in range(LIMIT - 1):
        _login(client, township_a_official.username, "wrong-password")

    response = _login(client, township_a_official.username, PASSWORD)

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(township_a_official.pk)
    # A success wipes the slate (AXES_RESET_ON_SUCCESS).
    assert not AccessAttempt.objects.filter(username=township_a_official.username).exists()


def test_guessing_many_accounts_from_one_address_locks_the_address(client, township_a_official, hash_checks):
    for index in range(LIMIT):
        _login(client, f"guess{index}", "wrong-password", ip="10.2.2.2")
    hash_checks.reset_mock()

    locked = _login(client, township_a_official.username, PASSWORD, ip="10.2.2.2")
    elsewhere = _login(client, township_a_official.username, PASSWORD, ip="10.3.3.3")

    assert locked.status_code == 429
    assert elsewhere.status_code == 302
    assert hash_checks.call_count == 1  # only the attempt from the other address


def test_one_account_guessed_from_many_addresses_is_locked(client, township_a_official):
    for index in range(LIMIT):
        _login(client, township_a_official.username, "wrong-password", ip=f"10.4.0.{index + 1}")

    assert _login(client, township_a_official.username, PASSWORD, ip="10.4.1.1").status_code == 429


def test_behind_a_trusted_proxy_the_forwarded_address_is_the_one_counted(client, township_a_official):
    with override_settings(TRUST_X_FORWARDED_FOR=True):
        for _ in range(LIMIT):
            client.post(
                LOGIN,
                {"username": f"x{_}", "password": "no"},
                REMOTE_ADDR="10.0.0.1",
                HTTP_X_FORWARDED_FOR="203.0.113.7, 10.0.0.1",
            )
        assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.7"}
        # The proxy's own address is not what is locked: another client behind it signs in.
        response = client.post(
            LOGIN,
            {"username": township_a_official.username, "password": PASSWORD},
            REMOTE_ADDR="10.0.0.1",
            HTTP_X_FORWARDED_FOR="203.0.113.8",
        )
    assert response.status_code == 302
    # The audit trail records the same address as the throttle.
    assert AuditEntry.objects.filter(action=AuditAction.LOGIN_FAILED).first().ip_address == "203.0.113.7"


def test_cool_off_lifts_the_lock(client, township_a_official):
    _fail_until_locked(client, township_a_official.username)
    AccessAttempt.objects.update(
        attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - datetime.timedelta(minutes=1)
    )

    assert f'data-username="{township_a_official.username}"' not in _lockout_page(township_a_official)
    assert _login(client, township_a_official.username, PASSWORD).status_code == 302


def _lockout_page(user):
    from django.test import Client

    admin = UserFactory(role="security_admin", county=user.county)
    client = Client()
    client.force_login(admin)
    return client.get(reverse("accounts:lockout_list")).content.decode()


def test_a_lock_just_inside_the_cool_off_still_holds(client, township_a_official):
    _fail_until_locked(client, township_a_official.username)
    AccessAttempt.objects.update(
        attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME + datetime.timedelta(minutes=1)
    )

    assert f'data-username="{township_a_official.username}"' in _lockout_page(township_a_official)
    assert _login(client, township_a_official.username, PASSWORD).status_code == 429


def test_token_endpoint_is_throttled_with_a_json_429(client, api_client_user, hash_checks):
    statuses = [
        client.post(
            TOKEN, {"username": api_client_user.username, "password": "wrong"}, content_type="application/json"
        ).status_code
        for _ in range(LIMIT)
    ]
    hash_checks.reset_mock()
    response = client.post(
        TOKEN, {"username": api_client_user.username, "password": PASSWORD}, content_type="application/json"
    )

    assert statuses == [400] * (LIMIT - 1) + [429]
    assert response.status_code == 429
    assert "登录失败次数过多" in response.json()["detail"]
    assert hash_checks.call_count == 0
    assert "token" not in response.json()


def test_token_endpoint_form_encoded_is_throttled_too(client, api_client_user):
    for _ in range(LIMIT):
        client.post(TOKEN, {"username": api_client_user.username, "password": "wrong"})

    response = client.post(TOKEN, {"username": api_client_user.username, "password": PASSWORD})

    assert response.status_code == 429


def test_admin_login_is_throttled(client, county_admin, hash_checks):
    url = reverse("admin:login")
    for _ in range(LIMIT):
        last = client.post(url, {"username": county_admin.username, "password": "wrong"})
    hash_checks.reset_mock()

    response = client.post(url, {"username": county_admin.username, "password": PASSWORD})

    assert last.status_code == 429
    assert response.status_code == 429
    assert hash_checks.call_count == 0


def test_security_admin_unlocks_an_account_and_it_is_audited(client, security_admin, township_a_official):
    anonymous = client.__class__()
    _fail_until_locked(anonymous, township_a_official.username)
    client.force_login(security_admin)

    page = client.get(reverse("accounts:lockout_list"))
    assert township_a_official.username in page.content.decode()

    response = client.post(reverse("accounts:lockout_reset"), {"username": township_a_official.username})

    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username=township_a_official.username).exists()
    entry = AuditEntry.objects.get(note="解除登录锁定")
    assert entry.actor == security_admin and entry.action == AuditAction.DELETE
    assert _login(anonymous, township_a_official.username, PASSWORD).status_code == 302


def test_lockouts_of_another_county_are_not_listed_nor_unlockable(client, security_admin):
    stranger = UserFactory(role="county_admin", county=CountyFactory(name="建始县", admin_code="422822"))
    anonymous = client.__class__()
    _fail_until_locked(anonymous, stranger.username)
    client.force_login(security_admin)

    assert stranger.username not in client.get(reverse("accounts:lockout_list")).content.decode()
    assert client.post(reverse("accounts:lockout_reset"), {"username": stranger.username}).status_code == 404
    assert AccessAttempt.objects.filter(username=stranger.username).exists()


def test_lockout_page_is_for_the_security_administrator_only(
    client, township_a_official, county_admin, system_admin, audit_admin
):
    for user in (township_a_official, county_admin, system_admin, audit_admin):
        client.force_login(user)
        assert client.get(reverse("accounts:lockout_list")).status_code == 403
        assert client.post(reverse("accounts:lockout_reset"), {"username": "x"}).status_code == 403


def test_lockout_page_query_count_does_not_grow(client, security_admin, django_assert_max_num_queries):
    client.force_login(security_admin)
    for size in (2, 20):
        for index in range(size):
            user = UserFactory(county=security_admin.county)
            AccessAttempt.objects.create(
                username=user.username,
                ip_address=f"10.8.{size}.{index}",
                user_agent="t",
                failures_since_start=LIMIT,
                get_data="",
                post_data="",
            )
        with django_assert_max_num_queries(8):
            response = client.get(reverse("accounts:lockout_list"))
        assert response.content.decode().count("解除锁定</button>") == AccessAttempt.objects.count()


def test_login_records_and_authenticators_are_in_the_admin_for_superusers_only(
    client, county_admin, township_a_official
):
    """The county office no longer reads login records nor removes authenticators (the security
    administrator's pages do); a superuser, break-glass, still can in the admin."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    _fail_until_locked(client.__class__(), township_a_official.username)
    device = TOTPDevice.objects.create(user=township_a_official, name="旧手机", confirmed=True)
    client.force_login(county_admin)
    assert client.get(reverse("admin:axes_accessattempt_changelist")).status_code == 403
    assert client.get(reverse("admin:otp_totp_totpdevice_change", args=[device.pk])).status_code == 403
    delete = reverse("admin:otp_totp_totpdevice_delete", args=[device.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert TOTPDevice.objects.filter(pk=device.pk).exists()

    root = UserFactory(username="root", is_superuser=True, is_staff=True, role="county_admin")
    client.force_login(root)
    attempts = client.get(reverse("admin:axes_accessattempt_changelist"))
    assert attempts.status_code == 200
    assert township_a_official.username in attempts.content.decode()
    change = client.get(reverse("admin:otp_totp_totpdevice_change", args=[device.pk]))
    assert change.status_code == 200
    assert device.key not in change.content.decode()
