"""django-filter on the API: each view's shared FilterSet (pilot_admin.filters), read as the API
documents it: an empty value is refused rather than taken for "no filter", and every refused
value is a 400 naming its parameter (DjangoFilterBackend raises on an invalid form)."""

from django import forms
from django_filters.rest_framework import DjangoFilterBackend


def filters_requested(filterset_class, params) -> bool:
    """Whether the query string names any parameter of the FilterSet. When it names none, the
    FilterSet has nothing to filter and nothing to refuse (it checks its own parameters only),
    so it need not be built: building and validating its form costs more than the list's SQL.
    A filter reading parameters under other names (a range's `_after`/`_before`) is never
    skipped this way."""
    filters = filterset_class.base_filters
    if any(issubclass(filter_.field_class, forms.MultiValueField) for filter_ in filters.values()):
        return True
    return any(name in params for name in filters)


class FilterBackend(DjangoFilterBackend):
    def get_filterset_kwargs(self, request, queryset, view):
        return {**super().get_filterset_kwargs(request, queryset, view), "empty_is_error": True}

    def filter_queryset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is not None and not filters_requested(filterset_class, request.query_params):
            return queryset
        return super().filter_queryset(request, queryset, view)
