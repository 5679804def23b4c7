"""FilterSets shared by the list pages, their Excel exports and the API. Choice querysets are
scoped to the requesting user, so naming another township's id is an invalid choice."""

import django_filters
from django.db.models import Exists, OuterRef, Q

from pilot_admin import filters
from pilot_admin.filters import visible_choices
from villages.choices import (
    COUNTED_PILOT_STATUSES,
    NominationState,
    PilotLevel,
    PilotStatus,
    ProvincialStatus,
    VillageKind,
    VillageStatus,
)
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
    kind = django_filters.ChoiceFilter(label="类型", choices=VillageKind.choices, empty_label="全部")
    status = django_filters.ChoiceFilter(
        label="现状",
        choices=VillageStatus.choices,
        method="filter_status",
        empty_label="全部",
        help_text="active：现存；merged：已撤并（有撤并日期）",
    )

    class Meta:
        model = Village
        fields = ["township", "kind"]

    def filter_status(self, queryset, name, value):
        # Derived from the dates, like Village.status: merged villages have an end date.
        if value == VillageStatus.MERGED:
            return queryset.filter(ended_on__isnull=False)
        if value == VillageStatus.ACTIVE:
            return queryset.filter(ended_on__isnull=True)
        return queryset

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
        pilots = PilotAssignment.objects.filter(village=OuterRef("pk"), status__in=COUNTED_PILOT_STATUSES)
        if program is not None:
            pilots = pilots.filter(program=program)
        if year is not None:
            pilots = pilots.filter(year=year)
        if is_pilot is False:
            return queryset.filter(~Exists(pilots))
        # A program or year alone means "pilots of that program / year".
        return queryset.filter(Exists(pilots))


# The pilot ledger's two halves (R-A8 "建立台账、销号管理"): the open ledger of approved pilots
# not yet accepted, and the closed-out ones; "counted" is both, as the quota figures count them.
LEDGER_CHOICES = [("open", "在册未验收"), ("accepted", "已验收（销号）"), ("counted", "计入名额")]
LEDGER_STATUSES = {
    "open": (PilotStatus.APPROVED,),
    "accepted": (PilotStatus.ACCEPTED,),
    "counted": COUNTED_PILOT_STATUSES,
}


class PilotAssignmentFilterSet(filters.FilterSet):
    program = filters.VisibleCodeFilter(
        label="试点项目", help_text="试点项目代码", queryset=visible_choices(PilotProgram), empty_label="全部"
    )
    year = filters.YearFilter(label="年度")
    township = filters.VisibleFilter(
        label="乡镇", queryset=visible_choices(Township), field_name="village__township", empty_label="全部"
    )
    level = django_filters.ChoiceFilter(label="级别", choices=PilotLevel.choices, empty_label="全部")
    status = django_filters.ChoiceFilter(label="状态", choices=PilotStatus.choices, empty_label="全部")
    ledger = django_filters.ChoiceFilter(
        label="台账",
        empty_label="全部",
        choices=LEDGER_CHOICES,
        method="filter_ledger",
        help_text="open：在册未验收（已审批）；accepted：已验收（销号）；counted：计入名额（已审批和已验收）",
    )
    is_demonstration = filters.BooleanFilter(label="试点示范村")
    provincial_status = django_filters.ChoiceFilter(
        label="省级重点支持", choices=ProvincialStatus.choices, empty_label="全部"
    )

    class Meta:
        model = PilotAssignment
        fields = ["program", "year", "township", "level", "status", "ledger", "is_demonstration", "provincial_status"]

    def filter_ledger(self, queryset, name, value):
        return queryset.filter(status__in=LEDGER_STATUSES[value]) if value else queryset


class PilotNominationFilterSet(filters.FilterSet):
    program = filters.VisibleCodeFilter(
        label="试点项目", help_text="试点项目代码", queryset=visible_choices(PilotProgram), empty_label="全部"
    )
    year = filters.YearFilter(label="年度")
    township = filters.VisibleFilter(
        label="乡镇", queryset=visible_choices(Township), field_name="village__township", empty_label="全部"
    )
    state = django_filters.ChoiceFilter(label="状态", choices=NominationState.choices, empty_label="全部")

    class Meta:
        model = PilotNomination
        fields = ["program", "year", "township", "state"]
