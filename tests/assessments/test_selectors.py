"""Results of the yearly inspection: ranking, township summary, year-over-year change and the
statistics, on a worked example built through the services."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from assessments import selectors, services
from assessments.choices import Grade
from assessments.models import Inspection
from pilot_admin.choices import Role
from tests.factories import UserFactory, VillageFactory, confirmed_inspection, scheduled_inspection, score_template

TODAY = timezone.localdate()


@dataclass
class Example:
    a1: Inspection  # 水布垭镇 水布垭村: 95, 优秀
    a2: Inspection  # 水布垭镇 高岩村: 85, 合格, one item marked for rectification
    b1: Inspection  # 东瀼口镇 东瀼口村: 75, 不合格, two items below full marks → two rectifications
    draft: Inspection  # 东瀼口镇 长岭村: scheduled, not scored
    a1_2018: Inspection  # 水布垭村 the year before: 88


def worked_example(*, county_admin, program, inspector, village_a, village_b) -> Example:
    """The 2019 inspections of four pilot villages in two townships, and one 2018 result.
    Template maxima: 1.1 = 40, 2.1 = 30, 1.2 = 20, 2.2 = 10."""
    score_template(program=program, year=2018)

    def schedule(village, **kw):
        return scheduled_inspection(actor=county_admin, program=program, village=village, inspectors=[inspector], **kw)

    a1 = confirmed_inspection(county_admin=county_admin, inspection=schedule(village_a), deductions={"1.1": 5})
    a2 = confirmed_inspection(
        county_admin=county_admin,
        inspection=schedule(VillageFactory(township=village_a.township, name="高岩村")),
        deductions={"1.1": 10, "2.2": 5},
        rectify=("2.2",),
    )
    b1 = confirmed_inspection(
        county_admin=county_admin, inspection=schedule(village_b), deductions={"1.1": 20, "2.1": 5}
    )
    draft = schedule(VillageFactory(township=village_b.township, name="长岭村"))
    a1_2018 = confirmed_inspection(
        county_admin=county_admin,
        inspection=services.inspection_schedule(actor=county_admin, pilot=a1.pilot, year=2018, inspectors=[inspector]),
        deductions={"1.1": 12},
    )
    return Example(a1=a1, a2=a2, b1=b1, draft=draft, a1_2018=a1_2018)


@pytest.fixture
def example(county_admin, program, inspector, village_a, village_b):
    return worked_example(
        county_admin=county_admin, program=program, inspector=inspector, village_a=village_a, village_b=village_b
    )


def test_ranking_orders_confirmed_results_by_total(county_admin, program, example):
    rows = list(selectors.ranking(user=county_admin, program=program, year=2019))
    assert [(r.pilot.village.name, r.total, r.grade, r.rank) for r in rows] == [
        ("水布垭村", Decimal("95.0"), Grade.EXCELLENT, 1),
        ("高岩村", Decimal("85.0"), Grade.PASS, 2),
        ("东瀼口村", Decimal("75.0"), Grade.FAIL, 3),
    ]
    assert [r.rectification_count for r in rows] == [0, 1, 2]


def test_equal_totals_share_a_rank_and_sort_by_village_name(county_admin, program, inspector, village_a):
    score_template(program=program, year=2019)
    names = ["乙村", "甲村"]
    for name in names:
        inspection = scheduled_inspection(
            actor=county_admin,
            program=program,
            village=VillageFactory(township=village_a.township, name=name),
            inspectors=[inspector],
        )
        confirmed_inspection(county_admin=county_admin, inspection=inspection, deductions={"1.1": 2})
    rows = list(selectors.ranking(user=county_admin, program=program, year=2019))
    assert [(r.pilot.village.name, r.rank) for r in rows] == [(name, 1) for name in sorted(names)]


def test_a_confirmed_reinspection_supersedes_the_original(county_admin, program, inspector, example):
    again = services.reinspection_create(actor=county_admin, original=example.b1, inspectors=[inspector])
    # Unconfirmed, it changes nothing yet.
    assert [r.pk for r in selectors.ranking(user=county_admin, program=program, year=2019)][-1] == example.b1.pk
    confirmed_inspection(county_admin=county_admin, inspection=again, deductions={"1.1": 12})
    rows = list(selectors.ranking(user=county_admin, program=program, year=2019))
    assert [(r.pilot.village.name, r.total) for r in rows] == [
        ("水布垭村", Decimal("95.0")),
        ("东瀼口村", Decimal("88.0")),
        ("高岩村", Decimal("85.0")),
    ]
    assert rows[1].pk == again.pk and rows[1].original_id == example.b1.pk
    # The records as they stand today (the circular): (95 + 85 + 88) / 3 = 89.33…; the
    # original's two rectifications are still open work.
    stats = selectors.assessment_stats(user=county_admin, program=program, year=2019, as_of=TODAY).as_dict()
    assert stats["mean_total"] == 89.3
    assert stats["grades"] == {"excellent": 1, "pass": 2, "fail": 0}
    assert stats["open_rectifications"] == 3
    # 2019's figures are as of 2019-12-31: a re-inspection made today leaves them as they were.
    past = selectors.assessment_stats(user=county_admin, program=program, year=2019).as_dict()
    assert (past["as_of"], past["mean_total"], past["grades"]["fail"]) == (datetime.date(2019, 12, 31), 85.0, 1)


def test_a_team_whose_original_was_reinspected_by_another_still_counts_its_open_rectifications(
    county_admin, program, inspector, township_a, example
):
    """The statistics read the open rectifications in the township rows' statement; with no
    row to carry them (the result is the other team's re-inspection), they are still counted."""
    team = UserFactory(role=Role.INSPECTOR, county=program.county)
    original = confirmed_inspection(
        county_admin=county_admin,
        inspection=scheduled_inspection(
            actor=county_admin, program=program, village=VillageFactory(township=township_a), inspectors=[team]
        ),
        deductions={"1.1": 25},
        rectify=("1.2",),
    )
    again = services.reinspection_create(actor=county_admin, original=original, inspectors=[inspector])
    confirmed_inspection(county_admin=county_admin, inspection=again, deductions={"1.1": 5})
    stats = selectors.assessment_stats(user=team, program=program, year=2019, as_of=TODAY)
    # Both items below full marks (1.1 deducted, 1.2 marked) are the original's rectifications.
    assert (stats.inspected, stats.townships, stats.open_rectifications) == (0, [], 2)


def test_a_reinspection_counts_from_its_inspection_date(county_admin, program, inspector, example):
    again = services.reinspection_create(
        actor=county_admin, original=example.b1, inspectors=[inspector], inspected_on=datetime.date(2019, 12, 20)
    )
    confirmed_inspection(county_admin=county_admin, inspection=again, deductions={"1.1": 12})
    before, on = (
        selectors.assessment_stats(user=county_admin, program=program, year=2019, as_of=datetime.date(2019, 12, day))
        for day in (19, 20)
    )
    assert (before.mean_total, on.mean_total) == (Decimal("85.0"), Decimal("89.3"))


def test_township_summary_counts_and_means(county_admin, program, example):
    rows = selectors.township_summary(user=county_admin, program=program, year=2019)
    assert [(r.name, r.inspected, r.mean_total, r.excellent, r.passed, r.fail) for r in rows] == [
        ("东瀼口镇", 1, Decimal("75.0"), 0, 0, 1),
        ("水布垭镇", 2, Decimal("90.0"), 1, 1, 0),
    ]


def test_assessment_stats_worked_example(county_admin, program, township_a, township_b, example):
    """Three confirmed villages (95, 85, 75; the draft does not count): mean 85.0, one of each
    grade; rectifications: 高岩村 2.2 marked (1) + 东瀼口村's two items below full marks (2)."""
    stats = selectors.assessment_stats(user=county_admin, program=program, year=2019).as_dict()
    assert stats == {
        "program": program.code,
        "year": 2019,
        "as_of": datetime.date(2019, 12, 31),
        "scope": "county",
        "inspected": 3,
        "mean_total": 85.0,
        "grades": {"excellent": 1, "pass": 1, "fail": 1},
        "townships": [
            {
                "id": township_b.pk,
                "name": "东瀼口镇",
                "inspected": 1,
                "mean_total": 75.0,
                "excellent": 0,
                "pass": 0,
                "fail": 1,
            },
            {
                "id": township_a.pk,
                "name": "水布垭镇",
                "inspected": 2,
                "mean_total": 90.0,
                "excellent": 1,
                "pass": 1,
                "fail": 0,
            },
        ],
        "open_rectifications": 3,
    }


def test_a_verified_rectification_is_no_longer_open_from_its_verification(
    county_admin, township_b_official, program, example
):
    def open_on(as_of=None):
        return selectors.assessment_stats(
            user=county_admin, program=program, year=2019, as_of=as_of
        ).open_rectifications

    rectification = example.b1.rectifications.first()
    services.rectification_submit(actor=township_b_official, rectification=rectification, evidence_text="已补齐台账")
    assert open_on(TODAY) == 3
    services.rectification_verify(actor=county_admin, rectification=rectification)
    assert open_on(TODAY) == 2
    # It was open on 2019-12-31, and 2019's figure says so still.
    assert open_on() == 3


def test_year_over_year_lists_villages_inspected_in_both_years(county_admin, program, example):
    rows = list(selectors.year_over_year(user=county_admin, program=program, year=2019))
    assert [(r.pilot.village.name, r.previous_total, r.total, r.change) for r in rows] == [
        ("水布垭村", Decimal("88.0"), Decimal("95.0"), Decimal("7.0"))
    ]


def test_results_follow_visibility(
    township_a_official, township_b_official, inspector, county_admin, program, village_a, example
):
    ranked = {r.pilot.village.name for r in selectors.ranking(user=township_a_official, program=program, year=2019)}
    assert ranked == {"水布垭村", "高岩村"}
    stats = selectors.assessment_stats(user=township_b_official, program=program, year=2019)
    assert (stats.inspected, stats.fail, stats.open_rectifications) == (1, 1, 2)
    assert [t.name for t in stats.townships] == ["东瀼口镇"]
    # The inspector's list holds the team's inspections, drafts included.
    assert set(selectors.inspection_list(user=inspector)) == {
        example.a1,
        example.a2,
        example.b1,
        example.draft,
        example.a1_2018,
    }


def _queries(fn) -> int:
    with CaptureQueriesContext(connection) as captured:
        result = fn()
        list(result) if not isinstance(result, selectors.AssessmentStats) else result.as_dict()
    return len(captured)


def test_query_counts_do_not_grow_with_the_data(county_admin, program, inspector, example, township_a):
    def counts():
        return [
            _queries(lambda: selectors.ranking(user=county_admin, program=program, year=2019)),
            _queries(lambda: selectors.township_summary(user=county_admin, program=program, year=2019)),
            _queries(lambda: selectors.year_over_year(user=county_admin, program=program, year=2019)),
            _queries(lambda: selectors.assessment_stats(user=county_admin, program=program, year=2019)),
        ]

    small = counts()
    for n in range(4):
        inspection = scheduled_inspection(
            actor=county_admin,
            program=program,
            village=VillageFactory(township=township_a, name=f"增加村{n}"),
            inspectors=[inspector],
        )
        confirmed_inspection(county_admin=county_admin, inspection=inspection, deductions={"1.1": 25}, rectify=("1.2",))
    assert len(list(selectors.ranking(user=county_admin, program=program, year=2019))) == 7
    assert counts() == small == [1, 1, 1, 1]


def test_stats_figures_are_the_township_rows_summed(county_admin, program, example):
    """assessment_stats counts the county from its township rows (one query): the same figures
    as an aggregate over the year's results, the mean rounded from the exact average."""
    from django.db.models import Avg, Count

    stats = selectors.assessment_stats(user=county_admin, program=program, year=2019)
    reference = selectors.results(user=county_admin, program=program, year=2019, as_of=stats.as_of).aggregate(
        n=Count("pk"), mean=Avg("total")
    )
    assert stats.inspected == reference["n"] == sum(row.inspected for row in stats.townships) > 0
    assert stats.mean_total == selectors._one_decimal(reference["mean"])
    assert stats.excellent + stats.passed + stats.fail == stats.inspected
