"""The assessments workflow pages: what each role sees and what each form writes."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from assessments import services
from assessments.choices import Grade, InspectionStatus, RectificationStatus, TemplateStatus
from assessments.models import Inspection, ItemScore, Rectification, ScoreTemplate
from pilot_admin.choices import Role
from tests.factories import (
    PilotAssignmentFactory,
    PilotProgramFactory,
    TownshipFactory,
    UserFactory,
    VillageFactory,
    full_scores,
    scheduled_inspection,
    score_template,
)


@pytest.fixture
def inspection(county_admin, program, village_a, inspector):
    return scheduled_inspection(actor=county_admin, program=program, village=village_a, inspectors=[inspector])


def _score_post(inspection, action="save", overrides=None):
    """The scoring form's POST: full marks everywhere unless `overrides` {code: (points, reason, rectify)}."""
    data = {"action": action, "inspected_on": "2019-11-20"}
    for item in inspection.template.items.all():
        points, reason, rectify = (overrides or {}).get(item.code, (str(item.max_points), "", False))
        data[f"points_{item.pk}"] = points
        data[f"reason_{item.pk}"] = reason
        if rectify:
            data[f"rectify_{item.pk}"] = "on"
    return data


def _confirmed(inspection, inspector, county_admin, deductions=None, rectify=()):
    services.inspection_scores_save(
        actor=inspector, inspection=inspection, scores=full_scores(inspection, deductions, rectify)
    )
    services.inspection_submit(actor=inspector, inspection=inspection)
    return services.inspection_confirm(actor=county_admin, inspection=inspection)


# --- the scoring form ---------------------------------------------------------------------------


def test_scoring_form_shows_one_row_per_item_by_section(login, inspection, inspector):
    response = login(inspector).get(reverse("assessments:inspection_score", args=[inspection.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    for item in inspection.template.items.all():
        assert f'name="points_{item.pk}"' in html and f'name="reason_{item.pk}"' in html
        assert f'name="rectify_{item.pk}"' in html
    assert html.count('step="0.5"') == inspection.template.items.count()
    assert "第1部分" in html and "第2部分" in html


def test_scoring_errors_are_shown_per_row_and_nothing_is_written(login, inspection, inspector):
    items = {item.code: item for item in inspection.template.items.all()}
    data = _score_post(inspection, "submit", {"1.1": ("41", "超了", False), "2.1": ("25", "", False)})
    response = login(inspector).post(reverse("assessments:inspection_score", args=[inspection.pk]), data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors[f"points_{items['1.1'].pk}"] == ["得分应在 0 到 40.0 之间。"]
    assert errors[f"points_{items['2.1'].pk}"] == ["未得满分须填写扣分理由。"]
    assert "提交未成功，请修改以下 2 处：" in response.content.decode()
    assert not ItemScore.objects.filter(inspection=inspection).exists()
    assert Inspection.objects.get(pk=inspection.pk).status == InspectionStatus.DRAFT


def test_saving_keeps_a_draft_and_submitting_sends_it(login, inspection, inspector):
    client = login(inspector)
    url = reverse("assessments:inspection_score", args=[inspection.pk])
    partial = _score_post(inspection, "save", {"2.2": ("", "", False)})
    response = client.post(url, partial)
    assert response.status_code == 302 and response["Location"] == url
    inspection.refresh_from_db()
    assert (inspection.status, inspection.total, inspection.scores.count()) == (InspectionStatus.DRAFT, None, 3)
    response = client.post(url, partial | {"action": "submit"}, follow=True)
    assert "还有项目未评分：2.2。" in response.content.decode()
    assert Inspection.objects.get(pk=inspection.pk).status == InspectionStatus.DRAFT

    full = _score_post(inspection, "submit", {"1.1": ("30.5", "服务站面积不足600平方米", True)})
    # 提交 saves and asks for confirmation, showing what will be submitted; nothing is sent yet.
    response = client.post(url, full, follow=True)
    page = response.content.decode()
    assert "确认提交这份评分表？提交后检查组不能再修改评分。" in page and "总分 90.5，优秀" in page
    assert Inspection.objects.get(pk=inspection.pk).status == InspectionStatus.DRAFT
    submit = reverse("assessments:inspection_submit", args=[inspection.pk])
    version = Inspection.objects.get(pk=inspection.pk).version
    response = client.post(submit, {"confirm": "yes", "version": version}, follow=True)
    inspection.refresh_from_db()
    assert (inspection.status, inspection.total, inspection.grade) == (
        InspectionStatus.SUBMITTED,
        Decimal("90.5"),
        Grade.EXCELLENT,
    )
    assert inspection.inspected_on == datetime.date(2019, 11, 20) and inspection.submitted_by == inspector
    assert inspection.scores.get(item__code="1.1").rectify is True
    assert "已提交：总分 90.5，优秀。" in response.content.decode()
    # Submitted: the form is closed.
    response = client.get(url)
    assert "检查已提交，不能再修改评分。" in response.content.decode()
    assert 'id="score-form"' not in response.content.decode()


def test_an_inspector_off_the_team_gets_404(login, inspection, county):
    outsider = UserFactory(role=Role.INSPECTOR, county=county)
    client = login(outsider)
    assert client.get(reverse("assessments:inspection_score", args=[inspection.pk])).status_code == 404
    assert client.get(reverse("assessments:inspection_detail", args=[inspection.pk])).status_code == 404
    assert (
        client.post(reverse("assessments:inspection_score", args=[inspection.pk]), _score_post(inspection)).status_code
        == 404
    )
    assert not ItemScore.objects.filter(inspection=inspection).exists()


# --- the county office's review -----------------------------------------------------------------


def test_county_admin_confirms_and_rectifications_open(login, inspection, inspector, county_admin, program):
    services.inspection_scores_save(
        actor=inspector, inspection=inspection, scores=full_scores(inspection, {"1.1": "25", "2.2": "1"})
    )
    services.inspection_submit(actor=inspector, inspection=inspection)
    client = login(county_admin)
    page = client.get(inspection.get_absolute_url()).content.decode()
    assert 'id="review"' in page and "确认" in page
    url = reverse("assessments:inspection_action", args=[inspection.pk, "confirm"])
    # Without the confirmation step's answer the POST only leads to that step.
    response = client.post(url, follow=True)
    assert "确认这次检查的结果？确认后评分锁定，不能再退回或修改。" in response.content.decode()
    assert Inspection.objects.get(pk=inspection.pk).status == InspectionStatus.SUBMITTED
    response = client.post(url, {"confirm": "yes"}, follow=True)
    assert "已确认：总分 74.0，不合格；已生成 2 项整改。" in response.content.decode()
    inspection.refresh_from_db()
    assert (inspection.status, inspection.confirmed_by) == (InspectionStatus.CONFIRMED, county_admin)
    rows = Rectification.objects.filter(inspection=inspection)
    assert sorted(rows.values_list("item__code", flat=True)) == ["1.1", "2.2"]
    assert 'id="review"' not in response.content.decode()
    assert 'id="reinspect"' in response.content.decode()


def test_return_needs_a_reason_on_the_page(login, inspection, inspector, county_admin):
    services.inspection_scores_save(actor=inspector, inspection=inspection, scores=full_scores(inspection))
    services.inspection_submit(actor=inspector, inspection=inspection)
    client = login(county_admin)
    url = reverse("assessments:inspection_action", args=[inspection.pk, "return"])
    response = client.post(url, {"reason": ""}, follow=True)
    assert "退回须填写原因。" in response.content.decode()
    assert Inspection.objects.get(pk=inspection.pk).status == InspectionStatus.SUBMITTED
    response = client.post(url, {"reason": "1.1 请补充照片"}, follow=True)
    assert "已退回检查组重新评分。" in response.content.decode()
    assert Inspection.objects.get(pk=inspection.pk).status == InspectionStatus.DRAFT
    assert "退回：1.1 请补充照片" in response.content.decode()  # 修改记录


def test_reinspection_from_the_page_keeps_the_original(login, inspection, inspector, county_admin):
    original = _confirmed(inspection, inspector, county_admin, {"1.1": "30"})
    response = login(county_admin).post(
        reverse("assessments:inspection_action", args=[original.pk, "reinspect"]), {"inspectors": [inspector.pk]}
    )
    again = Inspection.objects.get(original=original)
    assert response["Location"] == again.get_absolute_url()
    assert list(again.inspectors.all()) == [inspector] and again.status == InspectionStatus.DRAFT
    assert Inspection.objects.get(pk=original.pk).total == Decimal("70")


def test_schedule_form_creates_the_inspection(login, county_admin, program, village_b, inspector):
    score_template(program=program, year=2019)
    pilot = PilotAssignmentFactory(program=program, village=village_b, year=2018)
    client = login(county_admin)
    page = client.get(reverse("assessments:inspection_schedule")).content.decode()
    assert "东瀼口村" in page and "inspector" in page
    response = client.post(
        reverse("assessments:inspection_schedule"),
        {"pilot": pilot.pk, "year": 2019, "inspectors": [inspector.pk], "outside_members": "张三（州民政局）"},
    )
    inspection = Inspection.objects.get(pilot=pilot)
    assert response["Location"] == inspection.get_absolute_url()
    assert (inspection.year, inspection.outside_members, list(inspection.inspectors.all())) == (
        2019,
        "张三（州民政局）",
        [inspector],
    )
    # The same village and year again: the constraint's Chinese message on the form.
    response = client.post(
        reverse("assessments:inspection_schedule"), {"pilot": pilot.pk, "year": 2019, "inspectors": [inspector.pk]}
    )
    assert "该试点村本年度已有检查验收" in response.content.decode()
    assert Inspection.objects.filter(pilot=pilot).count() == 1


def test_schedule_refuses_a_year_without_a_published_template(login, county_admin, program, village_b, inspector):
    pilot = PilotAssignmentFactory(program=program, village=village_b, year=2018)
    response = login(county_admin).post(
        reverse("assessments:inspection_schedule"), {"pilot": pilot.pk, "year": 2020, "inspectors": [inspector.pk]}
    )
    assert "2020 年的评分表尚未发布" in response.content.decode()
    assert not Inspection.objects.exists()


# --- lists and scope ----------------------------------------------------------------------------


def test_inspection_list_filters_by_township(login, inspection, inspector, county_admin, program, township_b):
    scheduled_inspection(
        actor=county_admin,
        program=program,
        village=VillageFactory(township=township_b, name="乙村"),
        inspectors=[inspector],
    )
    client = login(county_admin)
    html = client.get(reverse("assessments:inspection_list")).content.decode()
    assert "水布垭村" in html and "乙村" in html
    html = client.get(reverse("assessments:inspection_list"), {"township": township_b.pk}).content.decode()
    assert "水布垭村" not in html and "乙村" in html
    assert 'href="/assessments/schedule/"' in html


def test_township_sees_its_villages_results_only_once_confirmed(
    login, inspection, inspector, county_admin, township_a_official, township_b_official
):
    client = login(township_a_official)
    assert client.get(inspection.get_absolute_url()).status_code == 404
    assert "水布垭村" not in client.get(reverse("assessments:inspection_list")).content.decode()
    _confirmed(inspection, inspector, county_admin)
    response = client.get(inspection.get_absolute_url())
    assert response.status_code == 200 and 'id="inspection-total">100.0<' in response.content.decode()
    assert 'id="review"' not in response.content.decode()
    assert login(township_b_official).get(inspection.get_absolute_url()).status_code == 404


# --- templates ----------------------------------------------------------------------------------


def test_template_pages_add_items_publish_and_copy(login, county_admin, program):
    template = ScoreTemplate.objects.create(program=program, year=2019, name="2019年评分表")
    client = login(county_admin)
    add = reverse("assessments:template_item_create", args=[template.pk])
    for code, points in (("1.1", "60"), ("1.2", "39.5")):
        response = client.post(
            add, {"section_title": "（一）治理机制", "code": code, "title": f"项目{code}", "max_points": points}
        )
        assert response.status_code == 302
    response = client.post(add, {"section_title": "（一）治理机制", "code": "1.3", "title": "x", "max_points": "0.25"})
    assert "满分应为大于0的整数或半分。" in response.content.decode()
    publish = reverse("assessments:template_action", args=[template.pk, "publish"])
    response = client.post(publish, {"confirm": "yes"}, follow=True)
    assert "各评分项目满分合计为 99.5 分，应为 100 分，不能发布。" in response.content.decode()
    assert ScoreTemplate.objects.get(pk=template.pk).status == TemplateStatus.DRAFT

    item = template.items.get(code="1.2")
    client.post(
        reverse("assessments:template_item_update", args=[template.pk, item.pk]),
        {"section_title": "（二）服务设施", "code": "2.1", "title": "服务站", "max_points": "40"},
    )
    response = client.post(publish, follow=True)
    assert "确认发布这张评分表？发布后不能再修改。" in response.content.decode()
    assert ScoreTemplate.objects.get(pk=template.pk).status == TemplateStatus.DRAFT
    response = client.post(publish, {"confirm": "yes"}, follow=True)
    assert "评分表已发布，此后不能修改。" in response.content.decode()
    assert ScoreTemplate.objects.get(pk=template.pk).status == TemplateStatus.PUBLISHED
    assert "（二）服务设施" in response.content.decode()
    # Locked now: the item form says so.
    assert "评分表已发布，不能修改" in client.get(add).content.decode()

    response = client.post(reverse("assessments:template_action", args=[template.pk, "copy"]), {"year": 2020})
    copy = ScoreTemplate.objects.get(program=program, year=2020)
    assert response["Location"] == copy.get_absolute_url()
    assert copy.status == TemplateStatus.DRAFT and copy.items.count() == 2


def test_another_countys_template_is_404(login, county_admin, program):
    other = PilotProgramFactory(county=TownshipFactory(county__name="建始县", county__admin_code="422822").county)
    template = score_template(program=other, year=2019)
    client = login(county_admin)
    assert client.get(template.get_absolute_url()).status_code == 404
    assert (
        client.post(reverse("assessments:template_action", args=[template.pk, "copy"]), {"year": 2020}).status_code
        == 404
    )
    assert not ScoreTemplate.objects.filter(year=2020).exists()


# --- rectifications -----------------------------------------------------------------------------


def test_township_reports_rectification_and_county_verifies(
    login, inspection, inspector, county_admin, township_a_official, department_user
):
    _confirmed(inspection, inspector, county_admin, {"1.1": "2"}, rectify=("1.1",))
    row = Rectification.objects.get(inspection=inspection)
    client = login(township_a_official)
    html = client.get(reverse("assessments:rectification_list")).content.decode()
    assert "评分项目1扣2分" in html
    assert 'id="evidence-form"' in client.get(row.get_absolute_url()).content.decode()
    response = client.post(
        reverse("assessments:rectification_submit", args=[row.pk]), {"evidence_text": "已补齐台账。"}, follow=True
    )
    assert "整改情况已报送" in response.content.decode()
    row.refresh_from_db()
    assert (row.status, row.evidence_text) == (RectificationStatus.SUBMITTED, "已补齐台账。")
    # A department not responsible for it neither lists nor opens it.
    dept = login(department_user)
    assert "评分项目1扣2分" not in dept.get(reverse("assessments:rectification_list")).content.decode()
    assert dept.get(row.get_absolute_url()).status_code == 404

    admin = login(county_admin)
    assert 'id="verify-form"' in admin.get(row.get_absolute_url()).content.decode()
    response = admin.post(reverse("assessments:rectification_verify", args=[row.pk]), {"confirm": "yes"}, follow=True)
    assert "整改已验收。" in response.content.decode()
    assert Rectification.objects.get(pk=row.pk).status == RectificationStatus.VERIFIED


def test_rectification_list_filters_by_status(login, inspection, inspector, county_admin):
    _confirmed(inspection, inspector, county_admin, {"1.1": "2", "2.1": "3"}, rectify=("1.1", "2.1"))
    Rectification.objects.filter(item__code="2.1").update(status=RectificationStatus.SUBMITTED)
    html = login(county_admin).get(reverse("assessments:rectification_list"), {"status": "open"}).content.decode()
    assert "评分项目1扣2分" in html and "评分项目2扣3分" not in html


def test_nav_has_the_inspections_entry(login, county_viewer):
    html = login(county_viewer).get(reverse("home")).content.decode()
    assert f'href="{reverse("assessments:inspection_list")}">检查验收<' in html
