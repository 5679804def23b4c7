"""The audit trail: who changed which field of which record, when, and from where.

Services call `snapshot` before a change and `record` after it; the request's address and
client come from a context variable the middleware binds, so services need no request.
"""

import contextvars
import datetime
import decimal
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db import models

from pilot_admin.choices import AuditAction
from pilot_admin.models import AuditEntry


@dataclass(frozen=True)
class RequestInfo:
    ip: str | None
    user_agent: str


_request_info: contextvars.ContextVar[RequestInfo | None] = contextvars.ContextVar("audit_request_info", default=None)


def bind_request(*, ip: str | None, user_agent: str):
    return _request_info.set(RequestInfo(ip=ip, user_agent=user_agent))


def unbind_request(token) -> None:
    _request_info.reset(token)


def _tracked_fields(instance: models.Model):
    for field in instance._meta.concrete_fields:
        if field.primary_key or getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            continue
        yield field


def _display(instance: models.Model, field: models.Field):
    value = getattr(instance, field.attname)
    if value is None or value == "":
        return ""
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
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
    labels = {field.name: str(field.verbose_name) for field in _tracked_fields(instance)}
    return {
        name: {"label": labels.get(name, name), "old": before.get(name, ""), "new": value}
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


def audit_entries_for(instance: models.Model):
    """The change record of one row, newest first (uses audit_object_idx)."""
    return AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(instance, for_concrete_model=False),
        object_id=str(instance.pk),
    ).select_related("actor")
