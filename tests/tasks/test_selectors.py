"""The read side of the tasks app on worked examples whose numbers are stated here: report
completeness and timeliness (DHIS2), the overdue rules, the ledger's annotations, my
obligations and the department statistics."""

import datetime
import zoneinfo

import pytest
from django.conf import settings

from pilot_admin.choices import Role
from tasks import selectors, services
from tasks.choices import AssignmentRole, ReportStatus, TaskStatus
from tasks.models import Task
from tests.factories import (
    DepartmentFactory,
    PilotProgramFactory,
    ProgressReportFactory,
    ReportingPeriodFactory,
    TaskAssignmentFactory,
    TaskFactory,
    TownshipFactory,
    UserFactory,
)
from villages import services as village_services

pytestmark = pytest.mark.django_db

d = datetime.date
LOCAL = zoneinfo.ZoneInfo(settings.TIME_ZONE)


def at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    """A moment in the county's local time (Asia/Shanghai)."""
    return datetime.datetime(day.year, day.month, day.day, hour, minute, tzinfo=LOCAL)


def period(task, due, start=None, label=None):
    return ReportingPeriodFactory(
        task=task, due_date=due, start=start or due.replace(day=1), label=label or f"{due:%Y年%m月}"
    )


def report(period, unit, status, first=None, **fields):
    return ProgressReportFactory(
        period=period, department=unit, status=status, first_submitted_at=first, submitted_at=first, **fields
    )


@pytest.fixture
def government_a(township_a):
    return village_services.township_government_ensure(township=township_a)


# --- completeness and timeliness -----------------------------------------------------------------


@pytest.fixture
def worked_example(program, department, government_a, county):
    """One task of 县民政局 (lead) and 水布垭镇 (township), year 2018, as of 2018-09-15.

    Periods due 2018-03-31, 06-15 and 09-15 are expected (09-15 is the as-of day itself);
    2017-12-31 is another year and 11-30 is not yet due. 2 units × 3 periods = 6 expected.

    县民政局:  03-31 first submitted 03-31 23:30 local           → received, on time
               06-15 first submitted 06-16 00:30 local           → received, late (though it is
                     still 06-15 in UTC: the county's day counts)
               09-15 nothing                                      → not received
    水布垭镇:  03-31 first submitted 03-20, since returned          → received, on time
               06-15 first submitted 06-15 09:00, accepted        → received, on time
               09-15 a draft                                      → not received

    县民政局 3 / 2 / 1 → completeness 0.6667, timeliness 0.3333
    水布垭镇 3 / 2 / 2 → completeness 0.6667, timeliness 0.6667
    together 6 / 4 / 3 → completeness 0.6667, timeliness 0.5
    """
    task = TaskFactory(program=program, start_date=d(2017, 10, 1), deadline=d(2018, 12, 31))
    TaskAssignmentFactory(task=task, department=department, role=AssignmentRole.LEAD)
    TaskAssignmentFactory(task=task, department=government_a, role=AssignmentRole.TOWNSHIP)
    earlier = period(task, d(2017, 12, 31))
    march, june, september = (period(task, due) for due in (d(2018, 3, 31), d(2018, 6, 15), d(2018, 9, 15)))
    later = period(task, d(2018, 11, 30))
    report(march, department, ReportStatus.SUBMITTED, at(d(2018, 3, 31), 23, 30))
    report(june, department, ReportStatus.SUBMITTED, at(d(2018, 6, 16), 0, 30))
    report(march, government_a, ReportStatus.RETURNED, at(d(2018, 3, 20), 10))
    report(june, government_a, ReportStatus.ACCEPTED, at(d(2018, 6, 15), 9))
    report(september, government_a, ReportStatus.DRAFT)
    # Outside the example: a report of another year's period and of a period not yet due.
    report(earlier, department, ReportStatus.ACCEPTED, at(d(2017, 12, 30), 9))
    report(later, department, ReportStatus.SUBMITTED, at(d(2018, 9, 1), 9))
    # Another program of the county and another county: not counted.
    other_program = PilotProgramFactory(county=county, code="other-program")
    other = TaskFactory(program=other_program)
    TaskAssignmentFactory(task=other, department=department)
    report(period(other, d(2018, 6, 30)), department, ReportStatus.SUBMITTED, at(d(2018, 6, 1), 9))
    return task


def _by_unit(rows):
    return {row.unit: (row.expected, row.received, row.on_time, row.completeness, row.timeliness) for row in rows}


def test_completeness_and_timeliness_on_the_worked_example(
    worked_example, county_admin, program, django_assert_num_queries
):
    with django_assert_num_queries(1):
        rows = selectors.completeness(user=county_admin, program=program, year=2018, as_of=d(2018, 9, 15))
    assert _by_unit(rows) == {
        "县民政局": (3, 2, 1, 0.6667, 0.3333),
        "水布垭镇人民政府": (3, 2, 2, 0.6667, 0.6667),
    }
    # County departments before township governments.
    assert [row.unit for row in rows] == ["县民政局", "水布垭镇人民政府"]
    totals = selectors.completeness_totals(rows)
    assert (totals.expected, totals.received, totals.on_time) == (6, 4, 3)
    assert (totals.completeness, totals.timeliness) == (0.6667, 0.5)


def test_the_as_of_date_decides_what_is_expected(worked_example, county_admin, program):
    # The day before 09-15 only two periods per unit are due.
    rows = selectors.completeness(user=county_admin, program=program, year=2018, as_of=d(2018, 9, 14))
    assert _by_unit(rows) == {
        "县民政局": (2, 2, 1, 1.0, 0.5),
        "水布垭镇人民政府": (2, 2, 2, 1.0, 1.0),
    }
    # Nothing due yet: no rows, and rates of 0 rather than a division by zero.
    assert selectors.completeness(user=county_admin, program=program, year=2018, as_of=d(2018, 1, 1)) == []
    empty = selectors.completeness_totals([])
    assert (empty.completeness, empty.timeliness) == (0.0, 0.0)


def test_a_unit_user_sees_only_their_own_units_completeness(
    worked_example, township_a_official, department_user, program
):
    as_of = d(2018, 9, 15)
    assert _by_unit(selectors.completeness(user=township_a_official, program=program, year=2018, as_of=as_of)) == {
        "水布垭镇人民政府": (3, 2, 2, 0.6667, 0.6667)
    }
    assert _by_unit(selectors.completeness(user=department_user, program=program, year=2018, as_of=as_of)) == {
        "县民政局": (3, 2, 1, 0.6667, 0.3333)
    }


def test_another_countys_user_sees_nothing(worked_example, program):
    stranger = UserFactory(
        role=Role.COUNTY_ADMIN,
        county=TownshipFactory(county__name="建始县", county__admin_code="422822").county,
    )
    assert selectors.completeness(user=stranger, program=program, year=2018, as_of=d(2018, 12, 31)) == []


def test_a_closed_out_task_counts_only_the_periods_due_before_its_close_out(county_admin, program, department):
    task = TaskFactory(
        program=program,
        status=TaskStatus.CLOSED_OUT,
        closed_out_at=at(d(2018, 5, 1), 10),
        close_out_note="提前完成",
    )
    TaskAssignmentFactory(task=task, department=department)
    april = period(task, d(2018, 4, 30))
    period(task, d(2018, 6, 30))
    report(april, department, ReportStatus.ACCEPTED, at(d(2018, 4, 29), 10))
    rows = selectors.completeness(user=county_admin, program=program, year=2018, as_of=d(2018, 12, 31))
    assert _by_unit(rows) == {"县民政局": (1, 1, 1, 1.0, 1.0)}


# --- overdue rules and the ledger ----------------------------------------------------------------


@pytest.fixture
def ledger_task(program, department, government_a):
    """Periods due 03-31, 06-30, 09-30 of 2018; 县民政局 leads, 县委组织部 cooperates, 水布垭镇
    carries it out."""
    task = TaskFactory(program=program, code="BD-02-01", start_date=d(2018, 1, 1), deadline=d(2018, 12, 31))
    cooperating = DepartmentFactory(county=program.county, name="县委组织部")
    TaskAssignmentFactory(task=task, department=department, role=AssignmentRole.LEAD)
    TaskAssignmentFactory(task=task, department=cooperating, role=AssignmentRole.COOPERATING)
    TaskAssignmentFactory(task=task, department=government_a, role=AssignmentRole.TOWNSHIP)
    q1 = period(task, d(2018, 3, 31), start=d(2018, 1, 1), label="第一季度")
    q2 = period(task, d(2018, 6, 30), start=d(2018, 4, 1), label="第二季度")
    q3 = period(task, d(2018, 9, 30), start=d(2018, 7, 1), label="第三季度")
    report(q1, department, ReportStatus.SUBMITTED, at(d(2018, 3, 30), 9), percent_complete=30)
    report(q1, government_a, ReportStatus.RETURNED, at(d(2018, 3, 29), 9), percent_complete=20)
    report(q2, government_a, ReportStatus.ACCEPTED, at(d(2018, 6, 29), 9), percent_complete=55)
    report(q1, cooperating, ReportStatus.DRAFT, percent_complete=10)
    return {"task": task, "q1": q1, "q2": q2, "q3": q3, "cooperating": cooperating}


def _ledger(user, today, **filters):
    return {row.department.name: row for row in selectors.ledger_rows(user=user, today=today).filter(**filters)}


def test_ledger_rows_carry_period_report_and_overdue(ledger_task, county_admin):
    """On 2018-07-10: 县民政局 met Q1 but not Q2 (due 06-30) → overdue since 06-30, 10 days;
    水布垭镇's Q1 was returned (not met) though Q2 is accepted → overdue since 03-31, 101 days;
    县委组织部 has only a Q1 draft (not met) → overdue since 03-31, 101 days."""
    rows = _ledger(county_admin, d(2018, 7, 10))
    assert list(rows) == ["县民政局", "县委组织部", "水布垭镇人民政府"]  # lead, cooperating, township
    for row in rows.values():
        assert (row.period_label, row.period_due) == ("第二季度", d(2018, 6, 30))
    lead = rows["县民政局"]
    assert (lead.report_status, lead.report_percent, lead.report_period_label) == ("submitted", 30, "第一季度")
    assert (lead.overdue_since, lead.days_overdue.days) == (d(2018, 6, 30), 10)
    township = rows["水布垭镇人民政府"]
    assert (township.report_status, township.report_percent, township.report_period_label) == (
        "accepted",
        55,
        "第二季度",
    )
    assert township.report_submitted_at == at(d(2018, 6, 29), 9)
    assert (township.overdue_since, township.days_overdue.days) == (d(2018, 3, 31), 101)
    cooperating = rows["县委组织部"]
    assert (cooperating.report_status, cooperating.overdue_since) == ("draft", d(2018, 3, 31))


def test_due_today_is_not_overdue_and_the_day_after_is(ledger_task, county_admin):
    lead = _ledger(county_admin, d(2018, 6, 30))["县民政局"]
    assert (lead.overdue_since, lead.days_overdue) == (None, None)
    assert (lead.period_label, lead.period_due) == ("第二季度", d(2018, 6, 30))
    lead = _ledger(county_admin, d(2018, 7, 1))["县民政局"]
    assert (lead.overdue_since, lead.days_overdue.days) == (d(2018, 6, 30), 1)


def test_before_the_first_due_date_the_ledger_shows_the_first_period(ledger_task, county_admin):
    lead = _ledger(county_admin, d(2018, 2, 1))["县民政局"]
    assert (lead.period_label, lead.period_due, lead.overdue_since) == ("第一季度", d(2018, 3, 31), None)


def test_a_closed_out_task_is_never_overdue(ledger_task, county_admin):
    task = ledger_task["task"]
    services.task_close_out(actor=county_admin, task=task, note="验收合格")
    rows = _ledger(county_admin, d(2018, 7, 10))
    assert {name: row.overdue_since for name, row in rows.items()} == dict.fromkeys(rows, None)
    # The ledger's overdue filter agrees.
    assert (
        not selectors.ledger_rows(user=county_admin, today=d(2018, 7, 10)).filter(overdue_since__isnull=False).exists()
    )


def test_ledger_scope_per_role(ledger_task, township_a_official, department_user, county):
    today = d(2018, 7, 10)
    # The township sees its own row only.
    assert list(_ledger(township_a_official, today)) == ["水布垭镇人民政府"]
    # The lead department sees every unit of the task it leads (R-G17) …
    assert list(_ledger(department_user, today)) == ["县民政局", "县委组织部", "水布垭镇人民政府"]
    # … a cooperating unit only itself.
    cooperating_user = UserFactory(role=Role.DEPARTMENT, department=ledger_task["cooperating"], county=county)
    assert list(_ledger(cooperating_user, today)) == ["县委组织部"]


def test_my_obligations_are_the_unmet_begun_periods_most_urgent_first(ledger_task, township_a_official):
    """水布垭镇 on 2018-07-10: Q1 returned (overdue 101 days), Q2 accepted (met, not listed),
    Q3 begun on 07-01 and due in 82 days; nothing of a period not yet begun."""
    obligations = list(selectors.my_obligations(user=township_a_official, today=d(2018, 7, 10)))
    assert [(o.label, o.days_to_due.days, o.report_status) for o in obligations] == [
        ("第一季度", -101, "returned"),
        ("第三季度", 82, None),
    ]
    assert obligations[0].return_reason == "请补充数据。"
    assert selectors.my_obligations(user=township_a_official, today=d(2018, 6, 30)).count() == 1


def test_county_roles_have_no_obligations_of_their_own(ledger_task, county_admin):
    assert list(selectors.my_obligations(user=county_admin, today=d(2018, 7, 10))) == []


def test_task_list_marks_overdue_tasks_and_names_lead_units(ledger_task, county_admin, program, department):
    late = TaskFactory(program=program, code="BD-09-01", deadline=d(2018, 6, 30))
    TaskAssignmentFactory(task=late, department=department)
    tasks = {task.code: task for task in selectors.task_list(user=county_admin, today=d(2018, 7, 1))}
    assert (tasks["BD-02-01"].is_overdue, tasks["BD-09-01"].is_overdue) == (False, True)
    assert [a.department.name for a in tasks["BD-02-01"].lead_assignments] == ["县民政局"]
    assert tasks["BD-02-01"].township_count == 1
    # The deadline day itself is not overdue.
    assert not {t.code: t for t in selectors.task_list(user=county_admin, today=d(2018, 6, 30))}["BD-09-01"].is_overdue


# --- department statistics -------------------------------------------------------------------------


@pytest.fixture
def department_example(program, department, government_a):
    """Year 2018, as of 2018-07-10. 县民政局 leads A (closed out 05-01) and C (open, due
    12-31), cooperates on B (open, due 06-30: overdue), leads D (2019 only: not this year).
    县委组织部 cooperates on A. 水布垭镇 carries out C (under 县民政局's lead: not its lead).

    县民政局: led 2, cooperating 1, closed out 1, overdue 1 → 办结率 1/3 = 0.3333
    县委组织部: led 0, cooperating 1, closed out 1, overdue 0 → 1.0
    水布垭镇人民政府: led 0, cooperating 0, involved 1, closed out 0, overdue 0 → 0.0
    """
    organisation = DepartmentFactory(county=program.county, name="县委组织部", kind="party")
    a = TaskFactory(
        program=program, status=TaskStatus.CLOSED_OUT, closed_out_at=at(d(2018, 5, 1), 9), close_out_note="完成"
    )
    b = TaskFactory(program=program, deadline=d(2018, 6, 30))
    c = TaskFactory(program=program)
    future = TaskFactory(program=program, start_date=d(2019, 1, 1), deadline=d(2019, 12, 31))
    for task, unit, role in (
        (a, department, AssignmentRole.LEAD),
        (a, organisation, AssignmentRole.COOPERATING),
        (b, DepartmentFactory(county=program.county, name="县住建局"), AssignmentRole.LEAD),
        (b, department, AssignmentRole.COOPERATING),
        (c, department, AssignmentRole.LEAD),
        (c, government_a, AssignmentRole.TOWNSHIP),
        (future, department, AssignmentRole.LEAD),
    ):
        TaskAssignmentFactory(task=task, department=unit, role=role)


def test_department_stats_on_the_worked_example(department_example, county_admin, program, django_assert_num_queries):
    with django_assert_num_queries(1):
        rows = selectors.department_stats(user=county_admin, program=program, year=2018, as_of=d(2018, 7, 10))
    table = {
        row.name: (row.tasks_led, row.tasks_cooperating, row.closed_out, row.overdue, row.completion_rate)
        for row in rows
    }
    assert table == {
        "县委组织部": (0, 1, 1, 0, 1.0),
        "县民政局": (2, 1, 1, 1, 0.3333),
        "县住建局": (1, 0, 0, 1, 0.0),
        "水布垭镇人民政府": (0, 0, 0, 0, 0.0),
    }
    # Party organs first, township governments last.
    assert [row.name for row in rows][0::3] == ["县委组织部", "水布垭镇人民政府"]


def test_open_overdue_tasks_carry_into_the_next_year_and_closed_ones_do_not(department_example, county_admin, program):
    """2019 as of 03-01: A ended and was closed out in 2018 — not a task of 2019. B and C ended
    in 2018 but were never closed out: still overdue in 2019. D runs in 2019."""
    rows = selectors.department_stats(user=county_admin, program=program, year=2019, as_of=d(2019, 3, 1))
    table = {row.name: (row.tasks_led, row.tasks_cooperating, row.tasks_involved, row.overdue) for row in rows}
    assert table == {"县民政局": (2, 1, 3, 2), "县住建局": (1, 0, 1, 1), "水布垭镇人民政府": (0, 0, 1, 1)}


def test_a_close_out_counts_from_its_date_in_its_year_and_after(department_example, county_admin, program):
    task = TaskFactory(program=program, start_date=d(2018, 1, 1), deadline=d(2019, 12, 31))
    TaskAssignmentFactory(task=task, department=DepartmentFactory(county=program.county, name="县司法局"))
    Task.objects.filter(pk=task.pk).update(status=TaskStatus.CLOSED_OUT, closed_out_at=at(d(2018, 9, 1), 10))

    def closed(year, as_of):
        rows = selectors.department_stats(user=county_admin, program=program, year=year, as_of=as_of)
        return next(row.closed_out for row in rows if row.name == "县司法局")

    assert (closed(2018, d(2018, 8, 31)), closed(2018, d(2018, 9, 1)), closed(2019, d(2019, 12, 31))) == (0, 1, 1)


def test_township_governments_lead_the_tasks_no_county_unit_leads(program, county_admin, township_a, township_b):
    """S0 §四(一): a task carried out by every township with no county lead unit is led by each
    township government, as the task list's lead_departments names them."""
    governments = [village_services.township_government_ensure(township=t) for t in (township_a, township_b)]
    own = TaskFactory(program=program)
    for government in governments:
        TaskAssignmentFactory(task=own, department=government, role=AssignmentRole.TOWNSHIP)
    led = TaskFactory(program=program)
    TaskAssignmentFactory(task=led, department=DepartmentFactory(county=program.county, name="县民政局"))
    TaskAssignmentFactory(task=led, department=governments[0], role=AssignmentRole.TOWNSHIP)
    rows = selectors.department_stats(user=county_admin, program=program, year=2018, as_of=d(2018, 12, 31))
    table = {row.name: (row.tasks_led, row.tasks_involved) for row in rows}
    assert table == {"县民政局": (1, 1), "水布垭镇人民政府": (1, 2), "东瀼口镇人民政府": (1, 1)}


def test_unit_users_get_only_their_own_unit(department_example, department_user, township_a_official, program):
    today = d(2018, 7, 10)
    assert [
        r.name for r in selectors.department_stats(user=department_user, program=program, year=2018, as_of=today)
    ] == ["县民政局"]
    own = selectors.department_stats(user=township_a_official, program=program, year=2018, as_of=today)
    assert [(r.name, r.tasks_led, r.tasks_involved) for r in own] == [("水布垭镇人民政府", 0, 1)]


def test_task_stats_has_the_api_shape(department_example, worked_example, county_admin, program):
    stats = selectors.task_stats(user=county_admin, program=program, year=2018, as_of=d(2018, 9, 15))
    assert set(stats) == {"program", "year", "as_of", "scope", "tasks", "departments", "reporting_units"}
    assert (stats["as_of"], stats["scope"]) == (d(2018, 9, 15), "county")
    assert (stats["program"], stats["year"]) == (program.code, 2018)
    assert set(stats["tasks"]) == {"running", "closed_out", "overdue"}
    civil_affairs = next(row for row in stats["departments"] if row["name"] == "县民政局")
    assert set(civil_affairs) == {
        "id",
        "name",
        "kind",
        "tasks_led",
        "tasks_cooperating",
        "tasks_involved",
        "closed_out",
        "overdue",
        "completion_rate",
    }
    assert civil_affairs["tasks_led"] == 3  # A, C and the worked example's task
    assert stats["reporting_units"][0] == {
        "unit": "县民政局",
        "expected": 3,
        "received": 2,
        "on_time": 1,
        "completeness": 0.6667,
        "timeliness": 0.3333,
    }
