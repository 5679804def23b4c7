"""API-side filter plumbing. The FilterSets themselves live in villages/filters.py, shared with
the pages and the exports; nothing here changes what they filter."""

from pilot_admin.api.filters import FilterBackend


class ViewFilterSetBackend(FilterBackend):
    """Filters with the FilterSet the view already validated in get_queryset (to narrow its
    selector), so each request's filter is parsed, and its choices looked up, only once."""

    def get_filterset(self, request, queryset, view):
        filterset = getattr(view, "filterset", None)
        if filterset is None:
            return super().get_filterset(request, queryset, view)
        filterset.queryset = queryset
        return filterset
