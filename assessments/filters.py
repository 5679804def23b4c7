"""The inspection FilterSet, shared by the API list and any page listing inspections. Choice
querysets are scoped to the requesting user, so naming another county's program or another
township is an invalid choice, not a leak."""

import django_filters

from assessments.choices import Grade, InspectionStatus
from assessments.models import Inspection
from pilot_admin import filters
from pilot_admin.filters import visible_choices
from villages.models import PilotProgram, Township


class InspectionFilterSet(filters.FilterSet):
    program = filters.VisibleCodeFilter(
        label="试点项目", help_text="试点项目代码", queryset=visible_choices(PilotProgram), field_name="pilot__program"
    )
    year = filters.YearFilter(label="年度")
    township = filters.VisibleFilter(
        label="乡镇", queryset=visible_choices(Township), field_name="pilot__village__township"
    )
    grade = django_filters.ChoiceFilter(label="等次", choices=Grade.choices)
    status = django_filters.ChoiceFilter(label="状态", choices=InspectionStatus.choices)

    class Meta:
        model = Inspection
        fields = ["program", "year", "township", "grade", "status"]
