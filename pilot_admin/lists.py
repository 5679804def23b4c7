"""Shared page machinery: a FilterSet applied to a selector, as every list page and its export do."""

from pilot_admin.printing import PRINT_PARAM, PRINT_ROW_CAP


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
    # The fields a page shows, when it reads its rows as values() (paged with a window count:
    # pilot_admin/api/pagination.py): building fifty model instances cost more than their SQL.
    row_fields: tuple[str, ...] = ()

    def base_queryset(self):
        raise NotImplementedError

    def get_queryset(self):
        self.filterset, queryset = filtered(self.filterset_class, self.request, self.base_queryset())
        return queryset.values(*self.row_fields) if self.row_fields else queryset

    @property
    def print_view(self) -> bool:
        """`?print=1`: every selected row on one page (up to PRINT_ROW_CAP), for the printer."""
        return self.request.GET.get(PRINT_PARAM) == "1"

    def get_paginate_by(self, queryset):
        return PRINT_ROW_CAP if self.print_view else super().get_paginate_by(queryset)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filterset"] = self.filterset
        query = self.request.GET.copy()
        query.pop("page", None)
        context["query_string"] = query.urlencode()
        query.pop(PRINT_PARAM, None)
        # The print view's link ("打印全部") and the way back from it to the paged list.
        context["list_query_string"] = query.urlencode()
        context["print_view"] = self.print_view
        return context
