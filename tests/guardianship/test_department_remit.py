"""A department reads the guardianship module when its remit (data on the department, kept in
the admin) names it: the civil-affairs bureau reads the county's register, overview and
statistics, read-only, with ID numbers masked as a county viewer sees them, each read of
personal data logged. A department without it is refused as before, and nobody writes by remit."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from guardianship.models import Person
from guardianship.rules import mask_id_number
from pilot_admin.choices import AuditAction, Role
from pilot_admin.models import AuditEntry
from tests.factories import DepartmentFactory, PersonFactory, TownshipFactory, UserFactory, VillageFactory, id_number
from villages.choices import RemitModule

NUMBER = id_number(datetime.date(1950, 3, 4), 211)


@pytest.fixture
def bureau(department):
    """The conftest's 县民政局, given the guardianship remit as the county office would."""
    department.remit = [RemitModule.GUARDIANSHIP]
    department.full_clean()
    department.save()
    return department


@pytest.fixture
def bureau_user(bureau):
    return UserFactory(username="dept_civil_affairs", role=Role.DEPARTMENT, department=bureau, county=bureau.county)


@pytest.fixture
def justice_user(county):
    justice = DepartmentFactory(county=county, key="justice_bureau", name="县司法局")
    return UserFactory(username="dept_justice", role=Role.DEPARTMENT, department=justice, county=county)


@pytest.fixture
def person(village_a):
    return PersonFactory(village=village_a, name="王五", id_number=NUMBER, birth_date=datetime.date(1950, 3, 4))


@pytest.fixture
def foreign_person(db):
    village = VillageFactory(township=TownshipFactory(county__name="建始县", name="业州镇"), name="外县村")
    return PersonFactory(village=village, name="外县人")


def test_bureau_with_the_remit_reads_the_register_masked_and_the_read_is_logged(client, bureau_user, person):
    client.force_login(bureau_user)
    response = client.get(reverse("guardianship:register"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "王五" in page and "水布垭镇" in page
    assert NUMBER not in page and mask_id_number(NUMBER) in page
    # Read-only: no register, no full-number export.
    assert "登记人员" not in page and "显示完整身份证号" not in page
    entry = AuditEntry.objects.get(actor=bureau_user, action=AuditAction.READ)
    assert entry.note.startswith("查阅特困人员名册")


def test_bureau_opens_the_person_page_masked_and_the_menu_shows_the_module(client, bureau_user, person):
    client.force_login(bureau_user)
    page = client.get(person.get_absolute_url()).content.decode()
    assert "王五" in page and NUMBER not in page and mask_id_number(NUMBER) in page
    assert reverse("guardianship:person_update", args=[person.pk]) not in page
    home = client.get(reverse("home")).content.decode()
    assert f'href="{reverse("guardianship:register")}"' in home
    assert AuditEntry.objects.filter(actor=bureau_user, action=AuditAction.READ, object_id=str(person.pk)).exists()


def test_bureau_reads_the_overview_and_the_statistics_api(client, bureau_user, person, village_b):
    PersonFactory(village=village_b, name="赵六")
    client.force_login(bureau_user)
    overview = client.get(reverse("guardianship:overview")).content.decode()
    assert "水布垭镇" in overview and "东瀼口镇" in overview
    api = APIClient()
    api.force_authenticate(bureau_user)
    stats = api.get(reverse("api_guardianship_stats"))
    assert stats.status_code == 200
    body = stats.json()
    assert body["scope"] == "county" and body["persons_active"] == 2
    persons = api.get(reverse("api_person-list")).json()
    assert [row["id_number"] for row in persons["results"] if row["name"] == "王五"] == [mask_id_number(NUMBER)]


def test_bureau_sees_only_its_own_county(client, bureau_user, person, foreign_person):
    client.force_login(bureau_user)
    assert "外县人" not in client.get(reverse("guardianship:register")).content.decode()
    assert client.get(foreign_person.get_absolute_url()).status_code == 404


def test_department_without_the_remit_is_refused_as_before(client, justice_user, person):
    client.force_login(justice_user)
    for url in (
        reverse("guardianship:register"),
        reverse("guardianship:overview"),
        person.get_absolute_url(),
        reverse("guardianship:register_export"),
    ):
        response = client.get(url)
        assert response.status_code == 403, url
        assert "王五" not in response.content.decode()
    api = APIClient()
    api.force_authenticate(justice_user)
    assert api.get(reverse("api_person-list")).status_code == 403
    assert api.get(reverse("api_guardianship_stats")).status_code == 403
    assert "特困人员" not in client.get(reverse("home")).content.decode()
    assert not Person.objects.visible_to(justice_user).exists()


def test_bureau_cannot_write(client, bureau_user, person):
    client.force_login(bureau_user)
    for name in ("person_update", "person_exit", "visit_create", "self_care_assess", "guardian_assign"):
        assert client.get(reverse(f"guardianship:{name}", args=[person.pk])).status_code == 403, name
    assert client.get(reverse("guardianship:person_create")).status_code == 403
    assert client.get(reverse("guardianship:finding_create")).status_code == 403
    response = client.post(
        reverse("guardianship:person_exit", args=[person.pk]), {"reason": "迁出", "exit_date": "2024-01-01"}
    )
    assert response.status_code == 403
    api = APIClient()
    api.force_authenticate(bureau_user)
    detail = api.get(reverse("api_person-detail", args=[person.pk]))
    assert detail.status_code == 200
    patched = api.patch(
        reverse("api_person-detail", args=[person.pk]), {"name": "改名"}, format="json", HTTP_IF_MATCH=detail["ETag"]
    )
    assert patched.status_code == 403
    person.refresh_from_db()
    assert (person.name, person.status) == ("王五", "active")
    assert not Person.objects.editable_by(bureau_user).exists()


def test_remit_is_validated_and_edited_in_the_admin(client, county_admin, department):
    department.remit = ["tasks_everything"]
    with pytest.raises(ValidationError) as raised:
        department.full_clean()
    assert "职责范围只能是以下模块" in str(raised.value)
    department.refresh_from_db()

    client.force_login(county_admin)
    url = reverse("admin:villages_department_change", args=[department.pk])
    page = client.get(url).content.decode()
    assert "职责范围" in page and "特困人员监护照护" in page
    form = client.get(url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value not in (None, [])}
    data.update(county=department.county_id, remit=["guardianship"])
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    department.refresh_from_db()
    assert department.remit == ["guardianship"]
    listing = client.get(reverse("admin:villages_department_changelist")).content.decode()
    assert "特困人员监护照护" in listing


def test_demo_gives_the_civil_affairs_bureau_the_guardianship_remit():
    from demo.county import _load_departments_data

    remits = {row["key"]: row.get("remit", []) for row in _load_departments_data()}
    assert remits["civil_affairs_bureau"] == ["guardianship"]
    assert [key for key, remit in remits.items() if remit] == ["civil_affairs_bureau"]
