"""The county dashboard's supervision section gives /api/v1/stats/supervision/'s figures for the
same user and month; roles without the committees' records get neither."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from supervision.models import Committee
from tests.home.test_dashboard import api, home, number, read
from tests.supervision.test_statistics import committee, meeting, review

FIGURES = (
    "established",
    "villages",
    "pilot_villages",
    "due_for_reelection",
    "overdue",
    "electing",
    "meetings_done",
    "meetings_due",
    "reviews_done",
    "reviews_due",
)


@pytest.fixture
def committees(program, village_a, village_b, township_a, county_admin):
    today = timezone.localdate()
    month = today.replace(day=1)
    long_ago = month - datetime.timedelta(days=400)
    due = committee(village_a, long_ago, today + datetime.timedelta(days=30), established=long_ago, pilot=True)
    meeting(due, today, county_admin)
    review(due, month, today, county_admin)
    committee(
        village_b,
        long_ago - datetime.timedelta(days=1900),
        long_ago,
        established=long_ago - datetime.timedelta(days=1890),
    )
    return Committee.objects.all()


@pytest.mark.parametrize("role", ["county_admin", "county_viewer", "api_client"])
def test_the_section_is_the_apis(client, personas, committees, role):
    page = read(home(client, personas[role]).content.decode())
    stats = api(client, "api_supervision_stats")
    section = page.figures["supervision-section"]
    for name in FIGURES:
        assert int(section[name][0]) == stats[name], name
    assert number(section["coverage"][0]) == round(stats["coverage"] * 100)
    assert (stats["established"], stats["overdue"], stats["due_for_reelection"]) == (2, 1, 1)
    assert (stats["meetings_done"], stats["reviews_done"]) == (1, 1)


def test_departments_see_no_section(client, personas, committees):
    page = read(home(client, personas["department"]).content.decode())
    assert "supervision-section" not in page.figures
    assert client.get(reverse("api_supervision_stats")).status_code == 403
