"""Workbooks in tests: build one to upload, read the one a download answered with."""

import io

from openpyxl import Workbook, load_workbook

from pilot_admin.excel import XLSX_CONTENT_TYPE


def workbook_bytes(headers=None, rows=(), *, edit=None) -> bytes:
    """A one-sheet .xlsx: the `headers` row (when given), then `rows`; `edit(sheet)` may change
    the sheet before it is saved (a formula, a merged cell, a blank line)."""
    workbook = Workbook()
    sheet = workbook.active
    if headers is not None:
        sheet.append(list(headers))
    for row in rows:
        sheet.append(list(row))
    if edit is not None:
        edit(sheet)
    return saved(workbook)


def workbook_file(headers=None, rows=(), *, edit=None) -> io.BytesIO:
    """The same workbook as an open file, as read_sheet and the import kinds take one."""
    return io.BytesIO(workbook_bytes(headers, rows, edit=edit))


def saved(workbook) -> bytes:
    """An openpyxl workbook as the bytes of its .xlsx file."""
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def downloaded(response, *, read_only: bool = False):
    """The workbook an export answered with (streamed or not), after checking it is one."""
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == XLSX_CONTENT_TYPE, response["Content-Type"]
    return opened(response_bytes(response), read_only=read_only)


def opened(content: bytes, *, read_only: bool = False):
    return load_workbook(io.BytesIO(content), read_only=read_only)


def response_bytes(response) -> bytes:
    return b"".join(response.streaming_content) if getattr(response, "streaming", False) else response.content


def sheet_rows(sheet, *, start: int = 1) -> list[tuple]:
    """The cell values of `sheet` from row `start` on, one tuple per row."""
    return list(sheet.iter_rows(min_row=start, values_only=True))
