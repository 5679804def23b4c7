"""Citizen ID numbers (GB 11643), one rule for every app that registers people: the check,
the mask registers print, and the age on a day. Apps keep the number encrypted
(pilot_admin/crypto.py) and show it masked unless the viewer may see it."""

import datetime
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError

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
    # "male" / "female": the stable values every app's gender choices use.
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
    # A calendar date is not yet a birth date: nobody in a register was born before 1900 or
    # after today (a year such as 0999 passes the check character all the same).
    if not EARLIEST_BIRTH <= birth <= datetime.date.today():
        raise ValidationError("公民身份号码中的出生日期无效。")
    expected = _CHECK_CODES[sum(int(d) * w for d, w in zip(number[:17], _WEIGHTS, strict=True)) % 11]
    if number[17] != expected:
        raise ValidationError("公民身份号码校验位不正确，请核对。")
    gender = "male" if int(number[16]) % 2 else "female"
    return IdFacts(number=number, birth_date=birth, gender=gender)


def mask_id_number(number: str) -> str:
    """The first 6 and last 4 characters, as Chinese registers print them. The 8 hidden ones are
    the birth date, so a masked record never shows it."""
    return f"{number[:6]}{'*' * 8}{number[-4:]}" if len(number) == 18 else "*" * len(number or "")


def age_on(birth_date: datetime.date, day: datetime.date) -> int:
    """Whole years (周岁) on `day`: the birthday itself counts as the new year of age."""
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def with_check_character(body: str) -> str:
    """The 17 leading characters completed with their check character: how demo, benchmark and
    test data make valid numbers."""
    return body + _CHECK_CODES[sum(int(d) * w for d, w in zip(body, _WEIGHTS, strict=True)) % 11]
