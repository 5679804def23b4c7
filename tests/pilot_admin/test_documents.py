"""The document machinery: default templates regenerate from their builders, carry their
placeholders and the GB/T 9704 page; a county uploads its own template, checked for the
placeholders it needs (a missing one refused by name, a non-.docx refused), used when issuing,
and reset to the default; all of it audited and for the county office alone."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from docx import Document

from pilot_admin.choices import AuditAction
from pilot_admin.documents import UNREADABLE_MESSAGE, check_template, document_kinds, render, template_variables
from pilot_admin.documents.layout import to_bytes
from pilot_admin.models import AuditEntry, DocumentTemplate
from tests.helpers.docx import assert_official_layout, filename_of, opened, texts

pytestmark = pytest.mark.django_db

NOTICE = "pilot-acceptance-notice"


def _template_with(kind_key: str, replace: dict[str, str] | None = None, add: str = "") -> bytes:
    """The kind's default template with some text replaced in its paragraphs, or a paragraph added."""
    document = Document(io.BytesIO(document_kinds.get(kind_key).default_path.read_bytes()))
    for paragraph in document.paragraphs:
        for old, new in (replace or {}).items():
            if old in paragraph.text:
                paragraph.text = paragraph.text.replace(old, new)
    if add:
        document.add_paragraph(add)
    return to_bytes(document)


def _upload(client, kind_key: str, content: bytes, name: str = "本县模板.docx"):
    upload = io.BytesIO(content)
    upload.name = name
    return client.post(reverse("document_template_upload", args=[kind_key]), {"file": upload})


def test_every_kind_is_registered():
    assert {kind.key for kind in document_kinds.all()} == {
        "pilot-acceptance-notice",
        "inspection-circular",
        "task-year-summary",
        "task-half-year-summary",
        "guardianship-agreement",
    }


def test_committed_default_templates_are_what_their_builders_make():
    call_command("build_document_templates", "--check")


@pytest.mark.parametrize("kind", document_kinds.all(), ids=lambda kind: kind.key)
def test_default_template_has_every_placeholder_and_the_official_page(kind):
    content = kind.default_path.read_bytes()
    check_template(kind, content)
    assert kind.required <= template_variables(content)
    optional = {placeholder.name for placeholder in kind.optional}
    assert optional <= template_variables(content)
    context = {name: f"〈{name}〉" for name in kind.required | optional}
    for placeholder in kind.placeholders:
        if placeholder.is_list:
            fields = dict(kind.row_fields[placeholder.name])
            context[placeholder.name] = [{field: f"〈{field}〉" for field in fields}]
    document = Document(io.BytesIO(render(kind, county=None, context=context)))
    assert_official_layout(document, body_text="〈issue_date〉")
    # No placeholder is left unrendered.
    assert not any("{{" in text or "{%" in text for text in texts(document))


def test_a_county_template_missing_placeholders_is_refused_naming_them(client, county_admin):
    client.force_login(county_admin)
    content = _template_with(NOTICE, {"{{ document_number }}": "文号待填", "{{ pilot_count }}": "若干"})
    response = _upload(client, NOTICE, content)
    assert response.status_code == 200
    assert not DocumentTemplate.objects.exists()
    page = response.content.decode()
    assert (
        "模板缺少“试点村验收通知”必需的占位符：{{ document_number }}（发文字号）、"
        "{{ pilot_count }}（通过验收的试点村数）。"
    ) in page


def test_a_county_template_missing_its_table_loop_is_refused(county_admin):
    kind = document_kinds.get(NOTICE)
    document = Document(io.BytesIO(kind.default_path.read_bytes()))
    table = document.tables[0]
    table._tbl.getparent().remove(table._tbl)
    with pytest.raises(Exception) as refused:
        check_template(kind, to_bytes(document))
    assert "{%tr for row in pilots %}（通过验收的试点村（表格））" in str(refused.value)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("模板.docx", b"not a zip at all", UNREADABLE_MESSAGE),
        ("模板.docx", b"PK\x03\x04 truncated zip", UNREADABLE_MESSAGE),
        ("模板.doc", b"\xd0\xcf\x11\xe0 old word", "请上传 Word 文档（.docx），“模板.doc”不是 .docx 文件。"),
    ],
)
def test_a_file_that_is_no_docx_is_refused(client, county_admin, name, content, message):
    client.force_login(county_admin)
    response = _upload(client, NOTICE, content, name=name)
    assert response.status_code == 200
    assert not DocumentTemplate.objects.exists()
    assert message in response.content.decode()


def test_an_xlsx_renamed_to_docx_is_refused(client, county_admin):
    from tests.helpers.excel import workbook_bytes

    client.force_login(county_admin)
    response = _upload(client, NOTICE, workbook_bytes(["a"]))
    assert UNREADABLE_MESSAGE in response.content.decode()
    assert not DocumentTemplate.objects.exists()


def test_a_template_with_broken_placeholder_syntax_is_refused(client, county_admin):
    client.force_login(county_admin)
    response = _upload(client, NOTICE, _template_with(NOTICE, add="{{ year 年"))
    assert "模板中的占位符写法有误" in response.content.decode()
    assert not DocumentTemplate.objects.exists()


def test_the_county_template_is_used_audited_and_can_be_reset(client, county_admin, program):
    client.force_login(county_admin)
    response = _upload(client, NOTICE, _template_with(NOTICE, add="本县自定义的说明：{{ year }}"))
    assert response.status_code == 302
    template = DocumentTemplate.objects.get()
    assert (template.county, template.kind, template.uploaded_by) == (county_admin.county, NOTICE, county_admin)
    created = AuditEntry.objects.get(action=AuditAction.CREATE, object_id=str(template.pk))
    assert created.note == "上传试点村验收通知模板"

    query = {
        "program": program.code,
        "year": 2019,
        "document_number": "巴试点办发〔2019〕5号",
        "issuing_office": "巴东县试点办",
        "issue_date": "2019-12-20",
    }
    document = opened(client.get(reverse("villages:acceptance_notice"), query))
    assert "本县自定义的说明：2019" in texts(document)

    # Replacing it is an update; resetting deletes it and the default is back.
    _upload(client, NOTICE, _template_with(NOTICE, add="第二版：{{ year }}"))
    assert AuditEntry.objects.filter(action=AuditAction.UPDATE, object_id=str(template.pk)).exists()
    response = client.post(reverse("document_template_reset", args=[NOTICE]))
    assert response.status_code == 302
    assert not DocumentTemplate.objects.exists()
    assert AuditEntry.objects.filter(action=AuditAction.DELETE, object_id=str(template.pk)).exists()
    document = opened(client.get(reverse("villages:acceptance_notice"), query))
    assert not any(text.startswith(("本县自定义", "第二版")) for text in texts(document))


def test_the_template_pages_list_every_kind_and_its_placeholders(client, county_admin):
    client.force_login(county_admin)
    page = client.get(reverse("document_template_list")).content.decode()
    for kind in document_kinds.all():
        assert kind.label in page
    page = client.get(reverse("document_template_upload", args=["guardianship-agreement"])).content.decode()
    assert "{{ person_id_number }}" in page and "{%tr for row in duties %}" in page
    response = client.get(reverse("document_template_default", args=[NOTICE]))
    assert response.content == document_kinds.get(NOTICE).default_path.read_bytes()
    assert filename_of(response) == "试点村验收通知（默认模板）.docx"


@pytest.mark.parametrize("role", ["county_viewer", "township_a", "department", "inspector", "api_client"])
def test_only_the_county_office_manages_templates(client, personas, role):
    client.force_login(personas[role])
    assert client.get(reverse("document_template_list")).status_code == 403
    response = _upload(client, NOTICE, document_kinds.get(NOTICE).default_path.read_bytes())
    assert response.status_code == 403
    assert not DocumentTemplate.objects.exists()


def test_an_unknown_kind_is_404(client, county_admin):
    client.force_login(county_admin)
    assert client.get(reverse("document_template_upload", args=["no-such-kind"])).status_code == 404


def test_values_are_text_even_with_markup_characters():
    kind = document_kinds.get(NOTICE)
    context = dict.fromkeys(kind.required, "")
    context.update(program_name="A&B <试点> 项目", pilots=[])
    document = Document(io.BytesIO(render(kind, county=None, context=context)))
    assert any("《A&B <试点> 项目》" in text for text in texts(document))
