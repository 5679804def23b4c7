"""load_demo's supervision committees: 1–2 pilots in each of the 12 townships, filed through the
services; one election in progress with a cadre's relative refused at the vetting (the note
says why); one committee overdue for re-election; months with and without meetings; a second
run adds nothing; the statistics see all of it."""

import pytest
from django.utils import timezone

from pilot_admin.models import AuditEntry, User
from supervision import statistics
from supervision.choices import CommitteeStatus, ElectionStatus
from supervision.models import Candidate, Committee, ExpenseReview, Meeting, SupervisionPilotPlan

pytestmark = pytest.mark.django_db


def test_pilots_in_every_township(demo_county):
    per_township = {}
    for committee in Committee.objects.select_related("village__township").filter(
        village__township__county__name="巴东县"
    ):
        per_township.setdefault(committee.village.township.name, []).append(committee)
    assert len(per_township) == 12
    assert all(1 <= len(items) <= 2 for items in per_township.values())
    assert all(c.is_pilot for items in per_township.values() for c in items)
    assert demo_county.first["Committee"] == demo_county.second["Committee"] == 15


def test_badong_has_one_pilot_plan_written_through_the_service(demo_county):
    # Loaded twice (first/second), still one plan; written by the service, so audited.
    plan = SupervisionPilotPlan.objects.get(county__name="巴东县")
    assert (plan.pilots_min, plan.pilots_max) == (1, 2)
    assert plan.pilot_start < plan.pilot_end < plan.rollout_deadline
    assert AuditEntry.objects.filter(content_type__model="supervisionpilotplan", object_id=str(plan.pk)).count() == 1


def test_the_story(demo_county):
    electing = Committee.objects.get(status=CommitteeStatus.ELECTING)
    assert electing.election.status == ElectionStatus.VETTED
    refused = Candidate.objects.get(election=electing.election, is_formal=False)
    assert refused.vetting_note.startswith("不列为正式候选人") and "近亲属" in refused.vetting_note
    today = timezone.localdate()
    overdue = Committee.objects.filter(status=CommitteeStatus.ACTIVE, term_end__lt=today)
    assert overdue.count() == 1 and overdue.get().village.township.name == "水布垭镇"
    # Months with and without meetings: some committees met in a month others missed.
    months = {(m.committee_id, m.held_on.replace(day=1)) for m in Meeting.objects.all()}
    assert 0 < len(months) < 13 * 4
    assert ExpenseReview.objects.filter(vouchers_refused__gt=0).exists()


def test_the_statistics_see_it(demo_county):
    admin = User.objects.get(username="county_admin")
    stats = statistics.supervision_stats(user=admin, month=timezone.localdate().replace(day=1))
    assert (stats.figures["established"], stats.figures["overdue"], stats.figures["electing"]) == (14, 1, 1)
    assert stats.figures["pilot_villages"] == 15 and all(row["pilot_in_range"] for row in stats.townships)
