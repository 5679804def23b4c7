"""What each role may do with tasks and reports; which rows is the querysets' business."""

from pilot_admin.choices import Role
from pilot_admin.scoping import any_business_user

can_view_tasks = any_business_user


def can_manage_tasks(user) -> bool:
    """Create tasks, close them out, reopen them, unlock periods: the county office."""
    return user.is_authenticated and user.is_county_admin


can_review_reports = can_manage_tasks


def can_report(user) -> bool:
    """Write progress reports: a department or township user, for their own unit."""
    return user.is_authenticated and user.is_active and user.role in (Role.DEPARTMENT, Role.TOWNSHIP)
