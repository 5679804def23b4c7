"""The supervision API: committee fields and members, scoping (another township's committee is
a 404, its id as a filter a 400), the statistics' validation and figures, the index and schema,
and query counts at two sizes."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from supervision.models import CommitteeMember
from tests.factories import TownshipFactory, VillageFactory
from tests.supervision.test_statistics import MARCH, committee, meeting, review

COMMITTEES = reverse("api_supervision_committee-list")
STATS = reverse("api_supervision_stats")


@pytest.fixture
def api():
    def _client(user):
        client = APIClient()
        client.force_authenticate(user)
        return client

    return _client


@pytest.fixture
def committees(village_a, village_b, county_admin):
    a = committee(
        village_a,
        datetime.date(2021, 5, 1),
        datetime.date(2026, 4, 30),
        established=datetime.date(2021, 5, 25),
        pilot=True,
    )
    CommitteeMember.objects.create(
        committee=a,
        name="王主任",
        role="chair",
        is_party_member=True,
        elected_on=datetime.date(2021, 5, 20),
        birth_date=datetime.date(1970, 1, 1),
    )
    CommitteeMember.objects.create(committee=a, name="赵委员", subgroup="assets", elected_on=datetime.date(2021, 5, 20))
    meeting(a, datetime.date(2024, 3, 8), county_admin)
    review(a, MARCH, datetime.date(2024, 3, 29), county_admin)
    b = committee(
        village_b, datetime.date(2018, 5, 1), datetime.date(2023, 4, 30), established=datetime.date(2018, 5, 20)
    )
    return {"a": a, "b": b}


def test_list_fields_and_members(api, county_admin, committees):
    response = api(county_admin).get(COMMITTEES)
    assert response.status_code == 200
    rows = {row["village_name"]: row for row in response.json()["results"]}
    assert set(rows) == {"水布垭村", "东瀼口村"}
    row = rows["水布垭村"]
    assert row["township_name"] == "水布垭镇" and row["status"] == "active" and row["is_pilot"] is True
    assert row["term_end"] == "2026-04-30" and row["established_on"] == "2021-05-25"
    assert [(m["name"], m["role"], m["subgroup"]) for m in row["members"]] == [
        ("王主任", "chair", ""),
        ("赵委员", "member", "assets"),
    ]
    # Birth dates and ID numbers stay on the pages.
    assert "birth_date" not in row["members"][0] and "id_number" not in row["members"][0]


def test_township_official_sees_own_township_and_404_for_another(api, township_b_official, committees):
    client = api(township_b_official)
    names = [row["village_name"] for row in client.get(COMMITTEES).json()["results"]]
    assert names == ["东瀼口村"]
    detail = client.get(reverse("api_supervision_committee-detail", args=[committees["a"].pk]))
    assert detail.status_code == 404
    assert client.get(reverse("api_supervision_committee-detail", args=[committees["b"].pk])).status_code == 200


def test_foreign_township_filter_is_400(api, township_b_official, county_admin, committees, township_a):
    response = api(township_b_official).get(COMMITTEES + f"?township={township_a.pk}")
    assert response.status_code == 400 and "township" in response.json()
    other = TownshipFactory(county__name="建始县", county__admin_code="422822", name="业州镇", code="422822100")
    assert api(county_admin).get(COMMITTEES + f"?township={other.pk}").status_code == 400
    filtered = api(county_admin).get(COMMITTEES + f"?township={township_a.pk}&is_pilot=true").json()["results"]
    assert [row["village_name"] for row in filtered] == ["水布垭村"]


def test_stats_figures_and_validation(api, county_admin, township_b_official, committees, township_a):
    data = api(county_admin).get(STATS + "?month=2024-03").json()
    assert data["month"] == "2024-03" and data["as_of"] == "2024-03-31" and data["scope"] == "county"
    assert (data["established"], data["overdue"], data["meetings_done"], data["reviews_done"]) == (2, 1, 1, 1)
    assert sum(row["established"] for row in data["townships"]) == data["established"]
    client = api(township_b_official)
    assert client.get(STATS + f"?township={township_a.pk}").status_code == 400
    assert "月份不能晚于本月" in str(client.get(STATS + "?month=2999-01").json())
    assert client.get(STATS + "?month=2024-13").status_code == 400
    own = client.get(STATS + "?month=2024-03").json()
    assert own["scope"] == "township" and [row["name"] for row in own["townships"]] == ["东瀼口镇"]


def test_department_is_refused(api, department_user, committees):
    assert api(department_user).get(COMMITTEES).status_code == 403
    assert api(department_user).get(STATS).status_code == 403


def test_index_and_schema_name_the_routes(api, county_admin):
    index = api(county_admin).get(reverse("api_index")).json()
    assert {"supervision-committees", "stats/supervision"} <= {r["name"] for r in index["resources"]}
    schema = api(county_admin).get(reverse("api_schema") + "?format=json").json()
    assert "/api/v1/supervision-committees/" in schema["paths"] and "/api/v1/stats/supervision/" in schema["paths"]


def _grow(township, n, actor, offset):
    for i in range(n):
        village = VillageFactory(township=township, name=f"增长村{offset + i}", code="")
        c = committee(
            village, datetime.date(2021, 5, 1), datetime.date(2026, 4, 30), established=datetime.date(2021, 6, 1)
        )
        CommitteeMember.objects.create(
            committee=c, name=f"主任{offset + i}", role="chair", elected_on=datetime.date(2021, 5, 20)
        )
        CommitteeMember.objects.create(committee=c, name=f"委员{offset + i}", elected_on=datetime.date(2021, 5, 20))
        meeting(c, datetime.date(2024, 3, 5), actor)


@pytest.mark.parametrize("url", [COMMITTEES, STATS + "?month=2024-03"])
def test_query_counts_do_not_grow(api, county_admin, committees, township_a, township_b, url):
    client = api(county_admin)
    _grow(township_a, 2, county_admin, 0)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    _grow(township_a, 10, county_admin, 10)
    _grow(township_b, 10, county_admin, 50)
    with CaptureQueriesContext(connection) as large:
        assert client.get(url).status_code == 200
    assert len(large) == len(small) <= 8
