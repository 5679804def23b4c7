"""The 任务分工表 import (tasks/services_plan.py), tried on Liuzhi's 附件2 as the plan prints it
(demo/data/liuzhi_task_division.json: a verbatim copy of shared/domain/liuzhi_task_division.json)."""

import datetime
import json
from pathlib import Path

import pytest
from django.urls import reverse

from pilot_admin.choices import Role
from pilot_admin.excel import CellError
from tasks.choices import AssignmentRole
from tasks.models import Task, TaskAssignment
from tasks.services_plan import parse_deadline, split_responsible, tokens
from tests.factories import (
    CountyFactory,
    DepartmentFactory,
    PilotProgramFactory,
    ProgressReportFactory,
    TownshipFactory,
    UserFactory,
)
from tests.helpers.excel import downloaded, sheet_rows
from tests.helpers.uploads import run_import
from villages.choices import DepartmentKind

LIUZHI = json.loads(
    (Path(__file__).resolve().parents[2] / "demo" / "data" / "liuzhi_task_division.json").read_text(encoding="utf-8")
)
HEADERS = ("序号", "工作任务", "负责单位")
KIND = "task-plan"


def liuzhi_rows():
    """The table's cells verbatim: 序号, 工作任务, 负责单位."""
    return [(row["number"], row["task_zh"], row["responsible_units_verbatim"]) for row in LIUZHI["tasks"]]


def _errors(result):
    return {(e.row, e.column): e.message for e in result.errors}


@pytest.fixture
def liuzhi(db):
    county = CountyFactory(name="六枝特区", province="贵州省", prefecture="六盘水市", admin_code="520203")
    townships = [
        TownshipFactory(county=county, name=name, code=f"520203{100 + i}")
        for i, name in enumerate(("平寨镇", "郎岱镇", "岩脚镇"))
    ]
    units = {
        unit["name_zh"]: DepartmentFactory(county=county, key=f"lz-{i}", name=unit["name_zh"])
        for i, unit in enumerate(LIUZHI["all_units_named"])
    }
    program = PilotProgramFactory(
        county=county, code="liuzhi-governance", name="六枝特区城乡社区治理", start_year=2020, end_year=2022
    )
    admin = UserFactory(username="liuzhi_admin", role=Role.COUNTY_ADMIN, county=county)
    return county, townships, units, program, admin


def _assignments(program):
    result = {}
    for a in TaskAssignment.objects.filter(task__program=program).select_related("task", "department"):
        result.setdefault(a.task.code, {}).setdefault(a.role, set()).add(a.department.name)
    return result


def test_the_liuzhi_table_imports_every_task_with_its_lead_and_cooperating_units(liuzhi):
    county, townships, units, program, admin = liuzhi
    result = run_import(KIND, admin, liuzhi_rows(), headers=HEADERS)
    assert result.ok, result.errors
    assert (result.created, result.updated) == (36, 0)
    assert Task.objects.filter(program=program).count() == 36
    held = _assignments(program)
    for row in LIUZHI["tasks"]:
        code = str(row["number"])
        roles = held[code]
        if row["lead_units_explicit"]:
            lead = set(row["lead_units_explicit"])
            cooperating = {u for u in row["cooperating_units_explicit"] if u not in row["generic_units"]}
        else:
            named = [u for u in row["responsible_units"] if u]
            # "…等相关部门" names its units, then the others.
            named = [u.removesuffix("等相关部门") for u in named]
            lead, cooperating = {named[0]}, set(named[1:])
        assert roles.get(AssignmentRole.LEAD) == lead, code
        assert roles.get(AssignmentRole.COOPERATING, set()) == cooperating, code
        assert AssignmentRole.TOWNSHIP not in roles, code
        task = Task.objects.get(program=program, code=code)
        # The generic "all relevant departments" is a flag, not a unit (generic_unit_placeholders).
        assert task.other_units_cooperate == bool(row["generic_units"]), code
        assert task.text == row["task_zh"]
        # No 完成时限 column: the program's end.
        assert task.deadline == datetime.date(2022, 12, 31)
    # Row 6: the "," between Party organs and bureaus is no lead marker — the first listed leads.
    assert held["6"][AssignmentRole.LEAD] == {"特区委组织部"}
    # Row 9: four explicit leads, the others cooperate.
    assert held["9"][AssignmentRole.LEAD] == {"特区民政局", "特区财政局", "特区自然资源局", "特区发展改革局"}
    assert AssignmentRole.COOPERATING not in held["9"]
    # Row 36 ("特区民政局,各有关部门配合") has no 牵头 but its structure says who leads.
    assert held["36"] == {AssignmentRole.LEAD: {"特区民政局"}}
    verbatim = TaskAssignment.objects.get(task__program=program, task__code="32", department__name="特区民政局")
    assert verbatim.verbatim == "特区民政局"


def test_dry_run_checks_the_whole_table_and_writes_nothing(liuzhi):
    county, townships, units, program, admin = liuzhi
    result = run_import(KIND, admin, liuzhi_rows(), headers=HEADERS, dry_run=True)
    assert result.ok and result.dry_run
    assert result.created == 36
    assert not Task.objects.filter(program=program).exists()
    assert not TaskAssignment.objects.filter(task__program=program).exists()


def test_every_bad_row_is_reported_with_its_column_and_nothing_is_written(liuzhi):
    county, townships, units, program, admin = liuzhi
    rows = [
        (1, "第一项任务。", "特区民政局、特区财政局", "2020年底"),  # 2: fine
        (2, "第二项任务。", "特区民政局、特区宇宙局", "2020年底"),  # 3: unknown unit
        (3, None, "特区民政局", "2021年6月底"),  # 4: no task text
        (4, "第四项任务。", "特区民政局", "明年春天"),  # 5: bad deadline
        (1, "重复的序号。", "特区民政局", ""),  # 6: repeats row 2
        (6, "第六项任务。", "特区火星办牵头,特区月亮局配合", "2019年底"),  # 7: two unknown, before start
        (7, "第七项任务。", "各有关部门配合", "长期坚持"),  # 8: no lead
    ]
    result = run_import(KIND, admin, rows, headers=(*HEADERS, "完成时限"))
    errors = _errors(result)
    assert errors[(3, "负责单位")] == "本县没有名为“特区宇宙局”的单位（按单位全称或简称填写）。"
    assert errors[(4, "任务")] == "必填，不能为空。"
    assert errors[(5, "完成时限")].startswith("应为日期（如 2020-12-31）")
    assert "明年春天" in errors[(5, "完成时限")]
    assert errors[(6, "序号")] == "与第 2 行的序号重复。"
    seventh = [e.message for e in result.errors if e.row == 7]
    assert any("特区火星办" in m for m in seventh) and any("特区月亮局" in m for m in seventh)
    assert errors[(8, "负责单位")] == "只写了配合单位，没有写明牵头单位。"
    assert 2 not in {e.row for e in result.errors}
    assert not Task.objects.filter(program=program).exists()


def test_a_deadline_before_the_program_starts_is_the_rows_error(liuzhi):
    county, townships, units, program, admin = liuzhi
    result = run_import(KIND, admin, [(1, "任务。", "特区民政局", "2019年底")], headers=(*HEADERS, "完成时限"))
    assert _errors(result) == {(2, "完成时限"): "完成时限早于试点项目的起始年度（2020年）。"}


def test_reimport_updates_the_tasks_instead_of_adding_them(liuzhi):
    county, townships, units, program, admin = liuzhi
    assert run_import(KIND, admin, liuzhi_rows(), headers=HEADERS).ok
    ids = dict(Task.objects.filter(program=program).values_list("code", "pk"))
    again = run_import(KIND, admin, liuzhi_rows(), headers=HEADERS)
    assert (again.created, again.updated) == (0, 0)  # nothing changed, nothing written
    rows = liuzhi_rows()
    rows[3] = (4, "积极推进基层群众自治（修订）。", "特区民政局、特区司法局")
    changed = run_import(KIND, admin, rows, headers=HEADERS)
    assert (changed.created, changed.updated) == (0, 1)
    assert dict(Task.objects.filter(program=program).values_list("code", "pk")) == ids
    task = Task.objects.get(pk=ids["4"])
    assert task.text == "积极推进基层群众自治（修订）。"
    assert _assignments(program)["4"] == {
        AssignmentRole.LEAD: {"特区民政局"},
        AssignmentRole.COOPERATING: {"特区司法局"},
    }


def test_reimport_cannot_drop_a_unit_that_has_reported(liuzhi):
    county, townships, units, program, admin = liuzhi
    assert run_import(KIND, admin, [(1, "任务。", "特区民政局、特区财政局")], headers=HEADERS).ok
    task = Task.objects.get(program=program, code="1")
    period = task.periods.first()
    ProgressReportFactory(task=task, period=period, department=units["特区财政局"])
    result = run_import(KIND, admin, [(1, "任务。", "特区民政局")], headers=HEADERS)
    assert _errors(result) == {(2, ""): "特区财政局已报送过本任务的报告，不能从任务中移除。"}
    assert task.assignments.count() == 2


def test_lead_and_cooperating_columns_short_names_and_every_township(liuzhi):
    county, townships, units, program, admin = liuzhi
    units["特区民政局"].short_name = "民政局"
    units["特区民政局"].save()
    rows = [
        ("A1", "各乡镇负责落实。", "各乡（镇、街道）", "民政局、特区财政局", "2021-06-30"),
        ("A2", "平寨镇先行试点。", "平寨镇", "特区民政局，各有关部门", datetime.date(2021, 3, 31)),
        ("A3", "长期工作。", "民政局", "各乡镇", "持续推进"),
    ]
    result = run_import(KIND, admin, rows, headers=("序号", "任务", "牵头单位", "配合单位", "完成时限"))
    assert result.ok, result.errors
    held = _assignments(program)
    governments = {f"{t.name}人民政府" for t in townships}
    assert held["A1"] == {
        AssignmentRole.TOWNSHIP: governments,
        AssignmentRole.COOPERATING: {"特区民政局", "特区财政局"},
    }
    assert held["A2"] == {AssignmentRole.LEAD: {"平寨镇人民政府"}, AssignmentRole.COOPERATING: {"特区民政局"}}
    assert held["A3"] == {AssignmentRole.LEAD: {"特区民政局"}, AssignmentRole.TOWNSHIP: governments}
    a1, a2, a3 = (Task.objects.get(program=program, code=c) for c in ("A1", "A2", "A3"))
    assert a1.applies_to_all_townships and a1.deadline == datetime.date(2021, 6, 30)
    assert a2.other_units_cooperate and a2.deadline == datetime.date(2021, 3, 31)
    assert (a3.deadline, a3.deadline_text) == (datetime.date(2022, 12, 31), "持续推进")
    assert TaskAssignment.objects.get(task=a2, role=AssignmentRole.LEAD).department.kind == DepartmentKind.TOWNSHIP


def test_another_countys_program_and_units_are_out_of_reach(liuzhi, county_admin, program):
    # county_admin is Badong's; naming Liuzhi's program is that row's error.
    result = run_import(
        KIND, county_admin, [(1, "任务。", "特区民政局", "liuzhi-governance")], headers=(*HEADERS, "试点项目")
    )
    assert _errors(result) == {(2, "试点项目"): "没有名称或代码为“liuzhi-governance”的试点项目。"}
    # Badong's own program has no unit of that name.
    result = run_import(KIND, county_admin, [(1, "任务。", "特区民政局")], headers=HEADERS)
    assert _errors(result) == {(2, "负责单位"): "本县没有名为“特区民政局”的单位（按单位全称或简称填写）。"}


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("2020年底", datetime.date(2020, 12, 31)),
        ("2020年", datetime.date(2020, 12, 31)),
        ("2020年12月底", datetime.date(2020, 12, 31)),
        ("2021年2月", datetime.date(2021, 2, 28)),
        ("2021年上半年", datetime.date(2021, 6, 30)),
        ("2020-9-30", datetime.date(2020, 9, 30)),
        ("２０２０年１１月３０日", datetime.date(2020, 11, 30)),
        ("2020年底前", datetime.date(2020, 12, 31)),
        (datetime.datetime(2020, 5, 1), datetime.date(2020, 5, 1)),
        ("长期坚持", None),
        ("持续推进", None),
    ],
)
def test_deadline_wordings(cell, expected):
    assert parse_deadline(cell) == expected


@pytest.mark.parametrize("cell", ["明年", "2020年13月", "尽快", "20-12"])
def test_deadline_wordings_refused(cell):
    with pytest.raises(CellError):
        parse_deadline(cell)


def test_unit_cells_split_as_the_module_says():
    assert split_responsible("甲局、乙局牵头,各有关部门配合") == ("甲局、乙局", "各有关部门", True)
    assert split_responsible("甲局,各有关部门配合") == ("甲局", "各有关部门", True)
    assert split_responsible("甲局、乙局") == ("甲局、乙局", "", False)
    assert tokens("甲局、乙局,丙局、") == ["甲局", "乙局", "丙局"]
    assert tokens("各乡(镇、街道)、甲局") == ["\x00", "甲局"]
    assert tokens("各乡（镇、街道）人民政府") == ["\x00"]


def test_the_template_lists_the_columns(client, county_admin):
    client.force_login(county_admin)
    response = client.get(reverse("import_template", args=[KIND]))
    sheet = downloaded(response).active
    assert sheet_rows(sheet)[0][:6] == ("序号", "任务", "牵头单位", "配合单位", "负责单位", "完成时限")
    listing = client.get(reverse("import_list"))
    assert "任务分工表" in listing.content.decode()


def test_only_the_county_office_may_import_a_plan(client, county_viewer):
    client.force_login(county_viewer)
    assert client.get(reverse("import_upload", args=[KIND])).status_code == 403


def test_the_api_imports_the_table_and_reports_errors_by_row(client, liuzhi):
    from tests.helpers.excel import workbook_bytes
    from tests.helpers.uploads import xlsx_upload

    county, townships, units, program, admin = liuzhi
    client.force_login(admin)
    url = reverse("api_task_plan_import")
    bad = [*liuzhi_rows()[:2], (3, "任务。", "特区宇宙局")]
    response = client.post(url, {"file": xlsx_upload(workbook_bytes(HEADERS, bad))})
    assert response.status_code == 400
    assert response.json() == {
        "errors": [
            {"row": 4, "column": "负责单位", "message": "本县没有名为“特区宇宙局”的单位（按单位全称或简称填写）。"}
        ]
    }
    response = client.post(url, {"file": xlsx_upload(workbook_bytes(HEADERS, liuzhi_rows())), "dry_run": "true"})
    assert response.json() == {"created": 36, "updated": 0, "errors": []}
    assert not Task.objects.filter(program=program).exists()
    response = client.post(url, {"file": xlsx_upload(workbook_bytes(HEADERS, liuzhi_rows()))})
    assert response.status_code == 200 and response.json()["created"] == 36
    assert Task.objects.filter(program=program).count() == 36


@pytest.mark.parametrize("role", [Role.COUNTY_VIEWER, Role.DEPARTMENT, Role.TOWNSHIP, Role.INSPECTOR])
def test_other_roles_may_not_import_a_plan(client, liuzhi, role):
    county, townships, units, program, admin = liuzhi
    extra = {"township": townships[0]} if role == Role.TOWNSHIP else {}
    if role == Role.DEPARTMENT:
        extra = {"department": units["特区民政局"]}
    user = UserFactory(role=role, county=county, **extra)
    client.force_login(user)
    assert client.get(reverse("import_upload", args=[KIND])).status_code == 403
    assert client.get(reverse("import_template", args=[KIND])).status_code == 403
