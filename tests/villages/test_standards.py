"""Construction standards as data (issue 13): each pilot's checklist (met / not met / not
reported), coverage against dated targets, scoping, and flat query counts for the pages, the
export and /api/v1/stats/standards/."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from demo.standards import ensure_standards
from tests.factories import PilotAssignmentFactory, TownshipFactory, VillageFactory, VillageIndicatorFactory
from tests.helpers.excel import downloaded, sheet_rows
from villages import standards
from villages.choices import IndicatorStatus, PilotStatus
from villages.models import ProgramStandard

API = "/api/v1/stats/standards/"

# A confirmed record that meets every Badong standard.
COMPLIANT = {
    "service_station_area_m2": Decimal("600"),
    "room_convenience_service": True,
    "room_day_care": True,
    "room_mediation": True,
    "room_culture": True,
    "room_health": True,
    "room_fitness": True,
    "infra_roads": True,
    "infra_street_lights": True,
    "infra_river": True,
    "infra_greening": True,
    "infra_water_sewage": True,
    "infra_waste_station": True,
    "info_platform_covered": True,
    "grid_platform_covered": True,
    "video_surveillance_covered": True,
    "public_service_items_offered": 30,
    "public_service_items_in_catalogue": 30,
    "social_org_count": 1,
    "collective_income_yuan": Decimal("50000"),
    "poor_households": 10,
    "poor_households_with_main_business": 10,
    "poor_households_lifted": 10,
}


@pytest.fixture
def seeded(program):
    ensure_standards(program)
    return program


@pytest.fixture
def poverty_pilot(seeded, village_a):
    village_a.is_poverty_village = True
    village_a.poverty_exit_year = 2018
    village_a.save()
    return PilotAssignmentFactory(program=seeded, village=village_a, year=2017)


def _indicator(village, year, status=IndicatorStatus.CONFIRMED, **changes):
    return VillageIndicatorFactory(village=village, year=year, status=status, **{**COMPLIANT, **changes})


def _statuses(pilot, year):
    checklist = standards.village_checklist(program=pilot.program, village_id=pilot.village_id, year=year)
    return {item.standard.code: item.status for item in checklist.items}


def test_a_compliant_poverty_pilot_meets_every_standard(poverty_pilot):
    _indicator(poverty_pilot.village, 2020)
    statuses = _statuses(poverty_pilot, 2020)
    assert set(statuses) == set(
        ProgramStandard.objects.filter(program=poverty_pilot.program).values_list("code", flat=True)
    )
    assert set(statuses.values()) == {standards.MET}
    assert standards.pilot_standards_met(poverty_pilot, 2020) == (True, [])


# Each standard on both sides of its threshold: the value just short fails that one standard only.
@pytest.mark.parametrize(
    ("code", "short", "enough"),
    [
        ("R-B1", {"service_station_area_m2": Decimal("599.9")}, {"service_station_area_m2": Decimal("600.0")}),
        ("R-B2", {"room_fitness": False}, {"room_fitness": True}),
        ("R-B3", {"infra_waste_station": False}, {"infra_waste_station": True}),
        ("R-C1", {"info_platform_covered": False}, {}),
        ("R-C2", {"grid_platform_covered": False}, {}),
        ("R-C3", {"video_surveillance_covered": False}, {}),
        ("R-C4", {"public_service_items_offered": 29}, {"public_service_items_offered": 30}),
        ("R-C5", {"social_org_count": 0}, {"social_org_count": 1}),
        ("R-E1", {"poor_households_lifted": 9}, {"poor_households_lifted": 10}),
        ("R-E2", {"collective_income_yuan": Decimal("49999.99")}, {"collective_income_yuan": Decimal("50000")}),
        ("R-E3", {"poor_households_with_main_business": 9}, {"poor_households_with_main_business": 10}),
    ],
)
def test_each_standard_fails_alone_below_its_threshold(poverty_pilot, code, short, enough):
    indicator = _indicator(poverty_pilot.village, 2020, **short)
    statuses = _statuses(poverty_pilot, 2020)
    assert statuses.pop(code) == standards.NOT_MET
    assert set(statuses.values()) == {standards.MET}
    met, failing = standards.pilot_standards_met(poverty_pilot, 2020)
    if code == "R-C2":
        # A 50 % coverage goal: the county reaches it across its pilots, no pilot is held back.
        assert (met, failing) == (True, [])
    else:
        assert (met, [item.standard.code for item in failing]) == (False, [code])

    for name, value in {**COMPLIANT, **enough}.items():
        setattr(indicator, name, value)
    indicator.save()
    assert _statuses(poverty_pilot, 2020)[code] == standards.MET


def test_a_poverty_village_not_yet_exited_fails_the_exit_standard(poverty_pilot):
    _indicator(poverty_pilot.village, 2017)
    statuses = _statuses(poverty_pilot, 2017)
    # Exited in 2018: in 2017 every household may be lifted and the village still on the list.
    assert statuses["R-E1"] == standards.NOT_MET
    _indicator(poverty_pilot.village, 2018)
    assert _statuses(poverty_pilot, 2018)["R-E1"] == standards.MET


def test_without_a_confirmed_record_every_standard_is_not_reported(poverty_pilot):
    assert set(_statuses(poverty_pilot, 2020).values()) == {standards.NOT_REPORTED}
    # Submitted but not confirmed does not count yet; the checklist says it is pending.
    _indicator(poverty_pilot.village, 2020, status=IndicatorStatus.SUBMITTED)
    checklist = standards.village_checklist(
        program=poverty_pilot.program, village_id=poverty_pilot.village_id, year=2020
    )
    assert {item.status for item in checklist.items} == {standards.NOT_REPORTED}
    assert checklist.pending == "已提交"
    met, failing = standards.pilot_standards_met(poverty_pilot, 2020)
    # Every item but the 50 % grid goal (a county coverage target) holds the pilot back.
    assert not met and len(failing) == len(checklist.items) - 1


def test_a_record_filed_before_the_infrastructure_items_leaves_them_not_reported(poverty_pilot):
    _indicator(poverty_pilot.village, 2020, infra_roads=None, poor_households_lifted=None)
    statuses = _statuses(poverty_pilot, 2020)
    assert statuses.pop("R-B3") == statuses.pop("R-E1") == standards.NOT_REPORTED
    assert set(statuses.values()) == {standards.MET}


def test_poverty_only_standards_ignore_non_poverty_pilots(seeded, village_a, county_admin):
    pilot = PilotAssignmentFactory(program=seeded, village=village_a, year=2017)
    _indicator(village_a, 2020, collective_income_yuan=Decimal("100"), poor_households_lifted=0)
    codes = set(_statuses(pilot, 2020))
    assert "R-E1" not in codes and "R-E2" not in codes and "R-E3" in codes
    report = standards.standards_report(user=county_admin, program=seeded, year=2020)
    cells = {cell.standard.code: cell for cell in report.county.cells}
    assert (cells["R-E2"].applicable, cells["R-E2"].verdict) == (0, standards.NO_PILOTS)
    assert (cells["R-B1"].applicable, cells["R-B1"].met) == (1, 1)
    assert standards.pilot_standards_met(pilot, 2020) == (True, [])


def test_a_village_that_is_not_a_pilot_that_year_has_no_checklist(seeded, village_a):
    pilot = PilotAssignmentFactory(program=seeded, village=village_a, year=2019)
    assert standards.village_checklist(program=seeded, village_id=village_a.pk, year=2018) is None
    assert standards.pilot_standards_met(pilot, 2018) == (False, [])
    withdrawn = PilotAssignmentFactory(
        program=seeded, village=VillageFactory(township=village_a.township), year=2017, status=PilotStatus.PROPOSED
    )
    assert standards.village_checklist(program=seeded, village_id=withdrawn.village_id, year=2019) is None


def _coverage(user, program, year, code):
    report = standards.standards_report(user=user, program=program, year=year)
    return next(cell for cell in report.county.cells if cell.standard.code == code)


def test_a_dated_target_has_no_verdict_before_its_year(seeded, village_a, county_admin):
    PilotAssignmentFactory(program=seeded, village=village_a, year=2017)
    _indicator(village_a, 2019, social_org_count=0)
    # R-C5 is due in 2020: in 2019 its rate shows (0 of 1) but the verdict is 未到期.
    before = _coverage(county_admin, seeded, 2019, "R-C5")
    assert (before.met, before.applicable, before.rate, before.verdict) == (0, 1, 0.0, standards.NOT_DUE)
    assert before.verdict_label == "未到期"
    _indicator(village_a, 2020, social_org_count=0)
    at = _coverage(county_admin, seeded, 2020, "R-C5")
    assert (at.rate, at.verdict) == (0.0, standards.NOT_MET)
    # An undated standard has its verdict every year.
    assert _coverage(county_admin, seeded, 2019, "R-B1").verdict == standards.MET


def test_grid_coverage_meets_its_50_percent_target_at_half_not_below(seeded, township_a, county_admin):
    villages = VillageFactory.create_batch(4, township=township_a)
    for index, village in enumerate(villages):
        PilotAssignmentFactory(program=seeded, village=village, year=2018)
        _indicator(village, 2019, grid_platform_covered=index < 2)
    cell = _coverage(county_admin, seeded, 2019, "R-C2")
    assert (cell.met, cell.applicable, cell.rate, cell.verdict) == (2, 4, 0.5, standards.MET)
    ind = villages[1].indicators.get(year=2019)
    ind.grid_platform_covered = False
    ind.save()
    cell = _coverage(county_admin, seeded, 2019, "R-C2")
    assert (cell.met, cell.rate, cell.verdict) == (1, 0.25, standards.NOT_MET)


def test_the_denominator_is_the_pilots_counted_that_year(seeded, township_a, county_admin):
    early, late = VillageFactory.create_batch(2, township=township_a)
    PilotAssignmentFactory(program=seeded, village=early, year=2017)
    PilotAssignmentFactory(program=seeded, village=late, year=2019)
    VillageFactory(township=township_a)  # not a pilot: never in the denominator
    assert _coverage(county_admin, seeded, 2018, "R-B1").applicable == 1
    assert _coverage(county_admin, seeded, 2019, "R-B1").applicable == 2


# --- pages, export, API ------------------------------------------------------------------------


def test_checklist_page_shows_value_threshold_and_verdict(login, poverty_pilot, county_admin):
    _indicator(poverty_pilot.village, 2020, service_station_area_m2=Decimal("450"), video_surveillance_covered=False)
    url = reverse("villages:village_standards", args=[poverty_pilot.village_id]) + "?program=badong-13th-fyp&year=2020"
    response = login(county_admin).get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-standard="R-B1" data-status="not_met"' in html
    assert "450平方米" in html and "≥ 600平方米" in html and "原则上" in html
    assert 'data-standard="R-C3" data-status="not_met"' in html
    assert 'data-standard="R-B2" data-status="met"' in html


def test_checklist_page_head_says_the_pilot_is_accepted_and_a_demonstration_village(login, poverty_pilot, county_admin):
    url = reverse("villages:village_standards", args=[poverty_pilot.village_id]) + "?program=badong-13th-fyp&year=2020"
    client = login(county_admin)
    html = client.get(url).content.decode()
    assert 'id="pilot-accepted"' not in html and 'id="pilot-demonstration"' not in html

    poverty_pilot.status = PilotStatus.ACCEPTED
    poverty_pilot.accepted_on = datetime.date(2020, 11, 20)
    poverty_pilot.acceptance_document_no = "巴民发〔2020〕18号"
    poverty_pilot.is_demonstration = True
    poverty_pilot.save()
    html = client.get(url).content.decode()
    head = html[html.index('class="page-head"') : html.index("</div>", html.index('class="page-head"'))]
    assert 'id="pilot-accepted">已验收（销号）2020-11-20 · 巴民发〔2020〕18号</span>' in head
    assert 'id="pilot-demonstration">试点示范村</span>' in head


def test_village_and_pilot_pages_link_to_the_checklist(login, poverty_pilot, county_admin):
    client = login(county_admin)
    target = reverse("villages:village_standards", args=[poverty_pilot.village_id])
    assert target in client.get(reverse("villages:village_detail", args=[poverty_pilot.village_id])).content.decode()
    assert target in client.get(reverse("villages:pilot_detail", args=[poverty_pilot.pk])).content.decode()


def test_township_official_sees_own_rows_and_gets_404_for_another_townships_village(
    login, seeded, village_a, village_b, township_a_official
):
    PilotAssignmentFactory(program=seeded, village=village_a, year=2017)
    PilotAssignmentFactory(program=seeded, village=village_b, year=2017)
    _indicator(village_b, 2019, service_station_area_m2=Decimal("100"))
    client = login(township_a_official)
    assert client.get(reverse("villages:village_standards", args=[village_b.pk])).status_code == 404
    assert client.get(reverse("villages:standards_table") + f"?township={village_b.township_id}").status_code == 404

    report = standards.standards_report(user=township_a_official, program=seeded, year=2019)
    assert [row.name for row in report.townships] == [village_a.township.name]
    assert [c.village for c in report.villages] == [village_a.name]
    assert report.county.pilots == 2  # the county block is the whole county's
    html = client.get(reverse("villages:standards_table") + "?year=2019").content.decode()
    assert village_a.name in html and village_b.name not in html

    api = APIClient()
    api.force_authenticate(township_a_official)
    body = api.get(API, {"program": seeded.code, "year": 2019}).json()
    assert body["scope"] == "township" and [t["name"] for t in body["townships"]] == [village_a.township.name]
    assert body["county"]["pilots"] == 2
    refused = api.get(API, {"program": seeded.code, "year": 2019, "township": village_b.township_id})
    assert refused.status_code == 400 and "不在您的查看范围内" in str(refused.json())


def test_table_and_api_agree(login, api_client_user, poverty_pilot, county_admin):
    _indicator(poverty_pilot.village, 2019, video_surveillance_covered=False)
    html = login(county_admin).get(reverse("villages:standards_table") + "?year=2019").content.decode()
    assert 'data-standard="R-C3" data-verdict="not_met"' in html and "未达标" in html
    api = APIClient()
    api.force_authenticate(api_client_user)
    body = api.get(API, {"program": poverty_pilot.program.code, "year": 2019}).json()
    county = {cell["code"]: cell for cell in body["county"]["standards"]}
    assert county["R-C3"] == {
        "code": "R-C3",
        "applicable": 1,
        "reported": 1,
        "met": 0,
        "rate": 0.0,
        "target_rate": 1.0,
        "due": True,
        "verdict": "not_met",
    }
    assert county["R-C5"]["verdict"] == "not_due"
    (village,) = body["villages"]
    assert village["all_met"] is False and village["assignment"] == poverty_pilot.pk
    assert {"code": "R-C3", "status": "not_met", "value": "否", "due": True, "binding": True} in village["standards"]


def test_export_is_a_ledger_with_formula_safe_cells(login, seeded, township_a, county_admin):
    village = VillageFactory(township=township_a, name="=HYPERLINK(1)")
    PilotAssignmentFactory(program=seeded, village=village, year=2017)
    _indicator(village, 2019, service_station_area_m2=Decimal("450"))
    response = login(county_admin).get(reverse("villages:standards_export") + "?year=2019")
    assert response.status_code == 200
    sheet = downloaded(response).active
    rows = sheet_rows(sheet)
    assert "建设达标台账" in rows[0][0]
    header = rows[1]
    assert header[:3] == ("乡镇", "村名", "试点年度") and header[3].startswith("R-B1 综合服务站面积")
    village_row = next(row for row in rows if row[1] == "=HYPERLINK(1)")
    assert sheet.cell(row=rows.index(village_row) + 1, column=2).data_type == "s"
    assert village_row[3] == "未达标（450平方米）" and "R-B1" in village_row[-1]
    assert rows[-1][0] == "全县" and rows[-1][3].startswith("0/1 0% 未达标")


def _grow(program, county, townships, villages_each):
    for n in range(townships):
        township = TownshipFactory(county=county, code=f"4228236{n:02d}" if villages_each < 5 else f"4228237{n:02d}")
        for index, village in enumerate(VillageFactory.create_batch(villages_each, township=township)):
            PilotAssignmentFactory(program=program, village=village, year=2017 + index % 3)
            if index % 3:
                _indicator(village, 2019, video_surveillance_covered=index % 2 == 0)


@pytest.mark.parametrize(
    "url",
    [
        lambda p, v: reverse("villages:standards_table") + "?year=2019",
        lambda p, v: reverse("villages:standards_export") + "?year=2019",
        lambda p, v: reverse("villages:village_standards", args=[v.pk]) + "?year=2019",
        lambda p, v: f"{API}?program={p.code}&year=2019",
    ],
)
@pytest.mark.parametrize("role", ["county_admin", "township_a"])
def test_pages_export_and_api_run_the_same_number_of_queries_at_two_sizes(
    seeded, county, village_a, personas, django_assert_num_queries, url, role
):
    user = personas[role]
    client = APIClient()
    client.force_login(user)
    PilotAssignmentFactory(program=seeded, village=village_a, year=2017)
    _indicator(village_a, 2019)
    _grow(seeded, county, townships=1, villages_each=3)
    with CaptureQueriesContext(connection) as small:
        response = client.get(url(seeded, village_a))
    assert response.status_code == 200

    _grow(seeded, county, townships=4, villages_each=9)
    for village in VillageFactory.create_batch(6, township=village_a.township):
        PilotAssignmentFactory(program=seeded, village=village, year=2018)
        _indicator(village, 2019, service_station_area_m2=Decimal("300"))
    with django_assert_num_queries(len(small)):
        response = client.get(url(seeded, village_a))
    assert response.status_code == 200


def test_the_migration_seed_matches_the_demo_table():
    """The migration's frozen copy and demo/standards.py say the same (until the plan changes)."""
    import importlib

    from demo.standards import BADONG_STANDARDS

    migration = importlib.import_module("villages.migrations.0010_standards")
    frozen = [(row[0], str(row[4]), row[7], str(row[8]), row[9]) for row in migration.BADONG_STANDARDS]
    demo = [(row[0], str(row[4]), row[7], str(row[8]), row[9]) for row in BADONG_STANDARDS]
    assert frozen == demo


def test_year_as_of_is_the_years_last_day(seeded, county_admin):
    report = standards.standards_report(user=county_admin, program=seeded, year=2019)
    assert report.as_of == datetime.date(2019, 12, 31)


@pytest.mark.django_db(transaction=True)
def test_the_migration_moves_each_programs_area_rule_into_its_r_b1_row_and_back():
    from django.db.migrations.executor import MigrationExecutor

    before, after = [("villages", "0007_department")], [("villages", "0010_standards")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    apps = executor.loader.project_state(before).apps
    County = apps.get_model("villages", "County")
    PilotProgram = apps.get_model("villages", "PilotProgram")
    county = County.objects.create(name="某县", province="某省")
    common = {"county": county, "name": "试点", "start_year": 2016, "end_year": 2020}
    PilotProgram.objects.create(
        code="other", facility_min_area_m2=Decimal("350"), facility_area_waivable=False, **common
    )
    PilotProgram.objects.create(code="badong-13th-fyp", **common)

    executor = MigrationExecutor(connection)
    executor.migrate(after)
    apps = executor.loader.project_state(after).apps
    Standard = apps.get_model("villages", "ProgramStandard")
    other = Standard.objects.get(program__code="other")
    assert (other.code, other.threshold, other.waivable) == ("R-B1", Decimal("350"), False)
    assert Standard.objects.filter(program__code="badong-13th-fyp").count() == 11
    Standard.objects.filter(program__code="other").update(threshold=Decimal("400"))

    executor = MigrationExecutor(connection)
    executor.migrate(before)
    apps = executor.loader.project_state(before).apps
    restored = apps.get_model("villages", "PilotProgram").objects.get(code="other")
    assert (restored.facility_min_area_m2, restored.facility_area_waivable) == (Decimal("400"), False)
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_indicator_page_says_not_reported_for_items_filed_before_they_existed(login, village_a, county_admin):
    indicator = _indicator(village_a, 2019, infra_roads=None)
    html = login(county_admin).get(indicator.get_absolute_url()).content.decode()
    assert "道路硬化" in html and "未填报" in html and "None" not in html
