"""What the county office reads about delivery: the notices no channel reached (未送达), the
outbox messages given up (发送失败) and the counts per channel and state, for the county's
own people only."""

from django.db.models import Count, Q, QuerySet

from pilot_admin.choices import Role
from pilot_admin.models import GroupRobot, Notification, OutboxMessage


def _county_people(user, prefix: str) -> Q:
    """The recipients in `user`'s county (everyone for a county-less superuser)."""
    if user.county_id is None:
        return Q()
    return Q(**{f"{prefix}county": user.county_id})


def undelivered_notifications(*, user) -> QuerySet[Notification]:
    return (
        Notification.objects.filter(_county_people(user, "user__"), undelivered=True)
        .select_related("user__township", "user__department")
        .order_by("-created_at", "-id")
    )


def outbox_failures(*, user) -> QuerySet[OutboxMessage]:
    return (
        OutboxMessage.objects.filter(_county_people(user, "user__"), status="failed")
        .select_related("user", "notification")
        .order_by("-created_at", "-id")
    )


def outbox_counts(*, user) -> dict[tuple[str, str], int]:
    """{(channel, status): messages}, one GROUP BY."""
    rows = (
        OutboxMessage.objects.filter(_county_people(user, "user__"))
        .values("channel", "status")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {(row["channel"], row["status"]): row["n"] for row in rows}


def _units():
    # The core reaches the county's units through the robot's foreign key, not by importing villages.
    return GroupRobot._meta.get_field("department").related_model.objects


def group_robot_units(*, user) -> QuerySet:
    """The units whose group robot `user` may see: every unit of the county for the county
    office, a township official's own township government, a department user's own department."""
    units = _units().select_related("group_robot", "township")
    if user.is_county_admin:
        units = units.filter(county=user.county_id) if user.county_id else units
    elif user.role == Role.TOWNSHIP:
        units = units.filter(township=user.township_id)
    elif user.role == Role.DEPARTMENT:
        units = units.filter(pk=user.department_id)
    else:
        units = units.none()
    return units.order_by("kind", "name")
