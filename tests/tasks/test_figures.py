"""Figures in reports (TaskFigure): the county office names them on the task form, the report
form asks them, the report page, the API and the ledger export show them, and the task's
period × unit table sums them per period."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from pilot_admin.choices import Role
from tasks import selectors, services
from tasks.choices import CadenceKind, Phase, ReportStatus
from tasks.models import ProgressReport, TaskFigure
from tests.factories import ProgressReportFactory, TownshipFactory, UserFactory, bimonthly_task
from tests.helpers.excel import downloaded, sheet_rows
from villages import services as village_services


def days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


@pytest.fixture
def government_a(township_a):
    return village_services.township_government_ensure(township=township_a)


@pytest.fixture
def task(county_admin, program, department, township_a, township_b, government_a):
    """Led by 县民政局, carried out by two townships, a two-month period running today, with
    two figures."""
    return bimonthly_task(
        actor=county_admin,
        program=program,
        lead=[department],
        townships=[township_a, township_b],
        code="BD-04-02",
        title="建设农村社区综合服务站",
        start_date=days(-70),
        deadline=days(200),
        figures=[("已建成服务站个数", "个"), ("服务站面积", "平方米")],
    )


@pytest.fixture
def current_period(task):
    today = timezone.localdate()
    return task.periods.get(start__lte=today, due_date__gte=today)


def _figures(task):
    return {f.name: f for f in task.figures.all()}


def _page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


# --- the county office names them ------------------------------------------------------------


def test_the_task_form_sets_and_changes_the_figures(client, county_admin, task):
    client.force_login(county_admin)
    url = reverse("tasks:task_update", args=[task.pk])
    html = _page(client, url)
    assert "已建成服务站个数（个）\n服务站面积（平方米）" in html
    kept = _figures(task)["已建成服务站个数"]
    data = {
        "code": task.code,
        "title": task.title,
        "text": task.text,
        "phase": Phase.IMPLEMENT,
        "start_date": task.start_date.isoformat(),
        "deadline": task.deadline.isoformat(),
        "cadence_kind": CadenceKind.EVERY_N_MONTHS,
        "cadence_months": "2",
        "lead": [a.department_id for a in task.assignments.filter(role="lead")],
        "townships": [t.pk for t in task.program.county.townships.all()],
        "figures_text": "参与志愿者人数(人)\n已建成服务站个数（个）",
        "version": task.version,
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    figures = list(task.figures.all())
    assert [(f.name, f.unit, f.order) for f in figures] == [("参与志愿者人数", "人", 0), ("已建成服务站个数", "个", 1)]
    # A figure that stays keeps its id, so the reports' values stay under it.
    assert figures[1].pk == kept.pk
    detail = _page(client, task.get_absolute_url())
    assert "参与志愿者人数（人）、已建成服务站个数（个）" in detail

    data.update(figures_text="一\n一", version=task.__class__.objects.get(pk=task.pk).version)
    html = client.post(url, data).content.decode()
    assert "第 2 行：数据项“一”重复。" in html


# --- the unit reports them -------------------------------------------------------------------


def test_the_report_form_asks_the_figures_and_refuses_negative_numbers(
    client, township_a_official, task, current_period, government_a
):
    client.force_login(township_a_official)
    url = reverse("tasks:report_edit", args=[current_period.pk])
    html = _page(client, url)
    assert "已建成服务站个数（个）" in html and "服务站面积（平方米）" in html
    base = {"text": "已建成两个服务站。", "percent_complete": "40", "action": "submit"}
    figures = _figures(task)
    count, area = (f"figure_{figures[name].pk}" for name in ("已建成服务站个数", "服务站面积"))

    html = client.post(url, {**base, count: "-1", area: "abc"}).content.decode()
    assert "确保该值大于或等于0" in html
    assert not ProgressReport.objects.filter(period=current_period).exists()

    response = client.post(url, {**base, count: "2", area: "350.5"})
    report = ProgressReport.objects.get(period=current_period, department=government_a)
    assert response.status_code == 302
    assert report.figures == {figures["已建成服务站个数"].key: 2, figures["服务站面积"].key: 350.5}
    page = _page(client, report.get_absolute_url())
    assert '已建成服务站个数</dt><dd class="figure-value">2 个' in page
    assert "350.5 平方米" in page


def test_report_save_checks_figures_itself(township_a_official, task, current_period):
    figures = _figures(task)
    key = figures["已建成服务站个数"].key
    with pytest.raises(ValidationError) as caught:
        services.report_save(actor=township_a_official, period=current_period, submit=False, figures={key: -3})
    assert caught.value.message_dict == {f"figure_{figures['已建成服务站个数'].pk}": ["“已建成服务站个数”不能为负数。"]}
    with pytest.raises(ValidationError):
        services.report_save(actor=township_a_official, period=current_period, submit=False, figures={key: "十"})
    # A key of no figure of this task is dropped; a blank value is "not reported".
    report = services.report_save(
        actor=township_a_official, period=current_period, submit=False, figures={key: "3", "f999999": 5}
    )
    assert report.figures == {key: 3}


# --- shown on the API and in the ledger --------------------------------------------------------


def test_the_api_and_the_ledger_export_show_the_figures(client, county_admin, task, current_period, government_a):
    figures = _figures(task)
    ProgressReportFactory(
        task=task,
        period=current_period,
        department=government_a,
        status=ReportStatus.SUBMITTED,
        figures={figures["已建成服务站个数"].key: 4},
    )
    client.force_login(county_admin)
    payload = client.get(reverse("api_progress_report-list"), {"task": task.pk}).json()
    (row,) = payload["results"]
    assert row["figures"] == [
        {"name": "已建成服务站个数", "unit": "个", "value": 4},
        {"name": "服务站面积", "unit": "平方米", "value": None},
    ]
    sheet = downloaded(client.get(reverse("tasks:ledger_export")))["任务台账"]
    header = [cell.value for cell in sheet[3]]
    column = header.index("数据")
    cells = {row[5]: row[column] for row in sheet_rows(sheet, start=4)}
    assert cells["水布垭镇人民政府"] == "已建成服务站个数 4 个"
    assert cells["县民政局"] is None


# --- summed per period --------------------------------------------------------------------------


def _report(task, period, unit, status, count, area=None):
    figures = _figures(task)
    values = {figures["已建成服务站个数"].key: count}
    if area is not None:
        values[figures["服务站面积"].key] = area
    return ProgressReportFactory(task=task, period=period, department=unit, status=status, figures=values)


def test_the_period_table_sums_each_figure_over_the_submitted_and_accepted_reports(
    client, county_admin, task, current_period, government_a, township_b
):
    government_b = village_services.township_government_ensure(township=township_b)
    previous = task.periods.filter(due_date__lt=current_period.due_date).order_by("-due_date").first()
    _report(task, current_period, government_a, ReportStatus.ACCEPTED, 2, 100.5)
    _report(task, current_period, government_b, ReportStatus.SUBMITTED, 3)
    _report(task, previous, government_a, ReportStatus.DRAFT, 50)  # a draft is not counted
    _report(task, previous, government_b, ReportStatus.RETURNED, 60)  # nor a returned one

    figures = list(task.figures.all())
    totals = selectors.figure_totals(user=county_admin, task=task, figures=figures)
    assert totals[current_period.pk] == {figures[0].key: Decimal("5"), figures[1].key: Decimal("100.5")}
    assert previous.pk not in totals

    client.force_login(county_admin)
    html = _page(client, task.get_absolute_url())
    assert "<th>数据合计</th>" in html
    assert "已建成服务站个数：5 个" in html and "服务站面积：100.50 平方米" in html
    assert "已建成服务站个数 50 个" in html  # the draft's own cell still shows what it holds


def test_a_township_sums_only_what_it_may_read(township_a_official, task, current_period, government_a, township_b):
    government_b = village_services.township_government_ensure(township=township_b)
    _report(task, current_period, government_a, ReportStatus.SUBMITTED, 2)
    _report(task, current_period, government_b, ReportStatus.SUBMITTED, 3)
    figures = list(task.figures.all())
    totals = selectors.figure_totals(user=township_a_official, task=task, figures=figures)
    assert totals[current_period.pk][figures[0].key] == Decimal("2")


def _detail_queries(client, user, task) -> int:
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(task.get_absolute_url()).status_code == 200
    return len(queries)


def _grow(task, county, n_townships: int):
    """More townships on the task, each reporting every period."""
    townships = [TownshipFactory(county=county) for _ in range(n_townships)]
    for township in townships:
        government = village_services.township_government_ensure(township=township)
        task.assignments.create(department=government, role="township")
        for period in task.periods.all():
            _report(task, period, government, ReportStatus.SUBMITTED, 1, 2)


def test_the_summed_table_reads_in_flat_queries(client, county_admin, task, program):
    _grow(task, program.county, 2)
    small = _detail_queries(client, county_admin, task)
    _grow(task, program.county, 6)
    large = _detail_queries(client, county_admin, task)
    assert small == large
    html = client.get(task.get_absolute_url()).content.decode()
    assert "已建成服务站个数：8 个" in html


def test_a_task_without_figures_shows_no_total_column(client, county_admin, program, department):
    plain = bimonthly_task(actor=county_admin, program=program, lead=[department], code="BD-01-09")
    client.force_login(county_admin)
    assert "数据合计" not in _page(client, plain.get_absolute_url())
    assert not TaskFigure.objects.filter(task=plain).exists()


def test_only_the_county_office_names_figures(program, department, township_a):
    viewer = UserFactory(role=Role.COUNTY_VIEWER, county=program.county)
    with pytest.raises(Exception, match="县领导小组办公室"):
        bimonthly_task(actor=viewer, program=program, lead=[department], figures=[("个数", "个")])
