import datetime

import factory
from django.utils import timezone

from pilot_admin.choices import Role
from pilot_admin.models import User
from villages.choices import DepartmentKind, PilotLevel, PilotStatus
from villages.models import (
    County,
    Department,
    IndicatorYear,
    PilotAssignment,
    PilotProgram,
    Township,
    Village,
    VillageIndicator,
)

PASSWORD = "Correct-horse-7"


class CountyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = County
        django_get_or_create = ("province", "name")
        skip_postgeneration_save = True

    name = "巴东县"
    province = "湖北省"
    prefecture = "恩施土家族苗族自治州"
    admin_code = "422823"

    @factory.post_generation
    def open_indicator_year(county, create, extracted, **kwargs):
        # As the 0008 migration does for existing counties: this year is open for indicators.
        if create:
            IndicatorYear.objects.get_or_create(
                county=county, year=timezone.localdate().year, defaults={"opened_at": timezone.now()}
            )


class TownshipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Township

    county = factory.SubFactory(CountyFactory)
    name = factory.Sequence(lambda n: f"测试{n}镇")
    # 200–999: clear of the persona townships' codes (101, 104) in tests/conftest.py.
    code = factory.Sequence(lambda n: f"422823{200 + n % 800:03d}")


class VillageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Village

    township = factory.SubFactory(TownshipFactory)
    name = factory.Sequence(lambda n: f"测试{n}村")
    households = 300
    population = 1100
    resident_population = 800
    is_active = True
    # A village made inactive here left before any year the tests count (no date of its own).
    ended_on = factory.LazyAttribute(lambda v: None if v.is_active else datetime.date(2000, 1, 1))


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department

    county = factory.SubFactory(CountyFactory)
    key = factory.Sequence(lambda n: f"dept-{n}")
    name = factory.Sequence(lambda n: f"县测试局{n}")
    kind = DepartmentKind.GOVERNMENT


class PilotProgramFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PilotProgram

    county = factory.SubFactory(CountyFactory)
    code = factory.Sequence(lambda n: f"program-{n}")
    name = "巴东县“十三五”农村社区建设试点"
    start_year = 2016
    end_year = 2020
    cumulative_by_year = 2020
    # The tests' worked examples name their due dates (2018-06-30, a Saturday, and 12-31, a New
    # Year holiday, among them); the model's default moves them (tests/pilot_admin/test_workdays.py).
    due_dates_follow_workdays = False


class PilotAssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PilotAssignment

    program = factory.SubFactory(PilotProgramFactory)
    village = factory.SubFactory(VillageFactory)
    year = 2017
    level = PilotLevel.COUNTY
    status = PilotStatus.APPROVED
    # In step with the level (constraint pilotassignment_level_follows_provincial).
    provincial_status = factory.LazyAttribute(lambda o: PilotAssignment.provincial_status_for_level(o.level))


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    last_name = factory.Sequence(lambda n: f"用户{n}")
    role = Role.COUNTY_VIEWER
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class VillageIndicatorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VillageIndicator

    village = factory.SubFactory(VillageFactory)
    year = 2017
    reported_by = factory.SubFactory(UserFactory)
    reported_at = factory.LazyFunction(timezone.now)


# --- tasks ------------------------------------------------------------------------------------


class TaskFactory(factory.django.DjangoModelFactory):
    """A task without units or periods: add TaskAssignmentFactory rows, and either
    ReportingPeriodFactory rows or `TaskFactory(sync_periods=True)` for its cadence's periods."""

    class Meta:
        model = "tasks.Task"
        skip_postgeneration_save = True

    program = factory.SubFactory(PilotProgramFactory)
    code = factory.Sequence(lambda n: f"T-{n:03d}")
    title = factory.Sequence(lambda n: f"测试任务{n}")
    text = "按方案要求推进试点工作。"
    start_date = datetime.date(2018, 1, 1)
    deadline = datetime.date(2018, 12, 31)
    cadence_kind = "every_n_months"
    cadence_months = 2

    @factory.post_generation
    def sync_periods(obj, create, extracted, **kwargs):
        if create and extracted:
            from tasks.services import task_sync_periods

            task_sync_periods(task=obj)


class TaskAssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "tasks.TaskAssignment"

    task = factory.SubFactory(TaskFactory)
    department = factory.SubFactory(DepartmentFactory, county=factory.SelfAttribute("..task.program.county"))
    role = "lead"


class ReportingPeriodFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "tasks.ReportingPeriod"

    task = factory.SubFactory(TaskFactory)
    due_date = factory.Sequence(lambda n: datetime.date(2018, 1, 1) + datetime.timedelta(days=n))
    start = factory.LazyAttribute(lambda o: o.due_date - datetime.timedelta(days=30))
    end = factory.SelfAttribute("due_date")
    label = factory.LazyAttribute(lambda o: f"截至{o.due_date:%Y年%m月%d日}")


class ProgressReportFactory(factory.django.DjangoModelFactory):
    """A unit's report; `status="submitted"` (or accepted/returned) also sets the submission
    times unless given."""

    class Meta:
        model = "tasks.ProgressReport"

    period = factory.SubFactory(ReportingPeriodFactory)
    task = factory.SelfAttribute("period.task")
    department = factory.SubFactory(DepartmentFactory, county=factory.SelfAttribute("..period.task.program.county"))
    text = "已按期推进。"
    percent_complete = 50
    status = "draft"
    submitted_at = factory.LazyAttribute(lambda o: None if o.status == "draft" else timezone.now())
    first_submitted_at = factory.SelfAttribute("submitted_at")
    return_reason = factory.LazyAttribute(lambda o: "请补充数据。" if o.status == "returned" else "")


class ReportAttachmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "tasks.ReportAttachment"

    report = factory.SubFactory(ProgressReportFactory)
    file = factory.django.FileField(filename="进展.pdf", data=b"%PDF-1.4 test attachment")
    original_name = "进展.pdf"
    size = factory.LazyAttribute(lambda o: o.file.size)
    uploaded_by = factory.SubFactory(UserFactory)


def bimonthly_task(*, actor, program, lead, townships=(), cooperating=(), code="BD-05-01", **fields):
    """A task made the way the county office makes one (tasks.services.task_create): every two
    months through 2018, so its periods are 2018年1–2月 (due 02-28) … 2018年11–12月 (due 12-31)."""
    from tasks.services import task_create

    defaults = {
        "title": "建立农村社区服务站台账",
        "text": "各试点村建立社区综合服务站工作台账，每两个月报送一次进展。",
        "start_date": datetime.date(2018, 1, 1),
        "deadline": datetime.date(2018, 12, 31),
        "cadence_kind": "every_n_months",
        "cadence_months": 2,
    }
    defaults.update(fields)
    return task_create(
        actor=actor,
        program=program,
        code=code,
        lead=list(lead),
        cooperating=list(cooperating),
        townships=list(townships),
        **defaults,
    )


# --- assessments ------------------------------------------------------------------------------


def score_template(*, program, year=2019, maxima=(40, 30, 20, 10), published=True, sections=2):
    """A template of `program` for `year` whose items have `maxima` (spread over `sections`),
    written directly: tests of publishing build theirs through the services."""
    from decimal import Decimal

    from assessments.choices import TemplateStatus
    from assessments.models import ScoreItem, ScoreSection, ScoreTemplate

    template = ScoreTemplate.objects.create(
        program=program,
        year=year,
        name=f"{year}年试点村检查验收评分表",
        status=TemplateStatus.PUBLISHED if published else TemplateStatus.DRAFT,
        published_at=timezone.now() if published else None,
    )
    parts = [
        ScoreSection.objects.create(template=template, order=n + 1, title=f"第{n + 1}部分") for n in range(sections)
    ]
    for index, points in enumerate(maxima):
        ScoreItem.objects.create(
            template=template,
            section=parts[index % sections],
            code=f"{index % sections + 1}.{index // sections + 1}",
            order=index + 1,
            title=f"评分项目{index + 1}",
            guidance="按实际情况评分。",
            max_points=Decimal(str(points)),
        )
    return template


def scheduled_inspection(*, actor, program, village, inspectors, year=2019, template=None, pilot_year=2017):
    """An approved pilot of `village` with its `year` inspection scheduled by the county office."""
    from assessments.services import inspection_schedule

    if template is None and not program.score_templates.filter(year=year).exists():
        score_template(program=program, year=year)
    pilot = PilotAssignmentFactory(program=program, village=village, year=pilot_year)
    return inspection_schedule(actor=actor, pilot=pilot, year=year, inspectors=inspectors)


def full_scores(inspection, deductions=None, rectify=()):
    """ScoreInputs for every item: full marks less `deductions` {item code: points off}, with a
    reason wherever points are off; `rectify` names item codes marked for rectification."""
    from assessments.services import ScoreInput

    deductions = deductions or {}
    inputs = []
    for item in inspection.template.items.order_by("order"):
        off = deductions.get(item.code, 0)
        points = item.max_points - type(item.max_points)(str(off))
        inputs.append(
            ScoreInput(
                item_id=item.pk,
                points=points,
                reason=f"{item.title}扣{off}分" if off else "",
                rectify=item.code in rectify,
            )
        )
    return inputs


def confirmed_inspection(*, county_admin, inspection, deductions=None, rectify=(), today=None):
    """`inspection` scored by its first team member (full marks less `deductions`), submitted
    and confirmed by the county office, all through the services."""
    from assessments import services

    scorer = inspection.inspectors.first()
    services.inspection_scores_save(
        actor=scorer, inspection=inspection, scores=full_scores(inspection, deductions, rectify)
    )
    services.inspection_submit(actor=scorer, inspection=inspection)
    return services.inspection_confirm(actor=county_admin, inspection=inspection, today=today)


# --- guardianship -----------------------------------------------------------------------------


def id_number(birth_date: datetime.date, serial: int, *, area: str = "422823") -> str:
    """A valid 18-character ID number (GB 11643) for `area` (巴东县 by default) and birth date;
    `serial` (0–999) fills positions 15–17, its parity giving the gender (odd: male)."""
    from pilot_admin.idnumbers import with_check_character

    # The year by hand: strftime's %Y does not pad years before 1000 to four digits on Linux.
    return with_check_character(f"{area}{birth_date.year:04d}{birth_date:%m%d}{serial % 1000:03d}")


class PersonFactory(factory.django.DjangoModelFactory):
    """An active elderly person in dispersed support (the commonest case), eligible on default
    numbers; the ID number agrees with birth date and gender."""

    class Meta:
        model = "guardianship.Person"

    name = factory.Sequence(lambda n: f"测试人员{n}")
    birth_date = datetime.date(1950, 3, 15)
    id_number = factory.LazyAttributeSequence(lambda o, n: id_number(o.birth_date, 2 * (n % 500) + 1))
    gender = "male"
    village = factory.SubFactory(VillageFactory)
    kind = "elderly"
    civil_capacity = "full"
    support_mode = "dispersed"
    obligor_situation = "none"


class PilotNominationFactory(factory.django.DjangoModelFactory):
    """A township's pending nomination (申报) of a village."""

    class Meta:
        model = "villages.PilotNomination"

    program = factory.SubFactory(PilotProgramFactory)
    village = factory.SubFactory(VillageFactory)
    year = 2019
    reason = "村党组织坚强有力，集体经济基础较好。"
    guidance_category = "strong_collective_or_resettlement"
    state = "pending"
    nominated_by = factory.SubFactory(
        UserFactory, role=Role.TOWNSHIP, township=factory.SelfAttribute("..village.township")
    )
    nominated_at = factory.LazyFunction(timezone.now)
