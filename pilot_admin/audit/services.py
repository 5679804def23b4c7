"""The audit trail: who changed which field of which record, when, and from where.

Services call `snapshot` before a change and `record` after it; the request's address and
client come from a context variable the middleware binds, so services need no request.
"""

import contextvars
import dataclasses
import datetime
import decimal
import functools
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db import models

from pilot_admin import crypto, stats_cache
from pilot_admin.audit.access import ACCESS_ACTIONS
from pilot_admin.choices import AuditAction
from pilot_admin.models import AuditEntry


@dataclass(frozen=True)
class RequestInfo:
    ip: str | None
    user_agent: str
    # The signed-in user, the path and the query string: an export is recorded by the Excel
    # pipeline, which is handed rows, not the request.
    user: object = None
    path: str = ""
    query: str = ""
    # What this request's export streamed (model, rows), filled by `note_export_rows`.
    export: dict = dataclasses.field(default_factory=dict, compare=False)


_request_info: contextvars.ContextVar[RequestInfo | None] = contextvars.ContextVar("audit_request_info", default=None)


def bind_request(*, ip: str | None, user_agent: str, request=None):
    info = RequestInfo(ip=ip, user_agent=user_agent)
    if request is not None:
        info = RequestInfo(
            ip=ip,
            user_agent=user_agent,
            user=getattr(request, "user", None),
            path=request.path[:200],
            query=request.META.get("QUERY_STRING", "")[:300],
        )
    return _request_info.set(info)


def unbind_request(token) -> None:
    _request_info.reset(token)


def _tracked_fields(instance: models.Model) -> tuple[models.Field, ...]:
    # _meta.model, not type(): request.user is a SimpleLazyObject wrapping the real instance.
    return _tracked_fields_of(instance._meta.model)


# Per model and per field, worked out once: an import audits thousands of rows of one model.
@functools.cache
def _tracked_fields_of(model: type[models.Model]) -> tuple[models.Field, ...]:
    return tuple(
        field
        for field in model._meta.concrete_fields
        if not (field.primary_key or getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False))
        # The optimistic-locking counter changes on every save and says nothing; a password hash
        # is a secret that an audit reader must never get (the fact of a change is noted instead).
        and field.name not in ("version", "password")
        # A blind index says nothing a reader could use; its source field is audited.
        and not isinstance(field, crypto.BlindIndexField)
    )


@functools.cache
def _choice_labels(field: models.Field) -> dict:
    return dict(field.flatchoices)


@functools.cache
def _labels_of(model: type[models.Model]) -> dict:
    return {field.name: field.verbose_name for field in _tracked_fields_of(model)}


def _display(instance: models.Model, field: models.Field):
    value = getattr(instance, field.attname)
    if value is None or value == "":
        return ""
    if getattr(field, "encrypted", False):
        # Encrypted at rest, so never in clear in the log either: a keyed fingerprint shows that
        # the value changed and whether it changed back, not what it is.
        return crypto.fingerprint(value)
    if field.choices:
        return str(_choice_labels(field).get(value, value))
    if isinstance(field, models.BooleanField):
        return "是" if value else "否"
    if field.is_relation:
        return str(getattr(instance, field.name))
    if isinstance(field, models.FileField):
        return value.name if hasattr(value, "name") else str(value)
    if isinstance(value, (datetime.date, datetime.datetime, decimal.Decimal)):
        return str(value)
    if isinstance(value, (int, float, str, list, dict)):
        return value
    return str(value)


def snapshot(instance: models.Model) -> dict:
    """The displayable value of every tracked field, to diff against after a change."""
    return {field.name: _display(instance, field) for field in _tracked_fields(instance)}


def diff(instance: models.Model, before: dict, after: dict) -> dict:
    labels = _labels_of(instance._meta.model)
    return {
        name: {"label": str(labels.get(name, name)), "old": before.get(name, ""), "new": value}
        for name, value in after.items()
        if before.get(name, "") != value
    }


def _entry(*, actor, instance, action: str, changes: dict, note: str) -> AuditEntry:
    info = _request_info.get()
    return AuditEntry(
        actor=actor if actor is not None and actor.pk else None,
        actor_name=str(actor) if actor is not None else "系统",
        action=action,
        content_type=ContentType.objects.get_for_model(instance, for_concrete_model=False),
        object_id=str(instance.pk),
        object_repr=str(instance)[:200],
        changes=changes,
        note=note[:500],
        ip_address=info.ip if info else None,
        user_agent=info.user_agent if info else "",
    )


def record(*, actor, instance: models.Model, action: str, before: dict | None = None, note: str = ""):
    """Record one create/update/delete; an update that changed nothing records nothing."""
    after = snapshot(instance) if action != AuditAction.DELETE else {}
    if action == AuditAction.UPDATE:
        changes = diff(instance, before or {}, after)
        if not changes and not note:
            return None
    elif action == AuditAction.CREATE:
        changes = diff(instance, {}, after)
    else:
        changes = {}
    entry = _entry(actor=actor, instance=instance, action=action, changes=changes, note=note)
    entry.save()
    # Every service write is audited here, so this is the one place that invalidates cached figures.
    stats_cache.bump_on_commit(county_id=stats_cache.county_of(actor), history=stats_cache.can_change_history(instance))
    return entry


def record_bulk(*, actor, items: list[tuple[models.Model, str, dict | None]], note: str = "") -> None:
    """Record many changes in one INSERT (imports): items are (instance, action, before)."""
    entries = []
    for instance, action, before in items:
        after = snapshot(instance)
        changes = diff(instance, before or {}, after)
        if action == AuditAction.UPDATE and not changes:
            continue
        entries.append(_entry(actor=actor, instance=instance, action=action, changes=changes, note=note))
    AuditEntry.objects.bulk_create(entries, batch_size=1000)
    if entries:
        stats_cache.bump_on_commit(
            county_id=stats_cache.county_of(actor),
            history=any(stats_cache.can_change_history(instance) for instance, _, _ in items),
        )


def record_auth_event(*, action: str, user=None, username: str = "", request=None, note: str = "") -> AuditEntry:
    """Record a login, logout or failed login. A failure names the attempted username, which may
    match no account; the address comes from `request` when given (signals pass it), else from
    the request bound by the middleware."""
    from django.contrib.auth import get_user_model

    from pilot_admin.middleware import client_ip

    info = _request_info.get()
    if request is not None:
        ip = client_ip(request)
        user_agent = request.META.get("HTTP_USER_AGENT", "")[:300]
    else:
        ip, user_agent = (info.ip, info.user_agent) if info else (None, "")
    known = user is not None and user.pk is not None
    return AuditEntry.objects.create(
        actor=user if known else None,
        actor_name=(str(user) if known else username)[:150],
        action=action,
        content_type=ContentType.objects.get_for_model(get_user_model()),
        object_id=str(user.pk) if known else "",
        object_repr=(user.get_username() if known else username)[:200],
        note=note[:500],
        ip_address=ip,
        user_agent=user_agent,
    )


def note_export_rows(model: type[models.Model], rows: int) -> None:
    """The Excel pipeline's row stream reports what an export is made of (see record_export)."""
    info = _request_info.get()
    if info is not None:
        info.export["model"] = model
        info.export["rows"] = info.export.get("rows", 0) + rows


def record_export(*, what: str, rows: int | None = None) -> AuditEntry | None:
    """Record that the current request's user downloaded an export: which file, the filter
    (query string), the rows and the kind of record; outside a request (a Celery job writing a
    file) nothing is recorded, as nobody downloaded anything."""
    info = _request_info.get()
    if info is None or info.user is None or not info.user.is_authenticated:
        return None
    actor = info.user
    model = info.export.get("model")
    if rows is None:
        rows = info.export.get("rows")
    info.export.clear()
    if model is not None:
        content_type, object_id = ContentType.objects.get_for_model(model, for_concrete_model=False), ""
    else:
        content_type, object_id = ContentType.objects.get_for_model(actor, for_concrete_model=False), str(actor.pk)
    rows_text = f"{rows} 行" if rows is not None else "行数未计"
    return AuditEntry.objects.create(
        actor=actor,
        actor_name=str(actor)[:150],
        action=AuditAction.EXPORT,
        content_type=content_type,
        object_id=object_id,
        object_repr=what[:200],
        # In the shape of a field diff, so the log page and its export show it like any change.
        changes={
            "path": {"label": "页面", "old": "", "new": info.path},
            "filter": {"label": "筛选条件", "old": "", "new": info.query},
            "rows": {"label": "行数", "old": "", "new": rows},
        },
        note=f"导出 {what}，{rows_text}（筛选：{info.query or '无'}）"[:500],
        ip_address=info.ip,
        user_agent=info.user_agent,
    )


def record_read(*, what: str, model: type[models.Model], rows: int | None = None) -> AuditEntry | None:
    """Record that the current request's user read `what`: for a page whose rows the access
    log's per-view declaration cannot name (the audit administrator's home page, one view for
    every role). Outside a request nothing is recorded."""
    info = _request_info.get()
    if info is None or info.user is None or not info.user.is_authenticated:
        return None
    changes = {
        "path": {"label": "页面", "old": "", "new": info.path},
        "filter": {"label": "筛选条件", "old": "", "new": info.query},
    }
    if rows is not None:
        changes["rows"] = {"label": "行数", "old": "", "new": rows}
    return AuditEntry.objects.create(
        actor=info.user,
        actor_name=str(info.user)[:150],
        action=AuditAction.READ,
        content_type=ContentType.objects.get_for_model(model, for_concrete_model=False),
        object_id="",
        object_repr=what[:200],
        changes=changes,
        note=(f"查阅{what}" + (f"，共 {rows} 条" if rows is not None else ""))[:500],
        ip_address=info.ip,
        user_agent=info.user_agent,
    )


def audit_entries_for(instance: models.Model):
    """The change record of one row, newest first (uses audit_object_idx), as its page shows it
    to the people who work on it: changes only. Who read the row, who was refused it and whose
    write failed are the access log's, which only the audit administrators read (audit_log)."""
    return (
        AuditEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(instance, for_concrete_model=False),
            object_id=str(instance.pk),
        )
        .exclude(action__in=ACCESS_ACTIONS)
        .select_related("actor")
    )
