"""The tasks workflow in a real browser: the daily reminder puts a badge on a township
official's header; on a phone they open 我的任务, the task and its report form and submit; the
county office returns the report with a reason; the official sees 退回 and the reason and
resubmits; the office accepts; the ledger shows 已采纳. Each step checks the page and the
database."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tasks import services
from tasks.choices import CadenceKind, ReportStatus
from tasks.models import ProgressReport
from tasks.reminders import reminders_notify, reminders_scan
from tests.e2e.conftest import PHONE, save_screenshot, sign_in
from tests.e2e.helpers import open_menu_link

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("transactional_db")]

TITLE = "建立农村社区服务站工作台账"


@pytest.fixture
def task(county_admin, program, department, township_a, township_b):
    """Due in exactly the program's reminder lead time, so today's scan warns its units once."""
    today = timezone.localdate()
    return services.task_create(
        actor=county_admin,
        program=program,
        code="BD-04-05",
        title=TITLE,
        text="各乡镇建立农村社区综合服务站工作台账，报县领导小组办公室。",
        start_date=today - datetime.timedelta(days=30),
        deadline=today + datetime.timedelta(days=program.remind_days_before),
        lead=[department],
        townships=[township_a],
        cadence_kind=CadenceKind.ONCE,
    )


def _menu(page, name):
    """Open a main-menu entry, through the ☰ switch where the screen is narrow."""
    open_menu_link(page, name)


def test_township_reports_county_returns_then_accepts_and_the_ledger_shows_it(
    new_context, task, township_a_official, township_b_official, county_admin
):
    period = task.periods.get()
    today = timezone.localdate()
    # Both units owe the report; only 水布垭镇 has a user to tell (县民政局 has no account here).
    assert reminders_scan(today=today) == 2
    assert reminders_notify(now=timezone.now()).notifications == 1

    # --- 水布垭镇, on a phone: the badge, 我的任务, the task, the form -----------------------------
    page = new_context(viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2).new_page()
    sign_in(page, township_a_official)
    expect(page.locator("#inbox-link .inbox-badge")).to_have_text("1")

    _menu(page, "我的任务")
    expect(page).to_have_title("我的任务 · 试点工作管理系统")
    row = page.locator("#obligations tbody tr", has_text=TITLE)
    expect(row).to_have_count(1)
    expect(row.locator('td[data-label="期限"]')).to_have_text(f"还剩 {task.program.remind_days_before} 天")
    expect(row.locator('td[data-label="本单位报告"]')).to_have_text("未报送")
    row.get_by_role("link", name=f"{task.code} {TITLE}").click()

    expect(page.locator("h1")).to_have_text(f"{task.code} {TITLE}")
    expect(page.locator("#task-units")).to_contain_text("县民政局")
    own_cell = page.locator("#period-table tbody tr").first.locator('td[data-unit="水布垭镇人民政府"]')
    own_cell.get_by_role("link", name="填报").click()

    form = page.locator("#report-form")
    expect(form).to_be_visible()
    form.get_by_label("进展情况").fill("已召开动员会，12个村建立了服务站台账。")
    form.get_by_label("完成进度（%）").fill("60")
    form.get_by_label("经主要领导签字").check()
    save_screenshot(page, "phone-report-form.png", full_page=True)
    form.get_by_role("button", name="提交").click()

    expect(page.locator(".messages")).to_contain_text("报告已提交，等待县领导小组办公室审核。")
    expect(page.locator("#report-status")).to_have_text("已提交")
    report = ProgressReport.objects.get(period=period)
    assert (report.status, report.percent_complete, report.signed_by_principal) == (ReportStatus.SUBMITTED, 60, True)
    assert report.department.township == township_a_official.township
    assert report.submitted_by == township_a_official

    # Township B neither sees the task nor reaches the report.
    other = new_context().new_page()
    sign_in(other, township_b_official)
    assert other.goto(report.get_absolute_url()).status == 404
    assert other.goto(task.get_absolute_url()).status == 404

    # --- the county office returns it with a reason ------------------------------------------------
    admin = new_context().new_page()
    sign_in(admin, county_admin)
    _menu(admin, "报告审核")
    queued = admin.locator("#review-table tbody tr", has_text=TITLE)
    expect(queued).to_have_count(1)
    expect(queued.locator('td[data-label="报送单位"]')).to_have_text("水布垭镇人民政府")
    queued.get_by_label("退回原因").fill("请附各村台账照片。")
    queued.get_by_role("button", name="退回").click()
    expect(admin.locator(".messages")).to_contain_text(f"已退回：水布垭镇人民政府 · {period.label}。")
    expect(admin.locator("#review-table tbody tr", has_text=TITLE)).to_have_count(0)
    report.refresh_from_db()
    assert (report.status, report.return_reason, report.reviewed_by) == (
        ReportStatus.RETURNED,
        "请附各村台账照片。",
        county_admin,
    )

    # --- the official sees 退回 and the reason, corrects and resubmits ------------------------------
    _menu(page, "我的任务")
    row = page.locator("#obligations tbody tr", has_text=TITLE)
    expect(row.locator('td[data-label="本单位报告"]')).to_contain_text("退回")
    expect(row.locator(".return-reason")).to_have_text("退回原因：请附各村台账照片。")
    row.get_by_role("link", name="修改后重新提交").click()
    expect(page.locator("#return-reason")).to_have_text("退回原因：请附各村台账照片。")
    form = page.locator("#report-form")
    expect(form.get_by_label("进展情况")).to_have_value("已召开动员会，12个村建立了服务站台账。")
    form.get_by_label("进展情况").fill("已召开动员会，12个村建立了服务站台账，照片见附件。")
    form.get_by_label("完成进度（%）").fill("70")
    form.get_by_role("button", name="提交").click()
    expect(page.locator("#report-status")).to_have_text("已提交")
    report.refresh_from_db()
    assert (report.status, report.percent_complete) == (ReportStatus.SUBMITTED, 70)

    # --- the office accepts; the ledger shows it ---------------------------------------------------
    admin.reload()
    queued = admin.locator("#review-table tbody tr", has_text=TITLE)
    queued.get_by_role("link", name=f"{task.code} {TITLE}").click()
    expect(admin.locator("#report-status")).to_have_text("已提交")
    admin.locator("#review").get_by_role("button", name="采纳").click()
    expect(admin.locator("#report-status")).to_have_text("已采纳")
    report.refresh_from_db()
    assert report.status == ReportStatus.ACCEPTED and report.reviewed_by == county_admin

    _menu(admin, "任务台账")
    ledger_row = admin.locator(f'#ledger-table tbody tr[data-task="{task.code}"][data-unit="水布垭镇人民政府"]')
    expect(ledger_row.locator('td[data-label="状态"]')).to_contain_text("已采纳")
    expect(ledger_row.locator('td[data-label="进度"]')).to_have_text("70%")
    expect(ledger_row.locator('td[data-label="逾期天数"]')).to_have_text("—")
    save_screenshot(admin, "tasks-ledger.png", full_page=True)

    # The accepted report is closed to the township: its form says so.
    page.goto(f"/tasks/periods/{period.pk}/report/")
    expect(page.locator("#refusal")).to_have_text("报告已采纳，不能修改。")
    expect(page.locator("#report-form")).to_have_count(0)
