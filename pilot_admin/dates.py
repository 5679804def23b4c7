"""The reference date ("as of") of every statistic, defined once for the pages and the API.

A year's figures are counted as they stood on its last day once the year is over, and as they
stand today while it runs; a month's likewise. Every count of one response uses the same date,
so a past year's figure never changes because of what happens today (a close-out, a late
report, a withdrawal) — only events dated on or before the reference date count.
"""

import datetime

from django.utils import timezone


def year_as_of(year: int, today: datetime.date) -> datetime.date:
    """The reference date of `year`: its last day once it is over, else today. A year that has
    not begun gets today too; the API refuses such years before asking (see its query)."""
    return min(datetime.date(year, 12, 31), today)


def month_as_of(month: datetime.date, today: datetime.date) -> datetime.date:
    """The reference date of the month starting on `month`: its last day once it is over, else
    today."""
    first_of_next = (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return min(first_of_next - datetime.timedelta(days=1), today)


def end_of_day(day: datetime.date) -> datetime.datetime:
    """The first instant after `day` in the county's time zone: an event stamped before it
    happened on or before `day` (local date), the way the county counts days."""
    return timezone.make_aware(datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min))
