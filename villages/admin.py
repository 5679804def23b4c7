from django.contrib import admin

from pilot_admin.admin import AuditedModelAdmin
from villages.models import (
    County,
    Department,
    PilotAssignment,
    PilotProgram,
    ProgramStandard,
    Township,
    Village,
    VillageIndicator,
)


@admin.register(County)
class CountyAdmin(AuditedModelAdmin):
    list_display = ("name", "province", "prefecture", "admin_code")


@admin.register(Township)
class TownshipAdmin(AuditedModelAdmin):
    list_display = ("name", "code", "kind", "county", "is_demonstration")
    list_filter = ("county", "kind")
    search_fields = ("name", "code")


@admin.register(Village)
class VillageAdmin(AuditedModelAdmin):
    list_display = ("name", "code", "township", "households", "population", "is_poverty_village", "is_active")
    list_filter = ("township", "is_poverty_village", "is_active", "kind")
    search_fields = ("name", "code")
    list_select_related = ("township",)
    # The history dates and is_active are written with their dated event on the village page
    # (villages/services_history.py), which keeps them consistent and records the event.
    readonly_fields = ("is_active", "established_on", "ended_on", "community_since")


@admin.register(PilotProgram)
class PilotProgramAdmin(AuditedModelAdmin):
    list_display = ("name", "code", "county", "start_year", "end_year")


@admin.register(ProgramStandard)
class ProgramStandardAdmin(AuditedModelAdmin):
    """The county office keeps its plan's standards here (threshold, target, due year)."""

    list_display = ("code", "title", "program", "metric", "threshold", "target_rate", "due_year", "waivable")
    list_filter = ("program", "goal", "applies_to")
    list_select_related = ("program",)
    ordering = ("program", "order", "code")


@admin.register(PilotAssignment)
class PilotAssignmentAdmin(AuditedModelAdmin):
    list_display = ("village", "program", "year", "level", "status")
    list_filter = ("program", "year", "level", "status")
    list_select_related = ("village", "program")
    # Status changes go through the pilot page so approval and withdrawal follow their rules.
    readonly_fields = ("status", "approved_by", "approved_at", "withdrawn_by", "withdrawn_at", "proposed_by")


@admin.register(VillageIndicator)
class VillageIndicatorAdmin(AuditedModelAdmin):
    list_display = ("village", "year", "status", "reported_by", "reported_at")
    list_filter = ("year", "status")
    list_select_related = ("village", "reported_by")
    readonly_fields = ("status", "reported_by", "reported_at", "confirmed_by", "confirmed_at")


@admin.register(Department)
class DepartmentAdmin(AuditedModelAdmin):
    list_display = ("name", "short_name", "kind", "county", "in_leading_group", "township")
    list_filter = ("kind", "in_leading_group")
    search_fields = ("name", "short_name", "key")
