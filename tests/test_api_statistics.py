"""The four statistics endpoints against the lists the API serves, for every role and every
year of a program that runs from 2016 into this year (issue 18).

A client that believes every number must be able to recount it. For each role and each year
(2016 … this year; a month of each year for guardianship) the test reads the visible rows from
/api/v1/villages/, /pilot-assignments/, /tasks/, /progress-reports/, /inspections/ and /persons/,
recounts every figure in plain Python from the definitions the schema states (as of the
year's reference date: its last day, or today), and compares with /api/v1/stats/…. Then the
invariants between roles (rows sum to the county's totals; a township's and a department's
figures are the county's row for them; the county block is the same for every role) and
"history stays true": what happens today leaves a past year's figures as they were.

The one figure no list serves is open_rectifications (there is no rectification list in the
API): it is recounted from the database with the same definition.
"""

import datetime
import math
import zoneinfo
from collections import Counter, defaultdict
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from assessments import services as assessment_services
from assessments.choices import RectificationStatus
from assessments.models import Rectification
from guardianship import services as guardianship_services
from guardianship.models import Agreement, Guardian, Person, Visit
from pilot_admin.choices import Role
from tasks import services as task_services
from tasks.choices import AssignmentRole, TaskStatus
from tasks.models import ReportingPeriod, Task
from tests.factories import (
    CountyFactory,
    DepartmentFactory,
    PersonFactory,
    PilotAssignmentFactory,
    PilotProgramFactory,
    ProgressReportFactory,
    TaskAssignmentFactory,
    TaskFactory,
    TownshipFactory,
    UserFactory,
    VillageFactory,
    full_scores,
    score_template,
)
from villages import services as village_services
from villages.choices import PilotLevel, PilotStatus, VillageKind
from villages.models import PilotAssignment

LOCAL = zoneinfo.ZoneInfo(settings.TIME_ZONE)
TODAY = timezone.localdate()
FIRST_YEAR = 2016
YEARS = list(range(FIRST_YEAR, TODAY.year + 1))
ROLES = ("county_admin", "county_viewer", "api_client", "department", "township_a", "township_b", "inspector")
GUARDIANSHIP_ROLES = ("county_admin", "county_viewer", "api_client", "township_a", "township_b")
COUNTY_SCOPE = ("county_admin", "county_viewer", "api_client")
d = datetime.date


def at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return datetime.datetime(day.year, day.month, day.day, hour, tzinfo=LOCAL)


def not_after_now(moment: datetime.datetime) -> datetime.datetime:
    return min(moment, timezone.now() - datetime.timedelta(hours=1))


def as_of(year: int) -> datetime.date:
    return min(d(year, 12, 31), TODAY)


def month_end(month: datetime.date) -> datetime.date:
    return (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1) - datetime.timedelta(days=1)


# --- the county ------------------------------------------------------------------------------------


def _pilots(program, villages_by_township, admin):
    """Approved pilots of every year in every township, a provincial-key one in three, a
    proposal each year (not counted), a 2017 pilot withdrawn in 2017 and its village chosen
    again in 2018, a 2019 pilot withdrawn in 2021 (it counts in 2019 and 2020), and the first
    2016 pilot of each township accepted (已验收) in 2018: still counted in 2016, accepted from
    2018 on."""
    pools = {name: list(villages) for name, villages in villages_by_township.items()}
    plan = {"a": lambda i: i % 3, "b": lambda i: (i + 1) % 2, "c": lambda _: 2}
    made = []
    for i, year in enumerate(YEARS):
        for name, count in plan.items():
            for _ in range(count(i)):
                level = PilotLevel.PROVINCIAL_KEY if len(made) % 3 == 0 else PilotLevel.COUNTY
                pilot = PilotAssignmentFactory(program=program, village=pools[name].pop(0), year=year, level=level)
                made.append(pilot)
        PilotAssignmentFactory(program=program, village=pools["c"].pop(0), year=year, status=PilotStatus.PROPOSED)
    PilotAssignment.objects.filter(program=program, status=PilotStatus.APPROVED).update(approved_by=admin)
    for pilot in made:
        PilotAssignment.objects.filter(pk=pilot.pk).update(approved_at=at(d(pilot.year, 4, 15)))
    early = PilotAssignmentFactory(
        program=program, village=pools["a"][0], year=2017, status=PilotStatus.WITHDRAWN, withdraw_reason="换届"
    )
    PilotAssignment.objects.filter(pk=early.pk).update(approved_at=at(d(2017, 4, 15)), withdrawn_at=at(d(2017, 9, 30)))
    PilotAssignmentFactory(program=program, village=pools["a"].pop(0), year=2018)
    late = PilotAssignmentFactory(program=program, village=pools["b"].pop(0), year=2019)
    PilotAssignment.objects.filter(pk=late.pk).update(
        approved_at=at(d(2019, 4, 15)), withdrawn_at=at(d(2021, 6, 1)), withdraw_reason="撤并", status="withdrawn"
    )
    first = {}
    for pilot in made:
        if pilot.year == YEARS[0]:
            first.setdefault(pilot.village.township_id, pilot.pk)
    PilotAssignment.objects.filter(pk__in=first.values()).update(
        status=PilotStatus.ACCEPTED, accepted_on=d(2018, 6, 30), acceptance_document_no="巴民发〔2018〕12号"
    )
    return pools


def _reports(task, units):
    """Every unit's report on every period: none, on time, a few days late, or a year late
    (first submitted after the period's year: it counts from then on), by a fixed pattern."""
    now = timezone.now()
    for k, period in enumerate(task.periods.order_by("due_date")):
        for j, unit in enumerate(units):
            kind = (k + 2 * j + task.pk) % 4
            due = at(period.due_date, 9)
            first = {1: due, 2: due + datetime.timedelta(days=5), 3: due + datetime.timedelta(days=400)}.get(kind)
            if first is None or first > now:
                continue
            first = not_after_now(first)
            status = "accepted" if kind == 1 else ("returned" if k % 5 == 0 else "submitted")
            ProgressReportFactory(period=period, department=unit, status=status, first_submitted_at=first)


def _task(program, *, start, deadline, units, closed_on=None, **cadence):
    cadence = cadence or {"cadence_kind": "every_n_months", "cadence_months": 3}
    task = TaskFactory(program=program, start_date=start, deadline=deadline, sync_periods=True, **cadence)
    for unit, role in units:
        TaskAssignmentFactory(task=task, department=unit, role=role)
    if closed_on is not None:
        Task.objects.filter(pk=task.pk).update(
            status=TaskStatus.CLOSED_OUT, closed_out_at=not_after_now(at(closed_on)), close_out_note="完成"
        )
    _reports(task, [unit for unit, _ in units])
    return task


def _tasks(program, units):
    """Tasks spanning the years, closed out early, late and never, led by a department, by two,
    and by the townships themselves (no county lead), with reports on every period."""
    civil, party, agri, gov_a, gov_b, gov_c = (units[k] for k in ("civil", "party", "agri", "a", "b", "c"))
    lead, coop, township = AssignmentRole.LEAD, AssignmentRole.COOPERATING, AssignmentRole.TOWNSHIP
    year_start = d(TODAY.year, 1, 1)
    return {
        # Never closed out: overdue from 2021 on, a task of every later year.
        "long": _task(
            program,
            start=d(2016, 3, 1),
            deadline=d(2020, 12, 31),
            units=[(civil, lead), (party, coop), (gov_a, township), (gov_b, township)],
            cadence_kind="every_n_months",
            cadence_months=6,
        ),
        "closed_early": _task(
            program,
            start=d(2017, 1, 1),
            deadline=d(2018, 6, 30),
            units=[(party, lead), (civil, coop)],
            closed_on=d(2018, 5, 10),
        ),
        # S0 §四(一): the townships' own task, closed out after its deadline.
        "townships": _task(
            program,
            start=d(2017, 5, 16),
            deadline=d(2020, 12, 31),
            units=[(gov_a, township), (gov_b, township), (gov_c, township)],
            closed_on=d(2021, 1, 15),
            cadence_kind="fixed_dates",
            cadence_dates=["06-15", "11-30"],
        ),
        "two_leads": _task(
            program,
            start=d(2019, 1, 1),
            deadline=d(2019, 12, 31),
            units=[(agri, lead), (civil, lead), (gov_a, coop)],
            closed_on=d(2020, 3, 1),
        ),
        "to_this_year": _task(
            program,
            start=d(2021, 1, 1),
            deadline=d(TODAY.year, 12, 31),
            units=[(civil, lead), (gov_c, township)],
            cadence_kind="every_n_months",
            cadence_months=2,
        ),
        "overdue_this_year": _task(
            program,
            start=year_start,
            deadline=max(year_start, TODAY - datetime.timedelta(days=20)),
            units=[(party, lead), (civil, coop)],
            cadence_kind="once",
        ),
        "closed_this_year": _task(
            program,
            start=year_start,
            deadline=d(TODAY.year, 12, 31),
            units=[(gov_a, township)],
            closed_on=max(year_start, TODAY - datetime.timedelta(days=1)),
        ),
        "not_begun": _task(
            program,
            start=TODAY + datetime.timedelta(days=5),
            deadline=TODAY + datetime.timedelta(days=60),
            units=[(agri, lead)],
            cadence_kind="once",
        ),
    }


def _inspect(program, admin, team, pilot, year, *, off, inspected_on=None, original=None):
    if original is None:
        inspection = assessment_services.inspection_schedule(
            actor=admin, pilot=pilot, year=year, inspectors=team, inspected_on=inspected_on
        )
    else:
        inspection = assessment_services.reinspection_create(
            actor=admin, original=original, inspectors=team, inspected_on=inspected_on
        )
    scorer = inspection.inspectors.first()
    assessment_services.inspection_scores_save(
        actor=scorer, inspection=inspection, scores=full_scores(inspection, {"1.1": off}, rectify=("1.1", "2.1"))
    )
    assessment_services.inspection_submit(actor=scorer, inspection=inspection)
    return assessment_services.inspection_confirm(actor=admin, inspection=inspection, today=d(year, 12, 1))


def _inspections(program, admin, teams):
    """2019 and this year: villages of all three townships, the persona's team and another;
    a 2019 failure re-inspected in February 2020 (2019's figures keep the original), and this
    year's failure re-inspected yesterday (this year's figures take it). A few rectifications
    verified in 2020, one this year."""
    made = {}
    for year in (2019, TODAY.year):
        score_template(program=program, year=year)
        pilots = list(
            PilotAssignment.objects.filter(program=program, status=PilotStatus.APPROVED, year__lte=year)
            .select_related("village__township")
            .order_by("village__township__code", "village__name")
        )
        chosen = [pilots[0], pilots[1], pilots[-1], pilots[len(pilots) // 2]]
        offs = (2, 12, 25, 6)
        made[year] = [
            _inspect(program, admin, teams[n % 2], pilot, year, off=off)
            for n, (pilot, off) in enumerate(zip(chosen, offs, strict=True))
        ]
    failed_2019 = made[2019][2]
    made["re_2019"] = _inspect(
        program, admin, teams[0], None, 2019, off=4, inspected_on=d(2020, 2, 10), original=failed_2019
    )
    failed_now = made[TODAY.year][2]
    made["re_now"] = _inspect(
        program,
        admin,
        teams[0],
        None,
        TODAY.year,
        off=3,
        inspected_on=TODAY - datetime.timedelta(days=1),
        original=failed_now,
    )
    rectifications = list(Rectification.objects.filter(inspection__pilot__program=program).order_by("pk"))
    for n, row in enumerate(rectifications[::3]):
        when = at(d(2020, 1, 20)) if n % 2 == 0 else not_after_now(at(TODAY))
        Rectification.objects.filter(pk=row.pk).update(
            status=RectificationStatus.VERIFIED, submitted_at=when, verified_at=when
        )
    return made


def _register(village, on, **fields):
    person = PersonFactory(village=village, **fields)
    Person.objects.filter(pk=person.pk).update(created_at=at(on, 9))
    return person


def _persons(villages, visitor):
    """Persons registered over the years, two who left, both support modes, guardians with and
    without agreements; a visit in June of every year and this month for most of them."""
    a, b, c = villages["a"], villages["b"], villages["c"]
    people = [
        _register(a[0], d(2015, 6, 1)),
        _register(a[1], d(2015, 6, 1), civil_capacity="limited"),
        _register(b[0], d(2016, 6, 20)),
        _register(b[1], d(2018, 1, 5), support_mode="concentrated", institution="县福利院"),
        _register(c[0], d(2019, 3, 1), civil_capacity="none"),
        _register(c[1], d(2020, 7, 1)),
        _register(a[2], d(2022, 1, 10), self_care_level="partial"),
        _register(c[2], TODAY.replace(day=1)),
    ]
    Person.objects.filter(pk=people[2].pk).update(status="exited", exit_date=d(2019, 8, 10), exit_reason="死亡")
    Person.objects.filter(pk=people[5].pk).update(status="exited", exit_date=d(2023, 6, 15), exit_reason="迁出")
    for person, category, signed in ((people[1], "I", True), (people[0], "III", False), (people[6], "II", True)):
        guardian = Guardian.objects.create(
            person=person,
            kind="individual",
            name="监护人",
            category=category,
            consent_by="village_committee" if category == "II" else "",
            start_date=d(2016, 1, 1),
        )
        if signed:
            Agreement.objects.create(guardian=guardian, signed_on=d(2016, 1, 2), duties=["daily_watch"])
    for month in [*(d(year, 6, 1) for year in YEARS), TODAY.replace(day=1)]:
        day = min(month.replace(day=15), TODAY)
        for n, person in enumerate(people):
            if (n + month.year + month.month) % 3:
                Visit.objects.create(person=person, visited_on=day, visitor=visitor, visitor_name="联村干部")
    return people


@pytest.fixture(scope="module")
def county(django_db_setup, django_db_blocker):
    """The county, built once for the module and rolled back after it; each test's own
    transaction nests inside."""
    with django_db_blocker.unblock(), transaction.atomic():
        county = CountyFactory()
        names = {"a": ("水布垭镇", "422823104"), "b": ("东瀼口镇", "422823101"), "c": ("野三关镇", "422823105")}
        townships = {key: TownshipFactory(county=county, name=name, code=code) for key, (name, code) in names.items()}
        villages = {
            "a": VillageFactory.create_batch(25, township=townships["a"]),
            "b": VillageFactory.create_batch(14, township=townships["b"]),
            "c": VillageFactory.create_batch(40, township=townships["c"]),
        }
        # Not counted in the quota: a merged village and a residential community.
        VillageFactory(township=townships["a"], is_active=False)
        VillageFactory(township=townships["b"], kind=VillageKind.RESIDENTIAL_COMMUNITY)
        # Dated history (issue 13): counted in some years only.
        VillageFactory(township=townships["a"], is_active=False, ended_on=d(2018, 6, 30))
        VillageFactory(township=townships["b"], established_on=d(2019, 3, 1))
        VillageFactory(township=townships["c"], kind=VillageKind.RESIDENTIAL_COMMUNITY, community_since=d(2020, 1, 1))
        # Minimums the data meets in some years and misses in others, so both verdicts show.
        program = PilotProgramFactory(
            county=county,
            code="badong-stats",
            start_year=FIRST_YEAR,
            end_year=TODAY.year + 1,
            county_annual_min_count=4,
            provincial_annual_min_count=2,
        )
        units = {
            "civil": DepartmentFactory(county=county, key="civil_affairs", name="县民政局"),
            "party": DepartmentFactory(county=county, key="organisation", name="县委组织部", kind="party"),
            "agri": DepartmentFactory(county=county, key="agriculture", name="县农业局"),
            **{key: village_services.township_government_ensure(township=t) for key, t in townships.items()},
        }
        users = {
            "county_admin": UserFactory(role=Role.COUNTY_ADMIN, county=county, is_staff=True),
            "county_viewer": UserFactory(role=Role.COUNTY_VIEWER, county=county),
            "api_client": UserFactory(role=Role.API_CLIENT, county=county),
            "department": UserFactory(role=Role.DEPARTMENT, department=units["civil"], county=county),
            "township_a": UserFactory(role=Role.TOWNSHIP, township=townships["a"], county=county),
            "township_b": UserFactory(role=Role.TOWNSHIP, township=townships["b"], county=county),
            "inspector": UserFactory(role=Role.INSPECTOR, county=county),
        }
        other_inspector = UserFactory(role=Role.INSPECTOR, county=county)
        pools = _pilots(program, villages, users["county_admin"])
        tasks = _tasks(program, units)
        # Another program of the county: in none of this program's figures.
        other = PilotProgramFactory(county=county, code="other-program", start_year=FIRST_YEAR, end_year=TODAY.year)
        _task(other, start=d(2017, 1, 1), deadline=d(2017, 12, 31), units=[(units["civil"], AssignmentRole.LEAD)])
        inspections = _inspections(program, users["county_admin"], [[users["inspector"]], [other_inspector]])
        persons = _persons(villages, users["county_admin"])
        yield {
            "county": county,
            "program": program,
            "townships": townships,
            "villages": villages,
            "pools": pools,
            "units": units,
            "users": users,
            "tasks": tasks,
            "inspections": inspections,
            "persons": persons,
        }
        transaction.set_rollback(True)


@pytest.fixture
def world(county, db):
    return county


# --- reading the API -------------------------------------------------------------------------------


class Api:
    def __init__(self, user):
        self.client = APIClient()
        self.client.force_authenticate(user)

    def get(self, name, status=200, **query):
        response = self.client.get(reverse(name), query)
        assert response.status_code == status, response.content.decode()
        return response.json()

    def rows(self, name, **query):
        """Every row of a paginated list."""
        rows, page = [], 1
        while True:
            payload = self.get(name, page=page, page_size=200, **query)
            rows += payload["results"]
            if not payload["next"]:
                return rows
            page += 1


def local_date(stamp: str | None) -> datetime.date | None:
    return None if stamp is None else datetime.datetime.fromisoformat(stamp).astimezone(LOCAL).date()


def rate(part, whole):
    return round(part / whole, 4) if whole else 0.0


# --- recounting from the lists -----------------------------------------------------------------------


def _administrative_on(village, day):
    """The village list's dates say whether it was an administrative village on `day`."""

    def date(value):
        return datetime.date.fromisoformat(value) if value else None

    established, ended, community = (date(village[k]) for k in ("established_on", "ended_on", "community_since"))
    existed = (established is None or established <= day) and (ended is None or ended > day)
    return existed and (village["kind"] == "administrative_village" or (community is not None and community > day))


def recount_pilots(program, year, villages, pilots, townships):
    """Every township row of /stats/pilots/ from the village and pilot lists."""
    day = as_of(year)
    counted = [
        p
        for p in pilots
        if p["status"] in ("approved", "accepted")
        or (p["status"] == "withdrawn" and p["approved_at"] and local_date(p["withdrawn_at"]) > day)
    ]
    village_township = {v["id"]: v["township"] for v in villages}
    rows = []
    for township in townships:
        n = sum(1 for v in villages if v["township"] == township["id"] and _administrative_on(v, day))
        mine = [p for p in counted if village_township[p["village"]] == township["id"]]
        new = {p["village"] for p in mine if p["year"] == year}
        cumulative = {p["village"] for p in mine if p["year"] <= year}
        required = math.ceil(program.township_annual_min_ratio * n)
        rows.append(
            {
                "id": township["id"],
                "name": township["name"],
                "villages": n,
                "new_pilots": len(new),
                "required_new_pilots": required,
                "meets_quota": len(new) >= required,
                "cumulative_pilots": len(cumulative),
                "cumulative_share": rate(len(cumulative), n),
                "accepted_pilots": len(
                    {
                        p["village"]
                        for p in mine
                        if p["year"] <= year and p["status"] == "accepted" and d.fromisoformat(p["accepted_on"]) <= day
                    }
                ),
            }
        )
    key = {p["village"] for p in counted if p["year"] == year and p["level"] == "provincial_key"}
    return rows, len(key)


def task_closed_by(task, day):
    return task["status"] == "closed_out" and local_date(task["closed_out_at"]) <= day


def tasks_of_year(tasks, year):
    day, first = as_of(year), d(year, 1, 1)
    return [
        t
        for t in tasks
        if d.fromisoformat(t["start_date"]) <= day
        and (d.fromisoformat(t["deadline"]) >= first or not task_closed_by(t, first - datetime.timedelta(days=1)))
    ]


def units_of(task):
    return {*task["lead_departments"], *task["cooperating_departments"], *task["township_units"]}


def recount_tasks(year, tasks, reports, own_unit=None):
    """The totals, the unit rows and the reporting units of /stats/tasks/ from the task and
    report lists (own_unit: a unit user's own unit, the only row it gets)."""
    day = as_of(year)
    of_year = tasks_of_year(tasks, year)
    overdue = [t for t in of_year if d.fromisoformat(t["deadline"]) < day and not task_closed_by(t, day)]
    closed = [t for t in of_year if task_closed_by(t, day)]
    totals = {"running": len(of_year), "closed_out": len(closed), "overdue": len(overdue)}
    rows = defaultdict(Counter)
    for task in of_year:
        for unit in units_of(task):
            row = rows[unit]
            row["tasks_involved"] += 1
            row["tasks_led"] += unit in task["lead_departments"]
            row["tasks_cooperating"] += unit in task["cooperating_departments"]
            row["closed_out"] += task in closed
            row["overdue"] += task in overdue
    units = {
        name: {
            "tasks_led": row["tasks_led"],
            "tasks_cooperating": row["tasks_cooperating"],
            "tasks_involved": row["tasks_involved"],
            "closed_out": row["closed_out"],
            "overdue": row["overdue"],
            "completion_rate": rate(row["closed_out"], row["tasks_involved"]),
        }
        for name, row in rows.items()
        if own_unit is None or name == own_unit
    }
    first_submitted = {(r["task"], r["due_date"], r["unit_name"]): local_date(r["first_submitted_at"]) for r in reports}
    reporting = defaultdict(Counter)
    for task in tasks:
        for due_text in task["due_dates"]:
            due = d.fromisoformat(due_text)
            owed = task["closed_out_at"] is None or local_date(task["closed_out_at"]) >= due
            if due.year != year or due > day or not owed:
                continue
            for unit in units_of(task):
                if own_unit is not None and unit != own_unit:
                    continue
                first = first_submitted.get((task["id"], due_text, unit))
                reporting[unit]["expected"] += 1
                reporting[unit]["received"] += first is not None and first <= day
                reporting[unit]["on_time"] += first is not None and first <= due
    completeness = {
        unit: {
            "expected": c["expected"],
            "received": c["received"],
            "on_time": c["on_time"],
            "completeness": rate(c["received"], c["expected"]),
            "timeliness": rate(c["on_time"], c["expected"]),
        }
        for unit, c in reporting.items()
    }
    return totals, units, completeness


def mean(values):
    if not values:
        return None
    return float((sum(Decimal(v) for v in values) / len(values)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def recount_assessments(year, inspections):
    """inspected, mean, grades and the township rows of /stats/assessments/ from the
    inspection list: per village the latest confirmed inspection that stood on the as-of date
    (an original always; a re-inspection from its inspection date, else its confirmation)."""
    day = as_of(year)

    def stood(i):
        if i["status"] != "confirmed":
            return False
        if i["original"] is None:
            return True
        if i["inspected_on"]:
            return d.fromisoformat(i["inspected_on"]) <= day
        return local_date(i["confirmed_at"]) <= day

    latest = {}
    for row in sorted((i for i in inspections if i["year"] == year and stood(i)), key=lambda i: i["id"]):
        latest[row["village"]] = row
    results = list(latest.values())
    grades = Counter(r["grade"] for r in results)
    by_township = defaultdict(list)
    for r in results:
        by_township[r["township_name"]].append(r)
    townships = {
        name: {
            "inspected": len(rows),
            "mean_total": mean([r["total"] for r in rows]),
            "excellent": sum(r["grade"] == "excellent" for r in rows),
            "pass": sum(r["grade"] == "pass" for r in rows),
            "fail": sum(r["grade"] == "fail" for r in rows),
        }
        for name, rows in by_township.items()
    }
    return {
        "inspected": len(results),
        "mean_total": mean([r["total"] for r in results]),
        "grades": {"excellent": grades["excellent"], "pass": grades["pass"], "fail": grades["fail"]},
    }, townships


def open_rectifications(program, year, user_q=None):
    """open_rectifications from the database (no list serves rectifications), by the schema's
    definition: of the year's inspections that stood on the as-of date, not verified by then."""
    day = as_of(year)
    end = at(day + datetime.timedelta(days=1), 0)
    rows = Rectification.objects.filter(
        inspection__pilot__program=program, inspection__year=year, inspection__status="confirmed"
    )
    if user_q is not None:
        rows = rows.filter(user_q)
    count = 0
    for row in rows.select_related("inspection"):
        inspection = row.inspection
        if inspection.original_id is not None:
            happened = inspection.inspected_on or timezone.localdate(inspection.confirmed_at)
            if happened > day:
                continue
        if row.status == RectificationStatus.VERIFIED and row.verified_at < end:
            continue
        count += 1
    return count


def recount_guardianship(month, persons, visited_ids, unsigned_ids):
    """The month's figures of /stats/guardianship/ from the person list (and its visited_in and
    agreement filters)."""
    first, after = month, month_end(month) + datetime.timedelta(days=1)
    on = [
        p
        for p in persons
        if d.fromisoformat(p["registered_on"]) < after
        and (p["status"] == "active" or (p["exit_date"] and d.fromisoformat(p["exit_date"]) >= first))
    ]
    dispersed = [p for p in on if p["support_mode"] == "dispersed"]
    visited = [p for p in dispersed if p["id"] in visited_ids]
    totals = {
        "persons_active": len(on),
        "support_mode": {
            "concentrated": sum(p["support_mode"] == "concentrated" for p in on),
            "dispersed": len(dispersed),
        },
        "self_care_level": {
            level: sum(p["self_care_level"] == level for p in on) for level in ("full", "partial", "none")
        },
        "guardian_category": {
            **{category: sum(p["guardian_category"] == category for p in on) for category in ("I", "II", "III")},
            "missing": sum(p["guardian_category"] is None and p["civil_capacity"] in ("limited", "none") for p in on),
        },
        "agreements_missing": sum(p["id"] in unsigned_ids for p in on),
        "dispersed_visited": len(visited),
        "dispersed_total": len(dispersed),
        "visit_coverage": rate(len(visited), len(dispersed)),
    }
    townships = defaultdict(Counter)
    for p in on:
        townships[p["township"]]["persons_active"] += 1
        townships[p["township"]]["dispersed_total"] += p in dispersed
        townships[p["township"]]["dispersed_visited"] += p in visited
    return totals, townships


# --- each figure against its recount, per role and year ----------------------------------------------


def _township_of(world, role):
    return world["townships"][role[-1]] if role.startswith("township_") else None


@pytest.mark.parametrize("role", ROLES)
def test_pilot_statistics_are_the_lists_recounted(world, role):
    program, api = world["program"], Api(world["users"][role])
    villages = api.rows("api_village-list")
    pilots = api.rows("api_pilot_assignment-list", program=program.code)
    townships = api.rows("api_township-list")
    county_view = Api(world["users"]["county_admin"])
    for year in YEARS:
        stats = api.get("api_pilot_stats", program=program.code, year=year)
        assert (stats["as_of"], stats["scope"]) == (
            as_of(year).isoformat(),
            "township" if role.startswith("township") else "county",
        )
        rows, key = recount_pilots(program, year, villages, pilots, townships)
        assert stats["townships"] == rows, year
        county = county_view.get("api_pilot_stats", program=program.code, year=year)
        # The county block is the whole county's, verdicts included, for every role.
        assert stats["county"] == county["county"], year
        if stats["scope"] == "county":
            block = stats["county"]
            assert block["villages"] == sum(r["villages"] for r in rows)
            assert block["new_pilots"] == sum(r["new_pilots"] for r in rows)
            assert block["cumulative_pilots"] == sum(r["cumulative_pilots"] for r in rows)
            assert block["accepted_pilots"] == sum(r["accepted_pilots"] for r in rows)
            assert block["province_key"] == key
            assert block["meets_yearly_minimum"] == (block["new_pilots"] >= program.county_annual_min_count)
            assert block["meets_province_key_minimum"] == (key >= program.provincial_annual_min_count)
        else:
            (own,) = stats["townships"]
            assert own == next(r for r in county["townships"] if r["id"] == _township_of(world, role).pk)


def _own_unit(world, role):
    if role == "department":
        return world["units"]["civil"].name
    if role.startswith("township_"):
        return world["units"][role[-1]].name
    return None


@pytest.mark.parametrize("role", ROLES)
def test_task_statistics_are_the_lists_recounted(world, role):
    program, api = world["program"], Api(world["users"][role])
    tasks = api.rows("api_task-list", program=program.code)
    task_ids = {t["id"] for t in tasks}
    reports = [r for r in api.rows("api_progress_report-list") if r["task"] in task_ids]
    own = _own_unit(world, role)
    county_view = Api(world["users"]["county_admin"])
    for year in YEARS:
        stats = api.get("api_task_stats", program=program.code, year=year)
        assert stats["as_of"] == as_of(year).isoformat()
        assert stats["scope"] == {"department": "department", "township_a": "township", "township_b": "township"}.get(
            role, "county"
        )
        totals, units, completeness = recount_tasks(year, tasks, reports, own_unit=own)
        assert stats["tasks"] == totals, year
        rows = {row.pop("name"): row for row in stats["departments"]}
        assert {name: {k: v for k, v in row.items() if k not in ("id", "kind")} for name, row in rows.items()} == units
        assert {row.pop("unit"): row for row in stats["reporting_units"]} == completeness, year

        of_year = tasks_of_year(tasks, year)
        if own is None:
            # Every task of the year is in a lead unit's row; one with several lead units
            # (S0 四(一): every township government) in each of theirs, and in no other.
            assert sum(row["tasks_led"] for row in rows.values()) == sum(len(t["lead_departments"]) for t in of_year)
            assert all(t["lead_departments"] for t in of_year)
            single = [t for t in of_year if len(t["lead_departments"]) == 1]
            assert sum(rows[t["lead_departments"][0]]["tasks_led"] >= 1 for t in single) == len(single)
        else:
            # A unit's totals are its own row, and its row is the county's row for it.
            assert list(rows) in ([own], [])
            row = rows.get(own, {"tasks_involved": 0, "closed_out": 0, "overdue": 0})
            assert stats["tasks"] == {
                "running": row["tasks_involved"],
                "closed_out": row["closed_out"],
                "overdue": row["overdue"],
            }
            county = county_view.get("api_task_stats", program=program.code, year=year)
            theirs = {r["name"]: r for r in county["departments"]}
            if rows:
                assert {**rows[own], "name": own} == theirs[own]
            county_units = {r["unit"]: r for r in county["reporting_units"]}
            assert [{**r, "unit": own} for r in stats["reporting_units"]] in ([], [county_units.get(own)])


def test_the_township_led_tasks_are_in_every_township_governments_row(world):
    """The issue's example: a township government leading the townships' own tasks had
    tasks_led 0, and the county view counted those tasks in no row."""
    api = Api(world["users"]["township_a"])
    stats = api.get("api_task_stats", program=world["program"].code, year=2018)
    (own,) = stats["departments"]
    assert (own["name"], own["kind"], own["tasks_led"]) == ("水布垭镇人民政府", "township", 1)
    county = Api(world["users"]["county_admin"]).get("api_task_stats", program=world["program"].code, year=2018)
    governments = {r["name"]: r["tasks_led"] for r in county["departments"] if r["kind"] == "township"}
    assert governments == {"水布垭镇人民政府": 1, "东瀼口镇人民政府": 1, "野三关镇人民政府": 1}


@pytest.mark.parametrize("role", ROLES)
def test_assessment_statistics_are_the_lists_recounted(world, role):
    program, api, user = world["program"], Api(world["users"][role]), world["users"][role]
    inspections = api.rows("api_inspection-list", program=program.code)
    county_view = Api(world["users"]["county_admin"])
    scope = {"township_a": "township", "township_b": "township", "inspector": "team"}.get(role, "county")
    user_q = {
        "department": Q(responsible_unit=user.department_id),
        "township_a": Q(inspection__pilot__village__township=user.township_id),
        "township_b": Q(inspection__pilot__village__township=user.township_id),
        "inspector": Q(inspection__inspectors=user),
    }.get(role)
    for year in YEARS:
        stats = api.get("api_assessment_stats", program=program.code, year=year)
        assert (stats["as_of"], stats["scope"]) == (as_of(year).isoformat(), scope)
        totals, townships = recount_assessments(year, inspections)
        assert {k: stats[k] for k in totals} == totals, year
        assert {row.pop("name"): {k: v for k, v in row.items() if k != "id"} for row in stats["townships"]} == townships
        assert stats["open_rectifications"] == open_rectifications(program, year, user_q), year
        if scope == "county":
            assert stats["inspected"] == sum(t["inspected"] for t in townships.values())
            assert sum(t["fail"] for t in townships.values()) == stats["grades"]["fail"]
        if scope == "township":
            county = county_view.get("api_assessment_stats", program=program.code, year=year)
            theirs = [r for r in county["townships"] if r["id"] == _township_of(world, role).pk]
            # (stats' rows have lost their names to the comparison above)
            assert stats["townships"] == [{k: v for k, v in r.items() if k != "name"} for r in theirs]
            if theirs:
                assert (stats["inspected"], stats["mean_total"]) == (theirs[0]["inspected"], theirs[0]["mean_total"])


def test_a_reinspection_counts_from_its_inspection_date(world):
    """2019's failure was re-inspected in February 2020: 2019 keeps the original; this year's
    failure, re-inspected yesterday, counts already."""
    api = Api(world["users"]["county_admin"])
    program = world["program"]
    past = api.get("api_assessment_stats", program=program.code, year=2019)
    assert past["grades"]["fail"] == 1
    now = api.get("api_assessment_stats", program=program.code, year=TODAY.year)
    assert now["grades"]["fail"] == 0


def _months():
    return [*(d(year, 6, 1) for year in YEARS), TODAY.replace(day=1)]


@pytest.mark.parametrize("role", GUARDIANSHIP_ROLES)
def test_guardianship_statistics_are_the_lists_recounted(world, role):
    api = Api(world["users"][role])
    persons = api.rows("api_person-list")
    unsigned = {p["id"] for p in api.rows("api_person-list", agreement="false")}
    county_view = Api(world["users"]["county_admin"])
    for month in _months():
        key = f"{month:%Y-%m}"
        visited = {p["id"] for p in api.rows("api_person-list", visited_in=key)}
        stats = api.get("api_guardianship_stats", month=key)
        assert stats["as_of"] == min(month_end(month), TODAY).isoformat()
        assert stats["scope"] == ("township" if role.startswith("township") else "county")
        totals, townships = recount_guardianship(month, persons, visited, unsigned)
        assert {k: stats[k] for k in totals} == totals, key
        for row in stats["townships"]:
            counted = townships.get(row["id"], Counter())
            assert (row["persons_active"], row["dispersed_total"], row["dispersed_visited"]) == (
                counted["persons_active"],
                counted["dispersed_total"],
                counted["dispersed_visited"],
            ), key
        if stats["scope"] == "county":
            assert stats["persons_active"] == sum(r["persons_active"] for r in stats["townships"])
            assert stats["dispersed_visited"] == sum(r["dispersed_visited"] for r in stats["townships"])
        else:
            county = county_view.get("api_guardianship_stats", month=key)
            (own,) = stats["townships"]
            assert own == next(r for r in county["townships"] if r["id"] == own["id"])
            assert (stats["persons_active"], stats["dispersed_total"]) == (
                own["persons_active"],
                own["dispersed_total"],
            )


@pytest.mark.parametrize("role", ("department", "inspector"))
def test_roles_without_the_register_get_no_guardianship_statistics(world, role):
    Api(world["users"][role]).get("api_guardianship_stats", status=403)


def test_a_year_not_begun_is_refused_in_chinese(world):
    answer = Api(world["users"]["api_client"]).get(
        "api_task_stats", status=400, program=world["program"].code, year=TODAY.year + 1
    )
    assert answer["year"] == [f"{TODAY.year + 1}年尚未开始，没有统计；最晚可查今年（{TODAY.year}年）。"]


def test_this_year_has_activity_to_count(world):
    """The current year is counted as of today, with something in it to count."""
    api = Api(world["users"]["county_admin"])
    program = world["program"]
    tasks = api.get("api_task_stats", program=program.code, year=TODAY.year)
    assert tasks["as_of"] == TODAY.isoformat()
    assert tasks["tasks"]["running"] >= 3 and tasks["tasks"]["overdue"] >= 1
    pilots = api.get("api_pilot_stats", program=program.code, year=TODAY.year)
    assert pilots["county"]["new_pilots"] >= 2
    assessments = api.get("api_assessment_stats", program=program.code, year=TODAY.year)
    assert assessments["inspected"] == 4


# --- history stays true ---------------------------------------------------------------------------------


def _everything(world, role):
    api, code = Api(world["users"][role]), world["program"].code
    past = [year for year in YEARS if year < TODAY.year]
    figures = {}
    for year in past:
        for name in ("api_pilot_stats", "api_task_stats", "api_assessment_stats"):
            figures[name, year] = api.get(name, program=code, year=year)
    if role in GUARDIANSHIP_ROLES:
        for month in _months():
            if month < TODAY.replace(day=1):
                figures["api_guardianship_stats", month] = api.get("api_guardianship_stats", month=f"{month:%Y-%m}")
    return figures


def _today(world):
    """What happens today: a task open since 2016 is closed out, a late report comes in for a
    2017 period, a 2017 pilot is withdrawn, a 2019 inspection is re-inspected, an open
    rectification is verified, a person leaves the register and another joins it."""
    admin = world["users"]["county_admin"]
    long = world["tasks"]["long"]
    task_services.task_close_out(actor=admin, task=long, note="已完成。")
    period, missing = next(
        (period, unit)
        for period in ReportingPeriod.objects.filter(task=long, due_date__year=2017).order_by("due_date")
        for unit in long.departments.order_by("pk")
        if not period.reports.filter(department=unit).exists()
    )
    ProgressReportFactory(period=period, department=missing, status="submitted")
    pilot = PilotAssignment.objects.filter(program=world["program"], year=2017, status=PilotStatus.APPROVED).first()
    village_services.pilot_assignment_withdraw(actor=admin, assignment=pilot, reason="今天撤销")
    original = world["inspections"][2019][0]
    again = _inspect(world["program"], admin, [world["users"]["inspector"]], None, 2019, off=30, original=original)
    assert again.inspected_on is None  # counts from its confirmation: today
    open_one = Rectification.objects.filter(inspection__year=2019).exclude(status=RectificationStatus.VERIFIED).first()
    Rectification.objects.filter(pk=open_one.pk).update(
        status=RectificationStatus.VERIFIED, submitted_at=timezone.now(), verified_at=timezone.now()
    )
    guardianship_services.person_exit(actor=admin, person=world["persons"][0], reason="死亡", exit_date=TODAY)
    PersonFactory(village=world["villages"]["a"][3])
    return long


@pytest.mark.parametrize("role", ("county_admin", "township_a", "department"))
def test_what_happens_today_leaves_past_years_as_they_were(world, role):
    before = _everything(world, role)
    this_year = Api(world["users"]["county_admin"]).get(
        "api_task_stats", program=world["program"].code, year=TODAY.year
    )
    _today(world)
    assert _everything(world, role) == before
    # This year's figures are as of today: the close-out counts.
    now = Api(world["users"]["county_admin"]).get("api_task_stats", program=world["program"].code, year=TODAY.year)
    assert now["tasks"]["closed_out"] == this_year["tasks"]["closed_out"] + 1
    assert now["tasks"]["overdue"] == this_year["tasks"]["overdue"] - 1


def test_a_village_added_today_leaves_past_years_as_they_were(world):
    api = Api(world["users"]["county_admin"])
    before = api.get("api_pilot_stats", program=world["program"].code, year=2017)
    village_services.village_create(actor=world["users"]["county_admin"], township=world["townships"]["a"], name="新村")
    assert api.get("api_pilot_stats", program=world["program"].code, year=2017) == before


def test_a_village_added_today_counts_from_today(world):
    """A village added today is established today (issue 13): this year's counts take it in,
    while one recorded as 建档前已有 (established_on=None) counts in the past years too."""
    api = Api(world["users"]["county_admin"])
    program = world["program"]
    now_before = api.get("api_pilot_stats", program=program.code, year=TODAY.year)
    past_before = api.get("api_pilot_stats", program=program.code, year=2017)
    village_services.village_create(actor=world["users"]["county_admin"], township=world["townships"]["a"], name="新村")
    village_services.village_create(
        actor=world["users"]["county_admin"], township=world["townships"]["a"], name="老村", established_on=None
    )
    past_after = api.get("api_pilot_stats", program=program.code, year=2017)
    assert past_after["county"]["villages"] == past_before["county"]["villages"] + 1
    now_after = api.get("api_pilot_stats", program=program.code, year=TODAY.year)
    assert now_after["county"]["villages"] == now_before["county"]["villages"] + 2
