"""The yearly inspection in a real browser: the inspector, on a phone, opens the draft
inspection, fills every row of the scoring form (a missing deduction reason is refused on its
row), submits; the county office confirms; the ranking page and /api/v1/inspections/ show the
new total and grade. Each step checks the page and the database."""

from decimal import Decimal

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from assessments.choices import Grade, InspectionStatus
from assessments.models import Inspection, Rectification
from tests.e2e.conftest import PHONE, save_screenshot, sign_in
from tests.e2e.helpers import open_menu_link
from tests.factories import scheduled_inspection

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("transactional_db")]

# Item code → (points, reason, 列入整改) as the inspector types them; the sheet is 40/30/20/10.
ENTRIES = {
    "1.1": ("36.5", "服务站面积不足600平方米", True),
    "2.1": ("30", "", False),
    "1.2": ("19", "三留守人员台账未及时更新", False),
    "2.2": ("10", "", False),
}
TOTAL = Decimal("95.5")


@pytest.fixture
def inspection(county_admin, program, village_a, inspector):
    return scheduled_inspection(actor=county_admin, program=program, village=village_a, inspectors=[inspector])


def _row(page, code):
    return page.locator(f'#score-form tr[data-item="{code}"]')


def test_inspector_scores_county_confirms_ranking_and_api_show_it(new_context, inspection, inspector, county_admin):
    # --- the inspector, on a phone -------------------------------------------------------------
    page = new_context(viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2).new_page()
    sign_in(page, inspector)
    open_menu_link(page, "检查验收")
    row = page.locator("#inspection-table tbody tr", has_text="水布垭村")
    expect(row.locator('td[data-label="状态"]')).to_have_text("草稿")
    row.get_by_role("link", name="水布垭村").click()
    expect(page.locator("#inspection-status")).to_have_text("草稿")
    page.locator("#score-link").click()

    form = page.locator("#score-form")
    expect(form.locator("tr[data-item]")).to_have_count(len(ENTRIES))
    for code, (points, reason, rectify) in ENTRIES.items():
        _row(page, code).get_by_label(f"{code} 得分").fill(points)
        if code != "1.2":  # forgotten on purpose: the form must refuse it on that row
            _row(page, code).get_by_label(f"{code} 扣分理由").fill(reason)
        if rectify:
            _row(page, code).get_by_label(f"{code} 列入整改").check()
    form.get_by_role("button", name="提交").click()

    expect(_row(page, "1.2").locator(".field-error")).to_have_text("未得满分须填写扣分理由。")
    expect(_row(page, "1.1").locator(".field-error")).to_have_count(0)
    # Typed values survive the refusal; nothing was written.
    expect(_row(page, "1.1").get_by_label("1.1 得分")).to_have_value("36.5")
    assert not inspection.scores.exists()
    assert Inspection.objects.get(pk=inspection.pk).status == InspectionStatus.DRAFT

    _row(page, "1.2").get_by_label("1.2 扣分理由").fill(ENTRIES["1.2"][1])
    save_screenshot(page, "phone-scoring-form.png", full_page=True)
    page.locator("#score-form").get_by_role("button", name="提交").click()
    # Saved, then asked: the confirmation page shows what will be submitted.
    expect(page.locator("#confirm-details")).to_contain_text(f"总分 {TOTAL}，优秀")
    assert Inspection.objects.get(pk=inspection.pk).status == InspectionStatus.DRAFT
    page.locator("#confirm-form").get_by_role("button", name="确认提交").click()
    expect(page.locator(".messages")).to_contain_text(f"已提交：总分 {TOTAL}，优秀。")
    expect(page.locator("#inspection-status")).to_have_text("已提交")
    inspection.refresh_from_db()
    assert (inspection.status, inspection.total, inspection.grade, inspection.submitted_by) == (
        InspectionStatus.SUBMITTED,
        TOTAL,
        Grade.EXCELLENT,
        inspector,
    )
    assert inspection.scores.get(item__code="1.2").reason == "三留守人员台账未及时更新"

    # --- the county office confirms -------------------------------------------------------------
    admin = new_context().new_page()
    sign_in(admin, county_admin)
    admin.goto(inspection.get_absolute_url())
    expect(admin.locator("#inspection-total")).to_have_text(str(TOTAL))
    expect(admin.locator('tr[data-item="1.1"] td[data-label="扣分理由"]')).to_have_text("服务站面积不足600平方米")
    admin.locator("#review").get_by_role("link", name="确认").click()
    expect(admin.locator("#confirm-question")).to_contain_text("确认后评分锁定")
    admin.locator("#confirm-form").get_by_role("button", name="确认结果").click()
    expect(admin.locator(".messages")).to_contain_text(f"已确认：总分 {TOTAL}，优秀；已生成 1 项整改。")
    expect(admin.locator("#inspection-status")).to_have_text("已确认")
    inspection.refresh_from_db()
    assert (inspection.status, inspection.confirmed_by) == (InspectionStatus.CONFIRMED, county_admin)
    assert list(Rectification.objects.filter(inspection=inspection).values_list("item__code", flat=True)) == ["1.1"]

    # The inspector's form is closed now.
    page.goto(reverse("assessments:inspection_score", args=[inspection.pk]))
    expect(page.locator("#refusal")).to_have_text("检查已确认，不能再修改评分。")

    # --- the ranking and the API ------------------------------------------------------------------
    admin.goto(f"{reverse('assessments:ranking')}?program={inspection.pilot.program.code}&year=2019")
    ranked = admin.locator('#ranking-table tbody tr[data-village="水布垭村"]')
    expect(ranked.locator('td[data-label="总分"]')).to_have_text(str(TOTAL))
    expect(ranked.locator('td[data-label="等次"]')).to_contain_text("优秀")
    expect(ranked.locator('td[data-label="名次"]')).to_have_text("1")
    save_screenshot(admin, "assessments-ranking.png", full_page=True)

    response = admin.request.get("/api/v1/inspections/?year=2019")
    assert response.status == 200
    results = response.json()["results"]
    assert [(r["id"], r["village_name"], r["total"], r["grade"], r["status"]) for r in results] == [
        (inspection.pk, "水布垭村", str(TOTAL), "excellent", "confirmed")
    ]
