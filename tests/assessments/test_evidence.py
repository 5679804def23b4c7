import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from assessments import services
from assessments.models import InspectionEvidence
from tests.factories import scheduled_inspection

PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 32


@pytest.fixture
def draft(program, village_a, county_admin, inspector):
    return scheduled_inspection(actor=county_admin, program=program, village=village_a, inspectors=[inspector])


def test_team_member_uploads_evidence_and_anyone_in_scope_downloads_it(client, draft, inspector, county_viewer):
    client.force_login(inspector)
    item = draft.template.items.first()
    response = client.post(
        reverse("assessments:evidence_upload", args=[draft.pk]),
        {"item": item.pk, "file": SimpleUploadedFile("服务站.png", PNG)},
    )
    assert response.status_code == 302
    evidence = InspectionEvidence.objects.get(inspection=draft)
    assert (evidence.original_name, evidence.item_id) == ("服务站.png", item.pk)
    page = client.get(draft.get_absolute_url()).content.decode()
    assert "服务站.png" in page

    client.force_login(county_viewer)
    download = client.get(reverse("assessments:evidence_download", args=[evidence.pk]))
    assert download.status_code == 200
    assert download["Content-Type"] == "image/png"
    assert b"".join(download.streaming_content) == PNG


def test_evidence_must_be_what_its_name_says(draft, inspector):
    with pytest.raises(ValidationError) as error:
        services.evidence_add(actor=inspector, inspection=draft, upload=SimpleUploadedFile("照片.png", b"MZ\x90\x00"))
    assert "内容与扩展名不符" in str(error.value)
    assert not InspectionEvidence.objects.exists()


def test_evidence_closes_with_the_sheet(draft, inspector, county_admin):
    from tests.factories import full_scores

    services.inspection_scores_save(actor=inspector, inspection=draft, scores=full_scores(draft))
    services.inspection_submit(actor=inspector, inspection=draft)
    with pytest.raises(ValidationError):
        services.evidence_add(actor=inspector, inspection=draft, upload=SimpleUploadedFile("晚到.png", PNG))
    assert not InspectionEvidence.objects.exists()
