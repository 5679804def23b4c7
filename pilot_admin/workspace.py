"""The township workspace (首页 for township officials)."""

from django.utils import timezone

from villages import selectors as village_selectors


def township_workspace(*, request) -> dict:
    user = request.user
    program = village_selectors.program_for_code(user=user, code=None)
    if program is None:
        return {}
    year = min(max(timezone.localdate().year, program.start_year), program.end_year)
    return {
        "program": program,
        "report": village_selectors.pilot_quota_stats(user=user, program=program, year=year),
    }
