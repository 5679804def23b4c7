"""Who sees which geography rows: one visibility rule per model, built on county_scoped_q."""

from django.db.models import Q

from pilot_admin.choices import Role
from pilot_admin.scoping import ScopedQuerySet, county_scoped_q


class CountyQuerySet(ScopedQuerySet):
    def visibility_q(self, user):
        if user.role == Role.TOWNSHIP:
            return Q(pk=user.township.county_id)
        return county_scoped_q(user, "pk", "townships")


class TownshipQuerySet(ScopedQuerySet):
    def visibility_q(self, user):
        return county_scoped_q(user, "county", "pk")


class VillageQuerySet(ScopedQuerySet):
    def visibility_q(self, user):
        return county_scoped_q(user, "township__county", "township")

    def active_administrative(self):
        from villages.choices import VillageKind

        return self.filter(is_active=True, kind=VillageKind.ADMINISTRATIVE_VILLAGE)

    def township_work_by(self, user):
        """Villages whose day-to-day records (indicators, persons, visits) `user` keeps: a
        township official their own township's, the county office its county's."""
        if user.is_authenticated and user.role == Role.TOWNSHIP:
            return self.visible_to(user)
        return self.editable_by(user)

    indicators_submittable_by = township_work_by


class VillageIndicatorQuerySet(ScopedQuerySet):
    def visibility_q(self, user):
        return county_scoped_q(user, "village__township__county", "village__township")

    def edit_q(self, user):
        # Township officials submit their own villages' records; the county office confirms.
        if user.role == Role.TOWNSHIP:
            return Q(village__township=user.township_id)
        return super().edit_q(user)


class PilotProgramQuerySet(ScopedQuerySet):
    def visibility_q(self, user):
        if user.role == Role.TOWNSHIP:
            return Q(county=user.township.county_id)
        return county_scoped_q(user, "county", "county__townships")


class PilotAssignmentQuerySet(ScopedQuerySet):
    def visibility_q(self, user):
        return county_scoped_q(user, "village__township__county", "village__township")


def unit_q(user, path: str = "department") -> Q | None:
    """The reporting unit (a Department row) a department or township user speaks for, as a
    filter on `path`; None for roles that speak for no unit."""
    if user.role == Role.DEPARTMENT:
        return Q(**{path: user.department_id})
    if user.role == Role.TOWNSHIP:
        return Q(**{f"{path}__township": user.township_id})
    return None


class DepartmentQuerySet(ScopedQuerySet):
    def visibility_q(self, user):
        if user.role == Role.TOWNSHIP:
            return Q(county__townships=user.township_id)
        return county_scoped_q(user, "county", "county__townships")


class ProgramStandardQuerySet(ScopedQuerySet):
    def visibility_q(self, user):
        # A program's standards are read by whoever sees the program.
        if user.role == Role.TOWNSHIP:
            return Q(program__county=user.township.county_id)
        return county_scoped_q(user, "program__county", "program__county__townships")


class PilotNominationQuerySet(ScopedQuerySet):
    def visibility_q(self, user):
        return county_scoped_q(user, "village__township__county", "village__township")

    def edit_q(self, user):
        # The nominating township withdraws and resubmits its own; the county office decides.
        if user.role == Role.TOWNSHIP:
            return Q(village__township=user.township_id)
        return super().edit_q(user)
