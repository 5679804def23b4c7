"""REST API v1 of the assessments app: inspection fields, scoping per persona, the shared
filters, the statistics on the worked example of test_selectors, and query counts at two sizes."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from tests.assessments.test_selectors import worked_example
from tests.factories import (
    PilotProgramFactory,
    TownshipFactory,
    UserFactory,
    VillageFactory,
    confirmed_inspection,
    scheduled_inspection,
)

INSPECTIONS = reverse("api_inspection-list")
STATS = reverse("api_assessment_stats")


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def example(county_admin, program, inspector, village_a, village_b):
    return worked_example(
        county_admin=county_admin, program=program, inspector=inspector, village_a=village_a, village_b=village_b
    )


def _get(api, user, url, params=None, status=200):
    api.force_authenticate(user)
    response = api.get(url, params or {})
    assert response.status_code == status, response.content.decode()
    return response.json()


def _ids(payload):
    ids = [row["id"] for row in payload["results"]]
    assert len(ids) == payload["count"]
    return set(ids)


def test_inspection_fields(api, county_viewer, example):
    row = _get(api, county_viewer, reverse("api_inspection-detail", args=[example.a2.pk]))
    assert row == {
        "id": example.a2.pk,
        "village": example.a2.pilot.village_id,
        "village_name": "高岩村",
        "township_name": "水布垭镇",
        "year": 2019,
        "total": "85.0",
        "grade": "pass",
        "status": "confirmed",
        "original": None,
        "inspected_on": None,
        "confirmed_at": row["confirmed_at"],
    }
    assert row["confirmed_at"] is not None
    draft = _get(api, county_viewer, reverse("api_inspection-detail", args=[example.draft.pk]))
    assert (draft["total"], draft["grade"], draft["status"]) == (None, "", "draft")


def test_scoping_per_persona(api, personas, county_admin, program, village_a, example):
    everything = {example.a1.pk, example.a2.pk, example.b1.pk, example.draft.pk, example.a1_2018.pk}
    assert _ids(_get(api, personas["county_viewer"], INSPECTIONS)) == everything
    # The inspector sees the team's inspections only: not one scheduled for another team.
    other_team = scheduled_inspection(
        actor=county_admin,
        program=program,
        village=VillageFactory(township=village_a.township, name="他组村"),
        inspectors=[UserFactory(role="inspector", county=program.county)],
    )
    assert _ids(_get(api, personas["inspector"], INSPECTIONS)) == everything
    _get(api, personas["inspector"], reverse("api_inspection-detail", args=[other_team.pk]), status=404)
    # A township sees its own villages' confirmed inspections.
    assert _ids(_get(api, personas["township_a"], INSPECTIONS)) == {example.a1.pk, example.a2.pk, example.a1_2018.pk}
    assert _ids(_get(api, personas["township_b"], INSPECTIONS)) == {example.b1.pk}
    _get(api, personas["township_b"], reverse("api_inspection-detail", args=[example.draft.pk]), status=404)
    _get(api, personas["township_b"], reverse("api_inspection-detail", args=[example.a1.pk]), status=404)


def test_another_countys_inspection_is_a_404(api, county_viewer, example):
    township = TownshipFactory(county__name="建始县", county__admin_code="422822", name="业州镇", code="422822100")
    admin = UserFactory(role="county_admin", county=township.county)
    other_program = PilotProgramFactory(county=township.county, code="jianshi")
    foreign = scheduled_inspection(
        actor=admin,
        program=other_program,
        village=VillageFactory(township=township, name="外县村"),
        inspectors=[UserFactory(role="inspector", county=township.county)],
    )
    _get(api, county_viewer, reverse("api_inspection-detail", args=[foreign.pk]), status=404)
    assert foreign.pk not in _ids(_get(api, county_viewer, INSPECTIONS))
    # Naming the other county's program is an invalid filter, not its rows.
    payload = _get(api, county_viewer, INSPECTIONS, {"program": "jianshi"}, status=400)
    assert "program" in payload


def test_filters(api, county_viewer, program, township_b, example):
    assert _ids(_get(api, county_viewer, INSPECTIONS, {"year": 2018})) == {example.a1_2018.pk}
    assert _ids(_get(api, county_viewer, INSPECTIONS, {"grade": "fail"})) == {example.b1.pk}
    assert _ids(_get(api, county_viewer, INSPECTIONS, {"status": "draft"})) == {example.draft.pk}
    assert _ids(_get(api, county_viewer, INSPECTIONS, {"township": township_b.pk, "year": 2019})) == {
        example.b1.pk,
        example.draft.pk,
    }
    assert len(_ids(_get(api, county_viewer, INSPECTIONS, {"program": program.code}))) == 5
    _get(api, county_viewer, INSPECTIONS, {"grade": "excellentish"}, status=400)


def test_stats_worked_example(api, county_viewer, township_a_official, program, township_a, township_b, example):
    """95 / 85 / 75 confirmed (the draft is left out): mean 85.0, one village per grade;
    open rectifications: 高岩村's marked item + 东瀼口村's two items below full marks = 3."""
    payload = _get(api, county_viewer, STATS, {"program": program.code, "year": 2019})
    assert payload == {
        "program": program.code,
        "year": 2019,
        "as_of": "2019-12-31",
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
    own = _get(api, township_a_official, STATS, {"program": program.code, "year": 2019})
    assert (own["inspected"], own["mean_total"], own["open_rectifications"]) == (2, 90.0, 1)
    assert [t["name"] for t in own["townships"]] == ["水布垭镇"]
    empty = _get(api, county_viewer, STATS, {"program": program.code, "year": 2017})
    assert (empty["inspected"], empty["mean_total"], empty["townships"]) == (0, None, [])


def test_stats_validates_program_and_year(api, county_viewer, program, example):
    assert "program" in _get(api, county_viewer, STATS, {"year": 2019}, status=400)
    assert "不存在" in str(_get(api, county_viewer, STATS, {"program": "nope", "year": 2019}, status=400))
    assert "2016–2020" in str(_get(api, county_viewer, STATS, {"program": program.code, "year": 2030}, status=400))


def _count(api, user, url, params):
    api.force_authenticate(user)
    with CaptureQueriesContext(connection) as captured:
        response = api.get(url, params)
    assert response.status_code == 200
    return len(captured), response.json()


def test_query_counts_do_not_grow(api, county_viewer, county_admin, program, inspector, township_a, example):
    def counts():
        return [
            _count(api, county_viewer, INSPECTIONS, {})[0],
            _count(api, county_viewer, STATS, {"program": program.code, "year": 2019})[0],
        ]

    small = counts()
    for n in range(5):
        inspection = scheduled_inspection(
            actor=county_admin,
            program=program,
            village=VillageFactory(township=township_a, name=f"新增村{n}"),
            inspectors=[inspector],
        )
        confirmed_inspection(county_admin=county_admin, inspection=inspection, deductions={"2.1": Decimal("2.5")})
    _, payload = _count(api, county_viewer, INSPECTIONS, {})
    assert payload["count"] == 10
    assert counts() == small
