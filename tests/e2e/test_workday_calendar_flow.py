"""The system administrator keeps the working-day calendar in a real browser: the home page warns
of the years chinesecalendar lacks, the menu's 工作日历 lists the State Council's days off, and a
local day off entered there shows in the year's table."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from pilot_admin import workdays
from pilot_admin.models import WorkdayOverride
from tests.e2e.conftest import save_screenshot, sign_in
from tests.e2e.helpers import open_menu_link

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("transactional_db")]


def test_the_system_administrator_enters_a_local_day_off(new_context, system_admin):
    today = timezone.localdate()
    missing = workdays.missing_years([today.year, today.year + 1])
    page = new_context(viewport={"width": 1366, "height": 900}).new_page()
    sign_in(page, system_admin)
    if missing:
        expect(page.locator("#calendar-warning")).to_contain_text(f"{missing[0]}年")

    open_menu_link(page, "工作日历")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"工作日历 {today.year}年")
    page.get_by_role("link", name="2025年").click()
    expect(page.locator("#holiday-table")).to_contain_text("2025-10-08")
    expect(page.locator("#holiday-table")).to_contain_text("国庆节")

    page.get_by_label("日期").fill("2025-10-09")
    page.get_by_label("名称").fill("县庆放假")
    page.get_by_role("button", name="保存").click()
    expect(page.locator("#override-table")).to_contain_text("县庆放假")
    expect(page.locator("#holiday-table")).to_contain_text("2025-10-09")
    save_screenshot(page, "workday-calendar.png", full_page=True)
    override = WorkdayOverride.objects.get()
    assert (override.date, override.is_workday) == (datetime.date(2025, 10, 9), False)
