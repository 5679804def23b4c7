"""The rules of the assessments services: the 100-point template, scoring, grading with the
program's thresholds, confirmation and rectification, and who may do what."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections

from assessments import services
from assessments.choices import Grade, InspectionStatus, RectificationStatus, TemplateStatus
from assessments.models import Inspection, ItemScore, Rectification, ScoreItem, ScoreTemplate
from assessments.services import ScoreInput
from pilot_admin.choices import Role
from tests.factories import (
    UserFactory,
    VillageFactory,
    full_scores,
    scheduled_inspection,
    score_template,
)

TODAY = datetime.date(2019, 12, 10)


def _draft_template(actor, program, maxima, year=2019):
    template = ScoreTemplate.objects.create(program=program, year=year, name=f"{year}年评分表")
    for index, points in enumerate(maxima):
        services.template_item_save(
            actor=actor,
            template=template,
            section_title="治理机制" if index % 2 else "服务设施",
            code=f"{index + 1}",
            title=f"项目{index + 1}",
            max_points=Decimal(points),
        )
    return template


@pytest.fixture
def inspection(county_admin, program, village_a, inspector):
    return scheduled_inspection(actor=county_admin, program=program, village=village_a, inspectors=[inspector])


def _scored(inspection, inspector, deductions=None, rectify=()):
    return services.inspection_scores_save(
        actor=inspector, inspection=inspection, scores=full_scores(inspection, deductions, rectify)
    )


def _confirmed(inspection, inspector, county_admin, deductions=None, rectify=()):
    _scored(inspection, inspector, deductions, rectify)
    services.inspection_submit(actor=inspector, inspection=inspection)
    return services.inspection_confirm(actor=county_admin, inspection=inspection, today=TODAY)


# --- the template -----------------------------------------------------------------------------


@pytest.mark.parametrize("last", ["19.5", "20.5"])
def test_publish_refuses_a_template_not_summing_to_100(county_admin, program, last):
    template = _draft_template(county_admin, program, ["40", "40", last])
    with pytest.raises(ValidationError) as error:
        services.template_publish(actor=county_admin, template=template)
    assert f"合计为 {Decimal('80') + Decimal(last)} 分，应为 100 分" in str(error.value)
    template.refresh_from_db()
    assert template.status == TemplateStatus.DRAFT and template.published_at is None


def test_publish_accepts_exactly_100_and_locks_the_template(county_admin, program):
    template = _draft_template(county_admin, program, ["40", "40", "20"])
    services.template_publish(actor=county_admin, template=template)
    template.refresh_from_db()
    assert template.status == TemplateStatus.PUBLISHED and template.published_by == county_admin
    with pytest.raises(ValidationError, match="已发布，不能修改"):
        services.template_item_save(
            actor=county_admin,
            template=template,
            section_title="治理机制",
            code="9",
            title="新增",
            max_points=Decimal(5),
        )
    item = template.items.get(code="1")
    with pytest.raises(ValidationError, match="已发布，不能修改"):
        services.template_item_save(
            actor=county_admin,
            template=template,
            section_title="服务设施",
            code="1",
            title="改名",
            max_points=Decimal(40),
            item=item,
        )
    assert template.items.count() == 3 and template.items.get(code="1").title == "项目1"


def test_only_the_county_office_edits_and_publishes_templates(county_viewer, inspector, county_admin, program):
    template = _draft_template(county_admin, program, ["60", "40"])
    for user in (county_viewer, inspector):
        with pytest.raises(PermissionDenied):
            services.template_publish(actor=user, template=template)
    assert ScoreTemplate.objects.get(pk=template.pk).status == TemplateStatus.DRAFT


def test_copy_makes_a_draft_of_the_next_year_with_the_same_items(county_admin, program):
    template = _draft_template(county_admin, program, ["60", "40"])
    services.template_publish(actor=county_admin, template=template)
    copy = services.template_copy(actor=county_admin, template=template, year=2020)
    assert (copy.year, copy.status, copy.copied_from, copy.name) == (
        2020,
        TemplateStatus.DRAFT,
        template,
        "2020年评分表",
    )
    assert list(copy.items.values_list("code", "title", "max_points", "section__title")) == list(
        template.items.values_list("code", "title", "max_points", "section__title")
    )
    # The copy is editable while the original stays locked.
    services.template_item_save(
        actor=county_admin,
        template=copy,
        section_title="治理机制",
        code="2",
        title="新的项目2",
        max_points=Decimal(40),
        item=copy.items.get(code="2"),
    )
    assert template.items.get(code="2").title == "项目2"
    with pytest.raises(ValidationError):
        services.template_copy(actor=county_admin, template=template, year=2020)  # one per program and year
    with pytest.raises(ValidationError, match="年度应在"):
        services.template_copy(actor=county_admin, template=template, year=2025)


# --- scoring and grades -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("deductions", "total", "grade"),
    [
        ({"1.1": "20.5"}, "79.5", Grade.FAIL),
        ({"1.1": "20"}, "80", Grade.PASS),
        ({"1.1": "10.5"}, "89.5", Grade.PASS),
        ({"1.1": "10"}, "90", Grade.EXCELLENT),
        ({}, "100", Grade.EXCELLENT),
    ],
)
def test_totals_are_graded_by_the_programs_thresholds(inspection, inspector, deductions, total, grade):
    inspection = _scored(inspection, inspector, deductions)
    assert (inspection.total, inspection.grade) == (Decimal(total), grade)
    assert Inspection.objects.get(pk=inspection.pk).grade == grade


def test_grade_follows_thresholds_changed_on_the_program(inspection, inspector, program):
    program.grade_pass_min = Decimal("85")
    program.grade_excellent_min = Decimal("95")
    program.save()
    assert _scored(inspection, inspector, {"1.1": "10"}).grade == Grade.PASS  # 90: 优秀 under 90/80
    assert _scored(inspection, inspector, {"1.1": "16"}).grade == Grade.FAIL  # 84: 合格 under 90/80
    assert _scored(inspection, inspector, {"1.1": "5"}).grade == Grade.EXCELLENT  # 95


def test_a_reason_is_required_below_full_marks(inspection, inspector):
    item = inspection.template.items.get(code="1.1")
    scores = [ScoreInput(item_id=item.pk, points=Decimal("39"), reason="  ")]
    with pytest.raises(ValidationError) as error:
        services.inspection_scores_save(actor=inspector, inspection=inspection, scores=scores)
    assert error.value.message_dict == {f"item_{item.pk}": ["未得满分须填写扣分理由。"]}
    assert not ItemScore.objects.filter(inspection=inspection).exists()
    # Full marks need none.
    services.inspection_scores_save(
        actor=inspector, inspection=inspection, scores=[ScoreInput(item_id=item.pk, points=Decimal("40"))]
    )
    assert ItemScore.objects.get(inspection=inspection).points == Decimal("40")


@pytest.mark.parametrize(
    ("points", "message"),
    [
        ("39.25", "得分只能是整数或半分（如 4.5）。"),
        ("40.5", "得分应在 0 到 40.0 之间。"),
        ("-1", "得分应在 0 到 40.0 之间。"),
    ],
)
def test_quarter_points_and_points_over_the_maximum_are_refused(inspection, inspector, points, message):
    item = inspection.template.items.get(code="1.1")
    other = inspection.template.items.get(code="2.1")
    scores = [
        ScoreInput(item_id=item.pk, points=Decimal(points), reason="扣分"),
        ScoreInput(item_id=other.pk, points=Decimal("30")),
    ]
    with pytest.raises(ValidationError) as error:
        services.inspection_scores_save(actor=inspector, inspection=inspection, scores=scores)
    assert error.value.message_dict == {f"item_{item.pk}": [message]}
    # All or nothing: the valid row was not written either.
    assert not ItemScore.objects.filter(inspection=inspection).exists()


def test_half_points_are_allowed(inspection, inspector):
    inspection = _scored(inspection, inspector, {"2.2": "0.5"})
    assert inspection.scores.get(item__code="2.2").points == Decimal("9.5")
    assert inspection.total == Decimal("99.5")


def test_an_item_of_another_template_is_refused(inspection, inspector, program):
    stranger = score_template(program=program, year=2018).items.first()
    with pytest.raises(ValidationError) as error:
        services.inspection_scores_save(
            actor=inspector, inspection=inspection, scores=[ScoreInput(item_id=stranger.pk, points=Decimal(1))]
        )
    assert error.value.message_dict == {f"item_{stranger.pk}": ["该评分项目不属于本检查的评分表。"]}


def test_submit_needs_every_item_scored(inspection, inspector):
    services.inspection_scores_save(actor=inspector, inspection=inspection, scores=full_scores(inspection)[:2])
    with pytest.raises(ValidationError, match="还有项目未评分：1.2、2.2"):
        services.inspection_submit(actor=inspector, inspection=inspection)
    assert Inspection.objects.get(pk=inspection.pk).status == InspectionStatus.DRAFT


# --- confirmation -----------------------------------------------------------------------------


def test_a_confirmed_inspection_cannot_be_edited_or_confirmed_again(inspection, inspector, county_admin):
    inspection = _confirmed(inspection, inspector, county_admin, {"1.1": "5"})
    assert (inspection.status, inspection.total, inspection.confirmed_by) == (
        InspectionStatus.CONFIRMED,
        Decimal("95"),
        county_admin,
    )
    with pytest.raises(ValidationError, match="检查已确认，不能再修改评分"):
        _scored(inspection, inspector, {"1.1": "1"})
    with pytest.raises(ValidationError, match="检查已确认，不能再修改评分"):
        _scored(inspection, county_admin, {"1.1": "1"})
    with pytest.raises(ValidationError, match="只有“已提交”的检查可以确认"):
        services.inspection_confirm(actor=county_admin, inspection=inspection, today=TODAY)
    with pytest.raises(ValidationError, match="只有“已提交”的检查可以退回"):
        services.inspection_return(actor=county_admin, inspection=inspection, reason="重评")
    assert inspection.scores.get(item__code="1.1").points == Decimal("35")


def test_return_needs_a_reason_and_reopens_scoring(inspection, inspector, county_admin):
    _scored(inspection, inspector)
    services.inspection_submit(actor=inspector, inspection=inspection)
    with pytest.raises(ValidationError):
        services.inspection_return(actor=county_admin, inspection=inspection, reason=" ")
    services.inspection_return(actor=county_admin, inspection=inspection, reason="2.1 扣分依据不足")
    assert _scored(inspection, inspector, {"2.1": "1"}).total == Decimal("99")


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_two_confirmations_at_once_one_wins(county_admin, program, village_a, inspector):
    inspection = scheduled_inspection(actor=county_admin, program=program, village=village_a, inspectors=[inspector])
    _scored(inspection, inspector, {"1.1": "30", "1.2": "1"}, rectify=("2.1",))
    services.inspection_submit(actor=inspector, inspection=inspection)
    other_admin = UserFactory(role=Role.COUNTY_ADMIN, county=county_admin.county)
    barrier = threading.Barrier(2)
    outcomes = []

    def confirm(actor):
        try:
            barrier.wait()
            services.inspection_confirm(actor=actor, inspection=inspection, today=TODAY)
            outcomes.append("ok")
        except ValidationError as error:
            outcomes.append(error.messages[0])
        finally:
            connections.close_all()

    threads = [threading.Thread(target=confirm, args=(actor,)) for actor in (county_admin, other_admin)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["ok", "只有“已提交”的检查可以确认（可能已被他人处理）。"]
    # The loser opened no rectifications of its own: one per failing item, not two.
    assert Rectification.objects.filter(inspection=inspection).count() == 3


def test_confirm_opens_rectifications_for_marked_items(inspection, inspector, county_admin, program):
    inspection = _confirmed(inspection, inspector, county_admin, {"1.1": "3", "2.1": "2"}, rectify=("1.1",))
    assert inspection.grade == Grade.EXCELLENT
    rows = list(Rectification.objects.filter(inspection=inspection))
    assert [row.item.code for row in rows] == ["1.1"]
    row = rows[0]
    assert row.deadline == TODAY + datetime.timedelta(days=program.rectification_days)
    assert row.issue == "评分项目1扣3分" and row.status == RectificationStatus.OPEN
    assert row.responsible_unit.township == inspection.pilot.village.township


def test_confirm_of_a_failing_village_opens_every_item_below_full_marks(inspection, inspector, county_admin, program):
    program.rectification_days = 30
    program.save()
    inspection = _confirmed(inspection, inspector, county_admin, {"1.1": "15", "2.1": "5.5", "1.2": "0"})
    assert (inspection.total, inspection.grade) == (Decimal("79.5"), Grade.FAIL)
    rows = Rectification.objects.filter(inspection=inspection).order_by("item__order")
    assert [row.item.code for row in rows] == ["1.1", "2.1"]
    assert {row.deadline for row in rows} == {TODAY + datetime.timedelta(days=30)}


# --- scope --------------------------------------------------------------------------------------


def test_an_inspector_not_on_the_team_can_neither_see_nor_score(inspection, county):
    outsider = UserFactory(role=Role.INSPECTOR, county=county)
    assert not Inspection.objects.visible_to(outsider).filter(pk=inspection.pk).exists()
    with pytest.raises(ValidationError, match="该检查不在您的检查组"):
        _scored(inspection, outsider)
    assert not ItemScore.objects.filter(inspection=inspection).exists()


def test_only_inspectors_join_a_team(county_admin, program, village_a, township_a_official):
    with pytest.raises(ValidationError) as error:
        scheduled_inspection(actor=county_admin, program=program, village=village_a, inspectors=[township_a_official])
    assert error.value.message_dict["inspectors"] == ["检查组成员须为本县的检查验收组账号。"]


def test_a_township_sees_only_confirmed_results_of_its_villages(
    inspection, inspector, county_admin, program, township_a_official, township_b_official, township_b
):
    other = scheduled_inspection(
        actor=county_admin, program=program, village=VillageFactory(township=township_b), inspectors=[inspector]
    )
    _scored(other, inspector)
    services.inspection_submit(actor=inspector, inspection=other)
    services.inspection_confirm(actor=county_admin, inspection=other, today=TODAY)
    _scored(inspection, inspector)
    services.inspection_submit(actor=inspector, inspection=inspection)
    assert list(Inspection.objects.visible_to(township_a_official)) == []  # submitted, not confirmed
    services.inspection_confirm(actor=county_admin, inspection=inspection, today=TODAY)
    assert list(Inspection.objects.visible_to(township_a_official)) == [inspection]
    assert list(Inspection.objects.visible_to(township_b_official)) == [other]


def test_a_reinspection_scores_anew_and_keeps_the_original(inspection, inspector, county_admin):
    original = _confirmed(inspection, inspector, county_admin, {"1.1": "25"})
    assert original.grade == Grade.FAIL
    again = services.reinspection_create(actor=county_admin, original=original, inspectors=[inspector])
    again = _confirmed(again, inspector, county_admin, {"1.1": "5"})
    original.refresh_from_db()
    assert (original.total, original.grade) == (Decimal("75"), Grade.FAIL)
    assert original.scores.get(item__code="1.1").points == Decimal("15")
    assert (again.original, again.total, again.grade) == (original, Decimal("95"), Grade.EXCELLENT)
    assert again.scores.get(item__code="1.1").points == Decimal("35")


def test_rectification_submit_and_verify(inspection, inspector, county_admin, township_a_official, township_b_official):
    _confirmed(inspection, inspector, county_admin, rectify=("1.1",))
    row = Rectification.objects.get(inspection=inspection)
    with pytest.raises(ValidationError, match="只有已报送整改情况的项目可以验收"):
        services.rectification_verify(actor=county_admin, rectification=row)
    with pytest.raises(ValidationError, match="整改项目不存在"):
        services.rectification_submit(actor=township_b_official, rectification=row, evidence_text="已整改")
    services.rectification_submit(actor=township_a_official, rectification=row, evidence_text="服务站已挂牌。")
    services.rectification_verify(actor=county_admin, rectification=row)
    row.refresh_from_db()
    assert (row.status, row.evidence_text, row.verified_by) == (
        RectificationStatus.VERIFIED,
        "服务站已挂牌。",
        county_admin,
    )
    with pytest.raises(ValidationError, match="整改已验收"):
        services.rectification_submit(actor=township_a_official, rectification=row, evidence_text="再改")


def test_item_maxima_must_be_whole_or_half_points(county_admin, program):
    template = ScoreTemplate.objects.create(program=program, year=2019, name="2019年评分表")
    with pytest.raises(ValidationError) as error:
        services.template_item_save(
            actor=county_admin, template=template, section_title="一", code="1", title="x", max_points=Decimal("2.25")
        )
    assert error.value.message_dict == {"max_points": ["满分应为大于0的整数或半分。"]}
    assert not ScoreItem.objects.filter(template=template).exists()
