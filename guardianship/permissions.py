from pilot_admin.choices import Role


def can_view_guardianship(user) -> bool:
    """Persons' files are for the civil-affairs side: county roles, API clients and townships."""
    return (
        user.is_authenticated
        and user.is_active
        and (user.is_superuser or user.role in (Role.COUNTY_ADMIN, Role.COUNTY_VIEWER, Role.API_CLIENT, Role.TOWNSHIP))
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
