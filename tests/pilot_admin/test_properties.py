"""Property-based tests (hypothesis): the import column types and ID-number validation take any
input and answer with a value or a Chinese error, never an exception; valid values round-trip."""

import datetime
import re

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from guardianship.rules import parse_id_number
from pilot_admin.excel import BOOL, CHOICE, CODE, DATE, DECIMAL, INT, NO, TEXT, YEAR, YES, CellError, Column, ColumnSet
from pilot_admin.excel.columns import DECIMAL_MAX, INT_MAX
from pilot_admin.excel.reading import read_sheet
from tests.factories import id_number
from tests.helpers.excel import workbook_file

# Modest counts and a deadline: these run in every `make test`.
FAST = settings(max_examples=150, deadline=500, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=25, deadline=2000, suppress_health_check=[HealthCheck.too_slow])
CHINESE = re.compile(r"[\u4e00-\u9fff]")
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")

COLUMNS = {
    TEXT: Column("名称", "name", max_length=50),
    CODE: Column("代码", "code", kind=CODE, max_length=18),
    INT: Column("数量", "count", kind=INT),
    DECIMAL: Column("金额", "amount", kind=DECIMAL),
    YEAR: Column("年度", "year", kind=YEAR),
    BOOL: Column("是否", "flag", kind=BOOL),
    CHOICE: Column("级别", "level", kind=CHOICE, choices=(("high", "高"), ("low", "低"))),
    DATE: Column("日期", "day", kind=DATE),
}
HEADERS = [column.header for column in COLUMNS.values()]

# Everything a cell can hold once openpyxl has read it, and then some.
CELL_VALUES = st.one_of(
    st.text(),
    st.text(alphabet=st.characters(categories=("Nd", "Zs", "Pd", "Po"))),
    st.integers(),
    st.floats(),
    st.booleans(),
    st.dates(),
    st.datetimes(),
    st.times(),
    st.timedeltas(),
    st.decimals(),
    st.integers().map(lambda n: str(n).translate(FULL_WIDTH)),
    st.just("9" * 5000),
)


@pytest.mark.parametrize("kind", sorted(COLUMNS))
@FAST
@given(value=CELL_VALUES)
@example(value="9" * 5000)
@example(value="1e999999999")
@example(value=float("nan"))
@example(value="٣")
def test_any_cell_value_gives_a_value_or_a_chinese_cell_error(kind, value):
    column = COLUMNS[kind]
    try:
        parsed = column.parse(value)
    except CellError as error:
        assert CHINESE.search(str(error))
        return
    if kind in (INT, YEAR):
        assert isinstance(parsed, int) and not isinstance(parsed, bool)
        assert 0 <= parsed <= INT_MAX
    elif kind == DECIMAL:
        assert parsed.is_finite() and abs(parsed) < DECIMAL_MAX
    elif kind == DATE:
        assert isinstance(parsed, datetime.date) and 1900 <= parsed.year <= 2100
    elif kind == BOOL:
        assert parsed in (True, False)
    elif kind == CHOICE:
        assert parsed in ("high", "low")
    elif kind == CODE:
        assert isinstance(parsed, str) and not re.search(r"\s", parsed)
        assert all(c.isascii() for c in parsed if c.isdecimal())
    else:
        assert isinstance(parsed, str) and len(parsed) <= 50


@FAST
@given(number=st.integers(min_value=0, max_value=INT_MAX), full_width=st.booleans(), grouped=st.booleans())
def test_whole_numbers_round_trip_in_any_writing(number, full_width, grouped):
    text = f"{number:,}" if grouped else str(number)
    assert COLUMNS[INT].parse(text.translate(FULL_WIDTH) if full_width else text) == number
    assert COLUMNS[INT].parse(number) == number
    assert COLUMNS[INT].parse(float(number)) == number  # INT_MAX < 2**53: floats hold it exactly


@FAST
@given(number=st.integers(min_value=INT_MAX + 1, max_value=10**30))
def test_a_number_too_large_for_the_database_is_a_cell_error(number):
    with pytest.raises(CellError, match="数值太大"):
        COLUMNS[INT].parse(str(number))


@FAST
@given(day=st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date(2100, 12, 31)))
def test_dates_round_trip_as_cells_and_in_every_text_form(day):
    forms = [
        f"{day.year}-{day.month}-{day.day}",
        f"{day:%Y-%m-%d}",
        f"{day:%Y/%m/%d}",
        f"{day.year}.{day.month}.{day.day}",
        f"{day.year}年{day.month}月{day.day}日",
        f"{day:%Y%m%d}",
        f"{day:%Y-%m-%d}".translate(FULL_WIDTH),
    ]
    for text in forms:
        assert COLUMNS[DATE].parse(text) == day, text
    assert COLUMNS[DATE].parse(day) == day
    assert COLUMNS[DATE].parse(datetime.datetime.combine(day, datetime.time(9, 30))) == day


@FAST
@given(
    amount=st.decimals(
        min_value=-DECIMAL_MAX + 1, max_value=DECIMAL_MAX - 1, allow_nan=False, allow_infinity=False, places=2
    )
)
def test_decimals_round_trip(amount):
    assert COLUMNS[DECIMAL].parse(str(amount)) == amount


@FAST
@given(code=st.text(alphabet="0123456789", min_size=1, max_size=18), padding=st.sampled_from(["", " ", "\u3000"]))
def test_codes_keep_leading_zeros_and_lose_spaces_and_full_width(code, padding):
    typed = padding + code.translate(FULL_WIDTH) + padding
    assert COLUMNS[CODE].parse(typed) == code


def test_codes_in_other_scripts_digits_become_ascii_digits():
    assert COLUMNS[CODE].parse("٤٢٢٨٢٣١٠٤٢٠١") == "422823104201"


def test_choices_and_yes_no_round_trip_their_labels():
    assert [COLUMNS[CHOICE].parse(label) for label in ("高", " 低 ")] == ["high", "low"]
    assert [COLUMNS[BOOL].parse(v) for v in (YES, NO, True, False)] == [True, False, True, False]


# Text starting with "=" is written by openpyxl as a formula: the reader refuses it as one.
TEXT_CELLS = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=30)


@SLOW
@given(
    cells=st.lists(
        st.one_of(TEXT_CELLS, st.integers(-(10**12), 10**12), st.floats(allow_nan=False, allow_infinity=False)),
        min_size=8,
        max_size=8,
    )
)
def test_a_whole_sheet_of_arbitrary_cells_reads_into_values_or_row_errors(cells):
    sheet = read_sheet(ColumnSet(*COLUMNS.values()), workbook_file(HEADERS, [cells]))
    for error in sheet.errors + [e for row in sheet.rows for e in row.errors]:
        assert CHINESE.search(error.message)
        assert error.row in (None, 2)


# --- ID numbers (GB 11643: 17 digits, birth date at 7–14, ISO 7064 MOD 11-2 check character) ----

BIRTH_DATES = st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date(2025, 12, 31))
AREAS = st.from_regex(r"[1-8][0-9]{5}", fullmatch=True)
SERIALS = st.integers(min_value=0, max_value=999)


@FAST
@given(birth=BIRTH_DATES, serial=SERIALS, area=AREAS, lower_x=st.booleans(), full_width=st.booleans())
def test_a_valid_id_number_is_accepted_with_its_birth_date_and_gender(birth, serial, area, lower_x, full_width):
    number = id_number(birth, serial, area=area)
    typed = number.lower() if lower_x else number
    typed = typed.translate(FULL_WIDTH) if full_width else typed
    facts = parse_id_number(f" {typed} ")
    assert facts.number == number
    assert facts.birth_date == birth
    assert facts.gender == ("male" if serial % 2 else "female")


@FAST
@given(
    birth=BIRTH_DATES,
    serial=SERIALS,
    area=AREAS,
    position=st.integers(min_value=0, max_value=17),
    shift=st.integers(min_value=1, max_value=10),
)
def test_changing_any_one_character_of_a_valid_id_number_is_refused(birth, serial, area, position, shift):
    number = id_number(birth, serial, area=area)
    alphabet = "0123456789X" if position == 17 else "0123456789"
    changed = alphabet[(alphabet.index(number[position]) + shift) % len(alphabet)]
    mutated = number[:position] + changed + number[position + 1 :]
    if mutated == number:
        return
    with pytest.raises(ValidationError) as refused:
        parse_id_number(mutated)
    assert CHINESE.search(refused.value.messages[0])


@FAST
@given(
    birth=BIRTH_DATES,
    serial=SERIALS,
    first=st.integers(min_value=0, max_value=16),
    second=st.integers(min_value=0, max_value=16),
)
def test_swapping_two_different_neighbouring_digits_is_refused(birth, serial, first, second):
    number = id_number(birth, serial)
    i = min(first, 15)
    if number[i] == number[i + 1]:
        return
    swapped = number[:i] + number[i + 1] + number[i] + number[i + 2 :]
    with pytest.raises(ValidationError):
        parse_id_number(swapped)


@FAST
@given(
    raw=st.one_of(
        st.text(),
        st.text(alphabet=st.characters(categories=("Nd",)), min_size=17, max_size=18),
        st.from_regex(r"[0-9]{17}[0-9Xx]", fullmatch=True),
    )
)
@example(raw="")
# A calendar date but no birth date: the year 0999 (the check character is right).
@example(raw="422823099901010013")
# A valid number (42282319500501004X) in Arabic-Indic digits: digits to Python's \d and int(),
# not to GB 11643.
@example(raw="٤٢٢٨٢٣١٩٥٠٠٥٠١٠٠٤X")
# A valid number whose birth year is before 1000 (found by Hypothesis).
@example(raw="422823099901020019")
def test_any_string_is_an_id_number_or_a_chinese_error_and_accepted_ones_are_ascii(raw):
    try:
        facts = parse_id_number(raw)
    except ValidationError as error:
        assert CHINESE.search(error.messages[0])
        return
    assert re.fullmatch(r"[0-9]{17}[0-9X]", facts.number)
    assert id_number(facts.birth_date, int(facts.number[14:17]), area=facts.number[:6]) == facts.number
