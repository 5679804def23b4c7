import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from pilot_admin.audit.services import audit_entries_for
from tests.factories import (
    CountyFactory,
    PilotAssignmentFactory,
    TownshipFactory,
    VillageFactory,
    VillageIndicatorFactory,
)
from villages.choices import IndicatorStatus, PilotLevel, PilotStatus
from villages.models import IndicatorYear, PilotAssignment, VillageIndicator


@pytest.fixture(autouse=True)
def _indicator_year_2019_open(db):
    """The indicator tests fill 2019: the county opened it (issue 13: only open years)."""
    IndicatorYear.objects.create(county=CountyFactory(), year=2019, opened_at=timezone.now())


def _populate(county, program, townships, villages_per_township):
    for _ in range(townships):
        township = TownshipFactory(county=county)
        villages = VillageFactory.create_batch(villages_per_township, township=township)
        for year, village in zip(program.years, villages, strict=False):
            PilotAssignmentFactory(program=program, village=village, year=year)
        VillageIndicatorFactory(village=villages[-1], year=2019)


def _count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response


@pytest.mark.parametrize(
    "url",
    [
        lambda p: reverse("villages:village_list"),
        lambda p: reverse("villages:village_list") + f"?program={p.code}&year=2017&is_pilot=true",
        lambda p: reverse("villages:pilot_list") + f"?program={p.code}",
        lambda p: reverse("villages:quota_report") + f"?program={p.code}&year=2018",
        lambda p: reverse("villages:township_list"),
        lambda p: reverse("villages:indicator_list"),
        lambda p: reverse("home"),
    ],
)
def test_list_pages_run_the_same_number_of_queries_at_two_sizes(client, county, program, county_admin, url):
    client.force_login(county_admin)
    # SQLite probes its JSON support with a query of its own, once per connection, the first
    # time a JSON column is read (the village list's current pilot): not a query of the page.
    assert connection.features.supports_json_field
    _populate(county, program, townships=2, villages_per_township=3)
    small, _ = _count_queries(client, url(program))
    _populate(county, program, townships=6, villages_per_township=12)
    # The factories write behind the services' back, so nothing bumps the cached dashboard.
    cache.clear()
    large, response = _count_queries(client, url(program))
    assert large == small
    assert response.context is not None


def test_village_list_shows_own_township_only(client, village_a, village_b, township_a_official):
    client.force_login(township_a_official)
    response = client.get(reverse("villages:village_list"))
    content = response.content.decode()
    assert village_a.name in content
    assert village_b.name not in content


def test_village_list_filters(client, program, township_a, village_a, county_admin):
    pilot_village = VillageFactory(township=township_a, name="试点一村")
    PilotAssignmentFactory(program=program, village=pilot_village, year=2018)
    client.force_login(county_admin)
    url = reverse("villages:village_list")
    pilots = client.get(url, {"is_pilot": "true", "program": program.code, "year": 2018}).context["villages"]
    assert [v["name"] for v in pilots] == ["试点一村"]
    others = client.get(url, {"is_pilot": "false", "program": program.code}).context["villages"]
    assert [v["name"] for v in others] == [village_a.name]
    found = client.get(url, {"search": "422823104201"}).context["villages"]
    assert [v["name"] for v in found] == [village_a.name]


def test_village_list_refuses_a_foreign_township_filter(client, village_a, village_b, township_b, township_a_official):
    client.force_login(township_a_official)
    response = client.get(reverse("villages:village_list"), {"township": township_b.pk})
    assert list(response.context["villages"]) == []
    assert village_b.name not in response.content.decode()


def test_village_detail_shows_the_change_record(client, village_a, county_admin):
    client.force_login(county_admin)
    response = client.post(
        reverse("villages:village_update", args=[village_a.pk]),
        {
            "township": village_a.township_id,
            "code": village_a.code,
            "name": village_a.name,
            "kind": village_a.kind,
            "households": 333,
            "population": village_a.population,
            "resident_population": village_a.resident_population,
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    village_a.refresh_from_db()
    assert village_a.households == 333
    entry = audit_entries_for(village_a).get()
    assert entry.ip_address == "127.0.0.1"
    page = client.get(reverse("villages:village_detail", args=[village_a.pk])).content.decode()
    assert "修改记录" in page
    assert "<strong>户数</strong>：<del>300</del> → 333" in page


def test_edit_form_shows_model_errors_in_chinese(client, village_a, county_admin):
    client.force_login(county_admin)
    response = client.post(
        reverse("villages:village_update", args=[village_a.pk]),
        {
            "township": village_a.township_id,
            "code": "12345",
            "name": village_a.name,
            "kind": village_a.kind,
            "households": 1,
            "population": 1,
            "resident_population": 1,
        },
    )
    assert response.status_code == 200
    assert "村统计用区划代码应为12位数字。" in response.content.decode()
    village_a.refresh_from_db()
    assert village_a.households == 300


def test_township_official_submits_indicator_through_the_form(client, village_a, township_a_official):
    client.force_login(township_a_official)
    url = reverse("villages:indicator_submit", args=[village_a.pk, 2019])
    response = client.post(
        url,
        {
            "service_station_area_m2": "620",
            "room_day_care": "on",
            "public_service_items_offered": 18,
            "public_service_items_in_catalogue": 20,
            "left_behind_children": 5,
            "left_behind_women": 0,
            "left_behind_elderly": 9,
            "social_org_count": 2,
            "volunteer_count": 30,
            "collective_income_yuan": "52000",
            "poor_households": 10,
            "poor_households_with_main_business": 8,
        },
    )
    indicator = VillageIndicator.objects.get(village=village_a, year=2019)
    assert response.status_code == 302
    assert response["Location"] == indicator.get_absolute_url()
    assert indicator.status == IndicatorStatus.SUBMITTED
    assert indicator.room_day_care is True
    assert indicator.left_behind_elderly == 9


def test_township_official_cannot_open_another_townships_indicator_form(client, village_b, township_a_official):
    client.force_login(township_a_official)
    response = client.get(reverse("villages:indicator_submit", args=[village_b.pk, 2019]))
    assert response.status_code == 404


def test_county_admin_confirms_indicator(client, village_a, county_admin):
    indicator = VillageIndicatorFactory(village=village_a, year=2019)
    client.force_login(county_admin)
    response = client.post(reverse("villages:indicator_review", args=[indicator.pk, "confirm"]))
    assert response.status_code == 302
    indicator.refresh_from_db()
    assert indicator.status == IndicatorStatus.CONFIRMED


def test_county_admin_selects_and_approves_pilots(client, program, township_a, village_a, county_admin):
    second = VillageFactory(township=township_a, name="第二村")
    client.force_login(county_admin)
    response = client.post(
        reverse("villages:pilot_select"),
        {
            "program": program.code,
            "year": 2019,
            "township": township_a.pk,
            "level": PilotLevel.COUNTY,
            "villages": [village_a.pk, second.pk],
        },
    )
    assert response.status_code == 302
    pilots = PilotAssignment.objects.filter(program=program, year=2019)
    assert {p.village_id for p in pilots} == {village_a.pk, second.pk}
    assert {p.status for p in pilots} == {PilotStatus.PROPOSED}

    response = client.post(reverse("villages:pilot_bulk_action", args=["approve"]), {"pilots": [p.pk for p in pilots]})
    assert response.status_code == 302
    assert set(PilotAssignment.objects.filter(program=program).values_list("status", flat=True)) == {
        PilotStatus.APPROVED
    }
    report = client.get(reverse("villages:quota_report"), {"program": program.code, "year": 2019})
    row = next(r for r in report.context["report"].townships if r.id == township_a.pk)
    assert row.new_pilots == 2
    assert 'data-township="水布垭镇"' in report.content.decode()


def test_pilot_select_lists_only_villages_not_yet_pilots(client, program, township_a, village_a, county_admin):
    PilotAssignmentFactory(program=program, village=village_a, year=2016)
    free = VillageFactory(township=township_a, name="空闲村")
    client.force_login(county_admin)
    response = client.get(
        reverse("villages:pilot_select"), {"program": program.code, "year": 2019, "township": township_a.pk}
    )
    candidates = list(response.context["form"].fields["villages"].queryset)
    assert candidates == [free]


def test_withdraw_requires_a_reason_on_the_page(client, program, village_a, county_admin):
    pilot = PilotAssignmentFactory(program=program, village=village_a, year=2018)
    client.force_login(county_admin)
    response = client.post(reverse("villages:pilot_action", args=[pilot.pk, "withdraw"]), {"reason": ""}, follow=True)
    assert "撤销试点须填写原因。" in response.content.decode()
    pilot.refresh_from_db()
    assert pilot.status == PilotStatus.APPROVED


def test_quota_report_renders_chart_and_table(client, county, program, township_a, county_admin):
    villages = VillageFactory.create_batch(21, township=township_a)
    PilotAssignmentFactory(program=program, village=villages[0], year=2018)
    client.force_login(county_admin)
    content = client.get(reverse("villages:quota_report"), {"program": program.code, "year": 2018}).content.decode()
    assert '<svg class="chart" role="img"' in content
    assert "1/2" in content
    assert "差 1 个" in content


def test_township_official_sees_own_row_and_the_countys_standing(
    client, program, township_a, township_b, village_a, village_b, township_a_official
):
    PilotAssignmentFactory(program=program, village=village_b, year=2018)
    client.force_login(township_a_official)
    report = client.get(reverse("villages:quota_report"), {"program": program.code, "year": 2018}).content.decode()
    assert 'data-township="水布垭镇"' in report
    assert "东瀼口镇" not in report
    # The county's figures, labelled as the county's (the other township's pilot counts in
    # them), never a "合计" under a table that holds one row.
    summary = report[report.index('id="county-summary"') :]
    assert '<div class="value">1</div><div class="label">全县本年新增试点村' in summary
    assert "合计" not in report
    assert "下面三项为全县的数字和达标情况，表中只含您所在乡镇" in report

    home = client.get(reverse("home")).content.decode()
    assert 'id="own-quota"' in home
    assert "水布垭镇：行政村 1 个" in home
    assert "全县每年不少于" not in home


def test_county_admin_home_lists_townships_short_of_quota(client, program, township_a, village_a, county_admin):
    client.force_login(county_admin)
    home = client.get(reverse("home")).content.decode()
    assert "全县每年不少于" in home
    assert "水布垭镇：本年还差 1 个试点村" in home
