"""Acceptance (验收) and close-out of a pilot village: the rule (合格 or better, rectifications
verified, standards met — or a recorded reason), 整改 and 复查 before it, 试点示范村 at 优秀, reopening,
and an accepted pilot still counted in every quota figure of its year."""

import datetime
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from assessments import services
from assessments import services_acceptance as acceptance
from assessments.choices import Grade, RectificationStatus
from assessments.models import Rectification
from demo.standards import ensure_standards
from pilot_admin.choices import Role
from pilot_admin.models import AuditEntry
from tests.factories import (
    CountyFactory,
    PilotAssignmentFactory,
    TownshipFactory,
    UserFactory,
    VillageFactory,
    VillageIndicatorFactory,
    confirmed_inspection,
    scheduled_inspection,
)
from villages import selectors
from villages import services as village_services
from villages.choices import IndicatorStatus, PilotStatus
from villages.models import PilotAssignment, VillageIndicator

pytestmark = pytest.mark.django_db

MET = acceptance.StandardsState(met=True)
ON = datetime.date(2019, 12, 30)
DOC = "巴民发〔2019〕45号"
# Item codes of the test sheet (tests.factories.score_template: maxima 40, 30, 20, 10).
BIG, SMALL = "1.1", "2.2"


def _inspected(county_admin, program, village, inspector, off=Decimal("0"), rectify=()):
    """An approved 2017 pilot of `village` with its 2019 inspection confirmed at 100 − `off`."""
    inspection = scheduled_inspection(actor=county_admin, program=program, village=village, inspectors=[inspector])
    deductions = {BIG: off} if off else None
    confirmed = confirmed_inspection(
        county_admin=county_admin, inspection=inspection, deductions=deductions, rectify=rectify
    )
    return confirmed.pilot, confirmed


def _accept(actor, pilot, *, standards=MET, reason="", on=ON):
    return acceptance.pilot_accept(
        actor=actor, assignment=pilot, accepted_on=on, document_no=DOC, standards=standards, reason=reason
    )


def _status(pilot):
    return PilotAssignment.objects.get(pk=pilot.pk).status


# --- the rule ---------------------------------------------------------------------------------


def test_acceptance_is_refused_below_pass_without_a_reason(county_admin, program, village_a, inspector):
    # 79.5 is one half point under the program's grade_pass_min (80): 不合格.
    failing, failed = _inspected(county_admin, program, village_a, inspector, off=Decimal("20.5"))
    assert (failed.total, failed.grade) == (Decimal("79.5"), Grade.FAIL)
    # The failing sheet opened rectifications; verify them, so only the grade stands in the way.
    Rectification.objects.filter(inspection=failed).update(
        status=RectificationStatus.VERIFIED, verified_at=failed.confirmed_at
    )

    with pytest.raises(ValidationError) as error:
        _accept(county_admin, failing)
    assert "最近一次检查验收为不合格（79.5分）" in str(error.value)
    assert "仍予验收须填写理由" in str(error.value)
    assert _status(failing) == PilotStatus.APPROVED


def test_acceptance_below_pass_is_allowed_with_a_recorded_reason(county_admin, program, village_a, inspector):
    pilot, _ = _inspected(county_admin, program, village_a, inspector, off=Decimal("25"))
    reason = "受灾影响，县政府专题会议同意验收。"
    _accept(county_admin, pilot, reason=reason)
    pilot.refresh_from_db()
    assert pilot.status == PilotStatus.ACCEPTED
    assert (pilot.accepted_on, pilot.acceptance_document_no, pilot.accepted_by) == (ON, DOC, county_admin)
    assert pilot.acceptance_reason == reason
    assert "75.0分，不合格" in pilot.acceptance_basis
    entry = AuditEntry.objects.filter(object_id=str(pilot.pk), note__contains="未达条件仍予验收").get()
    assert reason in entry.note


def test_acceptance_at_exactly_pass_with_standards_met_needs_no_reason(county_admin, program, village_a, inspector):
    pilot, inspection = _inspected(county_admin, program, village_a, inspector, off=Decimal("20"))
    assert (inspection.total, inspection.grade) == (Decimal("80.0"), Grade.PASS)
    _accept(county_admin, pilot)
    pilot.refresh_from_db()
    assert pilot.status == PilotStatus.ACCEPTED and pilot.acceptance_reason == ""
    assert pilot.acceptance_basis == "2019年检查 80.0分，合格；无未验收整改；建设标准达标"


def test_an_open_rectification_blocks_acceptance_until_verified(
    county_admin, program, village_a, inspector, township_a_official
):
    pilot, inspection = _inspected(county_admin, program, village_a, inspector, off=Decimal("1"), rectify=(SMALL,))
    (row,) = Rectification.objects.filter(inspection=inspection)
    with pytest.raises(ValidationError, match="有 1 项整改尚未验收"):
        _accept(county_admin, pilot)
    services.rectification_submit(actor=township_a_official, rectification=row, evidence_text="已补齐台账。")
    with pytest.raises(ValidationError, match="有 1 项整改尚未验收"):
        _accept(county_admin, pilot)  # reported is not verified
    services.rectification_verify(actor=county_admin, rectification=row)
    _accept(county_admin, pilot)
    assert _status(pilot) == PilotStatus.ACCEPTED


def test_unreported_standards_require_a_reason(county_admin, program, village_a, inspector):
    """No indicators for the inspection year: every standard of the program is 未填报."""
    pilot, inspection = _inspected(county_admin, program, village_a, inspector)
    ensure_standards(program)
    standards = acceptance.standards_state(pilot)
    assert not standards.met
    # Binding in 2019: not the poverty-only ones (a non-poverty village), not R-C2 (a 50 %
    # county target) and not R-C5 (due 2020).
    assert [text.split()[1] for text in standards.failing] == ["R-B1", "R-B2", "R-B3", "R-C1", "R-C3", "R-C4", "R-E3"]
    assert all("未填报" in text for text in standards.failing)
    assert all(text.startswith(f"{inspection.year}年") for text in standards.failing)
    with pytest.raises(ValidationError, match="未填报"):
        _accept(county_admin, pilot, standards=standards)
    _accept(county_admin, pilot, standards=standards, reason="建设标准经现场核查达标。")
    assert _status(pilot) == PilotStatus.ACCEPTED


def test_standards_met_in_the_inspection_year_need_no_reason(county_admin, program, village_a, inspector):
    """The real evaluation (villages.standards): a confirmed record of the inspection year that
    meets every standard lets a 合格 pilot be accepted without a reason; one short room does not."""
    from tests.villages.test_standards import COMPLIANT

    ensure_standards(program)
    pilot, inspection = _inspected(county_admin, program, village_a, inspector)
    indicator = VillageIndicatorFactory(
        village=village_a,
        year=inspection.year,
        status=IndicatorStatus.CONFIRMED,
        **{**COMPLIANT, "room_day_care": False},
    )
    short = acceptance.standards_state(pilot)
    assert not short.met and len(short.failing) == 1 and "R-B2" in short.failing[0]
    with pytest.raises(ValidationError, match="R-B2"):
        _accept(county_admin, pilot, standards=short)
    VillageIndicator.objects.filter(pk=indicator.pk).update(room_day_care=True)
    met = acceptance.standards_state(pilot)
    assert met == acceptance.StandardsState(met=True)
    _accept(county_admin, pilot, standards=met)
    assert _status(pilot) == PilotStatus.ACCEPTED


def test_a_pilot_never_inspected_needs_a_reason(county_admin, program, village_a):
    pilot = PilotAssignmentFactory(program=program, village=village_a, year=2017)
    with pytest.raises(ValidationError, match="尚无已确认的检查验收"):
        _accept(county_admin, pilot)


@pytest.mark.parametrize(
    ("status", "message"), [(PilotStatus.PROPOSED, "只有“已审批”的试点可以验收"), (PilotStatus.WITHDRAWN, "撤销")]
)
def test_only_approved_pilots_are_accepted(county_admin, program, village_a, status, message):
    pilot = PilotAssignmentFactory(program=program, village=village_a, year=2017, status=status, withdraw_reason="x")
    with pytest.raises(ValidationError, match=message):
        _accept(county_admin, pilot, reason="理由")


def test_acceptance_needs_a_document_number_and_no_future_date(county_admin, program, village_a, inspector):
    pilot, _ = _inspected(county_admin, program, village_a, inspector)
    with pytest.raises(ValidationError) as error:
        acceptance.pilot_accept(
            actor=county_admin,
            assignment=pilot,
            accepted_on=timezone.localdate() + datetime.timedelta(days=1),
            document_no=" ",
            standards=MET,
        )
    assert set(error.value.message_dict) == {"document_no", "accepted_on"}
    assert _status(pilot) == PilotStatus.APPROVED


def test_only_the_county_office_accepts(program, village_a, inspector, county_admin, township_a_official):
    pilot, _ = _inspected(county_admin, program, village_a, inspector)
    with pytest.raises(Exception, match="只有县领导小组办公室可以验收试点村"):
        _accept(township_a_official, pilot)


# --- 整改 and 复查 ----------------------------------------------------------------------------------


def test_a_failed_pilot_is_accepted_after_rectification_and_a_passing_reinspection(
    county_admin, program, village_a, inspector, township_a_official
):
    pilot, failed = _inspected(county_admin, program, village_a, inspector, off=Decimal("30"))
    assert failed.grade == Grade.FAIL and failed.rectifications.count() == 1
    again = services.reinspection_create(actor=county_admin, original=failed, inspectors=[inspector])
    confirmed_inspection(county_admin=county_admin, inspection=again, deductions={BIG: 15})
    facts = acceptance.acceptance_facts(assignment=pilot, standards=MET)
    assert facts.inspection == again and facts.passed
    assert facts.shortfalls == ["有 1 项整改尚未验收"]  # the original's rectification is still open
    row = failed.rectifications.get()
    services.rectification_submit(actor=township_a_official, rectification=row, evidence_text="已整改。")
    services.rectification_verify(actor=county_admin, rectification=row)
    _accept(county_admin, pilot)
    pilot.refresh_from_db()
    assert pilot.acceptance_basis.startswith("2019年复查 85.0分，合格")


def test_an_accepted_pilot_is_not_inspected_again_nor_withdrawn(county_admin, program, village_a, inspector):
    pilot, inspection = _inspected(county_admin, program, village_a, inspector)
    _accept(county_admin, pilot)
    with pytest.raises(ValidationError, match="已验收（销号），不再安排复查"):
        services.reinspection_create(actor=county_admin, original=inspection, inspectors=[inspector])
    with pytest.raises(ValidationError, match="已验收（销号），不再安排检查"):
        services.inspection_schedule(actor=county_admin, pilot=pilot, year=2020, inspectors=[inspector])
    with pytest.raises(ValidationError, match="已验收，不能撤销"):
        village_services.pilot_assignment_withdraw(actor=county_admin, assignment=pilot, reason="撤并")


# --- 试点示范村 ------------------------------------------------------------------------------------


def test_a_demonstration_village_needs_an_excellent_grade(county_admin, program, village_a, inspector):
    # 89.5: one half point under grade_excellent_min (90).
    pilot, inspection = _inspected(county_admin, program, village_a, inspector, off=Decimal("10.5"))
    assert inspection.grade == Grade.PASS
    _accept(county_admin, pilot)
    with pytest.raises(ValidationError) as error:
        acceptance.pilot_set_demonstration(actor=county_admin, assignment=pilot, named=True)
    assert "只有检查验收等次为优秀的试点村可以命名为试点示范村（2019年检查 89.5分，合格）" in str(error.value)
    assert PilotAssignment.objects.get(pk=pilot.pk).is_demonstration is False


def test_an_excellent_accepted_pilot_is_named_and_unnamed_with_a_reason(county_admin, program, village_a, inspector):
    pilot, inspection = _inspected(county_admin, program, village_a, inspector, off=Decimal("10"))
    assert (inspection.total, inspection.grade) == (Decimal("90.0"), Grade.EXCELLENT)
    with pytest.raises(ValidationError, match="只有已验收的试点村"):
        acceptance.pilot_set_demonstration(actor=county_admin, assignment=pilot, named=True)
    _accept(county_admin, pilot)
    acceptance.pilot_set_demonstration(actor=county_admin, assignment=pilot, named=True)
    assert PilotAssignment.objects.get(pk=pilot.pk).is_demonstration is True
    with pytest.raises(ValidationError, match="取消试点示范村须填写原因"):
        acceptance.pilot_set_demonstration(actor=county_admin, assignment=pilot, named=False)
    acceptance.pilot_set_demonstration(actor=county_admin, assignment=pilot, named=False, reason="群众反映问题属实")
    assert PilotAssignment.objects.get(pk=pilot.pk).is_demonstration is False
    assert AuditEntry.objects.filter(object_id=str(pilot.pk), note="取消试点示范村：群众反映问题属实").exists()


# --- reopening ---------------------------------------------------------------------------------


def test_reopen_needs_a_reason_and_keeps_the_acceptance_in_the_audit(county_admin, program, village_a, inspector):
    pilot, _ = _inspected(county_admin, program, village_a, inspector, off=Decimal("5"))
    _accept(county_admin, pilot)
    acceptance.pilot_set_demonstration(actor=county_admin, assignment=pilot, named=True)
    with pytest.raises(ValidationError, match="撤销验收须填写原因"):
        acceptance.pilot_reopen(actor=county_admin, assignment=pilot, reason=" ")
    acceptance.pilot_reopen(actor=county_admin, assignment=pilot, reason="省级抽查发现问题")
    pilot.refresh_from_db()
    assert pilot.status == PilotStatus.APPROVED
    assert (pilot.accepted_on, pilot.acceptance_document_no, pilot.accepted_by, pilot.is_demonstration) == (
        None,
        "",
        None,
        False,
    )
    entry = AuditEntry.objects.get(object_id=str(pilot.pk), note="撤销验收：省级抽查发现问题")
    assert entry.changes["acceptance_document_no"]["old"] == DOC
    assert entry.changes["status"]["old"] == "已验收"
    with pytest.raises(ValidationError, match="该试点尚未验收"):
        acceptance.pilot_reopen(actor=county_admin, assignment=pilot, reason="再次")
    _accept(county_admin, pilot)  # and it can be accepted again
    assert _status(pilot) == PilotStatus.ACCEPTED


# --- still counted ------------------------------------------------------------------------------


def test_an_accepted_pilot_stays_in_every_quota_figure_of_its_year(
    county_admin, program, village_a, village_b, inspector
):
    pilot, _ = _inspected(county_admin, program, village_a, inspector)
    PilotAssignmentFactory(program=program, village=village_b, year=2017)
    before = {year: selectors.pilot_quota_stats(user=county_admin, program=program, year=year) for year in (2017, 2019)}
    _accept(county_admin, pilot)
    for year in (2017, 2019):
        after = selectors.pilot_quota_stats(user=county_admin, program=program, year=year)
        assert after.county.new_pilots == before[year].county.new_pilots
        assert after.county.cumulative_pilots == before[year].county.cumulative_pilots == 2
        assert [t.new_pilots for t in after.townships] == [t.new_pilots for t in before[year].townships]
    # Accepted on 2019-12-30: not yet in 2017's reference date, counted in 2019's.
    report_2017 = selectors.pilot_quota_stats(user=county_admin, program=program, year=2017)
    report_2019 = selectors.pilot_quota_stats(user=county_admin, program=program, year=2019)
    assert (report_2017.county.new_pilots, report_2017.county.accepted_pilots) == (2, 0)
    assert report_2019.county.accepted_pilots == 1
    row = next(t for t in report_2019.townships if t.id == village_a.township_id)
    assert (row.cumulative_pilots, row.accepted_pilots) == (1, 1)

    api = APIClient()
    api.force_authenticate(county_admin)
    stats = api.get(reverse("api_pilot_stats"), {"program": program.code, "year": 2017}).json()
    assert (stats["county"]["new_pilots"], stats["county"]["accepted_pilots"]) == (2, 0)
    stats = api.get(reverse("api_pilot_stats"), {"program": program.code, "year": 2019}).json()
    assert (stats["county"]["cumulative_pilots"], stats["county"]["accepted_pilots"]) == (2, 1)
    rows = api.get(reverse("api_pilot_assignment-list"), {"status": "accepted"}).json()["results"]
    assert [
        (r["id"], r["status"], r["accepted_on"], r["acceptance_document_no"], r["is_demonstration"]) for r in rows
    ] == [(pilot.pk, "accepted", "2019-12-30", DOC, False)]
    open_ledger = api.get(reverse("api_pilot_assignment-list"), {"ledger": "open"}).json()["results"]
    assert [r["village_name"] for r in open_ledger] == [village_b.name]
    counted = api.get(reverse("api_pilot_assignment-list"), {"ledger": "counted"}).json()
    assert counted["count"] == 2


def test_an_accepted_village_is_no_candidate_and_still_a_pilot_in_the_village_filter(
    client, county_admin, program, village_a, inspector
):
    pilot, _ = _inspected(county_admin, program, village_a, inspector)
    _accept(county_admin, pilot)
    client.force_login(county_admin)
    page = client.get(reverse("villages:pilot_select"), {"program": program.code, "township": village_a.township_id})
    assert village_a not in page.context["form"].fields["villages"].queryset
    api = APIClient()
    api.force_authenticate(county_admin)
    rows = api.get(reverse("api_village-list"), {"program": program.code, "is_pilot": "true"}).json()["results"]
    assert [r["id"] for r in rows] == [village_a.pk]


# --- pages ----------------------------------------------------------------------------------------


def test_the_acceptance_page_shows_the_facts_and_links_to_reinspection(
    client, county_admin, program, village_a, inspector
):
    ensure_standards(program)
    pilot, failed = _inspected(county_admin, program, village_a, inspector, off=Decimal("30"))
    client.force_login(county_admin)
    page = client.get(reverse("assessments:pilot_accept", args=[pilot.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "2019年检查，总分 70.0" in html and "不合格" in html
    assert "1 项未验收" in html
    assert f'href="{failed.get_absolute_url()}#reinspect"' in html
    assert "2019年 R-B1 综合服务站面积：未填报" in html and "仍予验收须填写理由" in html

    response = client.post(
        reverse("assessments:pilot_accept", args=[pilot.pk]),
        {"accepted_on": "2019-12-30", "document_no": DOC, "reason": ""},
    )
    assert response.status_code == 200 and "仍予验收须填写理由" in response.content.decode()
    assert _status(pilot) == PilotStatus.APPROVED
    response = client.post(
        reverse("assessments:pilot_accept", args=[pilot.pk]),
        {"accepted_on": "2019-12-30", "document_no": DOC, "reason": "县政府同意"},
    )
    assert response.status_code == 302 and response["Location"] == pilot.get_absolute_url()
    detail = client.get(pilot.get_absolute_url()).content.decode()
    assert "已验收（销号）" in detail and DOC in detail and "2019-12-30" in detail and "县政府同意" in detail


def test_the_page_actions_reopen_and_name(client, county_admin, program, village_a, inspector):
    pilot, _ = _inspected(county_admin, program, village_a, inspector, off=Decimal("2"))
    _accept(county_admin, pilot)
    client.force_login(county_admin)
    url = reverse("assessments:pilot_acceptance_action", args=[pilot.pk, "name_demonstration"])
    assert client.post(url).status_code == 302
    assert PilotAssignment.objects.get(pk=pilot.pk).is_demonstration is True
    ledger = client.get(reverse("villages:pilot_list"), {"ledger": "accepted"}).content.decode()
    assert "示范村" in ledger and DOC in ledger
    url = reverse("assessments:pilot_acceptance_action", args=[pilot.pk, "reopen"])
    client.post(url, {"reason": ""})
    assert _status(pilot) == PilotStatus.ACCEPTED
    client.post(url, {"reason": "资料不实"})
    assert _status(pilot) == PilotStatus.APPROVED


def test_the_ledger_filters_open_and_accepted(client, county_admin, program, village_a, village_b, inspector):
    pilot, _ = _inspected(county_admin, program, village_a, inspector)
    PilotAssignmentFactory(program=program, village=village_b, year=2017)
    _accept(county_admin, pilot)
    client.force_login(county_admin)

    def names(ledger):
        pilots = client.get(reverse("villages:pilot_list"), {"ledger": ledger}).context["pilots"]
        return [p["village__name"] for p in pilots]

    assert names("open") == [village_b.name]
    assert names("accepted") == [village_a.name]
    assert sorted(names("counted")) == sorted([village_a.name, village_b.name])


def test_another_county_gets_404_and_a_township_403(
    client, county_admin, program, village_a, inspector, township_a_official
):
    pilot, _ = _inspected(county_admin, program, village_a, inspector)
    other_county = CountyFactory(name="建始县", admin_code="422822")
    stranger = UserFactory(role=Role.COUNTY_ADMIN, county=other_county)
    client.force_login(stranger)
    assert client.get(reverse("assessments:pilot_accept", args=[pilot.pk])).status_code == 404
    url = reverse("assessments:pilot_acceptance_action", args=[pilot.pk, "reopen"])
    assert client.post(url, {"reason": "x"}).status_code == 404
    client.force_login(township_a_official)
    assert client.get(reverse("assessments:pilot_accept", args=[pilot.pk])).status_code == 403
    assert _status(pilot) == PilotStatus.APPROVED


# --- query counts ------------------------------------------------------------------------------------


def _grow(county_admin, program, inspector, n):
    """n more townships' pilots, each with a failing inspection and its rectification; every
    other one accepted (with a reason)."""
    for index in range(n):
        village = VillageFactory(township=TownshipFactory(county=program.county))
        pilot, _ = _inspected(county_admin, program, village, inspector, off=Decimal("25"))
        if index % 2:
            _accept(county_admin, pilot, reason="同意")


@pytest.mark.parametrize("page", ["accept", "ledger", "ledger_open", "export"])
def test_pages_run_the_same_number_of_queries_at_two_sizes(
    client, county_admin, program, village_a, inspector, django_assert_num_queries, page
):
    pilot, inspection = _inspected(county_admin, program, village_a, inspector, off=Decimal("25"))
    urls = {
        "accept": reverse("assessments:pilot_accept", args=[pilot.pk]),
        "ledger": reverse("villages:pilot_list"),
        "ledger_open": reverse("villages:pilot_list") + "?ledger=open",
        "export": reverse("villages:pilot_export") + "?ledger=counted",
    }
    client.force_login(county_admin)
    _grow(county_admin, program, inspector, 2)
    with CaptureQueriesContext(connection) as small:
        assert client.get(urls[page]).status_code == 200
    _grow(county_admin, program, inspector, 6)
    # The pilot's own history grows too: a re-inspection and more rectifications.
    again = services.reinspection_create(actor=county_admin, original=inspection, inspectors=[inspector])
    confirmed_inspection(county_admin=county_admin, inspection=again, deductions={BIG: 21}, rectify=(SMALL,))
    assert (
        Rectification.objects.filter(inspection__pilot=pilot).exclude(status=RectificationStatus.VERIFIED).count() > 1
    )
    # The filter bar's choices are kept per data version, which the test's writes (outside a
    # committed transaction) do not bump: compare like with like.
    cache.clear()
    with django_assert_num_queries(len(small)):
        assert client.get(urls[page]).status_code == 200
