"""What the county office reads about delivery: the notices no channel reached (未送达), the
outbox messages given up (发送失败) and the counts per channel and state, for the county's
own people only."""

from django.db.models import Count, Q, QuerySet

from pilot_admin.models import Notification, OutboxMessage


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
