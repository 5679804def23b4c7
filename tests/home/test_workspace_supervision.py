"""The township workspace lists the township's supervision obligations (supervision/obligations.py):
a term ending soon, this month's meeting and this period's review; a recorded meeting leaves the
list; another township's committees never reach it."""

import datetime

from django.urls import reverse
from django.utils import timezone

from home.workspace import township_obligations
from tests.supervision.test_statistics import committee, meeting


def test_obligations_of_the_townships_committees(village_a, village_b, township_a_official, county_admin):
    today = timezone.localdate()
    long_ago = today.replace(day=1) - datetime.timedelta(days=400)
    own = committee(village_a, long_ago, today + datetime.timedelta(days=30), established=long_ago)
    committee(village_b, long_ago, today + datetime.timedelta(days=30), established=long_ago)
    items = [i for i in township_obligations(user=township_a_official, today=today) if i.kind.startswith("supervision")]
    assert sorted(i.kind for i in items) == ["supervision_meeting", "supervision_review", "supervision_term"]
    assert all(i.title == "水布垭村村务监督委员会" for i in items)
    term = next(i for i in items if i.kind == "supervision_term")
    assert term.due_date == own.term_end and term.days_to_due == 30
    assert term.url == reverse("supervision:committee_detail", args=[own.pk])
    meeting_item = next(i for i in items if i.kind == "supervision_meeting")
    assert (
        meeting_item.url == reverse("supervision:meeting_create", args=[own.pk]) and meeting_item.action == "登记会议"
    )
    meeting(own, today, county_admin)
    kinds = {i.kind for i in township_obligations(user=township_a_official, today=today)}
    assert "supervision_meeting" not in kinds and "supervision_term" in kinds


def test_the_page_shows_them(login, village_a, township_a_official):
    today = timezone.localdate()
    long_ago = today.replace(day=1) - datetime.timedelta(days=400)
    committee(village_a, long_ago, today + datetime.timedelta(days=30), established=long_ago)
    client = login(township_a_official)
    page = client.get(reverse("home")).content.decode()
    assert "监委会待换届" in page and "水布垭村村务监督委员会" in page
