"""The results pages: ranking, township summary, year-over-year, the 通报 and its export, on the
worked example of test_selectors; query counts equal at two data sizes."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.assessments.test_selectors import worked_example
from tests.factories import PilotProgramFactory, VillageFactory, confirmed_inspection, scheduled_inspection
from tests.helpers.excel import downloaded


@pytest.fixture
def example(county_admin, program, inspector, village_a, village_b):
    return worked_example(
        county_admin=county_admin, program=program, inspector=inspector, village_a=village_a, village_b=village_b
    )


def _page(client, name, program, year=2019):
    response = client.get(reverse(f"assessments:{name}"), {"program": program.code, "year": year})
    assert response.status_code == 200
    return response.content.decode()


def _table(html, table_id):
    start = html.index(f'id="{table_id}"')
    return html[start : html.index("</table>", start)]


def test_ranking_page_lists_rank_township_village_total_and_grade(login, county_viewer, program, example):
    table = _table(_page(login(county_viewer), "ranking", program), "ranking-table")
    positions = [table.index(name) for name in ("水布垭村", "高岩村", "东瀼口村")]
    assert positions == sorted(positions)
    assert "95.0" in table and "优秀" in table and "不合格" in table and "水布垭镇" in table
    assert "长岭村" not in table  # the draft


def test_ranking_opens_on_the_latest_year_with_results_and_keeps_the_picker(login, county_viewer, program, example):
    html = login(county_viewer).get(reverse("assessments:ranking")).content.decode()
    assert "2019年检查验收排名" in html
    assert '<option value="2020">2020</option>' in html
    assert 'data-village="水布垭村"' in _table(html, "ranking-table")


def test_a_running_program_without_results_opens_on_this_year_not_its_last(login, county_viewer, county):
    this_year = timezone.localdate().year
    running = PilotProgramFactory(county=county, code="running", start_year=this_year - 2, end_year=this_year + 4)
    html = login(county_viewer).get(reverse("assessments:ranking"), {"program": running.code}).content.decode()
    assert f"{this_year}年检查验收排名" in html and f"{this_year + 4}年检查验收排名" not in html
    assert "还没有已确认的检查验收结果" in html


def test_township_page_only_shows_the_officials_township(login, township_a_official, program, example):
    html = _page(login(township_a_official), "township_summary", program)
    table = _table(html, "township-table")
    assert 'data-township="水布垭镇"' in table and "90.0" in table
    assert "东瀼口镇" not in table
    assert "未验收的整改项目：1 个" in html


def test_year_over_year_page(login, county_admin, program, example):
    table = _table(_page(login(county_admin), "year_over_year", program), "year-over-year-table")
    assert 'data-village="水布垭村"' in table and "88.0" in table and "+7.0" in table
    assert "高岩村" not in table


def test_circular_commends_excellent_and_names_failed_villages(login, county_admin, program, example):
    html = _page(login(county_admin), "circular", program)
    assert f"{program.name} 2019年度试点村检查验收结果通报" in html
    assert "对 3 个试点村进行了检查验收，平均得分 85.0 分。其中优秀 1 个，合格 1 个，不合格 1 个" in html
    commended = html[html.index('id="commended"') :]
    assert "水布垭镇水布垭村（95.0分）" in commended[: commended.index("</p>")]
    failed = html[html.index('id="failed"') :]
    failed_text = re.sub(r"<[^>]+>", "", failed[: failed.index("</ul>")])
    assert "东瀼口镇东瀼口村（75.0分），整改项目 2 个，尚未验收 2 个" in failed_text


def test_circular_export_has_the_title_row_and_the_ranking(login, county_admin, program, example):
    response = login(county_admin).get(reverse("assessments:circular_export"), {"program": program.code, "year": 2019})
    assert response.status_code == 200
    sheet = downloaded(response).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == f"{program.name} 2019年度试点村检查验收结果通报"
    assert rows[1][:5] == ("名次", "乡镇", "村名", "总分", "等次")
    assert [row[:5] for row in rows[2:5]] == [
        (1, "水布垭镇", "水布垭村", 95, "优秀"),
        (2, "水布垭镇", "高岩村", 85, "合格"),
        (3, "东瀼口镇", "东瀼口村", 75, "不合格"),
    ]
    assert rows[5][0] == "合计" and rows[5][3] == 85


def test_circular_export_writes_a_formula_like_village_name_as_text(
    login, county_admin, program, inspector, township_a
):
    from tests.factories import score_template

    score_template(program=program, year=2019)
    village = VillageFactory(township=township_a, name="=HYPERLINK(1)")
    inspection = scheduled_inspection(actor=county_admin, program=program, village=village, inspectors=[inspector])
    confirmed_inspection(county_admin=county_admin, inspection=inspection)
    response = login(county_admin).get(reverse("assessments:circular_export"), {"program": program.code, "year": 2019})
    sheet = downloaded(response).active
    cell = sheet.cell(row=3, column=3)
    assert cell.value == "=HYPERLINK(1)" and cell.data_type == "s" and cell.quotePrefix


def _queries(client, name, program) -> int:
    with CaptureQueriesContext(connection) as captured:
        _page(client, name, program)
    return len(captured)


def test_query_counts_of_ranking_and_township_summary_do_not_grow(
    login, county_admin, program, inspector, township_a, example
):
    client = login(county_admin)
    pages = ["ranking", "township_summary", "year_over_year", "circular"]
    small = [_queries(client, name, program) for name in pages]
    for n in range(6):
        inspection = scheduled_inspection(
            actor=county_admin,
            program=program,
            village=VillageFactory(township=township_a, name=f"扩充村{n}"),
            inspectors=[inspector],
        )
        confirmed_inspection(county_admin=county_admin, inspection=inspection, deductions={"1.1": 15})
    assert "扩充村5" in _page(client, "ranking", program)
    assert [_queries(client, name, program) for name in pages] == small
