"""Demo supervision committees (村务监督委员会) for the demo county, written through
supervision.services only, as a township would: each of the 12 townships pilots them in 1–2
villages (R-J1; two in the three largest), elected step by step to filing (备案), then meeting
month by month with gaps and reviewing the month's expense vouchers, one refused.

The story's special cases:
- 水布垭镇's first pilot is overdue for re-election: its five-year term ended on the last day
  of last month and no new committee has been filed (the dashboard's 届满未换届, the township's
  reminder) — days overdue, as a township's home page shows in a real county, not years;
- 野三关镇's second pilot is electing: nominated and vetted, waiting for the township Party
  committee; one nominee, the child of the villagers' committee chair, was not admitted as a
  formal candidate and the vetting note says why (R-J7, the refusal visible on the election page).

Dates are relative to `today`: the current term began on 1 May of last year (the villagers'
committee elections), meetings fall in the last four months with some months missed. Idempotent:
nothing is written once the county has any committee.
"""

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from pilot_admin.choices import Role
from pilot_admin.models import User
from supervision import services
from supervision.choices import CadrePost
from supervision.models import Committee, SupervisionPilotPlan
from villages.models import Township, Village

TWO_PILOTS = ("沿渡河镇", "野三关镇", "水布垭镇")
OVERDUE_TOWNSHIP = "水布垭镇"
ELECTING_TOWNSHIP = "野三关镇"
SURNAMES = "王李张刘陈杨黄赵周吴徐孙胡朱高林何郭马罗"
GIVEN = ("建国", "秀英", "志强", "桂兰", "德华", "玉梅", "国平", "春燕", "明山", "小红", "永福", "海燕")
MATTERS = (
    "审议村级公益事业建设项目资金使用情况",
    "监督村务公开栏本月公开内容",
    "核查集体林地流转合同执行情况",
    "听取村民对低保评议的意见",
)


@dataclass(frozen=True)
class DemoSupervision:
    committees: int
    meetings: int
    reviews: int


def _name(n: int) -> str:
    return SURNAMES[n % len(SURNAMES)] + GIVEN[(n // len(SURNAMES) + n) % len(GIVEN)]


def _term(start_year: int) -> tuple[datetime.date, datetime.date]:
    return datetime.date(start_year, 5, 1), datetime.date(start_year + 5, 4, 30)


def _months_back(today: datetime.date, n: int) -> datetime.date:
    month = today.replace(day=1)
    for _ in range(n):
        month = (month - datetime.timedelta(days=1)).replace(day=1)
    return month


def _candidates(actor, election, seed: int, count: int):
    return [
        services.candidate_add(
            actor=actor,
            election=election,
            name=_name(seed * 7 + n),
            gender="male" if n % 2 else "female",
            birth_date=datetime.date(1965 + (seed + n) % 25, 1 + n % 12, 1 + (seed * 3 + n) % 27),
            nomination="representatives",
            is_party_member=n == 0,
        )
        for n in range(count)
    ]


def _elect(actor, village, term, seed: int, *, is_pilot: bool = True) -> Committee:
    """A committee of three elected and filed in the term's first month."""
    start, end = term
    committee = services.committee_create(
        actor=actor,
        village=village,
        term_start=start,
        term_end=end,
        seats=3,
        scheduled_on=start + datetime.timedelta(days=19),
        is_pilot=is_pilot,
    )
    election = committee.election
    candidates = _candidates(actor, election, seed, 4)
    services.election_nominate(actor=actor, election=election, nominated_on=start + datetime.timedelta(days=4))
    services.election_vet(
        actor=actor, election=election, vetted_on=start + datetime.timedelta(days=7), formal=candidates
    )
    services.election_approve(
        actor=actor,
        election=election,
        approved_on=start + datetime.timedelta(days=11),
        reference=f"{village.township.name[:-1]}党委〔{start.year}〕{seed + 10}号",
    )
    services.election_hold(
        actor=actor,
        election=election,
        held_on=start + datetime.timedelta(days=19),
        representatives_total=36,
        representatives_present=30,
        votes={c.pk: 29 - n * 3 for n, c in enumerate(candidates)},
    )
    members = list(committee.members.order_by("name"))
    chair = next((m for m in members if m.is_party_member), members[0])
    services.election_choose_chair(
        actor=actor,
        election=election,
        chosen_on=start + datetime.timedelta(days=19),
        chair=chair,
        subgroups={m.pk: ("transparency", "transparency", "assets")[n] for n, m in enumerate(members)},
    )
    services.election_file(
        actor=actor,
        election=election,
        filed_on=start + datetime.timedelta(days=24),
        reference=f"纪备〔{start.year}〕{seed + 1}号",
    )
    committee.refresh_from_db()
    return committee


def _work(actor, committee, seed: int, today: datetime.date) -> tuple[int, int]:
    """Meetings in the last four months (one month in three missed) and the reviews of the last
    three months that have ended (one missed, one with a refused voucher)."""
    members = list(committee.members.filter(removed_on__isnull=True))
    meetings = reviews = 0
    for back in range(3, -1, -1):
        month = _months_back(today, back)
        held_on = min(month.replace(day=10 + seed % 15), today)
        if (seed + back) % 3 == 0 or held_on < committee.established_on:
            continue
        services.meeting_record(
            actor=actor,
            committee=committee,
            held_on=held_on,
            attendees=members,
            matters=MATTERS[(seed + back) % len(MATTERS)],
            decisions=[{"subject": "同意提请村民代表会议审议", "votes_for": len(members)}],
        )
        meetings += 1
    for back in range(3, 0, -1):
        month = _months_back(today, back)
        if (seed + back) % 4 == 0 or month < committee.established_on:
            continue
        refusals = [{"voucher": "第12号凭证", "reason": "无经手人和证明人签字"}] if (seed + back) % 5 == 0 else []
        services.expense_review_record(
            actor=actor,
            committee=committee,
            period_start=month,
            reviewed_on=min(month.replace(day=28), today),
            vouchers_reviewed=8 + seed % 5,
            vouchers_stamped=8 + seed % 5 - len(refusals),
            refusals=refusals,
        )
        reviews += 1
    return meetings, reviews


def _electing_with_refusal(actor, village, term, seed: int, today: datetime.date) -> Committee:
    """An election under way; the chair of the villagers' committee's child is nominated and
    refused at the vetting, with the reason in the note."""
    start, end = term
    chair = services.cadre_create(
        actor=actor,
        village=village,
        name=_name(seed * 11),
        post=CadrePost.COMMITTEE_CHAIR,
        is_party_member=True,
        birth_date=datetime.date(1968, 3, 12),
        gender="male",
        term_start=start,
        term_end=end,
    )
    relative = services.relative_add(
        actor=actor, cadre=chair, name=_name(seed * 11 + 1), relation="child", birth_date=datetime.date(1992, 8, 8)
    )
    committee = services.committee_create(
        actor=actor,
        village=village,
        term_start=start,
        term_end=end,
        seats=3,
        scheduled_on=today + datetime.timedelta(days=14),
        is_pilot=True,
    )
    election = committee.election
    candidates = _candidates(actor, election, seed, 4)
    refused = services.candidate_add(
        actor=actor,
        election=election,
        name=relative.name,
        birth_date=relative.birth_date,
        gender="female",
        nomination="self",
    )
    services.election_nominate(actor=actor, election=election, nominated_on=today - datetime.timedelta(days=9))
    reasons = "；".join(r.message for r in services.candidate_refusals(refused, on=election.scheduled_on))
    services.election_vet(
        actor=actor,
        election=election,
        vetted_on=today - datetime.timedelta(days=4),
        formal=candidates,
        notes={refused.pk: f"不列为正式候选人：{reasons}"},
    )
    return committee


@transaction.atomic
def load_demo_supervision(*, county, admin: User, today: datetime.date | None = None) -> DemoSupervision:
    """Create the demo county's committees unless it has any."""
    today = today or timezone.localdate()
    current = _term(today.year - 1)
    if not SupervisionPilotPlan.objects.filter(county=county).exists():
        # Pilot the year before the current term's election, then every village with the
        # next villagers' committee election (the current term's end).
        services.pilot_plan_save(
            actor=admin,
            county=county,
            name=f"{county.name}村务监督委员会建设试点方案",
            source_document="演示数据",
            pilots_min=1,
            pilots_max=2,
            pilot_start=datetime.date(today.year - 2, 3, 1),
            pilot_end=datetime.date(today.year - 1, 2, 28),
            rollout_deadline=current[1],
        )
    existing = Committee.objects.filter(village__township__county=county)
    if existing.exists():
        return DemoSupervision(committees=existing.count(), meetings=0, reviews=0)
    ended = today.replace(day=1) - datetime.timedelta(days=1)
    previous = (datetime.date(today.year - 5, today.month, 1), ended)
    officials = {
        u.township_id: u
        for u in User.objects.filter(role=Role.TOWNSHIP, township__county=county, is_active=True).order_by(
            "-is_unit_leader", "-id"
        )
    }
    meetings = reviews = committees = 0
    seed = 0
    for township in Township.objects.filter(county=county).order_by("code", "name"):
        actor = officials.get(township.pk, admin)
        count = 2 if township.name in TWO_PILOTS else 1
        villages = list(Village.objects.filter(township=township, is_active=True).order_by("code", "name")[:count])
        for n, village in enumerate(villages):
            seed += 1
            committees += 1
            if township.name == ELECTING_TOWNSHIP and n == 1:
                _electing_with_refusal(actor, village, current, seed, today)
            elif township.name == OVERDUE_TOWNSHIP and n == 0:
                _elect(actor, village, previous, seed)  # its term ended; no successor filed
            else:
                done = _work(actor, _elect(actor, village, current, seed), seed, today)
                meetings, reviews = meetings + done[0], reviews + done[1]
    return DemoSupervision(committees=committees, meetings=meetings, reviews=reviews)
