from django import forms
from django.contrib import admin

from pilot_admin.admin import AuditedModelAdmin, ReadOnlyAdmin
from villages.choices import RemitModule
from villages.models import (
    County,
    Department,
    IndicatorYear,
    PilotAssignment,
    PilotNomination,
    PilotProgram,
    ProgramStandard,
    Township,
    Village,
    VillageEvent,
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


class DepartmentAdminForm(forms.ModelForm):
    # The remit is stored as a list of module keys; the county office ticks modules by name.
    remit = forms.MultipleChoiceField(
        label="职责范围",
        choices=RemitModule.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=Department._meta.get_field("remit").help_text,
    )

    class Meta:
        model = Department
        fields = ("county", "key", "name", "short_name", "kind", "in_leading_group", "township", "remit")


@admin.register(Department)
class DepartmentAdmin(AuditedModelAdmin):
    form = DepartmentAdminForm
    list_display = ("name", "short_name", "kind", "county", "in_leading_group", "township", "remit_text")
    list_filter = ("kind", "in_leading_group")

    @admin.display(description="职责范围")
    def remit_text(self, department):
        labels = dict(RemitModule.choices)
        return "、".join(labels.get(module, module) for module in department.remit) or "—"

    search_fields = ("name", "short_name", "key")


# Issue 13's records change only through their services (dated events keep the village's dates
# consistent; years are opened and closed, nominations decided, on their pages): the admin lists
# and shows them, scoped like the pages.


@admin.register(VillageEvent)
class VillageEventAdmin(ReadOnlyAdmin, AuditedModelAdmin):
    list_display = ("date", "village", "kind", "related_village", "old_name", "recorded_by")
    list_filter = ("kind",)
    search_fields = ("village__name", "old_name")
    list_select_related = ("village", "related_village", "recorded_by")
    date_hierarchy = "date"

    def get_queryset(self, request):
        # No scope of its own: an event is seen by whoever sees its village.
        visible = Village.objects.visible_to(request.user)
        return super().get_queryset(request).filter(village__in=visible)


@admin.register(IndicatorYear)
class IndicatorYearAdmin(ReadOnlyAdmin, AuditedModelAdmin):
    list_display = ("year", "county", "opened_by", "opened_at", "closed_by", "closed_at")
    list_filter = ("county",)
    list_select_related = ("county", "opened_by", "closed_by")

    def get_queryset(self, request):
        return super().get_queryset(request).filter(county__in=County.objects.visible_to(request.user))


@admin.register(PilotNomination)
class PilotNominationAdmin(ReadOnlyAdmin, AuditedModelAdmin):
    list_display = ("village", "program", "year", "state", "applies_provincial_support", "nominated_at")
    list_filter = ("program", "year", "state")
    search_fields = ("village__name",)
    list_select_related = ("village", "program")
