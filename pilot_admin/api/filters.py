"""django-filter on the API: each view's shared FilterSet (pilot_admin.filters), read as the API
documents it: an empty value is refused rather than taken for "no filter", and every refused
value is a 400 naming its parameter (DjangoFilterBackend raises on an invalid form)."""

from django_filters.rest_framework import DjangoFilterBackend


class FilterBackend(DjangoFilterBackend):
    def get_filterset_kwargs(self, request, queryset, view):
        return {**super().get_filterset_kwargs(request, queryset, view), "empty_is_error": True}
