"""The rules of the guardianship pilot, each in one place: ID numbers, eligibility (R-I1…R-I4),
self-care levels (R-H15, R-H16) and the guardian category (R-H6…R-H8). Numbers come from the
county's GuardianshipPolicy and DibaoStandard, never from here."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from guardianship.choices import (
    DisabilityType,
    GuardianCategory,
    GuardianKind,
    ObligorSituation,
    PersonKind,
    SelfCareLevel,
)
from pilot_admin import idnumbers

# The ID-number rules are the core's (pilot_admin/idnumbers.py), shared with the supervision
# committees' registers; re-exported here for this app's callers.
EARLIEST_BIRTH = idnumbers.EARLIEST_BIRTH
IdFacts = idnumbers.IdFacts
parse_id_number = idnumbers.parse_id_number
mask_id_number = idnumbers.mask_id_number
age_on = idnumbers.age_on


# Under the Civil Code a person is a minor until 18, whatever the pilot's own age limit for the
# 未成年人 kind: below it, a masked record does not even say how old.
MINOR_UNTIL = 18
MINOR_AGE_TEXT = f"未满{MINOR_UNTIL}周岁"


@dataclass(frozen=True)
class ShownIdentity:
    """What a viewer is shown of who a person is. In full: the ID number and the birth date.
    Masked: the number's first 6 and last 4 characters and, instead of the birth date the mask
    hides, an adult's age in whole years — which leaves a year of possible birth dates, about 33
    numbers with a valid check character — and for a minor only that they are under 18 (SECURITY.md,
    "脱敏")."""

    id_number: str
    birth_date: datetime.date | None
    age: int | None
    masked: bool

    @property
    def age_text(self) -> str:
        return MINOR_AGE_TEXT if self.age is None else f"{self.age}周岁"


def shown_identity(person, *, full: bool, today: datetime.date) -> ShownIdentity:
    age = age_on(person.birth_date, today)
    if full:
        return ShownIdentity(shown_id_number(person.id_number, full=True), person.birth_date, age, masked=False)
    minor = person.kind == PersonKind.MINOR or age < MINOR_UNTIL
    return ShownIdentity(shown_id_number(person.id_number, full=False), None, None if minor else age, masked=True)


def shown_id_number(id_number: str, *, full: bool) -> str:
    """The number as shown_identity shows it, for a list that shows nothing else of it."""
    return id_number if full else mask_id_number(id_number)


@dataclass(frozen=True)
class Condition:
    label: str
    holds: bool
    reason: str


@dataclass(frozen=True)
class Eligibility:
    kind: Condition
    no_work_capacity: Condition
    no_livelihood: Condition
    no_able_obligor: Condition

    @property
    def conditions(self) -> list[Condition]:
        return [self.kind, self.no_work_capacity, self.no_livelihood, self.no_able_obligor]

    @property
    def eligible(self) -> bool:
        return all(condition.holds for condition in self.conditions)


def _qualifying_disability(person, policy) -> bool:
    if not person.disability_type or person.disability_grade is None:
        return False
    if person.disability_type in (DisabilityType.INTELLECTUAL, DisabilityType.MENTAL):
        return person.disability_grade <= policy.intellectual_mental_max_grade
    if person.disability_type == DisabilityType.PHYSICAL:
        return person.disability_grade <= policy.physical_max_grade
    return False


def eligibility(
    person, *, policy, dibao_monthly_yuan: Decimal | None, today: datetime.date, age_text: str | None = None
) -> Eligibility:
    """One of the three kinds of person and all three "无" conditions (R-I1…R-I4). The reasons
    name the age as `age_text` (a masked viewer's, see shown_identity), or in whole years."""
    age = age_on(person.birth_date, today)
    age_text = age_text or f"{age}周岁"
    elderly = age >= policy.elderly_min_age
    minor = age < policy.minor_age_limit
    disabled = _qualifying_disability(person, policy)
    kind_holds = {
        PersonKind.ELDERLY: elderly,
        PersonKind.MINOR: minor,
        PersonKind.DISABLED: bool(person.disability_type),
    }.get(person.kind, False)
    kind = Condition(
        "三类人员",
        kind_holds,
        f"{person.get_kind_display()}，{age_text}" + ("" if kind_holds else "，与登记的人员类别不符"),
    )
    work_reasons = []
    if elderly:
        work_reasons.append(f"{policy.elderly_min_age}周岁以上")
    if minor:
        work_reasons.append(f"未满{policy.minor_age_limit}周岁")
    if disabled:
        work_reasons.append(f"{person.get_disability_type_display()}{person.disability_grade}级")
    no_work = Condition(
        "无劳动能力",
        bool(work_reasons),
        "、".join(work_reasons) if work_reasons else f"{age_text}，且无符合条件的残疾等级",
    )
    if dibao_monthly_yuan is None:
        no_livelihood = Condition("无生活来源", False, "本县本年度低保标准未录入，无法判断")
    else:
        below = person.monthly_income_yuan < dibao_monthly_yuan
        reason = f"月人均收入 {person.monthly_income_yuan} 元，低保标准 {dibao_monthly_yuan} 元"
        if not person.property_ok:
            reason += "；财产不符合规定"
        no_livelihood = Condition("无生活来源", below and person.property_ok, reason)
    no_obligor = Condition(
        "无法定义务人或义务人无履行能力",
        person.obligor_situation != ObligorSituation.ABLE,
        person.get_obligor_situation_display(),
    )
    return Eligibility(kind=kind, no_work_capacity=no_work, no_livelihood=no_livelihood, no_able_obligor=no_obligor)


SELF_CARE_ITEMS = ("can_eat", "can_dress", "can_transfer", "can_toilet", "can_walk_indoors", "can_bathe")


def self_care_level(unmet: int, *, policy) -> str:
    """All six done alone → 全自理; ≥ partial_min_unmet not → 半失能; ≥ none_min_unmet → 全失能."""
    if unmet >= policy.none_min_unmet:
        return SelfCareLevel.NONE
    if unmet >= policy.partial_min_unmet:
        return SelfCareLevel.PARTIAL
    return SelfCareLevel.FULL


def guardian_category(*, has_close_relative: bool, willing_guardian: bool, kind: str) -> str:
    """R-H6…R-H8: a statutory close relative → Ⅰ; else someone willing (with consent) → Ⅱ; else
    the village committee, or the township civil-affairs office when it cannot → Ⅲ."""
    if has_close_relative:
        return GuardianCategory.I
    if willing_guardian and kind in (GuardianKind.INDIVIDUAL, GuardianKind.ORGANIZATION):
        return GuardianCategory.II
    return GuardianCategory.III
