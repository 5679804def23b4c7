"""The villages workflow in a real browser: a township official sees only their township and
submits a village's yearly indicators, the county office confirms them, then approves pilots
until the township meets its yearly quota. Each step checks the page and the database."""

from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in
from tests.e2e.helpers import open_menu_link
from tests.factories import PilotAssignmentFactory, VillageFactory
from villages.choices import IndicatorStatus, PilotLevel, PilotStatus
from villages.models import PilotAssignment, VillageIndicator
from villages.selectors import required_count

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("transactional_db")]

YEAR = 2017
TOWNSHIP_A_VILLAGES = 21


@pytest.fixture
def township_a_villages(township_a, village_a):
    """水布垭镇 with 21 administrative villages (水布垭村 and 20 more)."""
    others = [VillageFactory(township=township_a, name=f"水布垭{n:02d}组村") for n in range(1, TOWNSHIP_A_VILLAGES)]
    return [village_a, *others]


@pytest.fixture
def township_b_villages(township_b, village_b):
    others = [VillageFactory(township=township_b, name=f"东瀼口{n:02d}组村") for n in range(1, 8)]
    return [village_b, *others]


def _row(page, township_name):
    return page.locator(f'#quota-table tr[data-township="{township_name}"]')


def _cells(row):
    return [text.strip() for text in row.locator("td").all_inner_texts()]


def test_township_official_submits_indicators_and_county_office_confirms(
    new_context, township_a_villages, township_b_villages, township_a_official, county_admin
):
    village = township_a_villages[0]
    year = timezone.localdate().year
    page = new_context().new_page()
    sign_in(page, township_a_official)

    # The village list holds the official's township only.
    open_menu_link(page, "村")
    expect(page).to_have_title("村 · 试点工作管理系统")
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(len(township_a_villages))
    table_text = page.locator("table").inner_text()
    for own in township_a_villages:
        assert own.name in table_text
    for other in township_b_villages:
        assert other.name not in table_text
    assert "东瀼口镇" not in table_text

    # Another township's village by its URL: the 404 page, not the data.
    response = page.goto(township_b_villages[0].get_absolute_url())
    assert response.status == 404
    expect(page.locator("h1")).to_have_text("未找到")
    assert township_b_villages[0].name not in page.content()

    # Open an own village and fill in this year's indicators.
    page.go_back()
    page.get_by_role("link", name=village.name, exact=True).click()
    expect(page.locator("h1")).to_have_text(f"水布垭镇 · {village.name}")
    page.get_by_role("link", name=f"填报{year}年度指标").click()
    expect(page.locator("h1")).to_have_text(f"水布垭镇 · {village.name} {year}年度指标")
    form = page.locator("#indicator-form")
    form.get_by_label("综合服务站面积（平方米）").fill("650.5")
    for label in ("便民服务室", "日间照料中心", "文化活动室", "综合信息网络平台已覆盖", "公共安全视频监控已覆盖"):
        form.get_by_label(label, exact=True).check()
    form.get_by_label("已提供基本公共服务项目数", exact=True).fill("12")
    form.get_by_label("目录内基本公共服务项目数", exact=True).fill("20")
    form.get_by_label("留守儿童", exact=True).fill("7")
    form.get_by_label("贫困户数", exact=True).fill("9")
    form.get_by_label("有增收主业的贫困户数", exact=True).fill("9")
    form.get_by_role("button", name="提交").click()

    expect(page.locator("#indicator-status")).to_have_text("已提交")
    expect(page.locator(".messages")).to_contain_text(f"{village.name} {year}年度指标已提交，等待县里确认。")
    facts = page.locator("dl.facts")
    expect(facts).to_contain_text("650.5")
    expect(facts).to_contain_text(str(township_a_official))
    indicator = VillageIndicator.objects.get(village=village, year=year)
    assert page.url.endswith(f"/villages/indicators/{indicator.pk}/")
    assert indicator.status == IndicatorStatus.SUBMITTED
    assert indicator.reported_by == township_a_official
    assert indicator.service_station_area_m2 == Decimal("650.5")
    assert indicator.rooms_present == 3
    assert indicator.room_convenience_service and indicator.room_day_care and indicator.room_culture
    assert not indicator.room_mediation and not indicator.room_health and not indicator.room_fitness
    assert indicator.info_platform_covered and indicator.video_surveillance_covered
    assert not indicator.grid_platform_covered
    assert (indicator.public_service_items_offered, indicator.public_service_items_in_catalogue) == (12, 20)
    assert (indicator.left_behind_children, indicator.poor_households_with_main_business) == (7, 9)

    # The county office, in its own browser context, confirms the record.
    admin_page = new_context().new_page()
    sign_in(admin_page, county_admin)
    open_menu_link(admin_page, "村年度指标")
    listed = admin_page.locator("table tbody tr", has_text=village.name)
    expect(listed).to_have_count(1)
    expect(listed.locator('td[data-label="状态"]')).to_have_text("已提交")
    listed.get_by_role("link", name=village.name).click()
    admin_page.get_by_role("button", name="确认", exact=True).click()

    expect(admin_page.locator("#indicator-status")).to_have_text("已确认")
    expect(admin_page.locator(".messages")).to_contain_text("已确认。")
    expect(admin_page.locator("dl.facts")).to_contain_text(str(county_admin))
    expect(admin_page.get_by_role("button", name="确认", exact=True)).to_have_count(0)
    indicator.refresh_from_db()
    assert indicator.status == IndicatorStatus.CONFIRMED
    assert indicator.confirmed_by == county_admin and indicator.confirmed_at is not None

    # Back at the township: the record now reads 已确认 and can no longer be overwritten.
    page.reload()
    expect(page.locator("#indicator-status")).to_have_text("已确认")
    page.goto(f"/villages/{village.pk}/indicators/{year}/")
    expect(page.locator("main")).to_contain_text("已有填报（已确认")
    page.locator("#indicator-form").get_by_label("综合服务站面积（平方米）").fill("10")
    page.get_by_role("button", name="提交").click()
    expect(page.locator(".form-errors")).to_contain_text("该村本年度指标已确认，不能再修改。")
    indicator.refresh_from_db()
    assert indicator.service_station_area_m2 == Decimal("650.5")
    assert indicator.status == IndicatorStatus.CONFIRMED


def test_county_office_approves_pilots_until_township_meets_its_quota(
    new_context, program, township_a, township_b, township_a_villages, township_b_villages, county_admin
):
    required = required_count(program.township_annual_min_ratio, TOWNSHIP_A_VILLAGES, program.ratio_rounding)
    assert required >= 2, "the scenario needs a township that is one approval short"
    approved_a = [
        PilotAssignmentFactory(program=program, village=village, year=YEAR, status=PilotStatus.APPROVED)
        for village in township_a_villages[1:required]
    ]
    proposed = PilotAssignmentFactory(
        program=program, village=township_a_villages[-1], year=YEAR, status=PilotStatus.PROPOSED
    )
    PilotAssignmentFactory(program=program, village=township_b_villages[1], year=YEAR, status=PilotStatus.APPROVED)
    county_new_before = len(approved_a) + 1
    quota_url = f"/villages/quota/?program={program.code}&year={YEAR}"

    page = new_context().new_page()
    sign_in(page, county_admin)

    # Before: 水布垭镇 is one pilot short.
    page.goto(quota_url)
    expect(page).to_have_title("试点比例达标情况 · 试点工作管理系统")
    row_a = _row(page, township_a.name)
    cells = _cells(row_a)
    assert cells[:4] == [township_a.name, str(TOWNSHIP_A_VILLAGES), str(len(approved_a)), str(required)]
    assert cells[4] == f"差 {required - len(approved_a)} 个"
    total = page.locator("#quota-table tr.total")
    assert _cells(total)[2] == str(county_new_before)

    # The ledger, filtered to proposals: approve 水布垭镇's proposed pilot.
    open_menu_link(page, "试点村台账")
    filters = page.get_by_role("search")
    filters.get_by_label("状态").select_option(label="拟定")
    filters.get_by_role("button", name="筛选").click()
    ledger_rows = page.locator("table tbody tr")
    expect(ledger_rows).to_have_count(1)
    expect(ledger_rows.first.locator('td[data-label="状态"]')).to_have_text("拟定")
    ledger_rows.first.get_by_role("link", name=proposed.village.name).click()
    expect(page.locator("#pilot-status")).to_have_text("拟定")
    page.get_by_role("button", name="审批通过").click()
    expect(page.locator("#pilot-status")).to_have_text("已审批")
    expect(page.locator(".messages")).to_contain_text("已审批 1 个试点村。")
    expect(page.locator("dl.facts")).to_contain_text(str(county_admin))
    proposed.refresh_from_db()
    assert proposed.status == PilotStatus.APPROVED
    assert proposed.approved_by == county_admin and proposed.approved_at is not None

    # After: the township meets its quota and the county total has grown by one.
    page.goto(quota_url)
    cells = _cells(_row(page, township_a.name))
    assert cells[2] == str(len(approved_a) + 1)
    assert cells[4] == "达标"
    assert _cells(page.locator("#quota-table tr.total"))[2] == str(county_new_before + 1)
    expect(page.locator("#county-summary .stat").first.locator(".value")).to_have_text(str(county_new_before + 1))

    # The select page: propose one more 水布垭镇 village as a provincial key pilot …
    page.goto(f"/villages/pilots/select/?program={program.code}&year={YEAR}&township={township_a.pk}")
    expect(page.locator("main")).to_contain_text(
        f"水布垭镇：行政村 {TOWNSHIP_A_VILLAGES} 个，{YEAR}年应至少新增 {required} 个，"
        f"已审批 {len(approved_a) + 1} 个，已达标"
    )
    candidates = page.locator("ul.candidates li")
    expect(candidates).to_have_count(TOWNSHIP_A_VILLAGES - len(approved_a) - 1)
    chosen = township_a_villages[0]
    page.get_by_label("级别").select_option(label="省级重点支持")
    page.get_by_label(chosen.name, exact=True).check()
    page.get_by_role("button", name="拟定为试点村").click()

    expect(page.locator(".messages")).to_contain_text("已拟定 1 个试点村，请审批。")
    expect(page).to_have_title("试点村台账 · 试点工作管理系统")
    new_row = page.locator("table tbody tr", has_text=chosen.name)
    expect(new_row).to_have_count(1)
    expect(new_row.locator('td[data-label="状态"]')).to_have_text("拟定")
    expect(new_row.locator('td[data-label="级别"]')).to_have_text("省级重点支持")
    assignment = PilotAssignment.objects.get(program=program, village=chosen)
    assert (assignment.status, assignment.level, assignment.year) == (
        PilotStatus.PROPOSED,
        PilotLevel.PROVINCIAL_KEY,
        YEAR,
    )
    assert assignment.proposed_by == county_admin

    # … and approve it from the ledger with the bulk action.
    new_row.get_by_role("checkbox").check()
    page.get_by_role("button", name="审批所选").click()
    expect(page.locator(".messages")).to_contain_text("已审批 1 个试点村。")
    assignment.refresh_from_db()
    assert assignment.status == PilotStatus.APPROVED and assignment.approved_by == county_admin

    page.goto(quota_url)
    cells = _cells(_row(page, township_a.name))
    assert cells[2] == str(len(approved_a) + 2)
    assert cells[4] == "达标"
    assert _cells(page.locator("#quota-table tr.total"))[2] == str(county_new_before + 2)
    province_key = page.locator("#county-summary .stat").nth(1).locator(".value")
    expect(province_key).to_have_text("1")
