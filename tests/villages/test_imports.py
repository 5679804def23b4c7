"""Village and pilot imports: the services behind them and the generic import pages."""

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from pilot_admin.audit.services import audit_entries_for
from pilot_admin.choices import AuditAction, ImportStatus
from pilot_admin.models import AuditEntry, ImportRun
from pilot_admin.services import purge_expired_data
from tests.factories import PilotAssignmentFactory, PilotProgramFactory, TownshipFactory, UserFactory, VillageFactory
from tests.helpers.excel import downloaded, workbook_bytes
from tests.helpers.uploads import run_import, workbook_upload, xlsx_upload
from villages.choices import PilotLevel, PilotStatus
from villages.excel import PILOT_COLUMNS, VILLAGE_COLUMNS
from villages.models import PilotAssignment, Village

VILLAGE_HEADERS = VILLAGE_COLUMNS.headers
PILOT_HEADERS = PILOT_COLUMNS.headers
VILLAGE_FILE = "村名单.xlsx"


def _errors(result):
    """Each (row, column) with its messages: a cell may break more than one rule at once."""
    found = {}
    for e in result.errors:
        found[(e.row, e.column)] = "；".join(filter(None, [found.get((e.row, e.column)), e.message]))
    return found


CLEAN_ROWS = [
    ("水布垭镇", "新村", "422823104202", 120, 400, 380, "是", "建档前已有"),
    ("水布垭镇", "山村", "", 80, 300, 250, "否", "建档前已有"),
    ("东瀼口镇", "河村", 422823101202, 60, 200, 190, "否", "建档前已有"),
]


# --- villages -----------------------------------------------------------------------------


def test_village_import_with_bad_rows_writes_nothing_and_names_every_row_and_column(
    county_admin, township_a, township_b, village_a
):
    before = Village.objects.count()
    result = run_import(
        "villages",
        county_admin,
        [
            ("水布垭镇", "新村", "422823104202", 120, 400, 380, "是", "建档前已有"),  # 2: fine on its own
            ("无此镇", "一村", "", 10, 20, 20, "否", "建档前已有"),  # 3: unknown township
            ("水布垭镇", "二村", "", -5, 20, 20, "否", "建档前已有"),  # 4: negative households
            ("水布垭镇", "新村", "", 1, 2, 2, "否", "建档前已有"),  # 5: repeats row 2
            ("水布垭镇", "三村", "", 1, 2, 2, "不是", "建档前已有"),  # 6: bad 贫困村
            ("水布垭镇", "四村", "42282310420", 1, 2, 2, "否", "建档前已有"),  # 7: 11 digits
            ("水布垭镇", "五村", "422823101203", 1, 2, 2, "否", "建档前已有"),  # 8: other township's prefix
            ("东瀼口镇", "六村", "422823104201", 1, 2, 2, "否", "建档前已有"),  # 9: village_a's code (and prefix)
            ("水布垭镇", "七村", "422823104202", 1, 2, 2, "否", "建档前已有"),  # 10: same code as row 2
        ],
    )
    assert Village.objects.count() == before
    assert result.created == result.updated == 0
    errors = _errors(result)
    assert set(errors) == {
        (3, "乡镇"),
        (4, "户数"),
        (5, "村名"),
        (6, "贫困村"),
        (7, "村代码"),
        (8, "村代码"),
        (9, "村代码"),
        (10, "村代码"),
    }
    assert "“无此镇”不存在或不在您的管辖范围内" in errors[(3, "乡镇")]
    assert "不能为负数" in errors[(4, "户数")]
    assert "与第 2 行重复" in errors[(5, "村名")]
    assert "“是”或“否”" in errors[(6, "贫困村")]
    assert "12位数字" in errors[(7, "村代码")]
    assert "应以所属乡镇代码 422823104 开头" in errors[(8, "村代码")]
    assert "村区划代码已被使用" in errors[(9, "村代码")] and "水布垭村" in errors[(9, "村代码")]
    assert "与第 2 行的村代码重复" in errors[(10, "村代码")]
    assert [e.row for e in result.errors] == sorted(e.row for e in result.errors)


def test_dry_run_reports_what_would_be_created_and_writes_nothing(county_admin, township_a, township_b):
    result = run_import("villages", county_admin, CLEAN_ROWS, dry_run=True)
    assert result.errors == []
    assert (result.created, result.updated) == (3, 0)
    assert not Village.objects.exists()
    assert not AuditEntry.objects.exists()


def test_clean_import_creates_and_the_same_file_again_creates_nothing(county_admin, township_a, township_b):
    result = run_import("villages", county_admin, CLEAN_ROWS)
    assert (result.created, result.updated, result.errors) == (3, 0, [])
    new = Village.objects.get(township=township_a, name="新村")
    assert (new.code, new.households, new.population, new.resident_population) == ("422823104202", 120, 400, 380)
    assert new.is_poverty_village is True
    assert Village.objects.get(name="河村").code == "422823101202"
    entry = audit_entries_for(new).get()
    assert (entry.action, entry.note, entry.actor) == (AuditAction.CREATE, "Excel导入", county_admin)

    again = run_import("villages", county_admin, CLEAN_ROWS)
    assert (again.created, again.updated, again.errors) == (0, 0, [])
    assert Village.objects.count() == 3
    # One entry per imported village; the sign-in has its own entry, not counted here.
    assert AuditEntry.objects.exclude(action=AuditAction.LOGIN).count() == 3


def test_changed_values_update_only_the_changed_villages_with_audit_entries(county_admin, township_a, township_b):
    run_import("villages", county_admin, CLEAN_ROWS)
    changed = [list(row) for row in CLEAN_ROWS]
    changed[0][3] = 125  # 新村 households
    changed[1][6] = "是"  # 山村 becomes a poverty village
    result = run_import("villages", county_admin, changed)
    assert (result.created, result.updated) == (0, 2)
    new = Village.objects.get(name="新村")
    assert new.households == 125
    assert Village.objects.get(name="山村").is_poverty_village is True
    update = audit_entries_for(new).filter(action=AuditAction.UPDATE).get()
    assert update.note == "Excel导入"
    assert update.changes == {"households": {"label": "户数", "old": 120, "new": 125}}
    assert not audit_entries_for(Village.objects.get(name="河村")).filter(action=AuditAction.UPDATE).exists()


def test_blank_optional_cells_leave_existing_values_alone(county_admin, village_a):
    village_a.households, village_a.is_poverty_village = 333, True
    village_a.save()
    result = run_import("villages", county_admin, [("水布垭镇", "水布垭村", None, None, 999, None, None)])
    assert (result.created, result.updated) == (0, 1)
    village_a.refresh_from_db()
    assert (village_a.households, village_a.population, village_a.is_poverty_village) == (333, 999, True)
    assert village_a.code == "422823104201"


def test_a_township_of_another_county_is_unknown_to_the_county_admin(county_admin, township_a):
    TownshipFactory(county__name="建始县", county__admin_code="422822", name="业州镇", code="422822100")
    result = run_import("villages", county_admin, [("业州镇", "外村", "", 1, 1, 1, "否", "建档前已有")])
    assert "不在您的管辖范围内" in _errors(result)[(2, "乡镇")]
    assert not Village.objects.filter(name="外村").exists()


def test_township_officials_may_not_import(township_a_official, township_a):
    with pytest.raises(PermissionDenied):
        run_import("villages", township_a_official, [("水布垭镇", "新村", "", 1, 1, 1, "否", "建档前已有")])
    assert not Village.objects.exists()


def test_import_query_count_does_not_grow_with_rows(county_admin, township_a):
    def rows(n, start):
        return [("水布垭镇", f"村{start + i}", "", i, i, i, "否", "建档前已有") for i in range(n)]

    with CaptureQueriesContext(connection) as small:
        assert run_import("villages", county_admin, rows(3, 0)).created == 3
    with CaptureQueriesContext(connection) as large:
        assert run_import("villages", county_admin, rows(60, 100)).created == 60
    assert len(large) == len(small)


# --- pilot assignments --------------------------------------------------------------------


@pytest.fixture
def pilot_rows(program):
    return [
        ("水布垭镇", "水布垭村", program.name, 2018, "省级重点支持"),
        ("东瀼口镇", "东瀼口村", program.code, 2019, "县级"),
    ]


def test_pilot_import_proposes_pilots_and_skips_identical_ones(county_admin, village_a, village_b, pilot_rows):
    result = run_import("pilot-assignments", county_admin, pilot_rows)
    assert (result.created, result.errors) == (2, [])
    pilot = PilotAssignment.objects.get(village=village_a)
    assert (pilot.year, pilot.level, pilot.status) == (2018, PilotLevel.PROVINCIAL_KEY, PilotStatus.PROPOSED)
    assert pilot.proposed_by == county_admin and pilot.approved_by is None
    assert audit_entries_for(pilot).get().note == "Excel导入"

    again = run_import("pilot-assignments", county_admin, pilot_rows)
    assert (again.created, again.errors) == (0, [])
    assert PilotAssignment.objects.count() == 2


def test_pilot_import_refuses_a_village_already_a_pilot_with_another_year(county_admin, program, village_a, village_b):
    PilotAssignmentFactory(program=program, village=village_a, year=2017, level=PilotLevel.COUNTY)
    result = run_import(
        "pilot-assignments",
        county_admin,
        [("东瀼口镇", "东瀼口村", program.code, 2018, "县级"), ("水布垭镇", "水布垭村", program.code, 2018, "县级")],
    )
    assert "已是本项目 2017 年县级试点村（已审批）" in _errors(result)[(3, "年度")]
    assert PilotAssignment.objects.count() == 1


def test_a_withdrawn_pilot_does_not_block_a_new_proposal(county_admin, program, village_a):
    PilotAssignmentFactory(
        program=program, village=village_a, year=2017, status=PilotStatus.WITHDRAWN, withdraw_reason="撤并"
    )
    result = run_import("pilot-assignments", county_admin, [("水布垭镇", "水布垭村", program.code, 2019, "县级")])
    assert (result.created, result.errors) == (1, [])


def test_pilot_import_year_outside_program_unknown_level_and_unknowns(county_admin, program, village_a, village_b):
    other_county_township = TownshipFactory(
        county__name="建始县", county__admin_code="422822", name="业州镇", code="422822100"
    )
    VillageFactory(township=other_county_township, name="外县村")
    foreign_program = PilotProgramFactory(county=other_county_township.county, code="jianshi", name="建始试点")
    result = run_import(
        "pilot-assignments",
        county_admin,
        [
            ("水布垭镇", "水布垭村", program.code, 2021, "县级"),  # 2: after the program
            ("东瀼口镇", "东瀼口村", program.code, 2018, "市级"),  # 3: unknown level
            ("水布垭镇", "无此村", program.code, 2018, "县级"),  # 4: unknown village
            ("水布垭镇", "水布垭村", "无此项目", 2018, "县级"),  # 5: unknown program
            ("业州镇", "外县村", program.code, 2018, "县级"),  # 6: outside the actor's county
            ("东瀼口镇", "东瀼口村", foreign_program.code, 2018, "县级"),  # 7: another county's program
        ],
    )
    errors = _errors(result)
    assert "试点年度应在 2016–2020 之间" in errors[(2, "年度")]
    assert "省级重点支持、县级" in errors[(3, "级别")]
    assert "水布垭镇没有名为“无此村”的村" in errors[(4, "村名")]
    assert "试点项目“无此项目”不存在" in errors[(5, "试点项目")]
    assert "不在您的管辖范围内" in errors[(6, "乡镇")]
    assert "不在您的管辖范围内" in errors[(7, "试点项目")]
    assert not PilotAssignment.objects.exists()


def test_pilot_import_refuses_the_same_village_twice_in_a_file(county_admin, program, village_a):
    row = ("水布垭镇", "水布垭村", program.code, 2018, "县级")
    result = run_import("pilot-assignments", county_admin, [row, row])
    assert "与第 2 行重复" in _errors(result)[(3, "村名")]
    assert not PilotAssignment.objects.exists()


def test_pilot_import_is_refused_to_township_officials(township_a_official, program, village_a):
    with pytest.raises(PermissionDenied):
        run_import("pilot-assignments", township_a_official, [("水布垭镇", "水布垭村", program.code, 2018, "县级")])


# --- pages --------------------------------------------------------------------------------


def test_import_list_offers_the_kinds_with_template_and_upload(client, county_admin):
    client.force_login(county_admin)
    content = client.get(reverse("import_list")).content.decode()
    for key, label in (("villages", "村基本信息"), ("pilot-assignments", "试点村")):
        assert label in content
        assert reverse("import_template", args=[key]) in content
        assert reverse("import_upload", args=[key]) in content
    assert reverse("import_list") in client.get(reverse("home")).content.decode()


@pytest.mark.parametrize(
    "name, args",
    [
        ("import_upload", ["villages"]),
        ("import_upload", ["pilot-assignments"]),
        ("import_template", ["villages"]),
    ],
)
def test_township_officials_get_403_on_the_village_imports(client, township_a_official, name, args):
    client.force_login(township_a_official)
    assert client.get(reverse(name, args=args)).status_code == 403


def test_township_import_list_offers_only_its_own_kinds(client, township_a_official):
    """Townships import their persons and visits, never villages or pilots."""
    client.force_login(township_a_official)
    page = client.get(reverse("import_list")).content.decode()
    assert reverse("import_upload", args=["villages"]) not in page
    assert reverse("import_upload", args=["pilot-assignments"]) not in page


def test_unknown_import_kind_is_404(client, county_admin):
    client.force_login(county_admin)
    assert client.get(reverse("import_upload", args=["nothing"])).status_code == 404


def test_template_download_headers_equal_the_column_spec(client, county_admin):
    client.force_login(county_admin)
    response = client.get(reverse("import_template", args=["villages"]))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = downloaded(response).active
    assert [cell.value for cell in sheet[1]] == [
        "乡镇",
        "村名",
        "村代码",
        "户数",
        "人口",
        "常住人口",
        "贫困村",
        "设立日期",
    ]
    # The help a county office reads before its first load: what a new village's 设立日期 takes.
    assert "建档前已有" in sheet["H1"].comment.text and "新增的村必填" in sheet["H1"].comment.text


def test_pilot_import_page_says_imported_pilots_are_only_proposed(client, county_admin):
    client.force_login(county_admin)
    content = client.get(reverse("import_upload", args=["pilot-assignments"])).content.decode()
    assert "导入的试点村状态为“拟定”，不会自动审批" in content
    assert "仅检查不写入" in content


def test_upload_with_errors_shows_the_error_table_and_the_annotated_workbook(
    client, county_admin, township_a, village_a
):
    client.force_login(county_admin)
    content = workbook_bytes(
        VILLAGE_HEADERS,
        [
            ("水布垭镇", "新村", "", 10, 20, 20, "否", "建档前已有"),
            ("无此镇", "一村", "", 10, 20, 20, "否", "建档前已有"),
            ("水布垭镇", "二村", "", -1, 20, 20, "也许"),
        ],
    )
    response = client.post(reverse("import_upload", args=["villages"]), {"file": xlsx_upload(content, VILLAGE_FILE)})
    run = ImportRun.objects.get()
    assert response.status_code == 302 and response["Location"] == run.get_absolute_url()
    assert run.status == ImportStatus.FAILED and run.actor == county_admin and run.filename == "村名单.xlsx"
    assert Village.objects.count() == 1

    page = client.get(run.get_absolute_url()).content.decode()
    # Row 4's missing 设立日期 is reported with its two bad cells, not after they are fixed.
    assert "发现 4 处错误，未写入任何数据" in page
    assert "<th>行</th><th>列</th><th>错误说明</th>" in page
    assert "乡镇“无此镇”不存在或不在您的管辖范围内。" in page
    annotated_url = reverse("import_run_annotated", args=[run.pk])
    assert annotated_url in page and "下载标注错误的工作簿" in page

    annotated = client.get(annotated_url)
    assert "%EF%BC%88%E9%94%99%E8%AF%AF%E6%A0%87%E6%B3%A8%EF%BC%89.xlsx" in annotated["Content-Disposition"]
    book = downloaded(annotated)
    sheet = book.worksheets[0]
    assert "不存在或不在您的管辖范围内" in sheet["A3"].comment.text
    assert "不能为负数" in sheet["D4"].comment.text
    assert "“是”或“否”" in sheet["G4"].comment.text
    for coordinate in ("A3", "D4", "G4"):
        assert sheet[coordinate].fill.fgColor.rgb.endswith("FFC7CE")
    assert sheet["A2"].comment is None and sheet["A2"].fill.fill_type is None
    assert sheet["B3"].value == "一村"  # the user's own data is untouched
    listing = book["导入错误"]
    assert [c.value for c in listing[1]] == ["行", "列", "错误说明"]
    assert listing.max_row == 5


def test_a_csv_renamed_xlsx_is_refused_on_the_form_and_nothing_is_stored(client, county_admin, township_a):
    client.force_login(county_admin)
    response = client.post(
        reverse("import_upload", args=["villages"]),
        {"file": xlsx_upload("乡镇,村名\n水布垭镇,新村\n".encode(), "村.xlsx")},
    )
    assert response.status_code == 200
    assert "文件不是 Excel 工作簿（.xlsx）" in response.content.decode()
    assert not ImportRun.objects.exists()
    assert not Village.objects.exists()


def test_random_bytes_are_refused_on_the_form(client, county_admin):
    client.force_login(county_admin)
    response = client.post(
        reverse("import_upload", args=["villages"]), {"file": xlsx_upload(bytes(range(256)), VILLAGE_FILE)}
    )
    assert "文件不是 Excel 工作簿" in response.content.decode()
    assert not ImportRun.objects.exists()


def test_dry_run_then_commit_imports_the_stored_file(client, county_admin, township_a, township_b):
    client.force_login(county_admin)
    response = client.post(
        reverse("import_upload", args=["villages"]),
        {"file": workbook_upload(VILLAGE_HEADERS, CLEAN_ROWS, name=VILLAGE_FILE), "dry_run": "on"},
    )
    run = ImportRun.objects.get()
    assert (run.status, run.dry_run, run.created_count) == (ImportStatus.CHECKED, True, 3)
    assert not Village.objects.exists()
    page = client.get(response["Location"]).content.decode()
    assert '正式导入将新增 <strong id="created-count">3</strong> 条' in page
    assert reverse("import_run_commit", args=[run.pk]) in page

    client.post(reverse("import_run_commit", args=[run.pk]))
    run.refresh_from_db()
    assert (run.status, run.dry_run, run.created_count) == (ImportStatus.DONE, False, 3)
    assert Village.objects.count() == 3
    # A run already done cannot be committed twice.
    client.post(reverse("import_run_commit", args=[run.pk]))
    assert Village.objects.count() == 3
    # One entry per imported village; the sign-in has its own entry, not counted here.
    assert AuditEntry.objects.exclude(action=AuditAction.LOGIN).count() == 3


def test_import_runs_are_hidden_from_other_counties(client, county_admin, township_a):
    client.force_login(county_admin)
    client.post(
        reverse("import_upload", args=["villages"]),
        {"file": workbook_upload(VILLAGE_HEADERS, CLEAN_ROWS[:1], name=VILLAGE_FILE)},
    )
    run = ImportRun.objects.get()
    other_admin = UserFactory(role="county_admin", county=TownshipFactory(county__name="建始县").county)
    client.force_login(other_admin)
    for name in ("import_run_detail", "import_run_annotated"):
        assert client.get(reverse(name, args=[run.pk])).status_code == 404
    assert client.post(reverse("import_run_commit", args=[run.pk])).status_code == 404
    colleague = UserFactory(role="county_admin", county=county_admin.county)
    client.force_login(colleague)
    assert client.get(reverse("import_run_detail", args=[run.pk])).status_code == 200


def test_commit_checks_again_and_writes_nothing_if_the_data_changed_since_the_dry_run(
    client, county_admin, township_a, village_a
):
    client.force_login(county_admin)
    rows = [("水布垭镇", "新村", "422823104202", 1, 1, 1, "否", "建档前已有")]
    client.post(
        reverse("import_upload", args=["villages"]),
        {"file": workbook_upload(VILLAGE_HEADERS, rows, name=VILLAGE_FILE), "dry_run": "on"},
    )
    run = ImportRun.objects.get()
    assert run.status == ImportStatus.CHECKED
    village_a.code = "422823104202"  # someone takes the code in between
    village_a.save()
    response = client.post(reverse("import_run_commit", args=[run.pk]), follow=True)
    run.refresh_from_db()
    assert run.status == ImportStatus.FAILED
    assert [(e["row"], e["column"]) for e in run.errors] == [(2, "村代码")]
    assert not Village.objects.filter(name="新村").exists()
    assert "正式导入时发现错误" in response.content.decode()


def test_a_run_whose_file_was_purged_offers_no_annotated_copy_or_commit(client, county_admin, township_a):
    client.force_login(county_admin)
    client.post(
        reverse("import_upload", args=["villages"]),
        {
            "file": workbook_upload(
                VILLAGE_HEADERS, [("无此镇", "村", "", 1, 1, 1, "否", "建档前已有")], name=VILLAGE_FILE
            )
        },
    )
    failed = ImportRun.objects.get()
    client.post(
        reverse("import_upload", args=["villages"]),
        {"file": workbook_upload(VILLAGE_HEADERS, CLEAN_ROWS[:2], name=VILLAGE_FILE), "dry_run": "on"},
    )
    checked = ImportRun.objects.exclude(pk=failed.pk).get()
    purge_expired_data(now=timezone.now() + timezone.timedelta(days=365))
    client.force_login(county_admin)  # the purge also ended the session
    assert client.get(reverse("import_run_annotated", args=[failed.pk])).status_code == 404
    assert "下载标注错误的工作簿" not in client.get(failed.get_absolute_url()).content.decode()
    page = client.get(checked.get_absolute_url()).content.decode()
    assert "已超过保留期限被删除" in page
    client.post(reverse("import_run_commit", args=[checked.pk]))
    checked.refresh_from_db()
    assert checked.status == ImportStatus.CHECKED
    assert not Village.objects.exists()
