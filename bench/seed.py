"""Synthetic counties for the benchmark, written with bulk inserts.

County number 1 is the one measured; counties 2…N are the rest of the province. Every county
looks like the demo county: 12 townships of different sizes, 300 villages, a 2016–2020
program with about 18 approved pilots a year and a few still proposed in the last year.
"""

import math
import random
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from django.db import connection, transaction

from pilot_admin.choices import Role
from pilot_admin.models import User
from villages.choices import (
    GuidanceCategory,
    IndicatorStatus,
    PilotLevel,
    PilotStatus,
    PlanGoal,
    StandardAppliesTo,
    StandardMetric,
    VillageKind,
)
from villages.models import County, PilotAssignment, PilotProgram, ProgramStandard, Township, Village, VillageIndicator

BENCH_PROVINCE = "基准省"
BENCH_ADMIN_USERNAME = "bench_county_admin"
YEARS = range(2016, 2021)
MEASURED_YEAR = 2019
# Relative township sizes of the demo county; scaled to the villages per county asked for.
TOWNSHIP_WEIGHTS = (14, 26, 30, 28, 24, 20, 25, 40, 32, 27, 16, 18)
PROVINCIAL_KEY_PER_YEAR = 5
BATCH_SIZE = 2000


@dataclass(frozen=True)
class Scale:
    townships_per_county: int = 12
    villages_per_county: int = 300


@dataclass
class SeedCounts:
    counties: int = 0
    townships: int = 0
    villages: int = 0
    pilots: int = 0


def program_code(index: int) -> str:
    return f"bench-{index:03d}"


def township_sizes(scale: Scale) -> list[int]:
    weights = [TOWNSHIP_WEIGHTS[i % len(TOWNSHIP_WEIGHTS)] for i in range(scale.townships_per_county)]
    total = sum(weights)
    sizes = [max(1, weight * scale.villages_per_county // total) for weight in weights]
    for i in range(scale.villages_per_county - sum(sizes)):
        sizes[i % len(sizes)] += 1
    return sizes


def non_bench_data_present() -> bool:
    """True when the database holds anything the benchmark did not write. Raw SQL on whatever
    tables exist, because it runs before migrate (the schema may be older than the models)."""
    tables = set(connection.introspection.table_names())
    probes = [
        (County._meta.db_table, "province <> %s", BENCH_PROVINCE),
        # The bench's own users are all named bench_… (the measured admin, the Excel counties').
        # A prefix compared, not LIKE: SQLite's LIKE has no escape character unless one is named
        # (so the pattern bench\_% matched no username there) and ignores case; substr reads the same on both.
        (User._meta.db_table, "substr(username, 1, 6) <> %s", "bench_"),
    ]
    with connection.cursor() as cursor:
        for table, condition, value in probes:
            if table in tables:
                cursor.execute(f"SELECT 1 FROM {connection.ops.quote_name(table)} WHERE {condition} LIMIT 1", [value])
                if cursor.fetchone():
                    return True
    return False


def seed_measured_county(scale: Scale = Scale()) -> tuple[User, SeedCounts]:
    """County 1 and its county admin, who approved its pilots and signs in for every
    measurement."""
    admin = User(username=BENCH_ADMIN_USERNAME, role=Role.COUNTY_ADMIN, is_staff=True, last_name="基准县办公室")
    admin.set_unusable_password()
    admin.save()
    counts = seed_counties(1, 1, scale, approver=admin)
    admin.county = County.objects.get(province=BENCH_PROVINCE, admin_code=_county_code(1))
    admin.save(update_fields=["county"])
    return admin, counts


def _county_code(index: int) -> str:
    return f"9{index:05d}"


def _pilot_plan(rng: random.Random, sizes: list[int]) -> list[list[tuple[int, int, str]]]:
    """Per township, (village index, year, status) of its pilots: about the 5 % quota each year,
    one short now and then, distinct villages across the program."""
    plan = []
    for size in sizes:
        required = math.ceil(Decimal("0.05") * size)
        rows, next_village = [], 0
        for year in YEARS:
            count = max(0, required - (1 if rng.random() < 0.2 else 0))
            for _ in range(min(count, size - next_village)):
                status = PilotStatus.PROPOSED if year == YEARS[-1] and rng.random() < 0.15 else PilotStatus.APPROVED
                rows.append((next_village, year, status))
                next_village += 1
        plan.append(rows)
    return plan


@transaction.atomic
def seed_counties(first: int, last: int, scale: Scale = Scale(), *, approver: User | None = None) -> SeedCounts:
    """Counties number first…last (inclusive), each complete with townships, villages, its
    program and pilots; a handful of bulk INSERTs for the whole range."""
    indexes = range(first, last + 1)
    sizes = township_sizes(scale)
    counties = County.objects.bulk_create(
        [
            County(name=f"基准县{i:03d}", province=BENCH_PROVINCE, prefecture="基准州", admin_code=_county_code(i))
            for i in indexes
        ]
    )
    townships = Township.objects.bulk_create(
        [
            Township(county=county, code=f"{county.admin_code}{j + 1:03d}", name=f"第{j + 1:02d}乡镇")
            for county in counties
            for j in range(len(sizes))
        ],
        batch_size=BATCH_SIZE,
    )
    villages = []
    for t_index, township in enumerate(townships):
        rng = random.Random(township.code)
        for k in range(sizes[t_index % len(sizes)]):
            households = rng.randint(180, 820)
            population = int(households * rng.uniform(3.1, 3.9))
            villages.append(
                Village(
                    township=township,
                    code=f"{township.code}{201 + k:03d}",
                    # Unique in the county, so list orderings are deterministic.
                    name=f"{t_index % len(sizes) + 1:02d}乡{k + 1:03d}村",
                    kind=VillageKind.ADMINISTRATIVE_VILLAGE,
                    households=households,
                    population=population,
                    resident_population=int(population * rng.uniform(0.55, 0.9)),
                    is_poverty_village=rng.random() < 0.25,
                    collective_income_yuan=Decimal(rng.randrange(20_000, 600_000, 1000)),
                    guidance_category=rng.choice(GuidanceCategory.values),
                )
            )
    villages = Village.objects.bulk_create(villages, batch_size=BATCH_SIZE)
    programs = PilotProgram.objects.bulk_create(
        [
            PilotProgram(
                county=county,
                code=program_code(i),
                name=f"基准县{i:03d}农村社区建设试点",
                start_year=YEARS[0],
                end_year=YEARS[-1],
                cumulative_by_year=YEARS[-1],
            )
            for i, county in zip(indexes, counties, strict=True)
        ]
    )
    by_township: dict[int, list[Village]] = {}
    for village in villages:
        by_township.setdefault(village.township_id, []).append(village)
    approved_at = {year: datetime(year, 4, 15, 9, 0, tzinfo=UTC) for year in YEARS}
    pilots = []
    for c_index, (county, program) in enumerate(zip(counties, programs, strict=True)):
        rng = random.Random(county.admin_code)
        county_townships = townships[c_index * len(sizes) : (c_index + 1) * len(sizes)]
        plan = _pilot_plan(rng, sizes)
        key_left = dict.fromkeys(YEARS, PROVINCIAL_KEY_PER_YEAR)
        for township, rows in zip(county_townships, plan, strict=True):
            for village_index, year, status in rows:
                approved = status == PilotStatus.APPROVED
                level = PilotLevel.COUNTY
                if approved and key_left[year]:
                    level, key_left[year] = PilotLevel.PROVINCIAL_KEY, key_left[year] - 1
                village = by_township[township.pk][village_index]
                pilots.append(
                    PilotAssignment(
                        program=program,
                        village=village,
                        year=year,
                        level=level,
                        provincial_status=PilotAssignment.provincial_status_for_level(level),
                        status=status,
                        guidance_category=village.guidance_category,
                        approved_by=approver if approved else None,
                        approved_at=approved_at[year] if approved else None,
                    )
                )
    PilotAssignment.objects.bulk_create(pilots, batch_size=BATCH_SIZE)
    _seed_standards(programs, pilots, approver)
    return SeedCounts(counties=len(counties), townships=len(townships), villages=len(villages), pilots=len(pilots))


# Every program's construction standards, the plan's eleven (demo/standards.py), by metric:
# (code, metric, threshold, applies_to, due_year, target_rate).
STANDARDS = (
    ("R-B1", StandardMetric.STATION_AREA, "600", StandardAppliesTo.ALL_PILOTS, None, "1"),
    ("R-B2", StandardMetric.FUNCTION_ROOMS, "6", StandardAppliesTo.ALL_PILOTS, None, "1"),
    ("R-B3", StandardMetric.INFRASTRUCTURE, "6", StandardAppliesTo.ALL_PILOTS, None, "1"),
    ("R-C1", StandardMetric.INFO_PLATFORM, "1", StandardAppliesTo.ALL_PILOTS, None, "1"),
    ("R-C2", StandardMetric.GRID_PLATFORM, "1", StandardAppliesTo.ALL_PILOTS, None, "0.5"),
    ("R-C3", StandardMetric.VIDEO_SURVEILLANCE, "1", StandardAppliesTo.ALL_PILOTS, None, "1"),
    ("R-C4", StandardMetric.PUBLIC_SERVICE_ITEMS, "1", StandardAppliesTo.ALL_PILOTS, None, "1"),
    ("R-C5", StandardMetric.SOCIAL_ORGS, "1", StandardAppliesTo.ALL_PILOTS, 2020, "1"),
    ("R-E1", StandardMetric.POVERTY_EXIT, "1", StandardAppliesTo.POVERTY_PILOTS, 2020, "1"),
    ("R-E2", StandardMetric.COLLECTIVE_INCOME, "50000", StandardAppliesTo.POVERTY_PILOTS, 2019, "1"),
    ("R-E3", StandardMetric.MAIN_BUSINESS, "1", StandardAppliesTo.ALL_PILOTS, 2019, "1"),
)


def _seed_standards(programs, pilots, reporter) -> None:
    """The standards of every program and a confirmed MEASURED_YEAR indicator for nine in ten
    approved pilots of the year or before (the rest not reported), about one in six short of
    the area standard."""
    ProgramStandard.objects.bulk_create(
        [
            ProgramStandard(
                program=program,
                code=code,
                goal=PlanGoal.FACILITIES,
                title=code,
                metric=metric,
                threshold=Decimal(threshold),
                applies_to=applies_to,
                due_year=due_year,
                target_rate=Decimal(target),
                order=index,
            )
            for program in programs
            for index, (code, metric, threshold, applies_to, due_year, target) in enumerate(STANDARDS)
        ],
        batch_size=BATCH_SIZE,
    )
    now = datetime(MEASURED_YEAR + 1, 2, 1, 9, 0, tzinfo=UTC)
    rows = []
    for index, pilot in enumerate(pilots):
        if pilot.status != PilotStatus.APPROVED or pilot.year > MEASURED_YEAR or index % 10 == 7:
            continue
        poor = index % 9
        rows.append(
            VillageIndicator(
                village_id=pilot.village_id,
                year=MEASURED_YEAR,
                status=IndicatorStatus.CONFIRMED,
                service_station_area_m2=Decimal(450 if index % 6 == 1 else 600 + index % 300),
                **dict.fromkeys(ROOMS_AND_FLAGS, index % 11 != 3),
                **dict.fromkeys(INFRA, True),
                public_service_items_offered=30,
                public_service_items_in_catalogue=30,
                social_org_count=index % 4,
                collective_income_yuan=Decimal(40_000 + (index % 5) * 10_000),
                poor_households=poor,
                poor_households_with_main_business=poor,
                poor_households_lifted=poor,
                reported_by=reporter,
                reported_at=now,
                confirmed_by=reporter,
                confirmed_at=now,
            )
        )
    VillageIndicator.objects.bulk_create(rows, batch_size=BATCH_SIZE, ignore_conflicts=True)


ROOMS_AND_FLAGS = (
    "room_convenience_service",
    "room_day_care",
    "room_mediation",
    "room_culture",
    "room_health",
    "room_fitness",
    "info_platform_covered",
    "grid_platform_covered",
    "video_surveillance_covered",
)
INFRA = (
    "infra_roads",
    "infra_street_lights",
    "infra_river",
    "infra_greening",
    "infra_water_sewage",
    "infra_waste_station",
)


def analyze() -> None:
    """Fresh planner statistics after a bulk load, as autovacuum would give a live system."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def sign_in(client, user) -> None:
    """Sign `user` in on the test client as a county office member would be: password and second
    factor both given (a confirmed TOTP device, its id in the session, as django-otp's login
    leaves it), so the two-factor middleware lets every request through and still runs."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDevice.objects.create(
        user=user, name="bench", confirmed=True
    )
    # Signed in by the backend a password login goes through (its get_user loads the units).
    client.force_login(user, backend="pilot_admin.backends.RoleBackend")
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
