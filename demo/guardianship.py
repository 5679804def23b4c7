"""Demo guardianship data for the demo county: the policy, dibao standards 2016–2026 and a few
hundred synthetic persons under special-hardship support (valid ID numbers, names from fixed
syllables), some in the 敬老院 of 信陵镇 and 野三关镇; self-care assessments, guardians of all
three categories with agreements (a few missing), a year of monthly visits with some gaps (this month's half done), two
supervision findings and one guardian replacement.

Everything comes from a fixed seed. Persons are keyed by their ID number, and the rows that
hang off a person are made only for persons created in the same run, so a second run adds
nothing. Bulk writes (no audit entries): this is synthetic seed data, not anyone's work.
"""

import datetime
import random
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from guardianship import rules, services
from guardianship.choices import (
    CivilCapacity,
    ConsentBy,
    DisabilityType,
    Duty,
    GuardianCategory,
    GuardianKind,
    ObligorSituation,
    PersonKind,
    Relation,
    SupportMode,
)
from guardianship.models import (
    Agreement,
    DibaoStandard,
    Guardian,
    GuardianReplacement,
    Person,
    SelfCareAssessment,
    SupervisionFinding,
    Visit,
)
from pilot_admin import idnumbers
from pilot_admin.choices import Role
from pilot_admin.models import User
from villages.choices import VillageKind
from villages.models import Village

SEED = "badong-guardianship"
PERSONS = 320
AREA = "422823"
# Rural dibao standard of the demo county, yuan per person and month (synthetic, rising yearly).
DIBAO = {year: Decimal(330 + 35 * (year - 2016)) for year in range(2016, 2027)}
INSTITUTIONS = {"信陵镇": "信陵镇敬老院", "野三关镇": "野三关镇敬老院"}
SURNAMES = "王李张刘陈杨黄赵周吴徐孙向谭邓田覃冉谢胡"
GIVEN = "德家兴国秀英桂兰明华春芳玉清云山成永文翠福贵金凤"
FINDINGS = (
    "监护人长期外出务工，未履行日常看护职责。",
    "部分分散供养人员走访记录内容千篇一律，台账不规范。",
)


@dataclass(frozen=True)
class DemoGuardianship:
    persons: int
    visits: int
    created: int


def _rng(*parts) -> random.Random:
    return random.Random(":".join(str(p) for p in (SEED, *parts)))


def _add_months(month: datetime.date, n: int) -> datetime.date:
    index = month.year * 12 + month.month - 1 + n
    return datetime.date(index // 12, index % 12 + 1, 1)


def _birth(rng: random.Random, kind: str, today: datetime.date) -> datetime.date:
    age = {PersonKind.ELDERLY: rng.randint(61, 92), PersonKind.MINOR: rng.randint(3, 14)}.get(kind, rng.randint(20, 58))
    return today.replace(month=1, day=1) - datetime.timedelta(days=365 * age + rng.randint(0, 360))


def _plan_person(i: int, rng: random.Random, village: Village, today: datetime.date) -> Person:
    kind = rng.choices([PersonKind.ELDERLY, PersonKind.DISABLED, PersonKind.MINOR], weights=[6, 3, 1])[0]
    birth = _birth(rng, kind, today)
    male = rng.random() < 0.6
    # Serials are unique per person (2i or 2i+1 < 1000), so ID numbers never collide.
    body = f"{AREA}{birth:%Y%m%d}{(2 * i + (1 if male else 0)) % 1000:03d}"
    number = body + idnumbers._CHECK_CODES[sum(int(d) * w for d, w in zip(body, idnumbers._WEIGHTS, strict=True)) % 11]
    facts = rules.parse_id_number(number)
    person = Person(
        name=rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, rng.choice((1, 2)))),
        gender=facts.gender,
        id_number=facts.number,
        birth_date=facts.birth_date,
        village=village,
        address=f"{village.township.name}{village.name}{rng.randint(1, 9)}组",
        kind=kind,
        monthly_income_yuan=Decimal(rng.randrange(0, 300)),
        obligor_situation=rng.choice(
            [ObligorSituation.NONE] * 3 + [ObligorSituation.UNABLE_DIBAO, ObligorSituation.UNABLE_TEKUN]
        ),
        support_mode=SupportMode.DISPERSED,
    )
    if kind == PersonKind.DISABLED:
        person.disability_type = rng.choice(
            [DisabilityType.INTELLECTUAL, DisabilityType.MENTAL, DisabilityType.PHYSICAL]
        )
        person.disability_grade = 1 if person.disability_type == DisabilityType.PHYSICAL else rng.choice((1, 2))
        if person.disability_type != DisabilityType.PHYSICAL:
            person.civil_capacity = rng.choice([CivilCapacity.NONE, CivilCapacity.LIMITED])
    elif kind == PersonKind.MINOR:
        person.civil_capacity = CivilCapacity.LIMITED if birth.year < today.year - 8 else CivilCapacity.NONE
    elif rng.random() < 0.2:
        person.civil_capacity = CivilCapacity.LIMITED
    institution = INSTITUTIONS.get(village.township.name)
    if institution and rng.random() < 0.5:
        person.support_mode, person.institution = SupportMode.CONCENTRATED, institution
    return person


def _ensure_persons(county, today: datetime.date) -> list[Person]:
    villages = list(
        Village.objects.filter(township__county=county, is_active=True, kind=VillageKind.ADMINISTRATIVE_VILLAGE)
        .select_related("township")
        .order_by("code")
    )
    if not villages:
        return []
    planned = []
    for i in range(PERSONS):
        rng = _rng("person", i)
        planned.append(_plan_person(i, rng, rng.choice(villages), today))
    existing = set(
        Person.objects.filter(id_number__in=[p.id_number for p in planned]).values_list("id_number", flat=True)
    )
    new = [p for p in planned if p.id_number not in existing]
    Person.objects.bulk_create(new)
    created = list(Person.objects.filter(id_number__in=[p.id_number for p in new]).select_related("village__township"))
    # On the register for two years, but for a few entered this month (they still owe its visit).
    long_ago = timezone.make_aware(datetime.datetime.combine(today - datetime.timedelta(days=730), datetime.time(9)))
    this_month = timezone.make_aware(datetime.datetime.combine(today.replace(day=1), datetime.time(9)))
    recent = {p.pk for p in created[::60]}
    Person.objects.filter(pk__in=[p.pk for p in created if p.pk not in recent]).update(created_at=long_ago)
    Person.objects.filter(pk__in=recent).update(created_at=this_month)
    return created


def _assess(persons: list[Person], policy, today: datetime.date) -> None:
    assessments = []
    for person in persons:
        rng = _rng("assessment", person.id_number)
        weights = {PersonKind.ELDERLY: 0.2, PersonKind.DISABLED: 0.45, PersonKind.MINOR: 0.3}[person.kind]
        items = {name: rng.random() > weights for name in rules.SELF_CARE_ITEMS}
        unmet = sum(1 for ok in items.values() if not ok)
        level = rules.self_care_level(unmet, policy=policy)
        assessed_on = today - datetime.timedelta(days=rng.randint(30, 330))
        assessments.append(
            SelfCareAssessment(
                person=person, assessed_on=assessed_on, assessor="乡镇民政办", unmet_count=unmet, level=level, **items
            )
        )
        person.self_care_level = level
    SelfCareAssessment.objects.bulk_create(assessments)
    Person.objects.bulk_update(persons, ["self_care_level"])


def _guardian_for(person: Person, rng: random.Random, start: datetime.date) -> Guardian:
    roll = rng.random()
    if roll < 0.55:
        return Guardian(
            person=person,
            kind=GuardianKind.INDIVIDUAL,
            name=rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
            relation=rng.choice([Relation.CHILD, Relation.SPOUSE, Relation.OTHER_CLOSE_RELATIVE]),
            phone=f"139{rng.randint(10000000, 99999999)}",
            category=GuardianCategory.I,
            start_date=start,
        )
    if roll < 0.75:
        return Guardian(
            person=person,
            kind=GuardianKind.INDIVIDUAL,
            name=rng.choice(SURNAMES) + "某某",
            relation=Relation.OTHER,
            phone=f"137{rng.randint(10000000, 99999999)}",
            category=GuardianCategory.II,
            consent_by=ConsentBy.VILLAGE_COMMITTEE,
            consent_on=start,
            start_date=start,
        )
    if roll < 0.92:
        return Guardian(
            person=person,
            kind=GuardianKind.VILLAGE_COMMITTEE,
            name=f"{person.village.name}村民委员会",
            category=GuardianCategory.III,
            start_date=start,
        )
    return Guardian(
        person=person,
        kind=GuardianKind.CIVIL_AFFAIRS_OFFICE,
        name=f"{person.village.township.name}民政办",
        category=GuardianCategory.III,
        start_date=start,
    )


def _guardians(persons: list[Person], today: datetime.date) -> None:
    wards = [p for p in persons if p.civil_capacity != CivilCapacity.FULL]
    guardians = [_guardian_for(p, _rng("guardian", p.id_number), today - datetime.timedelta(days=600)) for p in wards]
    Guardian.objects.bulk_create(guardians)
    duties = [Duty.REPRESENT, Duty.PROTECT_RIGHTS, Duty.DAILY_WATCH, Duty.LIVING_CARE, Duty.HOSPITAL_ESCORT]
    # Every eighth guardian has not signed yet: the overview's "agreements missing".
    Agreement.objects.bulk_create(
        Agreement(
            guardian=g,
            signed_on=g.start_date + datetime.timedelta(days=10),
            duties=sorted(_rng("duties", g.person.id_number).sample(duties, 3)),
        )
        for n, g in enumerate(guardians)
        if n % 8 != 7
    )


def _visits(persons: list[Person], visitors: dict[int, User], admin: User, today: datetime.date) -> int:
    this_month = today.replace(day=1)
    visits = []
    for person in persons:
        if person.support_mode != SupportMode.DISPERSED:
            continue
        rng = _rng("visits", person.id_number)
        visitor = visitors.get(person.village.township_id, admin)
        for back in range(11, -1, -1):
            month = _add_months(this_month, -back)
            # About one month in twenty missed; this month half done, whatever its day: the
            # visits made so far fall between its first day and today.
            if rng.random() < 0.05 or (back == 0 and rng.random() < 0.5):
                continue
            last_day = today.day if back == 0 else (_add_months(month, 1) - datetime.timedelta(days=1)).day
            day = month.replace(day=rng.randint(1, last_day))
            heating = not (month.month in (12, 1, 2) and rng.random() < 0.1)
            visits.append(
                Visit(
                    person=person,
                    visited_on=day,
                    visitor=visitor,
                    visitor_name=f"联村干部{rng.choice(SURNAMES)}某",
                    heating_ok=heating,
                    problems="" if heating else "取暖设施不足，需补发取暖物资。",
                    follow_up="" if heating else "已报镇民政办协调。",
                )
            )
    Visit.objects.bulk_create(visits, batch_size=2000)
    return len(visits)


def _findings_and_replacement(persons: list[Person], admin: User, today: datetime.date) -> None:
    """Two county findings, the first against a guardian and answered by replacing it."""
    ward = next(
        (
            p
            for p in persons
            if p.civil_capacity != CivilCapacity.FULL
            and p.guardians.filter(is_active=True, category=GuardianCategory.I).exists()
        ),
        None,
    )
    if ward is None or SupervisionFinding.objects.filter(problem__in=FINDINGS).exists():
        return
    finding = services.finding_create(
        actor=admin,
        township=ward.village.township,
        person=ward,
        problem=FINDINGS[0],
        deadline=today - datetime.timedelta(days=20),
        found_on=today - datetime.timedelta(days=50),
        requires_guardian_replacement=True,
    )
    services.finding_create(
        actor=admin,
        township=persons[-1].village.township,
        problem=FINDINGS[1],
        deadline=today + datetime.timedelta(days=30),
        found_on=today - datetime.timedelta(days=5),
    )
    services.guardian_replace(
        actor=admin,
        person=ward,
        reason="irresponsible",
        decided_on=today - datetime.timedelta(days=30),
        note="督查发现监护人长期外出，改由村委会监护。",
        finding=finding,
        kind=GuardianKind.VILLAGE_COMMITTEE,
        name=f"{ward.village.name}村民委员会",
        relation="",
        phone="",
        has_close_relative=False,
        willing=False,
        consent_by="",
        consent_on=None,
        able_to_perform=True,
    )
    new_guardian = GuardianReplacement.objects.get(finding=finding).new_guardian
    services.agreement_sign(
        actor=admin,
        guardian=new_guardian,
        signed_on=today - datetime.timedelta(days=28),
        duties=[Duty.DAILY_WATCH, Duty.LIVING_CARE],
    )


@transaction.atomic
def load_demo_guardianship(*, county, admin: User, today: datetime.date | None = None) -> DemoGuardianship:
    """Create whatever of the demo county's guardianship data is missing."""
    today = today or timezone.localdate()
    policy = services.policy_for(county)
    for year, yuan in DIBAO.items():
        DibaoStandard.objects.get_or_create(county=county, year=year, defaults={"monthly_yuan": yuan})
    created = _ensure_persons(county, today)
    if created:
        _assess(created, policy, today)
        _guardians(created, today)
        visitors = {
            u.township_id: u
            for u in User.objects.filter(role=Role.TOWNSHIP, township__county=county, is_active=True).order_by(
                "-is_unit_leader", "id"
            )
        }
        _visits(created, visitors, admin, today)
        _findings_and_replacement(created, admin, today)
    in_county = Q(village__township__county=county)
    return DemoGuardianship(
        persons=Person.objects.filter(in_county).count(),
        visits=Visit.objects.filter(Q(person__village__township__county=county)).count(),
        created=len(created),
    )
