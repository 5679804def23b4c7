"""Demo acceptance (验收, 销号) for the demo county, after its 2019 inspections: about half of the
2016–2018 pilots that passed are accepted (their rectifications reported by the township and
verified first), at the end of 2019 or early 2020 with a 巴民发 document number; the first two
优秀 among them are named 试点示范村; and the first failing pilot whose rectification is still
open gets a re-inspection: 不合格 → 整改 → 复查. Once the program has ended (it did in 2020), the
rest of its rectifications were put right and the re-inspection passed before its close, so the
finished program leaves nothing overdue today (the current program's are in demo/current.py).

All of it goes through the services, so the ledger, the pilot pages and the audit trail show it
as a county office would have made it. A county that already has an accepted pilot is left as
it is (a second run adds nothing, and an acceptance reopened on the pages stays reopened).
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from assessments import services as assessment_services
from assessments import services_acceptance as acceptance
from assessments.choices import Grade, InspectionStatus, RectificationStatus
from assessments.models import Inspection, Rectification
from demo.work_plan import HISTORY_LOGINS
from pilot_admin.choices import Role
from pilot_admin.models import User
from villages.choices import PilotStatus
from villages.models import PilotAssignment

# Two county circulars: the batches accepted at the end of 2019, the rest early in 2020.
BATCHES = [
    (datetime.date(2019, 12, 30), "巴民发〔2019〕45号"),
    (datetime.date(2020, 1, 17), "巴民发〔2020〕3号"),
]
ACCEPTED_BATCH_YEARS = (2016, 2017, 2018)
DEMONSTRATIONS = 2
# The demo's pilots carry indicators for 2020 only, so the standards of the inspection years read
# "未填报": the county records why it went ahead, as an office accepting paper-era pilots would.
REASON = "检查验收合格、整改已验收；当年指标未在系统填报，建设标准经县检查验收组现场核查达标。"


SETTLED = "已按验收要求整改到位，资料已归档。"
# When the rest of the program's rectifications were reported and verified, before its close.
SETTLED_SUBMITTED_ON = datetime.date(2020, 10, 20)
SETTLED_VERIFIED_ON = datetime.date(2020, 11, 5)
REINSPECTED_ON = datetime.date(2020, 11, 20)
REINSPECTION_CONFIRMED_ON = datetime.date(2020, 12, 10)


@dataclass
class DemoAcceptance:
    accepted: int = 0
    demonstrations: int = 0
    reinspections: int = 0


def _latest_results(program) -> dict[int, Inspection]:
    """Each pilot's latest confirmed inspection (one query)."""
    latest = {}
    for inspection in Inspection.objects.filter(pilot__program=program, status=InspectionStatus.CONFIRMED).order_by(
        "year", "pk"
    ):
        latest[inspection.pilot_id] = inspection
    return latest


@transaction.atomic
def load_demo_acceptance(*, county, program, admin) -> DemoAcceptance:
    made = DemoAcceptance()
    if PilotAssignment.objects.filter(program=program, status=PilotStatus.ACCEPTED).exists():
        return made
    latest = _latest_results(program)
    open_pilots = set(
        Rectification.objects.filter(inspection__pilot__program=program)
        .exclude(status=RectificationStatus.VERIFIED)
        .values_list("inspection__pilot", flat=True)
    )
    pilots = list(
        PilotAssignment.objects.filter(program=program, status=PilotStatus.APPROVED, year__in=ACCEPTED_BATCH_YEARS)
        .select_related("village", "program")
        .order_by("year", "village__code")
    )
    reporters = {
        user.township_id: user
        for user in User.objects.filter(
            role=Role.TOWNSHIP, is_active=True, is_unit_leader=False, username__in=HISTORY_LOGINS
        ).order_by("pk")
    }
    passed = [
        p
        for p in pilots
        if p.pk in latest
        and latest[p.pk].grade in acceptance.PASSING_GRADES
        and (p.pk not in open_pilots or p.village.township_id in reporters)
    ]
    # Every other one: the rest stay in the open ledger, waiting for their acceptance. The
    # chosen ones' rectifications are reported by the township and verified first.
    chosen = passed[::2]
    for pilot in chosen:
        for row in acceptance.open_rectifications(pilot).order_by("pk"):
            if row.status == RectificationStatus.OPEN:
                assessment_services.rectification_submit(
                    actor=reporters[pilot.village.township_id], rectification=row, evidence_text=SETTLED
                )
            assessment_services.rectification_verify(actor=admin, rectification=row)
    excellent = []
    for index, pilot in enumerate(chosen):
        accepted_on, document_no = BATCHES[0] if index < len(chosen) // 2 else BATCHES[1]
        standards = acceptance.standards_state(pilot)
        acceptance.pilot_accept(
            actor=admin,
            assignment=pilot,
            accepted_on=accepted_on,
            document_no=document_no,
            standards=standards,
            reason="" if standards.met else REASON,
        )
        made.accepted += 1
        if latest[pilot.pk].grade == Grade.EXCELLENT:
            excellent.append(pilot)
    for pilot in excellent[:DEMONSTRATIONS]:
        acceptance.pilot_set_demonstration(
            actor=admin, assignment=pilot, named=True, reason="检查验收优秀，经县领导小组研究命名。"
        )
        made.demonstrations += 1

    # 不合格 → 整改 → 复查: the first failing pilot with open rectifications gets its re-inspection.
    failing = [
        inspection
        for pilot_id, inspection in sorted(latest.items())
        if inspection.grade == Grade.FAIL and pilot_id in open_pilots and inspection.original_id is None
    ]
    inspector = User.objects.filter(username="inspector", role=Role.INSPECTOR, county=county).first()
    reinspection = None
    if failing and inspector is not None and not Inspection.objects.filter(original=failing[0]).exists():
        reinspection = assessment_services.reinspection_create(
            actor=admin, original=failing[0], inspectors=[inspector], inspected_on=REINSPECTED_ON
        )
        made.reinspections += 1
    if program.end_year < timezone.localdate().year:
        _settle_at_program_end(program=program, admin=admin)
        if reinspection is not None:
            _pass_reinspection(admin=admin, inspector=inspector, inspection=reinspection)
    return made


def _pass_reinspection(*, admin, inspector, inspection) -> None:
    """The failing pilot's 复查 after its rectifications: passed, a few half points off."""
    items = list(inspection.template.items.order_by("order"))
    scores = [
        assessment_services.ScoreInput(
            item_id=item.pk,
            points=item.max_points - (Decimal("0.5") if index % 3 == 0 else 0),
            reason="整改后复查，个别资料仍不完整，扣0.5分。" if index % 3 == 0 else "",
        )
        for index, item in enumerate(items)
    ]
    assessment_services.inspection_scores_save(actor=inspector, inspection=inspection, scores=scores)
    assessment_services.inspection_submit(actor=inspector, inspection=inspection)
    assessment_services.inspection_confirm(actor=admin, inspection=inspection, today=REINSPECTION_CONFIRMED_ON)
    Inspection.objects.filter(pk=inspection.pk).update(
        created_at=_at(SETTLED_VERIFIED_ON),
        submitted_at=_at(REINSPECTED_ON),
        confirmed_at=_at(REINSPECTION_CONFIRMED_ON),
        updated_at=_at(REINSPECTION_CONFIRMED_ON),
    )


def _settle_at_program_end(*, program, admin) -> None:
    """The rectifications still open when the program ended were reported by their townships and
    verified before its close: a finished program owes nothing today (the demo's open
    rectifications are the current program's, demo/current.py)."""
    reporters = {
        user.township_id: user
        for user in User.objects.filter(role=Role.TOWNSHIP, is_active=True, is_unit_leader=False).order_by("pk")
    }
    rows = (
        Rectification.objects.filter(inspection__pilot__program=program)
        .exclude(status=RectificationStatus.VERIFIED)
        .select_related("responsible_unit")
        .order_by("pk")
    )
    settled = []
    for row in rows:
        reporter = reporters.get(row.responsible_unit.township_id)
        if reporter is None:
            continue
        if row.status == RectificationStatus.OPEN:
            assessment_services.rectification_submit(actor=reporter, rectification=row, evidence_text=SETTLED)
        assessment_services.rectification_verify(actor=admin, rectification=row)
        settled.append(row.pk)
    verified = _at(SETTLED_VERIFIED_ON)
    Rectification.objects.filter(pk__in=settled).update(
        submitted_at=_at(SETTLED_SUBMITTED_ON), verified_at=verified, updated_at=verified
    )


def _at(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(10)))
