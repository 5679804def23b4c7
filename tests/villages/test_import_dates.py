"""设立日期 in the village import and the history columns of the village export (issue 13)."""

import datetime
import io

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from pilot_admin.audit.services import audit_entries_for
from pilot_admin.choices import AuditAction
from pilot_admin.excel import import_kinds
from tests.factories import VillageFactory
from tests.helpers.excel import opened, response_bytes, sheet_rows
from tests.helpers.uploads import run_import
from villages.choices import VillageEventKind, VillageKind
from villages.history import administrative_on_q
from villages.models import Village, VillageEvent

COLUMN = "设立日期"


def _errors(result):
    return {(e.row, e.column): e.message for e in result.errors}


def _row(name, established=None, township="水布垭镇"):
    return (township, name, "", 10, 30, 25, "否", established)


# --- new villages ---------------------------------------------------------------------------


def test_a_new_village_without_a_date_is_an_error_and_nothing_is_written(county_admin, township_a):
    result = run_import("villages", county_admin, [_row("一村", "建档前已有"), _row("二村")])
    assert (result.created, result.updated) == (0, 0)
    assert _errors(result) == {(3, COLUMN): "新增的村须填写设立日期：填日期，或填“建档前已有”（建档前就已存在的村）。"}
    assert not Village.objects.exists()


def test_before_records_counts_the_village_in_every_past_year(county_admin, township_a):
    result = run_import("villages", county_admin, [_row("一村", "建档前已有"), _row("二村", " 建档前已有 ")])
    assert (result.created, result.errors) == (2, [])
    assert list(Village.objects.values_list("established_on", flat=True)) == [None, None]
    assert Village.objects.filter(administrative_on_q(datetime.date(2015, 12, 31))).count() == 2
    # Nothing to date: no 设立 event, as for a village created 建档前已有 on its page.
    assert not VillageEvent.objects.exists()


def test_a_dated_village_is_established_then_with_its_event_and_audit_entries(county_admin, township_a):
    result = run_import(
        "villages",
        county_admin,
        [_row("一村", "2019-07-01"), _row("二村", datetime.datetime(2021, 3, 5)), _row("三村", "2022年1月2日")],
    )
    assert (result.created, result.errors) == (3, [])
    dates = dict(Village.objects.values_list("name", "established_on"))
    assert dates == {
        "一村": datetime.date(2019, 7, 1),
        "二村": datetime.date(2021, 3, 5),
        "三村": datetime.date(2022, 1, 2),
    }
    counted_2020 = Village.objects.filter(administrative_on_q(datetime.date(2020, 12, 31)))
    assert set(counted_2020.values_list("name", flat=True)) == {"一村"}
    event = VillageEvent.objects.get(village__name="一村")
    assert (event.kind, event.date, event.recorded_by) == (
        VillageEventKind.ESTABLISHED,
        datetime.date(2019, 7, 1),
        county_admin,
    )
    entry = audit_entries_for(event).get()
    assert (entry.action, entry.note) == (AuditAction.CREATE, "Excel导入")


def test_bad_and_future_dates_are_errors_of_their_cell(county_admin, township_a):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    result = run_import(
        "villages", county_admin, [_row("一村", "去年"), _row("二村", tomorrow.isoformat()), _row("三村", "建档前")]
    )
    errors = _errors(result)
    assert errors[(2, COLUMN)] == "应为日期（如 2020-01-31）或“建档前已有”（填写的是“去年”）。"
    assert errors[(3, COLUMN)] == "设立日期不能晚于今天。"
    assert "建档前已有" in errors[(4, COLUMN)]
    assert not Village.objects.exists()


def test_dry_run_counts_the_dated_villages_and_writes_nothing(county_admin, township_a):
    result = run_import("villages", county_admin, [_row("一村", "2019-07-01")], dry_run=True)
    assert (result.created, result.errors) == (1, [])
    assert not Village.objects.exists() and not VillageEvent.objects.exists()


def test_dated_import_query_count_does_not_grow_with_rows(county_admin, township_a):
    def rows(n, start):
        return [_row(f"村{start + i}", "2019-07-01") for i in range(n)]

    with CaptureQueriesContext(connection) as small:
        assert run_import("villages", county_admin, rows(3, 0)).created == 3
    with CaptureQueriesContext(connection) as large:
        assert run_import("villages", county_admin, rows(60, 100)).created == 60
    assert len(large) == len(small)
    assert VillageEvent.objects.count() == 63


# --- existing villages ----------------------------------------------------------------------


def test_an_existing_village_keeps_its_date_when_blank_or_equal(county_admin, village_a):
    VillageFactory(township=village_a.township, name="老村", established_on=datetime.date(2016, 5, 1))
    result = run_import(
        "villages",
        county_admin,
        [
            ("水布垭镇", "水布垭村", None, 11, None, None, None, None),
            ("水布垭镇", "老村", None, None, None, None, None, "2016-05-01"),
        ],
    )
    assert (result.created, result.updated, result.errors) == (0, 1, [])
    village_a.refresh_from_db()
    assert (village_a.households, village_a.established_on) == (11, None)
    assert Village.objects.get(name="老村").established_on == datetime.date(2016, 5, 1)


def test_a_different_date_for_an_existing_village_is_that_rows_error(county_admin, village_a):
    VillageFactory(township=village_a.township, name="老村", established_on=datetime.date(2016, 5, 1))
    result = run_import(
        "villages",
        county_admin,
        [
            ("水布垭镇", "水布垭村", None, 11, None, None, None, "2018-01-01"),
            ("水布垭镇", "老村", None, 12, None, None, None, "建档前已有"),
        ],
    )
    errors = _errors(result)
    assert set(errors) == {(2, COLUMN), (3, COLUMN)}
    assert errors[(2, COLUMN)].startswith("与系统中该村的设立日期（建档前已有）不同。")
    assert "历史沿革" in errors[(2, COLUMN)]
    assert errors[(3, COLUMN)].startswith("与系统中该村的设立日期（2016-05-01）不同。")
    village_a.refresh_from_db()
    assert (village_a.households, village_a.established_on) == (300, None)
    assert Village.objects.get(name="老村").households == 300


# --- export ---------------------------------------------------------------------------------


def test_export_carries_the_history_columns_and_reimports_unchanged(client, county_admin, township_a, village_a):
    dated = VillageFactory(township=township_a, name="新设村", established_on=datetime.date(2019, 7, 1))
    VillageFactory(
        township=township_a,
        name="已撤并村",
        established_on=datetime.date(2010, 1, 1),
        ended_on=datetime.date(2020, 6, 30),
        is_active=False,
    )
    VillageFactory(
        township=township_a,
        name="城关社区",
        kind=VillageKind.RESIDENTIAL_COMMUNITY,
        community_since=datetime.date(2018, 5, 1),
    )
    client.force_login(county_admin)
    content = response_bytes(client.get(reverse("villages:village_export")))
    sheet = opened(content).active
    header = [cell.value for cell in sheet[1]]
    rows = {row[1]: dict(zip(header, row, strict=True)) for row in sheet_rows(sheet, start=2)}
    assert rows["水布垭村"]["设立日期"] == "建档前已有"
    assert rows["新设村"]["设立日期"] == datetime.datetime(2019, 7, 1)
    assert rows["新设村"]["现状"] == "现存" and rows["新设村"]["撤并日期"] is None
    assert rows["已撤并村"]["现状"] == "已撤并"
    assert rows["已撤并村"]["撤并日期"] == datetime.datetime(2020, 6, 30)
    assert rows["城关社区"]["村改社区日期"] == datetime.datetime(2018, 5, 1)

    result = import_kinds.get("villages").run(actor=county_admin, file=io.BytesIO(content), dry_run=False)
    assert (result.created, result.updated, result.errors) == (0, 0, [])
    dated.refresh_from_db()
    assert dated.established_on == datetime.date(2019, 7, 1)
