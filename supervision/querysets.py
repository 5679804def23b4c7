"""Who sees which supervision records: geography-bound through the village (county roles their
county, a township official their township); the administrator duties and departments nothing."""

from django.db.models import Q

from pilot_admin.choices import Role
from pilot_admin.scoping import ScopedQuerySet, county_scoped_q
from supervision.permissions import READER_ROLES


def _village_q(user, path: str) -> Q | None:
    if not (user.is_superuser or user.role in READER_ROLES):
        return Q(pk__in=[])
    prefix = f"{path}__" if path else ""
    return county_scoped_q(user, f"{prefix}village__township__county", f"{prefix}village__township")


def _edit_q(user, path: str) -> Q | None:
    if user.role == Role.TOWNSHIP or user.is_county_admin:
        return _village_q(user, path)
    return Q(pk__in=[])


class VillageScopedQuerySet(ScopedQuerySet):
    """Rows with a `village` of their own (cadres, committees)."""

    path = ""

    def visibility_q(self, user):
        return _village_q(user, self.path)

    def edit_q(self, user):
        return _edit_q(user, self.path)


class CadreChildQuerySet(VillageScopedQuerySet):
    path = "cadre"


class CommitteeChildQuerySet(VillageScopedQuerySet):
    path = "committee"


class ElectionChildQuerySet(VillageScopedQuerySet):
    path = "election__committee"


class CandidateChildQuerySet(VillageScopedQuerySet):
    path = "candidate__election__committee"
