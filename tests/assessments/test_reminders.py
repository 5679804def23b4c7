"""Rectification deadline reminders: each kind on its day with its recipients, nothing once
verified, nothing doubled by a second scan, and the daily run picks them up."""

import datetime
from datetime import timedelta as D

import pytest
from django.utils import timezone

from assessments import services
from assessments.choices import RectificationStatus
from assessments.models import Rectification, RectificationReminder
from assessments.reminders import rectification_reminders_notify, rectification_reminders_scan
from pilot_admin.choices import ReminderKind, Role
from pilot_admin.models import Notification
from pilot_admin.reminders.services import send_due_reminders
from tests.factories import UserFactory, full_scores, scheduled_inspection
from tests.helpers.calendar import every_day_a_working_day

CONFIRMED_ON = datetime.date(2019, 12, 10)
NOW = timezone.make_aware(datetime.datetime(2020, 1, 1, 9, 0))


@pytest.fixture
def world(county_admin, program, village_a, inspector, township_a, township_b):
    """One open rectification of 水布垭村 (unit: 水布垭镇人民政府) with a clerk and a leader of that
    township, an official of another township, and the county office. Every day of the
    rectification's months is a working day, so the kinds fire on their own day."""
    every_day_a_working_day(datetime.date(2019, 11, 1), datetime.date(2020, 4, 30))
    inspection = scheduled_inspection(actor=county_admin, program=program, village=village_a, inspectors=[inspector])
    services.inspection_scores_save(
        actor=inspector, inspection=inspection, scores=full_scores(inspection, {"1.1": "2"}, rectify=("1.1",))
    )
    services.inspection_submit(actor=inspector, inspection=inspection)
    services.inspection_confirm(actor=county_admin, inspection=inspection, today=CONFIRMED_ON)
    rectification = Rectification.objects.get(inspection=inspection)

    class World:
        pass

    w = World()
    w.rectification = rectification
    w.program = program
    w.due = rectification.deadline
    w.admin = county_admin
    w.clerk = UserFactory(role=Role.TOWNSHIP, township=township_a, county=township_a.county, email="clerk@x.cn")
    w.leader = UserFactory(
        role=Role.TOWNSHIP, township=township_a, county=township_a.county, is_unit_leader=True, email="lead@x.cn"
    )
    w.stranger = UserFactory(role=Role.TOWNSHIP, township=township_b, county=township_b.county)
    return w


def _recipients(kind):
    return set(
        Notification.objects.filter(
            source__in=[f"rectification_reminder:{m.pk}" for m in _reminders(kind)]
        ).values_list("user__username", flat=True)
    )


def _reminders(kind):
    return RectificationReminder.objects.filter(kind=kind)


def _day(world, offset: int) -> datetime.date:
    return world.due + D(days=offset)


def test_deadline_is_confirmation_day_plus_program_days(world):
    assert world.due == CONFIRMED_ON + D(days=world.program.rectification_days)


@pytest.mark.parametrize(
    ("kind", "offset"),
    [
        (ReminderKind.DUE_TOMORROW, -1),
        (ReminderKind.OVERDUE, 1),
    ],
)
def test_clerk_kinds_fire_on_their_day_to_the_units_clerks(world, kind, offset):
    assert rectification_reminders_scan(today=_day(world, offset)) == 1
    assert list(RectificationReminder.objects.values_list("kind", "due_date")) == [(kind, world.due)]
    result = rectification_reminders_notify(now=NOW)
    assert (result.reminders, result.notifications) == (1, 1)
    assert _recipients(kind) == {world.clerk.username}
    message = Notification.objects.get(user=world.clerk)
    assert message.title.startswith(f"【{kind.label}】整改：水布垭村 1.1 评分项目1")
    assert message.link == world.rectification.get_absolute_url()
    assert world.due.isoformat() in message.body and message.body.startswith("水布垭镇人民政府：水布垭村“1.1")


def test_due_soon_fires_the_programs_days_before_and_not_the_day_after(world):
    lead = world.program.remind_days_before
    assert rectification_reminders_scan(today=_day(world, -lead - 1)) == 0
    assert rectification_reminders_scan(today=_day(world, -lead)) == 1
    assert _reminders(ReminderKind.DUE_SOON).count() == 1
    assert rectification_reminders_scan(today=_day(world, -lead + 1)) == 0


def test_escalations_go_to_the_leader_then_also_the_county_office(world):
    leader_day = world.program.escalate_leader_after_days
    county_day = world.program.escalate_county_after_days
    rectification_reminders_scan(today=_day(world, leader_day - 1))
    assert not _reminders(ReminderKind.ESCALATE_LEADER).exists()
    rectification_reminders_scan(today=_day(world, leader_day))
    rectification_reminders_notify(now=NOW)
    assert _recipients(ReminderKind.ESCALATE_LEADER) == {world.leader.username}
    assert not _reminders(ReminderKind.ESCALATE_COUNTY).exists()

    rectification_reminders_scan(today=_day(world, county_day))
    rectification_reminders_notify(now=NOW + D(days=1))
    assert _recipients(ReminderKind.ESCALATE_COUNTY) == {world.leader.username, world.admin.username}
    body = Notification.objects.get(user=world.admin).body
    assert f"逾期 {county_day} 天以上仍未整改到位" in body
    assert not Notification.objects.filter(user=world.stranger).exists()


def test_a_second_scan_and_notify_add_nothing(world):
    day = _day(world, 1)
    assert rectification_reminders_scan(today=day) == 1
    assert rectification_reminders_scan(today=day) == 0
    first = rectification_reminders_notify(now=NOW)
    second = rectification_reminders_notify(now=NOW)
    assert (first.notifications, second.reminders, second.notifications) == (1, 0, 0)
    assert Notification.objects.count() == 1


def test_submitted_still_reminds_but_verified_does_not(world, township_a_official):
    services.rectification_submit(actor=township_a_official, rectification=world.rectification, evidence_text="已整改")
    assert rectification_reminders_scan(today=_day(world, -1)) == 1
    services.rectification_verify(actor=world.admin, rectification=world.rectification)
    assert Rectification.objects.get(pk=world.rectification.pk).status == RectificationStatus.VERIFIED
    # Verified between scan and notify: claimed, but nobody is told.
    assert rectification_reminders_notify(now=NOW).notifications == 0
    for offset in (1, world.program.escalate_county_after_days + 5):
        assert rectification_reminders_scan(today=_day(world, offset)) == 0


def test_the_daily_run_includes_rectification_reminders(world):
    send_due_reminders(today=_day(world, 1), now=NOW)
    assert _reminders(ReminderKind.OVERDUE).count() == 1
    message = Notification.objects.get(user=world.clerk)
    assert message.emailed_at is not None  # it rode in the same daily digest


def test_a_finished_programs_old_rectification_reminds_no_one(world):
    """A 2019 rectification left open when 十三五 ended is history in 2026, not three messages."""
    years_later = datetime.date(world.program.end_year + 6, 12, 7)

    assert rectification_reminders_scan(today=years_later) == 0
    assert rectification_reminders_notify(now=NOW).notifications == 0
    # While the program ran, the same catch-up scan records every late kind.
    assert rectification_reminders_scan(today=datetime.date(world.program.end_year, 12, 31)) == 3
