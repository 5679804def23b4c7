"""load_demo's guardianship data: valid ID numbers, every kind, the two 敬老院, guardians of all
three categories with a few agreements missing, a year of visits with gaps, the findings and the
replacement — and nothing added by a second run."""

import pytest
from django.utils import timezone

from demo.guardianship import DIBAO, INSTITUTIONS
from guardianship import rules, selectors
from guardianship.models import (
    Agreement,
    DibaoStandard,
    Guardian,
    GuardianReplacement,
    GuardianshipPolicy,
    Person,
    SelfCareAssessment,
    SupervisionFinding,
    Visit,
)
from pilot_admin.models import User
from tests.demo.helpers import demo_loaded_twice

MODELS = (
    GuardianshipPolicy,
    DibaoStandard,
    Person,
    SelfCareAssessment,
    Guardian,
    Agreement,
    Visit,
    SupervisionFinding,
    GuardianReplacement,
)


demo = demo_loaded_twice(MODELS)


pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo")]


def test_second_run_adds_nothing(demo):
    assert demo["first"] == demo["second"]
    assert demo["first"]["Person"] >= 200


def test_policy_and_dibao_standards():
    assert GuardianshipPolicy.objects.count() == 1
    assert sorted(DibaoStandard.objects.values_list("year", flat=True)) == list(range(2016, 2027))
    assert DibaoStandard.objects.get(year=2020).monthly_yuan == DIBAO[2020]


def test_persons_have_valid_id_numbers_and_every_kind():
    for number, birth, gender in Person.objects.values_list("id_number", "birth_date", "gender"):
        facts = rules.parse_id_number(number)
        assert (facts.birth_date, facts.gender) == (birth, gender)
        assert number.startswith("422823")
    assert set(Person.objects.values_list("kind", flat=True)) == {"elderly", "disabled", "minor"}
    assert set(Person.objects.values_list("self_care_level", flat=True)) == {"full", "partial", "none"}


def test_concentrated_persons_live_in_the_two_homes():
    homes = dict(
        Person.objects.filter(support_mode="concentrated").values_list("institution", "village__township__name")
    )
    assert homes == {home: township for township, home in INSTITUTIONS.items()}


def test_guardians_of_every_category_and_a_few_agreements_missing():
    active = Guardian.objects.filter(is_active=True)
    assert set(active.values_list("category", flat=True)) == {"I", "II", "III"}
    assert not active.filter(category="II", consent_by="").exists()
    missing = active.exclude(agreements__isnull=False).count()
    assert 0 < missing < active.count() / 4


def test_findings_and_one_replacement_with_its_history():
    assert SupervisionFinding.objects.count() == 2
    replacement = GuardianReplacement.objects.get()
    assert replacement.reason == "irresponsible" and replacement.finding is not None
    assert not replacement.old_guardian.is_active and replacement.new_guardian.is_active
    assert replacement.new_guardian.agreements.exists()


def test_a_year_of_visits_with_gaps():
    admin = User.objects.get(username="county_admin")
    today = timezone.localdate()
    persons, cells = selectors.visit_matrix(user=admin, year=today.year)
    filled = sum(len(months) for months in cells.values())
    assert persons and 0 < filled < len(persons) * today.month
    last_month = selectors.previous_month(today)
    stats = selectors.guardianship_stats(user=admin, month=last_month).as_dict()
    assert 0.8 < stats["visit_coverage"] < 1
    assert stats["guardian_category"]["missing"] == 0
    assert stats["agreements_missing"] > 0
