"""REST API v1, read side of the tasks app: fields and values, scoping under each persona, the
shared filters, the task statistics on a worked example, and query counts at two data sizes."""

import datetime
import zoneinfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from pilot_admin.choices import Role
from tasks import services
from tasks.choices import CadenceKind, ReportStatus
from tests.factories import (
    CountyFactory,
    DepartmentFactory,
    PilotProgramFactory,
    ProgressReportFactory,
    TownshipFactory,
    UserFactory,
)
from villages import services as village_services

DEPARTMENTS = reverse("api_department-list")
TASKS = reverse("api_task-list")
REPORTS = reverse("api_progress_report-list")
STATS = reverse("api_task_stats")
LOCAL = zoneinfo.ZoneInfo("Asia/Shanghai")
d = datetime.date


def _local(year, month, day, hour=10, minute=0):
    return datetime.datetime(year, month, day, hour, minute, tzinfo=LOCAL)


@pytest.fixture
def api():
    return APIClient()


def _get(api, user, url, params=None, status=200):
    api.force_authenticate(user)
    response = api.get(url, params or {})
    assert response.status_code == status, response.content.decode()
    return response.json()


def _codes(payload, key="code"):
    values = [row[key] for row in payload["results"]]
    assert len(values) == payload["count"]
    return values


def _report(period, unit, status, first=None, **fields):
    """A report of `unit` for `period`; `first` is its first submission (None: never sent)."""
    return ProgressReportFactory(
        period=period,
        department=unit,
        status=status,
        first_submitted_at=first,
        submitted_at=fields.pop("submitted_at", first),
        **fields,
    )


@pytest.fixture
def world(county, program, county_admin, department, township_a, township_b):
    """The worked example. In 2018:

    T1  lead 县民政局, cooperating 县农业局, township 水布垭镇; every 2 months 2018-01-01…06-30
        (due 02-28, 04-30, 06-30); open, so overdue.
    T2  lead 县农业局, township 东瀼口镇; once, due 2018-10-31; closed out 2018-11-15.
    T3  lead 县民政局; every 6 months 2018-01-01…2030-12-31 (2018: due 06-30, 12-31); not overdue.
    T4  the townships' own task (no county lead), 2019 only: outside every 2018 number.
    """
    agriculture = DepartmentFactory(county=county, key="agriculture", name="县农业局", short_name="农业局")

    def create(code, **kwargs):
        kwargs.setdefault("cadence_kind", CadenceKind.EVERY_N_MONTHS)
        return services.task_create(actor=county_admin, program=program, code=code, text=f"{code} 的原文。", **kwargs)

    t1 = create(
        "T1", title="推进服务型党组织建设", start_date=d(2018, 1, 1), deadline=d(2018, 6, 30), lead=[department],
        cooperating=[agriculture], townships=[township_a], cadence_months=2, section="四(二)",
    )  # fmt: skip
    t2 = create(
        "T2", title="培育新型服务业态", start_date=d(2018, 1, 1), deadline=d(2018, 10, 31), lead=[agriculture],
        townships=[township_b], cadence_kind=CadenceKind.ONCE,
    )  # fmt: skip
    t3 = create(
        "T3", title="建立农村社区事务清单", start_date=d(2018, 1, 1), deadline=d(2030, 12, 31), lead=[department],
        cadence_months=6,
    )  # fmt: skip
    t4 = create(
        "T4", title="负责本辖区试点工作", start_date=d(2019, 1, 1), deadline=d(2019, 12, 31), lead=[],
        all_townships=True, cadence_months=6,
    )  # fmt: skip
    gov_a = village_services.township_government_ensure(township=township_a)
    gov_b = village_services.township_government_ensure(township=township_b)
    feb, apr, jun = t1.periods.order_by("due_date")
    (t2_once,) = t2.periods.all()
    t3_jun, t3_dec = t3.periods.filter(due_date__year=2018).order_by("due_date")

    reports = {
        # 县民政局: 5 expected; received 4; on time 2 (T1 Feb, T3 Jun).
        "civil_feb": _report(feb, department, ReportStatus.SUBMITTED, _local(2018, 2, 27)),
        "civil_apr": _report(apr, department, ReportStatus.ACCEPTED, _local(2018, 5, 3), percent_complete=60),
        # 23:30 on the due date in Beijing is on time…
        "civil_t3_jun": _report(t3_jun, department, ReportStatus.ACCEPTED, _local(2018, 6, 30, 23, 30)),
        # …and 00:30 the next morning is late, though it is still the due date in UTC.
        "civil_t3_dec": _report(t3_dec, department, ReportStatus.SUBMITTED, _local(2019, 1, 1, 0, 30)),
        # 县农业局: 4 expected; received 2 (a returned report was received); on time 2.
        "agri_feb": _report(feb, agriculture, ReportStatus.DRAFT),
        "agri_apr": _report(apr, agriculture, ReportStatus.RETURNED, _local(2018, 4, 28), return_reason="请补充数据。"),
        "agri_t2": _report(t2_once, agriculture, ReportStatus.ACCEPTED, _local(2018, 10, 30)),
        # 水布垭镇人民政府: 3 expected, 3 received, 3 on time. 东瀼口镇人民政府: 1 expected, none.
        "gov_a_feb": _report(feb, gov_a, ReportStatus.ACCEPTED, _local(2018, 2, 20)),
        "gov_a_apr": _report(apr, gov_a, ReportStatus.ACCEPTED, _local(2018, 4, 30, 9)),
        "gov_a_jun": _report(jun, gov_a, ReportStatus.SUBMITTED, _local(2018, 6, 29)),
    }
    services.task_close_out(actor=county_admin, task=t2, note="已完成。")
    t2.refresh_from_db()
    t2.closed_out_at = _local(2018, 11, 15)
    t2.save(update_fields=["closed_out_at"])
    return {
        "tasks": {"T1": t1, "T2": t2, "T3": t3, "T4": t4},
        "agriculture": agriculture,
        "gov_a": gov_a,
        "gov_b": gov_b,
        "periods": {"feb": feb, "apr": apr, "jun": jun, "t2": t2_once},
        "reports": reports,
    }


@pytest.fixture
def foreign(db):
    """Another county with a department, a program, a task and a report."""
    county = CountyFactory(name="建始县", admin_code="422822")
    TownshipFactory(county=county, name="业州镇", code="422822100")
    admin = DepartmentFactory(county=county, key="jianshi-civil", name="建始县民政局")
    program = PilotProgramFactory(county=county, code="jianshi-pilot")
    office = UserFactory(role=Role.COUNTY_ADMIN, county=county)
    task = services.task_create(
        actor=office, program=program, code="JS-01", title="外县任务", text="外县任务原文。",
        start_date=d(2018, 1, 1), deadline=d(2018, 12, 31), lead=[admin], cadence_kind=CadenceKind.ONCE,
    )  # fmt: skip
    report = _report(task.periods.get(), admin, ReportStatus.SUBMITTED, _local(2018, 12, 1))
    return {"department": admin, "program": program, "task": task, "report": report}


# --- fields and values ---------------------------------------------------------------------------


def test_department_list_shows_units_and_township_governments(api, county_admin, world, foreign, department):
    payload = _get(api, county_admin, DEPARTMENTS)
    rows = {row["name"]: row for row in payload["results"]}
    assert set(rows) == {"县民政局", "县农业局", "水布垭镇人民政府", "东瀼口镇人民政府"}
    assert rows["县农业局"] == {
        "id": world["agriculture"].pk,
        "key": "agriculture",
        "name": "县农业局",
        "short_name": "农业局",
        "kind": "government",
        "in_leading_group": False,
        "township": None,
    }
    assert rows["水布垭镇人民政府"]["kind"] == "township"
    assert rows["水布垭镇人民政府"]["township"] == world["gov_a"].township_id
    detail = _get(api, county_admin, reverse("api_department-detail", args=[department.pk]))
    assert detail["key"] == "civil_affairs"
    _get(api, county_admin, reverse("api_department-detail", args=[foreign["department"].pk]), status=404)


def test_task_list_renders_units_status_and_overdue(api, county_admin, world, foreign):
    payload = _get(api, county_admin, TASKS)
    assert _codes(payload) == ["T1", "T2", "T3", "T4"]
    rows = {row["code"]: row for row in payload["results"]}
    assert rows["T1"] == {
        "id": world["tasks"]["T1"].pk,
        "program": "badong-13th-fyp",
        "code": "T1",
        "section": "四(二)",
        "title": "推进服务型党组织建设",
        "phase": "implement",
        "start_date": "2018-01-01",
        "deadline": "2018-06-30",
        "status": "open",
        "is_overdue": True,
        "lead_departments": ["县民政局"],
        "cooperating_departments": ["县农业局"],
        "township_units": ["水布垭镇人民政府"],
        "due_dates": ["2018-02-28", "2018-04-30", "2018-06-30"],
        "closed_out_at": None,
    }
    # Closed out: not overdue, though past its deadline.
    assert (rows["T2"]["status"], rows["T2"]["is_overdue"]) == ("closed_out", False)
    assert rows["T2"]["closed_out_at"].startswith("2018-11-15")
    assert rows["T3"]["is_overdue"] is False
    # The townships' own task: the township governments lead it.
    assert sorted(rows["T4"]["lead_departments"]) == ["东瀼口镇人民政府", "水布垭镇人民政府"]
    assert rows["T4"]["cooperating_departments"] == []


def test_report_list_renders_period_unit_and_timeliness(api, county_admin, world, foreign):
    payload = _get(api, county_admin, REPORTS, {"page_size": 100})
    assert payload["count"] == len(world["reports"])
    rows = {row["id"]: row for row in payload["results"]}
    report = world["reports"]["agri_apr"]
    assert rows[report.pk] == {
        "id": report.pk,
        "task": world["tasks"]["T1"].pk,
        "task_code": "T1",
        "period": world["periods"]["apr"].pk,
        "period_label": "2018年3–4月",
        "due_date": "2018-04-30",
        "unit": world["agriculture"].pk,
        "unit_name": "县农业局",
        "status": "returned",
        "percent_complete": 50,
        "submitted_at": "2018-04-28T10:00:00+08:00",
        "first_submitted_at": "2018-04-28T10:00:00+08:00",
        "on_time": True,
        "return_reason": "请补充数据。",
        "figures": [],
    }
    on_time = {row["id"]: row["on_time"] for row in payload["results"]}
    reports = world["reports"]
    assert on_time[reports["civil_t3_jun"].pk] is True
    assert on_time[reports["civil_t3_dec"].pk] is False  # 00:30 in Beijing the day after
    assert on_time[reports["civil_apr"].pk] is False
    assert on_time[reports["agri_feb"].pk] is False  # a draft was never sent
    # Newest period first.
    dues = [row["due_date"] for row in payload["results"]]
    assert dues == sorted(dues, reverse=True)


# --- scoping -------------------------------------------------------------------------------------


def test_a_department_sees_only_the_tasks_it_is_assigned_to(api, department_user, world, foreign):
    assert _codes(_get(api, department_user, TASKS)) == ["T1", "T3"]
    _get(api, department_user, reverse("api_task-detail", args=[world["tasks"]["T2"].pk]), status=404)
    _get(api, department_user, reverse("api_task-detail", args=[foreign["task"].pk]), status=404)


def test_a_department_reads_its_own_reports_and_its_cooperating_units_on_tasks_it_leads(
    api, department_user, world, foreign
):
    payload = _get(api, department_user, REPORTS, {"page_size": 100})
    names = {(row["task_code"], row["unit_name"]) for row in payload["results"]}
    # T1 it leads: every unit's reports (R-G17). T2 it has no part in: 县农业局's report is hidden.
    assert names == {("T1", "县民政局"), ("T3", "县民政局"), ("T1", "县农业局"), ("T1", "水布垭镇人民政府")}
    hidden = world["reports"]["agri_t2"]
    _get(api, department_user, reverse("api_progress_report-detail", args=[hidden.pk]), status=404)


def test_a_township_sees_its_tasks_and_only_its_own_reports(
    api, township_a_official, township_b_official, world, foreign
):
    assert _codes(_get(api, township_a_official, TASKS)) == ["T1", "T4"]
    assert _codes(_get(api, township_b_official, TASKS)) == ["T2", "T4"]
    payload = _get(api, township_a_official, REPORTS)
    assert {row["unit_name"] for row in payload["results"]} == {"水布垭镇人民政府"}
    assert payload["count"] == 3
    own = world["reports"]["gov_a_feb"]
    assert _get(api, township_a_official, reverse("api_progress_report-detail", args=[own.pk]))["id"] == own.pk
    # The same task's report of the lead unit, and township A's report seen from township B: 404.
    lead_report = world["reports"]["civil_feb"]
    _get(api, township_a_official, reverse("api_progress_report-detail", args=[lead_report.pk]), status=404)
    _get(api, township_b_official, reverse("api_progress_report-detail", args=[own.pk]), status=404)
    _get(api, township_b_official, reverse("api_task-detail", args=[world["tasks"]["T1"].pk]), status=404)


def test_another_countys_rows_are_invisible_and_unfilterable(api, county_admin, world, foreign):
    departments = _get(api, county_admin, DEPARTMENTS)
    assert "建始县民政局" not in {row["name"] for row in departments["results"]}
    _get(api, county_admin, reverse("api_task-detail", args=[foreign["task"].pk]), status=404)
    _get(api, county_admin, reverse("api_progress_report-detail", args=[foreign["report"].pk]), status=404)
    errors = _get(api, county_admin, TASKS, {"department": foreign["department"].pk}, status=400)
    assert list(errors) == ["department"]
    errors = _get(api, county_admin, REPORTS, {"unit": foreign["department"].pk}, status=400)
    assert list(errors) == ["unit"]
    errors = _get(api, county_admin, TASKS, {"program": foreign["program"].code}, status=400)
    assert list(errors) == ["program"]


# --- filters -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "codes"),
    [
        ({"program": "badong-13th-fyp"}, ["T1", "T2", "T3", "T4"]),
        ({"department": "agriculture"}, ["T1", "T2"]),
        ({"township": "b"}, ["T2", "T4"]),
        ({"status": "closed_out"}, ["T2"]),
        ({"status": "open"}, ["T1", "T3", "T4"]),
        # T4's deadline (2019-12-31) has passed too.
        ({"overdue": "true"}, ["T1", "T4"]),
        ({"overdue": "false"}, ["T2", "T3"]),
        ({"department": "agriculture", "overdue": "true"}, ["T1"]),
    ],
)
def test_task_filters(api, county_admin, world, township_b, params, codes):
    ids = {"agriculture": world["agriculture"].pk, "b": township_b.pk}
    params = {key: ids.get(value, value) for key, value in params.items()}
    assert _codes(_get(api, county_admin, TASKS, params)) == codes


def test_report_filters(api, county_admin, world):
    reports, periods = world["reports"], world["periods"]

    def ids(params):
        payload = _get(api, county_admin, REPORTS, {"page_size": 100, **params})
        return {row["id"] for row in payload["results"]}

    assert ids({"task": world["tasks"]["T2"].pk}) == {reports["agri_t2"].pk}
    assert ids({"unit": world["agriculture"].pk}) == {reports[k].pk for k in ("agri_feb", "agri_apr", "agri_t2")}
    assert ids({"period": periods["feb"].pk}) == {reports[k].pk for k in ("civil_feb", "agri_feb", "gov_a_feb")}
    assert ids({"status": "returned"}) == {reports["agri_apr"].pk}
    assert ids({"unit": world["gov_a"].pk, "status": "accepted"}) == {reports["gov_a_feb"].pk, reports["gov_a_apr"].pk}
    errors = _get(api, county_admin, REPORTS, {"status": "lost"}, status=400)
    assert list(errors) == ["status"]


# --- statistics ----------------------------------------------------------------------------------


def test_stats_on_the_worked_example(api, county_admin, world, foreign):
    """2018, as of 2018-12-31 (the year is over), from the fixture's table:

    units: 县民政局 leads T1, T3 — closed 0, overdue 1 (T1) — rate 0/2 = 0;
    县农业局 leads T2 and cooperates on T1 — closed 1 (T2, 2018-11-15), overdue 1 (T1) — rate 1/2 = 0.5;
    水布垭镇人民政府 carries out T1 (under a county lead: not its lead) — overdue 1 — rate 0/1;
    东瀼口镇人民政府 carries out T2 — closed 1 — rate 1/1.
    reporting units: 县民政局 5 expected, 3 received (T3's December report came on 2019-01-01,
    after the as-of date), 2 on time → 0.6 / 0.4; 县农业局 4, 2, 2 → 0.5 / 0.5;
    水布垭镇人民政府 3, 3, 3 → 1 / 1; 东瀼口镇人民政府 1, 0, 0 → 0 / 0.
    """
    payload = _get(api, county_admin, STATS, {"program": "badong-13th-fyp", "year": 2018})
    assert (payload["program"], payload["year"], payload["as_of"], payload["scope"]) == (
        "badong-13th-fyp",
        2018,
        "2018-12-31",
        "county",
    )
    assert payload["tasks"] == {"running": 3, "closed_out": 1, "overdue": 1}
    departments = {row.pop("name"): row for row in payload["departments"]}
    assert departments == {
        "县民政局": {
            "id": world["tasks"]["T1"].assignments.get(role="lead").department_id,
            "kind": "government",
            "tasks_led": 2,
            "tasks_cooperating": 0,
            "tasks_involved": 2,
            "closed_out": 0,
            "overdue": 1,
            "completion_rate": 0.0,
        },
        "县农业局": {
            "id": world["agriculture"].pk,
            "kind": "government",
            "tasks_led": 1,
            "tasks_cooperating": 1,
            "tasks_involved": 2,
            "closed_out": 1,
            "overdue": 1,
            "completion_rate": 0.5,
        },
        "东瀼口镇人民政府": {
            "id": world["gov_b"].pk,
            "kind": "township",
            "tasks_led": 0,
            "tasks_cooperating": 0,
            "tasks_involved": 1,
            "closed_out": 1,
            "overdue": 0,
            "completion_rate": 1.0,
        },
        "水布垭镇人民政府": {
            "id": world["gov_a"].pk,
            "kind": "township",
            "tasks_led": 0,
            "tasks_cooperating": 0,
            "tasks_involved": 1,
            "closed_out": 0,
            "overdue": 1,
            "completion_rate": 0.0,
        },
    }
    units = {row.pop("unit"): row for row in payload["reporting_units"]}
    assert units == {
        "县民政局": {"expected": 5, "received": 3, "on_time": 2, "completeness": 0.6, "timeliness": 0.4},
        "县农业局": {"expected": 4, "received": 2, "on_time": 2, "completeness": 0.5, "timeliness": 0.5},
        "水布垭镇人民政府": {"expected": 3, "received": 3, "on_time": 3, "completeness": 1.0, "timeliness": 1.0},
        "东瀼口镇人民政府": {"expected": 1, "received": 0, "on_time": 0, "completeness": 0.0, "timeliness": 0.0},
    }


def test_stats_of_a_unit_user_are_its_own_unit_only(api, department_user, township_a_official, world):
    query = {"program": "badong-13th-fyp", "year": 2018}
    mine = _get(api, department_user, STATS, query)
    assert [row["name"] for row in mine["departments"]] == ["县民政局"]
    assert [(row["unit"], row["expected"], row["received"]) for row in mine["reporting_units"]] == [("县民政局", 5, 3)]
    assert mine["scope"] == "department"
    # Its totals are its own row: the tasks it takes part in.
    own = mine["departments"][0]
    assert mine["tasks"] == {
        "running": own["tasks_involved"],
        "closed_out": own["closed_out"],
        "overdue": own["overdue"],
    }
    township = _get(api, township_a_official, STATS, query)
    assert township["scope"] == "township"
    assert [(row["unit"], row["on_time"]) for row in township["reporting_units"]] == [("水布垭镇人民政府", 3)]
    assert [row["name"] for row in township["departments"]] == ["水布垭镇人民政府"]
    assert "县民政局" not in str(township)


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"year": 2018}, "program", "请指定试点项目（program）。"),
        ({"program": "badong-13th-fyp"}, "year", "请指定年度（year）。"),
        ({"program": "badong-13th-fyp", "year": "明年"}, "year", "年度应为整数，"),
        ({"program": "badong-13th-fyp", "year": 2021}, "year", "年度应在 2016–2020 之间"),
        ({"program": "later-program", "year": 2099}, "year", "2099年尚未开始，没有统计"),
        ({"program": "no-such-program", "year": 2018}, "program", "不存在或不在您的查看范围内"),
    ],
)
def test_stats_query_is_validated_in_chinese(api, county_admin, program, params, field, message):
    PilotProgramFactory(county=program.county, code="later-program", start_year=2016, end_year=2099)
    errors = _get(api, county_admin, STATS, params, status=400)
    assert list(errors) == [field]
    assert message in errors[field][0]


def test_stats_refuse_another_countys_program_like_an_unknown_one(api, county_admin, program, foreign):
    other = _get(api, county_admin, STATS, {"program": "jianshi-pilot", "year": 2018}, status=400)
    unknown = _get(api, county_admin, STATS, {"program": "jianshi-pilot-x", "year": 2018}, status=400)
    assert other["program"][0].replace("jianshi-pilot", "?") == unknown["program"][0].replace("jianshi-pilot-x", "?")
    assert "建始" not in str(other)


# --- query counts --------------------------------------------------------------------------------


def _populate(*, admin, program, units, township, n):
    """n more tasks, each led by units[0] with the rest cooperating and the township carrying it
    out, every unit reporting on every period."""
    start = program.tasks.count()
    for i in range(start, start + n):
        task = services.task_create(
            actor=admin, program=program, code=f"Q-{i:03d}", title=f"任务{i}", text="原文。",
            start_date=d(2018, 1, 1), deadline=d(2018, 12, 31), lead=units[:1], cooperating=units[1:],
            townships=[township], cadence_months=2,
        )  # fmt: skip
        for unit in task.departments.all():
            for period in task.periods.all():
                _report(period, unit, ReportStatus.ACCEPTED, _local(2018, 1, 2) + (period.due_date - d(2018, 1, 1)))


@pytest.mark.parametrize(
    "url",
    [
        DEPARTMENTS,
        TASKS,
        TASKS + "?department={dept}&overdue=true",
        REPORTS,
        REPORTS + "?unit={unit}&status=accepted",
        STATS + "?program=badong-13th-fyp&year=2018",
    ],
)
@pytest.mark.parametrize("role", ["county_admin", "department", "township_a"])
def test_endpoints_run_the_same_number_of_queries_at_two_sizes(
    county, program, personas, county_admin, department, township_a, url, role
):
    client = APIClient()
    client.force_login(personas[role])  # session auth, as the browser uses it
    units = [department, DepartmentFactory(county=county, name="县财政局")]
    _populate(admin=county_admin, program=program, units=units, township=township_a, n=1)
    url = url.format(dept=department.pk, unit=(village_services.unit_for(personas[role]) or department).pk)
    with CaptureQueriesContext(connection) as small:
        response = client.get(url)
    assert response.status_code == 200, response.content.decode()
    small_payload = response.json()

    units.append(DepartmentFactory(county=county, name="县农业局"))
    _populate(admin=county_admin, program=program, units=units, township=township_a, n=6)
    with CaptureQueriesContext(connection) as large:
        response = client.get(url)
    assert response.status_code == 200
    # The larger data set really is larger, so equal counts mean no query per row.
    assert response.json() != small_payload
    assert len(large) == len(small), [q["sql"] for q in large.captured_queries]


def test_stats_count_only_the_years_periods(api, county_admin, world):
    """2019 (as of 2019-12-31): T3's two periods for 县民政局 and T4's two for each township
    government; T1 and T2 ended in 2018. T1, never closed out, is still overdue in 2019; T4 is
    the townships' own task, so each township government leads it."""
    assert timezone.localdate() > d(2019, 12, 31)
    payload = _get(api, county_admin, STATS, {"program": "badong-13th-fyp", "year": 2019})
    units = {row["unit"]: (row["expected"], row["received"]) for row in payload["reporting_units"]}
    assert units == {"县民政局": (2, 0), "水布垭镇人民政府": (2, 0), "东瀼口镇人民政府": (2, 0)}
    departments = {row["name"]: (row["tasks_led"], row["overdue"]) for row in payload["departments"]}
    assert departments == {
        "县民政局": (2, 1),
        "县农业局": (0, 1),
        "水布垭镇人民政府": (1, 1),
        "东瀼口镇人民政府": (1, 0),
    }
    assert payload["tasks"] == {"running": 3, "closed_out": 0, "overdue": 1}
