"""Report reminders on the legal working-day calendar: nothing but escalations on a day off, the
working day before the days off warns of what falls due during or right after them, and the text
says a due date was moved (国庆节顺延)."""

import datetime

import pytest
from django.utils import timezone

from pilot_admin.choices import ReminderKind
from pilot_admin.models import Notification
from pilot_admin.reminders.services import send_due_reminders
from tasks import services
from tasks.choices import CadenceKind
from tasks.models import Reminder
from tasks.reminders import reminders_notify, reminders_scan

d = datetime.date


@pytest.fixture
def tasks(county_admin, program, department, department_user):
    program.due_dates_follow_workdays = True
    program.remind_days_before = 5
    program.escalate_leader_after_days = 2
    program.escalate_county_after_days = 6
    program.end_year = 2026
    program.save()

    def once(code, deadline):
        return services.task_create(
            actor=county_admin, program=program, code=code, title=f"任务{code}", text="报送。",
            start_date=d(2025, 9, 1), deadline=deadline, lead=[department], cadence_kind=CadenceKind.ONCE,
        )  # fmt: skip

    # Due the last working day before National Day, and on National Day itself (moved to 10-09).
    return once("BD-10-01", d(2025, 9, 30)), once("BD-10-02", d(2025, 10, 1))


def _kinds(task):
    return set(Reminder.objects.filter(period__task=task).values_list("kind", flat=True))


@pytest.mark.django_db
def test_a_holiday_scan_records_the_escalations_only(tasks):
    before, _ = tasks
    reminders_scan(today=d(2025, 10, 1))
    assert _kinds(before) == set()  # overdue since today, but not urgent: it waits
    reminders_scan(today=d(2025, 10, 2))
    assert _kinds(before) == {ReminderKind.ESCALATE_LEADER}  # urgent: sent on a holiday too
    reminders_scan(today=d(2025, 10, 6))
    assert _kinds(before) == {ReminderKind.ESCALATE_LEADER, ReminderKind.ESCALATE_COUNTY}
    reminders_scan(today=d(2025, 10, 9))  # the first working day: the overdue notice catches up
    assert _kinds(before) == {ReminderKind.ESCALATE_LEADER, ReminderKind.ESCALATE_COUNTY, ReminderKind.OVERDUE}
    assert reminders_scan(today=d(2025, 10, 9)) == 0


@pytest.mark.django_db
def test_the_working_day_before_the_holiday_warns_of_a_moved_due_date(tasks, department_user):
    _, moved = tasks
    assert moved.periods.get().due_date == d(2025, 10, 9)
    reminders_scan(today=d(2025, 9, 29))
    assert _kinds(moved) == set()
    # 10-04 (five days before) and 10-08 (the day before) are days off: 09-30 warns of both.
    reminders_scan(today=d(2025, 9, 30))
    assert _kinds(moved) == {ReminderKind.DUE_SOON, ReminderKind.DUE_TOMORROW}
    for day in (d(2025, 10, 4), d(2025, 10, 8), d(2025, 10, 9)):
        reminders_scan(today=day)
    assert Reminder.objects.filter(period__task=moved).count() == 2

    reminders_notify(now=timezone.now())
    bodies = set(Notification.objects.filter(user=department_user).values_list("body", flat=True))
    assert any("将于 2025-10-09（国庆节顺延） 截止" in body for body in bodies), bodies
    assert any("应于 2025-10-09（国庆节顺延） 前报送" in body for body in bodies), bodies


@pytest.mark.django_db
def test_the_daily_run_on_a_holiday_sends_only_escalations(tasks, department_user):
    before, moved = tasks
    run = send_due_reminders(today=d(2025, 10, 3))
    assert {kind for source in run.sources for kind in source.created_by_kind} == {ReminderKind.ESCALATE_LEADER}
    assert _kinds(moved) == set()
    assert Reminder.objects.filter(period__task=before, kind=ReminderKind.OVERDUE).count() == 0
