from django.contrib import admin

from pilot_admin.admin import AuditedModelAdmin
from tasks.models import Department


@admin.register(Department)
class DepartmentAdmin(AuditedModelAdmin):
    list_display = ("name", "short_name", "kind", "county", "in_leading_group")
    list_filter = ("kind", "in_leading_group")
