"""A masked ID number cannot be rebuilt from what is shown beside it.

The mask hides characters 7–14 of the number, which are the birth date. This test opens every
page, export and API route that shows a person, under every role, and wherever the role sees a
masked number it counts the ID numbers an attacker could still hold true given everything the
response shows: the mask's 10 characters, the check character, and the birth date or the age if
either appears. An adult shown with an age keeps about 33 candidates (a year of birth dates, one
in 11 passing the check character); a minor, shown only as under 18, hundreds. Where the full
number is shown, the role must be one allowed to see it."""

import datetime
import io
import json
import re

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from guardianship.rules import MINOR_AGE_TEXT, age_on, mask_id_number
from pilot_admin.idnumbers import _CHECK_CODES, _WEIGHTS
from tests.factories import PersonFactory, id_number

TODAY = datetime.date.today()
ADULT_BORN = datetime.date(1951, 7, 8)
MINOR_BORN = datetime.date(TODAY.year - 10, 2, 14)
FULL_ON_PAGES = {"county_admin", "township_a"}
# The fewest candidate numbers a masked record may leave: well above "one guess".
MIN_CANDIDATES = {"adult": 20, "minor": 300}

SURFACES = {
    "person page (adult)": lambda p: p["adult"].get_absolute_url(),
    "person page (minor)": lambda p: p["minor"].get_absolute_url(),
    "register": lambda p: reverse("guardianship:register"),
    "register export": lambda p: reverse("guardianship:register_export"),
    "register export, full numbers asked": lambda p: reverse("guardianship:register_export") + "?full_id=1",
    "screening": lambda p: reverse("guardianship:screening"),
    "visit ledger": lambda p: reverse("guardianship:visit_matrix"),
    "visit ledger export": lambda p: reverse("guardianship:visit_matrix_export"),
    "findings": lambda p: reverse("guardianship:finding_list"),
    "home": lambda p: reverse("home"),
    "API list": lambda p: "/api/v1/persons/",
    "API record (adult)": lambda p: f"/api/v1/persons/{p['adult'].pk}/",
    "API record (minor)": lambda p: f"/api/v1/persons/{p['minor'].pk}/",
}


def _check_char(body17: str) -> str:
    return _CHECK_CODES[sum(int(d) * w for d, w in zip(body17, _WEIGHTS, strict=True)) % 11]


def _date_forms(day: datetime.date) -> list[str]:
    return [
        day.isoformat(),
        f"{day:%Y%m%d}",
        f"{day:%Y/%m/%d}",
        f"{day.year}年{day.month}月{day.day}日",
        f"{day.year}-{day.month}-{day.day}",
    ]


def candidates(number: str, shown: str) -> int:
    """How many valid ID numbers match the mask and everything `shown` says of this person."""
    days = [TODAY - datetime.timedelta(days=n) for n in range(120 * 366)]
    true_birth = datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    if any(form in shown for form in _date_forms(true_birth)):
        days = [true_birth]
    else:
        age = age_on(true_birth, TODAY)
        if re.search(rf"(?<!\d){age}周岁|\"age\": ?{age}\b|(?<!\d){age}岁", shown):
            days = [d for d in days if age_on(d, TODAY) == age]
        elif MINOR_AGE_TEXT in shown:
            days = [d for d in days if age_on(d, TODAY) < 18]
    prefix, serial, check = number[:6], number[14:17], number[17]
    return sum(_check_char(f"{prefix}{d:%Y%m%d}{serial}") == check for d in days)


def _text(response) -> str:
    if response.get("Content-Type", "").startswith("application/vnd.openxmlformats"):
        sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
        cells = []
        for row in sheet.iter_rows(values_only=True):
            for value in row:
                if isinstance(value, datetime.datetime | datetime.date):
                    cells.append(value.strftime("%Y-%m-%d"))
                elif value is not None:
                    cells.append(str(value))
        return "\n".join(cells)
    if response.get("Content-Type", "").startswith("application/json"):
        return json.dumps(response.json(), ensure_ascii=False)
    return response.content.decode()


@pytest.fixture
def persons(village_a):
    return {
        "adult": PersonFactory(
            village=village_a, name="王大", birth_date=ADULT_BORN, id_number=id_number(ADULT_BORN, 135)
        ),
        "minor": PersonFactory(
            village=village_a,
            name="李小",
            kind="minor",
            birth_date=MINOR_BORN,
            id_number=id_number(MINOR_BORN, 246),
            gender="female",
        ),
    }


def test_the_checker_sees_through_a_mask_beside_the_birth_date():
    number = id_number(ADULT_BORN, 135)
    assert candidates(number, f"{mask_id_number(number)} 1951-07-08") == 1
    assert 20 <= candidates(number, f"{mask_id_number(number)} {age_on(ADULT_BORN, TODAY)}周岁") <= 40


@pytest.mark.parametrize(
    "role", ["county_admin", "county_viewer", "township_a", "township_b", "department", "inspector", "api_client"]
)
def test_no_role_can_rebuild_a_masked_number_from_any_page_export_or_api_record(client, personas, persons, role):
    client.force_login(personas[role])
    seen_masked = 0
    for surface, url in SURFACES.items():
        response = client.get(url(persons))
        if response.status_code != 200:
            assert response.status_code in (302, 403, 404), (surface, response.status_code)
            continue
        shown = _text(response)
        for which, person in persons.items():
            if person.id_number in shown:
                full_allowed = role in FULL_ON_PAGES and not surface.startswith(("API", "register export"))
                full_allowed |= role == "county_admin" and surface == "register export, full numbers asked"
                assert full_allowed, f"{role} sees {which}'s full number on {surface}"
            elif mask_id_number(person.id_number) in shown:
                seen_masked += 1
                left = candidates(person.id_number, shown)
                assert left >= MIN_CANDIDATES[which], f"{role}: {which} on {surface} leaves {left} candidates"
    # The walk did meet masks wherever the role reads the register at all (the API always masks).
    assert seen_masked > 0 or role in {"department", "inspector", "township_b"}


def test_a_masked_minor_shows_no_age_anywhere(client, county_viewer, persons):
    client.force_login(county_viewer)
    minor = persons["minor"]
    page = client.get(minor.get_absolute_url()).content.decode()
    assert MINOR_AGE_TEXT in page and f"{age_on(MINOR_BORN, TODAY)}周岁" not in page
    record = client.get(f"/api/v1/persons/{minor.pk}/").json()
    assert record["age"] is None and "birth_date" not in record


def test_the_full_register_export_carries_the_birth_date_and_the_masked_one_the_age(client, county_admin, persons):
    client.force_login(county_admin)
    masked = load_workbook(
        io.BytesIO(b"".join(client.get(reverse("guardianship:register_export")).streaming_content))
    ).active
    full = load_workbook(
        io.BytesIO(b"".join(client.get(reverse("guardianship:register_export"), {"full_id": "1"}).streaming_content))
    ).active
    masked_headers = [cell.value for cell in masked[1]]
    full_headers = [cell.value for cell in full[1]]
    assert "年龄" in masked_headers and "出生日期" not in masked_headers
    assert "出生日期" in full_headers and "年龄" not in full_headers
