"""The offline score sheet: exported per inspection, filled with openpyxl as an inspector
would in the village, imported through the shared pipeline."""

import io
from decimal import Decimal

import pytest
from django.urls import reverse

from assessments.choices import Grade, InspectionStatus
from assessments.excel import SCORE_SHEET_COLUMNS, score_sheet_kind
from assessments.models import Inspection, ItemScore
from pilot_admin.choices import ImportStatus
from pilot_admin.models import ImportRun
from tests.factories import UserFactory, full_scores, scheduled_inspection
from tests.helpers.excel import downloaded, opened, response_bytes, saved
from tests.helpers.uploads import xlsx_upload

HEADERS = ["乡镇", "村名", "年度", "编号", "评分项目", "满分", "得分", "扣分理由", "列入整改"]
COL = {header: index for index, header in enumerate(HEADERS)}


@pytest.fixture
def inspection(county_admin, program, village_a, inspector):
    return scheduled_inspection(actor=county_admin, program=program, village=village_a, inspectors=[inspector])


def _download(client, inspection, blank=True):
    url = reverse("assessments:sheet_export", args=[inspection.pk]) + ("?blank=1" if blank else "")
    return downloaded(client.get(url))


def _import(client, workbook, dry_run=False):
    response = client.post(
        reverse("import_upload", kwargs={"kind": "score-sheet"}),
        {"file": xlsx_upload(saved(workbook), "评分表.xlsx"), "dry_run": "on" if dry_run else ""},
    )
    assert response.status_code == 302
    return ImportRun.objects.latest("pk")


def _fill(sheet, points_by_code: dict, reasons: dict | None = None, rectify: dict | None = None):
    reasons, rectify = reasons or {}, rectify or {}
    for row in sheet.iter_rows(min_row=2):
        code = row[COL["编号"]].value
        if code in points_by_code:
            row[COL["得分"]].value = points_by_code[code]
            row[COL["扣分理由"]].value = reasons.get(code)
            row[COL["列入整改"]].value = rectify.get(code, "否")


def test_blank_sheet_has_the_header_every_item_and_the_inspection_on_each_row(login, inspector, inspection):
    sheet = _download(login(inspector), inspection).active
    assert [cell.value for cell in sheet[1]] == HEADERS
    assert SCORE_SHEET_COLUMNS.headers == HEADERS
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    items = list(inspection.template.items.order_by("order"))
    assert [row[COL["编号"]] for row in rows] == [item.code for item in items]
    assert {(row[0], row[1], row[2]) for row in rows} == {("水布垭镇", "水布垭村", 2019)}
    assert [Decimal(str(row[COL["满分"]])) for row in rows] == [item.max_points for item in items]
    assert all(row[COL["得分"]] is None and row[COL["扣分理由"]] is None for row in rows)
    # The drop-down for 列入整改 and the guidance of each item as a comment on its title.
    validations = sheet.data_validations.dataValidation
    assert any(v.formula1 == '"是,否"' and "I2" in str(v.sqref) for v in validations)
    assert sheet.cell(row=2, column=COL["评分项目"] + 1).comment.text == items[0].guidance


def test_round_trip_writes_the_sum_and_the_grade(login, inspector, inspection):
    client = login(inspector)
    workbook = _download(client, inspection)
    # 40→36.5, 30→30, 20→18, 10→5: 89.5, one half point short of 优秀 (boundary 90).
    _fill(
        workbook.active,
        {"1.1": 36.5, "2.1": 30, "1.2": 18, "2.2": 5},
        reasons={"1.1": "服务站台账不全", "1.2": "议事协商记录缺失", "2.2": "-未建立微信群"},
        rectify={"2.2": "是"},
    )
    run = _import(client, workbook)
    assert run.status == ImportStatus.DONE, run.errors
    assert (run.created_count, run.updated_count) == (4, 0)
    inspection.refresh_from_db()
    assert inspection.total == Decimal("89.5")
    assert inspection.grade == Grade.PASS
    assert inspection.status == InspectionStatus.DRAFT
    scores = {s.item.code: s for s in inspection.scores.select_related("item")}
    assert scores["1.1"].points == Decimal("36.5") and scores["1.1"].reason == "服务站台账不全"
    assert scores["2.2"].rectify is True and scores["1.2"].rectify is False
    assert scores["2.2"].reason == "-未建立微信群"

    # Exported again, filled: the sheet carries what was imported, formula-like text quote-prefixed.
    filled = _download(client, inspection, blank=False).active
    rows = {row[COL["编号"]]: row for row in filled.iter_rows(min_row=2, values_only=True)}
    assert rows["1.1"][COL["得分"]] == 36.5 and rows["2.2"][COL["列入整改"]] == "是"
    assert rows["2.2"][COL["扣分理由"]] == "-未建立微信群"
    assert filled.cell(row=5, column=COL["扣分理由"] + 1).quotePrefix is True

    # Re-importing it with one change updates the four scores and the total.
    rewrite = _download(client, inspection, blank=False)
    _fill(rewrite.active, {"2.2": 10}, reasons={}, rectify={})
    run = _import(client, rewrite)
    assert run.status == ImportStatus.DONE, run.errors
    assert (run.created_count, run.updated_count) == (0, 4)
    inspection.refresh_from_db()
    assert inspection.total == Decimal("94.5") and inspection.grade == Grade.EXCELLENT


def test_a_dry_run_checks_and_writes_nothing(login, inspector, inspection):
    client = login(inspector)
    workbook = _download(client, inspection)
    _fill(workbook.active, {"1.1": 40, "2.1": 30, "1.2": 20, "2.2": 10})
    run = _import(client, workbook, dry_run=True)
    assert run.status == ImportStatus.CHECKED
    assert not ItemScore.objects.filter(inspection=inspection).exists()


def test_a_bad_sheet_writes_nothing_and_names_each_bad_row_and_column(
    login, county_admin, program, village_b, inspector, inspection
):
    client = login(inspector)
    workbook = _download(client, inspection)
    sheet = workbook.active
    _fill(sheet, {"1.1": 41, "2.1": 25, "1.2": 19.3, "2.2": 10}, reasons={"1.2": "扣分"})
    sheet.cell(row=5, column=COL["编号"] + 1, value="9.9")  # unknown item code
    # A row of another village (not scheduled for this team) and one of the wrong year.
    sheet.append(["东瀼口镇", "东瀼口村", 2019, "1.1", "", 40, 40, None, "否"])
    sheet.append(["水布垭镇", "水布垭村", 2018, "2.1", "", 30, 30, None, "否"])
    run = _import(client, workbook)

    assert run.status == ImportStatus.FAILED
    assert not ItemScore.objects.exists()
    assert Inspection.objects.get(pk=inspection.pk).total is None
    errors = {(e["row"], e["column"]): e["message"] for e in run.errors}
    assert errors[(2, "得分")] == "得分应在 0 到 40.0 之间。"  # over the maximum
    assert errors[(3, "扣分理由")] == "未得满分须填写扣分理由。"  # 25 of 30 without a reason
    assert errors[(4, "得分")] == "得分只能是整数或半分（如 4.5）。"
    assert errors[(5, "编号")] == "评分项目编号“9.9”不在本检查的评分表中。"
    assert "东瀼口镇东瀼口村" in errors[(6, "村名")]
    assert "请核对年度" in errors[(7, "年度")] and "2019" in errors[(7, "年度")]
    assert len(run.errors) == 6

    # The marked-up copy flags the same cells.
    response = client.get(reverse("import_run_annotated", args=[run.pk]))
    marked = downloaded(response).active
    assert "未得满分" in marked.cell(row=3, column=COL["扣分理由"] + 1).comment.text


def test_another_teams_inspection_is_a_row_error(county_admin, program, village_a, inspection):
    stranger = UserFactory(role="inspector", county=program.county)
    workbook = opened(_sheet_bytes(county_admin, inspection))
    _fill(workbook.active, {"1.1": 40, "2.1": 30, "1.2": 20, "2.2": 10})
    result = score_sheet_kind.run(actor=stranger, file=io.BytesIO(saved(workbook)), dry_run=False)
    assert not result.ok
    assert {(e.row, e.column) for e in result.errors} == {(n, "村名") for n in range(2, 6)}
    assert not ItemScore.objects.exists()


def test_a_submitted_inspection_takes_no_sheet(inspector, inspection, county_admin):
    from assessments import services

    services.inspection_scores_save(actor=inspector, inspection=inspection, scores=full_scores(inspection))
    services.inspection_submit(actor=inspector, inspection=inspection)
    workbook = opened(_sheet_bytes(county_admin, inspection))
    _fill(workbook.active, {"1.1": 30}, reasons={"1.1": "改分"})
    result = score_sheet_kind.run(actor=inspector, file=io.BytesIO(saved(workbook)), dry_run=False)
    assert [e.column for e in result.errors] == ["村名"] * 4
    assert "尚未提交" in result.errors[0].message
    assert inspection.scores.get(item__code="1.1").points == Decimal("40")


def test_only_scorers_may_import_the_sheet(login, township_a_official):
    response = login(township_a_official).get(reverse("import_upload", kwargs={"kind": "score-sheet"}))
    assert response.status_code == 403


def test_print_sheet_has_empty_boxes_when_blank_and_the_scores_when_filled(login, inspector, inspection):
    from assessments import services

    services.inspection_scores_save(
        actor=inspector, inspection=inspection, scores=full_scores(inspection, {"1.1": 3.5})
    )
    client = login(inspector)
    filled = client.get(reverse("assessments:sheet_print", args=[inspection.pk])).content.decode()
    assert "36.5" in filled and "评分项目1扣3.5分" in filled and 'id="sheet-total">96.5<' in filled
    # The print layout is the page's own stylesheet (the Content-Security-Policy allows no inline style).
    assert "assessments/sheet_print.css" in filled
    from django.contrib.staticfiles import finders

    with open(finders.find("assessments/sheet_print.css"), encoding="utf-8") as stylesheet:
        assert "@media print" in stylesheet.read()
    assert reverse("import_upload", kwargs={"kind": "score-sheet"}) in filled
    blank = client.get(reverse("assessments:sheet_print", args=[inspection.pk]) + "?blank=1").content.decode()
    assert "36.5" not in blank and "评分项目1扣3.5分" not in blank
    assert 'id="sheet-total"></td>' in blank and "□是 □否" in blank


def test_township_cannot_open_an_unconfirmed_sheet(login, township_a_official, inspection):
    response = login(township_a_official).get(reverse("assessments:sheet_export", args=[inspection.pk]))
    assert response.status_code == 404


def _sheet_bytes(user, inspection):
    from django.test import Client

    client = Client()
    client.force_login(user)
    response = client.get(reverse("assessments:sheet_export", args=[inspection.pk]) + "?blank=1")
    return response_bytes(response)
