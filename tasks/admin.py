from django.contrib import admin

from pilot_admin.admin import AuditedModelAdmin, ReadOnlyAdmin
from tasks.models import ProgressReport, Reminder, ReportingPeriod, Task, TaskAssignment


class TaskAssignmentInline(admin.TabularInline):
    model = TaskAssignment
    extra = 0
    autocomplete_fields = ("department",)


@admin.register(Task)
class TaskAdmin(AuditedModelAdmin):
    list_display = ("code", "title", "program", "phase", "deadline", "status")
    list_filter = ("program", "phase", "status")
    search_fields = ("code", "title", "text")
    inlines = [TaskAssignmentInline]
    # Close-out and reopening go through the task page so they keep their note, reason and audit.
    readonly_fields = ("status", "closed_out_at", "closed_out_by", "close_out_note")


@admin.register(ReportingPeriod)
class ReportingPeriodAdmin(ReadOnlyAdmin):
    list_display = ("task", "label", "start", "end", "due_date")
    list_filter = ("task__program",)
    list_select_related = ("task",)


@admin.register(ProgressReport)
class ProgressReportAdmin(ReadOnlyAdmin):
    list_display = ("task", "period", "department", "status", "percent_complete", "first_submitted_at")
    list_filter = ("status", "department")
    list_select_related = ("task", "period", "department")


@admin.register(Reminder)
class ReminderAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "kind", "assignment", "period", "due_date", "notified_at")
    list_filter = ("kind", "scan_date")
    list_select_related = ("assignment__department", "assignment__task", "period")
