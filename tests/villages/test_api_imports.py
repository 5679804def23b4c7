"""POST /api/v1/imports/villages/ and /api/v1/imports/pilot-assignments/."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from pilot_admin.models import ApiToken, AuditEntry
from tests.helpers.uploads import workbook_upload, xlsx_upload
from villages.choices import PilotStatus
from villages.excel import PILOT_COLUMNS, VILLAGE_COLUMNS
from villages.models import PilotAssignment, Village

VILLAGES_URL = "/api/v1/imports/villages/"
PILOTS_URL = "/api/v1/imports/pilot-assignments/"


@pytest.fixture
def api(county_admin):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {ApiToken.objects.create(user=county_admin).key}")
    return client


GOOD = [
    ("水布垭镇", "新村", "422823104202", 10, 30, 25, "是", "2024-03-05"),
    ("东瀼口镇", "河村", "", 5, 9, 9, "否", "建档前已有"),
]


def test_urls_are_the_named_routes():
    assert reverse("api_village_import") == VILLAGES_URL
    assert reverse("api_pilot_assignment_import") == PILOTS_URL


def test_village_import_answers_200_with_counts(api, township_a, township_b):
    response = api.post(
        VILLAGES_URL, {"file": workbook_upload(VILLAGE_COLUMNS.headers, GOOD, name="村.xlsx")}, format="multipart"
    )
    assert response.status_code == 200
    assert response.json() == {"created": 2, "updated": 0, "errors": []}
    assert set(Village.objects.values_list("name", flat=True)) == {"新村", "河村"}
    again = api.post(
        VILLAGES_URL,
        {"file": workbook_upload(VILLAGE_COLUMNS.headers, [(*GOOD[0][:3], 11, 30, 25, "是"), GOOD[1]], name="村.xlsx")},
        format="multipart",
    )
    assert again.json() == {"created": 0, "updated": 1, "errors": []}
    assert Village.objects.get(name="新村").households == 11
    assert Village.objects.get(name="新村").established_on.isoformat() == "2024-03-05"
    assert Village.objects.get(name="河村").established_on is None


def test_dry_run_reports_and_writes_nothing(api, township_a, township_b):
    response = api.post(
        VILLAGES_URL,
        {"file": workbook_upload(VILLAGE_COLUMNS.headers, GOOD, name="村.xlsx"), "dry_run": "true"},
        format="multipart",
    )
    assert response.status_code == 200
    assert response.json() == {"created": 2, "updated": 0, "errors": []}
    assert not Village.objects.exists()
    assert not AuditEntry.objects.exists()


def test_errors_answer_400_with_every_row_and_nothing_written(api, township_a):
    rows = [
        GOOD[0],
        ("无此镇", "一村", "", 1, 1, 1, "否", "建档前已有"),
        ("水布垭镇", "二村", "", "x", 1, 1, "否", "建档前已有"),
    ]
    response = api.post(
        VILLAGES_URL, {"file": workbook_upload(VILLAGE_COLUMNS.headers, rows, name="村.xlsx")}, format="multipart"
    )
    assert response.status_code == 400
    assert response.json() == {
        "errors": [
            {"row": 3, "column": "乡镇", "message": "乡镇“无此镇”不存在或不在您的管辖范围内。"},
            {"row": 4, "column": "户数", "message": "应为整数（填写的是“x”）。"},
        ]
    }
    assert not Village.objects.exists()


@pytest.mark.parametrize(
    "content, fragment",
    [("乡镇,村名\n水布垭镇,新村\n".encode(), "不是 Excel 工作簿"), (bytes(range(256)), "不是 Excel 工作簿")],
)
def test_a_file_that_is_not_xlsx_answers_400_in_chinese(api, township_a, content, fragment):
    response = api.post(VILLAGES_URL, {"file": xlsx_upload(content, "村.xlsx")}, format="multipart")
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert error["row"] is None and fragment in error["message"]
    assert not Village.objects.exists()


def test_a_missing_file_answers_400(api):
    response = api.post(VILLAGES_URL, {"dry_run": "true"}, format="multipart")
    assert response.status_code == 400
    assert response.json()["errors"][0]["row"] is None


def test_pilot_import_answers_200_and_proposes(api, program, village_a):
    headers = PILOT_COLUMNS.headers
    rows = [("水布垭镇", "水布垭村", program.code, 2018, "县级")]
    response = api.post(PILOTS_URL, {"file": workbook_upload(headers, rows, name="村.xlsx")}, format="multipart")
    assert response.status_code == 200
    assert response.json() == {"created": 1, "updated": 0, "errors": []}
    assert PilotAssignment.objects.get().status == PilotStatus.PROPOSED


def test_pilot_import_answers_400_for_a_year_outside_the_program(api, program, village_a):
    rows = [("水布垭镇", "水布垭村", program.code, 2030, "县级")]
    response = api.post(
        PILOTS_URL, {"file": workbook_upload(PILOT_COLUMNS.headers, rows, name="村.xlsx")}, format="multipart"
    )
    assert response.status_code == 400
    assert response.json()["errors"] == [{"row": 2, "column": "年度", "message": "试点年度应在 2016–2020 之间。"}]
    assert not PilotAssignment.objects.exists()


@pytest.mark.parametrize("url", [VILLAGES_URL, PILOTS_URL])
def test_township_official_gets_403(township_a_official, township_a, url):
    client = APIClient()
    client.force_authenticate(township_a_official)
    response = client.post(
        url, {"file": workbook_upload(VILLAGE_COLUMNS.headers, GOOD, name="村.xlsx")}, format="multipart"
    )
    assert response.status_code == 403
    assert not Village.objects.exists()


@pytest.mark.parametrize("url", [VILLAGES_URL, PILOTS_URL])
def test_anonymous_gets_401(db, url):
    response = APIClient().post(
        url, {"file": workbook_upload(VILLAGE_COLUMNS.headers, GOOD, name="村.xlsx")}, format="multipart"
    )
    assert response.status_code == 401


def test_schema_documents_the_import_endpoints(api):
    response = api.get("/api/v1/schema/", {"format": "json"})
    assert response.status_code == 200
    operation = response.json()["paths"][VILLAGES_URL]["post"]
    assert "multipart/form-data" in operation["requestBody"]["content"]
    assert set(operation["responses"]) >= {"200", "400"}
