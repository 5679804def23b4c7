"""The three separated administrator duties' accounts: how they are named. The upgrade
(migration 0012) and the demo make one of each per county under these names."""

from pilot_admin.choices import Role

USERNAME_SUFFIXES = {Role.SYSTEM_ADMIN: "sysadmin", Role.SECURITY_ADMIN: "secadmin", Role.AUDIT_ADMIN: "auditadmin"}


def duty_username_for(code: str, role: str) -> str:
    return f"{code}-{USERNAME_SUFFIXES[role]}"


def duty_username(county, role: str) -> str:
    """`422823-sysadmin`: the county's six-digit code (`county<id>` when it has none) and the duty."""
    return duty_username_for(county.admin_code or f"county{county.pk}", role)
