from django.contrib import admin

from assessments.models import Inspection, Rectification, ScoreItem, ScoreTemplate
from pilot_admin.admin import AuditedModelAdmin, ReadOnlyAdmin


class ScoreItemInline(admin.TabularInline):
    model = ScoreItem
    extra = 0
    fields = ("order", "section", "code", "title", "max_points")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ScoreTemplate)
class ScoreTemplateAdmin(ReadOnlyAdmin):
    """Templates are edited on their page, where publishing checks the 100-point sum."""

    list_display = ("name", "program", "year", "status", "published_at")
    list_filter = ("program", "year", "status")
    inlines = [ScoreItemInline]


@admin.register(Inspection)
class InspectionAdmin(ReadOnlyAdmin):
    list_display = ("pilot", "year", "status", "total", "grade", "confirmed_at")
    list_filter = ("year", "status", "grade")
    list_select_related = ("pilot__village",)


@admin.register(Rectification)
class RectificationAdmin(AuditedModelAdmin):
    list_display = ("inspection", "item", "responsible_unit", "deadline", "status")
    list_filter = ("status",)
    list_select_related = ("inspection__pilot__village", "item", "responsible_unit")
    # Submitting evidence and verification go through the rectification page.
    readonly_fields = ("inspection", "item", "status", "submitted_at", "verified_at", "verified_by")
