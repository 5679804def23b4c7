"""The API's HTTP semantics (issue 18): If-Match by RFC 9110 on both PATCH endpoints, and a
PATCH that changes nothing. Measured from outside on main, each defect tested here answered 500
or bumped the version for nothing."""

import json
import re

import pytest
from django.urls import reverse

from pilot_admin.choices import AuditAction
from pilot_admin.locking import IF_MATCH_MALFORMED, IF_MATCH_REQUIRED, IF_MATCH_WEAK
from pilot_admin.models import ApiToken, AuditEntry
from tests.factories import PersonFactory
from villages.models import Village

pytestmark = pytest.mark.django_db

CJK = re.compile(r"[\u4e00-\u9fff]")


def _token_client(client, user):
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {ApiToken.objects.create(user=user).key}"
    return client


def _assert_error(response, status, *, shape="detail"):
    """`status`, JSON, and the one error shape with Chinese in it; returns the body."""
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = json.loads(response.content)
    if shape == "detail":
        assert list(body) == ["detail"] and isinstance(body["detail"], str), body
        assert CJK.search(body["detail"]), body
    else:
        assert body and all(isinstance(v, list) and all(CJK.search(m) for m in v) for v in body.values()), body
    return body


# --- If-Match: RFC 9110 §13.1.1 on both PATCH endpoints ---------------------------------------


@pytest.fixture
def endpoints(village_a):
    """Per PATCH endpoint: its URL, a body that changes the record, and a way to reload it."""
    person = PersonFactory(village=village_a)
    return {
        "village": (reverse("api_village-detail", args=[village_a.pk]), {"name": "改过的村名"}, village_a),
        "person": (reverse("api_person-detail", args=[person.pk]), {"address": "改过的住址"}, person),
    }


def _patch(client, url, body, if_match=None, **extra):
    headers = {"HTTP_IF_MATCH": if_match} if if_match is not None else {}
    return client.patch(url, json.dumps(body), content_type="application/json", **headers, **extra)


# (If-Match as sent, the status for a role that may edit, what the body must say) — version 1 current.
IF_MATCH_CASES = [
    ('"1"', 200, None),
    ('"3", "1"', 200, None),  # any tag of the list, not only the first
    ('"1", "3"', 200, None),
    ('"3",, "1" ,', 200, None),  # empty list elements are ignored (RFC 9110 §5.6.1)
    ("*", 200, None),
    ('W/"1"', 412, IF_MATCH_WEAK),  # strong comparison: a weak tag never matches
    ('"3", W/"1"', 412, IF_MATCH_WEAK),
    ('"2"', 412, "该记录已被"),
    ('"01"', 412, "该记录已被"),  # compared as strings
    ('"' + "9" * 400 + '"', 412, "该记录已被"),  # a number no int() is asked to read
    ('"' + "1" * 5000 + '"', 400, IF_MATCH_MALFORMED),  # absurdly long
    ('"\xb2"', 400, IF_MATCH_MALFORMED),  # one non-ASCII digit byte (latin-1 "²")
    ('"١"', 400, IF_MATCH_MALFORMED),
    ("1", 400, IF_MATCH_MALFORMED),  # not quoted
    ('"1', 400, IF_MATCH_MALFORMED),
    ('"1" "3"', 400, IF_MATCH_MALFORMED),  # not a comma-separated list
    ('*, "1"', 400, IF_MATCH_MALFORMED),
    ('w/"1"', 400, IF_MATCH_MALFORMED),  # W/ is case-sensitive
    ("", 400, IF_MATCH_MALFORMED),
    (" , ", 400, IF_MATCH_MALFORMED),
    (None, 428, IF_MATCH_REQUIRED),
]


@pytest.mark.parametrize("endpoint", ["village", "person"])
@pytest.mark.parametrize("role", ["county_admin", "township_a"])
@pytest.mark.parametrize(("if_match", "expected", "message"), IF_MATCH_CASES)
def test_if_match_by_rfc_9110(client, personas, endpoints, endpoint, role, if_match, expected, message):
    url, body, record = endpoints[endpoint]
    _token_client(client, personas[role])
    if role == "township_a" and endpoint == "village":
        expected, message = 403, "无权"  # villages are the county office's to edit, whatever the header

    response = _patch(client, url, body, if_match=if_match)

    assert response.status_code == expected, response.content[:300]
    record.refresh_from_db()
    assert record.version == (2 if expected == 200 else 1)
    if expected == 200:
        assert response["ETag"] == '"2"'
    else:
        assert message in _assert_error(response, expected)["detail"]
    if expected == 400:
        assert "If-Match" in response.json()["detail"]


# --- a PATCH that changes nothing -----------------------------------------------------------------


@pytest.mark.parametrize("endpoint", ["village", "person"])
def test_a_patch_that_changes_nothing_keeps_the_etag_and_writes_nothing(client, county_admin, endpoints, endpoint):
    url, _, record = endpoints[endpoint]
    client.force_login(county_admin)
    etag = client.get(url)["ETag"]
    stored = type(record).objects.get(pk=record.pk)
    unchanged = (
        {"name": stored.name, "households": stored.households}
        if endpoint == "village"
        else {"address": stored.address, "village": stored.village_id, "notes": stored.notes}
    )

    response = _patch(client, url, unchanged, if_match=etag)

    assert response.status_code == 200, response.content
    assert response["ETag"] == etag == '"1"'
    after = type(record).objects.get(pk=record.pk)
    assert (after.version, after.updated_at) == (1, stored.updated_at)
    assert not AuditEntry.objects.filter(object_id=str(record.pk), action=AuditAction.UPDATE).exists()
    # Another editor holding the same ETag is not refused because of it.
    changed = _patch(client, url, endpoints[endpoint][1], if_match=etag)
    assert changed.status_code == 200 and changed["ETag"] == '"2"'
    assert AuditEntry.objects.filter(object_id=str(record.pk), action=AuditAction.UPDATE).count() == 1


def test_a_stale_patch_is_refused_even_when_it_changes_nothing(client, county_admin, village_a):
    url = reverse("api_village-detail", args=[village_a.pk])
    client.force_login(county_admin)
    assert _patch(client, url, {"name": "新名"}, if_match='"1"').status_code == 200

    response = _patch(client, url, {"name": "新名"}, if_match='"1"')

    assert response.status_code == 412
    assert Village.objects.get(pk=village_a.pk).version == 2


def test_a_page_form_saved_unchanged_writes_nothing(client, county_admin, village_a):
    from tests.test_optimistic_locking import _form_data

    url = reverse("villages:village_update", args=[village_a.pk])
    client.force_login(county_admin)
    data = _form_data(client.get(url).context["form"])

    assert client.post(url, data).status_code == 302

    village_a.refresh_from_db()
    assert village_a.version == 1
    assert not AuditEntry.objects.filter(object_id=str(village_a.pk), action=AuditAction.UPDATE).exists()


def test_the_service_still_refuses_a_stale_version_that_changes_nothing(county_admin, village_a):
    from pilot_admin.locking import StaleVersionError
    from villages import services

    services.village_update(actor=county_admin, village=village_a, version=1, name="甲")
    with pytest.raises(StaleVersionError):
        services.village_update(actor=county_admin, village=village_a, version=1, name="甲")
    assert services.village_update(actor=county_admin, village=village_a, version=2, name="甲").version == 2
