"""申请补报: a unit asks for its locked period to be reopened, the county office grants it (the
same ReportUnlock as its own unlock, through tasks.services.period_unlock) or refuses it with a
reason. Each step is one transaction, audited, and tells the other side in its inbox."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from pilot_admin.audit import services as audit
from pilot_admin.choices import AuditAction, Role
from pilot_admin.models import User
from pilot_admin.notifications import services as notifications
from pilot_admin.services import require
from tasks import permissions, services
from tasks.choices import TaskStatus, UnlockRequestStatus
from tasks.models import ProgressReport, ReportingPeriod, ReportUnlockRequest
from villages import services as village_services

ALREADY_DECIDED = "该补报申请已处理（可能已被他人处理），请刷新后查看。"


def county_office_users(county_id: int):
    return User.objects.filter(is_active=True, role=Role.COUNTY_ADMIN, county=county_id)


def _subject(request: ReportUnlockRequest) -> str:
    period = request.period
    return f"{period.task.code} {period.task.title} · {period.label}"


@transaction.atomic
def unlock_request_create(
    *, actor, period: ReportingPeriod, reason: str, today: datetime.date | None = None
) -> ReportUnlockRequest:
    """The actor's unit asks to report late on a locked period. Refused when the period is not
    locked for it (it can just report), already reported, or already asked for."""
    require(permissions.can_report(actor), "您的角色不能申请补报。")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "申请补报须填写原因。"})
    unit = village_services.unit_for(actor)
    period = (
        ReportingPeriod.objects.visible_to(actor).select_related("task", "task__program").filter(pk=period.pk).first()
    )
    if unit is None or period is None or not period.task.assignments.filter(department=unit).exists():
        raise ValidationError("该任务不在您单位的职责范围内。")
    if period.task.status == TaskStatus.CLOSED_OUT:
        raise ValidationError("该任务已销号，不再接收报告。")
    if not services.is_locked(period=period, department=unit, today=today):
        raise ValidationError("本期未锁定，可以直接填报，无需申请补报。")
    report = ProgressReport.objects.filter(period=period, department=unit).first()
    if report is not None and report.status not in services.EDITABLE_STATUSES:
        raise ValidationError(f"本期报告{report.get_status_display()}，无需申请补报。")
    # The row lock makes two officials of one township asking at once meet the constraint
    # one after the other, so the second sees the first's request rather than a database error.
    ReportingPeriod.objects.select_for_update().filter(pk=period.pk).first()
    if ReportUnlockRequest.objects.filter(period=period, department=unit, status=UnlockRequestStatus.PENDING).exists():
        raise ValidationError("本期已有待处理的补报申请，请等待县领导小组办公室处理。")
    request = ReportUnlockRequest(period=period, department=unit, reason=reason, requested_by=actor)
    request.full_clean()
    request.save()
    audit.record(actor=actor, instance=request, action=AuditAction.CREATE, note=f"申请补报：{reason}")
    notifications.notify(
        users=county_office_users(period.task.program.county_id),
        source=f"unlock-request:{request.pk}:pending",
        title=f"【补报申请】{unit.name}：{_subject(request)}"[:200],
        body=f"补报原因：{reason}。请在“补报申请”中同意（定解锁截止日）或说明原因后不同意。",
        link=reverse("tasks:unlock_request_queue"),
    )
    return request


def _pending(actor, request: ReportUnlockRequest) -> ReportUnlockRequest:
    """The request, locked, if the actor may decide it and nobody has yet."""
    require(permissions.can_manage_tasks(actor), "只有县领导小组办公室可以处理补报申请。")
    locked = (
        ReportUnlockRequest.objects.visible_to(actor)
        .select_for_update()
        .select_related("period", "period__task", "department")
        .filter(pk=request.pk)
        .first()
    )
    if locked is None:
        raise ValidationError("补报申请不存在。")
    if locked.status != UnlockRequestStatus.PENDING:
        raise ValidationError(ALREADY_DECIDED)
    return locked


def _notify_unit(request: ReportUnlockRequest, title: str, body: str) -> None:
    notifications.notify(
        users=village_services.unit_users(request.department),
        source=f"unlock-request:{request.pk}:{request.status}",
        title=title[:200],
        body=body,
        link=reverse("tasks:report_edit", args=[request.period_id]),
    )


@transaction.atomic
def unlock_request_grant(*, actor, request: ReportUnlockRequest, until: datetime.date) -> ReportUnlockRequest:
    """同意: the period is unlocked for the unit until `until` (period_unlock, as the task page's
    unlock), and the request records the unlock it produced."""
    request = _pending(actor, request)
    if until is None:
        raise ValidationError({"until": "请填写解锁截止日期。"})
    before = audit.snapshot(request)
    unlock = services.period_unlock(
        actor=actor,
        period=request.period,
        department=request.department,
        reason=f"补报申请：{request.reason}"[:300],
        until=until,
    )
    request.status = UnlockRequestStatus.GRANTED
    request.unlock = unlock
    request.decided_by = actor
    request.decided_at = timezone.now()
    request.full_clean()
    request.save()
    audit.record(actor=actor, instance=request, action=AuditAction.UPDATE, before=before, note="同意补报")
    _notify_unit(
        request,
        f"【补报申请已同意】{_subject(request)}",
        f"已解锁至 {until:%Y-%m-%d}，请在此之前填报并提交。",
    )
    return request


@transaction.atomic
def unlock_request_refuse(*, actor, request: ReportUnlockRequest, reason: str) -> ReportUnlockRequest:
    """不同意, with the reason the unit is told."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "不同意补报须填写原因。"})
    request = _pending(actor, request)
    before = audit.snapshot(request)
    request.status = UnlockRequestStatus.REFUSED
    request.refusal_reason = reason
    request.decided_by = actor
    request.decided_at = timezone.now()
    request.full_clean()
    request.save()
    audit.record(actor=actor, instance=request, action=AuditAction.UPDATE, before=before, note=f"不同意补报：{reason}")
    _notify_unit(request, f"【补报申请未同意】{_subject(request)}", f"原因：{reason}。")
    return request
