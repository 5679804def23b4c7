"""The rest of the province's work, county by county, so county 1 (measured) holds its
proportional share: each county's units (8 county departments and its township
governments), 30 tasks of its program with reporting periods and reports (bench/tasks_seed.py,
shared with the reminder scan), and one year (MEASURED_YEAR) of confirmed inspections of its
pilots with item scores, grades, rectifications and a few re-inspections. Bulk SQL throughout:
INSERT … SELECT wherever rows follow from rows already there.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, transaction

from assessments.choices import Grade, InspectionStatus, RectificationStatus, TemplateStatus
from assessments.models import Inspection, ItemScore, Rectification, ScoreItem, ScoreSection, ScoreTemplate
from bench import tasks_seed
from bench.seed import MEASURED_YEAR, _county_code
from bench.tasks_seed import quoted as _t
from tasks.choices import AssignmentRole
from tasks.models import TaskAssignment
from villages.choices import DepartmentKind, PilotStatus
from villages.models import County, Department, PilotAssignment, PilotProgram, Township

TASKS_PER_COUNTY = 30
PERIODS_PER_TASK = 6
PERIOD_SPACING_DAYS = 61
# Reports stop at this date (a third of the next ten days' reported early): the program's
# later periods are owed and overdue.
REPORTS_UNTIL = datetime.date(2020, 3, 1)
REPORTED_AT = datetime.datetime(MEASURED_YEAR, 9, 1, tzinfo=datetime.UTC)
COUNTY_UNITS = (
    ("party", DepartmentKind.PARTY, "县委组织部"),
    ("civil", DepartmentKind.GOVERNMENT, "县民政局"),
    ("finance", DepartmentKind.GOVERNMENT, "县财政局"),
    ("housing", DepartmentKind.GOVERNMENT, "县住建局"),
    ("agri", DepartmentKind.GOVERNMENT, "县农业农村局"),
    ("propaganda", DepartmentKind.PARTY, "县委宣传部"),
    ("youth", DepartmentKind.MASS_ORGANIZATION, "团县委"),
    ("women", DepartmentKind.MASS_ORGANIZATION, "县妇联"),
)
ITEMS_PER_SECTION = 5
SECTIONS = ("组织建设", "服务设施", "服务内容", "治理机制")


@dataclass
class WorkCounts:
    tasks: int = 0
    periods: int = 0
    assignments: int = 0
    reports: int = 0
    inspections: int = 0
    rectifications: int = 0

    def __iadd__(self, other: "WorkCounts") -> "WorkCounts":
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        return self


def _task_start(i: int) -> datetime.date:
    return datetime.date(MEASURED_YEAR, 1, 1) + datetime.timedelta(days=i % 60)


def _task_deadline(i: int) -> datetime.date:
    return datetime.date(MEASURED_YEAR, 9, 30) + datetime.timedelta(days=30 * (i % 12))


def _task_closed_at(i: int) -> datetime.datetime | None:
    """One task in four closed out ten days before its deadline."""
    if i % 4:
        return None
    closed = _task_deadline(i) - datetime.timedelta(days=10)
    return datetime.datetime(closed.year, closed.month, closed.day, 8, 0, tzinfo=datetime.UTC)


def _first_due(i: int) -> datetime.date:
    return datetime.date(MEASURED_YEAR, 2, 20) + datetime.timedelta(days=i % 20)


@transaction.atomic
def seed(first: int, last: int) -> WorkCounts:
    """Units, tasks and inspections of counties number first…last (seed.seed_counties made them)."""
    counties = list(
        County.objects.filter(admin_code__gte=_county_code(first), admin_code__lte=_county_code(last)).order_by(
            "admin_code"
        )
    )
    counts = _seed_tasks(counties, first, last)
    counts += _seed_inspections(first, last)
    return counts


def _seed_tasks(counties: list[County], first: int, last: int) -> WorkCounts:
    Department.objects.bulk_create(
        [
            Department(county=county, key=key, name=name, kind=kind)
            for county in counties
            for key, kind, name in COUNTY_UNITS
        ]
        + [
            Department(
                county=county,
                key=f"gov-{township.pk}",
                name=f"{township.name}人民政府",
                kind=DepartmentKind.TOWNSHIP,
                township=township,
            )
            for county in counties
            for township in Township.objects.filter(county=county)
        ],  # fmt: skip
        batch_size=tasks_seed.BATCH_SIZE,
    )
    units: dict[int, tuple[list[int], list[int]]] = {}
    for county_id, pk, kind in Department.objects.filter(county__in=counties).values_list("county", "pk", "kind"):
        county_units, townships = units.setdefault(county_id, ([], []))
        (townships if kind == DepartmentKind.TOWNSHIP else county_units).append(pk)
    programs = list(PilotProgram.objects.filter(county__in=counties).order_by("county__admin_code"))
    tasks = tasks_seed.create_tasks_with_periods(
        programs,
        per_program=TASKS_PER_COUNTY,
        code_prefix="T",
        first_due=_first_due,
        periods=PERIODS_PER_TASK,
        spacing_days=PERIOD_SPACING_DAYS,
        start_date=_task_start,
        deadline=_task_deadline,
        closed_out_at=_task_closed_at,
    )
    county_of = {program.pk: program.county_id for program in programs}
    assignments = []
    for index, task in enumerate(tasks):
        i = index % TASKS_PER_COUNTY
        county_units, townships = units[county_of[task.program_id]]
        n = len(county_units)
        assignments.append(TaskAssignment(task=task, department_id=county_units[i % n], role=AssignmentRole.LEAD))
        for step in (1, 3):
            assignments.append(
                TaskAssignment(task=task, department_id=county_units[(i + step) % n], role=AssignmentRole.COOPERATING)
            )
        if i % 3 == 0:
            assignments += [TaskAssignment(task=task, department_id=t, role=AssignmentRole.TOWNSHIP) for t in townships]
    TaskAssignment.objects.bulk_create(assignments, batch_size=tasks_seed.BATCH_SIZE)
    counties_sql, params = tasks_seed.counties_by_code_sql(_county_code(first), _county_code(last))
    reports = tasks_seed.insert_reports(
        counties_sql=counties_sql, counties_params=params, cutoff=REPORTS_UNTIL, early_days=10, submitted=REPORTED_AT
    )
    return WorkCounts(
        tasks=len(tasks), periods=len(tasks) * PERIODS_PER_TASK, assignments=len(assignments), reports=reports
    )


def _seed_inspections(first: int, last: int) -> WorkCounts:
    """A published 100-point sheet per program for the year; one confirmed inspection of every
    pilot approved by the year, scored item by item (total and grade follow from the items);
    rectifications for the weak items (a third each open, submitted, verified); one failed
    village in two re-inspected and confirmed, superseding its first result."""
    programs = list(
        PilotProgram.objects.filter(
            county__admin_code__gte=_county_code(first), county__admin_code__lte=_county_code(last)
        )
    )
    published = datetime.datetime(MEASURED_YEAR, 3, 1, tzinfo=datetime.UTC)
    templates = ScoreTemplate.objects.bulk_create(
        [
            ScoreTemplate(
                program=program,
                year=MEASURED_YEAR,
                name=f"{MEASURED_YEAR}年度检查验收评分表",
                status=TemplateStatus.PUBLISHED,
                published_at=published,
            )
            for program in programs
        ]  # fmt: skip
    )
    sections = ScoreSection.objects.bulk_create(
        [ScoreSection(template=t, order=k + 1, title=title) for t in templates for k, title in enumerate(SECTIONS)]
    )
    points = Decimal(100) / (len(SECTIONS) * ITEMS_PER_SECTION)
    ScoreItem.objects.bulk_create(
        [
            ScoreItem(
                template_id=section.template_id,
                section=section,
                code=f"{section.order}.{j + 1}",
                order=(section.order - 1) * ITEMS_PER_SECTION + j + 1,
                title=f"{section.title}第{j + 1}项",
                max_points=points,
            )
            for section in sections
            for j in range(ITEMS_PER_SECTION)
        ],  # fmt: skip
        batch_size=tasks_seed.BATCH_SIZE,
    )
    counties_sql, counties_params = tasks_seed.counties_by_code_sql(_county_code(first), _county_code(last))
    now = tasks_seed.sql_timestamp(datetime.datetime(MEASURED_YEAR, 11, 20, tzinfo=datetime.UTC))
    inspected_on = tasks_seed.sql_date(datetime.date(MEASURED_YEAR, 11, 15))
    deadline = tasks_seed.sql_date(datetime.date(MEASURED_YEAR + 1, 1, 31))
    version, one = tasks_seed.version_column(Inspection)
    with connection.cursor() as cursor:
        # Inserted as submitted, confirmed below once scored (a confirmed inspection has a total).
        cursor.execute(
            f"""
            INSERT INTO {_t(Inspection)} (created_at, updated_at, pilot_id, year, template_id, outside_members,
                   inspected_on, status, total, grade, original_id, submitted_at, confirmed_at{version})
            SELECT %s, %s, pa.id, %s, st.id, '', %s, %s, NULL, '', NULL, %s, %s{one}
              FROM {_t(PilotAssignment)} pa
              JOIN {_t(PilotProgram)} g ON g.id = pa.program_id
              JOIN {_t(ScoreTemplate)} st ON st.program_id = g.id AND st.year = %s
             WHERE g.county_id IN ({counties_sql}) AND pa.status = %s AND pa.year <= %s
            """,
            [now, now, MEASURED_YEAR, inspected_on, InspectionStatus.SUBMITTED, now, now, MEASURED_YEAR,
             *counties_params, PilotStatus.APPROVED, MEASURED_YEAR],
        )  # fmt: skip
        inspections = cursor.rowcount
        scope = f"""i.template_id IN (SELECT st.id FROM {_t(ScoreTemplate)} st JOIN {_t(PilotProgram)} g
                      ON g.id = st.program_id WHERE g.county_id IN ({counties_sql}))"""
        # Most items full marks; every fifth item of a village loses 0.5 to 4 points by a
        # pattern of ids, and one village in eleven loses them on every item (and fails).
        cursor.execute(
            f"""
            INSERT INTO {_t(ItemScore)} (inspection_id, item_id, points, reason, rectify)
            SELECT i.id, it.id,
                   it.max_points - CASE WHEN i.id %% 11 = 0 OR (i.id + it.id) %% 5 = 0
                        THEN ((i.id * 7 + it.id * 3) %% 8 + 1) * 0.5 ELSE 0 END,
                   CASE WHEN i.id %% 11 = 0 OR (i.id + it.id) %% 5 = 0 THEN '材料不全' ELSE '' END,
                   (i.id %% 11 = 0 OR (i.id + it.id) %% 5 = 0) AND (i.id * 7 + it.id * 3) %% 8 >= 4
              FROM {_t(Inspection)} i JOIN {_t(ScoreItem)} it ON it.template_id = i.template_id
             WHERE {scope}
            """,
            counties_params,
        )
        cursor.execute(
            f"""
            UPDATE {_t(Inspection)} SET total = s.total, status = %s,
                   grade = CASE WHEN s.total >= 90 THEN %s WHEN s.total >= 60 THEN %s ELSE %s END
              FROM (SELECT inspection_id, SUM(points) AS total FROM {_t(ItemScore)} GROUP BY inspection_id) s
             WHERE s.inspection_id = {_t(Inspection)}.id
               AND {_t(Inspection)}.template_id IN (SELECT st.id FROM {_t(ScoreTemplate)} st
                   JOIN {_t(PilotProgram)} g ON g.id = st.program_id WHERE g.county_id IN ({counties_sql}))
            """,
            [InspectionStatus.CONFIRMED, Grade.EXCELLENT, Grade.PASS, Grade.FAIL, *counties_params],
        )
        cursor.execute(
            f"""
            INSERT INTO {_t(Rectification)} (created_at, updated_at, inspection_id, item_id, issue,
                   responsible_unit_id, deadline, status, evidence_text, submitted_at, verified_at)
            SELECT %s, %s, i.id, s.item_id, '整改：' || it.title,
                   (SELECT d.id FROM {_t(Department)} d
                     WHERE d.county_id = g.county_id AND d.kind <> %s ORDER BY d.id LIMIT 1),
                   %s,
                   CASE s.id %% 3 WHEN 0 THEN %s WHEN 1 THEN %s ELSE %s END, '',
                   CASE WHEN s.id %% 3 <> 0 THEN %s END,
                   CASE WHEN s.id %% 3 = 2 THEN %s END
              FROM {_t(ItemScore)} s
              JOIN {_t(Inspection)} i ON i.id = s.inspection_id
              JOIN {_t(ScoreItem)} it ON it.id = s.item_id
              JOIN {_t(ScoreTemplate)} st ON st.id = i.template_id
              JOIN {_t(PilotProgram)} g ON g.id = st.program_id
             WHERE s.rectify AND g.county_id IN ({counties_sql})
            """,
            [now, now, DepartmentKind.TOWNSHIP, deadline, RectificationStatus.OPEN, RectificationStatus.SUBMITTED,
             RectificationStatus.VERIFIED, now, now, *counties_params],
        )  # fmt: skip
        rectifications = cursor.rowcount
        cursor.execute(
            f"""
            INSERT INTO {_t(Inspection)} (created_at, updated_at, pilot_id, year, template_id, outside_members,
                   inspected_on, status, total, grade, original_id, submitted_at, confirmed_at{version})
            SELECT %s, %s, i.pilot_id, i.year, i.template_id, '', %s, %s, i.total + 10,
                   CASE WHEN i.total + 10 >= 90 THEN %s WHEN i.total + 10 >= 60 THEN %s ELSE %s END,
                   i.id, %s, %s{one}
              FROM {_t(Inspection)} i
             WHERE {scope} AND i.grade = %s AND i.id %% 2 = 0 AND i.original_id IS NULL
            """,
            [now, now, deadline, InspectionStatus.CONFIRMED, Grade.EXCELLENT, Grade.PASS, Grade.FAIL, now, now,
             *counties_params, Grade.FAIL],
        )  # fmt: skip
        inspections += cursor.rowcount
    return WorkCounts(inspections=inspections, rectifications=rectifications)
