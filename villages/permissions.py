"""What each role may do with geography and pilots. Which rows it may touch is the querysets'
business (visible_to / editable_by); these say which actions its role allows."""

from pilot_admin.choices import Role
from pilot_admin.scoping import any_business_user

can_view_villages = any_business_user


def can_manage_villages(user) -> bool:
    return user.is_authenticated and user.is_county_admin


def can_manage_pilots(user) -> bool:
    return user.is_authenticated and user.is_county_admin


can_view_quota_report = any_business_user


def can_submit_indicators(user) -> bool:
    return user.is_authenticated and (user.is_county_admin or user.role == Role.TOWNSHIP)


def can_confirm_indicators(user) -> bool:
    return user.is_authenticated and user.is_county_admin


def can_import_villages(user) -> bool:
    return can_manage_villages(user)


def can_import_pilots(user) -> bool:
    return can_manage_pilots(user)


def can_nominate(user) -> bool:
    """Townships nominate their villages (SPEC §4.2 step 1); the county office decides."""
    return user.is_authenticated and user.role == Role.TOWNSHIP


def can_review_nominations(user) -> bool:
    return can_manage_pilots(user)
