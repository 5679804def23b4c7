"""Excel exports of the village list, the pilot ledger and the quota report."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import PilotAssignmentFactory, TownshipFactory, VillageFactory
from tests.helpers.excel import downloaded, sheet_rows
from villages import selectors
from villages.choices import PilotLevel, PilotStatus
from villages.excel import VILLAGE_COLUMNS


def test_village_export_holds_what_the_filtered_page_shows(client, county_admin, township_a, village_a, village_b):
    VillageFactory(township=township_a, name="第二村", households=12, is_poverty_village=True)
    client.force_login(county_admin)
    sheet = downloaded(client.get(reverse("villages:village_export"), {"township": township_a.pk})).active
    header = [cell.value for cell in sheet[1]]
    assert header[:8] == VILLAGE_COLUMNS.headers  # importable as exported
    rows = sheet_rows(sheet, start=2)
    assert {row[1] for row in rows} == {"水布垭村", "第二村"}
    assert {row[0] for row in rows} == {"水布垭镇"}
    second = next(row for row in rows if row[1] == "第二村")
    assert second[3] == 12 and second[6] == "是"
    page = client.get(reverse("villages:village_list"), {"township": township_a.pk})
    assert [v["name"] for v in page.context["villages"]] == [row[1] for row in rows]


def test_village_export_search_filter_is_applied(client, county_admin, village_a, village_b):
    client.force_login(county_admin)
    sheet = downloaded(client.get(reverse("villages:village_export"), {"search": "东瀼"})).active
    assert [row[1] for row in sheet_rows(sheet, start=2)] == ["东瀼口村"]


@pytest.mark.parametrize("name", ['=HYPERLINK("http://x","y")', "+1", "@SUM(1)", "-1+1"])
def test_formula_like_village_names_come_back_as_plain_strings(client, county_admin, township_a, name):
    VillageFactory(township=township_a, name=name)
    client.force_login(county_admin)
    sheet = downloaded(client.get(reverse("villages:village_export"))).active
    cell = sheet.cell(row=2, column=2)
    assert cell.value == name
    assert cell.data_type == "s"
    assert not any(c.data_type == "f" for row in sheet.iter_rows() for c in row)


def test_township_official_export_has_no_other_townships_rows(client, township_a_official, village_a, village_b):
    client.force_login(township_a_official)
    sheet = downloaded(client.get(reverse("villages:village_export"))).active
    assert [row[1] for row in sheet_rows(sheet, start=2)] == ["水布垭村"]
    # Naming the other township is an invalid filter: no rows, never its villages.
    sheet = downloaded(client.get(reverse("villages:village_export"), {"township": village_b.township_id})).active
    assert sheet_rows(sheet, start=2) == []


def test_pilot_export_applies_the_ledger_filters_and_scope(
    client, county_admin, township_b_official, program, village_a, village_b
):
    PilotAssignmentFactory(program=program, village=village_a, year=2018, level=PilotLevel.PROVINCIAL_KEY)
    PilotAssignmentFactory(program=program, village=village_b, year=2019, status=PilotStatus.PROPOSED)
    client.force_login(county_admin)
    sheet = downloaded(client.get(reverse("villages:pilot_export"), {"program": program.code, "year": 2018})).active
    assert [cell.value for cell in sheet[1]][:5] == ["乡镇", "村名", "试点项目", "年度", "级别"]
    assert sheet_rows(sheet, start=2) == [
        ("水布垭镇", "水布垭村", program.name, 2018, "省级重点支持", "已审批", None, "否")
        + (None,) * 7
        + ("已获批", None)
    ]
    sheet = downloaded(client.get(reverse("villages:pilot_export"), {"status": PilotStatus.PROPOSED})).active
    assert [row[1] for row in sheet_rows(sheet, start=2)] == ["东瀼口村"]

    client.force_login(township_b_official)
    sheet = downloaded(client.get(reverse("villages:pilot_export"))).active
    assert [row[1] for row in sheet_rows(sheet, start=2)] == ["东瀼口村"]


def test_quota_export_writes_the_report_with_title_and_county_total(client, county_admin, program, township_a):
    villages = VillageFactory.create_batch(3, township=township_a)
    PilotAssignmentFactory(program=program, village=villages[0], year=2018, level=PilotLevel.PROVINCIAL_KEY)
    PilotAssignmentFactory(program=program, village=villages[1], year=2017)
    client.force_login(county_admin)
    sheet = downloaded(client.get(reverse("villages:quota_export"), {"program": program.code, "year": 2018})).active
    assert sheet["A1"].value == f"{program.name} · 2018年试点比例达标情况"
    assert [c.value for c in sheet[2]] == [
        "乡镇",
        "行政村数",
        "本年新增",
        "本年最低要求",
        "是否达标",
        "累计试点",
        "累计占比",
        "期末累计要求",
        "累计已验收",
    ]
    report = selectors.pilot_quota_stats(user=county_admin, program=program, year=2018)
    rows = sheet_rows(sheet, start=3)
    township = next(row for row in rows if row[0] == "水布垭镇")
    expected = report.townships[0]
    assert township[:4] == (expected.name, expected.villages, expected.new_pilots, expected.required_new_pilots)
    assert township[5:] == (2, pytest.approx(expected.cumulative_share), expected.required_cumulative_pilots, 0)
    total = rows[-3]
    assert total[:6] == ("合计", report.county.villages, 1, program.county_annual_min_count, "未达标", 2)
    # R-A4 counts applications (a granted pilot was applied for); the granted ones on their own line.
    assert rows[-2][:5] == ("申请省级重点支持", None, 1, program.provincial_annual_min_count, "未达标")
    assert rows[-1][:3] == ("其中获批", None, 1)
    assert sheet.freeze_panes == "A3"


def test_quota_export_for_a_township_official_holds_only_that_township(client, township_a_official, program, village_b):
    client.force_login(township_a_official)
    sheet = downloaded(client.get(reverse("villages:quota_export"), {"program": program.code})).active
    names = [row[0] for row in sheet_rows(sheet, start=3)]
    # Under the township's own row, the county's line: labelled 全县, not a sum of the table.
    assert names == ["水布垭镇", "全县", "申请省级重点支持", "其中获批"]


def test_list_pages_link_to_their_exports_with_the_current_filters(client, county_admin, program, township_a):
    client.force_login(county_admin)
    page = client.get(reverse("villages:village_list"), {"township": township_a.pk}).content.decode()
    assert f"{reverse('villages:village_export')}?township={township_a.pk}" in page
    page = client.get(reverse("villages:pilot_list"), {"year": 2018}).content.decode()
    assert f"{reverse('villages:pilot_export')}?year=2018" in page
    page = client.get(reverse("villages:quota_report"), {"program": program.code, "year": 2018}).content.decode()
    assert f"{reverse('villages:quota_export')}?program={program.code}&amp;year=2018" in page


def test_village_export_runs_the_same_queries_at_two_sizes(client, county_admin, county, program):
    client.force_login(county_admin)

    def populate(n):
        township = TownshipFactory(county=county)
        for village in VillageFactory.create_batch(n, township=township):
            PilotAssignmentFactory(program=program, village=village, year=2018)

    populate(2)
    with CaptureQueriesContext(connection) as small:
        assert len(sheet_rows(downloaded(client.get(reverse("villages:village_export"))).active, start=2)) == 2
    populate(30)
    with CaptureQueriesContext(connection) as large:
        assert len(sheet_rows(downloaded(client.get(reverse("villages:village_export"))).active, start=2)) == 32
    assert len(large) == len(small)
