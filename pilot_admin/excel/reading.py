"""Reading an uploaded workbook: refuse what is not a real .xlsx, then turn the first sheet's
rows into typed values, every bad cell recorded as a RowError."""

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from openpyxl import load_workbook

from pilot_admin.excel.columns import CellError, Column, ColumnSet
from pilot_admin.excel.results import ImportRow, RowError


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


def read_sheet(
    columns: ColumnSet,
    file,
    *,
    progress: Callable[[int], None] | None = None,
    progress_every: int = 1000,
) -> SheetData:
    """Read the first sheet: header row 1 matched by text, then every non-empty row parsed.
    `progress`, when given, is told the number of rows read every `progress_every` rows and
    once at the end."""
    unreadable = SheetData(errors=[RowError(None, "", UNREADABLE_MESSAGE)])
    return _read_first_sheet(file, lambda lines: _read_rows(columns, lines, progress, progress_every), unreadable)


def count_data_rows(columns: ColumnSet, file) -> int:
    """How many rows read_sheet would parse, counted up to one past IMPORT_MAX_ROWS: whether an
    upload is imported in the background, and the total its progress counts towards. A file
    read_sheet would refuse before any row counts 0. The file is left at its start."""
    limit = settings.IMPORT_MAX_ROWS + 1

    def count(lines) -> int:
        present, positions, errors = _header(columns, lines)
        if errors:
            return 0
        total = 0
        for _ in _data_lines(present, positions, lines):
            total += 1
            if total >= limit:
                break
        return total

    try:
        return _read_first_sheet(file, count, unreadable=0)
    finally:
        file.seek(0)


def _read_first_sheet(file, read: Callable, unreadable):
    """`read` applied to the first sheet's rows, or `unreadable` when openpyxl cannot read it."""
    with warnings.catch_warnings():
        # openpyxl warns about extensions it drops (data validation, conditional formats).
        warnings.simplefilter("ignore", UserWarning)
        try:
            workbook = load_workbook(file, read_only=True, data_only=True)
        except Exception:
            # A damaged or foreign package makes openpyxl raise anything from KeyError and
            # BadZipFile to XML and descriptor errors; each means the user's file, not a bug here.
            return unreadable
        try:
            return read(_lines(workbook))
        except UnreadableWorkbook:
            return unreadable
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


def _header(columns: ColumnSet, lines) -> tuple[list[Column], dict[str, int], list[RowError]]:
    """The sheet's columns in spec order, where each field's column is, and header errors."""
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
    return [column for column in columns if column.field in positions], positions, errors


def _data_lines(present: list[Column], positions: dict[str, int], lines):
    """(Excel row number, cell value by field) of each row with something in the sheet's columns."""
    for number, line in enumerate(lines, start=2):
        values = {
            c.field: _cell_value(line[positions[c.field]]) if positions[c.field] < len(line) else None for c in present
        }
        if any(value is not None for value in values.values()):
            yield number, values


def _read_rows(columns: ColumnSet, lines, progress, progress_every: int) -> SheetData:
    present, positions, errors = _header(columns, lines)
    if errors:
        return SheetData(errors=errors)
    rows, limit = [], settings.IMPORT_MAX_ROWS
    for number, values in _data_lines(present, positions, lines):
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
        if progress is not None and len(rows) % progress_every == 0:
            progress(len(rows))
    if not rows:
        return SheetData(errors=[RowError(None, "", "表中没有数据行（第1行为表头，数据从第2行开始）。")])
    if progress is not None:
        progress(len(rows))
    return SheetData(rows=rows)
