"""Reading an uploaded workbook: refuse what is not a real .xlsx, then turn the first sheet's
rows into typed values, every bad cell recorded as a RowError.

Hostile files are refused before or while openpyxl reads them, each with a Chinese message: a
package whose parts would inflate past IMPORT_MAX_UNCOMPRESSED_BYTES or that has more than
IMPORT_MAX_ZIP_MEMBERS parts (a zip bomb), XML declaring a DOCTYPE or entities (entity
expansion; defusedxml refuses them too), formula and error cells, merged cells over the data.
Reading stops after IMPORT_MAX_EMPTY_ROWS empty rows in a row, so a sheet padded to a million
rows costs no more than one with a thousand.
"""

import re
import warnings
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field

from defusedxml import DefusedXmlException
from django.conf import settings
from django.core.exceptions import ValidationError
from openpyxl import load_workbook
from openpyxl.utils.cell import range_boundaries

from pilot_admin.excel.columns import CellError, Column, ColumnSet
from pilot_admin.excel.results import ImportRow, RowError, RowSpool


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
    # A list, or a RowSpool when read for a streaming import kind (read_sheet's `spool`).
    rows: list[ImportRow] | RowSpool = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    def close(self) -> None:
        """Drop a RowSpool's temporary file (a list needs nothing)."""
        if isinstance(self.rows, RowSpool):
            self.rows.close()

    @property
    def fatal(self) -> bool:
        """Errors that stop before any row (unreadable file, header, size) — no rows then."""
        return bool(self.errors)


# Spaces (full-width U+3000 included) and the invisible characters copy-paste leaves around text.
_EDGE_BLANKS = re.compile(r"^[\s\u200b-\u200d\u2060\ufeff]+|[\s\u200b-\u200d\u2060\ufeff]+$")


@dataclass(frozen=True)
class RefusedCell:
    """A cell whose shown value the import will not guess at (a formula, an error value); the
    message says why, and the row and column are added where it is reported."""

    message: str


FORMULA_MESSAGE = "是公式，导入只接受填写的值：请复制该列，用“选择性粘贴 → 数值”粘贴回原处后再导入。"


def _cell_value(value):
    if isinstance(value, str):
        value = _EDGE_BLANKS.sub("", value)
        return value or None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _read_cell(cell):
    """A cell's value; formulas and error values (#N/A, #DIV/0!) become RefusedCell."""
    kind = getattr(cell, "data_type", None)
    if kind == "f":
        return RefusedCell(FORMULA_MESSAGE)
    if kind == "e":
        return RefusedCell(f"是错误值“{str(cell.value)[:20]}”，请改为正确的内容。")
    return cell.value


class UnreadableWorkbook(Exception):
    """The file as a whole cannot be read; the argument, when given, is the Chinese reason."""

    @property
    def message(self) -> str:
        return self.args[0] if self.args else UNREADABLE_MESSAGE


UNREADABLE_MESSAGE = "无法读取该文件：它不是有效的 Excel 工作簿（.xlsx），或已损坏。"
ENTITY_MESSAGE = (
    "文件中含有不允许的 XML 内容（DOCTYPE 或实体定义），为安全起见拒绝读取。请在 Excel 或 WPS 中另存为 .xlsx 后再上传。"
)
# How much of each XML part is searched for a DOCTYPE: it can only come before the root element,
# which real workbooks start within their first few hundred bytes.
_PROLOG_BYTES = 64 * 1024
_DOCTYPE_MARKS = tuple(
    mark.encode(encoding) for mark in ("<!DOCTYPE", "<!ENTITY") for encoding in ("utf-8", "utf-16-le", "utf-16-be")
)


def read_sheet(
    columns: ColumnSet,
    file,
    *,
    progress: Callable[[int], None] | None = None,
    progress_every: int = 1000,
    spool: bool = False,
) -> SheetData:
    """Read the first sheet: header row 1 matched by text, then every non-empty row parsed.
    `progress`, when given, is told the number of rows read every `progress_every` rows and
    once at the end. With `spool` the rows are kept in a RowSpool (a temporary file), not a
    list: memory stays flat however long the sheet, for an import that reads them in batches."""
    try:
        return _read_first_sheet(
            file, lambda sheet: _read_rows(columns, sheet, progress, progress_every, RowSpool() if spool else [])
        )
    except UnreadableWorkbook as error:
        return SheetData(errors=[RowError(None, "", error.message)])


def count_data_rows(columns: ColumnSet, file) -> int:
    """How many rows read_sheet would parse, counted up to one past IMPORT_MAX_ROWS: whether an
    upload is imported in the background, and the total its progress counts towards. A file
    read_sheet would refuse before any row counts 0. The file is left at its start."""
    limit = settings.IMPORT_MAX_ROWS + 1

    def count(sheet) -> int:
        lines = _lines(sheet)
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
        return _read_first_sheet(file, count)
    except UnreadableWorkbook:
        return 0
    finally:
        file.seek(0)


def _unreadable(error: Exception) -> UnreadableWorkbook:
    if isinstance(error, UnreadableWorkbook):
        return error
    cause = error
    while cause is not None:  # openpyxl wraps what the XML parser raised in a ValueError
        if isinstance(cause, DefusedXmlException):
            return UnreadableWorkbook(ENTITY_MESSAGE)
        cause = cause.__cause__ or cause.__context__
    return UnreadableWorkbook(UNREADABLE_MESSAGE)


def _read_first_sheet(file, read: Callable):
    """`read` applied to the first sheet once the package passed its checks; UnreadableWorkbook
    (with the Chinese reason) when it does not or openpyxl cannot read it."""
    check_package(file)
    with warnings.catch_warnings():
        # openpyxl warns about extensions it drops (data validation, conditional formats).
        warnings.simplefilter("ignore", UserWarning)
        try:
            # Not data_only: a formula cell must be seen as one, to be refused (README decisions).
            workbook = load_workbook(file, read_only=True)
        except Exception as error:
            # A damaged or foreign package makes openpyxl raise anything from KeyError and
            # BadZipFile to XML and descriptor errors; each means the user's file, not a bug here.
            raise _unreadable(error) from error
        try:
            if not workbook.worksheets:
                raise UnreadableWorkbook
            sheet = workbook.worksheets[0]
            sheet.reset_dimensions()  # some writers store a wrong sheet size; read what is there
            return read(sheet)
        finally:
            workbook.close()


def check_package(file) -> None:
    """Refuse a zip bomb or XML with a DOCTYPE from the zip's directory and the parts' first
    bytes, before openpyxl inflates anything. Declared sizes are enough: zipfile never inflates
    a part past the size its directory declares."""
    file.seek(0)
    try:
        archive = zipfile.ZipFile(file)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as error:
        raise UnreadableWorkbook from error
    try:
        members = archive.infolist()
        if len(members) > settings.IMPORT_MAX_ZIP_MEMBERS:
            raise UnreadableWorkbook(
                f"文件包含 {len(members)} 个部件，超过上限 {settings.IMPORT_MAX_ZIP_MEMBERS}，"
                "不像是普通的 Excel 工作簿。"
            )
        limit = settings.IMPORT_MAX_UNCOMPRESSED_BYTES
        if sum(member.file_size for member in members) > limit:
            raise UnreadableWorkbook(
                f"文件解压后超过 {limit / 1048576:.0f} MB，不像是普通的 Excel 工作簿（可能是“压缩炸弹”），"
                "请删去多余的工作表、图片和空行后再上传。"
            )
        for member in members:
            if member.filename.lower().endswith((".xml", ".rels", ".vml")):
                with archive.open(member) as part:
                    prolog = part.read(_PROLOG_BYTES)
                if any(mark in prolog for mark in _DOCTYPE_MARKS):
                    raise UnreadableWorkbook(ENTITY_MESSAGE)
    except UnreadableWorkbook:
        raise
    except Exception as error:  # a damaged directory or part: the user's file, not a bug here
        raise UnreadableWorkbook from error
    finally:
        archive.close()
        file.seek(0)


_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\s[^>]*?ref="([A-Za-z0-9:$]+)"')
_MERGE_OVERLAP = 200  # a mergeCell element split between two chunks is found in the next


def _merged_ranges(sheet) -> list[tuple[int, int, int, int]]:
    """(min_col, min_row, max_col, max_row) of the sheet's merged cells, which openpyxl's read-only
    mode does not report: the part is scanned for its <mergeCell> elements."""
    found, tail = set(), b""
    try:
        # _get_source is the read-only sheet's own way to its part (openpyxl pinned in requirements).
        with sheet._get_source() as source:
            while chunk := source.read(1 << 20):
                data = tail + chunk
                if b"mergeCell" in data:  # a plain search first: the regex alone is slow on big sheets
                    found.update(match.group(1).decode() for match in _MERGE.finditer(data))
                tail = data[-_MERGE_OVERLAP:]
    except Exception as error:  # a part that inflates wrong (bad CRC, lying size): the user's file
        raise _unreadable(error) from error
    ranges = []
    for ref in sorted(found):
        try:
            ranges.append(range_boundaries(ref.replace("$", "")))
        except (TypeError, ValueError):
            continue
    return ranges


def _lines(sheet):
    """The sheet's rows as tuples of values; a damaged sheet becomes UnreadableWorkbook."""
    iterator = sheet.iter_rows()
    while True:
        try:
            cells = next(iterator)
        except StopIteration:
            return
        except Exception as error:
            raise _unreadable(error) from error
        yield tuple(_read_cell(cell) for cell in cells)


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
    """(Excel row number, cell value by field) of each row with something in the sheet's columns,
    up to IMPORT_MAX_EMPTY_ROWS empty rows in a row: what follows them is not read."""
    empty, stop = 0, settings.IMPORT_MAX_EMPTY_ROWS
    for number, line in enumerate(lines, start=2):
        values = {
            c.field: _cell_value(line[positions[c.field]]) if positions[c.field] < len(line) else None for c in present
        }
        if any(value is not None for value in values.values()):
            empty = 0
            yield number, values
        else:
            empty += 1
            if empty >= stop:
                return


def _merge_errors(sheet, present: list[Column], positions: dict[str, int]) -> list[RowError]:
    """Merged cells over the data rows of the columns read: only their first cell holds the
    value, so the others would silently read as empty."""
    headers = {positions[column.field] + 1: column.header for column in present}
    errors = []
    for min_col, min_row, max_col, max_row in _merged_ranges(sheet):
        touched = [headers[col] for col in range(min_col, max_col + 1) if col in headers]
        if max_row < 2 or not touched:
            continue
        rows = f"第{min_row}行" if min_row == max_row else f"第{min_row}–{max_row}行"
        errors.append(
            RowError(
                min_row,
                touched[0],
                f"{rows}“{'”“'.join(touched)}”列有合并单元格，导入要求每一行各自填写：请取消合并，"
                "在每个单元格中填好后再导入。",
            )
        )
    return errors


def _read_rows(columns: ColumnSet, sheet, progress, progress_every: int, rows) -> SheetData:
    lines = _lines(sheet)
    present, positions, errors = _header(columns, lines)
    errors = errors or _merge_errors(sheet, present, positions)
    if errors:
        return SheetData(errors=errors)
    limit = settings.IMPORT_MAX_ROWS
    for number, values in _data_lines(present, positions, lines):
        if len(rows) >= limit:
            return SheetData(errors=[RowError(None, "", f"数据超过 {limit} 行的上限，请分成几个文件导入。")])
        row = ImportRow(number=number, data={})
        for column in present:
            value = values[column.field]
            if isinstance(value, RefusedCell):
                row.errors.append(RowError(number, column.header, value.message))
                continue
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
