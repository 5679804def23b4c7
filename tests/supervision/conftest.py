import datetime

import pytest

from supervision import services
from supervision.choices import CadrePost, ElectionStatus
from tests.factories import id_number

TERM_START = datetime.date(2021, 5, 1)
TERM_END = datetime.date(2026, 4, 30)
SCHEDULED = datetime.date(2021, 5, 20)
HELD = datetime.date(2021, 5, 20)


def born(age: int, on: datetime.date = HELD, *, days: int = 0) -> datetime.date:
    """The birth date of someone who turns `age` on `on` (plus `days` later)."""
    return on.replace(year=on.year - age) + datetime.timedelta(days=days)


@pytest.fixture
def chair_of_villagers(village_a, township_a_official):
    """The villagers' committee chair, whose term the supervision committee follows (R-J4)."""
    return services.cadre_create(
        actor=township_a_official,
        village=village_a,
        name="李村长",
        id_number=id_number(datetime.date(1970, 3, 1), 11),
        post=CadrePost.COMMITTEE_CHAIR,
        is_party_member=True,
        term_start=TERM_START,
        term_end=TERM_END,
    )


@pytest.fixture
def committee(village_a, township_a_official, chair_of_villagers):
    return services.committee_create(
        actor=township_a_official,
        village=village_a,
        term_start=TERM_START,
        term_end=TERM_END,
        seats=3,
        scheduled_on=SCHEDULED,
        is_pilot=True,
    )


def add_candidates(actor, election, count: int, *, start: int = 0):
    """`count` eligible candidates (aged 46, resident, no post); the first a Party member."""
    return [
        services.candidate_add(
            actor=actor,
            election=election,
            name=f"候选人{start + n}",
            birth_date=datetime.date(1975, 1, 1 + start + n),
            nomination="representatives",
            is_party_member=n == 0,
        )
        for n in range(count)
    ]


def to_approved(actor, election, candidates, formal=None):
    services.election_nominate(actor=actor, election=election, nominated_on=datetime.date(2021, 5, 5))
    services.election_vet(
        actor=actor, election=election, vetted_on=datetime.date(2021, 5, 8), formal=formal or candidates
    )
    services.election_approve(
        actor=actor, election=election, approved_on=datetime.date(2021, 5, 12), reference="党委〔2021〕5号"
    )
    election.refresh_from_db()
    assert election.status == ElectionStatus.APPROVED
    return election


def hold(actor, election, candidates, *, total=30, present=25):
    # Distinct votes, highest first: the first `seats` candidates win.
    votes = {candidate.pk: present - n for n, candidate in enumerate(candidates)}
    return services.election_hold(
        actor=actor,
        election=election,
        held_on=HELD,
        representatives_total=total,
        representatives_present=present,
        votes=votes,
    )


@pytest.fixture
def filed_committee(committee, township_a_official):
    election = committee.election
    candidates = add_candidates(township_a_official, election, 4)
    to_approved(township_a_official, election, candidates)
    hold(township_a_official, election, candidates)
    members = list(committee.members.order_by("name"))
    services.election_choose_chair(
        actor=township_a_official,
        election=election,
        chosen_on=HELD,
        chair=members[0],
        subgroups={members[0].pk: "transparency", members[1].pk: "transparency", members[2].pk: "assets"},
    )
    services.election_file(actor=township_a_official, election=election, filed_on=datetime.date(2021, 5, 25))
    committee.refresh_from_db()
    return committee
