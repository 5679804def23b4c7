"""Who may manage other people's sign-in: the county office only."""


def can_manage_account_security(user) -> bool:
    return user.is_authenticated and user.is_county_admin
