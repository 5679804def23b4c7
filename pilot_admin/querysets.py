"""Who sees which core rows."""

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
