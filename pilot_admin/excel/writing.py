"""Workbooks handed to the user: import templates and exports, written to a temporary file so
memory stays flat, with every string a spreadsheet could take for a formula forced to text."""

import datetime
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.http import FileResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill, is_date_format
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from pilot_admin.excel.columns import CODE, NO, YES

if TYPE_CHECKING:
    from pilot_admin.excel.runs import ImportKind

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXPORT_CHUNK_SIZE = 2000
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")


def xlsx_response(workbook: Workbook, filename: str, *, rows: int | None = None, audited: bool = True) -> FileResponse:
    """Save to a temporary file (deleted when the response closes it) so memory stays flat.
    Every workbook handed out is an export of county data (registers, ledgers, score sheets, a
    user's marked-up upload) and is written to the audit trail here, the one place all of them
    pass: who, when, from where, which file, the filter and the rows. Only blank import
    templates (`audited=False`) are not."""
    handle = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 - FileResponse closes it
    try:
        workbook.save(handle)
    except BaseException:
        handle.close()
        raise
    handle.seek(0)
    if audited:
        from pilot_admin.audit import services as audit  # the audit trail imports the models; keep this module light

        audit.record_export(what=filename, rows=rows)
    return FileResponse(handle, as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE)


def template_response(kind: "ImportKind") -> FileResponse:
    """A blank sheet with the header row, each header explained in a comment, drop-down lists
    for 是/否 and choices, and text format on code columns so Excel keeps leading digits."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = kind.label[:31]
    for index, column in enumerate(kind.columns, start=1):
        letter = get_column_letter(index)
        cell = sheet.cell(row=1, column=index, value=column.header)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(horizontal="center")
        cell.comment = Comment(column.description, "填写说明", width=260, height=110)
        sheet.column_dimensions[letter].width = column.width
        if column.kind == CODE:
            sheet.column_dimensions[letter].number_format = "@"
        if column.options:
            validation = DataValidation(
                type="list",
                formula1='"' + ",".join(column.options) + '"',
                allow_blank=not column.required,
                showErrorMessage=True,
                errorTitle="填写有误",
                error="请从下拉列表中选择：" + "、".join(column.options),
            )
            validation.add(f"{letter}2:{letter}{settings.IMPORT_MAX_ROWS + 1}")
            sheet.add_data_validation(validation)
    sheet.freeze_panes = "A2"
    return xlsx_response(workbook, kind.template_filename, audited=False)


# --- exports ---------------------------------------------------------------------------------

_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class ExportColumn:
    header: str
    value: Callable[[Any], Any]
    width: int = 14
    number_format: str | None = None


def stream(queryset):
    """Rows of an export, fetched in chunks (prefetches too) so memory does not grow with data.
    Tells the audit trail what kind of record, and how many, the export held."""
    from pilot_admin.audit import services as audit

    count = 0
    try:
        for obj in queryset.iterator(chunk_size=EXPORT_CHUNK_SIZE):
            count += 1
            yield obj
    finally:
        audit.note_export_rows(queryset.model, count)


def values_of(columns: Sequence[ExportColumn], objects: Iterable) -> Iterable[list]:
    for obj in objects:
        yield [column.value(obj) for column in columns]


def safe_text(value: str) -> str:
    return ILLEGAL_CHARACTERS_RE.sub("", value)


def export_cell(sheet, value, number_format=None, bold=False):
    if isinstance(value, bool):
        value = YES if value else NO
    elif isinstance(value, datetime.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value).replace(tzinfo=None)
    elif isinstance(value, str):
        value = safe_text(value)
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str) and value.startswith(_FORMULA_PREFIXES):
        # Stored as a string cell (never <f>) and quote-prefixed, so neither openpyxl, Excel nor
        # WPS evaluates it, even after the user edits the cell.
        cell.data_type = "s"
        cell.quotePrefix = True
    if number_format:
        cell.number_format = number_format
    if bold:
        cell.font = Font(bold=True)
    return cell


class _RowWriter:
    """export_cell for a whole row, each column's style made once: a value export_cell would leave
    as it is goes to openpyxl as it is (an unstyled column) or as a cell carrying the column's
    prepared style (a number format), and only the rest (text that could be a formula or holds
    characters XML cannot carry, booleans, aware datetimes, a date under a non-date format) is
    handed to export_cell itself. The cells written are the ones export_cell would make, at a
    fraction of the cost: the per-cell style look-ups were most of a large export's time."""

    def __init__(self, sheet, formats: Sequence[str | None]):
        self.sheet = sheet
        self.formats = list(formats)
        self.columns = None
        self.bound_kinds: set[type] = set()

    def _prepare(self) -> None:
        # Each format is taken from export_cell's own cell, so the style arrays are exactly its.
        # Made after the first row went through export_cell: the workbook then registered its
        # number formats in export_cell's order, and the file's style table stays the same.
        self.columns = [
            (fmt, export_cell(self.sheet, None, fmt)._style if fmt else None, bool(fmt) and is_date_format(fmt))
            for fmt in self.formats
        ]

    def _register_default_format(self, value) -> None:
        """export_cell binds a date before it sets the column's format, which registers the
        date type's default format in the workbook (listed in its styles, used or not): do
        the same, once per type, at the same point among the row's cells."""
        if type(value) not in self.bound_kinds:
            self.bound_kinds.add(type(value))
            Cell(self.sheet, row=1, column=1, value=value)

    def cells(self, values: Sequence) -> list:
        sheet = self.sheet
        if self.columns is None:
            row = [export_cell(sheet, value, fmt) for value, fmt in zip(values, self.formats, strict=False)]
            self._prepare()
            return row
        row = []
        for value, (fmt, style, date_format) in zip(values, self.columns, strict=False):
            kind = type(value)
            if kind is str:
                plain = not value.startswith(_FORMULA_PREFIXES) and not ILLEGAL_CHARACTERS_RE.search(value)
            elif kind is datetime.datetime:
                plain = value.tzinfo is None and (style is None or date_format)
            elif kind in _TIME_TYPES:
                # openpyxl gives a date its default date format unless the cell has one already:
                # under another format export_cell's order (value, then format) must be kept.
                plain = style is None or date_format
            else:
                plain = kind in _PLAIN_TYPES
            if not plain:
                row.append(export_cell(sheet, value, fmt))
            elif style is not None:
                if kind in _TIME_TYPES or kind is datetime.datetime:
                    self._register_default_format(value)
                # The style set before the value: binding a date keeps the date format it finds.
                row.append(Cell(sheet, row=1, column=1, value=value, style_array=style))
            elif kind in _TIME_TYPES or kind is datetime.datetime:
                # Bound here, as export_cell would: a first date registers its default format
                # in the same order among the row's cells.
                row.append(Cell(sheet, row=1, column=1, value=value))
            else:
                row.append(value)
        return row


# Values export_cell leaves as they are (bool is not int here: type() is compared exactly).
_PLAIN_TYPES = frozenset({int, float, Decimal, type(None)})
_TIME_TYPES = frozenset({datetime.date, datetime.time, datetime.timedelta})


def _append_prepared(sheet):
    """Let `sheet.append` take rows of prepared cells without openpyxl's per-value probe, which
    tries each Cell as a value first and builds a ValueError (with the cell's repr) to find out
    it is one. Same placement as openpyxl's own `_values_to_row` (openpyxl is pinned in
    requirements), plain values bound to one reused cell as there."""
    plain = WriteOnlyCell(sheet)

    def values_to_row(values, row_idx):
        nonlocal plain
        for column, value in enumerate(values, 1):
            if value is None:
                continue
            if type(value) is Cell:
                cell = value
            else:
                cell = plain
                cell.value = value
            cell.column, cell.row = column, row_idx
            yield cell
            if cell is plain and cell.has_style:  # openpyxl's own guard: a value that styled the cell
                plain = WriteOnlyCell(sheet)

    sheet._values_to_row = values_to_row


def export_response(
    *,
    filename: str,
    columns: Sequence[ExportColumn],
    rows: Iterable[Sequence],
    sheet_title: str = "Sheet1",
    title: str = "",
    footer: Iterable[Sequence] = (),
) -> FileResponse:
    """A write-only workbook: optional title row, bold header (frozen), the rows as they
    stream in, then bold footer rows (totals)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_title[:31])
    _append_prepared(sheet)
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    # Everything about the sheet itself must be set before the first row is streamed out.
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
    writer = _RowWriter(sheet, formats)
    count = 0
    for values in rows:
        sheet.append(writer.cells(values))
        count += 1
    for values in footer:
        sheet.append([export_cell(sheet, v, fmt, bold=True) for v, fmt in zip(values, formats, strict=False)])
    return xlsx_response(workbook, filename, rows=count)
