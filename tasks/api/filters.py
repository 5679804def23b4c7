"""API-side filter plumbing. The task FilterSet lives in tasks/filters.py, shared with the pages
and the ledger export; nothing here changes what it filters. The report FilterSet is here
because only the API filters reports so far: it moves to tasks/filters.py when a page does."""

import copy

import django_filters
from drf_spectacular.utils import extend_schema_field

from tasks.choices import ReportStatus
from tasks.filters import TaskFilterSet
from tasks.models import Department, ProgressReport, ReportingPeriod, Task


def _typed(filterset_class, name, schema):
    # A copy, so the page's FilterSet object is not annotated as a side effect.
    return extend_schema_field(schema)(copy.deepcopy(filterset_class.base_filters[name]))


class TaskAPIFilterSet(TaskFilterSet):
    """TaskFilterSet unchanged, except that the schema learns the types of its method filters,
    which drf-spectacular cannot infer."""

    department = _typed(TaskFilterSet, "department", {"type": "integer", "description": "参与任务的县直单位 id"})
    township = _typed(TaskFilterSet, "township", {"type": "integer", "description": "任务落实到的乡镇 id"})


def _user(request):
    return getattr(request, "user", None)


# Choices come from visible_to: another county's (or township's) id is an invalid choice, a 400,
# never a way round the scope.
def _visible_tasks(request):
    return Task.objects.visible_to(_user(request))


def _visible_units(request):
    return Department.objects.visible_to(_user(request))


def _visible_periods(request):
    return ReportingPeriod.objects.visible_to(_user(request))


class ProgressReportFilterSet(django_filters.FilterSet):
    task = django_filters.ModelChoiceFilter(label="任务", queryset=_visible_tasks)
    unit = django_filters.ModelChoiceFilter(label="报送单位", queryset=_visible_units, field_name="department")
    period = django_filters.ModelChoiceFilter(label="报送期", queryset=_visible_periods)
    status = django_filters.ChoiceFilter(label="状态", choices=ReportStatus.choices)

    class Meta:
        model = ProgressReport
        fields = ["task", "unit", "period", "status"]
