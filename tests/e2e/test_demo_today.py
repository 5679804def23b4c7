"""A working day on the demo as `load_demo` builds it today, one person after another: the
township official on a 375 px phone sees what is due this week, submits a report and asks to
report a locked period late (申请补报); the county office grants it, filters the review queue and
accepts reports in bulk; the township is told and reports; the inspector scores what waits."""

import datetime
import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count
from django.utils import timezone
from playwright.sync_api import expect

from assessments.choices import InspectionStatus
from assessments.models import Inspection
from demo.county import DEMO_PASSWORD
from demo.current import LATE_TASK, LATE_TOWNSHIP, TO_SCORE, plan_years
from pilot_admin.models import Notification, User
from tasks.choices import ReportStatus, UnlockRequestStatus
from tasks.models import ProgressReport, ReportUnlockRequest, Task
from tests.e2e.conftest import save_screenshot, sign_in
from tests.e2e.helpers import open_menu_link
from villages.models import PilotProgram

PHONE_375 = {"width": 375, "height": 812}
DESKTOP = {"width": 1366, "height": 900}
NO_HORIZONTAL_OVERFLOW = "document.documentElement.scrollWidth <= window.innerWidth + 1"


def _menu(page, name):
    open_menu_link(page, re.compile(f"^{name}"), exact=False)


@pytest.mark.django_db(transaction=True)
def test_a_working_day_on_todays_demo(new_context):
    call_command("load_demo", "--allow-production", stdout=StringIO())
    today = timezone.localdate()
    sunday = today + datetime.timedelta(days=6 - today.weekday())
    start, _, _ = plan_years(today)
    program = PilotProgram.objects.get(code=f"badong-fyp-{start}")
    due_this_week = list(
        Task.objects.filter(
            program=program, periods__due_date__range=(today, sunday), periods__start__lte=today
        ).values_list("title", flat=True)
    )
    assert due_this_week
    township = User.objects.get(username="township_shuibuya")

    # --- 水布垭镇 on a phone: this week's work on the home page, nothing overdue for years ---------
    phone = new_context(viewport=PHONE_375, is_mobile=True, has_touch=True).new_page()
    sign_in(phone, township, password=DEMO_PASSWORD)
    save_screenshot(phone, "demo-today-township-375.png", full_page=True)
    text = phone.locator("main").inner_text()
    for title in due_this_week:
        assert title in text
    overdue_days = [int(days) for days in re.findall(r"逾期 (\d+) 天", text)]
    # Days late, never 3293: the one locked report has been late for a month and some days.
    assert overdue_days and max(overdue_days) <= program.report_lock_days + 31
    assert phone.evaluate(NO_HORIZONTAL_OVERFLOW)

    # It submits one of this week's reports from 我的任务.
    _menu(phone, "我的任务")
    assert phone.evaluate(NO_HORIZONTAL_OVERFLOW)
    this_week = phone.locator("#obligations tbody tr", has_text=due_this_week[0])
    this_week.first.get_by_role("link", name=re.compile("^填报$|^继续填报$")).click()
    form = phone.locator("#report-form")
    form.get_by_label("进展情况").fill("已完成本乡镇试点村的摸底和方案编制，正在组织实施。")
    form.get_by_label("完成进度（%）").fill("60")
    form.get_by_role("button", name="提交").click()
    expect(phone.locator(".messages")).to_contain_text("报告已提交")

    # The month it missed is locked: 已锁定, and 申请补报 instead of a 填报 that cannot work.
    _menu(phone, "我的任务")
    locked = phone.locator("#obligations tbody tr.locked")
    expect(locked).to_have_count(1)
    assert locked.get_attribute("data-task").endswith(f"-{LATE_TASK}")
    expect(locked.locator(".lock-state")).to_have_text("已锁定")
    expect(locked.get_by_role("link", name="填报", exact=True)).to_have_count(0)
    save_screenshot(phone, "demo-today-township-my-tasks-375.png", full_page=True)
    locked.get_by_role("link", name="申请补报").click()
    request_form = phone.locator("#unlock-request-form")
    request_form.get_by_label("补报原因").fill("经办人外出参加培训，未能按期报送，现已补齐材料。")
    request_form.get_by_role("button", name="提交补报申请").click()
    expect(phone.locator(".messages")).to_contain_text("补报申请已提交")
    request = ReportUnlockRequest.objects.get(status=UnlockRequestStatus.PENDING)
    assert request.department.township.name == LATE_TOWNSHIP

    # --- the county office: grants the request, filters the review queue, accepts in bulk ------------
    admin = new_context(viewport=DESKTOP).new_page()
    sign_in(admin, User.objects.get(username="county_admin"), password=DEMO_PASSWORD)
    _menu(admin, "补报申请")
    until = today + datetime.timedelta(days=5)
    queued = admin.locator("#unlock-request-table tbody tr", has_text="水布垭镇人民政府")
    expect(queued).to_have_count(1)
    queued.get_by_label("解锁至").fill(until.isoformat())
    queued.get_by_role("button", name="同意", exact=True).click()
    expect(admin.locator(".messages")).to_contain_text(f"解锁至 {until:%Y-%m-%d}")

    _menu(admin, "报告审核")
    # The report 水布垭镇 submitted minutes ago is on the first page, not the last.
    just_sent = admin.locator("#review-table tbody tr", has_text=due_this_week[0]).filter(has_text="水布垭镇人民政府")
    expect(just_sent).to_have_count(1)
    submitted = ProgressReport.objects.filter(
        status=ReportStatus.SUBMITTED, task__program__county=program.county, department__township__isnull=False
    )
    # Reviewed a township at a time: the one with the most reports waiting.
    busiest = (
        submitted.values("department__township__name")
        .annotate(n=Count("id"))
        .order_by("-n", "department__township__name")
        .first()
    )["department__township__name"]
    admin.get_by_role("search").locator("#id_township").select_option(label=busiest)
    admin.get_by_role("search").get_by_role("button", name="筛选").click()
    rows = admin.locator("#review-table tbody tr")
    waiting = submitted.filter(department__township__name=busiest)
    assert waiting.count() >= 2
    expect(rows).to_have_count(min(waiting.count(), 50))
    for index in range(2):
        rows.nth(index).get_by_role("checkbox").check()
    save_screenshot(admin, "demo-today-review-queue-1366.png", full_page=True)
    before = waiting.count()
    admin.get_by_role("button", name="采纳所选报告").click()
    expect(admin.locator(".messages")).to_contain_text("已采纳 2 份报告。")
    assert waiting.count() == before - 2

    # --- the township is told, and reports the locked month -------------------------------------
    assert Notification.objects.filter(user=township, read_at__isnull=True, title__contains="补报").exists()
    _menu(phone, "我的任务")
    reopened = phone.locator(f'#obligations tbody tr[data-period="{request.period_id}"]')
    expect(reopened).to_contain_text(f"已解锁至 {until:%Y-%m-%d}")
    reopened.get_by_role("link", name="填报", exact=True).click()
    form = phone.locator("#report-form")
    form.get_by_label("进展情况").fill("补报：本月完成2个试点村综合服务站改造。")
    form.get_by_label("完成进度（%）").fill("80")
    form.get_by_role("button", name="提交").click()
    expect(phone.locator(".messages")).to_contain_text("报告已提交")
    assert ProgressReport.objects.get(period=request.period, department=request.department).status == (
        ReportStatus.SUBMITTED
    )

    # --- the inspector: the home page lists what waits; it scores one -----------------------------
    inspector = new_context(viewport=PHONE_375, is_mobile=True, has_touch=True).new_page()
    sign_in(inspector, User.objects.get(username="inspector"), password=DEMO_PASSWORD)
    waiting_sheets = inspector.locator("#sheets-to-score tbody tr", has_text=str(today.year))
    assert waiting_sheets.count() >= TO_SCORE
    save_screenshot(inspector, "demo-today-inspector-375.png", full_page=True)
    sheet = Inspection.objects.get(pk=waiting_sheets.first.get_attribute("data-inspection"))
    waiting_sheets.first.get_by_role("link", name=re.compile("评分")).click()
    form = inspector.locator("#score-form")
    for item in sheet.template.items.all():
        form.locator(f'tr[data-item="{item.code}"]').get_by_label(f"{item.code} 得分").fill(str(item.max_points))
    form.get_by_role("button", name="提交").click()
    inspector.locator("#confirm-form").get_by_role("button", name="确认提交").click()
    expect(inspector.locator(".messages")).to_contain_text("已提交")
    assert Inspection.objects.get(pk=sheet.pk).status == InspectionStatus.SUBMITTED
