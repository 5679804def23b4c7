"""The header's counts (inbox and menu badges): one statement, compiled once per user, scope and
day and kept by the process (home/navigation.py). What is kept is only the statement: the
counts are read afresh on every page."""

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from home import navigation
from pilot_admin.choices import Role
from pilot_admin.notifications import services as notifications
from tests.factories import UserFactory
from villages.choices import GuidanceCategory, NominationState
from villages.models import PilotNomination

pytestmark = pytest.mark.django_db


def _request(user):
    request = RequestFactory().get("/")
    request.user = user
    return request


def _fresh_statement(request):
    """What the header would compile for this request with nothing kept."""
    user = request.user
    querysets = {navigation.INBOX: notifications.unread(user=user)}
    for group in navigation.MENU:
        for item in group.items:
            if item.badge and item.allowed(request):
                querysets[item.url_name] = item.badge(user=user)
    return (list(querysets), *navigation.count_together_sql(querysets))


@pytest.mark.parametrize(
    "user_fixture",
    ["county_admin", "county_viewer", "township_a_official", "township_b_official", "department_user", "inspector"],
)
def test_the_kept_statement_is_the_one_a_fresh_compile_gives(request, user_fixture):
    user = request.getfixturevalue(user_fixture)
    first = navigation._header_statement(_request(user))
    again = navigation._header_statement(_request(user))
    assert again is first
    assert first == _fresh_statement(_request(user))


def test_two_townships_get_statements_of_their_own(township_a_official, township_b_official):
    a = navigation._header_statement(_request(township_a_official))
    b = navigation._header_statement(_request(township_b_official))
    assert a[2] != b[2]  # the parameters name each user
    assert township_a_official.pk in a[2] and township_b_official.pk in b[2]


def test_a_user_moved_to_another_township_is_counted_there(township_a_official, township_b):
    before = navigation._header_statement(_request(township_a_official))
    township_a_official.township = township_b
    township_a_official.save()
    after = navigation._header_statement(_request(township_a_official))
    assert after is not before and after == _fresh_statement(_request(township_a_official))


def test_the_counts_are_read_afresh_on_every_page(client, county_admin, township_a_official, program, village_a):
    client.force_login(county_admin)
    page = client.get(reverse("villages:township_list")).content.decode()
    assert 'id="nav-nomination-queue">申报审核</a>' in page
    assert len(navigation._HEADER_SQL) == 1

    PilotNomination.objects.create(
        program=program,
        village=village_a,
        year=2024,
        reason="申报",
        guidance_category=GuidanceCategory.choices[0][0],
        state=NominationState.PENDING,
        nominated_by=township_a_official,
        nominated_at=timezone.now(),
    )
    notifications.notify(users=[county_admin], source="test", title="新消息")
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("villages:township_list")).content.decode()
    assert 'id="nav-nomination-queue">申报审核 <span class="badge">1</span></a>' in page
    assert '<span class="badge inbox-badge">1</span>' in page
    # Still the one kept statement, run once for the page.
    assert len(navigation._HEADER_SQL) == 1
    assert sum(1 for query in queries.captured_queries if query["sql"].startswith("SELECT (SELECT COUNT(*)")) == 1


def test_a_superuser_and_a_county_admin_of_the_same_county_do_not_share(county_admin, county):
    superuser = UserFactory(username="root", role=Role.COUNTY_ADMIN, county=county, is_superuser=True, is_staff=True)
    navigation._header_statement(_request(county_admin))
    navigation._header_statement(_request(superuser))
    assert len(navigation._HEADER_SQL) == 2
