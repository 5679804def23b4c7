"""load_demo's assessments: the SPEC §8 sheet summing to 100, the 2020 copy, 2019 inspections
with every grade, rectifications in every state, drafts for the demo inspector, and nothing
added by a second run."""

from decimal import Decimal

import pytest
from django.db.models import Sum

from assessments.choices import Grade, InspectionStatus, RectificationStatus, TemplateStatus
from assessments.models import Inspection, ItemScore, Rectification, ScoreItem, ScoreTemplate
from demo.inspections import SHEET, YEAR
from pilot_admin.models import AuditEntry
from tests.demo.helpers import demo_loaded_twice
from villages.choices import COUNTED_PILOT_STATUSES
from villages.models import PilotAssignment, PilotProgram

MODELS = (ScoreTemplate, ScoreItem, Inspection, ItemScore, Rectification, AuditEntry)


demo = demo_loaded_twice(MODELS)


pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo")]


def _program():
    return PilotProgram.objects.get(code="badong-13th-fyp")


def test_a_second_run_adds_nothing(demo):
    assert demo["first"]["Inspection"] > 0 and demo["first"]["Rectification"] > 0
    assert demo["second"] == demo["first"]


def test_the_2019_sheet_is_spec_section_8_published_and_sums_to_100():
    template = ScoreTemplate.objects.get(program=_program(), year=YEAR)
    assert template.status == TemplateStatus.PUBLISHED
    assert template.items.aggregate(total=Sum("max_points"))["total"] == Decimal(100)
    assert list(template.sections.values_list("title", flat=True)) == [title for title, _ in SHEET]
    weights = {
        section.title: sum(item.max_points for item in section.items.all()) for section in template.sections.all()
    }
    assert list(weights.values()) == [15, 20, 15, 15, 10, 15, 10]
    assert template.items.count() == 29
    copy = ScoreTemplate.objects.get(program=_program(), year=YEAR + 1)
    assert (copy.status, copy.copied_from, copy.items.count()) == (TemplateStatus.DRAFT, template, 29)


def test_most_approved_pilots_are_inspected_with_every_grade():
    pilots = PilotAssignment.objects.filter(
        program=_program(), status__in=COUNTED_PILOT_STATUSES, year__lte=YEAR
    ).count()
    inspections = Inspection.objects.filter(pilot__program=_program(), year=YEAR)
    assert pilots * 0.7 < inspections.count() < pilots
    confirmed = inspections.filter(status=InspectionStatus.CONFIRMED)
    grades = {grade: confirmed.filter(grade=grade).count() for grade in Grade.values}
    assert grades[Grade.PASS] > grades[Grade.EXCELLENT] > 0 and grades[Grade.FAIL] > 0
    assert grades[Grade.PASS] > grades[Grade.FAIL]
    for inspection in confirmed:
        assert inspection.total == sum(s.points for s in inspection.scores.all())


def test_two_drafts_wait_for_the_demo_inspector():
    # Original inspections; the re-inspection of a failing pilot (demo/acceptance.py) is a draft too.
    drafts = Inspection.objects.filter(year=YEAR, status=InspectionStatus.DRAFT, original__isnull=True)
    assert drafts.count() == 2
    assert all(list(d.inspectors.values_list("username", flat=True)) == ["inspector"] for d in drafts)
    assert not ItemScore.objects.filter(inspection__in=drafts).exists()


def test_rectifications_in_every_state_and_every_fail_has_them():
    statuses = set(Rectification.objects.values_list("status", flat=True))
    assert statuses == set(RectificationStatus.values)
    for failed in Inspection.objects.filter(grade=Grade.FAIL):
        below = sum(1 for s in failed.scores.select_related("item") if s.points < s.item.max_points)
        assert failed.rectifications.count() == below > 0
