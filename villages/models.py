import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse

from pilot_admin.choices import DurationUnit
from pilot_admin.models import TimeStampedModel, VersionedModel
from pilot_admin.reversing import reverse_id
from villages import querysets
from villages.choices import (
    CountyKind,
    DepartmentKind,
    GuidanceCategory,
    IndicatorStatus,
    NominationState,
    PilotLevel,
    PilotStatus,
    PlanGoal,
    ProvincialStatus,
    RatioRounding,
    RemitModule,
    StandardAppliesTo,
    StandardMetric,
    TownshipKind,
    VillageEventKind,
    VillageKind,
    VillageStatus,
)

county_code_validator = RegexValidator(r"^[0-9]{6}\Z", "县级区划代码应为6位数字。")
township_code_validator = RegexValidator(r"^[0-9]{9}\Z", "乡镇统计用区划代码应为9位数字。")
village_code_validator = RegexValidator(r"^[0-9]{12}\Z", "村统计用区划代码应为12位数字。")
ratio_validators = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))]


class County(TimeStampedModel):
    name = models.CharField("县名", max_length=50)
    kind = models.CharField("类型", max_length=20, choices=CountyKind.choices, default=CountyKind.COUNTY)
    province = models.CharField("省", max_length=50)
    prefecture = models.CharField("市（州）", max_length=50, blank=True)
    admin_code = models.CharField("区划代码", max_length=6, blank=True, validators=[county_code_validator])

    objects = querysets.CountyQuerySet.as_manager()

    class Meta:
        verbose_name = "县"
        verbose_name_plural = "县"
        ordering = ["province", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["province", "name"],
                name="county_unique_name_in_province",
                violation_error_message="同一省内县名不能重复。",
            ),
        ]

    def __str__(self):
        return self.name


class Township(TimeStampedModel):
    county = models.ForeignKey(County, verbose_name="所属县", on_delete=models.PROTECT, related_name="townships")
    code = models.CharField("统计用区划代码", max_length=9, blank=True, validators=[township_code_validator])
    name = models.CharField("乡镇名称", max_length=50)
    kind = models.CharField("类型", max_length=20, choices=TownshipKind.choices, default=TownshipKind.TOWN)
    is_demonstration = models.BooleanField("试点示范乡镇", default=False)

    objects = querysets.TownshipQuerySet.as_manager()

    class Meta:
        verbose_name = "乡镇"
        verbose_name_plural = "乡镇"
        ordering = ["county", "code", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["county", "name"],
                name="township_unique_name_in_county",
                violation_error_message="同一县内乡镇名称不能重复。",
            ),
            models.UniqueConstraint(
                fields=["code"],
                condition=~Q(code=""),
                name="township_unique_code",
                violation_error_message="乡镇区划代码已被使用。",
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("villages:village_list") + f"?township={self.pk}"


class Village(TimeStampedModel, VersionedModel):
    township = models.ForeignKey(Township, verbose_name="所属乡镇", on_delete=models.PROTECT, related_name="villages")
    code = models.CharField("统计用区划代码", max_length=12, blank=True, validators=[village_code_validator])
    name = models.CharField("村名", max_length=50)
    kind = models.CharField(
        "类型", max_length=30, choices=VillageKind.choices, default=VillageKind.ADMINISTRATIVE_VILLAGE
    )
    households = models.PositiveIntegerField("户数", default=0)
    population = models.PositiveIntegerField("户籍人口", default=0)
    resident_population = models.PositiveIntegerField("常住人口", default=0)
    is_poverty_village = models.BooleanField("贫困村", default=False)
    poverty_exit_year = models.PositiveSmallIntegerField("出列年度", null=True, blank=True)
    collective_income_yuan = models.DecimalField(
        "村集体经济收入（元）",
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    guidance_category = models.CharField("分类指导类型", max_length=40, choices=GuidanceCategory.choices, blank=True)
    is_active = models.BooleanField("有效", default=True, help_text="撤并后的村标记为无效，不计入试点比例。")
    # History (issue 13): the dates statistics count by. They are written by the services of
    # villages/services_history.py only; is_active mirrors ended_on (a constraint below).
    established_on = models.DateField("设立日期", null=True, blank=True, help_text="留空表示建档前已有。")
    ended_on = models.DateField("撤并日期", null=True, blank=True, help_text="留空表示仍存在。")
    community_since = models.DateField(
        "村改社区日期", null=True, blank=True, help_text="社区（居）留空表示建档前已是社区。"
    )

    objects = querysets.VillageQuerySet.as_manager()

    class Meta:
        verbose_name = "村"
        verbose_name_plural = "村"
        ordering = ["township__code", "township__name", "code", "name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["township", "name"],
                name="village_unique_name_in_township",
                violation_error_message="同一乡镇内村名不能重复。",
            ),
            models.UniqueConstraint(
                fields=["code"],
                condition=~Q(code=""),
                name="village_unique_code",
                violation_error_message="村区划代码已被使用。",
            ),
            models.CheckConstraint(
                condition=Q(collective_income_yuan__isnull=True) | Q(collective_income_yuan__gte=0),
                name="village_collective_income_not_negative",
                violation_error_message="村集体经济收入不能为负数。",
            ),
            models.CheckConstraint(
                condition=Q(is_active=True, ended_on__isnull=True) | Q(is_active=False, ended_on__isnull=False),
                name="village_active_iff_not_ended",
                violation_error_message="已撤并的村须有撤并日期，仍存在的村不能有撤并日期。",
            ),
            models.CheckConstraint(
                condition=Q(established_on__isnull=True)
                | Q(ended_on__isnull=True)
                | Q(ended_on__gte=F("established_on")),
                name="village_ended_after_established",
                violation_error_message="撤并日期不能早于设立日期。",
            ),
            models.CheckConstraint(
                condition=Q(community_since__isnull=True) | Q(kind=VillageKind.RESIDENTIAL_COMMUNITY),
                name="village_community_since_is_community",
                violation_error_message="有村改社区日期的村，类型须为社区（居）。",
            ),
        ]
        indexes = [
            # village_list search by name within a township.
            models.Index(fields=["township", "name"], name="village_township_name_idx"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse_id("villages:village_detail", self.pk)

    @property
    def status(self) -> str:
        return self.status_for(ended_on=self.ended_on)

    @staticmethod
    def status_for(*, ended_on: datetime.date | None) -> str:
        """Merged villages have an end date (the API's list reads it from plain rows)."""
        return VillageStatus.MERGED if ended_on else VillageStatus.ACTIVE

    def get_status_display(self) -> str:
        return VillageStatus(self.status).label

    def clean(self):
        super().clean()
        if self.code and self.township_id and self.township.code and not self.code.startswith(self.township.code):
            raise ValidationError({"code": f"村区划代码应以所属乡镇代码 {self.township.code} 开头。"})


class PilotProgram(TimeStampedModel):
    """A county's pilot program with every quota rule as data (SPEC §5.1, R-A2…R-A6). Its construction
    standards (R-B1…, R-C…, R-E…) are ProgramStandard rows."""

    county = models.ForeignKey(County, verbose_name="所属县", on_delete=models.PROTECT, related_name="pilot_programs")
    code = models.SlugField("项目代码", max_length=50, unique=True)
    name = models.CharField("项目名称", max_length=200)
    start_year = models.PositiveSmallIntegerField("起始年度")
    end_year = models.PositiveSmallIntegerField("结束年度")
    source_document = models.CharField("依据文件", max_length=300, blank=True)
    township_annual_min_ratio = models.DecimalField(
        "各乡镇每年试点最低比例",
        max_digits=5,
        decimal_places=4,
        default=Decimal("0.05"),
        validators=ratio_validators,
    )
    county_annual_min_count = models.PositiveIntegerField("全县每年试点最少村数", default=15)
    provincial_annual_min_count = models.PositiveIntegerField("每年申请省级重点支持最少村数", default=5)
    county_new_min_total = models.PositiveIntegerField("期末全县新增试点最少村数", default=75)
    county_new_target_ratio = models.DecimalField(
        "期末全县试点目标比例（参考）",
        max_digits=5,
        decimal_places=4,
        default=Decimal("0.25"),
        validators=ratio_validators,
    )
    township_cumulative_min_ratio = models.DecimalField(
        "期末各乡镇累计试点最低比例",
        max_digits=5,
        decimal_places=4,
        default=Decimal("0.25"),
        validators=ratio_validators,
    )
    cumulative_by_year = models.PositiveSmallIntegerField("累计目标考核年度", default=2020)
    ratio_rounding = models.CharField(
        "比例折算村数的取整方式", max_length=10, choices=RatioRounding.choices, default=RatioRounding.CEIL
    )
    # Reporting and reminders of the program's tasks (tasks app). S0 sets none of these; the
    # defaults are the county office's working choices, kept as data (SPEC §4.5, §10.7).
    report_lock_days = models.PositiveSmallIntegerField(
        "报送截止后锁定天数", default=15, help_text="过了截止日这么多天后，本期报告锁定，须县办解锁才能再报。"
    )
    # Durations in calendar days unless the program says working days: S0 and SPEC set none of
    # these in working days (only R-K9, another district's plan, counts "20个工作日"), so the
    # upgrade keeps every program's deadlines as they were; a county switches per program.
    report_lock_unit = models.CharField(
        "锁定天数的计法", max_length=10, choices=DurationUnit.choices, default=DurationUnit.CALENDAR
    )
    # 民法典 第二百零三条: a period whose last day is a statutory holiday ends on the day after
    # the holiday; on by default, as the law reads.
    due_dates_follow_workdays = models.BooleanField(
        "截止日逢节假日顺延",
        default=True,
        help_text="报送截止日、整改期限落在节假日或周末时，顺延至其后第一个工作日（民法典第二百零三条）。",
    )
    remind_days_before = models.PositiveSmallIntegerField("提前提醒天数", default=7)
    escalate_leader_after_days = models.PositiveSmallIntegerField("逾期升级至单位负责人的天数", default=3)
    escalate_county_after_days = models.PositiveSmallIntegerField("逾期升级至县牵头单位和县办的天数", default=10)
    rectification_days = models.PositiveSmallIntegerField(
        "整改期限（天）", default=60, help_text="检查确认后，整改项目的默认期限。"
    )
    rectification_unit = models.CharField(
        "整改期限的计法", max_length=10, choices=DurationUnit.choices, default=DurationUnit.CALENDAR
    )
    grade_excellent_min = models.DecimalField("优秀最低分", max_digits=5, decimal_places=1, default=Decimal("90"))
    grade_pass_min = models.DecimalField("合格最低分", max_digits=5, decimal_places=1, default=Decimal("80"))

    objects = querysets.PilotProgramQuerySet.as_manager()

    class Meta:
        verbose_name = "试点项目"
        verbose_name_plural = "试点项目"
        ordering = ["-start_year", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_year__gte=F("start_year")),
                name="pilotprogram_years_ordered",
                violation_error_message="结束年度不能早于起始年度。",
            ),
            models.CheckConstraint(
                condition=Q(escalate_county_after_days__gte=F("escalate_leader_after_days")),
                name="pilotprogram_escalation_ordered",
                violation_error_message="升级至县里的天数不能少于升级至单位负责人的天数。",
            ),
            models.CheckConstraint(
                condition=Q(grade_excellent_min__gte=F("grade_pass_min")),
                name="pilotprogram_grade_thresholds_ordered",
                violation_error_message="优秀最低分不能低于合格最低分。",
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("villages:quota_report") + f"?program={self.code}"

    @property
    def years(self) -> range:
        return range(self.start_year, self.end_year + 1)

    def default_year(self, today) -> int:
        """The year a page opens on: this year while the program runs, else the nearest of its
        years."""
        return min(max(today.year, self.start_year), self.end_year)


class PilotAssignment(TimeStampedModel):
    """A village selected as a pilot of a program in a year (a batch, R-A8)."""

    program = models.ForeignKey(
        PilotProgram, verbose_name="试点项目", on_delete=models.PROTECT, related_name="assignments"
    )
    village = models.ForeignKey(Village, verbose_name="村", on_delete=models.PROTECT, related_name="pilot_assignments")
    year = models.PositiveSmallIntegerField("试点年度")
    level = models.CharField("级别", max_length=20, choices=PilotLevel.choices, default=PilotLevel.COUNTY)
    status = models.CharField("状态", max_length=20, choices=PilotStatus.choices, default=PilotStatus.PROPOSED)
    guidance_category = models.CharField("分类指导类型", max_length=40, choices=GuidanceCategory.choices, blank=True)
    is_demonstration = models.BooleanField("试点示范村", default=False)
    # R-A4: the application and the province's answer. `level` is kept in step (已获批 ⇔ 省级重点支持,
    # constraint below) so every reader of the level, old or new, agrees with the status.
    provincial_status = models.CharField(
        "省级重点支持", max_length=20, choices=ProvincialStatus.choices, default=ProvincialStatus.NONE
    )
    provincial_decided_on = models.DateField("省里决定日期", null=True, blank=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="拟定人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审批人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    approved_at = models.DateTimeField("审批时间", null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="撤销人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    withdrawn_at = models.DateTimeField("撤销时间", null=True, blank=True)
    withdraw_reason = models.CharField("撤销原因", max_length=300, blank=True)
    notes = models.TextField("备注", blank=True)
    # Acceptance (验收, close-out R-A8): set by villages.services.pilot_assignment_accept, cleared
    # by _reopen (the values stay in the audit trail).
    accepted_on = models.DateField("验收日期", null=True, blank=True)
    acceptance_document_no = models.CharField("验收文号", max_length=100, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="验收人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    acceptance_basis = models.CharField(
        "验收依据", max_length=300, blank=True, help_text="验收时的检查结果、整改和建设标准情况。"
    )
    acceptance_reason = models.CharField(
        "验收理由", max_length=500, blank=True, help_text="未全部达到验收条件而仍予验收时的理由。"
    )

    objects = querysets.PilotAssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = "试点村"
        verbose_name_plural = "试点村"
        # id last: a unique order keeps API pages from overlapping.
        ordering = ["-year", "village__township__name", "village__name", "id"]
        constraints = [
            # "新增" counts each village once: a village is a pilot at most once per program.
            models.UniqueConstraint(
                fields=["program", "village"],
                condition=~Q(status=PilotStatus.WITHDRAWN),
                name="pilotassignment_once_per_program",
                violation_error_message="该村已是本试点项目的试点村。",
            ),
            models.CheckConstraint(
                condition=~Q(status=PilotStatus.WITHDRAWN) | ~Q(withdraw_reason=""),
                name="pilotassignment_withdraw_has_reason",
                violation_error_message="撤销试点须填写原因。",
            ),
            models.CheckConstraint(
                condition=~Q(status=PilotStatus.ACCEPTED)
                | (Q(accepted_on__isnull=False) & ~Q(acceptance_document_no="")),
                name="pilotassignment_accepted_has_date_and_document",
                violation_error_message="验收须填写验收日期和验收文号。",
            ),
            models.CheckConstraint(
                condition=(Q(provincial_status=ProvincialStatus.GRANTED) & Q(level=PilotLevel.PROVINCIAL_KEY))
                | (~Q(provincial_status=ProvincialStatus.GRANTED) & ~Q(level=PilotLevel.PROVINCIAL_KEY)),
                name="pilotassignment_level_follows_provincial",
                violation_error_message="级别“省级重点支持”须与省级重点支持状态“已获批”一致。",
            ),
            models.CheckConstraint(
                condition=Q(provincial_decided_on__isnull=True)
                | Q(provincial_status__in=[ProvincialStatus.GRANTED, ProvincialStatus.NOT_GRANTED]),
                name="pilotassignment_provincial_date_when_decided",
                violation_error_message="只有省里已作出决定（已获批或未获批）时才填写决定日期。",
            ),
        ]
        indexes = [
            # pilot_quota_stats: approved pilots of a program by year.
            models.Index(fields=["program", "status", "year"], name="pilot_program_status_year_idx"),
        ]

    def __str__(self):
        return f"{self.year}年 {self.village} {self.get_level_display()}"

    def get_absolute_url(self):
        return reverse_id("villages:pilot_detail", self.pk)

    @staticmethod
    def level_for(provincial_status: str) -> str:
        """The level a provincial status implies: 省级重点支持 exactly when the province granted it."""
        return PilotLevel.PROVINCIAL_KEY if provincial_status == ProvincialStatus.GRANTED else PilotLevel.COUNTY

    @staticmethod
    def provincial_status_for_level(level: str) -> str:
        """A pilot entered by level (the county's selection form, the import, old ledgers): 省级重点支持
        is a granted application, 县级 none."""
        return ProvincialStatus.GRANTED if level == PilotLevel.PROVINCIAL_KEY else ProvincialStatus.NONE

    def clean(self):
        super().clean()
        if self.program_id and self.year and self.year not in self.program.years:
            raise ValidationError({"year": f"试点年度应在 {self.program.start_year}–{self.program.end_year} 之间。"})
        if self.program_id and self.village_id and self.village.township.county_id != self.program.county_id:
            raise ValidationError({"village": "该村不属于本试点项目所在县。"})


class VillageIndicator(TimeStampedModel, VersionedModel):
    """A village's yearly indicators (SPEC §5.1, §7.2): submitted by the township, confirmed by
    the county office."""

    village = models.ForeignKey(Village, verbose_name="村", on_delete=models.PROTECT, related_name="indicators")
    year = models.PositiveSmallIntegerField("年度")
    status = models.CharField("状态", max_length=20, choices=IndicatorStatus.choices, default=IndicatorStatus.SUBMITTED)
    service_station_area_m2 = models.DecimalField(
        "综合服务站面积（平方米）",
        max_digits=8,
        decimal_places=1,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    room_convenience_service = models.BooleanField("便民服务室", default=False)
    room_day_care = models.BooleanField("日间照料中心", default=False)
    room_mediation = models.BooleanField("司法调解室", default=False)
    room_culture = models.BooleanField("文化活动室", default=False)
    room_health = models.BooleanField("卫生计生服务室", default=False)
    room_fitness = models.BooleanField("全民健身娱乐活动场所", default=False)
    info_platform_covered = models.BooleanField("综合信息网络平台已覆盖", default=False)
    grid_platform_covered = models.BooleanField("网格化服务管理平台已覆盖", default=False)
    video_surveillance_covered = models.BooleanField("公共安全视频监控已覆盖", default=False)
    public_service_items_offered = models.PositiveIntegerField("已提供基本公共服务项目数", default=0)
    public_service_items_in_catalogue = models.PositiveIntegerField("目录内基本公共服务项目数", default=0)
    left_behind_children = models.PositiveIntegerField("留守儿童", default=0)
    left_behind_women = models.PositiveIntegerField("留守妇女", default=0)
    left_behind_elderly = models.PositiveIntegerField("留守老人", default=0)
    social_org_count = models.PositiveIntegerField("社区社会组织数", default=0)
    volunteer_count = models.PositiveIntegerField("志愿者人数", default=0)
    collective_income_yuan = models.DecimalField(
        "村集体经济收入（元）",
        max_digits=14,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    poor_households = models.PositiveIntegerField("贫困户数", default=0)
    poor_households_with_main_business = models.PositiveIntegerField("有增收主业的贫困户数", default=0)
    # R-B3 infrastructure and R-E1 households lifted: added after indicators were first kept, so a
    # record filed before has NULL there — "not reported", never a silent "no".
    infra_roads = models.BooleanField("道路硬化", null=True, blank=True)
    infra_street_lights = models.BooleanField("路灯亮化", null=True, blank=True)
    infra_river = models.BooleanField("河道洁化", null=True, blank=True)
    infra_greening = models.BooleanField("环境绿化", null=True, blank=True)
    infra_water_sewage = models.BooleanField("供排水及生活污水处理设施", null=True, blank=True)
    infra_waste_station = models.BooleanField("垃圾处理站", null=True, blank=True)
    poor_households_lifted = models.PositiveIntegerField("已脱贫的贫困户数", null=True, blank=True)
    notes = models.TextField("说明", blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="填报人", on_delete=models.PROTECT, related_name="+"
    )
    reported_at = models.DateTimeField("填报时间")
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="确认人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    confirmed_at = models.DateTimeField("确认时间", null=True, blank=True)
    return_reason = models.CharField("退回原因", max_length=300, blank=True)

    objects = querysets.VillageIndicatorQuerySet.as_manager()

    class Meta:
        verbose_name = "村年度指标"
        verbose_name_plural = "村年度指标"
        ordering = ["-year", "village__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["village", "year"],
                name="villageindicator_once_per_year",
                violation_error_message="该村本年度指标已填报。",
            ),
            models.CheckConstraint(
                condition=Q(public_service_items_offered__lte=F("public_service_items_in_catalogue")),
                name="villageindicator_items_within_catalogue",
                violation_error_message="已提供的公共服务项目数不能超过目录内项目数。",
            ),
            models.CheckConstraint(
                condition=Q(poor_households_with_main_business__lte=F("poor_households")),
                name="villageindicator_main_business_within_poor",
                violation_error_message="有增收主业的贫困户数不能超过贫困户数。",
            ),
            models.CheckConstraint(
                condition=Q(poor_households_lifted__isnull=True) | Q(poor_households_lifted__lte=F("poor_households")),
                name="villageindicator_lifted_within_poor",
                violation_error_message="已脱贫的贫困户数不能超过贫困户数。",
            ),
        ]

    def __str__(self):
        return f"{self.village.name} {self.year}年度指标"

    def get_absolute_url(self):
        return reverse("villages:indicator_detail", args=[self.pk])

    @property
    def rooms_present(self) -> int:
        return sum(
            getattr(self, name)
            for name in (
                "room_convenience_service",
                "room_day_care",
                "room_mediation",
                "room_culture",
                "room_health",
                "room_fitness",
            )
        )


class Department(TimeStampedModel):
    """A county unit that leads, cooperates on or reports for pilot tasks (县直部门, 群团组织).
    A township government is a unit too (kind 乡镇人民政府, linked to its township), so every
    report and reminder names one unit."""

    county = models.ForeignKey(
        "villages.County", verbose_name="所属县", on_delete=models.PROTECT, related_name="departments"
    )
    key = models.SlugField("标识", max_length=60)
    name = models.CharField("单位名称", max_length=100, help_text="按县里行文的写法，如“县委组织部”。")
    short_name = models.CharField("简称", max_length=30, blank=True)
    kind = models.CharField("单位类别", max_length=20, choices=DepartmentKind.choices)
    in_leading_group = models.BooleanField("领导小组成员单位", default=False)
    township = models.OneToOneField(
        "villages.Township",
        verbose_name="乡镇",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="government",
        help_text="仅乡镇人民政府填写。",
    )
    remit = models.JSONField(
        "职责范围",
        default=list,
        blank=True,
        help_text="本单位除承担的任务外还可查阅的模块（全县范围、只读、个人信息脱敏），如县民政局查阅特困人员监护照护。",
    )

    objects = querysets.DepartmentQuerySet.as_manager()

    class Meta:
        # The table keeps the name it had when the tasks app owned the model: no data moved.
        db_table = "tasks_department"
        verbose_name = "部门"
        verbose_name_plural = "部门"
        ordering = ["county", "kind", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["county", "name"],
                name="department_unique_name_in_county",
                violation_error_message="同一县内单位名称不能重复。",
            ),
            models.UniqueConstraint(
                fields=["county", "key"],
                name="department_unique_key_in_county",
                violation_error_message="同一县内单位标识不能重复。",
            ),
            models.CheckConstraint(
                condition=(Q(kind=DepartmentKind.TOWNSHIP) & Q(township__isnull=False))
                | (~Q(kind=DepartmentKind.TOWNSHIP) & Q(township__isnull=True)),
                name="department_township_iff_township_kind",
                violation_error_message="乡镇人民政府须关联乡镇，其他单位不能关联乡镇。",
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        remit = self.remit if isinstance(self.remit, list) else None
        if remit is None or any(module not in RemitModule.values for module in remit):
            raise ValidationError({"remit": f"职责范围只能是以下模块：{'、'.join(RemitModule.labels)}。"})
        if self.remit and self.kind == DepartmentKind.TOWNSHIP:
            raise ValidationError({"remit": "乡镇人民政府按乡镇查看本乡镇的数据，不设全县职责范围。"})

    def reads(self, module: str) -> bool:
        """Whether the remit lets this unit read `module` (a RemitModule value)."""
        return module in (self.remit or [])


class ProgramStandard(TimeStampedModel):
    """One construction standard of a program's plan (SPEC §2.B, §2.C, §2.E) as data: what a
    pilot village must show (metric against threshold), which pilots it applies to, and the
    coverage the county must reach by its due year. Evaluated by villages/standards.py."""

    program = models.ForeignKey(
        PilotProgram, verbose_name="试点项目", on_delete=models.CASCADE, related_name="standards"
    )
    code = models.CharField("编号", max_length=20, help_text="如 R-B1")
    goal = models.CharField("目标", max_length=20, choices=PlanGoal.choices)
    title = models.CharField("标准", max_length=100)
    metric = models.CharField("评价方法", max_length=30, choices=StandardMetric.choices)
    threshold = models.DecimalField(
        "门槛值",
        max_digits=12,
        decimal_places=2,
        default=Decimal("1"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text="单村达标的门槛；“是否覆盖”一类填 1，比例一类填 0–1 的小数。",
    )
    unit = models.CharField("单位", max_length=20, blank=True)
    applies_to = models.CharField(
        "适用范围", max_length=20, choices=StandardAppliesTo.choices, default=StandardAppliesTo.ALL_PILOTS
    )
    due_year = models.PositiveSmallIntegerField(
        "考核年度", null=True, blank=True, help_text="方案写明“到某年”的目标填该年；留空表示每年都考核。"
    )
    target_rate = models.DecimalField(
        "覆盖率目标",
        max_digits=5,
        decimal_places=4,
        default=Decimal("1"),
        validators=ratio_validators,
        help_text="全县（各乡镇）适用的试点村中达标的比例应达到的值，如 1.00 或 0.50。",
    )
    waivable = models.BooleanField("“原则上”（可说明理由豁免）", default=False)
    quote = models.TextField("方案原文", blank=True)
    order = models.PositiveSmallIntegerField("排序", default=0)

    objects = querysets.ProgramStandardQuerySet.as_manager()

    class Meta:
        verbose_name = "建设标准"
        verbose_name_plural = "建设标准"
        ordering = ["program", "order", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "code"],
                name="programstandard_unique_code",
                violation_error_message="同一试点项目内标准编号不能重复。",
            ),
        ]

    def __str__(self):
        return f"{self.code} {self.title}"

    def is_due(self, year: int) -> bool:
        """A dated target ("到2020年") is judged from its year on; an undated one every year."""
        return self.due_year is None or year >= self.due_year


class VillageEvent(TimeStampedModel):
    """A dated life event of a village (issue 13 "History"). The village's own dates
    (established_on, ended_on, community_since) are the statistics' denormalised copy; the
    events are the record a person reads, with who recorded them."""

    village = models.ForeignKey(Village, verbose_name="村", on_delete=models.PROTECT, related_name="events")
    kind = models.CharField("事件", max_length=20, choices=VillageEventKind.choices)
    date = models.DateField("日期")
    related_village = models.ForeignKey(
        Village,
        verbose_name="相关的村",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="related_events",
        help_text="撤并：并入的村；拆分：从哪个村拆分。",
    )
    old_name = models.CharField("原名", max_length=50, blank=True)
    note = models.CharField("说明", max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="记录人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = "村历史事件"
        verbose_name_plural = "村历史事件"
        ordering = ["date", "id"]
        indexes = [models.Index(fields=["related_village"], name="villageevent_related_idx")]

    def __str__(self):
        return f"{self.date} {self.village.name} {self.get_kind_display()}"


class IndicatorYear(TimeStampedModel):
    """A year the county opened for indicator entry (issue 13). Townships submit a village's
    indicators only for an open year; the county closes a year when its figures are final."""

    county = models.ForeignKey(County, verbose_name="县", on_delete=models.PROTECT, related_name="indicator_years")
    year = models.PositiveSmallIntegerField("年度", validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="开放人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    opened_at = models.DateTimeField("开放时间")
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="关闭人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    closed_at = models.DateTimeField("关闭时间", null=True, blank=True)

    class Meta:
        verbose_name = "指标填报年度"
        verbose_name_plural = "指标填报年度"
        ordering = ["county", "-year"]
        constraints = [
            models.UniqueConstraint(
                fields=["county", "year"],
                name="indicatoryear_once_per_county",
                violation_error_message="该县该年度已有填报记录。",
            ),
        ]

    def __str__(self):
        return f"{self.county} {self.year}年度指标填报"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class PilotNomination(TimeStampedModel):
    """A township's nomination (申报) of one of its villages as a pilot of a program for a year
    (SPEC §4.2 step 1, §10.1): the county office approves it — it becomes an approved
    PilotAssignment — or returns it with a reason; the township may withdraw it while pending
    and resubmit it once returned."""

    program = models.ForeignKey(
        PilotProgram, verbose_name="试点项目", on_delete=models.PROTECT, related_name="nominations"
    )
    village = models.ForeignKey(Village, verbose_name="村", on_delete=models.PROTECT, related_name="nominations")
    year = models.PositiveSmallIntegerField("试点年度")
    reason = models.TextField("申报理由")
    guidance_category = models.CharField("分类指导类型", max_length=40, choices=GuidanceCategory.choices)
    applies_provincial_support = models.BooleanField("申请省级重点支持", default=False)
    wishes_demonstration = models.BooleanField("拟创建试点示范村", default=False)
    state = models.CharField("状态", max_length=20, choices=NominationState.choices, default=NominationState.PENDING)
    nominated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="申报人", on_delete=models.PROTECT, related_name="+"
    )
    nominated_at = models.DateTimeField("申报时间")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审核人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField("审核时间", null=True, blank=True)
    return_reason = models.CharField("退回原因", max_length=300, blank=True)
    assignment = models.OneToOneField(
        PilotAssignment,
        verbose_name="试点村",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="nomination",
    )

    objects = querysets.PilotNominationQuerySet.as_manager()

    class Meta:
        verbose_name = "试点申报"
        verbose_name_plural = "试点申报"
        # id last: a unique order keeps API pages from overlapping.
        ordering = ["-year", "village__township__name", "village__name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "village"],
                condition=Q(state=NominationState.PENDING),
                name="pilotnomination_one_pending_per_program",
                violation_error_message="该村已申报本试点项目，正在等待县里审核。",
            ),
            models.CheckConstraint(
                condition=~Q(state=NominationState.RETURNED) | ~Q(return_reason=""),
                name="pilotnomination_return_has_reason",
                violation_error_message="退回申报须填写原因。",
            ),
            models.CheckConstraint(
                condition=(Q(state=NominationState.APPROVED) & Q(assignment__isnull=False))
                | (~Q(state=NominationState.APPROVED) & Q(assignment__isnull=True)),
                name="pilotnomination_approved_iff_assignment",
                violation_error_message="已批准的申报须对应一个试点村，其他状态不能对应。",
            ),
            models.CheckConstraint(
                condition=~Q(reason=""),
                name="pilotnomination_has_reason",
                violation_error_message="请填写申报理由。",
            ),
        ]
        indexes = [
            # nomination_queue and the nav badge: pending nominations of a program and year.
            models.Index(fields=["program", "state", "year"], name="nomination_program_state_idx"),
        ]

    def __str__(self):
        return f"{self.year}年 {self.village} 试点申报"

    def get_absolute_url(self):
        return reverse("villages:nomination_detail", args=[self.pk])

    def clean(self):
        super().clean()
        if self.program_id and self.year and self.year not in self.program.years:
            raise ValidationError({"year": f"试点年度应在 {self.program.start_year}–{self.program.end_year} 之间。"})
        if self.program_id and self.village_id and self.village.township.county_id != self.program.county_id:
            raise ValidationError({"village": "该村不属于本试点项目所在县。"})
