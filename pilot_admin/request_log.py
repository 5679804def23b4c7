"""The request id and the request log: every request gets an id (nginx's X-Request-ID, or a new
one), echoed in the response's X-Request-ID; every log line written while it is served carries
the id and the signed-in user (RequestContextFilter); and one line per request says who asked
for what, the status and how long it took. LOG_FORMAT picks JSON or text (settings.LOGGING)."""

import contextvars
import logging
import re
import time
import uuid

from django.core.signals import request_finished
from django.dispatch import receiver

logger = logging.getLogger("pilot_admin.request")

# What we accept from the proxy; anything else (too long, odd characters) is replaced.
REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
# The load balancer probes these every few seconds: logged at DEBUG, not filling the log store.
QUIET_PATHS = ("/health/",)

_current = contextvars.ContextVar("pilot_admin_request", default=None)


def request_id_of(request) -> str:
    given = request.headers.get("X-Request-ID", "")
    return given if REQUEST_ID.match(given) else uuid.uuid4().hex


def _user_fields(user) -> dict:
    if user is None or not getattr(user, "is_authenticated", False):
        return {"user_id": None, "username": "-", "role": None}
    return {"user_id": user.pk, "username": user.get_username(), "role": getattr(user, "role", None)}


class RequestLogMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = request_id_of(request)
        # Cleared when the response is closed (request_finished), not here: Django logs a
        # 4xx answer after the middlewares returned, and that line belongs to the request too.
        _current.set(request)
        started = time.monotonic()
        response = self.get_response(request)
        response["X-Request-ID"] = request.request_id
        duration_ms = round((time.monotonic() - started) * 1000, 1)
        from pilot_admin.middleware import client_ip

        quiet = request.path_info.startswith(QUIET_PATHS) and response.status_code < 400
        logger.log(
            logging.DEBUG if quiet else logging.INFO,
            "%s %s %s",
            request.method,
            request.path_info,
            response.status_code,
            extra={
                "request_id": request.request_id,
                **_user_fields(getattr(request, "user", None)),
                "method": request.method,
                "path": request.path_info,
                "status": response.status_code,
                "duration_ms": duration_ms,
                "ip": client_ip(request),
            },
        )
        return response


@receiver(request_finished)
def _request_finished(**kwargs):
    _current.set(None)


class RequestContextFilter(logging.Filter):
    """Adds the current request's id and user to every record (`-` outside a request)."""

    def filter(self, record):
        request = _current.get()
        if not hasattr(record, "request_id"):
            record.request_id = getattr(request, "request_id", "-")
        if not hasattr(record, "username"):
            # Only a user already loaded: a log line must not query the database itself.
            user = getattr(request, "_cached_user", None) if request is not None else None
            for name, value in _user_fields(user).items():
                setattr(record, name, value)
        return True
