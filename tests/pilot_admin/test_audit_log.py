"""The audit administrator's audit log: filtered, paginated, exported (that export and every
reading recorded), and append-only everywhere — page, admin, ORM and (on PostgreSQL) the
database itself."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.utils import DatabaseError
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from pilot_admin.audit import services as audit
from pilot_admin.choices import AuditAction, Role
from pilot_admin.models import AuditEntry
from tests.factories import PersonFactory, TownshipFactory, UserFactory, VillageFactory
from tests.helpers.excel import downloaded
from villages import services as village_services
from villages.models import Village

LOG = reverse("audit_log")
EXPORT = reverse("audit_log_export")


def _rename(actor, village, name):
    return village_services.village_update(actor=actor, village=village, name=name)


@pytest.fixture
def changes(county_admin, township_a_official, village_a, village_b):
    """A rename by the county office, a person registered by township A's official."""
    _rename(county_admin, village_a, "水布垭新村")
    person = PersonFactory(village=village_a)
    audit.record(actor=township_a_official, instance=person, action=AuditAction.CREATE)
    return {"village": village_a, "person": person}


def test_page_lists_changes_newest_first_with_each_field_old_and_new(client, audit_admin, changes):
    client.force_login(audit_admin)

    response = client.get(LOG)

    assert response.status_code == 200
    entries = list(response.context["entries"])
    assert [e.created_at for e in entries] == sorted((e.created_at for e in entries), reverse=True)
    html = response.content.decode()
    assert "<del>水布垭村</del> → 水布垭新村" in html
    assert "村名" in html  # the field's label, not its name
    assert 'href="/audit/"' in html  # the nav link for the audit administrator


def _village_kind():
    return ContentType.objects.get_for_model(Village).pk


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (lambda c, u: {"action": "update"}, {"village"}),
        (lambda c, u: {"actor": u.pk}, {"person"}),
        (lambda c, u: {"kind": _village_kind()}, {"village"}),
        (lambda c, u: {"object_id": str(c["village"].pk), "kind": _village_kind()}, {"village"}),
        (lambda c, u: {"object_id": "999999"}, set()),
        (lambda c, u: {"township": u.township_id}, {"person"}),
        (lambda c, u: {"q": "水布垭新"}, {"village"}),
        (lambda c, u: {"date_from": "2000-01-01", "date_to": "2000-01-02"}, set()),
    ],
)
def test_filters_narrow_the_log(client, audit_admin, township_a_official, changes, query, expected):
    client.force_login(audit_admin)
    # An entry is named by its record type and id: a village and a person may share an id (on
    # SQLite each test's ids start again at 1).
    names = {_key(changes["village"]): "village", _key(changes["person"]): "person"}

    response = client.get(LOG, query(changes, township_a_official))

    assert response.status_code == 200
    assert {names[(e.content_type_id, e.object_id)] for e in response.context["entries"]} == expected


def _key(instance):
    return ContentType.objects.get_for_model(instance).pk, str(instance.pk)


def test_date_range_includes_today(client, audit_admin, changes):
    client.force_login(audit_admin)
    today = timezone.localdate().isoformat()

    response = client.get(LOG, {"date_from": today, "date_to": today})

    shown = {(e.content_type_id, e.object_id) for e in response.context["entries"]}
    assert {_key(changes["village"]), _key(changes["person"])} <= shown


def test_another_countys_changes_are_not_shown(client, audit_admin, changes):
    other_township = TownshipFactory(county__name="建始县", county__admin_code="422822", name="业州镇")
    other_admin = UserFactory(role=Role.COUNTY_ADMIN, county=other_township.county)
    other_auditor = UserFactory(role=Role.AUDIT_ADMIN, county=other_township.county)
    _rename(other_admin, VillageFactory(township=other_township, name="外县村"), "外县新村")
    client.force_login(audit_admin)

    response = client.get(LOG)

    assert "外县新村" not in response.content.decode()
    assert not AuditEntry.objects.visible_to(audit_admin).filter(actor=other_admin).exists()
    assert AuditEntry.objects.visible_to(other_auditor).filter(actor=other_admin).count() == 1
    # The county office, whose acts these are, does not read the log at all.
    assert not AuditEntry.objects.visible_to(other_admin).exists()


def test_page_query_count_does_not_grow_with_the_log(client, audit_admin, county_admin, township_a_official, village_a):
    client.force_login(audit_admin)

    def measure():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(LOG)
        assert response.status_code == 200
        return len(queries)

    for i in range(3):
        _rename(county_admin, village_a, f"村{i}")
    client.get(LOG)  # the session's first-request writes are not the page's
    small = measure()
    for _ in range(40):
        person = PersonFactory(village=village_a)
        audit.record(actor=township_a_official, instance=person, action=AuditAction.CREATE)
    large = measure()
    assert large == small


def test_post_to_the_page_is_refused(client, audit_admin, changes):
    client.force_login(audit_admin)
    before = list(AuditEntry.objects.values_list("pk", "action", "note"))

    assert client.post(LOG, {"action": "delete"}).status_code == 405
    assert client.post(EXPORT).status_code == 405
    # Nothing changes; the two attempts are themselves on the record, as failed writes.
    after = list(AuditEntry.objects.values_list("pk", "action", "note"))
    assert after[len(after) - len(before) :] == before
    attempts = AuditEntry.objects.exclude(pk__in=[pk for pk, _, _ in before])
    assert sorted(attempts.values_list("action", flat=True)) == [AuditAction.WRITE_FAILED] * 2
    assert all("（405）" in note for note in attempts.values_list("note", flat=True))


def test_export_holds_the_filtered_log_and_is_itself_recorded(client, audit_admin, changes):
    client.force_login(audit_admin)

    response = client.get(EXPORT, {"action": "update"}, REMOTE_ADDR="10.1.2.3")

    assert response.status_code == 200
    sheet = downloaded(response).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("时间", "操作人", "账号", "操作")
    assert len(rows) == 2
    assert "村名：水布垭村 → 水布垭新村" in rows[1][7]
    entry = AuditEntry.objects.filter(action=AuditAction.EXPORT).get()
    assert entry.actor == audit_admin
    assert entry.ip_address == "10.1.2.3"
    assert entry.changes["rows"]["new"] == 1
    assert entry.changes["filter"]["new"] == "action=update"
    assert entry.object_repr.startswith("审计日志_")
    assert entry.content_type == ContentType.objects.get_for_model(AuditEntry)


def test_other_roles_cannot_open_the_log(
    client, county_admin, county_viewer, township_a_official, system_admin, security_admin, changes
):
    for user in (county_admin, county_viewer, township_a_official, system_admin, security_admin):
        client.force_login(user)
        assert client.get(LOG).status_code == 403
        assert client.get(EXPORT).status_code == 403
        assert 'href="/audit/"' not in client.get(reverse("home")).content.decode()


# --- nobody can change or remove an entry --------------------------------------------------------


def test_admin_offers_no_add_change_or_delete_even_to_a_superuser(client, county_admin, changes):
    superuser = UserFactory(username="root", is_superuser=True, is_staff=True, role=Role.COUNTY_ADMIN)
    entry = AuditEntry.objects.first()
    # The county office does not read the log, in the admin either.
    client.force_login(county_admin)
    assert client.get(reverse("admin:pilot_admin_auditentry_changelist")).status_code == 403
    for user in (superuser,):
        client.force_login(user)
        assert client.get(reverse("admin:pilot_admin_auditentry_changelist")).status_code == 200
        assert client.get(reverse("admin:pilot_admin_auditentry_add")).status_code == 403
        assert (
            client.post(reverse("admin:pilot_admin_auditentry_delete", args=[entry.pk]), {"post": "yes"}).status_code
            == 403
        )
        response = client.post(reverse("admin:pilot_admin_auditentry_change", args=[entry.pk]), {"note": "改掉"})
        assert response.status_code == 403
        response = client.post(
            reverse("admin:pilot_admin_auditentry_changelist"),
            {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"},
        )
        assert response.status_code in (200, 302)
    entry.refresh_from_db()
    assert entry.note == ""
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_the_orm_refuses_to_update_or_delete_entries(changes):
    entry = AuditEntry.objects.first()
    with pytest.raises(PermissionDenied):
        AuditEntry.objects.filter(pk=entry.pk).update(note="改掉")
    with pytest.raises(PermissionDenied):
        AuditEntry.objects.all().delete()
    with pytest.raises(PermissionDenied):
        entry.delete()
    entry.note = "改掉"
    with pytest.raises(PermissionDenied):
        entry.save()
    assert AuditEntry.objects.filter(note="改掉").count() == 0
    assert AuditEntry.objects.count() == 2


def test_the_database_refuses_update_and_delete(changes):
    if connection.vendor != "postgresql":
        pytest.skip("the append-only trigger exists on PostgreSQL only (SQLite run)")
    entry = AuditEntry.objects.first()
    for sql in (
        "UPDATE pilot_admin_auditentry SET note = 'x' WHERE id = %s",
        "DELETE FROM pilot_admin_auditentry WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="修改记录只能追加"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [entry.pk])
    assert AuditEntry.objects.filter(pk=entry.pk, note="").exists()


def test_deleting_a_user_keeps_their_entries_under_their_name(changes, township_a_official):
    entries = AuditEntry.objects.filter(actor=township_a_official)
    assert entries.count() == 1
    ids = list(entries.values_list("pk", flat=True))
    township_a_official.delete()
    kept = AuditEntry.objects.filter(pk__in=ids)
    assert kept.count() == 1
    assert kept.get().actor_id is None
    assert kept.get().actor_name == str(township_a_official)
