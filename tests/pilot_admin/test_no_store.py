"""Nothing a signed-in user is shown, and no API answer, is kept by a browser or a proxy: the pages,
exports and API records of persons in care carry `Cache-Control: no-store`; static files do not."""

import datetime

import pytest
from django.urls import reverse

from pilot_admin.models import ApiToken
from tests.factories import PersonFactory, id_number


@pytest.fixture
def person(village_a):
    born = datetime.date(1951, 7, 8)
    return PersonFactory(village=village_a, id_number=id_number(born, 135), birth_date=born, name="王大")


def _no_store(response) -> bool:
    directives = {part.strip() for part in response.get("Cache-Control", "").split(",")}
    return {"no-store", "private"} <= directives


@pytest.mark.parametrize("role", ["county_admin", "county_viewer", "township_a"])
def test_every_page_and_export_of_a_person_is_not_stored(client, personas, person, role):
    client.force_login(personas[role])
    for url in (
        person.get_absolute_url(),
        reverse("guardianship:register"),
        reverse("guardianship:register_export"),
        reverse("home"),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert _no_store(response), (url, response.get("Cache-Control"))


def test_api_records_are_not_stored_with_a_token(client, api_client_user, person):
    token = ApiToken.objects.create(user=api_client_user)
    for url in ("/api/v1/persons/", f"/api/v1/persons/{person.pk}/"):
        response = client.get(url, HTTP_AUTHORIZATION=f"Token {token.key}")
        assert response.status_code == 200, url
        assert person.name in response.content.decode()
        assert _no_store(response), url


def test_a_refused_api_call_is_not_stored_either(client, person):
    response = client.get("/api/v1/persons/")
    assert response.status_code in (401, 403)
    assert _no_store(response)


def test_static_files_stay_cacheable(client):
    response = client.get("/static/css/app.css")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
