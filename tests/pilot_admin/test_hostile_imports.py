"""Hostile input to every import kind (enumerated from the registry, so a new kind is covered):
each file gets a clear Chinese error, within bounded time and memory, and nothing is written."""

import io
import re
import time
import tracemalloc
import zipfile

import openpyxl.xml
import pytest
from django.apps import apps
from django.urls import reverse

from pilot_admin.audit.access import ACCESS_ACTIONS
from pilot_admin.choices import AuditAction, ImportStatus
from pilot_admin.excel import import_kinds, read_sheet
from pilot_admin.excel.reading import ENTITY_MESSAGE, FORMULA_MESSAGE, UNREADABLE_MESSAGE
from pilot_admin.models import AuditEntry, ImportRun
from tests.helpers.excel import workbook_bytes, workbook_file
from tests.helpers.uploads import xlsx_upload

KINDS = sorted(kind.key for kind in import_kinds.all())
# Generous ceilings: what matters is that the worst file cannot cost without bound.
MAX_SECONDS = 5
MAX_PEAK_BYTES = 100 * 1024 * 1024
SHEET = "xl/worksheets/sheet1.xml"
STRINGS = "xl/sharedStrings.xml"
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def test_the_registry_has_every_import_kind_the_apps_offer():
    assert {"villages", "pilot-assignments", "persons", "visits", "score-sheet", "task-plan"} <= set(KINDS)


def test_openpyxl_parses_workbook_xml_through_defusedxml():
    # The second line of defence after the DOCTYPE scan: a requirement, not an accident.
    assert openpyxl.xml.DEFUSEDXML is True


# --- building hostile files --------------------------------------------------------------------


def _with_part(content: bytes, name: str, data) -> bytes:
    """The workbook with one part replaced; `data` is bytes or an iterable of byte chunks."""
    source = zipfile.ZipFile(io.BytesIO(content))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename != name:
                target.writestr(info, source.read(info.filename))
        with target.open(name, "w") as part:
            for chunk in [data] if isinstance(data, bytes) else data:
                part.write(chunk)
    return buffer.getvalue()


def _sheet_xml(content: bytes) -> bytes:
    return zipfile.ZipFile(io.BytesIO(content)).read(SHEET)


def _text_row(number: int, values) -> bytes:
    cells = "".join(
        f'<c r="{chr(65 + index)}{number}" t="inlineStr"><is><t>{value}</t></is></c>'
        for index, value in enumerate(values)
    )
    return f'<row r="{number}">{cells}</row>'.encode()


def _million_empty_rows(headers) -> bytes:
    """A sheet whose dimension says A1:Z1000001 and that holds a million real, empty <row>s."""

    def chunks():
        yield f'<worksheet xmlns="{MAIN_NS}"><dimension ref="A1:Z1000001"/><sheetData>'.encode()
        yield _text_row(1, headers)
        for start in range(2, 1_000_002, 50_000):
            yield b"".join(b'<row r="%d"><c r="A%d" s="0"/></row>' % (n, n) for n in range(start, start + 50_000))
        yield b"</sheetData></worksheet>"

    return _with_part(workbook_bytes(headers), SHEET, chunks())


def _far_row(headers) -> bytes:
    """Header, then one cell a million rows down: openpyxl makes up the rows in between."""
    body = _text_row(1, headers) + _text_row(1_000_000, ["甲"])
    return _with_part(
        workbook_bytes(headers),
        SHEET,
        f'<worksheet xmlns="{MAIN_NS}"><dimension ref="A1:Z1000000"/><sheetData>'.encode()
        + body
        + b"</sheetData></worksheet>",
    )


BOMB_BYTES = 256 * 1024 * 1024


@pytest.fixture(scope="module")
def zip_bomb() -> bytes:
    """A workbook of about a megabyte whose sheet inflates to 256 MB (built once: it takes a
    second)."""
    base = workbook_bytes(["乡镇"])
    blank = b" " * (1 << 20)

    def chunks():
        yield f'<worksheet xmlns="{MAIN_NS}"><sheetData>'.encode()
        for _ in range(BOMB_BYTES // len(blank)):
            yield blank
        yield b"</sheetData></worksheet>"

    source = zipfile.ZipFile(io.BytesIO(base))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as target:
        for info in source.infolist():
            if info.filename != SHEET:
                target.writestr(info, source.read(info.filename))
        with target.open(SHEET, "w") as part:
            for chunk in chunks():
                part.write(chunk)
    return buffer.getvalue()


def _declared(content: bytes, size) -> bytes:
    """The workbook with its central directory claiming the sheet inflates to `size(actual)`
    bytes: zipfile never inflates more than declared, and the CRC check then fails."""
    data = bytearray(content)
    end = data.rindex(b"PK\x05\x06")
    position = int.from_bytes(data[end + 16 : end + 20], "little")
    while data[position : position + 4] == b"PK\x01\x02":
        name_length, extra_length, comment_length = (
            int.from_bytes(data[position + offset : position + offset + 2], "little") for offset in (28, 30, 32)
        )
        if data[position + 46 : position + 46 + name_length] == SHEET.encode():
            actual = int.from_bytes(data[position + 24 : position + 28], "little")
            data[position + 24 : position + 28] = size(actual).to_bytes(4, "little")
            return bytes(data)
        position += 46 + name_length + extra_length + comment_length
    raise AssertionError("the sheet is not in the central directory")


def _lying(bomb: bytes) -> bytes:
    return _declared(bomb, lambda actual: 2000)


def test_a_sheet_cut_short_by_its_declared_size_is_unreadable_not_a_crash():
    columns = import_kinds.get("villages").columns
    content = workbook_bytes(columns.headers, [["水布垭镇", f"村{n}"] for n in range(5000)])
    sheet = read_sheet(columns, io.BytesIO(_declared(content, lambda actual: actual - 10)))
    assert [(e.row, e.column, e.message) for e in sheet.errors] == [(None, "", UNREADABLE_MESSAGE)]


_LAUGHS = "".join(f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, 10))
BILLION_LAUGHS = (
    f'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol0 "lol">{_LAUGHS}]>'
    f'<sst xmlns="{MAIN_NS}" count="1" uniqueCount="1"><si><t>&lol9;</t></si></sst>'
).encode()


def _external_entity(headers, *, padding: int = 0) -> bytes:
    """XXE in the sheet; `padding` bytes of comment first push the DOCTYPE past the prolog scan,
    so only defusedxml stands in the way."""
    comment = f"<!--{'x' * padding}-->" if padding else ""
    body = (
        f'<?xml version="1.0"?>{comment}<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        f'<worksheet xmlns="{MAIN_NS}"><sheetData>'
    ).encode()
    body += _text_row(1, headers) + b'<row r="2"><c r="A2" t="inlineStr"><is><t>&xxe;</t></is></c></row>'
    return _with_part(workbook_bytes(headers), SHEET, body + b"</sheetData></worksheet>")


def _many_parts(headers) -> bytes:
    source = zipfile.ZipFile(workbook_file(headers))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        for info in source.infolist():
            target.writestr(info, source.read(info.filename))
        for n in range(600):
            target.writestr(f"customXml/item{n}.xml", "<a/>")
    return buffer.getvalue()


def _not_a_workbook_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w/>")
    return buffer.getvalue()


def _formula(sheet):
    sheet.cell(row=2, column=1, value='=CONCATENATE("水布垭","镇")')


def _merged(sheet):
    sheet.merge_cells(start_row=2, start_column=1, end_row=4, end_column=1)


def _error_value(sheet):
    sheet.cell(row=2, column=1, value="#N/A").data_type = "e"


def _filled_rows(headers, count=3):
    return [[f"值{n}" for _ in headers] for n in range(count)]


# Refused by the form before anything is stored: (case, content builder, fragment).
REFUSED_ON_THE_FORM = [
    ("random-bytes", lambda headers: bytes(range(256)) * 64, "不是 Excel 工作簿"),
    ("pdf", lambda headers: b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n", "不是 Excel 工作簿"),
    ("renamed-csv", lambda headers: (",".join(headers) + "\n甲,乙\n").encode("utf-8-sig"), "不是 Excel 工作簿"),
    ("old-xls", lambda headers: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "旧版 Excel（.xls）"),
]

# Stored as a run that fails: (case, content builder, (row, column) or None, fragment).
FAILED_RUNS = [
    ("zip-not-a-workbook", lambda headers: _not_a_workbook_zip(), (None, ""), UNREADABLE_MESSAGE),
    ("too-many-parts", _many_parts, (None, ""), "个部件，超过上限"),
    (
        "billion-laughs",
        lambda headers: _with_part(workbook_bytes(headers), STRINGS, BILLION_LAUGHS),
        (None, ""),
        ENTITY_MESSAGE,
    ),
    ("external-entity", _external_entity, (None, ""), ENTITY_MESSAGE),
    ("external-entity-late", lambda headers: _external_entity(headers, padding=70_000), (None, ""), ENTITY_MESSAGE),
    ("million-empty-rows", _million_empty_rows, (None, ""), "没有数据行"),
    ("row-a-million-down", _far_row, (None, ""), "没有数据行"),
    (
        "duplicate-header",
        lambda headers: workbook_bytes([*headers, headers[0]], _filled_rows(headers)),
        (1, None),
        "出现了不止一次",
    ),
    ("missing-column", lambda headers: workbook_bytes(headers[1:], _filled_rows(headers[1:])), (1, None), "缺少必填列"),
    (
        "formula",
        lambda headers: workbook_bytes(headers, _filled_rows(headers), edit=_formula),
        (2, None),
        FORMULA_MESSAGE,
    ),
    (
        "merged-cells",
        lambda headers: workbook_bytes(headers, _filled_rows(headers), edit=_merged),
        (2, None),
        "合并单元格",
    ),
    (
        "error-value",
        lambda headers: workbook_bytes(headers, _filled_rows(headers), edit=_error_value),
        (2, None),
        "错误值“#N/A”",
    ),
]


def _table_counts() -> dict[str, int]:
    """Rows of every model of the four apps plus the audit trail's changes: 'nothing written' in
    one value (the access log's entry of the refused upload is counted on its own)."""
    models = [
        m
        for label in ("villages", "tasks", "assessments", "guardianship")
        for m in apps.get_app_config(label).get_models()
    ]
    counts = {model._meta.label: model.objects.count() for model in models}
    counts["changes"] = AuditEntry.objects.exclude(action__in=ACCESS_ACTIONS).count()
    return counts


def _post(client, kind_key, content: bytes):
    upload = xlsx_upload(content, "台账.xlsx")
    started = time.perf_counter()
    response = client.post(reverse("import_upload", args=[kind_key]), {"file": upload, "dry_run": ""})
    return response, time.perf_counter() - started


@pytest.mark.parametrize("kind_key", KINDS)
@pytest.mark.parametrize("case, build, fragment", REFUSED_ON_THE_FORM, ids=[c[0] for c in REFUSED_ON_THE_FORM])
def test_a_file_that_is_not_an_xlsx_is_refused_on_the_form_and_nothing_is_stored(
    client, county_admin, village_a, kind_key, case, build, fragment
):
    kind = import_kinds.get(kind_key)
    client.force_login(county_admin)
    before = _table_counts()
    response, seconds = _post(client, kind_key, build(kind.columns.headers))
    assert response.status_code == 200
    assert fragment in "".join(response.context["form"].errors["file"])
    assert not ImportRun.objects.exists()
    assert _table_counts() == before
    refused = AuditEntry.objects.get(action=AuditAction.WRITE_FAILED)
    assert fragment in refused.note and refused.actor == county_admin
    assert seconds < MAX_SECONDS


@pytest.mark.parametrize("kind_key", KINDS)
@pytest.mark.parametrize("case, build, where, fragment", FAILED_RUNS, ids=[c[0] for c in FAILED_RUNS])
def test_a_hostile_workbook_fails_its_run_with_a_chinese_error_and_writes_nothing(
    client, county_admin, village_a, kind_key, case, build, where, fragment
):
    kind = import_kinds.get(kind_key)
    headers = kind.columns.headers
    client.force_login(county_admin)
    before = _table_counts()
    response, seconds = _post(client, kind_key, build(headers))
    run = ImportRun.objects.get()
    assert response.status_code == 302
    assert run.status == ImportStatus.FAILED
    assert (run.created_count, run.updated_count) == (0, 0)
    assert _table_counts() == before
    assert any(fragment in error["message"] for error in run.errors), run.errors
    error = next(error for error in run.errors if fragment in error["message"])
    row, column = where
    assert error["row"] == row
    # Where a cell is to blame its column is named: the sheet's first header for these files.
    assert error["column"] == ("" if column == "" else headers[0])
    assert re.search(r"[\u4e00-\u9fff]", error["message"])
    assert seconds < MAX_SECONDS
    page = client.get(run.get_absolute_url()).content.decode()
    assert fragment.split("“")[0][:6] in page


@pytest.mark.parametrize("kind_key", KINDS)
def test_a_zip_bomb_is_refused_from_its_directory_before_anything_is_inflated(
    client, county_admin, kind_key, zip_bomb, settings
):
    assert len(zip_bomb) < 2 * 1024 * 1024  # small on the wire…
    assert sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(zip_bomb)).infolist()) > BOMB_BYTES  # …huge inflated
    client.force_login(county_admin)
    before = _table_counts()
    response, seconds = _post(client, kind_key, zip_bomb)
    run = ImportRun.objects.get()
    assert run.status == ImportStatus.FAILED
    assert f"解压后超过 {settings.IMPORT_MAX_UNCOMPRESSED_BYTES / 1048576:.0f} MB" in run.errors[0]["message"]
    assert _table_counts() == before
    assert seconds < MAX_SECONDS


def _measured(read):
    tracemalloc.start()
    started = time.perf_counter()
    try:
        result = read()
        seconds = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return result, seconds, peak


@pytest.mark.parametrize("case", ["zip-bomb", "lying-zip-bomb", "million-empty-rows", "billion-laughs"])
def test_the_worst_files_cost_bounded_time_and_memory(case, zip_bomb, settings):
    kind = import_kinds.get("persons")
    headers = kind.columns.headers
    content = {
        "zip-bomb": lambda: zip_bomb,
        "lying-zip-bomb": lambda: _lying(zip_bomb),
        "million-empty-rows": lambda: _million_empty_rows(headers),
        "billion-laughs": lambda: _with_part(workbook_bytes(headers), STRINGS, BILLION_LAUGHS),
    }[case]()
    sheet, seconds, peak = _measured(lambda: read_sheet(kind.columns, io.BytesIO(content)))
    print(f"{case}: {seconds:.2f} s, peak {peak / 1048576:.1f} MB")
    assert sheet.rows == [] and len(sheet.errors) == 1
    assert re.search(r"[\u4e00-\u9fff]", sheet.errors[0].message)
    assert seconds < MAX_SECONDS
    assert peak < MAX_PEAK_BYTES


def test_the_empty_row_stop_and_the_uncompressed_limit_come_from_settings(settings):
    columns = import_kinds.get("villages").columns
    gap = workbook_bytes(columns.headers, [["水布垭镇", "甲村"], *[[None]] * 5, ["水布垭镇", "乙村"]])
    # Empty rows in the sheet are only "rows" to the reader when they hold a cell.
    gap = _with_part(
        gap,
        SHEET,
        f'<worksheet xmlns="{MAIN_NS}"><sheetData>'.encode()
        + _text_row(1, columns.headers)
        + _text_row(2, ["水布垭镇", "甲村"])
        + b"".join(b'<row r="%d"><c r="A%d" s="0"/></row>' % (n, n) for n in range(3, 8))
        + _text_row(8, ["水布垭镇", "乙村"])
        + b"</sheetData></worksheet>",
    )
    settings.IMPORT_MAX_EMPTY_ROWS = 6
    assert [row.number for row in read_sheet(columns, io.BytesIO(gap)).rows] == [2, 8]
    settings.IMPORT_MAX_EMPTY_ROWS = 5
    assert [row.number for row in read_sheet(columns, io.BytesIO(gap)).rows] == [2]
    total = sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(gap)).infolist())
    settings.IMPORT_MAX_UNCOMPRESSED_BYTES = total
    assert read_sheet(columns, io.BytesIO(gap)).rows
    settings.IMPORT_MAX_UNCOMPRESSED_BYTES = total - 1
    assert "解压后超过" in read_sheet(columns, io.BytesIO(gap)).errors[0].message


# --- what a careless (not hostile) workbook gets: normalised, or told clearly -------------------


def test_full_width_digits_spaces_and_dates_as_text_are_normalised_on_a_real_import(
    township_a_official, village_a, settings
):
    import datetime

    from guardianship.models import Person, Visit
    from tests.factories import id_number

    number = id_number(datetime.date(1950, 5, 1), 11)
    full_width = number.translate(str.maketrans("0123456789X", "０１２３４５６７８９Ｘ"))
    persons = import_kinds.get("persons")
    row = dict.fromkeys(persons.columns.headers)
    row.update(
        {
            "乡镇": "\u3000水布垭镇 ",
            "村名": " 水布垭村\u3000",
            "姓名": "\u3000张 三\u200b",
            "公民身份号码": f" {full_width[:6]} {full_width[6:]}\u3000",
            "人员类别": "老年人",
            "民事行为能力": "无民事行为能力",
            "供养方式": "分散供养",
            "月人均收入": "１２０",
        }
    )
    content = workbook_bytes(persons.columns.headers, [list(row.values())])
    result = persons.run(actor=township_a_official, file=io.BytesIO(content), dry_run=False)
    assert result.errors == []
    person = Person.objects.get()
    assert (person.name, person.id_number, person.village) == ("张 三", number, village_a)
    assert person.monthly_income_yuan == 120

    visits = import_kinds.get("visits")
    for typed, expected in [
        ("2024-3-5", datetime.date(2024, 3, 5)),
        ("2024年3月6日", datetime.date(2024, 3, 6)),
        ("２０２４/０３/０７", datetime.date(2024, 3, 7)),
    ]:
        visit = dict.fromkeys(visits.columns.headers)
        visit.update({"公民身份号码": number, "走访日期": typed, "走访人": "\u3000李四 "})
        result = visits.run(
            actor=township_a_official,
            file=workbook_file(visits.columns.headers, [list(visit.values())]),
            dry_run=False,
        )
        assert result.errors == [], typed
        assert Visit.objects.filter(person=person, visited_on=expected, visitor_name="李四").exists()


def test_a_date_that_is_not_one_names_its_row_and_column_and_nothing_is_written(township_a_official, village_a):
    from guardianship.models import Visit

    visits = import_kinds.get("visits")
    rows = []
    for typed in ("2024-2-30", "2024年13月1日", "三月五日", "0024-3-5"):
        visit = dict.fromkeys(visits.columns.headers)
        visit.update({"公民身份号码": "422823195005010112", "走访日期": typed, "走访人": "李四"})
        rows.append(list(visit.values()))
    result = visits.run(actor=township_a_official, file=workbook_file(visits.columns.headers, rows), dry_run=False)
    date_errors = [(e.row, e.column) for e in result.errors if e.column == "走访日期"]
    assert date_errors == [(2, "走访日期"), (3, "走访日期"), (4, "走访日期"), (5, "走访日期")]
    assert not Visit.objects.exists()


# --- the API imports and the marked-up copy go through the same checks ---------------------------

API_IMPORTS = [
    "api_pilot_assignment_import",
    "api_task_plan_import",
    "api_village_import",
]  # checked against the resolver below


def test_the_api_import_routes_are_all_listed_here():
    from django.urls import get_resolver

    names = {name for name in get_resolver().reverse_dict if isinstance(name, str) and name.startswith("api_")}
    assert {name for name in names if name.endswith("_import")} == set(API_IMPORTS)


@pytest.mark.parametrize("name", API_IMPORTS)
@pytest.mark.parametrize("case", ["random-bytes", "billion-laughs", "formula", "zip-bomb"])
def test_a_hostile_workbook_posted_to_the_api_is_a_400_in_chinese_and_writes_nothing(
    client, county_admin, name, case, zip_bomb
):
    headers = ["乡镇", "村名", "试点项目", "年度", "级别"]
    content = {
        "random-bytes": lambda: bytes(range(256)) * 64,
        "billion-laughs": lambda: _with_part(workbook_bytes(headers), STRINGS, BILLION_LAUGHS),
        "formula": lambda: workbook_bytes(headers, _filled_rows(headers), edit=_formula),
        "zip-bomb": lambda: zip_bomb,
    }[case]()
    client.force_login(county_admin)
    before = _table_counts()
    started = time.perf_counter()
    response = client.post(reverse(name), {"file": xlsx_upload(content, "a.xlsx")})
    assert time.perf_counter() - started < MAX_SECONDS
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert errors and all(re.search(r"[\u4e00-\u9fff]", error["message"]) for error in errors)
    assert _table_counts() == before


def test_no_marked_up_copy_is_built_from_a_file_the_reader_would_refuse(client, county_admin, zip_bomb):
    from django.core.files.base import ContentFile

    run = ImportRun(actor=county_admin, kind="villages", filename="炸弹.xlsx", status=ImportStatus.FAILED)
    run.upload.save("x.xlsx", ContentFile(zip_bomb), save=False)
    run.errors = [{"row": 2, "column": "乡镇", "message": "伪造的行错误。"}]
    run.save()
    client.force_login(county_admin)
    started = time.perf_counter()
    response = client.get(reverse("import_run_annotated", args=[run.pk]))
    assert response.status_code == 404
    assert time.perf_counter() - started < MAX_SECONDS
