"""The ledger export opened with openpyxl: the printed layout (merged title and two-row header,
borders, frozen header, landscape fitted to width with the header repeated), only the rows the
page's filters select, the township's own rows only, and no formulas from user text."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from tasks.choices import AssignmentRole, ReportStatus
from tests.factories import (
    DepartmentFactory,
    ProgressReportFactory,
    ReportingPeriodFactory,
    TaskAssignmentFactory,
    TaskFactory,
)
from tests.helpers.excel import downloaded, sheet_rows
from villages import services as village_services

pytestmark = pytest.mark.django_db

HEADER = [
    "编号",
    "任务名称",
    "阶段",
    "完成时限",
    "任务状态",
    "单位",
    "职责",
    "期次",
    "截止日",
    "期次",
    "状态",
    "进度",
    "提交时间",
    "数据",
]


@pytest.fixture
def ledger(program, department, township_a, township_b):
    """Two tasks: BD-04-01 (县民政局 leads, 水布垭镇 and 东瀼口镇 carry it out) and BD-06-01
    (县商务局 alone). 水布垭镇's report on BD-04-01 is accepted; 县民政局 has not reported its
    period due 30 days ago."""
    today = timezone.localdate()
    commerce = DepartmentFactory(county=program.county, name="县商务局")
    a = village_services.township_government_ensure(township=township_a)
    b = village_services.township_government_ensure(township=township_b)
    social = TaskFactory(program=program, code="BD-04-01", title="健全农村社区服务体系", deadline=today)
    for unit, role in ((department, AssignmentRole.LEAD), (a, AssignmentRole.TOWNSHIP), (b, AssignmentRole.TOWNSHIP)):
        TaskAssignmentFactory(task=social, department=unit, role=role)
    period = ReportingPeriodFactory(task=social, due_date=today - datetime.timedelta(days=30), label="上一期")
    ProgressReportFactory(period=period, department=a, status=ReportStatus.ACCEPTED, percent_complete=80)
    ProgressReportFactory(period=period, department=b, status=ReportStatus.SUBMITTED, percent_complete=50)
    commerce_task = TaskFactory(program=program, code="BD-06-01", title="发展农村电子商务")
    TaskAssignmentFactory(task=commerce_task, department=commerce, role=AssignmentRole.LEAD)
    return {"social": social, "commerce": commerce_task, "period": period, "commerce_unit": commerce}


# The printed layout: a title row and two header rows above the data.
SHEET, FIRST_DATA_ROW = "任务台账", 4


def test_the_export_has_the_printed_layout(login, county_admin, program, ledger):
    today = timezone.localdate()
    sheet = downloaded(login(county_admin).get(reverse("tasks:ledger_export"), {"program": program.code}))[SHEET]

    assert sheet["A1"].value == f"{program.name} 任务台账（截至 {today:%Y-%m-%d}）"
    assert sheet["A1"].font.bold
    merged = {str(cell_range) for cell_range in sheet.merged_cells.ranges}
    assert merged == {"A1:O1", "A2:E2", "F2:G2", "H2:I2", "J2:N2", "O2:O3"}
    assert [sheet.cell(row=2, column=c).value for c in (1, 6, 8, 10, 15)] == [
        "任务",
        "责任单位",
        "本期",
        "最近报告",
        "逾期天数",
    ]
    assert [sheet.cell(row=3, column=c).value for c in range(1, 15)] == HEADER
    assert sheet.freeze_panes == "A4"
    assert sheet.print_title_rows == "$2:$3"
    assert sheet.page_setup.orientation == "landscape"
    assert (sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight) == (1, 0)
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.column_dimensions["B"].width > sheet.column_dimensions["A"].width
    for cell in (sheet["A2"], sheet["O3"], sheet["F4"]):
        assert cell.border.left.style == cell.border.bottom.style == "thin"

    rows = sheet_rows(sheet, start=FIRST_DATA_ROW)
    # Units as the county writes them, lead first, then the townships.
    assert [(row[0], row[5], row[6]) for row in rows] == [
        ("BD-04-01", "县民政局", "牵头单位"),
        ("BD-04-01", "东瀼口镇人民政府", "落实乡镇"),
        ("BD-04-01", "水布垭镇人民政府", "落实乡镇"),
        ("BD-06-01", "县商务局", "牵头单位"),
    ]
    lead, _b, a, _commerce = rows
    assert (lead[7], lead[10], lead[11], lead[14]) == ("上一期", "未报送", None, 30)
    assert (a[9], a[10], a[11], a[14]) == ("上一期", "已采纳", 0.8, None)
    assert sheet.cell(row=6, column=12).number_format == "0%"
    assert lead[3] == datetime.datetime.combine(today, datetime.time())


def test_the_export_holds_the_filtered_rows_only(login, county_admin, ledger):
    client = login(county_admin)
    sheet = downloaded(client.get(reverse("tasks:ledger_export"), {"department": ledger["commerce_unit"].pk}))[SHEET]
    assert [(row[0], row[5]) for row in sheet_rows(sheet, start=FIRST_DATA_ROW)] == [("BD-06-01", "县商务局")]
    sheet = downloaded(client.get(reverse("tasks:ledger_export"), {"overdue": "true"}))[SHEET]
    assert [(row[0], row[5]) for row in sheet_rows(sheet, start=FIRST_DATA_ROW)] == [("BD-04-01", "县民政局")]
    # No program chosen: the title says so without naming one.
    assert sheet["A1"].value.startswith("任务台账（截至 ")


def test_a_township_users_export_contains_no_other_unit(login, township_a_official, township_b, ledger):
    client = login(township_a_official)
    rows = sheet_rows(downloaded(client.get(reverse("tasks:ledger_export")))[SHEET], start=FIRST_DATA_ROW)
    assert [(row[0], row[5]) for row in rows] == [("BD-04-01", "水布垭镇人民政府")]
    # Asking for another township's rows is an invalid filter: nothing, not its rows.
    assert (
        sheet_rows(
            downloaded(client.get(reverse("tasks:ledger_export"), {"township": township_b.pk}))[SHEET],
            start=FIRST_DATA_ROW,
        )
        == []
    )


def test_user_text_is_never_written_as_a_formula(login, county_admin, program, department):
    task = TaskFactory(program=program, code="=1+1", title='=HYPERLINK("http://evil.example","点击")')
    TaskAssignmentFactory(task=task, department=department)
    sheet = downloaded(login(county_admin).get(reverse("tasks:ledger_export")))[SHEET]
    code, title = sheet["A4"], sheet["B4"]
    assert (code.value, code.data_type) == ("=1+1", "s")
    assert (title.value, title.data_type) == ('=HYPERLINK("http://evil.example","点击")', "s")
