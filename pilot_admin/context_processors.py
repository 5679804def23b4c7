from villages import permissions as village_permissions


def navigation(request):
    """Which menu entries the signed-in user's role may open."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "nav": {
            "can_manage_pilots": village_permissions.can_manage_pilots(user),
            "can_manage_villages": village_permissions.can_manage_villages(user),
            "can_submit_indicators": village_permissions.can_submit_indicators(user),
            "is_county_admin": user.is_county_admin,
        }
    }
