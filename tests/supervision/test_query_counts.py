"""The supervision list pages run a fixed number of queries whatever the data: the committee
list, the cadre register, and a committee's page with its meeting and expense-review ledgers.
Each page is counted at two data sizes; a lookup per row (a member, a relative, an attendee, a
decision, a refused voucher) would make the larger count grow."""

import datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from supervision.choices import CadrePost, CommitteeStatus, MemberRole, ReviewInterval
from supervision.models import (
    CadreRelative,
    Committee,
    CommitteeMember,
    Decision,
    Election,
    ExpenseReview,
    Meeting,
    RefusedVoucher,
    VillageCadre,
)
from tests.factories import VillageFactory

START = datetime.date(2024, 5, 1)
END = datetime.date(2029, 4, 30)
BORN = datetime.date(1970, 1, 1)


def _populate(township, actor, *, villages: int, months: int) -> Committee:
    """`villages` villages, each with two cadres (one with a relative) and a filed committee of
    three members; the first committee gets `months` meetings (with attendees and a decision)
    and reviews (with a refused voucher). Returns that first committee."""
    first = None
    for n in range(villages):
        village = VillageFactory(township=township)
        for post in (CadrePost.COMMITTEE_CHAIR, CadrePost.BOOKKEEPER):
            cadre = VillageCadre.objects.create(
                village=village, name=f"干部{n}{post}", birth_date=BORN, post=post, term_start=START
            )
        CadreRelative.objects.create(cadre=cadre, name=f"亲属{n}", relation="spouse", birth_date=BORN)
        committee = Committee.objects.create(
            village=village, term_start=START, term_end=END, established_on=START, status=CommitteeStatus.ACTIVE
        )
        Election.objects.create(committee=committee, seats=3, scheduled_on=START)
        for m in range(3):
            CommitteeMember.objects.create(
                committee=committee,
                name=f"成员{n}-{m}",
                birth_date=datetime.date(1975, 1, 1),
                role=MemberRole.CHAIR if m == 0 else MemberRole.MEMBER,
                elected_on=START,
            )
        first = first or committee
    members = list(first.members.all())
    for month in range(months):
        day = datetime.date(2024 + (5 + month) // 12, (5 + month) % 12 + 1, 15)
        meeting = Meeting.objects.create(committee=first, held_on=day, matters="审议本月村务公开", recorded_by=actor)
        meeting.attendees.set(members)
        Decision.objects.create(meeting=meeting, subject="同意公开", votes_for=3, passed=True)
        review = ExpenseReview.objects.create(
            committee=first,
            interval=ReviewInterval.MONTHLY,
            period_start=day.replace(day=1),
            reviewed_on=day,
            vouchers_reviewed=4,
            vouchers_stamped=3,
            vouchers_refused=1,
            recorded_by=actor,
        )
        RefusedVoucher.objects.create(review=review, voucher=f"记-{month:04d}", reason="无经办人签字")
    return first


def _count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


PAGES = {
    "committee_list": lambda committee: reverse("supervision:committee_list"),
    "cadre_list": lambda committee: reverse("supervision:cadre_list"),
    "committee_detail": lambda committee: reverse("supervision:committee_detail", args=[committee.pk]),
}


@pytest.mark.parametrize("role", ["county_admin", "township_a_official"])
@pytest.mark.parametrize("page", PAGES)
def test_supervision_pages_run_the_same_number_of_queries_at_two_sizes(client, request, township_a, page, role):
    user = request.getfixturevalue(role)
    client.force_login(user)
    committee = _populate(township_a, user, villages=2, months=1)
    url = PAGES[page](committee)
    # The first request of a session does one-off work (the session's user, cached lookups).
    client.get(url)
    small = _count(client, url)
    _populate(township_a, user, villages=8, months=0)
    # The first committee's ledgers grow too: more meetings and reviews, each with its rows.
    for month in range(1, 6):
        day = datetime.date(2025, month, 10)
        meeting = Meeting.objects.create(committee=committee, held_on=day, matters="审议", recorded_by=user)
        meeting.attendees.set(committee.members.all())
        Decision.objects.create(meeting=meeting, subject="同意", votes_for=2, votes_against=1, passed=True)
        review = ExpenseReview.objects.create(
            committee=committee,
            interval=ReviewInterval.MONTHLY,
            period_start=day.replace(day=1),
            reviewed_on=day,
            vouchers_reviewed=2,
            vouchers_stamped=1,
            vouchers_refused=1,
            recorded_by=user,
        )
        RefusedVoucher.objects.create(review=review, voucher=f"记-9{month}", reason="金额不符")
    cache.clear()
    large = _count(client, url)
    assert large == small, f"{page}: {small} queries with 2 villages, {large} with 10"
