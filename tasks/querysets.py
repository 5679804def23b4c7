"""Who sees which tasks and reports. A department sees the tasks it leads or cooperates on, a
township the tasks that apply to it (through its township government's unit); county roles see
their county."""

from django.db.models import Exists, OuterRef, Q

from pilot_admin.choices import Role
from pilot_admin.scoping import ScopedQuerySet, county_scoped_q
from villages.querysets import unit_q


def _assigned(user, task_ref: str, **extra):
    from tasks.models import TaskAssignment

    return Exists(TaskAssignment.objects.filter(unit_q(user), task=OuterRef(task_ref), **extra))


class TaskQuerySet(ScopedQuerySet):
    def visibility_q(self, user):
        if unit_q(user) is not None:
            return Q(_assigned(user, "pk"))
        return county_scoped_q(user, "program__county", "program__county__townships")


class TaskAssignmentQuerySet(ScopedQuerySet):
    """Ledger rows (task × unit): a unit its own rows, a lead department also its cooperating
    units' rows of the tasks it leads (R-G17), county roles every row of their county."""

    def visibility_q(self, user):
        own = unit_q(user)
        if user.role == Role.DEPARTMENT:
            from tasks.choices import AssignmentRole

            return own | Q(_assigned(user, "task", role=AssignmentRole.LEAD))
        if own is not None:
            return own
        return county_scoped_q(user, "task__program__county", "task__program__county__townships")


class ReportingPeriodQuerySet(ScopedQuerySet):
    def visibility_q(self, user):
        if unit_q(user) is not None:
            return Q(_assigned(user, "task"))
        return county_scoped_q(user, "task__program__county", "task__program__county__townships")


class ProgressReportQuerySet(ScopedQuerySet):
    def visibility_q(self, user):
        own = unit_q(user)
        if user.role == Role.DEPARTMENT:
            # A lead unit reads its cooperating units' reports on the tasks it leads (R-G17).
            from tasks.choices import AssignmentRole

            return own | Q(_assigned(user, "task", role=AssignmentRole.LEAD))
        if own is not None:
            return own
        return county_scoped_q(user, "task__program__county", "task__program__county__townships")

    def edit_q(self, user):
        """Reports a user may write: their own unit's. The county office reviews, not edits."""
        return unit_q(user) or Q(pk__in=[])


class ReportUnlockRequestQuerySet(ScopedQuerySet):
    """申请补报: a unit its own requests; county roles their county's (the office decides them)."""

    def visibility_q(self, user):
        own = unit_q(user)
        if own is not None:
            return own
        return county_scoped_q(user, "period__task__program__county", "period__task__program__county__townships")
