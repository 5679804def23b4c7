"""The county dashboard (首页 for county roles): its figures are the stats API's for the same
user, each links to a list that shows the rows behind it, the year-over-year table holds every
program year, bad choices get a message, the query count does not grow with the data, and the
cache is invalidated by writes and never shared across scopes."""

import datetime
import re
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import resolve, reverse
from django.utils import timezone

from guardianship.models import Agreement, Guardian, Visit
from home import dashboard
from pilot_admin import stats_cache
from pilot_admin.audit import services as audit
from pilot_admin.charts import ChartRow, bar_chart
from pilot_admin.choices import AuditAction, Role
from tasks.choices import TaskStatus
from tests.factories import (
    CountyFactory,
    DepartmentFactory,
    PersonFactory,
    PilotAssignmentFactory,
    PilotProgramFactory,
    ProgressReportFactory,
    ReportingPeriodFactory,
    TaskAssignmentFactory,
    TaskFactory,
    TownshipFactory,
    UserFactory,
    VillageFactory,
    confirmed_inspection,
    scheduled_inspection,
)
from villages import services as village_services
from villages.choices import PilotStatus
from villages.models import PilotAssignment
from villages.services import pilot_assignment_approve

YEAR = 2018
COUNTY_ROLES = ("county_admin", "county_viewer", "department", "inspector", "api_client")


# --- reading the page ---------------------------------------------------------------------------


class _Figures(HTMLParser):
    """Collects, per section id, the text of every element carrying data-figure, and the href
    of every element carrying data-link."""

    def __init__(self):
        super().__init__()
        self.section = None
        self.stack = []  # (tag, figure name or None)
        self.figures: dict[str, dict[str, list[str]]] = {}
        self.links: dict[str, dict[str, str]] = {}
        self.yoy: dict[str, dict[int, str]] = {}
        self._row = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "section" and attrs.get("id"):
            self.section = attrs["id"]
        if tag == "tr" and attrs.get("data-row"):
            self._row = attrs["data-row"]
        if tag == "td" and self._row and attrs.get("data-year"):
            self.stack.append((tag, f"yoy:{self._row}:{attrs['data-year']}"))
            return
        if attrs.get("data-link") and self.section:
            self.links.setdefault(self.section, {})[attrs["data-link"]] = attrs["href"]
        if tag in ("br", "input", "img", "line", "rect"):
            return
        name = attrs.get("data-figure")
        if name and self.section:
            self.figures.setdefault(self.section, {}).setdefault(name, []).append("")
        self.stack.append((tag, name))

    def handle_endtag(self, tag):
        while self.stack:
            open_tag, _ = self.stack.pop()
            if open_tag == tag:
                break
        if tag == "tr":
            self._row = None

    def handle_data(self, data):
        # The innermost element with a figure name owns the text.
        for _, name in reversed(self.stack):
            if not name:
                continue
            if name.startswith("yoy:"):
                _, row, year = name.split(":")
                cells = self.yoy.setdefault(row, {})
                cells[int(year)] = (cells.get(int(year), "") + data).strip()
            elif self.section:
                self.figures[self.section][name][-1] += data
            break

    def result(self):
        for section in self.figures.values():
            for name, values in section.items():
                section[name] = [value.strip() for value in values]
        return self


def read(html: str) -> _Figures:
    parser = _Figures()
    parser.feed(html)
    return parser.result()


def first(parsed, section, name):
    return parsed.figures[section][name][0]


def number(text: str) -> float:
    return float(re.sub(r"[^\d.]", "", text))


# --- a seeded county ----------------------------------------------------------------------------


def seed(*, county, program, township_a, township_b, department, county_admin, inspector, scale=1):
    """Villages and pilots in two townships, tasks with periods and reports, a confirmed
    inspection with open rectifications, persons with and without visits and guardians.
    `scale` multiplies the rows, not their kinds."""
    other = DepartmentFactory(county=county, name=f"县农业局{DepartmentFactory._meta.model.objects.count()}")
    for _ in range(scale):
        villages_a = VillageFactory.create_batch(10, township=township_a)
        VillageFactory.create_batch(10, township=township_b)
        PilotAssignmentFactory(program=program, village=villages_a[0], year=YEAR)
        PilotAssignmentFactory(program=program, village=villages_a[1], year=YEAR, status=PilotStatus.PROPOSED)
        # Tasks of 2018: one overdue (open after its October deadline, so overdue on 2018-12-31,
        # the year's reference date), one closed out, one cooperating.
        overdue = TaskFactory(program=program, deadline=datetime.date(YEAR, 10, 31))
        TaskAssignmentFactory(task=overdue, department=department, role="lead")
        closed = TaskFactory(
            program=program,
            status=TaskStatus.CLOSED_OUT,
            closed_out_at=timezone.make_aware(datetime.datetime(YEAR, 6, 1, 10)),
        )
        TaskAssignmentFactory(task=closed, department=other, role="lead")
        TaskAssignmentFactory(task=closed, department=department, role="cooperating")
        period = ReportingPeriodFactory(task=overdue, due_date=datetime.date(YEAR, 3, 1))
        ProgressReportFactory(period=period, department=department, status="submitted")
        ReportingPeriodFactory(task=overdue, due_date=datetime.date(YEAR, 5, 1))
        # Guardianship this month: three visited, one not (and needing a guardian), one guardian unsigned.
        village = villages_a[2]
        visited = [PersonFactory(village=village) for _ in range(3)]
        for person in visited:
            Visit.objects.create(
                person=person, visited_on=timezone.localdate(), visitor=county_admin, visitor_name="联村干部"
            )
        PersonFactory(village=village, civil_capacity="none")
        unsigned, signed = visited[1], visited[2]
        Guardian.objects.create(
            person=unsigned, kind="individual", name="监护人", category="I", start_date=datetime.date(2024, 1, 1)
        )
        guardian = Guardian.objects.create(
            person=signed, kind="individual", name="监护人", category="III", start_date=datetime.date(2024, 1, 1)
        )
        Agreement.objects.create(guardian=guardian, signed_on=datetime.date(2024, 1, 2), duties=["daily_watch"])
        inspection = scheduled_inspection(
            actor=county_admin,
            program=program,
            village=villages_a[3],
            inspectors=[inspector],
            year=YEAR,
            pilot_year=2017,
        )
        confirmed_inspection(
            county_admin=county_admin, inspection=inspection, deductions={"1.1": "5"}, rectify=("1.1", "2.1")
        )


@pytest.fixture
def world(county, program, township_a, township_b, department, personas):
    seed(
        county=county,
        program=program,
        township_a=township_a,
        township_b=township_b,
        department=department,
        county_admin=personas["county_admin"],
        inspector=personas["inspector"],
    )
    return personas


def home(client, user, **query):
    client.force_login(user)
    response = client.get(reverse("home"), query)
    assert response.status_code == 200
    return response


def api(client, name, **query):
    response = client.get(reverse(name), query)
    assert response.status_code == 200, response.content.decode()
    return response.json()


# --- the figures are the API's --------------------------------------------------------------------


@pytest.mark.parametrize("role", COUNTY_ROLES)
def test_every_figure_is_the_stats_apis_for_the_same_user(client, program, world, role):
    user = world[role]
    page = read(home(client, user, program=program.code, year=YEAR).content.decode())
    query = {"program": program.code, "year": YEAR}

    pilots = api(client, "api_pilot_stats", **query)
    assert int(first(page, "quota-section", "new_pilots")) == pilots["county"]["new_pilots"] == 1
    assert int(first(page, "quota-section", "province_key")) == pilots["county"]["province_key"]
    assert int(first(page, "quota-section", "province_applied")) == pilots["county"]["province_applied"]
    assert int(first(page, "quota-section", "cumulative_pilots")) == pilots["county"]["cumulative_pilots"]
    short = [row for row in pilots["townships"] if not row["meets_quota"]]
    assert int(first(page, "quota-section", "townships_short")) == len(short) == 1

    tasks = api(client, "api_task_stats", **query)
    section = page.figures["task-section"]
    assert int(section["tasks_running"][0]) == tasks["tasks"]["running"]
    assert int(section["tasks_closed_out"][0]) == tasks["tasks"]["closed_out"] == 1
    assert int(section["tasks_overdue"][0]) == tasks["tasks"]["overdue"] == 1
    units = tasks["reporting_units"]
    assert int(section["expected"][0]) == sum(u["expected"] for u in units)
    assert int(section["received"][0]) == sum(u["received"] for u in units)
    assert int(section["on_time"][0]) == sum(u["on_time"] for u in units)
    # One row per department the API lists, with its figures.
    assert [int(v) for v in section["closed_out"]] == [d["closed_out"] for d in tasks["departments"]]
    assert [int(v) for v in section["overdue"]] == [d["overdue"] for d in tasks["departments"]]
    if role == "department":
        assert [d["name"] for d in tasks["departments"]] == ["县民政局"]

    stats = api(client, "api_assessment_stats", **query)
    section = page.figures["assessment-section"]
    assert int(section["inspected"][0]) == stats["inspected"] == 1
    assert number(section["mean_total"][0]) == stats["mean_total"] == 95.0
    assert int(section["excellent"][0]) == stats["grades"]["excellent"]
    assert int(section["pass"][0]) == stats["grades"]["pass"]
    assert int(section["fail"][0]) == stats["grades"]["fail"]
    assert int(section["open_rectifications"][0]) == stats["open_rectifications"]
    # The rectifications are the township government's to answer: a department has none.
    assert stats["open_rectifications"] == (0 if role == "department" else 2)

    if role in ("department", "inspector"):
        # Persons' files are not theirs to read: no section, and the API refuses them too.
        assert "guardianship-section" not in page.figures
        assert client.get(reverse("api_guardianship_stats")).status_code == 403
    else:
        care = api(client, "api_guardianship_stats")
        section = page.figures["guardianship-section"]
        assert int(section["dispersed_total"][0]) == care["dispersed_total"] == 4
        assert int(section["dispersed_visited"][0]) == care["dispersed_visited"] == 3
        assert int(section["not_visited"][0]) == care["dispersed_total"] - care["dispersed_visited"]
        assert int(section["guardian_missing"][0]) == care["guardian_category"]["missing"] == 1
        assert int(section["agreements_missing"][0]) == care["agreements_missing"] == 1
        assert number(section["visit_coverage"][0]) == care["visit_coverage"] * 100


def test_the_api_gains_the_task_totals_and_the_schema_describes_them(client, program, world):
    client.force_login(world["county_viewer"])
    payload = api(client, "api_task_stats", program=program.code, year=YEAR)
    assert payload["tasks"] == {"running": 2, "closed_out": 1, "overdue": 1}
    schema = client.get(reverse("api_schema"), {"format": "json"}).json()
    stats = schema["components"]["schemas"]["TaskStats"]
    assert "tasks" in stats["required"]
    assert set(schema["components"]["schemas"]["TaskTotals"]["properties"]) == set(payload["tasks"])


# --- links land on the rows behind each figure -------------------------------------------------


def _follow(client, href):
    parts = urlsplit(href)
    match = resolve(parts.path)
    response = client.get(parts.path, {k: v[0] for k, v in parse_qs(parts.query).items()})
    assert response.status_code == 200
    return match, response


def test_each_figure_links_to_a_list_of_exactly_its_rows(client, program, world):
    user = world["county_admin"]
    page = read(home(client, user, program=program.code, year=YEAR).content.decode())

    # The task lists show tasks as they stand today, not as on 2018-12-31: a past year's
    # close-out and overdue figures link to no list claiming to hold exactly their rows
    # (this year's do: test_this_years_task_figures_link_to_exactly_their_tasks).
    assert not {"tasks_overdue", "tasks_closed_out"} & set(page.links["task-section"])

    match, response = _follow(client, page.links["assessment-section"]["open_rectifications"])
    assert match.view_name == "assessments:rectification_list"
    assert len(response.context["rectifications"]) == int(first(page, "assessment-section", "open_rectifications"))

    match, response = _follow(client, page.links["assessment-section"]["inspected"])
    assert match.view_name == "assessments:ranking"
    assert len(response.context["rows"]) == int(first(page, "assessment-section", "inspected"))

    for link, figure in (("not_visited", "not_visited"), ("guardian_missing", "guardian_missing")):
        match, response = _follow(client, page.links["guardianship-section"][link])
        assert match.view_name == "guardianship:register"
        assert response.context["filterset"].is_valid(), response.context["filterset"].errors
        assert len(response.context["persons"]) == int(first(page, "guardianship-section", figure))
    match, response = _follow(client, page.links["guardianship-section"]["agreements_missing"])
    assert [p["name"] for p in response.context["persons"]] == [
        g.person.name for g in Guardian.objects.filter(agreements__isnull=True)
    ]

    match, response = _follow(client, page.links["quota-section"]["new_pilots"])
    assert match.view_name == "villages:quota_report"
    assert response.context["year"] == YEAR
    # Each township short of its quota links to its approved pilots of the year.
    html = home(client, user, program=program.code, year=YEAR).content.decode()
    short = re.findall(r'<li data-township="([^"]+)"><a href="([^"]+)">', html)
    assert {name for name, _ in short} == {"东瀼口镇"}
    for _, href in short:
        match, response = _follow(client, href.replace("&amp;", "&"))
        assert match.view_name == "villages:pilot_list"
        assert response.context["filterset"].is_valid()


@pytest.fixture
def this_year(county, department, township_a, world):
    """A program running this year with, this year, a task of 县民政局 overdue since ten days
    ago, one closed out today, and one the townships lead (no county lead unit)."""
    today = timezone.localdate()
    current = PilotProgramFactory(county=county, code="current", start_year=today.year - 1, end_year=today.year + 1)
    overdue = TaskFactory(
        program=current, start_date=datetime.date(today.year - 1, 1, 1), deadline=today - datetime.timedelta(days=10)
    )
    TaskAssignmentFactory(task=overdue, department=department, role="lead")
    closed = TaskFactory(
        program=current,
        start_date=datetime.date(today.year, 1, 1),
        deadline=datetime.date(today.year, 12, 31),
        status=TaskStatus.CLOSED_OUT,
        closed_out_at=timezone.now(),
    )
    TaskAssignmentFactory(task=closed, department=department, role="cooperating")
    TaskAssignmentFactory(task=closed, department=DepartmentFactory(county=county, name="县商务局"), role="lead")
    townships = TaskFactory(
        program=current, start_date=datetime.date(today.year, 1, 1), deadline=datetime.date(today.year, 12, 31)
    )
    TaskAssignmentFactory(
        task=townships, department=village_services.township_government_ensure(township=township_a), role="township"
    )
    return current


def test_this_years_task_figures_link_to_exactly_their_tasks(client, this_year, world):
    page = read(home(client, world["county_admin"], program=this_year.code).content.decode())
    assert int(first(page, "task-section", "tasks_running")) == 3

    match, response = _follow(client, page.links["task-section"]["tasks_overdue"])
    assert match.view_name == "tasks:task_list"
    assert response.context["filterset"].is_valid()
    assert len(response.context["tasks"]) == int(first(page, "task-section", "tasks_overdue")) == 1

    match, response = _follow(client, page.links["task-section"]["tasks_closed_out"])
    assert [t.status for t in response.context["tasks"]] == [TaskStatus.CLOSED_OUT]
    assert int(first(page, "task-section", "tasks_closed_out")) == 1


def test_a_departments_overdue_count_links_to_its_overdue_tasks(client, this_year, world):
    html = home(client, world["county_viewer"], program=this_year.code).content.decode()
    row = re.search(r'<tr data-department="县民政局">.*?</tr>', html, re.S).group(0)
    href = re.search(r'data-figure="overdue"><a href="([^"]+)">1</a>', row).group(1).replace("&amp;", "&")
    _, response = _follow(client, href)
    assert [t.status for t in response.context["tasks"]] == [TaskStatus.OPEN]
    assert all(t.is_overdue for t in response.context["tasks"])


def test_a_township_governments_row_links_to_its_tasks(client, this_year, world, township_a):
    html = home(client, world["county_viewer"], program=this_year.code).content.decode()
    row = re.search(r'<tr data-department="水布垭镇人民政府">.*?</tr>', html, re.S).group(0)
    assert re.search(r'data-figure="tasks_led">1<', row)
    href = re.search(r'<a href="([^"]+)">水布垭镇人民政府</a>', row).group(1).replace("&amp;", "&")
    _, response = _follow(client, href)
    assert response.context["filterset"].is_valid()
    assert len(response.context["tasks"]) == 1


def test_a_past_years_figures_say_as_of_when(client, program, world):
    html = home(client, world["county_viewer"], program=program.code, year=YEAR).content.decode()
    assert f"{YEAR}年的数字统计截至 {YEAR}年12月31日" in html


# --- year over year -----------------------------------------------------------------------------


def test_year_over_year_has_one_column_per_program_year(client, program, world):
    PilotAssignmentFactory(program=program, village=VillageFactory(township=world["township_a"].township), year=2019)
    page = read(home(client, world["county_viewer"], program=program.code, year=YEAR).content.decode())
    assert sorted(page.yoy["new_pilots"]) == list(program.years)
    assert page.yoy["new_pilots"][2018] == "1"
    assert page.yoy["new_pilots"][2019] == "1"
    assert page.yoy["new_pilots"][2016] == "0"
    # The inspected village has been a pilot since 2017.
    assert page.yoy["cumulative_pilots"][2019] == "3"
    assert page.yoy["inspected"][2018] == "1" and page.yoy["inspected"][2019] == "0"
    assert page.yoy["tasks_closed_out"][2018] == "1" and page.yoy["as_of"][2018] == "2018-12-31"
    # The task closed out in 2018 is a task of 2018 only; the one overdue since 2018, never
    # closed out, is still overdue in 2020.
    assert (page.yoy["tasks_running"][2020], page.yoy["tasks_overdue"][2020]) == ("1", "1")
    # Each column is the selected-year figure of that year.
    other = read(home(client, world["county_viewer"], program=program.code, year=2019).content.decode())
    assert first(other, "quota-section", "new_pilots") == page.yoy["new_pilots"][2019]


# --- choices and messages -----------------------------------------------------------------------


def test_defaults_are_the_newest_program_and_this_year_clamped(client, program, world):
    response = home(client, world["county_viewer"])
    assert response.context["program"] == program
    assert response.context["year"] == min(max(timezone.localdate().year, program.start_year), program.end_year)
    assert response.context["errors"] == []


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"year": "2035"}, "年度应在 2016–2020 之间"),
        ({"year": "abc"}, "年度应为整数"),
        ({"program": "no-such-program"}, "试点项目“no-such-program”不存在或不在您的查看范围内"),
    ],
)
def test_a_bad_program_or_year_is_a_chinese_message_not_an_error(client, program, world, query, message):
    response = home(client, world["county_viewer"], **query)
    html = response.content.decode()
    assert 'id="dashboard-errors"' in html and message in html
    assert response.context["program"] == program
    assert response.context["year"] in program.years


def test_another_countys_program_is_not_shown(client, program, world):
    township = TownshipFactory(county__name="建始县", county__admin_code="422822", name="业州镇", code="422822100")
    foreign = PilotProgramFactory(county=township.county, code="jianshi", end_year=2030)
    html = home(client, world["county_viewer"], program=foreign.code).content.decode()
    assert "试点项目“jianshi”不存在或不在您的查看范围内" in html
    assert foreign.name not in html or program.name == foreign.name


def test_a_user_without_a_program_sees_a_plain_page(client, db):
    user = UserFactory(role=Role.COUNTY_VIEWER, county=CountyFactory(name="空县", admin_code="999999"))
    html = home(client, user).content.decode()
    assert "尚未建立试点项目" in html


# --- query count --------------------------------------------------------------------------------


def _queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("role", ["county_admin", "department"])
def test_query_count_does_not_grow_with_the_data(client, county, program, world, township_a, township_b, role):
    user = world[role]
    client.force_login(user)
    url = reverse("home") + f"?program={program.code}&year={YEAR}"
    client.get(url)  # the first request of a session writes the session
    cache.clear()
    small = _queries(client, url)
    seed(
        county=county,
        program=program,
        township_a=township_a,
        township_b=township_b,
        department=world["department"].department,
        county_admin=world["county_admin"],
        inspector=world["inspector"],
        scale=4,
    )
    cache.clear()
    large = _queries(client, url)
    assert large == small
    # The selectors run once per program year (10 queries each), a count bounded by the program;
    # the rest is the session, the user, the program lookups, the inbox badge, guardianship and
    # the supervision committees (five, supervision/statistics.py).
    assert small <= 10 * len(program.years) + 17
    # Served from the cache, only the session, the user, the program lookups and the badge remain.
    assert _queries(client, url) <= 9
    # After a write of today (a new data version), the closed years are read from their kept
    # entries: only the running years (none once the program has ended), guardianship (up to 3)
    # and the supervision committees (six with the township and county names) count.
    stats_cache.bump(county_id=user.county_id)
    running = [year for year in program.years if year >= timezone.localdate().year]
    assert _queries(client, url) <= 9 + 10 * len(running) + 3 + 6 < small


# --- the cache ----------------------------------------------------------------------------------


def test_a_write_through_a_service_invalidates_the_cached_figures(
    client, django_capture_on_commit_callbacks, program, world
):
    admin = world["county_admin"]
    page = read(home(client, admin, program=program.code, year=YEAR).content.decode())
    assert first(page, "quota-section", "new_pilots") == "1"
    proposed = PilotAssignment.objects.get(program=program, status=PilotStatus.PROPOSED)
    with django_capture_on_commit_callbacks(execute=True):
        pilot_assignment_approve(actor=admin, assignment=proposed)
    page = read(home(client, admin, program=program.code, year=YEAR).content.decode())
    assert first(page, "quota-section", "new_pilots") == "2"
    # The other roles of the county see it too: the county's version changed for all of them.
    viewer = read(home(client, world["county_viewer"], program=program.code, year=YEAR).content.decode())
    assert first(viewer, "quota-section", "new_pilots") == "2"


def test_a_cached_entry_is_served_until_a_write_bumps_the_version(client, program, world):
    admin = world["county_admin"]
    home(client, admin, program=program.code, year=YEAR)
    # Written behind the services' back: the cached figures stand (until the timeout) ...
    PilotAssignment.objects.filter(program=program, status=PilotStatus.PROPOSED).update(status=PilotStatus.APPROVED)
    assert _new_pilots(client, admin, program) == "1"
    # ... a new data version alone does not reach a closed year (YEAR is over): its figures are
    # kept, since what happens today cannot change them ...
    stats_cache.bump(county_id=admin.county_id)
    assert _new_pilots(client, admin, program) == "1"
    # ... and a bump of the county's history too (what audit.record does on commit for a write
    # that can correct the past) lets the page see it.
    stats_cache.bump(county_id=admin.county_id, history=True)
    assert _new_pilots(client, admin, program) == "2"


def test_a_closed_year_is_computed_once_across_data_versions(client, program, world):
    admin = world["county_admin"]
    client.force_login(admin)
    url = reverse("home") + f"?program={program.code}&year={YEAR}"
    client.get(url)
    computed = []
    original = dashboard.year_figures

    def counting(**kwargs):
        computed.append(kwargs["year"])
        return original(**kwargs)

    dashboard.year_figures, saved = counting, dashboard.year_figures
    try:
        stats_cache.bump(county_id=admin.county_id)
        client.get(url)
        stats_cache.bump()
        client.get(url)
    finally:
        dashboard.year_figures = saved
    today = timezone.localdate()
    # Only the years still running were computed again, once per data version.
    assert today.year > YEAR
    assert computed == [year for year in program.years if today.year <= year <= today.year] * 2


def test_only_writes_that_can_change_a_closed_year_bump_its_history(
    django_capture_on_commit_callbacks, program, world, village_a
):
    admin = world["county_admin"]
    history = stats_cache.history_entry_key(user=admin, name="x", parts=(YEAR,))
    today = stats_cache.entry_key(user=admin, name="x", parts=(YEAR,))
    # A person of the guardianship register: counted per month and never kept for a closed year.
    person = PersonFactory(village=village_a)
    with django_capture_on_commit_callbacks(execute=True):
        audit.record(actor=admin, instance=person, action=AuditAction.UPDATE, before={}, note="测试")
    assert stats_cache.entry_key(user=admin, name="x", parts=(YEAR,)) != today
    assert stats_cache.history_entry_key(user=admin, name="x", parts=(YEAR,)) == history
    # The program (its quota, its years) feeds every year's figures: its edit reaches the past.
    with django_capture_on_commit_callbacks(execute=True):
        audit.record(actor=admin, instance=program, action=AuditAction.UPDATE, before={}, note="测试")
    assert stats_cache.history_entry_key(user=admin, name="x", parts=(YEAR,)) != history


def _new_pilots(client, user, program) -> str:
    return first(
        read(home(client, user, program=program.code, year=YEAR).content.decode()), "quota-section", "new_pilots"
    )


def test_audit_record_bumps_the_writers_county_on_commit(django_capture_on_commit_callbacks, program, world):
    admin = world["county_admin"]
    key = stats_cache.entry_key(user=admin, name="x", parts=(1,))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        audit.record(actor=admin, instance=program, action=AuditAction.UPDATE, before={}, note="测试")
        # Not before the commit: a reader in between would cache the old figures as new.
        assert stats_cache.entry_key(user=admin, name="x", parts=(1,)) == key
    for callback in callbacks:
        callback()
    assert stats_cache.entry_key(user=admin, name="x", parts=(1,)) != key


def test_scopes_never_share_an_entry(program, world):
    keys = {role: stats_cache.entry_key(user=world[role], name="d", parts=(program.pk,)) for role in world}
    assert len(set(keys.values())) == len(keys)
    # Two officials of the same township do share one: same rows, same figures.
    twin = UserFactory(role=Role.TOWNSHIP, township=world["township_a"].township, county=program.county)
    assert stats_cache.entry_key(user=twin, name="d", parts=(program.pk,)) == keys["township_a"]
    # Inspectors see their own team's inspections: never shared.
    other = UserFactory(role=Role.INSPECTOR, county=program.county)
    assert stats_cache.entry_key(user=other, name="d", parts=(program.pk,)) != keys["inspector"]


def test_two_departments_get_their_own_figures_from_the_cache(client, county, program, world):
    other_dept = DepartmentFactory(county=county, name="县商务局")
    task = TaskFactory(program=program)
    TaskAssignmentFactory(task=task, department=other_dept, role="lead")
    other_user = UserFactory(role=Role.DEPARTMENT, department=other_dept, county=county)
    mine = read(home(client, world["department"], program=program.code, year=YEAR).content.decode())
    theirs = read(home(client, other_user, program=program.code, year=YEAR).content.decode())
    assert first(mine, "task-section", "tasks_overdue") == "1"
    assert first(theirs, "task-section", "tasks_running") == "1"
    html = home(client, other_user, program=program.code, year=YEAR).content.decode()
    assert re.findall(r'data-department="([^"]+)"', html) == ["县商务局"]


def test_another_countys_write_does_not_invalidate_this_county(program, world):
    admin = world["county_admin"]
    key = stats_cache.entry_key(user=admin, name="x", parts=())
    stats_cache.bump(county_id=admin.county_id + 1000)
    assert stats_cache.entry_key(user=admin, name="x", parts=()) == key
    # A province client sees every county: any county's write is its business.
    province = UserFactory(role=Role.API_CLIENT, county=None)
    province_key = stats_cache.entry_key(user=province, name="x", parts=())
    stats_cache.bump(county_id=admin.county_id + 1000)
    assert stats_cache.entry_key(user=province, name="x", parts=()) != province_key
    # A write with no county (a system job) reaches every reader.
    stats_cache.bump(county_id=None)
    assert stats_cache.entry_key(user=admin, name="x", parts=()) != key


# --- charts -------------------------------------------------------------------------------------


def test_the_charts_have_a_title_and_a_table_behind_them(client, program, world):
    html = home(client, world["county_viewer"], program=program.code, year=YEAR).content.decode()
    charts = re.findall(r'<svg class="chart" role="img" aria-labelledby="([^"]+)"', html)
    assert charts == [
        "dashboard-quota-chart-title",
        "dashboard-departments-chart-title",
        "dashboard-assessment-chart-title",
        "dashboard-visit-chart-title",
        "dashboard-supervision-chart-title",
    ]
    for chart_id in charts:
        assert f'<title id="{chart_id}">' in html
    assert html.count('<div class="chart-data"><table>') == 5
    # Drawn on the server: nothing fetched from outside.
    assert re.findall(r'(?:src|href)="(?:https?:)?//', html) == []


def test_bar_geometry_scales_to_the_largest_value_or_a_fixed_axis():
    chart = bar_chart(
        chart_id="c",
        title="t",
        rows=[ChartRow(label="甲", value=5, target=10, ok=False), ChartRow(label="乙", value=10)],
        value_header="v",
        target_header="t",
    )
    first_bar, second_bar = chart.bars
    assert chart.scale_max == 10
    assert second_bar.width == chart.plot_width and first_bar.width == chart.plot_width / 2
    assert first_bar.target_x == chart.label_width + chart.plot_width
    assert (first_bar.status, second_bar.status) == ("short", "neutral")
    assert first_bar.bar_text == "5/10" and second_bar.bar_text == "10"
    fixed = bar_chart(chart_id="c", title="t", rows=[ChartRow(label="甲", value=150)], value_header="v", scale_max=100)
    # A value past a fixed axis is drawn to its end, not beyond the plot.
    assert fixed.bars[0].width == fixed.plot_width and fixed.bars[0].value_text == "150"


# --- construction standards ---------------------------------------------------------------------


def test_the_standards_section_shows_the_countys_coverage_as_the_api_does(client, county, program, township_a):
    from decimal import Decimal

    from rest_framework.test import APIClient

    from demo.standards import ensure_standards
    from tests.factories import PilotAssignmentFactory, VillageFactory, VillageIndicatorFactory

    ensure_standards(program)
    viewer = UserFactory(role=Role.COUNTY_VIEWER, county=county)
    for area in (Decimal("650"), Decimal("450")):
        village = VillageFactory(township=township_a)
        PilotAssignmentFactory(program=program, village=village, year=YEAR)
        VillageIndicatorFactory(village=village, year=YEAR, status="confirmed", service_station_area_m2=area)
    html = home(client, viewer, program=program.code, year=YEAR).content.decode()
    assert 'id="standards-section"' in html
    assert 'data-standard="R-B1" data-verdict="not_met"' in html
    api = APIClient()
    api.force_authenticate(viewer)
    body = api.get("/api/v1/stats/standards/", {"program": program.code, "year": YEAR}).json()
    r_b1 = next(cell for cell in body["county"]["standards"] if cell["code"] == "R-B1")
    assert (r_b1["met"], r_b1["applicable"], r_b1["rate"]) == (1, 2, 0.5)
    assert "1 / 2" in html and "50%" in html
