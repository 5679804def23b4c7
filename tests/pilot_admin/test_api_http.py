"""The API's HTTP semantics (issue 18): If-Match by RFC 9110 on both PATCH endpoints, a PATCH
that changes nothing, one JSON error shape in Chinese for every error status under /api/, no
internals in OPTIONS or HTML, and the /api/v1/ index. Measured from outside on main, each
defect tested here answered 500, HTML or English."""

import json
import re

import pytest
from django.urls import reverse

from guardianship.models import Person
from pilot_admin.choices import AuditAction
from pilot_admin.locking import IF_MATCH_MALFORMED, IF_MATCH_REQUIRED, IF_MATCH_WEAK
from pilot_admin.models import ApiToken, AuditEntry
from tests.factories import PersonFactory, TownshipFactory, VillageFactory
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


# --- one JSON error shape, in Chinese, under /api/ ------------------------------------------------


def test_person_patch_keys_its_errors_by_field_like_the_village_patch(client, county_admin, endpoints):
    client.force_login(county_admin)
    person_url, _, person = endpoints["person"]
    village_url, _, _ = endpoints["village"]

    person_response = _patch(client, person_url, {"id_number": "123"}, if_match='"1"')
    village_response = _patch(client, village_url, {"households": -1}, if_match='"1"')

    body = _assert_error(person_response, 400, shape="fields")
    assert list(body) == ["id_number"] and "18位" in body["id_number"][0]
    assert list(_assert_error(village_response, 400, shape="fields")) == ["households"]
    assert Person.objects.get(pk=person.pk).version == 1


def test_a_body_over_the_upload_limit_is_413_json(client, township_a_official, endpoints):
    url, _, person = endpoints["person"]
    _token_client(client, township_a_official)
    body = json.dumps({"address": "长" * 10, "notes": "x" * (20 * 1024 * 1024)})

    response = client.patch(url, body, content_type="application/json", HTTP_IF_MATCH='"1"')

    assert "MB" in _assert_error(response, 413)["detail"]
    assert Person.objects.get(pk=person.pk).version == 1


def test_a_form_with_too_many_fields_is_413_json(client, db):
    # The token endpoint takes forms (the record endpoints take JSON only: a form there is a 415).
    form = "&".join(f"f{i}=1" for i in range(1100))

    response = client.post(reverse("api_token"), form, content_type="application/x-www-form-urlencoded")

    assert "字段" in _assert_error(response, 413)["detail"]


def test_the_token_endpoint_answers_413_json_too(client, db):
    response = client.post(reverse("api_token"), json.dumps({"username": "x" * (20 * 1024 * 1024)}), "application/json")
    _assert_error(response, 413)


def test_a_body_refused_before_any_view_is_413_json_under_api_and_the_page_otherwise(rf):
    from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent

    from pilot_admin.api.exceptions import bad_request

    for exception in (RequestDataTooBig("big"), TooManyFieldsSent("many")):
        _assert_error(bad_request(rf.post("/api/v1/auth/token/"), exception), 413)
        page = bad_request(rf.post("/login/"), exception)
        assert page.status_code == 400 and page["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("path", ["/api/v1/nothing/", "/api/v1/villages/1/nothing/", "/api/v2/", "/api/"])
def test_an_unknown_api_path_is_404_json_signed_in_or_not(client, county_admin, path):
    _assert_error(client.get(path), 404)
    client.force_login(county_admin)
    assert "/api/v1/" in _assert_error(client.get(path), 404)["detail"]


def test_pages_keep_their_own_404_page(client, county_admin):
    client.force_login(county_admin)
    response = client.get("/villages/nothing/here/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    assert "未找到" in response.content.decode()


def test_another_countys_record_is_a_chinese_404(client, county_admin):
    foreign = PersonFactory(village=VillageFactory(township=TownshipFactory(county__name="建始县")))
    client.force_login(county_admin)

    response = client.get(reverse("api_person-detail", args=[foreign.pk]))

    detail = _assert_error(response, 404)["detail"]
    assert "matches" not in detail and "Person" not in detail


def test_a_method_not_allowed_is_405_in_chinese(client, county_admin, village_a):
    client.force_login(county_admin)
    url = reverse("api_village-detail", args=[village_a.pk])
    for response in (client.put(url, "{}", content_type="application/json"), client.delete(url)):
        detail = _assert_error(response, 405)["detail"]
        assert "不支持" in detail and "not allowed" not in detail
        assert "PATCH" in response["Allow"]


def test_an_unsupported_body_type_is_415_in_chinese_without_echoing_it(client, county_admin, village_a):
    client.force_login(county_admin)
    url = reverse("api_village-detail", args=[village_a.pk])

    response = client.patch(url, "name=x", content_type="text/evil\x01type", HTTP_IF_MATCH='"1"')

    detail = _assert_error(response, 415)["detail"]
    assert "application/json" in detail and "evil" not in detail


def test_an_unacceptable_accept_header_is_406_json(client, county_admin):
    client.force_login(county_admin)
    _assert_error(client.get(reverse("api_village-list"), HTTP_ACCEPT="text/csv"), 406)


def test_a_body_that_is_not_json_says_where(client, county_admin, village_a):
    client.force_login(county_admin)
    url = reverse("api_village-detail", args=[village_a.pk])

    response = client.patch(url, '{"name": ', content_type="application/json", HTTP_IF_MATCH='"1"')

    detail = _assert_error(response, 400)["detail"]
    assert "JSON" in detail and "第 1 行" in detail and "parse error" not in detail


def test_unauthenticated_is_401_in_chinese_with_the_challenge(client, db):
    response = client.get(reverse("api_village-list"))
    _assert_error(response, 401)
    assert response["WWW-Authenticate"] == "Token"


def test_a_session_write_without_its_csrf_token_is_403_in_chinese(county_admin, village_a):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(county_admin)

    response = _patch(browser, reverse("api_village-detail", args=[village_a.pk]), {"name": "改"}, if_match='"1"')

    assert "X-CSRFToken" in _assert_error(response, 403)["detail"]
    assert "CSRF Failed" not in response.content.decode()


def test_a_too_long_api_url_is_414_json(client, county_admin):
    from pilot_admin.api.middleware import MAX_URL_LENGTH

    client.force_login(county_admin)
    url = reverse("api_village-list") + "?search=" + "x" * MAX_URL_LENGTH
    _assert_error(client.get(url), 414)
    assert client.get(reverse("api_village-list") + "?search=" + "x" * 100).status_code == 200


def _raw_get(port: int, target: str) -> tuple[int, str, bytes]:
    import socket

    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(f"GET {target} HTTP/1.0\r\nHost: localhost\r\n\r\n".encode())
        raw = b""
        while chunk := sock.recv(65536):
            raw += chunk
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    return int(lines[0].split()[1]), "\n".join(lines[1:]).lower(), body


def test_gunicorn_with_the_repositorys_config_lets_the_application_answer_a_long_api_url(tmp_path):
    """What the deployment runs: gunicorn, started in the checkout, reads gunicorn.conf.py, so a
    request line over gunicorn's default limit (4094 bytes) still reaches the application."""
    import os
    import socket
    import subprocess
    import sys
    import time
    from pathlib import Path

    from django.conf import settings

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings", "PILOT_ADMIN_VAR_DIR": str(tmp_path)}
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "pilot_admin.wsgi", "--bind", f"127.0.0.1:{port}"]
        + ["--workers", "1", "--chdir", str(settings.BASE_DIR)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=(tmp_path / "gunicorn.log").open("w"),
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, (tmp_path / "gunicorn.log").read_text()
                time.sleep(0.2)

        status, headers, body = _raw_get(port, "/api/v1/villages/?search=" + "x" * 5000)

        assert status == 414, body[:300]
        assert "content-type: application/json" in headers
        assert "网址过长" in json.loads(body)["detail"]
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_throttling_is_429_in_chinese_with_retry_after():
    from rest_framework.exceptions import Throttled

    from pilot_admin.api.exceptions import exception_handler

    response = exception_handler(Throttled(wait=12), {"request": None, "view": None})

    assert response.status_code == 429 and response["Retry-After"] == "12"
    assert response.data == {"detail": "请求过于频繁，请 12 秒后再试。"}


def test_a_crash_is_500_json_under_api_and_the_page_otherwise(client, county_admin, monkeypatch):
    from villages.api.views import VillageViewSet
    from villages.views import VillageListView

    def crash(*args, **kwargs):
        raise RuntimeError("internal detail that must not leave the server")

    monkeypatch.setattr(VillageViewSet, "selector", staticmethod(crash))
    monkeypatch.setattr(VillageListView, "base_queryset", crash)
    client.raise_request_exception = False
    client.force_login(county_admin)

    response = client.get(reverse("api_village-list"))
    page = client.get(reverse("villages:village_list"))

    _assert_error(response, 500)
    assert "internal detail" not in response.content.decode()
    assert page.status_code == 500 and page["Content-Type"].startswith("text/html")


def test_a_services_refusal_of_the_whole_input_is_non_field_errors():
    from django.core.exceptions import ValidationError

    from pilot_admin.api.exceptions import exception_handler

    plain = exception_handler(ValidationError("该村不在您的管辖范围内。"), {})
    keyed = exception_handler(ValidationError({"__all__": ["整体有误。"], "name": "名称有误。"}), {})

    assert plain.data == {"non_field_errors": ["该村不在您的管辖范围内。"]}
    assert keyed.data == {"non_field_errors": ["整体有误。"], "name": ["名称有误。"]}


@pytest.mark.parametrize("name", ["api_schema", "api_docs"])
def test_the_schema_and_docs_pages_answer_errors_in_json(client, county_admin, name):
    url = reverse(name)
    _assert_error(client.get(url), 401)  # the schema's renderer writes YAML, the docs' HTML
    client.force_login(county_admin)
    _assert_error(client.post(url, "{}", content_type="application/json"), 405)


# --- nothing the client sent comes back with its control characters --------------------------


def test_a_nul_byte_gets_the_right_message_and_is_not_echoed(client, county_admin, endpoints):
    url, _, _ = endpoints["person"]
    client.force_login(county_admin)

    text = _patch(client, url, {"address": "村\x00里"}, if_match='"1"')
    choice = _patch(client, url, {"kind": "\x00evil"}, if_match='"1"')
    query = client.get(reverse("api_pilot_assignment-list") + "?status=%00abc")

    assert _assert_error(text, 400, shape="fields") == {"address": ["不能包含空字符（NUL）。"]}
    for response in (choice, query):
        assert response.status_code == 400
        assert "\\u0000" not in response.content.decode() and "\x00" not in json.dumps(response.json())


def test_an_echoed_value_is_cut_short():
    from rest_framework.exceptions import ValidationError

    from pilot_admin.api.exceptions import MAX_MESSAGE_LENGTH, exception_handler

    response = exception_handler(ValidationError({"kind": [f"“{'x' * 5000}” 不是合法选项。"]}), {})

    assert len(response.data["kind"][0]) == MAX_MESSAGE_LENGTH


# --- no internals -----------------------------------------------------------------------------------


def _api_routes():
    """(route name, kwargs) of every API route, with pk=1 where it takes one."""
    from tests.test_access_matrix import _route_names

    seen = set()
    for name, pattern in _route_names():
        if name.startswith("api_") and name not in seen:
            seen.add(name)
            yield name, ({"pk": 1} if "pk" in pattern.pattern.regex.groupindex else {})


def test_options_shows_no_docstring(client, county_admin):
    from villages.api.views import PilotStatsView

    client.force_login(county_admin)
    routes = list(_api_routes())
    for name, kwargs in routes:
        response = client.options(reverse(name, kwargs=kwargs))
        assert response.status_code == 200, (name, response.status_code)
        assert set(json.loads(response.content)) == {"renders", "parses", "schema"}, name
    stats = client.options(reverse("api_pilot_stats")).content.decode()
    assert "SPEC" not in stats and PilotStatsView.__doc__[:20] not in stats
    assert len(routes) >= 25


def test_the_browsable_api_is_off_without_debug(client, county_admin):
    client.force_login(county_admin)

    as_api = client.get(reverse("api_village-list") + "?format=api")
    as_html = client.get(reverse("api_village-list"), HTTP_ACCEPT="text/html")

    assert "format" in _assert_error(as_api, 404)["detail"]
    _assert_error(as_html, 406)
    assert client.get(reverse("api_village-list") + "?format=json").status_code == 200


def test_the_browsable_api_exists_only_with_debug():
    import os
    import subprocess
    import sys

    from django.conf import settings

    def renderers(**env):
        clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
        result = subprocess.run(
            [
                sys.executable,
                "-c",
                "import pilot_admin.settings as s; print(s.REST_FRAMEWORK['DEFAULT_RENDERER_CLASSES'])",
            ],
            env={**clean, **env},
            cwd=settings.BASE_DIR,
            capture_output=True,
            text=True,
            check=True,
        )
        return result.stdout

    assert "BrowsableAPIRenderer" in renderers(DJANGO_DEBUG="1")
    assert "BrowsableAPIRenderer" not in renderers(DJANGO_DEBUG="0", DJANGO_SECRET_KEY="k" * 50)


# --- the index ----------------------------------------------------------------------------------


def test_the_index_lists_every_resource_and_links_the_schema(client, api_client_user):
    _token_client(client, api_client_user)

    response = client.get("/api/v1/")

    assert response.status_code == 200
    index = response.json()
    assert (index["version"], index["schema"], index["docs"]) == ("v1", "/api/v1/schema/", "/api/v1/docs/")
    urls = {resource["url"] for resource in index["resources"]}
    assert all(CJK.search(resource["description"]) for resource in index["resources"])
    collections = {
        reverse(name)
        for name, kwargs in _api_routes()
        if not kwargs and name not in ("api_index", "api_schema", "api_docs")
    }
    assert collections - urls == set()
    assert client.get(index["resources"][0]["url"]).status_code == 200


def test_the_index_needs_sign_in(client, db):
    _assert_error(client.get("/api/v1/"), 401)
