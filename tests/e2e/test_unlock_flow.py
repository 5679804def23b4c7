"""No dead ends, in a real browser: a township official on a 375 px phone finds a locked period
marked 已锁定 and asks for 补报 with a reason; the county office sees the request in its queue
(with the count in the menu) and grants it until a date; the official then fills the report in.
The office then filters the review queue by township and accepts two reports at once."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tasks import services
from tasks.choices import CadenceKind, ReportStatus, UnlockRequestStatus
from tasks.models import ProgressReport, ReportingPeriod, ReportUnlock, ReportUnlockRequest
from tests.e2e.conftest import save_screenshot, sign_in
from tests.e2e.helpers import open_menu_link
from tests.factories import ProgressReportFactory
from villages import services as village_services

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("transactional_db")]

PHONE_375 = {"width": 375, "height": 812}
DESKTOP = {"width": 1366, "height": 900}
NO_HORIZONTAL_OVERFLOW = "document.documentElement.scrollWidth <= window.innerWidth + 1"
TITLE = "村务监督委员会规范化建设"


def _task(county_admin, program, department, townships, code, title, start, deadline):
    return services.task_create(
        actor=county_admin,
        program=program,
        code=code,
        title=title,
        text="各乡镇推进并报送进展。",
        start_date=start,
        deadline=deadline,
        lead=[department],
        townships=townships,
        cadence_kind=CadenceKind.ONCE,
    )


@pytest.fixture
def setting(county_admin, program, department, township_a, township_b):
    """A once-only task of 水布垭镇 and 东瀼口镇 due long enough ago to be locked, and a second
    task whose report each township has already submitted."""
    today = timezone.localdate()
    lock_days = program.report_lock_days
    locked = _task(
        county_admin,
        program,
        department,
        [township_a, township_b],
        "BD-03-02",
        TITLE,
        today - datetime.timedelta(days=lock_days + 60),
        today - datetime.timedelta(days=lock_days + 5),
    )
    other = _task(
        county_admin,
        program,
        department,
        [township_a, township_b],
        "BD-03-03",
        "村级议事协商目录编制",
        today - datetime.timedelta(days=30),
        today + datetime.timedelta(days=20),
    )
    for township in (township_a, township_b):
        ProgressReportFactory(
            period=other.periods.get(),
            department=village_services.township_government_ensure(township=township),
            status=ReportStatus.SUBMITTED,
            text="已编制议事协商目录。",
        )
    return {"locked": locked.periods.get(), "other": other.periods.get()}


def _menu(page, name):
    """Open a main-menu entry (its name may carry a count badge)."""
    open_menu_link(page, re.compile(f"^{name}"), exact=False)


def test_township_asks_for_a_late_report_county_grants_then_bulk_accepts(
    new_context, setting, township_a_official, county_admin
):
    period: ReportingPeriod = setting["locked"]
    until = timezone.localdate() + datetime.timedelta(days=5)

    # --- 水布垭镇 on a 375 px phone: 已锁定, and 申请补报 with a reason -------------------------------
    phone = new_context(viewport=PHONE_375, is_mobile=True, has_touch=True, device_scale_factor=2).new_page()
    sign_in(phone, township_a_official)
    _menu(phone, "我的任务")
    row = phone.locator("#obligations tbody tr", has_text=TITLE)
    expect(row).to_have_count(1)
    expect(row.locator(".lock-state")).to_have_text("已锁定")
    expect(row.get_by_role("link", name="填报", exact=True)).to_have_count(0)
    assert phone.evaluate(NO_HORIZONTAL_OVERFLOW), phone.evaluate("document.documentElement.scrollWidth")
    save_screenshot(phone, "phone-my-tasks-locked.png", full_page=True)
    row.get_by_role("link", name="申请补报").click()

    form = phone.locator("#unlock-request-form")
    expect(form).to_be_visible()
    assert phone.evaluate(NO_HORIZONTAL_OVERFLOW), phone.evaluate("document.documentElement.scrollWidth")
    form.get_by_label("补报原因").fill("乡镇换届交接，经办人调整，未能按期报送。")
    form.get_by_role("button", name="提交补报申请").click()
    expect(phone.locator(".messages")).to_contain_text("补报申请已提交")
    expect(phone.locator("#unlock-state")).to_contain_text("补报申请待处理")
    request = ReportUnlockRequest.objects.get()
    assert (request.period, request.status, request.requested_by) == (
        period,
        UnlockRequestStatus.PENDING,
        township_a_official,
    )

    # --- the county office: the count in the menu, the queue, 同意 until a date ---------------------
    admin = new_context(viewport=DESKTOP).new_page()
    sign_in(admin, county_admin)
    expect(admin.locator("#nav-unlock-requests .badge")).to_have_text("1")
    _menu(admin, "补报申请")
    queued = admin.locator("#unlock-request-table tbody tr", has_text=TITLE)
    expect(queued).to_have_count(1)
    expect(queued.locator('td[data-label="补报原因"]')).to_have_text("乡镇换届交接，经办人调整，未能按期报送。")
    expect(queued.locator('td[data-label="报送单位"]')).to_contain_text("水布垭镇人民政府")
    queued.get_by_label("解锁至").fill(until.isoformat())
    queued.get_by_role("button", name="同意", exact=True).click()
    expect(admin.locator(".messages")).to_contain_text(f"解锁至 {until:%Y-%m-%d}")
    expect(admin.locator("#nav-unlock-requests .badge")).to_have_count(0)
    request.refresh_from_db()
    unlock = ReportUnlock.objects.get()
    assert (request.status, request.unlock, unlock.until) == (UnlockRequestStatus.GRANTED, unlock, until)

    # --- the township is told, and fills the report in ----------------------------------------------
    phone.goto("/")
    expect(phone.locator("#inbox-link .inbox-badge")).to_have_text("1")
    _menu(phone, "我的任务")
    row = phone.locator("#obligations tbody tr", has_text=TITLE)
    expect(row.locator(".lock-state")).to_have_count(0)
    expect(row).to_contain_text(f"已解锁至 {until:%Y-%m-%d}")
    row.get_by_role("link", name="填报", exact=True).click()
    form = phone.locator("#report-form")
    form.get_by_label("进展情况").fill("补报：12个村已完成村务监督委员会换届。")
    form.get_by_label("完成进度（%）").fill("100")
    form.get_by_label("经主要领导签字").check()
    form.get_by_role("button", name="提交").click()
    expect(phone.locator(".messages")).to_contain_text("报告已提交")
    late = ProgressReport.objects.get(period=period)
    assert late.status == ReportStatus.SUBMITTED

    # --- the county office filters the review queue by township and accepts both at once ----------
    _menu(admin, "报告审核")
    expect(admin.locator("#review-table tbody tr")).to_have_count(3)
    admin.get_by_role("search").get_by_label("乡镇").select_option(label="水布垭镇")
    admin.get_by_role("search").get_by_role("button", name="筛选").click()
    rows = admin.locator("#review-table tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.locator('td[data-label="报送单位"]')).to_have_text(["水布垭镇人民政府", "水布垭镇人民政府"])
    for index in range(2):
        rows.nth(index).get_by_role("checkbox").check()
    save_screenshot(admin, "review-queue-bulk.png", full_page=True)
    admin.get_by_role("button", name="采纳所选报告").click()
    expect(admin.locator(".messages")).to_contain_text("已采纳 2 份报告。")
    expect(admin.locator("#review-table tbody tr")).to_have_text(["没有符合条件的待审核报告。"])
    township_reports = ProgressReport.objects.filter(department__township=township_a_official.township)
    assert set(township_reports.values_list("status", flat=True)) == {ReportStatus.ACCEPTED}
    assert ProgressReport.objects.filter(status=ReportStatus.SUBMITTED).count() == 1  # 东瀼口镇's
