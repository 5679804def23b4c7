"""Reads of guardianship/selectors.py: monthly compliance (R-H14) across month boundaries, entry
and exit; the register's annotations; the visit matrix; the statistics on a worked example;
query counts that do not grow with the data."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from guardianship import selectors
from guardianship.models import Agreement, Guardian, GuardianshipPolicy, Person, Visit
from tests.factories import PersonFactory

JAN, FEB, MAR = datetime.date(2024, 1, 1), datetime.date(2024, 2, 1), datetime.date(2024, 3, 1)
LONG_AGO = datetime.date(2023, 6, 1)


def registered(village, on: datetime.date, **fields) -> Person:
    """A person whose register entry dates from `on` (created_at drives monthly compliance)."""
    person = PersonFactory(village=village, **fields)
    created = timezone.make_aware(datetime.datetime.combine(on, datetime.time(9)))
    Person.objects.filter(pk=person.pk).update(created_at=created)
    person.refresh_from_db()
    return person


def visit(person, on: datetime.date, visitor) -> Visit:
    return Visit.objects.create(person=person, visited_on=on, visitor=visitor, visitor_name="联村干部")


def guardian(person, category: str, *, agreement: bool) -> Guardian:
    row = Guardian.objects.create(
        person=person,
        kind="individual",
        name=f"{person.name}的监护人",
        category=category,
        consent_by="village_committee" if category == "II" else "",
        start_date=datetime.date(2023, 1, 1),
    )
    if agreement:
        Agreement.objects.create(guardian=row, signed_on=datetime.date(2023, 1, 2), duties=["daily_watch"])
    return row


def _compliance(user, month):
    return {p.name: p.visited_in_month for p in selectors.monthly_compliance(user=user, month=month)}


def test_visit_on_31_january_counts_for_january_not_february(county_admin, village_a):
    person = registered(village_a, LONG_AGO, name="甲")
    visit(person, datetime.date(2024, 1, 31), county_admin)
    assert _compliance(county_admin, JAN) == {"甲": True}
    assert _compliance(county_admin, FEB) == {"甲": False}
    visit(person, datetime.date(2024, 2, 1), county_admin)
    assert _compliance(county_admin, FEB) == {"甲": True}


def test_person_registered_mid_month_still_needs_that_months_visit(county_admin, village_a):
    registered(village_a, datetime.date(2024, 2, 15), name="乙")
    assert _compliance(county_admin, JAN) == {}
    assert _compliance(county_admin, FEB) == {"乙": False}


def test_exited_person_counts_until_the_month_of_exit(county_admin, village_a):
    person = registered(village_a, LONG_AGO, name="丙")
    person.status, person.exit_reason, person.exit_date = "exited", "死亡", datetime.date(2024, 2, 10)
    person.save()
    assert _compliance(county_admin, FEB) == {"丙": False}
    assert _compliance(county_admin, MAR) == {}


def test_concentrated_persons_need_no_visits(county_admin, village_a):
    registered(village_a, LONG_AGO, name="丁", support_mode="concentrated", institution="信陵镇敬老院")
    assert _compliance(county_admin, FEB) == {}


def test_policy_visits_per_month_is_the_threshold(county_admin, village_a, county):
    person = registered(village_a, LONG_AGO, name="戊")
    visit(person, datetime.date(2024, 2, 3), county_admin)
    assert _compliance(county_admin, FEB) == {"戊": True}
    GuardianshipPolicy.objects.create(county=county, visits_per_month=2)
    assert _compliance(county_admin, FEB) == {"戊": False}
    visit(person, datetime.date(2024, 2, 20), county_admin)
    assert _compliance(county_admin, FEB) == {"戊": True}


def test_compliance_is_scoped_to_the_township(township_b_official, village_a, village_b, county_admin):
    registered(village_a, LONG_AGO, name="水布垭人")
    registered(village_b, LONG_AGO, name="东瀼口人")
    assert _compliance(township_b_official, FEB) == {"东瀼口人": False}


def test_register_annotations(county_admin, village_a):
    person = registered(village_a, LONG_AGO, name="己", civil_capacity="none")
    other = registered(village_a, LONG_AGO, name="庚")
    visit(person, datetime.date(2024, 1, 5), county_admin)
    visit(person, datetime.date(2024, 2, 7), county_admin)
    guardian(person, "II", agreement=True)
    rows = {p.name: p for p in selectors.person_register(user=county_admin, month=JAN)}
    assert rows["己"].visited_in_month is True
    assert rows["己"].last_visit == datetime.date(2024, 2, 7)
    assert (rows["己"].guardian_category, rows["己"].has_agreement) == ("II", True)
    assert rows["庚"].visited_in_month is False
    assert (rows["庚"].last_visit, rows["庚"].guardian_category, rows["庚"].has_agreement) == (None, None, False)
    assert other.pk in {p.pk for p in selectors.person_register(user=county_admin, month=FEB)}


def test_visit_matrix_gives_first_visit_per_month_in_one_query(county_admin, village_a, township_a):
    person = registered(village_a, LONG_AGO, name="辛")
    registered(village_a, LONG_AGO, name="壬")
    visit(person, datetime.date(2024, 3, 20), county_admin)
    visit(person, datetime.date(2024, 3, 4), county_admin)
    visit(person, datetime.date(2024, 11, 30), county_admin)
    visit(person, datetime.date(2023, 12, 31), county_admin)
    with CaptureQueriesContext(connection) as queries:
        persons, cells = selectors.visit_matrix(user=county_admin, year=2024, township=township_a)
        names = [p.name for p in persons]
        townships = {p.village.township.name for p in persons}
    assert len(queries) == 1
    # The register's order, named in the query (Django drops Meta.ordering under GROUP BY).
    assert names == sorted(["壬", "辛"]) and townships == {"水布垭镇"}
    assert cells[person.pk] == {3: datetime.date(2024, 3, 4), 11: datetime.date(2024, 11, 30)}


def _ledger(village_a, village_b, actor, persons: int) -> None:
    """`persons` dispersed persons over two townships, some visited twice in a month, some in
    another year, one concentrated and one exited before the year (neither on the ledger)."""
    for i in range(persons):
        person = registered((village_a, village_b)[i % 2], LONG_AGO, name=f"册{i:02d}")
        for month in range(1 + i % 3, 13, 1 + i % 4):
            visit(person, datetime.date(2024, month, 1 + (i * month) % 28), actor)
            if month % 5 == 0:
                visit(person, datetime.date(2024, month, 28), actor)
        visit(person, datetime.date(2023, 12, 31), actor)
    registered(village_a, LONG_AGO, name="集中", support_mode="concentrated", institution="敬老院")
    gone = registered(village_b, LONG_AGO, name="已退")
    gone.status, gone.exit_reason, gone.exit_date = "exited", "迁出", datetime.date(2023, 12, 1)
    gone.save()


def test_visit_matrix_export_gives_the_pages_cells(client, county_admin, village_a, village_b):
    from django.urls import reverse

    from tests.helpers.excel import downloaded, sheet_rows

    _ledger(village_a, village_b, county_admin, 9)
    client.force_login(county_admin)
    page_rows = client.get(reverse("guardianship:visit_matrix"), {"year": 2024}).context["rows"]
    response = client.get(reverse("guardianship:visit_matrix_export"), {"year": 2024})
    exported = [
        (*row[:4], *(cell.date() if isinstance(cell, datetime.datetime) else cell for cell in row[4:]))
        for row in sheet_rows(downloaded(response).active, start=3)
    ]
    shown = [
        (row.person.village.township.name, row.person.village.name, row.person.name, "在册",
         *(day or "未走访" for day in row.months))
        for row in page_rows
    ]  # fmt: skip
    assert len(exported) == 9 and exported == shown
    persons, cells = selectors.visit_matrix(user=county_admin, year=2024)
    assert [p.name for p in persons] == [row[2] for row in exported]
    first = Person.objects.get(name="册00")
    # 册00: visited every month, twice in May and October (the earlier date shown).
    assert cells[first.pk][5] == datetime.date(2024, 5, 1) and len(cells[first.pk]) == 12


def test_visit_matrix_rows_stream_from_one_query_and_the_export_lines_match(county_admin, village_a, village_b):
    _ledger(village_a, village_b, county_admin, 5)
    whole = list(selectors.visit_matrix_rows(user=county_admin, year=2024))
    with CaptureQueriesContext(connection) as queries:
        chunked = list(selectors.visit_matrix_rows(user=county_admin, year=2024, chunk_size=2))
        lines = list(selectors.visit_ledger_lines(user=county_admin, year=2024, chunk_size=2))
    # Three chunks of persons each, read from one cursor: one query for the rows, one for the lines.
    assert len(queries) == 2
    assert [(p.pk, months) for p, months in chunked] == [(p.pk, months) for p, months in whole]
    assert len(whole) == 5 and all(len(months) == 12 for _, months in whole)
    assert lines == [
        (p.village.township.name, p.village.name, p.name, p.status, *months) for p, months in whole
    ]  # fmt: skip
    # Visits of another year (every person has one on 2023-12-31) are no month's first visit.
    assert all(day is None or day.year == 2024 for _, months in whole for day in months)


def test_visit_matrix_export_query_count_does_not_grow_with_the_persons(client, county_admin, village_a, village_b):
    from django.urls import reverse

    client.force_login(county_admin)

    def export_queries():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("guardianship:visit_matrix_export"), {"year": 2024})
            b"".join(response.streaming_content)
        return len(queries)

    _ledger(village_a, village_b, county_admin, 3)
    small = export_queries()
    _ledger(village_a, village_b, county_admin, 9)
    assert export_queries() == small


def test_stats_count_the_active_guardians_agreements_only(county_admin, village_a):
    """The active guardian is joined (at most one per person); agreements of a former guardian
    do not count, two of the active one count once."""
    both = registered(village_a, LONG_AGO, name="双协议", civil_capacity="limited")
    Agreement.objects.create(
        guardian=guardian(both, "I", agreement=True), signed_on=datetime.date(2023, 5, 1), duties=["daily_watch"]
    )
    former_only = registered(village_a, LONG_AGO, name="前任有协议", civil_capacity="none")
    former = guardian(former_only, "II", agreement=True)
    former.is_active, former.end_date = False, datetime.date(2023, 12, 31)
    former.save()
    guardian(former_only, "III", agreement=False)
    registered(village_a, LONG_AGO, name="无监护", civil_capacity="none")
    stats = selectors.guardianship_stats(user=county_admin, month=FEB).as_dict()
    assert stats["persons_active"] == 3
    assert stats["guardian_category"] == {"I": 1, "II": 0, "III": 1, "missing": 1}
    assert stats["agreements_missing"] == 1


def test_stats_agreement_check_is_a_lookup_by_the_active_guardian(county_admin):
    with CaptureQueriesContext(connection) as captured:
        selectors.guardianship_stats(user=county_admin, month=FEB)
    sql = max((q["sql"] for q in captured.captured_queries), key=len)
    # No EXISTS (PostgreSQL hashed it over every agreement of the province) and no guardian
    # subquery per figure: one join to the guardian table, one agreement lookup by its id.
    assert "EXISTS" not in sql
    assert sql.count('"guardianship_guardian"') == 1
    assert sql.count('"guardianship_agreement"') == 1
    assert '"guardian_id" = (active_guardian."id")' in sql


def test_register_agreement_is_the_active_guardians_and_no_exists(county_admin, village_a):
    former_only = registered(village_a, LONG_AGO, name="前任有协议")
    former = guardian(former_only, "II", agreement=True)
    former.is_active, former.end_date = False, datetime.date(2023, 12, 31)
    former.save()
    guardian(former_only, "III", agreement=False)
    signed = registered(village_a, LONG_AGO, name="已签")
    Agreement.objects.create(
        guardian=guardian(signed, "I", agreement=True), signed_on=datetime.date(2023, 5, 1), duties=["daily_watch"]
    )
    register = selectors.person_register(user=county_admin, month=FEB)
    rows = {p.name: (p.guardian_category, p.has_agreement) for p in register}
    assert rows == {"前任有协议": ("III", False), "已签": ("I", True)}
    assert [p.name for p in register.filter(has_agreement=True)] == ["已签"]
    # PostgreSQL hashed an EXISTS over every agreement of the province before the page's LIMIT.
    assert "EXISTS" not in str(register.query)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="JIT is a PostgreSQL setting")
def test_connections_run_without_jit(db):
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"


def _worked_example(village_a, village_b, actor):
    """水布垭镇: 4 persons on the register in February 2024 — two dispersed (one visited), one
    concentrated, one exited in February; one more registered in March (not counted).
    东瀼口镇: one dispersed, visited."""
    a1 = registered(village_a, LONG_AGO, name="A1", civil_capacity="none", self_care_level="none")
    a2 = registered(village_a, LONG_AGO, name="A2", civil_capacity="limited", self_care_level="partial")
    registered(
        village_a, LONG_AGO, name="A3", support_mode="concentrated", institution="敬老院", self_care_level="full"
    )
    a4 = registered(village_a, LONG_AGO, name="A4", civil_capacity="limited")
    a4.status, a4.exit_reason, a4.exit_date = "exited", "迁出", datetime.date(2024, 2, 5)
    a4.save()
    registered(village_a, datetime.date(2024, 3, 2), name="A5")
    b1 = registered(village_b, LONG_AGO, name="B1", self_care_level="full")
    visit(a1, datetime.date(2024, 2, 14), actor)
    visit(a2, datetime.date(2024, 1, 31), actor)
    visit(b1, datetime.date(2024, 2, 29), actor)
    guardian(a1, "I", agreement=True)
    guardian(a4, "III", agreement=False)
    # A2 has limited capacity and no guardian: missing.


def test_stats_on_a_worked_example(county_admin, village_a, village_b, township_a, township_b):
    _worked_example(village_a, village_b, county_admin)
    stats = selectors.guardianship_stats(user=county_admin, month=FEB).as_dict()
    assert stats == {
        "month": "2024-02",
        "as_of": datetime.date(2024, 2, 29),
        "scope": "county",
        "persons_active": 5,
        "support_mode": {"concentrated": 1, "dispersed": 4},
        "self_care_level": {"full": 2, "partial": 1, "none": 1},
        "guardian_category": {"I": 1, "II": 0, "III": 1, "missing": 1},
        "agreements_missing": 1,
        "dispersed_visited": 2,
        "dispersed_total": 4,
        "visit_coverage": 0.5,
        "townships": [
            {
                "id": township_b.pk,
                "name": "东瀼口镇",
                "persons_active": 1,
                "dispersed_total": 1,
                "dispersed_visited": 1,
                "visit_coverage": 1.0,
            },
            {
                "id": township_a.pk,
                "name": "水布垭镇",
                "persons_active": 4,
                "dispersed_total": 3,
                "dispersed_visited": 1,
                "visit_coverage": 0.3333,
            },
        ],
    }


def test_stats_for_one_township_and_for_a_township_official(
    county_admin, township_a_official, village_a, village_b, township_a
):
    _worked_example(village_a, village_b, county_admin)
    for user, township in ((county_admin, township_a), (township_a_official, None)):
        stats = selectors.guardianship_stats(user=user, month=FEB, township=township).as_dict()
        assert (stats["persons_active"], stats["dispersed_total"], stats["dispersed_visited"]) == (4, 3, 1)
        assert [t["name"] for t in stats["townships"]] == ["水布垭镇"]


def test_stats_coverage_is_zero_without_dispersed_persons(county_admin, township_a):
    stats = selectors.guardianship_stats(user=county_admin, month=FEB).as_dict()
    assert (stats["visit_coverage"], stats["dispersed_total"], stats["persons_active"]) == (0, 0, 0)
    assert stats["townships"][0]["visit_coverage"] == 0


def _grow(village, n, actor):
    for i in range(n):
        person = registered(village, LONG_AGO, civil_capacity="limited")
        visit(person, datetime.date(2024, 2, 1 + i % 28), actor)
        guardian(person, ("I", "II", "III")[i % 3], agreement=bool(i % 2))


@pytest.mark.parametrize("selector", ["stats", "register", "compliance", "matrix"])
def test_query_counts_do_not_grow_with_persons(selector, county_admin, village_a, village_b):
    def run():
        with CaptureQueriesContext(connection) as queries:
            if selector == "stats":
                selectors.guardianship_stats(user=county_admin, month=FEB).as_dict()
            elif selector == "register":
                [
                    (p.village.township.name, p.visited_in_month)
                    for p in selectors.person_register(user=county_admin, month=FEB)
                ]
            elif selector == "compliance":
                [p.visited_in_month for p in selectors.monthly_compliance(user=county_admin, month=FEB)]
            else:
                selectors.visit_matrix(user=county_admin, year=2024)
        return len(queries)

    _grow(village_a, 2, county_admin)
    small = run()
    _grow(village_b, 15, county_admin)
    assert run() == small


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the benchmark's seeding and floor are PostgreSQL only")
def test_bench_floor_agrees_with_the_statistics_at_a_tiny_size(db):
    """bench/guardianship.py at 300 persons: the seed, the API and the hand-written floor agree."""
    from bench import guardianship as bench_guardianship
    from bench import seed

    admin, _ = seed.seed_measured_county(seed.Scale(townships_per_county=2, villages_per_county=10))
    seed.seed_counties(2, 2, seed.Scale(townships_per_county=2, villages_per_county=10), approver=admin)
    result = bench_guardianship.run(admin=admin, persons=300, runs=1)
    assert result.visits == 300 * 12
    assert [m.problem for m in result.measured] == [None, None]
    county, province = result.measured
    assert 0 < county.persons_active < province.persons_active <= 300
    admin.refresh_from_db()
    assert (admin.role, admin.county_id is not None) == ("county_admin", True)
