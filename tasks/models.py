from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse

from pilot_admin.choices import ReminderKind
from pilot_admin.models import TimeStampedModel, VersionedModel
from pilot_admin.reversing import reverse_id
from tasks import querysets
from tasks.choices import AssignmentRole, CadenceKind, Phase, ReportStatus, TaskStatus, UnlockRequestStatus


class Task(TimeStampedModel, VersionedModel):
    """A duty of the plan (S0 §四; SPEC §5.2) with its units, phase, deadline and the cadence on
    which its units report."""

    program = models.ForeignKey(
        "villages.PilotProgram", verbose_name="试点项目", on_delete=models.PROTECT, related_name="tasks"
    )
    code = models.CharField("编号", max_length=30)
    section = models.CharField("方案条目", max_length=30, blank=True)
    title = models.CharField("任务名称", max_length=200)
    text = models.TextField("任务内容（原文）")
    phase = models.CharField("阶段", max_length=20, choices=Phase.choices, default=Phase.IMPLEMENT)
    start_date = models.DateField("开始日期")
    deadline = models.DateField("完成时限")
    # How the plan wrote the deadline ("2020年底", "长期坚持"), kept beside the date it stands for:
    # a standing duty has no date of its own and runs to the program's end (see services_plan).
    deadline_text = models.CharField("完成时限（原文）", max_length=50, blank=True)
    other_units_cooperate = models.BooleanField(
        "各有关部门配合", default=False, help_text="分工表写有“各有关部门配合”等泛指，未列出具体单位。"
    )
    applies_to_all_townships = models.BooleanField("适用于全部乡镇", default=False)
    cadence_kind = models.CharField(
        "报送周期", max_length=20, choices=CadenceKind.choices, default=CadenceKind.EVERY_N_MONTHS
    )
    cadence_months = models.PositiveSmallIntegerField(
        "间隔月数", null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    cadence_dates = models.JSONField(
        "固定报送日期", default=list, blank=True, help_text='每年的月-日，如 ["06-15", "11-30"]。'
    )
    completion_standard = models.TextField("完成标准", blank=True)
    status = models.CharField("状态", max_length=20, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    closed_out_at = models.DateTimeField("销号时间", null=True, blank=True)
    closed_out_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="销号人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    close_out_note = models.TextField("销号说明", blank=True)
    departments = models.ManyToManyField(
        "villages.Department", through="TaskAssignment", verbose_name="责任单位", related_name="tasks"
    )

    objects = querysets.TaskQuerySet.as_manager()

    class Meta:
        verbose_name = "任务"
        verbose_name_plural = "任务"
        ordering = ["program", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "code"],
                name="task_unique_code_in_program",
                violation_error_message="同一试点项目内任务编号不能重复。",
            ),
            models.CheckConstraint(
                condition=Q(deadline__gte=F("start_date")),
                name="task_deadline_after_start",
                violation_error_message="完成时限不能早于开始日期。",
            ),
            models.CheckConstraint(
                condition=~Q(cadence_kind=CadenceKind.EVERY_N_MONTHS) | Q(cadence_months__gte=1),
                name="task_interval_cadence_has_months",
                violation_error_message="“每N个月”报送须填写间隔月数。",
            ),
            models.CheckConstraint(
                condition=~Q(status=TaskStatus.CLOSED_OUT) | Q(closed_out_at__isnull=False),
                name="task_closed_out_has_time",
                violation_error_message="销号须记录销号时间。",
            ),
        ]

    def __str__(self):
        return f"{self.code} {self.title}"

    def get_absolute_url(self):
        return reverse_id("tasks:task_detail", self.pk)


class TaskAssignment(models.Model):
    """A unit's part in a task; each one reports every period (the obligation holders)."""

    task = models.ForeignKey(Task, verbose_name="任务", on_delete=models.CASCADE, related_name="assignments")
    department = models.ForeignKey(
        "villages.Department", verbose_name="单位", on_delete=models.PROTECT, related_name="assignments"
    )
    role = models.CharField("职责", max_length=20, choices=AssignmentRole.choices)
    verbatim = models.CharField("原文写法", max_length=100, blank=True)

    objects = querysets.TaskAssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = "任务分工"
        verbose_name_plural = "任务分工"
        ordering = ["task", "role", "department__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["task", "department"],
                name="taskassignment_once_per_unit",
                violation_error_message="该单位已在本任务的分工中。",
            ),
        ]

    def __str__(self):
        return f"{self.task.code} {self.department}（{self.get_role_display()}）"


class ReportingPeriod(models.Model):
    """One reporting period of a task, expanded from its cadence by tasks.cadence."""

    task = models.ForeignKey(Task, verbose_name="任务", on_delete=models.CASCADE, related_name="periods")
    label = models.CharField("期次", max_length=50)
    start = models.DateField("起")
    end = models.DateField("止")
    due_date = models.DateField("报送截止日")

    objects = querysets.ReportingPeriodQuerySet.as_manager()

    class Meta:
        verbose_name = "报送期"
        verbose_name_plural = "报送期"
        ordering = ["task", "due_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["task", "due_date"],
                name="reportingperiod_unique_due_date",
                violation_error_message="同一任务同一截止日只能有一个报送期。",
            ),
            models.CheckConstraint(
                condition=Q(end__gte=F("start")),
                name="reportingperiod_end_after_start",
                violation_error_message="报送期结束日期不能早于开始日期。",
            ),
        ]
        indexes = [
            # The reminder scan and the ledger select periods by due date.
            models.Index(fields=["due_date"], name="period_due_date_idx"),
        ]

    def __str__(self):
        return f"{self.task.code} {self.label}"


class ProgressReport(TimeStampedModel, VersionedModel):
    """A unit's report on a task for one period: 草稿 → 已提交 → 退回 / 已采纳 (locked)."""

    task = models.ForeignKey(Task, verbose_name="任务", on_delete=models.PROTECT, related_name="reports")
    period = models.ForeignKey(ReportingPeriod, verbose_name="报送期", on_delete=models.PROTECT, related_name="reports")
    department = models.ForeignKey(
        "villages.Department", verbose_name="报送单位", on_delete=models.PROTECT, related_name="reports"
    )
    text = models.TextField("进展情况", blank=True)
    percent_complete = models.PositiveSmallIntegerField("完成进度（%）", default=0, validators=[MaxValueValidator(100)])
    figures = models.JSONField("数据", default=dict, blank=True)
    signed_by_principal = models.BooleanField("经主要领导签字", default=False)
    status = models.CharField("状态", max_length=20, choices=ReportStatus.choices, default=ReportStatus.DRAFT)
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="提交人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reviewed_at = models.DateTimeField("审核时间", null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审核人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    return_reason = models.CharField("退回原因", max_length=500, blank=True)
    first_submitted_at = models.DateTimeField(
        "首次提交时间", null=True, blank=True, help_text="及时率按首次提交时间计算。"
    )

    objects = querysets.ProgressReportQuerySet.as_manager()

    class Meta:
        verbose_name = "进度报告"
        verbose_name_plural = "进度报告"
        ordering = ["-period__due_date", "department__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["period", "department"],
                name="progressreport_once_per_unit_period",
                violation_error_message="该单位本期已有报告。",
            ),
            models.CheckConstraint(
                condition=Q(percent_complete__lte=100),
                name="progressreport_percent_at_most_100",
                violation_error_message="完成进度不能超过100%。",
            ),
            models.CheckConstraint(
                condition=~Q(status=ReportStatus.RETURNED) | ~Q(return_reason=""),
                name="progressreport_returned_has_reason",
                violation_error_message="退回须填写原因。",
            ),
        ]
        indexes = [
            # Completeness and the ledger look reports up by status within periods.
            models.Index(fields=["period", "status"], name="report_period_status_idx"),
        ]

    def __str__(self):
        return f"{self.department} · {self.period}"

    def get_absolute_url(self):
        return reverse_id("tasks:report_detail", self.pk)


def _attachment_path(instance, filename):
    return f"reports/{instance.report_id}/{filename}"


class ReportAttachment(TimeStampedModel):
    report = models.ForeignKey(
        ProgressReport, verbose_name="报告", on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField("附件", upload_to=_attachment_path)
    original_name = models.CharField("文件名", max_length=255)
    size = models.PositiveIntegerField("大小（字节）")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="上传人", on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "报告附件"
        verbose_name_plural = "报告附件"
        ordering = ["created_at"]

    def __str__(self):
        return self.original_name


class ReportUnlock(models.Model):
    """The county office reopens one unit's locked period, with a reason, until a date."""

    period = models.ForeignKey(ReportingPeriod, verbose_name="报送期", on_delete=models.CASCADE, related_name="unlocks")
    department = models.ForeignKey(
        "villages.Department", verbose_name="报送单位", on_delete=models.PROTECT, related_name="unlocks"
    )
    reason = models.CharField("解锁原因", max_length=300)
    until = models.DateField("解锁至")
    unlocked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="解锁人", on_delete=models.PROTECT, related_name="+"
    )
    unlocked_at = models.DateTimeField("解锁时间", auto_now_add=True)

    class Meta:
        verbose_name = "报告解锁"
        verbose_name_plural = "报告解锁"
        ordering = ["-unlocked_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(reason=""),
                name="reportunlock_has_reason",
                violation_error_message="解锁须填写原因。",
            ),
        ]

    def __str__(self):
        return f"{self.department} · {self.period} 解锁至 {self.until}"


class ReportUnlockRequest(models.Model):
    """申请补报: a unit asks the county office to reopen its locked period, with a reason. The
    office grants it (creating the ReportUnlock, until a date) or refuses it with a reason."""

    period = models.ForeignKey(
        ReportingPeriod, verbose_name="报送期", on_delete=models.CASCADE, related_name="unlock_requests"
    )
    department = models.ForeignKey(
        "villages.Department", verbose_name="报送单位", on_delete=models.PROTECT, related_name="unlock_requests"
    )
    reason = models.CharField("补报原因", max_length=300)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="申请人", on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField("申请时间", auto_now_add=True)
    status = models.CharField(
        "状态", max_length=20, choices=UnlockRequestStatus.choices, default=UnlockRequestStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="处理人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField("处理时间", null=True, blank=True)
    refusal_reason = models.CharField("不同意的原因", max_length=300, blank=True)
    unlock = models.OneToOneField(
        ReportUnlock,
        verbose_name="解锁记录",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="request",
    )

    objects = querysets.ReportUnlockRequestQuerySet.as_manager()

    class Meta:
        verbose_name = "补报申请"
        verbose_name_plural = "补报申请"
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["period", "department"],
                condition=Q(status=UnlockRequestStatus.PENDING),
                name="unlockrequest_one_pending_per_unit_period",
                violation_error_message="本期已有待处理的补报申请。",
            ),
            models.CheckConstraint(
                condition=~Q(reason=""),
                name="unlockrequest_has_reason",
                violation_error_message="申请补报须填写原因。",
            ),
            models.CheckConstraint(
                condition=~Q(status=UnlockRequestStatus.REFUSED) | ~Q(refusal_reason=""),
                name="unlockrequest_refused_has_reason",
                violation_error_message="不同意补报须填写原因。",
            ),
            models.CheckConstraint(
                condition=~Q(status=UnlockRequestStatus.GRANTED) | Q(unlock__isnull=False),
                name="unlockrequest_granted_has_unlock",
                violation_error_message="同意补报须记录解锁。",
            ),
            models.CheckConstraint(
                condition=Q(status=UnlockRequestStatus.PENDING) | Q(decided_at__isnull=False, decided_by__isnull=False),
                name="unlockrequest_decided_has_decider",
                violation_error_message="处理补报申请须记录处理人和时间。",
            ),
        ]
        indexes = [
            # The county office's queue and its menu count: pending requests, oldest first.
            models.Index(
                fields=["requested_at"],
                condition=Q(status=UnlockRequestStatus.PENDING),
                name="unlockrequest_pending_idx",
            ),
        ]

    def __str__(self):
        return f"{self.department} · {self.period} 补报申请"

    def get_absolute_url(self):
        return reverse("tasks:report_edit", args=[self.period_id])


class Reminder(models.Model):
    """One reminder of one obligation (a unit's report for a period) of one kind for one due
    date. The unique constraint makes retried and doubled scans harmless."""

    # No index of its own: the unique constraint starts with the assignment and serves its
    # lookups, and every index is one more write per reminder the daily scan records.
    assignment = models.ForeignKey(
        TaskAssignment, verbose_name="任务分工", on_delete=models.CASCADE, related_name="reminders", db_index=False
    )
    period = models.ForeignKey(
        ReportingPeriod, verbose_name="报送期", on_delete=models.CASCADE, related_name="reminders"
    )
    kind = models.CharField("类型", max_length=20, choices=ReminderKind.choices)
    due_date = models.DateField("截止日")
    scan_date = models.DateField("扫描日期")
    created_at = models.DateTimeField("生成时间", auto_now_add=True)
    notified_at = models.DateTimeField("通知时间", null=True, blank=True)

    class Meta:
        verbose_name = "提醒"
        verbose_name_plural = "提醒"
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["assignment", "period", "kind", "due_date"],
                name="reminder_once_per_obligation_kind_due",
                violation_error_message="该提醒已生成。",
            ),
        ]
        indexes = [
            # The notify step claims reminders not yet notified.
            models.Index(fields=["notified_at"], name="reminder_notified_idx"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.assignment.department} · {self.period}"


class TaskFigure(models.Model):
    """A number the task's reports carry (e.g. 已建成服务站个数, 个): asked on the report form,
    stored in ProgressReport.figures under `key`, summed per period over the units."""

    task = models.ForeignKey(Task, verbose_name="任务", on_delete=models.CASCADE, related_name="figures")
    name = models.CharField("数据项", max_length=40)
    unit = models.CharField("计量单位", max_length=10, blank=True)
    order = models.PositiveSmallIntegerField("顺序", default=0)

    class Meta:
        verbose_name = "报告数据项"
        verbose_name_plural = "报告数据项"
        ordering = ["task", "order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["task", "name"],
                name="taskfigure_unique_name_in_task",
                violation_error_message="同一任务的数据项名称不能重复。",
            ),
        ]

    def __str__(self):
        return f"{self.name}（{self.unit}）" if self.unit else self.name

    @property
    def key(self) -> str:
        """The key of this figure's value in ProgressReport.figures (see tasks/figures.py)."""
        return f"f{self.pk}"
