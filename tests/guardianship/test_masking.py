"""ID numbers under each role: the person page and the register show them in full only to the
county office and townships (permissions.can_see_full_id_numbers); every export is masked unless
the county office asks, which is audited; the API always masks."""

import datetime

import pytest
from django.urls import reverse

from guardianship import permissions, services
from guardianship.models import Person
from guardianship.rules import mask_id_number
from pilot_admin.models import AuditEntry
from tests.factories import PersonFactory, id_number
from tests.helpers.excel import downloaded, sheet_rows

NUMBER = id_number(datetime.date(1951, 7, 8), 135)
MASKED = mask_id_number(NUMBER)
FULL_ROLES = {"county_admin", "township_a"}
MASKED_ROLES = {"county_viewer", "api_client"}


@pytest.fixture
def person(village_a):
    return PersonFactory(village=village_a, id_number=NUMBER, birth_date=datetime.date(1951, 7, 8), name="王大")


def _export_ids(response):
    rows = sheet_rows(downloaded(response).active)
    column = rows[0].index("公民身份号码")
    return [row[column] for row in rows[1:]]


def test_masked_number_keeps_first_six_and_last_four():
    assert NUMBER[:6] + "********" + NUMBER[-4:] == MASKED


@pytest.mark.parametrize("role", sorted(FULL_ROLES | MASKED_ROLES))
def test_person_page_and_register_show_full_numbers_only_to_county_office_and_township(client, personas, person, role):
    """The register masks by default (test_register_full_ids); asked, it shows what the person page does."""
    client.force_login(personas[role])
    for url in (person.get_absolute_url(), reverse("guardianship:register") + "?full_id=1"):
        page = client.get(url).content.decode()
        assert "王大" in page, (role, url)
        if role in FULL_ROLES:
            assert NUMBER in page, (role, url)
        else:
            assert NUMBER not in page and MASKED in page, (role, url)


@pytest.mark.parametrize("role", ["department", "inspector"])
def test_roles_outside_civil_affairs_see_no_person_at_all(client, personas, person, role):
    client.force_login(personas[role])
    assert client.get(person.get_absolute_url()).status_code == 403
    assert client.get(reverse("guardianship:register_export")).status_code == 403


@pytest.mark.parametrize("role", sorted(FULL_ROLES | MASKED_ROLES))
def test_register_export_is_masked_by_default_for_every_role(client, personas, person, role):
    client.force_login(personas[role])
    assert _export_ids(client.get(reverse("guardianship:register_export"))) == [MASKED]


@pytest.mark.parametrize("role", ["township_a", "county_viewer"])
def test_only_the_county_office_can_ask_for_full_numbers_in_an_export(client, personas, person, role):
    client.force_login(personas[role])
    assert _export_ids(client.get(reverse("guardianship:register_export"), {"full_id": "1"})) == [MASKED]
    assert not AuditEntry.objects.filter(note__startswith="导出完整身份证号").exists()


def test_county_office_export_with_full_numbers_is_audited(client, county_admin, person):
    client.force_login(county_admin)
    page = client.get(reverse("guardianship:register")).content.decode()
    assert "显示完整身份证号" in page
    response = client.get(reverse("guardianship:register_export"), {"full_id": "1", "support_mode": "dispersed"})
    assert _export_ids(response) == [NUMBER]
    entry = AuditEntry.objects.get(note__startswith="导出完整身份证号")
    assert entry.actor == county_admin
    assert "1 人" in entry.note and "support_mode=dispersed" in entry.note


@pytest.mark.parametrize("role", sorted(FULL_ROLES | MASKED_ROLES))
def test_api_masks_numbers_for_every_role(client, personas, person, role):
    client.force_login(personas[role])
    response = client.get("/api/v1/persons/")
    assert response.status_code == 200
    body = response.content.decode()
    assert NUMBER not in body
    assert response.json()["results"][0]["id_number"] == MASKED


def test_only_the_county_office_may_export_full_numbers(personas):
    assert {role for role, user in personas.items() if permissions.can_export_full_id(user)} == {"county_admin"}


def test_the_full_number_export_decision_audits_only_what_it_grants(personas, person):
    persons = Person.objects.filter(pk=person.pk)
    for role, asked in (("township_a", True), ("county_viewer", True), ("county_admin", False)):
        assert not services.person_export_full_ids(actor=personas[role], asked=asked, persons=persons, filters="")
    assert not AuditEntry.objects.filter(note__startswith=services.FULL_ID_EXPORT_NOTE).exists()
    assert services.person_export_full_ids(actor=personas["county_admin"], asked=True, persons=persons, filters="")
    entry = AuditEntry.objects.get(note__startswith=services.FULL_ID_EXPORT_NOTE)
    assert (entry.actor, entry.note) == (personas["county_admin"], "导出完整身份证号：特困人员名册 1 人（筛选：无）")
