"""Checks every attached file passes (report attachments, inspection evidence): a known type by
extension AND by its first bytes, and a size limit. One rule for every app."""

import mimetypes

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404

ATTACHMENT_TYPES = {
    ".pdf": "application/pdf",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".doc": "application/msword",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xls": "application/vnd.ms-excel",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# The first bytes each allowed type starts with: the name alone proves nothing.
ATTACHMENT_SIGNATURES = {
    ".pdf": (b"%PDF",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".doc": (b"\xd0\xcf\x11\xe0",),
    ".xls": (b"\xd0\xcf\x11\xe0",),
    ".docx": (b"PK\x03\x04",),
    ".xlsx": (b"PK\x03\x04",),
}


def checked_attachment_name(upload) -> str:
    """The upload's plain file name once it passes the checks; a Chinese ValidationError if not."""
    name = upload.name.rsplit("/", 1)[-1]
    extension = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""
    if extension not in ATTACHMENT_TYPES:
        raise ValidationError(f"不支持的附件类型“{extension or name}”，请上传 PDF、图片、Word 或 Excel 文件。")
    if upload.size > settings.REPORT_ATTACHMENT_MAX_BYTES:
        limit = settings.REPORT_ATTACHMENT_MAX_BYTES // (1024 * 1024)
        raise ValidationError(f"附件不能超过 {limit} MB。")
    head = upload.read(8)
    upload.seek(0)
    if not head.startswith(ATTACHMENT_SIGNATURES[extension]):
        raise ValidationError(f"文件“{name}”的内容与扩展名不符。")
    return name


def content_type_for(name: str) -> str:
    extension = "." + name.rsplit(".", 1)[-1].lower()
    return ATTACHMENT_TYPES.get(extension) or mimetypes.guess_type(name)[0] or "application/octet-stream"


def attachment_response(field_file, name: str) -> FileResponse:
    """Stream a stored file through a scoped view; files are never served from a public URL."""
    try:
        handle = field_file.open("rb")
    except FileNotFoundError as exc:
        raise Http404("附件文件已不存在。") from exc
    return FileResponse(handle, as_attachment=True, filename=name, content_type=content_type_for(name))
