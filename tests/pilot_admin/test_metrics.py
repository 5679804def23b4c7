"""/metrics: refused without METRICS_TOKEN or an allowed address; the Prometheus text with the
requests by view (django-prometheus) and the county's counters (Celery tasks, outbox) after a
request, a task and a sent message."""

import pytest
from django.urls import reverse
from prometheus_client.parser import text_string_to_metric_families

from pilot_admin.choices import NoticeKind
from pilot_admin.models import Notification
from pilot_admin.notifications.services import notify
from pilot_admin.tasks import deliver_outbox_task
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TOKEN = "metrics-token-for-the-tests"


@pytest.fixture
def protected(settings):
    settings.METRICS_TOKEN = TOKEN
    settings.METRICS_ALLOWED_IPS = []


def _scrape(client) -> dict:
    response = client.get(reverse("metrics"), headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }


def test_metrics_are_refused_without_the_token_or_an_allowed_address(client, protected, settings):
    url = reverse("metrics")
    response = client.get(url)
    assert response.status_code == 403
    assert response.content.decode() == "无权查看监控指标。"
    assert client.get(url, headers={"Authorization": "Bearer wrong"}).status_code == 403
    settings.METRICS_ALLOWED_IPS = ["10.0.0.0/8"]
    assert client.get(url).status_code == 403  # the test client is 127.0.0.1
    settings.METRICS_ALLOWED_IPS = ["127.0.0.0/8"]
    assert client.get(url).status_code == 200


def test_nobody_reads_the_metrics_when_neither_token_nor_addresses_are_set(client, settings):
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_IPS = []
    assert client.get(reverse("metrics"), headers={"Authorization": "Bearer "}).status_code == 403


def test_requests_by_view_are_counted(client, protected):
    key = (
        "django_http_responses_total_by_status_view_method_total",
        (("method", "GET"), ("status", "200"), ("view", "health")),
    )
    before = _scrape(client).get(key, 0)
    assert client.get(reverse("health")).status_code == 200
    after = _scrape(client)
    assert after[key] == before + 1
    latency = "django_http_requests_latency_seconds_by_view_method_count"
    assert (latency, (("method", "GET"), ("view", "health"))) in after


def test_tasks_and_outbox_messages_are_counted(client, protected):
    task = (("result", "succeeded"), ("task", "pilot_admin.tasks.deliver_outbox_task"))
    sent = (("channel", "sms"), ("result", "sent"))
    before = _scrape(client)
    person = UserFactory(role="county_viewer", phone="13812340002")
    notify(users=[person], source="test:metrics", title="【已逾期】报告", body="请尽快报送。", link="/tasks/1/")
    Notification.objects.update(kind=NoticeKind.OVERDUE)

    result = deliver_outbox_task.apply().get()  # the console provider of the default settings
    assert result["sent"] == 1
    after = _scrape(client)
    tasks = "pilot_admin_celery_tasks_total"
    assert after[(tasks, task)] == before.get((tasks, task), 0) + 1
    outbox = "pilot_admin_outbox_messages_total"
    assert after[(outbox, sent)] == before.get((outbox, sent), 0) + 1


def test_imports_are_counted_by_kind_and_result(client, protected, county_admin, township_a):
    from pilot_admin.excel import import_kinds, import_run_start
    from tests.helpers.uploads import workbook_upload
    from villages.excel import VILLAGE_COLUMNS

    failed = ("pilot_admin_imports_total", (("kind", "villages"), ("result", "failed")))
    checked = ("pilot_admin_imports_total", (("kind", "villages"), ("result", "checked")))
    before = _scrape(client)
    kind = import_kinds.get("villages")
    good = [township_a.name, "指标村", "", 10, 30, 1, "否", "建档前已有"]
    run = import_run_start(actor=county_admin, kind=kind, upload=workbook_upload(VILLAGE_COLUMNS.headers, [good]),
                           dry_run=True)  # fmt: skip
    assert run.status == "checked", run.errors
    bad = [township_a.name, "", "", "很多", 30, 1, "否", "建档前已有"]
    run = import_run_start(actor=county_admin, kind=kind, upload=workbook_upload(VILLAGE_COLUMNS.headers, [bad]),
                           dry_run=True)  # fmt: skip
    assert run.status == "failed"
    after = _scrape(client)
    assert after[checked] == before.get(checked, 0) + 1
    assert after[failed] == before.get(failed, 0) + 1
