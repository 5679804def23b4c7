"""A township official sees only persons in their township (through the person's current
village, so a person who moves takes their history to the new township); county roles see their
county, and so does a department whose remit covers guardianship (its own county, read-only);
other roles see nothing here."""

from django.db.models import Q

from guardianship.permissions import READER_ROLES, reads_by_remit
from pilot_admin.choices import Role
from pilot_admin.scoping import ScopedQuerySet, county_scoped_q


def _county_q(user, county_path: str, township_path: str) -> Q | None:
    if reads_by_remit(user):
        # The department's own county, whatever the account says: the remit is the unit's.
        return Q(**{county_path: user.department.county_id})
    if not (user.is_superuser or user.role in READER_ROLES):
        return Q(pk__in=[])
    return county_scoped_q(user, county_path, township_path)


def _person_q(user, path: str) -> Q | None:
    prefix = f"{path}__" if path else ""
    return _county_q(user, f"{prefix}village__township__county", f"{prefix}village__township")


def _and(scope: Q | None, condition: Q) -> Q:
    return condition if scope is None else scope & condition


class PersonQuerySet(ScopedQuerySet):
    def visibility_q(self, user):
        return _person_q(user, "")

    def edit_q(self, user):
        """Township officials keep their own register; the county office all of its county. An
        archived person is nobody's to change: what identified them is gone."""
        if user.role == Role.TOWNSHIP or user.is_county_admin:
            return _and(_person_q(user, ""), Q(archived_at__isnull=True))
        return Q(pk__in=[])


class PersonChildQuerySet(ScopedQuerySet):
    """Rows that belong to a person (assessments, guardians, visits, findings): the person's rule."""

    def visibility_q(self, user):
        return _person_q(user, "person")

    def edit_q(self, user):
        if user.role == Role.TOWNSHIP or user.is_county_admin:
            return _and(_person_q(user, "person"), Q(person__archived_at__isnull=True))
        return Q(pk__in=[])


class FindingQuerySet(ScopedQuerySet):
    """Findings are against a township (and perhaps one of its persons): the township's rule."""

    def visibility_q(self, user):
        return _county_q(user, "township__county", "township")
