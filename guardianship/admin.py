from django.contrib import admin

from guardianship.models import DibaoStandard, GuardianshipPolicy, Person, Visit
from pilot_admin.admin import AuditedModelAdmin, ReadOnlyAdmin


@admin.register(GuardianshipPolicy)
class GuardianshipPolicyAdmin(AuditedModelAdmin):
    """The county's numbers (ages, grades, self-care thresholds, visits per month) are data the
    county office keeps here."""

    list_display = ("county", "elderly_min_age", "minor_age_limit", "visits_per_month", "visit_warning_day")


@admin.register(DibaoStandard)
class DibaoStandardAdmin(AuditedModelAdmin):
    list_display = ("county", "year", "monthly_yuan")
    list_filter = ("county", "year")


# Persons and visits change only through the pages, whose services check ID numbers, villages
# and dates; the admin lists them for the county office, scoped and with their audit history.


@admin.register(Person)
class PersonAdmin(ReadOnlyAdmin, AuditedModelAdmin):
    list_display = ("name", "village", "kind", "civil_capacity", "support_mode", "self_care_level", "status")
    list_filter = ("status", "support_mode", "kind", "civil_capacity", "self_care_level")
    search_fields = ("name",)
    list_select_related = ("village",)


@admin.register(Visit)
class VisitAdmin(ReadOnlyAdmin, AuditedModelAdmin):
    list_display = ("person", "visited_on", "visitor_name")
    list_filter = ("visited_on",)
    list_select_related = ("person",)
