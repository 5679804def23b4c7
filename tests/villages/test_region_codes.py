"""Region codes are ASCII digits only: `\\d` and `$` would let other scripts' digits and a trailing
newline through the page and API forms (the import normalises digits before it gets here)."""

import pytest
from django.core.exceptions import ValidationError

from villages.models import county_code_validator, township_code_validator, village_code_validator

CASES = [
    (county_code_validator, "422823"),
    (township_code_validator, "422823100"),
    (village_code_validator, "422823100200"),
]


@pytest.mark.parametrize(("validator", "code"), CASES)
def test_ascii_code_is_accepted(validator, code):
    validator(code)


@pytest.mark.parametrize(("validator", "code"), CASES)
@pytest.mark.parametrize(
    "spoil",
    [
        lambda c: c + "\n",
        lambda c: c.translate(str.maketrans("0123456789", "０１２３４５６７８９")),
        lambda c: c.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")),
        lambda c: c[:-1],
        lambda c: c + "0",
    ],
    ids=["trailing-newline", "full-width", "arabic-indic", "short", "long"],
)
def test_other_digits_and_lengths_are_refused(validator, code, spoil):
    with pytest.raises(ValidationError) as error:
        validator(spoil(code))
    assert "数字" in error.value.messages[0]
