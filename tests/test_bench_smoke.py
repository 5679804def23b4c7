"""The benchmark's machinery at a tiny size on the test database: seeding (villages, pilots,
tasks, inspections, persons and visits), the floors agreeing with our pages, statistics, the
dashboard and the API, equal query counts at two sizes, the Excel jobs and their floors, and the
refusal of foreign data (the load test: tests/test_bench_load.py)."""

import datetime
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client

from assessments.models import Inspection, Rectification
from bench import excel as bench_excel
from bench import guardianship as bench_guardianship
from bench import province, seed
from bench.database import bench_database_url
from bench.measure import TARGETS, Result, Target, _urls, measure_all, query_count_problems
from guardianship.models import Person
from tasks.models import ProgressReport, Task
from villages.models import County, PilotAssignment, Village

POSTGRES_ONLY = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the statistics floors and the persons' seeding are PostgreSQL only"
)


@POSTGRES_ONLY
@pytest.mark.django_db
def test_bench_seeds_two_sizes_and_every_target_agrees_with_its_floor(settings):
    settings.ROOT_URLCONF = "bench.urls"
    scale = seed.Scale(townships_per_county=3, villages_per_county=60)
    admin, counts = seed.seed_measured_county(scale)
    work = province.seed(1, 1)
    bench_guardianship.seed(persons=120, visitor_id=admin.pk, first_county=1, last_county=1)
    assert (counts.counties, counts.townships, counts.villages) == (1, 3, 60)
    assert counts.pilots == PilotAssignment.objects.count() > 0
    assert work.tasks == province.TASKS_PER_COUNTY == Task.objects.count()
    assert work.reports == ProgressReport.objects.count() > 0
    assert work.inspections == Inspection.objects.count() > 0
    assert work.rectifications == Rectification.objects.count() > 0
    client = Client()
    seed.sign_in(client, admin)
    measure = {"client": client, "program": seed.program_code(1), "year": seed.MEASURED_YEAR, "runs": 1, "warmups": 1}

    results = measure_all(scale="county", **measure)
    seed.seed_counties(2, 4, scale, approver=admin)
    province.seed(2, 4)
    bench_guardianship.seed(persons=360, visitor_id=admin.pk, first_county=2, last_county=4, offset=120)
    results += measure_all(scale="province", **measure)

    assert Village.objects.count() == 4 * 60
    assert Task.objects.count() == 4 * province.TASKS_PER_COUNTY
    assert Person.objects.count() == 480
    assert {r.key for r in results} == {t.key for t in TARGETS}
    assert all(result.available for result in results)
    assert [(r.label, r.scale, r.problem) for r in results if r.problem] == []
    assert query_count_problems(results) == []
    assert all(result.floor_ms > 0 and result.queries > 0 for result in results)
    # Every page has its template floor, timed and checked beside the JSON one (issue 16).
    pages = {t.key for t in TARGETS if t.html_floor_url_name}
    assert pages == {
        "village_list_page", "pilot_list_page", "quota_report_page", "standards_table_page", "ledger_page",
        "register_page", "ranking_page",
    }  # fmt: skip
    assert all(r.html_floor_ms > 0 and r.html_ratio > 0 for r in results if r.key in pages)
    assert all(r.html_floor_ms is None for r in results if r.key not in pages)


@POSTGRES_ONLY
@pytest.mark.django_db
def test_excel_jobs_import_and_export_what_their_floors_do(tmp_path):
    """The four jobs a child process runs, here in-process at a tiny size: the import through
    the upload's service and its bulk-insert floor create the same persons; the export and its
    floor write one row per person."""
    from tests.helpers.excel import opened

    county, user = bench_excel._prepare_county("819999")
    for side, region in (("ours", "429901"), ("floor", "429902")):
        path = tmp_path / f"{side}.xlsx"
        bench_excel.write_import_file(path, rows=25, region=region)
        job = {"file": str(path), "rows": 25}
        problem = (bench_excel._import_ours if side == "ours" else bench_excel._import_floor)(job, user)
        assert problem is None
    # ID numbers are encrypted, so grouped by region here rather than in SQL.
    by_region = {"429901": [], "429902": []}
    for person in Person.objects.filter(village__township__county=county):
        by_region[person.id_number[:6]].append((person.name, person.birth_date, person.kind))
    assert len(by_region["429901"]) == 25
    assert sorted(by_region["429901"]) == sorted(by_region["429902"])

    county, user = bench_excel._prepare_county("829999")
    visits = bench_excel._seed_export_county(county, visits=120, visitor_id=user.pk)
    assert visits == 120
    sheets = []
    for export in (bench_excel._export_ours, bench_excel._export_floor):
        problem, body = export({}, user)
        assert problem is None
        sheet = opened(body, read_only=True).worksheets[0]
        sheets.append(
            [row for row in sheet.iter_rows(values_only=True) if len(row) > 2 and row[2] and "导出人员" in str(row[2])]
        )
    ours, floor = sheets
    assert len(ours) == len(floor) == 10
    # The same persons with a visit in every month of the year, on both sides.
    assert sorted(row[2] for row in ours) == sorted(row[2] for row in floor)
    assert all(isinstance(cell, datetime.datetime) for row in ours + floor for cell in row[4:16])


def test_memory_counts_as_flat_only_when_the_larger_run_stays_near_the_smaller():
    result = bench_excel.ExcelResult(what="export", unit="visits", sizes=[1000, 5000], target_ratio=1.5)
    result.runs = [bench_excel.Run("ours", 1000, ms=100, peak_mb=120), bench_excel.Run("floor", 1000, ms=80)]
    result.runs += [bench_excel.Run("ours", 5000, ms=400, peak_mb=130), bench_excel.Run("floor", 5000, ms=200)]
    assert result.memory_flat is True
    assert result.ratio == 2.0

    result.run("ours", 5000).peak_mb = 260
    assert result.memory_flat is False


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


@pytest.mark.django_db
def test_the_standards_floor_agrees_with_the_standards_api(settings):
    """The standards case on any database: the seeded indicators give the API and its floor the
    same per-township numbers (FILTER runs on SQLite too)."""
    from bench.measure import _same_standards_numbers

    settings.ROOT_URLCONF = "bench.urls"
    admin, _ = seed.seed_measured_county(seed.Scale(townships_per_county=3, villages_per_county=60))
    client = Client()
    client.force_login(admin)
    query = f"?program={seed.program_code(1)}&year={seed.MEASURED_YEAR}"
    ours = client.get("/api/v1/stats/standards/" + query)
    floor = client.get("/bench-floor/standards/" + query)
    assert ours.status_code == floor.status_code == 200
    assert _same_standards_numbers(ours, floor.json()) is None
    body = ours.json()
    r_b1 = next(cell for cell in body["county"]["standards"] if cell["code"] == "R-B1")
    assert 0 < r_b1["met"] < r_b1["reported"] < r_b1["applicable"]


def test_a_page_is_judged_against_its_template_floor_and_shows_the_json_ratio():
    from bench.targets import verdicts

    common = {"scale": "province", "url": "/", "available": True, "ours_ms": 30.0, "floor_ms": 10.0, "ratio": 3.0}
    page = Result(key="village_list_page", label="village list page", **common, html_floor_ms=16.0, html_ratio=1.88)
    api = Result(key="api_villages", label="GET /api/v1/villages/", **common)

    page_row, api_row = verdicts(results=[page, api])

    assert (page_row.floor, page_row.ratio, page_row.met) == ("16.0 ms", "1.9x", True)
    assert page_row.what == "village list page (template floor; JSON floor 3.0x)"
    assert (api_row.floor, api_row.ratio, api_row.met) == ("10.0 ms", "3.0x", False)
