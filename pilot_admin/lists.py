"""Shared page machinery: a FilterSet applied to a selector, as every list page and its export do."""


def filtered(filterset_class, request, queryset):
    """The FilterSet and its rows; an invalid filter (another township's id) gives no rows, never
    all of them."""
    filterset = filterset_class(request.GET or None, queryset=queryset, request=request)
    if filterset.is_bound and not filterset.is_valid():
        return filterset, queryset.none()
    return filterset, filterset.qs


class FilteredListMixin:
    """A list page whose rows come from a selector narrowed by the app's shared FilterSet."""

    filterset_class = None
    paginate_by = 50

    def base_queryset(self):
        raise NotImplementedError

    def get_queryset(self):
        self.filterset, queryset = filtered(self.filterset_class, self.request, self.base_queryset())
        return queryset

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filterset"] = self.filterset
        query = self.request.GET.copy()
        query.pop("page", None)
        context["query_string"] = query.urlencode()
        return context
