"""The county's decisions on a township's villages reach the township's officials: indicators
confirmed or returned (with the reason), pilots approved or withdrawn (with the reason), each
with a link to the record."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from pilot_admin.models import Notification
from tests.factories import PilotAssignmentFactory
from villages import services
from villages.choices import PilotStatus
from villages.models import IndicatorYear

pytestmark = pytest.mark.django_db


@pytest.fixture
def indicator(village_a, township_a_official):
    IndicatorYear.objects.create(county=village_a.township.county, year=2019, opened_at=timezone.now())
    return services.village_indicator_submit(actor=township_a_official, village=village_a, year=2019)


def _only_notice(user):
    (notice,) = Notification.objects.filter(user=user)
    return notice


def test_a_returned_indicator_tells_the_township_why(indicator, township_a_official, township_b_official, county_admin):
    services.village_indicator_return(actor=county_admin, indicator=indicator, reason="服务站面积与台账不符")

    notice = _only_notice(township_a_official)
    assert notice.title == f"【指标被退回】{indicator.village.name} 2019年度指标"
    assert notice.body == "退回原因：服务站面积与台账不符。请修改后重新提交。"
    assert notice.link == reverse("villages:indicator_detail", args=[indicator.pk])
    assert not Notification.objects.filter(user=township_b_official).exists()


def test_a_confirmed_indicator_tells_the_township(indicator, township_a_official, county_admin, login):
    services.village_indicator_confirm(actor=county_admin, indicator=indicator)

    notice = _only_notice(township_a_official)
    assert notice.title == f"【指标已确认】{indicator.village.name} 2019年度指标"
    assert notice.link == indicator.get_absolute_url()
    page = login(township_a_official).get(reverse("notification_list")).content.decode()
    assert notice.title in page


def test_returned_resubmitted_and_returned_again_notifies_twice(indicator, township_a_official, county_admin):
    services.village_indicator_return(actor=county_admin, indicator=indicator, reason="缺照片")
    indicator = services.village_indicator_submit(
        actor=township_a_official, village=indicator.village, year=2019, version=indicator.version + 1
    )
    services.village_indicator_return(actor=county_admin, indicator=indicator, reason="面积不符")

    bodies = {n.body for n in Notification.objects.filter(user=township_a_official)}
    assert bodies == {"退回原因：缺照片。请修改后重新提交。", "退回原因：面积不符。请修改后重新提交。"}


def test_an_approved_pilot_tells_the_township(program, village_a, township_a_official, county_admin):
    pilot = PilotAssignmentFactory(program=program, village=village_a, year=2019, status=PilotStatus.PROPOSED)

    services.pilot_assignment_approve(actor=county_admin, assignment=pilot)

    notice = _only_notice(township_a_official)
    assert notice.title == f"【试点已审批】{village_a.name}（2019年）"
    assert village_a.name in notice.body and "已列为2019年试点村" in notice.body
    assert notice.link == reverse("villages:pilot_detail", args=[pilot.pk])


def test_a_withdrawn_pilot_tells_the_township_why(program, village_a, township_a_official, county_admin):
    pilot = PilotAssignmentFactory(program=program, village=village_a, year=2019)

    services.pilot_assignment_withdraw(actor=county_admin, assignment=pilot, reason="村两委换届，暂缓")

    notice = _only_notice(township_a_official)
    assert notice.title == f"【试点已撤销】{village_a.name}（2019年）"
    assert notice.body == "撤销原因：村两委换届，暂缓"
    assert notice.link == pilot.get_absolute_url()


def test_an_accepted_pilot_and_its_reopening_tell_the_township(program, village_a, township_a_official, county_admin):
    pilot = PilotAssignmentFactory(program=program, village=village_a, year=2017)

    services.pilot_assignment_accept(
        actor=county_admin,
        assignment=pilot,
        accepted_on=datetime.date(2018, 12, 20),
        document_no="巴民发〔2018〕9号",
        shortfalls=[],
    )
    services.pilot_assignment_reopen(actor=county_admin, assignment=pilot, reason="验收材料不全")

    titles = dict(Notification.objects.filter(user=township_a_official).values_list("title", "body"))
    assert titles == {
        f"【试点已验收】{village_a.name}（2017年）": "验收日期 2018-12-20，验收文号 巴民发〔2018〕9号。",
        f"【试点验收已撤销】{village_a.name}（2017年）": "撤销原因：验收材料不全",
    }
