"""Reads of the audit log, for the audit administrator's log page, export and home page."""

import datetime
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from pilot_admin.choices import DUTY_ROLES, AuditAction
from pilot_admin.models import AuditEntry

# What the audit administrator's home page counts over the last days, in this order.
WATCHED_ACTIONS = (
    AuditAction.DENIED,
    AuditAction.LOGIN_FAILED,
    AuditAction.EXPORT,
    AuditAction.WRITE_FAILED,
    AuditAction.READ,
    AuditAction.LOGIN,
)


def audit_log(*, user) -> QuerySet[AuditEntry]:
    """The entries `user` may read, newest first (created_at is indexed), with what each row shows."""
    return AuditEntry.objects.visible_to(user).select_related("actor", "content_type").order_by("-created_at", "-id")


def administrators_q() -> Q:
    """Entries made by an administrator duty or a superuser (break-glass)."""
    return Q(actor__role__in=sorted(DUTY_ROLES)) | Q(actor__is_superuser=True)


@dataclass(frozen=True)
class AuditOverview:
    since: datetime.datetime
    counts: dict[str, int]
    administrator_changes: list[AuditEntry]
    denied: list[AuditEntry]
    failed_logins: list[AuditEntry]

    @property
    def rows(self) -> int:
        """How many entries the page shows (for the record of its reading)."""
        return len(self.administrator_changes) + len(self.denied) + len(self.failed_logins)


def audit_overview(*, user, since: datetime.datetime, limit: int = 10) -> AuditOverview:
    """Since `since`: how many entries of each watched kind, the administrators' changes (what
    the system and security administrators and any superuser wrote), and the latest refusals
    and failed logins. One grouped COUNT and three short lists."""
    recent = audit_log(user=user).filter(created_at__gte=since)
    counts = dict.fromkeys(WATCHED_ACTIONS, 0)
    for row in recent.order_by().values("action").annotate(n=Count("id")):
        if row["action"] in counts:
            counts[row["action"]] = row["n"]
    writes = (AuditAction.CREATE, AuditAction.UPDATE, AuditAction.DELETE)
    return AuditOverview(
        since=since,
        counts={str(action): n for action, n in counts.items()},
        administrator_changes=list(recent.filter(administrators_q(), action__in=writes)[:limit]),
        denied=list(recent.filter(action=AuditAction.DENIED)[:limit]),
        failed_logins=list(recent.filter(action=AuditAction.LOGIN_FAILED)[:limit]),
    )
