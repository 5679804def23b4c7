"""An import row with several bad cells of different kinds (a cell that cannot be read, a name
not found, a rule of the model or the service) reports all of them in one run, each with its row
and column in Chinese, not one group after the other is fixed. Real .xlsx files (openpyxl)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from guardianship.models import Person
from pilot_admin.models import ImportRun
from tests.factories import id_number, scheduled_inspection
from tests.helpers.excel import workbook_bytes
from tests.helpers.uploads import run_import, xlsx_upload
from villages.excel import PILOT_COLUMNS, VILLAGE_COLUMNS
from villages.models import PilotAssignment, Village

pytestmark = pytest.mark.django_db


def _by_cell(result):
    return [(e.row, e.column, e.message) for e in result.errors]


def test_a_village_row_reports_its_unreadable_cell_its_code_rule_and_its_date_rule_at_once(
    county_admin, township_a, login
):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    rows = [
        # 户数 cannot be read; the code is another township's; a new village cannot be set up tomorrow.
        ("水布垭镇", "新村", "422823101201", "很多", 400, 380, "否", tomorrow),
    ]
    content = workbook_bytes(VILLAGE_COLUMNS.headers, rows)
    response = login(county_admin).post(
        reverse("import_upload", args=["villages"]), {"file": xlsx_upload(content, "村名单.xlsx")}
    )
    run = ImportRun.objects.get()
    page = login(county_admin).get(response["Location"]).content.decode()

    assert [(e["row"], e["column"]) for e in run.errors] == [(2, "村代码"), (2, "户数"), (2, "设立日期")]
    assert "发现 3 处错误，未写入任何数据" in page
    assert "村区划代码应以所属乡镇代码 422823104 开头。" in page
    assert "设立日期不能晚于今天。" in page
    assert not Village.objects.filter(name="新村").exists()


def test_a_pilot_row_reports_its_unknown_village_its_bad_level_and_its_year_outside_the_program(
    county_admin, township_a, program
):
    result = run_import(
        "pilot-assignments",
        county_admin,
        [("水布垭镇", "无此村", program.code, 2030, "国家级")],
        headers=PILOT_COLUMNS.headers,
    )

    assert [(row, column) for row, column, _ in _by_cell(result)] == [(2, "村名"), (2, "年度"), (2, "级别")]
    messages = {column: message for _, column, message in _by_cell(result)}
    assert messages["村名"] == "水布垭镇没有名为“无此村”的村。"
    assert messages["年度"] == "试点年度应在 2016–2020 之间。"
    assert "级别" in messages
    assert not PilotAssignment.objects.exists()


def test_a_person_row_reports_its_unknown_village_its_bad_id_number_and_its_missing_institution(
    township_a_official, village_a
):
    values = ["老年人", None, None, "无民事行为能力", "集中供养", None, 120, "是", None, "一组", None]
    # No such village; the ID number's check digit is wrong; concentrated support names no institution.
    row = ("水布垭镇", "无此村", "张三", "422823195005010119", *values)

    result = run_import("persons", township_a_official, [row])

    found = _by_cell(result)
    assert [(r, column) for r, column, _ in found] == [(2, "村名"), (2, "公民身份号码"), (2, "")]
    assert "没有名为“无此村”的村" in found[0][2]
    assert "集中供养须填写供养机构。" in found[2][2]
    assert not Person.objects.exists()


def test_a_visit_row_reports_its_unknown_person_its_future_date_and_its_missing_problem(township_a_official, village_a):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    # Nobody registered under the number; the visit is dated tomorrow; 住房安全 is 否 with no problem written.
    row = (
        id_number(datetime.date(1950, 5, 1), 11),
        tomorrow,
        "王五",
        "是",
        "是",
        "否",
        "是",
        "是",
        "是",
        "是",
        None,
        None,
    )

    result = run_import("visits", township_a_official, [row])

    found = _by_cell(result)
    assert [(r, column) for r, column, _ in found] == [(2, "公民身份号码"), (2, "走访日期"), (2, "发现的问题")]
    assert [message for _, _, message in found] == [
        "未找到该公民身份号码的登记人员，或该人员不在您的管辖范围内。",
        "走访日期不能晚于今天。",
        "有未保障的项目时须写明发现的问题。",
    ]


def test_a_score_row_reports_its_quarter_point_its_missing_reason_and_its_unreadable_rectify(
    county_admin, program, village_a, inspector
):
    inspection = scheduled_inspection(actor=county_admin, program=program, village=village_a, inspectors=[inspector])
    item = inspection.template.items.get(code="1.1")
    # 39.25 is no half point, points off need a reason, and 列入整改 is neither 是 nor 否.
    row = ("水布垭镇", village_a.name, 2019, "1.1", item.title, item.max_points, 39.25, None, "也许")

    result = run_import("score-sheet", inspector, [row])

    assert [(r, column) for r, column, _ in _by_cell(result)] == [(2, "得分"), (2, "扣分理由"), (2, "列入整改")]
    assert not inspection.scores.exists()


def test_a_task_plan_row_reports_its_unknown_unit_its_early_deadline_and_its_long_title(
    county_admin, program, department
):
    headers = ("序号", "任务", "牵头单位", "完成时限", "任务名称")
    # No 县无此局 in the county; 2010 is before the program starts; the title is over 200 characters.
    row = ("9", "建立服务站台账。", "县无此局", "2010年12月底前", "名" * 201)

    result = run_import("task-plan", county_admin, [row], headers=headers)

    assert [(r, column) for r, column, _ in _by_cell(result)] == [(2, "牵头单位"), (2, "完成时限"), (2, "任务名称")]
    assert "完成时限早于试点项目的起始年度（2016年）。" in [m for _, _, m in _by_cell(result)]
