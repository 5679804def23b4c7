"""Who may administer the system: three separated duties (三权分立), one role each, none able to
act as another. A superuser (createsuperuser's break-glass account) holds all three; its every
act is audited and shown to the audit administrators (pilot_admin/querysets.py)."""

from pilot_admin.choices import Role


def _holds(user, role: str) -> bool:
    return user.is_authenticated and user.is_active and (user.is_superuser or user.role == role)


def can_manage_accounts(user) -> bool:
    """系统管理员: accounts (create, edit role and unit, disable and enable, reset a password)
    and the API tokens."""
    return _holds(user, Role.SYSTEM_ADMIN)


def can_manage_login_security(user) -> bool:
    """安全管理员: lockouts, second-factor resets, the password policy, dormant accounts."""
    return _holds(user, Role.SECURITY_ADMIN)


def can_read_audit_log(user) -> bool:
    """审计管理员: reads, filters and exports the audit log, nothing else."""
    return _holds(user, Role.AUDIT_ADMIN)


def has_any_duty(user) -> bool:
    return can_manage_accounts(user) or can_manage_login_security(user) or can_read_audit_log(user)
