"""Reads for the account-security pages, narrowed to the county admin's county."""

import datetime

from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from pilot_admin.choices import Role
from pilot_admin.models import ApiToken


def users_in_scope(user) -> QuerySet:
    """The accounts a county admin administers: its county's, or every one for an
    installation-wide admin (no county)."""
    users = get_user_model().objects.all()
    return users if user.county_id is None else users.filter(county_id=user.county_id)


def token_holders(*, user) -> QuerySet:
    """API clients and anyone else holding a token, with the token (one query)."""
    return (
        users_in_scope(user)
        .filter(Q(role=Role.API_CLIENT) | Q(auth_token__isnull=False))
        .select_related("auth_token", "township", "department")
        .order_by("role", "username")
    )


def token_holder_get(*, user, pk: int):
    return token_holders(user=user).get(pk=pk)


def locked_attempts(*, user) -> QuerySet:
    """Failed-login records at or over the limit for accounts of the admin's county; usernames
    matching no account (guessing) only for an installation-wide admin."""
    attempts = AccessAttempt.objects.filter(failures_since_start__gte=settings.AXES_FAILURE_LIMIT)
    cool_off = get_cool_off()
    if cool_off:
        # Older ones have already expired (axes deletes them at the next failure).
        attempts = attempts.filter(attempt_time__gte=timezone.now() - cool_off)
    if user.county_id is not None:
        attempts = attempts.filter(username__in=users_in_scope(user).values("username"))
    return attempts.order_by("-attempt_time")


def inactivity_cutoff(*, now: datetime.datetime) -> datetime.datetime | None:
    """Accounts last used at or before this moment are unused for ACCOUNT_INACTIVE_DAYS."""
    days = settings.ACCOUNT_INACTIVE_DAYS
    return now - datetime.timedelta(days=days) if days else None


def accounts_unused_since(*, now: datetime.datetime) -> QuerySet:
    """Active accounts with no sign-in, no token issued or used, no creation and no re-enabling
    after the cutoff. Superusers (createsuperuser's break-glass accounts) are left alone: disabling them
    could leave an installation with nobody to re-enable anyone."""
    cutoff = inactivity_cutoff(now=now)
    users = get_user_model().objects.filter(is_active=True, is_superuser=False)
    if cutoff is None:
        return users.none()
    # Each condition spelled out (rather than one GREATEST) so a missing date counts as "never".
    return users.filter(
        Q(last_login__isnull=True) | Q(last_login__lte=cutoff),
        Q(reactivated_at__isnull=True) | Q(reactivated_at__lte=cutoff),
        ~Exists(ApiToken.objects.filter(Q(last_used_at__gt=cutoff) | Q(created_at__gt=cutoff), user=OuterRef("pk"))),
        date_joined__lte=cutoff,
    )


def accounts_disabled_for_inactivity(*, user) -> QuerySet:
    """For the county admin's list: accounts of its county the nightly task disabled."""
    return (
        users_in_scope(user)
        .filter(is_active=False, inactivity_disabled_at__isnull=False)
        .select_related("township", "department")
        .order_by("-inactivity_disabled_at", "username")
    )


def account_disabled_for_inactivity_get(*, user, pk: int):
    return accounts_disabled_for_inactivity(user=user).get(pk=pk)
