"""Two-factor login (TOTP): required for the roles in PILOT_ADMIN_2FA_ROLES (the county's by
default) when PILOT_ADMIN_REQUIRE_2FA is on (tests/settings.py turns it off for the rest of the
suite), available to everyone."""

import pytest
from django.test import override_settings
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from pilot_admin.choices import AuditAction
from pilot_admin.models import ApiToken, AuditEntry
from tests.factories import PASSWORD

SETUP = reverse("accounts:two_factor_setup")
VERIFY = reverse("accounts:two_factor_verify")

pytestmark = pytest.mark.usefixtures("require_2fa")


@pytest.fixture
def require_2fa():
    # Throttle factor 0: these tests type a wrong code and then the right one at once.
    with override_settings(PILOT_ADMIN_REQUIRE_2FA=True, OTP_TOTP_THROTTLE_FACTOR=0):
        yield


def _password_login(client, user):
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return response


def _code(device, drift=0):
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=drift):06d}"


def _confirmed_device(user):
    return TOTPDevice.objects.create(user=user, name="手机", confirmed=True)


def test_county_admin_without_a_device_is_sent_to_setup_and_can_do_nothing_else(client, county_admin):
    _password_login(client, county_admin)

    for url in (
        reverse("home"),
        reverse("villages:village_list"),
        reverse("admin:index"),
        reverse("accounts:token_list"),
    ):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(SETUP), url
    # The session API is closed too (tokens are a separate, machine credential).
    assert client.get(reverse("api_village-list")).status_code == 403
    # A write is refused, not merely redirected after the fact.
    assert client.post(reverse("notification_read_all")).status_code == 302
    assert client.get(SETUP).status_code == 200


def test_setup_shows_an_inline_qr_code_and_the_secret(client, county_admin):
    _password_login(client, county_admin)

    body = client.get(SETUP).content.decode()

    device = TOTPDevice.objects.get(user=county_admin)
    assert not device.confirmed
    assert '<svg width="' in body and "<img" not in body
    assert "totp-secret" in body


def test_setup_refuses_a_wrong_code_then_confirms_with_the_right_one(client, county_admin):
    _password_login(client, county_admin)
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=county_admin)
    wrong = f"{(int(_code(device)) + 1) % 1_000_000:06d}"

    refused = client.post(SETUP, {"code": wrong})
    assert refused.status_code == 200
    assert "验证码不正确" in refused.content.decode()
    device.refresh_from_db()
    assert not device.confirmed

    response = client.post(SETUP, {"code": _code(device)})

    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(reverse("home")).status_code == 200
    assert AuditEntry.objects.filter(actor=county_admin, note="启用两步验证").exists()


def test_next_login_asks_for_the_code_and_refuses_a_wrong_one(client, county_admin):
    device = _confirmed_device(county_admin)
    _password_login(client, county_admin)

    home = client.get(reverse("villages:village_list"))
    assert home.status_code == 302 and home["Location"].startswith(VERIFY)
    assert client.get(reverse("admin:index"))["Location"].startswith(VERIFY)

    wrong = client.post(VERIFY, {"code": f"{(int(_code(device)) + 1) % 1_000_000:06d}"})
    assert wrong.status_code == 200
    assert "验证码不正确" in wrong.content.decode()
    assert client.get(reverse("home")).status_code == 302
    failed = AuditEntry.objects.get(action=AuditAction.LOGIN_FAILED)
    assert failed.object_repr == county_admin.username and failed.note == "两步验证码错误"

    response = client.post(VERIFY, {"code": _code(device), "next": reverse("villages:village_list")})

    assert response.status_code == 302
    assert response["Location"] == reverse("villages:village_list")
    assert client.get(reverse("admin:index")).status_code == 200


def test_a_code_cannot_be_used_twice(client, county_admin):
    device = _confirmed_device(county_admin)
    code = _code(device)
    _password_login(client, county_admin)
    assert client.post(VERIFY, {"code": code}).status_code == 302
    client.post(reverse("logout"))

    _password_login(client, county_admin)
    response = client.post(VERIFY, {"code": code})

    assert response.status_code == 200
    assert client.get(reverse("home")).status_code == 302


def test_repeated_wrong_codes_are_throttled(client, county_admin):
    device = _confirmed_device(county_admin)
    _password_login(client, county_admin)

    with override_settings(OTP_TOTP_THROTTLE_FACTOR=60):
        client.post(VERIFY, {"code": "000000" if _code(device) != "000000" else "111111"})
        response = client.post(VERIFY, {"code": _code(device)})

    assert response.status_code == 200
    assert "尝试过于频繁" in response.content.decode()


def test_redirect_after_verification_stays_on_this_site(client, county_admin):
    device = _confirmed_device(county_admin)
    _password_login(client, county_admin)

    response = client.post(VERIFY, {"code": _code(device), "next": "https://evil.example/"})

    assert response["Location"] == reverse("home")


def test_other_roles_are_not_forced_but_are_held_once_they_enable_it(client, township_a_official):
    _password_login(client, township_a_official)
    assert client.get(reverse("home")).status_code == 200
    assert "未启用" in client.get(reverse("accounts:account")).content.decode()

    client.get(SETUP)
    device = TOTPDevice.objects.get(user=township_a_official)
    assert client.post(SETUP, {"code": _code(device)}).status_code == 302
    client.post(reverse("logout"))

    _password_login(client, township_a_official)
    assert client.get(reverse("home"))["Location"].startswith(VERIFY)
    assert client.post(VERIFY, {"code": _code(device, drift=1)}).status_code == 302
    assert client.get(reverse("home")).status_code == 200


def test_switch_off_lets_a_county_admin_in_without_a_device(client, county_admin):
    with override_settings(PILOT_ADMIN_REQUIRE_2FA=False):
        _password_login(client, county_admin)
        assert client.get(reverse("home")).status_code == 200


def test_a_password_alone_buys_no_token_for_a_two_factor_account(client, county_admin, township_a_official):
    _confirmed_device(township_a_official)
    for user in (county_admin, township_a_official):
        response = client.post(
            reverse("api_token"), {"username": user.username, "password": PASSWORD}, content_type="application/json"
        )
        assert response.status_code == 400
        assert "两步验证" in response.json()["non_field_errors"][0]
    assert not ApiToken.objects.exists()


def test_issued_tokens_are_unaffected_by_the_second_factor(client, county_admin, village_a):
    token = ApiToken.objects.create(user=county_admin)

    response = client.get(reverse("api_village-list"), HTTP_AUTHORIZATION=f"Token {token.key}")

    assert response.status_code == 200
    assert response.json()["count"] == 1


# --- which roles: PILOT_ADMIN_2FA_ROLES ---------------------------------------------------


def test_by_default_the_county_roles_must_use_it_and_the_others_may(
    client, county_viewer, township_a_official, department_user, inspector
):
    _password_login(client, county_viewer)
    response = client.get(reverse("home"))
    assert response["Location"].startswith(SETUP)
    assert "按本系统规定，县级查看必须启用两步验证" in client.get(SETUP).content.decode()

    for user in (township_a_official, department_user, inspector):
        client.post(reverse("logout"))
        _password_login(client, user)
        assert client.get(reverse("home")).status_code == 200, user.role


def test_a_county_may_require_it_of_township_officials_too(client, township_a_official, county_viewer):
    with override_settings(PILOT_ADMIN_2FA_ROLES=["county_admin", "county_viewer", "township"]):
        _password_login(client, township_a_official)
        assert client.get(reverse("home"))["Location"].startswith(SETUP)
        assert "按本系统规定，乡镇必须启用两步验证" in client.get(SETUP).content.decode()


def test_roles_left_out_of_the_list_are_not_forced(client, county_admin, county_viewer):
    with override_settings(PILOT_ADMIN_2FA_ROLES=["county_admin"]):
        _password_login(client, county_viewer)
        assert client.get(reverse("home")).status_code == 200
        client.post(reverse("logout"))
        _password_login(client, county_admin)
        assert client.get(reverse("home"))["Location"].startswith(SETUP)


def test_a_superuser_counts_as_the_county_office(client, county):
    from tests.factories import UserFactory

    root = UserFactory(username="root", role="county_viewer", is_superuser=True, is_staff=True, county=county)
    with override_settings(PILOT_ADMIN_2FA_ROLES=["county_admin"]):
        _password_login(client, root)
        assert client.get(reverse("home"))["Location"].startswith(SETUP)


def test_the_switch_off_frees_every_listed_role(client, county_viewer):
    with override_settings(PILOT_ADMIN_REQUIRE_2FA=False):
        _password_login(client, county_viewer)
        assert client.get(reverse("home")).status_code == 200
