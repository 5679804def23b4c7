"""API-side filter plumbing. The FilterSets live in tasks/filters.py, shared with the pages and
the ledger export; nothing here changes what they filter."""

from pilot_admin.filters import schema_typed
from tasks.filters import TaskFilterSet


class TaskAPIFilterSet(TaskFilterSet):
    """TaskFilterSet unchanged, except that the schema learns the types of its method filters,
    which drf-spectacular cannot infer."""

    department = schema_typed(TaskFilterSet, "department", {"type": "integer", "description": "参与任务的县直单位 id"})
    township = schema_typed(TaskFilterSet, "township", {"type": "integer", "description": "任务落实到的乡镇 id"})
