from django.urls import reverse

from pilot_admin.choices import AuditAction
from pilot_admin.models import AuditEntry, User


def test_admin_edit_leaves_an_audit_entry_shown_in_its_history(client, county_admin, village_a):
    client.force_login(county_admin)
    url = reverse("admin:villages_village_change", args=[village_a.pk])
    form = client.get(url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update(households=512, township=village_a.township_id, is_active="on")
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""

    entry = AuditEntry.objects.get(object_id=str(village_a.pk), action=AuditAction.UPDATE)
    assert entry.changes["households"]["new"] == 512
    assert entry.note == "后台修改"
    history = client.get(reverse("admin:villages_village_history", args=[village_a.pk])).content.decode()
    assert "修改记录" in history
    assert "<strong>户数</strong>：<del>300</del> → 512" in history


def test_createsuperuser_acts_as_county_admin(db):
    user = User.objects.create_superuser("root", "root@example.org", "Strong-pass-123")
    assert user.role == "county_admin"
    assert user.is_county_admin


def test_superuser_without_a_county_sees_every_county(db, village_a):
    from tests.factories import TownshipFactory, VillageFactory
    from villages.models import Village

    other = VillageFactory(township=TownshipFactory(county__name="建始县"))
    root = User.objects.create_superuser("root", "root@example.org", "Strong-pass-123")
    assert set(Village.objects.visible_to(root)) == {village_a, other}


def test_history_records_are_listed_read_only_and_only_of_the_own_county(client, county_admin, village_a):
    import datetime

    from django.utils import timezone

    from tests.factories import TownshipFactory, VillageFactory
    from villages.choices import VillageEventKind
    from villages.models import IndicatorYear, VillageEvent

    other = VillageFactory(township=TownshipFactory(county__name="建始县"), name="外县村")
    VillageEvent.objects.create(
        village=village_a, kind=VillageEventKind.RENAMED, date=datetime.date(2018, 3, 1), old_name="旧名村"
    )
    foreign = VillageEvent.objects.create(
        village=other, kind=VillageEventKind.RENAMED, date=datetime.date(2018, 3, 1), old_name="外旧村"
    )
    IndicatorYear.objects.create(county=village_a.township.county, year=2019, opened_at=timezone.now())
    IndicatorYear.objects.create(county=other.township.county, year=2020, opened_at=timezone.now())
    client.force_login(county_admin)

    events = client.get(reverse("admin:villages_villageevent_changelist")).content.decode()
    assert "旧名村" in events and "外旧村" not in events
    assert client.get(reverse("admin:villages_villageevent_change", args=[foreign.pk])).status_code == 302  # not found
    assert client.get(reverse("admin:villages_villageevent_add")).status_code == 403
    years = client.get(reverse("admin:villages_indicatoryear_changelist"))
    counties = {(y.county_id, y.year) for y in years.context["cl"].result_list}
    assert (village_a.township.county_id, 2019) in counties
    assert {county for county, _ in counties} == {village_a.township.county_id}
    assert client.get(reverse("admin:villages_pilotnomination_changelist")).status_code == 200
    index = client.get(reverse("admin:index")).content.decode()
    assert "村历史事件" in index
