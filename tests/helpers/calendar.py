"""A county calendar without days off, for the tests of a rule's day arithmetic: the county's
overrides (pilot_admin.WorkdayOverride) win over the statutory calendar, so every day in the
range counts as a working day. The days off themselves are tests/pilot_admin/test_workdays.py's."""

import datetime

from pilot_admin.models import WorkdayOverride


def every_day_a_working_day(first: datetime.date, last: datetime.date) -> None:
    days = (last - first).days + 1
    WorkdayOverride.objects.bulk_create(
        WorkdayOverride(date=first + datetime.timedelta(days=n), is_workday=True, name="测试：每天上班")
        for n in range(days)
    )
