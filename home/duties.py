"""首页 of the three administrator duties: what needs the duty's attention today, never county
data. The system administrator sees the accounts to chase, the security administrator the
locked, dormant and unprotected accounts, the audit administrator the last days of the log."""

import datetime
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from pilot_admin.accounts import selectors as accounts
from pilot_admin.audit import selectors as audit_selectors
from pilot_admin.audit import services as audit
from pilot_admin.choices import AuditAction, Role
from pilot_admin.models import AuditEntry

# How far ahead the pages look: tokens about to expire, accounts about to be disabled as unused.
LOOKAHEAD = datetime.timedelta(days=30)
# The audit administrator's home page covers this many days.
AUDIT_DAYS = 7
LIST_LIMIT = 20


def _url(name: str, **query) -> str:
    query = {key: value for key, value in query.items() if value not in (None, "")}
    return reverse(name) + (f"?{urlencode(query)}" if query else "")


def system_home(*, user, now: datetime.datetime) -> dict:
    managed = accounts.managed_accounts(user=user)
    active = Count("id", filter=Q(is_active=True))
    per_role = managed.order_by().values("role").annotate(total=Count("id"), active=active)
    by_role = {row["role"]: row for row in per_role}
    owing = accounts.accounts_owing_a_password(user=user, now=now)
    expiring = accounts.tokens_expiring(user=user, now=now, within=LOOKAHEAD)
    return {
        "roles": [
            {
                "label": label,
                "value": value,
                "active": by_role[value]["active"],
                "disabled": by_role[value]["total"] - by_role[value]["active"],
                "url": _url("accounts:account_list", role=value),
            }
            for value, label in Role.choices
            if value in by_role
        ],
        "owing": owing[:LIST_LIMIT],
        "owing_count": owing.count(),
        "expiring": expiring[:LIST_LIMIT],
        "duty_holders": accounts.duty_holders(user=user),
        "disabled_count": managed.filter(is_active=False).count(),
        "disabled_url": _url("accounts:account_list", active="0"),
        "lookahead_days": LOOKAHEAD.days,
        "password_days": settings.PASSWORD_MAX_AGE_DAYS,
        "calendar_warning": accounts.calendar_warning(timezone.localtime(now).date()),
        "now": now,
    }


def security_home(*, user, now: datetime.datetime) -> dict:
    locked = accounts.locked_attempts(user=user)
    dormant = accounts.accounts_disabled_for_inactivity(user=user)
    unprotected = accounts.accounts_without_required_two_factor(user=user)
    days = settings.ACCOUNT_INACTIVE_DAYS
    # Accounts that the nightly task will disable within the look-ahead unless someone uses them.
    soon = accounts.accounts_unused_since(now=now + LOOKAHEAD).filter(pk__in=accounts.users_in_scope(user).values("pk"))
    return {
        "locked": locked[:LIST_LIMIT],
        "locked_count": locked.count(),
        "dormant": dormant[:LIST_LIMIT],
        "dormant_count": dormant.count(),
        "unprotected": unprotected[:LIST_LIMIT],
        "unprotected_count": unprotected.count(),
        "soon_dormant": soon.order_by("last_login", "username")[:LIST_LIMIT] if days else [],
        "soon_dormant_count": soon.count() if days else 0,
        "lookahead_days": LOOKAHEAD.days,
        "inactive_days": days,
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "require_2fa": settings.PILOT_ADMIN_REQUIRE_2FA,
    }


def audit_home(*, user, now: datetime.datetime) -> dict:
    """The last AUDIT_DAYS of the log; showing it is itself recorded, like every reading of the log."""
    since = now - datetime.timedelta(days=AUDIT_DAYS)
    overview = audit_selectors.audit_overview(user=user, since=since)
    date_from = timezone.localtime(since).date().isoformat()
    counts = [
        {
            "label": AuditAction(action).label,
            "value": n,
            "url": _url("audit_log", action=action, date_from=date_from),
            "alert": action in (AuditAction.DENIED, AuditAction.LOGIN_FAILED) and n > 0,
        }
        for action, n in overview.counts.items()
    ]
    audit.record_read(what="审计概况", model=AuditEntry, rows=overview.rows)
    return {
        "overview": overview,
        "counts": counts,
        "audit_days": AUDIT_DAYS,
        "administrator_urls": [
            (Role(role).label, _url("audit_log", actor_role=role, date_from=date_from))
            for role in (Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN)
        ],
        "denied_url": _url("audit_log", action=AuditAction.DENIED, date_from=date_from),
        "failed_logins_url": _url("audit_log", action=AuditAction.LOGIN_FAILED, date_from=date_from),
    }


DUTY_HOMES = {
    Role.SYSTEM_ADMIN: ("home/system_admin.html", system_home),
    Role.SECURITY_ADMIN: ("home/security_admin.html", security_home),
    Role.AUDIT_ADMIN: ("home/audit_admin.html", audit_home),
}
