"""Nominations (申报): a township nominates, the county approves or returns, the township
withdraws or resubmits; provincial key support as its own state and R-A4 counting applications."""

import datetime
import itertools
import re

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from pilot_admin.models import AuditEntry, Notification
from tests.factories import (
    PilotAssignmentFactory,
    PilotNominationFactory,
    TownshipFactory,
    UserFactory,
    VillageFactory,
)
from villages import services_nominations as services
from villages.choices import GuidanceCategory, NominationState, PilotLevel, PilotStatus, ProvincialStatus
from villages.models import PilotAssignment, PilotNomination
from villages.selectors import pilot_quota_stats
from villages.services_nominations import NominationInput

YEAR = 2020
NOMINATIONS_API = reverse("api_pilot_nomination-list")
CATEGORY = GuidanceCategory.POPULATION_OUTFLOW


def _item(village, **kwargs):
    return NominationInput(
        village=village,
        reason=kwargs.pop("reason", "村“两委”班子团结，产业基础好。"),
        guidance_category=CATEGORY,
        **kwargs,
    )


def _nominate(actor, program, *villages, **kwargs):
    return services.nominations_create(
        actor=actor, program=program, year=YEAR, items=[_item(v, **kwargs) for v in villages]
    )


# --- nominate ------------------------------------------------------------------------------------


def test_nomination_form_labels_every_field_of_a_row_with_the_village(client, township_a_official, program, township_a):
    """Tapping a village's name ticks its checkbox (<label for>), and each of the row's other
    fields is named after the village too: on a phone the column head is only CSS."""
    village = VillageFactory(township=township_a, name="长岭岗村")
    client.force_login(township_a_official)
    page = client.get(reverse("villages:nomination_create") + f"?program={program.code}&year={YEAR}").content.decode()
    labels = {
        field: re.search(rf'<label[^>]*for="id_v{village.pk}_{field}"[^>]*>([^<]*)</label>', page)
        for field in ("selected", "reason", "guidance", "provincial", "demonstration")
    }
    assert {field: match and match.group(1) for field, match in labels.items()} == {
        "selected": "长岭岗村",
        "reason": "长岭岗村申报理由",
        "guidance": "长岭岗村分类指导类型",
        "provincial": "长岭岗村申请省级重点支持",
        "demonstration": "长岭岗村拟创建示范村",
    }
    for field in labels:
        assert f'id="id_v{village.pk}_{field}"' in page


def test_township_nominates_several_villages_on_one_form(client, township_a_official, program, township_a):
    first, second, third = VillageFactory.create_batch(3, township=township_a)
    PilotAssignmentFactory(program=program, village=third, year=2018)
    client.force_login(township_a_official)
    url = reverse("villages:nomination_create") + f"?program={program.code}&year={YEAR}"

    page = client.get(url).content.decode()
    # The guidance (SPEC §4.2 step 1) and the candidates: a village already a pilot is not one.
    assert "条件成熟的村" in page
    assert first.name in page and second.name in page and third.name not in page

    response = client.post(
        url,
        {
            "program": program.code,
            "year": YEAR,
            f"v{first.pk}_selected": "on",
            f"v{first.pk}_reason": "集体经济收入稳定",
            f"v{first.pk}_guidance": CATEGORY,
            f"v{first.pk}_provincial": "on",
            f"v{second.pk}_selected": "on",
            f"v{second.pk}_guidance": GuidanceCategory.REMOTE_UNDERDEVELOPED,
            "shared_reason": "村容整洁，群众积极",
        },
    )

    assert response.status_code == 302
    rows = {n.village_id: n for n in PilotNomination.objects.all()}
    assert set(rows) == {first.pk, second.pk}
    assert rows[first.pk].reason == "集体经济收入稳定" and rows[first.pk].applies_provincial_support is True
    assert rows[second.pk].reason == "村容整洁，群众积极" and rows[second.pk].applies_provincial_support is False
    assert {n.state for n in rows.values()} == {NominationState.PENDING}
    assert rows[first.pk].nominated_by == township_a_official
    assert AuditEntry.objects.filter(content_type__model="pilotnomination").count() == 2
    listing = client.get(response["Location"]).content.decode()
    assert first.name in listing and "已申报" in listing


def test_the_form_refuses_a_ticked_village_without_reason_or_category(client, township_a_official, program, village_a):
    client.force_login(township_a_official)
    response = client.post(
        reverse("villages:nomination_create"),
        {"program": program.code, "year": YEAR, f"v{village_a.pk}_selected": "on", f"v{village_a.pk}_guidance": ""},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "水布垭村：请填写申报理由" in page and "水布垭村：请选择分类指导类型" in page
    assert not PilotNomination.objects.exists()


def test_a_pilot_or_a_pending_nomination_cannot_be_nominated_again(township_a_official, program, township_a):
    pilot_village, nominated = VillageFactory.create_batch(2, township=township_a)
    PilotAssignmentFactory(program=program, village=pilot_village, year=2019, status=PilotStatus.PROPOSED)
    _nominate(township_a_official, program, nominated)

    with pytest.raises(ValidationError) as error:
        _nominate(township_a_official, program, pilot_village, nominated)
    assert error.value.messages == [
        f"{pilot_village.name}已是本试点项目的试点村（2019年，拟定），不能再申报。",
        f"{nominated.name}已申报本试点项目（{YEAR}年），正在等待县里审核，不能重复申报。",
    ]
    assert PilotNomination.objects.count() == 1
    # The database holds the rule too: one pending nomination per village and program.
    with pytest.raises(IntegrityError), transaction.atomic():
        PilotNominationFactory(program=program, village=nominated)


def test_a_withdrawn_pilot_or_nomination_frees_the_village(township_a_official, program, village_a):
    PilotAssignmentFactory(
        program=program, village=village_a, year=2018, status=PilotStatus.WITHDRAWN, withdraw_reason="换届"
    )
    (first,) = _nominate(township_a_official, program, village_a)
    services.nomination_withdraw(actor=township_a_official, nomination=first)
    (again,) = _nominate(township_a_official, program, village_a)
    assert again.state == NominationState.PENDING


def test_only_a_township_nominates_and_only_its_own_villages(
    county_admin, township_a_official, program, village_a, village_b
):
    with pytest.raises(PermissionDenied):
        _nominate(county_admin, program, village_a)
    with pytest.raises(ValidationError, match="只能申报本乡镇的有效行政村：东瀼口村"):
        _nominate(township_a_official, program, village_a, village_b)
    assert not PilotNomination.objects.exists()


# --- decide --------------------------------------------------------------------------------------


def test_approval_makes_an_approved_pilot_with_the_nominations_choices_and_tells_the_township(
    client, county_admin, township_a_official, program, village_a
):
    (nomination,) = _nominate(township_a_official, program, village_a, applies_provincial_support=True)
    client.force_login(county_admin)

    response = client.post(reverse("villages:nomination_decide", args=[nomination.pk, "approve"]))

    assert response.status_code == 302
    nomination.refresh_from_db()
    pilot = nomination.assignment
    assert nomination.state == NominationState.APPROVED and nomination.decided_by == county_admin
    assert (pilot.program, pilot.village, pilot.year, pilot.status) == (program, village_a, YEAR, PilotStatus.APPROVED)
    assert pilot.guidance_category == CATEGORY
    # Applied, not yet granted: the level stays 县级 until the province decides.
    assert (pilot.provincial_status, pilot.level) == (ProvincialStatus.APPLIED, PilotLevel.COUNTY)
    assert "乡镇申报理由" in pilot.notes
    note = Notification.objects.get(user=township_a_official)
    assert note.title == f"【试点申报已批准】水布垭村（{YEAR}年）" and note.link == nomination.get_absolute_url()
    assert AuditEntry.objects.filter(content_type__model="pilotassignment", object_id=str(pilot.pk)).exists()


def test_return_needs_a_reason_then_the_township_resubmits_and_the_county_approves(
    county_admin, township_a_official, program, village_a
):
    (nomination,) = _nominate(township_a_official, program, village_a)
    with pytest.raises(ValidationError, match="退回申报须填写原因"):
        services.nomination_return(actor=county_admin, nomination=nomination, reason="  ")

    services.nomination_return(actor=county_admin, nomination=nomination, reason="请补充村集体经济收入情况")
    nomination.refresh_from_db()
    assert (nomination.state, nomination.return_reason) == (NominationState.RETURNED, "请补充村集体经济收入情况")
    assert Notification.objects.get(user=township_a_official).body.startswith("退回原因：请补充村集体经济收入情况")
    with pytest.raises(ValidationError, match="只有“已申报”的申报可以审核"):
        services.nomination_approve(actor=county_admin, nomination=nomination)

    services.nomination_resubmit(
        actor=township_a_official,
        nomination=nomination,
        reason="2019年集体经济收入6.2万元",
        guidance_category=GuidanceCategory.STRONG_COLLECTIVE_OR_RESETTLEMENT,
    )
    nomination.refresh_from_db()
    assert (nomination.state, nomination.return_reason, nomination.decided_by) == (NominationState.PENDING, "", None)

    services.nomination_approve(actor=county_admin, nomination=nomination)
    nomination.refresh_from_db()
    assert nomination.assignment.guidance_category == GuidanceCategory.STRONG_COLLECTIVE_OR_RESETTLEMENT
    assert Notification.objects.filter(user=township_a_official).count() == 2


def test_the_township_withdraws_a_pending_nomination_but_not_an_approved_one(
    county_admin, township_a_official, program, township_a
):
    pending, approved = _nominate(township_a_official, program, *VillageFactory.create_batch(2, township=township_a))
    services.nomination_approve(actor=county_admin, nomination=approved)

    services.nomination_withdraw(actor=township_a_official, nomination=pending)
    pending.refresh_from_db()
    assert pending.state == NominationState.WITHDRAWN
    with pytest.raises(ValidationError, match="只有“已申报”或“已退回”的申报可以撤回"):
        services.nomination_withdraw(actor=township_a_official, nomination=approved)
    with pytest.raises(ValidationError, match="只有“已退回”的申报可以修改后重新申报"):
        services.nomination_resubmit(
            actor=township_a_official, nomination=pending, reason="再报", guidance_category=CATEGORY
        )


def test_bulk_approval_is_all_or_nothing(client, county_admin, township_a_official, program, township_a):
    villages = VillageFactory.create_batch(2, township=township_a)
    nominations = _nominate(township_a_official, program, *villages)
    # Meanwhile the county office selected the second village itself.
    PilotAssignmentFactory(program=program, village=villages[1], year=YEAR, status=PilotStatus.PROPOSED)
    client.force_login(county_admin)

    response = client.post(
        reverse("villages:nomination_bulk_approve"), {"nominations": [n.pk for n in nominations]}, follow=True
    )

    assert f"{villages[1].name}：该村已是本试点项目的试点村。" in response.content.decode()
    assert set(PilotNomination.objects.values_list("state", flat=True)) == {NominationState.PENDING}
    assert PilotAssignment.objects.filter(program=program).count() == 1


def test_another_townships_nomination_is_a_404(client, township_a_official, township_b_official, program, village_a):
    (nomination,) = _nominate(township_a_official, program, village_a)
    client.force_login(township_b_official)
    assert client.get(nomination.get_absolute_url()).status_code == 404
    assert client.get(reverse("villages:nomination_resubmit", args=[nomination.pk])).status_code == 404
    assert client.post(reverse("villages:nomination_withdraw", args=[nomination.pk])).status_code == 404
    assert client.get(reverse("api_pilot_nomination-detail", args=[nomination.pk])).status_code == 404
    assert client.get(NOMINATIONS_API).json()["count"] == 0
    nomination.refresh_from_db()
    assert nomination.state == NominationState.PENDING


def test_the_api_lists_a_townships_own_nominations_with_filters(
    township_a_official, township_b_official, county_admin, program, village_a, village_b
):
    (own,) = _nominate(township_a_official, program, village_a)
    _nominate(township_b_official, program, village_b)
    api = APIClient()
    api.force_authenticate(township_a_official)
    payload = api.get(NOMINATIONS_API).json()
    assert [row["village_name"] for row in payload["results"]] == ["水布垭村"]
    assert payload["results"][0]["state"] == "pending" and payload["results"][0]["assignment"] is None

    api.force_authenticate(county_admin)
    assert api.get(NOMINATIONS_API).json()["count"] == 2
    township = village_b.township_id
    assert [r["village_name"] for r in api.get(NOMINATIONS_API, {"township": township}).json()["results"]] == [
        "东瀼口村"
    ]
    services.nomination_return(actor=county_admin, nomination=own, reason="材料不全")
    returned = api.get(NOMINATIONS_API, {"state": "returned", "program": program.code, "year": YEAR}).json()
    assert [(r["village_name"], r["return_reason"]) for r in returned["results"]] == [("水布垭村", "材料不全")]


# --- the county's queue --------------------------------------------------------------------------


def test_the_queue_shows_each_townships_standing_against_its_quota(
    client, county_admin, township_a_official, program, township_a
):
    villages = VillageFactory.create_batch(25, township=township_a)  # 26 with village-less fixture: needs 2
    PilotAssignmentFactory(program=program, village=villages[0], year=YEAR)
    _nominate(township_a_official, program, villages[1], applies_provincial_support=True)
    client.force_login(county_admin)

    page = client.get(reverse("villages:nomination_queue"), {"program": program.code, "year": YEAR}).content.decode()

    report = pilot_quota_stats(user=county_admin, program=program, year=YEAR)
    row = next(r for r in report.townships if r.id == township_a.pk)
    assert row.required_new_pilots == 2 and row.new_pilots == 1
    assert f"{YEAR}年应至少 2 个，已审批 1 个，待审核 1 个" in page
    assert "差 1 个，批准后可达标" in page
    assert "待审核的申请 1 个" in page
    # The nav badge counts the county's pending nominations.
    assert '申报审核 <span class="badge">1</span>' in page


# --- provincial key support (R-A4) ---------------------------------------------------------------


def _approved_pilots(program, township, n, **kwargs):
    return [
        PilotAssignmentFactory(program=program, village=v, year=YEAR, **kwargs)
        for v in VillageFactory.create_batch(n, township=township)
    ]


def _set(admin, pilot, status, decided_on=None):
    return services.pilot_provincial_status_set(actor=admin, assignment=pilot, status=status, decided_on=decided_on)


def test_r_a4_counts_applications_four_is_short(county_admin, program, township_a):
    assert program.provincial_annual_min_count == 5
    pilots = _approved_pilots(program, township_a, 5)
    for pilot in pilots[:4]:
        _set(county_admin, pilot, ProvincialStatus.APPLIED)
    county = pilot_quota_stats(user=county_admin, program=program, year=YEAR).county
    assert (county.province_applied, county.province_granted, county.province_key) == (4, 0, 0)
    assert county.meets_province_key_minimum is False


def test_r_a4_five_applied_with_two_granted_meets_the_minimum(client, county_admin, program, township_a):
    day = datetime.date(YEAR, 9, 1)
    pilots = _approved_pilots(program, township_a, 6)
    for pilot in pilots[:5]:
        _set(county_admin, pilot, ProvincialStatus.APPLIED)
    for pilot in pilots[:2]:
        _set(county_admin, pilot, ProvincialStatus.GRANTED, day)
    _set(county_admin, pilots[2], ProvincialStatus.NOT_GRANTED, day)
    # A proposed (not approved) pilot's application does not count.
    PilotAssignmentFactory(
        program=program, village=VillageFactory(township=township_a), year=YEAR, status=PilotStatus.PROPOSED
    )

    county = pilot_quota_stats(user=county_admin, program=program, year=YEAR).county
    assert (county.province_applied, county.province_granted, county.province_key) == (5, 2, 2)
    assert county.meets_province_key_minimum is True

    client.force_login(county_admin)
    stats = client.get(reverse("api_pilot_stats"), {"program": program.code, "year": YEAR}).json()["county"]
    assert (stats["province_applied"], stats["province_granted"], stats["province_key"]) == (5, 2, 2)
    assert stats["meets_province_key_minimum"] is True
    page = client.get(reverse("villages:quota_report"), {"program": program.code, "year": YEAR}).content.decode()
    assert '<div class="value" data-figure="province_applied">5</div>' in page
    assert '<span data-figure="province_granted">2</span>' in page
    filtered = client.get(reverse("api_pilot_assignment-list"), {"provincial_status": "not_granted"}).json()
    assert [row["id"] for row in filtered["results"]] == [pilots[2].pk]


def test_the_level_follows_the_provincial_status(client, county_admin, program, village_a):
    pilot = PilotAssignmentFactory(program=program, village=village_a, year=YEAR)
    with pytest.raises(ValidationError, match="省级重点支持不能从“未申请”改为“已获批”"):
        _set(county_admin, pilot, ProvincialStatus.GRANTED, datetime.date(YEAR, 9, 1))
    _set(county_admin, pilot, ProvincialStatus.APPLIED)
    with pytest.raises(ValidationError, match="请填写省里的决定日期"):
        _set(county_admin, pilot, ProvincialStatus.GRANTED)

    client.force_login(county_admin)
    client.post(
        reverse("villages:pilot_provincial", args=[pilot.pk]), {"status": "granted", "decided_on": f"{YEAR}-09-01"}
    )
    pilot.refresh_from_db()
    assert (pilot.provincial_status, pilot.level, pilot.provincial_decided_on) == (
        ProvincialStatus.GRANTED,
        PilotLevel.PROVINCIAL_KEY,
        datetime.date(YEAR, 9, 1),
    )
    page = client.get(pilot.get_absolute_url()).content.decode()
    assert f"已获批（省里决定于 {YEAR}-09-01）" in page

    _set(county_admin, pilot, ProvincialStatus.NOT_GRANTED, datetime.date(YEAR, 9, 2))
    pilot.refresh_from_db()
    assert (pilot.provincial_status, pilot.level) == (ProvincialStatus.NOT_GRANTED, PilotLevel.COUNTY)
    # The database refuses a level out of step with the status.
    with pytest.raises(IntegrityError), transaction.atomic():
        PilotAssignment.objects.filter(pk=pilot.pk).update(level=PilotLevel.PROVINCIAL_KEY)


# --- navigation and query counts -----------------------------------------------------------------


def test_the_nav_offers_nominating_to_townships_and_the_queue_to_the_county(
    client, township_a_official, county_admin, county_viewer
):
    client.force_login(township_a_official)
    page = client.get(reverse("home")).content.decode()
    assert 'id="nav-nominations"' in page and 'id="nav-nomination-queue"' not in page
    assert 'id="workspace-nominations"' in page
    client.force_login(county_admin)
    page = client.get(reverse("villages:pilot_list")).content.decode()
    assert 'id="nav-nomination-queue"' in page and 'id="nav-nominations"' not in page
    client.force_login(county_viewer)
    page = client.get(reverse("villages:pilot_list")).content.decode()
    assert 'id="nav-nomination-queue"' not in page


_codes = itertools.count(600)


def _populate(program, townships, villages_per_township):
    for _ in range(townships):
        township = TownshipFactory(county=program.county, code=f"422823{next(_codes) % 1000:03d}")
        official = UserFactory(role="township", township=township)
        villages = VillageFactory.create_batch(villages_per_township, township=township)
        for index, village in enumerate(villages):
            state = NominationState.PENDING if index % 3 else NominationState.RETURNED
            PilotNominationFactory(
                program=program,
                village=village,
                year=YEAR,
                state=state,
                return_reason="" if state == NominationState.PENDING else "材料不全",
                nominated_by=official,
                applies_provincial_support=bool(index % 2),
            )


@pytest.mark.parametrize(
    "url",
    [
        lambda p: reverse("villages:nomination_queue") + f"?program={p.code}&year={YEAR}",
        lambda p: reverse("villages:nomination_list"),
        lambda p: NOMINATIONS_API,
        lambda p: NOMINATIONS_API + f"?program={p.code}&year={YEAR}&state=pending",
    ],
)
def test_queue_list_and_api_run_the_same_number_of_queries_at_two_sizes(
    client, county_admin, program, django_assert_num_queries, url
):
    client.force_login(county_admin)
    _populate(program, townships=1, villages_per_township=3)
    with CaptureQueriesContext(connection) as small:
        response = client.get(url(program))
    assert response.status_code == 200
    small_body = response.content

    _populate(program, townships=4, villages_per_township=9)
    # The factories write around the services, which would bump the data version the filter
    # bar's kept choices are read under: compare like with like.
    cache.clear()
    with django_assert_num_queries(len(small)):
        response = client.get(url(program))
    assert response.status_code == 200
    assert response.content != small_body
