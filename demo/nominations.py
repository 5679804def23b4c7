"""The demo county's nominations (申报) of the program's current batch and its provincial key
support in every state.

Two townships with demo logins nominate villages for the batch the pages open on (the program's
default year): some wait in the county's queue, one is returned with a reason, some are approved
(and so are pilots, one with an application for provincial key support). Earlier pilots show the
province's answers: a 2019 application not granted, and two 2020 applications awaiting the answer
(the granted ones are the plan's 省级重点支持 pilots, see demo/county.py).

Everything goes through the services, so the audit trail and the inboxes are as on the pages.
Each part is created only when missing (by its natural key), so load_demo stays idempotent.
"""

import datetime

from django.utils import timezone

from villages import services_nominations as services
from villages.choices import GuidanceCategory, NominationState, PilotStatus, ProvincialStatus
from villages.models import PilotAssignment, PilotNomination
from villages.selectors_nominations import nomination_candidates

# (township login, [(state, applies for provincial support, reason, return reason)]).
PLAN = {
    "township_shuibuya": [
        (NominationState.PENDING, True, "集体经济年收入超过10万元，村“两委”班子团结，群众建设意愿强。", ""),
        (NominationState.PENDING, False, "集中移居点，新建安置房120户，急需完善公共服务设施。", ""),
        (
            NominationState.RETURNED,
            False,
            "交通便利，村容整洁。",
            "申报理由过于简单，请补充村集体经济收入、服务站面积和基础设施情况后重新申报。",
        ),
        (NominationState.APPROVED, True, "茶叶产业基础好，村服务站已有500平方米，具备创建示范村条件。", ""),
    ],
    "township_dongrangkou": [
        (NominationState.PENDING, False, "人口外出较多，留守老人儿童多，需加强关爱服务。", ""),
        (NominationState.APPROVED, False, "村党支部坚强有力，村规民约落实好。", ""),
    ],
}
NOMINATED_ON = (3, 10)
DECIDED_ON = (4, 15)
# The province's answers recorded on earlier pilots (R-A4): (year, status, how many, decided on).
PROVINCIAL_ANSWERS = (
    (2019, ProvincialStatus.NOT_GRANTED, 1, datetime.date(2019, 11, 20)),
    (2020, ProvincialStatus.APPLIED, 2, None),
)


def _on(year: int, month_day: tuple[int, int]) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(year, *month_day, 9))


def _guidance(village) -> str:
    return village.guidance_category or GuidanceCategory.REMOTE_UNDERDEVELOPED


def _ensure_nominations(*, program, admin, users, year: int) -> int:
    created = 0
    for username, rows in PLAN.items():
        official = users[username]
        if PilotNomination.objects.filter(program=program, village__township=official.township_id).exists():
            continue  # this township's demo nominations are there (or someone has worked on them)
        candidates = list(nomination_candidates(user=official, program=program)[: len(rows)])
        for village, (state, provincial, reason, return_reason) in zip(candidates, rows, strict=False):
            (nomination,) = services.nominations_create(
                actor=official,
                program=program,
                year=year,
                items=[
                    services.NominationInput(
                        village=village,
                        reason=reason,
                        guidance_category=_guidance(village),
                        applies_provincial_support=provincial,
                    )
                ],
            )
            if state == NominationState.RETURNED:
                services.nomination_return(actor=admin, nomination=nomination, reason=return_reason)
            elif state == NominationState.APPROVED:
                nomination = services.nomination_approve(actor=admin, nomination=nomination)
                # The batch's story dates, as demo/county.py gives its pilots.
                PilotAssignment.objects.filter(pk=nomination.assignment_id).update(approved_at=_on(year, DECIDED_ON))
            PilotNomination.objects.filter(pk=nomination.pk).update(
                nominated_at=_on(year, NOMINATED_ON),
                decided_at=_on(year, DECIDED_ON) if state != NominationState.PENDING else None,
            )
            created += 1
    return created


def _ensure_provincial_answers(*, program, admin) -> int:
    changed = 0
    for year, status, count, decided_on in PROVINCIAL_ANSWERS:
        if year not in program.years:
            continue
        # Pilots the county office selected itself (no nomination), so the nominated ones keep
        # their own story.
        pilots = PilotAssignment.objects.filter(
            program=program, year=year, status=PilotStatus.APPROVED, nomination__isnull=True
        )
        missing = count - pilots.filter(provincial_status=status).count()
        if missing <= 0:
            continue
        for pilot in pilots.filter(provincial_status=ProvincialStatus.NONE).order_by("village__code")[:missing]:
            services.pilot_provincial_status_set(actor=admin, assignment=pilot, status=ProvincialStatus.APPLIED)
            if status != ProvincialStatus.APPLIED:
                services.pilot_provincial_status_set(
                    actor=admin, assignment=pilot, status=status, decided_on=decided_on
                )
            changed += 1
    return changed


def load_demo_nominations(*, program, admin, users) -> int:
    """Create what is missing; return how many nominations and provincial answers were made."""
    year = program.default_year(timezone.localdate())
    return _ensure_provincial_answers(program=program, admin=admin) + _ensure_nominations(
        program=program, admin=admin, users=users, year=year
    )
