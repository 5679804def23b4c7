"""Real races on PostgreSQL: two threads, two database connections, released together by a
barrier. Two reviewers accepting one report — exactly one acceptance (the conditional UPDATE in
tasks.services._review; tests/tasks/test_services.py has the sequential case); two form saves of
the same version — one saved, one told to reload; two API PATCHes with the same If-Match — one
200, one 412. Nothing is silently overwritten."""

import json
import threading

import pytest
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from pilot_admin.choices import AuditAction, Role
from pilot_admin.models import AuditEntry
from tasks import services as task_services
from tasks.choices import ReportStatus
from tasks.models import ProgressReport
from tests.factories import PersonFactory, UserFactory, bimonthly_task
from villages import services as village_services
from villages.models import Village

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks and real concurrency need PostgreSQL"),
]


def _race(*calls):
    """Run each call in its own thread (own connection), all starting at once; their results
    (or the exceptions they raised) in call order."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait(timeout=10)
            results[index] = call()
        except Exception as error:  # noqa: BLE001 - the test inspects what each side got
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a racer hung"
    return results


def _form_data(form):
    """What the browser posts back for `form` as rendered (the hidden version included)."""
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is None or value is False:
            continue
        data[name] = "on" if value is True else str(value)
    return data


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def test_two_reviewers_accepting_at_once_exactly_one_acceptance(
    county_admin, township_a_official, program, department, township_a, county
):
    village_services.township_government_ensure(township=township_a)
    task = bimonthly_task(actor=county_admin, program=program, lead=[department], townships=[township_a])
    period = task.periods.order_by("due_date").first()
    report = task_services.report_save(
        actor=township_a_official, period=period, submit=True, today=period.due_date, text="已完成"
    )
    colleague = UserFactory(role=Role.COUNTY_ADMIN, county=county, username="colleague")
    # Both loaded the report while it was 已提交.
    seen = [ProgressReport.objects.get(pk=report.pk) for _ in range(2)]

    results = _race(
        lambda: task_services.report_accept(actor=county_admin, report=seen[0]),
        lambda: task_services.report_accept(actor=colleague, report=seen[1]),
    )

    winners = [r for r in results if isinstance(r, ProgressReport)]
    losers = [r for r in results if not isinstance(r, ProgressReport)]
    assert len(winners) == 1 and len(losers) == 1, results
    assert losers[0].messages == ["只有“已提交”的报告可以审核（可能已被他人处理）。"]
    report.refresh_from_db()
    assert report.status == ReportStatus.ACCEPTED
    assert report.reviewed_by == winners[0].reviewed_by
    accepted = AuditEntry.objects.filter(object_id=str(report.pk), action=AuditAction.UPDATE, changes__has_key="status")
    assert accepted.count() == 1


def test_two_form_saves_of_the_same_version_one_wins(county_admin, county, village_a):
    colleague = UserFactory(role=Role.COUNTY_ADMIN, county=county, username="colleague")
    url = reverse("villages:village_update", args=[village_a.pk])
    clients = [_client(county_admin), _client(colleague)]
    base = _form_data(clients[0].get(url).context["form"])
    assert base["version"] == "1"

    responses = _race(
        lambda: clients[0].post(url, {**base, "name": "甲改的名"}),
        lambda: clients[1].post(url, {**base, "name": "乙改的名"}),
    )

    codes = sorted(r.status_code for r in responses)
    assert codes == [200, 302], responses
    winner = {0: "甲改的名", 1: "乙改的名"}[[r.status_code for r in responses].index(302)]
    loser = next(r for r in responses if r.status_code == 200)
    assert "该记录已被" in loser.content.decode() and "请刷新后重新编辑" in loser.content.decode()
    village_a.refresh_from_db()
    assert (village_a.name, village_a.version) == (winner, 2)
    assert AuditEntry.objects.filter(object_id=str(village_a.pk), action=AuditAction.UPDATE).count() == 1


def test_two_api_patches_with_the_same_if_match_one_200_one_412(county_admin, township_a_official, village_a):
    person = PersonFactory(village=village_a)
    url = reverse("api_person-detail", args=[person.pk])
    clients = [_client(county_admin), _client(township_a_official)]

    def patch(client, notes):
        return client.patch(url, json.dumps({"notes": notes}), content_type="application/json", HTTP_IF_MATCH='"1"')

    responses = _race(lambda: patch(clients[0], "县里写的"), lambda: patch(clients[1], "乡里写的"))

    assert sorted(r.status_code for r in responses) == [200, 412], [r.content for r in responses]
    winner = next(r for r in responses if r.status_code == 200)
    loser = next(r for r in responses if r.status_code == 412)
    assert loser.json()["detail"].startswith("该记录已被")
    person.refresh_from_db()
    assert person.version == 2
    assert person.notes in ("县里写的", "乡里写的")
    assert winner["ETag"] == '"2"'
    assert Village.objects.get(pk=village_a.pk).version == 1
