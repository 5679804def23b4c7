from pilot_admin.choices import Role
from villages.choices import RemitModule

# The roles that read the register by their role; a department reads it by its remit.
READER_ROLES = (Role.COUNTY_ADMIN, Role.COUNTY_VIEWER, Role.API_CLIENT, Role.TOWNSHIP)


def reads_by_remit(user) -> bool:
    """A county department whose remit (Department.remit, kept by the county office) names the
    guardianship module — the civil-affairs bureau runs special-hardship support — reads the
    county's register and statistics, read-only and masked as a county viewer sees them."""
    return (
        user.role == Role.DEPARTMENT
        and user.department_id is not None
        and user.department.reads(RemitModule.GUARDIANSHIP)
    )


def can_view_guardianship(user) -> bool:
    """Persons' files are for the civil-affairs side: county roles, API clients, townships and
    the departments whose remit covers the module."""
    return (
        user.is_authenticated
        and user.is_active
        and (user.is_superuser or user.role in READER_ROLES or reads_by_remit(user))
    )


def can_edit_persons(user) -> bool:
    return user.is_authenticated and user.is_active and (user.is_county_admin or user.role == Role.TOWNSHIP)


can_record_visits = can_edit_persons


def can_supervise(user) -> bool:
    return user.is_authenticated and user.is_county_admin


def can_export_full_id(user) -> bool:
    """An export with unmasked ID numbers is the county office's alone, and is audited
    (services.person_export_full_ids); every other export is masked."""
    return user.is_authenticated and user.is_county_admin


def can_see_full_id_numbers(user) -> bool:
    """Full ID numbers only for the roles that process applications: the county office and the
    township's civil-affairs staff. Everyone else, and every export by default, sees them masked."""
    return user.is_authenticated and (user.is_county_admin or user.role == Role.TOWNSHIP)
