"""Every page of every role's menu, at a county office's 1280 px and a township official's 375 px:
the document never scrolls sideways (wide tables scroll inside their own box), no header label
breaks a character a line (消/息, 我的账/户, 退/出), and axe-core finds no WCAG 2.1 A/AA violation
(tests/e2e/axe.py). Screenshots land in var/screenshots/."""

import datetime
import re
from pathlib import Path

import pytest
from django.test import RequestFactory
from django.utils import timezone
from playwright.sync_api import expect

from home.navigation import menu_for
from pilot_admin.models import Notification
from tasks import services as task_services
from tasks.choices import CadenceKind
from tests.e2e.axe import axe_violations
from tests.e2e.conftest import sign_in
from tests.factories import (
    PersonFactory,
    PilotAssignmentFactory,
    VillageFactory,
    scheduled_inspection,
)
from villages.choices import PilotStatus

pytestmark = [pytest.mark.e2e, pytest.mark.embedded_run, pytest.mark.usefixtures("transactional_db")]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 812}
YEAR = 2019

# The document's width against the viewport's (a table scrolling in its .table-wrap is fine).
OVERFLOW = """() => {
  const root = document.documentElement;
  if (root.scrollWidth <= root.clientWidth) return null;
  const wide = [...document.querySelectorAll('body *')]
    .filter(el => el.getBoundingClientRect().right > root.clientWidth + 1 && !el.closest('.table-wrap'))
    .slice(0, 3).map(el => el.tagName + '.' + el.className + ' ' + (el.textContent || '').trim().slice(0, 30));
  return {scrollWidth: root.scrollWidth, clientWidth: root.clientWidth, wide};
}"""
# The visible labels of the header, each with the number of lines its text runs to.
HEADER_LINES = """() => [...document.querySelectorAll(
    '.site-header .brand, .site-header summary, .site-header a, .site-header button, .site-header .user-name')]
  .filter(el => el.getClientRects().length && getComputedStyle(el).visibility !== 'hidden')
  .map(el => {
    const range = document.createRange();
    const tops = new Set();
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
      if (!walker.currentNode.textContent.trim()) continue;
      range.selectNodeContents(walker.currentNode);
      for (const rect of range.getClientRects()) if (rect.width) tops.add(Math.round(rect.top / 4));
    }
    return [el.textContent.trim().replace(/\\s+/g, ' '), tops.size];
  })"""
# A label stacked a character a line: more lines than its length allows on a phone.
STACKED = """(selector) => [...document.querySelectorAll(selector)].filter(el => el.getClientRects().length).map(el => {
  const text = el.textContent.trim();
  const lineHeight = parseFloat(getComputedStyle(el).lineHeight) || 20;
  return [text, Math.round(el.getBoundingClientRect().height / lineHeight), el.getBoundingClientRect().width];
})"""


@pytest.fixture
def working_county(county_admin, program, department, township_a, township_b, village_a, village_b, inspector):
    """A county as the demo has it, in small: long village names, pilots, a task owed by two
    townships and a department, an inspection to score, persons in care, a full inbox."""
    for n in range(1, 7):
        village = VillageFactory(
            township=township_a if n % 2 else township_b,
            name=f"水布垭镇长岭岗{n}号移民安置点社区",
            code=f"{(township_a if n % 2 else township_b).code}{220 + n:03d}",
        )
        PilotAssignmentFactory(program=program, village=village, year=2017, status=PilotStatus.APPROVED)
        PersonFactory(village=village, name=f"向大爷{n}", address=f"{village.name}五组")
    today = timezone.localdate()
    task_services.task_create(
        actor=county_admin,
        program=program,
        code="BD-04-05",
        title="建立农村社区综合服务站工作台账并按月报送县领导小组办公室",
        text="各乡镇建立农村社区综合服务站工作台账，报县领导小组办公室。",
        start_date=today - datetime.timedelta(days=30),
        deadline=today + datetime.timedelta(days=5),
        lead=[department],
        townships=[township_a, township_b],
        cadence_kind=CadenceKind.ONCE,
    )
    scheduled_inspection(actor=county_admin, program=program, village=village_a, inspectors=[inspector], year=YEAR)
    return program


def _inbox(user):
    for n in range(3):
        Notification.objects.create(
            user=user,
            source=f"test:{n}",
            title=f"报送提醒：BD-04-05 建立农村社区综合服务站工作台账（第{n + 1}期）将于 5 天后到期",
            body="请在截止日前提交进展情况、附件和主要负责人签字；逾期未报送的将在全县通报。",
            link="/tasks/mine/",
        )


def _menu_paths(user) -> list[str]:
    """The pages of the user's own menu, from the same data the header is drawn from."""
    request = RequestFactory().get("/")
    request.user = user
    return ["/", *(item["url"] for group in menu_for(request) for item in group["items"])]


def _shot(page, role: str, width: int, path: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^\w]+", "_", path.strip("/")) or "home"
    page.screenshot(path=SCREENSHOTS / f"{role}-{width}-{name}.png", full_page=True)


def _check_page(page, role: str, width: int, path: str) -> list[str]:
    """The page's checks; returns its axe violations (the tour reports them all at the end)."""
    response = page.goto(path)
    assert response.ok, (role, path, response.status)
    expect(page.locator("main")).to_be_visible()
    assert page.evaluate(OVERFLOW) is None, (role, width, path, page.evaluate(OVERFLOW))
    broken = [(label, lines) for label, lines in page.evaluate(HEADER_LINES) if lines > 1]
    assert broken == [], (role, width, path, broken)
    _shot(page, role, width, path)
    return [f"{role} {width}px {path}: {violation}" for violation in axe_violations(page)]


ROLES = [
    "county_admin",
    "county_viewer",
    "township_a_official",
    "department_user",
    "inspector",
    "system_admin",
    "security_admin",
    "audit_admin",
]


@pytest.mark.parametrize("role", ROLES)
def test_every_page_of_the_menu_fits_1280_and_375_px_and_passes_axe(new_context, working_county, request, role):
    user = request.getfixturevalue(role)
    _inbox(user)
    paths = [*_menu_paths(user), "/inbox/", "/account/"]
    assert len(paths) > 3, paths

    violations, views = [], 0
    for viewport in (DESKTOP, PHONE):
        phone = viewport is PHONE
        page = new_context(viewport=viewport, is_mobile=phone, has_touch=phone, device_scale_factor=1).new_page()
        sign_in(page, user)
        for path in paths:
            violations += _check_page(page, role, viewport["width"], path)
            views += 1
    # The run's counts, printed at the end of the session (tests/e2e/conftest.py).
    request.node.user_properties.append(
        (
            "axe",
            {
                "role": role,
                "pages": len(paths),
                "widths": [DESKTOP["width"], PHONE["width"]],
                "views": views,
                "violations": len(violations),
            },
        )
    )
    assert violations == [], "\n".join(violations)


def test_phone_menu_opens_by_area_and_every_label_keeps_its_line(new_context, working_county, county_admin):
    page = new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    sign_in(page, county_admin)
    nav = page.get_by_role("navigation", name="主菜单")
    toggle = page.get_by_role("button", name="☰ 菜单")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(toggle).to_have_attribute("aria-controls", "main-nav")
    expect(nav).to_be_hidden()
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(nav).to_be_visible()
    # Six work areas, each a disclosure (summary) listing its pages when opened.
    summaries = nav.locator("summary")
    expect(summaries).to_have_text(["村庄与试点", "任务", "检查验收", "特困人员", "村务监督", "管理"])
    for index in range(summaries.count()):
        summaries.nth(index).click()
        details = nav.locator("details").nth(index)
        expect(details).to_have_attribute("open", "")
        # Opening one area closes the others.
        assert nav.locator("details[open]").count() == 1
        broken = [(label, lines) for label, lines in page.evaluate(HEADER_LINES) if lines > 1]
        assert broken == [], broken
        assert page.evaluate(OVERFLOW) is None
        for link in details.get_by_role("link").all():
            assert link.bounding_box()["height"] >= 40, link.inner_text()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "county_admin-375-menu-open.png")
    nav.get_by_text("特困人员", exact=True).first.click()
    nav.get_by_role("link", name="走访台账").click()
    expect(page).to_have_title(re.compile("走访台账"))
    # The current page is marked for assistive technology as well as in bold.
    toggle.click()
    expect(nav.locator('a[aria-current="page"]')).to_have_text("走访台账")


def test_desktop_menu_is_one_line_of_areas_with_drop_downs(new_context, working_county, township_a_official):
    page = new_context(viewport=DESKTOP).new_page()
    sign_in(page, township_a_official)
    nav = page.get_by_role("navigation", name="主菜单")
    expect(page.get_by_role("button", name="☰ 菜单")).to_be_hidden()
    summaries = nav.locator("summary")
    # A township official's 管理 holds its imports only; the areas sit on one line.
    expect(summaries).to_have_text(["村庄与试点", "任务", "检查验收", "特困人员", "村务监督", "管理"])
    tops = {round(box["y"]) for box in (summaries.nth(i).bounding_box() for i in range(summaries.count()))}
    assert len(tops) == 1, tops
    nav.get_by_text("任务", exact=True).click()
    expect(nav.get_by_role("link", name="我的任务", exact=True)).to_be_visible()
    expect(nav.get_by_role("link", name="报告审核")).to_have_count(0)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "township_a_official-1280-menu-open.png")
    # Escape closes the drop-down; so does a click elsewhere.
    page.keyboard.press("Escape")
    expect(nav.get_by_role("link", name="我的任务", exact=True)).to_be_hidden()
    nav.get_by_text("任务", exact=True).click()
    page.locator("main").click(position={"x": 5, "y": 5})
    expect(nav.get_by_role("link", name="我的任务", exact=True)).to_be_hidden()


def test_phone_import_pages_and_inbox_read_as_lines_not_columns(new_context, working_county, county_admin):
    _inbox(county_admin)
    page = new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    sign_in(page, county_admin)

    # The list of imports: each description reads across the card (it stood a few characters
    # a line in three columns: the text, the line break and each note side by side).
    page.goto("/imports/")
    rows = page.locator("#import-kinds tbody tr")
    assert rows.count() >= 2
    for index in range(rows.count()):
        row = rows.nth(index).bounding_box()
        description = rows.nth(index).locator("td.stacked > div").bounding_box()
        assert description["width"] >= row["width"] * 0.8, (index, description, row)
    assert page.evaluate(OVERFLOW) is None
    _shot(page, "county_admin", 375, "imports")

    page.goto("/imports/villages/")
    expect(page.get_by_text("仅检查不写入", exact=True)).to_be_visible()
    for text, lines, width in page.evaluate(STACKED, ".field label"):
        assert lines == 1, (text, lines, width)
    assert page.evaluate(OVERFLOW) is None
    _shot(page, "county_admin", 375, "imports/villages")

    page.goto("/inbox/")
    card = page.locator("#notifications").bounding_box()
    titles = page.locator("#notifications tbody tr a")
    expect(titles).to_have_count(3)
    for index in range(3):
        # The title reads across the card, not down a narrow column beside its label.
        assert titles.nth(index).bounding_box()["width"] >= card["width"] * 0.6
    assert page.evaluate(OVERFLOW) is None
    _shot(page, "county_admin", 375, "inbox")
