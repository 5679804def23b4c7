"""The legal working-day calendar every deadline follows: the State Council's statutory holidays
and 调休 working weekends from the `chinesecalendar` package, under the county's own overrides
(WorkdayOverride: a local day off, or next year's schedule before the package has it).

A year the package does not cover (it raises NotImplementedError outside its data) falls back
to "Saturday and Sunday are off", logged once per year and process and listed on the system
administrator's page (`missing_years`), so a deadline is never lost to a crash. An override
always wins, so the county can enter a missing year's holidays itself.

Build one `WorkCalendar` per piece of work (one query for the overrides) and ask it many days;
the module-level functions are shortcuts that load it each time.
"""

import datetime
import logging
from dataclasses import dataclass, field

import chinese_calendar

logger = logging.getLogger(__name__)

ONE_DAY = datetime.timedelta(days=1)
# Looking for the next working day never needs more than a few weeks; a calendar that marks a
# whole year off is a data error, not a reason to loop for ever.
MAX_DAYS_OFF_IN_A_ROW = 60

_HOLIDAY_NAMES = {holiday.value: holiday.chinese for holiday in chinese_calendar.Holiday}
_warned_years: set[int] = set()


def package_years() -> range:
    """The years the installed package has the State Council's schedule for."""
    years = {day.year for day in chinese_calendar.holidays} | {day.year for day in chinese_calendar.workdays}
    return range(min(years), max(years) + 1)


def _warn_missing(year: int) -> None:
    if year not in _warned_years:
        _warned_years.add(year)
        logger.warning(
            "chinesecalendar %s has no holiday schedule for %s: treating only weekends as days off "
            "until the package is upgraded or the county enters the year's overrides.",
            getattr(chinese_calendar, "__version__", "?"),
            year,
        )


@dataclass
class WorkCalendar:
    """Working days with the county's overrides: {date: (is_workday, name)}."""

    overrides: dict[datetime.date, tuple[bool, str]] = field(default_factory=dict)

    @classmethod
    def load(cls) -> "WorkCalendar":
        from pilot_admin.models import WorkdayOverride

        rows = WorkdayOverride.objects.values_list("date", "is_workday", "name")
        return cls({day: (is_workday, name) for day, is_workday, name in rows})

    def is_workday(self, day: datetime.date) -> bool:
        if day in self.overrides:
            return self.overrides[day][0]
        try:
            return chinese_calendar.is_workday(day)
        except NotImplementedError:
            _warn_missing(day.year)
            return day.weekday() < 5

    def day_off_name(self, day: datetime.date) -> str:
        """Why `day` is off, as a user reads it: the override's name, the statutory holiday
        (国庆节), or 周末; empty for a working day."""
        if self.is_workday(day):
            return ""
        if day in self.overrides:
            return self.overrides[day][1] or "休息日"
        try:
            _, name = chinese_calendar.get_holiday_detail(day)
        except NotImplementedError:
            name = None
        return _HOLIDAY_NAMES.get(name, "") if name else "周末"

    def next_workday(self, day: datetime.date) -> datetime.date:
        """`day` itself when it is a working day, else the first working day after it (民法典
        第二百零三条: a period whose last day is a holiday ends on the day after the holiday)."""
        for _ in range(MAX_DAYS_OFF_IN_A_ROW):
            if self.is_workday(day):
                return day
            day += ONE_DAY
        raise ValueError(f"{day} 前连续 {MAX_DAYS_OFF_IN_A_ROW} 天都不是工作日，请检查工作日历的调整。")

    def add_workdays(self, day: datetime.date, n: int) -> datetime.date:
        """The n-th working day after `day` ("within N working days of day" ends then); n = 0 is
        `day` moved to a working day."""
        if n < 0:
            raise ValueError("n must not be negative")
        if n == 0:
            return self.next_workday(day)
        while n:
            day = self.next_workday(day + ONE_DAY)
            n -= 1
        return day

    def add_days(self, day: datetime.date, n: int, *, working: bool) -> datetime.date:
        """`day` plus n calendar days, or plus n working days: a duration in the unit a program
        chose (DurationUnit)."""
        return self.add_workdays(day, n) if working else day + datetime.timedelta(days=n)

    def due_date(self, day: datetime.date, *, follow_workdays: bool) -> tuple[datetime.date, str]:
        """A nominal due date and, when the program moves due dates off days off, the working
        day it moves to with the reason (国庆节顺延); unmoved dates give an empty reason."""
        if not follow_workdays or self.is_workday(day):
            return day, ""
        return self.next_workday(day), f"{self.day_off_name(day)}顺延"


def missing_years(years) -> list[int]:
    """Which of `years` the package does not cover: their days off are weekends only, unless
    the county entered overrides for them."""
    covered = package_years()
    return [year for year in years if year not in covered]


def is_workday(day: datetime.date) -> bool:
    return WorkCalendar.load().is_workday(day)


def next_workday(day: datetime.date) -> datetime.date:
    return WorkCalendar.load().next_workday(day)


def add_workdays(day: datetime.date, n: int) -> datetime.date:
    return WorkCalendar.load().add_workdays(day, n)
