"""Construction standards as data (issue 13): ProgramStandard rows per program, the R-B3
infrastructure items and households lifted on VillageIndicator, and R-B1's area moved from
PilotProgram's two fields into its standard row (one source).

The seed below is a frozen copy of demo/standards.py as of this migration: it fills the Badong
program of a database that already held it (load_demo then finds it complete). Every other
program gets only its R-B1 row, carrying the area it had."""

from decimal import Decimal

import django.core.validators
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

BADONG_CODE = "badong-13th-fyp"

# (code, goal, title, metric, threshold, unit, applies_to, due_year, target_rate, waivable, quote)
BADONG_STANDARDS = [
    (
        "R-B1",
        "facilities",
        "综合服务站面积",
        "station_area",
        "600",
        "平方米",
        "all_pilots",
        None,
        "1",
        True,
        "统筹整合的农村社区综合服务站和党员群众服务中心建设面积原则上不低于600平方米。",
    ),
    (
        "R-B2",
        "facilities",
        "六类功能室齐全",
        "function_rooms",
        "6",
        "个",
        "all_pilots",
        None,
        "1",
        False,
        "集便民服务室、日间照料中心、司法调解室、文化活动室、卫生计生服务室、全民健身娱乐活动场所等功能布局合理",
    ),
    (
        "R-B3",
        "facilities",
        "基础设施基本建成",
        "infrastructure",
        "6",
        "项",
        "all_pilots",
        None,
        "1",
        False,
        "农村社区道路硬化、路灯亮化、河道洁化、环境绿化和供排水及生活污水处理设施、垃圾处理站等基础设施基本建成。",
    ),
    (
        "R-C1",
        "informatization",
        "综合信息网络平台覆盖",
        "info_platform",
        "1",
        "",
        "all_pilots",
        None,
        "1",
        False,
        "农村社区综合信息网络平台覆盖率达到100%",
    ),
    (
        "R-C2",
        "informatization",
        "基本公共服务网络和网格化服务管理平台覆盖",
        "grid_platform",
        "1",
        "",
        "all_pilots",
        None,
        "0.5",
        False,
        "县、乡镇、村三级联动互补的基本公共服务网络和网格化服务管理平台覆盖率达到50%以上",
    ),
    (
        "R-C3",
        "informatization",
        "公共安全视频监控覆盖",
        "video_surveillance",
        "1",
        "",
        "all_pilots",
        None,
        "1",
        False,
        "农村社区公共安全视频监控覆盖率达到100%",
    ),
    (
        "R-C4",
        "services",
        "基本公共服务项目全覆盖",
        "public_service_items",
        "1",
        "",
        "all_pilots",
        None,
        "1",
        False,
        "已建成的农村社区实现基本公共服务项目全覆盖,努力实现农村居民“日常办事不出村”。",
    ),
    (
        "R-C5",
        "team",
        "社区社会组织全覆盖",
        "social_orgs",
        "1",
        "个",
        "all_pilots",
        2020,
        "1",
        False,
        "到2020年,努力实现农村社区社会组织全覆盖",
    ),
    (
        "R-E1",
        "economy",
        "贫困村出列、贫困户全部脱贫",
        "poverty_exit",
        "1",
        "",
        "poverty_pilots",
        2020,
        "1",
        False,
        "试点的贫困村出列、贫困户全部脱贫。",
    ),
    (
        "R-E2",
        "economy",
        "贫困村集体经济收入",
        "collective_income",
        "50000",
        "元",
        "poverty_pilots",
        2019,
        "1",
        False,
        "到2019年,贫困村集体经济收入达到5万元以上",
    ),
    (
        "R-E3",
        "economy",
        "每户贫困户有增收主业",
        "main_business",
        "1",
        "",
        "all_pilots",
        2019,
        "1",
        False,
        "到2019年……每户贫困户有1项以上增收致富的主业",
    ),
]


def seed_standards(apps, schema_editor):
    PilotProgram = apps.get_model("villages", "PilotProgram")
    ProgramStandard = apps.get_model("villages", "ProgramStandard")
    rows = []
    for program in PilotProgram.objects.all():
        for index, (
            code,
            goal,
            title,
            metric,
            threshold,
            unit,
            applies_to,
            due_year,
            target_rate,
            waivable,
            quote,
        ) in enumerate(BADONG_STANDARDS, start=1):
            if code != "R-B1" and program.code != BADONG_CODE:
                continue
            if code == "R-B1":
                # The program's own area rule, whatever the county had set, becomes the row.
                threshold, waivable = program.facility_min_area_m2, program.facility_area_waivable
            rows.append(
                ProgramStandard(
                    program=program,
                    code=code,
                    goal=goal,
                    title=title,
                    metric=metric,
                    threshold=Decimal(threshold),
                    unit=unit,
                    applies_to=applies_to,
                    due_year=due_year,
                    target_rate=Decimal(target_rate),
                    waivable=waivable,
                    quote=quote,
                    order=index * 10,
                )
            )
    ProgramStandard.objects.bulk_create(rows)


def area_back_to_program(apps, schema_editor):
    PilotProgram = apps.get_model("villages", "PilotProgram")
    ProgramStandard = apps.get_model("villages", "ProgramStandard")
    for row in ProgramStandard.objects.filter(code="R-B1", metric="station_area"):
        PilotProgram.objects.filter(pk=row.program_id).update(
            facility_min_area_m2=row.threshold, facility_area_waivable=row.waivable
        )


class Migration(migrations.Migration):
    dependencies = [
        ("villages", "0009_nominations"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="ProgramStandard",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="创建时间")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="更新时间")),
                ("code", models.CharField(help_text="如 R-B1", max_length=20, verbose_name="编号")),
                (
                    "goal",
                    models.CharField(
                        choices=[
                            ("governance", "（一）治理机制"),
                            ("facilities", "（二）服务设施"),
                            ("informatization", "（三）信息化"),
                            ("services", "（四）服务内容"),
                            ("team", "（五）服务队伍"),
                            ("environment", "（六）社区环境"),
                            ("economy", "（七）经济发展"),
                        ],
                        max_length=20,
                        verbose_name="目标",
                    ),
                ),
                ("title", models.CharField(max_length=100, verbose_name="标准")),
                (
                    "metric",
                    models.CharField(
                        choices=[
                            ("station_area", "综合服务站面积（平方米）不低于门槛"),
                            ("function_rooms", "六类功能室具备的个数不低于门槛"),
                            ("infrastructure", "六项基础设施建成的个数不低于门槛"),
                            ("info_platform", "综合信息网络平台已覆盖"),
                            ("grid_platform", "基本公共服务网络和网格化服务管理平台已覆盖"),
                            ("video_surveillance", "公共安全视频监控已覆盖"),
                            ("public_service_items", "已提供的基本公共服务项目占目录的比例不低于门槛"),
                            ("social_orgs", "社区社会组织数不低于门槛"),
                            ("collective_income", "村集体经济收入（元）不低于门槛"),
                            ("poverty_exit", "贫困村已出列且贫困户全部脱贫"),
                            ("main_business", "有增收主业的贫困户占贫困户的比例不低于门槛"),
                        ],
                        max_length=30,
                        verbose_name="评价方法",
                    ),
                ),
                (
                    "threshold",
                    models.DecimalField(
                        decimal_places=2,
                        default=Decimal("1"),
                        help_text="单村达标的门槛；“是否覆盖”一类填 1，比例一类填 0–1 的小数。",
                        max_digits=12,
                        validators=[django.core.validators.MinValueValidator(Decimal("0"))],
                        verbose_name="门槛值",
                    ),
                ),
                ("unit", models.CharField(blank=True, max_length=20, verbose_name="单位")),
                (
                    "applies_to",
                    models.CharField(
                        choices=[("all_pilots", "全部试点村"), ("poverty_pilots", "贫困村试点村")],
                        default="all_pilots",
                        max_length=20,
                        verbose_name="适用范围",
                    ),
                ),
                (
                    "due_year",
                    models.PositiveSmallIntegerField(
                        blank=True,
                        help_text="方案写明“到某年”的目标填该年；留空表示每年都考核。",
                        null=True,
                        verbose_name="考核年度",
                    ),
                ),
                (
                    "target_rate",
                    models.DecimalField(
                        decimal_places=4,
                        default=Decimal("1"),
                        help_text="全县（各乡镇）适用的试点村中达标的比例应达到的值，如 1.00 或 0.50。",
                        max_digits=5,
                        validators=[
                            django.core.validators.MinValueValidator(Decimal("0")),
                            django.core.validators.MaxValueValidator(Decimal("1")),
                        ],
                        verbose_name="覆盖率目标",
                    ),
                ),
                ("waivable", models.BooleanField(default=False, verbose_name="“原则上”（可说明理由豁免）")),
                ("quote", models.TextField(blank=True, verbose_name="方案原文")),
                ("order", models.PositiveSmallIntegerField(default=0, verbose_name="排序")),
            ],
            options={
                "verbose_name": "建设标准",
                "verbose_name_plural": "建设标准",
                "ordering": ["program", "order", "code"],
            },
        ),
        migrations.AddField(
            model_name="villageindicator",
            name="infra_greening",
            field=models.BooleanField(blank=True, null=True, verbose_name="环境绿化"),
        ),
        migrations.AddField(
            model_name="villageindicator",
            name="infra_river",
            field=models.BooleanField(blank=True, null=True, verbose_name="河道洁化"),
        ),
        migrations.AddField(
            model_name="villageindicator",
            name="infra_roads",
            field=models.BooleanField(blank=True, null=True, verbose_name="道路硬化"),
        ),
        migrations.AddField(
            model_name="villageindicator",
            name="infra_street_lights",
            field=models.BooleanField(blank=True, null=True, verbose_name="路灯亮化"),
        ),
        migrations.AddField(
            model_name="villageindicator",
            name="infra_waste_station",
            field=models.BooleanField(blank=True, null=True, verbose_name="垃圾处理站"),
        ),
        migrations.AddField(
            model_name="villageindicator",
            name="infra_water_sewage",
            field=models.BooleanField(blank=True, null=True, verbose_name="供排水及生活污水处理设施"),
        ),
        migrations.AddField(
            model_name="villageindicator",
            name="poor_households_lifted",
            field=models.PositiveIntegerField(blank=True, null=True, verbose_name="已脱贫的贫困户数"),
        ),
        migrations.AddConstraint(
            model_name="villageindicator",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("poor_households_lifted__isnull", True),
                    ("poor_households_lifted__lte", models.F("poor_households")),
                    _connector="OR",
                ),
                name="villageindicator_lifted_within_poor",
                violation_error_message="已脱贫的贫困户数不能超过贫困户数。",
            ),
        ),
        migrations.AddField(
            model_name="programstandard",
            name="program",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="standards",
                to="villages.pilotprogram",
                verbose_name="试点项目",
            ),
        ),
        migrations.AddConstraint(
            model_name="programstandard",
            constraint=models.UniqueConstraint(
                fields=("program", "code"),
                name="programstandard_unique_code",
                violation_error_message="同一试点项目内标准编号不能重复。",
            ),
        ),
        # R-B1 takes the program's area before the program's fields go.
        migrations.RunPython(seed_standards, area_back_to_program),
        migrations.RemoveField(
            model_name="pilotprogram",
            name="facility_area_waivable",
        ),
        migrations.RemoveField(
            model_name="pilotprogram",
            name="facility_min_area_m2",
        ),
    ]
