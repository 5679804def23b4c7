"""The township workspace (首页 for township officials): the obligations of every app merged in
order of urgency, each one click from a form that opens; nothing of another township; the own
figures equal to the API's and the county's to the county office's API; a query count that
does not grow with the data."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assessments.choices import RectificationStatus
from assessments.models import Rectification
from guardianship import services as guardianship_services
from home.workspace import Obligation, township_obligations
from tasks import services as task_services
from tasks.choices import CadenceKind, ReportStatus
from tests.factories import (
    PersonFactory,
    PilotAssignmentFactory,
    PilotProgramFactory,
    ProgressReportFactory,
    VillageFactory,
    confirmed_inspection,
    scheduled_inspection,
)
from villages import services as village_services

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture
def program(county):
    """A program running this year, so this year's reports, inspections and visits count."""
    return PilotProgramFactory(
        county=county,
        code="workspace-program",
        start_year=TODAY.year - 1,
        end_year=TODAY.year + 3,
        cumulative_by_year=TODAY.year + 3,
    )


def _task(*, actor, program, code, title, deadline, townships, start=None):
    return task_services.task_create(
        actor=actor,
        program=program,
        code=code,
        title=title,
        text="按方案推进。",
        start_date=start or min(deadline, TODAY) - datetime.timedelta(days=30),
        deadline=deadline,
        lead=[],
        townships=list(townships),
        cadence_kind=CadenceKind.ONCE,
    )


def _inspect(*, county_admin, inspector, program, village, deduction, today):
    inspection = scheduled_inspection(
        actor=county_admin, program=program, village=village, inspectors=[inspector], year=TODAY.year,
        pilot_year=TODAY.year - 1,
    )  # fmt: skip
    return confirmed_inspection(
        county_admin=county_admin, inspection=inspection, deductions={"1.1": deduction}, rectify=("1.1",), today=today
    )


@pytest.fixture
def seeded(county_admin, inspector, program, township_a, township_b, village_a, village_b, township_a_official):
    """For 水布垭镇: an overdue report, an overdue rectification, a returned report due soon, an
    unvisited person due at the month's end, a report due in 40 days; and 东瀼口镇's own of each,
    none of which may reach 水布垭镇."""
    overdue = _task(
        actor=county_admin, program=program, code="W-01", title="报送服务站建设进展",
        deadline=TODAY - datetime.timedelta(days=10), townships=[township_a, township_b],
    )  # fmt: skip
    returned = _task(
        actor=county_admin, program=program, code="W-02", title="报送议事协商情况",
        deadline=TODAY + datetime.timedelta(days=3), townships=[township_a],
    )  # fmt: skip
    later = _task(
        actor=county_admin, program=program, code="W-03", title="报送年度总结",
        deadline=TODAY + datetime.timedelta(days=40), townships=[township_a],
    )  # fmt: skip
    _task(
        actor=county_admin, program=program, code="W-09", title="东瀼口镇专项任务",
        deadline=TODAY - datetime.timedelta(days=2), townships=[township_b],
    )  # fmt: skip
    unit_a = village_services.township_government_ensure(township=township_a)
    unit_b = village_services.township_government_ensure(township=township_b)
    ProgressReportFactory(period=returned.periods.get(), department=unit_a, status=ReportStatus.RETURNED)
    ProgressReportFactory(period=overdue.periods.get(), department=unit_b, status=ReportStatus.SUBMITTED)

    rectify_from = TODAY - datetime.timedelta(days=program.rectification_days + 3)
    inspection_a = _inspect(
        county_admin=county_admin, inspector=inspector, program=program, village=village_a, deduction=6,
        today=rectify_from,
    )  # fmt: skip
    _inspect(
        county_admin=county_admin, inspector=inspector, program=program, village=village_b, deduction=2,
        today=rectify_from,
    )  # fmt: skip
    PilotAssignmentFactory(program=program, village=VillageFactory(township=township_a), year=TODAY.year)

    unvisited = PersonFactory(village=village_a, name="向大山")
    visited = PersonFactory(village=village_a, name="谭小梅")
    PersonFactory(village=village_b, name="东瀼口人员甲")
    PersonFactory(village=village_a, name="集中供养人员", support_mode="concentrated", institution="巴东县福利院")
    guardianship_services.visit_record(
        actor=township_a_official, person=visited, visited_on=TODAY, visitor_name="联村干部", today=TODAY
    )
    return {
        "overdue": overdue,
        "returned": returned,
        "later": later,
        "rectification": Rectification.objects.get(inspection=inspection_a),
        "unvisited": unvisited,
        "visited": visited,
    }


def _month_end(day):
    following = (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return following - datetime.timedelta(days=1)


def test_obligations_of_every_kind_are_merged_most_overdue_first_then_due_soonest(seeded, township_a_official):
    items = township_obligations(user=township_a_official, today=TODAY)
    kinds = ["report", "returned", "rectification", "visit"]
    expected = sorted(
        [
            (TODAY - datetime.timedelta(days=10), "report", "W-01 报送服务站建设进展"),
            (seeded["rectification"].deadline, "rectification", f"水布垭村 · 1.1 {seeded['rectification'].item.title}"),
            (TODAY + datetime.timedelta(days=3), "returned", "W-02 报送议事协商情况"),
            (_month_end(TODAY), "visit", "向大山"),
            (TODAY + datetime.timedelta(days=40), "report", "W-03 报送年度总结"),
        ],
        key=lambda row: (row[0], kinds.index(row[1])),
    )
    assert [(item.due_date, item.kind, item.title) for item in items] == expected
    # The overdue ones lead, however the kinds fall.
    assert [item.kind for item in items[:2]] == ["report", "rectification"]
    assert (items[0].days_overdue, items[0].badge) == (10, "bad")
    assert items[1].days_overdue == 3
    returned = next(item for item in items if item.kind == "returned")
    assert (returned.days_left, returned.badge, returned.action) == (3, "warn", "修改后重新提交")
    assert "退回原因：请补充数据。" in returned.detail


def test_each_obligation_links_to_its_form_and_the_form_opens_for_the_official(login, seeded, township_a_official):
    client = login(township_a_official)
    items = {item.title: item for item in township_obligations(user=township_a_official, today=TODAY)}
    urls = {
        "W-01 报送服务站建设进展": reverse("tasks:report_edit", args=[seeded["overdue"].periods.get().pk]),
        "W-02 报送议事协商情况": reverse("tasks:report_edit", args=[seeded["returned"].periods.get().pk]),
        "W-03 报送年度总结": reverse("tasks:report_edit", args=[seeded["later"].periods.get().pk]),
        "向大山": reverse("guardianship:visit_create", args=[seeded["unvisited"].pk]),
    }
    rectification = seeded["rectification"]
    rect_title = f"水布垭村 · 1.1 {rectification.item.title}"
    urls[rect_title] = reverse("assessments:rectification_detail", args=[rectification.pk]) + "#evidence-form"
    assert {title: item.url for title, item in items.items()} == urls

    home = client.get(reverse("home")).content.decode()
    for title, url in urls.items():
        assert f'href="{url}"' in home, title
        response = client.get(url.split("#")[0])
        assert response.status_code == 200, title
        marker = {"visit": 'id="visit-form"', "rectification": 'id="evidence-form"'}.get(
            items[title].kind, 'id="report-form"'
        )
        assert marker in response.content.decode(), title


def test_the_page_lists_them_in_order_with_counts_per_kind(login, seeded, township_a_official):
    home = login(township_a_official).get(reverse("home")).content.decode()
    positions = [
        home.index(text)
        for text in (
            "W-01 报送服务站建设进展",
            "水布垭村 · 1.1",
            "W-02 报送议事协商情况",
            "向大山",
            "W-03 报送年度总结",
        )
    ]
    # The visit falls between the returned report and W-03 unless the month ends sooner.
    assert positions[:3] == sorted(positions[:3]) and positions[3] < positions[4]
    assert '<li data-kind="report"><span class="value">2</span>' in home
    assert '<li data-kind="returned"><span class="value">1</span>' in home
    assert '<li data-kind="rectification"><span class="value">1</span>' in home
    assert '<li data-kind="visit"><span class="value">1</span>' in home
    assert '其中已逾期 <strong class="bad">2</strong> 项' in home
    assert 'id="own-quota"' in home


def test_nothing_of_the_other_township_reaches_the_workspace(login, seeded, township_a_official, township_b_official):
    home = login(township_a_official).get(reverse("home")).content.decode()
    for foreign in ("东瀼口镇", "东瀼口村", "东瀼口人员甲", "东瀼口镇专项任务", "W-09"):
        assert foreign not in home, foreign
    assert "谭小梅" not in home  # visited this month: not an obligation
    assert "集中供养人员" not in home  # concentrated support: no home visits due

    other = township_obligations(user=township_b_official, today=TODAY)
    assert {item.title for item in other} == {"W-09 东瀼口镇专项任务", "东瀼口人员甲", "东瀼口村 · 1.1 评分项目1"}
    assert not any("水布垭" in item.title or "向大山" in item.title for item in other)


def test_a_submitted_report_and_a_reported_rectification_leave_the_list(seeded, township_a_official):
    period = seeded["overdue"].periods.get()
    task_services.report_save(
        actor=township_a_official, period=period, text="已完成。", percent_complete=100, submit=True,
        signed_by_principal=True,
    )  # fmt: skip
    Rectification.objects.filter(pk=seeded["rectification"].pk).update(status=RectificationStatus.SUBMITTED)
    titles = [item.title for item in township_obligations(user=township_a_official, today=TODAY)]
    assert "W-01 报送服务站建设进展" not in titles
    assert not any(title.startswith("水布垭村 · 1.1") for title in titles)
    assert "W-02 报送议事协商情况" in titles


def _api(client, name, **params):
    response = client.get(reverse(name), params)
    assert response.status_code == 200, response.content
    return response.json()


def _figure(home: str, key: str, column: str) -> str:
    row = home.split(f'<tr data-key="{key}">', 1)[1].split("</tr>", 1)[0]
    return row.split(f'class="num {column}">', 1)[1].split("</td>", 1)[0]


def _pct(value: float) -> str:
    return f"{value * 100:.1f}%"


def test_own_and_county_figures_equal_the_api_stats(client, seeded, program, township_a_official, county_admin):
    year = TODAY.year
    params = {"program": program.code, "year": year}
    client.force_login(county_admin)
    county_tasks = _api(client, "api_task_stats", **params)
    county_results = _api(client, "api_assessment_stats", **params)
    county_visits = _api(client, "api_guardianship_stats")
    county_pilots = _api(client, "api_pilot_stats", **params)

    client.force_login(township_a_official)
    home = client.get(reverse("home")).content.decode()
    own_tasks = _api(client, "api_task_stats", **params)
    own_results = _api(client, "api_assessment_stats", **params)
    own_visits = _api(client, "api_guardianship_stats")
    own_pilots = _api(client, "api_pilot_stats", **params)

    def pooled(rows, field):
        expected = sum(row["expected"] for row in rows)
        return sum(row[field] for row in rows) / expected if expected else 0.0

    # Own: the township's rows of the API; county: the county office's totals of the same API.
    assert _figure(home, "completeness", "own") == _pct(pooled(own_tasks["reporting_units"], "received"))
    assert _figure(home, "completeness", "county") == _pct(pooled(county_tasks["reporting_units"], "received"))
    assert _figure(home, "timeliness", "own") == _pct(pooled(own_tasks["reporting_units"], "on_time"))
    assert _figure(home, "timeliness", "county") == _pct(pooled(county_tasks["reporting_units"], "on_time"))
    assert _figure(home, "inspection-mean", "own") == f"{Decimal(str(own_results['mean_total']))} 分"
    assert _figure(home, "inspection-mean", "county") == f"{Decimal(str(county_results['mean_total']))} 分"
    assert _figure(home, "visit-coverage", "own").startswith(_pct(own_visits["visit_coverage"]))
    assert _figure(home, "visit-coverage", "county") == _pct(county_visits["visit_coverage"])
    [own_row] = own_pilots["townships"]
    assert _figure(home, "pilot-share", "own") == _pct(own_row["cumulative_share"])
    assert _figure(home, "pilot-share", "county") == _pct(county_pilots["county"]["cumulative_share"])
    assert _figure(home, "new-pilots", "county") == f"{county_pilots['county']['new_pilots']} 个"

    # The seeded numbers, so the comparison above cannot pass on two empty answers.
    assert own_visits["visit_coverage"] == 0.5 and county_visits["visit_coverage"] == round(1 / 3, 4)
    assert (own_results["mean_total"], county_results["mean_total"]) == (94.0, 96.0)
    assert pooled(own_tasks["reporting_units"], "received") < pooled(county_tasks["reporting_units"], "received")
    assert own_pilots["townships"][0]["new_pilots"] == 1


def _grow(*, county_admin, program, township_a, start, n):
    for index in range(start, start + n):
        _task(
            actor=county_admin, program=program, code=f"G-{index:03d}", title=f"增量任务{index}",
            deadline=TODAY - datetime.timedelta(days=index % 5), townships=[township_a],
        )  # fmt: skip
        PersonFactory(village=VillageFactory(township=township_a), name=f"增量人员{index}")


def _page_queries(captured) -> list[str]:
    """The page's own queries, their SQL up to the first literal: the session middleware's
    occasional write (the idle-timeout stamp) is not the page's doing."""
    return [
        query["sql"].split("'")[0][:60]
        for query in captured.captured_queries
        if "django_session" not in query["sql"] and "SAVEPOINT" not in query["sql"]
    ]


def test_query_count_does_not_grow_with_the_obligations(
    login, seeded, county_admin, program, township_a, township_a_official
):
    client = login(township_a_official)
    _grow(county_admin=county_admin, program=program, township_a=township_a, start=0, n=2)
    with CaptureQueriesContext(connection) as small:
        response = client.get(reverse("home"))
    small_count = len(township_obligations(user=township_a_official, today=TODAY))
    assert response.status_code == 200
    _grow(county_admin=county_admin, program=program, township_a=township_a, start=2, n=12)
    with CaptureQueriesContext(connection) as large:
        response = client.get(reverse("home"))
    large_count = len(township_obligations(user=township_a_official, today=TODAY))
    assert response.status_code == 200
    assert large_count == small_count + 24
    assert _page_queries(large) == _page_queries(small)
    assert len(_page_queries(small)) <= 25


def test_obligation_badges_and_days():
    due = TODAY - datetime.timedelta(days=2)
    late = Obligation(kind="visit", title="x", detail="", due_date=due, days_to_due=-2, url="/", action="", soon=False)
    today = Obligation(
        kind="report", title="y", detail="", due_date=TODAY, days_to_due=0, url="/", action="", soon=True
    )
    far = Obligation(
        kind="report", title="z", detail="", due_date=TODAY, days_to_due=30, url="/", action="", soon=False
    )
    assert (late.days_overdue, late.days_left, late.badge) == (2, None, "bad")
    assert (today.days_overdue, today.days_left, today.badge) == (0, 0, "warn")
    assert (far.days_left, far.badge) == (30, "")
