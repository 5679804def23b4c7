"""The audit trail as people read it: values in local time to the minute, choice labels (also in
lists), 是/否, and each entry's record by its name, masked where it is personal data, with a link.

Entries already written keep what they stored (the table is append-only), so the same rules are
applied when an entry is shown: a stored "2026-12-06 09:10:10.510304+00:00" reads
"2026-12-06 17:10", a stored "['daily_watch']" reads "日常看护".

Apps register what the core cannot know without importing them (a registry, as import kinds and
reminder sources are): the choices of a list held in a JSONField, and the models whose name is
personal data.
"""

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from pilot_admin.choices import AuditAction

# (model label, field name) → {value: label}, for list fields whose items are choices.
_LIST_CHOICES: dict[tuple[str, str], dict] = {}
# model label → how its record is named in the log without showing the person.
_PERSONAL: dict[str, Callable[[str], str]] = {}

_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$")
# A Python list written into a text value by an older entry: "['a', 'b']".
_LIST_TEXT = re.compile(r"^\[(\s*'[^']*'\s*,?)*\]$")


def register_list_choices(model: type[models.Model], field_name: str, choices) -> None:
    """`field_name` of `model` holds a list of `choices` values (a JSONField of duties)."""
    _LIST_CHOICES[(model._meta.label_lower, field_name)] = {str(value): str(label) for value, label in choices}


def register_personal(model: type[models.Model], masked: Callable[[str], str] | None = None) -> None:
    """The records of `model` are named by a person's name: the log shows it masked."""
    _PERSONAL[model._meta.label_lower] = masked or mask_name


def mask_name(text: str) -> str:
    """张三丰 → 张**: the surname tells colleagues who it is about, the rest stays hidden; what
    follows the name in brackets (a guardian's "（亲属）") is kept."""
    text = (text or "").strip()
    name, bracket, rest = text.partition("（")
    if not name:
        return text
    return name[:1] + "*" * max(len(name) - 1, 1) + bracket + rest


def local_minute(value: datetime.datetime) -> str:
    if timezone.is_naive(value):
        value = timezone.make_aware(value, datetime.UTC)
    return f"{timezone.localtime(value):%Y-%m-%d %H:%M}"


def shown_value(value, *, field: models.Field | None = None, list_choices: dict | None = None) -> str:
    """One audited value as text a person reads."""
    if value is None or value == "" or value == []:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, datetime.datetime):
        return local_minute(value)
    if isinstance(value, datetime.date):
        return f"{value:%Y-%m-%d}"
    if isinstance(value, (list, tuple)):
        return "、".join(shown_value(item, field=field, list_choices=list_choices) for item in value)
    if isinstance(value, dict):
        return "；".join(f"{key}：{shown_value(item)}" for key, item in value.items())
    text = str(value)
    if list_choices and _LIST_TEXT.match(text):
        return "、".join(list_choices.get(item, item) for item in re.findall(r"'([^']*)'", text))
    if list_choices and text in list_choices:
        return list_choices[text]
    if field is not None and field.choices:
        labels = {str(key): str(label) for key, label in field.flatchoices}
        if text in labels:
            return labels[text]
    if field is not None and isinstance(field, models.BooleanField) and text in ("True", "False"):
        return "是" if text == "True" else "否"
    if _DATETIME.match(text):
        parsed = parse_datetime(text)
        if parsed is not None:
            return local_minute(parsed)
    if isinstance(field, models.DateField) and not isinstance(field, models.DateTimeField):
        parsed = parse_date(text)
        if parsed is not None:
            return f"{parsed:%Y-%m-%d}"
    return text


@dataclass(frozen=True)
class ShownChange:
    label: str
    old: str
    new: str


def _model(entry) -> type[models.Model] | None:
    # get_for_id is served from ContentType's cache: no query per entry.
    return ContentType.objects.get_for_id(entry.content_type_id).model_class() if entry.content_type_id else None


def _field(model, name: str) -> models.Field | None:
    if model is None:
        return None
    try:
        return model._meta.get_field(name)
    except Exception:  # noqa: BLE001 - a field since removed, or a pseudo-field (path, filter)
        return None


def shown_changes(entry) -> list[ShownChange]:
    """The entry's field changes, each value as `shown_value` reads it."""
    model = _model(entry)
    label = model._meta.label_lower if model is not None else ""
    result = []
    for name, change in (entry.changes or {}).items():
        if not isinstance(change, dict):
            continue
        field = _field(model, name)
        choices = _LIST_CHOICES.get((label, name))
        result.append(
            ShownChange(
                label=str(change.get("label", name)),
                old=shown_value(change.get("old"), field=field, list_choices=choices),
                new=shown_value(change.get("new"), field=field, list_choices=choices),
            )
        )
    return result


def record_name(entry) -> str:
    """What the entry is about, as the log names it: an export or a reading names its file or
    page; a person's record is masked."""
    model = _model(entry)
    if model is not None and entry.object_id and model._meta.label_lower in _PERSONAL:
        return _PERSONAL[model._meta.label_lower](entry.object_repr)
    return entry.object_repr


def names_a_record(entry) -> bool:
    """An export or a reading is about a file or a page, not the row its id may point at (an
    export once stored the exporting user as its record: "用户 #1")."""
    return bool(entry.object_id) and entry.action not in (AuditAction.EXPORT, AuditAction.READ)


def annotate_entries(entries, *, user, log_url: str) -> None:
    """Give each entry of a page `shown`, `record_kind`, `record_name` and `record_url`: the
    record's own page where `user` may open it (one query per kind of record on the page),
    otherwise the log filtered to that record, so the link never leads to a refusal."""
    entries = list(entries)
    wanted: dict[int, set[str]] = {}
    for entry in entries:
        if names_a_record(entry):
            wanted.setdefault(entry.content_type_id, set()).add(entry.object_id)
    openable: dict[tuple[int, str], str] = {}
    for content_type_id, ids in wanted.items():
        model = ContentType.objects.get_for_id(content_type_id).model_class()
        if model is None or not hasattr(model, "get_absolute_url"):
            continue
        queryset = model._default_manager.all()
        if not hasattr(queryset, "visible_to"):
            continue
        pks = [pk for pk in ids if pk.isdigit()]
        for row in queryset.visible_to(user).filter(pk__in=pks):
            openable[(content_type_id, str(row.pk))] = row.get_absolute_url()
    for entry in entries:
        entry.shown = shown_changes(entry)
        entry.record_name = record_name(entry)
        if not names_a_record(entry):
            entry.record_url = ""
            continue
        entry.record_url = openable.get((entry.content_type_id, entry.object_id)) or (
            f"{log_url}?kind={entry.content_type_id}&object_id={entry.object_id}"
        )


def audit_log_url() -> str:
    return reverse("audit_log")
