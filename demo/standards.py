"""Badong's construction standards (SPEC §2.B, §2.C, §2.E) as the demo program's rows.

The plan's numbers are data on the program (DESIGN.md): this table is what the county office
would enter for its plan, quoted from S0. Migration villages/0010_standards seeds a frozen copy
of it into a database that already held the Badong program; `ensure_standards` adds whatever
rows a program lacks, so `load_demo` stays idempotent.
"""

from decimal import Decimal

from villages.choices import PlanGoal, StandardAppliesTo, StandardMetric
from villages.models import PilotProgram, ProgramStandard

# (code, goal, title, metric, threshold, unit, applies_to, due_year, target_rate, waivable, quote)
BADONG_STANDARDS = [
    (
        "R-B1",
        PlanGoal.FACILITIES,
        "综合服务站面积",
        StandardMetric.STATION_AREA,
        "600",
        "平方米",
        StandardAppliesTo.ALL_PILOTS,
        None,
        "1",
        True,
        "统筹整合的农村社区综合服务站和党员群众服务中心建设面积原则上不低于600平方米。",
    ),
    (
        "R-B2",
        PlanGoal.FACILITIES,
        "六类功能室齐全",
        StandardMetric.FUNCTION_ROOMS,
        "6",
        "个",
        StandardAppliesTo.ALL_PILOTS,
        None,
        "1",
        False,
        "集便民服务室、日间照料中心、司法调解室、文化活动室、卫生计生服务室、全民健身娱乐活动场所等功能布局合理",
    ),
    (
        "R-B3",
        PlanGoal.FACILITIES,
        "基础设施基本建成",
        StandardMetric.INFRASTRUCTURE,
        "6",
        "项",
        StandardAppliesTo.ALL_PILOTS,
        None,
        "1",
        False,
        "农村社区道路硬化、路灯亮化、河道洁化、环境绿化和供排水及生活污水处理设施、垃圾处理站等基础设施基本建成。",
    ),
    (
        "R-C1",
        PlanGoal.INFORMATIZATION,
        "综合信息网络平台覆盖",
        StandardMetric.INFO_PLATFORM,
        "1",
        "",
        StandardAppliesTo.ALL_PILOTS,
        None,
        "1",
        False,
        "农村社区综合信息网络平台覆盖率达到100%",
    ),
    (
        "R-C2",
        PlanGoal.INFORMATIZATION,
        "基本公共服务网络和网格化服务管理平台覆盖",
        StandardMetric.GRID_PLATFORM,
        "1",
        "",
        StandardAppliesTo.ALL_PILOTS,
        None,
        "0.5",
        False,
        "县、乡镇、村三级联动互补的基本公共服务网络和网格化服务管理平台覆盖率达到50%以上",
    ),
    (
        "R-C3",
        PlanGoal.INFORMATIZATION,
        "公共安全视频监控覆盖",
        StandardMetric.VIDEO_SURVEILLANCE,
        "1",
        "",
        StandardAppliesTo.ALL_PILOTS,
        None,
        "1",
        False,
        "农村社区公共安全视频监控覆盖率达到100%",
    ),
    (
        "R-C4",
        PlanGoal.SERVICES,
        "基本公共服务项目全覆盖",
        StandardMetric.PUBLIC_SERVICE_ITEMS,
        "1",
        "",
        StandardAppliesTo.ALL_PILOTS,
        None,
        "1",
        False,
        "已建成的农村社区实现基本公共服务项目全覆盖,努力实现农村居民“日常办事不出村”。",
    ),
    (
        "R-C5",
        PlanGoal.TEAM,
        "社区社会组织全覆盖",
        StandardMetric.SOCIAL_ORGS,
        "1",
        "个",
        StandardAppliesTo.ALL_PILOTS,
        2020,
        "1",
        False,
        "到2020年,努力实现农村社区社会组织全覆盖",
    ),
    (
        "R-E1",
        PlanGoal.ECONOMY,
        "贫困村出列、贫困户全部脱贫",
        StandardMetric.POVERTY_EXIT,
        "1",
        "",
        StandardAppliesTo.POVERTY_PILOTS,
        2020,
        "1",
        False,
        "试点的贫困村出列、贫困户全部脱贫。",
    ),
    (
        "R-E2",
        PlanGoal.ECONOMY,
        "贫困村集体经济收入",
        StandardMetric.COLLECTIVE_INCOME,
        "50000",
        "元",
        StandardAppliesTo.POVERTY_PILOTS,
        2019,
        "1",
        False,
        "到2019年,贫困村集体经济收入达到5万元以上",
    ),
    (
        "R-E3",
        PlanGoal.ECONOMY,
        "每户贫困户有增收主业",
        StandardMetric.MAIN_BUSINESS,
        "1",
        "",
        StandardAppliesTo.ALL_PILOTS,
        2019,
        "1",
        False,
        "到2019年……每户贫困户有1项以上增收致富的主业",
    ),
]


def standard_rows(program: PilotProgram) -> list[ProgramStandard]:
    return [
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
        ) in enumerate(BADONG_STANDARDS, start=1)
    ]


def ensure_standards(program: PilotProgram) -> int:
    """Add the plan's standards the program lacks (by code); the county's edits stay."""
    have = set(ProgramStandard.objects.filter(program=program).values_list("code", flat=True))
    new = [row for row in standard_rows(program) if row.code not in have]
    for row in new:
        row.full_clean()
    ProgramStandard.objects.bulk_create(new)
    return len(new)
