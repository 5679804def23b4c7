"""Reads of personal data, refused access and failed writes each leave one audit entry per
request (pilot_admin.audit.access), searchable on the audit log page."""

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from guardianship.models import Person
from pilot_admin.choices import AuditAction
from pilot_admin.models import ApiToken, AuditEntry
from tests.factories import PersonFactory, id_number

BORN = datetime.date(1951, 7, 8)


@pytest.fixture
def person(village_a):
    return PersonFactory(village=village_a, id_number=id_number(BORN, 135), birth_date=BORN, name="王大")


@pytest.fixture
def others(village_a):
    return PersonFactory.create_batch(3, village=village_a)


def _only_entry(**filters) -> AuditEntry:
    """The one entry the request left (force_login's own sign-in entry aside)."""
    entries = list(AuditEntry.objects.exclude(action=AuditAction.LOGIN).filter(**filters))
    assert len(entries) == 1, [(e.action, e.note) for e in AuditEntry.objects.all()]
    return entries[0]


def test_opening_a_persons_page_leaves_one_read_entry_naming_the_person(client, county_viewer, person):
    client.force_login(county_viewer)
    assert client.get(person.get_absolute_url()).status_code == 200

    entry = _only_entry()
    assert (entry.action, entry.actor, entry.object_id) == (AuditAction.READ, county_viewer, str(person.pk))
    assert entry.content_type == ContentType.objects.get_for_model(Person)
    assert entry.note == f"查阅特困人员档案：{person}"


def test_a_register_page_is_one_entry_with_its_filters_and_rows_not_one_per_person(
    client, township_a_official, person, others
):
    client.force_login(township_a_official)
    response = client.get(reverse("guardianship:register"), {"support_mode": "dispersed"})
    assert response.status_code == 200

    entry = _only_entry()
    assert entry.action == AuditAction.READ and entry.object_id == ""
    shown = response.context["paginator"].count
    assert shown == Person.objects.filter(support_mode="dispersed").count() >= 1
    assert entry.note == f"查阅特困人员名册，共 {shown} 条（筛选：support_mode=dispersed）"
    assert entry.changes["rows"]["new"] == shown


def test_api_records_read_with_a_token_name_the_client(client, api_client_user, person, others):
    token = ApiToken.objects.create(user=api_client_user)
    auth = {"HTTP_AUTHORIZATION": f"Token {token.key}"}
    assert client.get("/api/v1/persons/", **auth).status_code == 200
    assert client.get(f"/api/v1/persons/{person.pk}/", **auth).status_code == 200

    listed, one = AuditEntry.objects.exclude(action=AuditAction.LOGIN).order_by("id")
    assert (listed.action, listed.actor, listed.changes["rows"]["new"]) == (AuditAction.READ, api_client_user, 4)
    assert (one.action, one.actor, one.object_id) == (AuditAction.READ, api_client_user, str(person.pk))


def test_an_export_is_recorded_once_as_an_export(client, county_admin, person):
    client.force_login(county_admin)
    response = client.get(reverse("guardianship:register_export"))
    b"".join(response.streaming_content)

    assert _only_entry().action == AuditAction.EXPORT


def test_another_townships_person_is_refused_and_the_attempt_recorded(client, township_b_official, person):
    client.force_login(township_b_official)
    assert client.get(person.get_absolute_url()).status_code == 404

    entry = _only_entry()
    assert (entry.action, entry.actor, entry.object_id) == (AuditAction.DENIED, township_b_official, str(person.pk))
    assert entry.note.startswith("不存在或不在查看范围内（404）：GET /guardianship/persons/")


def test_a_role_without_the_register_is_refused_and_recorded(client, department_user, person):
    client.force_login(department_user)
    assert client.get(reverse("guardianship:register")).status_code == 403

    entry = _only_entry()
    assert (entry.action, entry.actor) == (AuditAction.DENIED, department_user)
    assert "无权访问（403）" in entry.note


def test_a_bad_token_is_recorded_but_a_call_without_credentials_is_not(client, person):
    assert client.get("/api/v1/persons/").status_code in (401, 403)
    assert not AuditEntry.objects.exists()  # nobody signed in, no credentials: nothing asked for

    assert client.get("/api/v1/persons/", HTTP_AUTHORIZATION="Token not-a-real-token").status_code == 401
    entry = _only_entry()
    assert (entry.action, entry.actor) == (AuditAction.DENIED, None)


def test_a_form_sent_back_with_errors_is_a_failed_write(client, township_a_official, village_a):
    client.force_login(township_a_official)
    response = client.post(
        reverse("guardianship:person_create"),
        {
            "name": "王",
            "id_number": "123",
            "village": village_a.pk,
            "kind": "elderly",
            "support_mode": "dispersed",
            "civil_capacity": "full",
            "monthly_income_yuan": "0",
            "obligor_situation": "none",
        },
    )
    assert response.status_code == 200 and not Person.objects.exists()

    entry = _only_entry()
    assert (entry.action, entry.actor) == (AuditAction.WRITE_FAILED, township_a_official)
    # The service names the field with the error, so the note gives its label first.
    assert entry.note.startswith("POST /guardianship/persons/new/ 未成功（200）：公民身份号码：公民身份号码应为18位")


def test_an_api_write_refused_as_invalid_is_a_failed_write(client, county_admin, person):
    client.force_login(county_admin)
    response = client.patch(
        f"/api/v1/persons/{person.pk}/",
        {"monthly_income_yuan": "很多"},
        content_type="application/json",
        HTTP_IF_MATCH=f'"{person.version}"',
    )
    assert response.status_code == 400

    entry = _only_entry(action=AuditAction.WRITE_FAILED)
    assert entry.object_id == str(person.pk) and "PATCH" in entry.note


def test_pages_without_personal_data_are_not_logged(client, county_admin, person):
    client.force_login(county_admin)
    assert client.get(reverse("villages:village_list")).status_code == 200
    assert not AuditEntry.objects.exclude(action=AuditAction.LOGIN).exists()


def test_reads_are_searchable_on_the_audit_page(client, audit_admin, county_viewer, person):
    client.force_login(county_viewer)
    client.get(person.get_absolute_url())
    client.force_login(audit_admin)

    page = client.get(reverse("audit_log"), {"action": AuditAction.READ, "q": person.name})
    assert [entry.note for entry in page.context["object_list"]] == [f"查阅特困人员档案：{person}"]
