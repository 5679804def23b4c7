"""The construction standards of a program (ProgramStandard rows) evaluated against the pilot
villages' yearly indicators: each pilot's checklist, each township's and the county's coverage.

One rule per metric (EVALUATORS) says whether a pilot "reported" a standard and whether it
"met" it, read from the village's confirmed indicator of the year. One query fetches the
program's pilots counted for the year with that indicator (a FilteredRelation join, bounded by
one county's pilots); each pilot is evaluated once, and the townships' and the county's coverage
are counted from those evaluations, so the page, the export, the dashboard, the API and
acceptance (`pilot_standards_met`) read one computation. Query count is fixed: the program's
standards, the townships and the pilots. (The coverage was once 33 filtered COUNT DISTINCTs and
the checklist 33 CASE columns, one SQL condition per standard and outcome: building those
expressions cost ten times the floor's whole request.)

Decisions (SPEC §10 style):
- Only a **confirmed** indicator counts: a record the township submitted but the county has not
  confirmed (or returned) leaves the standard "not reported"; the checklist says it is pending.
- The denominator is the program's pilot villages counted for the year (pilot_counted_q as of the
  year's reference date, batch year ≤ year): SPEC §7 says the goals are for the pilots.
- A year's indicator counts whenever it was confirmed (a year is reported after it ends), so a late
  confirmation can change a past year's rates; withdrawals follow pilot_counted_q's dates.
- A dated target (due_year) shows its rate before it is due but no verdict: 未到期.
- A waivable standard (原则上) that is not met stays "not met"; the checklist marks it 可说明理由.
- A standard whose county target is below 100 % (R-C2, 50 %) is judged on coverage only: a pilot
  without it shows 未达标 on that line but is not held back by it (`Checklist.failing`).
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import (
    BooleanField,
    ExpressionWrapper,
    FilteredRelation,
    Q,
    Value,
)
from django.utils import timezone

from pilot_admin.choices import Role
from pilot_admin.dates import year_as_of
from villages.choices import IndicatorStatus, StandardAppliesTo, StandardMetric
from villages.models import PilotAssignment, PilotProgram, ProgramStandard, Township
from villages.selectors import pilot_counted_q

IND = "ind"  # the confirmed indicator of the year, joined to each pilot
ROOMS = ("room_convenience_service", "room_day_care", "room_mediation", "room_culture", "room_health", "room_fitness")
INFRA = (
    "infra_roads",
    "infra_street_lights",
    "infra_river",
    "infra_greening",
    "infra_water_sewage",
    "infra_waste_station",
)


def _f(name: str) -> str:
    return f"{IND}__{name}"


IND_ID = _f("id")
ROOM_KEYS, INFRA_KEYS = tuple(map(_f, ROOMS)), tuple(map(_f, INFRA))


def _count_true(row: dict, keys) -> int:
    return sum(1 for key in keys if row[key] is True)


def _at_least(value, floor) -> bool:
    """value ≥ floor, a missing value (no indicator, an unanswered field) never is."""
    return value is not None and floor is not None and value >= floor


def _at_least_share(row: dict, part: str, whole: str, ratio: Decimal) -> bool:
    """part ≥ ratio × whole, in exact decimals (no division, so a zero whole is fine: 0 ≥ 0)."""
    total = row[_f(whole)]
    return _at_least(row[_f(part)], None if total is None else Decimal(total) * ratio)


def number_text(value) -> str:
    """600.00 → "600", 0.50 → "0.5": thresholds as the plan writes them."""
    if value is None:
        return "—"
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)


def _yes_no(value) -> str:
    return "—" if value is None else ("是" if value else "否")


@dataclass(frozen=True)
class Evaluator:
    """How one metric reads a pilot's row (its village's indicator fields, `ind__…`): the fields
    it needs, whether they were reported, whether they meet the standard in a year, and the value
    as the checklist shows it."""

    fields: tuple[str, ...]
    met: Callable[[dict, ProgramStandard, int], bool]
    show: Callable[[dict, ProgramStandard], str]
    reported_fields: tuple[str, ...] = ()

    def reported(self, row: dict) -> bool:
        return row[IND_ID] is not None and all(row[_f(name)] is not None for name in self.reported_fields)


def _flag(name: str) -> Evaluator:
    key = _f(name)
    return Evaluator(fields=(name,), met=lambda v, s, y: v[key] is True, show=lambda v, s: _yes_no(v[key]))


def _number(name: str) -> Evaluator:
    key = _f(name)
    return Evaluator(
        fields=(name,),
        met=lambda v, s, y: _at_least(v[key], s.threshold),
        show=lambda v, s: f"{number_text(v[key])}{s.unit}" if v[key] is not None else "—",
    )


def _of(part: str, whole: str, label: str = "") -> Callable[[dict, ProgramStandard], str]:
    return lambda v, s: f"{v[_f(part)]}/{v[_f(whole)]}{label}"


def _poverty_exit_text(v: dict) -> str:
    lifted = v[_f("poor_households_lifted")]
    if lifted is None:
        return "—"
    exit_year = v["village__poverty_exit_year"]
    exited = "已出列" if exit_year and exit_year <= v["_year"] else "未出列"
    return f"{exited}，脱贫 {lifted}/{v[_f('poor_households')]} 户"


EVALUATORS: dict[str, Evaluator] = {
    StandardMetric.STATION_AREA: _number("service_station_area_m2"),
    StandardMetric.FUNCTION_ROOMS: Evaluator(
        fields=ROOMS,
        met=lambda v, s, y: _count_true(v, ROOM_KEYS) >= s.threshold,
        show=lambda v, s: f"{sum(bool(v[_f(n)]) for n in ROOMS)}/{len(ROOMS)}",
    ),
    StandardMetric.INFRASTRUCTURE: Evaluator(
        fields=INFRA,
        reported_fields=INFRA,
        met=lambda v, s, y: _count_true(v, INFRA_KEYS) >= s.threshold,
        show=lambda v, s: (
            "—" if any(v[_f(n)] is None for n in INFRA) else f"{sum(bool(v[_f(n)]) for n in INFRA)}/{len(INFRA)}"
        ),
    ),
    StandardMetric.INFO_PLATFORM: _flag("info_platform_covered"),
    StandardMetric.GRID_PLATFORM: _flag("grid_platform_covered"),
    StandardMetric.VIDEO_SURVEILLANCE: _flag("video_surveillance_covered"),
    StandardMetric.PUBLIC_SERVICE_ITEMS: Evaluator(
        fields=("public_service_items_offered", "public_service_items_in_catalogue"),
        met=lambda v, s, y: (
            _at_least(v[_f("public_service_items_in_catalogue")], 1)
            and _at_least_share(v, "public_service_items_offered", "public_service_items_in_catalogue", s.threshold)
        ),
        show=_of("public_service_items_offered", "public_service_items_in_catalogue", " 项"),
    ),
    StandardMetric.SOCIAL_ORGS: _number("social_org_count"),
    StandardMetric.COLLECTIVE_INCOME: _number("collective_income_yuan"),
    StandardMetric.POVERTY_EXIT: Evaluator(
        fields=("poor_households_lifted", "poor_households"),
        reported_fields=("poor_households_lifted",),
        met=lambda v, s, y: (
            _at_least(y, v["village__poverty_exit_year"])
            and _at_least(v[_f("poor_households_lifted")], v[_f("poor_households")])
        ),
        show=lambda v, s: _poverty_exit_text(v),
    ),
    StandardMetric.MAIN_BUSINESS: Evaluator(
        fields=("poor_households_with_main_business", "poor_households"),
        met=lambda v, s, y: _at_least_share(v, "poor_households_with_main_business", "poor_households", s.threshold),
        show=_of("poor_households_with_main_business", "poor_households", " 户"),
    ),
}


def applies(standard: ProgramStandard, row: dict) -> bool:
    if standard.applies_to == StandardAppliesTo.POVERTY_PILOTS:
        return row["village__is_poverty_village"] is True
    return True  # every pilot


def evaluate(standard: ProgramStandard, row: dict, year: int) -> str | None:
    """The pilot's status on the standard in `year`, None when the standard does not apply."""
    if not applies(standard, row):
        return None
    evaluator = EVALUATORS[standard.metric]
    if not evaluator.reported(row):
        return NOT_REPORTED
    return MET if evaluator.met(row, standard, year) else NOT_MET


def threshold_text(standard: ProgramStandard) -> str:
    metric = standard.metric
    if metric in (StandardMetric.INFO_PLATFORM, StandardMetric.GRID_PLATFORM, StandardMetric.VIDEO_SURVEILLANCE):
        return "已覆盖"
    if metric == StandardMetric.POVERTY_EXIT:
        return "已出列且全部脱贫"
    if metric in (StandardMetric.PUBLIC_SERVICE_ITEMS, StandardMetric.MAIN_BUSINESS):
        return f"≥ {number_text(standard.threshold * 100)}%"
    text = f"≥ {number_text(standard.threshold)}{standard.unit}"
    if metric == StandardMetric.FUNCTION_ROOMS:
        text += f"（共 {len(ROOMS)} 个）"
    if metric == StandardMetric.INFRASTRUCTURE:
        text += f"（共 {len(INFRA)} 项）"
    return text


# ---------------------------------------------------------------------------------------------
# Results.

MET, NOT_MET, NOT_REPORTED = "met", "not_met", "not_reported"
STATUS_LABELS = {MET: "达标", NOT_MET: "未达标", NOT_REPORTED: "未填报"}
NOT_DUE, NO_PILOTS = "not_due", "no_pilots"
VERDICT_LABELS = {MET: "达标", NOT_MET: "未达标", NOT_DUE: "未到期", NO_PILOTS: "无适用试点村"}


@dataclass
class Coverage:
    """One standard in one township (or the county): met / applicable against the target."""

    standard: ProgramStandard
    year: int
    applicable: int
    reported: int
    met: int

    @property
    def due(self) -> bool:
        return self.standard.is_due(self.year)

    @property
    def not_reported(self) -> int:
        return self.applicable - self.reported

    @property
    def threshold_text(self) -> str:
        return threshold_text(self.standard)

    @property
    def rate(self) -> float | None:
        return round(self.met / self.applicable, 4) if self.applicable else None

    @property
    def verdict(self) -> str:
        if not self.due:
            return NOT_DUE
        if not self.applicable:
            return NO_PILOTS
        return MET if self.met >= self.standard.target_rate * self.applicable else NOT_MET

    @property
    def verdict_label(self) -> str:
        return VERDICT_LABELS[self.verdict]

    def as_dict(self) -> dict:
        return {
            "code": self.standard.code,
            "applicable": self.applicable,
            "reported": self.reported,
            "met": self.met,
            "rate": self.rate,
            "target_rate": float(self.standard.target_rate),
            "due": self.due,
            "verdict": self.verdict,
        }


@dataclass
class AreaCoverage:
    id: int | None
    name: str
    pilots: int
    cells: list[Coverage]

    def as_dict(self) -> dict:
        return {"id": self.id, "name": self.name, "pilots": self.pilots, "standards": [c.as_dict() for c in self.cells]}


@dataclass
class CheckItem:
    standard: ProgramStandard
    status: str
    value: str
    due: bool

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def binding(self) -> bool:
        """Each pilot must meet it this year: due, and its county target is full coverage."""
        return self.due and self.standard.target_rate >= 1

    @property
    def threshold(self) -> str:
        return threshold_text(self.standard)

    def as_dict(self) -> dict:
        return {
            "code": self.standard.code,
            "status": self.status,
            "value": self.value,
            "due": self.due,
            "binding": self.binding,
        }


@dataclass
class Checklist:
    """A pilot village's standards in a year: one item per standard that applies to it."""

    assignment_id: int
    village_id: int
    village: str
    township_id: int
    township: str
    pilot_year: int
    year: int
    items: list[CheckItem]
    # The year's indicator record when it is not (yet) confirmed: 已提交 / 退回.
    pending: str = ""

    @property
    def failing(self) -> list[CheckItem]:
        """What stands between the pilot and its standards this year (acceptance reads this):
        due items not met or not reported, except coverage goals below 100 % (R-C2's 50 %),
        which the county reaches across its pilots, not each pilot on its own."""
        return [item for item in self.items if item.binding and item.status != MET]

    @property
    def all_met(self) -> bool:
        return not self.failing

    def count(self, status: str) -> int:
        return sum(1 for item in self.items if item.status == status)

    @property
    def count_met(self) -> int:
        return self.count(MET)

    @property
    def count_not_met(self) -> int:
        return self.count(NOT_MET)

    @property
    def count_not_reported(self) -> int:
        return self.count(NOT_REPORTED)

    def as_dict(self) -> dict:
        return {
            "assignment": self.assignment_id,
            "village_id": self.village_id,
            "village": self.village,
            "township": self.township,
            "pilot_year": self.pilot_year,
            "all_met": self.all_met,
            "standards": [item.as_dict() for item in self.items],
        }


@dataclass
class StandardsReport:
    program: PilotProgram
    year: int
    as_of: datetime.date
    scope: str
    standards: list[ProgramStandard]
    county: AreaCoverage
    townships: list[AreaCoverage]
    villages: list[Checklist] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "program": self.program.code,
            "year": self.year,
            "as_of": self.as_of,
            "scope": self.scope,
            "standards": [
                {
                    "code": s.code,
                    "goal": s.goal,
                    "title": s.title,
                    "metric": s.metric,
                    "threshold": float(s.threshold),
                    "threshold_text": threshold_text(s),
                    "unit": s.unit,
                    "applies_to": s.applies_to,
                    "due_year": s.due_year,
                    "due": s.is_due(self.year),
                    "target_rate": float(s.target_rate),
                    "waivable": s.waivable,
                    "quote": s.quote,
                }
                for s in self.standards
            ],
            "county": self.county.as_dict(),
            "townships": [row.as_dict() for row in self.townships],
            "villages": [row.as_dict() for row in self.villages],
        }


# ---------------------------------------------------------------------------------------------
# Queries.


def program_standards(program: PilotProgram) -> list[ProgramStandard]:
    return list(ProgramStandard.objects.filter(program=program).order_by("order", "code"))


def _pilots(program: PilotProgram, year: int, as_of: datetime.date):
    """The pilots counted for `year` (approved, batch ≤ year, as of `as_of`), each joined to its
    village's confirmed indicator of the year and to its record of any state."""
    return (
        PilotAssignment.objects.filter(program=program, year__lte=year)
        .filter(pilot_counted_q(as_of))
        .alias(
            **{
                IND: FilteredRelation(
                    "village__indicators",
                    condition=Q(village__indicators__year=year, village__indicators__status=IndicatorStatus.CONFIRMED),
                ),
                "any_ind": FilteredRelation("village__indicators", condition=Q(village__indicators__year=year)),
            }
        )
    )


def _evaluated(program, year, as_of, standards, village_q: Q | None = None) -> list[dict]:
    """The counted pilots, one row per village (two assignments can both count on one day, one
    withdrawn after as_of: one village, one row, the newest batch's), in the checklists' order,
    each with its status on every standard (`_statuses`, None where it does not apply)."""
    fields = sorted({_f(name) for s in standards for name in EVALUATORS[s.metric].fields})
    rows = (
        _pilots(program, year, as_of)
        .filter(village_q or Q())
        .values(
            "id",
            "year",
            "village_id",
            "village__name",
            "village__township_id",
            "village__township__name",
            "village__is_poverty_village",
            "village__poverty_exit_year",
            "any_ind__status",
            IND_ID,
            *fields,
        )
        .order_by("village__township__code", "village__township__name", "village__code", "village__name", "-year")
    )
    result, seen = [], set()
    for row in rows:
        if row["village_id"] in seen:
            continue
        seen.add(row["village_id"])
        row["_year"] = year
        row["_statuses"] = [evaluate(standard, row, year) for standard in standards]
        result.append(row)
    return result


def _townships(program: PilotProgram, township_q: Q) -> list[dict]:
    """The county's townships in order, each `shown` when the caller's rows include it."""
    return list(
        Township.objects.filter(county=program.county_id)
        .annotate(shown=ExpressionWrapper(township_q, output_field=BooleanField()) if township_q else Value(True))
        .order_by("code", "name")
        .values("id", "name", "shown")
    )


def _coverage(rows, townships, standards, year) -> tuple[AreaCoverage, list[AreaCoverage]]:
    """Per township, the pilots and, per standard, how many it applies to, reported and met;
    the county block is their sum over all the county's townships (a village is in one)."""
    n = len(standards)
    counts = {t["id"]: [0, [0] * n, [0] * n, [0] * n] for t in townships}
    for row in rows:
        tally = counts.get(row["village__township_id"])
        if tally is None:
            continue
        tally[0] += 1
        for i, status in enumerate(row["_statuses"]):
            if status is not None:
                tally[1][i] += 1
                tally[2][i] += status != NOT_REPORTED
                tally[3][i] += status == MET

    def area(id_, name, tallies) -> AreaCoverage:
        return AreaCoverage(
            id=id_,
            name=name,
            pilots=sum(t[0] for t in tallies),
            cells=[
                Coverage(
                    standard=standard,
                    year=year,
                    applicable=sum(t[1][i] for t in tallies),
                    reported=sum(t[2][i] for t in tallies),
                    met=sum(t[3][i] for t in tallies),
                )
                for i, standard in enumerate(standards)
            ],
        )

    county = area(None, "全县", list(counts.values()))
    return county, [area(t["id"], t["name"], [counts[t["id"]]]) for t in townships if t["shown"]]


def _checklist(row: dict, standards, year: int, due: list[bool] | None = None) -> Checklist:
    due = due if due is not None else [standard.is_due(year) for standard in standards]
    items = [
        CheckItem(
            standard=standard,
            status=status,
            value=EVALUATORS[standard.metric].show(row, standard) if status != NOT_REPORTED else "—",
            due=standard_due,
        )
        for standard, status, standard_due in zip(standards, row["_statuses"], due, strict=True)
        if status is not None
    ]
    any_status = row["any_ind__status"]
    return Checklist(
        assignment_id=row["id"],
        village_id=row["village_id"],
        village=row["village__name"],
        township_id=row["village__township_id"],
        township=row["village__township__name"],
        pilot_year=row["year"],
        year=year,
        items=items,
        pending=IndicatorStatus(any_status).label if any_status and any_status != IndicatorStatus.CONFIRMED else "",
    )


def _shown_townships_q(user) -> Q:
    if not (user.is_authenticated and user.is_active):
        return Q(pk__in=[])
    return Township.objects.all().visibility_q(user) or Q()


def standards_report(
    *,
    user,
    program: PilotProgram,
    year: int,
    township: Township | None = None,
    as_of: datetime.date | None = None,
    with_villages: bool = True,
) -> StandardsReport:
    """The standards of `program` in `year` as of `as_of` (the year's reference date by default):
    the county block is the whole county's for every role; the township rows and the pilots'
    checklists are those the user sees, narrowed to `township` when given."""
    as_of = as_of or year_as_of(year, timezone.localdate())
    standards = program_standards(program)
    shown = _shown_townships_q(user)
    if township is not None:
        shown &= Q(pk=township.pk)
    townships = _townships(program, shown)
    rows = _evaluated(program, year, as_of, standards)
    county, areas = _coverage(rows, townships, standards, year)
    villages = []
    if with_villages:
        shown_ids = {t["id"] for t in townships if t["shown"]}
        due = [standard.is_due(year) for standard in standards]
        villages = [_checklist(row, standards, year, due) for row in rows if row["village__township_id"] in shown_ids]
    return StandardsReport(
        program=program,
        year=year,
        as_of=as_of,
        scope="township" if user.role == Role.TOWNSHIP else "county",
        standards=standards,
        county=county,
        townships=areas,
        villages=villages,
    )


def county_coverage(*, program: PilotProgram, year: int, as_of: datetime.date) -> AreaCoverage:
    """The county block alone (the dashboard's section)."""
    standards = program_standards(program)
    townships = _townships(program, Q(pk__in=[]))
    return _coverage(_evaluated(program, year, as_of, standards), townships, standards, year)[0]


def village_checklist(
    *, program: PilotProgram, village_id: int, year: int, as_of: datetime.date | None = None
) -> Checklist | None:
    """A village's checklist in `year`, or None when it is not a pilot counted that year. The
    caller has checked the village is visible to the user."""
    as_of = as_of or year_as_of(year, timezone.localdate())
    standards = program_standards(program)
    found = _evaluated(program, year, as_of, standards, Q(village_id=village_id))
    return _checklist(found[0], standards, year) if found else None


def pilot_standards_met(assignment: PilotAssignment, year: int) -> tuple[bool, list[CheckItem]]:
    """Whether a pilot meets its program's standards in `year` and, if not, the due standards it
    fails or has not reported (confirmed indicators only). A pilot not counted that year (not
    approved, withdrawn, or batch after `year`) has met nothing: (False, [])."""
    checklist = village_checklist(program=assignment.program, village_id=assignment.village_id, year=year)
    if checklist is None:
        return False, []
    return checklist.all_met, checklist.failing
