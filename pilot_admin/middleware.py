import time

from django.conf import settings
from django.contrib.auth import logout
from django.core.exceptions import PermissionDenied
from django.utils.cache import add_never_cache_headers
from django.utils.functional import LazyObject, empty

from pilot_admin.audit import access
from pilot_admin.audit import services as audit
from pilot_admin.scoping import view_declares_scope


class RequestContextMiddleware:
    """Makes the caller's address and client known to the audit trail for this request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = audit.bind_request(
            ip=client_ip(request), user_agent=request.META.get("HTTP_USER_AGENT", "")[:300], request=request
        )
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


IDLE_SESSION_KEY = "last_activity"
# The last-activity stamp is rewritten at most this often, so not every request saves the session.
IDLE_STAMP_GRANULARITY = 60


class IdleTimeoutMiddleware:
    """Signs a session out after SESSION_IDLE_TIMEOUT seconds without a request (a shared office
    computer left signed in); SESSION_COOKIE_AGE still bounds a busy session."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(time.time())
            last = request.session.get(IDLE_SESSION_KEY)
            if last is not None and now - last > settings.SESSION_IDLE_TIMEOUT:
                request.logout_reason = "idle"
                logout(request)
                # Read by the login page to say why the user is there.
                request.session["signed_out_idle"] = True
            elif last is None or now - last >= IDLE_STAMP_GRANULARITY:
                request.session[IDLE_SESSION_KEY] = now
        return self.get_response(request)


class ResolvedUserMiddleware:
    """From here on request.user is the user itself. AuthenticationMiddleware and django-otp each
    wrap it in a lazy object, resolved by now (IdleTimeoutMiddleware asked whether the user is
    signed in); every later read of it (the permission checks, the menu, the scoping rules: some
    six hundred on a list page) went through both wrappers' proxies."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        while isinstance(user, LazyObject) and user._wrapped is not empty:
            user = user._wrapped
        if user is not None and not isinstance(user, LazyObject):
            request.user = user
        return self.get_response(request)


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


class NoStoreMiddleware:
    """No browser or proxy keeps a copy of what a signed-in user was shown, or of any API answer:
    pages, exports and API records carry ID numbers, health and disability of the persons in care,
    and a county office's computers and proxies are shared. Everything behind the login gets
    `Cache-Control: no-store`, so no page that shows personal data can be forgotten; static files
    (served by WhiteNoise before this middleware) stay cacheable."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if (user is not None and user.is_authenticated) or request.path_info.startswith("/api/"):
            add_never_cache_headers(response)
        return response


class AccessLogMiddleware:
    """One audit entry for each read of declared personal data, each refusal and each failed
    write (pilot_admin.audit.access): written after the view has answered, so it records what
    was actually shown."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        view = getattr(request, "_access_log_view", None)
        if view is not None:
            access.record(request, response, *view)
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        # The health probes show no personal data and must answer 503, not fail, with the
        # database down (recording looks up a content type).
        if not getattr(view_func, "access_log_exempt", False):
            request._access_log_view = (view_func, view_kwargs)
