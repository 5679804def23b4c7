"""The supervision statistics (supervision/statistics.py): each figure on a small county whose
answer is known, a past month as it stood, scoping, the county's numbers, and a fixed number of
queries at two data sizes. Committees are written directly: the election wizard is tested in
test_services.py, here only the dates matter."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from supervision import statistics
from supervision.choices import CommitteeStatus, ReviewInterval
from supervision.models import Committee, ExpenseReview, Meeting, SupervisionPilotPlan, SupervisionPolicy
from tests.factories import VillageFactory

MARCH = datetime.date(2024, 3, 1)


def committee(village, start, end, *, established=None, pilot=False, dissolved=None):
    status = CommitteeStatus.ACTIVE if established else CommitteeStatus.ELECTING
    if dissolved:
        status = CommitteeStatus.DISSOLVED
    return Committee.objects.create(
        village=village,
        term_start=start,
        term_end=end,
        established_on=established,
        status=status,
        is_pilot=pilot,
        dissolved_on=dissolved,
        dissolution_reason="村民会议决定撤销" if dissolved else "",
    )


def meeting(c, day, actor):
    return Meeting.objects.create(committee=c, held_on=day, matters="审议本月村务", recorded_by=actor)


def review(c, period, day, actor):
    return ExpenseReview.objects.create(
        committee=c,
        interval=ReviewInterval.MONTHLY,
        period_start=period,
        reviewed_on=day,
        vouchers_reviewed=3,
        vouchers_stamped=3,
        recorded_by=actor,
    )


@pytest.fixture
def county_data(village_a, village_b, township_a, county_admin):
    """水布垭镇: a pilot committee due for re-election that met and reviewed in March, and a
    second village electing; 东瀼口镇: a committee whose term ended in 2023 (overdue)."""
    a2 = VillageFactory(township=township_a, name="三友坪村", code="422823104202")
    due = committee(
        village_a,
        datetime.date(2021, 5, 1),
        datetime.date(2024, 4, 30),
        established=datetime.date(2021, 5, 25),
        pilot=True,
    )
    meeting(due, datetime.date(2024, 3, 10), county_admin)
    meeting(due, datetime.date(2024, 3, 20), county_admin)
    meeting(due, datetime.date(2024, 2, 10), county_admin)
    review(due, MARCH, datetime.date(2024, 3, 28), county_admin)
    electing = committee(a2, datetime.date(2024, 2, 1), datetime.date(2029, 1, 31), pilot=True)
    overdue = committee(
        village_b, datetime.date(2018, 5, 1), datetime.date(2023, 4, 30), established=datetime.date(2018, 5, 20)
    )
    return {"due": due, "electing": electing, "overdue": overdue, "a2": a2}


def _row(stats, township):
    return next(row for row in stats.townships if row["id"] == township.pk)


def test_march_figures_per_township_and_county(county_data, county_admin, township_a, township_b):
    stats = statistics.supervision_stats(user=county_admin, month=MARCH)
    assert stats.as_of == datetime.date(2024, 3, 31)
    a, b = _row(stats, township_a), _row(stats, township_b)
    assert (a["villages"], a["pilot_villages"], a["established"], a["due_for_reelection"], a["overdue"]) == (
        2,
        2,
        1,
        1,
        0,
    )
    assert a["electing"] == 1 and a["coverage"] == 0.5 and a["pilot_in_range"] is True
    assert (a["meetings_due"], a["meetings_done"], a["meetings_held"]) == (1, 1, 2)
    assert (a["reviews_due"], a["reviews_done"]) == (1, 1)
    # The overdue committee's term ended before March: it owes no meeting it could not record.
    assert (b["established"], b["overdue"], b["due_for_reelection"], b["meetings_due"]) == (1, 1, 0, 0)
    assert b["pilot_villages"] == 0 and b["pilot_in_range"] is False
    data = stats.as_dict()
    assert (data["established"], data["overdue"], data["villages"], data["coverage"]) == (2, 1, 3, round(2 / 3, 4))
    assert data["scope"] == "county" and data["counties"][0]["established"] == 2
    assert data["counties"][0]["review_interval"] == "monthly"


def test_warning_days_are_the_countys(county_data, county_admin, township_a, county):
    # Term ends 30 days after 31 March: inside 90 days, outside 29.
    SupervisionPolicy.objects.create(county=county, term_warning_days=29)
    assert _row(statistics.supervision_stats(user=county_admin, month=MARCH), township_a)["due_for_reelection"] == 0
    SupervisionPolicy.objects.filter(county=county).update(term_warning_days=30)
    assert _row(statistics.supervision_stats(user=county_admin, month=MARCH), township_a)["due_for_reelection"] == 1


def test_a_review_done_after_the_month_does_not_rewrite_it(county_data, county_admin, township_b, village_b):
    Committee.objects.filter(pk=county_data["overdue"].pk).update(status=CommitteeStatus.ENDED)
    fresh = committee(
        village_b, datetime.date(2023, 5, 1), datetime.date(2028, 4, 30), established=datetime.date(2023, 6, 1)
    )
    review(fresh, MARCH, datetime.date(2024, 4, 2), county_admin)
    b = _row(statistics.supervision_stats(user=county_admin, month=MARCH), township_b)
    # The successor filed in 2023 ended the overdue committee: one established, none overdue.
    assert (b["established"], b["overdue"], b["reviews_due"], b["reviews_done"]) == (1, 0, 1, 0)
    april = _row(statistics.supervision_stats(user=county_admin, month=datetime.date(2024, 4, 1)), township_b)
    assert april["reviews_done"] == 0  # the April period has no review; March's stays March's


def test_quarterly_county_reviews_by_quarter(county_data, county_admin, township_a, county):
    SupervisionPolicy.objects.create(county=county, expense_review_interval=ReviewInterval.QUARTERLY)
    # March's review was recorded as a monthly period start 1 March; the quarter starts 1 January.
    a = _row(statistics.supervision_stats(user=county_admin, month=MARCH), township_a)
    assert (a["reviews_due"], a["reviews_done"]) == (1, 0)
    review(county_data["due"], datetime.date(2024, 1, 1), datetime.date(2024, 3, 30), county_admin)
    a = _row(statistics.supervision_stats(user=county_admin, month=MARCH), township_a)
    assert (a["reviews_due"], a["reviews_done"]) == (1, 1)
    assert statistics.supervision_stats(user=county_admin, month=MARCH).counties[0][
        "review_period_start"
    ] == datetime.date(2024, 1, 1)


def test_past_month_stands_as_it_was(county_data, county_admin, township_a, village_a):
    # Dissolved today: March 2024 still counts it in office; the month before it was filed, not.
    Committee.objects.filter(pk=county_data["due"].pk).update(
        status=CommitteeStatus.DISSOLVED, dissolved_on=datetime.date(2024, 6, 1), dissolution_reason="撤销"
    )
    assert _row(statistics.supervision_stats(user=county_admin, month=MARCH), township_a)["established"] == 1
    assert (
        _row(statistics.supervision_stats(user=county_admin, month=datetime.date(2024, 6, 1)), township_a)[
            "established"
        ]
        == 0
    )
    before = _row(statistics.supervision_stats(user=county_admin, month=datetime.date(2021, 4, 1)), township_a)
    assert (before["established"], before["pilot_villages"], before["electing"]) == (0, 0, 0)
    during = _row(statistics.supervision_stats(user=county_admin, month=datetime.date(2021, 5, 1)), township_a)
    # Filed 25 May: established on 31 May, owes no May meeting (filed within the month).
    assert (during["established"], during["meetings_due"], during["pilot_villages"]) == (1, 0, 1)


def test_township_official_sees_own_township_only(county_data, township_a_official, township_a):
    stats = statistics.supervision_stats(user=township_a_official, month=MARCH)
    assert [row["id"] for row in stats.townships] == [township_a.pk]
    assert stats.scope == "township" and stats.figures["established"] == 1 and stats.figures["overdue"] == 0


def test_department_user_sees_nothing(county_data, department_user):
    stats = statistics.supervision_stats(user=department_user, month=MARCH)
    assert stats.townships == [] and stats.figures["established"] == 0


def _grow(township, n, actor, offset):
    for i in range(n):
        village = VillageFactory(township=township, name=f"增长村{offset + i}", code="")
        c = committee(
            village,
            datetime.date(2021, 5, 1),
            datetime.date(2026, 4, 30),
            established=datetime.date(2021, 6, 1),
            pilot=i < 2,
        )
        meeting(c, datetime.date(2024, 3, 5), actor)
        review(c, MARCH, datetime.date(2024, 3, 25), actor)


def test_query_count_is_fixed(county_data, county_admin, township_a, township_b):
    _grow(township_a, 2, county_admin, 0)
    with CaptureQueriesContext(connection) as small:
        small_stats = statistics.supervision_stats(user=county_admin, month=MARCH)
    _grow(township_a, 15, county_admin, 10)
    _grow(township_b, 15, county_admin, 50)
    with CaptureQueriesContext(connection) as large:
        large_stats = statistics.supervision_stats(user=county_admin, month=MARCH)
    assert len(small) == len(large) == 5
    assert large_stats.figures["established"] == small_stats.figures["established"] + 30


def test_the_countys_pilot_plan_sets_the_pilot_range_per_township(county_data, county_admin, township_a):
    # Township A has two pilot villages: within the SPEC's 1–2, outside a plan that allows one.
    assert _row(statistics.supervision_stats(user=county_admin, month=MARCH), township_a)["pilot_in_range"] is True
    SupervisionPilotPlan.objects.create(
        county=township_a.county,
        name="试点方案",
        pilots_min=1,
        pilots_max=1,
        pilot_start=datetime.date(2023, 3, 1),
        pilot_end=datetime.date(2024, 2, 28),
        rollout_deadline=datetime.date(2026, 4, 30),
    )
    row = _row(statistics.supervision_stats(user=county_admin, month=MARCH), township_a)
    assert row["pilot_villages"] == 2 and row["pilot_in_range"] is False
