"""The committee FilterSet of the API. Choice querysets are scoped to the requesting user, so
naming another county's township is an invalid choice (400), not a leak."""

import django_filters

from pilot_admin import filters
from pilot_admin.filters import visible_choices
from supervision.choices import CommitteeStatus
from supervision.models import Committee
from villages.models import Township


class CommitteeFilterSet(filters.FilterSet):
    township = filters.VisibleFilter(label="乡镇", queryset=visible_choices(Township), field_name="village__township")
    status = django_filters.ChoiceFilter(label="状态", choices=CommitteeStatus.choices)
    is_pilot = filters.BooleanFilter(label="试点村")

    class Meta:
        model = Committee
        fields = ["township", "status", "is_pilot"]
