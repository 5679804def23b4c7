import datetime

import pytest
from django.core.exceptions import ValidationError

from tasks.cadence import expand
from tasks.choices import CadenceKind

d = datetime.date


def _dues(periods):
    return [p.due_date for p in periods]


def test_once_is_one_period_due_on_the_deadline():
    (period,) = expand(kind=CadenceKind.ONCE, start=d(2017, 5, 16), deadline=d(2020, 12, 31))
    assert (period.start, period.end, period.due_date) == (d(2017, 5, 16), d(2020, 12, 31), d(2020, 12, 31))


def test_every_two_months_is_due_at_even_month_ends():
    periods = expand(kind=CadenceKind.EVERY_N_MONTHS, start=d(2018, 1, 1), deadline=d(2018, 12, 31), months=2)
    assert _dues(periods) == [
        d(2018, m, 28 if m == 2 else 30 if m in (4, 6, 9, 11) else 31) for m in (2, 4, 6, 8, 10, 12)
    ]
    assert [p.label for p in periods][:2] == ["2018年1–2月", "2018年3–4月"]


def test_a_task_starting_mid_year_gets_a_short_first_period():
    periods = expand(kind=CadenceKind.EVERY_N_MONTHS, start=d(2017, 5, 16), deadline=d(2017, 12, 31), months=2)
    first = periods[0]
    assert (first.start, first.end, first.due_date, first.label) == (
        d(2017, 5, 16),
        d(2017, 6, 30),
        d(2017, 6, 30),
        "2017年5–6月",
    )
    assert _dues(periods) == [d(2017, 6, 30), d(2017, 8, 31), d(2017, 10, 31), d(2017, 12, 31)]


def test_the_last_period_is_cut_at_the_deadline():
    periods = expand(kind=CadenceKind.EVERY_N_MONTHS, start=d(2018, 1, 1), deadline=d(2018, 3, 10), months=2)
    assert _dues(periods) == [d(2018, 2, 28), d(2018, 3, 10)]
    assert periods[-1].start == d(2018, 3, 1)


def test_monthly_periods_cover_leap_february():
    periods = expand(kind=CadenceKind.EVERY_N_MONTHS, start=d(2020, 1, 15), deadline=d(2020, 3, 31), months=1)
    assert _dues(periods) == [d(2020, 1, 31), d(2020, 2, 29), d(2020, 3, 31)]


def test_fixed_dates_half_year_and_year_summaries():
    periods = expand(
        kind=CadenceKind.FIXED_DATES, start=d(2017, 5, 16), deadline=d(2018, 12, 31), dates=["11-30", "06-15"]
    )
    assert _dues(periods) == [d(2017, 6, 15), d(2017, 11, 30), d(2018, 6, 15), d(2018, 11, 30)]
    assert periods[1].start == d(2017, 6, 16)
    assert periods[0].start == d(2017, 5, 16)


def test_fixed_dates_before_the_start_are_skipped():
    periods = expand(
        kind=CadenceKind.FIXED_DATES, start=d(2017, 7, 1), deadline=d(2017, 12, 31), dates=["06-15", "11-30"]
    )
    assert _dues(periods) == [d(2017, 11, 30)]


@pytest.mark.parametrize("dates", [["13-01"], ["02-30"], ["02-29"], ["6/15"], []])
def test_bad_fixed_dates_are_refused_in_chinese(dates):
    with pytest.raises(ValidationError) as error:
        expand(kind=CadenceKind.FIXED_DATES, start=d(2017, 1, 1), deadline=d(2017, 12, 31), dates=dates)
    assert "日期" in str(error.value)


@pytest.mark.parametrize("months", [0, 13, None])
def test_interval_must_be_one_to_twelve_months(months):
    with pytest.raises(ValidationError):
        expand(kind=CadenceKind.EVERY_N_MONTHS, start=d(2017, 1, 1), deadline=d(2017, 12, 31), months=months)


def test_deadline_before_start_is_refused():
    with pytest.raises(ValidationError):
        expand(kind=CadenceKind.ONCE, start=d(2018, 1, 1), deadline=d(2017, 12, 31))
