"""The demo without a phone: `make run` (the development server, DEBUG on) sets
PILOT_ADMIN_DEMO_SKIP_2FA so the demo county's accounts, whose passwords the README prints, open
without enrolling an authenticator. Only the accounts the demo registers here (demo/apps.py: the
core does not import the demo), only with DEBUG on; production refuses the setting
(pilot_admin/accounts/checks.py) and every other account keeps the requirement."""

from django.conf import settings

_demo_usernames: set[str] = set()


def register_demo_accounts(usernames) -> None:
    _demo_usernames.update(usernames)


def demo_usernames() -> frozenset[str]:
    return frozenset(_demo_usernames)


def demo_skips_two_factor(user) -> bool:
    return bool(settings.DEBUG and settings.PILOT_ADMIN_DEMO_SKIP_2FA and user.username in _demo_usernames)
