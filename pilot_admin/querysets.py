"""Who sees which core rows."""

from django.core.exceptions import PermissionDenied
from django.db.models import Q

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
    """The audit log: readable by the county office, never changed. update() and delete() are
    refused here, and on PostgreSQL a trigger refuses them for any other path too."""

    def visibility_q(self, user) -> Q | None:
        """The county office sees what its county's users did; a superuser with no county, the
        whole installation (including failed logins under unknown names, which have no actor)."""
        if not user.is_county_admin:
            return Q(pk__in=[])
        if user.county_id is None:
            return None if user.is_superuser else Q(pk__in=[])
        return Q(actor__county=user.county_id)

    def edit_q(self, user) -> Q | None:
        return Q(pk__in=[])

    def update(self, **kwargs):
        raise PermissionDenied(AUDIT_APPEND_ONLY)

    def delete(self):
        raise PermissionDenied(AUDIT_APPEND_ONLY)

    delete.queryset_only = True
