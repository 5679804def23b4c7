"""Optimistic locking: two people editing the same record — the second save is refused with a
clear message instead of overwriting the first; on the API, If-Match is required (428) and a
stale one gets 412 (If-Match parsing and the PATCH that changes nothing: tests/pilot_admin/
test_api_http.py). Sequential here (both editors load, then both save); real threads racing
for the same version are in tests/test_concurrency.py."""

import json

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments import services as assessment_services
from guardianship import services as guardianship_services
from guardianship.models import Person
from pilot_admin.choices import AuditAction, Role
from pilot_admin.locking import STALE_MESSAGE, StaleVersionError
from pilot_admin.models import AuditEntry
from tasks import services as task_services
from tasks.models import ProgressReport, Task
from tests.factories import (
    PersonFactory,
    UserFactory,
    bimonthly_task,
    full_scores,
    scheduled_inspection,
)
from villages import services as village_services
from villages.models import Village, VillageIndicator

pytestmark = pytest.mark.django_db

STALE = "该记录已被"


def _form_data(form):
    """What the browser would post back for `form` as rendered (hidden version included)."""
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is None or value is False:
            continue
        if value is True:
            data[name] = "on"
        elif isinstance(value, (list, tuple)):
            data[name] = [str(v) for v in value]
        else:
            data[name] = str(value)
    return data


# --- the pages ------------------------------------------------------------------------------------


def test_village_form_carries_the_version_and_refuses_the_second_save(client, county_admin, county, village_a):
    colleague = UserFactory(role=Role.COUNTY_ADMIN, county=county, username="colleague")
    url = reverse("villages:village_update", args=[village_a.pk])
    client.force_login(county_admin)
    first = _form_data(client.get(url).context["form"])
    client.force_login(colleague)
    second = _form_data(client.get(url).context["form"])
    assert first["version"] == second["version"] == "1"
    assert 'type="hidden" name="version" value="1"' in client.get(url).content.decode()

    client.force_login(county_admin)
    assert client.post(url, {**first, "name": "第一人改的村名"}).status_code == 302
    client.force_login(colleague)
    response = client.post(url, {**second, "households": "999"})

    assert response.status_code == 200
    village_a.refresh_from_db()
    assert village_a.name == "第一人改的村名" and village_a.households != 999
    assert village_a.version == 2
    errors = response.context["form"].non_field_errors()
    assert errors and errors[0].startswith(STALE) and "请刷新后重新编辑" in errors[0]
    assert str(county_admin) in errors[0]  # who changed it, from the audit trail
    assert STALE in response.content.decode()


def test_person_form_refuses_a_stale_save(client, township_a_official, county_admin, village_a):
    person = PersonFactory(village=village_a)
    url = reverse("guardianship:person_update", args=[person.pk])
    client.force_login(township_a_official)
    stale = _form_data(client.get(url).context["form"])
    guardianship_services.person_save(actor=county_admin, person=person, address="县里改的住址")

    response = client.post(url, {**stale, "address": "乡里改的住址"})

    assert response.status_code == 200
    person.refresh_from_db()
    assert person.address == "县里改的住址"
    assert response.context["form"].non_field_errors()[0].startswith(STALE)
    # Reloading the page gives the current version, and that save goes through.
    fresh = _form_data(client.get(url).context["form"])
    assert fresh["version"] == "2"
    assert client.post(url, {**fresh, "address": "乡里改的住址"}).status_code == 302
    person.refresh_from_db()
    assert (person.address, person.version) == ("乡里改的住址", 3)


def test_indicator_form_refuses_overwriting_a_record_someone_created_meanwhile(
    client, township_a_official, county, village_a
):
    colleague = UserFactory(role=Role.TOWNSHIP, township=village_a.township, county=county, username="colleague")
    year = timezone.localdate().year  # the year open for entry (issue 13)
    url = reverse("villages:indicator_submit", args=[village_a.pk, year])
    client.force_login(township_a_official)
    form = client.get(url).context["form"]
    assert form["version"].value() == 0  # there was no record when the page opened
    data = _form_data(form)
    village_services.village_indicator_submit(actor=colleague, village=village_a, year=year, **_indicator_values())

    response = client.post(url, {**data, **{k: str(v) for k, v in _indicator_values(1).items()}})

    assert response.status_code == 200
    assert STALE in response.content.decode()
    assert VillageIndicator.objects.get(village=village_a, year=year).reported_by == colleague


def _indicator_values(extra=0):
    from villages.services import INDICATOR_FIELDS

    values = {}
    for name in INDICATOR_FIELDS:
        field = VillageIndicator._meta.get_field(name)
        if field.get_internal_type() in ("PositiveIntegerField", "IntegerField", "DecimalField"):
            values[name] = 1 + extra
    return values


# --- every versioned service ----------------------------------------------------------------------


def test_village_update_checks_and_advances_the_version(county_admin, village_a):
    village_services.village_update(actor=county_admin, village=village_a, version=1, name="甲")
    with pytest.raises(StaleVersionError) as raised:
        village_services.village_update(actor=county_admin, village=village_a, version=1, name="乙")
    assert raised.value.code == "stale_version"
    assert Village.objects.get(pk=village_a.pk).name == "甲"
    assert Village.objects.get(pk=village_a.pk).version == 2
    # No version at all (an import, a script) still advances it, so open forms go stale.
    village_services.village_update(actor=county_admin, village=village_a, name="丙")
    assert Village.objects.get(pk=village_a.pk).version == 3


def test_task_update_refuses_a_stale_version(county_admin, program, department, township_a):
    village_services.township_government_ensure(township=township_a)
    task = bimonthly_task(actor=county_admin, program=program, lead=[department], townships=[township_a])
    kwargs = {"lead": [department], "townships": [township_a], "title": task.title}
    task_services.task_update(actor=county_admin, task=task, version=1, **{**kwargs, "title": "第一次修改"})
    with pytest.raises(StaleVersionError):
        task_services.task_update(actor=county_admin, task=task, version=1, **{**kwargs, "title": "第二次修改"})
    task.refresh_from_db()
    assert (task.title, task.version) == ("第一次修改", 2)
    task_services.task_close_out(actor=county_admin, task=task, note="完成")
    assert Task.objects.get(pk=task.pk).version == 3  # a workflow step makes open forms stale too


def test_report_save_refuses_a_stale_version_and_review_advances_it(
    county_admin, township_a_official, program, department, township_a
):
    village_services.township_government_ensure(township=township_a)
    task = bimonthly_task(actor=county_admin, program=program, lead=[department], townships=[township_a])
    period = task.periods.order_by("due_date").first()
    day = period.due_date
    save = task_services.report_save
    report = save(actor=township_a_official, period=period, submit=False, today=day, text="草稿", version=0)
    with pytest.raises(StaleVersionError):
        # A second page opened before the report existed (version 0) must not overwrite it.
        save(actor=township_a_official, period=period, submit=False, today=day, text="另一份", version=0)
    save(actor=township_a_official, period=period, submit=True, today=day, text="正式", version=1)
    report.refresh_from_db()
    assert (report.text, report.version) == ("正式", 2)
    task_services.report_accept(actor=county_admin, report=report)
    assert ProgressReport.objects.get(pk=report.pk).version == 3


def test_person_save_refuses_a_stale_version(county_admin, township_a_official, village_a):
    person = PersonFactory(village=village_a)
    guardianship_services.person_save(actor=township_a_official, person=person, version=1, notes="一")
    with pytest.raises(StaleVersionError, match=STALE):
        guardianship_services.person_save(actor=county_admin, person=person, version=1, notes="二")
    assert Person.objects.get(pk=person.pk).notes == "一"


def test_inspection_scores_refuse_a_stale_sheet(county_admin, program, village_a, inspector, county):
    colleague = UserFactory(role=Role.INSPECTOR, county=county, username="inspector2")
    inspection = scheduled_inspection(
        actor=county_admin, program=program, village=village_a, inspectors=[inspector, colleague]
    )
    scores = full_scores(inspection)
    assessment_services.inspection_scores_save(actor=inspector, inspection=inspection, scores=scores, version=1)
    with pytest.raises(StaleVersionError):
        assessment_services.inspection_scores_save(
            actor=colleague, inspection=inspection, scores=full_scores(inspection, {"1.1": 1}), version=1
        )
    inspection.refresh_from_db()
    assert inspection.version == 2
    assert inspection.scores.get(item__code="1.1").reason == ""


def test_the_version_does_not_clutter_the_audit_trail(county_admin, village_a):
    village_services.village_update(actor=county_admin, village=village_a, version=1, name="甲")
    entry = AuditEntry.objects.get(object_id=str(village_a.pk), action=AuditAction.UPDATE)
    assert set(entry.changes) == {"name"}


# --- the API: ETag, If-Match, 428 and 412 ---------------------------------------------------------


def _patch(client, url, body, if_match=None, **extra):
    headers = {"HTTP_IF_MATCH": if_match} if if_match is not None else {}
    return client.patch(url, json.dumps(body), content_type="application/json", **headers, **extra)


def test_village_api_etag_and_if_match(client, county_admin, village_a, village_b):
    url = reverse("api_village-detail", args=[village_a.pk])
    client.force_login(county_admin)
    got = client.get(url)
    assert got.status_code == 200 and got["ETag"] == '"1"'

    missing = _patch(client, url, {"name": "新名"})
    assert missing.status_code == 428
    assert "If-Match" in missing.json()["detail"]
    ok = _patch(
        client, url, {"name": "新名", "township": village_b.township_id}, if_match='"1"', REMOTE_ADDR="10.9.8.7"
    )
    assert ok.status_code == 200, ok.content
    assert ok["ETag"] == '"2"' and ok.json()["name"] == "新名"
    stale = _patch(client, url, {"name": "又一个名"}, if_match='"1"')
    assert stale.status_code == 412
    assert stale.json()["detail"].startswith(STALE)

    village_a.refresh_from_db()
    assert (village_a.name, village_a.version) == ("新名", 2)
    assert village_a.township.name == "水布垭镇"  # the township in the body was ignored
    entry = AuditEntry.objects.get(object_id=str(village_a.pk), action=AuditAction.UPDATE)
    assert (entry.actor, entry.ip_address) == (county_admin, "10.9.8.7")
    assert client.put(url, json.dumps({"name": "x"}), content_type="application/json").status_code == 405


def test_if_match_compares_strongly_and_refuses_what_is_not_an_entity_tag(client, county_admin, village_a):
    # RFC 9110 §13.1.1; every case on both endpoints and roles is in tests/pilot_admin/test_api_http.py.
    url = reverse("api_village-detail", args=[village_a.pk])
    client.force_login(county_admin)
    assert _patch(client, url, {"name": "一"}, if_match='W/"1"').status_code == 412
    assert _patch(client, url, {"name": "一"}, if_match="1").status_code == 400
    assert _patch(client, url, {"name": "一"}, if_match='"7", "1"').status_code == 200
    assert _patch(client, url, {"name": "二"}, if_match="*").status_code == 200
    assert Village.objects.get(pk=village_a.pk).name == "二"


def test_person_api_patch_by_the_township_official(client, township_a_official, village_a, village_b):
    person = PersonFactory(village=village_a)
    url = reverse("api_person-detail", args=[person.pk])
    client.force_login(township_a_official)
    etag = client.get(url)["ETag"]

    response = _patch(client, url, {"address": "新住址", "status": "exited"}, if_match=etag)

    assert response.status_code == 200, response.content
    person.refresh_from_db()
    assert (person.address, person.status, person.version) == ("新住址", "active", 2)
    assert response.json()["status"] == "active"
    # Another township's village in the body: refused, nothing written.
    moved = _patch(client, url, {"village": village_b.pk}, if_match='"2"')
    assert moved.status_code == 400
    assert Person.objects.get(pk=person.pk).village_id == village_a.pk
    assert _patch(client, url, {"address": "旧"}, if_match='"1"').status_code == 412


@pytest.mark.parametrize(
    ("role", "expected"),
    [("county_viewer", 403), ("department", 403), ("inspector", 403), ("township_b", 404), ("county_admin", 200)],
)
def test_person_api_patch_by_role(client, personas, village_a, role, expected):
    person = PersonFactory(village=village_a)
    client.force_login(personas[role])
    response = _patch(client, reverse("api_person-detail", args=[person.pk]), {"notes": "改"}, if_match='"1"')
    assert response.status_code == expected
    assert (Person.objects.get(pk=person.pk).notes == "改") is (expected == 200)


def test_village_api_patch_is_the_county_offices(client, personas, village_a):
    url = reverse("api_village-detail", args=[village_a.pk])
    for role in ("county_viewer", "township_a", "department", "api_client"):
        client.force_login(personas[role])
        assert _patch(client, url, {"name": "改"}, if_match='"1"').status_code == 403, role
    client.logout()
    assert _patch(client, url, {"name": "改"}, if_match='"1"').status_code in (401, 403)
    assert Village.objects.get(pk=village_a.pk).name == "水布垭村"


def test_without_an_audit_entry_the_message_is_the_plain_one(county_admin, village_a):
    # A village written directly (no service, so no audit entry) then edited from a stale page.
    Village.objects.filter(pk=village_a.pk).update(version=5)
    with pytest.raises(StaleVersionError) as raised:
        village_services.village_update(actor=county_admin, village=village_a, version=4, name="甲")
    assert raised.value.messages == [STALE_MESSAGE]
