"""A township official on a phone records a home visit: the register shows the dispersed person
as 未走访 this month, the official fills in the phone form (date already today, one check
switched off with the problem written down), and the register then shows 已走访 while the API's
visit coverage for the month goes up. Each step checks the page and the database."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from guardianship.models import Visit
from tests.e2e.conftest import PHONE, save_screenshot, sign_in
from tests.e2e.helpers import open_menu_link
from tests.factories import PersonFactory

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("transactional_db")]


def _menu(page, name):
    open_menu_link(page, name)


def _coverage(page, month):
    response = page.request.get(f"/api/v1/stats/guardianship/?month={month}")
    assert response.ok
    return response.json()


def test_township_official_records_a_visit_on_a_phone(new_context, township_a_official, village_a):
    person = PersonFactory(village=village_a, name="向大爷", address="水布垭村五组")
    PersonFactory(village=village_a, name="谭婆婆")
    month = timezone.localdate().strftime("%Y-%m")

    page = new_context(viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2).new_page()
    sign_in(page, township_a_official)
    before = _coverage(page, month)
    assert (before["dispersed_total"], before["dispersed_visited"]) == (2, 0)

    _menu(page, "特困人员")
    expect(page).to_have_title("特困人员名册 · 试点工作管理系统")
    row = page.locator(f'#register tr[data-person="{person.pk}"]')
    expect(row.locator('td[data-label="本月走访"]')).to_have_text("未走访")
    row.get_by_role("link", name="向大爷").click()

    expect(page.locator("h1")).to_contain_text("向大爷")
    page.get_by_role("link", name="登记走访").click()
    form = page.locator("#visit-form")
    expect(form.get_by_label("走访日期")).to_have_value(timezone.localdate().isoformat())
    heating = form.get_by_label("取暖设施到位")
    expect(heating).to_be_checked()
    # Thumb-sized: every switch row is at least 44 px tall on the phone. The form's own stylesheet
    # must have arrived before anything is measured (the DOM can be there first).
    page.wait_for_load_state("load")
    box = form.locator("label.check").first.bounding_box()
    assert box["height"] >= 44 and box["width"] <= PHONE["width"]
    heating.tap()
    expect(heating).not_to_be_checked()
    form.get_by_label("发现的问题").fill("火盆老旧，冬季取暖不足")
    form.get_by_label("处理和跟进").fill("已联系村委会送电暖器")
    save_screenshot(page, "guardianship-visit-form-phone.png", full_page=True)
    form.get_by_role("button", name="保存走访记录").tap()

    expect(page.locator(".messages")).to_contain_text("的走访")
    visit = Visit.objects.get(person=person)
    assert visit.visited_on == timezone.localdate() and visit.visitor == township_a_official
    assert not visit.heating_ok and visit.food_ok and visit.problems == "火盆老旧，冬季取暖不足"
    expect(page.locator("#visits")).to_contain_text("取暖设施到位")

    _menu(page, "特困人员")
    row = page.locator(f'#register tr[data-person="{person.pk}"]')
    expect(row.locator('td[data-label="本月走访"]')).to_have_text("已走访")
    after = _coverage(page, month)
    assert after["dispersed_visited"] == 1 and after["visit_coverage"] > before["visit_coverage"]
