"""The benchmark's machinery at a tiny size on the test database: seeding, the floors agreeing
with our pages and API, equal query counts at two sizes, and its refusal of foreign data."""

from pathlib import Path

import pytest
from django.test import Client

from bench import seed
from bench.database import bench_database_url
from bench.measure import Result, Target, _urls, measure_all, query_count_problems
from villages.models import County, PilotAssignment, Village


@pytest.mark.django_db
def test_bench_seeds_two_sizes_and_every_target_agrees_with_its_floor(settings):
    settings.ROOT_URLCONF = "bench.urls"
    scale = seed.Scale(townships_per_county=3, villages_per_county=60)
    admin, counts = seed.seed_measured_county(scale)
    assert (counts.counties, counts.townships, counts.villages) == (1, 3, 60)
    assert counts.pilots == PilotAssignment.objects.count() > 0
    client = Client()
    client.force_login(admin)
    measure = {"client": client, "program": seed.program_code(1), "year": seed.MEASURED_YEAR, "runs": 1}

    results = measure_all(scale="county", **measure)
    seed.seed_counties(2, 4, scale, approver=admin)
    results += measure_all(scale="province", **measure)

    assert Village.objects.count() == 4 * 60
    assert all(result.available for result in results)
    assert [(r.label, r.scale, r.problem) for r in results if r.problem] == []
    assert query_count_problems(results) == []
    assert all(result.floor_ms > 0 and result.queries > 0 for result in results)


@pytest.mark.django_db
def test_bench_refuses_a_database_holding_other_data():
    seed.seed_measured_county(seed.Scale(townships_per_county=2, villages_per_county=10))
    assert seed.non_bench_data_present() is False

    County.objects.create(name="巴东县", province="湖北省")

    assert seed.non_bench_data_present() is True


def test_bench_database_is_a_twin_of_the_configured_one_never_the_same():
    base = Path("/srv/app")
    url = bench_database_url(
        "postgres://pilot:secret@db.example:5433/pilot_admin", name="pilot_admin_bench", base_dir=base
    )
    assert url == "postgres://pilot:secret@db.example:5433/pilot_admin_bench"
    assert bench_database_url(None, name="b", base_dir=base) == "sqlite:////srv/app/var/b.sqlite3"
    assert bench_database_url("sqlite:////srv/app/db.sqlite3", name="b", base_dir=base).endswith("/var/b.sqlite3")


def test_a_route_that_does_not_exist_yet_is_reported_not_available(settings):
    settings.ROOT_URLCONF = "bench.urls"
    present = Target("v", "v", "villages:village_list", "bench_floor_villages", check=lambda response, floor: None)
    missing = Target("x", "x", "villages:no_such_page", "bench_floor_villages", check=lambda response, floor: None)

    assert _urls(present, "?year=2019") == ("/villages/?year=2019", "/bench-floor/villages/?year=2019")
    assert _urls(missing, "") is None


def test_a_query_count_that_grows_with_the_data_is_reported():
    county = Result("county", "v", "village list", "/villages/", available=True, queries=7)
    province = Result("province", "v", "village list", "/villages/", available=True, queries=57)
    steady = Result("province", "s", "stats", "/api/v1/stats/pilots/", available=True, queries=4)

    problems = query_count_problems([county, province, steady, Result("county", "s", "stats", "", True, queries=4)])

    assert problems == ["village list: queries differ between scales {'county': 7, 'province': 57}"]
