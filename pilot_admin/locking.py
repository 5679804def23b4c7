"""Optimistic locking: an edit is saved only onto the version of the record its editor saw.

Each edited model inherits its `version` column from pilot_admin.models.VersionedModel. Forms
carry the version as a hidden field, the API as `ETag`/`If-Match`; the service calls
`claim_version` inside its transaction, which advances the version with a conditional UPDATE
that must change exactly one row. Two editors who both
opened version 3 race for that UPDATE: the second one blocks on the first one's row lock, then
finds version 4 and is refused, instead of silently overwriting the first one's work.
"""

import re

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import F
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework.exceptions import APIException
from rest_framework.response import Response

STALE_MESSAGE = "该记录已被他人修改，请刷新后重新编辑。"
STALE_CODE = "stale_version"


class StaleVersionError(ValidationError):
    """The record changed since the editor loaded it. A ValidationError, so forms show it above
    the form like any other refusal; the API maps it to 412."""


def stale_message(instance: models.Model) -> str:
    """Who changed it and when, from the audit trail (one indexed query), when known."""
    from pilot_admin.audit.services import audit_entries_for

    last = audit_entries_for(instance).select_related(None).only("actor_name", "created_at").first()
    if last is None:
        return STALE_MESSAGE
    when = timezone.localtime(last.created_at)
    return f"该记录已被{last.actor_name}于 {when:%Y-%m-%d %H:%M} 修改，请刷新后重新编辑。"


def _expected_version(instance: models.Model, expected) -> int:
    if expected is None:
        return instance.version
    try:
        return int(expected)
    except (TypeError, ValueError):
        raise StaleVersionError(STALE_MESSAGE, code=STALE_CODE) from None


def claim_version(instance: models.Model, expected: int | None) -> None:
    """Advance `instance`'s version from `expected` (the version the editor saw; None when the
    caller has none, e.g. an import, and the loaded version is taken) or refuse with
    StaleVersionError. Must run inside the service's transaction, before the save; the row stays
    locked until the transaction ends, so a concurrent claim waits and then fails."""
    expected = _expected_version(instance, expected)
    changed = type(instance)._base_manager.filter(pk=instance.pk, version=expected).update(version=F("version") + 1)
    if changed != 1:
        raise StaleVersionError(stale_message(instance), code=STALE_CODE)
    instance.version = expected + 1


def field_values(instance: models.Model) -> dict:
    """The stored form of every concrete field but the version and the timestamps (foreign keys
    as ids): what `claim_version_if_changed` compares. Raw values, not the audit trail's
    displayed ones, which two different villages of the same name would share."""
    return {
        field.attname: field.value_from_object(instance)
        for field in instance._meta.concrete_fields
        if field.attname != "version"
        and not (getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False))
    }


def claim_version_if_changed(instance: models.Model, expected: int | None, before: dict) -> bool:
    """`claim_version` when `instance` differs from `before` (its field_values as loaded) and
    True; when the edit changed nothing, False: the version is only checked (a stale editor is
    still refused), not advanced, and the caller writes nothing and records no audit entry, so
    other editors' open forms and ETags stay valid."""
    if field_values(instance) != before:
        claim_version(instance, expected)
        return True
    if _expected_version(instance, expected) != instance.version:
        raise StaleVersionError(stale_message(instance), code=STALE_CODE)
    return False


def bump_version(instance: models.Model) -> None:
    """A workflow step (accept, exit, close out) changed the row: forms opened before it are
    stale. Use after the row was locked (select_for_update) and before its save."""
    instance.version = (instance.version or 0) + 1


class VersionedFormMixin:
    """Adds the hidden `version` the editor started from: a ModelForm takes it from its instance
    (0 when there was none yet, so a record someone else created meanwhile is not overwritten),
    a plain form from `initial["version"]`. Not required: a post without it (an old page) is
    checked against the version the service loads."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"] = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)
        instance = getattr(self, "instance", None)
        if instance is not None and "version" not in self.initial:
            self.initial["version"] = instance.version if instance.pk is not None else 0


# --- the API: ETag on read, If-Match on write ------------------------------------------------

IF_MATCH_REQUIRED = "修改须带 If-Match 请求头：先读取该记录，把返回的 ETag 原样作为 If-Match 提交。"
IF_MATCH_MALFORMED = (
    'If-Match 请求头格式不正确：应为读取记录时得到的 ETag（带双引号，如 "3"），多个用英文逗号分隔，或为 *。'
)
IF_MATCH_WEAK = 'If-Match 须用强 ETag（如 "3"）：弱 ETag（W/"3"）不能用于修改。'
# Our ETags are a few digits; a list of a few dozen tags fits. Anything longer is refused unread.
IF_MATCH_MAX_LENGTH = 512
# RFC 9110 §8.8.3 and §13.1.1: `If-Match = "*" / #entity-tag`, entity-tag = [W/] DQUOTE *etagc
# DQUOTE, etagc = %x21 / %x23-7E (obs-text left out: our tags are ASCII). A list may hold empty
# elements, which are ignored (§5.6.1).
_ENTITY_TAG = r'(?:W/)?"[\x21\x23-\x7e]*"'
_IF_MATCH = re.compile(rf"[ \t,]*{_ENTITY_TAG}(?:[ \t]*,[ \t,]*{_ENTITY_TAG})*[ \t,]*")
_TAGS = re.compile(r'(W/)?"([\x21\x23-\x7e]*)"')


class PreconditionRequired(APIException):
    status_code = 428
    default_detail = IF_MATCH_REQUIRED
    default_code = "precondition_required"


class PreconditionFailed(APIException):
    status_code = 412
    default_detail = STALE_MESSAGE
    default_code = STALE_CODE


class MalformedIfMatch(APIException):
    status_code = 400
    default_detail = IF_MATCH_MALFORMED
    default_code = "malformed_if_match"


def etag(instance: models.Model) -> str:
    return f'"{instance.version}"'


def if_match_tags(header: str) -> list[tuple[bool, str]] | None:
    """The (weak, opaque-tag) pairs an If-Match header lists, None for `*`; MalformedIfMatch
    (400) for anything else: too long, not ASCII, not a list of quoted entity-tags."""
    if len(header) > IF_MATCH_MAX_LENGTH or not header.isascii():
        raise MalformedIfMatch()
    if header.strip(" \t") == "*":
        return None
    if _IF_MATCH.fullmatch(header) is None:
        raise MalformedIfMatch()
    return [(bool(weak), opaque) for weak, opaque in _TAGS.findall(header)]


def if_match_version(request, instance: models.Model) -> int | None:
    """The version of `instance` a PATCH claims, by RFC 9110 §13.1.1: a strong tag in the list
    equal to the current ETag gives the current version, `*` gives None (whichever version is
    current when the service locks the row). If-Match missing is 428, malformed 400; no match,
    weak tags included (strong comparison), 412. Tags are compared as strings, never converted
    to numbers."""
    header = request.META.get("HTTP_IF_MATCH")
    if header is None:
        raise PreconditionRequired()
    tags = if_match_tags(header)
    if tags is None:
        return None
    current = str(instance.version)
    if (False, current) in tags:
        return instance.version
    if (True, current) in tags:
        raise PreconditionFailed(IF_MATCH_WEAK)
    raise PreconditionFailed(stale_message(instance))


ETAG_HEADER = OpenApiParameter(
    "ETag", str, OpenApiParameter.HEADER, response=[200], description="记录当前版本，修改时作为 If-Match 提交"
)
IF_MATCH_HEADER = OpenApiParameter(
    "If-Match",
    str,
    OpenApiParameter.HEADER,
    required=True,
    description=(
        '读取该记录时得到的 ETag，原样提交，如 "3"（带双引号）。可列出多个（逗号分隔），任一与当前版本相同即可；'
        '* 表示不论当前版本。按强比较：弱 ETag（W/"3"）不匹配。缺少返回 428，格式不对返回 400，'
        "与当前版本不符返回 412。"
    ),
)
PATCH_ERRORS = {
    400: OpenApiResponse(description="字段有误（按字段列出中文说明），或 If-Match 格式不正确"),
    403: OpenApiResponse(description="您的角色无权修改"),
    404: OpenApiResponse(description="不在您的管辖范围内"),
    412: OpenApiResponse(description="该记录已被他人修改（If-Match 与当前版本不符），或 If-Match 用了弱 ETag"),
    428: OpenApiResponse(description="缺少 If-Match 请求头"),
}


class VersionedPatchMixin:
    """PATCH on a read resource (ScopedReadOnlyViewSet): the detail GET returns the version as
    ETag; a PATCH is refused (403) to roles without `write_access`, finds the object through the
    read scope (404 outside it), needs a matching If-Match (if_match_version: 428, 400, 412),
    validates with `input_serializer_class`, calls `versioned_update(obj, version, data)` (a
    service, which writes nothing when nothing changes) and answers with the read serializer and
    the ETag, new or unchanged."""

    input_serializer_class = None
    write_access = None

    def versioned_update(self, obj, version: int | None, data: dict):
        raise NotImplementedError

    def retrieve(self, request, *args, **kwargs):
        instance = self.get_object()
        return Response(self.get_serializer(instance).data, headers={"ETag": etag(instance)})

    def partial_update(self, request, *args, **kwargs):
        if not type(self).write_access(request.user):
            raise PermissionDenied("您的角色无权修改此记录。")
        instance = self.get_object()
        version = if_match_version(request, instance)
        # Bound to the instance so uniqueness checks leave the record itself out; the serializer
        # only validates, the service writes.
        serializer = self.input_serializer_class(
            instance, data=request.data, partial=True, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        try:
            saved = self.versioned_update(instance, version, serializer.validated_data)
        except StaleVersionError as error:
            raise PreconditionFailed(error.messages[0]) from error
        fresh = self.get_queryset().get(pk=saved.pk)
        return Response(self.get_serializer(fresh).data, headers={"ETag": etag(fresh)})
