"""The register's FilterSet, shared by the page, its Excel export and the API's person list. It
filters the rows of selectors.person_register (the API's person_list is that register, ordered),
whose annotations (visited_in_month, guardian_category, has_agreement) it narrows on; choice
querysets are scoped, so another township's id is an invalid choice."""

import django_filters
from django import forms
from django.db.models import F

from guardianship import selectors
from guardianship.choices import CivilCapacity, GuardianCategory, PersonKind, PersonStatus, SelfCareLevel, SupportMode
from guardianship.models import Person
from pilot_admin import filters
from pilot_admin.filters import visible_choices
from villages.models import Township, Village

NO_GUARDIAN = "missing"
# No active guardian although limited or no civil capacity requires one: the statistics' and the
# dashboard's guardian_category.missing.
GUARDIAN_NEEDED = "needed"


class MonthFilter(filters.MonthFilter):
    """A month named in the query string. Hidden on the register page, whose month is chosen by
    its own `month` parameter, and kept there when the filters are resubmitted."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", forms.HiddenInput)
        super().__init__(*args, **kwargs)


class NamedChoiceIterator(filters.FetchedChoiceIterator):
    """The options as (id, name) pairs read by values_list: what the select writes of a row whose
    __str__ is its name, without a model instance per option."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        yield from self.queryset.values_list("pk", "name")


class NamedChoiceField(filters.VisibleChoiceField):
    iterator = NamedChoiceIterator


class VillageFilter(filters.VisibleFilter):
    """A county's three hundred villages listed as the filter bar's options: building a Village
    for each cost more than reading and writing its id and name."""

    field_class = NamedChoiceField


class PersonFilterSet(filters.FilterSet):
    township = filters.VisibleFilter(
        label="乡镇", queryset=visible_choices(Township), field_name="village__township", empty_label="全部"
    )
    # The options read the village's id and name only, with no township joined on.
    village = VillageFilter(
        label="村", queryset=visible_choices(Village.objects.only("pk", "name")), empty_label="全部"
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
    # In the register's month: the page's `month` parameter, the current month on the API.
    visited = filters.BooleanFilter(label="本月已走访", method="filter_visited")
    agreement = filters.BooleanFilter(label="监护人已签协议", method="filter_agreement")
    status = django_filters.ChoiceFilter(label="状态", choices=PersonStatus.choices, empty_label="全部")
    search = filters.SearchFilter(label="姓名", field_name="name", lookup_expr="icontains")
    visited_in = MonthFilter(
        label="当月已走访（YYYY-MM）",
        method="filter_visited_in",
        help_text="该月走访次数达到每月最少走访次数的人员",
    )
    not_visited_in = MonthFilter(
        label="当月未走访（YYYY-MM）",
        method="filter_not_visited_in",
        help_text="该月应走访（分散供养、在册）但走访次数不足的人员",
    )

    class Meta:
        model = Person
        fields = ["township", "village", "kind", "civil_capacity", "support_mode", "self_care_level", "status"]

    def filter_guardian_category(self, queryset, name, value):
        if value == NO_GUARDIAN:
            return queryset.filter(guardian_category__isnull=True)
        if value == GUARDIAN_NEEDED:
            return queryset.filter(guardian_category__isnull=True, civil_capacity__in=selectors.NEEDS_GUARDIAN)
        return queryset.filter(guardian_category=value)

    def filter_visited(self, queryset, name, value):
        return queryset.filter(visited_in_month=value)

    def filter_agreement(self, queryset, name, value):
        """Persons whose active guardian has (or has not) signed: no guardian, no answer."""
        return queryset.filter(guardian_category__isnull=False, has_agreement=value)

    def _month_visits(self, queryset, month):
        # An alias of its own, so the register's visited_in_month (for its own month) stays as is.
        return queryset.alias(
            filter_month_visits=selectors.visits_in(month), filter_required=selectors.required_visits()
        )

    def filter_visited_in(self, queryset, name, value):
        return self._month_visits(queryset, value).filter(filter_month_visits__gte=F("filter_required"))

    def filter_not_visited_in(self, queryset, name, value):
        return (
            self._month_visits(queryset, value)
            .filter(selectors.due_visits_q(value))
            .filter(filter_month_visits__lt=F("filter_required"))
        )
