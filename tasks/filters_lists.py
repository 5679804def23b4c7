"""FilterSets of the two working lists: 我的任务 (a unit's open obligations,
tasks.selectors.my_obligations) and 报告审核 (the county office's queue,
tasks.selectors.review_queue). Choices come from visible_to, so another unit's or county's row
is an invalid choice, never a way round the scope."""

import django_filters
from django import forms
from django.utils import timezone

from pilot_admin import filters
from pilot_admin.filters import visible_choices
from tasks.choices import TaskStatus
from tasks.models import ProgressReport, ReportingPeriod, Task
from villages.choices import DepartmentKind
from villages.models import Department, Township

# The unit's own report as 我的任务 shows it; a period without one is 未报送.
NOT_REPORTED = "none"
OBLIGATION_STATUSES = [(NOT_REPORTED, "未报送"), ("draft", "草稿"), ("returned", "退回")]


def _tasks(request):
    return visible_choices(Task, "code")(request)


def _open_tasks(request):
    """A unit's obligations are all of open tasks; a closed-out one is no choice to offer."""
    return visible_choices(Task.objects.filter(status=TaskStatus.OPEN), "code")(request)


class DueMonthFilter(filters.MonthFilter):
    """The month a period is due in, picked with the browser's month field (YYYY-MM)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", forms.TextInput(attrs={"type": "month", "placeholder": "YYYY-MM"}))
        super().__init__(*args, **kwargs)


def _in_month(queryset, path: str, month):
    start = month
    end = month.replace(year=month.year + 1, month=1) if month.month == 12 else month.replace(month=month.month + 1)
    return queryset.filter(**{f"{path}__gte": start, f"{path}__lt": end})


class MyTasksFilterSet(filters.FilterSet):
    task = filters.VisibleFilter(label="任务", queryset=_open_tasks, empty_label="全部")
    period = DueMonthFilter(label="截止月份", method="filter_period")
    status = django_filters.ChoiceFilter(
        label="本单位报告", choices=OBLIGATION_STATUSES, method="filter_status", empty_label="全部"
    )
    overdue = filters.BooleanFilter(label="是否逾期", method="filter_overdue")

    class Meta:
        model = ReportingPeriod
        fields = ["task", "period", "status", "overdue"]

    def filter_period(self, queryset, name, value):
        return _in_month(queryset, "due_date", value)

    def filter_status(self, queryset, name, value):
        if value == NOT_REPORTED:
            return queryset.filter(report_status__isnull=True)
        return queryset.filter(report_status=value)

    def filter_overdue(self, queryset, name, value):
        today = timezone.localdate()
        return queryset.filter(due_date__lt=today) if value else queryset.filter(due_date__gte=today)


class ReviewQueueFilterSet(filters.FilterSet):
    task = filters.VisibleFilter(label="任务", queryset=_tasks, empty_label="全部")
    department = filters.VisibleFilter(
        label="部门",
        queryset=visible_choices(Department.objects.exclude(kind=DepartmentKind.TOWNSHIP), "name"),
        field_name="department",
        empty_label="全部",
    )
    township = filters.VisibleFilter(
        label="乡镇",
        queryset=visible_choices(Township, "code", "name"),
        field_name="department__township",
        empty_label="全部",
    )
    period = DueMonthFilter(label="截止月份", method="filter_period")
    overdue = filters.BooleanFilter(label="逾期提交", method="filter_overdue")

    class Meta:
        model = ProgressReport
        fields = ["task", "department", "township", "period", "overdue"]

    def filter_period(self, queryset, name, value):
        return _in_month(queryset, "period__due_date", value)

    def filter_overdue(self, queryset, name, value):
        # `on_time` is progress_report_list's: first submitted (local date) by the due date.
        return queryset.filter(on_time=not value)
