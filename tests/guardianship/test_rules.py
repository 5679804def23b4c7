"""The rules of guardianship/rules.py on both sides of every boundary: eligibility (R-I1…R-I4),
self-care levels (R-H16), the guardian category (R-H6…R-H8) and GB 11643 ID numbers."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from guardianship import rules
from guardianship.choices import GuardianCategory, GuardianKind, ObligorSituation, SelfCareLevel
from guardianship.models import GuardianshipPolicy, Person
from tests.factories import id_number

DIBAO = Decimal("500.00")


def _policy(**numbers):
    # Unsaved: the model defaults are the county's numbers unless a test moves one.
    return GuardianshipPolicy(**numbers)


def _person(**facts):
    defaults = {
        "name": "张三",
        "birth_date": datetime.date(1950, 1, 1),
        "kind": "elderly",
        "monthly_income_yuan": Decimal("100"),
        "property_ok": True,
        "obligor_situation": ObligorSituation.NONE,
    }
    return Person(**{**defaults, **facts})


def _check(person, *, today, dibao=DIBAO, policy=None):
    return rules.eligibility(person, policy=policy or _policy(), dibao_monthly_yuan=dibao, today=today)


# --- eligibility: 无劳动能力 and the three kinds ----------------------------------------------


def test_elderly_is_eligible_on_the_sixtieth_birthday():
    person = _person(birth_date=datetime.date(1964, 6, 15))
    result = _check(person, today=datetime.date(2024, 6, 15))
    assert result.kind.holds and result.no_work_capacity.holds
    assert "60周岁以上" in result.no_work_capacity.reason
    assert result.eligible


def test_elderly_is_not_eligible_the_day_before_the_sixtieth_birthday():
    person = _person(birth_date=datetime.date(1964, 6, 15))
    result = _check(person, today=datetime.date(2024, 6, 14))
    assert not result.kind.holds
    assert not result.no_work_capacity.holds
    assert "59周岁" in result.no_work_capacity.reason
    assert not result.eligible


def test_moving_the_elderly_age_in_the_policy_moves_the_boundary():
    person = _person(birth_date=datetime.date(1964, 6, 15))
    result = _check(person, today=datetime.date(2024, 6, 15), policy=_policy(elderly_min_age=65))
    assert not result.no_work_capacity.holds


def test_minor_aged_fifteen_is_eligible():
    person = _person(kind="minor", birth_date=datetime.date(2008, 6, 15))
    result = _check(person, today=datetime.date(2024, 6, 14))
    assert result.kind.holds and result.no_work_capacity.holds
    assert "未满16周岁" in result.no_work_capacity.reason
    assert result.eligible


def test_minor_is_not_eligible_on_the_sixteenth_birthday():
    person = _person(kind="minor", birth_date=datetime.date(2008, 6, 15))
    result = _check(person, today=datetime.date(2024, 6, 15))
    assert not result.kind.holds
    assert not result.no_work_capacity.holds
    assert not result.eligible


@pytest.mark.parametrize(
    ("disability", "grade", "holds"),
    [
        ("intellectual", 2, True),
        ("intellectual", 3, False),
        ("mental", 1, True),
        ("mental", 2, True),
        ("mental", 3, False),
        ("physical", 1, True),
        ("physical", 2, False),
        ("visual", 1, False),
    ],
)
def test_disability_grade_decides_no_work_capacity(disability, grade, holds):
    person = _person(
        kind="disabled", birth_date=datetime.date(1984, 1, 1), disability_type=disability, disability_grade=grade
    )
    result = _check(person, today=datetime.date(2024, 6, 1))
    assert result.no_work_capacity.holds is holds
    assert result.eligible is holds
    if holds:
        assert f"{grade}级" in result.no_work_capacity.reason


def test_raising_the_intellectual_grade_limit_admits_grade_three():
    person = _person(
        kind="disabled", birth_date=datetime.date(1984, 1, 1), disability_type="intellectual", disability_grade=3
    )
    result = _check(person, today=datetime.date(2024, 6, 1), policy=_policy(intellectual_mental_max_grade=3))
    assert result.no_work_capacity.holds


# --- eligibility: 无生活来源 and 无履行义务能力 -------------------------------------------------


def test_income_below_the_dibao_standard_is_no_livelihood():
    result = _check(_person(monthly_income_yuan=Decimal("499.99")), today=datetime.date(2024, 6, 1))
    assert result.no_livelihood.holds
    assert "499.99" in result.no_livelihood.reason and "500.00" in result.no_livelihood.reason


def test_income_equal_to_the_dibao_standard_is_not_below_it():
    result = _check(_person(monthly_income_yuan=Decimal("500.00")), today=datetime.date(2024, 6, 1))
    assert not result.no_livelihood.holds
    assert not result.eligible


def test_property_outside_the_rules_fails_no_livelihood():
    result = _check(_person(property_ok=False), today=datetime.date(2024, 6, 1))
    assert not result.no_livelihood.holds
    assert "财产不符合规定" in result.no_livelihood.reason


def test_missing_dibao_standard_means_livelihood_cannot_hold():
    result = _check(_person(), today=datetime.date(2024, 6, 1), dibao=None)
    assert not result.no_livelihood.holds
    assert result.no_livelihood.reason == "本县本年度低保标准未录入，无法判断"
    assert not result.eligible


def test_able_obligor_makes_the_person_ineligible():
    result = _check(_person(obligor_situation=ObligorSituation.ABLE), today=datetime.date(2024, 6, 1))
    assert not result.no_able_obligor.holds
    assert result.no_able_obligor.reason == "有能履行义务的义务人"
    assert not result.eligible


@pytest.mark.parametrize(
    "situation",
    [
        ObligorSituation.NONE,
        ObligorSituation.UNABLE_TEKUN,
        ObligorSituation.UNABLE_DIBAO,
        ObligorSituation.UNABLE_CAPACITY,
    ],
)
def test_no_or_unable_obligor_holds(situation):
    result = _check(_person(obligor_situation=situation), today=datetime.date(2024, 6, 1))
    assert result.no_able_obligor.holds
    assert result.eligible


def test_eligibility_lists_all_four_conditions_with_labels():
    result = _check(_person(), today=datetime.date(2024, 6, 1))
    assert [c.label for c in result.conditions] == [
        "三类人员",
        "无劳动能力",
        "无生活来源",
        "无法定义务人或义务人无履行能力",
    ]


# --- self-care level ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("unmet", "level"),
    [
        (0, SelfCareLevel.FULL),
        (1, SelfCareLevel.PARTIAL),
        (3, SelfCareLevel.PARTIAL),
        (4, SelfCareLevel.NONE),
        (6, SelfCareLevel.NONE),
    ],
)
def test_self_care_level_from_unmet_items(unmet, level):
    assert rules.self_care_level(unmet, policy=_policy()) == level


def test_moving_the_thresholds_moves_the_level():
    policy = _policy(partial_min_unmet=2, none_min_unmet=3)
    assert rules.self_care_level(1, policy=policy) == SelfCareLevel.FULL
    assert rules.self_care_level(2, policy=policy) == SelfCareLevel.PARTIAL
    assert rules.self_care_level(3, policy=policy) == SelfCareLevel.NONE


def test_there_are_six_self_care_items():
    assert len(rules.SELF_CARE_ITEMS) == 6


# --- guardian category --------------------------------------------------------------------------


def test_close_relative_is_category_one():
    assert rules.guardian_category(has_close_relative=True, willing_guardian=False, kind=GuardianKind.INDIVIDUAL) == (
        GuardianCategory.I
    )


@pytest.mark.parametrize("kind", [GuardianKind.INDIVIDUAL, GuardianKind.ORGANIZATION])
def test_willing_individual_or_organization_without_relative_is_category_two(kind):
    assert rules.guardian_category(has_close_relative=False, willing_guardian=True, kind=kind) == GuardianCategory.II


@pytest.mark.parametrize("kind", [GuardianKind.VILLAGE_COMMITTEE, GuardianKind.CIVIL_AFFAIRS_OFFICE])
def test_nobody_willing_is_category_three(kind):
    assert rules.guardian_category(has_close_relative=False, willing_guardian=False, kind=kind) == (
        GuardianCategory.III
    )


# --- ID numbers ---------------------------------------------------------------------------------


def test_valid_id_number_gives_birth_date_and_gender():
    number = id_number(datetime.date(1950, 3, 15), 11)
    facts = rules.parse_id_number(number)
    assert facts.number == number
    assert facts.birth_date == datetime.date(1950, 3, 15)
    assert facts.gender == "male"
    assert rules.parse_id_number(id_number(datetime.date(1950, 3, 15), 12)).gender == "female"


def test_known_public_example_passes_the_checksum():
    # The textbook example of GB 11643: 11010519491231002X.
    assert rules.parse_id_number("11010519491231002X").birth_date == datetime.date(1949, 12, 31)


def test_wrong_check_digit_is_refused():
    number = id_number(datetime.date(1950, 3, 15), 11)
    wrong = number[:17] + ("0" if number[17] != "0" else "1")
    with pytest.raises(ValidationError, match="校验位不正确"):
        rules.parse_id_number(wrong)


def test_impossible_birth_date_is_refused():
    with pytest.raises(ValidationError, match="出生日期无效"):
        rules.parse_id_number("422823195002300011")


def test_seventeen_digits_are_refused():
    with pytest.raises(ValidationError, match="应为18位"):
        rules.parse_id_number(id_number(datetime.date(1950, 3, 15), 11)[:17])


def test_full_width_digits_are_normalised():
    number = id_number(datetime.date(1950, 3, 15), 11)
    full_width = number.translate(str.maketrans("0123456789X", "０１２３４５６７８９Ｘ"))
    assert rules.parse_id_number(full_width).number == number


def test_lower_case_x_is_accepted_as_check_character():
    assert rules.parse_id_number("11010519491231002x").number == "11010519491231002X"


def test_mask_keeps_first_six_and_last_four():
    assert rules.mask_id_number("11010519491231002X") == "110105********002X"


@pytest.mark.parametrize(
    "born, accepted",
    [
        (datetime.date(1899, 12, 31), False),
        (datetime.date(1900, 1, 1), True),
        (datetime.date.today(), True),
        (datetime.date.today() + datetime.timedelta(days=1), False),
    ],
)
def test_a_birth_date_before_1900_or_after_today_is_refused(born, accepted):
    number = id_number(born, 12)
    if accepted:
        assert rules.parse_id_number(number).birth_date == born
    else:
        with pytest.raises(ValidationError, match="出生日期无效"):
            rules.parse_id_number(number)
