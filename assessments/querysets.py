"""Who sees which inspections: the county sees all of its county; an inspector the inspections
of the teams they are on; a township its villages' results once confirmed; a department the
rectifications it is responsible for."""

from django.db.models import Q

from pilot_admin.choices import Role
from pilot_admin.scoping import ScopedQuerySet, county_scoped_q


def on_team(user, inspection_path: str) -> Q:
    """Rows whose inspection has `user` on its team (a subquery: no duplicate rows)."""
    from assessments.models import Inspection

    team = Inspection.inspectors.through.objects.filter(user=user.pk).values("inspection")
    return Q(**{f"{inspection_path}__in": team})


class ScoreTemplateQuerySet(ScopedQuerySet):
    def visibility_q(self, user):
        if user.role == Role.TOWNSHIP:
            return Q(program__county__townships=user.township_id)
        return county_scoped_q(user, "program__county", "program__county__townships")


class InspectionQuerySet(ScopedQuerySet):
    def visibility_q(self, user):
        from assessments.choices import InspectionStatus

        if user.role == Role.INSPECTOR:
            return on_team(user, "pk")
        if user.role == Role.TOWNSHIP:
            return Q(pilot__village__township=user.township_id, status=InspectionStatus.CONFIRMED)
        return county_scoped_q(user, "pilot__village__township__county", "pilot__village__township")

    def edit_q(self, user):
        """Inspectors score the inspections of their team; the county office schedules and
        confirms (its own rule in the services)."""
        if user.role == Role.INSPECTOR:
            return on_team(user, "pk")
        return super().edit_q(user)


class RectificationQuerySet(ScopedQuerySet):
    def visibility_q(self, user):
        from assessments.choices import InspectionStatus

        confirmed = Q(inspection__status=InspectionStatus.CONFIRMED)
        if user.role == Role.INSPECTOR:
            return on_team(user, "inspection")
        if user.role == Role.TOWNSHIP:
            return confirmed & Q(inspection__pilot__village__township=user.township_id)
        if user.role == Role.DEPARTMENT:
            return confirmed & Q(responsible_unit=user.department_id)
        return county_scoped_q(
            user, "inspection__pilot__village__township__county", "inspection__pilot__village__township"
        )


class CircularIssueQuerySet(ScopedQuerySet):
    """A circular's 文号 and 落款 are read by whoever reads the circular (its program's county,
    and each township of it); only the county office writes them (the default edit_q)."""

    def visibility_q(self, user):
        if user.role == Role.TOWNSHIP:
            return Q(program__county__townships=user.township_id)
        return county_scoped_q(user, "program__county", "program__county__townships")
