"""Every write of the tasks app: checked, validated, in one transaction, audited."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from pilot_admin import locking, uploads, workdays
from pilot_admin.audit import services as audit
from pilot_admin.choices import AuditAction, DurationUnit
from pilot_admin.notifications import services as notifications
from pilot_admin.services import require
from tasks import cadence, permissions
from tasks import figures as task_figures
from tasks.choices import AssignmentRole, CadenceKind, ReportStatus, TaskStatus
from tasks.models import (
    ProgressReport,
    ReportAttachment,
    ReportingPeriod,
    ReportUnlock,
    Task,
    TaskAssignment,
    TaskFigure,
)
from villages import services as village_services
from villages.models import Department, PilotProgram


def task_sync_periods(*, task: Task, today: datetime.date | None = None) -> list[ReportingPeriod]:
    """Make the task's periods match its cadence. A period that already has reports is kept
    even if the cadence no longer yields it: reports are never orphaned. Periods are matched by
    their nominal last day (`end`); a due date is moved by the program's working-day rule only
    while both the stored and the new date are still ahead, so a past period's due date (what
    its reports were judged on time against) never changes because the calendar did."""
    today = today or timezone.localdate()
    program = task.program
    calendar = workdays.WorkCalendar.load()
    wanted = cadence.expand(
        kind=task.cadence_kind,
        start=task.start_date,
        deadline=task.deadline,
        months=task.cadence_months,
        dates=task.cadence_dates,
        due=lambda day: calendar.due_date(day, follow_workdays=program.due_dates_follow_workdays)[0],
    )
    existing = {period.end: period for period in task.periods.all()}
    keep_ends = {p.end for p in wanted}
    task.periods.filter(reports__isnull=True).exclude(end__in=keep_ends).delete()
    taken = set(task.periods.values_list("due_date", flat=True))
    for p in wanted:
        period = existing.get(p.end)
        if period is None:
            if p.due_date in taken:  # a kept period with reports already holds the date
                continue
            ReportingPeriod.objects.create(task=task, label=p.label, start=p.start, end=p.end, due_date=p.due_date)
            taken.add(p.due_date)
            continue
        changes = {}
        if (period.label, period.start) != (p.label, p.start):
            changes.update(label=p.label, start=p.start)
        ahead = period.due_date >= today and p.due_date >= today
        if ahead and period.due_date != p.due_date and p.due_date not in taken:
            taken.discard(period.due_date)
            taken.add(p.due_date)
            changes["due_date"] = p.due_date
        if changes:
            ReportingPeriod.objects.filter(pk=period.pk).update(**changes)
    return list(task.periods.order_by("due_date"))


def _task_units(*, program, lead, cooperating, townships, all_townships) -> dict[int, tuple[Department, str]]:
    """The task's reporting units by id with their role: lead first, then cooperating, then the
    township governments of the townships it applies to."""
    if not lead and not townships and not all_townships:
        raise ValidationError({"lead": "请至少指定一个牵头单位或落实乡镇。"})
    units: dict[int, tuple[Department, str]] = {}
    for department in lead:
        units[department.pk] = (department, AssignmentRole.LEAD)
    for department in cooperating:
        units.setdefault(department.pk, (department, AssignmentRole.COOPERATING))
    if all_townships:
        townships = program.county.townships.all()
    for township in townships or ():
        government = village_services.township_government_ensure(township=township)
        units.setdefault(government.pk, (government, AssignmentRole.TOWNSHIP))
    for department, _role in units.values():
        if department.county_id != program.county_id:
            raise ValidationError(f"单位“{department}”不属于本试点项目所在县。")
    return units


@transaction.atomic
def task_create(
    *,
    actor,
    program,
    code: str,
    title: str,
    text: str,
    start_date: datetime.date,
    deadline: datetime.date,
    lead: list[Department],
    cooperating: list[Department] = (),
    townships=None,
    all_townships: bool = False,
    version: int | None = None,
    figures: list[tuple[str, str]] | None = None,
    **fields,
) -> Task:
    """A task with its units and periods. `townships` (or all of the program county's when
    `all_townships`) report through their township governments."""
    require(permissions.can_manage_tasks(actor), "只有县领导小组办公室可以新建任务。")
    if not PilotProgram.objects.editable_by(actor).filter(pk=program.pk).exists():
        raise ValidationError({"program": "试点项目不存在或不在您的管辖范围内。"})
    task = Task(
        program=program,
        code=code,
        title=title,
        text=text,
        start_date=start_date,
        deadline=deadline,
        applies_to_all_townships=all_townships,
        **fields,
    )
    task.full_clean()
    if task.cadence_kind:
        cadence.expand(
            kind=task.cadence_kind,
            start=start_date,
            deadline=deadline,
            months=task.cadence_months,
            dates=task.cadence_dates,
        )
    task.save()
    units = _task_units(
        program=program, lead=lead, cooperating=cooperating, townships=townships, all_townships=all_townships
    )
    TaskAssignment.objects.bulk_create(
        [TaskAssignment(task=task, department=department, role=role) for department, role in units.values()]
    )
    task_sync_periods(task=task)
    _set_figures(task, figures)
    audit.record(actor=actor, instance=task, action=AuditAction.CREATE)
    return task


@transaction.atomic
def task_figures_set(*, actor, task: Task, figures: list[tuple[str, str]]) -> Task:
    """Only the task's figures (name, unit), as the task form sets them with the rest."""
    require(permissions.can_manage_tasks(actor), "只有县领导小组办公室可以修改任务。")
    task = Task.objects.editable_by(actor).select_for_update().get(pk=task.pk)
    if _set_figures(task, figures):
        audit.record(actor=actor, instance=task, action=AuditAction.UPDATE, note="报告数据项已调整")
    return task


def _set_figures(task: Task, figures: list[tuple[str, str]] | None) -> bool:
    """Make the task's figures the (name, unit) list, in its order; a figure keeps its id (and
    so the values reports hold) while its name stays. None leaves them as they are."""
    if figures is None:
        return False
    current = {figure.name: figure for figure in task.figures.all()}
    wanted = {name for name, _ in figures}
    dropped = [figure.pk for name, figure in current.items() if name not in wanted]
    changed = bool(dropped)
    TaskFigure.objects.filter(pk__in=dropped).delete()
    for order, (name, unit) in enumerate(figures):
        figure = current.get(name)
        if figure is None:
            figure = TaskFigure(task=task, name=name, unit=unit, order=order)
        elif (figure.unit, figure.order) == (unit, order):
            continue
        figure.unit, figure.order = unit, order
        figure.full_clean(exclude=["task"])
        figure.save()
        changed = True
    return changed


TASK_EDITABLE_FIELDS = (
    "code",
    "section",
    "title",
    "text",
    "phase",
    "start_date",
    "deadline",
    "deadline_text",
    "other_units_cooperate",
    "cadence_kind",
    "cadence_months",
    "cadence_dates",
    "completion_standard",
)


@transaction.atomic
def task_update(
    *,
    actor,
    task: Task,
    lead: list[Department],
    cooperating: list[Department] = (),
    townships=None,
    all_townships: bool = False,
    version: int | None = None,
    figures: list[tuple[str, str]] | None = None,
    **fields,
) -> Task:
    """Change a task, its units, its cadence and (unless `figures` is None) its figures. A unit
    that has already reported cannot be taken off the task, and periods with reports survive a
    cadence change (task_sync_periods). `version` is the one the editor saw; a stale one is
    refused."""
    require(permissions.can_manage_tasks(actor), "只有县领导小组办公室可以修改任务。")
    task = Task.objects.editable_by(actor).select_for_update().select_related("program__county").get(pk=task.pk)
    locking.claim_version(task, version)
    before = audit.snapshot(task)
    unknown = set(fields) - set(TASK_EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(f"字段 {', '.join(sorted(unknown))} 不可修改。")
    for name, value in fields.items():
        setattr(task, name, value)
    task.applies_to_all_townships = all_townships
    task.full_clean()
    cadence.expand(
        kind=task.cadence_kind,
        start=task.start_date,
        deadline=task.deadline,
        months=task.cadence_months,
        dates=task.cadence_dates,
    )
    units = _task_units(
        program=task.program, lead=lead, cooperating=cooperating, townships=townships, all_townships=all_townships
    )
    current = {a.department_id: a for a in task.assignments.select_related("department")}
    dropped = [a for unit_id, a in current.items() if unit_id not in units]
    reported = ProgressReport.objects.filter(task=task, department__in=[a.department_id for a in dropped])
    names = sorted({report.department.name for report in reported.select_related("department")})
    if names:
        raise ValidationError(f"{'、'.join(names)}已报送过本任务的报告，不能从任务中移除。")
    TaskAssignment.objects.filter(pk__in=[a.pk for a in dropped]).delete()
    for unit_id, (department, role) in units.items():
        assignment = current.get(unit_id)
        if assignment is None:
            TaskAssignment.objects.create(task=task, department=department, role=role)
        elif assignment.role != role:
            TaskAssignment.objects.filter(pk=assignment.pk).update(role=role)
    task.save()
    task_sync_periods(task=task)
    changed_units = sorted(units) != sorted(current)
    changed_figures = _set_figures(task, figures)
    notes = ["责任单位已调整" if changed_units else "", "报告数据项已调整" if changed_figures else ""]
    audit.record(
        actor=actor,
        instance=task,
        action=AuditAction.UPDATE,
        before=before,
        note="；".join(note for note in notes if note),
    )
    return task


@transaction.atomic
def task_close_out(*, actor, task: Task, note: str) -> Task:
    """销号: the work is done; the task takes no more reports and leaves the reminder scan."""
    require(permissions.can_manage_tasks(actor), "只有县领导小组办公室可以销号。")
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": "销号须填写说明。"})
    task = Task.objects.editable_by(actor).select_for_update().get(pk=task.pk)
    if task.status == TaskStatus.CLOSED_OUT:
        raise ValidationError("该任务已销号。")
    before = audit.snapshot(task)
    locking.bump_version(task)
    task.status = TaskStatus.CLOSED_OUT
    task.closed_out_at = timezone.now()
    task.closed_out_by = actor
    task.close_out_note = note
    task.save()
    audit.record(actor=actor, instance=task, action=AuditAction.UPDATE, before=before)
    return task


@transaction.atomic
def task_reopen(*, actor, task: Task, reason: str) -> Task:
    require(permissions.can_manage_tasks(actor), "只有县领导小组办公室可以撤销销号。")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "撤销销号须填写原因。"})
    task = Task.objects.editable_by(actor).select_for_update().get(pk=task.pk)
    if task.status != TaskStatus.CLOSED_OUT:
        raise ValidationError("该任务未销号。")
    before = audit.snapshot(task)
    locking.bump_version(task)
    task.status = TaskStatus.OPEN
    task.closed_out_at = None
    task.closed_out_by = None
    task.save()
    audit.record(actor=actor, instance=task, action=AuditAction.UPDATE, before=before, note=f"撤销销号：{reason}")
    return task


def lock_date(period: ReportingPeriod, *, calendar: workdays.WorkCalendar | None = None) -> datetime.date:
    """The last day a period's reports may be written without the county office unlocking it:
    the program's report_lock_days after the due date, in calendar or working days."""
    program = period.task.program
    if program.report_lock_unit != DurationUnit.WORKING:
        return period.due_date + datetime.timedelta(days=program.report_lock_days)
    calendar = calendar or workdays.WorkCalendar.load()
    return calendar.add_workdays(period.due_date, program.report_lock_days)


def is_locked(*, period: ReportingPeriod, department: Department, today: datetime.date | None = None) -> bool:
    today = today or timezone.localdate()
    if today <= lock_date(period):
        return False
    return not ReportUnlock.objects.filter(period=period, department=department, until__gte=today).exists()


@transaction.atomic
def period_unlock(
    *, actor, period: ReportingPeriod, department: Department, reason: str, until: datetime.date
) -> ReportUnlock:
    require(permissions.can_manage_tasks(actor), "只有县领导小组办公室可以解锁。")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "解锁须填写原因。"})
    if not ReportingPeriod.objects.visible_to(actor).filter(pk=period.pk).exists():
        raise ValidationError("报送期不存在。")
    if not period.task.assignments.filter(department=department).exists():
        raise ValidationError(f"“{department}”不是该任务的责任单位。")
    unlock = ReportUnlock(
        period=period, department=department, reason=(reason or "").strip(), until=until, unlocked_by=actor
    )
    unlock.full_clean()
    if until < timezone.localdate():
        raise ValidationError({"until": "解锁截止日期不能早于今天。"})
    unlock.save()
    audit.record(actor=actor, instance=unlock, action=AuditAction.CREATE, note=unlock.reason)
    return unlock


EDITABLE_STATUSES = (ReportStatus.DRAFT, ReportStatus.RETURNED)


@transaction.atomic
def report_save(
    *,
    actor,
    period: ReportingPeriod,
    submit: bool,
    text: str = "",
    percent_complete: int = 0,
    figures: dict | None = None,
    signed_by_principal: bool = False,
    today: datetime.date | None = None,
    version: int | None = None,
) -> ProgressReport:
    """Write the actor's unit's report for a period, as a draft or submitted. A submitted or
    accepted report cannot be changed; a returned one can, and is submitted again. `version` is
    the one the editor saw (0: no report yet); a stale one is refused."""
    require(permissions.can_report(actor), "您的角色不能报送进度。")
    unit = village_services.unit_for(actor)
    period = (
        ReportingPeriod.objects.visible_to(actor).select_related("task", "task__program").filter(pk=period.pk).first()
    )
    if unit is None or period is None or not period.task.assignments.filter(department=unit).exists():
        raise ValidationError("该任务不在您单位的职责范围内。")
    task = period.task
    if task.status == TaskStatus.CLOSED_OUT:
        raise ValidationError("该任务已销号，不再接收报告。")
    if is_locked(period=period, department=unit, today=today):
        raise ValidationError(f"本期已于 {lock_date(period):%Y-%m-%d} 锁定，如需补报请联系县领导小组办公室解锁。")
    report = ProgressReport.objects.select_for_update().filter(period=period, department=unit).first()
    if report is None:
        report = ProgressReport(task=task, period=period, department=unit)
        before, action = None, AuditAction.CREATE
    else:
        if report.status not in EDITABLE_STATUSES:
            raise ValidationError(f"报告{report.get_status_display()}，不能修改。")
        locking.claim_version(report, version)
        before, action = audit.snapshot(report), AuditAction.UPDATE
    report.text = text
    report.percent_complete = percent_complete
    report.figures = task_figures.clean_values(task.figures.all(), figures)
    report.signed_by_principal = signed_by_principal
    if submit:
        _check_submittable(report)
        now = timezone.now()
        report.status = ReportStatus.SUBMITTED
        report.submitted_at = now
        report.submitted_by = actor
        report.first_submitted_at = report.first_submitted_at or now
    report.full_clean()
    report.save()
    audit.record(actor=actor, instance=report, action=action, before=before)
    return report


def requires_principal_signature(period: ReportingPeriod) -> bool:
    """Half-year and year summaries (R-G5) are the reports of a task reporting on fixed dates
    of the year (06-15, 11-30); the principal leader signs them before they go to the county."""
    return period.task.cadence_kind == CadenceKind.FIXED_DATES


def _check_submittable(report: ProgressReport) -> None:
    """What a submitted report must hold, every missing thing at once; a draft may lack them."""
    errors = {}
    if not report.text.strip() and not (report.pk and report.attachments.exists()):
        errors["text"] = "请填写进展情况或上传附件后再提交（只填完成进度不能提交）。"
    if requires_principal_signature(report.period) and not report.signed_by_principal:
        errors["signed_by_principal"] = "半年总结和年度总结须经单位主要领导签字后提交，请签字后勾选“经主要领导签字”。"
    if errors:
        raise ValidationError(errors)


def _review(actor, report: ProgressReport, *, status: str, reason: str = "") -> ProgressReport:
    """Exactly one reviewer wins: the UPDATE only matches a report still 已提交."""
    require(permissions.can_review_reports(actor), "只有县领导小组办公室可以审核报告。")
    visible = ProgressReport.objects.visible_to(actor)
    if not visible.filter(pk=report.pk).exists():
        raise ValidationError("报告不存在。")
    before = audit.snapshot(ProgressReport.objects.get(pk=report.pk))
    changed = ProgressReport.objects.filter(pk=report.pk, status=ReportStatus.SUBMITTED).update(
        status=status,
        reviewed_by=actor,
        reviewed_at=timezone.now(),
        return_reason=reason,
        updated_at=timezone.now(),
        # A unit's edit form opened before the review is stale now.
        version=F("version") + 1,
    )
    if changed != 1:
        raise ValidationError("只有“已提交”的报告可以审核（可能已被他人处理）。")
    report = ProgressReport.objects.select_related("task", "period", "department").get(pk=report.pk)
    audit.record(actor=actor, instance=report, action=AuditAction.UPDATE, before=before)
    _notify_unit(report)
    return report


def _notify_unit(report: ProgressReport) -> None:
    """The review in the inbox of the unit that reported. The version (bumped by each review)
    makes the source unique: returned, resubmitted and returned again notifies twice."""
    subject = f"{report.task.code} {report.task.title}（{report.period.label}）"
    if report.status == ReportStatus.RETURNED:
        title = f"【报告被退回】{subject}"
        body = f"退回原因：{report.return_reason}。请修改后重新提交。"
    else:
        title = f"【报告已通过】{subject}"
        body = "县领导小组办公室已审核通过。"
    notifications.notify(
        users=village_services.unit_users(report.department),
        source=f"report:{report.pk}:{report.status}:{report.version}",
        title=title,
        body=body,
        link=report.get_absolute_url(),
    )


@transaction.atomic
def report_accept(*, actor, report: ProgressReport) -> ProgressReport:
    return _review(actor, report, status=ReportStatus.ACCEPTED)


@transaction.atomic
def report_return(*, actor, report: ProgressReport, reason: str) -> ProgressReport:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "退回须填写原因。"})
    return _review(actor, report, status=ReportStatus.RETURNED, reason=reason)


@transaction.atomic
def attachment_add(*, actor, report: ProgressReport, upload) -> ReportAttachment:
    """Attach a file to the actor's own editable report, checking size, extension and the
    file's first bytes."""
    report = ProgressReport.objects.editable_by(actor).select_for_update().filter(pk=report.pk).first()
    if report is None:
        raise ValidationError("报告不存在或不属于您的单位。")
    if report.status not in EDITABLE_STATUSES:
        raise ValidationError(f"报告{report.get_status_display()}，不能再添加附件。")
    name = uploads.checked_attachment_name(upload)
    attachment = ReportAttachment(report=report, original_name=name, size=upload.size, uploaded_by=actor)
    attachment.file.save(name, upload, save=False)
    attachment.save()
    audit.record(actor=actor, instance=attachment, action=AuditAction.CREATE, note=f"报告附件：{name}")
    return attachment
