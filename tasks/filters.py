"""FilterSets of the tasks app, shared by the pages, the ledger export and the API. Choice
querysets come from visible_to, so naming another county's (or township's) row is an invalid
choice rather than a way round the scope."""

import django_filters
from django.db.models import Exists, OuterRef
from django.utils import timezone

from pilot_admin import filters
from pilot_admin.filters import visible_choices
from tasks.choices import Phase, ReportStatus, TaskStatus
from tasks.models import ProgressReport, ReportingPeriod, Task, TaskAssignment
from villages.choices import DepartmentKind
from villages.models import Department, PilotProgram, Township

PROGRAMS = visible_choices(PilotProgram, "-end_year", "name")
# Departments proper; a township government is chosen through the township filter.
DEPARTMENTS = visible_choices(Department.objects.exclude(kind=DepartmentKind.TOWNSHIP), "name")
TOWNSHIPS = visible_choices(Township, "code", "name")


class LedgerFilterSet(filters.FilterSet):
    """Filters the ledger rows (task × unit) of tasks.selectors.ledger_rows; `overdue` reads
    its `overdue_since` annotation."""

    program = filters.VisibleCodeFilter(
        label="试点项目", queryset=PROGRAMS, field_name="task__program", empty_label="全部"
    )
    department = filters.VisibleFilter(label="部门", queryset=DEPARTMENTS, field_name="department", empty_label="全部")
    township = filters.VisibleFilter(
        label="乡镇", queryset=TOWNSHIPS, field_name="department__township", empty_label="全部"
    )
    phase = django_filters.ChoiceFilter(
        label="阶段", choices=Phase.choices, field_name="task__phase", empty_label="全部"
    )
    status = django_filters.ChoiceFilter(
        label="任务状态", choices=TaskStatus.choices, field_name="task__status", empty_label="全部"
    )
    overdue = filters.BooleanFilter(label="是否逾期", method="filter_overdue")

    class Meta:
        model = TaskAssignment
        fields = ["program", "department", "township", "phase", "status", "overdue"]

    def filter_overdue(self, queryset, name, value):
        return queryset.filter(overdue_since__isnull=not value)


class TaskFilterSet(filters.FilterSet):
    """Filters tasks (tasks.selectors.task_list): a department or township filter keeps the
    tasks that unit is assigned to; `overdue` reads the `is_overdue` annotation."""

    program = filters.VisibleCodeFilter(
        label="试点项目", help_text="试点项目代码", queryset=PROGRAMS, empty_label="全部"
    )
    department = filters.VisibleFilter(
        label="部门",
        help_text="参与任务的县直单位 id",
        queryset=DEPARTMENTS,
        method="filter_department",
        empty_label="全部",
    )
    township = filters.VisibleFilter(
        label="乡镇", help_text="任务落实到的乡镇 id", queryset=TOWNSHIPS, method="filter_township", empty_label="全部"
    )
    phase = django_filters.ChoiceFilter(label="阶段", choices=Phase.choices, empty_label="全部")
    status = django_filters.ChoiceFilter(label="状态", choices=TaskStatus.choices, empty_label="全部")
    overdue = filters.BooleanFilter(label="是否逾期", method="filter_overdue")

    class Meta:
        model = Task
        fields = ["program", "department", "township", "phase", "status", "overdue"]

    def filter_department(self, queryset, name, value):
        return queryset.filter(Exists(TaskAssignment.objects.filter(task=OuterRef("pk"), department=value)))

    def filter_township(self, queryset, name, value):
        return queryset.filter(Exists(TaskAssignment.objects.filter(task=OuterRef("pk"), department__township=value)))

    def filter_overdue(self, queryset, name, value):
        if "is_overdue" in queryset.query.annotations:
            return queryset.filter(is_overdue=value)
        from tasks.selectors import task_overdue_q

        overdue = task_overdue_q(timezone.localdate())
        return queryset.filter(overdue) if value else queryset.exclude(overdue)


class ProgressReportFilterSet(filters.FilterSet):
    task = filters.VisibleFilter(label="任务", queryset=visible_choices(Task))
    # Every reporting unit, township governments included.
    unit = filters.VisibleFilter(label="报送单位", queryset=visible_choices(Department), field_name="department")
    period = filters.VisibleFilter(label="报送期", queryset=visible_choices(ReportingPeriod))
    status = django_filters.ChoiceFilter(label="状态", choices=ReportStatus.choices)

    class Meta:
        model = ProgressReport
        fields = ["task", "unit", "period", "status"]
