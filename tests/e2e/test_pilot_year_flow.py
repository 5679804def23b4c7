"""The pilot year in a real browser (issue 13): a township official nominates a village, the
county office approves it in its queue, opens the indicator year; the township fills the
village's indicators, meeting every standard; the county confirms them, schedules the
inspection; the inspector scores it; the county confirms the score and accepts the pilot.

After every step the county dashboard (quota and standards sections), the village's 建设达标
checklist, the quota report, /api/v1/stats/standards/ and /api/v1/stats/pilots/ must tell the
same story: one township, one village, every figure followed from 0 to accepted."""

from datetime import date

import pytest
from playwright.sync_api import expect

from assessments.choices import Grade, InspectionStatus
from assessments.models import Inspection
from demo.standards import ensure_standards
from tests.e2e.conftest import sign_in
from tests.e2e.helpers import fill_indicators, open_menu_link, standards_api
from tests.factories import score_template
from villages.choices import NominationState, PilotStatus, ProvincialStatus
from villages.models import PilotAssignment, PilotNomination

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("transactional_db")]

YEAR = 2020
DOCUMENT_NO = "巴民发〔2020〕31号"


def _nav(page, name, *, exact=True):
    open_menu_link(page, name, exact=exact)


class Views:
    """What each audience reads; `agree` checks them all against one expected state."""

    def __init__(self, county, township, program, village):
        self.county, self.township, self.program, self.village = county, township, program, village
        self.query = f"program={program.code}&year={YEAR}"

    def agree(self, *, pilots, met, checklist, province_applied, accepted):
        """pilots: pilots counted in YEAR; met: villages meeting every standard that binds them;
        checklist: None (not a pilot) or the status of every row of the village's checklist."""
        # --- /api/v1/stats/standards/, as the township sees it and as the county sees it ----------
        body = standards_api(self.township, self.program, YEAR)
        county_body = standards_api(self.county, self.program, YEAR)
        assert body["county"] == county_body["county"]  # the county figures are the same for all roles
        assert body["county"]["pilots"] == pilots
        rows = body["villages"]
        assert [row["village"] for row in rows] == ([self.village.name] if pilots else [])
        assert sum(row["all_met"] for row in rows) == met
        cells = {cell["code"]: cell for cell in body["county"]["standards"]}
        if pilots:
            statuses = {item["code"]: item["status"] for item in rows[0]["standards"]}
            assert set(statuses.values()) == {checklist}
            for code in statuses:  # each standard the village owes counts it once, met or not
                assert cells[code]["applicable"] == 1
                assert cells[code]["met"] == (checklist == "met")
                assert cells[code]["reported"] == (checklist != "not_reported")

        # --- /api/v1/stats/pilots/ ------------------------------------------------------------------
        response = self.county.request.get(f"/api/v1/stats/pilots/?{self.query}")
        assert response.status == 200, response.text()
        quota = response.json()["county"]
        assert (quota["new_pilots"], quota["province_applied"], quota["accepted_pilots"]) == (
            pilots,
            province_applied,
            accepted,
        )

        # --- the village's 建设达标 checklist (the township's page) ----------------------------------
        self.township.goto(f"/villages/{self.village.pk}/standards/?{self.query}")
        if checklist is None:
            expect(self.township.locator("#not-a-pilot")).to_be_visible()
        else:
            rows_on_page = self.township.locator("#checklist tbody tr")
            expect(rows_on_page).to_have_count(len(statuses))
            expect(self.township.locator(f'#checklist tr[data-status="{checklist}"]')).to_have_count(len(statuses))
            summary = self.township.locator("#checklist-summary")
            if checklist == "met":
                expect(summary).to_contain_text("全部达标")
            else:
                expect(summary).to_contain_text(f"未填报 {len(statuses)}")

        # --- the county dashboard: quota and standards sections -------------------------------------
        self.county.goto(f"/?{self.query}")
        section = self.county.locator("#quota-section")
        expect(section.locator('[data-figure="new_pilots"]')).to_have_text(str(pilots))
        expect(section.locator('[data-figure="province_applied"]')).to_have_text(str(province_applied))
        standards = self.county.locator("#standards-section")
        expect(standards).to_contain_text(f"计入的 {pilots} 个试点村")
        r_b1 = standards.locator('tr[data-standard="R-B1"]')
        expect(r_b1).to_contain_text(f"{int(checklist == 'met')} / {pilots}")
        verdict = "met" if checklist == "met" else "not_met" if pilots else "no_pilots"
        expect(r_b1).to_have_attribute("data-verdict", verdict)

        # --- the quota report: the township's accepted pilots ---------------------------------------
        self.county.goto(f"/villages/quota/?{self.query}")
        row = self.county.locator(f'#quota-table tr[data-township="{self.village.township.name}"]')
        expect(row.locator("[data-accepted]")).to_have_text(str(accepted))


def test_a_pilot_year_from_nomination_to_acceptance(
    new_context, program, township_a, village_a, township_a_official, county_admin, inspector
):
    ensure_standards(program)
    template = score_template(program=program, year=YEAR)  # the year's sheet, published by the county
    township = new_context().new_page()
    sign_in(township, township_a_official)
    county = new_context().new_page()
    sign_in(county, county_admin)
    views = Views(county, township, program, village_a)
    views.agree(pilots=0, met=0, checklist=None, province_applied=0, accepted=0)

    # --- 1. the township nominates 水布垭村 for YEAR ------------------------------------------------
    _nav(township, "试点申报")
    township.get_by_role("link", name="申报试点村").click()
    township.select_option("select[name=year]", str(YEAR))
    township.get_by_role("button", name="切换").click()
    form = township.locator("#nomination-form")
    form.locator(f"input[name=v{village_a.pk}_selected]").check()
    form.locator(f"select[name=v{village_a.pk}_guidance]").select_option("population_outflow")
    form.locator(f"input[name=v{village_a.pk}_reason]").fill("集体经济收入稳定，班子团结，群众积极")
    form.locator(f"input[name=v{village_a.pk}_provincial]").check()
    form.get_by_role("button", name="提交申报").click()
    expect(township.locator(".messages")).to_contain_text("已申报 1 个村")
    expect(township.locator('#nomination-table tr[data-village="水布垭村"]')).to_contain_text("已申报")
    # Nominated is not yet a pilot: nothing counts it.
    views.agree(pilots=0, met=0, checklist=None, province_applied=0, accepted=0)

    # --- 2. the county office approves it in the queue ---------------------------------------------
    _nav(county, "申报审核", exact=False)  # the link carries the count waiting
    expect(county.locator("#nav-nomination-queue .badge")).to_have_text("1")
    county.select_option("select[name=year]", str(YEAR))
    county.get_by_role("button", name="查看").click()
    section = county.locator(f'section[data-township="{township_a.name}"]')
    expect(section.locator(".standing")).to_contain_text("待审核 1 个")
    county.get_by_role("checkbox", name="选择水布垭村").check()
    county.get_by_role("button", name="批准所选").click()
    expect(county.locator(".messages")).to_contain_text("已批准 1 个村")
    nomination = PilotNomination.objects.get(village=village_a)
    assert nomination.state == NominationState.APPROVED
    pilot = nomination.assignment
    assert (pilot.year, pilot.status, pilot.provincial_status) == (YEAR, PilotStatus.APPROVED, ProvincialStatus.APPLIED)
    # A pilot now, owing every standard, none reported yet.
    views.agree(pilots=1, met=0, checklist="not_reported", province_applied=1, accepted=0)

    # --- 3. the county opens YEAR for indicators; the township fills them, the county confirms -----
    county.goto("/villages/indicators/")
    county.get_by_role("link", name="填报年度（开放/关闭）").click()
    county.get_by_label("年度", exact=True).fill(str(YEAR))
    county.get_by_role("button", name="开放填报").click()
    expect(county.locator(".messages")).to_contain_text(f"已开放{YEAR}年度指标填报")

    township.goto(village_a.get_absolute_url())
    township.get_by_role("link", name=f"填报{YEAR}年度指标").click()
    fill_indicators(township, "620")
    expect(township.locator(".messages")).to_contain_text("已提交")
    # Submitted is not confirmed: still not reported everywhere.
    views.agree(pilots=1, met=0, checklist="not_reported", province_applied=1, accepted=0)

    county.goto(f"/villages/indicators/?year={YEAR}")
    county.get_by_role("link", name="水布垭村").first.click()
    county.get_by_role("button", name="确认").click()
    expect(county.locator(".messages")).to_contain_text("已确认")
    views.agree(pilots=1, met=1, checklist="met", province_applied=1, accepted=0)

    # --- 4. the county schedules the inspection, the inspector scores it, the county confirms ------
    _nav(county, "检查验收")
    county.get_by_role("link", name="安排检查").click()
    schedule = county.locator("#schedule-form")
    schedule.get_by_label("试点村").select_option(str(pilot.pk))
    schedule.get_by_label("检查年度").fill(str(YEAR))
    schedule.get_by_label(f"{inspector}（{inspector.username}）").check()
    schedule.get_by_role("button", name="安排").click()
    expect(county.locator("#inspection-status")).to_have_text("草稿")
    inspection = Inspection.objects.get(pilot=pilot, year=YEAR)

    scorer = new_context().new_page()
    sign_in(scorer, inspector)
    _nav(scorer, "检查验收")
    scorer.locator("#inspection-table tbody tr", has_text="水布垭村").get_by_role("link", name="水布垭村").click()
    scorer.locator("#score-link").click()
    for item in template.items.all():  # full marks: no deduction, so no reason is asked
        scorer.locator(f'#score-form tr[data-item="{item.code}"]').get_by_label(f"{item.code} 得分").fill(
            str(item.max_points)
        )
    scorer.locator("#score-form").get_by_role("button", name="提交").click()
    # Submitting is irreversible: the confirmation page shows the total first.
    expect(scorer.locator("#confirm-details")).to_contain_text("总分 100")
    scorer.locator("#confirm-form").get_by_role("button", name="确认提交").click()
    expect(scorer.locator(".messages")).to_contain_text("总分 100")
    # Scored, not confirmed: the acceptance page does not count it yet.
    county.goto(f"/assessments/pilots/{pilot.pk}/accept/")
    expect(county.locator("#latest-inspection")).to_contain_text("尚无已确认的检查验收")

    county.goto(inspection.get_absolute_url())
    county.locator("#review").get_by_role("link", name="确认").click()
    county.locator("#confirm-form").get_by_role("button", name="确认结果").click()
    expect(county.locator("#inspection-status")).to_have_text("已确认")
    inspection.refresh_from_db()
    assert (inspection.status, inspection.grade) == (InspectionStatus.CONFIRMED, Grade.EXCELLENT)
    # Inspection changes no quota or standards figure.
    views.agree(pilots=1, met=1, checklist="met", province_applied=1, accepted=0)

    # --- 5. the county accepts the pilot from its ledger page --------------------------------------
    county.goto(pilot.get_absolute_url())
    county.locator("#acceptance-link").click()
    expect(county.locator("#condition-grade")).to_contain_text("合格以上")
    expect(county.locator("#condition-standards")).to_contain_text("达标")
    expect(county.locator("#acceptance-verdict")).to_contain_text("符合验收条件")
    accept = county.locator("#accept-form")
    accept.get_by_label("验收日期").fill("2020-12-18")
    accept.get_by_label("验收文号").fill(DOCUMENT_NO)
    accept.get_by_role("button", name="验收并销号").click()
    expect(county.locator(".messages")).to_contain_text(f"水布垭村已验收（{DOCUMENT_NO}）")
    expect(county.locator("#acceptance-state")).to_contain_text("已验收（销号）")
    pilot = PilotAssignment.objects.get(pk=pilot.pk)
    assert (pilot.status, pilot.accepted_on, pilot.acceptance_document_no) == (
        PilotStatus.ACCEPTED,
        date(2020, 12, 18),
        DOCUMENT_NO,
    )
    # Accepted pilots stay pilots of their year: counted, met, and now accepted.
    views.agree(pilots=1, met=1, checklist="met", province_applied=1, accepted=1)
