"""The database server restarted under a running request: the request ends in the clean Chinese
error page, its transaction is gone whole (no half-written import), and the next request works.

Requests go through the real WSGI application with the request signals connected, as in
production (Django's test client keeps one connection for the whole test instead), and the
connection is persistent with health checks, as configured in pilot_admin/settings.py."""

import io
import re

import pytest
from django.core.wsgi import get_wsgi_application
from django.db import connection
from django.urls import reverse
from werkzeug.test import Client

from pilot_admin.choices import ImportStatus
from pilot_admin.models import AuditEntry, ImportRun
from tests.helpers.excel import workbook_bytes
from villages.excel import VILLAGE_COLUMNS
from villages.models import Village

pytestmark = pytest.mark.django_db(transaction=True)

ERROR_PAGE = "系统错误"


@pytest.fixture
def production_connections(settings):
    """CONN_MAX_AGE as in production (the test settings close every connection after a request)."""
    connection.close()
    original = connection.settings_dict["CONN_MAX_AGE"]
    connection.settings_dict["CONN_MAX_AGE"] = 60
    assert connection.settings_dict["CONN_HEALTH_CHECKS"] is True
    yield
    connection.settings_dict["CONN_MAX_AGE"] = original


@pytest.fixture
def browser(client, county_admin, production_connections):
    """A signed-in browser on the real WSGI application."""
    client.force_login(county_admin)
    wsgi = Client(get_wsgi_application())
    wsgi.set_cookie("sessionid", client.cookies["sessionid"].value)
    return wsgi


class RestartAfter:
    """A database execute wrapper that restarts the server just before the statement that
    follows the first one matching `pattern`: the request has begun its work (and, inside a
    transaction, written) when the server goes away under it."""

    def __init__(self, server, pattern: str):
        self.server, self.pattern = server, re.compile(pattern)
        self.armed, self.done = False, None

    def __call__(self, execute, sql, params, many, context):
        if self.done is None and self.armed:
            self.done = self.server.pg_restart()
        if self.pattern.search(sql):
            self.armed = True
        return execute(sql, params, many, context)


def _text(response) -> str:
    return response.get_data(as_text=True)


def test_a_page_load_cut_by_a_restart_shows_the_error_page_and_the_next_load_works(browser, postgres_server, village_a):
    url = reverse("villages:village_list")
    assert browser.get(url).status_code == 200  # the persistent connection is open

    fault = RestartAfter(postgres_server, r'FROM "pilot_admin_user"')
    with connection.execute_wrapper(fault):
        response = browser.get(url)
    assert fault.done in ("restart", "terminate")
    assert response.status_code == 500
    assert ERROR_PAGE in _text(response)
    assert "Traceback" not in _text(response)

    response = browser.get(url)
    assert response.status_code == 200
    assert village_a.name in _text(response)


def test_a_restart_between_requests_is_invisible_to_the_next_one(browser, postgres_server, village_a):
    url = reverse("villages:village_list")
    assert browser.get(url).status_code == 200
    postgres_server.pg_restart()  # the connection kept from the last request is now dead

    response = browser.get(url)
    assert response.status_code == 200  # CONN_HEALTH_CHECKS found it dead and reconnected
    assert village_a.name in _text(response)


def _upload(browser, content: bytes):
    url = reverse("import_upload", args=["villages"])
    assert browser.get(url).status_code == 200  # the form, and with it the CSRF cookie
    return browser.post(
        url,
        data={"file": (io.BytesIO(content), "村名单.xlsx")},
        headers={"X-CSRFToken": browser.get_cookie("csrftoken").value, "Referer": "http://localhost/"},
    )


def test_an_import_cut_by_a_restart_writes_nothing_and_the_retry_imports_everything(
    browser, postgres_server, township_a
):
    content = workbook_bytes(
        VILLAGE_COLUMNS.headers,
        [["水布垭镇", f"重启村{i}", "", 10 + i, 30 + i, i, "否", "建档前已有"] for i in range(40)],
    )
    before = (Village.objects.count(), AuditEntry.objects.count(), ImportRun.objects.count())

    # The server goes away right after the villages were inserted, inside the import's transaction.
    fault = RestartAfter(postgres_server, r'INSERT INTO "villages_village"')
    with connection.execute_wrapper(fault):
        response = _upload(browser, content)
    assert fault.done in ("restart", "terminate")
    assert response.status_code == 500
    assert ERROR_PAGE in _text(response)
    connection.close()
    assert (Village.objects.count(), AuditEntry.objects.count(), ImportRun.objects.count()) == before

    response = _upload(browser, content)
    assert response.status_code == 302
    run = ImportRun.objects.get()
    assert (run.status, run.created_count) == (ImportStatus.DONE, 40)
    assert Village.objects.filter(name__startswith="重启村").count() == 40
