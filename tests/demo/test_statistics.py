"""The statistics of the demo county as issue 18 measured them from outside (program 2016–2020,
every task due 2020-12-31, four closed out on 2020-01-15): each year counted as of its last
day, the townships' own tasks in their governments' rows, and the county's verdicts for a
township token too."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from demo.county import PROGRAM
from pilot_admin.models import User


@pytest.fixture(scope="class")
def demo(demo_county):
    return demo_county


def _api(username):
    client = APIClient()
    client.force_authenticate(User.objects.get(username=username))

    def get(name, **query):
        response = client.get(reverse(name), {"program": PROGRAM["code"], **query})
        assert response.status_code == 200, response.content.decode()
        return response.json()

    return get


@pytest.mark.django_db
@pytest.mark.usefixtures("demo")
class TestDemoStatistics:
    def test_each_year_counts_its_tasks_as_of_its_last_day(self):
        get = _api("api_client")
        totals = {year: get("api_task_stats", year=year)["tasks"] for year in range(2017, 2021)}
        # Every deadline is 2020-12-31: no year of the program has an overdue task on its last
        # day (the issue saw 49 in every year, counted as of today); the four close-outs of
        # 2020-01-15 count from 2020 only.
        assert totals == {
            year: {"running": 53, "closed_out": 4 if year == 2020 else 0, "overdue": 0} for year in totals
        }
        assert get("api_task_stats", year=2017)["as_of"] == "2017-12-31"

    def test_a_township_government_leads_the_townships_own_tasks(self):
        township = _api("township_shuibuya")
        tasks = township("api_task-list", page_size=200)["results"]
        led = [t["code"] for t in tasks if "水布垭镇人民政府" in t["lead_departments"]]
        assert led == ["BD-01-01", "BD-01-02"]
        (own,) = township("api_task_stats", year=2018)["departments"]
        assert (own["name"], own["tasks_led"]) == ("水布垭镇人民政府", 2)

        county = _api("api_client")("api_task_stats", year=2018)
        governments = [row for row in county["departments"] if row["kind"] == "township"]
        assert len(governments) == 12 and {row["tasks_led"] for row in governments} == {2}
        # 51 tasks with one county lead unit, 2 led by each of the 12 township governments.
        assert sum(row["tasks_led"] for row in county["departments"]) == 51 + 2 * 12
        assert {**own, "name": "水布垭镇人民政府"} in county["departments"]

    def test_a_township_token_gets_the_countys_block_and_verdicts(self):
        township, county = _api("township_shuibuya"), _api("api_client")
        for year in range(2016, 2021):
            own, whole = township("api_pilot_stats", year=year), county("api_pilot_stats", year=year)
            assert own["county"] == whole["county"]
            assert (own["scope"], [row["name"] for row in own["townships"]]) == ("township", ["水布垭镇"])
            assert own["townships"][0] in whole["townships"]
        assert township("api_pilot_stats", year=2016)["county"]["meets_yearly_minimum"] is True
