"""A township official on a phone sets up a village's supervision committee: registers the
villagers' committee chair and a relative in the cadre register, opens the committee, nominates
four candidates (one the chair's spouse, who the Party branch's vetting refuses with the reason),
takes the election step by step to filing with the township discipline commission, then records
the committee's first meeting and an expense review. Each step checks the page and the database.
Then the county admin opens the dashboard in their own browser: its supervision figures are the
figures /api/v1/stats/supervision/ gives in the same session, for the county and the township."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from supervision.choices import CommitteeStatus, ElectionStatus
from supervision.models import Committee, ExpenseReview, Meeting, VillageCadre
from tests.e2e.conftest import PHONE, save_screenshot, sign_in
from tests.e2e.helpers import open_menu_link

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("transactional_db")]


def _iso(day: datetime.date) -> str:
    return day.isoformat()


def _save(page, button="保存"):
    page.locator("#supervision-form").get_by_role("button", name=button).tap()


def _figure(page, name: str) -> str:
    return page.locator(f'#supervision-section [data-figure="{name}"]').first.inner_text().strip()


def _percent(share: float) -> str:
    # The page rounds half up (pilot_admin.charts.percent_text); the test's shares are exact.
    return f"{round(share * 100)}%"


def _county_dashboard_agrees_with_the_api(page, *, program, township, village_count):
    """The dashboard's supervision section, read off the page, against the API's JSON fetched in
    the same signed-in session: the county totals and the township's chart row."""
    page.goto(f"/?program={program.code}&year={timezone.localdate().year}")
    section = page.locator("#supervision-section")
    expect(section).to_be_visible()
    response = page.request.get("/api/v1/stats/supervision/")
    assert response.status == 200, response.text()
    api = response.json()
    assert api["scope"] == "county"

    month = datetime.date.fromisoformat(f"{api['month']}-01")
    expect(page.locator("#supervision-heading")).to_have_text(f"村务监督委员会 · {month.year}年{month.month}月")
    counts = (
        "villages",
        "established",
        "pilot_villages",
        "due_for_reelection",
        "overdue",
        "electing",
        "meetings_done",
        "meetings_due",
        "reviews_done",
        "reviews_due",
    )
    shown = {name: int(_figure(page, name)) for name in counts}
    assert shown == {name: api[name] for name in counts}
    assert _figure(page, "coverage") == _percent(api["coverage"])
    assert _figure(page, "meeting_rate") == _percent(api["meeting_rate"])
    assert _figure(page, "review_rate") == _percent(api["review_rate"])
    # What the phone flow did: one committee filed in the county's villages, none still electing.
    assert (api["established"], api["electing"], api["villages"]) == (1, 0, village_count)

    # The chart's table (printed; hidden on screen) gives each township's coverage as the API does.
    row = next(row for row in api["townships"] if row["id"] == township.pk)
    by_township = page.request.get("/api/v1/stats/supervision/", params={"township": township.pk}).json()
    assert by_township["scope"] == "township"
    assert by_township["established"] == row["established"] == 1
    cells = page.locator("#dashboard-supervision-chart .chart-data tbody tr").evaluate_all(
        "rows => rows.map(r => [r.cells[0].textContent.trim(), r.cells[1].textContent.trim()])"
    )
    assert cells == [[row["name"], _percent(row["coverage"])] for row in api["townships"]]
    assert [township.name, _percent(by_township["coverage"])] in cells

    # The overdue figure leads to exactly the committees past their term: here none.
    section.locator('a[data-link="overdue"]').click()
    page.wait_for_url(re.compile(r"/supervision/\?status=overdue$"))
    expect(page.locator("#committee-table tbody tr")).to_have_count(1)
    expect(page.locator("#committee-table tbody")).to_contain_text("暂无村务监督委员会")
    assert api["overdue"] == 0


def test_township_official_runs_an_election_to_filing_on_a_phone(
    new_context, township_a_official, village_a, village_b, county_admin, program
):
    today = timezone.localdate()
    term_start = today - datetime.timedelta(days=30)
    term_end = term_start.replace(year=term_start.year + 5) - datetime.timedelta(days=1)
    village_label = f"{village_a.township.name} · {village_a.name}"

    page = new_context(viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2).new_page()
    sign_in(page, township_a_official)

    # The cadre register: the villagers' committee chair, whose term the committee follows.
    open_menu_link(page, "村干部名册")
    page.locator("#cadre-create").tap()
    form = page.locator("#supervision-form")
    form.get_by_label("村（居）").select_option(label=village_label)
    form.get_by_label("姓名").fill("李村长")
    form.get_by_label("职务").select_option(label="村委会主任")
    form.get_by_label("出生日期").fill("1970-03-01")
    form.get_by_label("中共党员").check()
    form.get_by_label("任职开始日期").fill(_iso(term_start))
    form.get_by_label("任职结束日期").fill(_iso(term_end))
    _save(page)
    expect(page.locator(".messages")).to_contain_text("已登记：李村长（村委会主任）")
    cadre = VillageCadre.objects.get()
    assert (cadre.village, cadre.term_end) == (village_a, term_end)

    page.locator("#cadre-table").get_by_role("link", name="登记近亲属").tap()
    form = page.locator("#supervision-form")
    form.get_by_label("姓名").fill("王芳")
    form.get_by_label("与该村干部的关系").select_option(label="配偶")
    form.get_by_label("出生日期").fill("1972-02-02")
    _save(page)
    expect(page.locator(".messages")).to_contain_text("已登记：王芳（李村长的配偶）")

    # The committee and its election.
    open_menu_link(page, "村务监督委员会")
    page.locator("#committee-create").tap()
    form = page.locator("#supervision-form")
    form.get_by_label("村（居）").select_option(label=village_label)
    form.get_by_label("任期开始日期").fill(_iso(term_start))
    form.get_by_label("任期届满日期").fill(_iso(term_end))
    form.get_by_label("应选人数").fill("3")
    form.get_by_label("计划选举日期").fill(_iso(today - datetime.timedelta(days=10)))
    _save(page)
    expect(page.locator("#election-status")).to_have_text("筹备")

    candidates = [("张一", "1975-01-01", True), ("张二", "1976-01-01", False), ("张三", "1977-01-01", False)]
    candidates += [("张四", "1978-01-01", False), ("王芳", "1972-02-02", False)]
    for name, born, party in candidates:
        page.locator("#candidate-create").tap()
        form = page.locator("#supervision-form")
        form.get_by_label("姓名").fill(name)
        form.get_by_label("出生日期").fill(born)
        form.get_by_label("提名方式").select_option(label="村民代表会议提名")
        if party:
            form.get_by_label("中共党员").check()
        _save(page)
        expect(page.locator(".messages")).to_contain_text(f"已登记候选人：{name}")
    expect(page.locator("#candidate-table")).to_contain_text("是村委会主任李村长的配偶")

    page.locator("#next-step").tap()
    page.locator("#supervision-form").get_by_label("提名截止日期").fill(_iso(today - datetime.timedelta(days=20)))
    _save(page)
    expect(page.locator("#election-status")).to_have_text("已提名候选人")

    # The vetting refuses the chair's spouse, with the reason, and then passes the other four.
    page.locator("#next-step").tap()
    form = page.locator("#supervision-form")
    form.get_by_label("村党支部审查日期").fill(_iso(today - datetime.timedelta(days=18)))
    for name, _, _ in candidates:
        form.get_by_label(name, exact=True).check()
    _save(page)
    expect(page.locator(".error-summary, [data-error-summary]")).to_contain_text(
        "王芳：是村委会主任李村长的配偶，村“两委”成员的近亲属不能担任。"
    )
    form = page.locator("#supervision-form")
    form.get_by_label("王芳", exact=True).uncheck()
    _save(page)
    expect(page.locator("#election-status")).to_have_text("党支部已审查")

    page.locator("#next-step").tap()
    form = page.locator("#supervision-form")
    form.get_by_label("乡镇党委审核批准日期").fill(_iso(today - datetime.timedelta(days=15)))
    form.get_by_label("批准文号").fill("水党〔2026〕12号")
    _save(page)
    expect(page.locator("#election-status")).to_have_text("乡镇党委已批准")

    page.locator("#next-step").tap()
    form = page.locator("#supervision-form")
    form.get_by_label("选举日期").fill(_iso(today - datetime.timedelta(days=10)))
    form.get_by_label("应到人数").fill("30")
    form.get_by_label("实到人数").fill("20")
    for name, votes in (("张一", 19), ("张二", 17), ("张三", 15), ("张四", 4)):
        form.get_by_label(f"{name} 得票").fill(str(votes))
    save_screenshot(page, "supervision-election-hold-phone.png", full_page=True)
    _save(page)
    expect(page.locator("#election-status")).to_have_text("已选举")

    page.locator("#next-step").tap()
    form = page.locator("#supervision-form")
    form.get_by_label("推选主任日期").fill(_iso(today - datetime.timedelta(days=10)))
    form.get_by_label("主任", exact=True).select_option(label="张一（党员）")
    form.get_by_label("张一 所在小组").select_option(label="村务公开监督小组")
    form.get_by_label("张二 所在小组").select_option(label="村务公开监督小组")
    form.get_by_label("张三 所在小组").select_option(label="“三资”管理监督小组")
    _save(page)
    expect(page.locator("#election-status")).to_have_text("已推选主任")

    page.locator("#next-step").tap()
    form = page.locator("#supervision-form")
    form.get_by_label("报乡镇纪委备案日期").fill(_iso(today - datetime.timedelta(days=8)))
    form.get_by_label("备案编号").fill("水纪备〔2026〕3号")
    _save(page)
    expect(page.locator(".messages")).to_contain_text("本届村务监督委员会成立")
    expect(page.locator("#committee-status")).to_have_text("在任")
    committee = Committee.objects.get()
    assert committee.status == CommitteeStatus.ACTIVE
    assert committee.election.status == ElectionStatus.FILED
    assert sorted(committee.members.values_list("name", flat=True)) == ["张一", "张三", "张二"]

    # The first meeting, with a decision taken by majority.
    page.locator("#meeting-create").tap()
    form = page.locator("#supervision-form")
    for name in ("张一", "张二", "张三"):
        form.get_by_label(name, exact=False).first.check()
    form.get_by_label("议题").fill("审议本月村务公开内容")
    form.get_by_label("表决事项").fill("同意公开本月收支")
    form.get_by_label("赞成").fill("2")
    form.get_by_label("反对").fill("1")
    _save(page)
    expect(page.locator("#meeting-table")).to_contain_text("同意公开本月收支：赞成2、反对1、弃权0，通过")
    assert Meeting.objects.get().attendees.count() == 3

    # An expense review: five vouchers, one refused with its reason.
    page.locator("#review-create").tap()
    form = page.locator("#supervision-form")
    form.get_by_label("期间开始").fill(_iso(today.replace(day=1)))
    form.get_by_label("复核票据张数").fill("5")
    form.get_by_label("盖章票据张数").fill("4")
    form.get_by_label("退回票据").fill("记-0612 无经办人签字")
    save_screenshot(page, "supervision-expense-review-phone.png", full_page=True)
    _save(page)
    expect(page.locator("#review-table")).to_contain_text("记-0612（无经办人签字）")
    review = ExpenseReview.objects.get()
    assert (review.vouchers_reviewed, review.vouchers_stamped, review.vouchers_refused) == (5, 4, 1)
    # Phone-sized: the page does not scroll sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # The county's dashboard and the API agree on what the township official just did.
    desk = new_context().new_page()
    sign_in(desk, county_admin)
    _county_dashboard_agrees_with_the_api(desk, program=program, township=village_a.township, village_count=2)
