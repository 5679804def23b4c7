"""Optimistic locking: an edit is saved only onto the version of the record its editor saw.

Each edited model inherits its `version` column from pilot_admin.models.VersionedModel. Forms
carry the version as a hidden field, the API as `ETag`/`If-Match`; the service calls
`claim_version` inside its transaction, which advances the version with a conditional UPDATE
that must change exactly one row. Two editors who both
opened version 3 race for that UPDATE: the second one blocks on the first one's row lock, then
finds version 4 and is refused, instead of silently overwriting the first one's work.
"""

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


def claim_version(instance: models.Model, expected: int | None) -> None:
    """Advance `instance`'s version from `expected` (the version the editor saw; None when the
    caller has none, e.g. an import, and the loaded version is taken) or refuse with
    StaleVersionError. Must run inside the service's transaction, before the save; the row stays
    locked until the transaction ends, so a concurrent claim waits and then fails."""
    if expected is None:
        expected = instance.version
    try:
        expected = int(expected)
    except (TypeError, ValueError):
        raise StaleVersionError(STALE_MESSAGE, code=STALE_CODE) from None
    changed = type(instance)._base_manager.filter(pk=instance.pk, version=expected).update(version=F("version") + 1)
    if changed != 1:
        raise StaleVersionError(stale_message(instance), code=STALE_CODE)
    instance.version = expected + 1


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


class PreconditionRequired(APIException):
    status_code = 428
    default_detail = IF_MATCH_REQUIRED
    default_code = "precondition_required"


class PreconditionFailed(APIException):
    status_code = 412
    default_detail = STALE_MESSAGE
    default_code = STALE_CODE


def etag(instance: models.Model) -> str:
    return f'"{instance.version}"'


def if_match_version(request) -> int:
    """The version named by If-Match ("3", W/"3" or 3): missing is 428, unreadable or "*" 412
    (a client must say which version it edits)."""
    header = request.headers.get("If-Match", "").strip()
    if not header:
        raise PreconditionRequired()
    value = header.split(",")[0].strip().removeprefix("W/").strip('"')
    if not value.isdigit():
        raise PreconditionFailed()
    return int(value)


ETAG_HEADER = OpenApiParameter(
    "ETag", str, OpenApiParameter.HEADER, response=[200], description="记录当前版本，修改时作为 If-Match 提交"
)
IF_MATCH_HEADER = OpenApiParameter(
    "If-Match", str, OpenApiParameter.HEADER, required=True, description='读取该记录时得到的 ETag，如 "3"'
)
PATCH_ERRORS = {
    400: OpenApiResponse(description="字段有误（中文说明）"),
    403: OpenApiResponse(description="您的角色无权修改"),
    404: OpenApiResponse(description="不在您的管辖范围内"),
    412: OpenApiResponse(description="该记录已被他人修改（If-Match 与当前版本不符）"),
    428: OpenApiResponse(description="缺少 If-Match 请求头"),
}


class VersionedPatchMixin:
    """PATCH on a read resource (ScopedReadOnlyViewSet): the detail GET returns the version as
    ETag; a PATCH needs If-Match (428 without, 412 when stale), is refused (403) to roles without
    `write_access`, finds the object through the read scope (404 outside it), validates with
    `input_serializer_class`, calls `versioned_update(obj, version, data)` (a service) and answers
    with the read serializer and the new ETag."""

    input_serializer_class = None
    write_access = None

    def versioned_update(self, obj, version: int, data: dict):
        raise NotImplementedError

    def retrieve(self, request, *args, **kwargs):
        instance = self.get_object()
        return Response(self.get_serializer(instance).data, headers={"ETag": etag(instance)})

    def partial_update(self, request, *args, **kwargs):
        if not type(self).write_access(request.user):
            raise PermissionDenied("您的角色无权修改此记录。")
        instance = self.get_object()
        version = if_match_version(request)
        if version != instance.version:
            raise PreconditionFailed(stale_message(instance))
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
