"""List pages compile their rows' statement once per user, scope, day, query string and page
(pilot_admin/lists.py KeptRows): what is kept is only the SQL, so the rows are read afresh on
every request, and what the page shows is what a fresh compile shows."""

import datetime
import re

import pytest
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from pilot_admin import statements
from tests.factories import PersonFactory, PilotAssignmentFactory, VillageFactory
from villages import selectors
from villages.choices import PilotStatus
from villages.models import Village

pytestmark = pytest.mark.django_db


def _rows_html(response) -> str:
    """The page's table, without what differs per request (the CSRF token of the logout form)."""
    html = response.content.decode()
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


PAGES = [
    ("villages:village_list", {}),
    ("villages:village_list", {"township": "{township_a}", "search": "水布垭"}),
    ("villages:pilot_list", {"ledger": "open"}),
    ("tasks:ledger", {"overdue": "false"}),
    ("guardianship:register", {"month": "2019-06", "kind": "elderly"}),
]


@pytest.mark.parametrize(("name", "params"), PAGES)
def test_the_kept_statement_shows_what_a_fresh_compile_shows(login, county_admin, village_a, village_b, name, params):
    PilotAssignmentFactory(village=village_a, program__county=village_a.township.county, year=2019)
    PersonFactory(village=village_a)
    params = {key: value.format(township_a=village_a.township_id) for key, value in params.items()}
    client = login(county_admin)
    fresh = client.get(reverse(name), params)
    assert fresh.status_code == 200
    assert len(statements._STATEMENTS) == 1
    kept = client.get(reverse(name), params)
    assert len(statements._STATEMENTS) == 1
    assert _rows_html(kept) == _rows_html(fresh)
    # A second page of the same filters is a statement of its own (its offset is in the SQL).
    client.get(reverse(name), {**params, "page": "1"})
    assert len(statements._STATEMENTS) == 1


def test_the_rows_are_read_afresh_and_the_queryset_built_only_once(login, county_admin, village_a, monkeypatch):
    built = []
    original = selectors.village_api_list

    def counting(**kwargs):
        built.append(kwargs)
        return original(**kwargs)

    monkeypatch.setattr(selectors, "village_api_list", counting)
    client = login(county_admin)
    assert village_a.name in client.get(reverse("villages:village_list")).content.decode()
    VillageFactory(township=village_a.township, name="新建村")
    html = client.get(reverse("villages:village_list")).content.decode()
    # The new village is on the page (the statement is run again) without building the queryset again.
    assert "新建村" in html and village_a.name in html
    assert len(built) == 1


def test_each_township_keeps_its_own_statement(
    login, township_a_official, township_b_official, village_a, village_b, client
):
    html_a = login(township_a_official).get(reverse("villages:village_list")).content.decode()
    client.logout()
    html_b = login(township_b_official).get(reverse("villages:village_list")).content.decode()
    assert village_a.name in html_a and village_b.name not in html_a
    assert village_b.name in html_b and village_a.name not in html_b
    assert len(statements._STATEMENTS) == 2


def test_another_townships_id_is_refused_and_nothing_is_kept(login, township_a_official, village_a, village_b):
    html = (
        login(township_a_official)
        .get(reverse("villages:village_list"), {"township": village_b.township_id})
        .content.decode()
    )
    assert "不存在或不在您的查看范围内。" in html
    assert village_a.name not in html and village_b.name not in html
    assert not statements._STATEMENTS


def test_the_day_is_part_of_the_key(login, county_admin, village_a, monkeypatch):
    """The ledger's statement holds today's date (what is overdue): a new day compiles anew."""
    client = login(county_admin)
    for day in (datetime.date(2026, 3, 2), datetime.date(2026, 3, 3)):
        monkeypatch.setattr(timezone, "localdate", lambda *args, day=day, **kwargs: day)
        assert client.get(reverse("tasks:ledger")).status_code == 200
    assert sorted(key[5] for key in statements._STATEMENTS) == [datetime.date(2026, 3, 2), datetime.date(2026, 3, 3)]


def test_a_compiled_statement_gives_the_rows_values_gives(county_admin, village_a, village_b):
    """JSON columns decoded and every column converted as Django converts it."""
    PilotAssignmentFactory(village=village_a, program__county=village_a.township.county, year=2019)
    PilotAssignmentFactory(
        village=village_b, program__county=village_b.township.county, year=2018, status=PilotStatus.PROPOSED
    )
    queryset = (
        selectors.village_api_list(user=county_admin)
        .values("id", "name", "is_poverty_village", "ended_on", "current_pilot", township_name=F("township__name"))
        .order_by("id")
    )
    rows = statements.Statement.compile(queryset).rows()
    assert rows == list(queryset)
    assert rows[0]["current_pilot"]["year"] == 2019


def test_a_statement_that_can_match_nothing_gives_no_rows():
    statement = statements.Statement.compile(Village.objects.filter(pk__in=[]).values("id"))
    assert statement.sql is None and statement.rows() == []


def test_a_plain_model_statement_gives_instances(county_admin, program):
    from villages.models import PilotProgram

    queryset = PilotProgram.objects.visible_to(county_admin).order_by("pk")
    found = statements.Statement.compile(queryset).rows()
    assert found == list(queryset)
    assert [(p.code, p.county_id, p._state.adding) for p in found] == [(program.code, program.county_id, False)]
    with pytest.raises(TypeError):
        statements.Statement.compile(queryset.select_related("county"))


def test_program_lookups_follow_the_user_and_the_code(county_admin, township_a_official, program):
    from tests.factories import CountyFactory, PilotProgramFactory

    other = PilotProgramFactory(county=CountyFactory(name="建始县", admin_code="422822"), code="other-county")
    assert selectors.program_for_code(user=county_admin, code=program.code) == program
    assert selectors.program_for_code(user=county_admin, code=program.code) == program  # kept
    assert selectors.program_for_code(user=county_admin, code=other.code) is None
    assert selectors.program_for_code(user=township_a_official, code=program.code) == program
    assert selectors.program_for_code(user=county_admin, code=None) == program
