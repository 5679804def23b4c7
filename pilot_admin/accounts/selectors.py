"""Reads for the account-security pages, narrowed to the county admin's county."""

from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.utils import timezone

from pilot_admin.choices import Role


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
