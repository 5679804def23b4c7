"""Access logging: who read which personal data, who was refused, and which writes failed.

Writes, logins and exports are recorded where they happen (services, signals, the Excel
pipeline). Reads are recorded here, once per request and never per row: a view that shows
personal data declares it (`personal_data = PersonalData(...)` on the class), and
AccessLogMiddleware writes one entry after the response — which record or which list page with
which filters, and how many rows matched. Refusals (403/404 from a view, API 401/403/404) and
failed writes (a 4xx answer to a POST/PUT/PATCH/DELETE, or a form sent back with errors) are
recorded for every view, so probing another township's ids leaves a trace.
"""

from dataclasses import dataclass

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType

from pilot_admin.choices import AuditAction
from pilot_admin.models import AuditEntry

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
REFUSED = {401: "未登录或凭据无效", 403: "无权访问", 404: "不存在或不在查看范围内"}
# The actions this module writes: what a record of changes leaves out when it counts writes.
ACCESS_ACTIONS = (AuditAction.READ, AuditAction.DENIED, AuditAction.WRITE_FAILED)


@dataclass(frozen=True)
class PersonalData:
    """What a view shows: a label for the log (特困人员档案) and the model of its rows, as
    "app_label.Model" (a string: the core does not import the apps that declare it)."""

    what: str
    model: str


def declared(view_func) -> PersonalData | None:
    view_class = getattr(view_func, "view_class", None) or getattr(view_func, "cls", None)
    return getattr(view_class, "personal_data", None)


def _view_model(view_func):
    """The model a view lists or shows, when its class names one (DRF viewsets by queryset)."""
    view_class = getattr(view_func, "view_class", None) or getattr(view_func, "cls", None)
    queryset = getattr(view_class, "queryset", None)
    return getattr(view_class, "model", None) or getattr(queryset, "model", None)


def _caller(request, response):
    """The user as the view saw it: DRF authenticates tokens inside the view, so for API calls
    the user is on the DRF request the response was rendered for."""
    drf_request = (getattr(response, "renderer_context", None) or {}).get("request")
    user = getattr(drf_request, "user", None) or getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


def _rows(response) -> int | None:
    data = getattr(response, "data", None)
    if isinstance(data, dict) and isinstance(data.get("count"), int):
        return data["count"]
    context = getattr(response, "context_data", None) or {}
    paginator = context.get("paginator")
    if paginator is not None:
        return paginator.count
    return None


def _shown_object(response, view_kwargs):
    context = getattr(response, "context_data", None) or {}
    shown = context.get("object")
    if shown is not None:
        return str(shown.pk), str(shown)
    data = getattr(response, "data", None)
    if isinstance(data, dict) and "id" in data:
        return str(data["id"]), str(data.get("name") or data["id"])
    pk = view_kwargs.get("pk")
    return (str(pk), "") if pk is not None else ("", "")


def _form_errors(response) -> str:
    context = getattr(response, "context_data", None) or {}
    form = context.get("form")
    if form is None or not getattr(form, "is_bound", False) or not form.errors:
        return ""
    parts = []
    for name, errors in form.errors.items():
        field = form.fields.get(name)
        label = f"{field.label}：" if field is not None and field.label else ""
        parts.append(label + " ".join(str(message) for message in errors))
    return "；".join(parts)


def _entry(*, request, user, action, content_type, object_id, object_repr, note, changes=None) -> AuditEntry:
    from pilot_admin.middleware import client_ip

    return AuditEntry.objects.create(
        actor=user,
        actor_name=(str(user) if user is not None else "未登录")[:150],
        action=action,
        content_type=content_type,
        object_id=object_id[:64],
        object_repr=object_repr[:200],
        changes=changes or {},
        note=note[:500],
        ip_address=client_ip(request),
        user_agent=request.META.get("HTTP_USER_AGENT", "")[:300],
    )


def record(request, response, view_func, view_kwargs) -> AuditEntry | None:
    """The one entry this request leaves, if any (see the module docstring)."""
    status = response.status_code
    user = _caller(request, response)
    query = request.META.get("QUERY_STRING", "")[:300]
    data = declared(view_func)
    # Every entry names a record type; a refused page that names no model is filed under the
    # account that asked for it.
    model = apps.get_model(data.model) if data is not None else _view_model(view_func)
    content_type = ContentType.objects.get_for_model(model or get_user_model(), for_concrete_model=False)
    path = request.path[:200]
    where = {
        "path": {"label": "页面", "old": "", "new": path},
        "filter": {"label": "筛选条件", "old": "", "new": query},
    }

    if status in REFUSED:
        if user is None and status == 401 and not request.META.get("HTTP_AUTHORIZATION"):
            return None  # an anonymous call without credentials is turned away before it asks for anything
        object_id = str(view_kwargs.get("pk", ""))
        return _entry(
            request=request,
            user=user,
            action=AuditAction.DENIED,
            content_type=content_type,
            object_id=object_id,
            object_repr=(data.what if data else path),
            note=f"{REFUSED[status]}（{status}）：{request.method} {path}" + (f"?{query}" if query else ""),
            changes=where,
        )
    if request.method in WRITE_METHODS:
        if user is None:
            return None  # a sign-in attempt, recorded as such by the login signals
        errors = _form_errors(response) if status < 300 else ""
        if 400 <= status < 500 or errors:
            detail = errors or getattr(response, "data", "") or ""
            return _entry(
                request=request,
                user=user,
                action=AuditAction.WRITE_FAILED,
                content_type=content_type,
                object_id=str(view_kwargs.get("pk", "")),
                object_repr=(data.what if data else path),
                note=f"{request.method} {path} 未成功（{status}）：{detail}",
                changes=where,
            )
        return None
    if data is None or request.method != "GET" or status >= 300 or user is None:
        return None
    object_id, shown = _shown_object(response, view_kwargs)
    rows = _rows(response)
    if object_id:
        note = f"查阅{data.what}：{shown or object_id}"
    else:
        note = f"查阅{data.what}" + (f"，共 {rows} 条" if rows is not None else "") + f"（筛选：{query or '无'}）"
    if rows is not None:
        where["rows"] = {"label": "行数", "old": "", "new": rows}
    return _entry(
        request=request,
        user=user,
        action=AuditAction.READ,
        content_type=content_type,
        object_id=object_id,
        object_repr=shown or data.what,
        note=note,
        changes=where,
    )
