from django.contrib import admin

from pilot_admin.admin import AuditedModelAdmin, ReadOnlyAdmin
from supervision.models import Committee, SupervisionPolicy


@admin.register(SupervisionPolicy)
class SupervisionPolicyAdmin(AuditedModelAdmin):
    """The county's numbers (members, age limit, candidate margin, quorum, review interval) are
    data the county office keeps here."""

    list_display = ("county", "min_members", "max_members", "max_age", "expense_review_interval")


# Committees change only through the pages, whose services check every rule; the admin lists
# them for the county office.
@admin.register(Committee)
class CommitteeAdmin(ReadOnlyAdmin, AuditedModelAdmin):
    list_display = ("village", "term_start", "term_end", "status", "established_on")
    list_filter = ("status",)
    list_select_related = ("village",)
