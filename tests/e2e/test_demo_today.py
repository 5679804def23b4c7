"""The demo lives in the present: a township official opens the demo on a 375 px phone and sees,
on the home page, what is due this week (the current program's tasks), and nothing overdue by
years."""

import datetime
import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from demo.county import DEMO_PASSWORD
from demo.current import plan_years
from pilot_admin.models import User
from tasks.models import Task
from tests.e2e.conftest import save_screenshot, sign_in
from villages.models import PilotProgram

PHONE_375 = {"width": 375, "height": 812}


@pytest.mark.django_db(transaction=True)
def test_a_township_on_a_phone_sees_this_weeks_work_on_its_home_page(new_context):
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

    page = new_context(viewport=PHONE_375, is_mobile=True).new_page()
    sign_in(page, User.objects.get(username="township_shuibuya"), password=DEMO_PASSWORD)
    save_screenshot(page, "demo-today-township-375.png", full_page=True)

    text = page.locator("main").inner_text()
    for title in due_this_week:
        assert title in text
    overdue_days = [int(days) for days in re.findall(r"逾期 (\d+) 天", text)]
    assert overdue_days and max(overdue_days) <= program.report_lock_days  # days late, never 3293
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_375["width"]
