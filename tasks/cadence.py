"""The one place a task's reporting cadence becomes concrete periods with due dates.

- once: one period from the start to the deadline, due on the deadline.
- every N months: calendar blocks of N months counted from each January (every 2 months → Jan–Feb,
  Mar–Apr, …, due at the block's month end, R-G4); the first block starts on the task's start
  date even mid-block, and the last is cut at the deadline and due then if that comes first.
- fixed dates: each year's dates ("06-15", "11-30", R-G5) between start and deadline; each period
  runs from the day after the previous due date (or the start) to its date.

A period's `end` is its nominal last day; its `due_date` is `end` moved by `due` (the program's
working-day rule, 民法典 第二百零三条: a period ending on a holiday ends on the next working day).
Two periods whose ends move to the same working day keep their nominal dates rather than merge.
"""

import calendar
import datetime
from collections.abc import Callable
from dataclasses import dataclass, replace

from django.core.exceptions import ValidationError

from tasks.choices import CadenceKind


@dataclass(frozen=True)
class Period:
    label: str
    start: datetime.date
    end: datetime.date
    due_date: datetime.date


def _month_end(year: int, month: int) -> datetime.date:
    return datetime.date(year, month, calendar.monthrange(year, month)[1])


def parse_month_day(value: str) -> tuple[int, int]:
    try:
        month, day = (int(part) for part in value.split("-"))
        datetime.date(2001, month, day)  # a non-leap year: 02-29 would skip three years in four
    except (ValueError, AttributeError) as exc:
        raise ValidationError(f"固定报送日期“{value}”应为“月-日”格式，如 06-15。") from exc
    return month, day


def _every_n_months(start: datetime.date, deadline: datetime.date, months: int) -> list[Period]:
    periods = []
    year, block = start.year, (start.month - 1) // months
    while True:
        first_month = block * months + 1
        if first_month > 12:
            year, block = year + 1, 0
            continue
        last_month = min(first_month + months - 1, 12)
        block_start = datetime.date(year, first_month, 1)
        block_end = _month_end(year, last_month)
        if block_start > deadline:
            return periods
        period_start = max(block_start, start)
        period_end = min(block_end, deadline)
        label = f"{year}年{first_month}月" if first_month == last_month else f"{year}年{first_month}–{last_month}月"
        periods.append(Period(label=label, start=period_start, end=period_end, due_date=period_end))
        block += 1


def _fixed_dates(start: datetime.date, deadline: datetime.date, dates: list[str]) -> list[Period]:
    month_days = sorted({parse_month_day(value) for value in dates})
    if not month_days:
        raise ValidationError("“每年固定日期”报送须至少填写一个日期。")
    periods = []
    period_start = start
    for year in range(start.year, deadline.year + 1):
        for month, day in month_days:
            due = datetime.date(year, month, day)
            if due < start or due > deadline:
                continue
            periods.append(Period(label=f"{year}年{month}月{day}日前", start=period_start, end=due, due_date=due))
            period_start = due + datetime.timedelta(days=1)
    return periods


def expand(
    *,
    kind: str,
    start: datetime.date,
    deadline: datetime.date,
    months: int | None = None,
    dates=(),
    due: Callable[[datetime.date], datetime.date] | None = None,
) -> list[Period]:
    periods = _expand(kind=kind, start=start, deadline=deadline, months=months, dates=dates)
    if due is None:
        return periods
    moved, taken = [], {period.end for period in periods}
    for period in periods:
        due_date = due(period.end)
        if due_date != period.end and due_date not in taken:
            taken.add(due_date)
            period = replace(period, due_date=due_date)
        moved.append(period)
    return moved


def _expand(*, kind: str, start: datetime.date, deadline: datetime.date, months: int | None, dates) -> list[Period]:
    if deadline < start:
        raise ValidationError("完成时限不能早于开始日期。")
    if kind == CadenceKind.ONCE:
        return [Period(label=f"截至{deadline:%Y年%m月%d日}", start=start, end=deadline, due_date=deadline)]
    if kind == CadenceKind.EVERY_N_MONTHS:
        if not months or not 1 <= months <= 12:
            raise ValidationError("间隔月数应在1到12之间。")
        return _every_n_months(start, deadline, months)
    if kind == CadenceKind.FIXED_DATES:
        return _fixed_dates(start, deadline, list(dates))
    raise ValidationError(f"未知的报送周期：{kind}")
