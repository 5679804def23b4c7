"""The shared Excel pipeline: reading and refusing uploads, typed cells, templates, exports."""

import datetime
import io
import zipfile
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from hypothesis import given, settings
from hypothesis import strategies as st

from pilot_admin.excel import (
    BOOL,
    CHOICE,
    CODE,
    DATE,
    DECIMAL,
    INT,
    YEAR,
    Column,
    ColumnSet,
    ExportColumn,
    annotated_response,
    check_upload,
    export_response,
    import_kinds,
    read_sheet,
    template_response,
)
from pilot_admin.models import ImportRun
from tests.factories import CountyFactory, UserFactory
from tests.helpers.excel import downloaded, response_bytes, workbook_bytes, workbook_file
from tests.helpers.uploads import xlsx_upload

COLUMNS = ColumnSet(
    Column("名称", "name", required=True),
    Column("代码", "code", kind=CODE),
    Column("数量", "count", kind=INT, aliases=("件数",)),
    Column("金额", "amount", kind=DECIMAL),
    Column("年度", "year", kind=YEAR),
    Column("是否", "flag", kind=BOOL),
    Column("级别", "level", kind=CHOICE, choices=(("high", "高"), ("low", "低"))),
    Column("日期", "day", kind=DATE),
)


def test_cells_are_normalised_into_typed_values():
    import datetime

    sheet = read_sheet(
        COLUMNS,
        io.BytesIO(
            workbook_bytes(COLUMNS.headers, [(" 甲 ", "４２２８２３", "１２", "3.50", 2018.0, "是", "低", "2020/1/31")])
        ),
    )
    assert sheet.errors == []
    (row,) = sheet.rows
    assert row.number == 2
    assert row.data == {
        "name": "甲",
        "code": "422823",
        "count": 12,
        "amount": Decimal("3.50"),
        "year": 2018,
        "flag": True,
        "level": "low",
        "day": datetime.date(2020, 1, 31),
    }


def test_numbers_typed_as_numbers_and_codes_stored_as_numbers_are_read_whole():
    sheet = read_sheet(
        COLUMNS, workbook_file(COLUMNS.headers, [("甲", 422823104201, 7.0, 2.25, 2019, "否", "高", None)])
    )
    assert sheet.rows[0].data["code"] == "422823104201"
    assert sheet.rows[0].data["count"] == 7
    assert sheet.rows[0].data["flag"] is False


@pytest.mark.parametrize(
    "cells, column, fragment",
    [
        (("甲", None, -1), "数量", "不能为负数"),
        (("甲", None, "1.5"), "数量", "应为整数"),
        (("甲", None, "三"), "数量", "应为整数"),
        (("甲", None, None, "abc"), "金额", "应为数字"),
        (("甲", None, None, None, 18), "年度", "四位年份"),
        (("甲", None, None, None, None, "对"), "是否", "“是”或“否”"),
        (("甲", None, None, None, None, None, "中"), "级别", "高、低"),
        (("甲", None, None, None, None, None, None, "昨天"), "日期", "应为日期"),
        ((None, "1"), "名称", "必填"),
    ],
)
def test_a_bad_cell_is_reported_with_its_row_column_and_a_chinese_message(cells, column, fragment):
    sheet = read_sheet(COLUMNS, workbook_file(COLUMNS.headers, [("乙",), cells]))
    assert sheet.rows[0].ok
    bad = sheet.rows[1]
    assert [(e.row, e.column) for e in bad.errors] == [(3, column)]
    assert fragment in bad.errors[0].message


def test_every_bad_cell_of_a_row_is_reported_not_just_the_first():
    sheet = read_sheet(COLUMNS, workbook_file(COLUMNS.headers, [("甲", None, -1, "x", 99, "对")]))
    assert [e.column for e in sheet.rows[0].errors] == ["数量", "金额", "年度", "是否"]


def test_headers_match_ignoring_spaces_full_width_spaces_and_aliases():
    sheet = read_sheet(COLUMNS, workbook_file(("名\u3000称", " 代码 ", "件数*"), [("甲", None, 3)]))
    assert sheet.errors == []
    assert sheet.rows[0].data == {"name": "甲", "count": 3}


def test_missing_required_column_and_duplicate_header_are_errors_on_row_one():
    sheet = read_sheet(COLUMNS, workbook_file(("代码", "数量", "件数"), [("1", "2")]))
    assert sheet.rows == []
    assert {(e.row, e.column) for e in sheet.errors} == {(1, "数量"), (1, "名称")}
    assert any("缺少必填列“名称”" in e.message for e in sheet.errors)
    assert any("出现了不止一次" in e.message for e in sheet.errors)


def test_empty_rows_are_skipped_and_row_numbers_stay_those_of_excel():
    sheet = read_sheet(COLUMNS, workbook_file(COLUMNS.headers, [("甲",), (None, None), ("   ",), ("乙", None, "x")]))
    assert [row.number for row in sheet.rows] == [2, 5]
    assert sheet.rows[1].errors[0].row == 5


def test_a_sheet_with_only_a_header_is_an_error():
    sheet = read_sheet(COLUMNS, workbook_file(COLUMNS.headers, []))
    assert sheet.rows == []
    assert "没有数据行" in sheet.errors[0].message


def test_more_rows_than_the_limit_are_refused(settings):
    settings.IMPORT_MAX_ROWS = 3
    assert read_sheet(COLUMNS, workbook_file(COLUMNS.headers, [("甲",)] * 3)).errors == []
    sheet = read_sheet(COLUMNS, workbook_file(COLUMNS.headers, [("甲",)] * 4))
    assert sheet.rows == []
    assert "超过 3 行" in sheet.errors[0].message


def test_an_upload_above_the_size_limit_is_refused_before_reading(settings):
    content = workbook_bytes(COLUMNS.headers, [("甲",)])
    settings.IMPORT_MAX_UPLOAD_BYTES = len(content)
    check_upload(xlsx_upload(content))
    settings.IMPORT_MAX_UPLOAD_BYTES = len(content) - 1
    with pytest.raises(ValidationError, match="文件太大"):
        check_upload(xlsx_upload(content))


@pytest.mark.parametrize(
    "content, fragment",
    [
        ("名称,数量\n甲,1\n".encode(), "不是 Excel 工作簿"),
        (bytes(range(256)) * 4, "不是 Excel 工作簿"),
        (b"\xd0\xcf\x11\xe0" + b"\0" * 200, "旧版 Excel（.xls）"),
    ],
)
def test_a_file_that_is_not_an_xlsx_is_refused_in_chinese(content, fragment):
    with pytest.raises(ValidationError) as refused:
        check_upload(xlsx_upload(content, name="名单.xlsx"))
    assert fragment in refused.value.messages[0]


def test_a_zip_that_is_not_a_workbook_is_reported_unreadable():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w/>")
    check_upload(xlsx_upload(buffer.getvalue()))  # the signature is a zip's…
    sheet = read_sheet(COLUMNS, io.BytesIO(buffer.getvalue()))  # …but openpyxl cannot read it
    assert sheet.rows == []
    assert [(e.row, e.column) for e in sheet.errors] == [(None, "")]
    assert "不是有效的 Excel 工作簿" in sheet.errors[0].message


@pytest.mark.parametrize("kind_key", ["villages", "pilot-assignments"])
def test_template_has_the_spec_headers_bold_frozen_explained_and_drop_downs(kind_key):
    kind = import_kinds.get(kind_key)
    response = template_response(kind)
    assert response["Content-Disposition"].startswith("attachment")
    sheet = downloaded(response).active
    headers = [cell.value for cell in sheet[1]]
    assert headers == kind.columns.headers
    assert all(cell.font.b for cell in sheet[1])
    assert sheet.freeze_panes == "A2"
    for cell, column in zip(sheet[1], kind.columns, strict=True):
        assert cell.comment.text == column.description
    lists = {dv.formula1 for dv in sheet.data_validations.dataValidation}
    expected = {'"' + ",".join(column.options) + '"' for column in kind.columns if column.options}
    assert lists == expected and expected


def test_template_offers_yes_no_list_for_boolean_columns():
    sheet = downloaded(template_response(import_kinds.get("villages"))).active
    (validation,) = sheet.data_validations.dataValidation
    assert validation.formula1 == '"是,否"'
    assert str(validation.sqref).startswith("G2:G")


FORMULAS = ['=HYPERLINK("http://x","点我")', "+1", "-2+3", "@SUM(1)", "\t=1", "\r=1", "=1+1"]


def test_export_writes_formula_like_strings_as_text_never_as_formulas():
    columns = [ExportColumn("名称", lambda v: v), ExportColumn("是否", lambda v: True)]
    response = export_response(
        filename="导出.xlsx",
        columns=columns,
        rows=([value, True] for value in FORMULAS),
        title="标题=1",
    )
    sheet = downloaded(response).active
    assert sheet["A1"].value == "标题=1"
    assert sheet.freeze_panes == "A3"  # below the title and the header
    assert [c.value for c in sheet[2]] == ["名称", "是否"]
    values = [sheet.cell(row=r, column=1) for r in range(3, 3 + len(FORMULAS))]
    # XML reads a stored carriage return back as a line feed; the text is otherwise unchanged.
    assert [cell.value.replace("\n", "\r") for cell in values] == FORMULAS
    assert all(cell.data_type == "s" for cell in values)
    assert all(cell.quotePrefix for cell in values)
    assert not any(cell.data_type == "f" for row in sheet.iter_rows() for cell in row)
    assert sheet.cell(row=3, column=2).value == "是"


def test_row_spool_gives_its_rows_back_on_every_pass_from_a_file(monkeypatch):
    from pilot_admin.excel import ImportRow, RowError, RowSpool

    monkeypatch.setattr(RowSpool, "BATCH", 3)
    monkeypatch.setattr(RowSpool, "IN_MEMORY_BYTES", 1)
    rows = [
        ImportRow(number=n, data={"name": f"甲{n}", "amount": Decimal("1.50"), "day": datetime.date(2024, 1, n)})
        for n in range(2, 10)
    ]
    rows[3].errors.append(RowError(5, "金额", "不是数字"))
    spool = RowSpool()
    for row in rows:
        spool.append(row)
    assert len(spool) == 8 and spool
    assert list(spool) == rows and list(spool) == rows  # read anew on each pass
    assert spool._file._rolled  # the batches went to a file on disk, not memory
    # Two passes under way at once (a service looking ahead) each read their own batches.
    first, second = iter(spool), iter(spool)
    assert [next(first).number for _ in range(4)] == [2, 3, 4, 5]
    assert [row.number for row in second] == list(range(2, 10))
    assert [row.number for row in first] == [6, 7, 8, 9]
    spool.close()


def _export_cell_by_cell(columns, rows, title) -> bytes:
    """export_response as it was before its row writer: every value through export_cell and
    openpyxl's own append. The reference the fast path must match byte for byte."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    from pilot_admin.excel import HEADER_FILL, export_cell

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Sheet1")
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.freeze_panes = "A3" if title else "A2"
    if title:
        title_cell = export_cell(sheet, title)
        title_cell.font = Font(bold=True, size=14)
        sheet.append([title_cell])
    header = []
    for column in columns:
        cell = export_cell(sheet, column.header, bold=True)
        cell.fill = HEADER_FILL
        header.append(cell)
    sheet.append(header)
    formats = [column.number_format for column in columns]
    for values in rows:
        sheet.append([export_cell(sheet, v, fmt) for v, fmt in zip(values, formats, strict=False)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _parts(content: bytes) -> dict[str, bytes]:
    """The package's parts but its properties (they carry the time it was written)."""
    with zipfile.ZipFile(io.BytesIO(content)) as package:
        return {name: package.read(name) for name in package.namelist() if not name.startswith("docProps/")}


_TZ = datetime.timezone(datetime.timedelta(hours=8))
EXPORT_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.decimals(allow_nan=False, allow_infinity=False, places=2, max_value=10**6, min_value=-(10**6)),
    st.dates(min_value=datetime.date(1950, 1, 1), max_value=datetime.date(2050, 1, 1)),
    st.datetimes(min_value=datetime.datetime(1950, 1, 1), max_value=datetime.datetime(2050, 1, 1)),
    st.datetimes(
        min_value=datetime.datetime(1950, 1, 1), max_value=datetime.datetime(2050, 1, 1), timezones=st.just(_TZ)
    ),
    st.times(),
    st.sampled_from(["", "未走访", "#N/A", "=1+1", "+86", "-3", "@x", "\tx", "a\x01b", " 前后空格 "]),
    st.text(max_size=12),
)


@settings(max_examples=150, deadline=None)
@given(
    formats=st.lists(st.sampled_from([None, "yyyy-mm-dd", "0.00", "@", "yyyy/m/d h:mm"]), min_size=1, max_size=4),
    rows=st.lists(st.lists(EXPORT_VALUES, min_size=4, max_size=4), max_size=6),
    title=st.sampled_from(["", "台账"]),
)
def test_export_rows_are_written_exactly_as_export_cell_writes_each_value(formats, rows, title):
    """The row writer's fast path (plain values, prepared styles) gives the very file that
    export_cell cell by cell gives, whatever the values and the columns' number formats."""
    columns = [ExportColumn(f"列{i}", lambda v: v, number_format=fmt) for i, fmt in enumerate(formats)]
    response = export_response(filename="x.xlsx", columns=columns, rows=[list(r) for r in rows], title=title)
    assert _parts(response_bytes(response)) == _parts(_export_cell_by_cell(columns, rows, title))


def test_export_filename_is_chinese_in_rfc_5987_form():
    response = export_response(filename="村名单.xlsx", columns=[ExportColumn("名称", str)], rows=[])
    assert "filename*=utf-8''%E6%9D%91%E5%90%8D%E5%8D%95.xlsx" in response["Content-Disposition"]


@pytest.mark.django_db
def test_import_runs_are_seen_by_their_actor_and_that_countys_office_only(county_admin, county_viewer):
    other_county = CountyFactory(name="建始县", admin_code="422822")
    other_admin = UserFactory(role="county_admin", county=other_county)
    colleague = UserFactory(role="county_admin", county=county_admin.county)
    run = ImportRun.objects.create(actor=county_admin, kind="villages", filename="a.xlsx", status="checked")
    own = ImportRun.objects.create(actor=county_viewer, kind="villages", filename="b.xlsx", status="checked")
    assert set(ImportRun.objects.visible_to(county_admin)) == {run, own}
    assert set(ImportRun.objects.visible_to(colleague)) == {run, own}
    assert list(ImportRun.objects.visible_to(county_viewer)) == [own]
    assert list(ImportRun.objects.visible_to(other_admin)) == []


@pytest.mark.django_db
def test_annotated_workbook_marks_cells_and_puts_row_errors_on_the_first_cell(county_admin):
    run = ImportRun(actor=county_admin, kind="villages", filename="我的村.xlsx", status="failed")
    # Headers in another order, with an extra column before them: cells are found by header text.
    content = workbook_bytes(("序号", "乡镇", "村名", "户数"), [("备注", "水布垭镇", "甲村", -1)])
    run.upload.save("x.xlsx", ContentFile(content), save=False)
    run.errors = [
        {"row": 2, "column": "户数", "message": "不能为负数。"},
        {"row": 2, "column": "户数", "message": "另一个问题。"},
        {"row": 2, "column": "", "message": "整行的问题。"},
        {"row": 1, "column": "人口", "message": "缺少必填列“人口”。"},
        {"row": None, "column": "", "message": "整个文件的问题。"},
    ]
    run.save()
    response = annotated_response(run, import_kinds.get("villages"))
    assert "%E6%88%91%E7%9A%84%E6%9D%91" in response["Content-Disposition"]  # 我的村
    book = downloaded(response)
    sheet = book.worksheets[0]
    assert sheet["D2"].comment.text == "不能为负数。\n另一个问题。"
    assert sheet["D2"].fill.fgColor.rgb.endswith("FFC7CE")
    assert sheet["A2"].comment.text == "整行的问题。"
    assert sheet["A1"].comment.text == "缺少必填列“人口”。"
    assert sheet["B2"].comment is None and sheet["C2"].value == "甲村"
    listing = book["导入错误"]
    assert [c.value for c in listing[6]] == [None, None, "整个文件的问题。"]
