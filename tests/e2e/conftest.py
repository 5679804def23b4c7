"""Browser tests: Debian's headless Chromium (never `playwright install`) driven by Playwright's
sync API against pytest-django's live server, one browser per test process."""

import os
import re
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from tests.factories import PASSWORD

# Playwright's sync API keeps an asyncio loop running in the test thread, and Django refuses
# ORM calls from a thread with a running loop; the fixtures and the database assertions of
# these tests are plain synchronous code, so the check only gets in the way here.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = os.environ.get("PILOT_ADMIN_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PHONE = {"width": 390, "height": 844}
# A host name as on a county intranet, neither "localhost" nor 127.0.0.1: some front-end code
# (Swagger UI's online validator, for one) skips its outside calls for local hosts, so a tour
# of the site on localhost would hide them.
INTRANET_HOST = "pilot-admin.test"


def pytest_collection_modifyitems(items):
    """Every test of this folder drives the browser: marked e2e wherever its module forgets, so
    CI's PostgreSQL run (`-m "not e2e"`) leaves all of them to the embedded run."""
    here = Path(__file__).resolve().parent
    for item in items:
        if here in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.e2e)


def _unavailable(reason: str):
    """CI installs Chromium, so there a missing browser is a failure; elsewhere a skip."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true but {reason}", pytrace=False)
    pytest.skip(f"browser tests skipped: {reason} (set PILOT_ADMIN_CHROMIUM to a Chromium binary)")


# One browser a module, not a session: Playwright's loop runs in the test thread while it is
# started, and a later test in the same worker that calls an async view (django-health-check's
# /health/, through async_to_sync) would find it running and fail.
@pytest.fixture(scope="module")
def browser():
    chromium = shutil.which(CHROMIUM) or (CHROMIUM if os.access(CHROMIUM, os.X_OK) else None)
    if chromium is None:
        _unavailable(f"Chromium not found at {CHROMIUM}")
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(
            executable_path=chromium,
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                f"--host-resolver-rules=MAP {INTRANET_HOST} 127.0.0.1",
            ],
        )
    except Exception:
        playwright.stop()
        raise
    yield browser
    browser.close()
    playwright.stop()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture
def new_context(browser, live_server, request):
    """Open a fresh browser context (its own cookies: one signed-in user) on the live server.
    Every page of a failed test is saved as a screenshot under test-artifacts/."""
    contexts = []

    def _new_context(*, base_url=None, **options):
        options.setdefault("locale", "zh-CN")
        options.setdefault("timezone_id", "Asia/Shanghai")
        context = browser.new_context(base_url=base_url or live_server.url, **options)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context

    yield _new_context

    failed = any(getattr(getattr(request.node, f"rep_{when}", None), "failed", False) for when in ("setup", "call"))
    for index, context in enumerate(contexts):
        try:
            if failed:
                name = re.sub(r"[^\w.-]+", "_", request.node.nodeid)
                for page_index, page in enumerate(context.pages):
                    save_screenshot(page, f"{name}-{index}-{page_index}.png", full_page=True)
        finally:
            context.close()


def save_screenshot(page, filename: str, **options) -> None:
    """Keep a picture of the page in test-artifacts/ (gitignored) for a person to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / filename, **options)


def sign_in(page, user, *, password=PASSWORD):
    """Sign in through the real login form and land on the home page."""
    page.goto("/login/")
    page.get_by_label("用户名").fill(user.username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r"^https?://[^/]+/$"))
    assert page.locator(".user-name").inner_text().startswith(str(user))


def _recorded(terminalreporter, kind: str) -> list[dict]:
    return [
        dict(value)
        for reports in terminalreporter.stats.values()
        for report in reports
        for name, value in getattr(report, "user_properties", ())
        if name == kind and getattr(report, "when", None) == "call"
    ]


def pytest_terminal_summary(terminalreporter):
    """The accessibility tour's counts (tests/e2e/test_navigation_overflow.py records them on each
    role's report, so they reach this summary from pytest-xdist's workers too), and the count of
    forms driven by the keyboard alone (tests/e2e/test_keyboard_forms.py)."""
    for run in _recorded(terminalreporter, "keyboard"):
        terminalreporter.section("keyboard only")
        terminalreporter.write_line(
            f"{run['pages']} form pages for {run['roles']} roles: {run['submitted']} submitted by Enter or Space, "
            f"{run['links']} error-summary links followed, {run['problems']} problems"
        )
    runs = _recorded(terminalreporter, "axe")
    if not runs:
        return
    terminalreporter.section("axe-core, WCAG 2.1 A/AA")
    for run in sorted(runs, key=lambda run: run["role"]):
        terminalreporter.write_line(
            f"{run['role']}: {run['pages']} pages × {len(run['widths'])} widths "
            f"({', '.join(map(str, run['widths']))} px) = {run['views']} page views, "
            f"{run['violations']} violations"
        )
    terminalreporter.write_line(
        f"total: {sum(run['views'] for run in runs)} page views for {len(runs)} roles, "
        f"{sum(run['violations'] for run in runs)} violations"
    )
