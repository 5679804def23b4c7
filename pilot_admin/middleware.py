from django.conf import settings
from django.core.exceptions import PermissionDenied

from pilot_admin import audit
from pilot_admin.scoping import view_declares_scope


class RequestContextMiddleware:
    """Makes the caller's address and client known to the audit trail for this request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = audit.bind_request(ip=client_ip(request), user_agent=request.META.get("HTTP_USER_AGENT", "")[:300])
        try:
            return self.get_response(request)
        finally:
            audit.unbind_request(token)


def client_ip(request) -> str | None:
    if getattr(settings, "TRUST_X_FORWARDED_FOR", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return request.META.get("REMOTE_ADDR") or None


class ScopeRequiredMiddleware:
    """Deny by default: a view that declares no scope is refused."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if match is not None and match.namespace == "admin":
            # The admin site admits only the county office (PilotAdminSite.has_permission).
            return None
        if not view_declares_scope(view_func):
            raise PermissionDenied("页面未声明访问范围。")
        return None
