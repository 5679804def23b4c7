"""The demo county's tasks: the 53 duties of S0 §四 with their lead and cooperating units, their
reporting periods, and three years (2017–2019) of synthetic progress reports, so the ledger,
the review queue and the completeness table have something to show.

Like demo/county.py: everything comes from fixed tables and a fixed seed, and only what is
missing is created (a task by its code), so a second `load_demo` adds nothing. Tasks go through
`services.task_create`; the reports of units that have a demo login go through the report
services as that login (with the audit trail that leaves), the reports of the other ~20 units
are bulk-created in their final state, which keeps `load_demo` fast.
"""

import datetime
import json
import random
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.db.models import F
from django.db.models.functions import Coalesce
from django.utils import timezone

from pilot_admin.choices import Role
from pilot_admin.models import User
from tasks import services
from tasks.choices import AssignmentRole, CadenceKind, Phase, ReportStatus
from tasks.models import ProgressReport, ReportingPeriod, Task, TaskAssignment
from villages import services as village_services
from villages.choices import DepartmentKind
from villages.models import Department

DATA_DIR = Path(__file__).resolve().parent / "data"
SEED = "badong-demo-tasks"

# S0 gives no per-task dates: its tasks run in phase 2 (分类推进, R-G2) from the plan's date of
# issue to the end of 2020 (SPEC §4.3).
START = datetime.date(2017, 5, 16)
DEADLINE = datetime.date(2020, 12, 31)
PHASE = Phase.IMPLEMENT
# Reports are made up to the end of 2019; 2020 is left open, so the ledger has gaps to chase.
REPORTS_UNTIL = datetime.date(2019, 12, 31)

# Most tasks report on the bimonthly ledger (R-G4). These report by a half-year summary
# (06-15) and a yearly summary (11-30) instead (R-G5): the townships' overall responsibility for
# the pilots (四(一)), and the standing culture, civility and living-environment campaigns,
# whose progress is told as a summary of the half-year rather than as a ledger of items.
LEDGER_MONTHS = 2
SUMMARY_DATES = ["06-15", "11-30"]
SUMMARY_TASKS = {"BD-01-01", "BD-01-02", "BD-04-09", "BD-04-10", "BD-09-01"}

TOWNSHIPS_KEY = "township_governments"
TITLE_MAX = 40
# The title is the text's first clause, except where that clause only sets the scene (在…下,
# 因村制宜, 依托…): then the clause carrying the duty's verb, by its index.
TITLE_CLAUSE = {
    "BD-01-02": 1,
    "BD-02-06": 2,
    "BD-04-01": 3,
    "BD-04-06": 1,
    "BD-05-07": 2,
    "BD-05-09": 1,
    "BD-07-01": 1,
    "BD-07-04": 1,
}

# Tasks done by the end of 2019 and closed out (销号) by the county office early in 2020.
CLOSED_OUT = {
    "BD-02-03": "县级以上机关党员、干部到农村社区挂职任职、驻点包户制度已印发执行，经县领导小组办公室核查，准予销号。",
    "BD-04-03": "各试点村已统一应用“中国社区”和“社区党员群众服务中心”标识，不挂社区标牌、不刻社区印章，准予销号。",
    "BD-05-01": "农村社区事务清单已制定印发，乡镇人民政府与村民委员会权责边界已厘清，准予销号。",
    "BD-07-03": "培育村级特色主导产业、拓宽村级集体经济发展渠道的具体办法已出台，准予销号。",
}
CLOSED_OUT_ON = datetime.date(2020, 1, 15)
# The rest were closed out when the program ended and the county office made its final review:
# the finished program is history, its unmet reports no longer owed (nor overdue, nor reminded).
PROGRAM_END_NOTE = "“十三五”试点期满，经县领导小组办公室总结验收，本任务办结，准予销号。"
PROGRAM_END_CLOSED_ON = datetime.date(2021, 1, 20)

RETURN_REASONS = [
    "台账未经单位主要领导签字，请补签后重新报送。",
    "进展情况过于笼统，请补充具体数据和涉及的试点村名单。",
    "完成进度与上期相同，未说明原因，请补充说明。",
    "附件台账与正文数据不一致，请核实后重新报送。",
]
WORK_DONE = [
    "召开专题会议研究部署，明确了分管领导和具体责任人",
    "深入试点村调研指导，梳理出问题清单并逐项交办",
    "对照方案建立了工作台账，逐村逐项跟踪落实",
    "与牵头单位对接，完成了本单位承担部分的资料收集和数据报送",
    "组织乡镇和试点村有关人员开展业务培训",
    "督促试点村对照目标查漏补缺，完成了阶段性任务",
]
NEXT_STEPS = [
    "继续督促试点村按时间节点推进",
    "加强与配合单位的沟通，及时解决推进中的困难",
    "对照考核验收标准开展自查",
    "总结试点村经验做法，做好推广",
]


# The logins that reported through the system in the 十三五 years. The other townships' accounts
# were opened for the current program (demo/current.py): their 2017–2020 reports are the
# bulk-made history of a unit without a login, so the finished program's story stays as it was.
HISTORY_LOGINS = ("dept_civil_affairs", "township_shuibuya", "township_shuibuya_leader", "township_dongrangkou")


@dataclass
class DemoTasks:
    tasks: int = 0
    reports: int = 0
    created: dict[str, int] = field(default_factory=dict)


def _rng(*parts) -> random.Random:
    return random.Random("/".join([SEED, *map(str, parts)]))


def load_tasks_data() -> list[dict]:
    with (DATA_DIR / "badong_tasks.json").open(encoding="utf-8") as fh:
        return json.load(fh)["tasks"]


def _departments_data() -> dict[str, dict]:
    with (DATA_DIR / "badong_departments.json").open(encoding="utf-8") as fh:
        return {row["key"]: row for row in json.load(fh)["departments"]}


def _clauses(text: str) -> list[str]:
    """Split at the top-level commas and semicolons; punctuation inside 《》, (), “” stays."""
    clauses, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch in "《(（“":
            depth += 1
        elif ch in "》)）”":
            depth -= 1
        elif ch in ",，;；。" and depth == 0:
            clauses.append(text[start:i])
            start = i + 1
    clauses.append(text[start:])
    return [clause for clause in clauses if clause]


def short_title(code: str, text: str) -> str:
    clause = _clauses(text)[TITLE_CLAUSE.get(code, 0)]
    if len(clause) <= TITLE_MAX:
        return clause
    # Cut at the last enumeration comma that fits, so no word is broken.
    head = clause[: TITLE_MAX - 1]
    cut = head.rfind("、")
    return (head[:cut] if cut > 0 else head) + "…"


def _cadence(code: str) -> dict:
    if code in SUMMARY_TASKS:
        return {"cadence_kind": CadenceKind.FIXED_DATES, "cadence_dates": SUMMARY_DATES}
    return {"cadence_kind": CadenceKind.EVERY_N_MONTHS, "cadence_months": LEDGER_MONTHS}


def _ensure_units(county, rows: list[dict]) -> dict[str, Department]:
    """The county units the tasks name, by key; any the county lacks is created from the
    departments list (or as 其他单位 when the list does not know it)."""
    known = _departments_data()
    names = {}
    for row in rows:
        names.setdefault(row["lead_unit_key"], row["lead_unit"])
        for key, name in zip(row["cooperating_unit_keys"], row["cooperating_units_normalized"], strict=True):
            names.setdefault(key, name)
    names.pop(TOWNSHIPS_KEY, None)
    units = {unit.key: unit for unit in Department.objects.filter(county=county, key__in=names)}
    for key, name in names.items():
        if key in units:
            continue
        data = known.get(key, {})
        kind = {"mass_org": DepartmentKind.MASS_ORGANIZATION}.get(data.get("kind"), data.get("kind"))
        unit = Department(
            county=county,
            key=key,
            name=data.get("name_zh", name),
            short_name=data.get("short_name", ""),
            kind=kind if kind in DepartmentKind.values else DepartmentKind.OTHER,
            in_leading_group=data.get("in_leading_group", False),
        )
        unit.full_clean()
        unit.save()
        units[key] = unit
    return units


def _create_tasks(*, program, admin, rows, units) -> list[Task]:
    existing = set(Task.objects.filter(program=program).values_list("code", flat=True))
    created = []
    verbatim = []
    for row in rows:
        if row["id"] in existing:
            continue
        townships = row["lead_unit_key"] == TOWNSHIPS_KEY
        lead = [] if townships else [units[row["lead_unit_key"]]]
        cooperating = [units[key] for key in row["cooperating_unit_keys"]]
        task = services.task_create(
            actor=admin,
            program=program,
            code=row["id"],
            section=row["section"],
            title=short_title(row["id"], row["text_zh"]),
            text=row["text_zh"],
            phase=PHASE,
            start_date=START,
            deadline=DEADLINE,
            lead=lead,
            cooperating=cooperating,
            all_townships=townships,
            **_cadence(row["id"]),
        )
        # How the plan wrote each unit ("农业局" for 县农业局, "各乡镇人民政府" for every township).
        tokens = {unit.pk: token for unit, token in zip(cooperating, row["cooperating_units"], strict=True)}
        for assignment in task.assignments.all():
            if assignment.role == AssignmentRole.COOPERATING:
                assignment.verbatim = tokens[assignment.department_id]
            else:
                assignment.verbatim = row["lead_unit"]
            verbatim.append(assignment)
        created.append(task)
    TaskAssignment.objects.bulk_update(verbatim, ["verbatim"], batch_size=500)
    return created


# ---------------------------------------------------------------------------------------------
# Synthetic reports.


@dataclass
class PlannedReport:
    """One unit's report for one period in its final state, with the days of each step."""

    status: str
    percent: int
    text: str
    signed: bool
    first_day: datetime.date
    returned_day: datetime.date | None = None
    reason: str = ""
    resubmitted_day: datetime.date | None = None
    accepted_day: datetime.date | None = None


def _at(day: datetime.date, rng: random.Random) -> datetime.datetime:
    """A time in office hours on `day`, local time."""
    moment = datetime.time(rng.randint(8, 17), rng.randint(0, 59))
    return timezone.make_aware(datetime.datetime.combine(day, moment), timezone.get_default_timezone())


def _profile(unit: Department) -> tuple[float, float]:
    """Each unit's habits: its share of missing and of late reports, so completeness and
    timeliness differ from unit to unit."""
    rng = _rng("unit", unit.name)
    return rng.uniform(0.03, 0.3), rng.uniform(0.05, 0.35)


def _progress(rng: random.Random, due: datetime.date) -> int:
    elapsed = (due - START).days / (DEADLINE - START).days
    return max(5, min(95, round((100 * elapsed + rng.uniform(-8, 12)) / 5) * 5))


def plan_report(
    *, task: Task, unit: Department, period: ReportingPeriod, lock_days: int, closing: bool
) -> PlannedReport | None:
    """What became of one obligation; None when the unit never reported. `closing`: the lead
    unit's last report before close-out, on time, complete and accepted."""
    rng = _rng("report", task.code, unit.name, period.due_date)
    missing, late = _profile(unit)
    due = period.due_date
    text = (
        f"{period.label}，{unit.short_name or unit.name}围绕“{task.title}”{rng.choice(WORK_DONE)}。"
        f"下一步将{rng.choice(NEXT_STEPS)}。"
    )
    earliest = max(period.start, due - datetime.timedelta(days=20))
    on_time_day = earliest + datetime.timedelta(days=rng.randint(0, (due - earliest).days))
    if closing:
        return PlannedReport(
            status=ReportStatus.ACCEPTED, percent=100, signed=True, first_day=on_time_day,
            text=text + "本任务已全面完成，申请销号。", accepted_day=on_time_day + datetime.timedelta(days=3),
        )  # fmt: skip
    draw = rng.random()
    if draw < missing:
        return None
    percent = _progress(rng, due)
    signed = rng.random() < 0.85
    if draw < missing + 0.03:
        # Started on the page and never sent.
        return PlannedReport(
            status=ReportStatus.DRAFT, percent=percent, text=text, signed=signed, first_day=on_time_day
        )
    # A late report still arrives before the period locks: after that only an unlock helps.
    first = due + datetime.timedelta(days=rng.randint(1, lock_days)) if rng.random() < late else on_time_day
    plan = PlannedReport(status=ReportStatus.SUBMITTED, percent=percent, text=text, signed=signed, first_day=first)
    review = rng.random()
    # Reports of the last months of 2019 are more often still waiting in the review queue.
    waiting = 0.25 if due >= datetime.date(2019, 9, 1) else 0.03
    if review < 0.08:
        plan.status = ReportStatus.RETURNED
        plan.returned_day = first + datetime.timedelta(days=rng.randint(1, 3))
        plan.reason = rng.choice(RETURN_REASONS)
        resubmit = plan.returned_day + datetime.timedelta(days=rng.randint(1, 4))
        if rng.random() < 0.6 and resubmit <= due + datetime.timedelta(days=lock_days):
            plan.resubmitted_day = resubmit
            plan.signed = True
            plan.status = ReportStatus.ACCEPTED
            plan.accepted_day = resubmit + datetime.timedelta(days=rng.randint(1, 5))
    elif review >= 0.08 + waiting:
        plan.status = ReportStatus.ACCEPTED
        plan.accepted_day = first + datetime.timedelta(days=rng.randint(1, 10))
    return plan


def _reporters(county) -> dict[int, User]:
    """The demo login that speaks for each unit: a clerk rather than the unit's leader, the
    first by username."""
    reporters = {}
    users = User.objects.filter(
        county=county, is_active=True, role__in=[Role.DEPARTMENT, Role.TOWNSHIP], username__in=HISTORY_LOGINS
    )
    for user in users.order_by("is_unit_leader", "username"):
        unit = village_services.unit_for(user)
        if unit is not None:
            reporters.setdefault(unit.pk, user)
    return reporters


def _times(plan: PlannedReport, rng: random.Random) -> dict:
    first = _at(plan.first_day, rng)
    submitted = _at(plan.resubmitted_day, rng) if plan.resubmitted_day else first
    review_day = plan.accepted_day or plan.returned_day
    reviewed = _at(review_day, rng) if review_day else None
    if plan.status == ReportStatus.DRAFT:
        return {"created_at": first, "updated_at": first}
    return {
        "created_at": first,
        "updated_at": max(filter(None, [submitted, reviewed])),
        "first_submitted_at": first,
        "submitted_at": submitted,
        "reviewed_at": reviewed if plan.status in (ReportStatus.ACCEPTED, ReportStatus.RETURNED) else None,
    }


def report_row(*, task, period, unit, plan: PlannedReport, admin, times: dict) -> ProgressReport:
    """An unsaved report of a unit no demo login speaks for, to be written in bulk: the services
    need a signed-in reporter of the unit."""
    return ProgressReport(
        task=task,
        period=period,
        department=unit,
        text=plan.text,
        percent_complete=plan.percent,
        signed_by_principal=plan.signed,
        status=plan.status,
        return_reason=plan.reason if plan.status == ReportStatus.RETURNED else "",
        reviewed_by=admin if times.get("reviewed_at") else None,
        **{name: value for name, value in times.items() if name not in ("created_at", "updated_at")},
    )


def _report_through_services(*, reporter, admin, period, plan: PlannedReport) -> ProgressReport:
    """The steps a unit and the county office would take on the pages, on the planned days."""
    # A half-year or year summary is only accepted signed (R-G5): the unit signs before it submits.
    signed = plan.signed or services.requires_principal_signature(period)
    content = {"text": plan.text, "percent_complete": plan.percent, "signed_by_principal": signed}
    submit = plan.status != ReportStatus.DRAFT
    report = services.report_save(actor=reporter, period=period, submit=submit, today=plan.first_day, **content)
    if plan.returned_day:
        report = services.report_return(actor=admin, report=report, reason=plan.reason)
    if plan.resubmitted_day:
        report = services.report_save(actor=reporter, period=period, submit=True, today=plan.resubmitted_day, **content)
    if plan.accepted_day:
        report = services.report_accept(actor=admin, report=report)
    return report


def _seed_reports(*, tasks: list[Task], program, admin, county) -> int:
    lock_days = program.report_lock_days
    reporters = _reporters(county)
    task_ids = [task.pk for task in tasks]
    periods: dict[int, list[ReportingPeriod]] = {}
    for period in ReportingPeriod.objects.filter(task__in=task_ids, due_date__lte=REPORTS_UNTIL).order_by("due_date"):
        periods.setdefault(period.task_id, []).append(period)
    assignments = TaskAssignment.objects.filter(task__in=task_ids).select_related("department").order_by("pk")
    by_task = {task.pk: task for task in tasks}

    fixes: list[tuple[ProgressReport, dict]] = []
    bulk: list[ProgressReport] = []
    through_services = 0
    for assignment in assignments:
        task, unit = by_task[assignment.task_id], assignment.department
        task_periods = periods.get(task.pk, [])
        for index, period in enumerate(task_periods):
            closing = (
                task.code in CLOSED_OUT and assignment.role == AssignmentRole.LEAD and index == len(task_periods) - 1
            )
            plan = plan_report(task=task, unit=unit, period=period, lock_days=lock_days, closing=closing)
            if plan is None:
                continue
            times = _times(plan, _rng("times", task.code, unit.name, period.due_date))
            reporter = reporters.get(unit.pk)
            if reporter is not None:
                report = _report_through_services(reporter=reporter, admin=admin, period=period, plan=plan)
                fixes.append((report, times))
                through_services += 1
                continue
            report = report_row(task=task, period=period, unit=unit, plan=plan, admin=admin, times=times)
            bulk.append(report)
            if plan.status == ReportStatus.DRAFT:
                fixes.append((report, times))
    ProgressReport.objects.bulk_create(bulk, batch_size=500)
    # The services stamp "now" and bulk_create stamps created_at; the history needs the planned
    # days, so first_submitted_at (which timeliness reads) falls on time or late as planned.
    # Bulk-created reports that were sent take theirs from their own submission and review.
    ProgressReport.objects.filter(
        task__in=task_ids, submitted_by__isnull=True, first_submitted_at__isnull=False
    ).update(created_at=F("first_submitted_at"), updated_at=Coalesce("reviewed_at", "submitted_at"))
    for report, times in fixes:
        for name, value in times.items():
            setattr(report, name, value)
    fields = ["created_at", "updated_at", "first_submitted_at", "submitted_at", "reviewed_at"]
    ProgressReport.objects.bulk_update([report for report, _ in fixes], fields, batch_size=500)
    return len(bulk) + through_services


def _close_out(*, tasks: list[Task], admin) -> None:
    rng = _rng("close-out")
    for task in tasks:
        if task.code in CLOSED_OUT:
            services.task_close_out(actor=admin, task=task, note=CLOSED_OUT[task.code])
            Task.objects.filter(pk=task.pk).update(closed_out_at=_at(CLOSED_OUT_ON, rng))
    for task in tasks:
        if task.code not in CLOSED_OUT and task.deadline < timezone.localdate():
            services.task_close_out(actor=admin, task=task, note=PROGRAM_END_NOTE)
            Task.objects.filter(pk=task.pk).update(closed_out_at=_at(PROGRAM_END_CLOSED_ON, rng))


# One task whose reports carry figures (TaskFigure), so the report form, the period table's
# sums, the ledger export and the API show them: the service stations of 四(二).
FIGURES_TASK = "BD-02-06"
FIGURES = [("已建成综合服务站个数", "个"), ("服务站建筑面积", "平方米")]


def _ensure_figures(*, program, admin) -> None:
    """Name the figures of FIGURES_TASK and give its existing reports values, once: a task that
    already has figures is left as the pages left it."""
    task = Task.objects.filter(program=program, code=FIGURES_TASK).first()
    if task is None or task.figures.exists():
        return
    services.task_figures_set(actor=admin, task=task, figures=FIGURES)
    count, area = task.figures.order_by("order")
    reports = list(ProgressReport.objects.filter(task=task).select_related("period", "department"))
    for report in reports:
        rng = _rng("figures", report.department.name, report.period.due_date)
        built = rng.randint(0, 4)
        report.figures = {count.key: built, area.key: built * rng.choice((200, 260, 320, 400))}
    ProgressReport.objects.bulk_update(reports, ["figures"], batch_size=500)


@transaction.atomic
def load_demo_tasks(*, county, program, admin) -> DemoTasks:
    """Create whatever of the demo tasks is missing: units, tasks, and the reports and
    close-outs of the tasks created now (a task that exists is left as the pages left it)."""
    for township in county.townships.order_by("code"):
        village_services.township_government_ensure(township=township)
    rows = load_tasks_data()
    units = _ensure_units(county, rows)
    tasks = _create_tasks(program=program, admin=admin, rows=rows, units=units)
    reports = _seed_reports(tasks=tasks, program=program, admin=admin, county=county) if tasks else 0
    _close_out(tasks=tasks, admin=admin)
    _ensure_figures(program=program, admin=admin)
    return DemoTasks(
        tasks=Task.objects.filter(program=program).count(),
        reports=ProgressReport.objects.filter(task__program=program).count(),
        created={"tasks": len(tasks), "reports": reports},
    )
