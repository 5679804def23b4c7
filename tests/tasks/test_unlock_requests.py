"""申请补报: a locked period is shown as 已锁定 with a way to ask for a late report, never a form
that refuses it; the county office grants (until a date, creating the unlock) or refuses (with
a reason); each step is audited and tells the other side."""

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from pilot_admin.choices import Role
from pilot_admin.models import AuditEntry, Notification
from tasks import services_unlock
from tasks.choices import ReportStatus, UnlockRequestStatus
from tasks.models import ProgressReport, ReportUnlock, ReportUnlockRequest
from tests.factories import ReportingPeriodFactory, UserFactory, bimonthly_task
from villages import services as village_services

pytestmark = pytest.mark.django_db


def days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


@pytest.fixture
def government_a(township_a):
    return village_services.township_government_ensure(township=township_a)


@pytest.fixture
def task(county_admin, program, department, township_a, government_a):
    return bimonthly_task(
        actor=county_admin,
        program=program,
        lead=[department],
        townships=[township_a],
        code="BD-02-01",
        title="建立村务监督委员会",
        start_date=days(-200),
        deadline=days(200),
    )


@pytest.fixture
def locked_period(task, program):
    """Past its lock date: due `report_lock_days` + 5 days ago."""
    return ReportingPeriodFactory(
        task=task, label="逾期一期", start=days(-120), due_date=days(-program.report_lock_days - 5)
    )


def _html(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200, url
    return response.content.decode()


def _row(html: str, period) -> str:
    """The 我的任务 row of `period`."""
    start = html.index(f'data-period="{period.pk}"')
    return html[start : html.index("</tr>", start)]


# --- no dead ends ----------------------------------------------------------------------------


def test_a_locked_period_shows_locked_and_asks_for_a_late_report_instead_of_the_form(
    client, township_a_official, locked_period
):
    client.force_login(township_a_official)
    row = _row(_html(client, reverse("tasks:my_tasks")), locked_period)
    assert "已锁定" in row and "申请补报" in row
    assert reverse("tasks:unlock_request_create", args=[locked_period.pk]) in row
    # No button that leads to a form the service would refuse.
    assert reverse("tasks:report_edit", args=[locked_period.pk]) not in row
    assert ">填报<" not in row

    # The township's home lists it the same way.
    home = _html(client, reverse("home"))
    link = home.index(reverse("tasks:unlock_request_create", args=[locked_period.pk]))
    item = home[home.rindex('<li class="obligation', 0, link) : home.index("</li>", link)]
    assert "已锁定" in item and "申请补报" in item
    assert reverse("tasks:report_edit", args=[locked_period.pk]) not in home


def test_the_township_asks_for_a_late_report_and_the_county_office_is_told(
    client, county_admin, township_a_official, locked_period, government_a
):
    client.force_login(township_a_official)
    url = reverse("tasks:unlock_request_create", args=[locked_period.pk])
    assert 'id="unlock-request-form"' in _html(client, url)

    response = client.post(url, {"reason": "  "})
    assert "申请补报须填写原因。" in response.content.decode()
    assert not ReportUnlockRequest.objects.exists()

    response = client.post(url, {"reason": "乡镇换届交接，未能按期报送"}, follow=True)
    html = response.content.decode()
    assert "补报申请已提交" in html and "补报申请待处理" in html
    request = ReportUnlockRequest.objects.get()
    assert (request.period, request.department, request.requested_by, request.status) == (
        locked_period,
        government_a,
        township_a_official,
        UnlockRequestStatus.PENDING,
    )
    entry = AuditEntry.objects.filter(actor=township_a_official).latest("id")
    assert "乡镇换届交接" in entry.note
    message = Notification.objects.get(user=county_admin)
    assert "补报申请" in message.title and "水布垭镇人民政府" in message.title
    assert message.link == reverse("tasks:unlock_request_queue")

    # A second request while the first waits is refused, in Chinese, and writes nothing.
    row = _row(_html(client, reverse("tasks:my_tasks")), locked_period)
    assert "补报申请待县里处理" in row and "已锁定" in row
    with pytest.raises(Exception) as error:
        services_unlock.unlock_request_create(actor=township_a_official, period=locked_period, reason="再次申请")
    assert "本期已有待处理的补报申请" in str(error.value)
    assert ReportUnlockRequest.objects.count() == 1


def test_the_county_office_grants_with_an_end_date_and_the_township_can_report(
    client, county_admin, township_a_official, locked_period, government_a
):
    request = services_unlock.unlock_request_create(
        actor=township_a_official, period=locked_period, reason="系统故障未能提交"
    )
    client.force_login(county_admin)
    queue = _html(client, reverse("tasks:unlock_request_queue"))
    assert "系统故障未能提交" in queue and "水布垭镇人民政府" in queue and "待处理 1" in queue
    assert 'id="nav-unlock-requests"' in queue

    grant = reverse("tasks:unlock_request_decide", args=[request.pk, "grant"])
    response = client.post(grant, {"until": days(-1).isoformat()}, follow=True)
    assert "解锁截止日期不能早于今天。" in response.content.decode()
    request.refresh_from_db()
    assert request.status == UnlockRequestStatus.PENDING and not ReportUnlock.objects.exists()

    response = client.post(grant, {"until": days(5).isoformat()}, follow=True)
    assert f"解锁至 {days(5):%Y-%m-%d}" in response.content.decode()
    request.refresh_from_db()
    unlock = ReportUnlock.objects.get()
    assert (request.status, request.unlock, request.decided_by) == (UnlockRequestStatus.GRANTED, unlock, county_admin)
    assert (unlock.period, unlock.department, unlock.until, unlock.unlocked_by) == (
        locked_period,
        government_a,
        days(5),
        county_admin,
    )
    assert AuditEntry.objects.filter(actor=county_admin, note="同意补报").exists()
    told = Notification.objects.get(user=township_a_official)
    assert "补报申请已同意" in told.title and f"{days(5):%Y-%m-%d}" in told.body

    # A second decision on the same request is refused.
    response = client.post(grant, {"until": days(9).isoformat()}, follow=True)
    assert "该补报申请已处理" in response.content.decode()
    assert ReportUnlock.objects.count() == 1

    client.force_login(township_a_official)
    row = _row(_html(client, reverse("tasks:my_tasks")), locked_period)
    assert "已锁定" not in row and f"已解锁至 {days(5):%Y-%m-%d}" in row
    assert reverse("tasks:report_edit", args=[locked_period.pk]) in row
    client.post(
        reverse("tasks:report_edit", args=[locked_period.pk]),
        {"text": "补报：已完成村务监督委员会选举。", "percent_complete": "100", "action": "submit"},
    )
    assert ProgressReport.objects.get(period=locked_period).status == ReportStatus.SUBMITTED


def test_a_refusal_needs_a_reason_and_the_township_reads_it(client, county_admin, township_a_official, locked_period):
    request = services_unlock.unlock_request_create(actor=township_a_official, period=locked_period, reason="忘记报送")
    client.force_login(county_admin)
    refuse = reverse("tasks:unlock_request_decide", args=[request.pk, "refuse"])
    response = client.post(refuse, {"reason": ""}, follow=True)
    assert "不同意补报须填写原因。" in response.content.decode()
    request.refresh_from_db()
    assert request.status == UnlockRequestStatus.PENDING

    client.post(refuse, {"reason": "该期已汇总上报，请在下一期一并说明"})
    request.refresh_from_db()
    assert (request.status, request.refusal_reason) == (
        UnlockRequestStatus.REFUSED,
        "该期已汇总上报，请在下一期一并说明",
    )
    assert not ReportUnlock.objects.exists()
    told = Notification.objects.get(user=township_a_official)
    assert "补报申请未同意" in told.title and "该期已汇总上报" in told.body

    client.force_login(township_a_official)
    row = _row(_html(client, reverse("tasks:my_tasks")), locked_period)
    assert "上次补报申请未同意：该期已汇总上报" in row and "申请补报" in row
    page = _html(client, reverse("tasks:unlock_request_create", args=[locked_period.pk]))
    assert 'id="unlock-request-form"' in page and "该期已汇总上报" in page


def test_only_a_locked_period_can_be_asked_for(township_a_official, task):
    today = timezone.localdate()
    running = task.periods.get(start__lte=today, due_date__gte=today)
    with pytest.raises(Exception) as error:
        services_unlock.unlock_request_create(actor=township_a_official, period=running, reason="想补报")
    assert "本期未锁定，可以直接填报" in str(error.value)
    assert not ReportUnlockRequest.objects.exists()


def test_the_database_holds_one_pending_request_per_unit_and_period_and_a_refusal_reason(
    township_a_official, locked_period, government_a
):
    fields = {"period": locked_period, "department": government_a, "requested_by": township_a_official}
    ReportUnlockRequest.objects.create(reason="第一次", **fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        ReportUnlockRequest.objects.create(reason="第二次", **fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        ReportUnlockRequest.objects.filter(**fields).update(
            status=UnlockRequestStatus.REFUSED, decided_at=timezone.now(), decided_by=township_a_official
        )
    # Once decided, a new request for the same period may be made.
    ReportUnlockRequest.objects.filter(**fields).update(
        status=UnlockRequestStatus.REFUSED,
        refusal_reason="不符合补报条件",
        decided_at=timezone.now(),
        decided_by=township_a_official,
    )
    ReportUnlockRequest.objects.create(reason="再次申请", **fields)
    assert ReportUnlockRequest.objects.count() == 2


def test_another_township_neither_asks_for_nor_sees_the_request(
    client, township_a_official, township_b_official, county, locked_period
):
    request = services_unlock.unlock_request_create(actor=township_a_official, period=locked_period, reason="忘记报送")
    client.force_login(township_b_official)
    assert client.get(reverse("tasks:unlock_request_create", args=[locked_period.pk])).status_code == 404
    assert (
        client.post(reverse("tasks:unlock_request_create", args=[locked_period.pk]), {"reason": "x"}).status_code == 404
    )
    assert client.post(reverse("tasks:unlock_request_decide", args=[request.pk, "grant"])).status_code == 403
    # A county viewer reads but does not decide.
    viewer = UserFactory(role=Role.COUNTY_VIEWER, county=county)
    client.force_login(viewer)
    assert client.get(reverse("tasks:unlock_request_queue")).status_code == 403
    assert ReportUnlockRequest.objects.get().status == UnlockRequestStatus.PENDING
