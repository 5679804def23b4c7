"""The structural rules of the supervision committee are database constraints: they hold even
for a write that bypasses the services (an admin shell, a bulk import)."""

import datetime

import pytest
from django.db import IntegrityError, transaction

from supervision.choices import CommitteeStatus, MemberRole
from supervision.models import Committee, CommitteeMember, ExpenseReview

TERM = (datetime.date(2021, 5, 1), datetime.date(2026, 4, 30))


def _committee(village, start=TERM[0], end=TERM[1], status=CommitteeStatus.ELECTING):
    return Committee.objects.create(village=village, term_start=start, term_end=end, status=status)


def _member(committee, name, role=MemberRole.MEMBER):
    return CommitteeMember.objects.create(
        committee=committee, name=name, role=role, birth_date=datetime.date(1970, 1, 1), elected_on=TERM[0]
    )


def test_second_serving_chair_is_refused_by_the_database(village_a):
    committee = _committee(village_a)
    _member(committee, "张主任", MemberRole.CHAIR)
    with pytest.raises(IntegrityError), transaction.atomic():
        _member(committee, "李主任", MemberRole.CHAIR)
    assert committee.members.filter(role=MemberRole.CHAIR).count() == 1


def test_a_removed_chair_does_not_block_the_next(village_a):
    committee = _committee(village_a)
    old = _member(committee, "张主任", MemberRole.CHAIR)
    old.removed_on, old.removal_reason, old.removed_by_assembly = TERM[0], "严重失职", "representatives"
    old.save()
    _member(committee, "李主任", MemberRole.CHAIR)
    assert committee.members.filter(role=MemberRole.CHAIR, removed_on__isnull=True).get().name == "李主任"


def test_one_electing_committee_per_village(village_a):
    _committee(village_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        _committee(village_a, start=datetime.date(2026, 5, 1), end=datetime.date(2031, 4, 30))
    # An ended committee leaves room for the next term's.
    Committee.objects.filter(village=village_a).update(status=CommitteeStatus.ENDED, established_on=TERM[0])
    _committee(village_a, start=datetime.date(2026, 5, 1), end=datetime.date(2031, 4, 30))
    assert Committee.objects.filter(village=village_a).count() == 2


def test_removal_without_reason_is_refused(village_a):
    member = _member(_committee(village_a), "王委员")
    member.removed_on = TERM[0]
    with pytest.raises(IntegrityError), transaction.atomic():
        member.save()


def test_voucher_counts_must_add_up(village_a, county_admin):
    committee = _committee(village_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        ExpenseReview.objects.create(
            committee=committee,
            interval="monthly",
            period_start=datetime.date(2021, 6, 1),
            reviewed_on=datetime.date(2021, 7, 3),
            vouchers_reviewed=10,
            vouchers_stamped=8,
            vouchers_refused=1,
            recorded_by=county_admin,
        )
