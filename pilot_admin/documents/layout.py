"""The GB/T 9704-2012 layout the default templates are built in, with python-docx.

A4 (210 × 297 mm); margins top 37, bottom 35, left 28, right 26 mm; the title in
方正小标宋简体 二号 (22 pt), the body in 仿宋_GB2312 三号 (16 pt) on a fixed 28.95 pt line (22 lines
a page); the issuing organ's mark in red over a red rule, the 文号 under it, the signature block
(issuing office and date, the seal over them) and the colophon (印发机关、印发日期).
The fonts are named in the file even where this machine lacks them: Word on the county's
computers has them, and the name is what makes a document official.
"""

import io
import zipfile
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
HEADING_FONT = "黑体"
TITLE_SIZE = Pt(22)  # 二号
BODY_SIZE = Pt(16)  # 三号
TABLE_SIZE = Pt(12)  # 小四
COLOPHON_SIZE = Pt(14)  # 四号
LINE_PITCH = Pt(28.95)
RED = RGBColor(0xFF, 0x00, 0x00)
PAGE = {"width": Mm(210), "height": Mm(297)}
MARGINS = {"top": Mm(37), "bottom": Mm(35), "left": Mm(28), "right": Mm(26)}

STYLE_TITLE = "公文标题"
STYLE_BODY = "公文正文"
STYLE_HEADING = "公文一级标题"
STYLE_TABLE = "公文表格"
STYLE_MARK = "发文机关标志"
# A fixed time in the package so that building the same template twice gives the same bytes.
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)


def _set_font(style_or_run, name: str, size, *, bold: bool = False, color: RGBColor | None = None) -> None:
    """Name the font for Latin and East Asian text alike: Word picks the East Asian font
    (w:eastAsia) for Chinese characters and ignores the plain font name for them."""
    font = style_or_run.font
    font.name, font.size, font.bold = name, size, bold
    if color is not None:
        font.color.rgb = color
    rpr = style_or_run.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attribute in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attribute), name)


def _paragraph_style(document, name: str, font: str, size, *, align=None, indent=None, exact=True, **font_kw):
    style = document.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    style.base_style = document.styles["Normal"]
    _set_font(style, font, size, **font_kw)
    fmt = style.paragraph_format
    fmt.space_before = fmt.space_after = Pt(0)
    if exact:
        fmt.line_spacing_rule, fmt.line_spacing = WD_LINE_SPACING.EXACTLY, LINE_PITCH
    if align is not None:
        fmt.alignment = align
    if indent is not None:
        fmt.first_line_indent = indent
    return style


def _border(paragraph, side: str, *, color: str = "FF0000", size_eighths: int = 12) -> None:
    ppr = paragraph._p.get_or_add_pPr()
    borders = ppr.find(qn("w:pBdr"))
    if borders is None:
        borders = OxmlElement("w:pBdr")
        ppr.append(borders)
    line = OxmlElement(f"w:{side}")
    line.set(qn("w:val"), "single")
    line.set(qn("w:sz"), str(size_eighths))
    line.set(qn("w:space"), "1")
    line.set(qn("w:color"), color)
    borders.append(line)


def _page_number_footer(section) -> None:
    """— 1 — centred at the foot of each page, in 宋体 四号 (GB/T 9704 7.5)."""
    paragraph = section.footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for text in ("— ", None, " —"):
        if text is not None:
            _set_font(paragraph.add_run(text), "宋体", COLOPHON_SIZE)
            continue
        field = OxmlElement("w:fldSimple")
        field.set(qn("w:instr"), "PAGE")
        run = OxmlElement("w:r")
        value = OxmlElement("w:t")
        value.text = "1"
        run.append(value)
        field.append(run)
        paragraph._p.append(field)


def new_document():
    """An empty document with the page, margins and the styles every default template uses."""
    document = Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = PAGE["width"], PAGE["height"]
    section.top_margin, section.bottom_margin = MARGINS["top"], MARGINS["bottom"]
    section.left_margin, section.right_margin = MARGINS["left"], MARGINS["right"]
    section.footer_distance = Mm(20)
    normal = document.styles["Normal"]
    _set_font(normal, BODY_FONT, BODY_SIZE)
    _paragraph_style(document, STYLE_MARK, TITLE_FONT, Pt(26), align=WD_ALIGN_PARAGRAPH.CENTER, exact=False, color=RED)
    _paragraph_style(document, STYLE_TITLE, TITLE_FONT, TITLE_SIZE, align=WD_ALIGN_PARAGRAPH.CENTER, exact=False)
    _paragraph_style(document, STYLE_BODY, BODY_FONT, BODY_SIZE, indent=Pt(32))
    _paragraph_style(document, STYLE_HEADING, HEADING_FONT, BODY_SIZE, indent=Pt(32))
    _paragraph_style(document, STYLE_TABLE, BODY_FONT, TABLE_SIZE, align=WD_ALIGN_PARAGRAPH.CENTER, exact=False)
    _page_number_footer(section)
    properties = document.core_properties
    properties.author = properties.last_modified_by = "pilot_admin"
    properties.title, properties.revision = "", 1
    return document


def letterhead(document, *, office: str = "{{ issuing_office }}", number: str = "{{ document_number }}") -> None:
    """版头: the issuing organ's mark in red, the 文号 centred under it, the red rule."""
    document.add_paragraph(office + "文件", style=STYLE_MARK)
    document.add_paragraph("", style=STYLE_BODY).paragraph_format.first_line_indent = Pt(0)
    numbered = document.add_paragraph(number, style=STYLE_BODY)
    numbered.paragraph_format.first_line_indent = Pt(0)
    numbered.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _border(numbered, "bottom")


def title(document, text: str) -> None:
    document.add_paragraph("", style=STYLE_BODY)
    document.add_paragraph(text, style=STYLE_TITLE)
    document.add_paragraph("", style=STYLE_BODY)


def addressee(document, text: str) -> None:
    """主送机关: flush left, ending with a full-width colon."""
    paragraph = document.add_paragraph(text, style=STYLE_BODY)
    paragraph.paragraph_format.first_line_indent = Pt(0)


def body(document, text: str) -> None:
    document.add_paragraph(text, style=STYLE_BODY)


def heading(document, text: str) -> None:
    document.add_paragraph(text, style=STYLE_HEADING)


def table(document, *, columns: tuple[tuple[str, str], ...], loop: str, item: str = "row") -> None:
    """A table with a header row of the columns' labels, whose body is one row repeated for
    each element of `loop` (docxtpl's {%tr %}), a cell per column's field."""
    headers = [label for _, label in columns]
    cells = [f"{{{{ {item}.{name} }}}}" for name, _ in columns]
    grid = document.add_table(rows=4, cols=len(headers))
    grid.style = document.styles["Table Grid"]
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    rows = [headers, [f"{{%tr for {item} in {loop} %}}"] + [""] * (len(headers) - 1), cells]
    rows.append(["{%tr endfor %}"] + [""] * (len(headers) - 1))
    for row, values in zip(grid.rows, rows, strict=True):
        for cell, value in zip(row.cells, values, strict=True):
            cell.paragraphs[0].style = document.styles[STYLE_TABLE]
            cell.paragraphs[0].text = value
    for cell in grid.rows[0].cells:
        for run in cell.paragraphs[0].runs:
            run.font.bold = True


def signature(document, *, office: str = "{{ issuing_office }}", date: str = "{{ issue_date }}") -> None:
    """落款: room for the seal, then the issuing office and the date, right-aligned four
    characters in from the margin; the seal is stamped over them (GB/T 9704 7.3.5.1)."""
    for _ in range(3):
        document.add_paragraph("", style=STYLE_BODY)
    for text in (office, date):
        paragraph = document.add_paragraph(text, style=STYLE_BODY)
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        paragraph.paragraph_format.first_line_indent = Pt(0)
        paragraph.paragraph_format.right_indent = Pt(64)


def colophon(document, *, office: str = "{{ issuing_office }}", date: str = "{{ issue_date }}") -> None:
    """版记: the printing office and date between two rules, 四号."""
    document.add_paragraph("", style=STYLE_BODY)
    paragraph = document.add_paragraph(f"{office}\u3000\u3000{date}印发", style=STYLE_BODY)
    paragraph.paragraph_format.first_line_indent = Pt(14)
    for run in paragraph.runs:
        run.font.size = COLOPHON_SIZE
    _border(paragraph, "top", color="000000", size_eighths=8)
    _border(paragraph, "bottom", color="000000", size_eighths=8)


def to_bytes(document) -> bytes:
    """The package with every part stamped at one fixed time, so a rebuild is byte-identical."""
    raw = io.BytesIO()
    document.save(raw)
    raw.seek(0)
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for member in sorted(source.infolist(), key=lambda m: (m.filename != "[Content_Types].xml", m.filename)):
            info = zipfile.ZipInfo(member.filename, date_time=_FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(info, source.read(member))
    return out.getvalue()


def write(document, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(to_bytes(document))
