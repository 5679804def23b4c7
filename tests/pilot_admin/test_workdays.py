"""The legal working-day calendar (pilot_admin/workdays.py): the State Council's holidays and 调休
working weekends from chinesecalendar, the county's overrides winning over them, a year the package
lacks falling back to weekends with a warning, and what the deadlines make of it: due dates moved
off days off (民法典 第二百零三条), a lock counted in working days, history kept."""

import datetime
import logging

import pytest
from django.urls import reverse

from pilot_admin import workdays
from pilot_admin.choices import AuditAction, DurationUnit
from pilot_admin.models import AuditEntry, WorkdayOverride
from pilot_admin.workdays import WorkCalendar
from tasks import services as task_services
from tasks.choices import CadenceKind

d = datetime.date


def test_national_day_2025_is_off_and_its_tiaoxiu_weekends_are_working():
    calendar = WorkCalendar()
    assert [calendar.is_workday(d(2025, 10, day)) for day in range(1, 9)] == [False] * 8
    assert calendar.is_workday(d(2025, 9, 28))  # a Sunday, 调休 working day
    assert calendar.is_workday(d(2025, 10, 11))  # a Saturday, 调休 working day
    assert calendar.is_workday(d(2025, 10, 9))
    assert not calendar.is_workday(d(2025, 10, 12))  # an ordinary Sunday
    assert calendar.day_off_name(d(2025, 10, 1)) == "国庆节"
    assert calendar.day_off_name(d(2025, 10, 12)) == "周末"
    assert calendar.day_off_name(d(2025, 10, 9)) == ""


def test_a_due_date_on_a_day_off_moves_to_the_next_working_day_only_when_the_program_says_so():
    calendar = WorkCalendar()
    assert calendar.due_date(d(2025, 10, 1), follow_workdays=True) == (d(2025, 10, 9), "国庆节顺延")
    assert calendar.due_date(d(2025, 10, 1), follow_workdays=False) == (d(2025, 10, 1), "")
    assert calendar.due_date(d(2025, 9, 30), follow_workdays=True) == (d(2025, 9, 30), "")
    assert calendar.next_workday(d(2025, 10, 11)) == d(2025, 10, 11)


def _once(county_admin, program, department, deadline, today):
    task = task_services.task_create(
        actor=county_admin,
        program=program,
        code="BD-09-01",
        title="报送国庆期间安全排查台账",
        text="各单位报送节日期间安全排查情况。",
        start_date=deadline - datetime.timedelta(days=30),
        deadline=deadline,
        lead=[department],
        cadence_kind=CadenceKind.ONCE,
    )
    task_services.task_sync_periods(task=task, today=today)
    return task


@pytest.mark.django_db
def test_a_task_due_on_national_day_is_due_on_october_9(county_admin, program, department):
    program.due_dates_follow_workdays = True
    program.save()
    task = _once(county_admin, program, department, d(2025, 10, 1), today=d(2025, 9, 1))
    period = task.periods.get()
    assert (period.end, period.due_date) == (d(2025, 10, 1), d(2025, 10, 9))

    program.due_dates_follow_workdays = False
    program.save()
    other = task_services.task_create(
        actor=county_admin, program=program, code="BD-09-02", title="同上，不顺延", text="不顺延。",
        start_date=d(2025, 9, 1), deadline=d(2025, 10, 1), lead=[department], cadence_kind=CadenceKind.ONCE,
    )  # fmt: skip
    assert other.periods.get().due_date == d(2025, 10, 1)


@pytest.mark.django_db
def test_an_override_added_later_moves_only_due_dates_still_ahead(county_admin, program, department, system_admin):
    from pilot_admin.accounts.services import workday_override_save

    program.due_dates_follow_workdays = True
    program.save()
    task = _once(county_admin, program, department, d(2025, 10, 1), today=d(2025, 9, 1))
    workday_override_save(
        actor=system_admin, override=WorkdayOverride(date=d(2025, 10, 9), is_workday=False, name="县庆放假")
    )
    # Re-synced after the period closed: its due date is what its reports were judged against.
    task_services.task_sync_periods(task=task, today=d(2025, 12, 1))
    assert task.periods.get().due_date == d(2025, 10, 9)
    # Re-synced while it is still ahead: it follows the county's calendar.
    task_services.task_sync_periods(task=task, today=d(2025, 9, 15))
    assert task.periods.get().due_date == d(2025, 10, 10)


def test_15_working_days_across_spring_festival_2026():
    calendar = WorkCalendar()
    # 2026: 02-14 (Saturday) is a 调休 working day, 02-15…02-23 off, 02-28 (Saturday) working.
    assert calendar.is_workday(d(2026, 2, 14)) and calendar.is_workday(d(2026, 2, 28))
    assert not any(calendar.is_workday(d(2026, 2, day)) for day in range(15, 24))
    assert calendar.add_workdays(d(2026, 2, 10), 15) == d(2026, 3, 9)
    assert calendar.add_workdays(d(2026, 2, 10), 4) == d(2026, 2, 14)
    assert calendar.add_workdays(d(2026, 2, 10), 5) == d(2026, 2, 24)
    assert calendar.add_days(d(2026, 2, 10), 15, working=False) == d(2026, 2, 25)


@pytest.mark.django_db
def test_a_report_lock_of_15_working_days_across_spring_festival(county_admin, program, department):
    program.report_lock_days = 15
    program.report_lock_unit = DurationUnit.WORKING
    program.save()
    task = _once(county_admin, program, department, d(2026, 2, 10), today=d(2026, 1, 1))
    period = task.periods.get()
    assert task_services.lock_date(period) == d(2026, 3, 9)
    assert not task_services.is_locked(period=period, department=department, today=d(2026, 3, 9))
    assert task_services.is_locked(period=period, department=department, today=d(2026, 3, 10))

    program.report_lock_unit = DurationUnit.CALENDAR
    program.save()
    period.task.program.refresh_from_db()
    assert task_services.lock_date(period) == d(2026, 2, 25)


def test_a_year_missing_from_the_package_falls_back_to_weekends_with_one_warning(caplog):
    assert 2031 not in workdays.package_years()
    workdays._warned_years.discard(2031)
    calendar = WorkCalendar()
    with caplog.at_level(logging.WARNING, logger="pilot_admin.workdays"):
        assert calendar.is_workday(d(2031, 1, 1))  # a Wednesday: no New Year's Day without the data
        assert not calendar.is_workday(d(2031, 1, 4))  # Saturday
        assert calendar.next_workday(d(2031, 1, 4)) == d(2031, 1, 6)
        assert calendar.add_workdays(d(2031, 1, 2), 3) == d(2031, 1, 7)
    warnings = [record for record in caplog.records if "2031" in record.getMessage()]
    assert len(warnings) == 1
    assert workdays.missing_years([2025, 2031]) == [2031]


@pytest.mark.django_db
def test_the_countys_overrides_win_over_the_package():
    WorkdayOverride.objects.create(date=d(2025, 10, 9), is_workday=False, name="县庆放假")
    WorkdayOverride.objects.create(date=d(2025, 10, 18), is_workday=True, name="补班")
    WorkdayOverride.objects.create(date=d(2031, 1, 1), is_workday=False, name="元旦")
    calendar = WorkCalendar.load()
    assert not calendar.is_workday(d(2025, 10, 9))  # a Thursday off
    assert calendar.is_workday(d(2025, 10, 18))  # a Saturday on
    assert calendar.due_date(d(2025, 10, 1), follow_workdays=True) == (d(2025, 10, 10), "国庆节顺延")
    assert calendar.due_date(d(2025, 10, 9), follow_workdays=True) == (d(2025, 10, 10), "县庆放假顺延")
    # A missing year's holidays, entered by the county.
    assert calendar.next_workday(d(2031, 1, 1)) == d(2031, 1, 2)
    assert workdays.is_workday(d(2025, 10, 18))


# --- the system administrator's page ----------------------------------------------------------


@pytest.mark.django_db
def test_the_system_administrator_enters_a_day_off_audited(login, system_admin):
    client = login(system_admin)
    url = reverse("accounts:workday_calendar")
    response = client.post(url, {"date": "2027-02-08", "name": "2027年春节", "note": "国办发明电〔2026〕X号"})
    assert response.status_code == 302
    override = WorkdayOverride.objects.get(date=d(2027, 2, 8))
    assert (override.is_workday, override.name) == (False, "2027年春节")
    entry = AuditEntry.objects.get(object_id=str(override.pk), action=AuditAction.CREATE)
    assert entry.actor == system_admin

    # The same date again changes it rather than failing on the unique date.
    response = client.post(url, {"date": "2027-02-08", "is_workday": "on", "name": "调休上班"})
    assert response.status_code == 302
    override.refresh_from_db()
    assert (override.is_workday, override.name) == (True, "调休上班")
    assert AuditEntry.objects.filter(object_id=str(override.pk), action=AuditAction.UPDATE).exists()

    page = client.get(url + "?year=2027").content.decode()
    assert "调休上班" in page

    response = client.post(reverse("accounts:workday_override_delete", args=[override.pk]))
    assert response.status_code == 302
    assert not WorkdayOverride.objects.exists()
    assert AuditEntry.objects.filter(object_id=str(override.pk), action=AuditAction.DELETE).exists()


@pytest.mark.django_db
def test_a_day_without_a_name_is_refused_in_chinese(login, system_admin):
    response = login(system_admin).post(reverse("accounts:workday_calendar"), {"date": "2027-02-08", "name": ""})
    assert response.status_code == 200
    assert "该字段是必填项。" in response.content.decode()
    assert not WorkdayOverride.objects.exists()


@pytest.mark.django_db
def test_only_the_system_administrator_maintains_the_calendar(login, county_admin, security_admin):
    WorkdayOverride.objects.create(date=d(2027, 2, 8), is_workday=False, name="春节")
    for user in (county_admin, security_admin):
        client = login(user)
        assert client.get(reverse("accounts:workday_calendar")).status_code == 403
        assert client.post(reverse("accounts:workday_calendar"), {"date": "2027-02-09", "name": "x"}).status_code == 403
    assert WorkdayOverride.objects.count() == 1


@pytest.mark.django_db
def test_the_pages_name_the_years_the_package_is_missing(login, system_admin):
    from django.utils import timezone

    today = timezone.localdate()
    missing = workdays.missing_years([today.year, today.year + 1])
    client = login(system_admin)
    calendar_page = client.get(reverse("accounts:workday_calendar")).content.decode()
    home = client.get("/").content.decode()
    for page in (calendar_page, home):
        assert ('id="calendar-warning"' in page) == bool(missing)
        for year in missing:
            assert f"{year}年" in page
    page_2031 = client.get(reverse("accounts:workday_calendar") + "?year=2031").content.decode()
    assert "2031年不在程序包内" in page_2031


@pytest.mark.django_db
def test_a_rectification_deadline_in_working_days_or_moved_off_national_day(program):
    from assessments.services import rectification_deadline

    program.rectification_days = 10
    program.rectification_unit = DurationUnit.WORKING
    # 09-28 (Sunday) and 10-11 (Saturday) count; 10-01…10-08 do not.
    assert rectification_deadline(program=program, start=d(2025, 9, 26)) == d(2025, 10, 16)
    program.rectification_unit = DurationUnit.CALENDAR
    program.rectification_days = 5
    program.due_dates_follow_workdays = True
    assert rectification_deadline(program=program, start=d(2025, 9, 26)) == d(2025, 10, 9)
    program.due_dates_follow_workdays = False
    assert rectification_deadline(program=program, start=d(2025, 9, 26)) == d(2025, 10, 1)
