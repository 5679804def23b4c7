"""The person and visit imports through the shared pipeline: each problem a Chinese row error on
its cell, and any error (or a dry run) means nothing is written."""

import datetime
import io

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from openpyxl import Workbook

from guardianship.models import Person, Visit
from pilot_admin.excel import import_kinds
from pilot_admin.models import AuditEntry
from tests.factories import PersonFactory, id_number

PERSON_A = id_number(datetime.date(1950, 5, 1), 11)
PERSON_B = id_number(datetime.date(2012, 9, 9), 22)


def _run(kind_key, actor, rows, *, dry_run=False):
    kind = import_kinds.get(kind_key)
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(kind.columns.headers)
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return kind.run(actor=actor, file=io.BytesIO(buffer.getvalue()), dry_run=dry_run)


def _errors(result):
    return {(e.row, e.column): e.message for e in result.errors}


def _person_row(township="水布垭镇", village="水布垭村", name="张三", number=PERSON_A, **cells):
    values = {
        "人员类别": "老年人",
        "残疾类别": None,
        "残疾等级": None,
        "民事行为能力": "无民事行为能力",
        "供养方式": "分散供养",
        "供养机构": None,
        "月人均收入": 120,
        "财产符合规定": "是",
        "法定义务人情况": None,
        "住址": "一组",
        "备注": None,
        **cells,
    }
    return (township, village, name, number, *values.values())


# --- persons -----------------------------------------------------------------------------------


def test_person_import_registers_each_row_through_the_service(township_a_official, village_a):
    rows = [
        _person_row(),
        _person_row(name="小明", number=PERSON_B, 人员类别="未成年人", 民事行为能力="限制民事行为能力"),
    ]
    result = _run("persons", township_a_official, rows)
    assert result.ok and result.created == 2
    person = Person.objects.get(id_number=PERSON_A)
    assert (person.village, person.birth_date, person.gender) == (village_a, datetime.date(1950, 5, 1), "male")
    assert person.civil_capacity == "none" and person.address == "一组"
    assert AuditEntry.objects.filter(object_id=str(person.pk), action="create").exists()


def test_person_import_dry_run_writes_nothing(township_a_official, village_a):
    result = _run("persons", township_a_official, [_person_row()], dry_run=True)
    assert result.ok and result.created == 1
    assert not Person.objects.exists()


def test_person_import_reports_invalid_id_numbers(township_a_official, village_a):
    wrong_check = PERSON_A[:-1] + ("0" if PERSON_A[-1] != "0" else "1")
    rows = [
        _person_row(number=wrong_check),
        _person_row(number="42282319501301001X", name="乙"),
        _person_row(number="12345", name="丙"),
        _person_row(number=PERSON_B, name="丁"),
    ]
    result = _run("persons", township_a_official, rows)
    errors = _errors(result)
    assert errors[(2, "公民身份号码")] == "公民身份号码校验位不正确，请核对。"
    assert errors[(3, "公民身份号码")] == "公民身份号码中的出生日期无效。"
    assert "应为18位" in errors[(4, "公民身份号码")]
    assert (5, "公民身份号码") not in errors
    assert not Person.objects.exists()


def test_person_import_reports_unknown_villages_and_another_townships_village(
    township_a_official, village_a, village_b
):
    rows = [
        _person_row(village="无此村"),
        _person_row(township="东瀼口镇", village="东瀼口村", number=PERSON_B, name="乙"),
    ]
    errors = _errors(_run("persons", township_a_official, rows))
    assert errors[(2, "村名")] == "“水布垭镇”没有名为“无此村”的村，或不在您的管辖范围内。"
    assert errors[(3, "村名")] == "“东瀼口镇”没有名为“东瀼口村”的村，或不在您的管辖范围内。"
    assert not Person.objects.exists()


def test_person_import_reports_duplicates_in_the_file_and_already_registered(township_a_official, village_a):
    PersonFactory(village=village_a, id_number=PERSON_B, birth_date=datetime.date(2012, 9, 9), gender="female")
    rows = [_person_row(), _person_row(name="重复"), _person_row(number=PERSON_B, name="已有")]
    errors = _errors(_run("persons", township_a_official, rows))
    assert errors[(3, "公民身份号码")] == "与第 2 行的公民身份号码重复。"
    assert errors[(4, "公民身份号码")] == "该公民身份号码已登记，请在人员页面修改。"
    assert Person.objects.count() == 1


def test_person_import_reports_the_models_rules_on_their_cells(township_a_official, village_a):
    rows = [
        _person_row(供养方式="集中供养"),
        _person_row(number=PERSON_B, name="乙", 残疾类别="肢体残疾"),
    ]
    errors = _errors(_run("persons", township_a_official, rows))
    assert "集中供养须填写供养机构。" in errors.values()
    assert "残疾类别和残疾等级须同时填写。" in errors.values()
    assert {row for row, _ in errors} == {2, 3}
    assert not Person.objects.exists()


def test_person_import_is_refused_to_a_county_viewer(county_viewer, village_a):
    with pytest.raises(PermissionDenied):
        _run("persons", county_viewer, [_person_row()])


# --- visits ------------------------------------------------------------------------------------


def _visit_row(number=PERSON_A, day=None, visitor="李干部", checks=("是",) * 7, problems=None, follow_up=None):
    return (number, day or timezone.localdate() - datetime.timedelta(days=1), visitor, *checks, problems, follow_up)


@pytest.fixture
def person(village_a):
    return PersonFactory(village=village_a, id_number=PERSON_A, birth_date=datetime.date(1950, 5, 1))


def test_visit_import_records_each_visit(township_a_official, person):
    rows = [
        _visit_row(),
        _visit_row(day=datetime.date(2024, 3, 2), checks=("是", "否", *("是",) * 5), problems="被褥薄"),
    ]
    result = _run("visits", township_a_official, rows)
    assert result.ok and result.created == 2
    visits = list(Visit.objects.filter(person=person).order_by("visited_on"))
    assert [v.visited_on for v in visits][0] == datetime.date(2024, 3, 2)
    assert not visits[0].clothing_ok and visits[0].problems == "被褥薄"
    assert visits[0].visitor == township_a_official


def test_visit_import_refuses_future_dates_and_missing_problems(township_a_official, person):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    rows = [_visit_row(day=tomorrow), _visit_row(checks=("否", *("是",) * 6)), _visit_row()]
    errors = _errors(_run("visits", township_a_official, rows))
    assert errors[(2, "走访日期")] == "走访日期不能晚于今天。"
    assert errors[(3, "发现的问题")] == "有未保障的项目时须写明发现的问题。"
    assert not Visit.objects.exists()


def test_visit_import_refuses_a_person_of_another_township_and_unknown_numbers(township_b_official, person):
    errors = _errors(_run("visits", township_b_official, [_visit_row(), _visit_row(number=PERSON_B)]))
    message = "未找到该公民身份号码的登记人员，或该人员不在您的管辖范围内。"
    assert errors == {(2, "公民身份号码"): message, (3, "公民身份号码"): message}
    assert not Visit.objects.exists()


def test_visit_import_reports_bad_cells_and_writes_nothing(township_a_official, person):
    rows = [_visit_row(checks=("也许", *("是",) * 6)), _visit_row(number="123"), _visit_row()]
    errors = _errors(_run("visits", township_a_official, rows))
    assert "应填写“是”或“否”" in errors[(2, "吃饭有保障")]
    assert "应为18位" in errors[(3, "公民身份号码")]
    assert not Visit.objects.exists()


def test_visit_import_for_an_exited_person_is_an_error(township_a_official, person):
    person.status, person.exit_reason, person.exit_date = "exited", "死亡", datetime.date(2024, 1, 1)
    person.save()
    errors = _errors(_run("visits", township_a_official, [_visit_row()]))
    assert errors == {(2, ""): "该人员已退出，不再登记走访。"}


# --- the shared import pages -----------------------------------------------------------------------


def test_township_official_imports_visits_through_the_import_page(client, township_a_official, person):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from pilot_admin.models import ImportRun

    kind = import_kinds.get("visits")
    workbook = Workbook()
    workbook.active.append(kind.columns.headers)
    workbook.active.append(list(_visit_row()))
    buffer = io.BytesIO()
    workbook.save(buffer)
    client.force_login(township_a_official)
    assert "走访探视记录" in client.get(reverse("import_list")).content.decode()
    assert client.get(reverse("import_upload", args=["villages"])).status_code == 403
    upload = SimpleUploadedFile("走访.xlsx", buffer.getvalue())
    response = client.post(reverse("import_upload", args=["visits"]), {"file": upload})
    run = ImportRun.objects.get()
    assert response.status_code == 302 and run.actor == township_a_official
    assert run.status == "done" and run.created_count == 1
    assert Visit.objects.filter(person=person).count() == 1
