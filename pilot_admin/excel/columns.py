"""Column specs of import sheets: what each header means and how its cells are read."""

import datetime
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist, ValidationError

from pilot_admin.excel.results import RowError

TEXT, CODE, INT, DECIMAL, YEAR, BOOL, CHOICE, DATE = "text", "code", "int", "decimal", "year", "bool", "choice", "date"
YES, NO = "是", "否"
_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d")
# Typed dates outside these years are typos (0024-3-5, 20240-1-1), not history.
_DATE_YEARS = (1900, 2100)
# The largest whole number a column takes: PostgreSQL's integer, so a long string of digits is a
# cell error, not a database error (nor Python's refusal to parse more than 4,300 digits).
INT_MAX = 2_147_483_647
# Decimals (money, points) beyond this are typos; the database columns hold less anyway.
DECIMAL_MAX = Decimal("1e12")
_TOO_LARGE = 10**18


class CellError(ValueError):
    """A cell value that does not fit its column; the argument is the Chinese message."""


def _shown(value) -> str:
    return str(value)[:40]


def _ascii(value) -> str:
    """Full-width digits, signs and spaces (common in Chinese input methods) as ASCII."""
    return unicodedata.normalize("NFKC", str(value)).strip()


def _whole(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    text = _ascii(value).replace(",", "").replace(" ", "")
    # ASCII digits only (NFKC made full-width ones ASCII); past 18 digits a stand-in that every
    # range check refuses, so int() never parses thousands of digits.
    if not re.fullmatch(r"[+-]?[0-9]+", text):
        return None
    return int(text) if len(text.lstrip("+-")) <= 18 else _TOO_LARGE


def _parse_text(column, value):
    if isinstance(value, datetime.datetime | datetime.date):
        raise CellError("应为文字，不应是日期。")
    text = str(value).strip()
    if column.max_length and len(text) > column.max_length:
        raise CellError(f"不能超过 {column.max_length} 个字。")
    return text


def _parse_code(column, value):
    number = _whole(value) if isinstance(value, int | float) else None
    text = str(number) if number is not None else re.sub(r"\s+", "", _ascii(value))
    # Digits of other scripts (Arabic-Indic…) pass a \d validator; in a code they are ASCII digits.
    text = "".join(
        str(unicodedata.decimal(c)) if not c.isascii() and unicodedata.decimal(c, None) is not None else c for c in text
    )
    return _parse_text(column, text)


def _parse_int(column, value):
    number = _whole(value)
    if number is None:
        raise CellError(f"应为整数（填写的是“{_shown(value)}”）。")
    if number < 0:
        raise CellError(f"不能为负数（填写的是“{_shown(value)}”）。")
    if number > INT_MAX:
        raise CellError(f"数值太大（填写的是“{_shown(value)}”）。")
    return number


def _parse_decimal(column, value):
    if isinstance(value, bool):
        raise CellError(f"应为数字（填写的是“{_shown(value)}”）。")
    try:
        number = Decimal(str(value) if isinstance(value, float) else _ascii(value).replace(",", ""))
    except InvalidOperation:
        raise CellError(f"应为数字（填写的是“{_shown(value)}”）。") from None
    if not number.is_finite():
        raise CellError(f"应为数字（填写的是“{_shown(value)}”）。")
    if number.adjusted() >= DECIMAL_MAX.adjusted():  # not abs(): 1e999999999 overflows the context
        raise CellError(f"数值太大（填写的是“{_shown(value)}”）。")
    return number


def _parse_year(column, value):
    number = _whole(value)
    if number is None or not 1900 <= number <= 2100:
        raise CellError(f"应为四位年份，如 2018（填写的是“{_shown(value)}”）。")
    return number


def _parse_bool(column, value):
    if isinstance(value, bool):
        return value
    text = str(value).strip()
    if text in (YES, NO):
        return text == YES
    raise CellError(f"应填写“是”或“否”（填写的是“{_shown(value)}”）。")


def _parse_choice(column, value):
    text = str(value).strip()
    for stored, label in column.choices:
        if text == str(label):
            return stored
    labels = "、".join(str(label) for _, label in column.choices)
    raise CellError(f"应为以下之一：{labels}（填写的是“{_shown(value)}”）。")


def _parse_date(column, value):
    """A date cell, or a date typed as text: 2024-3-5, 2024/03/05, 2024.3.5, 2024年3月5日, 20240305."""
    if isinstance(value, datetime.datetime):
        day = value.date()
    elif isinstance(value, datetime.date):
        day = value
    else:
        day = _date_from_text(_ascii(value))
        if day is None:
            raise CellError(f"应为日期，如 2020-01-31（填写的是“{_shown(value)}”）。")
    if not _DATE_YEARS[0] <= day.year <= _DATE_YEARS[1]:
        raise CellError(f"日期的年份应在 {_DATE_YEARS[0]}–{_DATE_YEARS[1]} 之间（填写的是“{_shown(value)}”）。")
    return day


def _date_from_text(text: str) -> datetime.date | None:
    # strptime would also take non-ASCII digits; only ASCII ones (NFKC made full-width ASCII) count.
    if not re.fullmatch(r"[0-9年月日./-]{6,11}", text):
        return None
    for pattern in _DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


_PARSERS = {
    TEXT: _parse_text,
    CODE: _parse_code,
    INT: _parse_int,
    DECIMAL: _parse_decimal,
    YEAR: _parse_year,
    BOOL: _parse_bool,
    CHOICE: _parse_choice,
    DATE: _parse_date,
}
_KIND_HINTS = {
    INT: "不小于0的整数",
    DECIMAL: "数字",
    YEAR: "四位年份，如 2018",
    BOOL: "填写“是”或“否”",
    DATE: "日期，如 2020-01-31",
}


def normalize_header(value) -> str:
    """Header cells are matched ignoring spaces (also full-width) and a required-mark asterisk."""
    return re.sub(r"[\s*＊]+", "", str(value or ""))


@dataclass(frozen=True)
class Column:
    """One column of an import sheet: its header, the field it fills and how to read it."""

    header: str
    field: str
    kind: str = TEXT
    required: bool = False
    help_text: str = ""
    choices: tuple = ()
    max_length: int | None = None
    aliases: tuple[str, ...] = ()
    width: int = 14

    def parse(self, value):
        return _PARSERS[self.kind](self, value)

    @property
    def options(self) -> list[str]:
        """The values a drop-down list offers in the template."""
        if self.kind == BOOL:
            return [YES, NO]
        if self.kind == CHOICE:
            return [str(label) for _, label in self.choices]
        return []

    @property
    def description(self) -> str:
        parts = ["必填" if self.required else "选填"]
        if self.options:
            parts.append("可选：" + "、".join(self.options))
        elif self.kind in _KIND_HINTS:
            parts.append(_KIND_HINTS[self.kind])
        if self.help_text:
            parts.append(self.help_text)
        return "；".join(parts) + "。"


class ColumnSet:
    """The ordered columns of one import sheet."""

    def __init__(self, *columns: Column):
        self.columns = columns
        self._by_field = {column.field: column for column in columns}
        self._by_header = {}
        for column in columns:
            for text in (column.header, *column.aliases):
                self._by_header[normalize_header(text)] = column
        self._position = {column.header: index for index, column in enumerate(columns)}

    def __iter__(self):
        return iter(self.columns)

    def __len__(self):
        return len(self.columns)

    @property
    def headers(self) -> list[str]:
        return [column.header for column in self.columns]

    def header(self, field_name: str) -> str:
        return self._by_field[field_name].header

    def match(self, header_text) -> Column | None:
        return self._by_header.get(normalize_header(header_text))

    def sort(self, errors: Iterable[RowError]) -> list[RowError]:
        return sorted(errors, key=lambda e: (e.row or 0, self._position.get(e.column, len(self.columns))))

    def failed_fields(self, row) -> set[str]:
        """The fields whose cells in an ImportRow could not be read: a service validating the
        rest of the row leaves them out, so each bad cell is reported once, with its own
        message, and the row's other problems in the same run."""
        headers = {error.column for error in row.errors}
        return {column.field for column in self.columns if column.header in headers}

    def errors_from(self, row: int, error: ValidationError, model=None) -> list[RowError]:
        """A model's ValidationError as row errors: on the field's column where the sheet has
        one, otherwise on the row, naming the field."""
        if not hasattr(error, "error_dict"):
            return [RowError(row, "", message) for message in error.messages]
        result = []
        for name, messages in error.message_dict.items():
            column = self._by_field.get(name)
            for message in messages:
                if column is not None:
                    result.append(RowError(row, column.header, message))
                elif name == NON_FIELD_ERRORS or model is None:
                    result.append(RowError(row, "", message))
                else:
                    result.append(RowError(row, "", f"{_verbose_name(model, name)}：{message}"))
        return result


def _verbose_name(model, name: str) -> str:
    try:
        return str(model._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:
        return name
