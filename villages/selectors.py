"""Reads and statistics of the villages app, always through visible_to and always in SQL."""

import datetime
import math
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import (
    BooleanField,
    Count,
    ExpressionWrapper,
    F,
    FilteredRelation,
    JSONField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import JSONObject
from django.utils import timezone

from pilot_admin import stats_cache
from pilot_admin.choices import Role
from pilot_admin.dates import end_of_day, year_as_of
from pilot_admin.statements import kept_statement
from villages.choices import (
    COUNTED_PILOT_STATUSES,
    PROVINCIAL_APPLIED_STATES,
    PilotStatus,
    ProvincialStatus,
    RatioRounding,
)
from villages.history import administrative_on_q
from villages.models import Department, PilotAssignment, PilotProgram, Township, Village


def township_list(*, user, as_of: datetime.date | None = None) -> QuerySet[Township]:
    """Townships with `village_count`: their administrative villages as they were on `as_of`
    (today by default; villages/history.py)."""
    as_of = as_of or timezone.localdate()
    return (
        Township.objects.visible_to(user)
        .select_related("county")
        .annotate(village_count=Count("villages", filter=administrative_on_q(as_of, "villages")))
        # GROUP BY queries drop Meta.ordering; pages and API pages need a stable order.
        .order_by("county", "code", "name")
    )


def current_pilots(*, program: PilotProgram | None = None, year: int | None = None) -> QuerySet[PilotAssignment]:
    """Where a village's current pilot comes from: its non-withdrawn assignments (of the program
    and year when given), newest first; the first one is the current pilot."""
    assignments = PilotAssignment.objects.exclude(status=PilotStatus.WITHDRAWN)
    if program is not None:
        assignments = assignments.filter(program=program)
    if year is not None:
        assignments = assignments.filter(year=year)
    return assignments.order_by("-year", "-id")


def village_list(*, user, program: PilotProgram | None = None, year: int | None = None) -> QuerySet[Village]:
    """Visible villages with their current pilot assignment prefetched as `current_pilots`
    (non-withdrawn, newest first; narrowed to a program and year when given)."""
    assignments = current_pilots(program=program, year=year).select_related("program")
    return (
        Village.objects.visible_to(user)
        .select_related("township")
        .prefetch_related(Prefetch("pilot_assignments", queryset=assignments, to_attr="current_pilots"))
    )


def village_api_list(*, user, program: PilotProgram | None = None, year: int | None = None) -> QuerySet[Village]:
    """village_list for the API: the current pilot's program code, year, level and status come
    as one JSON column `current_pilot` (None without one) of the villages' own statement, where
    the page's prefetch costs a second query."""
    first = (
        current_pilots(program=program, year=year)
        .filter(village=OuterRef("pk"))
        .values(pilot=JSONObject(program=F("program__code"), year=F("year"), level=F("level"), status=F("status")))
    )
    return (
        Village.objects.visible_to(user)
        .select_related("township")
        .annotate(current_pilot=Subquery(first[:1], output_field=JSONField()))
    )


def pilot_assignment_list(*, user) -> QuerySet[PilotAssignment]:
    return PilotAssignment.objects.visible_to(user).select_related(
        "program", "village", "village__township", "approved_by", "accepted_by"
    )


def pilot_assignment_api_list(*, user) -> QuerySet[PilotAssignment]:
    """pilot_assignment_list without the approving and accepting users, which the API does not
    show: two joins and two user rows per pilot fewer."""
    return PilotAssignment.objects.visible_to(user).select_related("program", "village__township")


def program_for_code(*, user, code: str | None) -> PilotProgram | None:
    """The visible program with this code, or the newest visible one when no code is given."""
    if not (user.is_authenticated and user.is_active):
        return None  # visible_to shows such a user nothing

    def first() -> QuerySet[PilotProgram]:
        programs = PilotProgram.objects.visible_to(user)
        return (programs.filter(code=code).order_by("pk") if code else programs.order_by("-end_year", "-id"))[:1]

    # Every statistics request and report page looks its program up first: compiled once per
    # user, scope and code (pilot_admin.statements).
    key = ("program-for-code", user.pk, stats_cache.scope_key(user), code)
    found = kept_statement(key, first).rows()
    return found[0] if found else None


def required_count(ratio: Decimal, total: int, rounding: str) -> int:
    """A ratio quota as a number of villages. Ceiling by default: "不低于总数5%" cannot be met
    by a count below 5 % (SPEC §0.3)."""
    exact = ratio * total
    if rounding == RatioRounding.ROUND:
        return int(exact.quantize(Decimal("1"), rounding=ROUND_HALF_UP))
    return math.ceil(exact)


def share(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


@dataclass
class TownshipQuota:
    id: int
    name: str
    villages: int
    new_pilots: int
    required_new_pilots: int
    meets_quota: bool
    cumulative_pilots: int
    cumulative_share: float
    required_cumulative_pilots: int
    meets_cumulative_target: bool
    # Of the cumulative pilots, those accepted (已验收, 销号) by the reference date.
    accepted_pilots: int = 0

    @property
    def shortfall(self) -> int:
        return max(0, self.required_new_pilots - self.new_pilots)


@dataclass
class CountyQuota:
    villages: int
    new_pilots: int
    # 省级重点支持 as before: pilots the province granted (level 省级重点支持), = province_granted.
    province_key: int
    cumulative_pilots: int
    cumulative_share: float
    meets_yearly_minimum: bool
    meets_province_key_minimum: bool
    required_yearly: int
    required_province_key: int
    required_cumulative: int
    meets_cumulative_target: bool
    accepted_pilots: int = 0
    # R-A4: pilots of the year applied for provincial key support (已申请, 已获批, 未获批); the
    # verdict meets_province_key_minimum is on this count. Of them, granted by the province.
    province_applied: int = 0
    province_granted: int = 0


@dataclass
class QuotaReport:
    program: PilotProgram
    year: int
    county: CountyQuota
    townships: list[TownshipQuota] = field(default_factory=list)
    as_of: datetime.date | None = None
    # "county" when the rows are every township's; "township" when a township official sees
    # only their own row. The county block is the whole county's either way.
    scope: str = "county"

    @property
    def county_wide(self) -> bool:
        """The rows cover the whole county, so they sum to the county block."""
        return self.scope == "county"

    @property
    def is_target_year(self) -> bool:
        """Cumulative targets (R-A5, R-A6) are judged in the program's target year."""
        return self.year >= self.program.cumulative_by_year

    def as_dict(self) -> dict:
        county = self.county
        return {
            "program": self.program.code,
            "year": self.year,
            "as_of": self.as_of,
            "scope": self.scope,
            "county": {
                "villages": county.villages,
                "new_pilots": county.new_pilots,
                "province_key": county.province_key,
                "province_applied": county.province_applied,
                "province_granted": county.province_granted,
                "cumulative_pilots": county.cumulative_pilots,
                "cumulative_share": county.cumulative_share,
                "meets_yearly_minimum": county.meets_yearly_minimum,
                "meets_province_key_minimum": county.meets_province_key_minimum,
                "accepted_pilots": county.accepted_pilots,
            },
            "townships": [
                {
                    "id": row.id,
                    "name": row.name,
                    "villages": row.villages,
                    "new_pilots": row.new_pilots,
                    "required_new_pilots": row.required_new_pilots,
                    "meets_quota": row.meets_quota,
                    "cumulative_pilots": row.cumulative_pilots,
                    "cumulative_share": row.cumulative_share,
                    "accepted_pilots": row.accepted_pilots,
                }
                for row in self.townships
            ],
        }


def pilot_counted_q(as_of: datetime.date, prefix: str = "") -> Q:
    """Pilots that count as of `as_of`: approved (accepted or not: acceptance closes a pilot out
    but it stays a pilot of its batch year), or approved and withdrawn only after `as_of`
    (a withdrawal takes a pilot out of the figures from its date on, not of the years before).
    Approval is not dated: a batch's pilots count for their year whenever the ledger recorded
    the approval (past batches are often entered afterwards)."""
    p = f"{prefix}__" if prefix else ""
    return Q(**{f"{p}status__in": COUNTED_PILOT_STATUSES}) | Q(
        **{
            f"{p}status": PilotStatus.WITHDRAWN,
            f"{p}approved_at__isnull": False,
            f"{p}withdrawn_at__gte": end_of_day(as_of),
        }
    )


def pilot_quota_stats(*, user, program: PilotProgram, year: int, as_of: datetime.date | None = None) -> QuotaReport:
    """The quota-compliance report (SPEC §7.1) as of `as_of` (the year's reference date by
    default) in one aggregate query over the townships of the program's county. The county
    block and its verdicts are always the whole county's; the rows are the townships the user
    sees (a township official: their own)."""
    as_of = as_of or year_as_of(year, timezone.localdate())
    shown = Township.objects.all().visibility_q(user) if user.is_authenticated and user.is_active else Q(pk__in=[])
    return _quota_report(
        program=program,
        year=year,
        as_of=as_of,
        shown=shown,
        scope="township" if user.role == Role.TOWNSHIP else "county",
    )


def county_quota_totals(*, program: PilotProgram, year: int, as_of: datetime.date | None = None) -> CountyQuota:
    """The county block of the quota report, with no per-township row."""
    as_of = as_of or year_as_of(year, timezone.localdate())
    return _quota_report(program=program, year=year, as_of=as_of, shown=Q(pk__in=[]), scope="county").county


def _quota_report(
    *, program: PilotProgram, year: int, as_of: datetime.date, shown: Q | None, scope: str
) -> QuotaReport:
    # The statement depends on the program, the year, the date and which townships are shown, and
    # is compiled once per process for them (pilot_admin.lists.kept_statement): its thirteen
    # joined, filtered counts cost more to build and compile than to run.
    key = ("quota-report", program.pk, program.county_id, year, as_of, shown)
    rows = kept_statement(key, lambda: _quota_rows(program=program, year=year, as_of=as_of, shown=shown)).rows()
    townships = []
    for row in rows:
        required = required_count(program.township_annual_min_ratio, row["n_villages"], program.ratio_rounding)
        required_cumulative = required_count(
            program.township_cumulative_min_ratio, row["n_villages"], program.ratio_rounding
        )
        townships.append(
            TownshipQuota(
                id=row["id"],
                name=row["name"],
                villages=row["n_villages"],
                new_pilots=row["n_new"],
                required_new_pilots=required,
                meets_quota=row["n_new"] >= required,
                cumulative_pilots=row["n_cumulative"],
                cumulative_share=share(row["n_cumulative"], row["n_villages"]),
                required_cumulative_pilots=required_cumulative,
                meets_cumulative_target=row["n_cumulative"] >= required_cumulative,
                accepted_pilots=row["n_accepted"],
            )
        )
    total_villages = sum(t.villages for t in townships)
    cumulative = sum(t.cumulative_pilots for t in townships)
    new_pilots = sum(t.new_pilots for t in townships)
    province_applied = sum(row["n_applied"] for row in rows)
    province_granted = sum(row["n_granted"] for row in rows)
    county = CountyQuota(
        villages=total_villages,
        new_pilots=new_pilots,
        province_key=province_granted,
        province_applied=province_applied,
        province_granted=province_granted,
        cumulative_pilots=cumulative,
        cumulative_share=share(cumulative, total_villages),
        meets_yearly_minimum=new_pilots >= program.county_annual_min_count,
        meets_province_key_minimum=province_applied >= program.provincial_annual_min_count,
        required_yearly=program.county_annual_min_count,
        required_province_key=program.provincial_annual_min_count,
        required_cumulative=program.county_new_min_total,
        meets_cumulative_target=cumulative >= program.county_new_min_total,
        accepted_pilots=sum(t.accepted_pilots for t in townships),
    )
    visible = [township for township, row in zip(townships, rows, strict=True) if row["shown"]]
    return QuotaReport(program=program, year=year, county=county, townships=visible, as_of=as_of, scope=scope)


def _quota_rows(*, program: PilotProgram, year: int, as_of: datetime.date, shown: Q | None) -> QuerySet:
    """Each township of the program's county with its counts, as values."""
    # The program's counted pilots joined once, their conditions in the join (FilteredRelation),
    # and the columns the counts read named once (aliases): each count filters on those names
    # only, where spelling the counted conditions and the join path out in all six filters cost
    # more to build and compile than the statement takes to run.
    p = "villages__pilot_assignments"
    counted = FilteredRelation(p, condition=Q(**{f"{p}__program": program}) & pilot_counted_q(as_of, p))
    this_year = Q(pilot_year=year)
    return (
        Township.objects.filter(county=program.county_id)
        .alias(
            pilot=counted,
            pilot_village=F("pilot__village"),
            pilot_year=F("pilot__year"),
            pilot_provincial_status=F("pilot__provincial_status"),
        )
        .annotate(
            # The villages as they were on `as_of` (issue 13): a village added, merged or turned
            # into a community later leaves this year's count as it was.
            n_villages=Count("villages", filter=administrative_on_q(as_of, "villages"), distinct=True),
            # Villages, not assignments: a village counts once even if a pilot withdrawn after
            # `as_of` and its new one both stood on that date.
            n_new=Count("pilot_village", filter=this_year, distinct=True),
            # R-A4 counts applications, whatever the province answered; 获批 is shown beside it.
            n_applied=Count(
                "pilot_village",
                filter=this_year & Q(pilot_provincial_status__in=PROVINCIAL_APPLIED_STATES),
                distinct=True,
            ),
            n_granted=Count(
                "pilot_village", filter=this_year & Q(pilot_provincial_status=ProvincialStatus.GRANTED), distinct=True
            ),
            n_cumulative=Count("pilot_village", filter=Q(pilot_year__lte=year), distinct=True),
            # Closed out by `as_of` (a reopened acceptance has no date: it leaves every year's count).
            n_accepted=Count(
                "pilot_village",
                filter=Q(pilot_year__lte=year, pilot__status=PilotStatus.ACCEPTED, pilot__accepted_on__lte=as_of),
                distinct=True,
            ),
            shown=ExpressionWrapper(shown, output_field=BooleanField()) if shown is not None else Value(True),
        )
        .order_by("code", "name")
        .values("id", "name", "n_villages", "n_new", "n_applied", "n_granted", "n_cumulative", "n_accepted", "shown")
    )


def visible_programs(*, user) -> QuerySet[PilotProgram]:
    return PilotProgram.objects.visible_to(user).order_by("-end_year", "name")


def program_and_programs(*, user, code: str | None) -> tuple[PilotProgram | None, list[PilotProgram]]:
    """program_for_code(code) and visible_programs in one query, for a page that shows the
    program and a select of all of them (a county has a handful)."""
    if not (user.is_authenticated and user.is_active):
        return None, []  # visible_to shows such a user nothing
    # Compiled once per process for the user and their scope (pilot_admin.statements).
    key = ("visible-programs", user.pk, stats_cache.scope_key(user))
    programs = kept_statement(key, lambda: visible_programs(user=user)).rows()
    if code:
        matching = [program for program in programs if program.code == code]
        return min(matching, key=lambda program: program.pk, default=None), programs
    return max(programs, key=lambda program: (program.end_year, program.pk), default=None), programs


def department_list(*, user) -> QuerySet[Department]:
    return Department.objects.visible_to(user).order_by("county", "kind", "name", "pk")


def pilots_accepted_in(*, user, program: PilotProgram, year: int) -> QuerySet[PilotAssignment]:
    """The program's pilots accepted (验收) in `year`, as the acceptance notice lists them."""
    return (
        pilot_assignment_list(user=user)
        .filter(program=program, status=PilotStatus.ACCEPTED, accepted_on__year=year)
        .order_by("village__township__name", "village__name", "pk")
    )
