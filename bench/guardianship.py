"""The monthly guardianship statistics at province scale: 200,000 persons spread over every
village of the bench province and 2,400,000 visits (one a month for a year, with gaps where a
month's visit slipped into the next), seeded with generate_series. `GET
/api/v1/stats/guardianship/` is timed as the measured county's admin (county-scoped) and as a
province-wide API client, each against its floor: ONE hand-written SQL statement giving the
same numbers (county totals and per township, GROUP BY ROLLUP), in this process.

PostgreSQL only: generate_series and ROLLUP have no SQLite counterpart worth timing.
"""

import datetime
import statistics
import time
from dataclasses import asdict, dataclass, field

from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bench.seed import _county_code, sign_in
from bench.tasks_seed import version_column
from guardianship.choices import PersonStatus, SupportMode
from guardianship.models import Agreement, Guardian, GuardianshipPolicy, Person, Visit
from guardianship.selectors import DEFAULT_VISITS_PER_MONTH, NEEDS_GUARDIAN, coverage, local_midnight
from pilot_admin.choices import Role
from villages.models import County, Township, Village

YEAR = 2019
MONTH = datetime.date(YEAR, 6, 1)
REGISTERED = datetime.datetime(2018, 12, 1, tzinfo=datetime.UTC)
BATCH = 50_000


def encrypted_id_numbers(prefix: str, start: int, count: int) -> tuple[list[int], list[str], list[str]]:
    """Numbers start…start+count-1 as stored ID numbers: (i, token, blind index) columns for
    unnest(), so seeded rows are encrypted as the application writes them."""
    from pilot_admin import crypto

    numbers = range(start, start + count)
    plain = [f"{prefix}{i:0{18 - len(prefix)}d}" for i in numbers]
    return (
        list(numbers),
        [crypto.encrypt(p) for p in plain],
        [crypto.blind_index(p, purpose="id_number") for p in plain],
    )


def _t(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


@dataclass
class Measured:
    scope: str
    ours_ms: float = 0.0
    floor_ms: float = 0.0
    ratio: float | None = None
    queries: int = 0
    persons_active: int = 0
    problem: str | None = None


@dataclass
class GuardianshipBench:
    persons: int
    visits: int
    month: str
    runs: int
    measured: list[Measured] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)

    @property
    def problems(self) -> list[str]:
        return [f"guardianship stats ({m.scope}): {m.problem}" for m in self.measured if m.problem]


@transaction.atomic
def seed(*, persons: int, visitor_id: int, first_county: int = 1, last_county: int = 999, offset: int = 0) -> int:
    """Persons round-robin over the villages of the bench counties number first…last (person
    numbers from `offset`, so later calls add to earlier ones): 85 % dispersed, self-care levels
    and civil capacities in turn, 1 % exited in the measured month's predecessor; guardians for
    most persons without full capacity, agreements for most guardians; twelve visits each.
    Returns the number of visits."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {_t(Person)}")
        (before,) = cursor.fetchone()
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {_t(Guardian)}")
        (guardians_before,) = cursor.fetchone()
        codes = [_county_code(first_county), _county_code(last_county)]
        # The village count as a constant, so `v.k = i % n` is a hash join, not a nested loop
        # over persons × villages.
        cursor.execute(
            f"""SELECT COUNT(*) FROM {_t(Village)} vi JOIN {_t(Township)} t ON t.id = vi.township_id
                JOIN {_t(County)} c ON c.id = t.county_id WHERE c.admin_code BETWEEN %s AND %s""",
            codes,
        )
        (villages,) = cursor.fetchone()
        version, one = version_column(Person)
        cursor.execute(
            f"""
            INSERT INTO {_t(Person)} (created_at, updated_at, name, gender, id_number, birth_date, village_id,
                   address, kind, disability_type, disability_grade, civil_capacity, support_mode, institution,
                   status, exit_reason, exit_date, monthly_income_yuan, property_ok, obligor_situation,
                   self_care_level, notes, id_number_index{version})
            SELECT %s, %s, '基准人员' || i, CASE WHEN i %% 2 = 0 THEN 'female' ELSE 'male' END,
                   n.token, DATE '1940-01-01' + (i %% 9000), v.id, '', 'elderly', '', NULL,
                   CASE i %% 4 WHEN 0 THEN 'none' WHEN 1 THEN 'limited' ELSE 'full' END,
                   CASE WHEN i %% 20 < 3 THEN 'concentrated' ELSE 'dispersed' END,
                   CASE WHEN i %% 20 < 3 THEN '基准敬老院' ELSE '' END,
                   CASE WHEN i %% 100 = 7 THEN 'exited' ELSE 'active' END,
                   CASE WHEN i %% 100 = 7 THEN '死亡' ELSE '' END,
                   CASE WHEN i %% 100 = 7 THEN DATE '2019-05-15' END,
                   100, TRUE, 'none',
                   CASE i %% 3 WHEN 0 THEN 'full' WHEN 1 THEN 'partial' ELSE 'none' END, '', n.idx{one}
              FROM unnest(%s::int[], %s::text[], %s::text[]) AS n(i, token, idx)
              JOIN (SELECT vi.id, row_number() OVER (ORDER BY vi.id) - 1 AS k
                      FROM {_t(Village)} vi JOIN {_t(Township)} t ON t.id = vi.township_id
                      JOIN {_t(County)} c ON c.id = t.county_id
                     WHERE c.admin_code BETWEEN %s AND %s) v ON v.k = n.i %% %s
            """,
            [REGISTERED, REGISTERED, *encrypted_id_numbers("B", offset, persons), *codes, villages],
        )
        cursor.execute(
            f"""
            INSERT INTO {_t(Guardian)} (created_at, updated_at, person_id, kind, name, relation, phone, category,
                   consent_by, consent_on, able_to_perform, start_date, end_date, is_active, end_reason)
            SELECT %s, %s, p.id, 'individual', '监护人', '', '',
                   CASE p.id %% 3 WHEN 0 THEN 'I' WHEN 1 THEN 'II' ELSE 'III' END,
                   CASE WHEN p.id %% 3 = 1 THEN 'village_committee' ELSE '' END, NULL, TRUE, DATE '2018-12-01',
                   NULL, TRUE, ''
              FROM {_t(Person)} p
             WHERE p.civil_capacity IN %s AND p.id %% 10 <> 0 AND p.id > %s
            """,
            [REGISTERED, REGISTERED, tuple(NEEDS_GUARDIAN), before],
        )
        cursor.execute(
            f"""
            INSERT INTO {_t(Agreement)} (created_at, updated_at, guardian_id, signed_on, duties, document,
                   document_name)
            SELECT %s, %s, g.id, DATE '2018-12-10', '["daily_watch"]', '', ''
              FROM {_t(Guardian)} g WHERE g.id %% 8 <> 0 AND g.id > %s
            """,
            [REGISTERED, REGISTERED, guardians_before],
        )
        # Month m's visit falls in month m, except one in ten slips into month m + 1 (a gap, then
        # two visits): twelve a person. Loaded like a restore: without the table's secondary
        # indexes and foreign keys, rebuilt in one pass each afterwards.
        rebuild = _drop_indexes_and_foreign_keys(cursor, Visit)
        cursor.execute(
            f"""
            INSERT INTO {_t(Visit)} (created_at, updated_at, person_id, visited_on, visitor_id, visitor_name,
                   food_ok, clothing_ok, housing_safe, medical_ok, hygiene_ok, heating_ok, spirits_ok,
                   problems, follow_up)
            SELECT %s, %s, p.id,
                   (DATE '2019-01-01' + make_interval(months => m + CASE WHEN (p.id + m) %% 10 = 0 THEN 1 ELSE 0 END)
                    + ((p.id * 7 + m) %% 28) * INTERVAL '1 day')::date,
                   %s, '联村干部', TRUE, TRUE, TRUE, TRUE, TRUE, TRUE, TRUE, '', ''
              FROM {_t(Person)} p CROSS JOIN generate_series(0, 11) AS m
             WHERE p.id > %s
            """,
            [REGISTERED, REGISTERED, visitor_id, before],
        )
        visits = cursor.rowcount
        for statement in rebuild:
            cursor.execute(statement)
        cursor.execute("ANALYZE")
    return visits


def _drop_indexes_and_foreign_keys(cursor, model) -> list[str]:
    """Drop `model`'s non-primary-key indexes and its foreign keys; return the statements that
    recreate them as they were."""
    table = model._meta.db_table
    # The rows inserted so far have deferred foreign-key checks queued; PostgreSQL refuses to
    # alter a table with pending trigger events, so run them now.
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    cursor.execute(
        """SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
            WHERE conrelid = %s::regclass AND contype = 'f'""",
        [table],
    )
    foreign_keys = cursor.fetchall()
    cursor.execute(
        """SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
            WHERE x.indrelid = %s::regclass AND NOT x.indisprimary AND NOT x.indisunique""",
        [table],
    )
    indexes = cursor.fetchall()
    quoted = connection.ops.quote_name(table)
    for name, _ in foreign_keys:
        cursor.execute(f"ALTER TABLE {quoted} DROP CONSTRAINT {connection.ops.quote_name(name)}")
    for name, _ in indexes:
        cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
    return [definition for _, definition in indexes] + [
        f"ALTER TABLE {quoted} ADD CONSTRAINT {connection.ops.quote_name(name)} {definition}"
        for name, definition in foreign_keys
    ]


def _floor_sql(county_id: int | None) -> tuple[str, list]:
    """The statistics in one statement: per township and, through ROLLUP, in total."""
    start = MONTH
    end = datetime.date(MONTH.year + (MONTH.month == 12), MONTH.month % 12 + 1, 1)
    county_filter = "AND t.county_id = %s" if county_id is not None else ""
    # One county: each person's visits looked up by index; the whole province: one pass over
    # the month's visits, grouped. The best statement for each, as a hand-written floor would be.
    if county_id is not None:
        visits_join = f"""LEFT JOIN LATERAL (SELECT COUNT(*) AS n FROM {_t(Visit)}
                      WHERE person_id = p.id AND visited_on >= %s AND visited_on < %s) v ON TRUE"""
    else:
        visits_join = f"""LEFT JOIN (SELECT person_id, COUNT(*) AS n FROM {_t(Visit)}
                      WHERE visited_on >= %s AND visited_on < %s GROUP BY person_id) v ON v.person_id = p.id"""
    sql = f"""
        SELECT p.township_id,
               COUNT(*),
               COUNT(*) FILTER (WHERE p.support_mode = %s),
               COUNT(*) FILTER (WHERE p.support_mode = %s),
               COUNT(*) FILTER (WHERE p.self_care_level = 'full'),
               COUNT(*) FILTER (WHERE p.self_care_level = 'partial'),
               COUNT(*) FILTER (WHERE p.self_care_level = 'none'),
               COUNT(*) FILTER (WHERE g.category = 'I'),
               COUNT(*) FILTER (WHERE g.category = 'II'),
               COUNT(*) FILTER (WHERE g.category = 'III'),
               COUNT(*) FILTER (WHERE g.id IS NULL AND p.civil_capacity IN %s),
               COUNT(*) FILTER (WHERE g.id IS NOT NULL AND NOT EXISTS (
                   SELECT 1 FROM {_t(Agreement)} a WHERE a.guardian_id = g.id)),
               COUNT(*) FILTER (WHERE p.support_mode = %s
                   AND COALESCE(v.n, 0) >= COALESCE(pol.visits_per_month, %s))
          FROM (SELECT p.id, p.support_mode, p.self_care_level, p.civil_capacity, vi.township_id, t.county_id
                  FROM {_t(Person)} p
                  JOIN {_t(Village)} vi ON vi.id = p.village_id
                  JOIN {_t(Township)} t ON t.id = vi.township_id
                 WHERE p.created_at < %s AND (p.status = %s OR p.exit_date >= %s) {county_filter}) p
          LEFT JOIN {_t(Guardian)} g ON g.person_id = p.id AND g.is_active
          {visits_join}
          LEFT JOIN {_t(GuardianshipPolicy)} pol ON pol.county_id = p.county_id
         GROUP BY ROLLUP (p.township_id)
    """
    params = [
        SupportMode.CONCENTRATED, SupportMode.DISPERSED, tuple(NEEDS_GUARDIAN), SupportMode.DISPERSED,
        DEFAULT_VISITS_PER_MONTH,
        local_midnight(end), PersonStatus.ACTIVE, start,
        *([county_id] if county_id is not None else []),
        start, end,
    ]  # fmt: skip
    return sql, params


def floor(county_id: int | None) -> dict:
    sql, params = _floor_sql(county_id)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    total = next(r for r in rows if r[0] is None)
    (_, persons, concentrated, dispersed, full, partial, none_, cat_i, cat_ii, cat_iii, missing, no_agreement,
     visited) = total  # fmt: skip
    return {
        "month": MONTH.strftime("%Y-%m"),
        "persons_active": persons,
        "support_mode": {"concentrated": concentrated, "dispersed": dispersed},
        "self_care_level": {"full": full, "partial": partial, "none": none_},
        "guardian_category": {"I": cat_i, "II": cat_ii, "III": cat_iii, "missing": missing},
        "agreements_missing": no_agreement,
        "dispersed_visited": visited,
        "dispersed_total": dispersed,
        "visit_coverage": coverage(visited, dispersed),
        "townships": sorted((r[0], r[1], r[3], r[12], coverage(r[12], r[3])) for r in rows if r[0] is not None),
    }


def _comparable(answer: dict) -> dict:
    """The API's answer in the floor's shape: its numbers (not the as_of and scope labels),
    townships with persons, as sorted tuples."""
    numbers = {key: value for key, value in answer.items() if key not in ("as_of", "scope")}
    return {
        **numbers,
        "townships": sorted(
            (t["id"], t["persons_active"], t["dispersed_total"], t["dispersed_visited"], t["visit_coverage"])
            for t in answer["townships"]
            if t["persons_active"]
        ),
    }


def _ms(start: float) -> float:
    return (time.perf_counter() - start) * 1000


def _measure(client: Client, scope: str, county_id: int | None, runs: int) -> Measured:
    url = reverse("api_guardianship_stats") + f"?month={MONTH:%Y-%m}"
    result = Measured(scope=scope)
    ours, floors = [], []
    answer = expected = None
    for _ in range(runs):
        start = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        ours.append(_ms(start))
        if response.status_code != 200:
            result.problem = f"HTTP {response.status_code}: {response.content[:200]!r}"
            return result
        answer = response.json()
        result.queries = len(queries.captured_queries)
        start = time.perf_counter()
        expected = floor(county_id)
        floors.append(_ms(start))
    result.ours_ms = round(statistics.median(ours), 1)
    result.floor_ms = round(statistics.median(floors), 1)
    result.ratio = round(result.ours_ms / result.floor_ms, 2) if result.floor_ms else None
    result.persons_active = answer["persons_active"]
    if _comparable(answer) != expected:
        differing = sorted(k for k in expected if _comparable(answer).get(k) != expected[k])
        result.problem = f"the API and the floor disagree on {', '.join(differing)}"
    return result


def run(*, admin, persons: int, visits: int | None = None, runs: int = 3) -> GuardianshipBench | None:
    """Time the county admin's and a province-wide API client's statistics (`python -m bench`
    seeds the persons and visits with the counties and passes `visits`; without it, `persons`
    are seeded here over every bench county first). The
    province-wide caller is the bench admin, switched for the measurement to an API client
    without a county (and back): the bench database must hold no other user (seed.py)."""
    if connection.vendor != "postgresql":
        return None
    if visits is None:
        visits = seed(persons=persons, visitor_id=admin.pk)
    result = GuardianshipBench(persons=persons, visits=visits, month=MONTH.strftime("%Y-%m"), runs=runs)
    client = Client()
    sign_in(client, admin)
    result.measured.append(_measure(client, "county admin, one county", admin.county_id, runs))
    county, role = admin.county, admin.role
    try:
        admin.county, admin.role = None, Role.API_CLIENT
        admin.save(update_fields=["county", "role"])
        result.measured.append(_measure(client, "API client, whole province", None, runs))
    finally:
        admin.county, admin.role = county, role
        admin.save(update_fields=["county", "role"])
    return result


def format_table(result: GuardianshipBench) -> str:
    from bench.measure import _table

    header = ("what", "persons", "ours ms", "floor ms", "ratio", "queries", "persons in month", "check")
    rows = [
        (f"GET /api/v1/stats/guardianship/ 监护统计 ({m.scope})", f"{result.persons:,}", f"{m.ours_ms:.1f}",
         f"{m.floor_ms:.1f}", f"{m.ratio:.1f}x" if m.ratio else "-", str(m.queries), f"{m.persons_active:,}",
         m.problem or "ok")
        for m in result.measured
    ]  # fmt: skip
    return _table(header, rows)
