"""Irreversible guardianship actions ask first without a script: 办理退出 and 更换监护人 carry
a required box naming what cannot be undone; a form sent without it is shown again with the
reason and writes nothing."""

import datetime

import pytest
from django.urls import reverse

from guardianship import services
from guardianship.choices import GuardianKind
from guardianship.models import Guardian
from tests.factories import PersonFactory


@pytest.fixture
def person(village_a):
    return PersonFactory(village=village_a, name="张三", civil_capacity="limited")


def test_exit_form_needs_the_confirmation_box(client, township_a_official, person):
    client.force_login(township_a_official)
    url = reverse("guardianship:person_exit", args=[person.pk])
    page = client.get(url).content.decode()
    assert 'name="confirm" value="yes" required' in page and "此操作不能撤销" in page
    assert "确认办理退出" in page
    response = client.post(url, {"reason": "死亡", "exit_date": "2024-04-01"})
    assert response.status_code == 200
    assert "请勾选确认" in response.content.decode()
    person.refresh_from_db()
    assert person.status == "active"
    client.post(url, {"reason": "死亡", "exit_date": "2024-04-01", "confirm": "yes"})
    person.refresh_from_db()
    assert person.status == "exited"


def test_guardian_replacement_needs_the_confirmation_box(client, township_a_official, person):
    services.guardian_assign(
        actor=township_a_official,
        person=person,
        start_date=datetime.date(2024, 1, 1),
        has_close_relative=True,
        kind=GuardianKind.INDIVIDUAL,
        name="张大",
    )
    client.force_login(township_a_official)
    data = {
        "reason": "old_or_frail",
        "decided_on": "2024-05-01",
        "kind": GuardianKind.VILLAGE_COMMITTEE,
        "name": "水布垭村委会",
        "able_to_perform": "on",
    }
    url = reverse("guardianship:guardian_replace", args=[person.pk])
    response = client.post(url, data)
    assert response.status_code == 200 and "请勾选确认" in response.content.decode()
    assert list(Guardian.objects.filter(person=person).values_list("name", "is_active")) == [("张大", True)]
    client.post(url, data | {"confirm": "yes"})
    assert Guardian.objects.get(person=person, is_active=True).name == "水布垭村委会"
