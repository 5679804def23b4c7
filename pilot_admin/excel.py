"""The Excel pipeline shared by every import and export.

Imports: an app's `excel.py` declares its columns (a ColumnSet) and registers an ImportKind naming
its service `<entity>_import(*, actor, rows, dry_run)`. This module refuses what is not a real
.xlsx, reads the first sheet in read-only mode, turns each row into typed values and records every
bad cell as a RowError (Excel row number, column header, Chinese message). The service adds the
cross-row and database checks and, through `finish_import`, writes in one transaction only when
no row has an error. A stored upload with errors comes back with each bad cell marked.

Exports: write-only workbooks streamed from querysets into a temporary file, with every string a
spreadsheet could take for a formula forced to text.
"""

import datetime
import re
import tempfile
import unicodedata
import uuid
import warnings
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist, ValidationError
from django.db import IntegrityError, transaction
from django.http import FileResponse
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules, import_string
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, MergedCell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from pilot_admin.choices import ImportStatus
from pilot_admin.models import ImportRun

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXPORT_CHUNK_SIZE = 2000
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
ERROR_FILL = PatternFill("solid", fgColor="FFC7CE")
IMPORT_AUDIT_NOTE = "Excel导入"
CONFLICT_MESSAGE = "写入时与其他人同时进行的修改发生冲突，未写入任何数据，请重新导入。"


# --- results ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    """One problem: `row` is the Excel row (header = 1; None for the whole file), `column` the
    header text ("" when the problem is the row as a whole)."""

    row: int | None
    column: str
    message: str

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "message": self.message}


@dataclass
class ImportRow:
    """One non-empty data row: typed values of the cells that were filled in and parsed, and
    the errors of the cells that were not."""

    number: int
    data: dict[str, Any]
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict:
        return {"created": self.created, "updated": self.updated, "errors": [e.as_dict() for e in self.errors]}


class CellError(ValueError):
    """A cell value that does not fit its column; the argument is the Chinese message."""


# --- columns ---------------------------------------------------------------------------------

TEXT, CODE, INT, DECIMAL, YEAR, BOOL, CHOICE, DATE = "text", "code", "int", "decimal", "year", "bool", "choice", "date"
YES, NO = "是", "否"
_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日")


def _shown(value) -> str:
    return str(value)[:40]


def _ascii(value) -> str:
    """Full-width digits, signs and spaces (common in Chinese input methods) as ASCII."""
    return unicodedata.normalize("NFKC", str(value)).strip()


def _whole(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    text = _ascii(value).replace(",", "").replace(" ", "")
    return int(text) if re.fullmatch(r"[+-]?\d+", text) else None


def _parse_text(column, value):
    if isinstance(value, datetime.datetime | datetime.date):
        raise CellError("应为文字，不应是日期。")
    text = str(value).strip()
    if column.max_length and len(text) > column.max_length:
        raise CellError(f"不能超过 {column.max_length} 个字。")
    return text


def _parse_code(column, value):
    number = _whole(value) if isinstance(value, int | float) else None
    text = str(number) if number is not None else re.sub(r"\s+", "", _ascii(value))
    return _parse_text(column, text)


def _parse_int(column, value):
    number = _whole(value)
    if number is None:
        raise CellError(f"应为整数（填写的是“{_shown(value)}”）。")
    if number < 0:
        raise CellError(f"不能为负数（填写的是“{_shown(value)}”）。")
    return number


def _parse_decimal(column, value):
    if isinstance(value, bool):
        raise CellError(f"应为数字（填写的是“{_shown(value)}”）。")
    try:
        number = Decimal(str(value) if isinstance(value, float) else _ascii(value).replace(",", ""))
    except InvalidOperation:
        raise CellError(f"应为数字（填写的是“{_shown(value)}”）。") from None
    if not number.is_finite():
        raise CellError(f"应为数字（填写的是“{_shown(value)}”）。")
    return number


def _parse_year(column, value):
    number = _whole(value)
    if number is None or not 1900 <= number <= 2100:
        raise CellError(f"应为四位年份，如 2018（填写的是“{_shown(value)}”）。")
    return number


def _parse_bool(column, value):
    if isinstance(value, bool):
        return value
    text = str(value).strip()
    if text in (YES, NO):
        return text == YES
    raise CellError(f"应填写“是”或“否”（填写的是“{_shown(value)}”）。")


def _parse_choice(column, value):
    text = str(value).strip()
    for stored, label in column.choices:
        if text == str(label):
            return stored
    labels = "、".join(str(label) for _, label in column.choices)
    raise CellError(f"应为以下之一：{labels}（填写的是“{_shown(value)}”）。")


def _parse_date(column, value):
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = _ascii(value)
    for pattern in _DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise CellError(f"应为日期，如 2020-01-31（填写的是“{_shown(value)}”）。")


_PARSERS = {
    TEXT: _parse_text,
    CODE: _parse_code,
    INT: _parse_int,
    DECIMAL: _parse_decimal,
    YEAR: _parse_year,
    BOOL: _parse_bool,
    CHOICE: _parse_choice,
    DATE: _parse_date,
}
_KIND_HINTS = {
    INT: "不小于0的整数",
    DECIMAL: "数字",
    YEAR: "四位年份，如 2018",
    BOOL: "填写“是”或“否”",
    DATE: "日期，如 2020-01-31",
}


def normalize_header(value) -> str:
    """Header cells are matched ignoring spaces (also full-width) and a required-mark asterisk."""
    return re.sub(r"[\s*＊]+", "", str(value or ""))


@dataclass(frozen=True)
class Column:
    """One column of an import sheet: its header, the field it fills and how to read it."""

    header: str
    field: str
    kind: str = TEXT
    required: bool = False
    help_text: str = ""
    choices: tuple = ()
    max_length: int | None = None
    aliases: tuple[str, ...] = ()
    width: int = 14

    def parse(self, value):
        return _PARSERS[self.kind](self, value)

    @property
    def options(self) -> list[str]:
        """The values a drop-down list offers in the template."""
        if self.kind == BOOL:
            return [YES, NO]
        if self.kind == CHOICE:
            return [str(label) for _, label in self.choices]
        return []

    @property
    def description(self) -> str:
        parts = ["必填" if self.required else "选填"]
        if self.options:
            parts.append("可选：" + "、".join(self.options))
        elif self.kind in _KIND_HINTS:
            parts.append(_KIND_HINTS[self.kind])
        if self.help_text:
            parts.append(self.help_text)
        return "；".join(parts) + "。"


class ColumnSet:
    """The ordered columns of one import sheet."""

    def __init__(self, *columns: Column):
        self.columns = columns
        self._by_field = {column.field: column for column in columns}
        self._by_header = {}
        for column in columns:
            for text in (column.header, *column.aliases):
                self._by_header[normalize_header(text)] = column
        self._position = {column.header: index for index, column in enumerate(columns)}

    def __iter__(self):
        return iter(self.columns)

    def __len__(self):
        return len(self.columns)

    @property
    def headers(self) -> list[str]:
        return [column.header for column in self.columns]

    def header(self, field_name: str) -> str:
        return self._by_field[field_name].header

    def match(self, header_text) -> Column | None:
        return self._by_header.get(normalize_header(header_text))

    def sort(self, errors: Iterable[RowError]) -> list[RowError]:
        return sorted(errors, key=lambda e: (e.row or 0, self._position.get(e.column, len(self.columns))))

    def errors_from(self, row: int, error: ValidationError, model=None) -> list[RowError]:
        """A model's ValidationError as row errors: on the field's column where the sheet has
        one, otherwise on the row, naming the field."""
        if not hasattr(error, "error_dict"):
            return [RowError(row, "", message) for message in error.messages]
        result = []
        for name, messages in error.message_dict.items():
            column = self._by_field.get(name)
            for message in messages:
                if column is not None:
                    result.append(RowError(row, column.header, message))
                elif name == NON_FIELD_ERRORS or model is None:
                    result.append(RowError(row, "", message))
                else:
                    result.append(RowError(row, "", f"{_verbose_name(model, name)}：{message}"))
        return result


def _verbose_name(model, name: str) -> str:
    try:
        return str(model._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:
        return name


# --- reading ---------------------------------------------------------------------------------


def check_upload(file) -> None:
    """Refuse, before openpyxl sees it, an upload that is too large or is not an .xlsx package."""
    limit = settings.IMPORT_MAX_UPLOAD_BYTES
    size = getattr(file, "size", None)
    if size is not None and size > limit:
        raise ValidationError(f"文件太大（{size / 1048576:.1f} MB），上限为 {limit / 1048576:.0f} MB。")
    file.seek(0)
    signature = file.read(4)
    file.seek(0)
    if signature == b"\xd0\xcf\x11\xe0":
        raise ValidationError("这是旧版 Excel（.xls）文件，请在 Excel 中“另存为” .xlsx 格式后再上传。")
    if signature != b"PK\x03\x04":
        raise ValidationError("文件不是 Excel 工作簿（.xlsx），请上传用 Excel 或 WPS 保存的 .xlsx 文件。")


@dataclass
class SheetData:
    rows: list[ImportRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def fatal(self) -> bool:
        """Errors that stop before any row (unreadable file, header, size) — no rows then."""
        return bool(self.errors)


def _cell_value(value):
    if isinstance(value, str):
        value = value.strip()
        return value or None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


class UnreadableWorkbook(Exception):
    pass


UNREADABLE_MESSAGE = "无法读取该文件：它不是有效的 Excel 工作簿（.xlsx），或已损坏。"


def read_sheet(columns: ColumnSet, file) -> SheetData:
    """Read the first sheet: header row 1 matched by text, then every non-empty row parsed."""
    with warnings.catch_warnings():
        # openpyxl warns about extensions it drops (data validation, conditional formats).
        warnings.simplefilter("ignore", UserWarning)
        try:
            workbook = load_workbook(file, read_only=True, data_only=True)
        except Exception:
            # A damaged or foreign package makes openpyxl raise anything from KeyError and
            # BadZipFile to XML and descriptor errors; each means the user's file, not a bug here.
            return SheetData(errors=[RowError(None, "", UNREADABLE_MESSAGE)])
        try:
            return _read_rows(columns, _lines(workbook))
        except UnreadableWorkbook:
            return SheetData(errors=[RowError(None, "", UNREADABLE_MESSAGE)])
        finally:
            workbook.close()


def _lines(workbook):
    """The first sheet's rows as tuples of values; a damaged sheet becomes UnreadableWorkbook."""
    if not workbook.worksheets:
        raise UnreadableWorkbook
    sheet = workbook.worksheets[0]
    sheet.reset_dimensions()  # some writers store a wrong sheet size; read what is there
    iterator = sheet.iter_rows(values_only=True)
    while True:
        try:
            line = next(iterator)
        except StopIteration:
            return
        except Exception as error:
            raise UnreadableWorkbook from error
        yield line


def _read_rows(columns: ColumnSet, lines) -> SheetData:
    header = next(lines, None) or ()
    positions: dict[str, int] = {}
    errors = []
    for index, text in enumerate(header):
        column = columns.match(text) if text is not None else None
        if column is None:
            continue  # extra columns (notes, serial numbers) are allowed and ignored
        if column.field in positions:
            errors.append(RowError(1, column.header, f"列“{column.header}”出现了不止一次。"))
        positions[column.field] = index
    for column in columns:
        if column.required and column.field not in positions:
            errors.append(RowError(1, column.header, f"缺少必填列“{column.header}”。"))
    if errors:
        return SheetData(errors=errors)

    present = [column for column in columns if column.field in positions]
    rows, limit = [], settings.IMPORT_MAX_ROWS
    for number, line in enumerate(lines, start=2):
        values = {
            c.field: _cell_value(line[positions[c.field]]) if positions[c.field] < len(line) else None for c in present
        }
        if all(value is None for value in values.values()):
            continue
        if len(rows) >= limit:
            return SheetData(errors=[RowError(None, "", f"数据超过 {limit} 行的上限，请分成几个文件导入。")])
        row = ImportRow(number=number, data={})
        for column in present:
            value = values[column.field]
            if value is None:
                if column.required:
                    row.errors.append(RowError(number, column.header, "必填，不能为空。"))
                continue
            try:
                row.data[column.field] = column.parse(value)
            except CellError as error:
                row.errors.append(RowError(number, column.header, str(error)))
        rows.append(row)
    if not rows:
        return SheetData(errors=[RowError(None, "", "表中没有数据行（第1行为表头，数据从第2行开始）。")])
    return SheetData(rows=rows)


def finish_import(
    *,
    columns: ColumnSet,
    rows: Sequence[ImportRow],
    errors: list[RowError],
    created: int,
    updated: int,
    dry_run: bool,
    write: Callable[[], None],
) -> ImportResult:
    """The end of every import service: any error (its own or a cell's) means nothing is
    written; otherwise `write` runs in one transaction unless this is a dry run."""
    errors = columns.sort([error for row in rows for error in row.errors] + errors)
    if errors:
        return ImportResult(errors=errors, dry_run=dry_run)
    if not dry_run:
        try:
            with transaction.atomic():
                write()
        except IntegrityError:
            # Someone changed the same rows between our checks and the write.
            return ImportResult(errors=[RowError(None, "", CONFLICT_MESSAGE)], dry_run=dry_run)
    return ImportResult(created=created, updated=updated, dry_run=dry_run)


def constraint_message(model, name: str) -> str:
    """A named constraint's own Chinese message, so a bulk check says what the model says."""
    return next(str(c.violation_error_message) for c in model._meta.constraints if c.name == name)


# --- the registry of import kinds --------------------------------------------------------------


@dataclass(frozen=True)
class ImportKind:
    """One thing users can import; `service` is the dotted path of `<entity>_import`."""

    key: str
    label: str
    columns: ColumnSet
    service: str
    permission: Callable[[Any], bool]
    description: str = ""
    notes: tuple[str, ...] = ()

    @property
    def template_filename(self) -> str:
        return f"{self.label}导入模板.xlsx"

    def run(self, *, actor, file, dry_run: bool) -> ImportResult:
        sheet = read_sheet(self.columns, file)
        if sheet.fatal:
            return ImportResult(errors=sheet.errors, dry_run=dry_run)
        return import_string(self.service)(actor=actor, rows=sheet.rows, dry_run=dry_run)


class ImportKindRegistry:
    """Apps register their kinds from `<app>/excel.py`, found like admin.py on first use."""

    def __init__(self):
        self._kinds: dict[str, ImportKind] = {}
        self._discovered = False

    def register(self, kind: ImportKind) -> ImportKind:
        self._kinds[kind.key] = kind
        return kind

    def _all(self) -> dict[str, ImportKind]:
        if not self._discovered:
            self._discovered = True
            autodiscover_modules("excel")
        return self._kinds

    def get(self, key: str) -> ImportKind | None:
        return self._all().get(key)

    def for_user(self, user) -> list[ImportKind]:
        return [kind for kind in self._all().values() if kind.permission(user)]


import_kinds = ImportKindRegistry()


def can_import_any(user) -> bool:
    return user.is_authenticated and bool(import_kinds.for_user(user))


# --- stored runs -----------------------------------------------------------------------------


def import_run_start(*, actor, kind: ImportKind, upload, dry_run: bool) -> ImportRun:
    """Keep the upload (for the marked-up copy and a later real import) and run it once."""
    run = ImportRun(actor=actor, kind=kind.key, filename=PurePath(upload.name).name[:255], dry_run=dry_run)
    run.upload.save(f"{uuid.uuid4().hex}.xlsx", upload, save=False)
    return _execute(run, kind, actor)


def import_run_commit(*, actor, run: ImportRun, kind: ImportKind) -> ImportRun:
    """Import for real the stored file of a dry run that passed; checked again, since the data
    may have changed in between."""
    if run.status != ImportStatus.CHECKED:
        raise ValidationError("只有“试导入通过”的记录可以正式导入。")
    if not run.upload:
        raise ValidationError("上传的文件已超过保留期限被删除，请重新上传。")
    run.dry_run = False
    run.actor = actor
    return _execute(run, kind, actor)


def _execute(run: ImportRun, kind: ImportKind, actor) -> ImportRun:
    with transaction.atomic():
        with run.upload.open("rb") as file:
            result = kind.run(actor=actor, file=file, dry_run=run.dry_run)
        if result.errors:
            run.status = ImportStatus.FAILED
        else:
            run.status = ImportStatus.CHECKED if run.dry_run else ImportStatus.DONE
        run.created_count, run.updated_count = result.created, result.updated
        run.errors = [error.as_dict() for error in result.errors]
        run.save()
    return run


def run_has_cell_errors(run: ImportRun) -> bool:
    return bool(run.upload) and any(error.get("row") for error in run.errors)


# --- workbooks handed to the user -----------------------------------------------------------


def _xlsx_response(workbook: Workbook, filename: str) -> FileResponse:
    """Save to a temporary file (deleted when the response closes it) so memory stays flat."""
    handle = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 - FileResponse closes it
    try:
        workbook.save(handle)
    except BaseException:
        handle.close()
        raise
    handle.seek(0)
    return FileResponse(handle, as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE)


def template_response(kind: ImportKind) -> FileResponse:
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
    return _xlsx_response(workbook, kind.template_filename)


def annotated_response(run: ImportRun, kind: ImportKind | None) -> FileResponse:
    """The user's own workbook with every bad cell filled light red and its messages as a
    comment (problems of a whole row go on its first cell), plus a sheet listing them all."""
    with run.upload.open("rb") as file, warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        workbook = load_workbook(file)
    sheet = workbook.worksheets[0]
    positions = {}
    for cell in sheet[1]:
        if cell.value is None:
            continue
        column = kind.columns.match(cell.value) if kind else None
        positions.setdefault(column.header if column else normalize_header(cell.value), cell.column)
    messages = defaultdict(list)
    for error in run.errors:
        if error.get("row"):
            col = positions.get(error["column"], 1) if error["column"] else 1
            messages[(error["row"], col)].append(error["message"])
    for (row, col), texts in messages.items():
        cell = sheet.cell(row=row, column=col)
        if isinstance(cell, MergedCell):
            merged = next(r for r in sheet.merged_cells.ranges if cell.coordinate in r)
            cell = sheet.cell(row=merged.min_row, column=merged.min_col)
        cell.fill = ERROR_FILL
        cell.comment = Comment("\n".join(texts), "导入检查", width=300, height=40 + 20 * len(texts))
    listing = workbook.create_sheet("导入错误")
    listing.append(["行", "列", "错误说明"])
    for error in run.errors:
        listing.append([error.get("row") or "", error.get("column") or "", _safe_text(error["message"])])
    for letter, width in (("A", 8), ("B", 14), ("C", 80)):
        listing.column_dimensions[letter].width = width
    stem = PurePath(run.filename).stem or "导入文件"
    return _xlsx_response(workbook, f"{stem}（错误标注）.xlsx")


# --- exports ---------------------------------------------------------------------------------

_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class ExportColumn:
    header: str
    value: Callable[[Any], Any]
    width: int = 14
    number_format: str | None = None


def stream(queryset):
    """Rows of an export, fetched in chunks (prefetches too) so memory does not grow with data."""
    return queryset.iterator(chunk_size=EXPORT_CHUNK_SIZE)


def values_of(columns: Sequence[ExportColumn], objects: Iterable) -> Iterable[list]:
    for obj in objects:
        yield [column.value(obj) for column in columns]


def _safe_text(value: str) -> str:
    return ILLEGAL_CHARACTERS_RE.sub("", value)


def _export_cell(sheet, value, number_format=None, bold=False):
    if isinstance(value, bool):
        value = YES if value else NO
    elif isinstance(value, datetime.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value).replace(tzinfo=None)
    elif isinstance(value, str):
        value = _safe_text(value)
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
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    # Everything about the sheet itself must be set before the first row is streamed out.
    sheet.freeze_panes = "A3" if title else "A2"
    if title:
        title_cell = _export_cell(sheet, title)
        title_cell.font = Font(bold=True, size=14)
        sheet.append([title_cell])
    header = []
    for column in columns:
        cell = _export_cell(sheet, column.header, bold=True)
        cell.fill = HEADER_FILL
        header.append(cell)
    sheet.append(header)
    formats = [column.number_format for column in columns]
    for values in rows:
        sheet.append([_export_cell(sheet, v, fmt) for v, fmt in zip(values, formats, strict=False)])
    for values in footer:
        sheet.append([_export_cell(sheet, v, fmt, bold=True) for v, fmt in zip(values, formats, strict=False)])
    return _xlsx_response(workbook, filename)
