"""Nominations in a real browser: a township official nominates two villages, the county office
returns one and approves the other from its queue, the township sees both states, and the pilot
ledger and the quota report count the approved one."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in
from tests.e2e.helpers import open_menu_link
from tests.factories import VillageFactory
from villages.choices import NominationState, PilotStatus, ProvincialStatus
from villages.models import PilotNomination

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("transactional_db")]

YEAR = 2020


def test_township_nominates_county_returns_one_and_approves_the_other(
    new_context, program, township_a, village_a, township_a_official, county_admin
):
    other = VillageFactory(township=township_a, name="茶园村")
    page = new_context().new_page()
    sign_in(page, township_a_official)

    open_menu_link(page, "试点申报")
    page.get_by_role("link", name="申报试点村").click()
    page.select_option("select[name=year]", str(YEAR))
    page.get_by_role("button", name="切换").click()
    expect(page.locator("#selection-guidance")).to_contain_text("条件成熟的村")
    form = page.locator("#nomination-form")
    # The village's name ticks its row (a <label for>), as officials on a phone tap it.
    form.get_by_text("茶园村", exact=True).click()
    expect(form.locator(f"input[name=v{other.pk}_selected]")).to_be_checked()
    for village in (village_a, other):
        form.locator(f"input[name=v{village.pk}_selected]").check()
        form.locator(f"select[name=v{village.pk}_guidance]").select_option("population_outflow")
    form.locator(f"input[name=v{village_a.pk}_reason]").fill("集体经济收入稳定，班子团结")
    form.get_by_role("checkbox", name=f"{village_a.name}申请省级重点支持").check()
    form.get_by_label("统一申报理由").fill("村容整洁")
    form.get_by_role("button", name="提交申报").click()
    expect(page.locator(".messages")).to_contain_text("已申报 2 个村")
    expect(page.locator("#nomination-table tbody tr")).to_have_count(2)

    county = new_context().new_page()
    sign_in(county, county_admin)
    open_menu_link(county, "申报审核", exact=False)
    county.select_option("select[name=year]", str(YEAR))
    county.get_by_role("button", name="查看").click()
    section = county.locator('section[data-township="水布垭镇"]')
    expect(section.locator(".standing")).to_contain_text("待审核 2 个")
    # Return 茶园村 from its own page, with the reason …
    section.get_by_role("link", name="茶园村").click()
    county.get_by_label("退回原因").fill("请补充服务站面积")
    county.get_by_role("button", name="退回").click()
    expect(county.locator("#nomination-state")).to_have_text("已退回")
    # … and approve 水布垭村 in the queue.
    county.goto(county.url.split("/villages/")[0] + f"/villages/nominations/queue/?year={YEAR}")
    county.get_by_role("checkbox", name="选择水布垭村").check()
    county.get_by_role("button", name="批准所选").click()
    expect(county.locator(".messages")).to_contain_text("已批准 1 个村")
    expect(county.locator("#queue-empty")).to_be_visible()

    approved = PilotNomination.objects.get(village=village_a)
    assert approved.state == NominationState.APPROVED
    assert (approved.assignment.status, approved.assignment.provincial_status) == (
        PilotStatus.APPROVED,
        ProvincialStatus.APPLIED,
    )
    county.goto(county.url.split("/villages/")[0] + f"/villages/quota/?year={YEAR}")
    expect(county.locator('[data-figure="province_applied"]')).to_have_text("1")

    page.reload()
    table = page.locator("#nomination-table")
    expect(table.locator('tr[data-village="水布垭村"]')).to_contain_text("已批准")
    expect(table.locator('tr[data-village="茶园村"]')).to_contain_text("请补充服务站面积")
