"""The county's decisions on an inspection reach those they concern: a returned score sheet its
inspectors (with the reason), a confirmed result the village's township (with what to fix)."""

import datetime

import pytest

from assessments import services
from assessments.models import Rectification
from pilot_admin.models import Notification
from tests.factories import confirmed_inspection, full_scores, scheduled_inspection

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2019, 11, 20)


@pytest.fixture
def inspection(county_admin, program, village_a, inspector):
    return scheduled_inspection(actor=county_admin, program=program, village=village_a, inspectors=[inspector])


def test_a_returned_sheet_tells_its_inspectors_why(inspection, inspector, county_admin, township_a_official):
    services.inspection_scores_save(actor=inspector, inspection=inspection, scores=full_scores(inspection))
    services.inspection_submit(actor=inspector, inspection=inspection)

    services.inspection_return(actor=county_admin, inspection=inspection, reason="2.1 扣分依据不足")

    (notice,) = Notification.objects.filter(user=inspector)
    assert notice.title == f"【评分表被退回】{inspection.pilot.village.name}（2019年检查）"
    assert notice.body == "退回原因：2.1 扣分依据不足。请修改评分后重新提交。"
    assert notice.link == inspection.get_absolute_url()
    assert not Notification.objects.filter(user=township_a_official).exists()


def test_a_confirmed_result_tells_the_township_what_to_fix(inspection, county_admin, township_a_official):
    first_item = inspection.template.items.order_by("order").first()
    confirmed_inspection(
        county_admin=county_admin,
        inspection=inspection,
        deductions={first_item.code: 2},
        rectify=[first_item.code],
        today=TODAY,
    )

    (notice,) = Notification.objects.filter(user=township_a_official)
    assert notice.title == f"【检查结果已确认】{inspection.pilot.village.name}（2019年）：98.0 分，优秀"
    assert (
        notice.body
        == "需整改 1 项，整改期限 "
        + f"{TODAY + datetime.timedelta(days=inspection.pilot.program.rectification_days):%Y-%m-%d}。"
    )
    assert notice.link == inspection.get_absolute_url()


def test_a_verified_rectification_tells_the_responsible_township(inspection, county_admin, township_a_official):
    first_item = inspection.template.items.order_by("order").first()
    confirmed_inspection(
        county_admin=county_admin,
        inspection=inspection,
        deductions={first_item.code: 2},
        rectify=[first_item.code],
        today=TODAY,
    )
    row = Rectification.objects.get(inspection=inspection)
    services.rectification_submit(actor=township_a_official, rectification=row, evidence_text="服务站已挂牌。")

    services.rectification_verify(actor=county_admin, rectification=row)

    notice = Notification.objects.get(user=township_a_official, source=f"rectification:{row.pk}:verified")
    assert notice.title == f"【整改已验收】{inspection.pilot.village.name}：{first_item.title}"
    assert notice.link == row.get_absolute_url()
