import re
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse

from assessments import querysets
from assessments.choices import Grade, InspectionStatus, RectificationStatus, TemplateStatus
from pilot_admin.choices import ReminderKind
from pilot_admin.models import TimeStampedModel, VersionedModel
from pilot_admin.reversing import reverse_id

TOTAL_POINTS = Decimal("100")  # R-F3: the scale itself, "采用百分制".


class ScoreTemplate(TimeStampedModel):
    """The 100-point sheet of a program for a year: items grouped in sections. Published, it is
    locked; the next year starts as a copy."""

    program = models.ForeignKey(
        "villages.PilotProgram", verbose_name="试点项目", on_delete=models.PROTECT, related_name="score_templates"
    )
    year = models.PositiveSmallIntegerField("年度")
    name = models.CharField("名称", max_length=200)
    status = models.CharField("状态", max_length=20, choices=TemplateStatus.choices, default=TemplateStatus.DRAFT)
    published_at = models.DateTimeField("发布时间", null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="发布人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    copied_from = models.ForeignKey(
        "self", verbose_name="复制自", on_delete=models.SET_NULL, null=True, blank=True, related_name="copies"
    )

    objects = querysets.ScoreTemplateQuerySet.as_manager()

    class Meta:
        verbose_name = "评分表"
        verbose_name_plural = "评分表"
        ordering = ["program", "-year"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "year"],
                name="scoretemplate_once_per_program_year",
                violation_error_message="该项目本年度已有评分表。",
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("assessments:template_detail", args=[self.pk])


class ScoreSection(models.Model):
    template = models.ForeignKey(
        ScoreTemplate, verbose_name="评分表", on_delete=models.CASCADE, related_name="sections"
    )
    order = models.PositiveSmallIntegerField("序号")
    title = models.CharField("部分", max_length=100)

    class Meta:
        verbose_name = "评分表部分"
        verbose_name_plural = "评分表部分"
        ordering = ["template", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["template", "order"], name="scoresection_unique_order", violation_error_message="序号重复。"
            ),
        ]

    def __str__(self):
        return self.title


class ScoreItem(models.Model):
    template = models.ForeignKey(ScoreTemplate, verbose_name="评分表", on_delete=models.CASCADE, related_name="items")
    section = models.ForeignKey(ScoreSection, verbose_name="部分", on_delete=models.CASCADE, related_name="items")
    code = models.CharField("编号", max_length=10)
    order = models.PositiveSmallIntegerField("序号")
    title = models.CharField("评分项目", max_length=300)
    guidance = models.TextField("评分说明", blank=True)
    max_points = models.DecimalField("满分", max_digits=4, decimal_places=1)

    class Meta:
        verbose_name = "评分项目"
        verbose_name_plural = "评分项目"
        ordering = ["template", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["template", "code"], name="scoreitem_unique_code", violation_error_message="评分项目编号重复。"
            ),
            models.CheckConstraint(
                condition=Q(max_points__gt=0), name="scoreitem_max_positive", violation_error_message="满分应大于0。"
            ),
        ]

    def __str__(self):
        return f"{self.code} {self.title}"


class Inspection(TimeStampedModel, VersionedModel):
    """The yearly inspection of a pilot village: 草稿 → 已提交 → 已确认 (locked). A re-inspection
    after rectification is a new Inspection pointing at the original, which stays."""

    pilot = models.ForeignKey(
        "villages.PilotAssignment", verbose_name="试点村", on_delete=models.PROTECT, related_name="inspections"
    )
    year = models.PositiveSmallIntegerField("年度")
    template = models.ForeignKey(
        ScoreTemplate, verbose_name="评分表", on_delete=models.PROTECT, related_name="inspections"
    )
    inspectors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name="检查组成员", related_name="inspections", blank=True
    )
    outside_members = models.CharField("外聘成员", max_length=300, blank=True)
    inspected_on = models.DateField("检查日期", null=True, blank=True)
    status = models.CharField("状态", max_length=20, choices=InspectionStatus.choices, default=InspectionStatus.DRAFT)
    total = models.DecimalField("总分", max_digits=4, decimal_places=1, null=True, blank=True)
    grade = models.CharField("等次", max_length=20, choices=Grade.choices, blank=True)
    original = models.ForeignKey(
        "self", verbose_name="原检查", on_delete=models.PROTECT, null=True, blank=True, related_name="reinspections"
    )
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="提交人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    confirmed_at = models.DateTimeField("确认时间", null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="确认人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = querysets.InspectionQuerySet.as_manager()

    class Meta:
        verbose_name = "检查验收"
        verbose_name_plural = "检查验收"
        ordering = ["-year", "pilot__village__township__name", "pilot__village__name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["pilot", "year"],
                condition=Q(original__isnull=True),
                name="inspection_once_per_pilot_year",
                violation_error_message="该试点村本年度已有检查验收（整改后请建复查）。",
            ),
            models.CheckConstraint(
                condition=Q(total__isnull=True) | (Q(total__gte=0) & Q(total__lte=TOTAL_POINTS)),
                name="inspection_total_within_100",
                violation_error_message="总分应在0到100之间。",
            ),
            models.CheckConstraint(
                condition=~Q(status=InspectionStatus.CONFIRMED) | (Q(total__isnull=False) & ~Q(grade="")),
                name="inspection_confirmed_is_scored",
                violation_error_message="确认的检查须有总分和等次。",
            ),
        ]
        indexes = [
            # Rankings and the township summary: confirmed inspections of a year.
            models.Index(fields=["year", "status"], name="inspection_year_status_idx"),
        ]

    def __str__(self):
        return f"{self.year}年 {self.pilot.village.name} 检查验收"

    def get_absolute_url(self):
        return reverse_id("assessments:inspection_detail", self.pk)


class ItemScore(models.Model):
    inspection = models.ForeignKey(Inspection, verbose_name="检查", on_delete=models.CASCADE, related_name="scores")
    item = models.ForeignKey(ScoreItem, verbose_name="评分项目", on_delete=models.PROTECT, related_name="scores")
    points = models.DecimalField("得分", max_digits=4, decimal_places=1)
    reason = models.TextField("扣分理由", blank=True)
    rectify = models.BooleanField("列入整改", default=False)

    class Meta:
        verbose_name = "项目得分"
        verbose_name_plural = "项目得分"
        ordering = ["inspection", "item__order"]
        constraints = [
            models.UniqueConstraint(
                fields=["inspection", "item"], name="itemscore_once_per_item", violation_error_message="该项目已评分。"
            ),
            models.CheckConstraint(
                condition=Q(points__gte=0), name="itemscore_not_negative", violation_error_message="得分不能为负数。"
            ),
        ]

    def __str__(self):
        return f"{self.item.code}: {self.points}"


def _evidence_path(instance, filename):
    return f"inspections/{instance.inspection_id}/{filename}"


class InspectionEvidence(TimeStampedModel):
    inspection = models.ForeignKey(Inspection, verbose_name="检查", on_delete=models.CASCADE, related_name="evidence")
    item = models.ForeignKey(
        ScoreItem, verbose_name="评分项目", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    file = models.FileField("佐证材料", upload_to=_evidence_path)
    original_name = models.CharField("文件名", max_length=255)
    size = models.PositiveIntegerField("大小（字节）")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="上传人", on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "佐证材料"
        verbose_name_plural = "佐证材料"
        ordering = ["created_at"]

    def __str__(self):
        return self.original_name


class Rectification(TimeStampedModel):
    """整改: one item to put right by a deadline, with the evidence of completion."""

    inspection = models.ForeignKey(
        Inspection, verbose_name="检查", on_delete=models.PROTECT, related_name="rectifications"
    )
    item = models.ForeignKey(ScoreItem, verbose_name="评分项目", on_delete=models.PROTECT, related_name="+")
    issue = models.TextField("问题")
    responsible_unit = models.ForeignKey(
        "villages.Department", verbose_name="责任单位", on_delete=models.PROTECT, related_name="rectifications"
    )
    deadline = models.DateField("整改期限")
    status = models.CharField(
        "状态", max_length=20, choices=RectificationStatus.choices, default=RectificationStatus.OPEN
    )
    evidence_text = models.TextField("整改情况", blank=True)
    submitted_at = models.DateTimeField("报送时间", null=True, blank=True)
    verified_at = models.DateTimeField("验收时间", null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="验收人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = querysets.RectificationQuerySet.as_manager()

    class Meta:
        verbose_name = "整改"
        verbose_name_plural = "整改"
        ordering = ["deadline", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["inspection", "item"],
                name="rectification_once_per_item",
                violation_error_message="该项目已列入整改。",
            ),
            models.CheckConstraint(
                condition=~Q(status=RectificationStatus.VERIFIED) | Q(verified_at__isnull=False),
                name="rectification_verified_has_time",
                violation_error_message="验收须记录验收时间。",
            ),
        ]
        indexes = [
            # The reminder scan: open rectifications by deadline.
            models.Index(fields=["status", "deadline"], name="rectification_status_due_idx"),
        ]

    def __str__(self):
        return f"{self.item.code} {self.issue[:30]}"

    def get_absolute_url(self):
        return reverse("assessments:rectification_detail", args=[self.pk])


class RectificationReminder(models.Model):
    """One reminder of one rectification of one kind for one deadline; the unique constraint
    makes a doubled daily scan harmless, as for report reminders."""

    rectification = models.ForeignKey(
        Rectification, verbose_name="整改", on_delete=models.CASCADE, related_name="reminders"
    )
    kind = models.CharField("类型", max_length=20, choices=ReminderKind.choices)
    due_date = models.DateField("整改期限")
    scan_date = models.DateField("扫描日期")
    created_at = models.DateTimeField("生成时间", auto_now_add=True)
    notified_at = models.DateTimeField("通知时间", null=True, blank=True)

    class Meta:
        verbose_name = "整改提醒"
        verbose_name_plural = "整改提醒"
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["rectification", "kind", "due_date"],
                name="rectificationreminder_once_per_kind_due",
                violation_error_message="该提醒已生成。",
            ),
        ]
        indexes = [models.Index(fields=["notified_at"], name="rect_reminder_notified_idx")]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.rectification}"


# GB/T 9704-2012 7.2.4: 发文字号 is the issuer's code, the year in 六角括号 〔〕, and the
# sequence number without leading zeros (不编虚位) and without 第.
DOCUMENT_NUMBER_PATTERN = r"^[\u4e00-\u9fff]{1,20}〔(19|20)\d{2}〕[1-9]\d{0,3}号$"


class CircularIssue(TimeStampedModel):
    """The 文号 and 落款 of a program year's 通报 (R-F results circular): what makes the printed
    results a document the county files, kept as data the county office edits."""

    program = models.ForeignKey(
        "villages.PilotProgram", verbose_name="试点项目", on_delete=models.PROTECT, related_name="circular_issues"
    )
    year = models.PositiveSmallIntegerField("年度")
    number = models.CharField(
        "文号",
        max_length=40,
        validators=[
            RegexValidator(
                DOCUMENT_NUMBER_PATTERN,
                "文号应为“发文机关代字〔年份〕序号号”，如“巴民发〔2019〕12号”：年份用六角括号〔〕，序号不编虚位、不加“第”。",
            )
        ],
    )
    addressees = models.CharField("主送机关", max_length=200, blank=True)
    issuer = models.CharField("发文机关署名", max_length=100)
    issued_on = models.DateField("成文日期")

    objects = querysets.CircularIssueQuerySet.as_manager()

    class Meta:
        verbose_name = "通报文号与落款"
        verbose_name_plural = "通报文号与落款"
        ordering = ["program", "-year"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "year"],
                name="circularissue_once_per_program_year",
                violation_error_message="该项目本年度的通报已有文号。",
            ),
        ]

    def clean(self):
        # The year in 〔〕 is the year the document is dated (GB/T 9704 7.2.4 and 7.3.5.1).
        match = re.search(r"〔(\d{4})〕", self.number or "")
        if match and self.issued_on and int(match.group(1)) != self.issued_on.year:
            raise ValidationError(
                {"number": f"文号中的年份 {match.group(1)} 应与成文日期的年份 {self.issued_on.year} 一致。"}
            )

    def __str__(self):
        return f"{self.number} {self.program.name} {self.year}年度通报"

    def get_absolute_url(self):
        return f"{reverse('assessments:circular')}?program={self.program.code}&year={self.year}"
