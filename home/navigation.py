from django.contrib import admin
from django.utils.functional import SimpleLazyObject

from guardianship import permissions as guardianship_permissions
from pilot_admin import excel
from pilot_admin.accounts import permissions as duty_permissions
from pilot_admin.notifications import services as notifications
from tasks import permissions as task_permissions
from tasks import selectors as task_selectors
from villages import permissions as village_permissions
from villages import selectors_nominations


def navigation(request):
    """Context processor: which menu entries the signed-in user's role may open. An
    administrator duty (system, security, audit) sees its own pages and no business ones."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        # One COUNT on a partial index; lazy, so a page that does not show the header skips it.
        "inbox_unread": SimpleLazyObject(lambda: notifications.unread_count(user=user)),
        # The county office's 申报审核 badge: one COUNT, only on pages that show the menu.
        "nominations_pending": SimpleLazyObject(lambda: selectors_nominations.pending_nomination_count(user=user)),
        # 补报申请 waiting for the county office: one COUNT on a partial index, county office only.
        "unlock_requests_pending": SimpleLazyObject(
            lambda: task_selectors.pending_unlock_request_count(user=user) if user.is_county_admin else 0
        ),
        "nav": {
            "business": not user.is_duty_admin,
            "can_manage_pilots": village_permissions.can_manage_pilots(user),
            "can_nominate": village_permissions.can_nominate(user),
            "can_review_nominations": village_permissions.can_review_nominations(user),
            "can_manage_villages": village_permissions.can_manage_villages(user),
            "can_submit_indicators": village_permissions.can_submit_indicators(user),
            "is_county_admin": user.is_county_admin,
            "can_report": task_permissions.can_report(user),
            "can_review_reports": task_permissions.can_review_reports(user),
            "can_manage_tasks": task_permissions.can_manage_tasks(user),
            "can_import": excel.can_import_any(user),
            "can_view_guardianship": guardianship_permissions.can_view_guardianship(user),
            "can_manage_accounts": duty_permissions.can_manage_accounts(user),
            "can_manage_login_security": duty_permissions.can_manage_login_security(user),
            "can_read_audit_log": duty_permissions.can_read_audit_log(user),
            "can_use_admin_site": admin.site.has_permission(request),
        },
    }
