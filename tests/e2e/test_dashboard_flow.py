"""The county dashboard in a real browser, for each county role: sign in through the form, open
首页, read the figures off the page, fetch the stats API in the same browser session and compare,
then follow a figure's link to the filtered list behind it. Also: the page on a phone, and the
charts' data tables in print."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PHONE, sign_in
from tests.home.test_dashboard import YEAR, seed

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("transactional_db")]

ROLES = ("county_admin", "county_viewer", "department", "inspector")


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


def _figure(page, section: str, name: str) -> str:
    return page.locator(f'#{section} [data-figure="{name}"]').first.inner_text().strip()


def _api(page, path: str, **query) -> dict:
    response = page.request.get(path, params=query)
    assert response.status == 200, response.text()
    return response.json()


def _number(text: str) -> float:
    return float(re.sub(r"[^\d.]", "", text))


@pytest.mark.parametrize("role", ROLES)
def test_dashboard_figures_are_the_apis_and_link_to_their_lists(new_context, program, world, role):
    user = world[role]
    page = new_context().new_page()
    sign_in(page, user)
    page.goto(f"/?program={program.code}&year={YEAR}")
    expect(page.locator("h1")).to_have_text(f"{program.name} · {YEAR}年工作概况")

    query = {"program": program.code, "year": YEAR}
    pilots = _api(page, "/api/v1/stats/pilots/", **query)
    assert int(_figure(page, "quota-section", "new_pilots")) == pilots["county"]["new_pilots"] == 1
    assert int(_figure(page, "quota-section", "cumulative_pilots")) == pilots["county"]["cumulative_pilots"]
    short = [row["name"] for row in pilots["townships"] if not row["meets_quota"]]
    assert page.locator("#townships-short li").all_inner_texts() == [f"{name}：本年还差 1 个试点村" for name in short]

    tasks = _api(page, "/api/v1/stats/tasks/", **query)
    for name in ("running", "closed_out", "overdue"):
        assert int(_figure(page, "task-section", f"tasks_{name}")) == tasks["tasks"][name]
    units = tasks["reporting_units"]
    assert int(_figure(page, "task-section", "expected")) == sum(unit["expected"] for unit in units)
    assert int(_figure(page, "task-section", "received")) == sum(unit["received"] for unit in units)
    shown = page.locator("#department-table tbody tr").evaluate_all("rows => rows.map(r => r.dataset.department)")
    assert shown == [row["name"] for row in tasks["departments"]]

    stats = _api(page, "/api/v1/stats/assessments/", **query)
    assert int(_figure(page, "assessment-section", "inspected")) == stats["inspected"]
    assert _number(_figure(page, "assessment-section", "mean_total")) == stats["mean_total"]
    assert int(_figure(page, "assessment-section", "open_rectifications")) == stats["open_rectifications"]

    if role in ("county_admin", "county_viewer"):
        care = _api(page, "/api/v1/stats/guardianship/")
        assert int(_figure(page, "guardianship-section", "dispersed_visited")) == care["dispersed_visited"]
        assert int(_figure(page, "guardianship-section", "dispersed_total")) == care["dispersed_total"]
        assert int(_figure(page, "guardianship-section", "guardian_missing")) == care["guardian_category"]["missing"]
        assert int(_figure(page, "guardianship-section", "agreements_missing")) == care["agreements_missing"]
    else:
        expect(page.locator("#guardianship-section")).to_have_count(0)
        assert page.request.get("/api/v1/stats/guardianship/").status == 403

    # A past year's overdue figure is as of its last day, which no task list shows: it says
    # so and claims no list of exactly its tasks (this year's does: tests/home/test_dashboard.py).
    assert tasks["as_of"] == f"{YEAR}-12-31"
    expect(page.locator("#dashboard-as-of")).to_contain_text(f"{YEAR}年的数字统计截至 {YEAR}年12月31日")
    expect(page.locator('#task-section a[data-link="tasks_overdue"]')).to_have_count(0)
    expect(page.locator("#task-section")).to_contain_text("逾期未销号（截至12月31日）")

    # The open rectifications lead to the rectification list of that program year.
    open_count = int(_figure(page, "assessment-section", "open_rectifications"))
    page.locator('#assessment-section a[data-link="open_rectifications"]').click()
    page.wait_for_url(re.compile(r"/assessments/rectifications/\?.*status=unverified"))
    expect(page.locator("#rectification-scope")).to_contain_text(f"{YEAR} 年")
    rows = page.locator("#rectification-table tbody tr")
    if open_count:
        expect(rows).to_have_count(open_count)
    else:
        expect(rows).to_have_text("没有整改项目。")


def test_dashboard_fits_a_phone_and_prints_its_chart_tables(new_context, program, world):
    page = new_context(viewport=PHONE).new_page()
    sign_in(page, world["county_viewer"])
    page.goto(f"/?program={program.code}&year={YEAR}")
    expect(page.locator("#quota-section")).to_be_visible()
    # Nothing wider than the screen: the charts scale down, the tables scroll in their box.
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    chart_table = page.locator("#dashboard-quota-chart .chart-data")
    assert chart_table.bounding_box()["width"] <= 1
    page.emulate_media(media="print")
    # In print the numbers behind each chart are on paper, the navigation is not.
    assert chart_table.bounding_box()["width"] > 100
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.locator("#dashboard-filter")).to_be_hidden()
