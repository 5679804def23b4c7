"""API-side filter plumbing. The FilterSets themselves live in villages/filters.py, shared with
the pages and the exports; nothing here changes what they filter."""

import copy

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema_field

from villages.filters import VillageFilterSet


def _typed(filterset_class, name, schema):
    # A copy, so the page's FilterSet object is not annotated as a side effect.
    return extend_schema_field(schema)(copy.deepcopy(filterset_class.base_filters[name]))


class VillageAPIFilterSet(VillageFilterSet):
    """VillageFilterSet unchanged, except that the schema learns the types of its method filters
    on fields the Village model lacks, which drf-spectacular cannot infer."""

    program = _typed(VillageFilterSet, "program", {"type": "string", "description": "试点项目代码"})
    year = _typed(VillageFilterSet, "year", {"type": "integer", "description": "试点年度"})


class ViewFilterSetBackend(DjangoFilterBackend):
    """Filters with the FilterSet the view already validated in get_queryset (to narrow its
    selector), so each request's filter is parsed, and its choices looked up, only once."""

    def get_filterset(self, request, queryset, view):
        filterset = getattr(view, "filterset", None)
        if filterset is None:
            return super().get_filterset(request, queryset, view)
        filterset.queryset = queryset
        return filterset
