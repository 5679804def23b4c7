"""Who sees which core rows."""

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db.models import CharField, Q
from django.db.models.functions import Cast

from pilot_admin.choices import AuditAction, Role
from pilot_admin.scoping import ScopedQuerySet


class ImportRunQuerySet(ScopedQuerySet):
    def visibility_q(self, user) -> Q | None:
        """An uploaded workbook holds data of the uploader's choosing: only its uploader and
        the county office of the uploader's county may see it."""
        if user.is_county_admin:
            if user.county_id is not None:
                return Q(actor=user) | Q(actor__county=user.county_id)
            if user.is_superuser:
                return None
        return Q(actor=user)


AUDIT_APPEND_ONLY = "修改记录只能追加，不能修改或删除。"


class AuditEntryQuerySet(ScopedQuerySet):
    """The audit log: read by the audit administrators, never changed. update() and delete() are
    refused here, and on PostgreSQL a trigger refuses them for any other path too."""

    def visibility_q(self, user) -> Q | None:
        """An audit administrator reads what the accounts of its county did, what the system did
        to them (the nightly disabling of unused accounts), the failed logins under their
        usernames and what an installation-wide superuser (break-glass) did anywhere. A
        superuser with no county reads the whole installation, failed logins under unknown
        names included. Nobody else reads it: not the
        county office, not the system or security administrator."""
        if not (user.is_superuser or user.role == Role.AUDIT_ADMIN):
            return Q(pk__in=[])
        if user.county_id is None:
            return None if user.is_superuser else Q(pk__in=[])
        users = get_user_model()
        county_users = users.objects.filter(county=user.county_id)
        accounts = county_users.annotate(key=Cast("pk", CharField())).values("key")
        user_type = ContentType.objects.get_for_model(users)
        system_acts = Q(actor__isnull=True, content_type=user_type, object_id__in=accounts)
        # A failed login names no actor, only the username tried: the county's own are shown.
        failed_logins = Q(
            actor__isnull=True, action=AuditAction.LOGIN_FAILED, object_repr__in=county_users.values("username")
        )
        break_glass = Q(actor__is_superuser=True, actor__county__isnull=True)
        return Q(actor__county=user.county_id) | break_glass | system_acts | failed_logins

    def edit_q(self, user) -> Q | None:
        return Q(pk__in=[])

    def update(self, **kwargs):
        raise PermissionDenied(AUDIT_APPEND_ONLY)

    def delete(self):
        raise PermissionDenied(AUDIT_APPEND_ONLY)

    delete.queryset_only = True
