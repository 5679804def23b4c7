"""Two-factor login in a real browser: a county admin signs in, is held at the setup page, scans
(here: reads) the secret and confirms with a code, signs out, signs in again with password and
code, a wrong code being refused. No page of the tour logs a Content-Security-Policy violation."""

import base64
import re

import pytest
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from tests.factories import PASSWORD, PersonFactory

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("transactional_db")]

HOME = re.compile(r"^https?://[^/]+/$")


def _code(device, drift=0) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=drift):06d}"


def _watch_csp(page) -> list[str]:
    """Chromium reports every CSP refusal on the console; a listener in the page catches the
    securitypolicyviolation events too (reported before any console message is flushed)."""
    violations = []
    page.on(
        "console",
        lambda message: violations.append(message.text) if "Content Security Policy" in message.text else None,
    )
    page.on("pageerror", lambda error: violations.append(f"pageerror: {error}"))
    return violations


def _password_step(page, user):
    page.goto("/login/")
    page.get_by_label("用户名").fill(user.username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()


def test_county_admin_sets_up_totp_and_signs_in_with_it(new_context, settings, county_admin, village_a, program):
    settings.PILOT_ADMIN_REQUIRE_2FA = True
    PersonFactory(village=village_a)
    page = new_context().new_page()
    violations = _watch_csp(page)

    # Password accepted, but the county admin is held at the setup page.
    _password_step(page, county_admin)
    page.wait_for_url(re.compile(r"/account/two-factor/\?next=%2F$"))
    expect(page.get_by_role("heading", name="两步验证")).to_be_visible()
    expect(page.locator(".qr-code svg")).to_be_visible()
    page.goto("/villages/")
    page.wait_for_url(re.compile(r"/account/two-factor/\?next=%2Fvillages%2F$"))

    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    device = TOTPDevice.objects.get(user=county_admin, confirmed=False)
    assert secret and device.key  # the page shows the device's own key
    assert base64.b32decode(secret) == device.bin_key
    page.get_by_label("验证码").fill(_code(device))
    page.get_by_role("button", name="确认启用").click()
    page.wait_for_url(re.compile(r"/villages/$"))
    assert TOTPDevice.objects.get(user=county_admin).confirmed

    page.get_by_role("button", name="退出").click()
    page.wait_for_url(re.compile(r"/login/"))

    # Second sign-in: password, then the code; a wrong code is refused first.
    _password_step(page, county_admin)
    page.wait_for_url(re.compile(r"/account/two-factor/verify/"))
    device.refresh_from_db()
    wrong = f"{(int(_code(device, drift=1)) + 1) % 1_000_000:06d}"
    page.get_by_label("验证码").fill(wrong)
    page.get_by_role("button", name="验证").click()
    expect(page.locator(".field-error")).to_contain_text("验证码不正确")
    page.goto("/admin/")
    page.wait_for_url(re.compile(r"/account/two-factor/verify/"))
    # The device throttles after a failure (1 s after the first); wait it out like a person would.
    page.wait_for_timeout(1500)
    page.get_by_label("验证码").fill(_code(device, drift=1))
    page.get_by_role("button", name="验证").click()
    page.wait_for_url(re.compile(r"/admin/$"))
    expect(page.locator("#site-name")).to_contain_text("试点工作管理系统")

    # One page per app, the account pages and the API docs: no CSP refusal anywhere.
    tour = [
        reverse(name)
        for name in (
            "home",
            "villages:village_list",
            "tasks:ledger",
            "assessments:inspection_list",
            "guardianship:register",
            "accounts:account",
            "accounts:password_change",
            "admin:villages_village_changelist",
            "api_docs",
        )
    ]
    statuses = {}
    for path in tour:
        response = page.goto(path, wait_until="networkidle")
        statuses[path] = response.status
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible()
    assert set(statuses.values()) == {200}, statuses
    assert violations == []

    # The print buttons work without inline handlers (static/js/app.js).
    page.goto(reverse("tasks:ledger"))
    page.evaluate("window.print = () => { window.printed = true; }")
    page.get_by_role("button", name="打印").click()
    assert page.evaluate("window.printed") is True

    # The watch is real: an injected inline handler is refused and reported.
    page.evaluate(
        """document.body.insertAdjacentHTML('beforeend', '<img src="data:," onerror="window.injected = 1">')"""
    )
    page.wait_for_timeout(300)
    assert page.evaluate("window.injected") is None
    assert len(violations) == 1 and "inline event handler" in violations[0]
