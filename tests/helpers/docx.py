"""Reading a generated .docx back with python-docx: the GB/T 9704 page and fonts, and text."""

import io
import urllib.parse

from docx import Document
from docx.oxml.ns import qn
from docx.shared import Pt

from pilot_admin.documents.layout import STYLE_TITLE

# In millimetres to one decimal: Word stores the page in twips (A4 is 11906 × 16838).
A4 = (210.0, 297.0)
MARGINS = {"top": 37.0, "bottom": 35.0, "left": 28.0, "right": 26.0}
TITLE_FONT, TITLE_SIZE = "方正小标宋简体", Pt(22)
BODY_FONT, BODY_SIZE = "仿宋_GB2312", Pt(16)
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def opened(response):
    """The downloaded document, once the response says it is one."""
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == DOCX_TYPE
    return Document(io.BytesIO(response.content))


def filename_of(response) -> str:
    """The Chinese file name from Content-Disposition's filename* (RFC 5987)."""
    header = response["Content-Disposition"]
    assert header.startswith("attachment;"), header
    encoded = header.split("filename*=utf-8''", 1)[1]
    return urllib.parse.unquote(encoded)


def _font_of(element, style):
    """The East Asian font name and size a run or paragraph gets: its own, else its style's,
    following the style chain (what Word shows for Chinese text)."""
    name = size = None
    rpr = element.find(qn("w:rPr")) if element is not None else None
    if rpr is not None:
        fonts = rpr.find(qn("w:rFonts"))
        if fonts is not None:
            name = fonts.get(qn("w:eastAsia"))
        sz = rpr.find(qn("w:sz"))
        if sz is not None:
            size = Pt(int(sz.get(qn("w:val"))) / 2)
    while style is not None and (name is None or size is None):
        srpr = style.element.find(qn("w:rPr"))
        if srpr is not None:
            fonts = srpr.find(qn("w:rFonts"))
            if name is None and fonts is not None:
                name = fonts.get(qn("w:eastAsia"))
            sz = srpr.find(qn("w:sz"))
            if size is None and sz is not None:
                size = Pt(int(sz.get(qn("w:val"))) / 2)
        style = style.base_style
    return name, size


def paragraph_fonts(paragraph) -> set[tuple[str, int]]:
    """(East Asian font, size) of every run with text in the paragraph."""
    return {_font_of(run._r, paragraph.style) for run in paragraph.runs if run.text.strip()}


def _mm(length) -> float:
    return round(length.mm, 1)


def texts(document) -> list[str]:
    return [p.text for p in document.paragraphs]


def title_of(document):
    titles = [p for p in document.paragraphs if p.style.name == STYLE_TITLE and p.text.strip()]
    assert len(titles) == 1, [p.text for p in titles]
    return titles[0]


def table_rows(table) -> list[list[str]]:
    return [[cell.text for cell in row.cells] for row in table.rows]


def assert_official_layout(document, *, body_text: str) -> None:
    """A4, the GB/T 9704 margins, the title in 方正小标宋简体 二号, and the paragraph holding
    `body_text` in 仿宋_GB2312 三号."""
    section = document.sections[0]
    assert (_mm(section.page_width), _mm(section.page_height)) == A4
    assert {
        "top": _mm(section.top_margin),
        "bottom": _mm(section.bottom_margin),
        "left": _mm(section.left_margin),
        "right": _mm(section.right_margin),
    } == MARGINS
    assert paragraph_fonts(title_of(document)) == {(TITLE_FONT, TITLE_SIZE)}
    body = next(p for p in document.paragraphs if body_text in p.text)
    assert paragraph_fonts(body) == {(BODY_FONT, BODY_SIZE)}
