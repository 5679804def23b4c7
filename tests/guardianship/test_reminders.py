"""Monthly visit reminders: the warning on the policy's day (not the day before), none once
visited, the escalation after the month ends, and a second scan or notify that adds nothing."""

import datetime

import pytest
from django.utils import timezone

from guardianship.models import GuardianshipPolicy, VisitReminder
from guardianship.reminders import send_visit_reminders, visit_reminders_notify, visit_reminders_scan
from pilot_admin.models import Notification
from pilot_admin.reminders.services import send_due_reminders
from tests.factories import UserFactory
from tests.guardianship.test_selectors import registered, visit
from tests.helpers.calendar import every_day_a_working_day

FEB = datetime.date(2024, 2, 1)
# Registered on 1 February: January is not theirs to answer for.
REGISTERED = FEB


@pytest.fixture(autouse=True)
def no_days_off(db):
    """The policy's day arithmetic, free of weekends (days off: tests/pilot_admin/test_workdays.py)."""
    every_day_a_working_day(datetime.date(2024, 1, 1), datetime.date(2024, 4, 30))


@pytest.fixture
def persons(village_a, village_b):
    return {
        "a": registered(village_a, REGISTERED, name="甲"),
        "a_home": registered(village_a, REGISTERED, name="乙", support_mode="concentrated", institution="敬老院"),
        "b": registered(village_b, REGISTERED, name="丙"),
    }


def _reminders():
    return sorted((r.person.name, r.month, r.kind) for r in VisitReminder.objects.select_related("person"))


def test_no_warning_on_the_19th(persons):
    assert visit_reminders_scan(today=datetime.date(2024, 2, 19)) == 0
    assert not VisitReminder.objects.exists()


def test_warning_on_the_20th_for_unvisited_dispersed_persons(persons):
    assert visit_reminders_scan(today=datetime.date(2024, 2, 20)) == 2
    assert _reminders() == [("丙", FEB, "due_soon"), ("甲", FEB, "due_soon")]


def test_no_warning_once_visited(persons, county_admin):
    visit(persons["a"], datetime.date(2024, 2, 5), county_admin)
    visit_reminders_scan(today=datetime.date(2024, 2, 20))
    assert _reminders() == [("丙", FEB, "due_soon")]


def test_warning_day_comes_from_the_policy(persons, county):
    GuardianshipPolicy.objects.create(county=county, visit_warning_day=25)
    assert visit_reminders_scan(today=datetime.date(2024, 2, 24)) == 0
    assert visit_reminders_scan(today=datetime.date(2024, 2, 25)) == 2


def test_escalation_after_the_month_ends(persons, county_admin):
    visit(persons["b"], datetime.date(2024, 2, 29), county_admin)
    visit(persons["b"], datetime.date(2024, 3, 1), county_admin)
    assert visit_reminders_scan(today=datetime.date(2024, 3, 1)) == 1
    assert _reminders() == [("甲", FEB, "overdue")]
    # Nothing more for February on the following days, and no March warning yet.
    assert visit_reminders_scan(today=datetime.date(2024, 3, 2)) == 0


def test_second_scan_adds_nothing(persons):
    assert visit_reminders_scan(today=datetime.date(2024, 3, 20)) == 4
    assert visit_reminders_scan(today=datetime.date(2024, 3, 20)) == 0
    assert visit_reminders_scan(today=datetime.date(2024, 3, 21)) == 0
    assert VisitReminder.objects.count() == 4


def test_warning_goes_to_the_townships_officials(persons, township_a_official, township_b_official, county_admin):
    leader_a = UserFactory(
        role="township", township=township_a_official.township, county=township_a_official.county, is_unit_leader=True
    )
    now = timezone.now()
    result = send_visit_reminders(today=datetime.date(2024, 2, 20), now=now)
    assert (result.reminders, result.notifications) == (2, 3)
    message = Notification.objects.get(user=township_a_official)
    assert message.title == "【即将到期】水布垭镇 2024-02 有 1名分散供养人员本月尚未走访"
    assert "每月至少走访一次" in message.body
    assert f"township={township_a_official.township_id}" in message.link and "month=2024-02" in message.link
    assert Notification.objects.filter(user=leader_a).count() == 1
    assert Notification.objects.get(user=township_b_official).title.startswith("【即将到期】东瀼口镇")
    assert not Notification.objects.filter(user=county_admin).exists()
    # A second notify claims nothing and sends nothing.
    assert visit_reminders_notify(now=timezone.now()).notifications == 0


def test_overdue_goes_to_township_leaders_and_the_county_office(
    persons, township_a_official, township_b_official, county_admin
):
    leader_a = UserFactory(
        role="township", township=township_a_official.township, county=township_a_official.county, is_unit_leader=True
    )
    send_visit_reminders(today=datetime.date(2024, 3, 1), now=timezone.now())
    assert not Notification.objects.filter(user=township_a_official).exists()
    assert Notification.objects.get(user=leader_a).title == "【已逾期】水布垭镇 2024-02 有 1名分散供养人员当月未走访"
    # Township B has no leader account: its officials get the escalation rather than nobody.
    assert Notification.objects.filter(user=township_b_official).count() == 1
    assert sorted(Notification.objects.filter(user=county_admin).values_list("title", flat=True)) == [
        "【已逾期】东瀼口镇 2024-02 有 1名分散供养人员当月未走访",
        "【已逾期】水布垭镇 2024-02 有 1名分散供养人员当月未走访",
    ]


def test_daily_run_includes_visit_reminders(persons, township_a_official):
    send_due_reminders(today=datetime.date(2024, 2, 20), now=timezone.now())
    assert VisitReminder.objects.count() == 2
    assert Notification.objects.filter(user=township_a_official, source__startswith="visit_reminder:").count() == 1
    send_due_reminders(today=datetime.date(2024, 2, 20), now=timezone.now())
    assert VisitReminder.objects.count() == 2
    assert Notification.objects.filter(user=township_a_official).count() == 1
