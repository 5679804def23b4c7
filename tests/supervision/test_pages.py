"""What the county office sees on the supervision pages: a committee still in office after its
term says it is overdue for re-election (in the list and on its page), the registers print like
the others, and an empty ledger tells the township what to record."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from supervision.models import Election
from tests.supervision.test_statistics import committee


@pytest.fixture
def overdue_and_current(village_a, village_b):
    today = timezone.localdate()
    past = today - datetime.timedelta(days=2000)
    overdue = committee(village_a, past, today - datetime.timedelta(days=1), established=past, pilot=True)
    current = committee(village_b, today - datetime.timedelta(days=30), today, established=today)
    for c in (overdue, current):
        Election.objects.create(committee=c, seats=3, scheduled_on=c.term_start)
    return overdue, current


def test_the_list_marks_the_committee_past_its_term(client, county_admin, overdue_and_current):
    overdue, current = overdue_and_current
    client.force_login(county_admin)
    html = client.get(reverse("supervision:committee_list")).content.decode()
    rows = {c.village.name: row for c in (overdue, current) for row in html.split("<tr>") if c.village.name in row}
    assert "届满未换届" in rows[overdue.village.name]
    # Its term ends today: still in term, not overdue.
    assert "届满未换届" not in rows[current.village.name]


def test_the_committee_page_says_it_is_overdue(client, township_a_official, overdue_and_current):
    overdue, _ = overdue_and_current
    client.force_login(township_a_official)
    html = client.get(reverse("supervision:committee_detail", args=[overdue.pk])).content.decode()
    end = overdue.term_end
    assert f"任期已于{end.year}年{end.month}月{end.day}日届满，尚未换届" in html
    # The township can record: the empty ledgers say what to record and where.
    assert "开会后点“登记会议”记录" in html
    assert "点“财务支出复核”记录" in html


@pytest.mark.parametrize("name", ["committee_list", "cadre_list", "committee_detail"])
def test_the_registers_print(client, county_admin, overdue_and_current, name):
    client.force_login(county_admin)
    args = [overdue_and_current[0].pk] if name == "committee_detail" else []
    html = client.get(reverse(f"supervision:{name}", args=args)).content.decode()
    assert '<button class="button" data-action="print" type="button">打印</button>' in html


def test_the_dashboards_overdue_figure_leads_to_exactly_the_overdue_committees(
    client, county_admin, program, overdue_and_current
):
    overdue, current = overdue_and_current
    client.force_login(county_admin)
    home = client.get(reverse("home") + f"?program={program.code}").content.decode()
    url = reverse("supervision:committee_list") + "?status=overdue"
    assert f'href="{url}" data-link="overdue"' in home
    response = client.get(url)
    assert list(response.context["committees"]) == [overdue]
    assert '<option value="overdue" selected>届满未换届</option>' in response.content.decode()
    # The plain 在任 filter still lists both.
    active = client.get(reverse("supervision:committee_list") + "?status=active").context["committees"]
    assert set(active) == {overdue, current}
