"""The 通报's 文号 and 落款: set by the county office, one per program year, audited."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction

from assessments import permissions
from assessments.models import CircularIssue
from pilot_admin.audit import services as audit
from pilot_admin.choices import AuditAction
from pilot_admin.services import require
from villages.models import PilotProgram


@transaction.atomic
def circular_issue_save(
    *,
    actor,
    program: PilotProgram,
    year: int,
    number: str,
    issuer: str,
    issued_on: datetime.date,
    addressees: str = "",
) -> CircularIssue:
    """Set (or change) the 文号, 主送机关 and 落款 of `program`'s circular for `year`."""
    require(permissions.can_issue_circular(actor), "只有县领导小组办公室可以设置通报的文号和落款。")
    # Through editable_by: another county's program is as absent as a missing one.
    program = PilotProgram.objects.editable_by(actor).get(pk=program.pk)
    if year not in program.years:
        raise ValidationError({"year": f"年度应在 {program.start_year}–{program.end_year} 之间。"})
    issue = CircularIssue.objects.select_for_update().filter(program=program, year=year).first()
    before = audit.snapshot(issue) if issue else None
    if issue is None:
        issue = CircularIssue(program=program, year=year)
    issue.number, issue.issuer, issue.issued_on, issue.addressees = number, issuer, issued_on, addressees
    issue.full_clean()
    issue.save()
    action = AuditAction.UPDATE if before else AuditAction.CREATE
    audit.record(actor=actor, instance=issue, action=action, before=before)
    return issue
