"""The township workspace in a real browser, on a phone: the official sees today's obligations
in order of urgency, opens the first overdue report from 首页, submits it, and back on 首页 it
is gone; the figures on the page equal the API's statistics for the same session; the page
does not scroll sideways at 375 px. The township's leader sees the same list."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from guardianship import services as guardianship_services
from pilot_admin.choices import Role
from tasks.choices import ReportStatus
from tasks.models import ProgressReport
from tests.e2e.conftest import save_screenshot, sign_in
from tests.factories import PersonFactory, PilotProgramFactory, ProgressReportFactory, UserFactory
from tests.home.test_workspace import _inspect, _task
from villages import services as village_services

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("transactional_db")]

PHONE_375 = {"width": 375, "height": 812}
NO_HORIZONTAL_OVERFLOW = "document.documentElement.scrollWidth <= window.innerWidth + 1"


@pytest.fixture
def program(county):
    today = timezone.localdate()
    return PilotProgramFactory(
        county=county, code="workspace-e2e", start_year=today.year - 1, end_year=today.year + 3,
        cumulative_by_year=today.year + 3,
    )  # fmt: skip


@pytest.fixture
def seeded(county_admin, inspector, program, township_a, township_b, village_a, village_b, township_a_official):
    today = timezone.localdate()
    overdue = _task(
        actor=county_admin, program=program, code="W-01", title="报送服务站建设进展",
        deadline=today - datetime.timedelta(days=4), townships=[township_a, township_b],
    )  # fmt: skip
    returned = _task(
        actor=county_admin, program=program, code="W-02", title="报送议事协商情况",
        deadline=today + datetime.timedelta(days=3), townships=[township_a],
    )  # fmt: skip
    unit_a = village_services.township_government_ensure(township=township_a)
    unit_b = village_services.township_government_ensure(township=township_b)
    ProgressReportFactory(period=returned.periods.get(), department=unit_a, status=ReportStatus.RETURNED)
    ProgressReportFactory(period=overdue.periods.get(), department=unit_b, status=ReportStatus.SUBMITTED)
    rectify_from = today - datetime.timedelta(days=program.rectification_days + 1)
    for village, deduction in ((village_a, 6), (village_b, 2)):
        _inspect(
            county_admin=county_admin, inspector=inspector, program=program, village=village, deduction=deduction,
            today=rectify_from,
        )  # fmt: skip
    PersonFactory(village=village_a, name="向大山")
    visited = PersonFactory(village=village_a, name="谭小梅")
    PersonFactory(village=village_b, name="东瀼口人员甲")
    guardianship_services.visit_record(
        actor=township_a_official, person=visited, visited_on=today, visitor_name="联村干部", today=today
    )
    return {"overdue": overdue}


def _kinds(page) -> list[str]:
    return page.locator("#obligations > li").evaluate_all("items => items.map(item => item.dataset.kind)")


def _figures(page) -> dict:
    return page.locator("#figures tbody tr").evaluate_all(
        """rows => Object.fromEntries(rows.map(row => [row.dataset.key, {
             own: row.querySelector('td.own').textContent.trim(),
             county: row.querySelector('td.county').textContent.trim()}]))"""
    )


def _api(page, path: str) -> dict:
    response = page.request.get(path)
    assert response.status == 200, response.text()
    return response.json()


def _pct(value: float) -> str:
    return f"{value * 100:.1f}%"


def test_official_opens_the_first_overdue_report_from_home_submits_it_and_it_is_gone(
    new_context, seeded, program, township_a, township_a_official
):
    today = timezone.localdate()
    page = new_context(viewport=PHONE_375, is_mobile=True, has_touch=True, device_scale_factor=2).new_page()
    sign_in(page, township_a_official)

    # Most overdue first (the report 4 days late, then the rectification 1 day late), then the
    # returned report due in 3 days; the visit due at the month's end falls where its date says.
    items = page.locator("#obligations > li")
    expect(items.first).to_contain_text("W-01 报送服务站建设进展")
    expect(items.first.locator(".badge")).to_have_text("逾期 4 天")
    expect(items.nth(1)).to_contain_text("水布垭村 · 1.1")
    expect(items.nth(1).locator(".badge")).to_have_text("逾期 1 天")
    kinds = _kinds(page)
    assert kinds[:2] == ["report", "rectification"] and sorted(kinds) == sorted(
        ["report", "rectification", "returned", "visit"]
    )
    dues = items.evaluate_all("items => items.map(item => item.dataset.due)")
    assert dues == sorted(dues)
    body = page.locator("main").inner_text()
    assert "东瀼口" not in body and "谭小梅" not in body
    assert page.evaluate(NO_HORIZONTAL_OVERFLOW), page.evaluate("document.documentElement.scrollWidth")
    save_screenshot(page, "workspace-phone.png", full_page=True)

    # The figures are the API's for the same session; the county's are the county totals.
    year = today.year
    figures = _figures(page)
    tasks_api = _api(page, f"/api/v1/stats/tasks/?program={program.code}&year={year}")
    results_api = _api(page, f"/api/v1/stats/assessments/?program={program.code}&year={year}")
    visits_api = _api(page, "/api/v1/stats/guardianship/")
    pilots_api = _api(page, f"/api/v1/stats/pilots/?program={program.code}&year={year}")
    [own_unit] = tasks_api["reporting_units"]
    assert figures["completeness"]["own"] == _pct(own_unit["completeness"])
    assert figures["timeliness"]["own"] == _pct(own_unit["timeliness"])
    assert figures["inspection-mean"]["own"] == f"{results_api['mean_total']:.1f} 分"
    assert figures["visit-coverage"]["own"].startswith(_pct(visits_api["visit_coverage"]))
    assert visits_api["visit_coverage"] == 0.5
    assert figures["visit-coverage"]["county"] == _pct(1 / 3)
    assert figures["inspection-mean"]["county"] == "96.0 分"
    [own_quota] = pilots_api["townships"]
    assert figures["pilot-share"]["own"] == _pct(own_quota["cumulative_share"])

    # One tap from 首页 to the report form; submit; back on 首页 the obligation is gone.
    items.first.locator(".obligation-title").click()
    period = seeded["overdue"].periods.get()
    page.wait_for_url(re.compile(rf"/tasks/periods/{period.pk}/report/$"))
    form = page.locator("#report-form")
    form.get_by_label("进展情况").fill("服务站已建成，台账已建立。")
    form.get_by_label("完成进度（%）").fill("100")
    form.get_by_label("经主要领导签字").check()
    form.get_by_role("button", name="提交").click()
    expect(page.locator("#report-status")).to_have_text("已提交")
    report = ProgressReport.objects.get(period=period, department__township=township_a)
    assert report.status == ReportStatus.SUBMITTED and report.submitted_by == township_a_official

    page.goto("/")
    expect(page.locator("#obligations")).not_to_contain_text("W-01")
    expect(page.locator('#obligation-counts li[data-kind="report"] .value')).to_have_text("0")
    expect(page.locator("#obligations > li").first).to_contain_text("水布垭村 · 1.1")
    # Reporting late still counts as received: completeness rises, timeliness does not.
    figures_after = _figures(page)
    [own_after] = _api(page, f"/api/v1/stats/tasks/?program={program.code}&year={year}")["reporting_units"]
    assert figures_after["completeness"]["own"] == _pct(own_after["completeness"])
    assert own_after["received"] == own_unit["received"] + 1 and own_after["on_time"] == own_unit["on_time"]


def test_the_township_leader_sees_the_same_obligations(new_context, seeded, township_a, township_a_official):
    leader = UserFactory(
        username="township_a_leader", role=Role.TOWNSHIP, township=township_a, county=township_a.county,
        is_unit_leader=True,
    )  # fmt: skip
    official = new_context().new_page()
    sign_in(official, township_a_official)
    page = new_context(viewport=PHONE_375, is_mobile=True, has_touch=True).new_page()
    sign_in(page, leader)
    titles = "items => items.map(item => item.querySelector('.obligation-title').textContent.trim())"
    own = page.locator("#obligations > li").evaluate_all(titles)
    assert own == official.locator("#obligations > li").evaluate_all(titles)
    assert own[0] == "W-01 报送服务站建设进展" and "向大山" in own
    assert page.evaluate(NO_HORIZONTAL_OVERFLOW)

    # On paper: the list and the figures without the menu and the buttons.
    page.emulate_media(media="print")
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.locator(".obligation-action").first).to_be_hidden()
    expect(page.locator("#obligations > li").first).to_be_visible()
    expect(page.locator("#figures")).to_be_visible()
