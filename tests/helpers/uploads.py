"""Files handed to the upload pages, the import API and the import kinds."""

from django.core.files.uploadedfile import SimpleUploadedFile

from pilot_admin.excel import XLSX_CONTENT_TYPE, import_kinds
from tests.helpers.excel import workbook_bytes, workbook_file


def xlsx_upload(content: bytes, name: str = "数据.xlsx") -> SimpleUploadedFile:
    """`content` as the browser (or an API client's multipart body) sends a chosen file."""
    return SimpleUploadedFile(name, content, content_type=XLSX_CONTENT_TYPE)


def workbook_upload(headers=None, rows=(), *, name: str = "数据.xlsx", edit=None) -> SimpleUploadedFile:
    """A workbook of `rows` under `headers` (see excel.workbook_bytes), as a chosen file."""
    return xlsx_upload(workbook_bytes(headers, rows, edit=edit), name)


def run_import(kind_key: str, actor, rows, *, headers=None, dry_run: bool = False):
    """Run the import kind on a workbook of `rows` under its own headers (or `headers`), as the
    upload page does once the file is read."""
    kind = import_kinds.get(kind_key)
    file = workbook_file(kind.columns.headers if headers is None else headers, rows)
    return kind.run(actor=actor, file=file, dry_run=dry_run)
