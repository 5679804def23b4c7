"""Acceptance (验收) and close-out of a pilot village (SPEC §4.6, R-A8, R-F3) and the 试点示范村
title (R-A7).

The rule: the county office accepts an approved pilot when its latest confirmed inspection is
graded 合格 or better (the program's grade_pass_min, through the grade the inspection was given),
none of its rectifications is still open, and its construction standards are met; short of any
of these it may still accept, recording a reason. The facts are gathered here (this app owns
inspections and rectifications); the write, and the "reason required when not eligible" rule,
are villages.services.pilot_assignment_accept's.

The construction standards are evaluated by villages.standards for the year of the pilot's
latest confirmed inspection (the year the county is accepting): a standard not met or not
reported that year is a shortfall, so accepting needs a recorded reason.
"""

import datetime
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from assessments.choices import Grade, InspectionStatus, RectificationStatus
from assessments.models import Inspection, Rectification
from villages import services as village_services
from villages import standards as village_standards
from villages.models import PilotAssignment

PASSING_GRADES = (Grade.PASS, Grade.EXCELLENT)


@dataclass(frozen=True)
class StandardsState:
    """Whether a pilot's construction standards are met; `failing` names, in Chinese, each one
    that is not (or why they could not be judged)."""

    met: bool
    failing: list[str] = field(default_factory=list)
    # The year judged, for the link to that year's checklist; not part of the verdict.
    year: int | None = field(default=None, compare=False)


def standards_state(assignment: PilotAssignment, year: int | None = None) -> StandardsState:
    """The pilot's construction standards in `year` (by default the year of its latest confirmed
    inspection, else the program's current year), from villages.standards."""
    if year is None:
        inspection = latest_inspection(assignment)
        year = inspection.year if inspection else assignment.program.default_year(timezone.localdate())
    met, failing = village_standards.pilot_standards_met(assignment, year)
    if met:
        return StandardsState(met=True, year=year)
    if not failing:
        return StandardsState(met=False, failing=[f"{year}年该村不计入试点，建设标准无从评估"], year=year)
    return StandardsState(
        met=False,
        failing=[f"{year}年 {item.standard.code} {item.standard.title}：{item.status_label}" for item in failing],
        year=year,
    )


@dataclass(frozen=True)
class AcceptanceFacts:
    """What acceptance is decided on, as it stands now."""

    inspection: Inspection | None
    open_rectifications: int
    standards: StandardsState

    @property
    def passed(self) -> bool:
        return self.inspection is not None and self.inspection.grade in PASSING_GRADES

    @property
    def excellent(self) -> bool:
        return self.inspection is not None and self.inspection.grade == Grade.EXCELLENT

    @property
    def grade_text(self) -> str:
        if self.inspection is None:
            return "尚无已确认的检查"
        kind = "复查" if self.inspection.original_id else "检查"
        return f"{self.inspection.year}年{kind} {self.inspection.total}分，{self.inspection.get_grade_display()}"

    @property
    def shortfalls(self) -> list[str]:
        """Each unmet condition in Chinese; empty when the pilot is eligible."""
        found = []
        if self.inspection is None:
            found.append("尚无已确认的检查验收")
        elif not self.passed:
            found.append(f"最近一次检查验收为{self.inspection.get_grade_display()}（{self.inspection.total}分）")
        if self.open_rectifications:
            found.append(f"有 {self.open_rectifications} 项整改尚未验收")
        if not self.standards.met:
            found.extend(self.standards.failing or ["建设标准未达标"])
        return found

    @property
    def eligible(self) -> bool:
        return not self.shortfalls

    @property
    def basis(self) -> str:
        """One line for the pilot's record: what the acceptance stood on."""
        standards = "建设标准达标" if self.standards.met else "、".join(self.standards.failing or ["建设标准未达标"])
        rectifications = f"{self.open_rectifications} 项整改未验收" if self.open_rectifications else "无未验收整改"
        return f"{self.grade_text}；{rectifications}；{standards}"


def latest_inspection(assignment: PilotAssignment) -> Inspection | None:
    """The pilot's latest confirmed inspection: the latest year's, and within a year a confirmed
    re-inspection (a larger id) over its original — the same rule as selectors.results."""
    return (
        Inspection.objects.filter(pilot=assignment.pk, status=InspectionStatus.CONFIRMED)
        .select_related("original")
        .order_by("-year", "-pk")
        .first()
    )


def open_rectifications(assignment: PilotAssignment):
    """Rectifications of the pilot's confirmed inspections not yet verified (整改中 or reported)."""
    return Rectification.objects.filter(
        inspection__pilot=assignment.pk, inspection__status=InspectionStatus.CONFIRMED
    ).exclude(status=RectificationStatus.VERIFIED)


def acceptance_facts(*, assignment: PilotAssignment, standards: StandardsState) -> AcceptanceFacts:
    """Two queries, whatever the pilot's history."""
    return AcceptanceFacts(
        inspection=latest_inspection(assignment),
        open_rectifications=open_rectifications(assignment).count(),
        standards=standards,
    )


@transaction.atomic
def pilot_accept(
    *,
    actor,
    assignment: PilotAssignment,
    accepted_on: datetime.date,
    document_no: str,
    standards: StandardsState,
    reason: str = "",
) -> PilotAssignment:
    """验收 a pilot on the facts as they stand (checked inside the transaction)."""
    facts = acceptance_facts(assignment=assignment, standards=standards)
    return village_services.pilot_assignment_accept(
        actor=actor,
        assignment=assignment,
        accepted_on=accepted_on,
        document_no=document_no,
        shortfalls=facts.shortfalls,
        basis=facts.basis,
        reason=reason,
    )


def pilot_reopen(*, actor, assignment: PilotAssignment, reason: str) -> PilotAssignment:
    return village_services.pilot_assignment_reopen(actor=actor, assignment=assignment, reason=reason)


@transaction.atomic
def pilot_set_demonstration(*, actor, assignment: PilotAssignment, named: bool, reason: str = "") -> PilotAssignment:
    """命名 (or 取消) 试点示范村: naming needs the latest inspection graded 优秀 (≥ the program's
    grade_excellent_min)."""
    facts = AcceptanceFacts(
        inspection=latest_inspection(assignment), open_rectifications=0, standards=StandardsState(met=True)
    )
    return village_services.pilot_assignment_set_demonstration(
        actor=actor,
        assignment=assignment,
        named=named,
        excellent=facts.excellent,
        grade=facts.grade_text,
        reason=reason,
    )
