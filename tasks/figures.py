"""The figures a task's reports carry (TaskFigure): how the county office writes them on the
task form, how a report's values are checked and stored in ProgressReport.figures, and how
they are shown.

Values are stored as JSON numbers under TaskFigure.key ("f<id>", not the bare id: a key that
looks like an integer is read as an array index by Django's JSON key lookups, which the summed
table uses). A figure taken off a task leaves its values in old reports' JSON, unshown.
"""

import re
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError

FIGURES_MAX = 10
NAME_MAX = 40
UNIT_MAX = 10
VALUE_MAX = Decimal("1e12")
# "已建成服务站个数（个）": the name, then the unit in parentheses (full- or half-width).
LINE = re.compile(r"^(?P<name>.+?)\s*(?:[（(]\s*(?P<unit>[^（）()]*?)\s*[）)])?$")


def parse_lines(text: str) -> list[tuple[str, str]]:
    """The task form's 报告数据项: one figure a line, "名称（单位）"; the list or a ValidationError."""
    figures, seen, errors = [], set(), []
    for number, line in enumerate((text or "").splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        match = LINE.match(line)
        name, unit = match["name"].strip(), (match["unit"] or "").strip()
        if len(name) > NAME_MAX:
            errors.append(f"第 {number} 行：数据项名称不能超过 {NAME_MAX} 个字。")
        elif len(unit) > UNIT_MAX:
            errors.append(f"第 {number} 行：计量单位不能超过 {UNIT_MAX} 个字。")
        elif name in seen:
            errors.append(f"第 {number} 行：数据项“{name}”重复。")
        seen.add(name)
        figures.append((name, unit))
    if len(figures) > FIGURES_MAX:
        errors.append(f"每个任务最多 {FIGURES_MAX} 个数据项。")
    if errors:
        raise ValidationError(errors)
    return figures


def format_lines(figures) -> str:
    return "\n".join(f"{f.name}（{f.unit}）" if f.unit else f.name for f in figures)


def field_name(figure) -> str:
    """The report form's field for a figure."""
    return f"figure_{figure.pk}"


def _number(value) -> Decimal:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError("应为数字。") from None
    if not number.is_finite():
        raise ValidationError("应为数字。")
    if number < 0:
        raise ValidationError("不能为负数。")
    if number >= VALUE_MAX:
        raise ValidationError("数值太大。")
    return number


def clean_values(figures, values: dict | None) -> dict:
    """A report's values keyed by figure key, checked against the task's figures: non-negative
    numbers; empty values left out; keys of no current figure dropped."""
    values = values or {}
    cleaned, errors = {}, {}
    for figure in figures:
        value = values.get(figure.key)
        if value is None or value == "":
            continue
        if isinstance(value, bool):
            errors[field_name(figure)] = f"“{figure.name}”应为数字。"
            continue
        try:
            number = _number(value)
        except ValidationError as error:
            errors[field_name(figure)] = f"“{figure.name}”{error.messages[0]}"
            continue
        cleaned[figure.key] = int(number) if number == number.to_integral_value() else float(number)
    if errors:
        raise ValidationError(errors)
    return cleaned


def shown(figures, values: dict | None) -> list[dict]:
    """Each figure of the task with the report's value (None when not reported)."""
    values = values or {}
    return [{"name": f.name, "unit": f.unit, "value": values.get(f.key)} for f in figures]


def text(figures, values: dict | None) -> str:
    """One line for a ledger cell: "已建成服务站个数 12 个；…" (reported figures only)."""
    parts = [
        f"{row['name']} {_plain(row['value'])}{' ' + row['unit'] if row['unit'] else ''}"
        for row in shown(figures, values)
        if row["value"] is not None
    ]
    return "；".join(parts)


def _plain(value) -> str:
    if isinstance(value, Decimal):
        value = value.normalize()
        return f"{value:f}"
    return str(value)
