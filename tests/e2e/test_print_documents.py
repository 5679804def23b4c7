"""The county's documents printed as a county office prints them: Chromium's print media to A4
PDF, read back with pdftotext (Debian's poppler-utils) page by page, and each page rendered to
test-artifacts/print-docs/ for a person to look at.

On the demo county as `load_demo` builds it (loaded once: the subtests share it): the 通报 with
its 文号 and 落款, the 落款 after the last ranked village and never on a page of its own; the score
sheet's section headings never stranded at a page foot and its signature lines on the page of its
total, wherever the page breaks fall; the quota report and the ranking with every row printed and
no page holding a lone row or note; the person page with the ID number masked and no 修改记录."""

import re
import shutil
import subprocess
from io import StringIO

import pytest
from django.core.management import call_command

from assessments.choices import InspectionStatus
from assessments.models import Inspection
from demo.county import DEMO_PASSWORD
from guardianship.models import Person
from guardianship.rules import mask_id_number
from pilot_admin.models import User
from tests.e2e.conftest import ARTIFACTS, sign_in

pytestmark = pytest.mark.skipif(
    not (shutil.which("pdftotext") and shutil.which("pdftoppm")), reason="poppler-utils (pdftotext) not installed"
)

OUT = ARTIFACTS / "print-docs"
PROGRAM, YEAR = "badong-13th-fyp", 2019
QUERY = f"program={PROGRAM}&year={YEAR}"
A4_PORTRAIT = (595, 842)
SECTION_HEADING = re.compile(r"^\s*（[一二三四五六七八九十]+）")
# Shifts of the content (px) that move every page break across a whole row or two.
SHIFTS = range(0, 240, 40)


def _print(page, name: str) -> list[str]:
    """Print the open page to A4 PDF as the browser's print dialog would; the text of each page."""
    OUT.mkdir(parents=True, exist_ok=True)
    pdf = OUT / f"{name}.pdf"
    page.emulate_media(media="print")
    page.pdf(path=pdf, format="A4", prefer_css_page_size=True)
    page.emulate_media(media="screen")
    for old in OUT.glob(f"{name}-*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-png", "-r", "60", pdf, OUT / name], check=True)
    return _pages(pdf)


def _pages(pdf) -> list[str]:
    info = subprocess.run(["pdfinfo", pdf], capture_output=True, text=True, check=True).stdout
    count = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))
    return [
        subprocess.run(
            ["pdftotext", "-f", str(n), "-l", str(n), "-layout", pdf, "-"], capture_output=True, text=True, check=True
        ).stdout
        for n in range(1, count + 1)
    ]


def _page_size(pdf) -> tuple[int, int]:
    info = subprocess.run(["pdfinfo", pdf], capture_output=True, text=True, check=True).stdout
    width, height = re.search(r"Page size:\s+([\d.]+) x ([\d.]+)", info).groups()
    return round(float(width)), round(float(height))


def _lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


def _shifted_prints(page, selector: str, name: str):
    """The page printed again with `selector` pushed down step by step (margin set through the
    CSSOM, which the page's CSP allows), so the page breaks fall at every row in turn."""
    for shift in SHIFTS:
        page.evaluate(f"document.querySelector({selector!r}).style.marginTop = '{shift}px'")
        page.emulate_media(media="print")
        pdf = OUT / f"{name}-shifted.pdf"
        page.pdf(path=pdf, format="A4", prefer_css_page_size=True)
        yield shift, _pages(pdf)
    page.evaluate(f"document.querySelector({selector!r}).style.marginTop = ''")
    page.emulate_media(media="screen")


def _check_circular(page):
    page.goto(f"/assessments/results/circular/?{QUERY}")
    assert page.locator("#circular-unissued").is_visible()
    page.locator("#circular-issue-link").click()
    form = page.locator("#circular-issue-form")
    form.get_by_label("文号").fill("巴社试办〔2019〕第3号")
    form.get_by_label("成文日期").fill("2019-12-20")
    form.get_by_role("button", name="保存").click()
    assert "不加“第”" in page.locator("#circular-issue-form .field-error").inner_text()
    form.get_by_label("文号").fill("巴社试办[2019]3号")
    form.get_by_label("发文机关署名（落款）").fill("巴东县农村社区建设试点工作领导小组办公室")
    form.get_by_role("button", name="保存").click()
    page.wait_for_url(re.compile(r"/assessments/results/circular/\?"))
    assert page.locator("#circular-number").inner_text() == "巴社试办〔2019〕3号"
    last_village = page.locator("#circular-table tbody tr").last.locator("td").nth(2).inner_text()
    rows = page.locator("#circular-table tbody tr").count()

    pages = _print(page, "circular")
    assert _page_size(OUT / "circular.pdf") == A4_PORTRAIT
    text = "\n".join(pages)
    assert "巴社试办〔2019〕3号" in pages[0]
    head = _lines(pages[0])
    assert head.index(next(line for line in head if "〔2019〕" in line)) <= 3  # under the title
    assert "导出 Excel" not in text and "设置文号和落款" not in text and "主菜单" not in text
    # 落款 after the last ranked village, and on the same page as table rows (never alone).
    issuer_at = text.index("巴东县农村社区建设试点工作领导小组办公室")
    assert text.rindex(last_village) < issuer_at < text.index("2019年12月20日")
    last = pages[-1]
    assert "巴东县农村社区建设试点工作领导小组办公室" in last and "2019年12月20日" in last and last_village in last
    assert sum(1 for line in _lines(last) if re.match(r"^\s*\d+\s+\S+[镇乡]\s", line)) >= 2
    # GB/T 9704 page numbers: — N — on every page.
    for number, page_text in enumerate(pages, start=1):
        assert f"— {number} —" in page_text or f"—{number}—" in page_text.replace(" ", ""), number
    # Every ranked village printed once.
    assert sum(1 for line in text.splitlines() if re.match(r"^\s*\d+\s+\S+[镇乡]\s", line)) == rows


def _check_score_sheet(page, inspection):
    for name, query in (("score-sheet", ""), ("score-sheet-blank", "?blank=1")):
        page.goto(f"/assessments/inspections/{inspection.pk}/sheet/print/{query}")
        pages = _print(page, name)
        assert _page_size(OUT / f"{name}.pdf") == A4_PORTRAIT[::-1]  # landscape
        for shift, shifted in [(0, pages), *_shifted_prints(page, ".sheet-meta", name)]:
            total_page = next(i for i, text in enumerate(shifted) if re.search(r"^\s*总分\s", text, re.M))
            signature_page = next(i for i, text in enumerate(shifted) if "检查组成员签字" in text)
            assert signature_page == total_page, (name, shift)
            for number, text in enumerate(shifted, start=1):
                lines = _lines(text)
                assert lines, (name, shift, number)
                assert not SECTION_HEADING.match(lines[-1]), (name, shift, number, lines[-1])
                assert not all(SECTION_HEADING.match(line) or "评分项目及评分说明" in line for line in lines)


def _check_rows_never_alone(page, *, name, url, row_pattern, rows_selector, note, expect_pages):
    page.goto(url)
    rows = page.locator(rows_selector).count()
    pages = _print(page, name)
    assert _page_size(OUT / f"{name}.pdf") == A4_PORTRAIT
    assert len(pages) == expect_pages, (name, len(pages))
    for shift, shifted in [(0, pages), *_shifted_prints(page, ".page-head", name)]:
        per_page = [sum(1 for line in text.splitlines() if row_pattern.match(line)) for text in shifted]
        assert sum(per_page) == rows, (name, shift, per_page)
        # Every page holds at least two rows, and the note is on a page with rows.
        assert all(count >= 2 for count in per_page), (name, shift, per_page)
        assert sum(note in text for text in shifted) == 1, (name, shift)


def _check_person(page, person):
    page.goto(f"/guardianship/persons/{person.pk}/")
    # On screen the county office sees the full number and the 修改记录 ...
    assert person.id_number in page.locator("#facts").inner_text()
    assert page.locator("#audit-log").is_visible()
    pages = _print(page, "person")
    text = "\n".join(pages)
    # ... on paper the mask, and no 修改记录.
    assert mask_id_number(person.id_number) in text
    assert person.id_number not in text and person.birth_date.strftime("%Y-%m-%d") not in text
    assert "修改记录" not in text
    assert person.name in pages[0]


@pytest.mark.django_db(transaction=True)
def test_printed_documents_of_the_demo_county(new_context, subtests):
    call_command("load_demo", "--allow-production", stdout=StringIO())
    page = new_context(viewport={"width": 1280, "height": 900}).new_page()
    sign_in(page, User.objects.get(username="county_admin"), password=DEMO_PASSWORD)

    with subtests.test("通报"):
        _check_circular(page)
    with subtests.test("评分表"):
        inspection = Inspection.objects.filter(
            pilot__program__code=PROGRAM, year=YEAR, status=InspectionStatus.CONFIRMED
        ).first()
        _check_score_sheet(page, inspection)
    with subtests.test("试点比例达标情况"):
        _check_rows_never_alone(
            page,
            name="quota-report",
            url=f"/villages/quota/?{QUERY}",
            row_pattern=re.compile(r"^\s*(\S+[镇乡]|合计)\s+\d+\s+\d+"),
            rows_selector="#quota-table tbody tr",
            note="说明：只统计",
            expect_pages=1,
        )
    with subtests.test("检查验收排名"):
        _check_rows_never_alone(
            page,
            name="ranking",
            url=f"/assessments/results/ranking/?{QUERY}",
            row_pattern=re.compile(r"^\s*\d+\s+\S+[镇乡]\s"),
            rows_selector="#ranking-table tbody tr",
            note="只计已确认的检查",
            expect_pages=2,
        )
    with subtests.test("特困人员档案"):
        person = Person.objects.filter(archived_at__isnull=True, village__township__county__name="巴东县").first()
        _check_person(page, person)
