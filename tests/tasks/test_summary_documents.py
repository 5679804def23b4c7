"""The year and half-year work summaries as Word documents: the GB/T 9704 page, the heading, the
文号, each unit's reports expected, received and on time up to the period's end, and each task ×
unit as the ledger shows it — checked against the fixture's reports and the selectors."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from tasks import selectors
from tasks.choices import AssignmentRole, ReportStatus
from tasks.models import TaskFigure
from tests.factories import (
    DepartmentFactory,
    ProgressReportFactory,
    ReportingPeriodFactory,
    TaskAssignmentFactory,
    TaskFactory,
)
from tests.helpers.docx import assert_official_layout, filename_of, opened, table_rows, texts, title_of
from villages import services as village_services

pytestmark = pytest.mark.django_db

NUMBER = "巴试点办发〔2018〕21号"
HEAD = {"document_number": NUMBER, "issuing_office": "巴东县试点办", "issue_date": "2018-12-28"}


def _at(day: datetime.date):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(10)))


def _report(period, unit, *, on, status=ReportStatus.ACCEPTED, percent=50, figures=None):
    return ProgressReportFactory(
        period=period,
        department=unit,
        status=status,
        percent_complete=percent,
        submitted_at=_at(on),
        first_submitted_at=_at(on),
        figures=figures or {},
    )


@pytest.fixture
def work(program, department, township_a, township_b):
    """2018: BD-04-01 (县民政局 leads, two townships carry it out) due 03-31 and 09-30;
    BD-06-01 (县商务局) due 06-30. 水布垭镇 reports 03-31 on time (12 stations) and 09-30 late;
    东瀼口镇 reports 03-31 late and not 09-30; 县民政局 never; 县商务局 on time."""
    a = village_services.township_government_ensure(township=township_a)
    b = village_services.township_government_ensure(township=township_b)
    commerce = DepartmentFactory(county=program.county, key="commerce", name="县商务局")
    social = TaskFactory(program=program, code="BD-04-01", title="健全农村社区服务体系")
    stations = TaskFigure.objects.create(task=social, name="已建成服务站个数", unit="个")
    for unit, role in ((department, AssignmentRole.LEAD), (a, AssignmentRole.TOWNSHIP), (b, AssignmentRole.TOWNSHIP)):
        TaskAssignmentFactory(task=social, department=unit, role=role)
    march = ReportingPeriodFactory(task=social, due_date=datetime.date(2018, 3, 31), label="2018年第一期")
    september = ReportingPeriodFactory(task=social, due_date=datetime.date(2018, 9, 30), label="2018年第二期")
    _report(march, a, on=datetime.date(2018, 3, 20), percent=40, figures={stations.key: 12})
    _report(september, a, on=datetime.date(2018, 10, 10), percent=80, figures={stations.key: 15})
    _report(march, b, on=datetime.date(2018, 4, 15), status=ReportStatus.SUBMITTED, percent=30)
    commerce_task = TaskFactory(program=program, code="BD-06-01", title="发展农村电子商务")
    TaskAssignmentFactory(task=commerce_task, department=commerce, role=AssignmentRole.LEAD)
    june = ReportingPeriodFactory(task=commerce_task, due_date=datetime.date(2018, 6, 30), label="2018年上半年")
    _report(june, commerce, on=datetime.date(2018, 6, 28), percent=100)
    return {"a": a, "b": b, "commerce": commerce, "social": social}


def _get(client, program, **extra):
    return client.get(reverse("tasks:summary_document"), {"program": program.code, "year": 2018, **HEAD, **extra})


def _units(document) -> dict[str, list[str]]:
    rows = table_rows(document.tables[0])
    assert rows[0] == ["序号", "报送单位", "应报", "已报", "按时报", "完整率", "及时率"]
    return {row[1]: row[2:5] for row in rows[1:]}


def test_year_summary_figures_match_the_reports(client, county_admin, program, department, work):
    client.force_login(county_admin)
    response = _get(client, program)
    document = opened(response)
    assert_official_layout(document, body_text="本年度共有任务")
    assert title_of(document).text == f"{program.name}2018年度工作总结"
    lines = texts(document)
    assert NUMBER in lines and "2018年12月28日" in lines
    # Expected, received, on time per unit for the whole year, as the fixture's reports give them.
    assert _units(document) == {
        "县民政局": ["2", "0", "0"],
        "县商务局": ["1", "1", "1"],
        "东瀼口镇人民政府": ["2", "1", "0"],
        "水布垭镇人民政府": ["2", "2", "1"],
    }
    summary = next(line for line in lines if line.startswith("本年度共有任务"))
    # Both tasks run to 2018-12-31, so on the year's last day neither is overdue yet.
    totals = selectors.task_totals(user=county_admin, program=program, year=2018, as_of=datetime.date(2018, 12, 31))
    assert totals == {"running": 2, "closed_out": 0, "overdue": 0}
    assert "本年度共有任务2项，已销号0项，逾期未销号0项" in summary
    assert "应报进度报告7份，已报4份，其中按时报送2份，报告完整率57.1%，及时率28.6%" in summary
    assert filename_of(response) == f"{program.name}2018年年度工作总结.docx"


def test_half_year_summary_counts_only_periods_due_by_june_30(client, county_admin, program, work):
    client.force_login(county_admin)
    document = opened(_get(client, program, half="1"))
    assert title_of(document).text == f"{program.name}2018年上半年工作总结"
    assert _units(document) == {
        "县民政局": ["1", "0", "0"],
        "县商务局": ["1", "1", "1"],
        "东瀼口镇人民政府": ["1", "1", "0"],
        "水布垭镇人民政府": ["1", "1", "1"],
    }
    assert any("截至2018年6月30日" in line for line in texts(document))
    assert any("逾期未销号0项" in line for line in texts(document))


def test_the_task_table_is_the_ledger(client, county_admin, program, work):
    client.force_login(county_admin)
    document = opened(_get(client, program))
    rows = table_rows(document.tables[1])
    assert rows[0] == ["编号", "任务", "单位", "期次", "状态", "进度", "数据", "逾期天数"]
    ledger = list(selectors.ledger_rows(user=county_admin, today=timezone.localdate()).filter(task__program=program))
    assert [(r[0], r[2], r[4], r[5]) for r in rows[1:]] == [
        (
            row.task.code,
            row.department.name,
            ReportStatus(row.report_status).label if row.report_status else "未报",
            f"{row.report_percent}%" if row.report_percent is not None else "—",
        )
        for row in ledger
    ]
    a_row = next(r for r in rows[1:] if r[2] == "水布垭镇人民政府")
    assert a_row[:6] == ["BD-04-01", "健全农村社区服务体系", "水布垭镇人民政府", "2018年第二期", "已采纳", "80%"]
    assert a_row[6] == "已建成服务站个数 15 个"


def test_a_township_summary_has_its_own_unit_only(client, township_a_official, program, work):
    client.force_login(township_a_official)
    document = opened(_get(client, program))
    assert _units(document) == {"水布垭镇人民政府": ["2", "2", "1"]}
    assert {row[2] for row in table_rows(document.tables[1])[1:]} == {"水布垭镇人民政府"}


def test_a_year_outside_the_program_is_404(client, county_admin, program, work):
    client.force_login(county_admin)
    assert _get(client, program, year=2031).status_code == 404
