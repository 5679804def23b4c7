"""Layout in a real browser: township officials use phones, the county office prints the quota
report for meetings, and county intranets are often offline (no CDN, no outside requests)."""

import re
from urllib.parse import urlsplit

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from demo.standards import ensure_standards
from tests.e2e.conftest import INTRANET_HOST, PHONE, save_screenshot, sign_in
from tests.factories import PilotAssignmentFactory, PilotNominationFactory, VillageFactory
from villages.choices import PilotLevel, PilotStatus
from villages.models import VillageIndicator
from villages.services import INDICATOR_FIELDS

pytestmark = [pytest.mark.e2e, pytest.mark.embedded_run, pytest.mark.usefixtures("transactional_db")]

YEAR = 2017
CHINESE = re.compile(r"[\u4e00-\u9fff]")
NO_HORIZONTAL_OVERFLOW = "document.documentElement.scrollWidth <= window.innerWidth + 1"
# Apple's and Google's guidance puts a comfortable touch target at 44-48 px; 40 px is the floor.
MIN_TOUCH_PX = 40
BOOLEAN_FIELDS = [
    name for name in INDICATOR_FIELDS if VillageIndicator._meta.get_field(name).get_internal_type() == "BooleanField"
]


@pytest.fixture
def villages(program, township_a, township_b, village_a, village_b):
    """Realistic rows: long names, 12-digit codes, pilot labels in the 试点 column."""
    rows = [village_a, village_b]
    for n in range(1, 9):
        rows.append(
            VillageFactory(
                township=township_a,
                name=f"水布垭镇长岭岗{n}号移民安置点社区",
                code=f"{township_a.code}{210 + n:03d}",
                is_poverty_village=n % 2 == 0,
            )
        )
    PilotAssignmentFactory(
        program=program, village=rows[2], year=YEAR, level=PilotLevel.PROVINCIAL_KEY, status=PilotStatus.APPROVED
    )
    PilotAssignmentFactory(program=program, village=rows[3], year=YEAR, status=PilotStatus.PROPOSED)
    PilotAssignmentFactory(program=program, village=village_b, year=YEAR, status=PilotStatus.APPROVED)
    return rows


def _display(page, selector):
    return page.locator(selector).first.evaluate("element => getComputedStyle(element).display")


def _phone_page(new_context, user):
    page = new_context(viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2).new_page()
    sign_in(page, user)
    return page


def test_phone_village_list_fits_the_screen_and_the_menu_opens(new_context, villages, program, township_a_official):
    page = _phone_page(new_context, township_a_official)
    page.goto("/villages/")
    expect(page.locator("table tbody tr")).to_have_count(9)
    assert page.evaluate(NO_HORIZONTAL_OVERFLOW), page.evaluate("document.documentElement.scrollWidth")
    save_screenshot(page, "phone-village-list.png")
    # Each row is a card: the column headers are hidden and every cell carries its label.
    expect(page.locator("table thead")).to_be_hidden()
    first_cell = page.locator("table tbody tr").first.locator("td").first
    assert first_cell.evaluate("td => getComputedStyle(td, '::before').content") == '"乡镇"'

    nav = page.get_by_role("navigation", name="主菜单")
    toggle = page.get_by_role("button", name="☰ 菜单")
    expect(toggle).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(nav).to_be_hidden()
    toggle.click()
    expect(nav).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    nav.get_by_text("村庄与试点", exact=True).click()
    for name in ("首页", "乡镇", "村", "试点村台账", "试点比例达标", "村年度指标"):
        link = nav.get_by_role("link", name=name, exact=True)
        expect(link).to_be_visible()
        assert link.bounding_box()["height"] >= MIN_TOUCH_PX, name
    assert page.evaluate(NO_HORIZONTAL_OVERFLOW)
    save_screenshot(page, "phone-menu-open.png")
    nav.get_by_role("link", name="试点村台账").click()
    expect(page).to_have_title("试点村台账 · 试点工作管理系统")
    expect(nav).to_be_hidden()

    # The other pages a township official opens on the road fit the screen as well; wide
    # tables scroll inside their own box, not the page.
    for path in (
        villages[2].get_absolute_url(),
        "/villages/pilots/",
        "/villages/townships/",
        "/villages/indicators/",
        f"/villages/quota/?program={program.code}&year={YEAR}",
    ):
        page.goto(path)
        assert page.evaluate(NO_HORIZONTAL_OVERFLOW), (path, page.evaluate("document.documentElement.scrollWidth"))
    page.goto("/villages/pilots/")

    # Without a pointer: the menu switch takes keyboard focus (after the skip link and the brand)
    # and opens with the space bar.
    for _ in range(3):
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "nav-toggle"
    page.keyboard.press("Space")
    expect(nav).to_be_visible()


def test_phone_indicator_form_fits_the_screen_with_thumb_sized_inputs(new_context, villages, township_a_official):
    page = _phone_page(new_context, township_a_official)
    page.goto(f"/villages/{villages[0].pk}/indicators/{timezone.localdate().year}/")
    form = page.locator("#indicator-form")
    expect(form).to_be_visible()
    assert page.evaluate(NO_HORIZONTAL_OVERFLOW), page.evaluate("document.documentElement.scrollWidth")

    fields = form.locator("input:not([type=hidden]):not([type=checkbox]), select, textarea")
    assert fields.count() == len(INDICATOR_FIELDS) - len(BOOLEAN_FIELDS)
    for index in range(fields.count()):
        box = fields.nth(index).bounding_box()
        name = fields.nth(index).get_attribute("name")
        assert box["height"] >= MIN_TOUCH_PX, (name, box)
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], (name, box)
    # A checkbox is small, but its whole row (box and label) toggles it.
    checkbox_rows = form.locator(".field.checkbox")
    assert checkbox_rows.count() == len(BOOLEAN_FIELDS)
    for index in range(checkbox_rows.count()):
        assert checkbox_rows.nth(index).bounding_box()["height"] >= MIN_TOUCH_PX
    first_row = checkbox_rows.first
    first_row.locator("label").click()
    expect(first_row.get_by_role("checkbox")).to_be_checked()
    for button in form.locator("button, a.button").all():
        assert button.bounding_box()["height"] >= MIN_TOUCH_PX, button.inner_text()
    save_screenshot(page, "phone-indicator-form.png", full_page=True)


def test_phone_pages_of_the_pilot_year_fit_the_screen(
    new_context, program, village_a, township_a, township_a_official, county_admin
):
    """Issue 13's pages on a phone: the township's nominations and checklist, the county's queue,
    standards table, acceptance page and indicator years; no page scrolls sideways."""
    year = 2020
    ensure_standards(program)
    pilot = PilotAssignmentFactory(program=program, village=village_a, year=year)
    waiting = VillageFactory(township=township_a, name="长岭岗移民安置点社区")
    PilotNominationFactory(
        program=program, village=waiting, year=year, reason="集中移居点，新建安置房120户，急需完善公共服务设施。" * 3
    )
    query = f"program={program.code}&year={year}"

    page = _phone_page(new_context, township_a_official)
    # The account links stay on one line each (not 我的账/户).
    for link in ("#inbox-link", "#account-link"):
        assert page.locator(link).evaluate("a => a.getClientRects().length") == 1, link
    for path in ("/villages/nominations/", f"/villages/nominations/new/?year={year}"):
        page.goto(path)
        assert page.evaluate(NO_HORIZONTAL_OVERFLOW), (path, page.evaluate("document.documentElement.scrollWidth"))
    page.goto("/villages/nominations/")
    expect(page.locator("select[name=state] option").first).to_have_text("全部")
    # A card's label keeps its width beside a long value.
    label = page.locator("#nomination-table tbody td").first
    assert label.evaluate("td => getComputedStyle(td, '::before').flexShrink") == "0"
    page.goto(f"/villages/{village_a.pk}/standards/?{query}")
    expect(page.locator("#checklist tbody tr")).to_have_count(9)
    assert page.evaluate(NO_HORIZONTAL_OVERFLOW), page.evaluate("document.documentElement.scrollWidth")

    county = _phone_page(new_context, county_admin)
    for path in (
        f"/villages/nominations/queue/?year={year}",
        f"/villages/standards/?{query}",
        f"/villages/quota/?{query}",
        f"/?{query}",
        "/villages/indicator-years/",
        f"/assessments/pilots/{pilot.pk}/accept/",
    ):
        county.goto(path)
        assert county.evaluate(NO_HORIZONTAL_OVERFLOW), (path, county.evaluate("document.documentElement.scrollWidth"))
    # Not inspected, nothing reported: the page says so and shows the way, one failing standard a line.
    expect(county.locator("#condition-grade")).to_contain_text("尚未检查")
    expect(county.locator("#schedule-link")).to_have_attribute("href", "/assessments/schedule/")
    # The eight standards binding on every pilot (R-C2's 50% target is judged county-wide only).
    expect(county.locator("#condition-standards")).to_contain_text("8 项未达标或未填报")
    expect(county.locator("#condition-standards .reason-list li")).to_have_count(8)
    expect(county.locator("#checklist-link")).to_have_attribute(
        "href",
        f"/villages/{village_a.pk}/standards/?{query}",  # the program's last year, judged for lack of an inspection
    )
    save_screenshot(county, "phone-acceptance.png", full_page=True)
    county.goto("/villages/indicator-years/")
    county.locator("#indicator-list-link").click()
    expect(county).to_have_title("村年度指标 · 试点工作管理系统")


def test_quota_report_prints_without_menu_and_filters(new_context, villages, program, county_admin):
    page = new_context(viewport={"width": 1280, "height": 900}).new_page()
    sign_in(page, county_admin)
    page.goto(f"/villages/quota/?program={program.code}&year={YEAR}")
    expect(page.locator('#quota-table tr[data-township="水布垭镇"]')).to_be_visible()
    save_screenshot(page, "quota-report.png", full_page=True)
    assert _display(page, ".site-header") != "none"
    assert _display(page, "form.filters") != "none"

    page.emulate_media(media="print")
    assert _display(page, ".site-header") == "none"
    assert _display(page, ".site-footer") == "none"
    for form in page.locator("main form").all():
        assert form.evaluate("f => getComputedStyle(f).display") == "none"
    assert _display(page, ".page-head .actions") == "none"
    assert _display(page, "#quota-table") == "table"
    assert _display(page, "#county-summary") != "none"
    expect(page.locator('#quota-table tr[data-township="水布垭镇"]')).to_be_visible()
    expect(page.locator("#quota-table tr.total")).to_be_visible()
    save_screenshot(page, "quota-report-print.png", full_page=True)
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF")


def test_pages_load_nothing_from_outside_the_server_and_speak_chinese(
    new_context, live_server, settings, villages, program, county_admin
):
    """Served under an intranet host name, as in a county office: every request the pages
    make, scripts and images of the API docs included, goes back to that server."""
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, INTRANET_HOST]
    origin = f"http://{INTRANET_HOST}:{urlsplit(live_server.url).port}"
    context = new_context(base_url=origin)
    requested = []
    context.on("request", lambda request: requested.append(request.url))
    # Nothing may leave the test machine even if a page tries.
    context.route(
        re.compile(r"^https?://"),
        lambda route: route.continue_() if route.request.url.startswith(origin + "/") else route.abort(),
    )
    page = context.new_page()

    page.goto("/login/", wait_until="networkidle")
    titles = {"/login/": page.title()}
    langs = {"/login/": page.evaluate("document.documentElement.lang")}
    sign_in(page, county_admin)
    tour = [
        "/",
        "/villages/",
        villages[2].get_absolute_url(),
        f"/villages/quota/?program={program.code}&year={YEAR}",
        "/villages/pilots/",
        "/villages/999999/",
    ]
    for path in tour:
        page.goto(path, wait_until="networkidle")
        titles[path] = page.title()
        langs[path] = page.evaluate("document.documentElement.lang")
    page.goto("/api/v1/docs/", wait_until="networkidle")
    expect(page.locator(".swagger-ui .info .title")).to_be_visible()
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible()

    assert requested, "the tour made no requests at all"
    assert any(url.endswith(".css") for url in requested)
    outside = [url for url in requested if not url.startswith(origin + "/") and not url.startswith("data:")]
    assert outside == []
    assert langs == dict.fromkeys(titles, "zh-Hans")
    for path, title in titles.items():
        assert CHINESE.match(title), (path, title)
        assert title.endswith(" · 试点工作管理系统"), (path, title)
    assert titles["/villages/999999/"].startswith("未找到")


def test_phone_standards_table_keeps_the_villages_collapsed_and_prints_them_all(
    new_context, program, township_a, township_b, county_admin
):
    """Each pilot would be a card on a phone, so with a county's pilots the page ran to ~30,000
    px: the per-village lists sit collapsed under one line per township, and open for print."""
    ensure_standards(program)
    for n in range(24):
        village = VillageFactory(township=township_a if n % 2 else township_b, name=f"长岭岗{n}号移民安置点社区")
        PilotAssignmentFactory(program=program, village=village, year=YEAR, status=PilotStatus.APPROVED)
    page = _phone_page(new_context, county_admin)
    page.goto(f"/villages/standards/?program={program.code}&year={YEAR}")
    groups = page.locator("#village-checklists details.village-group")
    expect(groups).to_have_count(2)
    expect(groups.first.locator("summary")).to_contain_text("12 个试点村")
    expect(page.locator('#village-checklists tr[data-village="长岭岗1号移民安置点社区"]')).to_be_hidden()
    height = page.evaluate("document.documentElement.scrollHeight")
    # The county and township tables alone are a few screens; 24 village cards added ~10,000 px.
    assert height < 6000, height
    assert page.evaluate(NO_HORIZONTAL_OVERFLOW)
    save_screenshot(page, "phone-standards-table.png", full_page=True)

    # Printing (app.js's beforeprint handler) opens every township's list, and closes them after.
    page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
    expect(page.locator("#village-checklists tr[data-village]")).to_have_count(24)
    for index in range(24):
        expect(page.locator("#village-checklists tr[data-village]").nth(index)).to_be_visible()
    page.evaluate("window.dispatchEvent(new Event('afterprint'))")
    expect(page.locator('#village-checklists tr[data-village="长岭岗1号移民安置点社区"]')).to_be_hidden()
