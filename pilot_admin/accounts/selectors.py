"""Reads for the administrators' pages (system, security, audit), each narrowed to the
administrator's county."""

import datetime

from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from pilot_admin import workdays
from pilot_admin.accounts.permissions import has_any_duty
from pilot_admin.choices import DUTY_ROLES, Role
from pilot_admin.models import ApiToken, WorkdayOverride


def users_in_scope(user) -> QuerySet:
    """The accounts an administrator (any of the three duties) looks after: its county's, or
    every one for a superuser with no county; nobody's for anyone else."""
    users = get_user_model().objects.all()
    if user is None or not has_any_duty(user):
        return users.none()
    if user.county_id is None:
        return users if user.is_superuser else users.none()
    return users.filter(county_id=user.county_id)


def _org(field: str, user) -> QuerySet:
    # The county's organisation, reached through the user model's foreign key so the core does
    # not import the villages app above it. Read without visible_to: it is reference data an
    # administrator assigns accounts to, and the duty roles see no village pages.
    model = get_user_model()._meta.get_field(field).related_model
    if user is None or not has_any_duty(user):
        return model.objects.none()
    rows = model.objects.all() if user.county_id is None else model.objects.filter(county=user.county_id)
    return rows.order_by("county", "name")


def county_townships(*, user) -> QuerySet:
    """The townships of the administrator's county: choices on the account form and the
    audit log's filter."""
    return _org("township", user)


def county_departments(*, user) -> QuerySet:
    """The reporting units (departments, township governments) of the administrator's county."""
    return _org("department", user)


def managed_accounts(*, user) -> QuerySet:
    """The accounts the system administrator manages: its county's, superusers (break-glass)
    left to themselves."""
    return (
        users_in_scope(user)
        .filter(is_superuser=False)
        .select_related("township", "department")
        .order_by("role", "username")
    )


def managed_account_get(*, user, pk: int):
    return managed_accounts(user=user).get(pk=pk)


def duty_holders(*, user) -> QuerySet:
    """Who holds each administrator duty in the county, so each sees the others' accounts."""
    return managed_accounts(user=user).filter(role__in=sorted(DUTY_ROLES))


def accounts_owing_a_password(*, user, now: datetime.datetime) -> QuerySet:
    """Active accounts still on a password an administrator set (never signed in with their own)
    or whose password is past PASSWORD_MAX_AGE_DAYS: the people to chase."""
    owing = Q(must_change_password=True)
    days = settings.PASSWORD_MAX_AGE_DAYS
    if days:
        owing |= Q(password_changed_at__lte=now - datetime.timedelta(days=days))
    return managed_accounts(user=user).filter(owing, is_active=True)


def tokens_expiring(*, user, now: datetime.datetime, within: datetime.timedelta) -> QuerySet:
    """Holders whose token has expired or expires within `within`."""
    return token_holders(user=user).filter(
        auth_token__expires_at__isnull=False, auth_token__expires_at__lte=now + within
    )


def two_factor_accounts(*, user) -> QuerySet:
    """Accounts with a confirmed authenticator, with when it was set up and last used, for the
    security administrator's reset page."""
    devices = TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True).order_by("-created_at")
    return (
        users_in_scope(user)
        .filter(is_superuser=False)
        .filter(Exists(devices))
        .annotate(
            device_created_at=devices.values("created_at")[:1],
            device_last_used_at=devices.values("last_used_at")[:1],
        )
        .select_related("township", "department")
        .order_by("role", "username")
    )


def two_factor_account_get(*, user, pk: int):
    return two_factor_accounts(user=user).get(pk=pk)


def accounts_without_required_two_factor(*, user) -> QuerySet:
    """Active accounts whose role must use a second factor but that have none yet (they are
    sent to set one up at their next sign-in)."""
    if not settings.PILOT_ADMIN_REQUIRE_2FA:
        return get_user_model().objects.none()
    devices = TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)
    return (
        users_in_scope(user)
        .filter(is_superuser=False, is_active=True, role__in=settings.PILOT_ADMIN_2FA_ROLES)
        .exclude(Exists(devices))
        .select_related("township", "department")
        .order_by("role", "username")
    )


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
    """Failed-login records at or over the limit for accounts of the administrator's county;
    usernames matching no account (guessing) only for an installation-wide superuser."""
    attempts = AccessAttempt.objects.filter(failures_since_start__gte=settings.AXES_FAILURE_LIMIT)
    cool_off = get_cool_off()
    if cool_off:
        # Older ones have already expired (axes deletes them at the next failure).
        attempts = attempts.filter(attempt_time__gte=timezone.now() - cool_off)
    if not (user.is_superuser and user.county_id is None):
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
    """For the security administrator's list: accounts of its county the nightly task disabled."""
    return (
        users_in_scope(user)
        .filter(is_active=False, inactivity_disabled_at__isnull=False)
        .select_related("township", "department")
        .order_by("-inactivity_disabled_at", "username")
    )


def account_disabled_for_inactivity_get(*, user, pk: int):
    return accounts_disabled_for_inactivity(user=user).get(pk=pk)


def calendar_warning(today: datetime.date) -> dict | None:
    """This year's and next year's missing years, with how many overrides the county entered
    for them: shown on this page and on the system administrator's home page."""
    missing = workdays.missing_years([today.year, today.year + 1])
    if not missing:
        return None
    covered = workdays.package_years()
    years = [(year, WorkdayOverride.objects.filter(date__year=year).count()) for year in missing]
    return {"years": years, "first": covered.start, "last": covered.stop - 1}
