"""Foreign ids in bodies and filters: township A's official naming township B's village, person or
report in a filter, a form, a JSON body or an import row gets an error or an empty list, and
nothing is written; fields the role may not set are ignored or refused.

Filters are enumerated: every GET page and API route of the access matrix without an object in
its URL, with every foreign-id parameter any FilterSet of the project declares."""

# ruff: noqa: F811 - `objects` is the access matrix's fixture, imported and then requested by name
import datetime
import json

import django_filters
import pytest
from django.urls import reverse

from guardianship.models import Person, Visit
from pilot_admin.excel import XLSX_CONTENT_TYPE, import_kinds
from supervision.models import VillageCadre
from tasks.models import ProgressReport, ReportingPeriod
from tests.factories import PersonFactory, PilotAssignmentFactory, VillageIndicatorFactory, id_number
from tests.helpers.excel import downloaded, response_bytes, sheet_rows
from tests.helpers.uploads import run_import
from tests.test_access_matrix import (
    ROUTES,
    _task_objects,
    objects,  # noqa: F401 - township A's seeded rows, a fixture used by name below
)
from villages.models import Village

MARKERS = {"village": "外乡镇标记村", "person": "外乡镇标记人", "report": "外乡镇标记报告"}
# The filter parameters that name a row of one township; their foreign value in `foreign`.
FOREIGN_PARAMS = {"township", "village", "person", "unit", "department"}
# The pages and API routes open to township officials without an object in the URL (what they
# may not open at all the access matrix proves).
LIST_ROUTES = sorted(
    name
    for name, route in ROUTES.items()
    if route.method == "get" and route.kwargs is None and route.target is None and "township_a" in route.allowed
)


def _filtersets():
    def walk(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from walk(sub)

    return [cls for cls in walk(django_filters.FilterSet) if cls.__module__.split(".")[0] in _APPS]


_APPS = {"villages", "tasks", "assessments", "guardianship", "supervision", "pilot_admin"}


def test_the_foreign_id_parameters_are_those_the_filtersets_declare():
    declared = {name for cls in _filtersets() for name in cls.base_filters}
    # Every FilterSet parameter that names a township's row is tried below; a new one must be added.
    row_params = {
        name for name in declared if name in FOREIGN_PARAMS or name.endswith(("township", "village", "person"))
    }
    assert row_params <= FOREIGN_PARAMS
    assert {"township", "village", "unit"} <= row_params


@pytest.fixture
def foreign(township_b, village_b, program, department):
    """Township B's rows, each carrying a marker text that must never reach township A."""
    Village.objects.filter(pk=village_b.pk).update(name=MARKERS["village"])
    village_b.refresh_from_db()
    person = PersonFactory(village=village_b, name=MARKERS["person"])
    PilotAssignmentFactory(program=program, village=village_b, year=2019)
    VillageIndicatorFactory(village=village_b, year=2019)
    tasks = _task_objects(program, township_b, department)
    ProgressReport.objects.filter(pk=tasks["report"].pk).update(text=MARKERS["report"])
    # A filed committee of township B (its village carries the marker) for the supervision
    # lists, ledgers and statistics.
    from supervision.models import Committee

    Committee.objects.create(
        village=village_b,
        term_start=datetime.date(2021, 5, 1),
        term_end=datetime.date(2026, 4, 30),
        status="active",
        established_on=datetime.date(2021, 5, 25),
    )
    return {
        "township": township_b.pk,
        "village": village_b.pk,
        "person": person.pk,
        "unit": tasks["report"].department_id,
        "department": tasks["report"].department_id,
        "person_obj": person,
        "report": tasks["report"],
    }


def _text(response) -> str:
    if response.get("Content-Type", "").startswith(XLSX_CONTENT_TYPE):
        book = downloaded(response, read_only=True)
        return " ".join(str(v) for sheet in book.worksheets for row in sheet_rows(sheet) for v in row)
    return response_bytes(response).decode(errors="replace")


@pytest.mark.parametrize("name", LIST_ROUTES)
def test_a_foreign_id_in_any_filter_of_any_list_shows_nothing_of_the_other_township(
    client,
    township_a_official,
    objects,
    foreign,
    name,
):
    route = ROUTES[name]
    client.force_login(township_a_official)
    for param in sorted(FOREIGN_PARAMS):
        query = f"{route.query}{'&' if route.query else '?'}{param}={foreign[param]}"
        response = client.get(reverse(name) + query)
        assert response.status_code in (200, 400, 404), (name, param, response.status_code)
        body = _text(response)
        leaked = [marker for marker in MARKERS.values() if marker in body]
        assert leaked == [], (name, param)


def test_the_markers_would_show_were_the_scope_not_applied(client, county_admin, objects, foreign):
    """The control: the county office sees township B's rows through the same filters."""
    client.force_login(county_admin)
    assert MARKERS["village"] in _text(
        client.get(reverse("villages:village_list") + f"?township={foreign['township']}")
    )
    assert MARKERS["person"] in _text(client.get(reverse("guardianship:register") + f"?village={foreign['village']}"))
    api = json.loads(client.get(reverse("api_person-list") + f"?township={foreign['township']}").content)
    assert [row["name"] for row in api["results"]] == [MARKERS["person"]]
    committees = json.loads(
        client.get(reverse("api_supervision_committee-list") + f"?township={foreign['township']}").content
    )
    assert [row["village_name"] for row in committees["results"]] == [MARKERS["village"]]


def test_api_list_filtered_by_a_foreign_township_is_empty_or_refused(client, township_a_official, objects, foreign):
    client.force_login(township_a_official)
    for name in (
        "api_village-list",
        "api_person-list",
        "api_pilot_assignment-list",
        "api_inspection-list",
        "api_supervision_committee-list",
    ):
        response = client.get(reverse(name) + f"?township={foreign['township']}")
        if response.status_code == 200:
            assert json.loads(response.content)["results"] == [], name
        else:
            assert response.status_code == 400, name
            assert "township" in json.loads(response.content).get("errors", json.loads(response.content)), name


# --- forms ------------------------------------------------------------------------------------


def _person_form(village, number, **extra):
    return {
        "name": "王老汉",
        "id_number": number,
        "village": village.pk,
        "kind": "elderly",
        "civil_capacity": "full",
        "support_mode": "dispersed",
        "monthly_income_yuan": "100",
        "property_ok": "on",
        "obligor_situation": "none",
        **extra,
    }


def test_a_person_cannot_be_registered_in_another_townships_village(client, township_a_official, village_a, foreign):
    client.force_login(township_a_official)
    number = id_number(datetime.date(1948, 2, 1), 7)
    before = Person.objects.count()
    response = client.post(
        reverse("guardianship:person_create"), _person_form(Village.objects.get(pk=foreign["village"]), number)
    )
    assert response.status_code == 200
    assert "village" in response.context["form"].errors
    assert Person.objects.count() == before
    assert not Person.objects.filter(id_number=number).exists()


def test_a_person_cannot_be_moved_to_another_township_nor_given_a_status_by_the_form(
    client, township_a_official, village_a, foreign
):
    person = PersonFactory(village=village_a, name="本乡镇人")
    client.force_login(township_a_official)
    url = reverse("guardianship:person_update", args=[person.pk])
    moved = _person_form(Village.objects.get(pk=foreign["village"]), person.id_number, version=person.version)
    response = client.post(url, moved)
    assert response.status_code == 200 and "village" in response.context["form"].errors
    person.refresh_from_db()
    assert person.village_id == village_a.pk
    # Fields outside the form are ignored: the status stays, the derived birth date stays.
    extra = _person_form(
        village_a,
        person.id_number,
        version=person.version,
        status="exited",
        township=foreign["township"],
        birth_date="1900-01-01",
        name="改过的名字",
    )
    response = client.post(url, extra)
    assert response.status_code == 302
    person.refresh_from_db()
    assert (person.name, person.status, person.village_id) == ("改过的名字", "active", village_a.pk)
    assert person.birth_date != datetime.date(1900, 1, 1)


def test_the_other_townships_person_and_report_are_404_to_every_form(client, township_a_official, foreign):
    client.force_login(township_a_official)
    person = foreign["person_obj"]
    for url in (
        reverse("guardianship:person_update", args=[person.pk]),
        reverse("guardianship:visit_create", args=[person.pk]),
        reverse("guardianship:person_exit", args=[person.pk]),
        reverse("tasks:report_edit", args=[foreign["report"].period_id]),
    ):
        response = client.post(
            url, {"visited_on": "2024-03-01", "visitor_name": "甲", "text": "改", "action": "submit"}
        )
        assert response.status_code == 404, url
    assert not Visit.objects.filter(person=person).exists()
    person.refresh_from_db()
    assert person.status == "active"
    assert ProgressReport.objects.get(pk=foreign["report"].pk).text == MARKERS["report"]


def test_a_report_form_cannot_set_its_own_acceptance(client, township_a_official, objects):
    report = objects["report"]
    ProgressReport.objects.filter(pk=report.pk).update(status="draft")
    due = datetime.date.today() + datetime.timedelta(days=20)  # an open period, not yet locked
    ReportingPeriod.objects.filter(pk=report.period_id).update(
        due_date=due, start=due - datetime.timedelta(days=30), end=due
    )
    client.force_login(township_a_official)
    client.post(
        reverse("tasks:report_edit", args=[report.period_id]),
        {
            "text": "已完成。",
            "percent_complete": "100",
            "action": "save",
            "status": "accepted",
            "reviewed_by": objects["inspection"].confirmed_by_id,
            "accepted_by": objects["inspection"].confirmed_by_id,
            "score": "100",
        },
    )
    report.refresh_from_db()
    assert report.text == "已完成。"  # the form was taken…
    assert report.status != "accepted"  # …without the fields it does not have
    assert (report.reviewed_by_id, report.reviewed_at) == (None, None)


# --- JSON bodies (PATCH with If-Match) ---------------------------------------------------------


def _patch(client, name, pk, body):
    url = reverse(name, args=[pk])
    etag = client.get(url).get("ETag", '"0"')
    return client.patch(url, json.dumps(body), content_type="application/json", HTTP_IF_MATCH=etag)


def test_patching_a_person_into_another_townships_village_is_refused(client, township_a_official, village_a, foreign):
    person = PersonFactory(village=village_a)
    client.force_login(township_a_official)
    response = _patch(client, "api_person-detail", person.pk, {"village": foreign["village"]})
    assert response.status_code == 400
    assert "village" in json.dumps(json.loads(response.content))
    person.refresh_from_db()
    assert person.village_id == village_a.pk


def test_patching_fields_the_role_may_not_set_changes_nothing_of_them(client, township_a_official, village_a, foreign):
    person = PersonFactory(village=village_a)
    birth = person.birth_date
    client.force_login(township_a_official)
    response = _patch(
        client,
        "api_person-detail",
        person.pk,
        {"status": "exited", "township": foreign["township"], "birth_date": "1900-01-01", "address": "二组"},
    )
    assert response.status_code == 200
    person.refresh_from_db()
    assert (person.status, person.birth_date, person.village_id, person.address) == (
        "active",
        birth,
        village_a.pk,
        "二组",
    )


def test_patching_the_other_townships_person_or_village_is_404_or_403(
    client, township_a_official, county_admin, village_a, foreign
):
    client.force_login(township_a_official)
    person = foreign["person_obj"]
    url = reverse("api_person-detail", args=[person.pk])
    response = client.patch(url, json.dumps({"address": "改"}), content_type="application/json", HTTP_IF_MATCH='"1"')
    assert response.status_code == 404
    response = client.patch(
        reverse("api_village-detail", args=[foreign["village"]]),
        json.dumps({"name": "改"}),
        content_type="application/json",
        HTTP_IF_MATCH='"1"',
    )
    assert response.status_code in (403, 404)
    person.refresh_from_db()
    assert person.address != "改"
    assert Village.objects.get(pk=foreign["village"]).name == MARKERS["village"]
    # Even the county office cannot move a village to another township through the API.
    client.force_login(county_admin)
    response = _patch(client, "api_village-detail", village_a.pk, {"township": foreign["township"], "households": 7})
    assert response.status_code == 200
    village_a.refresh_from_db()
    assert (village_a.township.name, village_a.households) == ("水布垭镇", 7)


# --- import rows ------------------------------------------------------------------------------


def _foreign_rows(foreign):
    """For every kind a township official may run: a row naming township B's rows, otherwise valid."""
    person = foreign["person_obj"]
    return {
        "persons": {
            "乡镇": "东瀼口镇",
            "村名": MARKERS["village"],
            "姓名": "越界登记",
            "公民身份号码": id_number(datetime.date(1950, 1, 2), 3),
            "人员类别": "老年人",
            "民事行为能力": "完全民事行为能力",
            "供养方式": "分散供养",
        },
        "visits": {"公民身份号码": person.id_number, "走访日期": "2024-03-01", "走访人": "越界走访"},
        "village-cadres": {
            "乡镇": "东瀼口镇",
            "村名": MARKERS["village"],
            "姓名": "越界干部",
            "职务": "村委会委员",
            "任职开始日期": "2021-01-01",
        },
    }


def test_an_import_row_naming_another_townships_rows_is_an_error_and_nothing_is_written(
    township_a_official, village_a, foreign
):
    rows = _foreign_rows(foreign)
    # A new kind township officials may run must get its foreign row here.
    assert {kind.key for kind in import_kinds.for_user(township_a_official)} == set(rows)
    before = (Person.objects.count(), Visit.objects.count(), VillageCadre.objects.count())
    for key, row in rows.items():
        headers = import_kinds.get(key).columns.headers
        result = run_import(key, township_a_official, [[row.get(header) for header in headers]])
        assert result.errors, key
        assert all(error.row == 2 for error in result.errors), key
        assert (Person.objects.count(), Visit.objects.count(), VillageCadre.objects.count()) == before, key
    assert not Person.objects.filter(name="越界登记").exists()
    assert not Visit.objects.filter(visitor_name="越界走访").exists()
    assert not VillageCadre.objects.filter(name="越界干部").exists()
