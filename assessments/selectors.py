"""Reads of the assessments app: the inspection list, the ranking, the township summary, the
year-over-year change and the API statistics. Every aggregate is SQL on visible_to querysets,
so a page's query count does not grow with the number of inspections."""

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import (
    Avg,
    Count,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Window,
)
from django.db.models.functions import Rank
from django.utils import timezone

from assessments.choices import Grade, InspectionStatus, RectificationStatus
from assessments.models import CircularIssue, Inspection, Rectification
from pilot_admin import stats_cache
from pilot_admin.choices import Role
from pilot_admin.dates import end_of_day, year_as_of
from pilot_admin.statements import kept_statement
from villages.models import PilotProgram
from villages.querysets import unit_q

ONE_DECIMAL = Decimal("0.1")


def _one_decimal(value) -> Decimal | None:
    return None if value is None else Decimal(value).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


def inspection_list(*, user) -> QuerySet[Inspection]:
    return Inspection.objects.visible_to(user).select_related(
        "pilot__program", "pilot__village__township", "template", "original"
    )


def _confirmed_q(as_of: datetime.date | None) -> Q:
    """Confirmed inspections; with `as_of`, those that stood on that date. An original
    inspection is the year's inspection whenever it was entered and confirmed (past years are
    often entered afterwards); a re-inspection counts from its inspection date (its
    confirmation date when none was entered), so a later re-inspection leaves a past year's
    figures as they were."""
    confirmed = Q(status=InspectionStatus.CONFIRMED)
    if as_of is None:
        return confirmed
    return confirmed & (
        Q(original__isnull=True)
        | Q(inspected_on__lte=as_of)
        | Q(inspected_on__isnull=True, confirmed_at__lt=end_of_day(as_of))
    )


def _confirmed(*, user, program: PilotProgram, year: int, as_of: datetime.date | None = None) -> QuerySet[Inspection]:
    return Inspection.objects.visible_to(user).filter(_confirmed_q(as_of), pilot__program=program, year=year)


def results(*, user, program: PilotProgram, year: int, as_of: datetime.date | None = None) -> QuerySet[Inspection]:
    """The result of each pilot village for the year: its latest confirmed inspection. A
    confirmed re-inspection (created after its original, so a larger id) supersedes the
    original, which stays in the records but no longer counts in rankings and statistics.
    With `as_of` (the statistics), the results as they stood on that date (see _confirmed_q);
    without it (the ranking and the circular), the records as they stand."""
    return _latest(_confirmed(user=user, program=program, year=year, as_of=as_of), as_of)


def latest_result_year(*, user, program: PilotProgram, until: int) -> int | None:
    """The latest year, not after `until`, in which the user can see a confirmed inspection."""
    return (
        Inspection.objects.visible_to(user)
        .filter(_confirmed_q(None), pilot__program=program, year__lte=until)
        .order_by("-year")
        .values_list("year", flat=True)
        .first()
    )


def _latest(confirmed: QuerySet[Inspection], as_of: datetime.date | None = None) -> QuerySet[Inspection]:
    newer = Inspection.objects.filter(
        _confirmed_q(as_of), pilot=OuterRef("pilot"), year=OuterRef("year"), pk__gt=OuterRef("pk")
    )
    return confirmed.filter(~Exists(newer))


@dataclass(frozen=True)
class ResultTotals:
    inspected: int
    mean_total: Decimal | None


def county_result_totals(*, program: PilotProgram, year: int, as_of: datetime.date) -> ResultTotals:
    """Villages inspected and the mean total over the whole county of the program as of
    `as_of`, totals only: what a township may set its own mean against. One query."""
    confirmed = Inspection.objects.filter(_confirmed_q(as_of), pilot__program=program, year=year)
    row = _latest(confirmed, as_of).aggregate(inspected=Count("pk"), mean_total=Avg("total"))
    return ResultTotals(inspected=row["inspected"], mean_total=_one_decimal(row["mean_total"]))


def rectifications_due(*, user) -> QuerySet[Rectification]:
    """The open rectifications the user's unit (a township's government, a department) has to
    put right and report, soonest deadline first; none for roles that speak for no unit.
    Already reported ones wait for the county office, not for the unit."""
    own = unit_q(user, "responsible_unit")
    if own is None:
        return Rectification.objects.none()
    return (
        Rectification.objects.visible_to(user)
        .filter(own, status=RectificationStatus.OPEN)
        .select_related("item", "inspection__pilot__village")
        .order_by("deadline", "pk")
    )


def ranking(*, user, program: PilotProgram, year: int) -> QuerySet[Inspection]:
    """The year's results by total, highest first (equal totals share a rank, then by village
    name). One query. A re-inspection's original is named by `original_id` only (its pages
    say 复查), so it is not joined and built as a second inspection per row."""
    return (
        results(user=user, program=program, year=year)
        .select_related("pilot__village__township")
        .annotate(
            rank=Window(Rank(), order_by=F("total").desc()),
            open_rectifications=Count(
                "rectifications", filter=~Q(rectifications__status=RectificationStatus.VERIFIED), distinct=True
            ),
            rectification_count=Count("rectifications", distinct=True),
        )
        .order_by("-total", "pilot__village__name", "pk")
    )


def ranking_rows(*, user, program: PilotProgram, year: int) -> list[dict]:
    """The ranking page's rows, as ranking() orders and ranks them: rank, township, village,
    whether a re-inspection, total, grade (value, label and badge class) and the open
    rectifications. One query read as values: the page only shows fields, and building each
    inspection with its pilot, village and township cost more than the SQL."""
    grades = dict(Grade.choices)
    badges = {Grade.EXCELLENT: " ok", Grade.FAIL: " bad"}

    def build() -> QuerySet:
        return (
            results(user=user, program=program, year=year)
            .annotate(
                rank=Window(Rank(), order_by=F("total").desc()),
                open_rectifications=Count(
                    "rectifications", filter=~Q(rectifications__status=RectificationStatus.VERIFIED)
                ),
            )
            .order_by("-total", "pilot__village__name", "pk")
            .values(
                "rank",
                "original_id",
                "total",
                "grade",
                "open_rectifications",
                township=F("pilot__village__township__name"),
                village=F("pilot__village__name"),
            )
        )

    # Compiled once per process for the user's scope, the program and the year (as the statistics).
    key = ("ranking", user.pk, user.is_active, stats_cache.scope_key(user), program.pk, year)
    rows = kept_statement(key, build).rows()
    for row in rows:
        row["grade_label"] = grades.get(row["grade"], row["grade"])
        row["badge"] = badges.get(row["grade"], "")
    return rows


def _grade_counts() -> dict:
    return {
        "inspected": Count("pk"),
        "mean_total": Avg("total"),
        "excellent": Count("pk", filter=Q(grade=Grade.EXCELLENT)),
        "pass": Count("pk", filter=Q(grade=Grade.PASS)),
        "fail": Count("pk", filter=Q(grade=Grade.FAIL)),
    }


@dataclass(frozen=True)
class TownshipResult:
    id: int
    name: str
    inspected: int
    mean_total: Decimal | None
    excellent: int
    passed: int
    fail: int

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "name": self.name,
            "inspected": self.inspected,
            "mean_total": None if self.mean_total is None else float(self.mean_total),
            "excellent": self.excellent,
            "pass": self.passed,
            "fail": self.fail,
        }


def township_summary(
    *, user, program: PilotProgram, year: int, as_of: datetime.date | None = None
) -> list[TownshipResult]:
    """Per township: villages inspected, mean total (one decimal) and grade counts — one
    grouped query over the year's results (as of `as_of` when given)."""
    return [_township_result(row) for row in _township_rows(user=user, program=program, year=year, as_of=as_of)]


def _township_rows(*, user, program: PilotProgram, year: int, as_of: datetime.date | None) -> list[dict]:
    return list(_township_queryset(_confirmed(user=user, program=program, year=year, as_of=as_of), as_of))


def _township_queryset(confirmed: QuerySet[Inspection], as_of: datetime.date | None, **extra) -> QuerySet:
    """The results among `confirmed` grouped by township (`extra`: more annotations per row)."""
    return (
        _latest(confirmed, as_of)
        .values("pilot__village__township", "pilot__village__township__name")
        .annotate(**_grade_counts(), sum_total=Sum("total"), **extra)
        .order_by("pilot__village__township__code", "pilot__village__township")
    )


def _township_result(row: dict) -> TownshipResult:
    return TownshipResult(
        id=row["pilot__village__township"],
        name=row["pilot__village__township__name"],
        inspected=row["inspected"],
        mean_total=_one_decimal(row["mean_total"]),
        excellent=row["excellent"],
        passed=row["pass"],
        fail=row["fail"],
    )


def year_over_year(*, user, program: PilotProgram, year: int) -> QuerySet[Inspection]:
    """Villages with a result in both `year` and the year before (same program): each row is
    this year's result annotated with `previous_total` and `change`. One query."""
    previous = (
        results(user=user, program=program, year=year - 1)
        .filter(pilot__village=OuterRef("pilot__village"))
        .order_by("-pk")
        .values("total")[:1]
    )
    points = DecimalField(max_digits=4, decimal_places=1)
    return (
        results(user=user, program=program, year=year)
        .select_related("pilot__village__township")
        .annotate(previous_total=Subquery(previous, output_field=points))
        .filter(previous_total__isnull=False)
        .annotate(change=ExpressionWrapper(F("total") - F("previous_total"), output_field=points))
        .order_by("-change", "pilot__village__name", "pk")
    )


@dataclass(frozen=True)
class AssessmentStats:
    program: str
    year: int
    as_of: datetime.date
    scope: str
    inspected: int
    mean_total: Decimal | None
    excellent: int
    passed: int
    fail: int
    townships: list[TownshipResult]
    open_rectifications: int

    def as_dict(self) -> dict:
        return {
            "program": self.program,
            "year": self.year,
            "as_of": self.as_of,
            "scope": self.scope,
            "inspected": self.inspected,
            "mean_total": None if self.mean_total is None else float(self.mean_total),
            "grades": {"excellent": self.excellent, "pass": self.passed, "fail": self.fail},
            "townships": [township.as_dict() for township in self.townships],
            "open_rectifications": self.open_rectifications,
        }


def open_rectification_count(*, user, program: PilotProgram, year: int, as_of: datetime.date) -> int:
    """Rectifications open on `as_of`: opened by any inspection of the year that stood then
    (a re-inspection supersedes the original's score, not the work its rectifications ask
    for) and not verified by then."""
    return _open_rectifications(user, _confirmed(user=user, program=program, year=year, as_of=as_of), as_of).count()


def _open_rectifications(user, confirmed: QuerySet[Inspection], as_of: datetime.date) -> QuerySet[Rectification]:
    # visible_to on the rectifications too: a department sees only those it answers for, as on
    # the rectification list, not every one of the inspections it may read.
    verified = Q(status=RectificationStatus.VERIFIED, verified_at__lt=end_of_day(as_of))
    return Rectification.objects.visible_to(user).filter(inspection__in=confirmed).exclude(verified)


def stats_scope(user) -> str:
    """Whose inspections the statistics cover: a township's own villages, an inspector's own
    team's, else the county's (a department's open_rectifications: those it answers for)."""
    if user.role == Role.TOWNSHIP:
        return "township"
    if user.role == Role.INSPECTOR:
        return "team"
    return "county"


def assessment_stats(*, user, program: PilotProgram, year: int, as_of: datetime.date | None = None) -> AssessmentStats:
    """The figures, the township table and the open rectifications as of `as_of` (the year's
    reference date by default): one query."""
    as_of = as_of or year_as_of(year, timezone.localdate())

    def township_rows() -> QuerySet:
        confirmed = _confirmed(user=user, program=program, year=year, as_of=as_of)
        # The open rectifications ride on each township row as one uncorrelated subquery
        # (evaluated once), so the figures and the count are a single statement built from one
        # queryset of the year's confirmed inspections.
        open_count = Subquery(
            _open_rectifications(user, confirmed, as_of).order_by().values(n=Func(F("pk"), function="COUNT")),
            output_field=IntegerField(),
        )
        return _township_queryset(confirmed, as_of, open_rectifications=open_count)

    # Compiled once per process for the user's scope, the program, the year and the date
    # (pilot_admin.statements): building and compiling it cost more than the statement takes to
    # run; the team and unit rules are subqueries in it, so nothing of the data is in the SQL.
    key = ("assessment-stats", user.pk, user.is_active, stats_cache.scope_key(user), program.pk, year, as_of)
    rows = kept_statement(key, township_rows).rows()
    # The figures are the township rows summed (a result is in one township, and both read the
    # same visible results): one grouped query rather than a second pass over the results. The
    # mean is the exact sum over the count, rounded as AVG's was.
    inspected = sum(row["inspected"] for row in rows)
    total = sum((row["sum_total"] for row in rows), Decimal(0))
    return AssessmentStats(
        program=program.code,
        year=year,
        as_of=as_of,
        scope=stats_scope(user),
        inspected=inspected,
        mean_total=_one_decimal(total / inspected) if inspected else None,
        excellent=sum(row["excellent"] for row in rows),
        passed=sum(row["pass"] for row in rows),
        fail=sum(row["fail"] for row in rows),
        townships=[_township_result(row) for row in rows],
        # With no township row the count has no row to ride on: an inspector may see an
        # original inspection whose re-inspection (another team's) is the result, and so its
        # rectifications but no result; then it is a query of its own.
        open_rectifications=rows[0]["open_rectifications"]
        if rows
        else _open_rectifications(user, _confirmed(user=user, program=program, year=year, as_of=as_of), as_of).count(),
    )


@dataclass(frozen=True)
class ScoringWork:
    """An inspector's score sheets that need them: those waiting to be scored (never submitted)
    and those the county office returned (submitted once, back to 草稿), with the reason."""

    to_score: list[Inspection]
    returned: list[Inspection]


RETURN_NOTE_PREFIX = "退回："


def scoring_work(*, user) -> ScoringWork:
    """The team's draft sheets, each with how many items are scored of how many and, for a
    returned one, the county office's reason (its latest 退回 audit note). Three queries
    whatever the number of sheets: the sheets with their counts; the team does not matter."""
    from django.contrib.contenttypes.models import ContentType
    from django.db.models import CharField, IntegerField
    from django.db.models.functions import Cast, Coalesce

    from assessments.models import ScoreItem
    from pilot_admin.models import AuditEntry

    if user.role != Role.INSPECTOR:
        return ScoringWork(to_score=[], returned=[])
    items = (
        ScoreItem.objects.filter(template=OuterRef("template"))
        .order_by()
        .values("template")
        .annotate(n=Count("pk"))
        .values("n")
    )
    reasons = AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Inspection),
        object_id=Cast(OuterRef("pk"), CharField()),
        note__startswith=RETURN_NOTE_PREFIX,
    ).order_by("-created_at", "-pk")
    sheets = list(
        Inspection.objects.editable_by(user)
        .filter(status=InspectionStatus.DRAFT)
        .select_related("pilot__village__township", "pilot__program")
        .annotate(
            scored=Count("scores", distinct=True),
            item_count=Coalesce(Subquery(items, output_field=IntegerField()), 0),
            return_note=Subquery(reasons.values("note")[:1]),
        )
        .order_by(F("inspected_on").asc(nulls_last=True), "-year", "pilot__village__township__name", "pk")
    )
    for sheet in sheets:
        sheet.return_reason = (sheet.return_note or "").removeprefix(RETURN_NOTE_PREFIX)
    return ScoringWork(
        to_score=[sheet for sheet in sheets if sheet.submitted_at is None],
        returned=[sheet for sheet in sheets if sheet.submitted_at is not None],
    )


def circular_issue(*, user, program: PilotProgram, year: int):
    """The 文号 and 落款 of the program year's circular, when the county office has set them."""
    return CircularIssue.objects.visible_to(user).filter(program=program, year=year).first()
