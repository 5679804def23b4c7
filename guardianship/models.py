from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from guardianship import querysets
from guardianship.choices import (
    CivilCapacity,
    ConsentBy,
    DisabilityType,
    FindingStatus,
    Gender,
    GuardianCategory,
    GuardianKind,
    ObligorSituation,
    PersonKind,
    PersonStatus,
    Relation,
    ReplacementReason,
    SelfCareLevel,
    SupportMode,
)
from pilot_admin import crypto
from pilot_admin.choices import ReminderKind
from pilot_admin.models import TimeStampedModel, VersionedModel
from pilot_admin.reversing import reverse_id


class GuardianshipPolicy(TimeStampedModel):
    """The county's numbers for eligibility, self-care levels and visits (SPEC R-I2, R-H14,
    R-H16): data, because the national rules were revised and provinces differ (R-I6, §10.13)."""

    county = models.OneToOneField(
        "villages.County", verbose_name="县", on_delete=models.PROTECT, related_name="guardianship_policy"
    )
    elderly_min_age = models.PositiveSmallIntegerField("老年人年龄下限（周岁，含）", default=60)
    minor_age_limit = models.PositiveSmallIntegerField("未成年人年龄上限（未满，周岁）", default=16)
    intellectual_mental_max_grade = models.PositiveSmallIntegerField("智力、精神残疾等级（含）以内", default=2)
    physical_max_grade = models.PositiveSmallIntegerField("肢体残疾等级（含）以内", default=1)
    partial_min_unmet = models.PositiveSmallIntegerField("半失能：不能完成项目数下限", default=1)
    none_min_unmet = models.PositiveSmallIntegerField("全失能：不能完成项目数下限", default=4)
    visits_per_month = models.PositiveSmallIntegerField("分散供养每月最少走访次数", default=1)
    visit_warning_day = models.PositiveSmallIntegerField(
        "未走访提醒日（每月几号）", default=20, validators=[MinValueValidator(1), MaxValueValidator(28)]
    )

    class Meta:
        verbose_name = "监护照护规则"
        verbose_name_plural = "监护照护规则"
        constraints = [
            models.CheckConstraint(
                condition=Q(none_min_unmet__gt=models.F("partial_min_unmet")),
                name="policy_self_care_thresholds_ordered",
                violation_error_message="全失能的项目数下限应大于半失能的下限。",
            ),
        ]

    def __str__(self):
        return f"{self.county} 监护照护规则"


class DibaoStandard(models.Model):
    """The local minimum-living standard per county and year (R-I3)."""

    county = models.ForeignKey("villages.County", verbose_name="县", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField("年度")
    monthly_yuan = models.DecimalField("农村低保标准（元/人·月）", max_digits=8, decimal_places=2)

    class Meta:
        verbose_name = "低保标准"
        verbose_name_plural = "低保标准"
        ordering = ["county", "-year"]
        constraints = [
            models.UniqueConstraint(
                fields=["county", "year"],
                name="dibao_once_per_county_year",
                violation_error_message="该年度已有低保标准。",
            ),
        ]

    def __str__(self):
        return f"{self.year}年 {self.monthly_yuan} 元/月"


class Person(TimeStampedModel, VersionedModel):
    """A person under special-hardship support (特困人员) and the facts behind eligibility."""

    name = models.CharField("姓名", max_length=50)
    gender = models.CharField("性别", max_length=10, choices=Gender.choices)
    # Encrypted at rest (pilot_admin/crypto.py); equality goes through the keyed hash beside it,
    # which is what is unique. Birth date and sex stay in clear: the statistics count by age and
    # sex, and they are not enough to rebuild the number.
    id_number = crypto.EncryptedCharField("公民身份号码", max_length=18)
    # Empty (NULL) only for an archived person, whose number was removed.
    id_number_index = crypto.BlindIndexField("公民身份号码索引", source="id_number", unique=True, null=True)
    birth_date = models.DateField("出生日期")
    village = models.ForeignKey(
        "villages.Village", verbose_name="村（居）", on_delete=models.PROTECT, related_name="persons"
    )
    address = models.CharField("住址", max_length=200, blank=True)
    kind = models.CharField("人员类别", max_length=20, choices=PersonKind.choices)
    # Health data (PIPL art. 28): encrypted, and never counted in SQL. The self-care level stays in
    # clear because the statistics and the register's filter count by it.
    disability_type = crypto.EncryptedCharField("残疾类别", max_length=20, choices=DisabilityType.choices, blank=True)
    disability_grade = crypto.EncryptedSmallIntegerField(
        "残疾等级", null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(4)]
    )
    civil_capacity = models.CharField(
        "民事行为能力", max_length=20, choices=CivilCapacity.choices, default=CivilCapacity.FULL
    )
    support_mode = models.CharField("供养方式", max_length=20, choices=SupportMode.choices)
    institution = models.CharField("供养机构", max_length=100, blank=True)
    status = models.CharField("状态", max_length=10, choices=PersonStatus.choices, default=PersonStatus.ACTIVE)
    exit_reason = models.CharField("退出原因", max_length=200, blank=True)
    exit_date = models.DateField("退出日期", null=True, blank=True)
    monthly_income_yuan = models.DecimalField(
        "月人均收入（元）",
        max_digits=10,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    property_ok = models.BooleanField("财产符合特困人员财产状况规定", default=True)
    obligor_situation = models.CharField(
        "法定义务人情况", max_length=20, choices=ObligorSituation.choices, default=ObligorSituation.NONE
    )
    self_care_level = models.CharField(
        "自理能力",
        max_length=10,
        choices=SelfCareLevel.choices,
        blank=True,
        help_text="最近一次评估的结果，由评估记录得出。",
    )
    notes = crypto.EncryptedTextField("备注", blank=True)
    archived_at = models.DateTimeField(
        "归档时间",
        null=True,
        blank=True,
        editable=False,
        help_text="退出满 PERSON_RETENTION_YEARS 年后夜间归档：身份信息删除，统计所需的记录保留。",
    )

    objects = querysets.PersonQuerySet.as_manager()

    class Meta:
        verbose_name = "特困人员"
        verbose_name_plural = "特困人员"
        ordering = ["village__township__name", "village__name", "name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status=PersonStatus.EXITED) | (~Q(exit_reason="") & Q(exit_date__isnull=False)),
                name="person_exit_has_reason_and_date",
                violation_error_message="退出须填写原因和日期。",
            ),
            models.CheckConstraint(
                condition=~Q(support_mode=SupportMode.CONCENTRATED) | ~Q(institution=""),
                name="person_concentrated_has_institution",
                violation_error_message="集中供养须填写供养机构。",
            ),
            models.CheckConstraint(
                condition=Q(disability_type="", disability_grade__isnull=True)
                | (~Q(disability_type="") & Q(disability_grade__isnull=False)),
                name="person_disability_type_and_grade_together",
                violation_error_message="残疾类别和残疾等级须同时填写。",
            ),
            models.CheckConstraint(
                condition=Q(archived_at__isnull=True) | Q(status=PersonStatus.EXITED, id_number=""),
                name="person_archived_has_exited_and_no_number",
                violation_error_message="只有已退出的人员才能归档，归档后不保留公民身份号码。",
            ),
        ]
        indexes = [
            # The register and the monthly ledger: active persons of a village by support mode.
            models.Index(fields=["village", "status", "support_mode"], name="person_register_idx"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse_id("guardianship:person_detail", self.pk)

    def validate_unique(self, exclude=None):
        # The number is unique through its keyed hash, which is written only at save: judged
        # here from the number itself, and reported against the number, as a unique field is.
        exclude = {*(exclude or ()), "id_number_index"}
        super().validate_unique(exclude=exclude)
        if "id_number" in exclude or not self.id_number:
            return
        if Person.objects.filter(id_number=self.id_number).exclude(pk=self.pk).exists():
            raise ValidationError({"id_number": [self.unique_error_message(Person, ("id_number",))]})

    def save(self, *args, update_fields=None, **kwargs):
        # The index follows the number; a save naming only the number must write both.
        if update_fields is not None and "id_number" in update_fields:
            update_fields = {*update_fields, "id_number_index"}
        super().save(*args, update_fields=update_fields, **kwargs)


class SelfCareAssessment(TimeStampedModel):
    person = models.ForeignKey(Person, verbose_name="人员", on_delete=models.CASCADE, related_name="assessments")
    assessed_on = models.DateField("评估日期")
    assessor = models.CharField("评估人", max_length=100)
    can_eat = models.BooleanField("自主吃饭")
    can_dress = models.BooleanField("穿衣")
    can_transfer = models.BooleanField("上下床")
    can_toilet = models.BooleanField("如厕")
    can_walk_indoors = models.BooleanField("室内行走")
    can_bathe = models.BooleanField("洗澡")
    unmet_count = models.PositiveSmallIntegerField("不能完成项目数")
    level = models.CharField("自理能力", max_length=10, choices=SelfCareLevel.choices)

    objects = querysets.PersonChildQuerySet.as_manager()

    class Meta:
        verbose_name = "自理能力评估"
        verbose_name_plural = "自理能力评估"
        ordering = ["person", "-assessed_on", "-id"]

    def __str__(self):
        return f"{self.person} {self.assessed_on} {self.get_level_display()}"


class Guardian(TimeStampedModel):
    person = models.ForeignKey(Person, verbose_name="被监护人", on_delete=models.CASCADE, related_name="guardians")
    kind = models.CharField("监护人类型", max_length=30, choices=GuardianKind.choices)
    name = models.CharField("监护人", max_length=100)
    relation = models.CharField("与被监护人关系", max_length=30, choices=Relation.choices, blank=True)
    phone = models.CharField("联系电话", max_length=30, blank=True)
    category = models.CharField("监护类别", max_length=5, choices=GuardianCategory.choices)
    consent_by = models.CharField("同意单位", max_length=30, choices=ConsentBy.choices, blank=True)
    consent_on = models.DateField("同意日期", null=True, blank=True)
    able_to_perform = models.BooleanField("具备履行监护职责条件", default=True)
    start_date = models.DateField("开始日期")
    end_date = models.DateField("结束日期", null=True, blank=True)
    is_active = models.BooleanField("现任", default=True)
    end_reason = models.CharField("结束原因", max_length=30, choices=ReplacementReason.choices, blank=True)

    objects = querysets.PersonChildQuerySet.as_manager()

    class Meta:
        verbose_name = "监护人"
        verbose_name_plural = "监护人"
        ordering = ["person", "-is_active", "-start_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(is_active=True),
                name="guardian_one_active_per_person",
                violation_error_message="每人只能有一位现任监护人，请用“更换监护人”。",
            ),
            models.CheckConstraint(
                condition=~Q(category=GuardianCategory.II) | ~Q(consent_by=""),
                name="guardian_category_ii_has_consent",
                violation_error_message="Ⅱ类监护人须经村（居）委会或民政部门同意。",
            ),
        ]

    def __str__(self):
        return f"{self.name}（{self.get_category_display()}）"


def _agreement_path(instance, filename):
    return f"agreements/{instance.guardian.person_id}/{filename}"


class Agreement(TimeStampedModel):
    """The guardianship-and-care agreement, with specific duties (R-H5, R-H17)."""

    guardian = models.ForeignKey(Guardian, verbose_name="监护人", on_delete=models.CASCADE, related_name="agreements")
    signed_on = models.DateField("签订日期")
    duties = models.JSONField("监护照料职责", default=list)
    document = models.FileField("协议扫描件", upload_to=_agreement_path, blank=True)
    document_name = models.CharField("文件名", max_length=255, blank=True)

    class Meta:
        verbose_name = "监护照料协议"
        verbose_name_plural = "监护照料协议"
        ordering = ["guardian", "-signed_on"]

    def __str__(self):
        return f"{self.guardian} {self.signed_on}"


class Visit(TimeStampedModel):
    """走访探视: what the visitor found on food, clothing, housing, medical care, hygiene, heating
    and spirits, the problems and the follow-up (R-H14, R-H22)."""

    person = models.ForeignKey(Person, verbose_name="人员", on_delete=models.CASCADE, related_name="visits")
    visited_on = models.DateField("走访日期")
    visitor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="记录人", on_delete=models.PROTECT, related_name="+"
    )
    visitor_name = models.CharField("走访人", max_length=100)
    food_ok = models.BooleanField("吃饭有保障", default=True)
    clothing_ok = models.BooleanField("穿衣被褥有保障", default=True)
    housing_safe = models.BooleanField("住房安全", default=True)
    medical_ok = models.BooleanField("看病就医有保障", default=True)
    hygiene_ok = models.BooleanField("个人和环境卫生良好", default=True)
    heating_ok = models.BooleanField("取暖设施到位", default=True)
    spirits_ok = models.BooleanField("精神状态良好", default=True)
    problems = models.TextField("发现的问题", blank=True)
    follow_up = models.TextField("处理和跟进", blank=True)

    objects = querysets.PersonChildQuerySet.as_manager()

    class Meta:
        verbose_name = "走访探视"
        verbose_name_plural = "走访探视"
        ordering = ["-visited_on", "-id"]
        indexes = [
            # Monthly compliance and the visit matrix: a person's visits by date.
            models.Index(fields=["person", "visited_on"], name="visit_person_date_idx"),
            models.Index(fields=["visited_on"], name="visit_date_idx"),
        ]

    def __str__(self):
        return f"{self.person} {self.visited_on}"


def _visit_photo_path(instance, filename):
    return f"visits/{instance.visit_id}/{filename}"


class VisitPhoto(TimeStampedModel):
    visit = models.ForeignKey(Visit, verbose_name="走访", on_delete=models.CASCADE, related_name="photos")
    file = models.FileField("照片", upload_to=_visit_photo_path)
    original_name = models.CharField("文件名", max_length=255)

    class Meta:
        verbose_name = "走访照片"
        verbose_name_plural = "走访照片"

    def __str__(self):
        return self.original_name


class SupervisionFinding(TimeStampedModel):
    """A county finding against a guardian or a township: problem, deadline, result (R-H13)."""

    township = models.ForeignKey(
        "villages.Township", verbose_name="乡镇", on_delete=models.PROTECT, related_name="supervision_findings"
    )
    person = models.ForeignKey(
        Person, verbose_name="人员", on_delete=models.CASCADE, null=True, blank=True, related_name="findings"
    )
    found_on = models.DateField("发现日期")
    problem = models.TextField("问题")
    deadline = models.DateField("整改期限")
    result = models.TextField("整改结果", blank=True)
    status = models.CharField("状态", max_length=10, choices=FindingStatus.choices, default=FindingStatus.OPEN)
    requires_guardian_replacement = models.BooleanField("需更换监护人", default=False)
    found_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="督查人", on_delete=models.PROTECT, related_name="+"
    )

    objects = querysets.FindingQuerySet.as_manager()

    class Meta:
        verbose_name = "督查问题"
        verbose_name_plural = "督查问题"
        ordering = ["status", "deadline"]

    def __str__(self):
        return self.problem[:30]


class GuardianReplacement(models.Model):
    person = models.ForeignKey(Person, verbose_name="被监护人", on_delete=models.CASCADE, related_name="replacements")
    old_guardian = models.ForeignKey(Guardian, verbose_name="原监护人", on_delete=models.PROTECT, related_name="+")
    new_guardian = models.ForeignKey(Guardian, verbose_name="新监护人", on_delete=models.PROTECT, related_name="+")
    reason = models.CharField("更换原因", max_length=30, choices=ReplacementReason.choices)
    note = models.CharField("说明", max_length=300, blank=True)
    finding = models.ForeignKey(
        SupervisionFinding, verbose_name="督查问题", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_on = models.DateField("决定日期")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="经办人", on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "监护人更换"
        verbose_name_plural = "监护人更换"
        ordering = ["person", "-decided_on"]

    def __str__(self):
        return f"{self.person}: {self.old_guardian} → {self.new_guardian}"


class VisitReminder(models.Model):
    """One warning (on the policy's day) or escalation (after the month) per dispersed person and
    month; unique, so a doubled scan is harmless."""

    person = models.ForeignKey(Person, verbose_name="人员", on_delete=models.CASCADE, related_name="+")
    month = models.DateField("月份（当月1日）")
    kind = models.CharField("类型", max_length=20, choices=ReminderKind.choices)
    scan_date = models.DateField("扫描日期")
    created_at = models.DateTimeField("生成时间", auto_now_add=True)
    notified_at = models.DateTimeField("通知时间", null=True, blank=True)

    class Meta:
        verbose_name = "走访提醒"
        verbose_name_plural = "走访提醒"
        constraints = [
            models.UniqueConstraint(
                fields=["person", "month", "kind"],
                name="visitreminder_once_per_person_month_kind",
                violation_error_message="该提醒已生成。",
            ),
        ]
        indexes = [models.Index(fields=["notified_at"], name="visit_reminder_notified_idx")]

    def __str__(self):
        return f"{self.person} {self.month:%Y-%m} {self.get_kind_display()}"
