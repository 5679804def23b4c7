"""The county's pilot plan as data (R-J1, R-J15) and the 试点与推广 page: the county office
writes its own plan (audited, a township cannot); the page compares statistics' per-township
counts with the plan's range and deadlines."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pilot_admin.models import AuditEntry
from supervision import services
from supervision.models import SupervisionPilotPlan
from tests.factories import TownshipFactory, UserFactory, VillageFactory

PLAN = {
    "name": "巴东县村务监督委员会建设试点方案",
    "source_document": "巴办发〔2010〕1号",
    "pilots_min": 1,
    "pilots_max": 2,
    "pilot_start": "2010-03-01",
    "pilot_end": "2010-12-31",
    "rollout_deadline": "2011-12-31",
}


def _plan(actor, county, **overrides):
    data = {
        **PLAN,
        "pilot_start": datetime.date(2010, 3, 1),
        "pilot_end": datetime.date(2010, 12, 31),
        "rollout_deadline": datetime.date(2011, 12, 31),
        **overrides,
    }
    return services.pilot_plan_save(actor=actor, county=county, **data)


def test_the_county_office_writes_and_edits_its_plan(client, county_admin):
    client.force_login(county_admin)
    url = reverse("supervision:pilot_plan_edit")
    response = client.post(url, PLAN, REMOTE_ADDR="10.9.9.7")
    assert response.status_code == 302
    plan = SupervisionPilotPlan.objects.get()
    assert plan.county == county_admin.county and plan.rollout_deadline == datetime.date(2011, 12, 31)
    entry = AuditEntry.objects.filter(content_type__model="supervisionpilotplan").get()
    assert (entry.actor, entry.action, entry.ip_address) == (county_admin, "create", "10.9.9.7")

    # The form opens filled in; an edit changes the one row and is audited as an update.
    assert 'value="巴东县村务监督委员会建设试点方案"' in client.get(url).content.decode()
    response = client.post(url, {**PLAN, "pilots_max": 3})
    assert response.status_code == 302
    assert SupervisionPilotPlan.objects.get().pilots_max == 3
    assert AuditEntry.objects.filter(content_type__model="supervisionpilotplan", action="update").count() == 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"pilots_min": 3, "pilots_max": 2}, "试点村上限不能小于下限"),
        ({"pilot_end": "2010-01-01"}, "试点结束日期不能早于开始日期"),
        ({"rollout_deadline": "2010-06-01"}, "全面推广完成日期不能早于试点结束日期"),
    ],
)
def test_an_inconsistent_plan_is_refused_on_the_form(client, county_admin, change, message):
    client.force_login(county_admin)
    response = client.post(reverse("supervision:pilot_plan_edit"), {**PLAN, **change})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not SupervisionPilotPlan.objects.exists()


def test_only_the_countys_own_office_may_write_the_plan(county, county_admin, township_a_official):
    with pytest.raises(PermissionDenied):
        _plan(township_a_official, county)
    other_admin = UserFactory(role="county_admin", county=TownshipFactory(county__name="建始县").county)
    with pytest.raises(PermissionDenied):
        _plan(other_admin, county)
    assert not SupervisionPilotPlan.objects.exists()
    with pytest.raises(ValidationError):
        _plan(county_admin, county, pilots_min=0)


def test_rollout_page_compares_townships_with_the_plan(
    client, county_admin, filed_committee, village_b, township_a_official
):
    _plan(county_admin, filed_committee.village.township.county)
    client.force_login(county_admin)
    page = client.get(reverse("supervision:rollout")).content.decode()
    assert "巴东县村务监督委员会建设试点方案（巴办发〔2010〕1号）" in page
    assert "全面推广期限已过" in page  # today is after 2011-12-31
    rows = {row.split("</td>")[0].split(">")[-1]: row for row in page.split('<td data-label="乡镇">')[1:]}
    # 水布垭镇: its filed pilot committee — one pilot village, within 1–2, every village covered.
    assert "符合" in rows["水布垭镇"] and "100.0%" in rows["水布垭镇"] and "逾期" not in rows["水布垭镇"]
    # 东瀼口镇: no committee at all — short of pilots, and late for the roll-out.
    assert "不足" in rows["东瀼口镇"] and "0.0%" in rows["东瀼口镇"] and "逾期未全覆盖" in rows["东瀼口镇"]

    # A township sees its own row only.
    client.force_login(township_a_official)
    page = client.get(reverse("supervision:rollout")).content.decode()
    assert "水布垭镇" in page and "东瀼口镇" not in page


def test_rollout_page_without_a_plan_asks_for_one(client, county_admin, township_a):
    client.force_login(county_admin)
    page = client.get(reverse("supervision:rollout")).content.decode()
    assert "尚未登记本县的试点方案" in page and reverse("supervision:pilot_plan_edit") in page


def test_rollout_page_reads_in_the_same_number_of_queries_at_two_sizes(client, county_admin, county):
    _plan(county_admin, county)
    client.force_login(county_admin)
    url = reverse("supervision:rollout")
    VillageFactory(township=TownshipFactory(county=county, name="甲镇", code="422823201"))
    client.get(url)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    small = count()
    for n in range(4):
        VillageFactory(township=TownshipFactory(county=county, name=f"乙镇{n}", code=f"42282330{n}"))
    assert count() == small
