"""Who may read and change the supervision committees' records. The township keeps its
villages' committees (it runs their elections, R-J8); the county office keeps all of its county
and alone records eligibility exceptions (R-J7)."""

from pilot_admin.choices import Role

READER_ROLES = (Role.COUNTY_ADMIN, Role.COUNTY_VIEWER, Role.API_CLIENT, Role.TOWNSHIP)


def can_view_supervision(user) -> bool:
    return user.is_authenticated and user.is_active and (user.is_superuser or user.role in READER_ROLES)


def can_edit_supervision(user) -> bool:
    return user.is_authenticated and user.is_active and (user.is_county_admin or user.role == Role.TOWNSHIP)


def can_record_exception(user) -> bool:
    """A county exception to a member condition is the county's decision, not the township's."""
    return user.is_authenticated and user.is_active and user.is_county_admin


def can_see_full_id_numbers(user) -> bool:
    """As for the guardianship register: those who keep the register see the numbers; everyone
    else sees them masked."""
    return user.is_authenticated and (user.is_county_admin or user.role == Role.TOWNSHIP)


def can_edit_pilot_plan(user) -> bool:
    """The pilot plan is the county's (R-J1): the county office keeps it."""
    return user.is_authenticated and user.is_active and user.is_county_admin
