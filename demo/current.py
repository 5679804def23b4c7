"""The demo county's current program: the five-year plan whose years include the day `load_demo`
runs (十五五, 2026–2030, in 2026), so the demo is a working day and not six-year-old history.

Everything is placed relative to that day (`today`): tasks with reports due this week and next,
a few overdue by days, reports returned for correction and reports waiting for review; this
year's pilots in every state (拟定, 已审批, 已验收, 已撤销, and nominations pending in the county's
queue, demo/nominations.py); inspections waiting for the inspector to score them. Units with a
demo login report through the services as that login, on the story's days; the other units'
reports are bulk-made in their final state (as demo/work_plan.py does for the old program).

Idempotent as the rest of the demo: the program is found by its code, and each part is made
only when missing (tasks by code, the year's pilots, score sheet and indicators by year,
inspections once). A second run the same day adds nothing; in a later year of the plan it adds
that year's pilots, score sheet and indicators; in a later five-year plan, it starts that plan.
"""

import datetime
import random
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from assessments import services as assessment_services
from assessments import services_acceptance as acceptance
from assessments.choices import TemplateStatus
from assessments.models import Inspection, Rectification, ScoreTemplate
from demo.inspections import publish_sheet
from demo.nominations import load_demo_nominations
from demo.work_plan import PlannedReport, _report_through_services, _times, report_row
from pilot_admin.choices import Role
from pilot_admin.models import User
from pilot_admin.workdays import WorkCalendar
from tasks import services as task_services
from tasks.choices import CadenceKind, Phase, ReportStatus
from tasks.models import ProgressReport, ReportingPeriod, Task, TaskAssignment
from villages import services as village_services
from villages.choices import COUNTED_PILOT_STATUSES, PilotLevel, PilotStatus, VillageKind
from villages.models import Department, PilotAssignment, PilotProgram, Village

SEED = "badong-current"
# Five-year plans run 2016–2020, 2021–2025, 2026–2030 …; 十三五 began in 2016.
FIRST_PLAN_YEAR, FIRST_PLAN_NUMBER, PLAN_YEARS = 2016, 13, 5
DIGITS = "零一二三四五六七八九"

# Pilots of the current year per township: one each, a second in the three largest, so the
# county reaches its 15 (R-A3); one more proposed in two townships, one withdrawn after approval.
SECOND_PILOT = ("沿渡河镇", "野三关镇", "水布垭镇")
PROPOSED = ("信陵镇", "茶店子镇")
WITHDRAWN = "清太坪镇"
WITHDRAW_REASON = "村集体经济合作社改组，村“两委”申请暂缓试点，明年重新申报。"
# The one pilot inspected, confirmed 优秀 and accepted this year (an early, well-prepared one).
ACCEPTED_TOWNSHIP = "野三关镇"
ACCEPT_REASON = "检查验收优秀，建设标准经县检查验收组现场核查达标。"
# Inspections of this year's pilots: these many wait for the inspector's scores, one waits for
# the county office's confirmation.
TO_SCORE = 4
# The one report a township missed: its monthly progress report (task 01) of the latest period
# that has since locked, so the demo shows 已锁定 and the 申请补报 a late report needs.
LATE_TOWNSHIP, LATE_TASK = "水布垭镇", "01"


@dataclass(frozen=True)
class CurrentTask:
    code: str
    title: str
    text: str
    lead: str
    cooperating: tuple[str, ...] = ()
    # Every N months from the program's first day, or once, due this many days from today.
    months: int | None = None
    due_in_days: int | None = None
    phase: str = Phase.IMPLEMENT


def plan_tasks(today: datetime.date) -> list[CurrentTask]:
    """The current program's tasks: two ledgers reported all year, and one-off tasks due around
    today — three a few days overdue, two this week, two next week, one later this month."""
    to_sunday = 6 - today.weekday()
    this_week = sorted({min(2, to_sunday), to_sunday})
    next_week = (to_sunday + 3, to_sunday + 5)
    return [
        CurrentTask("01", "试点村建设进度月报", "各乡镇每月报送试点村建设进度，民政局汇总后报县领导小组办公室。",
                    lead="civil_affairs_bureau", months=1),
        CurrentTask("02", "农村社区综合服务站提档升级", "按照“十五五”建设标准推进试点村综合服务站提档升级，"
                    "每两个月报送建设台账。", lead="housing_construction_bureau",
                    cooperating=("civil_affairs_bureau",), months=2),
        CurrentTask("11", "报送本乡镇试点村年度实施方案", "各乡镇结合实际制定本年度试点村实施方案，"
                    "明确目标任务、责任人和时间节点。", lead="civil_affairs_bureau", due_in_days=-9,
                    phase=Phase.PLAN),
        CurrentTask("12", "开展农村社区协商示范点自查", "对照农村社区协商工作规程，逐村开展协商示范点自查，"
                    "形成自查报告。", lead="civil_affairs_bureau", due_in_days=-4),
        CurrentTask("13", "报送“三留守”人员关爱服务台账", "更新留守儿童、留守妇女、留守老人登记台账，"
                    "报送关爱服务开展情况。", lead="womens_federation", cooperating=("civil_affairs_bureau",),
                    due_in_days=-2),
        *(
            CurrentTask(code, title, text, lead=lead, due_in_days=days)
            for (code, title, text, lead), days in zip(
                (
                    ("14", "报送村级公共服务事项清单", "梳理进村公共服务事项，更新并公布村级公共服务事项清单。",
                     "civil_affairs_bureau"),
                    ("15", "开展冬季取暖和安全隐患排查", "组织对试点村分散供养特困人员和留守老人开展冬季取暖、"
                     "用电用火安全排查，报送排查台账。", "civil_affairs_bureau"),
                ),
                this_week if len(this_week) == 2 else this_week * 2,
                strict=True,
            )
        ),
        CurrentTask("16", "报送农村社区工作者培训情况", "报送本年度村委会成员和社区工作者业务培训开展情况。",
                    lead="hr_social_security_bureau", cooperating=("civil_affairs_bureau",),
                    due_in_days=next_week[0]),
        CurrentTask("17", "报送试点工作年度总结", "总结本年度试点工作成效、经验做法和存在问题，提出下一年度工作打算。",
                    lead="civil_affairs_bureau", due_in_days=next_week[1], phase=Phase.SUMMARY),
        CurrentTask("18", "村规民约修订备案", "指导试点村修订完善村规民约，报乡镇备案。", lead="justice_bureau",
                    due_in_days=to_sunday + 17),
    ]  # fmt: skip


@dataclass
class DemoCurrent:
    program: PilotProgram
    pilots: dict[str, int] = field(default_factory=dict)
    tasks: int = 0
    reports: int = 0
    created: dict[str, int] = field(default_factory=dict)


def plan_years(today: datetime.date) -> tuple[int, int, str]:
    """(first year, last year, 十五 …) of the five-year plan containing `today`."""
    index = (today.year - FIRST_PLAN_YEAR) // PLAN_YEARS
    start = FIRST_PLAN_YEAR + PLAN_YEARS * index
    number = FIRST_PLAN_NUMBER + index
    numeral = ("" if number < 20 else DIGITS[number // 10]) + "十" + (DIGITS[number % 10] if number % 10 else "")
    return start, start + PLAN_YEARS - 1, numeral


def _rng(*parts) -> random.Random:
    return random.Random("/".join([SEED, *map(str, parts)]))


def _at(day: datetime.date, hour: int = 9) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def _story_day(today: datetime.date, month: int, day: int, *, days_before: int) -> datetime.date:
    """`month`-`day` of this year, or `days_before` today when that day has not come yet."""
    wanted = datetime.date(today.year, month, day)
    return wanted if wanted < today else today - datetime.timedelta(days=days_before)


def _ensure_program(county, today) -> tuple[PilotProgram, int]:
    start, end, numeral = plan_years(today)
    code = f"badong-fyp-{start}"
    program = PilotProgram.objects.filter(code=code).first()
    if program is not None:
        return program, 0
    program = PilotProgram(
        county=county,
        code=code,
        name=f"巴东县“{numeral}五”农村社区建设试点",
        start_year=start,
        end_year=end,
        cumulative_by_year=end,
        source_document=f"《巴东县“{numeral}五”农村社区建设试点工作方案》",
    )
    program.full_clean()
    program.save()
    return program, 1


# ---------------------------------------------------------------------------------------------
# Pilots.


def _candidates(county) -> dict[int, list[Village]]:
    """Per township, its active villages that were never a pilot: the new plan's new pilots."""
    former = PilotAssignment.objects.filter(status__in=COUNTED_PILOT_STATUSES).values("village")
    villages = (
        Village.objects.filter(township__county=county, is_active=True, kind=VillageKind.ADMINISTRATIVE_VILLAGE)
        .exclude(pk__in=former)
        .select_related("township")
        .order_by("code")
    )
    by_township: dict[int, list[Village]] = {}
    for village in villages:
        by_township.setdefault(village.township_id, []).append(village)
    return by_township


def _ensure_pilots(*, county, program, admin, today) -> int:
    """This year's pilots, once: none of the year's (other than nominated ones) exist yet."""
    year = today.year
    if PilotAssignment.objects.filter(program=program, year=year, nomination__isnull=True).exists():
        return 0
    approved_on = _story_day(today, 4, 15, days_before=30)
    candidates = _candidates(county)
    created = 0
    for township in county.townships.order_by("code"):
        pool = candidates.get(township.pk, [])
        rng = _rng("pilots", township.code, year)
        count = 1 + (township.name in SECOND_PILOT) + (township.name in PROPOSED) + (township.name == WITHDRAWN)
        for index, village in enumerate(rng.sample(pool, min(count, len(pool)))):
            assignment = village_services.pilot_assignment_propose(
                actor=admin, program=program, village=village, year=year, level=PilotLevel.COUNTY
            )
            created += 1
            if township.name in PROPOSED and index == count - 1:
                continue  # 拟定: waits for the county's approval
            assignment = village_services.pilot_assignment_approve(actor=admin, assignment=assignment)
            withdrawn = township.name == WITHDRAWN and index == count - 1
            if withdrawn:
                village_services.pilot_assignment_withdraw(actor=admin, assignment=assignment, reason=WITHDRAW_REASON)
            PilotAssignment.objects.filter(pk=assignment.pk).update(
                approved_at=_at(approved_on),
                withdrawn_at=_at(today - datetime.timedelta(days=40)) if withdrawn else None,
            )
    return created


# ---------------------------------------------------------------------------------------------
# Inspections: this year's score sheet, inspections waiting for scores, one pilot accepted.


def _ensure_template(*, program, admin, today) -> tuple[ScoreTemplate, int]:
    year = today.year
    template = ScoreTemplate.objects.filter(program=program, year=year).first()
    if template is not None:
        return template, 0
    template = ScoreTemplate.objects.create(
        program=program, year=year, name=f"{year}年农村社区建设试点村检查验收评分表"
    )
    template = publish_sheet(admin=admin, template=template)
    published = _at(today - datetime.timedelta(days=30))
    ScoreTemplate.objects.filter(pk=template.pk).update(published_at=published, created_at=published)
    return template, 1


def _excellent_scores(template, rng) -> list[assessment_services.ScoreInput]:
    """A pilot that built what the plan asks: a few half points off, nothing to rectify."""
    items = list(template.items.order_by("order"))
    off = {item.pk: Decimal("0.5") for item in rng.sample(items, 6)}
    return [
        assessment_services.ScoreInput(
            item_id=item.pk,
            points=item.max_points - off.get(item.pk, Decimal(0)),
            reason="台账资料个别缺项，扣0.5分。" if item.pk in off else "",
        )
        for item in items
    ]


def _ensure_inspections(*, county, program, admin, today) -> int:
    year = today.year
    template, _ = _ensure_template(program=program, admin=admin, today=today)
    if template.status != TemplateStatus.PUBLISHED or Inspection.objects.filter(pilot__program=program).exists():
        return 0
    inspector = User.objects.get(username="inspector", role=Role.INSPECTOR, county=county)
    pilots = list(
        PilotAssignment.objects.filter(program=program, year=year, status=PilotStatus.APPROVED)
        .select_related("village__township", "program")
        .order_by("village__code")
    )
    first = next((p for p in pilots if p.village.township.name == ACCEPTED_TOWNSHIP), None)
    others = [p for p in pilots if p is not first][: TO_SCORE + 2]
    made = 0
    if first is not None:
        inspected_on = today - datetime.timedelta(days=12)
        inspection = assessment_services.inspection_schedule(
            actor=admin, pilot=first, year=year, inspectors=[inspector], inspected_on=inspected_on
        )
        assessment_services.inspection_scores_save(
            actor=inspector, inspection=inspection, scores=_excellent_scores(template, _rng("scores", year))
        )
        assessment_services.inspection_submit(actor=inspector, inspection=inspection)
        confirmed_on = today - datetime.timedelta(days=8)
        assessment_services.inspection_confirm(actor=admin, inspection=inspection, today=confirmed_on)
        Inspection.objects.filter(pk=inspection.pk).update(
            created_at=_at(inspected_on - datetime.timedelta(days=7)),
            submitted_at=_at(inspected_on, 17),
            confirmed_at=_at(confirmed_on),
            updated_at=_at(confirmed_on),
        )
        first.refresh_from_db()
        standards = acceptance.standards_state(first)
        acceptance.pilot_accept(
            actor=admin,
            assignment=first,
            accepted_on=today - datetime.timedelta(days=3),
            document_no=f"巴民发〔{year}〕52号",
            standards=standards,
            reason="" if standards.met else ACCEPT_REASON,
        )
        made += 1
    for index, pilot in enumerate(others):
        # This week's and next week's visits of the inspection team; the first was scored
        # and waits for the county office.
        inspected_on = today + datetime.timedelta(days=index * 2 - 2)
        inspection = assessment_services.inspection_schedule(
            actor=admin,
            pilot=pilot,
            year=year,
            inspectors=[inspector],
            outside_members="州民政局基层政权科 李明",
            inspected_on=inspected_on,
        )
        scheduled = _at(today - datetime.timedelta(days=10))
        Inspection.objects.filter(pk=inspection.pk).update(created_at=scheduled, updated_at=scheduled)
        if index == TO_SCORE + 1:
            _in_rectification(admin=admin, inspector=inspector, inspection=inspection, template=template, today=today)
        if index == TO_SCORE:
            assessment_services.inspection_scores_save(
                actor=inspector, inspection=inspection, scores=_excellent_scores(template, _rng("scores", pilot.pk))
            )
            assessment_services.inspection_submit(actor=inspector, inspection=inspection)
            Inspection.objects.filter(pk=inspection.pk).update(
                submitted_at=_at(today - datetime.timedelta(days=1), 17),
                updated_at=_at(today - datetime.timedelta(days=1), 17),
            )
        made += 1
    return made


# Items to put right: (points off, reason).
RECTIFY = {
    "2.1": (4, "综合服务站面积不足600平方米，扣4分。"),
    "3.1": (4, "综合信息网络平台尚未投入使用，扣4分。"),
    "3.3": (4, "公共安全视频监控未联网，扣4分。"),
}


def _in_rectification(*, admin, inspector, inspection, template, today) -> None:
    """A pilot graded 合格 (88) with three items to put right: confirmed a week ago, so its
    rectifications are open with weeks to go; the township has reported one of them."""
    by_code = {item.code: item for item in template.items.all()}
    scores = [
        assessment_services.ScoreInput(
            item_id=item.pk,
            points=item.max_points - RECTIFY.get(code, (0, ""))[0],
            reason=RECTIFY.get(code, (0, ""))[1],
            rectify=code in RECTIFY,
        )
        for code, item in by_code.items()
    ]
    assessment_services.inspection_scores_save(actor=inspector, inspection=inspection, scores=scores)
    assessment_services.inspection_submit(actor=inspector, inspection=inspection)
    confirmed_on = today - datetime.timedelta(days=7)
    assessment_services.inspection_confirm(actor=admin, inspection=inspection, today=confirmed_on)
    Inspection.objects.filter(pk=inspection.pk).update(
        submitted_at=_at(confirmed_on - datetime.timedelta(days=3), 17),
        confirmed_at=_at(confirmed_on),
        updated_at=_at(confirmed_on),
    )
    rows = Rectification.objects.filter(inspection=inspection).select_related("responsible_unit").order_by("pk")
    rows.update(created_at=_at(confirmed_on), updated_at=_at(confirmed_on))
    first = rows.first()
    reporter = User.objects.filter(
        role=Role.TOWNSHIP, township=first.responsible_unit.township_id, is_unit_leader=False
    ).first()
    if reporter is not None:
        assessment_services.rectification_submit(
            actor=reporter, rectification=first, evidence_text="已按整改要求落实到位，附整改前后照片。"
        )
        Rectification.objects.filter(pk=first.pk).update(
            submitted_at=_at(today - datetime.timedelta(days=2)), updated_at=_at(today - datetime.timedelta(days=2))
        )


# ---------------------------------------------------------------------------------------------
# Tasks and reports.


def _reporters(county) -> dict[int, User]:
    """The demo login that speaks for each unit (a clerk before the unit's leader)."""
    reporters: dict[int, User] = {}
    users = User.objects.filter(county=county, is_active=True, role__in=[Role.DEPARTMENT, Role.TOWNSHIP])
    for user in users.order_by("is_unit_leader", "username"):
        unit = village_services.unit_for(user)
        if unit is not None:
            reporters.setdefault(unit.pk, user)
    return reporters


def _create_tasks(*, county, program, admin, today) -> list[Task]:
    start, end, _ = plan_years(today)
    prefix = f"BD{start % 100:02d}"
    existing = set(Task.objects.filter(program=program).values_list("code", flat=True))
    units = {unit.key: unit for unit in Department.objects.filter(county=county).exclude(key="")}
    calendar = WorkCalendar.load()
    created = []
    for spec in plan_tasks(today):
        code = f"{prefix}-{spec.code}"
        if code in existing:
            continue
        if spec.months:
            dates = {"start_date": datetime.date(start, 1, 1), "deadline": datetime.date(end, 12, 31)}
            cadence = {"cadence_kind": CadenceKind.EVERY_N_MONTHS, "cadence_months": spec.months}
        else:
            due = today + datetime.timedelta(days=spec.due_in_days)
            # The working-day rule would move a past day off forward, perhaps to today or later:
            # a task meant to be overdue by days is due on the working day before instead.
            while spec.due_in_days < 0 and program.due_dates_follow_workdays and not calendar.is_workday(due):
                due -= datetime.timedelta(days=1)
            dates = {"start_date": due - datetime.timedelta(days=45), "deadline": due}
            cadence = {"cadence_kind": CadenceKind.ONCE}
        created.append(
            task_services.task_create(
                actor=admin,
                program=program,
                code=code,
                title=spec.title,
                text=spec.text,
                phase=spec.phase,
                lead=[units[spec.lead]],
                cooperating=[units[key] for key in spec.cooperating],
                all_townships=True,
                **dates,
                **cadence,
            )
        )
    return created


MONTH = datetime.timedelta(days=31)


def plan_current_report(*, task: Task, unit: Department, period: ReportingPeriod, lock_days: int, today):
    """What a unit did about one period, relative to `today`: a period still open for reports
    (locks in the future) is a mix of accepted, waiting for review, returned for correction and
    not yet sent (overdue by days); an older one was reported and accepted, so nothing owed is
    locked. A period not yet due has, now and then, a draft."""
    rng = _rng("report", task.code, unit.name, period.due_date)
    due = period.due_date
    elapsed = (min(due, task.deadline) - task.start_date).days / max(1, (task.deadline - task.start_date).days)
    percent = max(5, min(100, round((100 * elapsed + rng.uniform(-5, 10)) / 5) * 5))
    text = (
        f"{period.label}，{unit.short_name or unit.name}围绕“{task.title}”开展工作，已完成阶段性任务，下一步继续推进。"
    )
    earliest = max(period.start, due - datetime.timedelta(days=10))
    on_time = earliest + datetime.timedelta(days=rng.randint(0, max(0, (min(due, today) - earliest).days)))
    if due >= today:
        if rng.random() < 0.2 and on_time < today:
            return PlannedReport(ReportStatus.DRAFT, percent, text, True, first_day=on_time)
        return None
    plan = PlannedReport(ReportStatus.ACCEPTED, percent, text, True, first_day=on_time)
    locked_on = due + datetime.timedelta(days=lock_days)
    if locked_on < today:
        if task.code.endswith(f"-{LATE_TASK}") and unit.name.startswith(LATE_TOWNSHIP) and today - locked_on <= MONTH:
            return None  # missed, and locked since: the township asks for 补报
        plan.accepted_day = min(
            today - datetime.timedelta(days=1), on_time + datetime.timedelta(days=rng.randint(1, 5))
        )
        return plan
    draw = rng.random()
    if draw < 0.3:
        return None  # overdue by a few days: still open for the report
    latest = today - datetime.timedelta(days=1)
    if draw < 0.45:
        plan.status = ReportStatus.RETURNED
        plan.returned_day = min(latest, on_time + datetime.timedelta(days=1))
        plan.reason = "进展情况过于笼统，请补充具体数据和涉及的试点村名单。"
    elif draw < 0.75:
        plan.status = ReportStatus.SUBMITTED
    else:
        plan.accepted_day = min(latest, on_time + datetime.timedelta(days=2))
    return plan


def _seed_reports(*, tasks: list[Task], program, admin, county, today) -> int:
    reporters = _reporters(county)
    periods: dict[int, list[ReportingPeriod]] = {}
    for period in ReportingPeriod.objects.filter(task__in=tasks, start__lte=today).order_by("due_date"):
        periods.setdefault(period.task_id, []).append(period)
    by_task = {task.pk: task for task in tasks}
    fixes, bulk = [], []
    for assignment in TaskAssignment.objects.filter(task__in=tasks).select_related("department").order_by("pk"):
        task, unit = by_task[assignment.task_id], assignment.department
        for period in periods.get(task.pk, []):
            plan = plan_current_report(
                task=task, unit=unit, period=period, lock_days=program.report_lock_days, today=today
            )
            if plan is None:
                continue
            times = _times(plan, _rng("times", task.code, unit.name, period.due_date))
            reporter = reporters.get(unit.pk)
            if reporter is not None:
                report = _report_through_services(reporter=reporter, admin=admin, period=period, plan=plan)
            else:
                report = report_row(task=task, period=period, unit=unit, plan=plan, admin=admin, times=times)
                bulk.append(report)
            fixes.append((report, times))
    ProgressReport.objects.bulk_create(bulk, batch_size=500)
    for report, times in fixes:
        for name, value in times.items():
            setattr(report, name, value)
    fields = ["created_at", "updated_at", "first_submitted_at", "submitted_at", "reviewed_at"]
    ProgressReport.objects.bulk_update([report for report, _ in fixes], fields, batch_size=500)
    return len(fixes)


# ---------------------------------------------------------------------------------------------


@transaction.atomic
def load_demo_current(*, county, admin, users, today: datetime.date | None = None) -> DemoCurrent:
    """Create whatever of the current program is missing; return what it holds now."""
    today = today or timezone.localdate()
    program, n_programs = _ensure_program(county, today)
    n_pilots = _ensure_pilots(county=county, program=program, admin=admin, today=today)
    n_nominations = load_demo_nominations(program=program, admin=admin, users=users)
    tasks = _create_tasks(county=county, program=program, admin=admin, today=today)
    n_reports = _seed_reports(tasks=tasks, program=program, admin=admin, county=county, today=today) if tasks else 0
    n_inspections = _ensure_inspections(county=county, program=program, admin=admin, today=today)

    pilots = dict.fromkeys(PilotStatus.values, 0)
    for status in PilotAssignment.objects.filter(program=program).values_list("status", flat=True):
        pilots[status] += 1
    return DemoCurrent(
        program=program,
        pilots=pilots,
        tasks=Task.objects.filter(program=program).count(),
        reports=ProgressReport.objects.filter(task__program=program).count(),
        created={
            "current_programs": n_programs,
            "current_pilots": n_pilots,
            "current_nominations": n_nominations,
            "current_tasks": len(tasks),
            "current_reports": n_reports,
            "current_inspections": n_inspections,
        },
    )
