"""Irreversible assessment actions ask first, with no script needed: publishing a template,
submitting a score sheet, confirming an inspection and verifying a rectification each lead to a
confirmation page that says what will happen; only its form (confirm=yes) acts, and a POST
without it lands on that page and changes nothing."""

import pytest
from django.urls import reverse

from assessments import services
from assessments.choices import InspectionStatus, RectificationStatus, TemplateStatus
from assessments.models import Inspection, Rectification
from tests.factories import full_scores, scheduled_inspection, score_template


@pytest.fixture
def inspection(county_admin, program, village_a, inspector):
    return scheduled_inspection(actor=county_admin, program=program, village=village_a, inspectors=[inspector])


def _score_post(inspection, action):
    data = {"action": action, "inspected_on": "2019-11-20", "version": inspection.version}
    for item in inspection.template.items.all():
        data[f"points_{item.pk}"] = str(item.max_points - (5 if item.code == "1.1" else 0))
        data[f"reason_{item.pk}"] = "台账不全" if item.code == "1.1" else ""
    return data


def test_publishing_a_template_asks_first_and_says_it_cannot_be_undone(client, county_admin, program):
    template = score_template(program=program, year=2020, published=False)
    client.force_login(county_admin)
    detail = client.get(template.get_absolute_url()).content.decode()
    url = reverse("assessments:template_action", args=[template.pk, "publish"])
    # The page offers a link to the confirmation, not a form that publishes at once.
    assert f'href="{url}"' in detail and f'action="{url}"' not in detail

    page = client.get(url).content.decode()
    assert "确认发布这张评分表？发布后不能再修改。" in page
    assert "共 4 个评分项目，满分合计 100 分" in page and 'name="confirm" value="yes"' in page

    response = client.post(url)
    assert response.status_code == 302 and response["Location"] == url
    template.refresh_from_db()
    assert template.status == TemplateStatus.DRAFT

    response = client.post(url, {"confirm": "yes"}, follow=True)
    assert "评分表已发布，此后不能修改。" in response.content.decode()
    template.refresh_from_db()
    assert template.status == TemplateStatus.PUBLISHED


def test_submitting_a_sheet_shows_its_total_and_grade_before_it_is_sent(client, inspection, inspector):
    client.force_login(inspector)
    response = client.post(
        reverse("assessments:inspection_score", args=[inspection.pk]), _score_post(inspection, "submit"), follow=True
    )
    page = response.content.decode()
    assert "确认提交这份评分表？提交后检查组不能再修改评分。" in page
    assert "总分 95.0，优秀（已评 4/4 项）" in page
    inspection.refresh_from_db()
    assert (inspection.status, inspection.total) == (InspectionStatus.DRAFT, 95)  # saved, not sent

    submit = reverse("assessments:inspection_submit", args=[inspection.pk])
    assert client.post(submit)["Location"] == submit
    assert Inspection.objects.get(pk=inspection.pk).status == InspectionStatus.DRAFT

    response = client.post(submit, {"confirm": "yes", "version": inspection.version}, follow=True)
    assert "已提交：总分 95.0，优秀。" in response.content.decode()
    assert Inspection.objects.get(pk=inspection.pk).status == InspectionStatus.SUBMITTED


def test_a_sheet_changed_after_the_confirmation_page_is_not_submitted(client, inspection, inspector):
    services.inspection_scores_save(actor=inspector, inspection=inspection, scores=full_scores(inspection))
    seen = Inspection.objects.get(pk=inspection.pk).version
    # A team member lowers a score after the scorer opened the confirmation page.
    services.inspection_scores_save(actor=inspector, inspection=inspection, scores=full_scores(inspection, {"1.1": 10}))
    client.force_login(inspector)
    submit = reverse("assessments:inspection_submit", args=[inspection.pk])
    response = client.post(submit, {"confirm": "yes", "version": seen}, follow=True)
    assert "修改，请刷新后重新编辑。" in response.content.decode()
    assert Inspection.objects.get(pk=inspection.pk).status == InspectionStatus.DRAFT


def test_confirming_an_inspection_and_verifying_a_rectification_ask_first(
    client, inspection, inspector, county_admin, township_a_official
):
    services.inspection_scores_save(
        actor=inspector, inspection=inspection, scores=full_scores(inspection, {"1.1": 2}, rectify=("1.1",))
    )
    services.inspection_submit(actor=inspector, inspection=inspection)
    client.force_login(county_admin)
    confirm = reverse("assessments:inspection_action", args=[inspection.pk, "confirm"])
    page = client.get(confirm).content.decode()
    assert "确认这次检查的结果？确认后评分锁定，不能再退回或修改。" in page
    assert "列入整改的 1 项将生成整改，期限" in page
    client.post(confirm)
    assert Inspection.objects.get(pk=inspection.pk).status == InspectionStatus.SUBMITTED
    client.post(confirm, {"confirm": "yes"})
    assert Inspection.objects.get(pk=inspection.pk).status == InspectionStatus.CONFIRMED

    row = Rectification.objects.get(inspection=inspection)
    services.rectification_submit(actor=township_a_official, rectification=row, evidence_text="已补齐台账。")
    verify = reverse("assessments:rectification_verify", args=[row.pk])
    page = client.get(verify).content.decode()
    assert "确认验收这项整改？" in page and "已补齐台账。" in page
    client.post(verify)
    assert Rectification.objects.get(pk=row.pk).status == RectificationStatus.SUBMITTED
    client.post(verify, {"confirm": "yes"})
    assert Rectification.objects.get(pk=row.pk).status == RectificationStatus.VERIFIED


def test_returning_a_sheet_needs_no_confirmation_page(client, inspection, inspector, county_admin):
    """退回 can be undone (the team submits again): it acts at once, as before."""
    services.inspection_scores_save(actor=inspector, inspection=inspection, scores=full_scores(inspection))
    services.inspection_submit(actor=inspector, inspection=inspection)
    client.force_login(county_admin)
    url = reverse("assessments:inspection_action", args=[inspection.pk, "return"])
    assert client.get(url).status_code == 404
    client.post(url, {"reason": "请补充佐证"})
    assert Inspection.objects.get(pk=inspection.pk).status == InspectionStatus.DRAFT
