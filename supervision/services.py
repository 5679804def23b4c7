"""Every write of the supervision committees: checked against the county's policy, validated,
in one transaction, audited. Each refusal is a ValidationError with a Chinese message naming
the rule (SPEC R-J1…R-J14); a soft rule ("主任一般由党员担任") comes back as a warning."""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from pilot_admin import idnumbers, uploads
from pilot_admin.audit import services as audit
from pilot_admin.choices import AuditAction
from pilot_admin.services import require
from supervision import permissions, rules
from supervision.choices import (
    TWO_COMMITTEE_POSTS,
    VILLAGERS_COMMITTEE_POSTS,
    CommitteeStatus,
    ElectionStatus,
    Exclusion,
    MatterStatus,
    MemberRole,
)
from supervision.models import (
    AnnualReport,
    CadreRelative,
    Candidate,
    Committee,
    CommitteeMember,
    Decision,
    DemocraticEvaluation,
    Election,
    ElectionDocument,
    EligibilityException,
    ExpenseReview,
    Meeting,
    RaisedMatter,
    RefusedVoucher,
    SupervisionPilotPlan,
    SupervisionPolicy,
    VillageCadre,
)
from villages.models import Village


def policy_for(county) -> SupervisionPolicy:
    policy, _ = SupervisionPolicy.objects.get_or_create(county=county)
    return policy


def _policy_of(committee: Committee) -> SupervisionPolicy:
    return policy_for(committee.village.township.county)


def _require_edit(actor) -> None:
    require(permissions.can_edit_supervision(actor), "您的角色不能登记村务监督委员会。")


def _editable(actor, model, obj):
    """The row again, locked, if `actor` may change it; otherwise PermissionDenied (a page
    found it through visible_to already, so this is a service called from elsewhere)."""
    _require_edit(actor)
    row = model.objects.editable_by(actor).select_for_update().filter(pk=obj.pk).first()
    require(row is not None, "该记录不在您的管辖范围内。")
    return row


def _village_for(actor, village: Village) -> Village:
    _require_edit(actor)
    require(
        Village.objects.township_work_by(actor).filter(pk=village.pk).exists(),
        "该村不在您的管辖范围内。",
    )
    return village


def _create(actor, instance):
    instance.full_clean()
    instance.save()
    audit.record(actor=actor, instance=instance, action=AuditAction.CREATE)
    return instance


def _update(actor, instance, before: dict, *, note: str = ""):
    instance.full_clean()
    instance.save()
    audit.record(actor=actor, instance=instance, action=AuditAction.UPDATE, before=before, note=note)
    return instance


def identity_from(data: dict) -> dict:
    """An ID number, when given, is checked and gives the birth date and sex; a birth date typed
    beside it must agree."""
    number = (data.get("id_number") or "").strip()
    if not number:
        data["id_number"] = ""
        return data
    try:
        facts = idnumbers.parse_id_number(number)
    except ValidationError as error:
        raise ValidationError({"id_number": error.messages}) from error
    if data.get("birth_date") and data["birth_date"] != facts.birth_date:
        raise ValidationError({"birth_date": "出生日期与公民身份号码不符。"})
    data.update(id_number=facts.number, birth_date=facts.birth_date, gender=facts.gender)
    return data


# --- the cadre register ------------------------------------------------------------------------

CADRE_FIELDS = ("name", "gender", "birth_date", "id_number", "is_party_member", "post", "term_start", "term_end")


def cadre_build(*, actor, village: Village, **data) -> VillageCadre:
    """A cadre checked but not saved (the import builds a batch of them)."""
    _village_for(actor, village)
    cadre = VillageCadre(village=village, **identity_from({k: v for k, v in data.items() if k in CADRE_FIELDS}))
    cadre.full_clean()
    return cadre


@transaction.atomic
def cadre_create(*, actor, village: Village, **data) -> VillageCadre:
    cadre = cadre_build(actor=actor, village=village, **data)
    cadre.save()
    audit.record(actor=actor, instance=cadre, action=AuditAction.CREATE)
    return cadre


@transaction.atomic
def cadre_end_term(*, actor, cadre: VillageCadre, term_end: datetime.date) -> VillageCadre:
    """A cadre leaves the post (end of term, resignation): from the next day they no longer
    exclude themselves or their relatives."""
    cadre = _editable(actor, VillageCadre, cadre)
    before = audit.snapshot(cadre)
    cadre.term_end = term_end
    return _update(actor, cadre, before)


@transaction.atomic
def relative_add(*, actor, cadre: VillageCadre, **data) -> CadreRelative:
    """Record a close relative of a cadre (R-J7(5)); by ID number or birth date, so that a
    candidate can be matched to them."""
    cadre = _editable(actor, VillageCadre, cadre)
    data = identity_from(
        {k: v for k, v in data.items() if k in ("name", "gender", "birth_date", "id_number", "relation")}
    )
    return _create(actor, CadreRelative(cadre=cadre, **data))


def serving_cadres(village: Village, on: datetime.date):
    return VillageCadre.objects.filter(village=village, term_start__lte=on).filter(
        Q(term_end__isnull=True) | Q(term_end__gte=on)
    )


def villagers_committee_term(village: Village, on: datetime.date) -> tuple[datetime.date, datetime.date] | None:
    """The term of the villagers' committee serving on `on`, as its registered members give it
    (the commonest start and end among them); None when no member with an end date is known."""
    terms = (
        serving_cadres(village, on)
        .filter(post__in=VILLAGERS_COMMITTEE_POSTS, term_end__isnull=False)
        .values("term_start", "term_end")
        .annotate(n=Count("id"))
        .order_by("-n", "term_start")
    )
    first = terms.first()
    return (first["term_start"], first["term_end"]) if first else None


# --- committees and their elections --------------------------------------------------------------


@transaction.atomic
def committee_create(
    *,
    actor,
    village: Village,
    term_start: datetime.date,
    term_end: datetime.date,
    seats: int,
    scheduled_on: datetime.date,
    is_pilot: bool = False,
) -> Committee:
    """Open a committee for a term and its election. The term is the villagers' committee's
    (R-J4) when its members are registered; the seats are within the county's 3–5 (R-J2)."""
    _village_for(actor, village)
    policy = policy_for(village.township.county)
    errors: dict[str, list[str]] = {}
    vc_term = villagers_committee_term(village, term_start)
    if vc_term is not None and vc_term != (term_start, term_end):
        errors.setdefault("term_start", []).append(f"监委会任期应与村委会任期相同（{vc_term[0]} 至 {vc_term[1]}）。")
    if not policy.min_members <= seats <= policy.max_members:
        errors.setdefault("seats", []).append(
            f"村务监督委员会由{policy.min_members}—{policy.max_members}人组成，应选人数不能为{seats}人。"
        )
    if errors:
        raise ValidationError(errors)
    committee = _create(actor, Committee(village=village, term_start=term_start, term_end=term_end, is_pilot=is_pilot))
    _create(actor, Election(committee=committee, seats=seats, scheduled_on=scheduled_on))
    return committee


CANDIDATE_FIELDS = (
    "name",
    "gender",
    "birth_date",
    "id_number",
    "nomination",
    "is_resident",
    "is_party_member",
    "has_unexpired_sanction",
)


def _require_step(election: Election, *allowed: str) -> None:
    if election.status not in allowed:
        names = "、".join(str(ElectionStatus(step).label) for step in allowed)
        raise ValidationError(f"选举当前为“{election.get_status_display()}”，此操作只能在“{names}”时进行。")


def _step_date(day: datetime.date, previous: datetime.date | None, previous_label: str, label: str) -> None:
    if day > timezone.localdate():
        raise ValidationError(f"{label}不能晚于今天。")
    if previous is not None and day < previous:
        raise ValidationError(f"{label}（{day}）不能早于{previous_label}（{previous}）。")


@transaction.atomic
def candidate_add(*, actor, election: Election, **data) -> Candidate:
    """Record a nominated candidate (R-J8: by the representatives, self- or joint nomination).
    Whether they may stand is judged when the Party branch vets the formal candidates."""
    election = _editable(actor, Election, election)
    _require_step(election, ElectionStatus.PREPARING, ElectionStatus.NOMINATED)
    data = identity_from({k: v for k, v in data.items() if k in CANDIDATE_FIELDS})
    if not data.get("birth_date"):
        raise ValidationError({"birth_date": "候选人须填写出生日期或公民身份号码（审查年龄条件）。"})
    return _create(actor, Candidate(election=election, **data))


def candidate_refusals(candidate: Candidate, *, on: datetime.date, policy=None) -> list[rules.Refusal]:
    """The R-J7 conditions `candidate` fails on `on`, less those the county excepted."""
    village = candidate.election.committee.village
    policy = policy or policy_for(village.township.county)
    cadres = list(serving_cadres(village, on))
    relatives = CadreRelative.objects.filter(
        cadre__in=[cadre for cadre in cadres if cadre.post in TWO_COMMITTEE_POSTS]
    ).select_related("cadre")
    excepted = set(candidate.exceptions.values_list("exclusion", flat=True))
    return [
        refusal
        for refusal in rules.eligibility_refusals(candidate, on=on, policy=policy, cadres=cadres, relatives=relatives)
        if refusal.exclusion not in excepted
    ]


@transaction.atomic
def exception_record(*, actor, candidate: Candidate, exclusion: str, reason: str) -> EligibilityException:
    """The county records an exception to one condition for one candidate, with its reason."""
    require(permissions.can_record_exception(actor), "任职条件的例外只能由县里记录。")
    candidate = Candidate.objects.editable_by(actor).filter(pk=candidate.pk).first()
    require(candidate is not None, "该记录不在您的管辖范围内。")
    if exclusion in rules.NOT_EXCEPTABLE:
        raise ValidationError({"exclusion": f"“{Exclusion(exclusion).label}”不能例外。"})
    return _create(
        actor,
        EligibilityException(
            candidate=candidate, exclusion=exclusion, reason=(reason or "").strip(), recorded_by=actor
        ),
    )


@transaction.atomic
def election_nominate(*, actor, election: Election, nominated_on: datetime.date) -> Election:
    """Close the nomination: enough nominees to give the formal margin (R-J8)."""
    election = _editable(actor, Election, election)
    _require_step(election, ElectionStatus.PREPARING)
    policy = _policy_of(election.committee)
    low, _ = rules.formal_candidate_range(election.seats, policy)
    nominees = election.candidates.count()
    if nominees < low:
        raise ValidationError(f"应选{election.seats}人，至少须提名{low}名候选人，现有{nominees}名。")
    _step_date(nominated_on, None, "", "提名日期")
    before = audit.snapshot(election)
    election.nominated_on, election.status = nominated_on, ElectionStatus.NOMINATED
    return _update(actor, election, before)


@transaction.atomic
def election_vet(
    *, actor, election: Election, vetted_on: datetime.date, formal: Iterable[Candidate], notes: dict | None = None
) -> Election:
    """The village Party branch's vetting: the formal candidates each meet R-J7 on the planned
    election day (or hold the county's exception), and outnumber the seats by 1–3 (R-J8)."""
    election = _editable(actor, Election, election)
    _require_step(election, ElectionStatus.NOMINATED)
    _step_date(vetted_on, election.nominated_on, "提名日期", "审查日期")
    policy = _policy_of(election.committee)
    formal_ids = {candidate.pk for candidate in formal}
    candidates = list(election.candidates.all())
    if not formal_ids <= {candidate.pk for candidate in candidates}:
        raise ValidationError("正式候选人须是本次选举提名的候选人。")
    low, high = rules.formal_candidate_range(election.seats, policy)
    errors = []
    if not low <= len(formal_ids) <= high:
        errors.append(
            f"正式候选人应比应选人数多{policy.extra_candidates_min}—{policy.extra_candidates_max}人"
            f"（应选{election.seats}人，正式候选人{low}—{high}人），现为{len(formal_ids)}人。"
        )
    for candidate in candidates:
        if candidate.pk in formal_ids:
            for refusal in candidate_refusals(candidate, on=election.scheduled_on, policy=policy):
                errors.append(f"{candidate.name}：{refusal.message}")
    if errors:
        raise ValidationError(errors)
    notes = notes or {}
    for candidate in candidates:
        before = audit.snapshot(candidate)
        candidate.is_formal = candidate.pk in formal_ids
        candidate.vetting_note = notes.get(candidate.pk, candidate.vetting_note)
        _update(actor, candidate, before)
    before = audit.snapshot(election)
    election.vetted_on, election.status = vetted_on, ElectionStatus.VETTED
    return _update(actor, election, before)


@transaction.atomic
def election_approve(*, actor, election: Election, approved_on: datetime.date, reference: str = "") -> Election:
    """The township Party committee approves the formal candidates (R-J8)."""
    election = _editable(actor, Election, election)
    _require_step(election, ElectionStatus.VETTED)
    _step_date(approved_on, election.vetted_on, "党支部审查日期", "乡镇党委批准日期")
    before = audit.snapshot(election)
    election.approved_on, election.approval_reference = approved_on, reference.strip()
    election.status = ElectionStatus.APPROVED
    return _update(actor, election, before)


@transaction.atomic
def election_hold(
    *,
    actor,
    election: Election,
    held_on: datetime.date,
    representatives_total: int,
    representatives_present: int,
    votes: dict[int, int],
    assembly: str | None = None,
) -> Election:
    """The election (R-J9): valid with at least two thirds of the representatives present
    (inclusive); each formal candidate's votes; the seats go to the most votes, each elected
    candidate meeting R-J7 on the day it is held. The elected become the committee's members."""
    election = _editable(actor, Election, election)
    _require_step(election, ElectionStatus.APPROVED)
    _step_date(held_on, election.approved_on, "乡镇党委批准日期", "选举日期")
    policy = _policy_of(election.committee)
    if representatives_present > representatives_total:
        raise ValidationError({"representatives_present": "实到人数不能多于应到人数。"})
    if not rules.quorum_met(present=representatives_present, total=representatives_total, policy=policy):
        needed = rules.quorum_needed(representatives_total, policy)
        raise ValidationError(
            {
                "representatives_present": f"应到{representatives_total}人，须至少{needed}人参加选举方为有效"
                f"（{policy.quorum_numerator}/{policy.quorum_denominator}，含本数），实到{representatives_present}人。"
            }
        )
    formal = list(election.candidates.filter(is_formal=True))
    if set(votes) != {candidate.pk for candidate in formal}:
        raise ValidationError("须填写每位正式候选人的得票数。")
    errors = [
        f"{candidate.name}的得票数（{votes[candidate.pk]}）不能多于实到人数。"
        for candidate in formal
        if votes[candidate.pk] > representatives_present or votes[candidate.pk] < 0
    ]
    if errors:
        raise ValidationError(errors)
    ranked = sorted(formal, key=lambda candidate: -votes[candidate.pk])
    winners = ranked[: election.seats]
    if len(ranked) > election.seats and votes[ranked[election.seats].pk] == votes[winners[-1].pk]:
        raise ValidationError("末位当选人与下一位得票相同，应就得票相同者另行选举。")
    for candidate in winners:
        for refusal in candidate_refusals(candidate, on=held_on, policy=policy):
            errors.append(f"{candidate.name}：{refusal.message}")
    if errors:
        raise ValidationError(errors)
    for candidate in formal:
        before = audit.snapshot(candidate)
        candidate.votes, candidate.elected = votes[candidate.pk], candidate in winners
        _update(actor, candidate, before)
    for candidate in winners:
        _create(
            actor,
            CommitteeMember(
                committee=election.committee,
                candidate=candidate,
                name=candidate.name,
                gender=candidate.gender,
                birth_date=candidate.birth_date,
                id_number=candidate.id_number,
                is_party_member=candidate.is_party_member,
                elected_on=held_on,
            ),
        )
    before = audit.snapshot(election)
    election.held_on, election.status = held_on, ElectionStatus.HELD
    election.representatives_total, election.representatives_present = representatives_total, representatives_present
    if assembly:
        election.assembly = assembly
    return _update(actor, election, before)


@dataclass
class Outcome:
    """What a service did, and the soft rules it noticed (shown to the user, not refused)."""

    value: object
    warnings: list[str] = field(default_factory=list)


@transaction.atomic
def election_choose_chair(
    *, actor, election: Election, chosen_on: datetime.date, chair: CommitteeMember, subgroups: dict[int, str]
) -> Outcome:
    """The chair is chosen among the elected members (R-J9); each member joins a sub-group
    (R-J5). A chair who is not a Party member is allowed with a warning (R-J3 "一般由党员担任")."""
    election = _editable(actor, Election, election)
    _require_step(election, ElectionStatus.HELD)
    _step_date(chosen_on, election.held_on, "选举日期", "推选主任日期")
    members = list(election.committee.members.filter(removed_on__isnull=True))
    if chair.pk not in {member.pk for member in members}:
        raise ValidationError({"chair": "主任须从本届当选的成员中推选。"})
    for member in members:
        before = audit.snapshot(member)
        member.role = MemberRole.CHAIR if member.pk == chair.pk else MemberRole.MEMBER
        member.subgroup = subgroups.get(member.pk, member.subgroup)
        # Members first become plain members, so the one-chair constraint never sees two.
        if member.role == MemberRole.MEMBER:
            _update(actor, member, before)
    chair_row = next(member for member in members if member.pk == chair.pk)
    before = audit.snapshot(CommitteeMember.objects.get(pk=chair.pk))
    _update(actor, chair_row, before)
    before = audit.snapshot(election)
    election.chair_chosen_on, election.status = chosen_on, ElectionStatus.CHAIR_CHOSEN
    _update(actor, election, before)
    warnings = [] if chair_row.is_party_member else [rules.CHAIR_PARTY_WARNING]
    return Outcome(election, warnings)


def committee_problems(committee: Committee) -> list[str]:
    """What keeps the committee from R-J2 now: size and chair among its serving members."""
    policy = _policy_of(committee)
    serving = committee.members.filter(removed_on__isnull=True)
    return rules.composition_errors(
        serving=serving.count(), chairs=serving.filter(role=MemberRole.CHAIR).count(), policy=policy
    )


@transaction.atomic
def election_file(*, actor, election: Election, filed_on: datetime.date, reference: str = "") -> Election:
    """Filing with the township discipline commission (备案, R-J9): the committee, 3–5 members
    with one chair, is established on that day and the previous term's committee ends."""
    election = _editable(actor, Election, election)
    _require_step(election, ElectionStatus.CHAIR_CHOSEN)
    _step_date(filed_on, election.chair_chosen_on, "推选主任日期", "备案日期")
    committee = Committee.objects.select_for_update().get(pk=election.committee_id)
    problems = committee_problems(committee)
    if problems:
        raise ValidationError(problems)
    before = audit.snapshot(election)
    election.filed_on, election.filing_reference, election.status = filed_on, reference.strip(), ElectionStatus.FILED
    _update(actor, election, before)
    # The previous term's committee hands over: it ends as its successor is established.
    for previous in Committee.objects.select_for_update().filter(
        village=committee.village_id, status=CommitteeStatus.ACTIVE
    ):
        before = audit.snapshot(previous)
        previous.status = CommitteeStatus.ENDED
        _update(actor, previous, before, note=f"新一届监委会于{filed_on}备案成立")
    before = audit.snapshot(committee)
    committee.status, committee.established_on = CommitteeStatus.ACTIVE, filed_on
    _update(actor, committee, before)
    return election


@transaction.atomic
def election_document_add(*, actor, election: Election, step: str, upload) -> ElectionDocument:
    """Attach a document to one step (nomination list, vetting opinion, approval, minutes,
    filing receipt); checked like every attachment."""
    election = _editable(actor, Election, election)
    name = uploads.checked_attachment_name(upload)
    document = ElectionDocument(
        election=election, step=step, file=upload, original_name=name, size=upload.size, uploaded_by=actor
    )
    document.full_clean(exclude=["file"])
    document.save()
    audit.record(actor=actor, instance=document, action=AuditAction.CREATE)
    return document


@transaction.atomic
def member_remove(*, actor, member: CommitteeMember, removed_on: datetime.date, reason: str, assembly: str) -> Outcome:
    """The assembly removes a member for breaking the law or serious neglect of duty (R-J6). The
    removal stands; what it leaves short (size, chair) comes back as warnings to act on."""
    member = _editable(actor, CommitteeMember, member)
    if member.removed_on is not None:
        raise ValidationError("该成员已被撤换。")
    if not (reason or "").strip():
        raise ValidationError({"removal_reason": "撤换须写明原因（违法乱纪、严重失职等）。"})
    if removed_on > timezone.localdate():
        raise ValidationError({"removed_on": "撤换日期不能晚于今天。"})
    before = audit.snapshot(member)
    member.removed_on, member.removal_reason, member.removed_by_assembly = removed_on, reason.strip(), assembly
    _update(actor, member, before)
    warnings = []
    if member.committee.status == CommitteeStatus.ACTIVE:
        warnings = [f"{problem}应及时补选。" for problem in committee_problems(member.committee)]
    return Outcome(member, warnings)


# --- supervision at work ---------------------------------------------------------------------------


def _require_active(committee: Committee, day: datetime.date, label: str) -> None:
    if committee.status != CommitteeStatus.ACTIVE:
        raise ValidationError("只有在任的村务监督委员会才能登记。")
    if day > timezone.localdate():
        raise ValidationError(f"{label}不能晚于今天。")
    if not (committee.established_on or committee.term_start) <= day <= committee.term_end:
        raise ValidationError(f"{label}应在本届任期内（备案之日起至{committee.term_end}）。")


@transaction.atomic
def meeting_record(
    *,
    actor,
    committee: Committee,
    held_on: datetime.date,
    attendees: Iterable[CommitteeMember],
    matters: str,
    minutes: str = "",
    decisions: Iterable[dict] = (),
) -> Meeting:
    """A meeting (R-J14): the serving members present, the matters, and each decision by
    majority of those present (more than half voting for)."""
    committee = _editable(actor, Committee, committee)
    _require_active(committee, held_on, "会议日期")
    serving = {member.pk: member for member in committee.members.filter(removed_on__isnull=True)}
    present = {member.pk for member in attendees}
    if not present:
        raise ValidationError({"attendees": "请选择出席的成员。"})
    if not present <= set(serving):
        raise ValidationError({"attendees": "出席成员须是本届在任的成员。"})
    if not (matters or "").strip():
        raise ValidationError({"matters": "请填写会议议题。"})
    meeting = Meeting(committee=committee, held_on=held_on, matters=matters.strip(), minutes=minutes, recorded_by=actor)
    _create(actor, meeting)
    meeting.attendees.set(present)
    errors = []
    for number, item in enumerate(decisions, start=1):
        votes = item.get("votes_for", 0) + item.get("votes_against", 0) + item.get("abstentions", 0)
        if votes > len(present):
            errors.append(f"第{number}项表决的票数（{votes}）多于出席人数（{len(present)}）。")
            continue
        decision = Decision(
            meeting=meeting,
            subject=(item.get("subject") or "").strip(),
            votes_for=item.get("votes_for", 0),
            votes_against=item.get("votes_against", 0),
            abstentions=item.get("abstentions", 0),
            passed=rules.decision_passed(votes_for=item.get("votes_for", 0), present=len(present)),
        )
        try:
            decision.full_clean()
        except ValidationError as error:
            errors.extend(f"第{number}项表决：{message}" for message in error.messages)
            continue
        decision.save()
        audit.record(actor=actor, instance=decision, action=AuditAction.CREATE)
    if errors:
        raise ValidationError(errors)
    return meeting


@transaction.atomic
def expense_review_record(
    *,
    actor,
    committee: Committee,
    period_start: datetime.date,
    reviewed_on: datetime.date,
    vouchers_reviewed: int,
    vouchers_stamped: int,
    refusals: Iterable[dict] = (),
    amount_yuan=None,
    notes: str = "",
) -> ExpenseReview:
    """A review of the period's expense vouchers (R-J11), monthly or quarterly as the county
    sets: every voucher reviewed is stamped or refused, and a refused one says why (the agency
    centre may not book it)."""
    committee = _editable(actor, Committee, committee)
    _require_active(committee, reviewed_on, "复核日期")
    interval = _policy_of(committee).expense_review_interval
    if not rules.period_start_ok(period_start, interval):
        label = "每月1日" if interval == "monthly" else "每季度第一天（1月、4月、7月、10月的1日）"
        raise ValidationError(
            {"period_start": f"本县按{'月' if interval == 'monthly' else '季'}复核，期间应从{label}开始。"}
        )
    refusals = list(refusals)
    errors = [
        f"第{n}张退回票据须写明退回原因。"
        for n, item in enumerate(refusals, 1)
        if not (item.get("reason") or "").strip()
    ]
    if vouchers_stamped + len(refusals) != vouchers_reviewed:
        errors.append(f"复核{vouchers_reviewed}张，盖章{vouchers_stamped}张、退回{len(refusals)}张，合计不符。")
    if errors:
        raise ValidationError(errors)
    review = _create(
        actor,
        ExpenseReview(
            committee=committee,
            interval=interval,
            period_start=period_start,
            reviewed_on=reviewed_on,
            vouchers_reviewed=vouchers_reviewed,
            vouchers_stamped=vouchers_stamped,
            vouchers_refused=len(refusals),
            amount_yuan=amount_yuan,
            notes=notes,
            recorded_by=actor,
        ),
    )
    for item in refusals:
        refusal = RefusedVoucher(
            review=review,
            voucher=(item.get("voucher") or "").strip(),
            amount_yuan=item.get("amount_yuan"),
            reason=item["reason"].strip(),
        )
        _create(actor, refusal)
    return review


@transaction.atomic
def matter_raise(*, actor, committee: Committee, raised_on: datetime.date, duty: str, matter: str) -> RaisedMatter:
    """A matter taken up from villagers' opinions or the committee's own supervision (R-J13)."""
    committee = _editable(actor, Committee, committee)
    _require_active(committee, raised_on, "受理日期")
    return _create(actor, RaisedMatter(committee=committee, raised_on=raised_on, duty=duty, matter=matter.strip()))


@transaction.atomic
def matter_feed_back(
    *, actor, matter: RaisedMatter, findings: str, feedback: str, fed_back_on: datetime.date, channel: str
) -> RaisedMatter:
    """The result goes back to villagers (notice board, meeting or individual reply, R-J13(4))."""
    matter = _editable(actor, RaisedMatter, matter)
    if matter.status == MatterStatus.FED_BACK:
        raise ValidationError("该事项已反馈。")
    if fed_back_on > timezone.localdate():
        raise ValidationError({"fed_back_on": "反馈日期不能晚于今天。"})
    before = audit.snapshot(matter)
    matter.findings, matter.feedback = findings.strip(), feedback.strip()
    matter.fed_back_on, matter.channel, matter.status = fed_back_on, channel, MatterStatus.FED_BACK
    return _update(actor, matter, before)


@transaction.atomic
def annual_report_record(
    *, actor, committee: Committee, year: int, reported_on: datetime.date, assembly: str, summary: str
) -> AnnualReport:
    """The yearly report to the Party branch and the assembly (R-J14)."""
    committee = _editable(actor, Committee, committee)
    _require_active(committee, reported_on, "报告日期")
    return _create(
        actor,
        AnnualReport(
            committee=committee, year=year, reported_on=reported_on, assembly=assembly, summary=summary.strip()
        ),
    )


@transaction.atomic
def evaluation_record(*, actor, committee: Committee, **data) -> DemocraticEvaluation:
    """The assembly's democratic evaluation and its published result (R-J14)."""
    committee = _editable(actor, Committee, committee)
    _require_active(committee, data["evaluated_on"], "评议日期")
    fields = ("year", "evaluated_on", "participants", "satisfied", "basically_satisfied", "unsatisfied", "published_on")
    return _create(actor, DemocraticEvaluation(committee=committee, **{k: data[k] for k in fields if k in data}))


PLAN_FIELDS = ("name", "source_document", "pilots_min", "pilots_max", "pilot_start", "pilot_end", "rollout_deadline")


@transaction.atomic
def pilot_plan_save(*, actor, county, **data) -> SupervisionPilotPlan:
    """The county office writes its own pilot plan (R-J1, R-J15); a township cannot."""
    require(
        permissions.can_edit_pilot_plan(actor) and actor.county_id == county.pk,
        "只有本县的县级管理员可以修改试点方案。",
    )
    plan = SupervisionPilotPlan.objects.select_for_update().filter(county=county).first()
    values = {key: data[key] for key in PLAN_FIELDS if key in data}
    if plan is None:
        return _create(actor, SupervisionPilotPlan(county=county, **values))
    before = audit.snapshot(plan)
    for key, value in values.items():
        setattr(plan, key, value)
    return _update(actor, plan, before)
