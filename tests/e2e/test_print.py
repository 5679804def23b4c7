"""Every printable page printed as a county office prints it: A4 PDF from Chromium's print
media, read back with poppler's pdftotext. Each printout names the issuing office, its title
and page numbers, lists every row the page selects (counted from the database for the paged
lists) and carries no navigation; page 1 of each is kept as a PNG in test-artifacts/print/."""

import os
import re
import shutil
import subprocess  # nosec B404 - poppler-utils, fixed arguments
from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Max
from django.test import RequestFactory
from django.utils import timezone
from playwright.sync_api import expect

from assessments.choices import InspectionStatus
from assessments.models import Inspection
from demo.county import DEMO_PASSWORD
from demo.current import plan_years
from guardianship.selectors import visit_matrix_rows
from pilot_admin.lists import filtered
from pilot_admin.models import User
from pilot_admin.printing import issuing_office
from tasks import selectors as task_selectors
from tasks.filters import LedgerFilterSet
from tests.e2e.conftest import ARTIFACTS, sign_in
from villages.models import PilotNomination, PilotProgram

PRINTS = ARTIFACTS / "print"
DESKTOP = {"width": 1366, "height": 900}
# What a page shows for finding one's way; none of it belongs on paper.
NAVIGATION = ("退出", "我的账户", "上一页", "下一页", "筛选", "清除", "打印全部（", "返回分页列表", "菜单", "导出Excel")
PAGES = re.compile(r"第(\d+)页共(\d+)页")


def _require_poppler():
    """CI installs poppler-utils (.ci/run), so there its absence fails the run; elsewhere a skip."""
    if not (shutil.which("pdftotext") and shutil.which("pdftoppm")):
        reason = "poppler-utils (pdftotext, pdftoppm) not installed"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true but {reason}", pytrace=False)
        pytest.skip(f"print test skipped: {reason} (apt-get install poppler-utils)")


def _print(page, name: str) -> str:
    """The page on A4 as the browser prints it; its text, whitespace removed (pdftotext spaces
    CJK text by its glyph positions), after checking the running header and footer."""
    PRINTS.mkdir(parents=True, exist_ok=True)
    page.emulate_media(media="print")
    pdf = PRINTS / f"{name}.pdf"
    page.pdf(path=str(pdf), format="A4", prefer_css_page_size=True, display_header_footer=False)
    page.emulate_media(media="screen")
    run = {"capture_output": True, "text": True, "check": True}
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], **run).stdout  # nosec B603 B607
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile", str(pdf), str(PRINTS / name)], **run
    )  # nosec B603 B607
    pages = text.split("\f")[:-1] if text.endswith("\f") else text.split("\f")
    flat = re.sub(r"\s+", "", text)
    for number, page_text in enumerate(pages, 1):
        match = PAGES.search(re.sub(r"\s+", "", page_text))
        assert match, f"{name}: page {number} has no page number"
        assert match.groups() == (str(number), str(len(pages))), f"{name}: page {number} says {match.group(0)}"
    for word in NAVIGATION:
        assert word not in flat, f"{name}: {word!r} printed"
    return flat


def _codes(flat: str, codes) -> Counter:
    """How often each of `codes` (task codes: "BD-01-01", "BD26-11") is printed."""
    pattern = re.compile("|".join(re.escape(code) for code in sorted(set(codes), key=len, reverse=True)))
    return Counter(pattern.findall(flat))


def _check_frame(flat: str, name: str, *, office: str, title: str, user, filters: str = ""):
    assert office in flat, f"{name}: issuing office {office!r} missing"
    assert title in flat, f"{name}: title {title!r} missing"
    assert re.sub(r"\s+", "", filters) in flat, f"{name}: filters {filters!r} missing"
    assert f"打印：{timezone.localdate():%Y-%m-%d}" in flat and str(user) in flat, f"{name}: printed-at missing"


def _row_keys(page, selector: str, attribute: str) -> list[str]:
    return [row.get_attribute(attribute) for row in page.locator(selector).all()]


@pytest.mark.django_db(transaction=True)
def test_every_printable_page_prints_whole_on_a4_with_office_title_and_page_numbers(new_context):
    _require_poppler()
    call_command("load_demo", "--allow-production", stdout=StringIO())
    today = timezone.localdate()
    start, end, _ = plan_years(today)
    program = PilotProgram.objects.get(code=f"badong-fyp-{start}")
    history = PilotProgram.objects.exclude(pk=program.pk).order_by("-end_year").first()
    county_admin = User.objects.get(username="county_admin")
    township = User.objects.get(username="township_shuibuya")
    county_office = issuing_office(county_admin)
    assert county_office == county_admin.county.name == "巴东县"
    assert issuing_office(township) == "巴东县水布垭镇人民政府"
    assert issuing_office(User.objects.get(username="dept_civil_affairs")) == "巴东县民政局"

    county = new_context(viewport=DESKTOP).new_page()
    sign_in(county, county_admin, password=DEMO_PASSWORD)

    # --- The task ledger: a paged list; its print view prints every row on landscape A4. ------
    request = RequestFactory().get("/tasks/ledger/")
    request.user = county_admin
    _, rows = filtered(LedgerFilterSet, request, task_selectors.ledger_rows(user=county_admin, today=today))
    codes = Counter(row.task.code for row in rows)
    total = sum(codes.values())
    assert total > 50  # more than one screen page
    county.goto("/tasks/ledger/")
    expect(county.locator("#print-all")).to_have_text(f"打印全部（{total} 条）")
    flat = _print(county, "ledger-page-1")
    assert f"仅打印本页50条，共{total}条" in flat  # Ctrl+P on the paged list says it is partial
    county.locator("#print-all").click()
    expect(county.locator("#ledger-table tbody tr")).to_have_count(total)
    flat = _print(county, "ledger")
    _check_frame(flat, "ledger", office=county_office, title="任务台账", user=county_admin)
    assert "仅打印本页" not in flat
    assert _codes(flat, codes) == codes, "every task × unit row printed once"
    assert county.evaluate("getComputedStyle(document.body).page") == "auto"  # screen media now
    # Landscape: the PDF's first page is wider than tall.
    info = subprocess.run(["pdfinfo", str(PRINTS / "ledger.pdf")], capture_output=True, text=True, check=True).stdout  # nosec B603 B607
    width, height = map(float, re.search(r"Page size:\s+([\d.]+) x ([\d.]+)", info).groups())
    assert width > height

    # Filtered: the filters in words on every page, and only the township's rows.
    shuibuya = township.township
    county.goto(f"/tasks/ledger/?township={shuibuya.pk}&print=1")
    flat = _print(county, "ledger-shuibuya")
    _check_frame(
        flat, "ledger-shuibuya", office=county_office, title="任务台账", user=county_admin, filters="乡镇：水布垭镇"
    )
    township_rows = [row for row in rows if row.department.township_id == shuibuya.pk]
    township_codes = Counter(row.task.code for row in township_rows)
    assert _codes(flat, codes) == township_codes

    # --- The nominations list (paged) in its print view. -------------------------------------
    nominations = PilotNomination.objects.filter(program=history).select_related("village")
    county.goto(f"/villages/nominations/?program={history.code}&print=1")
    flat = _print(county, "nominations")
    _check_frame(
        flat,
        "nominations",
        office=county_office,
        title="试点申报",
        user=county_admin,
        filters=f"试点项目：{history.name}",
    )
    assert nominations.count() > 0
    expect(county.locator("#nomination-table tbody tr")).to_have_count(nominations.count())
    for village, count in Counter(n.village.name for n in nominations).items():
        assert flat.count(village) >= count, village

    # --- The county's statistics and results pages: every row the page lists is printed. -----
    results_year = history.end_year
    # The year the demo inspected (排名, 汇总 and 与上年比较 list its confirmed results).
    inspected = Inspection.objects.filter(pilot__program=history, status=InspectionStatus.CONFIRMED)
    inspection_year = inspected.aggregate(year=Max("year"))["year"]
    assert inspection_year
    pages = [
        (
            "completeness",
            f"/tasks/completeness/?program={program.code}&year={today.year}",
            "报送情况",
            f"{today.year}年度",
            "#completeness-table tr[data-unit]",
            "data-unit",
        ),
        (
            "quota",
            f"/villages/quota/?program={program.code}&year={today.year}",
            "试点比例达标情况",
            f"{today.year}年度",
            "#quota-table tr[data-township]",
            "data-township",
        ),
        (
            "standards",
            f"/villages/standards/?program={history.code}&year={results_year}",
            "建设达标情况",
            f"{results_year}年度",
            "#village-checklists tr[data-village]",
            "data-village",
        ),
        (
            "nomination-queue",
            f"/villages/nominations/queue/?program={program.code}&year={today.year}",
            "申报审核",
            f"{today.year}年度",
            "#queue-form tr[data-village]",
            "data-village",
        ),
        (
            "ranking",
            f"/assessments/results/ranking/?program={history.code}&year={inspection_year}",
            "检查验收排名",
            f"{inspection_year}年度",
            "#ranking-table tr[data-village]",
            "data-village",
        ),
        (
            "townships",
            f"/assessments/results/townships/?program={history.code}&year={inspection_year}",
            "各乡镇检查验收汇总",
            f"{inspection_year}年度",
            "#township-table tr[data-township]",
            "data-township",
        ),
        (
            "year-over-year",
            f"/assessments/results/year-over-year/?program={history.code}&year={inspection_year}",
            "检查验收与上年比较",
            f"{inspection_year}年度",
            "#year-over-year-table tr[data-village]",
            "data-village",
        ),
        (
            "visits",
            f"/guardianship/visits/?year={today.year}",
            "走访台账",
            f"{today.year}年度",
            "#visit-matrix tbody tr td:nth-child(3)",
            None,
        ),
    ]
    for name, url, title, filters, rows_selector, attribute in pages:
        response = county.goto(url)
        assert response.status == 200, (name, url)
        keys = (
            _row_keys(county, rows_selector, attribute)
            if attribute
            else county.locator(rows_selector).all_inner_texts()
        )
        flat = _print(county, name)
        _check_frame(flat, name, office=county_office, title=title, user=county_admin, filters=filters)
        if name in ("ranking", "townships", "quota", "completeness", "standards", "visits"):
            assert keys, f"{name}: no rows to print"
        for key, count in Counter(re.sub(r"\s+", "", key) for key in keys).items():
            assert flat.count(key) >= count, f"{name}: row {key!r} not printed"
    visit_rows = list(visit_matrix_rows(user=county_admin, year=today.year, township=None, village=None))
    assert len(visit_rows) == county.locator("#visit-matrix tbody tr").count() > 0

    # --- The township: its workspace, its tasks, its village checklist. -----------------------
    office = issuing_office(township)
    desk = new_context(viewport=DESKTOP).new_page()
    sign_in(desk, township, password=DEMO_PASSWORD)
    flat = _print(desk, "workspace")
    _check_frame(
        flat, "workspace", office=office, title="乡镇工作台", user=township, filters=f"水布垭镇·截至{today:%Y-%m-%d}"
    )
    for title in desk.locator("#obligations .obligation-title").all_inner_texts():
        assert re.sub(r"\s+", "", title) in flat

    periods = task_selectors.my_obligations(user=township, today=today)
    desk.goto("/tasks/mine/?print=1")
    flat = _print(desk, "my-tasks")
    _check_frame(flat, "my-tasks", office=office, title="我的任务", user=township)
    own = Counter(p.task.code for p in periods)
    assert own and _codes(flat, own) == own

    pilot_village = history.assignments.filter(village__township=shuibuya).select_related("village").first().village
    desk.goto(f"/villages/{pilot_village.pk}/standards/?program={history.code}&year={results_year}")
    flat = _print(desk, "standards-checklist")
    _check_frame(
        flat,
        "standards-checklist",
        office=office,
        title="试点村建设达标",
        user=township,
        filters=f"水布垭镇{pilot_village.name}",
    )
    for code in _row_keys(desk, "#checklist tr[data-standard]", "data-standard"):
        assert code in flat
