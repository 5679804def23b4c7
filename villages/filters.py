"""FilterSets shared by the list pages, their Excel exports and the API. Choice querysets are
scoped to the requesting user, so naming another township's id is an invalid choice."""

import django_filters
from django.db.models import Exists, OuterRef, Q

from pilot_admin import filters
from pilot_admin.filters import visible_choices
from villages.choices import NominationState, PilotLevel, PilotStatus, ProvincialStatus
from villages.models import PilotAssignment, PilotNomination, PilotProgram, Township, Village


class VillageFilterSet(filters.FilterSet):
    township = filters.VisibleFilter(label="乡镇", queryset=visible_choices(Township), empty_label="全部")
    program = filters.VisibleCodeFilter(
        label="试点项目",
        help_text="试点项目代码",
        queryset=visible_choices(PilotProgram),
        method="filter_noop",
        empty_label="全部",
    )
    year = filters.YearFilter(label="试点年度", method="filter_noop")
    is_pilot = filters.BooleanFilter(label="是否试点村", method="filter_noop")
    search = filters.SearchFilter(label="搜索", method="filter_search")

    class Meta:
        model = Village
        fields = ["township"]

    def filter_noop(self, queryset, name, value):
        # program, year and is_pilot act together in filter_queryset.
        return queryset

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(code__startswith=value))

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        data = self.form.cleaned_data
        program, year, is_pilot = data.get("program"), data.get("year"), data.get("is_pilot")
        if program is None and year is None and is_pilot is None:
            return queryset
        pilots = PilotAssignment.objects.filter(village=OuterRef("pk"), status=PilotStatus.APPROVED)
        if program is not None:
            pilots = pilots.filter(program=program)
        if year is not None:
            pilots = pilots.filter(year=year)
        if is_pilot is False:
            return queryset.filter(~Exists(pilots))
        # A program or year alone means "pilots of that program / year".
        return queryset.filter(Exists(pilots))


class PilotAssignmentFilterSet(filters.FilterSet):
    program = filters.VisibleCodeFilter(
        label="试点项目", help_text="试点项目代码", queryset=visible_choices(PilotProgram)
    )
    year = filters.YearFilter(label="年度")
    township = filters.VisibleFilter(label="乡镇", queryset=visible_choices(Township), field_name="village__township")
    level = django_filters.ChoiceFilter(label="级别", choices=PilotLevel.choices)
    status = django_filters.ChoiceFilter(label="状态", choices=PilotStatus.choices)
    provincial_status = django_filters.ChoiceFilter(label="省级重点支持", choices=ProvincialStatus.choices)

    class Meta:
        model = PilotAssignment
        fields = ["program", "year", "township", "level", "status", "provincial_status"]


class PilotNominationFilterSet(filters.FilterSet):
    program = filters.VisibleCodeFilter(
        label="试点项目", help_text="试点项目代码", queryset=visible_choices(PilotProgram)
    )
    year = filters.YearFilter(label="年度")
    township = filters.VisibleFilter(label="乡镇", queryset=visible_choices(Township), field_name="village__township")
    state = django_filters.ChoiceFilter(label="状态", choices=NominationState.choices)

    class Meta:
        model = PilotNomination
        fields = ["program", "year", "township", "state"]
