"""Shared page machinery: a FilterSet applied to a selector, as every list page and its export do."""

from collections.abc import Callable

from django.db.models import QuerySet
from django.utils import timezone

from pilot_admin import stats_cache
from pilot_admin.printing import PRINT_PARAM, PRINT_ROW_CAP


def filtered(filterset_class, request, queryset):
    """The FilterSet and its rows; an invalid filter (another township's id) gives no rows, never
    all of them."""
    filterset = filterset_class(request.GET or None, queryset=queryset, request=request)
    if filterset.is_bound and not filterset.is_valid():
        return filterset, queryset.none()
    return filterset, filterset.qs


class KeptRows:
    """A list page's rows before they are read: what WindowCountPaginator pages through its kept
    statement (`key`, plus the page), building the queryset (`build()`) only the first time, or
    when a page must be counted Django's way (the last page by name)."""

    def __init__(self, key: tuple, build: Callable[[], QuerySet]):
        self.key, self.build = key, build
        self._queryset = None

    def queryset(self) -> QuerySet:
        if self._queryset is None:
            self._queryset = self.build()
        return self._queryset

    def count(self) -> int:
        return self.queryset().count()


def statement_key(view) -> tuple:
    """What a list page's statement depends on (KeptRows' key): the page, the user and their scope
    (stats_cache.scope_key: everything visible_to reads), `view.today` and the query string but
    its page."""
    request, user = view.request, view.request.user
    query = tuple(sorted((name, tuple(values)) for name, values in request.GET.lists() if name != "page"))
    kwargs = tuple(sorted(view.kwargs.items()))
    return (type(view), kwargs, user.pk, user.is_active, stats_cache.scope_key(user), view.today, query)


def kept_page_rows(view, filterset_class, base: Callable[[], QuerySet], rows: Callable[[QuerySet], QuerySet]):
    """A list page's FilterSet, read (and its refusals shown) as always, and its rows as KeptRows:
    `rows(filterset.qs)` over `base()`, a values() queryset built only for a statement not compiled
    yet. `base` may depend only on the user's scope and `view.today` (statement_key); an invalid
    filter gives no rows."""
    filterset = filterset_class(view.request.GET or None, request=view.request)
    if filterset.is_bound and not filterset.is_valid():
        return filterset, rows(base().none())

    def build() -> QuerySet:
        filterset.queryset = base()
        return rows(filterset.qs)

    return filterset, KeptRows(statement_key(view), build)


class FilteredListMixin:
    """A list page whose rows come from a selector narrowed by the app's shared FilterSet."""

    filterset_class = None
    paginate_by = 50
    # The fields a page shows, when it reads its rows as values() (paged with a window count:
    # pilot_admin/api/pagination.py): building fifty model instances cost more than their SQL.
    row_fields: tuple[str, ...] = ()
    # A page with row_fields and WindowCountPaginator whose base_queryset depends only on the
    # user's scope and `self.today`: its statement is compiled once per user, scope, day, query
    # string and page (KeptRows; tests/pilot_admin/test_kept_statements.py compares it with a
    # fresh compile).
    keep_statement = False

    def base_queryset(self):
        raise NotImplementedError

    def get_queryset(self):
        self.today = timezone.localdate()
        if not (self.keep_statement and self.row_fields and self.filterset_class._meta.model is not None):
            self.filterset, queryset = filtered(self.filterset_class, self.request, self.base_queryset())
            return queryset.values(*self.row_fields) if self.row_fields else queryset
        self.filterset, rows = kept_page_rows(
            self, self.filterset_class, self.base_queryset, lambda queryset: queryset.values(*self.row_fields)
        )
        return rows

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
