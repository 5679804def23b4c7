"""The demo lives in the present: a current program whose years include today, with work due
this week and next, a few reports overdue by days (not years), returned reports, inspections
to score, pilots in every state, a half-done month of visits, indicators entered by the
townships, a sane first reminder run, and the finished 十三五 as quiet history."""

import datetime
import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Q
from django.utils import timezone

from assessments.choices import InspectionStatus, RectificationStatus
from assessments.models import Inspection, Rectification, RectificationReminder
from demo.county import TOWNSHIPS
from demo.current import LATE_TASK, LATE_TOWNSHIP, MONTH, TO_SCORE, plan_years
from guardianship import selectors as guardianship_selectors
from guardianship.models import Person, Visit, VisitReminder
from pilot_admin.choices import ReminderKind, Role
from pilot_admin.models import AuditEntry, Notification, User
from pilot_admin.workdays import WorkCalendar
from supervision.models_reminders import SupervisionReminder
from tasks.choices import ReportStatus, TaskStatus
from tasks.models import ProgressReport, Reminder, ReportingPeriod, Task
from tasks.selectors import MET_STATUSES
from tests.demo.helpers import demo_loaded_twice
from villages.choices import NominationState, PilotStatus
from villages.models import PilotAssignment, PilotNomination, PilotProgram, VillageIndicator

pytestmark = pytest.mark.django_db

MODELS = (
    PilotProgram,
    PilotAssignment,
    PilotNomination,
    Task,
    ReportingPeriod,
    ProgressReport,
    Inspection,
    VillageIndicator,
    Person,
    Visit,
    User,
    AuditEntry,
)
demo = demo_loaded_twice(MODELS)


def _today() -> datetime.date:
    return timezone.localdate()


def _current() -> PilotProgram:
    start, _, _ = plan_years(_today())
    return PilotProgram.objects.get(code=f"badong-fyp-{start}")


def _week(offset_weeks: int) -> tuple[datetime.date, datetime.date]:
    """From today (or the week's Monday) to the week's end, which a due date on the weekend or
    in a holiday week moves to the next working day (the program's working-day rule)."""
    monday = _today() - datetime.timedelta(days=_today().weekday()) + datetime.timedelta(weeks=offset_weeks)
    return max(monday, _today()), WorkCalendar.load().next_workday(monday + datetime.timedelta(days=6))


def _unmet():
    """Reports owed (no submitted or accepted report) per period × unit of open tasks. Three
    queries: inside the test's transaction PostgreSQL has no statistics for the rows the demo
    just wrote, and one query per assignment took a second each."""
    from tasks.models import TaskAssignment

    met = set(
        ProgressReport.objects.filter(status__in=MET_STATUSES).order_by().values_list("department_id", "period_id")
    )
    periods: dict[int, list[ReportingPeriod]] = {}
    for period in ReportingPeriod.objects.filter(task__status=TaskStatus.OPEN).order_by("due_date", "pk"):
        periods.setdefault(period.task_id, []).append(period)
    assignments = TaskAssignment.objects.filter(task__status=TaskStatus.OPEN).select_related(
        "task__program__county", "department__township"
    )
    rows = []
    for assignment in assignments.order_by("pk"):
        for period in periods.get(assignment.task_id, []):
            if (assignment.department_id, period.pk) not in met:
                period.task = assignment.task
                rows.append((assignment, period))
    return rows


def test_a_second_run_creates_nothing(demo):
    assert demo["second"] == demo["first"]
    out = StringIO()
    call_command("load_demo", "--allow-production", stdout=out)
    assert "本次未新增任何记录" in out.getvalue()


def test_the_current_program_spans_today_and_is_the_five_year_plan_of_today(demo):
    program = _current()
    assert program.start_year <= _today().year <= program.end_year
    assert program.end_year - program.start_year == 4
    assert PilotProgram.objects.order_by("-end_year").first() == program  # the pages open on it
    if 2026 <= _today().year <= 2030:
        assert program.name == "巴东县“十五五”农村社区建设试点"


def test_reports_fall_due_this_week_and_next_for_every_township(demo):
    program = _current()
    for offset in (0, 1):
        first, last = _week(offset)
        due = ReportingPeriod.objects.filter(task__program=program, due_date__range=(first, last))
        assert due.exists(), offset
        # All townships report on them (their governments are assigned).
        units = set(due.values_list("task__assignments__department__township__name", flat=True))
        assert {name for name, *_ in TOWNSHIPS} <= units


def test_a_township_sees_this_weeks_work_on_its_home_page_and_nothing_overdue_for_years(demo, client):
    client.force_login(User.objects.get(username="township_shuibuya"))
    page = client.get("/").content.decode()

    first, last = _week(0)
    this_week = Task.objects.filter(
        program=_current(), periods__due_date__range=(first, last), periods__start__lte=_today()
    )
    assert this_week.exists()
    for task in this_week:
        assert task.title in page
    days = [int(n) for n in re.findall(r"逾期 (\d+) 天", page)]
    assert days, "a few reports are overdue by days"
    # Days late, never years: the one locked report (for 申请补报) has been late for a month and some.
    assert max(days) <= _current().report_lock_days + MONTH.days


def test_the_finished_program_is_history_its_tasks_closed_out(demo):
    old = PilotProgram.objects.get(code="badong-13th-fyp")
    assert old.end_year < _today().year
    assert not Task.objects.filter(program=old, status=TaskStatus.OPEN).exists()
    # Its rectifications were put right before it closed; the open ones are this year's.
    open_rows = Rectification.objects.exclude(status=RectificationStatus.VERIFIED)
    assert not open_rows.filter(inspection__pilot__program=old).exists()
    assert {RectificationStatus.OPEN, RectificationStatus.SUBMITTED} <= set(
        open_rows.filter(inspection__pilot__program=_current()).values_list("status", flat=True)
    )
    # No unit owes a report that has been overdue for longer than a report stays open, but for
    # the one late report the demo leaves for 申请补报 (a township's monthly report, locked).
    lock = datetime.timedelta(days=_current().report_lock_days)
    badong = [(a, p) for a, p in _unmet() if a.task.program.county.name == "巴东县"]
    assert badong
    locked = [(a, p) for a, p in badong if p.due_date < _today() and p.due_date + lock < _today()]
    assert [(a.department.township.name, a.task.code[-2:]) for a, _ in locked] == [(LATE_TOWNSHIP, LATE_TASK)]
    assert all(p.task.program == _current() for _, p in locked)


def test_some_reports_are_overdue_by_days_and_returned_ones_wait_for_correction(demo):
    program = _current()
    overdue = [(a, p) for a, p in _unmet() if a.task.program == program and p.due_date < _today()]
    assert len(overdue) >= 5
    still_open = [p for _, p in overdue if (_today() - p.due_date).days <= program.report_lock_days]
    assert len(still_open) >= len(overdue) - 1  # all but the one locked late report
    assert max((_today() - p.due_date).days for _, p in overdue) <= program.report_lock_days + MONTH.days

    returned = ProgressReport.objects.filter(task__program=program, status=ReportStatus.RETURNED)
    assert returned.count() >= 3
    # Still open for the correction (not locked), and returned by the county office with a reason.
    for report in returned.select_related("period"):
        assert report.period.due_date + datetime.timedelta(days=program.report_lock_days) >= _today()
        assert report.return_reason and report.reviewed_at.date() < _today()
    waiting = ProgressReport.objects.filter(task__program=program, status=ReportStatus.SUBMITTED)
    assert waiting.count() >= 3
    assert all(r.submitted_at.date() < _today() for r in waiting)


def test_township_governments_report_through_their_own_accounts(demo):
    program = _current()
    townships = User.objects.filter(role=Role.TOWNSHIP, is_unit_leader=False)
    assert set(townships.values_list("township__name", flat=True)) == {name for name, *_ in TOWNSHIPS}
    sent = ProgressReport.objects.filter(task__program=program, department__township__isnull=False)
    sent = sent.exclude(status=ReportStatus.DRAFT)
    assert sent.exists()
    assert not sent.filter(submitted_by__isnull=True).exists()
    assert set(sent.values_list("submitted_by__role", flat=True)) == {Role.TOWNSHIP}


def test_inspections_wait_to_be_scored_and_one_for_confirmation(demo):
    program = _current()
    year = _today().year
    drafts = Inspection.objects.filter(pilot__program=program, year=year, status=InspectionStatus.DRAFT)
    assert drafts.count() == TO_SCORE
    assert not drafts.filter(scores__isnull=False).exists()
    assert all(i.inspectors.filter(username="inspector").exists() for i in drafts)
    assert Inspection.objects.filter(pilot__program=program, status=InspectionStatus.SUBMITTED).count() == 1


def test_the_current_year_has_pilots_in_every_state_and_a_pending_nomination(demo):
    program = _current()
    statuses = set(PilotAssignment.objects.filter(program=program, year=_today().year).values_list("status", flat=True))
    assert statuses == set(PilotStatus.values)
    accepted = PilotAssignment.objects.get(program=program, status=PilotStatus.ACCEPTED)
    assert accepted.accepted_on < _today()
    nominations = PilotNomination.objects.filter(program=program, year=_today().year)
    assert nominations.filter(state=NominationState.PENDING).exists()
    assert nominations.filter(state=NominationState.RETURNED).exists()


def test_the_story_carries_its_own_dates_not_the_day_it_was_loaded(demo):
    # The 2019 inspections were submitted and confirmed in 2019 (the re-inspection in 2020).
    old = Inspection.objects.filter(year=2019, original__isnull=True, submitted_at__isnull=False)
    assert old.exists()
    assert set(old.values_list("submitted_at__year", flat=True)) == {2019}
    assert set(old.filter(confirmed_at__isnull=False).values_list("confirmed_at__year", flat=True)) == {2019}
    finished = PilotProgram.objects.get(code="badong-13th-fyp")
    stamps = Inspection.objects.filter(pilot__program=finished).values_list("submitted_at__year", "confirmed_at__year")
    assert {year for pair in stamps for year in pair if year} <= set(finished.years)
    # This year's pilots were approved before today, withdrawn ones withdrawn before today.
    program = _current()
    for pilot in PilotAssignment.objects.filter(program=program, approved_at__isnull=False):
        assert timezone.localtime(pilot.approved_at).date() < _today()


def test_this_months_visits_are_half_done(demo):
    month = _today().replace(day=1)
    due = guardianship_selectors.with_month_visits(
        Person.objects.filter(guardianship_selectors.due_visits_q(month)), month
    )
    visited = due.filter(visited_in_month=True).count()
    assert 0.35 <= visited / due.count() <= 0.65
    assert not Visit.objects.filter(visited_on__gt=_today()).exists()


def test_village_indicators_are_entered_by_the_townships(demo):
    assert not VillageIndicator.objects.filter(reported_by__role=Role.COUNTY_ADMIN).exists()
    this_year = VillageIndicator.objects.filter(year=_today().year)
    assert this_year.count() >= 15
    assert set(this_year.values_list("reported_by__role", flat=True)) == {Role.TOWNSHIP}
    assert all(i.reported_by.township_id == i.village.township_id for i in this_year.select_related("reported_by"))
    assert {"submitted", "confirmed", "returned"} <= set(this_year.values_list("status", flat=True))


def test_the_first_reminder_run_on_the_fresh_demo_is_a_days_work(demo):
    today = _today()
    out = StringIO()
    call_command("send_reminders", "--date", today.isoformat(), stdout=out)
    output = out.getvalue()

    # No finished program's obligation produces a reminder.
    ended = Q(period__task__program__end_year__lt=today.year)
    assert not Reminder.objects.filter(ended).exists()
    assert not RectificationReminder.objects.filter(
        rectification__inspection__pilot__program__end_year__lt=today.year
    ).exists()
    # At most one reminder per kind for each report owed now, one per person for visits.
    owed = [(a, p) for a, p in _unmet() if a.task.program.end_year >= today.year and p.start <= today]
    assert 0 < Reminder.objects.count() <= len(owed) * len(ReminderKind.values)
    assert VisitReminder.objects.count() <= Person.objects.count()
    # The county office hears of reports overdue past its escalation day, and of each township's
    # unvisited persons: dozens, not thousands.
    escalated = sum(1 for a, p in owed if (today - p.due_date).days >= a.task.program.escalate_county_after_days)
    admin = Notification.objects.filter(user__username="county_admin").count()
    assert admin <= escalated + len(TOWNSHIPS)

    # The output counts what was made, per source and kind.
    for model, label in ((Reminder, "部门任务"), (VisitReminder, "特困人员监护照护")):
        for kind in ReminderKind:
            count = model.objects.filter(kind=kind).count()
            line = next((line for line in output.splitlines() if line.strip().startswith(f"{label}：")), "")
            assert (f"{kind.label} {count} 条" in line) == (count > 0), (label, kind)
    total = sum(
        model.objects.count() for model in (Reminder, VisitReminder, RectificationReminder, SupervisionReminder)
    )
    assert f"新增提醒 {total} 条" in output


def test_the_historys_messages_are_filed_and_todays_wait_unread(demo):
    # Replaying 2016–2020 through the services tells people of every past decision; those
    # messages were read long ago. What the current program's work told them waits unread.
    unread = Notification.objects.filter(read_at__isnull=True)
    assert Notification.objects.filter(read_at__isnull=False, emailed_at__isnull=False).count() > 500
    township = unread.filter(user__username="township_shuibuya")
    assert 0 < township.count() <= 40
    assert unread.filter(user__username="dept_civil_affairs").count() <= 40
