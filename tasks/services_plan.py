"""Import of a county's 任务分工表 (task-division table) into a program's tasks.

Decisions the tables leave open (README "任务分工表导入"):

- Units. A cell lists units separated by "、", "，", ",", "；" or line breaks, named as the plan
  writes them: a county Department's full name or short name, a township's name or its
  government's name. "各乡镇", "各乡（镇、街道）", "各乡镇人民政府" … fan out to every township
  government (the task applies to all townships, role 落实乡镇). "各有关部门", "特区各相关部门",
  "…等相关部门" name no unit: they set the task's flag 各有关部门配合. Any other name is that row's
  error, naming the unit.
- Lead and cooperating units. With 牵头单位 / 配合单位 columns they say it. With one 负责单位
  column (Liuzhi's 附件2): "甲、乙牵头，丙配合" splits at 牵头; "甲，丙配合" (no 牵头, ends in
  配合) splits at the last comma; otherwise the first unit listed leads and the rest cooperate —
  the common reading of such tables, which the tables themselves do not state.
- 完成时限. A date, "2020年底" / "2020年" (31 Dec), "2020年12月底" / "2020年6月" (the month's last
  day), "2020年上半年" (30 Jun) or "下半年" (31 Dec). "长期坚持", "持续推进", "长期", "常态化" and an
  empty cell have no date of their own: the task runs to the program's end (31 Dec of its last
  year) and its report cadence keeps asking until then. The cell as written is kept in
  Task.deadline_text and shown beside the date.
- Matching. A row is the task of its program with the same 序号 (Task.code): importing the
  table again updates those tasks (text, units, deadline) instead of adding new ones. A unit
  that has already reported on a task cannot be dropped from it by a re-import (task_update's
  rule), which is that row's error.
- New tasks start on 1 January of the program's first year and report every six months
  (REPORT_EVERY_MONTHS); the county office changes either on the task's page.
"""

import calendar
import datetime
import re
import unicodedata
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db.models import Prefetch

from pilot_admin.excel import DATE, CellError, Column, ImportResult, ImportRow, RowError, finish_import
from pilot_admin.services import require
from tasks import permissions, services
from tasks.choices import AssignmentRole, CadenceKind, Phase
from tasks.models import ProgressReport, Task, TaskAssignment
from villages import services as village_services
from villages.choices import DepartmentKind
from villages.models import Department, PilotProgram, Township

REPORT_EVERY_MONTHS = 6
TITLE_MAX = 40
NO_FIXED_DEADLINE = ("长期坚持", "持续推进", "长期", "常态化", "持续开展", "长期推进")
DEADLINE_HINT = "应为日期（如 2020-12-31）、“2020年底”“2020年12月底”，或“长期坚持”“持续推进”"

# Every township, however the plan writes it: 各乡镇, 各乡(镇、街道), 各乡（镇）人民政府, 各乡镇、街道.
TOWNSHIPS_PLACEHOLDER = re.compile(
    r"(?:县|特区|区|市)?各乡(?:镇)?(?:\((?:镇、?)?(?:街道|社区)?\))?(?:、?街道)?(?:人民政府|政府|党委政府|党委、政府)?"
)
# A reference to unnamed units: 各有关部门, 特区各相关部门, 县直各部门, 有关单位.
GENERIC_UNITS = re.compile(r"(?:县直|区直|县|特区|区|市)?各?(?:有关|相关|成员)?(?:部门|单位)")
# "甲、乙等相关部门": the named units, then the others.
AND_OTHERS = re.compile(r"等(?:有关|相关)?(?:部门|单位)$")
SEPARATORS = re.compile(r"[、,;\s]+")
ALL_TOWNSHIPS = "\x00"
# The shared reader of dates typed as text (2020-12-31, 2020年12月31日 …).
_AS_DATE = Column("完成时限", "deadline", kind=DATE)


def normalize(text) -> str:
    """Full-width commas, parentheses and spaces as ASCII (NFKC), so a name matches however the
    cell was typed; "、" is left as it is."""
    return unicodedata.normalize("NFKC", str(text or "")).strip()


# --- 完成时限 -----------------------------------------------------------------------------------


def parse_deadline(value) -> datetime.date | None:
    """The date a 完成时限 cell stands for; None for a standing duty (no date of its own)."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = re.sub(r"\s+", "", normalize(value))
    text = re.sub(r"(?:前|以前|之前|完成)$", "", text)
    if text in NO_FIXED_DEADLINE:
        return None
    try:
        return _AS_DATE.parse(text)
    except CellError:
        pass
    match = re.fullmatch(r"([0-9]{4})年(?:([0-9]{1,2})月)?(底|末|上半年|下半年|年底)?", text)
    if match:
        year, month, tail = int(match[1]), match[2], match[3]
        if month:
            month = int(month)
            if 1 <= month <= 12 and tail not in ("上半年", "下半年", "年底"):
                return datetime.date(year, month, calendar.monthrange(year, month)[1])
        elif tail == "上半年":
            return datetime.date(year, 6, 30)
        else:
            return datetime.date(year, 12, 31)
    raise CellError(f"{DEADLINE_HINT}（填写的是“{str(value)[:40]}”）。")


@dataclass(frozen=True)
class DeadlineColumn(Column):
    """完成时限 takes a date cell or the plan's wording; the parsed value is (date or None, text)."""

    def parse(self, value):
        day = parse_deadline(value)
        if day is not None and not 1900 <= day.year <= 2100:
            raise CellError(f"日期的年份应在 1900–2100 之间（填写的是“{str(value)[:40]}”）。")
        shown = f"{value:%Y-%m-%d}" if isinstance(value, datetime.date) else normalize(value)
        return day, shown[:50]


# --- units ------------------------------------------------------------------------------------


@dataclass
class Units:
    """One row's units as the plan wrote them: (Department or Township, token) pairs."""

    lead: list = field(default_factory=list)
    cooperating: list = field(default_factory=list)
    all_townships: bool = False
    others: bool = False


def split_responsible(cell: str) -> tuple[str, str, bool]:
    """A single 负责单位 cell as (lead part, cooperating part, explicit): see the module doc."""
    text = normalize(cell)
    if "牵头" in text:
        lead, _, rest = text.partition("牵头")
        rest = rest.strip(" ,、;")
        return lead, rest.removesuffix("配合"), True
    if text.endswith("配合"):
        body = text.removesuffix("配合")
        cut = max(body.rfind(","), body.rfind(";"))
        if cut >= 0:
            return body[:cut], body[cut + 1 :], True
        return "", body, True
    return text, "", False


def tokens(cell: str) -> list[str]:
    """The unit names of a cell; every-township placeholders become ALL_TOWNSHIPS first, since
    their parentheses may hold a "、"."""
    text = TOWNSHIPS_PLACEHOLDER.sub(f"、{ALL_TOWNSHIPS}、", normalize(cell))
    return [token for token in SEPARATORS.split(text) if token]


class UnitDirectory:
    """The units of one county by every name the plan may use for them."""

    def __init__(self, county_id: int):
        self.by_name: dict[str, object] = {}
        departments = Department.objects.filter(county_id=county_id).select_related("township")
        for township in Township.objects.filter(county_id=county_id):
            self.by_name.setdefault(normalize(township.name), township)
            self.by_name.setdefault(normalize(f"{township.name}人民政府"), township)
            self.by_name.setdefault(normalize(f"{township.name}政府"), township)
        for department in departments:
            unit = department.township if department.kind == DepartmentKind.TOWNSHIP else department
            self.by_name[normalize(department.name)] = unit
        for department in departments:
            if department.short_name:
                unit = department.township if department.kind == DepartmentKind.TOWNSHIP else department
                self.by_name.setdefault(normalize(department.short_name), unit)

    def resolve(self, cell: str, units: Units, role: str) -> list[str]:
        """Add the cell's units to `units` under `role`; the names not found."""
        unknown = []
        target = units.lead if role == AssignmentRole.LEAD else units.cooperating
        for token in tokens(cell):
            if token == ALL_TOWNSHIPS:
                units.all_townships = True
                continue
            named = AND_OTHERS.sub("", token)
            if named != token:
                units.others = True
                if not named:
                    continue
            if GENERIC_UNITS.fullmatch(named) and ("各" in named or "关" in named):
                units.others = True
                continue
            unit = self.by_name.get(named)
            if unit is None:
                unknown.append(named)
            else:
                target.append((unit, named))
        return unknown


def _title(text: str) -> str:
    """The task's short name: the text's first clause, cut at a "、" that fits."""
    clause = re.split(r"[,，;；。]", text, maxsplit=1)[0].strip() or text
    if len(clause) <= TITLE_MAX:
        return clause
    head = clause[: TITLE_MAX - 1]
    cut = head.rfind("、")
    return (head[:cut] if cut > 0 else head) + "…"


# --- the import -------------------------------------------------------------------------------


@dataclass
class PlannedTask:
    row: int
    program: PilotProgram
    code: str
    values: dict
    units: Units
    task: Task | None


def _programs(actor, rows: list[ImportRow]) -> tuple[dict[str, PilotProgram], PilotProgram | None]:
    """The actor's programs by name and code, and the one a row without 试点项目 goes to (the
    county's only program, else none)."""
    programs = list(PilotProgram.objects.editable_by(actor).select_related("county"))
    by_key = {}
    for program in programs:
        by_key[normalize(program.name)] = program
        by_key[normalize(program.code)] = program
    return by_key, programs[0] if len(programs) == 1 else None


def _units_of(row: ImportRow, columns, directory: UnitDirectory, errors: list[RowError]) -> Units | None:
    units = Units()
    data = row.data
    found = []
    if data.get("lead") or data.get("cooperating"):
        if not data.get("lead"):
            errors.append(RowError(row.number, columns.header("lead"), "请填写牵头单位。"))
        for name, role in (("lead", AssignmentRole.LEAD), ("cooperating", AssignmentRole.COOPERATING)):
            if data.get(name):
                found.append((columns.header(name), directory.resolve(data[name], units, role)))
    elif data.get("responsible"):
        lead, cooperating, explicit = split_responsible(data["responsible"])
        header = columns.header("responsible")
        if explicit and not lead.strip(" ,、;"):
            errors.append(RowError(row.number, header, "只写了配合单位，没有写明牵头单位。"))
        found.append((header, directory.resolve(lead, units, AssignmentRole.LEAD)))
        found.append((header, directory.resolve(cooperating, units, AssignmentRole.COOPERATING)))
        if not explicit and units.lead:
            # No 牵头 in the cell: the first unit listed leads, the rest cooperate.
            units.cooperating, units.lead = units.lead[1:], units.lead[:1]
    else:
        errors.append(RowError(row.number, columns.header("lead"), "请填写牵头单位（或负责单位）。"))
        return None
    for header, unknown in found:
        for name in unknown:
            errors.append(RowError(row.number, header, f"本县没有名为“{name}”的单位（按单位全称或简称填写）。"))
    if not units.lead and not units.all_townships and not any(e.row == row.number for e in errors):
        errors.append(RowError(row.number, found[0][0], "没有可作为牵头单位的具体单位。"))
    return units


def _planned_units(units: Units) -> set[tuple[int, str]]:
    """(unit key, role) as the task would hold them, to tell an unchanged task."""
    result = {}
    for unit, _ in units.lead:
        result.setdefault(_unit_key(unit), AssignmentRole.LEAD)
    for unit, _ in units.cooperating:
        result.setdefault(_unit_key(unit), AssignmentRole.COOPERATING)
    return set(result.items())


def _unit_key(unit) -> str:
    return f"t{unit.pk}" if isinstance(unit, Township) else f"d{unit.pk}"


def _current_units(task: Task) -> set[tuple[str, str]]:
    result = set()
    for assignment in task.assignments.all():
        if assignment.role == AssignmentRole.TOWNSHIP:
            continue
        department = assignment.department
        unit = department.township if department.kind == DepartmentKind.TOWNSHIP else department
        result.add((_unit_key(unit), assignment.role))
    return result


def task_plan_import(*, actor, rows: list[ImportRow], dry_run: bool) -> ImportResult:
    """Create or update a program's tasks from its 任务分工表, matched on program + 序号."""
    from tasks.excel import TASK_PLAN_COLUMNS as columns

    require(permissions.can_manage_tasks(actor), "只有县领导小组办公室可以导入任务分工表。")
    errors: list[RowError] = []
    programs, default_program = _programs(actor, rows)
    directories: dict[int, UnitDirectory] = {}
    existing = {
        (task.program_id, task.code): task
        for task in Task.objects.editable_by(actor)
        .filter(code__in={row.data["code"] for row in rows if row.data.get("code")})
        .prefetch_related(Prefetch("assignments", queryset=TaskAssignment.objects.select_related("department")))
    }
    reported = set(
        ProgressReport.objects.filter(task__in=[task.pk for task in existing.values()]).values_list(
            "task_id", "department_id"
        )
    )
    seen: dict[tuple[int, str], int] = {}
    planned: list[PlannedTask] = []
    for row in rows:
        row_errors: list[RowError] = []
        data = row.data
        if data.get("program"):
            program = programs.get(normalize(data["program"]))
            if program is None:
                row_errors.append(
                    RowError(row.number, columns.header("program"), f"没有名称或代码为“{data['program']}”的试点项目。")
                )
        else:
            program = default_program
            if program is None:
                row_errors.append(
                    RowError(row.number, columns.header("program"), "本县有多个试点项目，请填写试点项目名称或代码。")
                )
        code = data.get("code")
        if program is not None and code:
            first = seen.setdefault((program.pk, code), row.number)
            if first != row.number:
                row_errors.append(RowError(row.number, columns.header("code"), f"与第 {first} 行的序号重复。"))
        units = None
        if program is not None:
            directory = directories.get(program.county_id) or directories.setdefault(
                program.county_id, UnitDirectory(program.county_id)
            )
            units = _units_of(row, columns, directory, row_errors)
        day, deadline_text = data.get("deadline", (None, ""))
        # Checked whatever failed before it, so a row's problems all appear in one run.
        if program is not None and day is not None and day < datetime.date(program.start_year, 1, 1):
            row_errors.append(
                RowError(
                    row.number,
                    columns.header("deadline"),
                    f"完成时限早于试点项目的起始年度（{program.start_year}年）。",
                )
            )
        if program is None or units is None or not row.ok or row_errors:
            errors.extend(row_errors)
            continue
        text = data["text"]
        values = {
            "title": data.get("title") or _title(text),
            "text": text,
            "deadline": day or datetime.date(program.end_year, 12, 31),
            "deadline_text": deadline_text,
            "other_units_cooperate": units.others,
        }
        task = existing.get((program.pk, code))
        if task is not None:
            planned_keys = {key for key, _ in _planned_units(units)}
            dropped = [
                a.department.name
                for a in task.assignments.all()
                if (task.pk, a.department_id) in reported
                and _unit_key(a.department.township if a.department.kind == DepartmentKind.TOWNSHIP else a.department)
                not in planned_keys
                and not (a.role == AssignmentRole.TOWNSHIP and units.all_townships)
            ]
            if dropped:
                errors.append(
                    RowError(row.number, "", f"{'、'.join(sorted(dropped))}已报送过本任务的报告，不能从任务中移除。")
                )
                continue
            unchanged = (
                all(getattr(task, name) == value for name, value in values.items())
                and task.applies_to_all_townships == units.all_townships
                and _current_units(task) == _planned_units(units)
            )
            if unchanged:
                continue
        planned.append(PlannedTask(row.number, program, code, values, units, task))

    created = sum(1 for plan in planned if plan.task is None)

    def write():
        for plan in planned:
            _write_task(actor=actor, plan=plan)

    return finish_import(
        columns=columns,
        rows=rows,
        errors=errors,
        created=created,
        updated=len(planned) - created,
        dry_run=dry_run,
        write=write,
    )


def _departments(units: list) -> list[tuple[Department, str]]:
    """Townships named as units report through their governments, made on demand."""
    result = []
    for unit, token in units:
        if isinstance(unit, Township):
            unit = village_services.township_government_ensure(township=unit)
        result.append((unit, token))
    return result


def _write_task(*, actor, plan: PlannedTask) -> None:
    lead = _departments(plan.units.lead)
    cooperating = _departments(plan.units.cooperating)
    arguments = {
        "lead": [unit for unit, _ in lead],
        "cooperating": [unit for unit, _ in cooperating],
        "all_townships": plan.units.all_townships,
        **plan.values,
    }
    try:
        if plan.task is None:
            task = services.task_create(
                actor=actor,
                program=plan.program,
                code=plan.code,
                start_date=datetime.date(plan.program.start_year, 1, 1),
                phase=Phase.IMPLEMENT,
                cadence_kind=CadenceKind.EVERY_N_MONTHS,
                cadence_months=REPORT_EVERY_MONTHS,
                **arguments,
            )
        else:
            task = services.task_update(actor=actor, task=plan.task, **arguments)
    except ValidationError as error:
        # Checked above; reaching here means the data changed under the import.
        raise ValidationError(f"第 {plan.row} 行：{'；'.join(error.messages)}") from error
    # How the plan wrote each unit, as the demo's Badong tasks keep it.
    written = {unit.pk: token for unit, token in cooperating}
    written.update({unit.pk: token for unit, token in lead})
    assignments = list(task.assignments.all())
    for assignment in assignments:
        assignment.verbatim = written.get(assignment.department_id, "各乡镇")[:100]
    TaskAssignment.objects.bulk_update(assignments, ["verbatim"])
