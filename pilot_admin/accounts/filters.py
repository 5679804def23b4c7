"""The FilterSets of the administrators' list pages."""

import django_filters
from django.db.models import Q

from pilot_admin.accounts import selectors
from pilot_admin.choices import Role
from pilot_admin.models import User

ACTIVE_CHOICES = (("1", "在用"), ("0", "已停用"))


def _townships(request):
    return selectors.county_townships(user=getattr(request, "user", None))


def _departments(request):
    return selectors.county_departments(user=getattr(request, "user", None))


def _filter_text(queryset, value):
    value = value.strip()
    if not value:
        return queryset
    names = Q(username__icontains=value) | Q(last_name__icontains=value) | Q(first_name__icontains=value)
    return queryset.filter(names)


class AccountFilterSet(django_filters.FilterSet):
    """账户管理: by role, unit, state, or a piece of the username or name."""

    q = django_filters.CharFilter(label="用户名或姓名包含", method="filter_text")
    role = django_filters.ChoiceFilter(label="角色", choices=Role.choices, empty_label="全部")
    township = django_filters.ModelChoiceFilter(label="所属乡镇", queryset=_townships, empty_label="全部")
    department = django_filters.ModelChoiceFilter(label="所属部门", queryset=_departments, empty_label="全部")
    active = django_filters.ChoiceFilter(
        label="状态", choices=ACTIVE_CHOICES, method="filter_active", empty_label="全部"
    )

    class Meta:
        model = User
        fields = []

    def filter_text(self, queryset, name, value):
        return _filter_text(queryset, value)

    def filter_active(self, queryset, name, value):
        return queryset.filter(is_active=value == "1")


class TwoFactorAccountFilterSet(django_filters.FilterSet):
    """两步验证重置: find the person whose phone was lost."""

    q = django_filters.CharFilter(label="用户名或姓名包含", method="filter_text")
    role = django_filters.ChoiceFilter(label="角色", choices=Role.choices, empty_label="全部")

    class Meta:
        model = User
        fields = []

    def filter_text(self, queryset, name, value):
        return _filter_text(queryset, value)
