"""A village's history (issue 13): dated life events, and every year's figures counted with the
villages as they were that year."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from pilot_admin.audit.services import audit_entries_for
from tests.factories import PilotAssignmentFactory, TownshipFactory, VillageFactory
from villages import selectors, services, services_history
from villages.choices import PilotStatus, VillageEventKind, VillageKind
from villages.history import administrative_on_q
from villages.models import Village, VillageEvent

D = datetime.date
TODAY = timezone.localdate()


def _quota(user, program, year, as_of=None):
    report = selectors.pilot_quota_stats(user=user, program=program, year=year, as_of=as_of)
    return report.as_dict()


def _row(report, township):
    return next(row for row in report["townships"] if row["id"] == township.pk)


@pytest.fixture
def twenty(township_a):
    """Twenty villages of township A that existed before the records began."""
    return VillageFactory.create_batch(20, township=township_a)


def test_past_quota_unchanged_after_a_village_is_added_merged_or_split_today(county_admin, program, twenty):
    township = twenty[0].township
    PilotAssignmentFactory(program=program, village=twenty[0], year=2016)
    before = {year: _quota(county_admin, program, year) for year in (2016, 2017)}
    assert _row(before[2016], township)["villages"] == 20
    assert _row(before[2016], township)["meets_quota"] is True

    services.village_create(actor=county_admin, township=township, name="今天新设村")
    services_history.village_merge(actor=county_admin, village=twenty[1], into=twenty[2], date=TODAY)
    services_history.village_split(actor=county_admin, source=twenty[3], date=TODAY, name="今天拆分村")

    for year in (2016, 2017):
        assert _quota(county_admin, program, year) == before[year], year
    # Today's figures take all three in: +1 new, -1 merged, +1 split.
    now = selectors.township_list(user=county_admin).get(pk=township.pk)
    assert now.village_count == 21


def test_the_year_of_a_merger_counts_on_each_side_of_its_date(county_admin, program, twenty):
    township = twenty[0].township
    merged, into = twenty[0], twenty[1]
    PilotAssignmentFactory(program=program, village=merged, year=2016)
    services_history.village_merge(actor=county_admin, village=merged, into=into, date=D(2017, 6, 30))

    assert _row(_quota(county_admin, program, 2017, as_of=D(2017, 6, 29)), township)["villages"] == 20
    assert _row(_quota(county_admin, program, 2017, as_of=D(2017, 6, 30)), township)["villages"] == 19
    assert _row(_quota(county_admin, program, 2017), township)["villages"] == 19
    year_2016 = _row(_quota(county_admin, program, 2016), township)
    assert (year_2016["villages"], year_2016["new_pilots"]) == (20, 1)
    # Its pilot stays in its history: counted for 2016 and in the cumulative figures after.
    assert _row(_quota(county_admin, program, 2018), township)["cumulative_pilots"] == 1
    merged.refresh_from_db()
    assert (merged.is_active, merged.ended_on, merged.status) == (False, D(2017, 6, 30), "merged")


def test_a_village_that_became_a_community_stops_counting_from_that_date(county_admin, program, twenty):
    township = twenty[0].township
    services_history.village_become_community(actor=county_admin, village=twenty[0], date=D(2018, 3, 1))
    assert _row(_quota(county_admin, program, 2017), township)["villages"] == 20
    assert _row(_quota(county_admin, program, 2018, as_of=D(2018, 2, 28)), township)["villages"] == 20
    assert _row(_quota(county_admin, program, 2018), township)["villages"] == 19
    village = Village.objects.get(pk=twenty[0].pk)
    assert (village.kind, village.community_since, village.is_active) == (
        VillageKind.RESIDENTIAL_COMMUNITY,
        D(2018, 3, 1),
        True,
    )


def test_a_split_village_counts_from_its_date(county_admin, program, twenty):
    township = twenty[0].township
    new = services_history.village_split(
        actor=county_admin, source=twenty[0], date=D(2019, 1, 1), name="新分村", households=120
    )
    assert new.established_on == D(2019, 1, 1) and new.township_id == township.pk
    assert _row(_quota(county_admin, program, 2018), township)["villages"] == 20
    assert _row(_quota(county_admin, program, 2019), township)["villages"] == 21
    event = VillageEvent.objects.get(village=new)
    assert (event.kind, event.related_village_id) == (VillageEventKind.SPLIT, twenty[0].pk)


def test_village_create_dates_the_village(county_admin, township_a):
    new = services.village_create(actor=county_admin, township=township_a, name="新村")
    old = services.village_create(actor=county_admin, township=township_a, name="老村", established_on=None)
    dated = services.village_create(actor=county_admin, township=township_a, name="旧村", established_on=D(2018, 5, 1))
    assert (new.established_on, old.established_on, dated.established_on) == (TODAY, None, D(2018, 5, 1))
    assert list(VillageEvent.objects.filter(village=dated).values_list("kind", "date")) == [
        (VillageEventKind.ESTABLISHED, D(2018, 5, 1))
    ]
    assert not VillageEvent.objects.filter(village=old).exists()
    with pytest.raises(ValidationError, match="设立日期不能晚于今天"):
        services.village_create(
            actor=county_admin, township=township_a, name="未来村", established_on=TODAY + datetime.timedelta(days=1)
        )


def test_rename_keeps_the_old_name_and_is_audited(county_admin, village_a):
    event = services_history.village_rename(actor=county_admin, village=village_a, name="新名村", date=D(2020, 1, 1))
    village_a.refresh_from_db()
    assert (village_a.name, event.old_name, event.recorded_by) == ("新名村", "水布垭村", county_admin)
    assert village_a.version == 2
    assert audit_entries_for(village_a).get().changes["name"]["new"] == "新名村"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda a, v, o: services_history.village_merge(actor=a, village=v, into=v, date=TODAY), "另一个村"),
        (
            lambda a, v, o: services_history.village_rename(
                actor=a, village=v, name="x", date=TODAY + datetime.timedelta(days=1)
            ),
            "不能晚于今天",
        ),
        (
            lambda a, v, o: services_history.village_become_community(actor=a, village=o, date=TODAY),
            "已是社区",
        ),
        (lambda a, v, o: services_history.village_rename(actor=a, village=v, name="水布垭村", date=TODAY), "相同"),
    ],
)
def test_events_refuse_what_cannot_have_happened(county_admin, village_a, township_a, change, message):
    community = VillageFactory(township=township_a, kind=VillageKind.RESIDENTIAL_COMMUNITY)
    with pytest.raises(ValidationError, match=message):
        change(county_admin, village_a, community)


def test_merge_refuses_a_date_before_its_pilot_year_and_another_county(county_admin, program, village_a, village_b):
    PilotAssignmentFactory(program=program, village=village_a, year=2019)
    with pytest.raises(ValidationError, match="2019 年的试点村"):
        services_history.village_merge(actor=county_admin, village=village_a, into=village_b, date=D(2018, 12, 31))
    foreign = VillageFactory(township=TownshipFactory(county__name="建始县", county__admin_code="422822"))
    with pytest.raises(ValidationError, match="不在您的管辖范围"):
        services_history.village_merge(actor=county_admin, village=village_a, into=foreign, date=D(2019, 12, 31))
    # A withdrawn pilot does not hold the merger back.
    village_a.pilot_assignments.update(status=PilotStatus.WITHDRAWN, withdraw_reason="撤")
    services_history.village_merge(actor=county_admin, village=village_a, into=village_b, date=D(2018, 12, 31))
    with pytest.raises(ValidationError, match="已于 2018-12-31 撤并"):
        services_history.village_rename(actor=county_admin, village=village_a, name="再改", date=TODAY)


def test_only_the_county_office_records_events(township_a_official, village_a):
    with pytest.raises(PermissionDenied):
        services_history.village_rename(actor=township_a_official, village=village_a, name="x", date=TODAY)


def test_administrative_on_q_is_one_filter(village_a):
    sql = str(Village.objects.filter(administrative_on_q(D(2017, 12, 31))).query)
    assert "established_on" in sql and "ended_on" in sql and "community_since" in sql


def _populate(program, township, n):
    """n villages, half of them merged in 2017, two pilots of 2016."""
    villages = VillageFactory.create_batch(n, township=township)
    Village.objects.filter(pk__in=[v.pk for v in villages[: n // 2]]).update(ended_on=D(2017, 1, 1), is_active=False)
    for village in villages[n // 2 : n // 2 + 2]:
        PilotAssignmentFactory(program=program, village=village, year=2016)


@pytest.mark.parametrize("path", ["report", "api"])
def test_query_counts_are_flat_in_the_number_of_villages(county_admin, program, township_a, township_b, path):
    client = APIClient()
    client.force_authenticate(county_admin)

    def run():
        with CaptureQueriesContext(connection) as ctx:
            if path == "report":
                _quota(county_admin, program, 2017)
            else:
                assert client.get("/api/v1/villages/", {"status": "merged", "page_size": 200}).status_code == 200
        return len(ctx)

    run()  # the first request also reads what later ones find cached
    _populate(program, township_a, 4)
    small = run()
    _populate(program, township_b, 40)
    assert run() == small


# --- API ------------------------------------------------------------------------------------


def test_village_api_exposes_kind_and_status_with_filters(county_admin, township_a, village_a, village_b):
    community = VillageFactory(township=township_a, name="集镇社区", kind=VillageKind.RESIDENTIAL_COMMUNITY)
    services_history.village_merge(actor=county_admin, village=village_b, into=village_a, date=D(2019, 5, 1))
    client = APIClient()
    client.force_authenticate(county_admin)

    def names(**params):
        body = client.get("/api/v1/villages/", params).json()
        return sorted(row["name"] for row in body["results"])

    assert names(kind="residential_community") == ["集镇社区"]
    assert names(status="merged") == ["东瀼口村"]
    assert names(status="active", kind="administrative_village") == ["水布垭村"]
    row = client.get(f"/api/v1/villages/{village_b.pk}/").json()
    assert (row["status"], row["is_active"], row["ended_on"], row["established_on"]) == (
        "merged",
        False,
        "2019-05-01",
        None,
    )
    assert client.get(f"/api/v1/villages/{community.pk}/").json()["kind"] == "residential_community"
    response = client.get("/api/v1/villages/", {"status": "gone"})
    assert response.status_code == 400


def test_village_list_page_filters_by_kind_and_status(client, county_admin, township_a, village_a):
    VillageFactory(township=township_a, name="集镇社区", kind=VillageKind.RESIDENTIAL_COMMUNITY)
    client.force_login(county_admin)
    page = client.get(reverse("villages:village_list"), {"kind": "residential_community"}).content.decode()
    assert "集镇社区" in page and "水布垭村" not in page
    page = client.get(reverse("villages:village_list"), {"status": "merged"}).content.decode()
    assert "没有符合条件的村" in page


# --- pages ----------------------------------------------------------------------------------


def test_village_page_shows_the_timeline_and_records_a_merger(client, county_admin, village_a, village_b):
    client.force_login(county_admin)
    url = reverse("villages:village_event", args=[village_b.pk, "merge"])
    form = client.get(url).content.decode()
    assert "并入的村" in form and "水布垭村" in form
    response = client.post(url, {"into": village_a.pk, "date": "2019-05-01", "note": "巴政发〔2019〕1号"})
    assert response.status_code == 302
    page = client.get(reverse("villages:village_detail", args=[village_b.pk])).content.decode()
    assert "已撤并" in page and "2019-05-01" in page and "并入水布垭村" in page and "巴政发〔2019〕1号" in page
    assert "记录撤并" not in page  # no more events once merged
    into_page = client.get(reverse("villages:village_detail", args=[village_a.pk])).content.decode()
    assert "东瀼口村并入本村" in into_page and "记录拆分" in into_page


def test_event_form_shows_the_service_refusal(client, county_admin, village_a):
    client.force_login(county_admin)
    future = (TODAY + datetime.timedelta(days=3)).isoformat()
    response = client.post(
        reverse("villages:village_event", args=[village_a.pk, "community"]), {"date": future, "note": ""}
    )
    assert response.status_code == 200
    assert "日期不能晚于今天" in response.content.decode()
    village_a.refresh_from_db()
    assert village_a.kind == VillageKind.ADMINISTRATIVE_VILLAGE


def test_new_village_form_offers_before_records(client, county_admin, township_a):
    client.force_login(county_admin)
    form = client.get(reverse("villages:village_create")).content.decode()
    assert "建档前已有" in form and "设立日期" in form
    data = {"township": township_a.pk, "name": "表单老村", "kind": "administrative_village", "households": 1}
    data.update(population=1, resident_population=1)
    assert client.post(reverse("villages:village_create"), {**data, "before_records": "on"}).status_code == 302
    assert Village.objects.get(name="表单老村").established_on is None
    assert client.post(reverse("villages:village_create"), {**data, "name": "表单新村"}).status_code == 302
    assert Village.objects.get(name="表单新村").established_on == TODAY


def test_the_kind_is_changed_by_the_dated_event_not_the_edit_form(county_admin, village_a):
    with pytest.raises(ValidationError, match="村改社区"):
        services.village_update(actor=county_admin, village=village_a, kind=VillageKind.RESIDENTIAL_COMMUNITY)


def test_a_patch_cannot_change_the_kind_but_may_repeat_it(county_admin, village_a):
    """The API's PATCH has no date to give, so another kind is refused (not silently ignored);
    the kind it already has passes, so a client may send back what it read."""
    api = APIClient()
    api.force_authenticate(county_admin)
    url = f"/api/v1/villages/{village_a.pk}/"
    etag = api.get(url).headers["ETag"]

    def patch(body, tag):
        return api.patch(url, body, format="json", headers={"If-Match": tag})

    refused = patch({"kind": VillageKind.RESIDENTIAL_COMMUNITY, "households": 77}, etag)
    assert refused.status_code == 400
    assert "村改社区" in refused.json()["kind"][0]
    village_a.refresh_from_db()
    assert (village_a.kind, village_a.households) == (VillageKind.ADMINISTRATIVE_VILLAGE, village_a.households)
    assert village_a.households != 77

    same = patch({"kind": VillageKind.ADMINISTRATIVE_VILLAGE, "households": 77}, etag)
    assert same.status_code == 200
    village_a.refresh_from_db()
    assert (village_a.kind, village_a.households) == (VillageKind.ADMINISTRATIVE_VILLAGE, 77)
