"""The inspection FilterSet, shared by the API list and any page listing inspections. Choice
querysets are scoped to the requesting user, so naming another county's program or another
township is an invalid choice, not a leak."""

import django_filters

from assessments.choices import Grade, InspectionStatus
from assessments.models import Inspection
from pilot_admin.filters import visible_choices
from villages.models import PilotProgram, Township


class InspectionFilterSet(django_filters.FilterSet):
    program = django_filters.ModelChoiceFilter(
        label="试点项目", queryset=visible_choices(PilotProgram), to_field_name="code", field_name="pilot__program"
    )
    year = django_filters.NumberFilter(label="年度")
    township = django_filters.ModelChoiceFilter(
        label="乡镇", queryset=visible_choices(Township), field_name="pilot__village__township"
    )
    grade = django_filters.ChoiceFilter(label="等次", choices=Grade.choices)
    status = django_filters.ChoiceFilter(label="状态", choices=InspectionStatus.choices)

    class Meta:
        model = Inspection
        fields = ["program", "year", "township", "grade", "status"]
