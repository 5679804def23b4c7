"""`make run` shows the product without a phone: with DEBUG on and PILOT_ADMIN_DEMO_SKIP_2FA set,
the demo county's accounts (registered by demo/apps.py) sign in with their password alone and see
their home page; any other account still enrols an authenticator, and without DEBUG the switch
does nothing and every manage.py command refuses it (pilot_admin.E111)."""

import pytest
from django.core import checks
from django.test import override_settings
from django.urls import reverse

from pilot_admin.accounts.demo import demo_usernames
from pilot_admin.choices import Role
from tests.factories import PASSWORD, UserFactory

SETUP = reverse("accounts:two_factor_setup")


def _sign_in(client, user):
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD}, follow=True)
    assert response.status_code == 200
    return response.content.decode()


def _shows_home(body):
    return "<title>首页 · " in body and "<h1>两步验证</h1>" not in body


def _shows_setup(body):
    return "<h1>两步验证</h1>" in body and "必须启用两步验证" in body


def test_the_demo_registers_its_accounts():
    # Every account load_demo makes and the README lists, the two counties' offices among them.
    assert {"county_admin", "county_viewer", "422823-sysadmin", "liuzhi_admin"} <= demo_usernames()


@override_settings(PILOT_ADMIN_REQUIRE_2FA=True, DEBUG=True, PILOT_ADMIN_DEMO_SKIP_2FA=True)
def test_under_make_run_the_demo_county_admin_reaches_the_dashboard_without_a_phone(client, county_admin):
    body = _sign_in(client, county_admin)

    assert _shows_home(body), body[:2000]
    assert client.get(reverse("villages:village_list")).status_code == 200


@override_settings(PILOT_ADMIN_REQUIRE_2FA=True, DEBUG=True, PILOT_ADMIN_DEMO_SKIP_2FA=True)
def test_under_make_run_an_account_not_of_the_demo_still_enrols(client, county):
    own = UserFactory(username="zhang_wei", role=Role.COUNTY_ADMIN, county=county)

    body = _sign_in(client, own)

    assert _shows_setup(body)
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response["Location"].startswith(SETUP)


@override_settings(PILOT_ADMIN_REQUIRE_2FA=True, DEBUG=False, PILOT_ADMIN_DEMO_SKIP_2FA=True)
def test_without_debug_the_switch_is_ignored_and_the_demo_account_enrols(client, county_admin):
    body = _sign_in(client, county_admin)

    assert _shows_setup(body)


@override_settings(PILOT_ADMIN_REQUIRE_2FA=True, DEBUG=True, PILOT_ADMIN_DEMO_SKIP_2FA=False)
def test_without_the_switch_the_demo_account_enrols(client, county_admin):
    assert _shows_setup(_sign_in(client, county_admin))


@pytest.mark.parametrize(
    ("debug", "switch", "refused"),
    [(False, True, True), (True, True, False), (False, False, False)],
)
def test_production_refuses_the_switch(debug, switch, refused):
    with override_settings(DEBUG=debug, PILOT_ADMIN_DEMO_SKIP_2FA=switch):
        errors = [m for m in checks.run_checks(tags=[checks.Tags.security]) if m.id == "pilot_admin.E111"]

    assert bool(errors) is refused
    if refused:
        assert errors[0].level == checks.ERROR
        assert "PILOT_ADMIN_DEMO_SKIP_2FA" in errors[0].msg and "DJANGO_DEBUG=0" in errors[0].msg
