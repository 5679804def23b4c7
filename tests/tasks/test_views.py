"""The tasks pages per role: what each one lists, the 404 for another unit's rows, the report
and review flow through the pages, the county office's actions, and query counts that do not
grow with the data."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from pilot_admin.choices import Role
from tasks import services
from tasks.choices import AssignmentRole, ReportStatus, TaskStatus
from tasks.models import ProgressReport, ReportUnlock, TaskAssignment
from tests.factories import (
    DepartmentFactory,
    ProgressReportFactory,
    ReportAttachmentFactory,
    ReportingPeriodFactory,
    TaskAssignmentFactory,
    TaskFactory,
    UserFactory,
    bimonthly_task,
)
from villages import services as village_services

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%test\n"


def days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


@pytest.fixture
def government_a(township_a):
    return village_services.township_government_ensure(township=township_a)


@pytest.fixture
def government_b(township_b):
    return village_services.township_government_ensure(township=township_b)


@pytest.fixture
def current_task(county_admin, program, department, township_a, government_a):
    """Led by 县民政局, carried out by 水布垭镇, with a two-month period running today."""
    return bimonthly_task(
        actor=county_admin,
        program=program,
        lead=[department],
        townships=[township_a],
        code="BD-01-01",
        title="制定农村社区建设试点实施方案",
        start_date=days(-70),
        deadline=days(200),
    )


@pytest.fixture
def current_period(current_task):
    today = timezone.localdate()
    return current_task.periods.get(start__lte=today, due_date__gte=today)


@pytest.fixture
def b_task(county_admin, program, township_b, government_b):
    """A task of 东瀼口镇 alone, led by another department."""
    other = DepartmentFactory(county=program.county, name="县住建局")
    return bimonthly_task(
        actor=county_admin,
        program=program,
        lead=[other],
        townships=[township_b],
        code="BD-09-02",
        title="东瀼口镇危房改造",
        start_date=days(-70),
        deadline=days(200),
    )


def _page(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200, url
    return response.content.decode()


# --- who sees what -------------------------------------------------------------------------------


def test_a_department_sees_only_the_tasks_it_is_assigned_to(login, department_user, current_task, b_task):
    client = login(department_user)
    for name in ("tasks:task_list", "tasks:ledger"):
        html = _page(client, reverse(name))
        assert current_task.title in html, name
        assert b_task.title not in html, name
    assert client.get(b_task.get_absolute_url()).status_code == 404
    html = _page(client, current_task.get_absolute_url())
    # The lead department sees the township's column of the task it leads.
    assert "水布垭镇人民政府" in html and "县民政局" in html


def test_a_township_leading_a_task_sees_only_the_columns_it_may_read(
    login, county_admin, township_a_official, program, department, government_a
):
    """Reading a cooperating unit's reports is a lead department's right (R-G17), not a township
    government's: the page of a task the township leads shows its own unit's column only, the
    units whose rows TaskAssignment.visible_to gives it, not columns its reports would leave empty."""
    task = bimonthly_task(
        actor=county_admin,
        program=program,
        lead=[government_a],
        cooperating=[department],
        code="BD-07-01",
        title="水布垭镇牵头的社区服务站建设",
        start_date=days(-70),
        deadline=days(200),
    )
    period = task.periods.get(start__lte=timezone.localdate(), due_date__gte=timezone.localdate())
    ProgressReportFactory(period=period, department=department, status=ReportStatus.SUBMITTED)

    response = login(township_a_official).get(task.get_absolute_url())
    assert response.status_code == 200
    readable = TaskAssignment.objects.visible_to(township_a_official).filter(task=task)
    assert [a.department for a in response.context["columns"]] == [a.department for a in readable] == [government_a]
    html = response.content.decode()
    assert 'data-unit="水布垭镇人民政府"' in html and 'data-unit="县民政局"' not in html
    # The task's units are still listed, only their reports are not.
    assert "县民政局" in html


def test_a_township_sees_only_tasks_assigned_to_it(
    login, township_a_official, current_task, b_task, government_b, current_period
):
    b_period = b_task.periods.get(start__lte=timezone.localdate(), due_date__gte=timezone.localdate())
    b_report = ProgressReportFactory(period=b_period, department=government_b, status=ReportStatus.SUBMITTED)
    b_attachment = ReportAttachmentFactory(report=b_report)
    client = login(township_a_official)
    for name in ("tasks:task_list", "tasks:ledger", "tasks:my_tasks"):
        html = _page(client, reverse(name))
        assert current_task.title in html, name
        assert b_task.title not in html and "东瀼口镇" not in html, name
    for url in (
        b_task.get_absolute_url(),
        reverse("tasks:report_edit", args=[b_period.pk]),
        b_report.get_absolute_url(),
        reverse("tasks:attachment_download", args=[b_attachment.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert b_task.title not in response.content.decode()
    # Its own task page shows its own column, not the lead department's.
    html = _page(client, current_task.get_absolute_url())
    assert 'data-unit="水布垭镇人民政府"' in html and 'data-unit="县民政局"' not in html


def test_county_roles_are_pointed_at_the_ledger_from_my_tasks(login, county_viewer, current_task):
    html = _page(login(county_viewer), reverse("tasks:my_tasks"))
    assert "您的角色不代表某个报送单位" in html
    assert reverse("tasks:ledger") in html
    assert 'id="obligations"' not in html


def test_the_navigation_follows_the_role(login, county_admin, township_a_official, current_task):
    admin_html = _page(login(county_admin), reverse("home"))
    assert "报告审核" in admin_html and "任务台账" in admin_html and ">我的任务<" not in admin_html
    township_html = _page(login(township_a_official), reverse("home"))
    assert ">我的任务<" in township_html and "报告审核" not in township_html and "报送情况" in township_html


# --- the report and review flow ----------------------------------------------------------------------


def test_report_review_flow_through_the_pages(
    client, county_admin, township_a_official, government_a, current_task, current_period
):
    client.force_login(township_a_official)
    html = _page(client, reverse("tasks:my_tasks"))
    edit_url = reverse("tasks:report_edit", args=[current_period.pk])
    assert f'href="{edit_url}"' in html
    assert current_period.label in html

    response = client.post(
        edit_url,
        {
            "text": "已召开动员会，方案初稿完成。",
            "percent_complete": "40",
            "signed_by_principal": "on",
            "action": "submit",
        },
    )
    report = ProgressReport.objects.get(period=current_period, department=government_a)
    assert response.status_code == 302 and response["Location"] == report.get_absolute_url()
    assert (report.status, report.percent_complete, report.signed_by_principal) == (ReportStatus.SUBMITTED, 40, True)
    # Submitted, the obligation is met and leaves my tasks.
    assert f'href="{edit_url}"' not in _page(client, reverse("tasks:my_tasks"))

    client.force_login(county_admin)
    queue_url = reverse("tasks:review_queue")
    assert 'data-unit="水布垭镇人民政府"' in _page(client, queue_url)
    response = client.post(
        reverse("tasks:report_review", args=[report.pk, "return"]),
        {"reason": "请补充各村动员会照片。", "next": queue_url},
    )
    assert response.status_code == 302 and response["Location"] == queue_url
    report.refresh_from_db()
    assert (report.status, report.return_reason) == (ReportStatus.RETURNED, "请补充各村动员会照片。")
    assert "没有待审核的报告。" in _page(client, queue_url)

    client.force_login(township_a_official)
    html = _page(client, reverse("tasks:my_tasks"))
    assert "退回原因：请补充各村动员会照片。" in html and "修改后重新提交" in html
    html = _page(client, edit_url)
    assert "已召开动员会，方案初稿完成。" in html and 'id="report-form"' in html
    client.post(edit_url, {"text": "已补充照片。", "percent_complete": "45", "action": "submit"})
    report.refresh_from_db()
    assert (report.status, report.text, report.percent_complete) == (ReportStatus.SUBMITTED, "已补充照片。", 45)

    client.force_login(county_admin)
    client.post(reverse("tasks:report_review", args=[report.pk, "accept"]))
    report.refresh_from_db()
    assert report.status == ReportStatus.ACCEPTED and report.reviewed_by == county_admin
    ledger = _page(client, reverse("tasks:ledger"))
    row = ledger.split('data-unit="水布垭镇人民政府"')[1].split("</tr>")[0]
    assert "已采纳" in row and "45%" in row

    # The accepted report is closed to its unit: the page says why and the POST is refused.
    client.force_login(township_a_official)
    html = _page(client, edit_url)
    assert "报告已采纳，不能修改。" in html and 'id="report-form"' not in html
    response = client.post(edit_url, {"text": "再改", "percent_complete": "50", "action": "submit"})
    assert response.status_code == 200 and "报告已采纳，不能修改。" in response.content.decode()
    report.refresh_from_db()
    assert report.text == "已补充照片。"


def test_a_draft_is_saved_with_attachments_and_downloaded_through_a_scoped_view(
    client, township_a_official, township_b_official, county_viewer, government_a, current_period
):
    client.force_login(township_a_official)
    edit_url = reverse("tasks:report_edit", args=[current_period.pk])
    response = client.post(
        edit_url,
        {
            "text": "草稿",
            "percent_complete": "10",
            "action": "draft",
            "attachments": [
                SimpleUploadedFile("会议纪要.pdf", PDF),
                SimpleUploadedFile("照片.png", b"\x89PNG\r\n\x1a\nxx"),
            ],
        },
    )
    assert response.status_code == 302 and response["Location"] == edit_url
    report = ProgressReport.objects.get(period=current_period, department=government_a)
    assert report.status == ReportStatus.DRAFT
    attachment = report.attachments.get(original_name="会议纪要.pdf")
    assert report.attachments.count() == 2
    assert "会议纪要.pdf" in _page(client, edit_url)

    download = reverse("tasks:attachment_download", args=[attachment.pk])
    for user in (township_a_official, county_viewer):
        client.force_login(user)
        response = client.get(download)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert "attachment" in response["Content-Disposition"]
        assert b"".join(response.streaming_content) == PDF
    client.force_login(township_b_official)
    assert client.get(download).status_code == 404


def test_a_locked_period_is_refused_with_the_services_message(
    client, program, township_a_official, current_task, government_a
):
    old = ReportingPeriodFactory(
        task=current_task, due_date=days(-program.report_lock_days - 1), start=days(-100), label="上一期"
    )
    client.force_login(township_a_official)
    url = reverse("tasks:report_edit", args=[old.pk])
    message = f"本期已于 {services.lock_date(old):%Y-%m-%d} 锁定。如需补报，请申请补报"
    html = _page(client, url)
    assert message in html and 'id="report-form"' not in html
    # Not a dead end: the page leads to 申请补报 (tests/tasks/test_unlock_requests.py).
    assert reverse("tasks:unlock_request_create", args=[old.pk]) in html
    response = client.post(url, {"text": "补报", "percent_complete": "10", "action": "submit"})
    assert "锁定" in response.content.decode()
    assert not ProgressReport.objects.filter(period=old).exists()


def test_the_county_office_unlocks_a_period_for_one_unit_through_the_task_page(
    client, county_admin, program, township_a_official, current_task, government_a
):
    old = ReportingPeriodFactory(
        task=current_task, due_date=days(-program.report_lock_days - 1), start=days(-100), label="上一期"
    )
    client.force_login(county_admin)
    html = _page(client, current_task.get_absolute_url())
    assert 'id="unlock-form"' in html
    response = client.post(
        reverse("tasks:period_unlock", args=[current_task.pk]),
        {"period": old.pk, "department": government_a.pk, "reason": "系统故障补报", "until": days(3).isoformat()},
        follow=True,
    )
    unlock = ReportUnlock.objects.get()
    assert (unlock.period, unlock.department, unlock.until, unlock.unlocked_by) == (
        old,
        government_a,
        days(3),
        county_admin,
    )
    assert f"已为“水布垭镇人民政府”解锁“上一期”，至 {days(3):%Y-%m-%d}。" in response.content.decode()

    client.force_login(township_a_official)
    client.post(
        reverse("tasks:report_edit", args=[old.pk]), {"text": "补报", "percent_complete": "100", "action": "submit"}
    )
    assert ProgressReport.objects.get(period=old).status == ReportStatus.SUBMITTED


def test_close_out_and_reopen_through_the_task_page(client, county_admin, township_a_official, current_task):
    client.force_login(county_admin)
    url = reverse("tasks:task_close_out", args=[current_task.pk])
    response = client.post(url, {"note": ""}, follow=True)
    assert "销号须填写说明。" in response.content.decode()
    current_task.refresh_from_db()
    assert current_task.status == TaskStatus.OPEN

    response = client.post(url, {"note": "方案已印发，验收合格。"}, follow=True)
    current_task.refresh_from_db()
    assert current_task.status == TaskStatus.CLOSED_OUT
    html = response.content.decode()
    assert "已销号，该任务不再接收报告，也不再提醒。" in html and "方案已印发，验收合格。" in html
    assert 'id="reopen-form"' in html

    # The township no longer finds it among its obligations.
    client.force_login(township_a_official)
    assert current_task.title not in _page(client, reverse("tasks:my_tasks"))

    client.force_login(county_admin)
    response = client.post(
        reverse("tasks:task_reopen", args=[current_task.pk]), {"reason": "复查发现未完成"}, follow=True
    )
    current_task.refresh_from_db()
    assert current_task.status == TaskStatus.OPEN
    assert "撤销销号：复查发现未完成" in response.content.decode()  # the audit log on the page


def test_ledger_filters_are_scoped_to_the_user(
    login, township_a_official, county_admin, current_task, township_b, b_task
):
    client = login(township_a_official)
    # Naming another township is an invalid choice: no rows rather than its rows.
    html = _page(client, reverse("tasks:ledger"), township=township_b.pk)
    assert "没有符合条件的任务。" in html and b_task.title not in html
    client = login(county_admin)
    html = _page(client, reverse("tasks:ledger"), township=township_b.pk)
    assert b_task.title in html and current_task.title not in html


def test_the_completeness_page_shows_rates_and_totals(login, county_admin, program, department, government_a):
    """Two periods due in 2018, 县民政局 and 水布垭镇: 4 expected; 县民政局 reported both on time,
    水布垭镇 one, late → 3 received, 2 on time → 75.0 % and 50.0 %."""
    task = TaskFactory(program=program)
    TaskAssignmentFactory(task=task, department=department, role=AssignmentRole.LEAD)
    TaskAssignmentFactory(task=task, department=government_a, role=AssignmentRole.TOWNSHIP)
    first = ReportingPeriodFactory(task=task, due_date=datetime.date(2018, 4, 30))
    second = ReportingPeriodFactory(task=task, due_date=datetime.date(2018, 6, 30))
    on_time = timezone.make_aware(datetime.datetime(2018, 4, 1, 9))
    late = timezone.make_aware(datetime.datetime(2018, 8, 1, 9))
    ProgressReportFactory(period=first, department=department, status="accepted", submitted_at=on_time)
    ProgressReportFactory(period=second, department=department, status="submitted", submitted_at=on_time)
    ProgressReportFactory(period=second, department=government_a, status="submitted", submitted_at=late)
    html = _page(login(county_admin), reverse("tasks:completeness"), program=program.code, year=2018)
    row = html.split('data-unit="县民政局"')[1].split("</tr>")[0]
    assert [cell.split(">")[-1] for cell in row.split("</td>")[:-1]] == ["县民政局", "2", "2", "2", "100.0%", "100.0%"]
    total = html.split('class="total"')[1].split("</tr>")[0]
    assert [cell.split(">")[-1] for cell in total.split("</td>")[:-1]] == ["合计", "4", "3", "2", "75.0%", "50.0%"]
    assert 'id="department-table"' in html


# --- query counts --------------------------------------------------------------------------------------


def _grow(program, department, government, count):
    """`count` more tasks of the unit pair, each with a past and a running period, reports of
    both units and an attachment."""
    for _ in range(count):
        task = TaskFactory(program=program, start_date=days(-100), deadline=days(100))
        TaskAssignmentFactory(task=task, department=department, role=AssignmentRole.LEAD)
        TaskAssignmentFactory(task=task, department=government, role=AssignmentRole.TOWNSHIP)
        TaskAssignmentFactory(task=task, role=AssignmentRole.COOPERATING)
        past = ReportingPeriodFactory(task=task, due_date=days(-30), start=days(-90))
        ReportingPeriodFactory(task=task, due_date=days(30), start=days(-29))
        ReportAttachmentFactory(
            report=ProgressReportFactory(period=past, department=government, status=ReportStatus.SUBMITTED)
        )
        ProgressReportFactory(period=past, department=department, status=ReportStatus.RETURNED)


PAGES = [
    ("county_admin", "tasks:ledger", {}),
    ("county_admin", "tasks:ledger", {"overdue": "true"}),
    ("county_admin", "tasks:completeness", {}),
    ("county_admin", "tasks:task_list", {}),
    ("county_admin", "tasks:review_queue", {}),
    ("township", "tasks:my_tasks", {}),
    ("township", "tasks:ledger", {}),
    ("township", "tasks:completeness", {}),
    ("department", "tasks:my_tasks", {}),
    ("department", "tasks:completeness", {}),
]


@pytest.mark.parametrize(("who", "name", "params"), PAGES)
def test_query_counts_do_not_grow_with_the_data(
    client, county_admin, township_a_official, department_user, program, department, government_a, who, name, params
):
    user = {"county_admin": county_admin, "township": township_a_official, "department": department_user}[who]
    client.force_login(user)
    url = reverse(name)
    # The completeness table counts the periods due in a year of the program: make the year of
    # the past periods one.
    year = days(-30).year
    program.start_year, program.end_year = min(program.start_year, year), max(program.end_year, year)
    program.save()
    if name == "tasks:completeness":
        params = {"program": program.code, "year": year}
    _grow(program, department, government_a, 2)
    _page(client, url, **params)  # warm caches (content types, sessions)
    with CaptureQueriesContext(connection) as small:
        small_html = _page(client, url, **params)
    _grow(program, department, government_a, 30)
    with CaptureQueriesContext(connection) as large:
        large_html = _page(client, url, **params)
    assert len(large) == len(small), [q["sql"] for q in large.captured_queries]
    # The larger data set is really on the page (the counts are not equal by showing nothing).
    assert len(large_html) > len(small_html)


def test_a_department_of_another_county_cannot_be_named(login, county_admin, current_task):
    from tests.factories import TownshipFactory

    stranger = DepartmentFactory(county=TownshipFactory(county__name="建始县", county__admin_code="422822").county)
    html = _page(login(county_admin), reverse("tasks:task_list"), department=stranger.pk)
    assert "没有符合条件的任务。" in html and current_task.title not in html


def test_roles_without_a_unit_cannot_open_the_report_form(login, county, county_admin, current_period):
    for user in (UserFactory(role=Role.INSPECTOR, county=county), county_admin):
        client = login(user)
        assert client.get(reverse("tasks:report_edit", args=[current_period.pk])).status_code == 403
        response = client.post(
            reverse("tasks:report_edit", args=[current_period.pk]), {"percent_complete": "5", "action": "submit"}
        )
        assert response.status_code == 403
    assert not ProgressReport.objects.exists()
