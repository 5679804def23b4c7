from pilot_admin.choices import Role
from pilot_admin.scoping import any_business_user

can_view_assessments = any_business_user


def can_manage_assessments(user) -> bool:
    """Templates, scheduling, confirming, verifying: the county office."""
    return user.is_authenticated and user.is_county_admin


def can_score(user) -> bool:
    return user.is_authenticated and user.is_active and (user.role == Role.INSPECTOR or user.is_county_admin)


def can_report_rectification(user) -> bool:
    return user.is_authenticated and user.is_active and user.role in (Role.TOWNSHIP, Role.DEPARTMENT)


def can_issue_circular(user) -> bool:
    """The 通报 goes out under the county office's name: it alone sets the 文号 and 落款."""
    return can_manage_assessments(user)
