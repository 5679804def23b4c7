"""The write rules of guardianship/services.py: who registers whom, guardians (one active,
category from the facts, replacement with its reason and history), agreements, visits."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from guardianship import services
from guardianship.choices import GuardianCategory, GuardianKind, SelfCareLevel
from guardianship.models import Agreement, Guardian, GuardianReplacement, Person, Visit
from pilot_admin.models import AuditEntry
from tests.factories import PersonFactory, id_number

TODAY = datetime.date(2024, 6, 20)
ALL_CAN = dict.fromkeys(("can_eat", "can_dress", "can_transfer", "can_toilet", "can_walk_indoors", "can_bathe"), True)


@pytest.fixture
def ward(village_a):
    return PersonFactory(village=village_a, civil_capacity="limited", name="李四")


def _assign(actor, person, **facts):
    defaults = {
        "start_date": datetime.date(2024, 1, 1),
        "has_close_relative": False,
        "willing": False,
        "kind": GuardianKind.INDIVIDUAL,
        "name": "王五",
    }
    return services.guardian_assign(actor=actor, person=person, **{**defaults, **facts})


# --- registering persons --------------------------------------------------------------------------


def test_township_official_registers_a_person_in_own_township(township_a_official, village_a):
    number = id_number(datetime.date(1950, 3, 15), 12)
    person = services.person_save(
        actor=township_a_official,
        name="赵六",
        id_number=number,
        village=village_a,
        kind="elderly",
        support_mode="dispersed",
    )
    person.refresh_from_db()
    assert (person.birth_date, person.gender) == (datetime.date(1950, 3, 15), "female")
    assert AuditEntry.objects.filter(object_id=str(person.pk)).exists()


def test_township_official_cannot_register_a_person_in_another_township(township_b_official, village_a):
    with pytest.raises(ValidationError) as caught:
        services.person_save(
            actor=township_b_official,
            name="赵六",
            id_number=id_number(datetime.date(1950, 3, 15), 12),
            village=village_a,
            kind="elderly",
            support_mode="dispersed",
        )
    assert caught.value.message_dict["village"] == ["该村不在您的管辖范围内。"]
    assert not Person.objects.exists()


def test_invalid_id_number_is_refused_and_nothing_saved(township_a_official, village_a):
    number = id_number(datetime.date(1950, 3, 15), 12)
    wrong = number[:17] + ("0" if number[17] != "0" else "1")
    with pytest.raises(ValidationError, match="校验位不正确"):
        services.person_save(
            actor=township_a_official,
            name="赵六",
            id_number=wrong,
            village=village_a,
            kind="elderly",
            support_mode="dispersed",
        )
    assert not Person.objects.exists()


def test_self_care_assessment_sets_the_persons_level(township_a_official, ward):
    items = {**ALL_CAN, "can_bathe": False, "can_dress": False, "can_walk_indoors": False, "can_toilet": False}
    assessment = services.self_care_assess(
        actor=township_a_official, person=ward, assessed_on=TODAY, assessor="评估员", **items
    )
    ward.refresh_from_db()
    assert (assessment.unmet_count, assessment.level, ward.self_care_level) == (4, "none", SelfCareLevel.NONE)


# --- guardians ------------------------------------------------------------------------------------


def test_close_relative_becomes_category_one(township_a_official, ward):
    guardian = _assign(township_a_official, ward, has_close_relative=True, relation="child")
    assert guardian.category == GuardianCategory.I


def test_willing_individual_with_consent_becomes_category_two(township_a_official, ward):
    guardian = _assign(
        township_a_official, ward, willing=True, consent_by="village_committee", consent_on=datetime.date(2024, 1, 1)
    )
    assert guardian.category == GuardianCategory.II
    assert Guardian.objects.get().consent_by == "village_committee"


def test_willing_individual_without_consent_is_refused(township_a_official, ward):
    with pytest.raises(ValidationError, match="Ⅱ类监护人须经村（居）委会或民政部门同意"):
        _assign(township_a_official, ward, willing=True)
    assert not Guardian.objects.exists()


def test_nobody_willing_makes_the_village_committee_category_three(township_a_official, ward):
    guardian = _assign(township_a_official, ward, kind=GuardianKind.VILLAGE_COMMITTEE, name="水布垭村委会")
    assert guardian.category == GuardianCategory.III


def test_village_committee_unable_to_perform_is_refused_in_favour_of_civil_affairs(township_a_official, ward):
    with pytest.raises(ValidationError, match="应由乡镇民政部门担任监护人"):
        _assign(township_a_official, ward, kind=GuardianKind.VILLAGE_COMMITTEE, name="村委会", able_to_perform=False)
    guardian = _assign(township_a_official, ward, kind=GuardianKind.CIVIL_AFFAIRS_OFFICE, name="水布垭镇民政办")
    assert (guardian.category, guardian.kind) == (GuardianCategory.III, GuardianKind.CIVIL_AFFAIRS_OFFICE)


def test_person_with_full_capacity_gets_no_guardian(township_a_official, village_a):
    person = PersonFactory(village=village_a, civil_capacity="full")
    with pytest.raises(ValidationError, match="不需要确定监护人"):
        _assign(township_a_official, person, has_close_relative=True)


def test_only_one_active_guardian(township_a_official, ward):
    _assign(township_a_official, ward, has_close_relative=True)
    with pytest.raises(ValidationError, match="已有现任监护人"):
        _assign(township_a_official, ward, has_close_relative=True, name="另一人")
    assert Guardian.objects.filter(person=ward, is_active=True).count() == 1


def test_replacement_ends_the_old_guardian_with_the_reason_and_keeps_history(township_a_official, ward):
    old = _assign(township_a_official, ward, has_close_relative=True, relation="child")
    replacement = services.guardian_replace(
        actor=township_a_official,
        person=ward,
        reason="irresponsible",
        decided_on=datetime.date(2024, 5, 1),
        kind=GuardianKind.VILLAGE_COMMITTEE,
        name="水布垭村委会",
        relation="",
        phone="",
        has_close_relative=False,
        willing=False,
        consent_by="",
        consent_on=None,
        able_to_perform=True,
    )
    old.refresh_from_db()
    assert (old.is_active, old.end_date, old.end_reason) == (False, datetime.date(2024, 5, 1), "irresponsible")
    assert replacement.new_guardian.is_active and replacement.new_guardian.category == GuardianCategory.III
    assert list(Guardian.objects.filter(person=ward).order_by("start_date").values_list("name", flat=True)) == [
        "王五",
        "水布垭村委会",
    ]
    assert GuardianReplacement.objects.get().reason == "irresponsible"


def test_agreement_needs_at_least_one_duty(township_a_official, ward):
    guardian = _assign(township_a_official, ward, has_close_relative=True)
    with pytest.raises(ValidationError) as caught:
        services.agreement_sign(actor=township_a_official, guardian=guardian, signed_on=TODAY, duties=[])
    assert caught.value.message_dict["duties"] == ["协议须明确至少一项具体监护照料职责。"]
    assert not Agreement.objects.exists()
    agreement = services.agreement_sign(
        actor=township_a_official, guardian=guardian, signed_on=TODAY, duties=["daily_watch", "living_care"]
    )
    assert agreement.duties == ["daily_watch", "living_care"]


# --- visits ---------------------------------------------------------------------------------------


def test_visit_is_recorded(township_a_official, ward):
    visit = services.visit_record(
        actor=township_a_official, person=ward, visited_on=TODAY, visitor_name="联村干部", today=TODAY
    )
    assert Visit.objects.get() == visit and visit.visitor == township_a_official


def test_visit_in_the_future_is_refused(township_a_official, ward):
    with pytest.raises(ValidationError) as caught:
        services.visit_record(
            actor=township_a_official,
            person=ward,
            visited_on=TODAY + datetime.timedelta(days=1),
            visitor_name="联村干部",
            today=TODAY,
        )
    assert caught.value.message_dict["visited_on"] == ["走访日期不能晚于今天。"]
    assert not Visit.objects.exists()


def test_visit_for_another_townships_person_is_refused(township_b_official, ward):
    with pytest.raises(ValidationError, match="不在您的管辖范围内"):
        services.visit_record(
            actor=township_b_official, person=ward, visited_on=TODAY, visitor_name="某人", today=TODAY
        )
    assert not Visit.objects.exists()


def test_visit_with_a_failed_check_needs_the_problem(township_a_official, ward):
    with pytest.raises(ValidationError, match="须写明发现的问题"):
        services.visit_record(
            actor=township_a_official,
            person=ward,
            visited_on=TODAY,
            visitor_name="联村干部",
            today=TODAY,
            heating_ok=False,
        )
    assert not Visit.objects.exists()
