"""The county office in a real browser: 文书模板 from the menu refuses a template missing a
placeholder and names it; then 试点村台账 → 验收通知（Word） asks for the 文号 and downloads a
.docx whose 文号 and pilots python-docx reads back."""

import datetime
import io

import pytest
from django.utils import timezone
from docx import Document
from playwright.sync_api import expect

from pilot_admin.documents import document_kinds
from pilot_admin.documents.layout import to_bytes
from pilot_admin.models import DocumentTemplate
from tests.e2e.conftest import save_screenshot, sign_in
from tests.e2e.helpers import open_menu_link
from tests.factories import PilotAssignmentFactory
from tests.helpers.docx import table_rows, texts
from villages.choices import PilotStatus

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("transactional_db")]


def _without_document_number() -> bytes:
    document = Document(io.BytesIO(document_kinds.get("pilot-acceptance-notice").default_path.read_bytes()))
    for paragraph in document.paragraphs:
        if "{{ document_number }}" in paragraph.text:
            paragraph.text = "文号另填"
    return to_bytes(document)


def test_county_office_refused_template_then_downloads_the_acceptance_notice(
    new_context, county_admin, program, village_a, tmp_path
):
    today = timezone.localdate()
    PilotAssignmentFactory(
        program=program,
        village=village_a,
        status=PilotStatus.ACCEPTED,
        accepted_on=datetime.date(2019, 11, 5),
        acceptance_document_no="巴民发〔2019〕12号",
    )
    page = new_context().new_page()
    sign_in(page, county_admin)

    open_menu_link(page, "文书模板")
    expect(page.locator("#document-templates")).to_contain_text("试点村验收通知")
    page.locator("#document-templates tr", has_text="试点村验收通知").get_by_role("link", name="上传或更换").click()
    upload = tmp_path / "本县验收通知.docx"
    upload.write_bytes(_without_document_number())
    page.get_by_label("Word 模板（.docx）").set_input_files(str(upload))
    page.get_by_role("button", name="上传并启用").click()
    expect(page.locator(".field-error")).to_contain_text("{{ document_number }}（发文字号）")
    save_screenshot(page, "document-template-refused.png", full_page=True)
    assert not DocumentTemplate.objects.exists()

    open_menu_link(page, "试点村台账")
    page.get_by_role("link", name="验收通知（Word）").click()
    expect(page.get_by_label("成文日期")).to_have_value(today.isoformat())
    page.get_by_label("年度").select_option("2019")
    page.get_by_label("发文字号").fill("巴试点办发〔2019〕5号")
    with page.expect_download() as download:
        page.get_by_role("button", name="下载 Word 文档").click()
    assert download.value.suggested_filename == f"{program.county.name}2019年试点村验收通知.docx"
    document = Document(download.value.path())
    assert "巴试点办发〔2019〕5号" in texts(document)
    row = table_rows(document.tables[0])[1]
    assert (row[2], row[5], row[6]) == (village_a.name, "2019-11-05", "巴民发〔2019〕12号")
