"""API-side filter plumbing. The FilterSets live in tasks/filters.py, shared with the pages and
the ledger export; nothing here changes what they filter."""

import copy

from drf_spectacular.utils import extend_schema_field

from tasks.filters import TaskFilterSet


def _typed(filterset_class, name, schema):
    # A copy, so the page's FilterSet object is not annotated as a side effect.
    return extend_schema_field(schema)(copy.deepcopy(filterset_class.base_filters[name]))


class TaskAPIFilterSet(TaskFilterSet):
    """TaskFilterSet unchanged, except that the schema learns the types of its method filters,
    which drf-spectacular cannot infer."""

    department = _typed(TaskFilterSet, "department", {"type": "integer", "description": "参与任务的县直单位 id"})
    township = _typed(TaskFilterSet, "township", {"type": "integer", "description": "任务落实到的乡镇 id"})
