"""load_demo's acceptance: 2016–2018 pilots accepted with a 巴民发 document number, 试点示范村 among
the 优秀 ones only, a failing pilot in rectification with its re-inspection scheduled, and
nothing added by a second run."""

import pytest

from assessments import services_acceptance as acceptance
from assessments.choices import Grade, InspectionStatus
from assessments.models import Inspection
from demo.acceptance import ACCEPTED_BATCH_YEARS, BATCHES
from demo.county import PROGRAM
from pilot_admin.models import AuditEntry
from tests.demo.helpers import demo_loaded_twice
from villages.choices import PilotStatus
from villages.models import PilotAssignment

MODELS = (PilotAssignment, Inspection, AuditEntry)

demo = demo_loaded_twice(MODELS)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo")]


def test_a_second_run_adds_nothing(demo):
    assert demo["second"] == demo["first"]
    assert PilotAssignment.objects.filter(status=PilotStatus.ACCEPTED).count() == demo["first"]["PilotAssignment"] - (
        PilotAssignment.objects.exclude(status=PilotStatus.ACCEPTED).count()
    )


def test_some_early_pilots_are_accepted_with_a_document_number():
    # The 十三五 history (the current program accepts its own, tests/demo/test_current.py).
    accepted = PilotAssignment.objects.filter(program__code=PROGRAM["code"], status=PilotStatus.ACCEPTED)
    assert accepted.count() >= 5
    assert set(accepted.values_list("year", flat=True)) <= set(ACCEPTED_BATCH_YEARS)
    assert set(accepted.values_list("accepted_on", "acceptance_document_no")) == set(BATCHES)
    # Others of the same batches stay in the open ledger.
    assert PilotAssignment.objects.filter(status=PilotStatus.APPROVED, year__in=ACCEPTED_BATCH_YEARS).exists()
    for pilot in accepted:
        facts = acceptance.acceptance_facts(assignment=pilot, standards=acceptance.StandardsState(met=True))
        assert facts.passed and facts.open_rectifications == 0
        assert pilot.acceptance_reason  # standards are not evaluated yet: the reason is recorded


def test_demonstration_villages_are_excellent_accepted_pilots():
    named = list(PilotAssignment.objects.filter(program__code=PROGRAM["code"], is_demonstration=True))
    assert 1 <= len(named) <= 2
    for pilot in named:
        assert pilot.status == PilotStatus.ACCEPTED
        assert acceptance.latest_inspection(pilot).grade == Grade.EXCELLENT


def test_a_failing_pilot_was_put_right_and_passed_its_reinspection_before_the_program_ended():
    # 不合格 → 整改 → 复查, as history: the program ended in 2020 (the current program's pilot in
    # rectification is in tests/demo/test_current.py).
    again = Inspection.objects.get(original__isnull=False)
    assert again.original.grade == Grade.FAIL
    assert again.pilot.status == PilotStatus.APPROVED
    assert again.status == InspectionStatus.CONFIRMED and again.grade in acceptance.PASSING_GRADES
    assert again.confirmed_at.year == again.pilot.program.end_year
    assert again.original.rectifications.exists()
    assert not acceptance.open_rectifications(again.pilot).exists()
