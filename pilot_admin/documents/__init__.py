"""Word documents (.docx) in the official-document layout, rendered with docxtpl.

Each app registers the documents it issues from its `documents.py` (a DocumentKind: the
placeholders a template must use, the default template committed beside the app, the python-docx
function that builds that default). A county may replace the default with its own .docx
(pilot_admin.models.DocumentTemplate); `render` uses the county's when there is one.
"""

import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.utils.http import content_disposition_header
from django.utils.module_loading import autodiscover_modules
from docxtpl import DocxTemplate
from jinja2 import TemplateError

from pilot_admin.excel.reading import UnreadableWorkbook, check_package

DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
UNREADABLE_MESSAGE = (
    "文件无法作为 Word 文档读取：请上传用 Word 或 WPS 保存的 .docx 文件（不是 .doc、.wps 或改了扩展名的文件）。"
)


@dataclass(frozen=True)
class Placeholder:
    """A variable a template must use: `{{ name }}`, or `{%tr for … in name %}` for a list."""

    name: str
    label: str
    is_list: bool = False

    @property
    def written(self) -> str:
        return f"{{%tr for row in {self.name} %}}" if self.is_list else f"{{{{ {self.name} }}}}"


@dataclass(frozen=True)
class DocumentKind:
    """One document an app issues. `build` makes the default template with python-docx
    (manage.py build_document_templates writes it to `default_path`, which is committed)."""

    key: str
    label: str
    placeholders: tuple[Placeholder, ...]
    default_path: Path
    build: Callable
    description: str = ""
    # Values the document also offers, which a county's template may use or leave out.
    optional: tuple[Placeholder, ...] = ()
    # Fields each row of a list placeholder carries, for the README and the upload page.
    row_fields: dict[str, tuple[tuple[str, str], ...]] | None = None

    @property
    def required(self) -> frozenset[str]:
        return frozenset(placeholder.name for placeholder in self.placeholders)


class DocumentKindRegistry:
    """Apps register their kinds from `<app>/documents.py`, found like admin.py on first use."""

    def __init__(self):
        self._kinds: dict[str, DocumentKind] = {}
        self._discovered = False

    def register(self, kind: DocumentKind) -> DocumentKind:
        self._kinds[kind.key] = kind
        return kind

    def _all(self) -> dict[str, DocumentKind]:
        if not self._discovered:
            self._discovered = True
            autodiscover_modules("documents")
        return self._kinds

    def get(self, key: str) -> DocumentKind | None:
        return self._all().get(key)

    def all(self) -> list[DocumentKind]:
        return list(self._all().values())


document_kinds = DocumentKindRegistry()


def template_variables(content: bytes) -> set[str]:
    """The variables a .docx template uses; a ValidationError in Chinese when it is no readable
    .docx or its placeholders are not valid template syntax."""
    stream = io.BytesIO(content)
    try:
        check_package(stream)
        with zipfile.ZipFile(stream) as archive:
            if "word/document.xml" not in archive.namelist():
                raise ValidationError(UNREADABLE_MESSAGE)
        stream.seek(0)
        template = DocxTemplate(stream)
        template.init_docx()
    except ValidationError:
        raise
    except (UnreadableWorkbook, Exception) as error:  # the user's file, not a bug here
        raise ValidationError(UNREADABLE_MESSAGE) from error
    try:
        stream.seek(0)
        return template.get_undeclared_template_variables()
    except TemplateError as error:
        line = f"（第 {error.lineno} 处）" if getattr(error, "lineno", None) else ""
        raise ValidationError(
            f"模板中的占位符写法有误{line}：{error.message}。请检查 {{{{ }}}} 和 {{% %}} 是否成对。"
        ) from error


def check_template(kind: DocumentKind, content: bytes) -> None:
    """Refuse a template that is no .docx or lacks a placeholder the document needs, naming
    every missing one as it must be written."""
    missing = [p for p in kind.placeholders if p.name not in template_variables(content)]
    if missing:
        names = "、".join(f"{p.written}（{p.label}）" for p in missing)
        raise ValidationError(f"模板缺少“{kind.label}”必需的占位符：{names}。")


def template_bytes(kind: DocumentKind, county) -> bytes:
    """The county's own template for this kind, else the default one."""
    from pilot_admin.models import DocumentTemplate

    own = DocumentTemplate.objects.filter(county=county, kind=kind.key).first() if county is not None else None
    if own is not None:
        with own.file.open("rb") as handle:
            return handle.read()
    return kind.default_path.read_bytes()


def render(kind: DocumentKind, *, county, context: dict) -> bytes:
    """The document for `context`, from the county's template or the default. Values are
    escaped (autoescape), so a name with < or & stays text."""
    template = DocxTemplate(io.BytesIO(template_bytes(kind, county)))
    template.render(context, autoescape=True)
    out = io.BytesIO()
    template.save(out)
    return out.getvalue()


def document_response(content: bytes, filename: str) -> HttpResponse:
    """A .docx download; the Chinese file name goes in filename* (RFC 5987) with an ASCII
    fallback, as Django writes it."""
    response = HttpResponse(content, content_type=DOCX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Cache-Control"] = "no-store"
    return response


def chinese_date(value) -> str:
    """2026年12月6日, the way a document's date is written (GB/T 9704 7.3.5.1: no leading zeros)."""
    return f"{value.year}年{value.month}月{value.day}日"
