"""API-side filter plumbing. The FilterSets themselves live in villages/filters.py, shared with
the pages and the exports; nothing here changes what they filter."""

from django_filters.rest_framework import DjangoFilterBackend

from pilot_admin.filters import schema_typed
from villages.filters import VillageFilterSet


class VillageAPIFilterSet(VillageFilterSet):
    """VillageFilterSet unchanged, except that the schema learns the types of its method filters
    on fields the Village model lacks, which drf-spectacular cannot infer."""

    program = schema_typed(VillageFilterSet, "program", {"type": "string", "description": "试点项目代码"})
    year = schema_typed(VillageFilterSet, "year", {"type": "integer", "description": "试点年度"})


class ViewFilterSetBackend(DjangoFilterBackend):
    """Filters with the FilterSet the view already validated in get_queryset (to narrow its
    selector), so each request's filter is parsed, and its choices looked up, only once."""

    def get_filterset(self, request, queryset, view):
        filterset = getattr(view, "filterset", None)
        if filterset is None:
            return super().get_filterset(request, queryset, view)
        filterset.queryset = queryset
        return filterset
