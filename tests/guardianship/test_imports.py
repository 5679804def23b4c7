"""The person and visit imports through the shared pipeline: each problem a Chinese row error on
its cell, and any error (or a dry run) means nothing is written."""

import datetime
import io

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from guardianship import services
from guardianship.models import Person, Visit
from pilot_admin.excel import IMPORT_AUDIT_NOTE, clean_in_memory, import_kinds
from pilot_admin.models import AuditEntry
from tests.factories import PersonFactory, id_number
from tests.helpers.excel import workbook_bytes
from tests.helpers.uploads import run_import, workbook_upload

PERSON_A = id_number(datetime.date(1950, 5, 1), 11)
PERSON_B = id_number(datetime.date(2012, 9, 9), 22)


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


def test_person_import_registers_each_row_checked_by_the_service(township_a_official, village_a):
    rows = [
        _person_row(),
        _person_row(name="小明", number=PERSON_B, 人员类别="未成年人", 民事行为能力="限制民事行为能力"),
    ]
    result = run_import("persons", township_a_official, rows)
    assert result.ok and result.created == 2
    person = Person.objects.get(id_number=PERSON_A)
    assert (person.village, person.birth_date, person.gender) == (village_a, datetime.date(1950, 5, 1), "male")
    assert person.civil_capacity == "none" and person.address == "一组"
    assert AuditEntry.objects.filter(object_id=str(person.pk), action="create").exists()


def test_person_import_dry_run_writes_nothing(township_a_official, village_a):
    result = run_import("persons", township_a_official, [_person_row()], dry_run=True)
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
    result = run_import("persons", township_a_official, rows)
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
    errors = _errors(run_import("persons", township_a_official, rows))
    assert errors[(2, "村名")] == "“水布垭镇”没有名为“无此村”的村，或不在您的管辖范围内。"
    assert errors[(3, "村名")] == "“东瀼口镇”没有名为“东瀼口村”的村，或不在您的管辖范围内。"
    assert not Person.objects.exists()


def test_person_import_reports_duplicates_in_the_file_and_already_registered(township_a_official, village_a):
    PersonFactory(village=village_a, id_number=PERSON_B, birth_date=datetime.date(2012, 9, 9), gender="female")
    rows = [_person_row(), _person_row(name="重复"), _person_row(number=PERSON_B, name="已有")]
    errors = _errors(run_import("persons", township_a_official, rows))
    assert errors[(3, "公民身份号码")] == "与第 2 行的公民身份号码重复。"
    assert errors[(4, "公民身份号码")] == "该公民身份号码已登记，请在人员页面修改。"
    assert Person.objects.count() == 1


def test_person_import_reports_the_models_rules_on_their_cells(township_a_official, village_a):
    rows = [
        _person_row(供养方式="集中供养"),
        _person_row(number=PERSON_B, name="乙", 残疾类别="肢体残疾"),
    ]
    errors = _errors(run_import("persons", township_a_official, rows))
    assert "集中供养须填写供养机构。" in errors.values()
    assert "残疾类别和残疾等级须同时填写。" in errors.values()
    assert {row for row, _ in errors} == {2, 3}
    assert not Person.objects.exists()


def test_person_import_is_refused_to_a_county_viewer(county_viewer, village_a):
    with pytest.raises(PermissionDenied):
        run_import("persons", county_viewer, [_person_row()])


def _numbers(count, *, start=0):
    first = datetime.date(1940, 1, 1)
    return [id_number(first + datetime.timedelta(days=start + i), i % 1000) for i in range(count)]


def _counted_import(kind_key, actor, rows, *, dry_run=False):
    # The content-type cache fills on first use: clear it so each run pays the same look-ups.
    ContentType.objects.clear_cache()
    with CaptureQueriesContext(connection) as queries:
        result = run_import(kind_key, actor, rows, dry_run=dry_run)
    return result, len(queries)


def test_person_import_query_count_is_the_same_for_20_and_200_rows(township_a_official, village_a):
    small, small_queries = _counted_import(
        "persons", township_a_official, [_person_row(name=f"甲{i}", number=n) for i, n in enumerate(_numbers(20))]
    )
    large_rows = [_person_row(name=f"乙{i}", number=n) for i, n in enumerate(_numbers(200, start=1000))]
    large, large_queries = _counted_import("persons", township_a_official, large_rows)
    assert (small.ok, small.created, large.ok, large.created) == (True, 20, True, 200)
    assert Person.objects.count() == 220
    assert large_queries == small_queries
    # Look-ups, one INSERT of persons, one of audit entries (and their savepoint): not per row.
    assert small_queries <= 10


def test_person_import_dry_run_query_count_is_the_same_for_20_and_200_rows(township_a_official, village_a):
    rows_20 = [_person_row(name=f"甲{i}", number=n) for i, n in enumerate(_numbers(20))]
    rows_200 = [_person_row(name=f"乙{i}", number=n) for i, n in enumerate(_numbers(200, start=1000))]
    (small, small_queries), (large, large_queries) = (
        _counted_import("persons", township_a_official, rows_20, dry_run=True),
        _counted_import("persons", township_a_official, rows_200, dry_run=True),
    )
    assert (small.created, large.created) == (20, 200)
    assert large_queries == small_queries
    assert not Person.objects.exists()


def test_person_import_audits_each_person_like_person_save(township_a_official, village_a):
    result = run_import("persons", township_a_official, [_person_row()])
    assert result.ok
    imported = Person.objects.get(id_number=PERSON_A)
    entry = AuditEntry.objects.get(object_id=str(imported.pk))
    saved = services.person_save(
        actor=township_a_official,
        name="张三",
        id_number=PERSON_B,
        village=village_a,
        kind="elderly",
        civil_capacity="none",
        support_mode="dispersed",
        monthly_income_yuan=120,
        address="一组",
    )
    by_service = AuditEntry.objects.get(object_id=str(saved.pk))
    assert (entry.action, entry.note, entry.actor) == ("create", IMPORT_AUDIT_NOTE, township_a_official)
    differing = {"id_number", "birth_date", "gender"}
    assert {k: v for k, v in entry.changes.items() if k not in differing} == {
        k: v for k, v in by_service.changes.items() if k not in differing
    }
    assert entry.changes["village"]["new"] == "水布垭村" and entry.changes["kind"]["new"] == "老年人"
    assert imported.version == saved.version == 1


def test_person_import_reports_every_bad_row_and_writes_nothing(township_a_official, village_a, village_b):
    PersonFactory(village=village_a, id_number=PERSON_B, birth_date=datetime.date(2012, 9, 9), gender="female")
    good = _numbers(4, start=500)
    rows = [
        _person_row(number=good[0]),  # row 2: fine
        _person_row(number=good[1], 供养方式="集中供养"),  # 3: concentrated without institution
        _person_row(number=good[2], 残疾类别="肢体残疾"),  # 4: type without grade
        _person_row(number=PERSON_B),  # 5: already registered
        _person_row(number=good[0]),  # 6: repeats row 2
        _person_row(township="东瀼口镇", village="东瀼口村", number=good[3]),  # 7: another township
        _person_row(number="12345"),  # 8: bad number
        _person_row(number=_numbers(1, start=900)[0], 残疾等级=9, 残疾类别="肢体残疾"),  # 9: grade out of range
    ]
    audit_before = AuditEntry.objects.count()
    result = run_import("persons", township_a_official, rows)
    errors = _errors(result)
    assert not result.ok and result.created == 0
    assert {row for row, _ in errors} == {3, 4, 5, 6, 7, 8, 9}
    assert errors[(3, "")] == "集中供养须填写供养机构。"
    assert errors[(4, "")] == "残疾类别和残疾等级须同时填写。"
    assert errors[(5, "公民身份号码")] == "该公民身份号码已登记，请在人员页面修改。"
    assert errors[(6, "公民身份号码")] == "与第 2 行的公民身份号码重复。"
    assert "不在您的管辖范围内" in errors[(7, "村名")]
    assert "应为18位" in errors[(8, "公民身份号码")]
    assert (9, "残疾等级") in errors
    assert Person.objects.count() == 1 and AuditEntry.objects.count() == audit_before


def test_person_import_refuses_a_visible_village_outside_the_persons_scope(township_a_official, village_a):
    """The scope rule comes from person_validate: a village the lookup found but the actor may
    not keep persons in is refused with person_save's message."""
    checks = services.PersonChecks(village_ids=frozenset(), registered={})
    with pytest.raises(ValidationError) as caught:
        services.person_validate(
            actor=township_a_official,
            checks=checks,
            name="甲",
            id_number=PERSON_A,
            village=village_a,
            kind="elderly",
            support_mode="dispersed",
        )
    assert caught.value.message_dict == {"village": ["该村不在您的管辖范围内。"]}


def test_person_validate_with_checks_refuses_a_registered_number_like_full_clean(township_a_official, village_a):
    existing = PersonFactory(village=village_a, id_number=PERSON_A, birth_date=datetime.date(1950, 5, 1))
    data = {"name": "甲", "id_number": PERSON_A, "village": village_a, "kind": "elderly", "support_mode": "dispersed"}
    with pytest.raises(ValidationError) as by_query:
        services.person_validate(actor=township_a_official, **data)
    checks = services.person_checks(actor=township_a_official, villages=[village_a], id_numbers=[PERSON_A])
    with pytest.raises(ValidationError) as by_checks:
        services.person_validate(actor=township_a_official, checks=checks, **data)
    assert by_checks.value.message_dict == by_query.value.message_dict
    assert set(by_checks.value.message_dict) == {"id_number"}
    assert checks.registered == {PERSON_A: existing.pk}


@pytest.mark.parametrize(
    "fields",
    [
        {},
        {"support_mode": "concentrated"},
        {"support_mode": "concentrated", "institution": "县福利院"},
        {"disability_type": "physical"},
        {"disability_grade": 2},
        {"disability_type": "physical", "disability_grade": 2},
        {"status": "exited"},
        {"status": "exited", "exit_reason": "死亡"},
        {"status": "exited", "exit_reason": "死亡", "exit_date": datetime.date(2024, 1, 1)},
        {"support_mode": "concentrated", "disability_type": "physical", "status": "exited"},
        {"kind": "无此类别", "support_mode": "concentrated"},
    ],
)
def test_clean_in_memory_judges_the_check_constraints_as_the_database_does(village_a, fields):
    values = {"kind": "elderly", "support_mode": "dispersed", **fields}
    person = Person(
        name="甲", id_number=PERSON_A, birth_date=datetime.date(1950, 5, 1), gender="male", village=village_a, **values
    )

    def messages(check):
        try:
            check()
        except ValidationError as error:
            return {name: sorted(found) for name, found in error.message_dict.items()}
        return {}

    expected = messages(lambda: person.full_clean(exclude=["village"], validate_unique=False))
    with CaptureQueriesContext(connection) as queries:
        found = messages(lambda: clean_in_memory(person, exclude=["village"]))
    assert found == expected
    assert len(queries) == 0


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
    result = run_import("visits", township_a_official, rows)
    assert result.ok and result.created == 2
    visits = list(Visit.objects.filter(person=person).order_by("visited_on"))
    assert [v.visited_on for v in visits][0] == datetime.date(2024, 3, 2)
    assert not visits[0].clothing_ok and visits[0].problems == "被褥薄"
    assert visits[0].visitor == township_a_official


def test_visit_import_refuses_future_dates_and_missing_problems(township_a_official, person):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    rows = [_visit_row(day=tomorrow), _visit_row(checks=("否", *("是",) * 6)), _visit_row()]
    errors = _errors(run_import("visits", township_a_official, rows))
    assert errors[(2, "走访日期")] == "走访日期不能晚于今天。"
    assert errors[(3, "发现的问题")] == "有未保障的项目时须写明发现的问题。"
    assert not Visit.objects.exists()


def test_visit_import_refuses_a_person_of_another_township_and_unknown_numbers(township_b_official, person):
    errors = _errors(run_import("visits", township_b_official, [_visit_row(), _visit_row(number=PERSON_B)]))
    message = "未找到该公民身份号码的登记人员，或该人员不在您的管辖范围内。"
    assert errors == {(2, "公民身份号码"): message, (3, "公民身份号码"): message}
    assert not Visit.objects.exists()


def test_visit_import_reports_bad_cells_and_writes_nothing(township_a_official, person):
    rows = [_visit_row(checks=("也许", *("是",) * 6)), _visit_row(number="123"), _visit_row()]
    errors = _errors(run_import("visits", township_a_official, rows))
    assert "应填写“是”或“否”" in errors[(2, "吃饭有保障")]
    assert "应为18位" in errors[(3, "公民身份号码")]
    assert not Visit.objects.exists()


def test_visit_import_for_an_exited_person_is_an_error(township_a_official, person):
    person.status, person.exit_reason, person.exit_date = "exited", "死亡", datetime.date(2024, 1, 1)
    person.save()
    errors = _errors(run_import("visits", township_a_official, [_visit_row()]))
    assert errors == {(2, ""): "该人员已退出，不再登记走访。"}


def test_visit_import_query_count_is_the_same_for_20_and_200_rows(township_a_official, village_a):
    numbers = _numbers(200)
    for number in numbers[:50]:
        PersonFactory(village=village_a, id_number=number)
    day = timezone.localdate() - datetime.timedelta(days=1)
    small, small_queries = _counted_import(
        "visits", township_a_official, [_visit_row(number=numbers[i % 50], day=day) for i in range(20)]
    )
    large, large_queries = _counted_import(
        "visits", township_a_official, [_visit_row(number=numbers[i % 50], day=day) for i in range(200)]
    )
    assert (small.created, large.created) == (20, 200)
    assert large_queries == small_queries
    visits = Visit.objects.filter(person__village=village_a)
    assert visits.count() == 220 and set(visits.values_list("visitor", flat=True)) == {township_a_official.pk}
    entry = AuditEntry.objects.filter(object_id=str(visits.first().pk), action="create").get()
    assert entry.note == IMPORT_AUDIT_NOTE and entry.changes["visitor_name"]["new"] == "李干部"


def test_visit_import_reports_every_bad_row_and_writes_nothing(township_a_official, person):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    rows = [
        _visit_row(),
        _visit_row(day=tomorrow),
        _visit_row(checks=("否", *("是",) * 6)),
        _visit_row(number=PERSON_B),
        _visit_row(visitor="李" * 101),
    ]
    errors = _errors(run_import("visits", township_a_official, rows))
    assert {row for row, _ in errors} == {3, 4, 5, 6}
    assert errors[(3, "走访日期")] == "走访日期不能晚于今天。"
    assert errors[(4, "发现的问题")] == "有未保障的项目时须写明发现的问题。"
    assert (6, "走访人") in errors
    assert not Visit.objects.exists() and not AuditEntry.objects.filter(note=IMPORT_AUDIT_NOTE).exists()


# --- the shared import pages -----------------------------------------------------------------------


def test_township_official_imports_visits_through_the_import_page(client, township_a_official, person):
    from django.urls import reverse

    from pilot_admin.models import ImportRun

    kind = import_kinds.get("visits")
    client.force_login(township_a_official)
    assert "走访探视记录" in client.get(reverse("import_list")).content.decode()
    assert client.get(reverse("import_upload", args=["villages"])).status_code == 403
    upload = workbook_upload(kind.columns.headers, [_visit_row()], name="走访.xlsx")
    response = client.post(reverse("import_upload", args=["visits"]), {"file": upload})
    run = ImportRun.objects.get()
    assert response.status_code == 302 and run.actor == township_a_official
    assert run.status == "done" and run.created_count == 1
    assert Visit.objects.filter(person=person).count() == 1


# --- persons, in batches -----------------------------------------------------------------------


def test_person_import_rolls_back_the_batches_written_when_a_later_row_fails(
    township_a_official, village_a, monkeypatch
):
    """Batches are written as they pass, inside one transaction: a row failing after three
    batches were written leaves none of them, and every failing row is reported."""
    from guardianship import services_import

    monkeypatch.setattr(services_import, "BATCH_SIZE", 3)
    numbers = _numbers(9, start=2000)
    rows = [_person_row(name=f"批{i}", number=n) for i, n in enumerate(numbers)]  # rows 2–10
    rows.append(_person_row(name="重复", number=numbers[1]))  # row 11 repeats row 3, two batches back
    rows.append(_person_row(name="机构", number=_numbers(1, start=2100)[0], 供养方式="集中供养"))  # row 12
    audit_before = AuditEntry.objects.count()
    with CaptureQueriesContext(connection) as queries:
        result = run_import("persons", township_a_official, rows)
    assert not result.ok and result.created == 0
    assert _errors(result) == {
        (11, "公民身份号码"): "与第 3 行的公民身份号码重复。",
        (12, ""): "集中供养须填写供养机构。",
    }
    inserts = [q["sql"] for q in queries if q["sql"].startswith(f'INSERT INTO "{Person._meta.db_table}"')]
    assert len(inserts) == 3  # the three batches before the first error were written…
    assert not Person.objects.exists() and AuditEntry.objects.count() == audit_before  # …and rolled back

    result = run_import("persons", township_a_official, rows[:9])
    assert (result.ok, result.created) == (True, 9)
    assert Person.objects.count() == 9 and AuditEntry.objects.count() == audit_before + 9


def test_person_import_dry_run_in_batches_counts_every_row_and_writes_nothing(
    township_a_official, village_a, monkeypatch
):
    from guardianship import services_import

    monkeypatch.setattr(services_import, "BATCH_SIZE", 4)
    rows = [_person_row(name=f"试{i}", number=n) for i, n in enumerate(_numbers(10, start=3000))]
    with CaptureQueriesContext(connection) as queries:
        result = run_import("persons", township_a_official, rows, dry_run=True)
    assert (result.ok, result.created) == (True, 10)
    assert not any(q["sql"].startswith("INSERT") for q in queries)
    assert not Person.objects.exists()


def test_person_import_memory_does_not_grow_with_its_rows(township_a_official, village_a, monkeypatch):
    """The rows wait in a temporary file, and only a batch of them, their persons and their
    audit entries are held at once while they are checked and written: five times the rows
    costs about the same peak memory (what grows is the file's ID numbers, for its repeats)."""
    import tracemalloc

    from guardianship import services_import
    from pilot_admin.excel import RowSpool

    monkeypatch.setattr(services_import, "BATCH_SIZE", 50)
    monkeypatch.setattr(RowSpool, "BATCH", 50)
    monkeypatch.setattr(RowSpool, "IN_MEMORY_BYTES", 1)  # on disk from the first batch
    kind = import_kinds.get("persons")

    def peak(rows: int, start: int) -> int:
        numbers = _numbers(rows, start=start)
        lines = [_person_row(name=f"量{start + i}", number=n, 住址=f"{start + i}号") for i, n in enumerate(numbers)]
        sheet = kind.read(io.BytesIO(workbook_bytes(kind.columns.headers, lines)))
        assert isinstance(sheet.rows, RowSpool) and len(sheet.rows) == rows
        tracemalloc.start()
        try:
            result = kind.apply(actor=township_a_official, sheet=sheet, dry_run=False)
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
            assert result.ok and result.created == rows

    small, large = peak(200, 4000), peak(1000, 6000)
    print(f"peak {small / 1048576:.2f} MB at 200 rows, {large / 1048576:.2f} MB at 1,000")
    # Per row beyond the batch: an ID number kept for its repeats, far less than any Person.
    assert (large - small) / 800 < 500
