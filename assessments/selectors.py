"""Reads of the assessments app: the inspection list, the ranking, the township summary, the
year-over-year change and the API statistics. Every aggregate is SQL on visible_to querysets,
so a page's query count does not grow with the number of inspections."""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import (
    Avg,
    Count,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Window,
)
from django.db.models.functions import Rank

from assessments.choices import Grade, InspectionStatus, RectificationStatus
from assessments.models import Inspection, Rectification
from villages.models import PilotProgram
from villages.querysets import unit_q

ONE_DECIMAL = Decimal("0.1")


def _one_decimal(value) -> Decimal | None:
    return None if value is None else Decimal(value).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


def inspection_list(*, user) -> QuerySet[Inspection]:
    return Inspection.objects.visible_to(user).select_related(
        "pilot__program", "pilot__village__township", "template", "original"
    )


def _confirmed(*, user, program: PilotProgram, year: int) -> QuerySet[Inspection]:
    return Inspection.objects.visible_to(user).filter(
        pilot__program=program, year=year, status=InspectionStatus.CONFIRMED
    )


def results(*, user, program: PilotProgram, year: int) -> QuerySet[Inspection]:
    """The result of each pilot village for the year: its latest confirmed inspection. A
    confirmed re-inspection (created after its original, so a larger id) supersedes the
    original, which stays in the records but no longer counts in rankings and statistics."""
    return _latest(_confirmed(user=user, program=program, year=year))


def _latest(confirmed: QuerySet[Inspection]) -> QuerySet[Inspection]:
    newer = Inspection.objects.filter(
        pilot=OuterRef("pilot"), year=OuterRef("year"), status=InspectionStatus.CONFIRMED, pk__gt=OuterRef("pk")
    )
    return confirmed.filter(~Exists(newer))


@dataclass(frozen=True)
class ResultTotals:
    inspected: int
    mean_total: Decimal | None


def county_result_totals(*, program: PilotProgram, year: int) -> ResultTotals:
    """Villages inspected and the mean total over the whole county of the program, totals
    only: what a township may set its own mean against. One query."""
    confirmed = Inspection.objects.filter(pilot__program=program, year=year, status=InspectionStatus.CONFIRMED)
    row = _latest(confirmed).aggregate(inspected=Count("pk"), mean_total=Avg("total"))
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
    name). One query."""
    return (
        results(user=user, program=program, year=year)
        .select_related("pilot__village__township", "original")
        .annotate(
            rank=Window(Rank(), order_by=F("total").desc()),
            open_rectifications=Count(
                "rectifications", filter=~Q(rectifications__status=RectificationStatus.VERIFIED), distinct=True
            ),
            rectification_count=Count("rectifications", distinct=True),
        )
        .order_by("-total", "pilot__village__name", "pk")
    )


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


def township_summary(*, user, program: PilotProgram, year: int) -> list[TownshipResult]:
    """Per township: villages inspected, mean total (one decimal) and grade counts — one
    grouped query over the year's results."""
    rows = (
        results(user=user, program=program, year=year)
        .values("pilot__village__township", "pilot__village__township__name")
        .annotate(**_grade_counts())
        .order_by("pilot__village__township__code", "pilot__village__township")
    )
    return [
        TownshipResult(
            id=row["pilot__village__township"],
            name=row["pilot__village__township__name"],
            inspected=row["inspected"],
            mean_total=_one_decimal(row["mean_total"]),
            excellent=row["excellent"],
            passed=row["pass"],
            fail=row["fail"],
        )
        for row in rows
    ]


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
            "inspected": self.inspected,
            "mean_total": None if self.mean_total is None else float(self.mean_total),
            "grades": {"excellent": self.excellent, "pass": self.passed, "fail": self.fail},
            "townships": [township.as_dict() for township in self.townships],
            "open_rectifications": self.open_rectifications,
        }


def open_rectification_count(*, user, program: PilotProgram, year: int) -> int:
    """Rectifications not yet verified, opened by any confirmed inspection of the year: a
    re-inspection supersedes the original's score, not the work its rectifications ask for."""
    # visible_to on the rectifications too: a department sees only those it answers for, as on
    # the rectification list, not every one of the inspections it may read.
    return (
        Rectification.objects.visible_to(user)
        .filter(inspection__in=_confirmed(user=user, program=program, year=year))
        .exclude(status=RectificationStatus.VERIFIED)
        .count()
    )


def assessment_stats(*, user, program: PilotProgram, year: int) -> AssessmentStats:
    """The county figures, the township table and the open rectifications: three queries."""
    county = results(user=user, program=program, year=year).aggregate(**_grade_counts())
    return AssessmentStats(
        program=program.code,
        year=year,
        inspected=county["inspected"],
        mean_total=_one_decimal(county["mean_total"]),
        excellent=county["excellent"],
        passed=county["pass"],
        fail=county["fail"],
        townships=township_summary(user=user, program=program, year=year),
        open_rectifications=open_rectification_count(user=user, program=program, year=year),
    )
