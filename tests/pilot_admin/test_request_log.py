"""The request log: one JSON line per request (LOG_FORMAT=json) with the request id (nginx's
X-Request-ID, or a new one, echoed in the response), the user and role, the path, the status
and the duration; lines logged while serving carry the same id."""

import io
import json
import logging

import pytest
from django.conf import settings as django_settings
from django.urls import reverse
from pythonjsonlogger.json import JsonFormatter

from pilot_admin.request_log import RequestContextFilter

pytestmark = pytest.mark.django_db


@pytest.fixture
def json_log():
    """The request logger writing through the JSON formatter and filter of settings.LOGGING."""
    options = {key: value for key, value in django_settings.LOGGING["formatters"]["json"].items() if key != "()"}
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter(**options))
    handler.addFilter(RequestContextFilter())
    logger = logging.getLogger("pilot_admin.request")
    logger.addHandler(handler)
    level = logger.level
    logger.setLevel(logging.DEBUG)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    logger.removeHandler(handler)
    logger.setLevel(level)


def test_a_request_is_one_json_line_with_its_id_user_path_status_and_duration(client, county_admin, json_log):
    client.force_login(county_admin)
    response = client.get(reverse("home"), headers={"X-Request-ID": "nginx-4f2a9c"})
    assert response.status_code == 200
    assert response["X-Request-ID"] == "nginx-4f2a9c"
    [line] = json_log()
    assert line["request_id"] == "nginx-4f2a9c"
    assert (line["user_id"], line["username"], line["role"]) == (county_admin.pk, county_admin.username, "county_admin")
    assert (line["method"], line["path"], line["status"]) == ("GET", "/", 200)
    assert line["duration_ms"] >= 0
    assert line["level"] == "INFO" and line["logger"] == "pilot_admin.request"
    assert line["time"].endswith("+00:00")


def test_a_missing_or_unsafe_request_id_is_replaced_by_a_new_one(client, json_log):
    first = client.get(reverse("login"))
    second = client.get(reverse("login"), headers={"X-Request-ID": "bad id\nwith newline"})
    ids = [first["X-Request-ID"], second["X-Request-ID"]]
    assert all(len(value) == 32 for value in ids) and ids[0] != ids[1]
    lines = json_log()
    assert [line["request_id"] for line in lines] == ids
    assert lines[0]["username"] == "-" and lines[0]["user_id"] is None


def test_lines_logged_while_serving_carry_the_request_id_and_user(client, county_admin):
    seen = []

    class Keep(logging.Handler):
        def emit(self, record):
            seen.append(record)

    keep = Keep(level=logging.WARNING)
    keep.addFilter(RequestContextFilter())
    django_request = logging.getLogger("django.request")
    django_request.addHandler(keep)
    client.force_login(county_admin)
    try:
        # Django logs the 404 ("Not Found: …") while the request is being served.
        response = client.get(reverse("villages:village_detail", args=[999999]), headers={"X-Request-ID": "abc-123"})
    finally:
        django_request.removeHandler(keep)
    assert response.status_code == 404
    assert [(r.request_id, r.username, r.role) for r in seen] == [("abc-123", county_admin.username, "county_admin")]
