"""Excel at scale: the person import and the visit-ledger export, each against its floor, at two
sizes, each run in a child process of its own so its peak memory (ru_maxrss above the process's
footprint after start-up) is its own and no tracing distorts the timing.

- Import: the `persons` kind (guardianship/excel.py) read and applied with the service the upload
  calls (ImportKind.run: pilot_admin.excel reading, guardianship.services_import.person_import),
  synchronously, against the floor: the same file read with openpyxl in read-only mode and the
  same persons written with ONE bulk INSERT.
- Export: the visit ledger (guardianship:visit_matrix_export, persons × the 12 months of a year,
  the county's whole year of visits) through Django's test client, the response read to its
  end, against the floor: ONE SQL statement giving the same cells and openpyxl in write-only
  mode writing them.

Each size has a county of its own in the bench province (codes 8xxxxx, outside the measured
counties), with a county admin `bench_excel_<code>`; import files use a region prefix per run,
so no run meets another's ID numbers.
"""

import datetime
import io
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

EXPORT_YEAR = 2019
VILLAGES_PER_COUNTY = 10
# The larger run's peak may exceed the smaller one's by this much and still count as flat:
# allocator noise, not rows.
FLAT_SLACK_MB = 16.0


@dataclass
class Run:
    side: str  # ours | floor
    rows: int
    ms: float = 0.0
    # The child's peak resident memory during the job (VmHWM, reset just before it) and its
    # resident memory once set up: the difference is what the job needed above start-up.
    peak_mb: float = 0.0
    start_mb: float = 0.0
    problem: str | None = None


@dataclass
class ExcelResult:
    what: str
    unit: str
    sizes: list[int]
    target_ratio: float
    runs: list[Run] = field(default_factory=list)

    def run(self, side: str, rows: int) -> Run | None:
        return next((r for r in self.runs if r.side == side and r.rows == rows), None)

    @property
    def ratio(self) -> float | None:
        ours, floor = self.run("ours", self.sizes[-1]), self.run("floor", self.sizes[-1])
        return round(ours.ms / floor.ms, 2) if ours and floor and floor.ms else None

    @property
    def memory_flat(self) -> bool | None:
        small, large = self.run("ours", self.sizes[0]), self.run("ours", self.sizes[-1])
        if not small or not large or len(self.sizes) < 2:
            return None
        return large.peak_mb <= small.peak_mb + FLAT_SLACK_MB

    @property
    def problems(self) -> list[str]:
        return [f"{self.what} ({r.side}, {r.rows:,} {self.unit}): {r.problem}" for r in self.runs if r.problem]

    def as_dict(self) -> dict:
        return {**asdict(self), "ratio": self.ratio, "memory_flat": self.memory_flat}


# --- the parent: counties, files, children -------------------------------------------------------


def _county_code(kind: str, size_index: int) -> str:
    return f"8{'1' if kind == 'import' else '2'}{size_index:04d}"


def _prepare_county(code: str):
    """A county with one township of VILLAGES_PER_COUNTY villages and its county admin."""
    from bench.seed import BENCH_PROVINCE
    from pilot_admin.choices import Role
    from pilot_admin.models import User
    from villages.choices import VillageKind
    from villages.models import County, Township, Village

    county = County.objects.create(
        name=f"基准县（{code}）", province=BENCH_PROVINCE, prefecture="基准州", admin_code=code
    )
    township = Township.objects.create(county=county, code=f"{code}001", name="导入镇")
    Village.objects.bulk_create(
        [
            Village(
                township=township,
                code=f"{code}001{201 + k:03d}",
                name=f"导入{k + 1:02d}村",
                kind=VillageKind.ADMINISTRATIVE_VILLAGE,
            )
            for k in range(VILLAGES_PER_COUNTY)
        ]  # fmt: skip
    )
    user = User(username=f"bench_excel_{code}", role=Role.COUNTY_ADMIN, county=county, last_name="基准导入")
    user.set_unusable_password()
    user.save()
    return county, user


def _id_number(region: str, i: int) -> str:
    from pilot_admin import idnumbers

    birth = datetime.date(1940, 1, 1) + datetime.timedelta(days=i)
    body = f"{region}{birth:%Y%m%d}{i % 1000:03d}"
    return idnumbers.with_check_character(body)


def write_import_file(path: Path, *, rows: int, region: str) -> None:
    """`rows` new persons under the import's own headers, spread over the county's villages."""
    from openpyxl import Workbook

    from guardianship.excel import PERSON_COLUMNS

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("特困人员")
    sheet.append(PERSON_COLUMNS.headers)
    for i in range(rows):
        values = {
            "township": "导入镇", "village": f"导入{i % VILLAGES_PER_COUNTY + 1:02d}村", "name": f"导入人员{i}",
            "id_number": _id_number(region, i), "kind": "老年人", "support_mode": "分散供养",
            "civil_capacity": "完全民事行为能力" if i % 3 else "限制民事行为能力", "address": f"导入{i}号",
        }  # fmt: skip
        sheet.append([values.get(column.field, "") for column in PERSON_COLUMNS])
    workbook.save(path)


def _seed_export_county(county, *, visits: int, visitor_id: int) -> int:
    """visits / 12 dispersed persons of the county, each visited once a month in EXPORT_YEAR."""
    from django.db import connection

    from bench.guardianship import encrypted_id_numbers
    from bench.tasks_seed import quoted, version_column
    from guardianship.models import Person, Visit
    from villages.models import Township, Village

    persons = max(1, visits // 12)
    registered = datetime.datetime(EXPORT_YEAR - 1, 12, 1, tzinfo=datetime.UTC)
    version, one = version_column(Person)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {quoted(Person)}")
        (before,) = cursor.fetchone()
        cursor.execute(
            f"""
            INSERT INTO {quoted(Person)} (created_at, updated_at, name, gender, id_number, birth_date, village_id,
                   address, kind, disability_type, disability_grade, civil_capacity, support_mode, institution,
                   status, exit_reason, exit_date, monthly_income_yuan, property_ok, obligor_situation,
                   self_care_level, notes, id_number_index{version})
            SELECT %s, %s, '导出人员' || n.i, 'female', n.token, DATE '1940-01-01', v.id, '',
                   'elderly', '', NULL, 'full', 'dispersed', '', 'active', '', NULL, 100, TRUE, 'none', 'full', '',
                   n.idx{one}
              FROM unnest(%s::int[], %s::text[], %s::text[]) AS n(i, token, idx)
              JOIN (SELECT vi.id, row_number() OVER (ORDER BY vi.id) - 1 AS k
                      FROM {quoted(Village)} vi JOIN {quoted(Township)} t ON t.id = vi.township_id
                     WHERE t.county_id = %s) v ON v.k = n.i %% %s
            """,
            [
                registered, registered, *encrypted_id_numbers(f"E{county.admin_code}", 0, persons),
                county.pk, VILLAGES_PER_COUNTY,
            ],
        )  # fmt: skip
        cursor.execute(
            f"""
            INSERT INTO {quoted(Visit)} (created_at, updated_at, person_id, visited_on, visitor_id, visitor_name,
                   food_ok, clothing_ok, housing_safe, medical_ok, hygiene_ok, heating_ok, spirits_ok,
                   problems, follow_up)
            SELECT %s, %s, p.id, make_date(%s, m, CAST(1 + (p.id + m) %% 28 AS integer)), %s, '联村干部',
                   TRUE, TRUE, TRUE, TRUE, TRUE, TRUE, TRUE, '', ''
              FROM {quoted(Person)} p CROSS JOIN generate_series(1, 12) AS m
             WHERE p.id > %s
            """,
            [registered, registered, EXPORT_YEAR, visitor_id, before],
        )
        created = cursor.rowcount
        cursor.execute(f"ANALYZE {quoted(Visit)}")
        cursor.execute(f"ANALYZE {quoted(Person)}")
    return created


def _child(job: dict) -> dict:
    """Run one job in a fresh interpreter (same environment: the bench database)."""
    completed = subprocess.run(
        [sys.executable, "-m", "bench.excel", json.dumps(job)],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parent.parent,
        env=os.environ.copy(),
        check=False,
    )
    lines = [line for line in completed.stdout.splitlines() if line.startswith("{")]
    if completed.returncode or not lines:
        tail = (completed.stderr or completed.stdout).strip().splitlines()[-3:]
        return {"problem": f"child failed (exit {completed.returncode}): {' | '.join(tail)}"}
    return json.loads(lines[-1])


def run(*, database_name: str, import_rows: list[int], export_visits: list[int], visitor_id: int) -> list[ExcelResult]:
    """Prepare the counties and files in this process, then one child per side and size."""
    results = []
    workdir = Path(tempfile.mkdtemp(prefix="bench-excel-"))
    if import_rows:
        result = ExcelResult(what="person import 特困人员导入", unit="rows", sizes=import_rows, target_ratio=2.0)
        for size_index, rows in enumerate(import_rows):
            _county, user = _prepare_county(_county_code("import", size_index))
            # A region code per run: no run meets another's ID numbers.
            for side, region in (("ours", f"42{size_index:02d}01"), ("floor", f"42{size_index:02d}02")):
                path = workdir / f"import-{side}-{rows}.xlsx"
                write_import_file(path, rows=rows, region=region)
                outcome = _child(
                    {"job": "import", "side": side, "file": str(path), "username": user.username,
                     "rows": rows, "database": database_name}
                )  # fmt: skip
                result.runs.append(Run(side=side, rows=rows, **outcome))
        results.append(result)
    if export_visits:
        result = ExcelResult(
            what="visit ledger export 走访台账导出", unit="visits", sizes=export_visits, target_ratio=1.5
        )
        for size_index, visits in enumerate(export_visits):
            county, user = _prepare_county(_county_code("export", size_index))
            seeded = _seed_export_county(county, visits=visits, visitor_id=visitor_id)
            for side in ("ours", "floor"):
                outcome = _child(
                    {"job": "export", "side": side, "username": user.username, "rows": seeded,
                     "database": database_name}
                )  # fmt: skip
                result.runs.append(Run(side=side, rows=visits, **outcome))
        results.append(result)
    for path in workdir.iterdir():
        path.unlink()
    workdir.rmdir()
    return results


def format_table(results: list[ExcelResult]) -> str:
    from bench.measure import _table

    header = ("what", "size", "ours ms", "floor ms", "ratio", "target", "peak MB ours/floor (start-up)", "check")
    rows = []
    for result in results:
        for size in result.sizes:
            ours, floor = result.run("ours", size), result.run("floor", size)
            ratio = ours.ms / floor.ms if ours and floor and floor.ms else None
            rows.append(
                (result.what, f"{size:,} {result.unit}", f"{ours.ms:.0f}", f"{floor.ms:.0f}",
                 f"{ratio:.1f}x" if ratio else "-", f"{result.target_ratio}x",
                 f"{ours.peak_mb:.0f} / {floor.peak_mb:.0f} ({ours.start_mb:.0f})",
                 "; ".join(filter(None, [ours.problem, floor.problem])) or "ok")
            )  # fmt: skip
    return _table(header, rows)


# --- the child -----------------------------------------------------------------------------------


def _reset_peak() -> bool:
    """Reset this process's peak resident memory to its current one (Linux ≥ 4.0), so the peak
    read after the job is the job's and not start-up's (Django's setup peaks above its rest)."""
    try:
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")
        return True
    except OSError:
        return False


def _status_mb(field_name: str) -> float | None:
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(f"{field_name}:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def _peak_mb() -> float:
    import resource

    peak = _status_mb("VmHWM")
    return peak if peak is not None else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _current_mb() -> float:
    current = _status_mb("VmRSS")
    return current if current is not None else 0.0


def _import_ours(job: dict, user) -> str | None:
    from pilot_admin.excel import import_kinds

    kind = import_kinds.get("persons")
    with open(job["file"], "rb") as handle:
        result = kind.run(actor=user, file=handle, dry_run=False)
    if result.errors:
        return f"{len(result.errors)} row errors, e.g. {result.errors[0]}"
    return None if result.created == job["rows"] else f"created {result.created} of {job['rows']}"


def _import_floor(job: dict, user) -> str | None:
    from openpyxl import load_workbook

    from guardianship import rules
    from guardianship.excel import PERSON_COLUMNS
    from guardianship.models import Person
    from villages.models import Village

    villages = {
        (v.township.name, v.name): v
        for v in Village.objects.filter(township__county=user.county).select_related("township")
    }
    labels = {
        column.field: {label: value for value, label in column.choices} for column in PERSON_COLUMNS if column.choices
    }
    workbook = load_workbook(job["file"], read_only=True)
    lines = workbook.worksheets[0].iter_rows(values_only=True)
    headers = [PERSON_COLUMNS.match(h).field for h in next(lines)]
    persons = []
    for line in lines:
        row = dict(zip(headers, line, strict=False))
        facts = rules.parse_id_number(row["id_number"])
        persons.append(
            Person(
                name=row["name"], id_number=facts.number, birth_date=facts.birth_date, gender=facts.gender,
                village=villages[(row["township"], row["village"])], address=row["address"] or "",
                kind=labels["kind"][row["kind"]], support_mode=labels["support_mode"][row["support_mode"]],
                civil_capacity=labels["civil_capacity"][row["civil_capacity"]],
            )
        )  # fmt: skip
    workbook.close()
    created = Person.objects.bulk_create(persons)
    return None if len(created) == job["rows"] else f"inserted {len(created)} of {job['rows']}"


def _export_ours(job: dict, user) -> tuple[str | None, bytes]:
    from django.test import Client
    from django.urls import reverse

    from bench.seed import sign_in

    client = Client()
    sign_in(client, user)
    response = client.get(reverse("guardianship:visit_matrix_export") + f"?year={EXPORT_YEAR}")
    body = b"".join(response.streaming_content)
    return (None if response.status_code == 200 else f"HTTP {response.status_code}"), body


EXPORT_FLOOR_SQL = """
SELECT t.name, vi.name, p.name, p.status,
       {months}
  FROM {person} p
  JOIN {village} vi ON vi.id = p.village_id
  JOIN {township} t ON t.id = vi.township_id
  LEFT JOIN {visit} x ON x.person_id = p.id AND x.visited_on >= %(start)s AND x.visited_on < %(end)s
 WHERE t.county_id = %(county)s AND p.support_mode = 'dispersed'
   AND p.created_at < %(end_at)s AND (p.status = 'active' OR p.exit_date >= %(start)s)
 GROUP BY p.id, t.name, vi.name
 ORDER BY t.name, vi.name, p.name, p.id
"""


def _export_floor(job: dict, user) -> tuple[str | None, bytes]:
    from django.db import connection
    from openpyxl import Workbook

    from bench.tasks_seed import quoted
    from guardianship.choices import PersonStatus
    from guardianship.models import Person, Visit
    from guardianship.selectors import local_midnight
    from villages.models import Township, Village

    months = ",\n       ".join(
        f"MIN(x.visited_on) FILTER (WHERE EXTRACT(MONTH FROM x.visited_on) = {m})" for m in range(1, 13)
    )
    sql = EXPORT_FLOOR_SQL.format(
        months=months, person=quoted(Person), village=quoted(Village), township=quoted(Township), visit=quoted(Visit)
    )
    start, end = datetime.date(EXPORT_YEAR, 1, 1), datetime.date(EXPORT_YEAR + 1, 1, 1)
    status_labels = dict(PersonStatus.choices)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("走访台账")
    sheet.append(["乡镇", "村名", "姓名", "状态", *(f"{m}月" for m in range(1, 13))])
    with connection.cursor() as cursor:
        cursor.execute(sql, {"start": start, "end": end, "end_at": local_midnight(end), "county": user.county_id})
        for township, village, name, status, *firsts in cursor:
            sheet.append([township, village, name, status_labels[status], *(d or "未走访" for d in firsts)])
    handle = io.BytesIO()
    workbook.save(handle)
    return None, handle.getvalue()


def child_main(job: dict) -> dict:
    from bench.__main__ import configure

    configure(job["database"])
    from pilot_admin.models import User

    user = User.objects.select_related("county").get(username=job["username"])
    # Warm the code paths this job imports lazily, so start-up cost stays out of the timing.
    import openpyxl  # noqa: F401

    _reset_peak()
    before = _current_mb()
    start = time.perf_counter()
    if job["job"] == "import":
        problem = (_import_ours if job["side"] == "ours" else _import_floor)(job, user)
    else:
        problem, _body = (_export_ours if job["side"] == "ours" else _export_floor)(job, user)
    ms = (time.perf_counter() - start) * 1000
    return {"ms": round(ms, 1), "peak_mb": round(_peak_mb(), 1), "start_mb": round(before, 1), "problem": problem}


if __name__ == "__main__":
    print(json.dumps(child_main(json.loads(sys.argv[1]))))
