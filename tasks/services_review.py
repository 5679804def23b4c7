"""Bulk review of the county office's queue: several reports accepted at once, each through the
same service as a single 采纳 (tasks.services.report_accept), all or none."""

from django.core.exceptions import ValidationError
from django.db import transaction

from pilot_admin import locking
from pilot_admin.services import require
from tasks import permissions, services
from tasks.models import ProgressReport


def _name(report: ProgressReport) -> str:
    return f"“{report.department.name} · {report.task.code} {report.period.label}”"


@transaction.atomic
def reports_accept(*, actor, reports: list[tuple[ProgressReport, int | None]]) -> list[ProgressReport]:
    """Accept each (report, version the reviewer saw). A report changed since the page was shown
    (resubmitted, reviewed by someone else) refuses the whole batch, naming it; nothing is
    accepted then."""
    require(permissions.can_review_reports(actor), "只有县领导小组办公室可以审核报告。")
    if not reports:
        raise ValidationError("请先勾选要采纳的报告。")
    accepted = []
    for report, version in reports:
        # Optimistic locking: the row is locked, then must still be the version on the page.
        current = ProgressReport.objects.select_for_update().filter(pk=report.pk).values_list("version", flat=True)
        if version is not None and current.first() != version:
            raise ValidationError(f"{_name(report)}：{locking.stale_message(report)}")
        try:
            accepted.append(services.report_accept(actor=actor, report=report))
        except ValidationError as error:
            raise ValidationError([f"{_name(report)}：{message}" for message in error.messages]) from error
    return accepted
