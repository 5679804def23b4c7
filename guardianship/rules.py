"""The rules of the guardianship pilot, each in one place: ID numbers, eligibility (R-I1…R-I4),
self-care levels (R-H15, R-H16) and the guardian category (R-H6…R-H8). Numbers come from the
county's GuardianshipPolicy and DibaoStandard, never from here."""

import datetime
import re
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError

from guardianship.choices import (
    DisabilityType,
    Gender,
    GuardianCategory,
    GuardianKind,
    ObligorSituation,
    PersonKind,
    SelfCareLevel,
)

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CODES = "10X98765432"
# [0-9], not \d: Python's \d also takes Arabic-Indic and other digits, which int() reads.
_ID_PATTERN = re.compile(r"^[0-9]{17}[0-9X]$")
# Full-width digits and X as typed on Chinese input methods.
_FULL_WIDTH = str.maketrans("０１２３４５６７８９Ｘｘx", "0123456789XXX")


EARLIEST_BIRTH = datetime.date(1900, 1, 1)


@dataclass(frozen=True)
class IdFacts:
    number: str
    birth_date: datetime.date
    gender: str


def parse_id_number(raw: str) -> IdFacts:
    """GB 11643: 18 characters, a valid birth date at 7–14 and the ISO 7064 check character."""
    number = (raw or "").strip().translate(_FULL_WIDTH).upper()
    if not _ID_PATTERN.match(number):
        raise ValidationError("公民身份号码应为18位，前17位为数字，末位为数字或X。")
    try:
        birth = datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError as exc:
        raise ValidationError("公民身份号码中的出生日期无效。") from exc
    # A calendar date is not yet a birth date: nobody in the register was born before 1900 or
    # after today (a year such as 0999 passes the check character all the same).
    if not EARLIEST_BIRTH <= birth <= datetime.date.today():
        raise ValidationError("公民身份号码中的出生日期无效。")
    expected = _CHECK_CODES[sum(int(d) * w for d, w in zip(number[:17], _WEIGHTS, strict=True)) % 11]
    if number[17] != expected:
        raise ValidationError("公民身份号码校验位不正确，请核对。")
    gender = Gender.MALE if int(number[16]) % 2 else Gender.FEMALE
    return IdFacts(number=number, birth_date=birth, gender=gender)


def mask_id_number(number: str) -> str:
    """The first 6 and last 4 characters, as Chinese registers print them. The 8 hidden ones are
    the birth date, so a masked record never shows it (see shown_identity)."""
    return f"{number[:6]}{'*' * 8}{number[-4:]}" if len(number) == 18 else "*" * len(number or "")


def age_on(birth_date: datetime.date, day: datetime.date) -> int:
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


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
        return ShownIdentity(person.id_number, person.birth_date, age, masked=False)
    minor = person.kind == PersonKind.MINOR or age < MINOR_UNTIL
    return ShownIdentity(mask_id_number(person.id_number), None, None if minor else age, masked=True)


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
