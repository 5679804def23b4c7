"""Accessibility a tour of the menu cannot show (the tour runs axe on every menu page,
tests/e2e/test_navigation_overflow.py): the township report form driven by the keyboard alone,
the quota table scrolled by the keyboard on a phone, and the charts' contrast."""

import re

import pytest
from playwright.sync_api import expect

from tasks.choices import ReportStatus
from tasks.models import ProgressReport
from tests.e2e.axe import axe_results
from tests.e2e.conftest import save_screenshot, sign_in
from tests.e2e.helpers import township_task_due_in_ten_days

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("transactional_db")]

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 812}
# The most Tab presses from the top of the page (after the skip link) to the form's first field:
# past the task's link line only, not the menu's dozens of entries.
TABS_TO_FIRST_FIELD = 3

FOCUSED = """() => {
  const el = document.activeElement;
  return {tag: el.tagName.toLowerCase(), id: el.id, name: el.getAttribute('name'), value: el.value || '',
          text: (el.textContent || '').trim().slice(0, 60), summary: el.hasAttribute('data-error-summary'),
          top: el.getBoundingClientRect().top, height: el.getBoundingClientRect().height};
}"""


@pytest.fixture
def task(county_admin, program, department, township_a):
    return township_task_due_in_ten_days(
        county_admin=county_admin, program=program, department=department, township_a=township_a
    )


def _focused(page) -> dict:
    return page.evaluate(FOCUSED)


def _tab_until(page, matches, *, limit: int, key: str = "Tab") -> int:
    """Press `key` until the focused element `matches`; the number of presses it took."""
    for count in range(1, limit + 1):
        page.keyboard.press(key)
        if matches(_focused(page)):
            return count
    raise AssertionError(f"{key} ×{limit} never reached it; focus is on {_focused(page)}")


def test_township_report_form_by_keyboard_alone(new_context, task, township_a_official):
    period = task.periods.get()
    page = new_context(viewport=DESKTOP).new_page()
    sign_in(page, township_a_official)
    page.goto(f"/tasks/periods/{period.pk}/report/")
    expect(page.locator("#report-form")).to_be_visible()

    # The first Tab shows the skip link, on screen; Enter goes past the menu to the content.
    page.keyboard.press("Tab")
    skip = _focused(page)
    assert (skip["tag"], skip["text"]) == ("a", "跳到正文"), skip
    assert skip["top"] >= 0 and skip["height"] > 0, skip
    save_screenshot(page, "a11y-skip-link.png")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile("#main$"))
    tabs = _tab_until(page, lambda el: el["id"] == "id_text", limit=10)
    assert tabs <= TABS_TO_FIRST_FIELD, tabs

    # 进展情况 left empty: Tab on to 提交 (Shift+Tab steps back to 附件 and Tab forth again), Enter.
    _tab_until(page, lambda el: el["tag"] == "button" and el["value"] == "submit", limit=10)
    page.keyboard.press("Shift+Tab")
    assert _focused(page)["name"] == "attachments"
    page.keyboard.press("Tab")
    assert _focused(page)["value"] == "submit"
    page.keyboard.press("Enter")

    # Refused: the page opens with the focus on the error summary, which links to the field.
    page.wait_for_load_state()
    expect(page.locator("[data-error-summary]")).to_be_focused()
    summary = _focused(page)
    assert summary["summary"] and summary["text"].startswith("提交未成功，请修改以下 1 处："), summary
    expect(page.locator("#id_text")).to_have_attribute("aria-describedby", re.compile(r"\bid_text_error\b"))
    expect(page.locator("#id_text_error")).to_have_text("请填写进展情况或上传附件后再提交（只填完成进度不能提交）。")
    save_screenshot(page, "a11y-report-error-summary.png")
    assert not ProgressReport.objects.filter(period=period).exists()

    page.keyboard.press("Tab")
    assert _focused(page)["text"] == "进展情况"
    page.keyboard.press("Enter")
    assert _focused(page)["id"] == "id_text"
    page.keyboard.type("已召开动员会，12个村建立了服务站台账。")
    page.keyboard.press("Tab")
    assert _focused(page)["id"] == "id_percent_complete"
    page.keyboard.press("Control+A")
    page.keyboard.type("60")
    _tab_until(page, lambda el: el["tag"] == "button" and el["value"] == "submit", limit=10)
    page.keyboard.press("Enter")

    expect(page.locator(".messages")).to_contain_text("报告已提交，等待县领导小组办公室审核。")
    report = ProgressReport.objects.get(period=period)
    assert (report.status, report.text, report.percent_complete) == (
        ReportStatus.SUBMITTED,
        "已召开动员会，12个村建立了服务站台账。",
        60,
    )


def test_quota_table_scrolls_by_keyboard_on_a_phone_and_axe_would_notice_otherwise(
    new_context, county_admin, program, village_a, village_b
):
    page = new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    sign_in(page, county_admin)
    page.goto("/villages/quota/")
    box = page.get_by_role("region", name="各乡镇试点比例")
    expect(box).to_have_attribute("tabindex", "0")
    assert box.evaluate("el => el.scrollWidth > el.clientWidth")

    # Focused, the arrow keys scroll it sideways.
    box.focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.wait_for_function("() => document.querySelector('#quota-table').parentElement.scrollLeft > 0")
    assert axe_results(page, rules=("scrollable-region-focusable",))["violations"] == []

    # The same box without its tab stop is what axe reported before (so the tour's check bites).
    box.evaluate("el => el.removeAttribute('tabindex')")
    violations = axe_results(page, rules=("scrollable-region-focusable",))["violations"]
    assert len(violations) == 1 and violations[0].startswith("scrollable-region-focusable (serious"), violations


def test_a_table_that_fits_is_no_tab_stop_and_becomes_one_when_the_window_narrows(
    new_context, county_admin, program, village_a, village_b
):
    page = new_context(viewport=DESKTOP).new_page()
    sign_in(page, county_admin)
    page.goto("/villages/quota/")
    box = page.get_by_role("region", name="各乡镇试点比例")
    # static/js/app.js drops the tab stop of a box whose table fits ...
    expect(box).not_to_have_attribute("tabindex", re.compile(".*"))
    # ... and gives it back when the table no longer fits.
    page.set_viewport_size(PHONE)
    expect(box).to_have_attribute("tabindex", "0")


# Each chart's text and bars against the background they are drawn on.
CHART_CONTRAST = """() => {
  const rgb = s => (s.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const f = c => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
  const background = el => {
    for (let node = el; node; node = node.parentElement) {
      const colour = rgb(getComputedStyle(node).backgroundColor);
      if (colour.length < 4 || colour[3] > 0) return colour;
    }
    return [255, 255, 255];
  };
  return [...document.querySelectorAll('svg.chart text, svg.chart rect.bar')].map(el => [
    el.tagName.toLowerCase(), (el.textContent || el.getAttribute('class')).trim(),
    Math.round(ratio(rgb(getComputedStyle(el).fill), background(el.closest('svg'))) * 100) / 100,
  ]);
}"""


def test_charts_text_bars_and_data_tables_have_enough_contrast(
    new_context, county_admin, program, village_a, village_b
):
    page = new_context(viewport=DESKTOP).new_page()
    sign_in(page, county_admin)
    checked = 0
    for path in ("/", "/villages/quota/"):
        page.goto(path)
        page.emulate_media(media="screen")
        shapes = page.evaluate(CHART_CONTRAST)
        assert any(kind == "text" for kind, _, _ in shapes), path
        # Text of the charts (12 px) at WCAG AA's 4.5:1; the bars, graphics, at 3:1 (1.4.11).
        low = [(kind, what, ratio) for kind, what, ratio in shapes if ratio < (4.5 if kind == "text" else 3)]
        assert low == [], (path, low)
        # The charts' data tables (shown in print, or beside the chart on the dashboard): axe's
        # colour contrast over the page as printed (the tour checks it as shown on screen).
        page.emulate_media(media="print")
        result = axe_results(page, rules=("color-contrast",))
        assert result["violations"] == [], (path, result["violations"])
        assert result["passed"] > 0, path
        checked += len(shapes) + result["passed"]
    assert checked > 10, checked
