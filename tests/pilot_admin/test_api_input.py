"""Strict input on REST API v1: a query value, path id or body field the schema does not allow is
refused (400 naming it, or 404 for an id), never read some other way: not an unknown filter
value dropped, not "٢٠١٩" or "02019" read as 2019, not page_size=0 turned into 50, not the last
of two values taken, not "1e5" or 0.0 stored. Each case is paired with the accepted spelling of
the same value, so every refusal asserted here would be a 200 if the rule were lost."""

import datetime
import json
from decimal import Decimal
from urllib.parse import parse_qsl, urlencode

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from guardianship.models import Person
from pilot_admin.api.pagination import MAX_PAGE_SIZE
from pilot_admin.audit.services import audit_entries_for
from pilot_admin.choices import AuditAction, ImportStatus
from pilot_admin.models import ImportRun
from pilot_admin.params import EMPTY_MESSAGE, REPEATED_MESSAGE
from tests.factories import PersonFactory, PilotAssignmentFactory, VillageFactory, id_number
from villages.models import Village

VILLAGES = reverse("api_village-list")
PILOTS = reverse("api_pilot_assignment-list")
TASKS = reverse("api_task-list")
REPORTS = reverse("api_progress_report-list")
INSPECTIONS = reverse("api_inspection-list")
PERSONS = reverse("api_person-list")
TOWNSHIPS = reverse("api_township-list")
PILOT_STATS = reverse("api_pilot_stats")
TASK_STATS = reverse("api_task_stats")
GUARDIANSHIP_STATS = reverse("api_guardianship_stats")

ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


@pytest.fixture
def api(county_admin):
    client = APIClient()
    client.force_authenticate(county_admin)
    return client


@pytest.fixture
def pilot(program, village_a):
    return PilotAssignmentFactory(program=program, village=village_a, year=2019)


@pytest.fixture
def person(village_a):
    return PersonFactory(village=village_a, name="张三")


def _errors(response, name):
    """The 400's field map, which must name `name` and only it."""
    assert response.status_code == 400, response.content.decode()
    errors = response.json()
    assert list(errors) == [name], errors
    assert isinstance(errors[name], list) and errors[name], errors
    return errors[name]


def _count(response):
    assert response.status_code == 200, response.content.decode()
    return response.json()["count"]


# --- values a filter does not allow ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "name"),
    [
        (VILLAGES, "is_pilot"),
        (TASKS, "overdue"),
        (PERSONS, "visited"),
        (PERSONS, "agreement"),
    ],
)
@pytest.mark.parametrize("value", ["maybe", "1", "0", "True", "yes", "on"])
def test_a_boolean_parameter_takes_only_true_or_false(api, pilot, person, url, name, value):
    assert api.get(url, {name: "true"}).status_code == 200
    assert api.get(url, {name: "false"}).status_code == 200

    assert _errors(api.get(url, {name: value}), name) == ["应为 true 或 false。"]


def test_is_pilot_maybe_no_longer_lists_every_village(api, pilot, village_b):
    assert _count(api.get(VILLAGES)) == 2
    assert _count(api.get(VILLAGES, {"is_pilot": "true"})) == 1

    assert "is_pilot" in api.get(VILLAGES, {"is_pilot": "maybe"}).json()


@pytest.mark.parametrize(
    ("url", "name", "valid"),
    [
        (PILOTS, "level", "county"),
        (PILOTS, "status", "approved"),
        (INSPECTIONS, "grade", "pass"),
        (TASKS, "phase", "plan"),
        (PERSONS, "guardian_category", "missing"),
    ],
)
def test_a_choice_parameter_takes_only_its_choices(api, pilot, url, name, valid):
    assert api.get(url, {name: valid}).status_code == 200

    assert _errors(api.get(url, {name: valid.upper()}), name)
    assert _errors(api.get(url, {name: f"{valid} "}), name)


@pytest.mark.parametrize(
    ("url", "name", "valid"),
    [
        (PILOTS, "level", "county"),
        (PILOTS, "year", "2019"),
        (PILOTS, "township", None),
        (VILLAGES, "program", "badong-13th-fyp"),
        (VILLAGES, "search", "水"),
        (TASKS, "overdue", "true"),
        (PERSONS, "visited_in", "2024-02"),
        (REPORTS, "status", "draft"),
        (GUARDIANSHIP_STATS, "month", "2024-02"),
        (GUARDIANSHIP_STATS, "township", None),
        (VILLAGES, "page", "1"),
        (VILLAGES, "page_size", "10"),
    ],
)
def test_an_empty_value_is_refused_leave_the_parameter_out_instead(api, pilot, url, name, valid):
    valid = valid or str(pilot.village.township_id)
    assert api.get(url, {name: valid}).status_code == 200

    assert _errors(api.get(url, {name: ""}), name) == [EMPTY_MESSAGE]


def test_an_empty_required_parameter_is_told_as_missing(api, program):
    assert api.get(PILOT_STATS, {"program": program.code, "year": "2019"}).status_code == 200

    assert _errors(api.get(PILOT_STATS, {"program": "", "year": "2019"}), "program") == ["请指定试点项目（program）。"]


# --- numbers: ASCII digits, canonical --------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "extra"),
    [
        (VILLAGES, {}),
        (PILOTS, {}),
        (INSPECTIONS, {}),
        (PILOT_STATS, {"program": "badong-13th-fyp"}),
        (TASK_STATS, {"program": "badong-13th-fyp"}),
    ],
)
@pytest.mark.parametrize(
    "year",
    [
        "2019".translate(ARABIC_INDIC),
        "2019".translate(FULL_WIDTH),
        "2_019",
        "02019",
        "+2019",
        " 2019",
        "2019 ",
        "2019.0",
        "2.019e3",
        "0x7e3",
        "999",
        "10000",
    ],
)
def test_a_year_is_written_as_four_ascii_digits(api, pilot, url, extra, year):
    assert api.get(url, {**extra, "year": "2019"}).status_code == 200

    assert _errors(api.get(url, {**extra, "year": year}), "year")


@pytest.mark.parametrize(
    ("url", "name"),
    [(VILLAGES, "township"), (PILOTS, "township"), (PERSONS, "township"), (GUARDIANSHIP_STATS, "township")],
)
def test_an_id_parameter_is_written_in_canonical_digits(api, pilot, person, url, name):
    pk = str(pilot.village.township_id)
    assert api.get(url, {name: pk}).status_code == 200

    for spelling in (pk.translate(ARABIC_INDIC), pk.translate(FULL_WIDTH), f"0{pk}", f"+{pk}", f"{pk}.0", "0"):
        assert _errors(api.get(url, {name: spelling}), name), spelling


def test_a_month_is_written_yyyy_mm_in_ascii_digits(api, person):
    assert api.get(PERSONS, {"visited_in": "2024-02"}).status_code == 200
    assert api.get(GUARDIANSHIP_STATS, {"month": "2024-02"}).status_code == 200

    for month in ("2024-2", "2024-02".translate(ARABIC_INDIC), "2024-13", "24-02", "2024-02-01", "2024/02", "0000-01"):
        assert _errors(api.get(PERSONS, {"visited_in": month}), "visited_in"), month
        assert _errors(api.get(GUARDIANSHIP_STATS, {"month": month}), "month"), month


# --- pagination ----------------------------------------------------------------------------------


@pytest.mark.parametrize("page_size", ["0", "-5", "abc", str(MAX_PAGE_SIZE + 1), "05", "1.5", "١٠"])
def test_page_size_outside_one_to_the_maximum_is_refused(api, pilot, village_b, page_size):
    payload = api.get(VILLAGES, {"page_size": "1"}).json()
    assert (payload["count"], len(payload["results"])) == (2, 1)
    assert len(api.get(VILLAGES, {"page_size": str(MAX_PAGE_SIZE)}).json()["results"]) == 2

    assert _errors(api.get(VILLAGES, {"page_size": page_size}), "page_size")


@pytest.mark.parametrize("url", [VILLAGES, TOWNSHIPS, PERSONS, REPORTS])
def test_page_size_is_refused_on_every_list(api, pilot, person, url):
    assert _errors(api.get(url, {"page_size": "0"}), "page_size")
    assert _errors(api.get(url, {"page_size": str(MAX_PAGE_SIZE + 1)}), "page_size")


@pytest.mark.parametrize("page", ["0", "-1", "abc", "last", "01", "٢"])
def test_a_page_number_is_a_positive_canonical_integer(api, pilot, village_b, page):
    assert api.get(VILLAGES, {"page_size": "1", "page": "2"}).json()["results"]

    assert _errors(api.get(VILLAGES, {"page_size": "1", "page": page}), "page")


def test_a_page_past_the_last_is_404_in_chinese(api, pilot, village_b):
    assert api.get(VILLAGES, {"page_size": "1", "page": "2"}).status_code == 200

    response = api.get(VILLAGES, {"page_size": "1", "page": "3"})

    assert response.status_code == 404
    assert response.json() == {"detail": "第 3 页不存在。"}


# --- one value per parameter -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "query", "name"),
    [
        (VILLAGES, "year=2019&year=2020", "year"),
        (PILOTS, "year=2019&year=2020", "year"),
        (INSPECTIONS, "year=2019&year=2019", "year"),
        (VILLAGES, "is_pilot=true&is_pilot=false", "is_pilot"),
        (PILOTS, "level=county&level=provincial_key", "level"),
        (PERSONS, "search=张&search=李", "search"),
        (VILLAGES, "page=1&page=1", "page"),
        (VILLAGES, "page_size=10&page_size=20", "page_size"),
        (PILOT_STATS, "program=badong-13th-fyp&year=2019&year=2020", "year"),
        (GUARDIANSHIP_STATS, "month=2024-01&month=2024-02", "month"),
    ],
)
def test_a_parameter_given_twice_is_refused(api, pilot, person, url, query, name):
    first_of_each = urlencode(dict(reversed(parse_qsl(query))))
    assert api.get(f"{url}?{first_of_each}").status_code == 200

    assert _errors(api.get(f"{url}?{query}"), name) == [REPEATED_MESSAGE]


def test_unknown_parameters_are_ignored(api, pilot):
    assert _count(api.get(VILLAGES, {"colour": "red", "format": "json"})) == 1


# --- ids in paths ------------------------------------------------------------------------------------


def _spellings(pk: int):
    text = str(pk)
    return [text.translate(ARABIC_INDIC), text.translate(FULL_WIDTH), f"0{text}", f"+{text}", f"{text}.0", f" {text}"]


@pytest.mark.parametrize("name", ["api_village-detail", "api_township-detail", "api_person-detail"])
def test_an_id_in_a_path_is_canonical_digits_or_404(api, person, name):
    pk = person.pk if name == "api_person-detail" else person.village.pk
    if name == "api_township-detail":
        pk = person.village.township_id
    canonical = reverse(name, args=[pk])
    assert api.get(canonical).status_code == 200

    for spelling in _spellings(pk):
        response = api.get(canonical.replace(f"/{pk}/", f"/{spelling}/"))
        assert response.status_code == 404, spelling
        assert response["Content-Type"] == "application/json", spelling
        assert "detail" in response.json()


def test_the_arabic_indic_three_names_no_village(api, township_a):
    VillageFactory(township=township_a, id=3)
    assert api.get(f"{VILLAGES}3/").status_code == 200

    assert api.get(f"{VILLAGES}٣/").status_code == 404


def test_an_import_run_id_is_canonical_digits_or_404(api, county_admin):
    run = ImportRun.objects.create(kind="villages", actor=county_admin, status=ImportStatus.DONE)
    canonical = reverse("api_import_run", args=[run.pk])
    assert api.get(canonical).status_code == 200

    for spelling in [*_spellings(run.pk), "abc", str(2**63)]:
        response = api.get(canonical.replace(f"/{run.pk}/", f"/{spelling}/"))
        assert response.status_code == 404, spelling
        assert response["Content-Type"] == "application/json", spelling


def test_a_path_id_beyond_any_row_is_404(api, village_a):
    assert api.get(f"{VILLAGES}{2**63}/").status_code == 404
    assert api.get(f"{VILLAGES}{10**30}/").status_code == 404


# --- PATCH bodies: each field only in its JSON type ------------------------------------------------


def _patch(client, url, body, etag):
    return client.patch(url, json.dumps(body), content_type="application/json", headers={"If-Match": etag})


def _village_state(village):
    row = Village.objects.get(pk=village.pk)
    return (row.name, row.collective_income_yuan, row.households, row.is_poverty_village, row.version)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("collective_income_yuan", "1e5"),
        ("collective_income_yuan", "1E5"),
        ("collective_income_yuan", "NaN"),
        ("collective_income_yuan", "Infinity"),
        ("collective_income_yuan", "-5"),
        ("collective_income_yuan", "1.005"),
        ("collective_income_yuan", "0100"),
        ("collective_income_yuan", " 100"),
        ("collective_income_yuan", "100000".translate(FULL_WIDTH)),
        ("collective_income_yuan", 100000),
        ("collective_income_yuan", 100000.5),
        ("name", 0.0),
        ("name", 0),
        ("name", True),
        ("name", ["水布垭村"]),
        ("name", " 水布垭新村"),
        ("name", "水布垭新村\n"),
        ("name", "水布\x00垭村"),
        ("households", "12"),
        ("households", 12.0),
        ("households", 12.5),
        ("households", True),
        ("is_poverty_village", "true"),
        ("is_poverty_village", 1),
        ("is_poverty_village", "是"),
        ("kind", 1),
        ("code", 422823104201),
    ],
)
def test_a_village_patch_takes_each_field_in_its_json_type_only(api, village_a, field, value):
    url = reverse("api_village-detail", args=[village_a.pk])
    before = _village_state(village_a)

    response = _patch(api, url, {field: value}, '"1"')

    assert _errors(response, field)
    assert _village_state(village_a) == before
    assert not audit_entries_for(village_a).filter(action=AuditAction.UPDATE).exists()


def test_a_village_patch_in_json_types_is_stored_as_sent(api, village_a):
    url = reverse("api_village-detail", args=[village_a.pk])
    body = {
        "name": "水布垭新村",
        "collective_income_yuan": "100000.50",
        "households": 12,
        "is_poverty_village": True,
        "code": "",
    }

    response = _patch(api, url, body, '"1"')

    assert response.status_code == 200, response.content
    assert _village_state(village_a) == ("水布垭新村", Decimal("100000.50"), 12, True, 2)
    assert response["ETag"] == '"2"'


def test_null_is_taken_where_the_field_is_nullable_only(api, village_a):
    url = reverse("api_village-detail", args=[village_a.pk])
    assert _errors(_patch(api, url, {"name": None}, '"1"'), "name")

    assert _patch(api, url, {"collective_income_yuan": None}, '"1"').status_code == 200


def _with_check_x():
    """A valid ID number whose check character is X."""
    for serial in range(1, 999, 2):
        number = id_number(datetime.date(1950, 3, 15), serial)
        if number.endswith("X"):
            return number
    raise AssertionError("no serial gives X")


def _other_check(number):
    return number[:-1] + ("0" if number[-1] != "0" else "1")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", lambda person, village: 0.0),
        ("name", lambda person, village: False),
        ("address", lambda person, village: 12),
        ("village", lambda person, village: str(village.pk)),
        ("village", lambda person, village: float(village.pk)),
        ("village", lambda person, village: True),
        ("property_ok", lambda person, village: "false"),
        ("property_ok", lambda person, village: 0),
        ("monthly_income_yuan", lambda person, village: "1e3"),
        ("monthly_income_yuan", lambda person, village: "NaN"),
        ("monthly_income_yuan", lambda person, village: 300),
        ("disability_grade", lambda person, village: "2"),
        ("disability_grade", lambda person, village: 2.0),
        ("kind", lambda person, village: ["elderly"]),
        ("id_number", lambda person, village: _with_check_x().lower()),
        ("id_number", lambda person, village: _with_check_x().translate(FULL_WIDTH)),
        ("id_number", lambda person, village: f" {_with_check_x()}"),
        ("id_number", lambda person, village: _other_check(_with_check_x())),
        ("id_number", lambda person, village: int(person.id_number[:-1])),
    ],
)
def test_a_person_patch_takes_each_field_in_its_json_type_only(api, person, village_a, field, value):
    url = reverse("api_person-detail", args=[person.pk])
    before = Person.objects.values().get(pk=person.pk)

    response = _patch(api, url, {field: value(person, village_a)}, '"1"')

    assert _errors(response, field)
    assert Person.objects.values().get(pk=person.pk) == before
    assert not audit_entries_for(person).filter(action=AuditAction.UPDATE).exists()


def test_a_person_patch_in_json_types_is_stored_as_sent(api, person, village_a):
    url = reverse("api_person-detail", args=[person.pk])
    body = {
        "name": "李四",
        "village": village_a.pk,
        "property_ok": False,
        "monthly_income_yuan": "300.50",
        "id_number": _with_check_x(),
    }

    response = _patch(api, url, body, '"1"')

    assert response.status_code == 200, response.content
    stored = Person.objects.get(pk=person.pk)
    assert (stored.name, stored.property_ok, stored.monthly_income_yuan) == ("李四", False, Decimal("300.50"))
    assert (stored.id_number, stored.version) == (_with_check_x(), 2)


def test_an_id_number_with_a_wrong_check_character_is_refused_on_its_field(api, person):
    url = reverse("api_person-detail", args=[person.pk])
    response = _patch(api, url, {"id_number": _other_check(person.id_number)}, '"1"')

    assert _errors(response, "id_number") == ["公民身份号码校验位不正确，请核对。"]


def test_a_body_that_is_not_json_is_415(api, village_a):
    url = reverse("api_village-detail", args=[village_a.pk])

    response = api.patch(
        url, "name=水布垭新村", content_type="application/x-www-form-urlencoded", headers={"If-Match": '"1"'}
    )

    assert response.status_code == 415
    assert Village.objects.get(pk=village_a.pk).name == "水布垭村"


# --- the pages share the FilterSets -------------------------------------------------------------------


def test_a_page_shows_a_refused_filter_value_on_its_form_and_lists_nothing(client, county_admin, pilot, village_b):
    client.force_login(county_admin)
    url = reverse("villages:village_list")
    listed = client.get(url, {"is_pilot": ""}).content.decode()
    assert "水布垭村" in listed and "东瀼口村" in listed  # empty: the form's "全部"

    response = client.get(url, {"is_pilot": "maybe", "year": "٢٠١٩"})

    assert response.status_code == 200
    page = response.content.decode()
    assert "应为 true 或 false。" in page
    assert "应为整数" in page
    assert "水布垭村" not in page.split('role="alert"', 1)[1]


# --- one rule, one place ---------------------------------------------------------------------------


def test_every_api_filterset_is_built_from_the_strict_filters():
    """django-filter's own NumberFilter, BooleanFilter and ModelChoiceFilter read "٢٠١٩", "maybe"
    (as no filter) and "03"; a FilterSet of the API must use pilot_admin.filters' instead."""
    import django_filters
    from django.urls import get_resolver

    from pilot_admin import filters

    lenient = (django_filters.NumberFilter, django_filters.BooleanFilter, django_filters.ModelChoiceFilter)
    strict = (filters.IntegerFilter, filters.BooleanFilter, filters.VisibleFilter, filters.VisibleCodeFilter)
    seen = set()
    for pattern in get_resolver().url_patterns:
        for view in _views(pattern):
            filterset_class = getattr(getattr(view, "cls", None), "filterset_class", None)
            if filterset_class is None:
                continue
            seen.add(filterset_class)
            assert issubclass(filterset_class, filters.FilterSet), filterset_class
            for name, filter_ in filterset_class.base_filters.items():
                assert not isinstance(filter_, lenient) or isinstance(filter_, strict), (filterset_class, name)
    assert len(seen) >= 6


def _views(pattern):
    if hasattr(pattern, "url_patterns"):
        for inner in pattern.url_patterns:
            yield from _views(inner)
    else:
        yield pattern.callback
