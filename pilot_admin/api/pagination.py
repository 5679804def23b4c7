"""Page-number pagination of every API list, with `page` and `page_size` read as strictly as the
filters: canonical integers in range, one value each, never empty; anything else is a 400 naming
the parameter, not a quiet fall-back to the first page or the default size."""

from django.core.paginator import EmptyPage
from django.core.paginator import Paginator as DjangoPaginator
from django.db.models import Count, QuerySet, Window
from django.db.models.query import ModelIterable, ValuesIterable
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination as BasePageNumberPagination

from pilot_admin.filters import INTEGER_MESSAGE
from pilot_admin.lists import KeptRows
from pilot_admin.params import canonical_int, refused_parameters
from pilot_admin.statements import kept_statement

PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


class WindowCountPaginator(DjangoPaginator):
    """Django's paginator, except that a page of a plain model queryset brings its total along
    in a window count (`COUNT(*) OVER ()`) of the same statement: a list answers in one query
    where a separate `SELECT COUNT(*)` made it two. What a window would miscount or cannot carry
    (DISTINCT, a UNION, a sliced queryset, values_list()) goes Django's way."""

    TOTAL = "_page_total"

    def page(self, number):
        queryset = self.object_list
        numbered = isinstance(number, int) and number >= 1
        if isinstance(queryset, KeptRows):
            if self.orphans or not numbered:
                self.object_list = queryset.queryset()
                return self.page(number)
            return self._kept_page(queryset, number)
        if self.orphans or not (numbered and self._window_countable(queryset)):
            return super().page(number)
        bottom = (number - 1) * self.per_page
        rows = list(queryset.annotate(**{self.TOTAL: Window(Count("*"))})[bottom : bottom + self.per_page])
        return self._page_of(rows, number, values=queryset._iterable_class is ValuesIterable)

    def _kept_page(self, kept: KeptRows, number: int):
        """A page of a list page's rows (pilot_admin.lists.KeptRows) through its kept statement."""
        bottom = (number - 1) * self.per_page

        def build():
            queryset = kept.queryset()
            return queryset.annotate(**{self.TOTAL: Window(Count("*"))})[bottom : bottom + self.per_page]

        rows = kept_statement((*kept.key, number, self.per_page), build).rows()
        return self._page_of(rows, number, values=True)

    def _page_of(self, rows: list, number: int, *, values: bool):
        """The page of `rows` (dicts when `values`, else model instances), each carrying the total."""
        if not rows and (number > 1 or not self.allow_empty_first_page):
            # Past the last row: Django's paginator refuses such a page the same way.
            raise EmptyPage("That page contains no results")
        totals = [row.pop(self.TOTAL) for row in rows] if values else [getattr(row, self.TOTAL) for row in rows]
        # count is a cached_property: the total, the number of pages and the links read this.
        self.__dict__["count"] = totals[0] if totals else 0
        return self._get_page(rows, number, self)

    @staticmethod
    def _window_countable(queryset) -> bool:
        if not isinstance(queryset, QuerySet) or queryset._iterable_class not in (ModelIterable, ValuesIterable):
            return False
        query = queryset.query
        return not (query.distinct or query.combinator or query.low_mark or query.high_mark is not None)


class PageNumberPagination(BasePageNumberPagination):
    django_paginator_class = WindowCountPaginator
    page_size = PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    # "last" is not a page number: the schema says integer.
    last_page_strings = ()
    invalid_page_message = "第 {page_number} 页不存在。"
    page_query_description = "页码，从 1 开始；超出末页为 404。"
    page_size_query_description = f"每页条数，1–{MAX_PAGE_SIZE}，默认 {PAGE_SIZE}。"

    def _read(self, request, name: str, default: int, maximum: int | None) -> int:
        refused = refused_parameters(request.query_params, [name], empty_is_error=True)
        if refused:
            raise ValidationError({name: [refused[name]]})
        raw = request.query_params.get(name)
        if raw is None:
            return default
        number = canonical_int(raw)
        if number is None:
            raise ValidationError({name: [INTEGER_MESSAGE]})
        if number < 1 or (maximum is not None and number > maximum):
            bounds = f"1 到 {maximum} 之间" if maximum is not None else "不小于 1"
            raise ValidationError({name: [f"应在 {bounds}。"]})
        return number

    def get_page_size(self, request):
        return self._read(request, self.page_size_query_param, self.page_size, self.max_page_size)

    def get_page_number(self, request, paginator):
        return self._read(request, self.page_query_param, 1, None)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        bounds = {
            self.page_query_param: {"minimum": 1},
            self.page_size_query_param: {"minimum": 1, "maximum": self.max_page_size, "default": self.page_size},
        }
        for parameter in parameters:
            parameter["schema"].update(bounds.get(parameter["name"], {}))
        return parameters
