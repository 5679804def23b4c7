"""In a real browser: the civil-affairs bureau's account, whose department has the guardianship
remit, opens 特困人员 from the menu and reads the register (masked); the inspector's home lists
the sheet waiting to be scored and leads to its form; the score-sheet print view fits a phone's
width on screen and fills an A4 landscape page on paper."""

import datetime
import re
import subprocess  # nosec B404

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from guardianship.rules import mask_id_number
from pilot_admin.choices import Role
from tests.e2e.conftest import PHONE, save_screenshot, sign_in
from tests.e2e.helpers import open_menu_link
from tests.factories import PersonFactory, UserFactory, id_number, scheduled_inspection
from villages.choices import RemitModule

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("transactional_db")]

DESKTOP = {"width": 1366, "height": 900}
NUMBER = id_number(datetime.date(1948, 5, 6), 317)


def test_civil_affairs_bureau_opens_the_guardianship_register(new_context, department, village_a):
    department.remit = [RemitModule.GUARDIANSHIP]
    department.save()
    bureau = UserFactory(
        username="dept_civil_affairs", role=Role.DEPARTMENT, department=department, county=department.county
    )
    PersonFactory(village=village_a, name="向大娘", id_number=NUMBER, birth_date=datetime.date(1948, 5, 6))

    page = new_context(viewport=DESKTOP).new_page()
    sign_in(page, bureau)
    open_menu_link(page, "特困人员")
    expect(page.get_by_role("heading", name="特困人员名册")).to_be_visible()
    row = page.locator("#register tbody tr", has_text="向大娘")
    expect(row.locator('td[data-label="公民身份号码"]')).to_have_text(mask_id_number(NUMBER))
    expect(row.locator('td[data-label="乡镇"]')).to_have_text("水布垭镇")
    # Read-only: nothing to register or change.
    expect(page.get_by_role("link", name="登记人员")).to_have_count(0)
    row.get_by_role("link", name="向大娘").click()
    expect(page.locator("body")).not_to_contain_text(NUMBER)
    page.goto(reverse("guardianship:overview"))
    expect(page.locator("body")).to_contain_text("水布垭镇")
    save_screenshot(page, "bureau-guardianship-overview.png", full_page=True)


def test_inspector_home_shows_the_waiting_inspection_and_leads_to_its_form(
    new_context, county_admin, program, village_a, inspector
):
    inspection = scheduled_inspection(actor=county_admin, program=program, village=village_a, inspectors=[inspector])
    page = new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    sign_in(page, inspector)
    waiting = page.locator("#sheets-to-score tbody tr", has_text="水布垭村")
    expect(waiting).to_have_count(1)
    expect(waiting.locator('td[data-label="已评项目"]')).to_have_text("0/4")
    save_screenshot(page, "phone-inspector-home.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    waiting.get_by_role("link", name="评分").click()
    expect(page).to_have_url(re.compile(re.escape(reverse("assessments:inspection_score", args=[inspection.pk])) + "$"))
    expect(page.locator("#score-form")).to_be_visible()


def test_score_sheet_print_view_fits_a_phone_and_fills_an_a4_page(
    new_context, county_admin, program, village_a, inspector, tmp_path
):
    inspection = scheduled_inspection(actor=county_admin, program=program, village=village_a, inspectors=[inspector])
    url = reverse("assessments:sheet_print", args=[inspection.pk])

    phone = new_context(viewport={"width": 375, "height": 800}, is_mobile=True).new_page()
    sign_in(phone, inspector)
    phone.goto(url)
    expect(phone.locator("#score-sheet")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375

    desk = new_context(viewport=DESKTOP).new_page()
    sign_in(desk, inspector)
    desk.goto(url)
    # On paper the page box is A4 landscape (297 × 210 mm) …
    pdf = tmp_path / "sheet.pdf"
    desk.pdf(path=str(pdf), prefer_css_page_size=True, print_background=True)
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=False).stdout  # nosec B603 B607
    width, height = map(float, re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info).groups())
    assert (round(width), round(height)) == (842, 595), info
    # … and the sheet spans its printable width (29.7 cm less 2 × 1.2 cm = 27.3 cm ≈ 1032 px).
    desk.emulate_media(media="print")
    desk.set_viewport_size({"width": 1032, "height": 780})
    box = desk.locator("#score-sheet").bounding_box()
    assert box["width"] >= 1030, box
    reason = desk.locator("#score-sheet col.col-reason")
    assert reason.evaluate("el => el.getBoundingClientRect().width") > 300
