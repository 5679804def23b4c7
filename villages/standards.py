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
from functools import cached_property

from django.db import connections
from django.db.models import BooleanField, ExpressionWrapper, Q, Value
from django.utils import timezone

from pilot_admin.choices import Role
from pilot_admin.dates import year_as_of
from pilot_admin.statements import kept, kept_statement
from villages.choices import IndicatorStatus, StandardAppliesTo, StandardMetric
from villages.models import PilotAssignment, PilotProgram, ProgramStandard, Township, Village, VillageIndicator
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
    """row[part] ≥ ratio × row[whole] (keys, `ind__…`), in exact decimals (no division, so a
    zero whole is fine: 0 ≥ 0)."""
    total = row[whole]
    return _at_least(row[part], None if total is None else Decimal(total) * ratio)


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
    part, whole = _f(part), _f(whole)
    return lambda v, s: f"{v[part]}/{v[whole]}{label}"


# The keys the rules below read, made once rather than per pilot and standard.
LIFTED, POOR = _f("poor_households_lifted"), _f("poor_households")
MAIN_BUSINESS = _f("poor_households_with_main_business")
OFFERED, CATALOGUE = _f("public_service_items_offered"), _f("public_service_items_in_catalogue")


def _poverty_exit_text(v: dict) -> str:
    lifted = v[LIFTED]
    if lifted is None:
        return "—"
    exit_year = v["village__poverty_exit_year"]
    exited = "已出列" if exit_year and exit_year <= v["_year"] else "未出列"
    return f"{exited}，脱贫 {lifted}/{v[POOR]} 户"


EVALUATORS: dict[str, Evaluator] = {
    StandardMetric.STATION_AREA: _number("service_station_area_m2"),
    StandardMetric.FUNCTION_ROOMS: Evaluator(
        fields=ROOMS,
        met=lambda v, s, y: _count_true(v, ROOM_KEYS) >= s.threshold,
        show=lambda v, s: f"{sum(bool(v[key]) for key in ROOM_KEYS)}/{len(ROOMS)}",
    ),
    StandardMetric.INFRASTRUCTURE: Evaluator(
        fields=INFRA,
        reported_fields=INFRA,
        met=lambda v, s, y: _count_true(v, INFRA_KEYS) >= s.threshold,
        show=lambda v, s: (
            "—"
            if any(v[key] is None for key in INFRA_KEYS)
            else f"{sum(bool(v[key]) for key in INFRA_KEYS)}/{len(INFRA)}"
        ),
    ),
    StandardMetric.INFO_PLATFORM: _flag("info_platform_covered"),
    StandardMetric.GRID_PLATFORM: _flag("grid_platform_covered"),
    StandardMetric.VIDEO_SURVEILLANCE: _flag("video_surveillance_covered"),
    StandardMetric.PUBLIC_SERVICE_ITEMS: Evaluator(
        fields=("public_service_items_offered", "public_service_items_in_catalogue"),
        met=lambda v, s, y: _at_least(v[CATALOGUE], 1) and _at_least_share(v, OFFERED, CATALOGUE, s.threshold),
        show=_of("public_service_items_offered", "public_service_items_in_catalogue", " 项"),
    ),
    StandardMetric.SOCIAL_ORGS: _number("social_org_count"),
    StandardMetric.COLLECTIVE_INCOME: _number("collective_income_yuan"),
    StandardMetric.POVERTY_EXIT: Evaluator(
        fields=("poor_households_lifted", "poor_households"),
        reported_fields=("poor_households_lifted",),
        met=lambda v, s, y: _at_least(y, v["village__poverty_exit_year"]) and _at_least(v[LIFTED], v[POOR]),
        show=lambda v, s: _poverty_exit_text(v),
    ),
    StandardMetric.MAIN_BUSINESS: Evaluator(
        fields=("poor_households_with_main_business", "poor_households"),
        met=lambda v, s, y: _at_least_share(v, MAIN_BUSINESS, POOR, s.threshold),
        show=_of("poor_households_with_main_business", "poor_households", " 户"),
    ),
}


@dataclass(frozen=True)
class Line:
    """One standard as a year's evaluation reads it, prepared once per report: the cells and
    checklists are built from these rather than by looking the rule up again for each of the
    hundreds of pilot × standard cells."""

    standard: ProgramStandard
    code: str
    due: bool
    # Each pilot must meet it this year: due, and its county target is full coverage.
    binding: bool
    status: Callable[[dict], str | None]
    show: Callable[[dict, ProgramStandard], str]


def line(standard: ProgramStandard, year: int) -> Line:
    """`status(row)`: the pilot's status on the standard in `year`, None when the standard does
    not apply (a poverty-village standard on another pilot); not reported without the confirmed
    indicator or one of the fields the metric must have."""
    evaluator = EVALUATORS[standard.metric]
    poverty_only = standard.applies_to == StandardAppliesTo.POVERTY_PILOTS
    reported_keys = (IND_ID, *map(_f, evaluator.reported_fields))
    met = evaluator.met

    def status(row: dict) -> str | None:
        if poverty_only and row["village__is_poverty_village"] is not True:
            return None
        for key in reported_keys:
            if row[key] is None:
                return NOT_REPORTED
        return MET if met(row, standard, year) else NOT_MET

    due = standard.is_due(year)
    return Line(standard, standard.code, due, due and standard.target_rate >= 1, status, evaluator.show)


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


class Checklist:
    """A pilot village's standards in a year: one item per standard that applies to it. Built
    from the pilot's evaluated row; the item objects are made only when read (the village's page,
    the export, acceptance), the API's items and the table's counts come from the statuses."""

    def __init__(self, row: dict, lines: list[Line], year: int):
        self.assignment_id: int = row["id"]
        self.village_id: int = row["village_id"]
        self.village: str = row["village__name"]
        self.township_id: int = row["village__township_id"]
        self.township: str = row["village__township__name"]
        self.pilot_year: int = row["year"]
        self.year = year
        any_status = row["any_ind__status"]
        # The year's indicator record when it is not (yet) confirmed: 已提交 / 退回.
        self.pending = (
            IndicatorStatus(any_status).label if any_status and any_status != IndicatorStatus.CONFIRMED else ""
        )
        self._row = row
        self._lines = lines
        self.statuses: list[str | None] = row["_statuses"]

    @cached_property
    def items(self) -> list[CheckItem]:
        row = self._row
        return [
            CheckItem(
                standard=line.standard,
                status=status,
                value=line.show(row, line.standard) if status != NOT_REPORTED else "—",
                due=line.due,
            )
            for line, status in zip(self._lines, self.statuses, strict=True)
            if status is not None
        ]

    @property
    def failing(self) -> list[CheckItem]:
        """What stands between the pilot and its standards this year (acceptance reads this):
        due items not met or not reported, except coverage goals below 100 % (R-C2's 50 %),
        which the county reaches across its pilots, not each pilot on its own."""
        return [item for item in self.items if item.binding and item.status != MET]

    @property
    def failing_codes(self) -> list[str]:
        """The codes of `failing`, read from the statuses."""
        return [
            line.code
            for line, status in zip(self._lines, self.statuses, strict=True)
            if line.binding and status is not None and status != MET
        ]

    @property
    def all_met(self) -> bool:
        return not self.failing_codes

    def count(self, status: str) -> int:
        return self.statuses.count(status)

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
        row = self._row
        return {
            "assignment": self.assignment_id,
            "village_id": self.village_id,
            "village": self.village,
            "township": self.township,
            "pilot_year": self.pilot_year,
            "all_met": self.all_met,
            "standards": [
                {
                    "code": line.code,
                    "status": status,
                    "value": line.show(row, line.standard) if status != NOT_REPORTED else "—",
                    "due": line.due,
                    "binding": line.binding,
                }
                for line, status in zip(self._lines, self.statuses, strict=True)
                if status is not None
            ],
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
    # The county's townships the caller sees ({"pk", "name"}, in order; the page's filter), all
    # of them whatever `township` narrowed the rows to. Not part of the API's answer.
    township_choices: list[dict] = field(default_factory=list)

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
    return kept_statement(
        ("program-standards", program.pk),
        lambda: ProgramStandard.objects.filter(program=program).order_by("order", "code"),
    ).rows()


def _column(connection, table: str, field) -> tuple[str, list]:
    """A field of `table` (an alias) in the select list, with the converters Django would apply
    to it (SQLite's 0/1 booleans and numeric decimals; none on PostgreSQL)."""
    col = field.get_col(table)
    converters = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
    return f"{table}.{connection.ops.quote_name(field.column)}", [(converter, col) for converter in converters]


def _flag(q: Q | None):
    return ExpressionWrapper(q, output_field=BooleanField()) if q else Value(True)


def _evaluated_statement(program, year, as_of, indicator_fields, township_q, visible_q, village_id):
    """_evaluated's statement: its SQL and parameters, its columns' names and their converters."""
    townships_sql, townships_params = (
        Township.objects.filter(county=program.county_id)
        .annotate(shown=_flag(township_q), visible=_flag(visible_q))
        .order_by()
        .values("id", "code", "name", "shown", "visible")
        .query.sql_with_params()
    )
    counted = PilotAssignment.objects.filter(program=program, year__lte=year).filter(pilot_counted_q(as_of))
    if village_id is not None:
        counted = counted.filter(village_id=village_id)
    counted_sql, counted_params = counted.order_by().values("id", "year", "village_id").query.sql_with_params()
    connection = connections[counted.db]
    q = connection.ops.quote_name
    village, indicator = Village._meta, VillageIndicator._meta
    village_fields = ("code", "name", "township", "is_poverty_village", "poverty_exit_year")
    village_columns = [(name, *_column(connection, "v", village.get_field(name))) for name in village_fields]
    pilot_sql = (
        "SELECT pa.id, pa.year, pa.village_id, "
        + ", ".join(f"{expr} AS v_{name}" for name, expr, _ in village_columns)
        + f" FROM ({counted_sql}) pa INNER JOIN {q(village.db_table)} v ON v.{q(village.pk.column)} = pa.village_id"
    )
    converters = {f"v_{name}": found for name, _, found in village_columns}
    columns = [
        ("_township", "t.id", []),
        ("village__township__name", "t.name", []),
        ("_shown", "t.shown", []),
        ("_visible", "t.visible", []),
        ("id", "p.id", []),
        ("year", "p.year", []),
        ("village_id", "p.village_id", []),
        ("village__name", "p.v_name", converters["v_name"]),
        ("village__township_id", "p.v_township", converters["v_township"]),
        ("village__is_poverty_village", "p.v_is_poverty_village", converters["v_is_poverty_village"]),
        ("village__poverty_exit_year", "p.v_poverty_exit_year", converters["v_poverty_exit_year"]),
        ("any_ind__status", *_column(connection, "a", indicator.get_field("status"))),
        (IND_ID, *_column(connection, "i", indicator.pk)),
        *[(_f(name), *_column(connection, "i", indicator.get_field(name))) for name in indicator_fields],
    ]
    village_fk, year_col, status_col = (q(indicator.get_field(name).column) for name in ("village", "year", "status"))
    sql = (
        f"SELECT {', '.join(expr for _, expr, _ in columns)}"
        f" FROM ({townships_sql}) t"
        f" LEFT OUTER JOIN ({pilot_sql}) p ON p.v_township = t.id"
        f" LEFT OUTER JOIN {q(indicator.db_table)} a ON a.{village_fk} = p.village_id AND a.{year_col} = %s"
        f" LEFT OUTER JOIN {q(indicator.db_table)} i ON i.{village_fk} = p.village_id"
        f" AND i.{year_col} = %s AND i.{status_col} = %s"
        " ORDER BY t.code, t.name, p.v_code, p.v_name, p.year DESC"
    )
    keys = [key for key, _, _ in columns]
    converted = [(index, found) for index, (_, _, found) in enumerate(columns) if found]
    params = (*townships_params, *counted_params, year, year, IndicatorStatus.CONFIRMED.value)
    return sql, params, keys, converted, counted.db


def _evaluated(
    program, year, as_of, lines: list[Line], township_q: Q, visible_q: Q | None = None, village_id: int | None = None
) -> tuple[list[dict], list[dict]]:
    """The county's townships in order, each `shown` when the caller's rows include it and
    `visible` when the caller sees it (the page's township choices); and the counted pilots
    (approved, batch ≤ year, as of `as_of`: pilot_counted_q), one row per village (two
    assignments can both count on one day, one withdrawn after as_of: one village, one row, the
    newest batch's), in the checklists' order, each joined to its village's confirmed indicator
    of the year (`ind__…`) and the status of its record of any state, with its status on every
    standard (`_statuses`, None where it does not apply).

    One statement: the townships (each `shown`/`visible` flag the ORM's, from the scoping rule)
    left-joined to the counted pilots (the ORM's, from pilot_counted_q), the joins around them
    written out: the pilots' statement built with two FilteredRelations and thirty-odd
    related-field lookups cost more to compile than to run, and each statement is a round trip."""
    indicator_fields = tuple(sorted({name for line in lines for name in EVALUATORS[line.standard.metric].fields}))
    # Compiled once per process for what it depends on (pilot_admin.statements.kept): the two ORM
    # statements inside cost more to build and compile than the whole statement takes to run.
    key = ("standards", program.pk, program.county_id, year, as_of, indicator_fields, township_q, visible_q, village_id)
    sql, params, keys, converted, using = kept(
        key,
        lambda: _evaluated_statement(program, year, as_of, indicator_fields, township_q, visible_q, village_id),
    )
    connection = connections[using]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        fetched = cursor.fetchall()
    townships, rows, seen = [], [], set()
    for values in fetched:
        if not townships or townships[-1]["id"] != values[0]:
            townships.append({"id": values[0], "name": values[1], "shown": bool(values[2]), "visible": bool(values[3])})
        if values[4] is None:  # a township without counted pilots
            continue
        if converted:
            values = list(values)
            for index, found in converted:
                for converter, col in found:
                    values[index] = converter(values[index], col, connection)
        row = dict(zip(keys, values, strict=True))
        if row["village_id"] in seen:
            continue
        seen.add(row["village_id"])
        row["_year"] = year
        row["_statuses"] = [line.status(row) for line in lines]
        rows.append(row)
    return townships, rows


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

    def area(id_, name, tally) -> AreaCoverage:
        pilots, applicable, reported, met = tally
        cells = [
            Coverage(standard=standard, year=year, applicable=a, reported=r, met=m)
            for standard, a, r, m in zip(standards, applicable, reported, met, strict=True)
        ]
        return AreaCoverage(id=id_, name=name, pilots=pilots, cells=cells)

    tallies = list(counts.values())
    # The county's: each column summed over its townships.
    county = [sum(t[0] for t in tallies)] + [[sum(t[part][i] for t in tallies) for i in range(n)] for part in (1, 2, 3)]
    return area(None, "全县", county), [area(t["id"], t["name"], counts[t["id"]]) for t in townships if t["shown"]]


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
    visible = _shown_townships_q(user)
    shown = visible & Q(pk=township.pk) if township is not None else visible
    lines = [line(standard, year) for standard in standards]
    townships, rows = _evaluated(program, year, as_of, lines, shown, visible)
    county, areas = _coverage(rows, townships, standards, year)
    villages = []
    if with_villages:
        shown_ids = {t["id"] for t in townships if t["shown"]}
        villages = [Checklist(row, lines, year) for row in rows if row["village__township_id"] in shown_ids]
    return StandardsReport(
        program=program,
        year=year,
        as_of=as_of,
        scope="township" if user.role == Role.TOWNSHIP else "county",
        standards=standards,
        county=county,
        townships=areas,
        villages=villages,
        township_choices=[{"pk": t["id"], "name": t["name"]} for t in townships if t["visible"]],
    )


def county_coverage(*, program: PilotProgram, year: int, as_of: datetime.date) -> AreaCoverage:
    """The county block alone (the dashboard's section)."""
    standards = program_standards(program)
    lines = [line(standard, year) for standard in standards]
    townships, rows = _evaluated(program, year, as_of, lines, Q(pk__in=[]))
    return _coverage(rows, townships, standards, year)[0]


def village_checklist(
    *, program: PilotProgram, village_id: int, year: int, as_of: datetime.date | None = None
) -> Checklist | None:
    """A village's checklist in `year`, or None when it is not a pilot counted that year. The
    caller has checked the village is visible to the user."""
    as_of = as_of or year_as_of(year, timezone.localdate())
    lines = [line(standard, year) for standard in program_standards(program)]
    found = _evaluated(program, year, as_of, lines, Q(pk__in=[]), village_id=village_id)[1]
    return Checklist(found[0], lines, year) if found else None


def pilot_standards_met(assignment: PilotAssignment, year: int) -> tuple[bool, list[CheckItem]]:
    """Whether a pilot meets its program's standards in `year` and, if not, the due standards it
    fails or has not reported (confirmed indicators only). A pilot not counted that year (not
    approved, withdrawn, or batch after `year`) has met nothing: (False, [])."""
    checklist = village_checklist(program=assignment.program, village_id=assignment.village_id, year=year)
    if checklist is None:
        return False, []
    return checklist.all_met, checklist.failing
