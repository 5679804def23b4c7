"""The register's FilterSet, shared by the page and its Excel export. It filters the rows of
selectors.person_register, whose annotations (visited_in_month, guardian_category) it narrows
on; choice querysets are scoped, so another township's id is an invalid choice."""

import django_filters

from guardianship.choices import CivilCapacity, GuardianCategory, PersonKind, PersonStatus, SelfCareLevel, SupportMode
from guardianship.models import Person
from guardianship.selectors import NEEDS_GUARDIAN
from pilot_admin.filters import visible_choices
from villages.filters import YesNoAllWidget
from villages.models import Township, Village

NO_GUARDIAN = "missing"
# No active guardian although limited or no civil capacity requires one: the statistics' and the
# dashboard's guardian_category.missing.
GUARDIAN_NEEDED = "needed"


class PersonFilterSet(django_filters.FilterSet):
    township = django_filters.ModelChoiceFilter(
        label="乡镇", queryset=visible_choices(Township), field_name="village__township", empty_label="全部"
    )
    village = django_filters.ModelChoiceFilter(
        label="村", queryset=visible_choices(Village.objects.select_related("township")), empty_label="全部"
    )
    kind = django_filters.ChoiceFilter(label="人员类别", choices=PersonKind.choices, empty_label="全部")
    civil_capacity = django_filters.ChoiceFilter(
        label="民事行为能力", choices=CivilCapacity.choices, empty_label="全部"
    )
    support_mode = django_filters.ChoiceFilter(label="供养方式", choices=SupportMode.choices, empty_label="全部")
    self_care_level = django_filters.ChoiceFilter(label="自理能力", choices=SelfCareLevel.choices, empty_label="全部")
    guardian_category = django_filters.ChoiceFilter(
        label="监护类别",
        choices=[
            *GuardianCategory.choices,
            (NO_GUARDIAN, "无现任监护人"),
            (GUARDIAN_NEEDED, "应设而未设监护人"),
        ],
        method="filter_guardian_category",
        empty_label="全部",
    )
    visited = django_filters.BooleanFilter(label="本月已走访", method="filter_visited", widget=YesNoAllWidget())
    agreement = django_filters.BooleanFilter(label="监护人已签协议", method="filter_agreement", widget=YesNoAllWidget())
    status = django_filters.ChoiceFilter(label="状态", choices=PersonStatus.choices, empty_label="全部")
    search = django_filters.CharFilter(label="姓名", field_name="name", lookup_expr="icontains")

    class Meta:
        model = Person
        fields = ["township", "village", "kind", "civil_capacity", "support_mode", "self_care_level", "status"]

    def filter_guardian_category(self, queryset, name, value):
        if value == NO_GUARDIAN:
            return queryset.filter(guardian_category__isnull=True)
        if value == GUARDIAN_NEEDED:
            return queryset.filter(guardian_category__isnull=True, civil_capacity__in=NEEDS_GUARDIAN)
        return queryset.filter(guardian_category=value)

    def filter_visited(self, queryset, name, value):
        return queryset.filter(visited_in_month=value)

    def filter_agreement(self, queryset, name, value):
        """Persons whose active guardian has (or has not) signed: no guardian, no answer."""
        return queryset.filter(guardian_category__isnull=False, has_agreement=value)
