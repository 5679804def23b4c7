"""Shared FilterSet machinery of every app's filters.py."""


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
