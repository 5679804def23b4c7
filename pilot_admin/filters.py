"""Shared FilterSet machinery of every app's filters.py and api/filters.py."""

import copy

from drf_spectacular.utils import extend_schema_field


def visible_choices(rows, *order_by):
    """The `queryset` of a ModelChoiceFilter: `rows` (a model, or a queryset of one narrowed
    further) that the requesting user may see, in `order_by` order when given. Called per
    request by django-filter, so another township's or county's id is an invalid choice (a 400
    on the API, no rows on a page), never a way round the scope."""

    def choices(request):
        queryset = rows._default_manager.all() if isinstance(rows, type) else rows.all()
        queryset = queryset.visible_to(getattr(request, "user", None))
        return queryset.order_by(*order_by) if order_by else queryset

    return choices


def schema_typed(filterset_class, name: str, schema: dict):
    """The FilterSet's filter `name`, typed for the OpenAPI schema: drf-spectacular cannot infer
    the type of a method filter on a field the model lacks. A copy, so the page's FilterSet
    object is not annotated as a side effect."""
    return extend_schema_field(schema)(copy.deepcopy(filterset_class.base_filters[name]))
