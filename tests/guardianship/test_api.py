"""The guardianship API: fields, ID masking under every role, scoping, filters, the statistics
endpoint's validation, and query counts at two sizes."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from guardianship.rules import mask_id_number
from tests.guardianship.test_selectors import FEB, LONG_AGO, guardian, registered, visit

PERSONS = reverse("api_person-list")
STATS = reverse("api_guardianship_stats")
FIELDS = {
    "registered_on",
    "exit_date",
    "id",
    "name",
    "gender",
    "id_number",
    "age",
    "township",
    "township_name",
    "village",
    "village_name",
    "kind",
    "civil_capacity",
    "support_mode",
    "self_care_level",
    "guardian_category",
    "status",
}


@pytest.fixture
def api():
    def _client(user):
        client = APIClient()
        client.force_authenticate(user)
        return client

    return _client


@pytest.fixture
def register(village_a, village_b, county_admin):
    a1 = registered(village_a, LONG_AGO, name="甲", civil_capacity="none", self_care_level="none")
    a2 = registered(village_a, LONG_AGO, name="乙", support_mode="concentrated", institution="信陵镇敬老院")
    b1 = registered(village_b, LONG_AGO, name="丙", civil_capacity="limited")
    visit(a1, datetime.date(2024, 2, 3), county_admin)
    visit(b1, datetime.date(2024, 1, 30), county_admin)
    guardian(a1, "I", agreement=True)
    return {"a1": a1, "a2": a2, "b1": b1}


def _names(response):
    assert response.status_code == 200, response.content
    return sorted(row["name"] for row in response.json()["results"])


def test_person_fields(api, county_viewer, register, township_a):
    response = api(county_viewer).get(reverse("api_person-detail", args=[register["a1"].pk]))
    assert response.status_code == 200
    body = response.json()
    assert set(body) == FIELDS
    assert body["township"] == township_a.pk and body["township_name"] == "水布垭镇"
    assert (body["village_name"], body["kind"], body["civil_capacity"]) == ("水布垭村", "elderly", "none")
    assert (body["support_mode"], body["self_care_level"], body["guardian_category"]) == ("dispersed", "none", "I")
    today = timezone.localdate()
    age = today.year - 1950 - ((today.month, today.day) < (3, 15))
    assert (body["status"], body["age"], body["gender"]) == ("active", age, "male")


@pytest.mark.parametrize("role", ["county_admin", "county_viewer", "api_client", "township_a"])
def test_id_numbers_are_masked_in_the_api_for_every_role(api, personas, register, role):
    response = api(personas[role]).get(PERSONS)
    rows = response.json()["results"]
    assert rows
    for row in rows:
        assert row["id_number"] == mask_id_number(next(p.id_number for p in register.values() if p.pk == row["id"]))
        assert "********" in row["id_number"]
    assert register["a1"].id_number not in response.content.decode()


def test_township_official_sees_only_own_township(api, township_a_official, township_b_official, register):
    assert _names(api(township_a_official).get(PERSONS)) == ["乙", "甲"]
    assert _names(api(township_b_official).get(PERSONS)) == ["丙"]
    response = api(township_b_official).get(reverse("api_person-detail", args=[register["a1"].pk]))
    assert response.status_code == 404


def test_other_countys_person_is_not_found(api, county_admin, register):
    from tests.factories import PersonFactory, TownshipFactory, VillageFactory

    township = TownshipFactory(county__name="建始县", county__admin_code="422822", name="业州镇", code="422822100")
    foreign = PersonFactory(village=VillageFactory(township=township))
    assert api(county_admin).get(reverse("api_person-detail", args=[foreign.pk])).status_code == 404
    assert foreign.name not in _names(api(county_admin).get(PERSONS))


def test_departments_and_inspectors_are_refused(api, department_user, inspector, register):
    for user in (department_user, inspector):
        response = api(user).get(PERSONS)
        assert response.status_code == 403
        assert "无权" in response.json()["detail"]


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ({"support_mode": "concentrated"}, ["乙"]),
        ({"self_care_level": "none"}, ["甲"]),
        ({"guardian_category": "I"}, ["甲"]),
        ({"guardian_category": "missing"}, ["丙", "乙"]),
        ({"visited_in": "2024-02"}, ["甲"]),
        ({"visited_in": "2024-01"}, ["丙"]),
        ({"not_visited_in": "2024-02"}, ["丙"]),
        ({"kind": "minor"}, []),
        # The register page's filters, from the same FilterSet.
        ({"civil_capacity": "limited"}, ["丙"]),
        ({"guardian_category": "needed"}, ["丙"]),
        ({"agreement": "true"}, ["甲"]),
        ({"visited": "false"}, ["丙", "乙", "甲"]),
        ({"status": "exited"}, []),
        ({"search": "乙"}, ["乙"]),
    ],
)
def test_person_filters(api, county_admin, register, query, names):
    assert _names(api(county_admin).get(PERSONS, query)) == names


def test_township_and_village_filters(api, county_admin, register, township_b, village_a):
    assert _names(api(county_admin).get(PERSONS, {"township": township_b.pk})) == ["丙"]
    assert _names(api(county_admin).get(PERSONS, {"village": village_a.pk})) == ["乙", "甲"]


def test_filters_refuse_out_of_scope_township_and_bad_month(api, township_a_official, register, township_b):
    response = api(township_a_official).get(PERSONS, {"township": township_b.pk})
    assert response.status_code == 400
    response = api(township_a_official).get(PERSONS, {"visited_in": "2024/02"})
    assert response.status_code == 400
    assert "YYYY-MM" in response.content.decode()


def test_stats_endpoint(api, api_client_user, register, township_a, township_b):
    body = api(api_client_user).get(STATS, {"month": "2024-02"}).json()
    assert body["month"] == "2024-02"
    assert (body["persons_active"], body["dispersed_total"], body["dispersed_visited"]) == (3, 2, 1)
    assert body["visit_coverage"] == 0.5
    assert body["support_mode"] == {"concentrated": 1, "dispersed": 2}
    assert body["guardian_category"] == {"I": 1, "II": 0, "III": 0, "missing": 1}
    assert body["agreements_missing"] == 0
    assert {t["name"]: t["visit_coverage"] for t in body["townships"]} == {"水布垭镇": 1.0, "东瀼口镇": 0}


def test_stats_for_one_township(api, county_admin, register, township_b):
    body = api(county_admin).get(STATS, {"month": "2024-01", "township": township_b.pk}).json()
    assert (body["persons_active"], body["dispersed_visited"], body["visit_coverage"]) == (1, 1, 1.0)
    assert [t["name"] for t in body["townships"]] == ["东瀼口镇"]


def test_stats_township_must_be_visible(api, township_a_official, register, township_b):
    response = api(township_a_official).get(STATS, {"month": "2024-02", "township": township_b.pk})
    assert response.status_code == 400
    assert "乡镇不存在或不在您的查看范围内。" in response.content.decode()


@pytest.mark.parametrize(
    ("month", "message"),
    [("2024-13", "月份格式应为 YYYY-MM"), ("二月", "月份格式应为 YYYY-MM"), ("2999-01", "月份不能晚于本月。")],
)
def test_stats_month_is_validated_in_chinese(api, county_admin, register, month, message):
    response = api(county_admin).get(STATS, {"month": month})
    assert response.status_code == 400
    assert message in response.content.decode()


def test_stats_default_to_this_month(api, county_admin, register):
    body = api(county_admin).get(STATS).json()
    assert body["month"] == timezone.localdate().strftime("%Y-%m")
    assert body["persons_active"] == 3


def _grow(village_a, village_b, n, actor):
    for i in range(n):
        person = registered(village_a if i % 2 else village_b, LONG_AGO, civil_capacity="limited")
        visit(person, FEB, actor)
        guardian(person, ("I", "II", "III")[i % 3], agreement=bool(i % 2))


@pytest.mark.parametrize("url", [PERSONS + "?visited_in=2024-02&guardian_category=I", STATS + "?month=2024-02"])
def test_query_counts_do_not_grow(api, county_admin, village_a, village_b, django_assert_max_num_queries, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = api(county_admin)
    _grow(village_a, village_b, 2, county_admin)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    _grow(village_a, village_b, 20, county_admin)
    with django_assert_max_num_queries(len(small)):
        assert client.get(url).status_code == 200
    assert len(small) <= 6
