"""The supervision reminders (supervision/reminders.py): a term ending within the county's days
and a term ended; a month without a meeting and a review period without a review, once their
deadline (moved to a working day) has passed; once each; to the township's officials only."""

import datetime

import pytest

from pilot_admin.models import Notification
from supervision.models import SupervisionPolicy
from supervision.models_reminders import SupervisionReminder
from supervision.reminders import supervision_reminders_notify, supervision_reminders_scan
from tests.supervision.test_statistics import committee, meeting, review

MARCH = datetime.date(2024, 3, 1)


@pytest.fixture
def committees(village_a, village_b):
    start = datetime.date(2021, 5, 1)
    return {
        # Term ends 30 days after 2 April 2024.
        "a": committee(village_a, start, datetime.date(2024, 5, 2), established=datetime.date(2021, 5, 25)),
        # Term ended in 2023, still in office: overdue for re-election.
        "b": committee(
            village_b, datetime.date(2018, 5, 1), datetime.date(2023, 4, 30), established=datetime.date(2018, 5, 20)
        ),
    }


def _reminders():
    return sorted(
        (r.committee.village.name, r.subject, r.period, r.kind)
        for r in SupervisionReminder.objects.select_related("committee__village")
    )


def test_the_month_just_passed_waits_for_its_moved_deadline(committees):
    # 31 March 2024 is a Sunday: the deadline moves to Monday 1 April, so on 1 April nothing of March.
    supervision_reminders_scan(today=datetime.date(2024, 4, 1))
    assert ("水布垭村", "meeting", MARCH, "overdue") not in _reminders()
    supervision_reminders_scan(today=datetime.date(2024, 4, 2))
    assert _reminders() == [
        ("东瀼口村", "term", datetime.date(2023, 4, 30), "overdue"),
        ("水布垭村", "meeting", MARCH, "overdue"),
        ("水布垭村", "review", MARCH, "overdue"),
        ("水布垭村", "term", datetime.date(2024, 5, 2), "due_soon"),
    ]
    # A second scan adds nothing.
    assert supervision_reminders_scan(today=datetime.date(2024, 4, 3)) == 0


def test_a_meeting_and_a_review_settle_the_month(committees, county_admin):
    meeting(committees["a"], datetime.date(2024, 3, 12), county_admin)
    review(committees["a"], MARCH, datetime.date(2024, 3, 29), county_admin)
    supervision_reminders_scan(today=datetime.date(2024, 4, 2))
    assert [r for r in _reminders() if r[0] == "水布垭村"] == [
        ("水布垭村", "term", datetime.date(2024, 5, 2), "due_soon")
    ]


def test_warning_days_and_quarterly_reviews_are_the_countys(committees, county):
    SupervisionPolicy.objects.create(county=county, term_warning_days=29, expense_review_interval="quarterly")
    supervision_reminders_scan(today=datetime.date(2024, 4, 2))
    subjects = [r[1:] for r in _reminders() if r[0] == "水布垭村"]
    # 30 days left > 29: no warning yet; the first quarter passed without its review.
    assert subjects == [("meeting", MARCH, "overdue"), ("review", datetime.date(2024, 1, 1), "overdue")]


def test_no_reminders_on_a_day_off(committees):
    # Saturday 6 April 2024 (清明节 holiday): only escalations are scanned on a day off; these wait.
    assert supervision_reminders_scan(today=datetime.date(2024, 4, 6)) == 0


def test_messages_go_to_the_townships_officials(committees, township_a_official, township_b_official, county_admin):
    supervision_reminders_scan(today=datetime.date(2024, 4, 2))
    result = supervision_reminders_notify(now=datetime.datetime(2024, 4, 2, 9, tzinfo=datetime.UTC))
    assert result.reminders == 4 and result.notifications == 4
    mine = Notification.objects.filter(user=township_a_official).order_by("title")
    titles = [n.title for n in mine]
    assert "【即将到期】水布垭村村务监督委员会任期将于 2024-05-02 届满，请及时组织换届选举" in titles
    assert "【已逾期】水布垭村村务监督委员会2024-03 未召开监委会会议" in titles
    assert all(n.link == f"/supervision/{committees['a'].pk}/" for n in mine)
    assert [n.title for n in Notification.objects.filter(user=township_b_official)] == [
        "【已逾期】东瀼口村村务监督委员会任期已于 2023-04-30 届满，新一届尚未选出备案"
    ]
    assert not Notification.objects.filter(user=county_admin).exists()
    # Notified once.
    assert supervision_reminders_notify(now=datetime.datetime(2024, 4, 2, 10, tzinfo=datetime.UTC)).reminders == 0
