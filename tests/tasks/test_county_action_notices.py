"""Every county decision on a progress report reaches the unit that wrote it: a return with its
reason, an acceptance, each in the unit's inbox with a link to the report."""

import pytest
from django.urls import reverse

from pilot_admin.models import Notification
from tasks import services
from tests.factories import UserFactory, bimonthly_task
from villages import services as village_services

pytestmark = pytest.mark.django_db


@pytest.fixture
def task(county_admin, program, department, township_a):
    village_services.township_government_ensure(township=township_a)
    return bimonthly_task(actor=county_admin, program=program, lead=[department], townships=[township_a])


@pytest.fixture
def period(task):
    return task.periods.order_by("due_date").first()


def _submitted(user, period):
    return services.report_save(
        actor=user, period=period, submit=True, text="服务站台账已建立。", today=period.due_date
    )


def test_a_returned_report_tells_the_township_why_with_a_link(
    period, township_a_official, township_b_official, county_admin, login
):
    colleague = UserFactory(role=township_a_official.role, township=township_a_official.township)
    report = _submitted(township_a_official, period)

    services.report_return(actor=county_admin, report=report, reason="缺少服务站照片")

    notices = Notification.objects.filter(source__startswith=f"report:{report.pk}:")
    assert {n.user for n in notices} == {township_a_official, colleague}
    notice = notices.get(user=township_a_official)
    assert notice.title == f"【报告被退回】BD-05-01 建立农村社区服务站台账（{period.label}）"
    assert "退回原因：缺少服务站照片" in notice.body
    assert notice.link == reverse("tasks:report_detail", args=[report.pk])
    assert not Notification.objects.filter(user__in=[township_b_official, county_admin]).exists()
    page = login(township_a_official).get(reverse("notification_list")).content.decode()
    assert "【报告被退回】" in page and "缺少服务站照片" in page


def test_an_accepted_report_tells_the_department_that_wrote_it(period, department_user, county_admin):
    report = _submitted(department_user, period)

    services.report_accept(actor=county_admin, report=report)

    (notice,) = Notification.objects.filter(user=department_user)
    assert notice.title.startswith("【报告已通过】BD-05-01")
    assert notice.link == report.get_absolute_url()


def test_returned_twice_notifies_twice(period, township_a_official, county_admin):
    report = _submitted(township_a_official, period)
    services.report_return(actor=county_admin, report=report, reason="缺少照片")
    report = _submitted(township_a_official, period)
    services.report_return(actor=county_admin, report=report, reason="照片不清晰")

    bodies = sorted(n.body for n in Notification.objects.filter(user=township_a_official))
    assert len(bodies) == 2
    assert "缺少照片" in bodies[1] or "缺少照片" in bodies[0]
    assert any("照片不清晰" in body for body in bodies)
