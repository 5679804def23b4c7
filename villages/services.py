"""Every write of the villages app: each one checks the actor's rights and scope, validates,
saves in one transaction and leaves an audit entry."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from pilot_admin import audit
from pilot_admin.choices import AuditAction
from villages import permissions
from villages.choices import IndicatorStatus, PilotStatus
from villages.models import PilotAssignment, PilotProgram, Township, Village, VillageIndicator

VILLAGE_EDITABLE_FIELDS = (
    "code",
    "name",
    "kind",
    "households",
    "population",
    "resident_population",
    "is_poverty_village",
    "poverty_exit_year",
    "collective_income_yuan",
    "guidance_category",
    "is_active",
)


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def _visible_or_refuse(queryset, obj, message: str) -> None:
    """Writes are re-checked: an object outside the actor's scope is refused even when a form
    or API body names it directly."""
    if obj.pk is None or not queryset.filter(pk=obj.pk).exists():
        raise ValidationError(message)


@transaction.atomic
def village_create(*, actor, township, **data) -> Village:
    _require(permissions.can_manage_villages(actor), "只有县领导小组办公室可以新增村。")
    _visible_or_refuse(Township.objects.editable_by(actor), township, "不能在您管辖范围以外的乡镇新增村。")
    village = Village(township=township, **data)
    village.full_clean()
    village.save()
    audit.record(actor=actor, instance=village, action=AuditAction.CREATE)
    return village


@transaction.atomic
def village_update(*, actor, village: Village, **data) -> Village:
    _require(permissions.can_manage_villages(actor), "只有县领导小组办公室可以修改村信息。")
    village = Village.objects.editable_by(actor).select_for_update().get(pk=village.pk)
    before = audit.snapshot(village)
    for name, value in data.items():
        if name not in VILLAGE_EDITABLE_FIELDS and name != "township":
            raise ValidationError(f"字段 {name} 不可修改。")
        setattr(village, name, value)
    village.full_clean()
    village.save()
    audit.record(actor=actor, instance=village, action=AuditAction.UPDATE, before=before)
    return village


@transaction.atomic
def pilot_assignment_propose(
    *,
    actor,
    program: PilotProgram,
    village: Village,
    year: int,
    level: str,
    guidance_category: str = "",
    is_demonstration: bool = False,
    notes: str = "",
) -> PilotAssignment:
    """Select a village as a pilot of a program for a year (status 拟定)."""
    _require(permissions.can_manage_pilots(actor), "只有县领导小组办公室可以选定试点村。")
    _visible_or_refuse(Village.objects.editable_by(actor), village, "该村不在您的管辖范围内。")
    _visible_or_refuse(PilotProgram.objects.visible_to(actor), program, "试点项目不存在。")
    assignment = PilotAssignment(
        program=program,
        village=village,
        year=year,
        level=level,
        guidance_category=guidance_category or village.guidance_category,
        is_demonstration=is_demonstration,
        notes=notes,
        proposed_by=actor,
        status=PilotStatus.PROPOSED,
    )
    assignment.full_clean()
    assignment.save()
    audit.record(actor=actor, instance=assignment, action=AuditAction.CREATE)
    return assignment


def _locked_assignment(actor, assignment) -> PilotAssignment:
    return (
        PilotAssignment.objects.editable_by(actor)
        .select_for_update()
        .select_related("village", "program")
        .get(pk=assignment.pk)
    )


@transaction.atomic
def pilot_assignment_approve(*, actor, assignment: PilotAssignment) -> PilotAssignment:
    _require(permissions.can_manage_pilots(actor), "只有县领导小组办公室可以审批试点村。")
    assignment = _locked_assignment(actor, assignment)
    if assignment.status != PilotStatus.PROPOSED:
        raise ValidationError(f"只有“拟定”状态的试点可以审批（当前：{assignment.get_status_display()}）。")
    before = audit.snapshot(assignment)
    assignment.status = PilotStatus.APPROVED
    assignment.approved_by = actor
    assignment.approved_at = timezone.now()
    assignment.full_clean()
    assignment.save()
    audit.record(actor=actor, instance=assignment, action=AuditAction.UPDATE, before=before)
    return assignment


@transaction.atomic
def pilot_assignment_withdraw(*, actor, assignment: PilotAssignment, reason: str) -> PilotAssignment:
    _require(permissions.can_manage_pilots(actor), "只有县领导小组办公室可以撤销试点村。")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "撤销试点须填写原因。"})
    assignment = _locked_assignment(actor, assignment)
    if assignment.status == PilotStatus.WITHDRAWN:
        raise ValidationError("该试点已撤销。")
    before = audit.snapshot(assignment)
    assignment.status = PilotStatus.WITHDRAWN
    assignment.withdrawn_by = actor
    assignment.withdrawn_at = timezone.now()
    assignment.withdraw_reason = reason
    assignment.full_clean()
    assignment.save()
    audit.record(actor=actor, instance=assignment, action=AuditAction.UPDATE, before=before)
    return assignment


INDICATOR_FIELDS = tuple(
    f.name
    for f in VillageIndicator._meta.concrete_fields
    if f.name
    not in {
        "id",
        "village",
        "year",
        "status",
        "reported_by",
        "reported_at",
        "confirmed_by",
        "confirmed_at",
        "return_reason",
        "created_at",
        "updated_at",
    }
)


@transaction.atomic
def village_indicator_submit(*, actor, village: Village, year: int, **data) -> VillageIndicator:
    """The township's yearly indicator record for a village: created, or resubmitted while not
    yet confirmed (a confirmed record is locked)."""
    _require(permissions.can_submit_indicators(actor), "您的角色不能填报村年度指标。")
    _visible_or_refuse(Village.objects.indicators_submittable_by(actor), village, "该村不在您的管辖范围内。")
    indicator = VillageIndicator.objects.select_for_update().filter(village=village, year=year).first()
    action = AuditAction.UPDATE if indicator else AuditAction.CREATE
    if indicator is None:
        indicator = VillageIndicator(village=village, year=year)
        before = None
    else:
        if indicator.status == IndicatorStatus.CONFIRMED:
            raise ValidationError("该村本年度指标已确认，不能再修改。")
        before = audit.snapshot(indicator)
    unknown = set(data) - set(INDICATOR_FIELDS)
    if unknown:
        raise ValidationError(f"未知字段：{', '.join(sorted(unknown))}")
    for name, value in data.items():
        setattr(indicator, name, value)
    indicator.status = IndicatorStatus.SUBMITTED
    indicator.return_reason = ""
    indicator.reported_by = actor
    indicator.reported_at = timezone.now()
    indicator.full_clean()
    indicator.save()
    audit.record(actor=actor, instance=indicator, action=action, before=before)
    return indicator


@transaction.atomic
def village_indicator_confirm(*, actor, indicator: VillageIndicator) -> VillageIndicator:
    _require(permissions.can_confirm_indicators(actor), "只有县领导小组办公室可以确认村年度指标。")
    indicator = VillageIndicator.objects.editable_by(actor).select_for_update().get(pk=indicator.pk)
    if indicator.status != IndicatorStatus.SUBMITTED:
        raise ValidationError("只有“已提交”的指标可以确认。")
    before = audit.snapshot(indicator)
    indicator.status = IndicatorStatus.CONFIRMED
    indicator.confirmed_by = actor
    indicator.confirmed_at = timezone.now()
    indicator.save()
    audit.record(actor=actor, instance=indicator, action=AuditAction.UPDATE, before=before)
    return indicator


@transaction.atomic
def village_indicator_return(*, actor, indicator: VillageIndicator, reason: str) -> VillageIndicator:
    _require(permissions.can_confirm_indicators(actor), "只有县领导小组办公室可以退回村年度指标。")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "退回须填写原因。"})
    indicator = VillageIndicator.objects.editable_by(actor).select_for_update().get(pk=indicator.pk)
    if indicator.status != IndicatorStatus.SUBMITTED:
        raise ValidationError("只有“已提交”的指标可以退回。")
    before = audit.snapshot(indicator)
    indicator.status = IndicatorStatus.RETURNED
    indicator.return_reason = reason
    indicator.save()
    audit.record(actor=actor, instance=indicator, action=AuditAction.UPDATE, before=before)
    return indicator


@transaction.atomic
def pilot_assignments_propose(
    *, actor, program: PilotProgram, year: int, level: str, villages
) -> list[PilotAssignment]:
    """Select several villages at once; all are proposed or, on any error, none."""
    return [
        pilot_assignment_propose(actor=actor, program=program, village=village, year=year, level=level)
        for village in villages
    ]
