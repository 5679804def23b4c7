"""The demo county 巴东县: townships, synthetic villages, departments, the 13th-FYP pilot program
with five years of pilots, some village indicators and one login per role.

Everything is derived from fixed tables and a fixed seed, so two runs plan the same rows; the
loader creates only what is missing (natural keys), which makes `load_demo` idempotent. Pilot and
indicator rows go through the real services, so they pass the same checks and leave the same
audit trail as rows entered on the pages.
"""

import datetime
import json
import random
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone

from demo.acceptance import load_demo_acceptance
from demo.current import DemoCurrent, load_demo_current
from demo.guardianship import load_demo_guardianship
from demo.history import load_demo_history
from demo.inspections import load_demo_assessments
from demo.liuzhi import DemoLiuzhi, load_demo_liuzhi
from demo.nominations import load_demo_nominations
from demo.standards import ensure_standards
from demo.supervision import load_demo_supervision
from demo.work_plan import load_demo_tasks
from pilot_admin.accounts.duties import duty_username_for
from pilot_admin.choices import Role
from pilot_admin.models import User
from pilot_admin.notifications.services import notification_file_as_read
from villages import services
from villages.choices import (
    COUNTED_PILOT_STATUSES,
    DepartmentKind,
    GuidanceCategory,
    PilotLevel,
    PilotStatus,
    TownshipKind,
    VillageKind,
)
from villages.models import (
    County,
    Department,
    IndicatorYear,
    PilotAssignment,
    PilotProgram,
    Township,
    Village,
    VillageIndicator,
)
from villages.services_indicator_years import indicator_year_close, indicator_year_open

SEED = "badong-demo-2016"
DATA_DIR = Path(__file__).resolve().parent / "data"

COUNTY = {"name": "巴东县", "province": "湖北省", "prefecture": "恩施土家族苗族自治州", "admin_code": "422823"}

# (name, 9-digit code, active administrative villages, residential communities). The names are
# Badong's real township-level units; codes and village counts are synthetic. Sizes differ so
# the 5 % quota differs: ⌈5 % × N⌉ is 1 up to 20 villages and 2 from 21 to 40.
TOWNSHIPS = [
    ("信陵镇", "422823100", 14, 3),
    ("东瀼口镇", "422823101", 26, 0),
    ("沿渡河镇", "422823102", 30, 0),
    ("官渡口镇", "422823103", 28, 0),
    ("茶店子镇", "422823104", 24, 0),
    ("绿葱坡镇", "422823105", 20, 0),
    ("大支坪镇", "422823106", 25, 0),
    ("野三关镇", "422823107", 40, 0),
    ("水布垭镇", "422823108", 32, 0),
    ("清太坪镇", "422823109", 27, 0),
    ("溪丘湾乡", "422823200", 16, 0),
    ("金果坪乡", "422823201", 18, 0),
]
DEMONSTRATION_TOWNSHIPS = {"水布垭镇"}
# One merged (撤并) village, kept inactive: it shows that inactive villages do not count.
INACTIVE_VILLAGE_TOWNSHIP = "野三关镇"
COMMUNITY_NAMES = ["城东社区", "江北社区", "新城社区"]

# Two-character village names: a first syllable and a landform, the way names in the Wuling
# mountains are made (柳坪, 石垭, 桃溪 …).
NAME_HEADS = "柳桃杨花竹松茶石龙凤马鹤金银黄白青红水田高平长双三五大小新杜梅兰枫桂枣栗橘苦"
NAME_TAILS = "坪溪岩河口坡湾垭岭峰园沟桥台庄山林池坝塘淌槽"

PROGRAM = {
    "code": "badong-13th-fyp",
    "name": "巴东县“十三五”农村社区建设试点",
    "start_year": 2016,
    "end_year": 2020,
    "source_document": "《巴东县“十三五”农村社区建设试点工作方案》",
}
YEARS = range(PROGRAM["start_year"], PROGRAM["end_year"] + 1)

# Approved pilots per township and year (2016…2020). Chosen so the report has something to
# show: 2017 misses the county minimum of 15 (13), some township-years miss their 5 % quota
# (东瀼口镇 2016, 沿渡河镇 2017, 溪丘湾乡 2017, 金果坪乡 2016 …) and 野三关镇 stays one short
# of its cumulative 25 % until its proposed 2020 pilot is approved.
PILOT_PLAN = {
    "信陵镇": (1, 1, 1, 1, 1),
    "东瀼口镇": (1, 2, 2, 2, 2),
    "沿渡河镇": (2, 1, 2, 2, 2),
    "官渡口镇": (1, 1, 2, 2, 2),
    "茶店子镇": (2, 1, 2, 2, 1),
    "绿葱坡镇": (1, 1, 1, 1, 1),
    "大支坪镇": (2, 1, 2, 2, 1),
    "野三关镇": (2, 2, 2, 2, 1),
    "水布垭镇": (2, 1, 2, 3, 2),
    "清太坪镇": (1, 1, 2, 2, 2),
    "溪丘湾乡": (1, 0, 1, 1, 1),
    "金果坪乡": (0, 1, 1, 2, 1),
}
# Left 拟定 in the program's last year, so the approval page has work to do.
PROPOSED_LAST_YEAR = {"茶店子镇": 1, "野三关镇": 1, "信陵镇": 1}
# Pilots applied for provincial key support per year; 2017 falls one short of the minimum of 5.
PROVINCIAL_KEY_PER_YEAR = {2016: 5, 2017: 4, 2018: 6, 2019: 6, 2020: 5}
# A 2018 pilot withdrawn after approval, then selected again in 2019 (allowed: a withdrawn
# assignment does not hold the village).
WITHDRAWN_TOWNSHIP = "清太坪镇"
WITHDRAWN_YEAR = 2018
WITHDRAW_REASON = "村“两委”换届，班子调整，申请暂缓试点，次年重新申报。"
# When, in its batch year, the county office approved a batch and withdrew the one pilot: the
# statistics count a withdrawn pilot in the years before its withdrawal, so the demo's history
# must carry the story's dates, not the day load_demo ran.
APPROVED_ON = (4, 15)
WITHDRAWN_ON = (9, 30)

DEMO_PASSWORD = "Badong-2020!"


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: str
    label: str
    township: str = ""
    department_key: str = ""
    is_staff: bool = False
    # Overdue reports escalate from a unit's clerks to its leader (the escalate_leader reminder).
    is_unit_leader: bool = False


DEMO_USERS = [
    DemoUser("county_admin", Role.COUNTY_ADMIN, "县领导小组办公室", is_staff=True),
    DemoUser("county_viewer", Role.COUNTY_VIEWER, "县领导小组成员"),
    DemoUser("dept_civil_affairs", Role.DEPARTMENT, "县民政局", department_key="civil_affairs_bureau"),
    DemoUser("township_shuibuya", Role.TOWNSHIP, "水布垭镇人民政府", township="水布垭镇"),
    DemoUser(
        "township_shuibuya_leader",
        Role.TOWNSHIP,
        "水布垭镇人民政府（负责人）",
        township="水布垭镇",
        is_unit_leader=True,
    ),
    DemoUser("township_dongrangkou", Role.TOWNSHIP, "东瀼口镇人民政府", township="东瀼口镇"),
    # Every other township's reporting account: townships enter their villages' indicators, their
    # reports and visits themselves (the county office confirms, it does not type them in).
    *(
        DemoUser(f"township_{pinyin}", Role.TOWNSHIP, f"{township}人民政府", township=township)
        for township, pinyin in (
            ("信陵镇", "xinling"),
            ("沿渡河镇", "yanduhe"),
            ("官渡口镇", "guandukou"),
            ("茶店子镇", "chadianzi"),
            ("绿葱坡镇", "lvcongpo"),
            ("大支坪镇", "dazhiping"),
            ("野三关镇", "yesanguan"),
            ("清太坪镇", "qingtaiping"),
            ("溪丘湾乡", "xiqiuwan"),
            ("金果坪乡", "jinguoping"),
        )
    ),
    DemoUser("inspector", Role.INSPECTOR, "县检查验收组"),
    DemoUser("api_client", Role.API_CLIENT, "州民政局数据接口"),
    # The three separated administrator duties (三权分立), named as the upgrade names them
    # (pilot_admin/accounts/duties.py), so an upgraded demo finds them.
    *(
        DemoUser(
            duty_username_for(COUNTY["admin_code"], role),
            role,
            f"{COUNTY['name']}{Role(role).label}",
        )
        for role in (Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN)
    ),
]

DEPARTMENT_KINDS = {
    "party": DepartmentKind.PARTY,
    "government": DepartmentKind.GOVERNMENT,
    "mass_org": DepartmentKind.MASS_ORGANIZATION,
    "township": DepartmentKind.TOWNSHIP,
}


# ---------------------------------------------------------------------------------------------
# The plan: pure data, no database.


@dataclass(frozen=True)
class VillageSpec:
    township: str
    code: str
    name: str
    kind: str
    households: int
    population: int
    resident_population: int
    is_poverty_village: bool
    poverty_exit_year: int | None
    collective_income_yuan: Decimal
    guidance_category: str
    is_active: bool = True


@dataclass(frozen=True)
class PilotSpec:
    village_code: str
    year: int
    level: str
    status: str
    is_demonstration: bool = False
    withdraw_reason: str = ""


def _rng(*parts) -> random.Random:
    # String seeds are hashed with SHA-512, so the sequence is the same in every process.
    return random.Random("/".join([SEED, *map(str, parts)]))


def _guidance(rng: random.Random, *, poverty: bool, income: Decimal, resident_share: float) -> str:
    if poverty:
        return GuidanceCategory.REMOTE_UNDERDEVELOPED
    if income >= 300_000:
        return GuidanceCategory.STRONG_COLLECTIVE_OR_RESETTLEMENT
    if resident_share < 0.65:
        return GuidanceCategory.POPULATION_OUTFLOW
    return rng.choice([GuidanceCategory.DISPERSED_DIFFICULT_TERRAIN, GuidanceCategory.POPULATION_OUTFLOW])


def plan_villages() -> list[VillageSpec]:
    """Every village and community of the demo county, in code order."""
    rng = _rng("names")
    all_names = [head + tail for head in NAME_HEADS for tail in NAME_TAILS]
    total = sum(n for _, _, n, _ in TOWNSHIPS) + 1
    # Unique county-wide, not only within a township: easier to search and to talk about.
    names = iter(rng.sample(all_names, total))
    specs = []
    for township, code, n_villages, n_communities in TOWNSHIPS:
        rng = _rng("villages", code)
        for i in range(n_communities):
            households = rng.randint(1200, 3000)
            population = int(households * rng.uniform(2.8, 3.4))
            specs.append(
                VillageSpec(
                    township=township,
                    code=f"{code}{i + 1:03d}",
                    name=COMMUNITY_NAMES[i],
                    kind=VillageKind.RESIDENTIAL_COMMUNITY,
                    households=households,
                    population=population,
                    resident_population=int(population * rng.uniform(0.9, 1.1)),
                    is_poverty_village=False,
                    poverty_exit_year=None,
                    collective_income_yuan=Decimal(rng.randrange(200_000, 900_000, 1000)),
                    guidance_category="",
                )
            )
        n_total = n_villages + (1 if township == INACTIVE_VILLAGE_TOWNSHIP else 0)
        # About a quarter of the villages were registered poverty villages.
        poverty = set(rng.sample(range(n_total), round(n_total / 4)))
        for i in range(n_total):
            households = rng.randint(180, 820)
            population = int(households * rng.uniform(3.1, 3.9))
            resident_share = rng.uniform(0.52, 0.9)
            is_poverty = i in poverty
            income = Decimal(rng.randrange(15_000, 90_000, 500) if is_poverty else rng.randrange(30_000, 600_000, 1000))
            specs.append(
                VillageSpec(
                    township=township,
                    code=f"{code}{201 + i:03d}",
                    name=next(names) + "村",
                    kind=VillageKind.ADMINISTRATIVE_VILLAGE,
                    households=households,
                    population=population,
                    resident_population=int(population * resident_share),
                    is_poverty_village=is_poverty,
                    poverty_exit_year=rng.choice([2016, 2017, 2018, 2019]) if is_poverty else None,
                    collective_income_yuan=income,
                    guidance_category=_guidance(rng, poverty=is_poverty, income=income, resident_share=resident_share),
                    is_active=i < n_villages,
                )
            )
    return specs


def plan_pilots(villages: list[VillageSpec]) -> list[PilotSpec]:
    """The pilot assignments of PILOT_PLAN, in the order they are entered (by year)."""
    by_township: dict[str, list[str]] = {}
    for spec in villages:
        if spec.kind == VillageKind.ADMINISTRATIVE_VILLAGE and spec.is_active:
            by_township.setdefault(spec.township, []).append(spec.code)
    last_year = YEARS[-1]
    per_year: dict[int, list[PilotSpec]] = {year: [] for year in YEARS}
    withdrawn = None
    for township, counts in PILOT_PLAN.items():
        extra = PROPOSED_LAST_YEAR.get(township, 0)
        rng = _rng("pilots", township)
        chosen = iter(rng.sample(by_township[township], sum(counts) + extra))
        for year, count in zip(YEARS, counts, strict=True):
            for _ in range(count):
                code = next(chosen)
                # 试点示范村 (R-A7) are named after acceptance (demo/acceptance.py), not at selection.
                per_year[year].append(PilotSpec(code, year, PilotLevel.COUNTY, PilotStatus.APPROVED))
                if township == WITHDRAWN_TOWNSHIP and year == WITHDRAWN_YEAR + 1 and withdrawn is None:
                    # The village withdrawn last year is this year's first pilot of the township.
                    withdrawn = PilotSpec(
                        code, WITHDRAWN_YEAR, PilotLevel.COUNTY, PilotStatus.WITHDRAWN, withdraw_reason=WITHDRAW_REASON
                    )
        for _ in range(extra):
            per_year[last_year].append(PilotSpec(next(chosen), last_year, PilotLevel.COUNTY, PilotStatus.PROPOSED))
    per_year[WITHDRAWN_YEAR].append(withdrawn)

    plan = []
    for year in YEARS:
        batch = per_year[year]
        approved = [i for i, spec in enumerate(batch) if spec.status == PilotStatus.APPROVED]
        key = set(_rng("provincial", year).sample(approved, PROVINCIAL_KEY_PER_YEAR[year]))
        plan.extend(
            PilotSpec(
                spec.village_code,
                spec.year,
                PilotLevel.PROVINCIAL_KEY if i in key else spec.level,
                spec.status,
                spec.is_demonstration,
                spec.withdraw_reason,
            )
            for i, spec in enumerate(batch)
        )
    return plan


# ---------------------------------------------------------------------------------------------
# Loading.


@dataclass
class DemoSummary:
    county: County
    program: PilotProgram
    townships: int = 0
    villages: int = 0
    departments: int = 0
    pilots: dict[str, int] = field(default_factory=dict)
    indicators: int = 0
    tasks: int = 0
    reports: int = 0
    created: dict[str, int] = field(default_factory=dict)
    logins: list[tuple[str, str, str, str]] = field(default_factory=list)
    liuzhi: DemoLiuzhi | None = None
    current: DemoCurrent | None = None


def _load_departments_data() -> list[dict]:
    with (DATA_DIR / "badong_departments.json").open(encoding="utf-8") as fh:
        return json.load(fh)["departments"]


def _ensure_county() -> County:
    county, _ = County.objects.get_or_create(
        province=COUNTY["province"],
        name=COUNTY["name"],
        defaults={"prefecture": COUNTY["prefecture"], "admin_code": COUNTY["admin_code"]},
    )
    return county


def _ensure_townships(county: County) -> tuple[dict[str, Township], int]:
    created = 0
    townships = {}
    for name, code, _, _ in TOWNSHIPS:
        township = Township.objects.filter(county=county, name=name).first()
        if township is None:
            township = Township(
                county=county,
                name=name,
                code=code,
                kind=TownshipKind.RURAL_TOWNSHIP if name.endswith("乡") else TownshipKind.TOWN,
                is_demonstration=name in DEMONSTRATION_TOWNSHIPS,
            )
            township.full_clean()
            township.save()
            created += 1
        townships[name] = township
    return townships, created


def _ensure_villages(townships: dict[str, Township], specs: list[VillageSpec]) -> tuple[dict[str, Village], int]:
    existing = {
        village.code: village for village in Village.objects.filter(township__in=townships.values()).exclude(code="")
    }
    new = []
    for spec in specs:
        if spec.code in existing:
            continue
        village = Village(
            township=townships[spec.township],
            code=spec.code,
            name=spec.name,
            kind=spec.kind,
            households=spec.households,
            population=spec.population,
            resident_population=spec.resident_population,
            is_poverty_village=spec.is_poverty_village,
            poverty_exit_year=spec.poverty_exit_year,
            collective_income_yuan=spec.collective_income_yuan,
            guidance_category=spec.guidance_category,
            is_active=spec.is_active,
            # The demo's merged village left before the program began, so no year counts it
            # (the rule the 0008 migration applies to villages marked inactive before).
            ended_on=None if spec.is_active else datetime.date(PROGRAM["start_year"], 1, 1),
        )
        village.full_clean()
        new.append(village)
    Village.objects.bulk_create(new, batch_size=500)
    if new:
        existing = {
            village.code: village
            for village in Village.objects.filter(township__in=townships.values()).exclude(code="")
        }
    return existing, len(new)


def _ensure_departments(county: County) -> tuple[dict[str, Department], int]:
    created = 0
    departments = {}
    for row in _load_departments_data():
        # "各乡镇人民政府" is the townships collectively, not a county unit: each township is a
        # Township with its own township-role users, and a Department row for them would be a
        # lead unit that nobody signs in for. Its duties (§四(一)) belong to every township.
        if row["kind"] == "township":
            continue
        department = Department.objects.filter(county=county, key=row["key"]).first()
        if department is None:
            department = Department(
                county=county,
                key=row["key"],
                name=row["name_zh"],
                short_name=row["short_name"],
                kind=DEPARTMENT_KINDS.get(row["kind"], DepartmentKind.OTHER),
                in_leading_group=row["in_leading_group"],
                remit=row.get("remit", []),
            )
            department.full_clean()
            department.save()
            created += 1
        departments[row["key"]] = department
    return departments, created


def _ensure_users(county, townships, departments) -> tuple[dict[str, User], list[tuple[str, str, str, str]]]:
    """The demo logins, reset to the documented password on every run (a demo must open with
    the password the README gives)."""
    users, logins = {}, []
    # One hash for all of them: the password is public anyway, and hashing it anew for each of
    # some twenty accounts (about half a second each) made every run of load_demo seconds slower.
    password = make_password(DEMO_PASSWORD)
    for demo in DEMO_USERS:
        user = User.objects.filter(username=demo.username).first() or User(username=demo.username)
        user.role = demo.role
        user.last_name = demo.label
        user.county = county
        user.township = townships[demo.township] if demo.township else None
        user.department = departments[demo.department_key] if demo.department_key else None
        user.is_staff = demo.is_staff
        user.is_unit_leader = demo.is_unit_leader
        user.is_superuser = False
        user.is_active = True
        user.inactivity_disabled_at = None
        user.password = password
        user.password_changed_at = timezone.now()  # what set_password stamps: the age clock restarts
        # The documented password opens the demo straight away (the upgrade made the duty
        # accounts with a password to be set and replaced).
        user.must_change_password = False
        user.full_clean()
        user.save()
        users[demo.username] = user
        logins.append((demo.username, DEMO_PASSWORD, Role(demo.role).label, demo.label))
    return users, logins


def _ensure_program(county: County) -> tuple[PilotProgram, int]:
    program = PilotProgram.objects.filter(code=PROGRAM["code"]).first()
    if program is not None:
        return program, 0
    # Quota rules are the model defaults, which are the plan's numbers (SPEC R-A2…R-A6, R-B1).
    program = PilotProgram(county=county, cumulative_by_year=PROGRAM["end_year"], **PROGRAM)
    program.full_clean()
    program.save()
    return program, 1


def _on(year: int, month_day: tuple[int, int]) -> datetime.datetime:
    """Nine in the morning, local time, on that day of `year`."""
    return timezone.make_aware(datetime.datetime(year, *month_day, 9))


def _ensure_pilots(*, actor, program, villages, plan: list[PilotSpec]) -> int:
    taken = set(PilotAssignment.objects.filter(program=program).values_list("village__code", "year", "status"))
    held = {code for code, _, status in taken if status != PilotStatus.WITHDRAWN}
    planned = {(code, year) for code, year, _ in taken}
    created = 0
    for spec in plan:
        if (spec.village_code, spec.year) in planned:
            continue
        if spec.status != PilotStatus.WITHDRAWN and spec.village_code in held:
            # Someone re-planned this village on the pages; the demo leaves their choice alone.
            continue
        assignment = services.pilot_assignment_propose(
            actor=actor,
            program=program,
            village=villages[spec.village_code],
            year=spec.year,
            level=spec.level,
            is_demonstration=spec.is_demonstration,
        )
        if spec.status in (PilotStatus.APPROVED, PilotStatus.WITHDRAWN):
            assignment = services.pilot_assignment_approve(actor=actor, assignment=assignment)
        if spec.status == PilotStatus.WITHDRAWN:
            services.pilot_assignment_withdraw(actor=actor, assignment=assignment, reason=spec.withdraw_reason)
        else:
            held.add(spec.village_code)
        if spec.status != PilotStatus.PROPOSED:
            PilotAssignment.objects.filter(pk=assignment.pk).update(
                approved_at=_on(spec.year, APPROVED_ON),
                withdrawn_at=_on(spec.year, WITHDRAWN_ON) if spec.status == PilotStatus.WITHDRAWN else None,
            )
        planned.add((spec.village_code, spec.year))
        created += 1
    return created


def _indicator_values(code: str, year: int, village: Village) -> dict:
    rng = _rng("indicator", code, year)
    catalogue = 30
    poor = rng.randint(8, 60) if village.is_poverty_village else rng.randint(0, 12)
    income = village.collective_income_yuan or Decimal("0")
    return {
        # R-B1 asks for 600 m² "in principle"; a few stations fall short so the metric shows.
        "service_station_area_m2": Decimal(rng.randrange(380, 950, 10)),
        "room_convenience_service": True,
        "room_day_care": rng.random() < 0.7,
        "room_mediation": rng.random() < 0.85,
        "room_culture": True,
        "room_health": rng.random() < 0.9,
        "room_fitness": rng.random() < 0.6,
        "info_platform_covered": rng.random() < 0.85,
        "grid_platform_covered": rng.random() < 0.6,
        "video_surveillance_covered": rng.random() < 0.75,
        "public_service_items_offered": rng.randint(18, catalogue),
        "public_service_items_in_catalogue": catalogue,
        "left_behind_children": rng.randint(5, 60),
        "left_behind_women": rng.randint(3, 40),
        "left_behind_elderly": rng.randint(20, 150),
        "social_org_count": rng.randint(0, 4),
        "volunteer_count": rng.randint(5, 80),
        "collective_income_yuan": (income * Decimal(rng.uniform(0.9, 1.3))).quantize(Decimal("1")),
        "poor_households": poor,
        "poor_households_with_main_business": rng.randint(poor * 2 // 3, poor) if poor else 0,
        **{name: rng.random() < 0.85 for name in INFRA_FIELDS},
        "poor_households_lifted": rng.randint(poor * 3 // 4, poor) if poor else 0,
    }


INFRA_FIELDS = (
    "infra_roads",
    "infra_street_lights",
    "infra_river",
    "infra_greening",
    "infra_water_sewage",
    "infra_waste_station",
)
# The year the standards pages open on (the program's last); most pilots reported it and meet
# the plan, a few fall short of one standard, a few have not reported.
STANDARDS_YEAR = 2020
# What a pilot that falls short misses, in turn: the area the plan asks "in principle", video,
# a function room, the waste station, two public-service items.
SHORTFALLS = (
    {"service_station_area_m2": Decimal("450")},
    {"video_surveillance_covered": False},
    {"room_day_care": False},
    {"infra_waste_station": False},
    {"public_service_items_offered": 28},
)


def _compliant_values(code: str, year: int, village: Village) -> dict:
    """A pilot that built what the plan asks: every standard met, with varied figures."""
    rng = _rng("standards", code, year)
    poor = rng.randint(5, 40) if village.is_poverty_village else rng.randint(0, 8)
    catalogue = 30
    return {
        "service_station_area_m2": Decimal(rng.randrange(600, 980, 10)),
        **dict.fromkeys(ROOM_FIELDS, True),
        **dict.fromkeys(INFRA_FIELDS, True),
        "info_platform_covered": True,
        "grid_platform_covered": rng.random() < 0.7,  # R-C2 asks 50 %, not every village
        "video_surveillance_covered": True,
        "public_service_items_offered": catalogue,
        "public_service_items_in_catalogue": catalogue,
        "left_behind_children": rng.randint(5, 60),
        "left_behind_women": rng.randint(3, 40),
        "left_behind_elderly": rng.randint(20, 150),
        "social_org_count": rng.randint(1, 5),
        "volunteer_count": rng.randint(10, 90),
        "collective_income_yuan": Decimal(rng.randrange(52_000, 400_000, 1000)),
        "poor_households": poor,
        "poor_households_with_main_business": poor,
        "poor_households_lifted": poor,
    }


ROOM_FIELDS = (
    "room_convenience_service",
    "room_day_care",
    "room_mediation",
    "room_culture",
    "room_health",
    "room_fitness",
)


def _ensure_standard_indicators(*, admin, users, villages, plan: list[PilotSpec]) -> int:
    """STANDARDS_YEAR indicators of the pilots counted that year, confirmed: about one in nine
    not reported, one in five short of one standard (SHORTFALLS in turn), the rest compliant."""
    township_users = {
        user.township_id: user for user in users.values() if user.role == Role.TOWNSHIP and not user.is_unit_leader
    }
    pilots = [
        villages[spec.village_code]
        for spec in plan
        if spec.status == PilotStatus.APPROVED and spec.year <= STANDARDS_YEAR
    ]
    existing = set(
        VillageIndicator.objects.filter(village__in=pilots, year=STANDARDS_YEAR).values_list("village_id", flat=True)
    )
    created = 0
    for index, village in enumerate(pilots):
        if village.pk in existing or index % 9 == 4:
            continue
        values = _compliant_values(village.code, STANDARDS_YEAR, village)
        if index % 5 == 1:
            values.update(SHORTFALLS[(index // 5) % len(SHORTFALLS)])
        reporter = township_users.get(village.township_id, admin)
        indicator = services.village_indicator_submit(actor=reporter, village=village, year=STANDARDS_YEAR, **values)
        services.village_indicator_confirm(actor=admin, indicator=indicator)
        created += 1
    return created


def _ensure_indicator_years(*, admin, county, years) -> list[IndicatorYear]:
    """The demo opens the years its indicators are entered for, and this year's (issue 13);
    returns the ones it opened now."""
    opened = set(IndicatorYear.objects.filter(county=county).values_list("year", flat=True))
    return [indicator_year_open(actor=admin, county=county, year=year) for year in sorted(set(years) - opened)]


def _ensure_indicators(*, admin, users, townships, villages, plan: list[PilotSpec]) -> int:
    """2019 and 2020 indicators of two early pilots per township: 2019 confirmed; 2020 one
    awaiting confirmation and one confirmed (东瀼口镇's returned for correction instead)."""
    township_users = {
        user.township_id: user for user in users.values() if user.role == Role.TOWNSHIP and not user.is_unit_leader
    }
    early = {}
    for spec in plan:
        if spec.status == PilotStatus.APPROVED and spec.year <= 2018:
            village = villages[spec.village_code]
            early.setdefault(village.township_id, []).append(village)
    existing = set(
        VillageIndicator.objects.filter(village__township__in=townships.values()).values_list("village_id", "year")
    )
    new_years = _ensure_indicator_years(admin=admin, county=admin.county, years=(2019, 2020, timezone.localdate().year))
    created = 0
    for township in townships.values():
        reporter = township_users.get(township.pk, admin)
        for index, village in enumerate(early.get(township.pk, [])[:2]):
            for year in (2019, 2020):
                if (village.pk, year) in existing:
                    continue
                # By 2020 the oldest pilots have built what the plan asks (the standards pages show
                # them met); 2019 still has the gaps of a pilot under construction.
                make_values = _compliant_values if year == STANDARDS_YEAR else _indicator_values
                values = make_values(village.code, year, village)
                indicator = services.village_indicator_submit(actor=reporter, village=village, year=year, **values)
                created += 1
                if year == 2019 or index == 1:
                    if township.name == "东瀼口镇" and year == 2020:
                        services.village_indicator_return(
                            actor=admin, indicator=indicator, reason="留守老人人数与民政台账不一致，请核实后重新填报。"
                        )
                    else:
                        services.village_indicator_confirm(actor=admin, indicator=indicator)
    # 2019's figures are final: the county closed the year once its indicators were in.
    for row in new_years:
        if row.year == 2019:
            indicator_year_close(actor=admin, indicator_year=row)
    return created


def _ensure_current_indicators(*, admin, users, program) -> int:
    """This year's indicators of the current program's pilots, entered by their townships'
    accounts on the story's days: most confirmed, every fourth waiting for the county office,
    one returned for correction. A pilot that has this year's record is left as it is."""
    today = timezone.localdate()
    year = today.year
    township_users = {
        user.township_id: user for user in users.values() if user.role == Role.TOWNSHIP and not user.is_unit_leader
    }
    pilots = list(
        Village.objects.filter(
            pilot_assignments__program=program,
            pilot_assignments__status__in=COUNTED_PILOT_STATUSES,
            township__pk__in=township_users,
        )
        .exclude(indicators__year=year)
        .order_by("code")
        .distinct()
    )
    for index, village in enumerate(pilots):
        reported_on = today - datetime.timedelta(days=3 + index % 20)
        values = _indicator_values(village.code, year, village)
        indicator = services.village_indicator_submit(
            actor=township_users[village.township_id], village=village, year=year, **values
        )
        stamps = {"reported_at": _on_day(reported_on), "created_at": _on_day(reported_on)}
        if index == 1:
            services.village_indicator_return(
                actor=admin, indicator=indicator, reason="村集体经济收入与农经台账不一致，请核实后重新填报。"
            )
            stamps["updated_at"] = _on_day(reported_on + datetime.timedelta(days=1))
        elif index % 4 != 0:
            services.village_indicator_confirm(actor=admin, indicator=indicator)
            stamps["confirmed_at"] = stamps["updated_at"] = _on_day(reported_on + datetime.timedelta(days=2))
        else:
            stamps["updated_at"] = stamps["reported_at"]
        VillageIndicator.objects.filter(pk=indicator.pk).update(**stamps)
    return len(pilots)


def _on_day(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(10)))


def _refresh_planner_statistics() -> None:
    """ANALYZE after the bulk load, as one does after any: until autovacuum gets to the new rows
    PostgreSQL plans for empty tables, and the first reminder scan took minutes instead of
    milliseconds (nested loops over thousands of rows). Inside the loader's transaction ANALYZE
    counts the rows the transaction wrote."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


@transaction.atomic
def load_demo() -> DemoSummary:
    """Create whatever of the demo county is missing; return what it holds now."""
    started = timezone.now()
    county = _ensure_county()
    townships, n_townships = _ensure_townships(county)
    village_specs = plan_villages()
    villages, n_villages = _ensure_villages(townships, village_specs)
    departments, n_departments = _ensure_departments(county)
    users, logins = _ensure_users(county, townships, departments)
    program, n_programs = _ensure_program(county)
    n_standards = ensure_standards(program)
    admin = users["county_admin"]
    plan = plan_pilots(village_specs)
    n_pilots = _ensure_pilots(actor=admin, program=program, villages=villages, plan=plan)
    n_indicators = _ensure_indicators(admin=admin, users=users, townships=townships, villages=villages, plan=plan)
    n_indicators += _ensure_standard_indicators(admin=admin, users=users, villages=villages, plan=plan)
    demo_tasks = load_demo_tasks(county=county, program=program, admin=admin)
    load_demo_assessments(county=county, program=program, admin=admin)
    load_demo_acceptance(county=county, program=program, admin=admin)
    load_demo_guardianship(county=county, admin=admin)
    load_demo_supervision(county=county, admin=admin)
    liuzhi = load_demo_liuzhi(password=DEMO_PASSWORD)
    n_nominations = load_demo_nominations(program=program, admin=admin, users=users)
    # The 2018 村改社区 leaves the indicators and pilots entered above as they were.
    n_village_events = load_demo_history(county=county, admin=admin)
    # The services told people of every past decision as the history was replayed; those
    # messages were read long ago. The current program's, written next, wait in the inboxes.
    notification_file_as_read(created_since=started)
    # Last: the current program picks its pilots among the villages the history left untouched.
    current = load_demo_current(county=county, admin=admin, users=users)
    n_indicators += _ensure_current_indicators(admin=admin, users=users, program=current.program)
    _refresh_planner_statistics()

    pilots = dict.fromkeys(PilotStatus.values, 0)
    for status in PilotAssignment.objects.filter(program=program).values_list("status", flat=True):
        pilots[status] += 1
    return DemoSummary(
        county=county,
        program=program,
        townships=len(townships),
        villages=Village.objects.filter(township__county=county).count(),
        departments=len(departments),
        pilots=pilots,
        indicators=VillageIndicator.objects.filter(village__township__county=county).count(),
        tasks=demo_tasks.tasks,
        reports=demo_tasks.reports,
        created={
            "townships": n_townships,
            "villages": n_villages,
            "departments": n_departments,
            "programs": n_programs,
            "standards": n_standards,
            "pilots": n_pilots,
            "indicators": n_indicators,
            "nominations": n_nominations,
            "village_events": n_village_events,
            **demo_tasks.created,
            "liuzhi_departments": liuzhi.created_departments,
            "liuzhi_tasks": liuzhi.created_tasks,
            **current.created,
        },
        logins=[*logins, liuzhi.login],
        liuzhi=liuzhi,
        current=current,
    )
