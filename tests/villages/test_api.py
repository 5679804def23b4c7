"""REST API v1, read side of the villages app: fields, scoping under every persona, the shared
filters, the quota statistics at their boundaries, and query counts at two data sizes."""

import datetime
import itertools
import math

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from tests.factories import (
    CountyFactory,
    PilotAssignmentFactory,
    PilotProgramFactory,
    TownshipFactory,
    VillageFactory,
)
from villages.choices import PilotLevel, PilotStatus, VillageKind
from villages.selectors import pilot_quota_stats

TOWNSHIPS = reverse("api_township-list")
VILLAGES = reverse("api_village-list")
PILOTS = reverse("api_pilot_assignment-list")
STATS = reverse("api_pilot_stats")
COUNTY_ROLES = ["county_admin", "county_viewer", "department", "inspector", "api_client"]


@pytest.fixture
def api():
    return APIClient()


def _as(api, user):
    api.force_authenticate(user)
    return api


def _get(api, url, params=None, status=200):
    response = api.get(url, params or {})
    assert response.status_code == status, response.content.decode()
    return response.json()


def _names(payload, key="name"):
    names = [row[key] for row in payload["results"]]
    assert len(names) == len(set(names)) == payload["count"]
    return set(names)


def _withdrawn(program, village, year):
    return PilotAssignmentFactory(
        program=program, village=village, year=year, status=PilotStatus.WITHDRAWN, withdraw_reason="条件不成熟"
    )


@pytest.fixture
def foreign(db):
    """Another county's township, village, program and pilot: invisible to every county-bound user."""
    township = TownshipFactory(
        county=CountyFactory(name="建始县", admin_code="422822"), name="业州镇", code="422822100"
    )
    village = VillageFactory(township=township, name="外县村", code="422822100201")
    program = PilotProgramFactory(county=township.county, code="jianshi-pilot")
    pilot = PilotAssignmentFactory(program=program, village=village, year=2018)
    return {"township": township, "village": village, "program": program, "pilot": pilot}


# --- fields and values ---------------------------------------------------------------------------


def test_township_list_counts_active_administrative_villages(api, county_admin, township_a, village_a, township_b):
    VillageFactory(township=township_a, name="撤并村", is_active=False)
    VillageFactory(township=township_a, name="集镇社区", kind=VillageKind.RESIDENTIAL_COMMUNITY)
    VillageFactory.create_batch(2, township=township_b)

    payload = _get(_as(api, county_admin), TOWNSHIPS)

    assert payload["count"] == 2
    assert payload["previous"] is None and payload["next"] is None
    # Ordered by code, as on the page.
    assert payload["results"] == [
        {"id": township_b.pk, "code": "422823101", "name": "东瀼口镇", "village_count": 2},
        {"id": township_a.pk, "code": "422823104", "name": "水布垭镇", "village_count": 1},
    ]


def test_village_list_renders_each_village_with_its_current_pilot(api, county_admin, program, village_a, village_b):
    PilotAssignmentFactory(
        program=program, village=village_a, year=2018, level=PilotLevel.PROVINCIAL_KEY, status=PilotStatus.APPROVED
    )
    _withdrawn(program, village_b, 2018)

    payload = _get(_as(api, county_admin), VILLAGES)

    rows = {row["id"]: row for row in payload["results"]}
    assert payload["count"] == 2
    assert rows[village_a.pk] == {
        "id": village_a.pk,
        "code": "422823104201",
        "name": "水布垭村",
        "township": village_a.township_id,
        "township_name": "水布垭镇",
        "kind": "administrative_village",
        "status": "active",
        "is_active": True,
        "established_on": None,
        "ended_on": None,
        "community_since": None,
        "households": village_a.households,
        "population": village_a.population,
        "pilot": {"program": program.code, "year": 2018, "level": "provincial_key", "status": "approved"},
    }
    # A withdrawn pilot is no current pilot.
    assert rows[village_b.pk]["pilot"] is None
    assert rows[village_b.pk]["township_name"] == "东瀼口镇"


def test_village_pilot_follows_the_program_and_year_filter(api, county_admin, county, program, village_a):
    later = PilotProgramFactory(county=county, code="badong-14th-fyp", start_year=2021, end_year=2025)
    PilotAssignmentFactory(program=program, village=village_a, year=2017)
    PilotAssignmentFactory(program=later, village=village_a, year=2022, status=PilotStatus.PROPOSED)
    client = _as(api, county_admin)

    newest = _get(client, VILLAGES)["results"][0]["pilot"]
    assert newest == {"program": later.code, "year": 2022, "level": "county", "status": "proposed"}

    narrowed = _get(client, VILLAGES, {"program": program.code, "year": 2017})["results"][0]["pilot"]
    assert narrowed == {"program": program.code, "year": 2017, "level": "county", "status": "approved"}


def test_pilot_assignment_list_fields(api, county_admin, program, village_a):
    pilot = PilotAssignmentFactory(
        program=program, village=village_a, year=2019, level=PilotLevel.PROVINCIAL_KEY, status=PilotStatus.PROPOSED
    )

    payload = _get(_as(api, county_admin), PILOTS)

    assert payload["count"] == 1
    assert payload["results"] == [
        {
            "id": pilot.pk,
            "village": village_a.pk,
            "village_name": "水布垭村",
            "township_name": "水布垭镇",
            "program": program.code,
            "year": 2019,
            "level": "provincial_key",
            "status": "proposed",
            # A pilot entered at level 省级重点支持 is a granted application (in step with the level).
            "provincial_status": "granted",
            "provincial_decided_on": None,
            "approved_at": None,
            "withdrawn_at": None,
            "accepted_on": None,
            "acceptance_document_no": "",
            "is_demonstration": False,
        }
    ]


def test_detail_routes_render_one_row(api, county_admin, program, village_a):
    pilot = PilotAssignmentFactory(program=program, village=village_a, year=2018)
    client = _as(api, county_admin)

    village = _get(client, reverse("api_village-detail", args=[village_a.pk]))
    assert (village["name"], village["pilot"]["year"]) == ("水布垭村", 2018)
    township = _get(client, reverse("api_township-detail", args=[village_a.township_id]))
    assert (township["name"], township["village_count"]) == ("水布垭镇", 1)
    detail = _get(client, reverse("api_pilot_assignment-detail", args=[pilot.pk]))
    assert (detail["village_name"], detail["status"]) == ("水布垭村", "approved")


def test_lists_are_paginated_with_page_and_page_size(api, county_admin, township_a):
    VillageFactory.create_batch(5, township=township_a)
    client = _as(api, county_admin)

    first = _get(client, VILLAGES, {"page_size": 2})
    assert (first["count"], len(first["results"]), first["previous"]) == (5, 2, None)
    assert "page=2" in first["next"]
    last = _get(client, VILLAGES, {"page_size": 2, "page": 3})
    assert (len(last["results"]), last["next"]) == (1, None)
    assert {row["id"] for row in first["results"]}.isdisjoint({row["id"] for row in last["results"]})


def _items(row: dict) -> list:
    # Equal keys in the same order: the JSON a client reads, byte for byte.
    return list(row.items())


def test_village_list_rows_are_the_detail_records(api, county_admin, county, program, township_a):
    """The list writes its rows out from plain columns (row_representation); the detail walks the
    serializer's fields over the record. Every kind of value comes out the same from both."""
    later = PilotProgramFactory(county=county, code="badong-14th-fyp", start_year=2021, end_year=2025)
    merged = VillageFactory(township=township_a, name="撤并村", is_active=False, ended_on=datetime.date(2021, 3, 1))
    community = VillageFactory(
        township=township_a,
        name="改社区村",
        kind=VillageKind.RESIDENTIAL_COMMUNITY,
        community_since=datetime.date(2019, 5, 1),
        established_on=datetime.date(2010, 1, 1),
    )
    plain = VillageFactory(township=township_a, name="无试点村", households=0, population=0)
    PilotAssignmentFactory(program=program, village=merged, year=2018, level=PilotLevel.PROVINCIAL_KEY)
    PilotAssignmentFactory(program=program, village=community, year=2017)
    PilotAssignmentFactory(program=later, village=community, year=2022)
    PilotAssignmentFactory(program=later, village=merged, year=2021, status=PilotStatus.PROPOSED)
    _withdrawn(later, merged, 2023)
    client = _as(api, county_admin)

    shown = {}
    for params in ({}, {"program": program.code}, {"program": later.code, "year": 2022}):
        rows = _get(client, VILLAGES, params)["results"]
        shown[tuple(params.values())] = {row["id"] for row in rows}
        for row in rows:
            detail = _get(client, reverse("api_village-detail", args=[row["id"]]), params)
            assert _items(row) == _items(detail)
    assert list(shown.values()) == [{merged.pk, community.pk, plain.pk}, {merged.pk, community.pk}, {community.pk}]
    rows = {row["id"]: row for row in _get(client, VILLAGES)["results"]}
    assert (rows[merged.pk]["status"], rows[merged.pk]["ended_on"]) == ("merged", "2021-03-01")
    # The newest pilot that is not withdrawn, of any program unless one is asked for.
    assert rows[merged.pk]["pilot"] == {"program": later.code, "year": 2021, "level": "county", "status": "proposed"}
    narrowed = _get(client, VILLAGES, {"program": program.code})["results"]
    assert [row["pilot"] for row in narrowed if row["id"] == merged.pk] == [
        {"program": program.code, "year": 2018, "level": "provincial_key", "status": "approved"}
    ]
    assert (rows[community.pk]["community_since"], rows[community.pk]["established_on"]) == ("2019-05-01", "2010-01-01")
    assert rows[community.pk]["pilot"] == {"program": later.code, "year": 2022, "level": "county", "status": "approved"}
    assert rows[plain.pk]["pilot"] is None


def test_pilot_assignment_list_rows_are_the_detail_records(api, county_admin, program, village_a, village_b):
    approved_at = datetime.datetime(2018, 4, 2, 1, 30, tzinfo=datetime.UTC)  # 09:30 in 巴东
    PilotAssignmentFactory(
        program=program,
        village=village_a,
        year=2018,
        level=PilotLevel.PROVINCIAL_KEY,
        provincial_decided_on=datetime.date(2018, 6, 1),
        approved_at=approved_at,
        status=PilotStatus.ACCEPTED,
        accepted_on=datetime.date(2020, 11, 20),
        acceptance_document_no="巴民发〔2020〕12号",
        is_demonstration=True,
    )
    PilotAssignmentFactory(
        program=program,
        village=village_b,
        year=2019,
        status=PilotStatus.WITHDRAWN,
        withdraw_reason="条件不成熟",
        approved_at=approved_at,
        withdrawn_at=datetime.datetime(2019, 12, 31, 16, 5, 7, 123456, tzinfo=datetime.UTC),
    )
    client = _as(api, county_admin)

    rows = _get(client, PILOTS)["results"]
    assert len(rows) == 2
    for row in rows:
        assert _items(row) == _items(_get(client, reverse("api_pilot_assignment-detail", args=[row["id"]])))
    accepted, withdrawn = sorted(rows, key=lambda row: row["year"])
    assert (accepted["approved_at"], accepted["accepted_on"]) == ("2018-04-02T09:30:00+08:00", "2020-11-20")
    assert (accepted["provincial_decided_on"], accepted["is_demonstration"]) == ("2018-06-01", True)
    assert withdrawn["withdrawn_at"] == "2020-01-01T00:05:07.123456+08:00"


def test_lists_answer_in_one_statement_with_their_total(api, county_admin, program, township_a, village_a):
    """The page's rows and its total come from one statement (a window count), not two."""
    VillageFactory.create_batch(4, township=township_a)
    PilotAssignmentFactory(program=program, village=village_a, year=2018)
    client = _as(api, county_admin)  # force_authenticate: no session or user query
    for url in (VILLAGES, PILOTS):
        with CaptureQueriesContext(connection) as queries:
            payload = _get(client, url, {"page_size": 2})
        assert len(queries) == 1, [q["sql"] for q in queries]
        assert "OVER ()" in queries[0]["sql"]
        assert payload["count"] == (5 if url == VILLAGES else 1)


# --- scoping -------------------------------------------------------------------------------------


@pytest.fixture
def two_townships(program, village_a, village_b):
    return {
        "pilot_a": PilotAssignmentFactory(program=program, village=village_a, year=2018),
        "pilot_b": PilotAssignmentFactory(program=program, village=village_b, year=2018),
    }


@pytest.mark.parametrize("role", COUNTY_ROLES)
def test_county_roles_see_their_county_and_not_another(api, personas, program, two_townships, foreign, role):
    client = _as(api, personas[role])

    assert _names(_get(client, TOWNSHIPS)) == {"东瀼口镇", "水布垭镇"}
    assert _names(_get(client, VILLAGES)) == {"东瀼口村", "水布垭村"}
    assert _names(_get(client, PILOTS), "village_name") == {"东瀼口村", "水布垭村"}
    stats = _get(client, STATS, {"program": program.code, "year": 2018})
    assert sorted(row["name"] for row in stats["townships"]) == ["东瀼口镇", "水布垭镇"]
    assert stats["county"]["new_pilots"] == 2

    for route, pk in [
        ("api_village-detail", foreign["village"].pk),
        ("api_township-detail", foreign["township"].pk),
        ("api_pilot_assignment-detail", foreign["pilot"].pk),
    ]:
        assert client.get(reverse(route, args=[pk])).status_code == 404, route
    assert _get(client, VILLAGES, {"township": foreign["township"].pk}, status=400)["township"]
    assert _get(client, STATS, {"program": foreign["program"].code, "year": 2018}, status=400)["program"]


@pytest.mark.parametrize(("role", "own", "other"), [("township_a", "a", "b"), ("township_b", "b", "a")])
def test_township_official_sees_only_their_township(
    api, personas, program, township_a, township_b, village_a, village_b, two_townships, role, own, other
):
    places = {
        "a": {"township": township_a, "village": village_a, "pilot": two_townships["pilot_a"]},
        "b": {"township": township_b, "village": village_b, "pilot": two_townships["pilot_b"]},
    }
    mine, theirs = places[own], places[other]
    client = _as(api, personas[role])

    assert _names(_get(client, TOWNSHIPS)) == {mine["township"].name}
    assert _names(_get(client, VILLAGES)) == {mine["village"].name}
    assert _names(_get(client, PILOTS), "village_name") == {mine["village"].name}

    # Details of the other township are 404, never 403 and never the data.
    for route, key in [
        ("api_village-detail", "village"),
        ("api_township-detail", "township"),
        ("api_pilot_assignment-detail", "pilot"),
    ]:
        assert client.get(reverse(route, args=[mine[key].pk])).status_code == 200, route
        response = client.get(reverse(route, args=[theirs[key].pk]))
        assert response.status_code == 404, route
        assert theirs["village"].name not in response.content.decode()

    # Naming the other township in a filter is an invalid choice, not a way in.
    for url in (VILLAGES, PILOTS):
        errors = _get(client, url, {"township": theirs["township"].pk}, status=400)
        assert "township" in errors
        assert "results" not in errors

    stats = _get(client, STATS, {"program": program.code, "year": 2018})
    assert [row["name"] for row in stats["townships"]] == [mine["township"].name]
    assert stats["scope"] == "township"
    # The county block is the county's (totals only, no other township's row).
    assert stats["county"]["villages"] == 2
    assert stats["county"]["new_pilots"] == 2
    assert theirs["township"].name not in str(stats)


@pytest.mark.parametrize(
    "url",
    [
        TOWNSHIPS,
        VILLAGES,
        PILOTS,
        STATS + "?program=badong-13th-fyp&year=2018",
        "village-detail",
        "township-detail",
        "pilot-detail",
    ],
)
def test_anonymous_is_refused_everywhere(api, program, two_townships, village_a, url):
    details = {
        "village-detail": reverse("api_village-detail", args=[village_a.pk]),
        "township-detail": reverse("api_township-detail", args=[village_a.township_id]),
        "pilot-detail": reverse("api_pilot_assignment-detail", args=[two_townships["pilot_a"].pk]),
    }
    response = api.get(details.get(url, url))
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert "水布垭" not in response.content.decode()


# --- filters -------------------------------------------------------------------------------------


@pytest.fixture
def filter_data(county, program, township_a, township_b):
    pilot_2017 = VillageFactory(township=township_a, name="茶店子村", code="422823104202")
    pilot_2018 = VillageFactory(township=township_b, name="桃花村", code="422823101202")
    proposed = VillageFactory(township=township_a, name="青岩村", code="422823104203")
    plain = VillageFactory(township=township_b, name="茶园村", code="422823101203")
    PilotAssignmentFactory(program=program, village=pilot_2017, year=2017, level=PilotLevel.PROVINCIAL_KEY)
    PilotAssignmentFactory(program=program, village=pilot_2018, year=2018)
    PilotAssignmentFactory(program=program, village=proposed, year=2018, status=PilotStatus.PROPOSED)
    _withdrawn(program, plain, 2017)
    return program


def test_village_filters_is_pilot(api, county_admin, filter_data):
    client = _as(api, county_admin)
    assert _names(_get(client, VILLAGES, {"is_pilot": "true"})) == {"桃花村", "茶店子村"}
    # Proposed and withdrawn pilots are not pilots yet.
    assert _names(_get(client, VILLAGES, {"is_pilot": "false"})) == {"茶园村", "青岩村"}


def test_village_filters_program_and_year(api, county_admin, filter_data):
    client = _as(api, county_admin)
    assert _names(_get(client, VILLAGES, {"program": filter_data.code, "year": 2018})) == {"桃花村"}
    assert _names(_get(client, VILLAGES, {"program": filter_data.code})) == {"桃花村", "茶店子村"}
    assert _get(client, VILLAGES, {"program": "no-such-program"}, status=400)["program"]


def test_village_filters_township_and_search(api, county_admin, filter_data, township_a):
    client = _as(api, county_admin)
    assert _names(_get(client, VILLAGES, {"township": township_a.pk})) == {"茶店子村", "青岩村"}
    assert _names(_get(client, VILLAGES, {"search": "茶"})) == {"茶园村", "茶店子村"}
    # A code prefix finds the villages of that township's code range.
    assert _names(_get(client, VILLAGES, {"search": "422823101"})) == {"桃花村", "茶园村"}
    assert _names(_get(client, VILLAGES, {"search": "422823104203"})) == {"青岩村"}


def test_pilot_assignment_filters(api, county_admin, county, filter_data, township_b):
    client = _as(api, county_admin)
    other = PilotProgramFactory(county=county, code="other-program")
    PilotAssignmentFactory(program=other, village=VillageFactory(township=township_b, name="平阳坝村"), year=2018)

    assert _names(_get(client, PILOTS, {"program": filter_data.code}), "village_name") == {
        "桃花村",
        "茶园村",
        "茶店子村",
        "青岩村",
    }
    assert _names(_get(client, PILOTS, {"year": 2018}), "village_name") == {"平阳坝村", "桃花村", "青岩村"}
    assert _names(_get(client, PILOTS, {"township": township_b.pk, "program": filter_data.code}), "village_name") == {
        "桃花村",
        "茶园村",
    }
    assert _names(_get(client, PILOTS, {"level": "provincial_key"}), "village_name") == {"茶店子村"}
    assert _names(_get(client, PILOTS, {"status": "withdrawn"}), "village_name") == {"茶园村"}
    assert _names(_get(client, PILOTS, {"status": "proposed", "year": 2018}), "village_name") == {"青岩村"}
    assert _get(client, PILOTS, {"level": "省级重点支持"}, status=400)["level"]


# --- statistics ----------------------------------------------------------------------------------

YEAR = 2018


def _stats(client, program, year=YEAR):
    return _get(client, STATS, {"program": program.code, "year": year})


def _township_row(payload, township):
    return next(row for row in payload["townships"] if row["id"] == township.pk)


@pytest.fixture
def quota_case(county, program):
    """Two townships of 21 and 20 active administrative villages, and a program whose county
    minimums are small enough to reach in a test."""
    program.county_annual_min_count = 3
    program.provincial_annual_min_count = 2
    program.save()
    big = TownshipFactory(county=county, name="野三关镇", code="422823105")
    small = TownshipFactory(county=county, name="清太坪镇", code="422823106")
    big_villages = VillageFactory.create_batch(21, township=big)
    small_villages = VillageFactory.create_batch(20, township=small)
    # Neither an inactive village nor a community counts towards the denominator.
    VillageFactory(township=big, is_active=False)
    VillageFactory(township=big, kind=VillageKind.RESIDENTIAL_COMMUNITY)
    return {"program": program, "big": big, "small": small, "big_v": big_villages, "small_v": small_villages}


def test_stats_township_quota_and_county_minimums(api, county_admin, quota_case):
    program, big, small = quota_case["program"], quota_case["big"], quota_case["small"]
    big_v, small_v = quota_case["big_v"], quota_case["small_v"]
    ratio = program.township_annual_min_ratio
    # Year Y in the big township: one approved provincial-key pilot, one proposed, one withdrawn.
    PilotAssignmentFactory(program=program, village=big_v[0], year=YEAR, level=PilotLevel.PROVINCIAL_KEY)
    PilotAssignmentFactory(program=program, village=big_v[1], year=YEAR, status=PilotStatus.PROPOSED)
    _withdrawn(program, big_v[2], YEAR)
    # The small township: one approved pilot in Y, one in Y-1 (cumulative only), one in Y+1 (neither),
    # and a proposed provincial-key one (not counted as provincial key).
    PilotAssignmentFactory(program=program, village=small_v[0], year=YEAR)
    PilotAssignmentFactory(program=program, village=small_v[1], year=YEAR - 1, level=PilotLevel.PROVINCIAL_KEY)
    PilotAssignmentFactory(program=program, village=small_v[2], year=YEAR + 1)
    PilotAssignmentFactory(
        program=program, village=small_v[3], year=YEAR, level=PilotLevel.PROVINCIAL_KEY, status=PilotStatus.PROPOSED
    )
    client = _as(api, county_admin)

    payload = _stats(client, program)

    assert (payload["program"], payload["year"]) == (program.code, YEAR)
    big_row, small_row = _township_row(payload, big), _township_row(payload, small)
    assert big_row == {
        "id": big.pk,
        "name": "野三关镇",
        "villages": 21,
        "new_pilots": 1,
        "required_new_pilots": math.ceil(ratio * 21),
        "meets_quota": False,
        "cumulative_pilots": 1,
        "cumulative_share": round(1 / 21, 4),
        "accepted_pilots": 0,
    }
    assert big_row["required_new_pilots"] == 2
    assert small_row == {
        "id": small.pk,
        "name": "清太坪镇",
        "villages": 20,
        "new_pilots": 1,
        "required_new_pilots": math.ceil(ratio * 20),
        "meets_quota": True,
        "cumulative_pilots": 2,
        "cumulative_share": 0.1,
        "accepted_pilots": 0,
    }
    assert small_row["required_new_pilots"] == 1
    new_pilots, province_key = 2, 1
    assert payload["county"] == {
        "villages": 41,
        "new_pilots": new_pilots,
        "province_key": province_key,
        # Pilots entered at level 省级重点支持 are granted applications: applied = granted here.
        "province_applied": province_key,
        "province_granted": province_key,
        "cumulative_pilots": 3,
        "cumulative_share": round(3 / 41, 4),
        "meets_yearly_minimum": new_pilots >= program.county_annual_min_count,
        "meets_province_key_minimum": province_key >= program.provincial_annual_min_count,
        "accepted_pilots": 0,
    }
    assert payload["county"]["cumulative_share"] == 0.0732
    assert payload["county"]["meets_yearly_minimum"] is False
    assert payload["county"]["meets_province_key_minimum"] is False

    # A second approved provincial-key pilot in the big township meets its quota, the county's
    # yearly minimum (3) and its provincial-key minimum (2) at once.
    PilotAssignmentFactory(program=program, village=big_v[3], year=YEAR, level=PilotLevel.PROVINCIAL_KEY)

    payload = _stats(client, program)

    big_row = _township_row(payload, big)
    assert (big_row["new_pilots"], big_row["meets_quota"]) == (big_row["required_new_pilots"], True)
    assert big_row["cumulative_share"] == round(2 / 21, 4) == 0.0952
    county = payload["county"]
    assert county["new_pilots"] == program.county_annual_min_count
    assert county["meets_yearly_minimum"] is True
    assert county["province_key"] == program.provincial_annual_min_count
    assert county["meets_province_key_minimum"] is True


def test_stats_cumulative_counts_years_up_to_the_requested_one(api, county_admin, quota_case):
    program, small, small_v = quota_case["program"], quota_case["small"], quota_case["small_v"]
    for year, village in zip(program.years, small_v, strict=False):
        PilotAssignmentFactory(program=program, village=village, year=year)
    client = _as(api, county_admin)

    rows = [_township_row(_stats(client, program, year), small) for year in program.years]

    assert [row["cumulative_pilots"] for row in rows] == list(range(1, len(program.years) + 1))
    assert [row["new_pilots"] for row in rows] == [1] * len(program.years)


def test_stats_are_the_quota_selector_rendered(api, county_admin, quota_case):
    program = quota_case["program"]
    PilotAssignmentFactory(program=program, village=quota_case["big_v"][0], year=YEAR)
    payload = _stats(_as(api, county_admin), program)
    report = pilot_quota_stats(user=county_admin, program=program, year=YEAR).as_dict()
    assert payload == {**report, "as_of": report["as_of"].isoformat()}
    assert payload["as_of"] == f"{YEAR}-12-31"


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"year": YEAR}, "program", "请指定试点项目"),
        ({"program": "", "year": YEAR}, "program", "请指定试点项目"),
        ({"program": "no-such-program", "year": YEAR}, "program", "不存在或不在您的查看范围内"),
        ({"program": "badong-13th-fyp"}, "year", "请指定年度"),
        ({"program": "badong-13th-fyp", "year": "去年"}, "year", "年度应为整数"),
        ({"program": "badong-13th-fyp", "year": 2015}, "year", "年度应在 2016–2020 之间"),
        ({"program": "badong-13th-fyp", "year": 2021}, "year", "年度应在 2016–2020 之间"),
    ],
)
def test_stats_query_is_validated(api, county_admin, program, params, field, message):
    assert (program.start_year, program.end_year) == (2016, 2020)
    errors = _get(_as(api, county_admin), STATS, params, status=400)
    assert list(errors) == [field]
    assert message in errors[field][0]


def test_stats_refuse_another_countys_program_like_an_unknown_one(api, county_admin, program, foreign):
    client = _as(api, county_admin)
    other = _get(client, STATS, {"program": foreign["program"].code, "year": YEAR}, status=400)
    unknown = _get(client, STATS, {"program": "jianshi-pilot-x", "year": YEAR}, status=400)
    assert other["program"][0].replace(foreign["program"].code, "?") == unknown["program"][0].replace(
        "jianshi-pilot-x", "?"
    )
    assert "业州镇" not in str(other)


# --- query counts --------------------------------------------------------------------------------


# Township codes away from the fixtures' (101, 104) and the quota case's (105, 106).
_township_codes = itertools.count(500)


def _populate(county, program, townships, villages_per_township):
    for _ in range(townships):
        township = TownshipFactory(county=county, code=f"422823{next(_township_codes) % 1000:03d}")
        villages = VillageFactory.create_batch(villages_per_township, township=township)
        for index, (year, village) in enumerate(zip(program.years, villages, strict=False)):
            level = PilotLevel.PROVINCIAL_KEY if index % 2 else PilotLevel.COUNTY
            status = PilotStatus.PROPOSED if index == 4 else PilotStatus.APPROVED
            PilotAssignmentFactory(program=program, village=village, year=year, level=level, status=status)


@pytest.mark.parametrize(
    "url",
    [
        lambda p: VILLAGES,
        lambda p: f"{VILLAGES}?program={p.code}&year=2017&is_pilot=true",
        lambda p: f"{VILLAGES}?search=测试&is_pilot=false",
        lambda p: PILOTS,
        lambda p: f"{PILOTS}?program={p.code}&level=county&status=approved",
        lambda p: TOWNSHIPS,
        lambda p: f"{STATS}?program={p.code}&year=2018",
    ],
)
@pytest.mark.parametrize("role", ["county_admin", "township_a"])
def test_endpoints_run_the_same_number_of_queries_at_two_sizes(
    api, county, program, personas, django_assert_num_queries, url, role
):
    user = personas[role]
    client = APIClient()
    client.force_login(user)  # session auth, as the browser uses it: the user is loaded per request
    _populate(county, program, townships=1, villages_per_township=5)
    if role == "township_a":
        _populate_township(program, user.township, 6)
    # The connection's first JSON expression asks SQLite once whether it has JSON at all.
    client.get(url(program))
    with CaptureQueriesContext(connection) as small:
        response = client.get(url(program))
    assert response.status_code == 200
    small_payload = response.json()

    _populate(county, program, townships=5, villages_per_township=12)
    if role == "township_a":
        _populate_township(program, user.township, 55)
    with django_assert_num_queries(len(small)):
        response = client.get(url(program))
    assert response.status_code == 200
    # The larger data set really is larger, so equal counts mean no query per row.
    assert response.json() != small_payload


def _populate_township(program, township, n):
    """n villages of one township, all but the last a pilot (one per program year)."""
    villages = VillageFactory.create_batch(n, township=township)
    for year, village in zip(program.years, villages[:-1], strict=False):
        PilotAssignmentFactory(program=program, village=village, year=year)
