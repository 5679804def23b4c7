"""The person list's filters. Township and village choices are scoped to the caller, so naming
another township's id is an invalid choice (400), never a way to probe it."""

import datetime

import django_filters
from django import forms
from django.db.models import F, Q
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from guardianship import selectors
from guardianship.choices import GuardianCategory, PersonKind, SelfCareLevel, SupportMode
from guardianship.models import Person
from pilot_admin.filters import visible_choices
from villages.models import Township, Village

NO_GUARDIAN = "missing"  # as on the register page and in the statistics


class MonthField(forms.CharField):
    """YYYY-MM → the first day of that month."""

    default_error_messages = {"invalid": "月份格式应为 YYYY-MM，例如 2024-05。"}

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        try:
            return datetime.datetime.strptime(value, "%Y-%m").date()
        except ValueError as exc:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from exc


@extend_schema_field(OpenApiTypes.STR)
class MonthFilter(django_filters.Filter):
    field_class = MonthField


class PersonFilterSet(django_filters.FilterSet):
    township = django_filters.ModelChoiceFilter(
        label="乡镇", queryset=visible_choices(Township), field_name="village__township", empty_label="全部"
    )
    village = django_filters.ModelChoiceFilter(label="村（居）", queryset=visible_choices(Village), empty_label="全部")
    kind = django_filters.ChoiceFilter(label="人员类别", choices=PersonKind.choices, empty_label="全部")
    support_mode = django_filters.ChoiceFilter(label="供养方式", choices=SupportMode.choices, empty_label="全部")
    self_care_level = django_filters.ChoiceFilter(label="自理能力", choices=SelfCareLevel.choices, empty_label="全部")
    guardian_category = django_filters.ChoiceFilter(
        label="监护类别",
        choices=[*GuardianCategory.choices, (NO_GUARDIAN, "无现任监护人")],
        method="filter_guardian_category",
        empty_label="全部",
    )
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
        fields = ["township", "village", "kind", "support_mode", "self_care_level"]

    def filter_guardian_category(self, queryset, name, value):
        active = Q(guardians__is_active=True)
        if value == NO_GUARDIAN:
            return queryset.exclude(pk__in=Person.objects.filter(active).values("pk"))
        return queryset.filter(pk__in=Person.objects.filter(active, guardians__category=value).values("pk"))

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
