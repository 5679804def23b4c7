"""The floor each measurement is compared with: a bare Django view that runs ONE hand-written
SQL statement returning the same numbers (statistics) or the same page of rows (lists) for the
signed-in user's county, and answers JSON. It goes through the same middleware as our views,
so the ratio is the cost of our code above the least any Django view must pay."""

from django.db import connection
from django.http import JsonResponse

from pilot_admin.models import User
from pilot_admin.scoping import declare_scope
from villages.choices import PilotLevel, PilotStatus, VillageKind
from villages.models import PilotAssignment, PilotProgram, Township, Village

PAGE_SIZE = 50

T = {
    "village": Village._meta.db_table,
    "township": Township._meta.db_table,
    "pilot": PilotAssignment._meta.db_table,
    "program": PilotProgram._meta.db_table,
    "user": User._meta.db_table,
}

# The village list's first page in the model's ordering, each row with its newest
# non-withdrawn pilot, and the total for the pager (a window count, so still one statement).
VILLAGE_PAGE_SQL = f"""
SELECT v.id, v.code, v.name, t.name, v.households, v.population, v.resident_population,
       v.is_poverty_village,
       (SELECT CAST(pa.year AS TEXT) || ' ' || pa.level || ' ' || pa.status
          FROM {T["pilot"]} pa
         WHERE pa.village_id = v.id AND pa.status <> %s
         ORDER BY pa.year DESC, pa.id DESC
         LIMIT 1) AS pilot,
       COUNT(*) OVER () AS total
  FROM {T["village"]} v
  JOIN {T["township"]} t ON t.id = v.township_id
 WHERE t.county_id = %s
 ORDER BY t.code, t.name, v.code, v.name, v.id
 LIMIT %s
"""

# The pilot ledger's first page (newest year first) with program and approver.
PILOT_PAGE_SQL = f"""
SELECT pa.id, pa.year, t.name, v.name, p.name, pa.level, pa.status, u.username, u.last_name,
       COUNT(*) OVER () AS total
  FROM {T["pilot"]} pa
  JOIN {T["village"]} v ON v.id = pa.village_id
  JOIN {T["township"]} t ON t.id = v.township_id
  JOIN {T["program"]} p ON p.id = pa.program_id
  LEFT JOIN {T["user"]} u ON u.id = pa.approved_by_id
 WHERE t.county_id = %s
 ORDER BY pa.year DESC, t.name, v.name, pa.id
 LIMIT %s
"""

# Per township of the program's county: active administrative villages, approved pilots of
# the year, of them provincial key, and distinct villages with an approved pilot up to the year.
QUOTA_SQL = f"""
SELECT t.id, t.name,
       (SELECT COUNT(*) FROM {T["village"]} v
         WHERE v.township_id = t.id AND v.is_active AND v.kind = %s) AS n_villages,
       (SELECT COUNT(*) FROM {T["pilot"]} pa JOIN {T["village"]} v ON v.id = pa.village_id
         WHERE v.township_id = t.id AND pa.program_id = p.id AND pa.status = %s
           AND pa.year = %s) AS n_new,
       (SELECT COUNT(*) FROM {T["pilot"]} pa JOIN {T["village"]} v ON v.id = pa.village_id
         WHERE v.township_id = t.id AND pa.program_id = p.id AND pa.status = %s
           AND pa.year = %s AND pa.level = %s) AS n_key,
       (SELECT COUNT(DISTINCT pa.village_id) FROM {T["pilot"]} pa JOIN {T["village"]} v ON v.id = pa.village_id
         WHERE v.township_id = t.id AND pa.program_id = p.id AND pa.status = %s
           AND pa.year <= %s) AS n_cumulative
  FROM {T["township"]} t
  JOIN {T["program"]} p ON p.county_id = t.county_id AND p.code = %s
 WHERE t.county_id = %s
 ORDER BY t.code, t.name
"""


def _fetch(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def village_page_rows(county_id: int) -> list[tuple]:
    return _fetch(VILLAGE_PAGE_SQL, [PilotStatus.WITHDRAWN, county_id, PAGE_SIZE])


def pilot_page_rows(county_id: int) -> list[tuple]:
    return _fetch(PILOT_PAGE_SQL, [county_id, PAGE_SIZE])


def quota_rows(county_id: int, program_code: str, year: int) -> list[tuple]:
    approved = PilotStatus.APPROVED
    params = [VillageKind.ADMINISTRATIVE_VILLAGE, approved, year, approved, year, PilotLevel.PROVINCIAL_KEY]
    return _fetch(QUOTA_SQL, [*params, approved, year, program_code, county_id])


def _rows_response(rows: list[tuple]) -> JsonResponse:
    total = rows[0][-1] if rows else 0
    return JsonResponse({"count": total, "results": [list(row[:-1]) for row in rows]})


def village_page_floor(request):
    return _rows_response(village_page_rows(request.user.county_id))


def pilot_page_floor(request):
    return _rows_response(pilot_page_rows(request.user.county_id))


def quota_floor(request):
    rows = quota_rows(request.user.county_id, request.GET["program"], int(request.GET["year"]))
    return JsonResponse({"townships": [list(row) for row in rows]})


for _view in (village_page_floor, pilot_page_floor, quota_floor):
    declare_scope(_view, "bench floor: the signed-in user's county")
