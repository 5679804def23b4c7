"""load_demo's tasks: the 53 duties of S0 §四 with their units as the plan writes them, a
reporting history with every kind of outcome, and nothing added by a second run."""

import datetime
import json
from pathlib import Path

import pytest
from django.utils import timezone

from demo.current import plan_tasks
from demo.work_plan import (
    CLOSED_OUT,
    PROGRAM_END_CLOSED_ON,
    PROGRAM_END_NOTE,
    REPORTS_UNTIL,
    SUMMARY_TASKS,
    TITLE_MAX,
)
from pilot_admin.models import AuditEntry, User
from tasks import selectors, services
from tasks.choices import AssignmentRole, CadenceKind, Phase, ReportStatus, TaskStatus
from tasks.models import ProgressReport, ReportingPeriod, Task, TaskAssignment, TaskFigure
from tests.demo.helpers import demo_loaded_twice
from villages import services as village_services
from villages.choices import DepartmentKind
from villages.models import Department, PilotProgram, Township

SOURCE = Path(__file__).resolve().parents[2] / "demo" / "data" / "badong_tasks.json"
MODELS = (Task, TaskAssignment, ReportingPeriod, ProgressReport, TaskFigure, Department, User, AuditEntry)


demo = demo_loaded_twice(MODELS)


@pytest.fixture(scope="module")
def source():
    with SOURCE.open(encoding="utf-8") as fh:
        return {row["id"]: row for row in json.load(fh)["tasks"]}


pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo")]


def _program():
    return PilotProgram.objects.get(code="badong-13th-fyp")


def test_a_second_run_adds_no_task_assignment_period_or_report(demo):
    # Badong's 53, the current program's (demo/current.py), and the 36 of 六枝特区's table (demo/liuzhi.py).
    current = Task.objects.exclude(program__code__in=["badong-13th-fyp", "liuzhi-community-governance"]).count()
    assert current == len(plan_tasks(timezone.localdate()))
    assert demo["first"]["Task"] == 53 + current + 36
    assert demo["second"] == demo["first"]
    assert "任务 53，进度报告" in demo["first_output"]
    assert "本次未新增任何记录" in demo["second_output"]


def test_the_53_tasks_carry_the_plans_text_section_and_dates(source):
    tasks = {task.code: task for task in Task.objects.filter(program=_program())}
    assert set(tasks) == set(source)
    for code, row in source.items():
        task = tasks[code]
        assert task.text == row["text_zh"]
        assert task.section == row["section"]
        assert 0 < len(task.title) <= TITLE_MAX and task.title.rstrip("…") in task.text
        assert (task.phase, task.start_date, task.deadline) == (
            Phase.IMPLEMENT,
            datetime.date(2017, 5, 16),
            datetime.date(2020, 12, 31),
        )
    assert tasks["BD-02-01"].title == "推进农村基层服务型党组织建设"
    # A clause that only sets the scene is passed over for the one with the duty's verb.
    assert tasks["BD-01-02"].title == "领导和支持各试点村制定规划"
    assert tasks["BD-04-01"].title == "统筹推进“互联网+政务服务”和网络化管理信息平台建设"


def test_every_task_has_its_lead_and_cooperating_units_as_the_plan_writes_them(source):
    assignments = TaskAssignment.objects.filter(task__program=_program()).select_related("task", "department")
    by_task: dict[str, dict[str, set]] = {}
    for assignment in assignments:
        units = by_task.setdefault(assignment.task.code, {})
        units.setdefault(assignment.role, set()).add(
            (assignment.department.key, assignment.department.name, assignment.verbatim)
        )
    for code, row in source.items():
        cooperating = {
            (key, name, token)
            for key, name, token in zip(
                row["cooperating_unit_keys"], row["cooperating_units_normalized"], row["cooperating_units"], strict=True
            )
        }
        assert by_task[code].get(AssignmentRole.COOPERATING, set()) == cooperating, code
        if row["lead_unit_key"] == "township_governments":
            assert AssignmentRole.LEAD not in by_task[code]
        else:
            assert by_task[code][AssignmentRole.LEAD] == {(row["lead_unit_key"], row["lead_unit"], row["lead_unit"])}

    units = by_task["BD-02-01"]
    assert {name for _, name, _ in units[AssignmentRole.LEAD]} == {"县委组织部"}
    assert {(name, token) for _, name, token in units[AssignmentRole.COOPERATING]} == {
        ("县民政局", "县民政局"),
        ("县农业局", "农业局"),
        ("县供销社", "供销社"),
    }
    assert Department.objects.get(key="supply_marketing_coop").kind == DepartmentKind.GOVERNMENT


def test_every_township_government_is_assigned_the_township_tasks():
    program = _program()
    townships = Township.objects.filter(county=program.county)
    assert townships.count() == 12
    for township in townships:
        government = Department.objects.get(township=township)
        assert (government.kind, government.name) == (DepartmentKind.TOWNSHIP, f"{township.name}人民政府")
        codes = set(
            government.assignments.filter(role=AssignmentRole.TOWNSHIP, task__program=program).values_list(
                "task__code", flat=True
            )
        )
        assert codes == {"BD-01-01", "BD-01-02"}, township.name
    assert Task.objects.get(code="BD-01-01").applies_to_all_townships


def test_summary_tasks_report_on_fixed_dates_and_the_rest_every_two_months():
    for task in Task.objects.filter(program=_program()):
        dues = list(task.periods.order_by("due_date").values_list("due_date", flat=True))
        if task.code in SUMMARY_TASKS:
            assert (task.cadence_kind, task.cadence_dates) == (CadenceKind.FIXED_DATES, ["06-15", "11-30"])
            # 2017 to 2020, a half-year and a yearly summary each year.
            assert len(dues) == 8 and dues[:2] == [datetime.date(2017, 6, 15), datetime.date(2017, 11, 30)]
        else:
            assert (task.cadence_kind, task.cadence_months) == (CadenceKind.EVERY_N_MONTHS, 2)
            # May–June 2017 (from the plan's date), then six blocks a year to 2020.
            assert len(dues) == 4 + 3 * 6 and dues[0] == datetime.date(2017, 6, 30)


def test_reports_show_every_status_on_time_late_and_missing():
    program = _program()
    reports = ProgressReport.objects.filter(task__program=program).select_related("period")
    statuses = {status: reports.filter(status=status).count() for status in ReportStatus.values}
    assert all(count > 0 for count in statuses.values()), statuses
    assert statuses[ReportStatus.ACCEPTED] > sum(statuses.values()) / 2
    assert not reports.filter(period__due_date__gt=REPORTS_UNTIL).exists()
    assert not reports.filter(status=ReportStatus.RETURNED, return_reason="").exists()
    assert not reports.filter(status=ReportStatus.DRAFT, first_submitted_at__isnull=False).exists()

    sent = [r for r in reports if r.first_submitted_at is not None]
    late = [r for r in sent if timezone.localdate(r.first_submitted_at) > r.period.due_date]
    assert 0 < len(late) < len(sent) / 2
    # Late, but never after the period locked (no unlock was needed).
    assert all(timezone.localdate(r.first_submitted_at) <= services.lock_date(r.period) for r in late)
    assert all(r.submitted_at >= r.first_submitted_at for r in sent)
    assert all(r.reviewed_at >= r.first_submitted_at for r in sent if r.reviewed_at)

    obligations = sum(
        task.assignments.count() * task.periods.filter(due_date__lte=REPORTS_UNTIL).count()
        for task in Task.objects.filter(program=program)
    )
    assert 0.6 * obligations < reports.count() < obligations


def test_units_with_a_demo_login_reported_through_it():
    clerk = User.objects.get(username="township_shuibuya")
    leader = User.objects.get(username="township_shuibuya_leader")
    assert (clerk.is_unit_leader, leader.is_unit_leader) == (False, True)
    government = village_services.unit_for(clerk)
    assert government == village_services.unit_for(leader) == Department.objects.get(township=clerk.township)
    township_reports = ProgressReport.objects.filter(department=government).exclude(status=ReportStatus.DRAFT)
    assert township_reports.exists()
    assert set(township_reports.values_list("submitted_by__username", flat=True)) == {"township_shuibuya"}

    civil_affairs = User.objects.get(username="dept_civil_affairs")
    sent = ProgressReport.objects.filter(department=civil_affairs.department, first_submitted_at__isnull=False)
    assert set(sent.values_list("submitted_by", flat=True)) == {civil_affairs.pk}
    # The service path leaves the audit trail a page would.
    assert AuditEntry.objects.filter(actor=civil_affairs, object_repr__contains="县民政局").exists()
    # Units without a login have reports entered in their final state.
    assert ProgressReport.objects.filter(department__key="youth_league", submitted_by__isnull=True).exists()


def test_a_handful_of_tasks_are_closed_out_with_a_note_after_a_complete_final_report():
    closed = Task.objects.filter(program=_program(), status=TaskStatus.CLOSED_OUT, code__in=CLOSED_OUT)
    assert set(closed.values_list("code", flat=True)) == set(CLOSED_OUT)
    for task in closed:
        assert task.close_out_note == CLOSED_OUT[task.code]
        assert timezone.localdate(task.closed_out_at) == datetime.date(2020, 1, 15)
        lead = task.assignments.get(role=AssignmentRole.LEAD).department
        last = ProgressReport.objects.filter(task=task, department=lead).order_by("-period__due_date").first()
        assert (last.status, last.percent_complete) == (ReportStatus.ACCEPTED, 100)


def test_the_rest_are_closed_out_when_the_finished_program_ended():
    program = _program()
    rest = Task.objects.filter(program=program).exclude(code__in=CLOSED_OUT)
    assert rest.count() == 53 - len(CLOSED_OUT)
    assert set(rest.values_list("status", "close_out_note")) == {(TaskStatus.CLOSED_OUT, PROGRAM_END_NOTE)}
    assert {timezone.localdate(at) for at in rest.values_list("closed_out_at", flat=True)} == {PROGRAM_END_CLOSED_ON}
    assert PROGRAM_END_CLOSED_ON.year > program.end_year


def test_completeness_differs_from_unit_to_unit():
    admin = User.objects.get(username="county_admin")
    rows = selectors.completeness(user=admin, program=_program(), year=2018, as_of=datetime.date(2018, 12, 31))
    # Each of the plan's 23 county units has a duty, and so has each of the 12 townships.
    assert len(rows) == 23 + 12
    rates = {row.unit: (row.completeness, row.timeliness) for row in rows}
    assert len(set(rates.values())) > 10
    assert sum(1 for completeness, _ in rates.values() if completeness < 1) > len(rates) / 2
    assert all(completeness > 0 and timeliness <= completeness for completeness, timeliness in rates.values())


def test_one_task_carries_figures_that_its_reports_fill():
    task = Task.objects.get(program=_program(), code="BD-02-06")
    assert [(f.name, f.unit) for f in task.figures.all()] == [
        ("已建成综合服务站个数", "个"),
        ("服务站建筑面积", "平方米"),
    ]
    count = task.figures.first()
    reports = ProgressReport.objects.filter(task=task)
    assert reports.exists() and all(count.key in report.figures for report in reports)
    # Only that task: a second load adds none (the counts test compares TaskFigure too).
    assert TaskFigure.objects.count() == 2
