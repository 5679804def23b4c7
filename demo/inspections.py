"""Demo assessments for the demo county: the SPEC §8 score sheet (seven goals of S0 §二, 100
points) for 2019, published, and its 2020 copy as a draft; the 2019 inspections of most approved
pilots, scored, submitted and confirmed through the services (so totals, grades and
rectifications come out exactly as on the pages); a couple left in draft for the demo inspector.

Scores come from a fixed seed per village, and everything is looked up by natural key before it
is made, so a second run adds nothing.
"""

import datetime
import random
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from assessments import services
from assessments.choices import InspectionStatus, RectificationStatus, TemplateStatus
from assessments.models import Inspection, Rectification, ScoreTemplate
from demo.work_plan import HISTORY_LOGINS
from pilot_admin.choices import Role
from pilot_admin.models import User
from villages.choices import COUNTED_PILOT_STATUSES
from villages.models import PilotAssignment

SEED = "badong-assessments-2019"
YEAR = 2019
SCHEDULED_ON = datetime.date(2019, 11, 5)
PUBLISHED_ON = datetime.date(2019, 10, 15)
INSPECTED_ON = datetime.date(2019, 11, 20)
CONFIRMED_ON = datetime.date(2019, 12, 20)
RECTIFIED_ON = datetime.date(2020, 1, 10)
VERIFIED_ON = datetime.date(2020, 1, 14)
# Every sixth pilot is not yet inspected, and the last two inspected stay drafts for the demo
# inspector to fill in on the pages.
NOT_INSPECTED_EVERY = 6
DRAFTS = 2

# SPEC §8 (a suggestion derived from the seven goals of S0 §二): (section, [(code, title, points)]).
SHEET = [
    (
        "（一）治理机制",
        [
            ("1.1", "厘清乡镇与村委会权责边界，建立社区事务清单", 3),
            ("1.2", "多元主体参与渠道畅通，户籍与非户籍居民共同议事机制健全", 3),
            ("1.3", "社区协商经常化、规范化、制度化，有协商记录", 3),
            ("1.4", "村委会和村务监督委员会运转正常，民主决策和监督制度健全", 3),
            ("1.5", "服务型党组织建设，干部驻村包户，代表联系群众", 3),
        ],
    ),
    (
        "（二）服务设施",
        [
            ("2.1", "社区综合服务站和党员群众服务中心原则上不少于600平方米", 6),
            ("2.2", "便民服务室、日间照料中心、司法调解室、文化室、卫生计生室、健身场所六项功能齐全（各1分）", 6),
            ("2.3", "道路硬化、路灯亮化、河道净化、村庄绿化、给排水和污水处理、垃圾站（各1分）", 6),
            ("2.4", "统一使用“中国社区”“社区党员群众服务中心”标识，不挂社区牌子、不刻社区印章", 2),
        ],
    ),
    (
        "（三）信息化",
        [
            ("3.1", "综合信息网络平台投入使用", 5),
            ("3.2", "县乡村三级公共服务网络和网格化服务管理平台互联互通", 4),
            ("3.3", "公共安全视频监控安装到位并联网", 4),
            ("3.4", "设信息服务点和服务窗口，实行“一号”申请、“一窗”受理、“一网”通办", 2),
        ],
    ),
    (
        "（四）服务内容",
        [
            ("4.1", "公布公共服务目录和清单，基本公共服务事项进村，日常办事不出村", 5),
            ("4.2", "“三留守”人员登记造册，关爱服务制度落实", 4),
            ("4.3", "邻里互助、互帮互扶和志愿服务体系健全", 3),
            ("4.4", "公共服务事项全程代理，政府购买服务", 3),
        ],
    ),
    (
        "（五）服务队伍",
        [
            ("5.1", "村委会成员兼任社区服务工作者并接受培训", 4),
            ("5.2", "志愿者、服务对象和服务项目对接平台，设志愿服务站点", 3),
            ("5.3", "培育社区社会组织，群众对服务队伍满意", 3),
        ],
    ),
    (
        "（六）环境",
        [
            ("6.1", "公共文化服务和文体活动经常开展", 3),
            ("6.2", "美丽乡村和生态文明建设，改水、改厨、改厕、改圈", 4),
            ("6.3", "开展“十星级文明户”“文明家庭”创建活动", 3),
            ("6.4", "法治宣传教育、司法行政工作室、公共法律服务到位", 3),
            ("6.5", "社会治安良好，民风淳朴，村规民约得到遵守", 2),
        ],
    ),
    (
        "（七）经济",
        [
            ("7.1", "贫困村出列，贫困户全部脱贫", 3),
            ("7.2", "贫困村村集体经济收入达到5万元以上（2019年前）", 3),
            ("7.3", "每个贫困户至少有1项稳定增收产业", 2),
            ("7.4", "贫困户人均可支配收入达到全县农村居民平均水平的70%以上", 2),
        ],
    ),
]

GUIDANCE = "对照标准逐项核查资料和现场，完全达到得满分；部分达到酌情扣分（可扣半分），须写明扣分理由。"
FINDINGS = ["台账资料不全", "现场核查未完全落实", "制度上墙但执行记录缺失", "群众知晓率不高", "部分指标未达标"]


@dataclass
class DemoAssessments:
    templates: int = 0
    inspections: dict[str, int] = field(default_factory=dict)
    rectifications: dict[str, int] = field(default_factory=dict)
    created: dict[str, int] = field(default_factory=dict)


def publish_sheet(*, admin, template: ScoreTemplate) -> ScoreTemplate:
    """Give a draft template the items of SHEET it lacks, then publish it (the demo's programs
    use the one sheet)."""
    existing = set(template.items.values_list("code", flat=True))
    for section_title, items in SHEET:
        for code, title, points in items:
            if code not in existing:
                services.template_item_save(
                    actor=admin,
                    template=template,
                    section_title=section_title,
                    code=code,
                    title=title,
                    max_points=Decimal(points),
                    guidance=GUIDANCE,
                )
    return services.template_publish(actor=admin, template=template)


def _ensure_template(*, program, admin) -> tuple[ScoreTemplate, int]:
    template = ScoreTemplate.objects.filter(program=program, year=YEAR).first()
    created = 0
    if template is None:
        template = ScoreTemplate.objects.create(
            program=program, year=YEAR, name=f"{YEAR}年农村社区建设试点村检查验收评分表"
        )
        created = 1
    if template.status == TemplateStatus.DRAFT:
        publish_sheet(admin=admin, template=template)
        ScoreTemplate.objects.filter(pk=template.pk).update(published_at=_moment(PUBLISHED_ON))
    if not ScoreTemplate.objects.filter(program=program, year=YEAR + 1).exists() and YEAR + 1 in program.years:
        services.template_copy(actor=admin, template=template, year=YEAR + 1)
        created += 1
    return template, created


def _moment(day: datetime.date, hour: int = 9) -> datetime.datetime:
    """`hour` o'clock local time on `day`: the services stamp "now", the story has its own days."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def _date_story(inspections: list[Inspection]) -> None:
    """Put the inspections made now, and their rectifications, on the 2019 story's days (the
    services stamped them with the day load_demo ran)."""
    made = Inspection.objects.filter(pk__in=[inspection.pk for inspection in inspections])
    made.update(created_at=_moment(SCHEDULED_ON), updated_at=_moment(SCHEDULED_ON))
    made.filter(submitted_at__isnull=False).update(
        submitted_at=_moment(INSPECTED_ON, 17), updated_at=_moment(INSPECTED_ON, 17)
    )
    made.filter(confirmed_at__isnull=False).update(confirmed_at=_moment(CONFIRMED_ON), updated_at=_moment(CONFIRMED_ON))
    rows = Rectification.objects.filter(inspection__in=made)
    rows.update(created_at=_moment(CONFIRMED_ON), updated_at=_moment(CONFIRMED_ON))
    rows.filter(submitted_at__isnull=False).update(submitted_at=_moment(RECTIFIED_ON), updated_at=_moment(RECTIFIED_ON))
    rows.filter(verified_at__isnull=False).update(verified_at=_moment(VERIFIED_ON), updated_at=_moment(VERIFIED_ON))


def _target_total(rng: random.Random) -> Decimal:
    """About one in five 优秀, one in ten 不合格, the rest 合格 (as whole or half points)."""
    roll = rng.random()
    if roll < 0.2:
        low, high = 90, 98
    elif roll < 0.9:
        low, high = 80, 89.5
    else:
        low, high = 68, 79.5
    return Decimal(rng.randint(int(low * 2), int(high * 2))) / 2


def _scores(rng: random.Random, items, total: Decimal) -> list[services.ScoreInput]:
    """Spread 100 − total points off over the items in half points, never below zero."""
    remaining = {item.pk: item.max_points for item in items}
    off = dict.fromkeys(remaining, Decimal(0))
    deduct = Decimal(100) - total
    while deduct > 0:
        item = rng.choice([item for item in items if remaining[item.pk] > 0])
        step = min(Decimal(rng.randint(1, 4)) / 2, deduct, remaining[item.pk])
        off[item.pk] += step
        remaining[item.pk] -= step
        deduct -= step
    return [
        services.ScoreInput(
            item_id=item.pk,
            points=item.max_points - off[item.pk],
            reason=f"{rng.choice(FINDINGS)}，扣{off[item.pk]}分。" if off[item.pk] else "",
            rectify=off[item.pk] >= 2,
        )
        for item in items
    ]


def _inspect(*, admin, inspector, template, pilots) -> tuple[list[Inspection], list[Inspection]]:
    """Schedule the pilots' inspections not made yet; score all but the last DRAFTS of those made
    now. Returns the ones made and the ones confirmed now."""
    items = list(template.items.order_by("order"))
    done = set(Inspection.objects.filter(year=YEAR, original__isnull=True).values_list("pilot_id", flat=True))
    chosen = [pilot for index, pilot in enumerate(pilots) if index % NOT_INSPECTED_EVERY != NOT_INSPECTED_EVERY - 1]
    new = [pilot for pilot in chosen if pilot.pk not in done]
    confirmed, made = [], []
    for index, pilot in enumerate(new):
        inspection = services.inspection_schedule(
            actor=admin,
            pilot=pilot,
            year=YEAR,
            inspectors=[inspector],
            outside_members="州民政局基层政权科 李明",
            inspected_on=INSPECTED_ON,
        )
        made.append(inspection)
        if index >= len(new) - DRAFTS and not done:
            continue  # left for the demo inspector (only on the first load)
        rng = random.Random(f"{SEED}-{pilot.village.code}")
        scores = _scores(rng, items, _target_total(rng))
        services.inspection_scores_save(actor=inspector, inspection=inspection, scores=scores)
        services.inspection_submit(actor=inspector, inspection=inspection)
        confirmed.append(services.inspection_confirm(actor=admin, inspection=inspection, today=CONFIRMED_ON))
    return made, confirmed


def _settle(*, admin, inspections) -> None:
    """Of the rectifications opened now, every third is reported and verified by the township
    (where the demo has a login for it), so the list shows all three states."""
    reporters = {
        user.township_id: user
        for user in User.objects.filter(
            role=Role.TOWNSHIP, is_active=True, is_unit_leader=False, username__in=HISTORY_LOGINS
        ).order_by("pk")
    }
    rows = (
        Rectification.objects.filter(inspection__in=inspections)
        .select_related("inspection__pilot__village")
        .order_by("pk")
    )
    for index, row in enumerate(rows):
        reporter = reporters.get(row.inspection.pilot.village.township_id)
        if reporter is None or index % 3 == 2:
            continue
        services.rectification_submit(actor=reporter, rectification=row, evidence_text="已按要求整改，资料已归档。")
        if index % 3 == 0:
            services.rectification_verify(actor=admin, rectification=row)


@transaction.atomic
def load_demo_assessments(*, county, program, admin) -> DemoAssessments:
    """Create whatever of the demo assessments is missing; return what exists now."""
    inspector = User.objects.get(username="inspector", role=Role.INSPECTOR, county=county)
    template, n_templates = _ensure_template(program=program, admin=admin)
    pilots = list(
        # Accepted pilots too: they were inspected before their acceptance (demo/acceptance.py),
        # and leaving them out would shift which pilots a second run picks.
        PilotAssignment.objects.filter(program=program, status__in=COUNTED_PILOT_STATUSES, year__lte=YEAR)
        .select_related("village")
        .order_by("village__code")
    )
    made, confirmed = _inspect(admin=admin, inspector=inspector, template=template, pilots=pilots)
    _settle(admin=admin, inspections=confirmed)
    _date_story(made)
    n_inspections = len(made)

    inspections = dict.fromkeys(InspectionStatus.values, 0)
    for status in Inspection.objects.filter(pilot__program=program).values_list("status", flat=True):
        inspections[status] += 1
    rectifications = dict.fromkeys(RectificationStatus.values, 0)
    for status in Rectification.objects.filter(inspection__pilot__program=program).values_list("status", flat=True):
        rectifications[status] += 1
    return DemoAssessments(
        templates=ScoreTemplate.objects.filter(program=program).count(),
        inspections=inspections,
        rectifications=rectifications,
        created={"templates": n_templates, "inspections": n_inspections},
    )
