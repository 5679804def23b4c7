"""Every write of the assessments app. Totals and grades are computed here and only here."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F, Sum
from django.utils import timezone

from assessments import permissions
from assessments.choices import Grade, InspectionStatus, RectificationStatus, TemplateStatus
from assessments.models import (
    TOTAL_POINTS,
    Inspection,
    InspectionEvidence,
    ItemScore,
    Rectification,
    ScoreItem,
    ScoreSection,
    ScoreTemplate,
)
from pilot_admin import locking, uploads, workdays
from pilot_admin.audit import services as audit
from pilot_admin.choices import AuditAction, DurationUnit, Role
from pilot_admin.notifications import services as notifications
from pilot_admin.services import require
from villages.choices import PilotStatus
from villages.models import PilotAssignment, PilotProgram
from villages.services import township_government_ensure, township_users, unit_users

HALF = Decimal("0.5")


def grade_for(program: PilotProgram, total: Decimal) -> str:
    """R-F3 with the program's thresholds: ≥ excellent_min 优秀, ≥ pass_min 合格, else 不合格."""
    if total >= program.grade_excellent_min:
        return Grade.EXCELLENT
    if total >= program.grade_pass_min:
        return Grade.PASS
    return Grade.FAIL


def template_total(template: ScoreTemplate) -> Decimal:
    return template.items.aggregate(total=Sum("max_points"))["total"] or Decimal("0")


@transaction.atomic
def template_publish(*, actor, template: ScoreTemplate) -> ScoreTemplate:
    require(permissions.can_manage_assessments(actor), "只有县领导小组办公室可以发布评分表。")
    template = ScoreTemplate.objects.editable_by(actor).select_for_update().get(pk=template.pk)
    if template.status == TemplateStatus.PUBLISHED:
        raise ValidationError("评分表已发布。")
    total = template_total(template)
    if total != TOTAL_POINTS:
        raise ValidationError(f"各评分项目满分合计为 {total.normalize():f} 分，应为 {TOTAL_POINTS:.0f} 分，不能发布。")
    before = audit.snapshot(template)
    template.status = TemplateStatus.PUBLISHED
    template.published_at = timezone.now()
    template.published_by = actor
    template.save()
    audit.record(actor=actor, instance=template, action=AuditAction.UPDATE, before=before)
    return template


def _editable_template(actor, template) -> ScoreTemplate:
    template = ScoreTemplate.objects.editable_by(actor).select_for_update().get(pk=template.pk)
    if template.status == TemplateStatus.PUBLISHED:
        raise ValidationError("评分表已发布，不能修改；请复制为新年度的评分表。")
    return template


@transaction.atomic
def template_item_save(
    *,
    actor,
    template: ScoreTemplate,
    section_title: str,
    code: str,
    title: str,
    max_points: Decimal,
    guidance: str = "",
    item: ScoreItem | None = None,
) -> ScoreItem:
    """Add or change one item of a draft template (its section found or made by title)."""
    require(permissions.can_manage_assessments(actor), "只有县领导小组办公室可以编辑评分表。")
    template = _editable_template(actor, template)
    if max_points <= 0 or (max_points / HALF) % 1:
        raise ValidationError({"max_points": "满分应为大于0的整数或半分。"})
    section = template.sections.filter(title=section_title).first()
    if section is None:
        section = ScoreSection.objects.create(
            template=template, title=section_title, order=template.sections.count() + 1
        )
    if item is None:
        item = ScoreItem(template=template, order=template.items.count() + 1)
    before = audit.snapshot(item) if item.pk else None
    item.section, item.code, item.title, item.max_points, item.guidance = section, code, title, max_points, guidance
    item.full_clean()
    item.save()
    audit.record(actor=actor, instance=item, action=AuditAction.UPDATE if before else AuditAction.CREATE, before=before)
    return item


@transaction.atomic
def template_copy(*, actor, template: ScoreTemplate, year: int) -> ScoreTemplate:
    """A new year's draft with the same sections and items."""
    require(permissions.can_manage_assessments(actor), "只有县领导小组办公室可以复制评分表。")
    template = ScoreTemplate.objects.visible_to(actor).get(pk=template.pk)
    if year not in template.program.years:
        raise ValidationError({"year": f"年度应在 {template.program.start_year}–{template.program.end_year} 之间。"})
    copy = ScoreTemplate(
        program=template.program,
        year=year,
        name=template.name.replace(str(template.year), str(year)),
        copied_from=template,
    )
    copy.full_clean()
    copy.save()
    sections = {}
    for section in template.sections.all():
        sections[section.pk] = ScoreSection.objects.create(template=copy, order=section.order, title=section.title)
    ScoreItem.objects.bulk_create(
        [
            ScoreItem(
                template=copy,
                section=sections[item.section_id],
                code=item.code,
                order=item.order,
                title=item.title,
                guidance=item.guidance,
                max_points=item.max_points,
            )
            for item in template.items.all()
        ]
    )
    audit.record(actor=actor, instance=copy, action=AuditAction.CREATE, note=f"复制自 {template}")
    return copy


@transaction.atomic
def inspection_schedule(
    *,
    actor,
    pilot: PilotAssignment,
    year: int,
    inspectors,
    outside_members: str = "",
    inspected_on: datetime.date | None = None,
) -> Inspection:
    """The county office sets up a pilot village's inspection for a year and its team."""
    require(permissions.can_manage_assessments(actor), "只有县领导小组办公室可以安排检查验收。")
    pilot = PilotAssignment.objects.editable_by(actor).select_related("program", "village").filter(pk=pilot.pk).first()
    if pilot is not None and pilot.status == PilotStatus.ACCEPTED:
        # Closed out (销号): a new inspection would judge a pilot no longer in the open ledger.
        raise ValidationError("该试点村已验收（销号），不再安排检查；确需检查请先撤销验收。")
    if pilot is None or pilot.status != PilotStatus.APPROVED:
        raise ValidationError("只能检查已审批的试点村。")
    if year < pilot.year:
        raise ValidationError({"year": f"该村 {pilot.year} 年才列为试点，不能检查 {year} 年。"})
    template = ScoreTemplate.objects.filter(program=pilot.program, year=year, status=TemplateStatus.PUBLISHED).first()
    if template is None:
        raise ValidationError(f"{pilot.program.name} {year} 年的评分表尚未发布。")
    team = list(inspectors)
    if any(user.role != Role.INSPECTOR or user.county_id != pilot.program.county_id for user in team):
        raise ValidationError({"inspectors": "检查组成员须为本县的检查验收组账号。"})
    inspection = Inspection(
        pilot=pilot, year=year, template=template, outside_members=outside_members, inspected_on=inspected_on
    )
    inspection.full_clean()
    inspection.save()
    inspection.inspectors.set(team)
    audit.record(actor=actor, instance=inspection, action=AuditAction.CREATE)
    return inspection


@dataclass(frozen=True)
class ScoreInput:
    item_id: int
    points: Decimal
    reason: str = ""
    rectify: bool = False


def check_score(item: ScoreItem, points: Decimal | None, reason: str) -> list[str]:
    """The rules of one item's score, in Chinese (the pages, the API and the sheet import share them)."""
    if points is None:
        return ["请填写得分。"]
    errors = []
    if points < 0 or points > item.max_points:
        errors.append(f"得分应在 0 到 {item.max_points} 之间。")
    elif (points / HALF) % 1:
        errors.append("得分只能是整数或半分（如 4.5）。")
    if points < item.max_points and not (reason or "").strip():
        errors.append("未得满分须填写扣分理由。")
    return errors


def _locked_for_scoring(actor, inspection) -> Inspection:
    require(permissions.can_score(actor), "只有检查组成员可以评分。")
    inspection = (
        Inspection.objects.editable_by(actor)
        .select_for_update()
        .select_related("pilot__program")
        .filter(pk=inspection.pk)
        .first()
    )
    if inspection is None:
        raise ValidationError("该检查不在您的检查组。")
    if inspection.status != InspectionStatus.DRAFT:
        raise ValidationError(f"检查{inspection.get_status_display()}，不能再修改评分。")
    return inspection


def _recompute(inspection: Inspection) -> None:
    """Total = Σ item points once every item is scored; grade from the program's thresholds."""
    scored = inspection.scores.aggregate(total=Sum("points"), n=Count("pk"))
    complete = scored["n"] == inspection.template.items.count()
    inspection.total = scored["total"] if complete else None
    inspection.grade = grade_for(inspection.pilot.program, inspection.total) if complete else ""


@transaction.atomic
def inspection_scores_save(
    *,
    actor,
    inspection: Inspection,
    scores: list[ScoreInput],
    inspected_on: datetime.date | None = None,
    version: int | None = None,
) -> Inspection:
    """Record item scores of a draft inspection; every item's errors are reported together and
    nothing is written when there is one. `version` is the one the scorer's sheet was opened at:
    two team members saving the same sheet cannot overwrite each other unseen."""
    inspection = _locked_for_scoring(actor, inspection)
    locking.claim_version(inspection, version)
    items = {item.pk: item for item in inspection.template.items.all()}
    errors = {}
    for score in scores:
        item = items.get(score.item_id)
        if item is None:
            errors[f"item_{score.item_id}"] = ["该评分项目不属于本检查的评分表。"]
            continue
        problems = check_score(item, score.points, score.reason)
        if problems:
            errors[f"item_{item.pk}"] = problems
    if errors:
        raise ValidationError(errors)
    before = audit.snapshot(inspection)
    existing = {s.item_id: s for s in inspection.scores.all()}
    for score in scores:
        row = existing.get(score.item_id) or ItemScore(inspection=inspection, item_id=score.item_id)
        row.points, row.reason, row.rectify = score.points, (score.reason or "").strip(), score.rectify
        row.save()
    if inspected_on is not None:
        inspection.inspected_on = inspected_on
    _recompute(inspection)
    inspection.save()
    audit.record(actor=actor, instance=inspection, action=AuditAction.UPDATE, before=before, note="评分")
    return inspection


def inspection_unscored_error(inspection: Inspection) -> ValidationError | None:
    """Why a sheet cannot be submitted yet: the items still without a score, by code."""
    if inspection.total is not None:
        return None
    missing = inspection.template.items.exclude(scores__inspection=inspection).values_list("code", flat=True)
    return ValidationError(f"还有项目未评分：{'、'.join(missing)}。")


@transaction.atomic
def inspection_submit(*, actor, inspection: Inspection, version: int | None = None) -> Inspection:
    """Hand a fully scored sheet to the county office. `version` is the one the scorer confirmed
    (the confirmation page shows the total): a sheet changed since by a team member is refused."""
    inspection = _locked_for_scoring(actor, inspection)
    if (error := inspection_unscored_error(inspection)) is not None:
        raise error
    before = audit.snapshot(inspection)
    if version is not None:
        locking.claim_version(inspection, version)
    else:
        locking.bump_version(inspection)
    inspection.status = InspectionStatus.SUBMITTED
    inspection.submitted_at = timezone.now()
    inspection.submitted_by = actor
    inspection.save()
    audit.record(actor=actor, instance=inspection, action=AuditAction.UPDATE, before=before)
    return inspection


@transaction.atomic
def inspection_return(*, actor, inspection: Inspection, reason: str) -> Inspection:
    """The county office sends a submitted sheet back to the team."""
    require(permissions.can_manage_assessments(actor), "只有县领导小组办公室可以退回检查。")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "退回须填写原因。"})
    if not Inspection.objects.editable_by(actor).filter(pk=inspection.pk).exists():
        raise ValidationError("检查不存在。")
    # Join-free conditional UPDATE (see inspection_confirm).
    changed = Inspection.objects.filter(pk=inspection.pk, status=InspectionStatus.SUBMITTED).update(
        status=InspectionStatus.DRAFT, updated_at=timezone.now(), version=F("version") + 1
    )
    if changed != 1:
        raise ValidationError("只有“已提交”的检查可以退回。")
    inspection = Inspection.objects.select_related("pilot__village").get(pk=inspection.pk)
    audit.record(actor=actor, instance=inspection, action=AuditAction.UPDATE, note=f"退回：{reason}")
    # The team that scored it is told why, and finds the sheet open again.
    notifications.notify(
        users=inspection.inspectors.filter(is_active=True),
        source=f"inspection:{inspection.pk}:returned:{inspection.version}",
        title=f"【评分表被退回】{inspection.pilot.village.name}（{inspection.year}年检查）",
        body=f"退回原因：{reason}。请修改评分后重新提交。",
        link=inspection.get_absolute_url(),
    )
    return inspection


def rectification_deadline(*, program, start: datetime.date) -> datetime.date:
    """The default deadline of a rectification set on `start`: the program's rectification_days
    in calendar or working days, moved off a day off when the program follows the working-day
    calendar (民法典 第二百零三条)."""
    calendar = workdays.WorkCalendar.load()
    working = program.rectification_unit == DurationUnit.WORKING
    deadline = calendar.add_days(start, program.rectification_days, working=working)
    return calendar.due_date(deadline, follow_workdays=program.due_dates_follow_workdays)[0]


@transaction.atomic
def inspection_confirm(*, actor, inspection: Inspection, today: datetime.date | None = None) -> Inspection:
    """Confirm (and lock) a submitted inspection, then open a rectification for every item
    marked for it — and for every item below full marks when the village failed."""
    require(permissions.can_manage_assessments(actor), "只有县领导小组办公室可以确认检查结果。")
    visible = Inspection.objects.editable_by(actor)
    before_row = visible.filter(pk=inspection.pk).first()
    if before_row is None:
        raise ValidationError("检查不存在。")
    before = audit.snapshot(before_row)
    # Scope is checked above; the conditional UPDATE itself must be join-free: through
    # editable_by it becomes "WHERE id IN (subquery)", whose status test PostgreSQL does not
    # re-check after waiting for a concurrent confirmation's lock, and both would win.
    changed = Inspection.objects.filter(pk=inspection.pk, status=InspectionStatus.SUBMITTED).update(
        status=InspectionStatus.CONFIRMED,
        confirmed_at=timezone.now(),
        confirmed_by=actor,
        updated_at=timezone.now(),
        version=F("version") + 1,
    )
    if changed != 1:
        raise ValidationError("只有“已提交”的检查可以确认（可能已被他人处理）。")
    inspection = Inspection.objects.select_related("pilot__program", "pilot__village__township").get(pk=inspection.pk)
    audit.record(actor=actor, instance=inspection, action=AuditAction.UPDATE, before=before)
    program = inspection.pilot.program
    deadline = rectification_deadline(program=program, start=today or timezone.localdate())
    unit = township_government_ensure(township=inspection.pilot.village.township)
    failing = inspection.grade == Grade.FAIL
    rows = inspection.scores.select_related("item")
    to_fix = [s for s in rows if s.rectify or (failing and s.points < s.item.max_points)]
    Rectification.objects.bulk_create(
        [
            Rectification(
                inspection=inspection,
                item=s.item,
                issue=s.reason or f"{s.item.title}未达标",
                responsible_unit=unit,
                deadline=deadline,
            )
            for s in to_fix
        ]
    )
    village = inspection.pilot.village
    result = f"{inspection.total} 分，{inspection.get_grade_display()}"
    notifications.notify(
        users=township_users(village.township_id),
        source=f"inspection:{inspection.pk}:confirmed:{inspection.version}",
        title=f"【检查结果已确认】{village.name}（{inspection.year}年）：{result}",
        body=f"需整改 {len(to_fix)} 项，整改期限 {deadline:%Y-%m-%d}。" if to_fix else "无需整改。",
        link=inspection.get_absolute_url(),
    )
    return inspection


@transaction.atomic
def reinspection_create(*, actor, original: Inspection, inspectors, inspected_on=None) -> Inspection:
    """A re-inspection after rectification: new scores on the same sheet; the original stays."""
    require(permissions.can_manage_assessments(actor), "只有县领导小组办公室可以安排复查。")
    original = Inspection.objects.editable_by(actor).select_related("pilot").get(pk=original.pk)
    if original.status != InspectionStatus.CONFIRMED:
        raise ValidationError("只能对已确认的检查安排复查。")
    if original.pilot.status == PilotStatus.ACCEPTED:
        raise ValidationError("该试点村已验收（销号），不再安排复查；确需复查请先撤销验收。")
    inspection = Inspection(
        pilot=original.pilot,
        year=original.year,
        template=original.template,
        original=original,
        inspected_on=inspected_on,
    )
    inspection.full_clean()
    inspection.save()
    inspection.inspectors.set(list(inspectors))
    audit.record(actor=actor, instance=inspection, action=AuditAction.CREATE, note=f"复查：{original}")
    return inspection


@transaction.atomic
def rectification_submit(*, actor, rectification: Rectification, evidence_text: str) -> Rectification:
    require(permissions.can_report_rectification(actor), "您的角色不能报送整改情况。")
    rectification = Rectification.objects.visible_to(actor).select_for_update().filter(pk=rectification.pk).first()
    if rectification is None:
        raise ValidationError("整改项目不存在。")
    if rectification.status == RectificationStatus.VERIFIED:
        raise ValidationError("整改已验收，不能修改。")
    if not (evidence_text or "").strip():
        raise ValidationError({"evidence_text": "请填写整改情况。"})
    before = audit.snapshot(rectification)
    rectification.evidence_text = evidence_text.strip()
    rectification.status = RectificationStatus.SUBMITTED
    rectification.submitted_at = timezone.now()
    rectification.save()
    audit.record(actor=actor, instance=rectification, action=AuditAction.UPDATE, before=before)
    return rectification


@transaction.atomic
def rectification_verify(*, actor, rectification: Rectification) -> Rectification:
    require(permissions.can_manage_assessments(actor), "只有县领导小组办公室可以验收整改。")
    before_row = Rectification.objects.editable_by(actor).filter(pk=rectification.pk).first()
    if before_row is None:
        raise ValidationError("整改项目不存在。")
    before = audit.snapshot(before_row)
    changed = Rectification.objects.filter(pk=rectification.pk, status=RectificationStatus.SUBMITTED).update(
        status=RectificationStatus.VERIFIED, verified_at=timezone.now(), verified_by=actor, updated_at=timezone.now()
    )
    if changed != 1:
        raise ValidationError("只有已报送整改情况的项目可以验收。")
    rectification = Rectification.objects.select_related("inspection__pilot__village", "item", "responsible_unit").get(
        pk=rectification.pk
    )
    audit.record(actor=actor, instance=rectification, action=AuditAction.UPDATE, before=before)
    village = rectification.inspection.pilot.village
    notifications.notify(
        users=unit_users(rectification.responsible_unit),
        source=f"rectification:{rectification.pk}:verified",
        title=f"【整改已验收】{village.name}：{rectification.item.title}",
        body="县领导小组办公室已验收本项整改。",
        link=rectification.get_absolute_url(),
    )
    return rectification


@transaction.atomic
def evidence_add(*, actor, inspection: Inspection, upload, item: ScoreItem | None = None) -> InspectionEvidence:
    """A photo or document backing the scores, added by the team while the sheet is a draft."""
    inspection = _locked_for_scoring(actor, inspection)
    if item is not None and item.template_id != inspection.template_id:
        raise ValidationError({"item": "该评分项目不属于本检查的评分表。"})
    name = uploads.checked_attachment_name(upload)
    evidence = InspectionEvidence(
        inspection=inspection, item=item, original_name=name, size=upload.size, uploaded_by=actor
    )
    evidence.file.save(name, upload, save=False)
    evidence.save()
    audit.record(actor=actor, instance=evidence, action=AuditAction.CREATE, note=f"佐证材料：{name}")
    return evidence
