"""我的任务 and 报告审核 for a real day: paged, filtered (with 全部 as the empty choice), in the
order the work needs doing, bulk accept all or none, and query counts that do not grow with
the data."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from pilot_admin.models import AuditEntry
from tasks import services
from tasks.choices import AssignmentRole, ReportStatus
from tasks.models import ProgressReport
from tests.factories import (
    DepartmentFactory,
    ProgressReportFactory,
    ReportingPeriodFactory,
    TaskAssignmentFactory,
    TaskFactory,
    TownshipFactory,
)
from villages import services as village_services

pytestmark = pytest.mark.django_db

PAGE_SIZE = 50  # pilot_admin.lists.FilteredListMixin.paginate_by


def days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


@pytest.fixture
def government_a(township_a):
    return village_services.township_government_ensure(township=township_a)


@pytest.fixture
def government_b(township_b):
    return village_services.township_government_ensure(township=township_b)


def _task(program, *units, code=None, title=None):
    fields = {"code": code} if code else {}
    if title:
        fields["title"] = title
    task = TaskFactory(program=program, start_date=days(-400), deadline=days(400), **fields)
    for unit in units:
        role = AssignmentRole.TOWNSHIP if unit.township_id else AssignmentRole.LEAD
        TaskAssignmentFactory(task=task, department=unit, role=role)
    return task


def _period(task, due: int, label=None):
    start = days(min(-300, due - 60))
    return ReportingPeriodFactory(task=task, start=start, end=days(due), due_date=days(due), label=label or f"期{due}")


def _html(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200, url
    return response.content.decode()


def _rows(html: str, attribute: str) -> list[str]:
    """The values of `attribute` on the rows of the page's table, in order."""
    values, start = [], 0
    marker = f'{attribute}="'
    while (index := html.find(marker, start)) != -1:
        end = html.index('"', index + len(marker))
        values.append(html[index + len(marker) : end])
        start = end
    return values


# --- 我的任务 ------------------------------------------------------------------------------------


def test_my_tasks_is_paged(client, program, government_a, township_a_official):
    task = _task(program, government_a)
    for n in range(PAGE_SIZE + 10):
        _period(task, 10 + n)
    client.force_login(township_a_official)
    html = _html(client, reverse("tasks:my_tasks"))
    assert len(_rows(html, "data-period")) == PAGE_SIZE
    assert f"第 1 / 2 页，共 {PAGE_SIZE + 10} 条" in html
    assert f"待报送 {PAGE_SIZE + 10} 项" in html
    second = _html(client, reverse("tasks:my_tasks"), page=2)
    assert len(_rows(second, "data-period")) == 10


def test_my_tasks_puts_returned_first_then_overdue_most_recent_first_then_due_soonest(
    client, program, government_a, township_a_official
):
    task = _task(program, government_a)
    later = _period(task, 40)
    old_overdue = _period(task, -60)
    recent_overdue = _period(task, -3)
    soon = _period(task, 5)
    returned = _period(task, 20)
    ProgressReportFactory(period=returned, department=government_a, status=ReportStatus.RETURNED)
    client.force_login(township_a_official)
    html = _html(client, reverse("tasks:my_tasks"))
    expected = [returned, recent_overdue, old_overdue, soon, later]
    assert _rows(html, "data-period") == [str(period.pk) for period in expected]


def test_my_tasks_filters_by_task_period_status_and_overdue(client, program, government_a, township_a_official):
    roads = _task(program, government_a, code="BD-07-01", title="农村公路养护")
    water = _task(program, government_a, code="BD-07-02", title="饮水安全巩固")
    road_overdue = _period(roads, -10)
    road_next = _period(roads, 30)
    water_next = _period(water, 31)
    ProgressReportFactory(period=water_next, department=government_a, status=ReportStatus.RETURNED)
    client.force_login(township_a_official)
    url = reverse("tasks:my_tasks")

    page = _html(client, url)
    assert "---------" not in page and ">全部<" in page

    def shown(**params):
        return _rows(_html(client, url, **params), "data-period")

    assert shown(task=roads.pk) == [str(road_overdue.pk), str(road_next.pk)]
    assert shown(overdue="true") == [str(road_overdue.pk)]
    assert shown(status="returned") == [str(water_next.pk)]
    assert shown(status="none", overdue="false") == [str(road_next.pk)]
    # Due 40 days apart, so in different months.
    assert shown(period=f"{road_overdue.due_date:%Y-%m}") == [str(road_overdue.pk)]
    # Another unit's task is no choice: the filter refuses it and shows nothing.
    other = _task(program, DepartmentFactory(county=program.county, name="县交通局"))
    html = _html(client, url, task=other.pk)
    assert "不存在或不在您的查看范围内" in html and _rows(html, "data-period") == []


# --- 报告审核 ------------------------------------------------------------------------------------


def _submitted(period, unit, *, first_submitted=None, **fields):
    at = first_submitted or timezone.now()
    return ProgressReportFactory(
        period=period, department=unit, status=ReportStatus.SUBMITTED, submitted_at=at, first_submitted_at=at, **fields
    )


def test_the_review_queue_shows_the_current_period_first_so_a_new_report_is_on_page_one(
    client, county_admin, program, government_a, government_b
):
    task = _task(program, government_a, government_b)
    old = _period(task, -400)
    for n in range(PAGE_SIZE + 5):
        unit = DepartmentFactory(county=program.county, name=f"县直单位{n:02d}")
        TaskAssignmentFactory(task=task, department=unit, role=AssignmentRole.COOPERATING)
        _submitted(old, unit, first_submitted=timezone.now() - datetime.timedelta(days=300))
    current = _period(task, 3)
    just_now = _submitted(current, government_a)
    client.force_login(county_admin)
    html = _html(client, reverse("tasks:review_queue"))
    assert _rows(html, "data-report")[0] == str(just_now.pk)
    assert f"第 1 / 2 页，共 {PAGE_SIZE + 6} 条" in html


def test_the_review_queue_filters_by_township_unit_task_period_and_late(
    client, county_admin, program, department, government_a, government_b
):
    roads = _task(program, department, government_a, government_b, code="BD-08-01")
    water = _task(program, government_a, code="BD-08-02")
    period = _period(roads, -5)
    late = _submitted(period, government_a, first_submitted=timezone.now())
    b = _submitted(period, government_b, first_submitted=timezone.now() - datetime.timedelta(days=10))
    dept = _submitted(period, department, first_submitted=timezone.now() - datetime.timedelta(days=10))
    water_report = _submitted(_period(water, -200), government_a)
    client.force_login(county_admin)
    url = reverse("tasks:review_queue")
    page = _html(client, url)
    assert "---------" not in page and ">全部<" in page

    def shown(**params):
        return sorted(_rows(_html(client, url, **params), "data-report"))

    assert shown(township=government_a.township_id) == sorted([str(late.pk), str(water_report.pk)])
    assert shown(township=government_b.township_id) == [str(b.pk)]
    assert shown(department=department.pk) == [str(dept.pk)]
    assert shown(task=water.pk) == [str(water_report.pk)]
    assert shown(overdue="true", task=roads.pk) == [str(late.pk)]
    assert shown(period=f"{period.due_date:%Y-%m}", township=government_a.township_id) == [str(late.pk)]
    # Another county's township is refused, not ignored.
    stranger = TownshipFactory(county__name="建始县", county__admin_code="422822", name="业州镇", code="422822100")
    assert shown(township=stranger.pk) == []


def test_bulk_accept_accepts_every_ticked_report_through_the_single_accept(
    client, county_admin, program, government_a, government_b
):
    task = _task(program, government_a, government_b)
    period = _period(task, -5)
    a, b = _submitted(period, government_a), _submitted(period, government_b)
    client.force_login(county_admin)
    url = reverse("tasks:review_queue")
    response = client.post(
        reverse("tasks:report_bulk_accept"),
        {"reports": [a.pk, b.pk], f"version-{a.pk}": a.version, f"version-{b.pk}": b.version, "next": url},
        follow=True,
    )
    assert "已采纳 2 份报告。" in response.content.decode()
    assert set(ProgressReport.objects.values_list("status", flat=True)) == {ReportStatus.ACCEPTED}
    assert (
        AuditEntry.objects.filter(
            actor=county_admin, content_type__model="progressreport", object_id__in=[str(a.pk), str(b.pk)]
        ).count()
        == 2
    )
    assert "没有待审核的报告。" in response.content.decode()


def test_bulk_accept_is_all_or_nothing_and_names_the_report_that_failed(
    client, county_admin, program, government_a, government_b
):
    task = _task(program, government_a, government_b)
    period = _period(task, -5, label="2026年第5期")
    a, b = _submitted(period, government_a), _submitted(period, government_b)
    seen_b = b.version
    # Someone else accepted 东瀼口镇's report after the page was shown.
    services.report_accept(actor=county_admin, report=b)
    client.force_login(county_admin)
    response = client.post(
        reverse("tasks:report_bulk_accept"),
        {"reports": [a.pk, b.pk], f"version-{a.pk}": a.version, f"version-{b.pk}": seen_b},
        follow=True,
    )
    html = response.content.decode()
    assert "东瀼口镇人民政府" in html and "2026年第5期" in html and "修改" in html
    a.refresh_from_db()
    assert a.status == ReportStatus.SUBMITTED  # nothing of the batch was accepted

    # Without versions (an old page), the single accept's own check names it.
    response = client.post(reverse("tasks:report_bulk_accept"), {"reports": [a.pk, b.pk]}, follow=True)
    html = response.content.decode()
    assert "“东瀼口镇人民政府" in html and "只有“已提交”的报告可以审核" in html
    a.refresh_from_db()
    assert a.status == ReportStatus.SUBMITTED

    response = client.post(reverse("tasks:report_bulk_accept"), {}, follow=True)
    assert "请先勾选要采纳的报告。" in response.content.decode()


# --- query counts ------------------------------------------------------------------------------


def _grow(program, department, government, count):
    for _ in range(count):
        task = _task(program, department, government)
        past = _period(task, -30)
        _period(task, 30)
        _submitted(past, government)
        ProgressReportFactory(period=past, department=department, status=ReportStatus.RETURNED)
        ProgressReportFactory(period=_period(task, -300), department=government, status=ReportStatus.DRAFT)


LISTS = [
    ("township", "tasks:my_tasks", {}),
    ("township", "tasks:my_tasks", {"overdue": "true", "status": "draft"}),
    ("department", "tasks:my_tasks", {"status": "returned"}),
    ("county_admin", "tasks:review_queue", {}),
    ("county_admin", "tasks:review_queue", {"township": "TOWNSHIP", "overdue": "false"}),
    ("county_admin", "tasks:unlock_request_queue", {}),
]


@pytest.mark.parametrize(("who", "name", "params"), LISTS)
def test_list_query_counts_do_not_grow_with_the_data(
    client, county_admin, township_a_official, department_user, program, department, government_a, who, name, params
):
    from tasks.models import ReportUnlockRequest

    user = {"county_admin": county_admin, "township": township_a_official, "department": department_user}[who]
    params = {key: (government_a.township_id if value == "TOWNSHIP" else value) for key, value in params.items()}
    client.force_login(user)
    url = reverse(name)

    def grow(count):
        _grow(program, department, government_a, count)
        for period in ReportingPeriodFactory._meta.model.objects.filter(due_date=days(-300))[:count]:
            ReportUnlockRequest.objects.get_or_create(
                period=period, department=government_a, defaults={"reason": "补报", "requested_by": township_a_official}
            )

    grow(2)
    _html(client, url, **params)  # warm caches (content types, sessions)
    with CaptureQueriesContext(connection) as small:
        small_html = _html(client, url, **params)
    grow(30)
    with CaptureQueriesContext(connection) as large:
        large_html = _html(client, url, **params)
    assert len(large) == len(small), [q["sql"] for q in large.captured_queries]
    assert len(large_html) > len(small_html)
