from django.utils.functional import SimpleLazyObject

from guardianship import permissions as guardianship_permissions
from pilot_admin import excel
from pilot_admin.audit import views as audit_views
from pilot_admin.notifications import services as notifications
from tasks import permissions as task_permissions
from villages import permissions as village_permissions


def navigation(request):
    """Context processor: which menu entries the signed-in user's role may open."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        # One COUNT on a partial index; lazy, so a page that does not show the header skips it.
        "inbox_unread": SimpleLazyObject(lambda: notifications.unread_count(user=user)),
        "nav": {
            "can_manage_pilots": village_permissions.can_manage_pilots(user),
            "can_manage_villages": village_permissions.can_manage_villages(user),
            "can_submit_indicators": village_permissions.can_submit_indicators(user),
            "is_county_admin": user.is_county_admin,
            "can_view_audit_log": audit_views.can_view_audit_log(user),
            "can_report": task_permissions.can_report(user),
            "can_review_reports": task_permissions.can_review_reports(user),
            "can_manage_tasks": task_permissions.can_manage_tasks(user),
            "can_import": excel.can_import_any(user),
            "can_view_guardianship": guardianship_permissions.can_view_guardianship(user),
        },
    }
