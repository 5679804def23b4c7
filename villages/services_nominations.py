"""Writes of the nomination (申报) workflow and of provincial key support (SPEC §4.2, R-A4, §10.1).

A township official nominates villages of their township for a program year; the county office
approves a nomination — which proposes and approves the pilot through villages.services, the one
place a pilot is made — or returns it with a reason. Each decision is audited and lands in the
township officials' inboxes. Provincial key support is its own state on the pilot (申请 → 获批 /
未获批); the pilot's `level` follows it (PilotAssignment.level_for).
"""

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from pilot_admin.audit import services as audit
from pilot_admin.choices import AuditAction, Role
from pilot_admin.models import Notification, User
from pilot_admin.services import require
from villages import permissions, services
from villages.choices import NominationState, PilotStatus, ProvincialStatus
from villages.models import PilotAssignment, PilotNomination, PilotProgram, Village


@dataclass(frozen=True)
class NominationInput:
    """One ticked village of the nomination form."""

    village: Village
    reason: str
    guidance_category: str
    applies_provincial_support: bool = False
    wishes_demonstration: bool = False


def _refuse_taken(program: PilotProgram, villages: list[Village], *, exclude_pk: int | None = None) -> None:
    """A village already a pilot of the program (not withdrawn) or already nominated and pending
    cannot be nominated again ("新增" counts each village once, R-A5). Two queries for any number
    of villages; the partial unique constraint backs the second check in the database."""
    ids = [village.pk for village in villages]
    pilots = {
        p.village_id: p
        for p in PilotAssignment.objects.filter(program=program, village__in=ids).exclude(status=PilotStatus.WITHDRAWN)
    }
    pending = PilotNomination.objects.filter(program=program, village__in=ids, state=NominationState.PENDING)
    if exclude_pk is not None:
        pending = pending.exclude(pk=exclude_pk)
    pending = {n.village_id: n for n in pending}
    errors = []
    for village in villages:
        if (pilot := pilots.get(village.pk)) is not None:
            errors.append(
                f"{village.name}已是本试点项目的试点村（{pilot.year}年，{pilot.get_status_display()}），不能再申报。"
            )
        elif (nomination := pending.get(village.pk)) is not None:
            errors.append(f"{village.name}已申报本试点项目（{nomination.year}年），正在等待县里审核，不能重复申报。")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def nominations_create(
    *, actor, program: PilotProgram, year: int, items: list[NominationInput]
) -> list[PilotNomination]:
    """The township nominates several of its villages at once: all are saved or, on any error,
    none."""
    require(permissions.can_nominate(actor), "只有乡镇可以申报试点村。")
    if not PilotProgram.objects.visible_to(actor).filter(pk=program.pk).exists():
        raise ValidationError("试点项目不存在。")
    if not items:
        raise ValidationError("请至少勾选一个村。")
    own = set(
        Village.objects.visible_to(actor)
        .active_administrative()
        .filter(pk__in=[item.village.pk for item in items])
        .values_list("pk", flat=True)
    )
    outside = [item.village.name for item in items if item.village.pk not in own]
    if outside:
        raise ValidationError(f"只能申报本乡镇的有效行政村：{'、'.join(outside)}。")
    _refuse_taken(program, [item.village for item in items])
    now = timezone.now()
    created = []
    for item in items:
        nomination = PilotNomination(
            program=program,
            village=item.village,
            year=year,
            reason=(item.reason or "").strip(),
            guidance_category=item.guidance_category,
            applies_provincial_support=item.applies_provincial_support,
            wishes_demonstration=item.wishes_demonstration,
            state=NominationState.PENDING,
            nominated_by=actor,
            nominated_at=now,
        )
        try:
            nomination.full_clean()
        except ValidationError as error:
            raise ValidationError([f"{item.village.name}：{m}" for m in error.messages]) from error
        nomination.save()
        audit.record(actor=actor, instance=nomination, action=AuditAction.CREATE)
        created.append(nomination)
    return created


def _locked(actor, nomination: PilotNomination) -> PilotNomination:
    return (
        PilotNomination.objects.editable_by(actor)
        .select_for_update()
        .select_related("program", "village", "village__township")
        .get(pk=nomination.pk)
    )


@transaction.atomic
def nomination_withdraw(*, actor, nomination: PilotNomination) -> PilotNomination:
    """The township takes back a nomination not yet approved (pending or returned)."""
    require(permissions.can_nominate(actor), "只有申报的乡镇可以撤回申报。")
    nomination = _locked(actor, nomination)
    if nomination.state not in (NominationState.PENDING, NominationState.RETURNED):
        raise ValidationError(f"只有“已申报”或“已退回”的申报可以撤回（当前：{nomination.get_state_display()}）。")
    before = audit.snapshot(nomination)
    nomination.state = NominationState.WITHDRAWN
    nomination.full_clean()
    nomination.save()
    audit.record(actor=actor, instance=nomination, action=AuditAction.UPDATE, before=before)
    return nomination


@transaction.atomic
def nomination_resubmit(
    *,
    actor,
    nomination: PilotNomination,
    reason: str,
    guidance_category: str,
    applies_provincial_support: bool = False,
    wishes_demonstration: bool = False,
) -> PilotNomination:
    """The township corrects a returned nomination and sends it again (state 已申报). The return
    reason it answered stays in the audit trail."""
    require(permissions.can_nominate(actor), "只有申报的乡镇可以重新申报。")
    nomination = _locked(actor, nomination)
    if nomination.state != NominationState.RETURNED:
        raise ValidationError(f"只有“已退回”的申报可以修改后重新申报（当前：{nomination.get_state_display()}）。")
    _refuse_taken(nomination.program, [nomination.village], exclude_pk=nomination.pk)
    before = audit.snapshot(nomination)
    nomination.reason = (reason or "").strip()
    nomination.guidance_category = guidance_category
    nomination.applies_provincial_support = applies_provincial_support
    nomination.wishes_demonstration = wishes_demonstration
    nomination.state = NominationState.PENDING
    nomination.return_reason = ""
    nomination.decided_by = None
    nomination.decided_at = None
    nomination.nominated_by = actor
    nomination.nominated_at = timezone.now()
    nomination.full_clean()
    nomination.save()
    audit.record(actor=actor, instance=nomination, action=AuditAction.UPDATE, before=before)
    return nomination


def _pending_or_refuse(nomination: PilotNomination) -> None:
    if nomination.state != NominationState.PENDING:
        raise ValidationError(
            f"{nomination.village.name}：只有“已申报”的申报可以审核（当前：{nomination.get_state_display()}）。"
        )


@transaction.atomic
def nomination_approve(*, actor, nomination: PilotNomination) -> PilotNomination:
    """The county office approves: the village becomes an approved pilot of the year, with the
    nomination's guidance category and, when it asked for it, an application for provincial key
    support (已申请)."""
    require(permissions.can_review_nominations(actor), "只有县领导小组办公室可以审核试点申报。")
    nomination = _locked(actor, nomination)
    _pending_or_refuse(nomination)
    before = audit.snapshot(nomination)
    try:
        assignment = services.pilot_assignment_propose(
            actor=actor,
            program=nomination.program,
            village=nomination.village,
            year=nomination.year,
            guidance_category=nomination.guidance_category,
            provincial_status=(
                ProvincialStatus.APPLIED if nomination.applies_provincial_support else ProvincialStatus.NONE
            ),
            notes=f"乡镇申报理由：{nomination.reason}"
            + ("\n乡镇拟创建试点示范村。" if nomination.wishes_demonstration else ""),
        )
        assignment = services.pilot_assignment_approve(actor=actor, assignment=assignment, notify=False)
    except ValidationError as error:
        raise ValidationError([f"{nomination.village.name}：{m}" for m in error.messages]) from error
    nomination.state = NominationState.APPROVED
    nomination.assignment = assignment
    nomination.decided_by = actor
    nomination.decided_at = timezone.now()
    nomination.full_clean()
    nomination.save()
    audit.record(actor=actor, instance=nomination, action=AuditAction.UPDATE, before=before)
    _notify_township(nomination)
    return nomination


@transaction.atomic
def nominations_approve(*, actor, nominations: list[PilotNomination]) -> list[PilotNomination]:
    """Approve several ticked nominations: all or, on any error, none."""
    if not nominations:
        raise ValidationError("请先勾选要批准的申报。")
    return [nomination_approve(actor=actor, nomination=nomination) for nomination in nominations]


@transaction.atomic
def nomination_return(*, actor, nomination: PilotNomination, reason: str) -> PilotNomination:
    """The county office sends a nomination back to the township with its reason."""
    require(permissions.can_review_nominations(actor), "只有县领导小组办公室可以退回试点申报。")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "退回申报须填写原因。"})
    nomination = _locked(actor, nomination)
    _pending_or_refuse(nomination)
    before = audit.snapshot(nomination)
    nomination.state = NominationState.RETURNED
    nomination.return_reason = reason
    nomination.decided_by = actor
    nomination.decided_at = timezone.now()
    nomination.full_clean()
    nomination.save()
    audit.record(actor=actor, instance=nomination, action=AuditAction.UPDATE, before=before)
    _notify_township(nomination)
    return nomination


def _notify_township(nomination: PilotNomination) -> None:
    """The decision in the inbox of every active official of the village's township (as
    guardianship's decline alert does). The decision time makes the source unique, so a
    nomination returned, resubmitted and returned again notifies twice, a retry never."""
    officials = User.objects.filter(is_active=True, role=Role.TOWNSHIP, township=nomination.village.township_id)
    village = nomination.village
    if nomination.state == NominationState.APPROVED:
        title = f"【试点申报已批准】{village.name}（{nomination.year}年）"
        body = "已列为试点村（已审批）。"
        if nomination.applies_provincial_support:
            body += "已记为申请省级重点支持。"
    else:
        title = f"【试点申报已退回】{village.name}（{nomination.year}年）"
        body = f"退回原因：{nomination.return_reason}。可修改后重新申报，或撤回。"
    source = f"nomination:{nomination.pk}:{nomination.state}:{nomination.decided_at:%Y%m%d%H%M%S%f}"
    Notification.objects.bulk_create(
        [
            Notification(user=user, source=source, title=title[:200], body=body, link=nomination.get_absolute_url())
            for user in officials
        ],
        ignore_conflicts=True,
    )


# Which provincial status may follow which: apply, take back an application not yet decided,
# record the province's answer, or correct a recorded answer.
PROVINCIAL_TRANSITIONS = {
    ProvincialStatus.NONE: {ProvincialStatus.APPLIED},
    ProvincialStatus.APPLIED: {ProvincialStatus.NONE, ProvincialStatus.GRANTED, ProvincialStatus.NOT_GRANTED},
    ProvincialStatus.GRANTED: {ProvincialStatus.APPLIED, ProvincialStatus.NOT_GRANTED},
    ProvincialStatus.NOT_GRANTED: {ProvincialStatus.APPLIED, ProvincialStatus.GRANTED},
}
DECIDED = (ProvincialStatus.GRANTED, ProvincialStatus.NOT_GRANTED)


@transaction.atomic
def pilot_provincial_status_set(
    *, actor, assignment: PilotAssignment, status: str, decided_on: datetime.date | None = None
) -> PilotAssignment:
    """Record the county's application for provincial key support or the province's decision
    (with its date). The pilot's level follows: 省级重点支持 exactly when granted."""
    require(permissions.can_manage_pilots(actor), "只有县领导小组办公室可以登记省级重点支持。")
    if status not in ProvincialStatus.values:
        raise ValidationError({"status": "省级重点支持状态无效。"})
    assignment = (
        PilotAssignment.objects.editable_by(actor)
        .select_for_update()
        .select_related("village", "program")
        .get(pk=assignment.pk)
    )
    if assignment.status == PilotStatus.WITHDRAWN:
        raise ValidationError("已撤销的试点不能登记省级重点支持。")
    current = ProvincialStatus(assignment.provincial_status)
    if status not in PROVINCIAL_TRANSITIONS[current]:
        raise ValidationError(
            f"省级重点支持不能从“{current.label}”改为“{ProvincialStatus(status).label}”"
            f"（先申请，省里决定后再登记获批或未获批）。"
        )
    if status in DECIDED:
        if decided_on is None:
            raise ValidationError({"decided_on": "请填写省里的决定日期。"})
        if decided_on > timezone.localdate():
            raise ValidationError({"decided_on": "决定日期不能晚于今天。"})
    else:
        decided_on = None
    before = audit.snapshot(assignment)
    assignment.provincial_status = status
    assignment.provincial_decided_on = decided_on
    assignment.level = PilotAssignment.level_for(status)
    assignment.full_clean()
    assignment.save()
    audit.record(actor=actor, instance=assignment, action=AuditAction.UPDATE, before=before)
    return assignment
