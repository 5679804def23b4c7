"""Every login, logout and failed login goes into the audit trail."""

import time

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from pilot_admin.audit import services as audit
from pilot_admin.choices import AuditAction
from pilot_admin.middleware import IDLE_SESSION_KEY


def _http_request(request):
    # DRF wraps the HttpRequest; the address lives on the inner one.
    return getattr(request, "_request", request)


@receiver(user_logged_in, dispatch_uid="audit_user_logged_in")
def _logged_in(sender, request, user, **kwargs):
    audit.record_auth_event(action=AuditAction.LOGIN, user=user, request=_http_request(request))
    session = getattr(request, "session", None)
    if session is not None:
        # The idle clock starts at sign-in, so the first page does not have to save the session.
        session[IDLE_SESSION_KEY] = int(time.time())


@receiver(user_logged_out, dispatch_uid="audit_user_logged_out")
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        idle = getattr(request, "logout_reason", "") == "idle"
        audit.record_auth_event(
            action=AuditAction.LOGOUT,
            user=user,
            request=_http_request(request),
            note="长时间未操作，自动退出" if idle else "",
        )


@receiver(user_login_failed, dispatch_uid="audit_user_login_failed")
def _login_failed(sender, credentials, request=None, **kwargs):
    username = str(credentials.get(get_user_model().USERNAME_FIELD) or credentials.get("username") or "")
    request = _http_request(request) if request is not None else None
    locked = bool(getattr(request, "axes_locked_out", False))
    audit.record_auth_event(
        action=AuditAction.LOGIN_FAILED,
        username=username,
        request=request,
        note="登录尝试过多，已锁定" if locked else "",
    )
