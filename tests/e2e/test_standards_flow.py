"""Construction standards in a real browser: a township official fills a pilot's yearly
indicators (area short of 600 m², the six infrastructure items), the county office confirms
them, and the checklist, the township × standard table, the county dashboard and
/api/v1/stats/standards/ agree before and after confirmation; the confirmed record is locked."""

import pytest
from playwright.sync_api import expect

from demo.standards import ensure_standards
from tests.e2e.conftest import sign_in
from tests.e2e.helpers import fill_indicators, standards_api
from tests.factories import PilotAssignmentFactory
from villages.choices import IndicatorStatus
from villages.models import VillageIndicator
from villages.services_indicator_years import indicator_year_open

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("transactional_db")]

YEAR = 2020


def _api_cell(page, code, program):
    body = standards_api(page, program, YEAR)
    return next(cell for cell in body["county"]["standards"] if cell["code"] == code), body


def test_indicators_filled_confirmed_and_corrected_show_alike_everywhere(
    new_context, program, village_a, township_a_official, county_admin
):
    ensure_standards(program)
    # Since issue 13 a past year takes indicators only once the county has opened it.
    indicator_year_open(actor=county_admin, county=village_a.township.county, year=YEAR)
    PilotAssignmentFactory(program=program, village=village_a, year=2018)
    checklist_url = f"/villages/{village_a.pk}/standards/?program={program.code}&year={YEAR}"

    township = new_context().new_page()
    sign_in(township, township_a_official)
    township.goto(f"/villages/{village_a.pk}/indicators/{YEAR}/")
    # The form asks by the plan's goals, the R-B3 items among the facilities.
    expect(township.locator("#indicator-form legend")).to_contain_text(["（二）服务设施：基础设施"])
    fill_indicators(township, "450")
    assert VillageIndicator.objects.get(village=village_a, year=YEAR).status == IndicatorStatus.SUBMITTED

    # Submitted, not yet confirmed: not reported everywhere, the checklist says it waits.
    township.goto(checklist_url)
    expect(township.locator('#checklist tr[data-standard="R-B1"]')).to_have_attribute("data-status", "not_reported")
    expect(township.locator("#checklist-pending")).to_contain_text("已提交")
    cell, _ = _api_cell(township, "R-B1", program)
    assert (cell["reported"], cell["met"]) == (0, 0)

    county = new_context().new_page()
    sign_in(county, county_admin)
    indicator = VillageIndicator.objects.get(village=village_a, year=YEAR)
    county.goto(indicator.get_absolute_url())
    county.get_by_role("button", name="确认").click()
    expect(county.locator(".messages")).to_contain_text("已确认")

    # Confirmed: R-B1 fails at 450 m² (in principle 600), everything else met.
    township.goto(checklist_url)
    row = township.locator('#checklist tr[data-standard="R-B1"]')
    expect(row).to_have_attribute("data-status", "not_met")
    expect(row).to_contain_text("450平方米")
    expect(row).to_contain_text("原则上")
    expect(township.locator('#checklist tr[data-status="met"]')).to_have_count(8)
    cell, body = _api_cell(township, "R-B1", program)
    assert (cell["applicable"], cell["met"], cell["verdict"]) == (1, 0, "not_met")
    assert body["villages"][0]["all_met"] is False

    county.goto(f"/?program={program.code}&year={YEAR}")
    dashboard_row = county.locator('#dashboard-standards tr[data-standard="R-B1"]')
    expect(dashboard_row).to_have_attribute("data-verdict", "not_met")
    expect(dashboard_row).to_contain_text("0 / 1")
    county.goto(f"/villages/standards/?program={program.code}&year={YEAR}")
    expect(county.locator('#township-standards tr[data-township="水布垭镇"] td[data-standard="R-B1"]')).to_contain_text(
        "未达标"
    )

    # The confirmed record the figures rest on is locked: a township cannot change them afterwards.
    assert township.goto(f"/villages/{village_a.pk}/indicators/{YEAR}/").status == 200
    fill_indicators(township, "620")
    expect(township.locator(".form-errors, .messages")).to_contain_text("已确认，不能再修改")
