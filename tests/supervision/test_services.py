"""Every rule of the supervision committee at its boundaries (SPEC R-J2…R-J14): status first,
then the database, then the message."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from pilot_admin.models import AuditEntry
from supervision import rules, services
from supervision.choices import CadrePost, CommitteeStatus, ElectionStatus, Exclusion, MemberRole
from supervision.models import Candidate, Committee, CommitteeMember, ExpenseReview, Meeting
from tests.factories import id_number
from tests.supervision.conftest import (
    HELD,
    SCHEDULED,
    TERM_END,
    TERM_START,
    add_candidates,
    born,
    hold,
    to_approved,
)


def _messages(error: ValidationError) -> str:
    return " ".join(error.messages)


# --- size and chair (R-J2, R-J3) --------------------------------------------------------------------


@pytest.mark.parametrize(("seats", "ok"), [(2, False), (3, True), (5, True), (6, False)])
def test_seats_must_be_three_to_five(village_a, township_a_official, chair_of_villagers, seats, ok):
    create = lambda: services.committee_create(  # noqa: E731
        actor=township_a_official,
        village=village_a,
        term_start=TERM_START,
        term_end=TERM_END,
        seats=seats,
        scheduled_on=SCHEDULED,
    )
    if ok:
        assert create().election.seats == seats
    else:
        with pytest.raises(ValidationError) as error:
            create()
        assert Committee.objects.count() == 0
        assert f"应选人数不能为{seats}人" in _messages(error.value)


@pytest.mark.parametrize(("serving", "ok"), [(2, False), (3, True), (5, True), (6, False)])
def test_composition_size_boundaries(serving, ok):
    policy = services.SupervisionPolicy()
    errors = rules.composition_errors(serving=serving, chairs=1, policy=policy)
    assert (errors == []) is ok
    if not ok:
        assert errors == [f"村务监督委员会由3—5人组成，现有{serving}人。"]


@pytest.mark.parametrize(("chairs", "ok"), [(0, False), (1, True), (2, False)])
def test_exactly_one_chair(chairs, ok):
    errors = rules.composition_errors(serving=3, chairs=chairs, policy=services.SupervisionPolicy())
    assert (errors == []) is ok
    if not ok:
        assert errors == [f"村务监督委员会设主任1人，现有{chairs}人。"]


def test_committee_term_follows_the_villagers_committee(village_a, township_a_official, chair_of_villagers):
    with pytest.raises(ValidationError) as error:
        services.committee_create(
            actor=township_a_official,
            village=village_a,
            term_start=TERM_START,
            term_end=datetime.date(2024, 4, 30),
            seats=3,
            scheduled_on=SCHEDULED,
        )
    assert Committee.objects.count() == 0
    assert "监委会任期应与村委会任期相同（2021-05-01 至 2026-04-30）" in _messages(error.value)


def test_filed_committee_is_active_with_one_chair(filed_committee):
    assert filed_committee.status == CommitteeStatus.ACTIVE
    assert filed_committee.established_on == datetime.date(2021, 5, 25)
    assert filed_committee.members.filter(role=MemberRole.CHAIR).count() == 1
    assert filed_committee.election.status == ElectionStatus.FILED


def test_filing_is_refused_when_a_removal_left_two_members(committee, township_a_official):
    election = committee.election
    candidates = add_candidates(township_a_official, election, 4)
    to_approved(township_a_official, election, candidates)
    hold(township_a_official, election, candidates)
    members = list(committee.members.order_by("name"))
    services.election_choose_chair(
        actor=township_a_official, election=election, chosen_on=HELD, chair=members[0], subgroups={}
    )
    services.member_remove(
        actor=township_a_official, member=members[2], removed_on=HELD, reason="违法乱纪", assembly="representatives"
    )
    with pytest.raises(ValidationError) as error:
        services.election_file(actor=township_a_official, election=election, filed_on=datetime.date(2021, 5, 25))
    committee.refresh_from_db()
    assert committee.status == CommitteeStatus.ELECTING
    assert "现有2人" in _messages(error.value)


def test_non_party_chair_is_a_warning_not_a_refusal(committee, township_a_official):
    election = committee.election
    candidates = add_candidates(township_a_official, election, 4)
    to_approved(township_a_official, election, candidates)
    hold(township_a_official, election, candidates)
    non_party = committee.members.get(is_party_member=False, name="候选人1")
    outcome = services.election_choose_chair(
        actor=township_a_official, election=election, chosen_on=HELD, chair=non_party, subgroups={}
    )
    assert CommitteeMember.objects.get(role=MemberRole.CHAIR).pk == non_party.pk
    assert outcome.warnings == ["主任一般由党员担任，当前主任不是党员。"]
    party = committee.members.get(is_party_member=True)
    assert party.role == MemberRole.MEMBER


def test_chair_must_be_an_elected_member(committee, township_a_official, village_b):
    election = committee.election
    candidates = add_candidates(township_a_official, election, 4)
    to_approved(township_a_official, election, candidates)
    hold(township_a_official, election, candidates)
    stranger = CommitteeMember(pk=999999, name="外人")
    with pytest.raises(ValidationError) as error:
        services.election_choose_chair(
            actor=township_a_official, election=election, chosen_on=HELD, chair=stranger, subgroups={}
        )
    assert not CommitteeMember.objects.filter(role=MemberRole.CHAIR).exists()
    assert "主任须从本届当选的成员中推选" in _messages(error.value)


# --- eligibility (R-J7) ------------------------------------------------------------------------------


def _vet_one(actor, election, candidate):
    """Vet `candidate` with three other eligible formal candidates (4 formal for 3 seats)."""
    others = add_candidates(actor, election, 3, start=10)
    services.election_nominate(actor=actor, election=election, nominated_on=datetime.date(2021, 5, 5))
    services.election_vet(
        actor=actor, election=election, vetted_on=datetime.date(2021, 5, 8), formal=[candidate, *others]
    )


def _candidate(actor, election, **fields):
    data = {"name": "王五", "birth_date": datetime.date(1970, 6, 1), "nomination": "self", **fields}
    return services.candidate_add(actor=actor, election=election, **data)


@pytest.mark.parametrize(
    ("age", "days", "ok"), [(65, 0, True), (66, 0, False), (66, 1, True), (18, 0, True), (17, 0, False)]
)
def test_age_on_the_election_date(committee, township_a_official, age, days, ok):
    """65 on the election day is eligible (≤ 65, SPEC §10.15); on the 66th birthday not; a day
    short of it still 65. 18 is adult, 17 not."""
    election = committee.election
    candidate = _candidate(township_a_official, election, birth_date=born(age, SCHEDULED, days=days))
    if ok:
        _vet_one(township_a_official, election, candidate)
        candidate.refresh_from_db()
        assert candidate.is_formal
    else:
        with pytest.raises(ValidationError) as error:
            _vet_one(township_a_official, election, candidate)
        candidate.refresh_from_db()
        assert not candidate.is_formal
        expected = "年龄须在65周岁以下（含），选举日（2021-05-20）已满66周岁" if age > 60 else "须为成年人"
        assert f"王五：{expected}" in _messages(error.value)


def test_age_limit_is_the_countys_setting(committee, township_a_official, county):
    policy = services.policy_for(county)
    policy.max_age = 64
    policy.save()
    candidate = _candidate(township_a_official, committee.election, birth_date=born(65, SCHEDULED))
    with pytest.raises(ValidationError) as error:
        _vet_one(township_a_official, committee.election, candidate)
    assert "年龄须在64周岁以下（含）" in _messages(error.value)


def test_non_resident_is_refused(committee, township_a_official):
    candidate = _candidate(township_a_official, committee.election, is_resident=False)
    with pytest.raises(ValidationError) as error:
        _vet_one(township_a_official, committee.election, candidate)
    assert "王五：须为本村常住人口" in _messages(error.value)


def test_unexpired_sanction_is_refused(committee, township_a_official):
    candidate = _candidate(township_a_official, committee.election, has_unexpired_sanction=True)
    with pytest.raises(ValidationError) as error:
        _vet_one(township_a_official, committee.election, candidate)
    assert "王五：有未满期的党纪政纪处分或刑罚" in _messages(error.value)


@pytest.mark.parametrize(
    ("post", "message"),
    [
        (CadrePost.PARTY_COMMITTEE_MEMBER, "现任村党组织委员，村“两委”成员不能担任"),
        (CadrePost.COMMITTEE_MEMBER, "现任村委会委员，村“两委”成员不能担任"),
        (CadrePost.VILLAGE_SECRETARY, "现任村秘书，不能担任"),
        (CadrePost.BOOKKEEPER, "现任村报账员，不能担任"),
    ],
)
def test_serving_cadre_is_refused(committee, township_a_official, village_a, post, message):
    number = id_number(datetime.date(1972, 8, 8), 21)
    services.cadre_create(
        actor=township_a_official, village=village_a, name="王五", id_number=number, post=post, term_start=TERM_START
    )
    candidate = _candidate(township_a_official, committee.election, id_number=number, birth_date=None)
    with pytest.raises(ValidationError) as error:
        _vet_one(township_a_official, committee.election, candidate)
    assert f"王五：{message}" in _messages(error.value)


def test_a_cadre_whose_term_ended_no_longer_excludes(committee, township_a_official, village_a):
    cadre = services.cadre_create(
        actor=township_a_official,
        village=village_a,
        name="王五",
        birth_date=datetime.date(1970, 6, 1),
        post=CadrePost.COMMITTEE_MEMBER,
        term_start=datetime.date(2018, 5, 1),
    )
    services.cadre_end_term(actor=township_a_official, cadre=cadre, term_end=datetime.date(2021, 4, 30))
    candidate = _candidate(township_a_official, committee.election)
    _vet_one(township_a_official, committee.election, candidate)
    candidate.refresh_from_db()
    assert candidate.is_formal


def test_a_namesake_with_another_birth_date_is_not_the_cadre(committee, township_a_official, village_a):
    services.cadre_create(
        actor=township_a_official,
        village=village_a,
        name="王五",
        birth_date=datetime.date(1980, 1, 1),
        post=CadrePost.BOOKKEEPER,
        term_start=TERM_START,
    )
    candidate = _candidate(township_a_official, committee.election)
    _vet_one(township_a_official, committee.election, candidate)
    candidate.refresh_from_db()
    assert candidate.is_formal


def test_close_relative_of_a_two_committee_member_is_refused(committee, township_a_official, chair_of_villagers):
    services.relative_add(
        actor=township_a_official,
        cadre=chair_of_villagers,
        name="王五",
        birth_date=datetime.date(1970, 6, 1),
        relation="spouse",
    )
    candidate = _candidate(township_a_official, committee.election)
    with pytest.raises(ValidationError) as error:
        _vet_one(township_a_official, committee.election, candidate)
    candidate.refresh_from_db()
    assert not candidate.is_formal
    assert "王五：是村委会主任李村长的配偶，村“两委”成员的近亲属不能担任" in _messages(error.value)


def test_relative_of_the_bookkeeper_is_not_excluded(committee, township_a_official, village_a):
    bookkeeper = services.cadre_create(
        actor=township_a_official, village=village_a, name="赵会计", post=CadrePost.BOOKKEEPER, term_start=TERM_START
    )
    services.relative_add(
        actor=township_a_official, cadre=bookkeeper, name="王五", birth_date=datetime.date(1970, 6, 1), relation="child"
    )
    candidate = _candidate(township_a_official, committee.election)
    _vet_one(township_a_official, committee.election, candidate)
    candidate.refresh_from_db()
    assert candidate.is_formal


def test_county_exception_lets_a_relative_stand(committee, township_a_official, county_admin, chair_of_villagers):
    services.relative_add(
        actor=township_a_official,
        cadre=chair_of_villagers,
        name="王五",
        birth_date=datetime.date(1970, 6, 1),
        relation="sibling",
    )
    candidate = _candidate(township_a_official, committee.election)
    with pytest.raises(PermissionDenied):
        services.exception_record(
            actor=township_a_official, candidate=candidate, exclusion=Exclusion.CADRE_RELATIVE, reason="试点"
        )
    services.exception_record(
        actor=county_admin,
        candidate=candidate,
        exclusion=Exclusion.CADRE_RELATIVE,
        reason="分居多年，经县领导小组研究同意",
    )
    _vet_one(township_a_official, committee.election, candidate)
    candidate.refresh_from_db()
    assert candidate.is_formal


def test_minors_cannot_be_excepted(committee, township_a_official, county_admin):
    candidate = _candidate(township_a_official, committee.election, birth_date=born(17, SCHEDULED))
    with pytest.raises(ValidationError) as error:
        services.exception_record(actor=county_admin, candidate=candidate, exclusion=Exclusion.MINOR, reason="x")
    assert not candidate.exceptions.exists()
    assert "“未成年”不能例外" in _messages(error.value)


def test_exception_needs_a_reason(committee, township_a_official, county_admin):
    candidate = _candidate(township_a_official, committee.election)
    with pytest.raises(ValidationError):
        services.exception_record(actor=county_admin, candidate=candidate, exclusion=Exclusion.OVER_AGE, reason="  ")
    assert not candidate.exceptions.exists()


def test_age_is_judged_again_on_the_day_held(committee, township_a_official):
    """Vetted at 65 on the planned day; the election held after the 66th birthday refuses them."""
    election = committee.election
    late = _candidate(
        township_a_official, election, name="老李", birth_date=born(66, datetime.date(2021, 6, 1)), is_party_member=True
    )
    others = add_candidates(township_a_official, election, 3)
    to_approved(township_a_official, election, [late, *others])
    with pytest.raises(ValidationError) as error:
        services.election_hold(
            actor=township_a_official,
            election=election,
            held_on=datetime.date(2021, 6, 1),
            representatives_total=30,
            representatives_present=25,
            votes={late.pk: 25, others[0].pk: 24, others[1].pk: 23, others[2].pk: 1},
        )
    assert not committee.members.exists()
    assert "老李：年龄须在65周岁以下（含），选举日（2021-06-01）已满66周岁" in _messages(error.value)


# --- the election (R-J8, R-J9) -------------------------------------------------------------------


@pytest.mark.parametrize(("extra", "ok"), [(0, False), (1, True), (3, True), (4, False)])
def test_formal_candidates_exceed_seats_by_one_to_three(committee, township_a_official, extra, ok):
    election = committee.election
    candidates = add_candidates(township_a_official, election, 3 + 4)
    services.election_nominate(actor=township_a_official, election=election, nominated_on=datetime.date(2021, 5, 5))
    formal = candidates[: 3 + extra]
    vet = lambda: services.election_vet(  # noqa: E731
        actor=township_a_official, election=election, vetted_on=datetime.date(2021, 5, 8), formal=formal
    )
    if ok:
        vet()
        assert Candidate.objects.filter(is_formal=True).count() == 3 + extra
    else:
        with pytest.raises(ValidationError) as error:
            vet()
        assert not Candidate.objects.filter(is_formal=True).exists()
        assert f"应选3人，正式候选人4—6人），现为{3 + extra}人" in _messages(error.value)


@pytest.mark.parametrize(("present", "ok"), [(19, False), (20, True), (30, True)])
def test_quorum_is_two_thirds_inclusive(committee, township_a_official, present, ok):
    election = committee.election
    candidates = add_candidates(township_a_official, election, 4)
    to_approved(township_a_official, election, candidates)
    if ok:
        hold(township_a_official, election, candidates, total=30, present=present)
        election.refresh_from_db()
        assert election.status == ElectionStatus.HELD
        assert committee.members.count() == 3
    else:
        with pytest.raises(ValidationError) as error:
            hold(township_a_official, election, candidates, total=30, present=present)
        election.refresh_from_db()
        assert election.status == ElectionStatus.APPROVED
        assert not committee.members.exists()
        assert "应到30人，须至少20人参加选举方为有效" in _messages(error.value)


def test_quorum_rule_in_integers():
    policy = services.SupervisionPolicy()
    assert rules.quorum_met(present=2, total=3, policy=policy)
    assert not rules.quorum_met(present=20, total=31, policy=policy)
    assert rules.quorum_needed(31, policy) == 21


def test_steps_go_in_order(committee, township_a_official):
    election = committee.election
    add_candidates(township_a_official, election, 4)
    with pytest.raises(ValidationError) as error:
        services.election_approve(actor=township_a_official, election=election, approved_on=datetime.date(2021, 5, 12))
    assert "此操作只能在“党支部已审查”时进行" in _messages(error.value)
    services.election_nominate(actor=township_a_official, election=election, nominated_on=datetime.date(2021, 5, 5))
    with pytest.raises(ValidationError) as error:
        services.election_vet(
            actor=township_a_official,
            election=election,
            vetted_on=datetime.date(2021, 5, 4),
            formal=election.candidates.all(),
        )
    election.refresh_from_db()
    assert election.status == ElectionStatus.NOMINATED
    assert "审查日期（2021-05-04）不能早于提名日期（2021-05-05）" in _messages(error.value)


def test_a_tie_at_the_last_seat_is_refused(committee, township_a_official):
    election = committee.election
    candidates = add_candidates(township_a_official, election, 4)
    to_approved(township_a_official, election, candidates)
    votes = {candidates[0].pk: 25, candidates[1].pk: 24, candidates[2].pk: 20, candidates[3].pk: 20}
    with pytest.raises(ValidationError) as error:
        services.election_hold(
            actor=township_a_official,
            election=election,
            held_on=HELD,
            representatives_total=30,
            representatives_present=25,
            votes=votes,
        )
    assert not committee.members.exists()
    assert "得票相同" in _messages(error.value)


def test_votes_cannot_exceed_those_present(committee, township_a_official):
    election = committee.election
    candidates = add_candidates(township_a_official, election, 4)
    to_approved(township_a_official, election, candidates)
    votes = {candidate.pk: 21 - n for n, candidate in enumerate(candidates)}
    votes[candidates[0].pk] = 26
    with pytest.raises(ValidationError) as error:
        services.election_hold(
            actor=township_a_official,
            election=election,
            held_on=HELD,
            representatives_total=30,
            representatives_present=25,
            votes=votes,
        )
    assert "候选人0的得票数（26）不能多于实到人数" in _messages(error.value)


def test_filing_ends_the_previous_term(filed_committee, township_a_official, village_a):
    successor = services.committee_create(
        actor=township_a_official,
        village=village_a,
        term_start=datetime.date(2026, 5, 1),
        term_end=datetime.date(2031, 4, 30),
        seats=3,
        scheduled_on=datetime.date(2026, 5, 20),
    )
    assert successor.status == CommitteeStatus.ELECTING
    filed_committee.refresh_from_db()
    assert filed_committee.status == CommitteeStatus.ACTIVE


def test_another_township_cannot_touch_the_election(committee, township_b_official):
    with pytest.raises(PermissionDenied):
        services.candidate_add(
            actor=township_b_official,
            election=committee.election,
            name="甲",
            birth_date=datetime.date(1970, 1, 1),
            nomination="self",
        )
    assert not Candidate.objects.exists()


# --- removal (R-J6) --------------------------------------------------------------------------------


def test_removal_needs_a_reason(filed_committee, township_a_official):
    member = filed_committee.members.get(role=MemberRole.MEMBER, subgroup="assets")
    with pytest.raises(ValidationError) as error:
        services.member_remove(
            actor=township_a_official,
            member=member,
            removed_on=datetime.date(2022, 1, 5),
            reason=" ",
            assembly="villagers",
        )
    member.refresh_from_db()
    assert member.removed_on is None
    assert "撤换须写明原因" in _messages(error.value)


def test_removing_the_chair_warns_to_elect_again(filed_committee, township_a_official):
    chair = filed_committee.members.get(role=MemberRole.CHAIR)
    outcome = services.member_remove(
        actor=township_a_official,
        member=chair,
        removed_on=datetime.date(2022, 1, 5),
        reason="严重失职",
        assembly="villagers",
    )
    chair.refresh_from_db()
    assert chair.removal_reason == "严重失职"
    assert outcome.warnings == [
        "村务监督委员会由3—5人组成，现有2人。应及时补选。",
        "村务监督委员会设主任1人，现有0人。应及时补选。",
    ]


# --- meetings and expense reviews (R-J11, R-J14) ---------------------------------------------------


@pytest.mark.parametrize(("present", "votes_for", "passed"), [(3, 2, True), (3, 1, False), (2, 1, False), (2, 2, True)])
def test_meeting_decisions_by_majority_of_those_present(
    filed_committee, township_a_official, present, votes_for, passed
):
    members = list(filed_committee.members.all())[:present]
    meeting = services.meeting_record(
        actor=township_a_official,
        committee=filed_committee,
        held_on=datetime.date(2021, 6, 28),
        attendees=members,
        matters="六月财务公开",
        decisions=[{"subject": "同意公开六月收支", "votes_for": votes_for, "votes_against": present - votes_for}],
    )
    assert meeting.decisions.get().passed is passed
    assert meeting.attendees.count() == present


def test_meeting_votes_beyond_those_present_are_refused(filed_committee, township_a_official):
    members = list(filed_committee.members.all())[:2]
    with pytest.raises(ValidationError) as error:
        services.meeting_record(
            actor=township_a_official,
            committee=filed_committee,
            held_on=datetime.date(2021, 6, 28),
            attendees=members,
            matters="x",
            decisions=[{"subject": "y", "votes_for": 2, "votes_against": 1}],
        )
    assert not Meeting.objects.exists()
    assert "第1项表决的票数（3）多于出席人数（2）" in _messages(error.value)


def test_meeting_of_a_committee_not_yet_filed_is_refused(committee, township_a_official):
    with pytest.raises(ValidationError) as error:
        services.meeting_record(
            actor=township_a_official,
            committee=committee,
            held_on=datetime.date(2021, 6, 28),
            attendees=[],
            matters="x",
        )
    assert "只有在任的村务监督委员会才能登记" in _messages(error.value)


def _review(actor, committee, **fields):
    data = {
        "period_start": datetime.date(2021, 6, 1),
        "reviewed_on": datetime.date(2021, 7, 3),
        "vouchers_reviewed": 12,
        "vouchers_stamped": 11,
        "refusals": [{"voucher": "记-0612", "reason": "无经办人签字"}],
        **fields,
    }
    return services.expense_review_record(actor=actor, committee=committee, **data)


def test_expense_review_stamps_and_refusals_add_up(filed_committee, township_a_official):
    review = _review(township_a_official, filed_committee)
    assert (review.vouchers_reviewed, review.vouchers_stamped, review.vouchers_refused) == (12, 11, 1)
    assert review.refusals.get().reason == "无经办人签字"
    with pytest.raises(ValidationError) as error:
        _review(township_a_official, filed_committee, period_start=datetime.date(2021, 7, 1), vouchers_stamped=10)
    assert ExpenseReview.objects.count() == 1
    assert "复核12张，盖章10张、退回1张，合计不符" in _messages(error.value)


def test_refused_voucher_needs_a_reason(filed_committee, township_a_official):
    with pytest.raises(ValidationError) as error:
        _review(township_a_official, filed_committee, refusals=[{"voucher": "记-0612", "reason": ""}])
    assert not ExpenseReview.objects.exists()
    assert "第1张退回票据须写明退回原因" in _messages(error.value)


@pytest.mark.parametrize(
    ("interval", "start", "ok"),
    [
        ("monthly", datetime.date(2021, 8, 1), True),
        ("monthly", datetime.date(2021, 8, 2), False),
        ("quarterly", datetime.date(2021, 7, 1), True),
        ("quarterly", datetime.date(2021, 8, 1), False),
    ],
)
def test_review_period_follows_the_countys_interval(filed_committee, township_a_official, county, interval, start, ok):
    policy = services.policy_for(county)
    policy.expense_review_interval = interval
    policy.save()

    def record():
        return _review(township_a_official, filed_committee, period_start=start, reviewed_on=datetime.date(2021, 10, 8))

    if ok:
        assert record().interval == interval
    else:
        with pytest.raises(ValidationError):
            record()
        assert not ExpenseReview.objects.exists()


# --- audit ---------------------------------------------------------------------------------------


def test_every_step_is_audited(filed_committee):
    models = set(AuditEntry.objects.values_list("content_type__model", flat=True))
    assert {"villagecadre", "committee", "election", "candidate", "committeemember"} <= models
    election_changes = AuditEntry.objects.filter(content_type__model="election", action="update")
    # nominate, vet, approve, hold, choose chair, file
    assert election_changes.count() == 6
