"""Reads of the nomination (申报) workflow, through visible_to. The quota standing shown while
deciding is pilot_quota_stats' — the quota report's own figures — plus the pending counts."""

from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, QuerySet

from villages.choices import NominationState, PilotStatus
from villages.models import PilotAssignment, PilotNomination, PilotProgram, Village
from villages.selectors import CountyQuota, TownshipQuota, pilot_quota_stats

# Selection guidance (SPEC §4.2 step 1): S0 names no criteria; sibling plans select "条件成熟的村"
# (S1-P2) with these marks (S1-P3.5 §三). Shown on the nomination form, not enforced.
SELECTION_GUIDANCE = (
    "优先申报条件成熟的村：",
    "村党组织坚强有力，村“两委”班子团结、干事创业氛围好；",
    "产业基础较好，村集体经济有一定实力或有稳定的增收渠道；",
    "村容村貌整洁，基础设施比较完善；",
    "村民素质较高，参与社区建设的积极性高。",
)


def nomination_list(*, user) -> QuerySet[PilotNomination]:
    return PilotNomination.objects.visible_to(user).select_related(
        "program", "village", "village__township", "nominated_by", "decided_by", "assignment"
    )


def pending_nominations(*, user) -> QuerySet[PilotNomination]:
    """What the nav badge counts (the menu counts it with the header's other badges in one
    statement: home/navigation.py)."""
    return PilotNomination.objects.visible_to(user).filter(state=NominationState.PENDING)


def pending_nomination_count(*, user) -> int:
    """One COUNT over the index on (program, state, year)."""
    return pending_nominations(user=user).count()


def nomination_candidates(*, user, program: PilotProgram) -> QuerySet[Village]:
    """The user's active administrative villages that may still be nominated for the program:
    neither a pilot of it (not withdrawn) nor nominated and pending."""
    pilots = PilotAssignment.objects.filter(program=program, village=OuterRef("pk")).exclude(
        status=PilotStatus.WITHDRAWN
    )
    pending = PilotNomination.objects.filter(program=program, village=OuterRef("pk"), state=NominationState.PENDING)
    return (
        Village.objects.visible_to(user)
        .active_administrative()
        .exclude(Exists(pilots))
        .exclude(Exists(pending))
        .select_related("township")
        .order_by("code", "name")
    )


@dataclass
class QueueTownship:
    """One township's pending nominations beside its standing for the year (R-A2)."""

    quota: TownshipQuota | None
    name: str
    nominations: list[PilotNomination] = field(default_factory=list)

    @property
    def pending(self) -> int:
        return len(self.nominations)

    @property
    def pending_provincial(self) -> int:
        return sum(1 for n in self.nominations if n.applies_provincial_support)

    @property
    def shortfall_if_approved(self) -> int:
        """What would still be missing if every pending nomination were approved."""
        if self.quota is None:
            return 0
        return max(0, self.quota.required_new_pilots - self.quota.new_pilots - self.pending)


@dataclass
class NominationQueue:
    program: PilotProgram
    year: int
    county: CountyQuota
    townships: list[QueueTownship]

    @property
    def pending(self) -> int:
        return sum(t.pending for t in self.townships)

    @property
    def pending_provincial(self) -> int:
        return sum(t.pending_provincial for t in self.townships)


def nomination_queue(*, user, program: PilotProgram, year: int) -> NominationQueue:
    """Pending nominations of a program year by township, each township with its row of the
    quota report and the county block (R-A3, R-A4). Three queries whatever the size: the
    quota report, the pending nominations, nothing per row."""
    report = pilot_quota_stats(user=user, program=program, year=year)
    quotas = {row.id: row for row in report.townships}
    pending = list(
        nomination_list(user=user)
        .filter(program=program, year=year, state=NominationState.PENDING)
        .order_by("village__township__code", "village__township__name", "village__code", "village__name", "id")
    )
    by_township: dict[int, QueueTownship] = {}
    for nomination in pending:
        township = nomination.village.township
        row = by_township.setdefault(township.pk, QueueTownship(quota=quotas.get(township.pk), name=township.name))
        row.nominations.append(nomination)
    return NominationQueue(program=program, year=year, county=report.county, townships=list(by_township.values()))
