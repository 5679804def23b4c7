"""The floor each measurement is compared with: a bare Django view that runs ONE hand-written
SQL statement returning the same numbers (statistics) or the same page of rows (lists) for the
signed-in user's county, and answers JSON. It goes through the same middleware as our views,
so the ratio is the cost of our code above the least any Django view must pay."""

from django.db import connection
from django.http import JsonResponse
from django.utils import timezone

from pilot_admin.dates import year_as_of
from pilot_admin.models import User
from pilot_admin.scoping import declare_scope
from villages.choices import COUNTED_PILOT_STATUSES, PilotLevel, PilotStatus, VillageKind
from villages.models import PilotAssignment, PilotProgram, ProgramStandard, Township, Village, VillageIndicator

PAGE_SIZE = 50

T = {
    "village": Village._meta.db_table,
    "township": Township._meta.db_table,
    "pilot": PilotAssignment._meta.db_table,
    "program": PilotProgram._meta.db_table,
    "user": User._meta.db_table,
    "indicator": VillageIndicator._meta.db_table,
    "standard": ProgramStandard._meta.db_table,
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

# Per township of the program's county: the administrative villages as they were on the year's
# reference date (villages/history.py), counted pilots of
# the year, of them provincial key, and distinct villages with a counted pilot up to the year.
QUOTA_SQL = f"""
SELECT t.id, t.name,
       (SELECT COUNT(*) FROM {T["village"]} v
         WHERE v.township_id = t.id AND (v.established_on IS NULL OR v.established_on <= %s)
           AND (v.ended_on IS NULL OR v.ended_on > %s)
           AND (v.kind = %s OR v.community_since > %s)) AS n_villages,
       (SELECT COUNT(*) FROM {T["pilot"]} pa JOIN {T["village"]} v ON v.id = pa.village_id
         WHERE v.township_id = t.id AND pa.program_id = p.id AND pa.status IN (%s, %s)
           AND pa.year = %s) AS n_new,
       (SELECT COUNT(*) FROM {T["pilot"]} pa JOIN {T["village"]} v ON v.id = pa.village_id
         WHERE v.township_id = t.id AND pa.program_id = p.id AND pa.status IN (%s, %s)
           AND pa.year = %s AND pa.level = %s) AS n_key,
       (SELECT COUNT(DISTINCT pa.village_id) FROM {T["pilot"]} pa JOIN {T["village"]} v ON v.id = pa.village_id
         WHERE v.township_id = t.id AND pa.program_id = p.id AND pa.status IN (%s, %s)
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
    # Counted pilots: approved, accepted or not (villages.selectors.pilot_counted_q).
    counted = list(COUNTED_PILOT_STATUSES)
    day = year_as_of(year, timezone.localdate())
    params = [
        day,
        day,
        VillageKind.ADMINISTRATIVE_VILLAGE,
        day,
        *counted,
        year,
        *counted,
        year,
        PilotLevel.PROVINCIAL_KEY,
    ]
    return _fetch(QUOTA_SQL, [*params, *counted, year, program_code, county_id])


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


# The standards statistics' floor: per township, the pilots counted for the year and, for the
# area (R-B1) and video (R-C3) standards, how many reported and met them, thresholds read from
# the program's rows — one statement, the bare shape of what villages.standards computes for
# every standard.
STANDARDS_SQL = f"""
SELECT t.id, t.name,
       COUNT(DISTINCT pa.village_id) AS pilots,
       COUNT(DISTINCT pa.village_id) FILTER (WHERE i.id IS NOT NULL) AS reported,
       COUNT(DISTINCT pa.village_id) FILTER (WHERE i.service_station_area_m2 >= b1.threshold) AS area_met,
       COUNT(DISTINCT pa.village_id) FILTER (WHERE i.video_surveillance_covered) AS video_met
  FROM {T["township"]} t
  JOIN {T["program"]} p ON p.county_id = t.county_id AND p.code = %s
  JOIN {T["standard"]} b1 ON b1.program_id = p.id AND b1.code = 'R-B1'
  LEFT JOIN {T["village"]} v ON v.township_id = t.id
  LEFT JOIN {T["pilot"]} pa ON pa.village_id = v.id AND pa.program_id = p.id AND pa.status IN (%s, %s) AND pa.year <= %s
  LEFT JOIN {T["indicator"]} i ON i.village_id = pa.village_id AND i.year = %s AND i.status = %s
 WHERE t.county_id = %s
 GROUP BY t.id, t.name, t.code
 ORDER BY t.code, t.name
"""


def standards_rows(county_id: int, program_code: str, year: int) -> list[tuple]:
    return _fetch(STANDARDS_SQL, [program_code, *COUNTED_PILOT_STATUSES, year, year, "confirmed", county_id])


def standards_floor(request):
    rows = standards_rows(request.user.county_id, request.GET["program"], int(request.GET["year"]))
    return JsonResponse({"townships": [list(row) for row in rows]})


for _view in (village_page_floor, pilot_page_floor, quota_floor, standards_floor):
    declare_scope(_view, "bench floor: the signed-in user's county")


# --- statistics, the dashboard, the ledger, the register and the ranking ----------------------
# (PostgreSQL: FILTER, ROLLUP and AT TIME ZONE; the SQLite bench measures the targets above.)


def _table_names() -> dict:
    from assessments.models import Inspection, Rectification
    from guardianship.models import Agreement, Guardian, Person, Visit
    from tasks.models import ProgressReport, ReportingPeriod, Task, TaskAssignment
    from villages.models import Department

    models = {
        "task": Task, "assignment": TaskAssignment, "period": ReportingPeriod, "report": ProgressReport,
        "department": Department, "inspection": Inspection, "rectification": Rectification, "person": Person,
        "visit": Visit, "guardian": Guardian, "agreement": Agreement,
    }  # fmt: skip
    return {**T, **{key: model._meta.db_table for key, model in models.items()}}


def _local_date(column: str) -> str:
    from django.conf import settings

    return f"CAST(({column} AT TIME ZONE '{settings.TIME_ZONE}') AS date)"


def task_stats_sql() -> str:
    """Per unit (county departments and township governments): tasks of the year it leads
    (a township government also where the task has no lead unit) / cooperates on / is involved
    in, closed out and overdue as of the year's reference date; per reporting unit: periods due
    in the year by then, received by then, on time. One statement (UNION ALL of the two
    tables)."""
    n = _table_names()
    closed_on, submitted_on = _local_date("t.closed_out_at"), _local_date("r.first_submitted_at")
    closed = f"(t.status = 'closed_out' AND {closed_on} <= %(as_of)s)"
    return f"""
    SELECT 'department', d.id, d.name, d.kind,
           COUNT(*) FILTER (WHERE a.role = 'lead' OR (a.role = 'township' AND NOT EXISTS (
               SELECT 1 FROM {n["assignment"]} l WHERE l.task_id = t.id AND l.role = 'lead'))),
           COUNT(*) FILTER (WHERE a.role = 'cooperating'), COUNT(*),
           COUNT(*) FILTER (WHERE {closed}),
           COUNT(*) FILTER (WHERE t.deadline < %(as_of)s AND NOT {closed})
      FROM {n["department"]} d
      JOIN {n["assignment"]} a ON a.department_id = d.id
      JOIN {n["task"]} t ON t.id = a.task_id
      JOIN {n["program"]} g ON g.id = t.program_id
     WHERE g.county_id = %(county)s AND g.code = %(program)s AND t.start_date <= %(as_of)s
       AND (t.deadline >= make_date(%(year)s, 1, 1)
            OR NOT (t.status = 'closed_out' AND {closed_on} < make_date(%(year)s, 1, 1)))
     GROUP BY d.id
    UNION ALL
    SELECT 'unit', d.id, d.name, d.kind, COUNT(*),
           COUNT(r.id) FILTER (WHERE {submitted_on} <= %(as_of)s),
           COUNT(r.id) FILTER (WHERE {submitted_on} <= p.due_date), 0, 0
      FROM {n["period"]} p
      JOIN {n["task"]} t ON t.id = p.task_id
      JOIN {n["program"]} g ON g.id = t.program_id
      JOIN {n["assignment"]} a ON a.task_id = t.id
      JOIN {n["department"]} d ON d.id = a.department_id
      LEFT JOIN {n["report"]} r ON r.period_id = p.id AND r.department_id = a.department_id
     WHERE g.county_id = %(county)s AND g.code = %(program)s
       AND EXTRACT(YEAR FROM p.due_date) = %(year)s AND p.due_date <= %(as_of)s
       AND (t.status = 'open' OR {closed_on} >= p.due_date)
     GROUP BY d.id
    """


def task_stats_numbers(county_id: int, program_code: str, year: int) -> dict:
    from django.utils import timezone

    from pilot_admin.dates import year_as_of

    params = {"county": county_id, "program": program_code, "year": year}
    rows = _fetch(task_stats_sql(), {**params, "as_of": year_as_of(year, timezone.localdate())})
    return {
        "departments": sorted([r[1], r[2], r[4], r[5], r[7], r[8]] for r in rows if r[0] == "department"),
        "reporting_units": sorted([r[2], r[4], r[5], r[6]] for r in rows if r[0] == "unit"),
    }


def assessment_stats_sql() -> str:
    """The year's results as of its reference date (the latest confirmed inspection of each
    pilot that stood then: an original always, a re-inspection from its inspection date, else
    its confirmation): per township and in total (ROLLUP) villages, mean total, grades; and the
    rectifications of those inspections not verified by then. One statement."""
    n = _table_names()
    confirmed_on, verified_on = _local_date("i.confirmed_at"), _local_date("x.verified_at")
    confirmed = f"""SELECT i.* FROM {n["inspection"]} i JOIN {n["pilot"]} pa ON pa.id = i.pilot_id
                    JOIN {n["program"]} g ON g.id = pa.program_id
                   WHERE g.county_id = %(county)s AND g.code = %(program)s AND i.year = %(year)s
                     AND i.status = 'confirmed'
                     AND (i.original_id IS NULL OR i.inspected_on <= %(as_of)s
                          OR (i.inspected_on IS NULL AND {confirmed_on} <= %(as_of)s))"""
    return f"""
    WITH confirmed AS ({confirmed}),
         results AS (SELECT c.* FROM confirmed c WHERE NOT EXISTS (
                        SELECT 1 FROM confirmed n WHERE n.pilot_id = c.pilot_id AND n.id > c.id))
    SELECT v.township_id, COUNT(*), ROUND(AVG(r.total), 1),
           COUNT(*) FILTER (WHERE r.grade = 'excellent'), COUNT(*) FILTER (WHERE r.grade = 'pass'),
           COUNT(*) FILTER (WHERE r.grade = 'fail'),
           (SELECT COUNT(*) FROM {n["rectification"]} x JOIN confirmed c ON c.id = x.inspection_id
             WHERE x.status <> 'verified' OR {verified_on} > %(as_of)s)
      FROM results r
      JOIN {n["pilot"]} pa ON pa.id = r.pilot_id
      JOIN {n["village"]} v ON v.id = pa.village_id
     GROUP BY ROLLUP (v.township_id)
    """


def assessment_stats_numbers(county_id: int, program_code: str, year: int) -> dict:
    from django.utils import timezone

    from pilot_admin.dates import year_as_of

    params = {"county": county_id, "program": program_code, "year": year}
    rows = _fetch(assessment_stats_sql(), {**params, "as_of": year_as_of(year, timezone.localdate())})
    total = next((r for r in rows if r[0] is None), None)
    return {
        "inspected": total[1] if total else 0,
        "mean_total": float(total[2]) if total and total[2] is not None else None,
        "grades": [total[3], total[4], total[5]] if total else [0, 0, 0],
        "open_rectifications": total[6] if total else 0,
        "townships": sorted([r[0], r[1], float(r[2]), r[3], r[4], r[5]] for r in rows if r[0] is not None),
    }


def _json(request, numbers: dict) -> JsonResponse:
    return JsonResponse(numbers)


def task_stats_floor(request):
    return _json(request, task_stats_numbers(request.user.county_id, request.GET["program"], int(request.GET["year"])))


def assessment_stats_floor(request):
    return _json(
        request, assessment_stats_numbers(request.user.county_id, request.GET["program"], int(request.GET["year"]))
    )


def guardianship_stats_floor(request):
    from bench import guardianship

    return _json(request, guardianship.floor(request.user.county_id))


def dashboard_floor(request):
    """The four statistics floors together: what any county dashboard must at least compute."""
    from bench import guardianship

    county, program, year = request.user.county_id, request.GET["program"], int(request.GET["year"])
    return _json(
        request,
        {
            "pilots": [list(row) for row in quota_rows(county, program, year)],
            "tasks": task_stats_numbers(county, program, year),
            "assessments": assessment_stats_numbers(county, program, year),
            "guardianship": guardianship.floor(county),
        },
    )


def ledger_page_sql() -> str:
    """The ledger's first page: task × unit in the page's order with the current period, the
    unit's latest report and the earliest unmet due date of an open task."""
    n = _table_names()
    return f"""
    SELECT a.id, t.code, t.title, d.name,
           (SELECT p.label FROM {n["period"]} p WHERE p.task_id = t.id
             ORDER BY CASE WHEN p.due_date <= %(today)s THEN 0 ELSE 1 END,
                      CASE WHEN p.due_date <= %(today)s THEN p.due_date END DESC NULLS LAST, p.due_date
             LIMIT 1),
           (SELECT r.status FROM {n["report"]} r JOIN {n["period"]} p ON p.id = r.period_id
             WHERE r.task_id = t.id AND r.department_id = a.department_id
             ORDER BY p.due_date DESC, r.id DESC LIMIT 1),
           CASE WHEN t.status = 'open' THEN
               (SELECT MIN(p.due_date) FROM {n["period"]} p
                 WHERE p.task_id = t.id AND p.due_date < %(today)s AND NOT EXISTS (
                       SELECT 1 FROM {n["report"]} r WHERE r.period_id = p.id
                          AND r.department_id = a.department_id AND r.status IN ('submitted', 'accepted')))
           END,
           COUNT(*) OVER ()
      FROM {n["assignment"]} a
      JOIN {n["task"]} t ON t.id = a.task_id
      JOIN {n["program"]} g ON g.id = t.program_id
      JOIN {n["department"]} d ON d.id = a.department_id
     WHERE g.county_id = %(county)s
     ORDER BY g.name, g.id, t.code, CASE a.role WHEN 'lead' THEN 0 WHEN 'cooperating' THEN 1 ELSE 2 END, d.name, a.id
     LIMIT %(limit)s
    """


def ledger_page_floor(request):
    from django.utils import timezone

    params = {"county": request.user.county_id, "today": timezone.localdate(), "limit": PAGE_SIZE}
    return _rows_response(_fetch(ledger_page_sql(), params))


def register_page_sql() -> str:
    """The register's first page: persons in the page's order with the month's visits, the last
    visit, the active guardian's category and whether an agreement is signed."""
    n = _table_names()
    return f"""
    SELECT pg.id, pg.name, pg.village, pg.township,
           (SELECT COUNT(*) FROM {n["visit"]} x
             WHERE x.person_id = pg.id AND x.visited_on >= %(start)s AND x.visited_on < %(end)s),
           (SELECT MAX(x.visited_on) FROM {n["visit"]} x WHERE x.person_id = pg.id),
           (SELECT g.category FROM {n["guardian"]} g WHERE g.person_id = pg.id AND g.is_active
             ORDER BY g.start_date DESC LIMIT 1),
           EXISTS (SELECT 1 FROM {n["agreement"]} a JOIN {n["guardian"]} g ON g.id = a.guardian_id
                    WHERE g.person_id = pg.id AND g.is_active),
           pg.total
      FROM (SELECT p.id, p.name, vi.name AS village, t.name AS township, COUNT(*) OVER () AS total
              FROM {n["person"]} p
              JOIN {n["village"]} vi ON vi.id = p.village_id
              JOIN {n["township"]} t ON t.id = vi.township_id
             WHERE t.county_id = %(county)s
             ORDER BY t.name, vi.name, p.name, p.id
             LIMIT %(limit)s) pg
     -- The page first, then each of its rows' figures: the subqueries run for 50 rows only.
     ORDER BY pg.township, pg.village, pg.name, pg.id
    """


def register_page_floor(request):
    import datetime

    start = datetime.date.fromisoformat(request.GET["month"] + "-01")
    end = datetime.date(start.year + (start.month == 12), start.month % 12 + 1, 1)
    params = {"county": request.user.county_id, "start": start, "end": end, "limit": PAGE_SIZE}
    return _rows_response(_fetch(register_page_sql(), params))


def ranking_page_sql() -> str:
    """The year's results by total with the rank and the rectifications (open and all)."""
    n = _table_names()
    return f"""
    SELECT i.id, v.name, i.total, RANK() OVER (ORDER BY i.total DESC),
           (SELECT COUNT(*) FROM {n["rectification"]} x WHERE x.inspection_id = i.id AND x.status <> 'verified'),
           (SELECT COUNT(*) FROM {n["rectification"]} x WHERE x.inspection_id = i.id),
           COUNT(*) OVER ()
      FROM {n["inspection"]} i
      JOIN {n["pilot"]} pa ON pa.id = i.pilot_id
      JOIN {n["program"]} g ON g.id = pa.program_id
      JOIN {n["village"]} v ON v.id = pa.village_id
     WHERE g.county_id = %(county)s AND g.code = %(program)s AND i.year = %(year)s AND i.status = 'confirmed'
       AND NOT EXISTS (SELECT 1 FROM {n["inspection"]} x WHERE x.pilot_id = i.pilot_id AND x.year = i.year
                          AND x.status = 'confirmed' AND x.id > i.id)
     ORDER BY i.total DESC, v.name, i.id
    """


def ranking_page_floor(request):
    params = {"county": request.user.county_id, "program": request.GET["program"], "year": int(request.GET["year"])}
    return _rows_response(_fetch(ranking_page_sql(), params))


for _view in (
    task_stats_floor, assessment_stats_floor, guardianship_stats_floor, dashboard_floor, ledger_page_floor,
    register_page_floor, ranking_page_floor,
):  # fmt: skip
    declare_scope(_view, "bench floor: the signed-in user's county")


# --- the floors under load: token-authenticated like the API --------------------------------


def _token_user(request):
    """What the API's token authentication does: one query for the token with its user (its
    last use is written at most once a minute, so not on the measured path)."""
    from pilot_admin.models import ApiToken

    key = request.headers.get("Authorization", "").removeprefix("Token ").strip()
    token = ApiToken.objects.select_related("user").filter(key=key).first()
    return token.user if token and token.user.is_active else None


def _token_floor(view):
    from django.contrib.auth.decorators import login_not_required

    def floor(request):
        user = _token_user(request)
        if user is None:
            return JsonResponse({"detail": "认证令牌无效。"}, status=401)
        request.user = user
        return view(request)

    floor.__name__ = f"token_{view.__name__}"
    declare_scope(floor, "bench floor: the token user's county")
    return login_not_required(floor)


TOKEN_FLOORS = {
    "pilots": _token_floor(quota_floor),
    "standards": _token_floor(standards_floor),
    "tasks": _token_floor(task_stats_floor),
    "assessments": _token_floor(assessment_stats_floor),
    "guardianship": _token_floor(guardianship_stats_floor),
}


# --- the template floors: the same rows as a bare HTML table --------------------------------
# A page's second floor (issue 16): the same hand-written SQL as its JSON floor, rendered
# through Django's template engine as one bare HTML table of the same rows and columns, behind
# the same middleware. It is what any server-rendered page of those rows must at least pay, so
# the pages are judged against it; the JSON floor's ratio is printed for information. Rendered
# without the request (no context processors): the menu and the flags they add are our
# pages' cost, which the floor does not share.

TEMPLATE_FLOOR = """<!DOCTYPE html>
<html lang="zh-Hans">
<head><meta charset="utf-8"><title>{{ title }}</title></head>
<body>
<main>
<h1>{{ title }}</h1>
{% if count is not None %}<p>共 {{ count }} 条</p>{% endif %}
<table>
<thead><tr>{% for column in columns %}<th scope="col">{{ column }}</th>{% endfor %}</tr></thead>
<tbody>
{% for row in rows %}<tr>{% for cell in row %}<td>{{ cell }}</td>{% endfor %}</tr>
{% endfor %}</tbody>
</table>
</main>
</body>
</html>
"""


def _table_template():
    """Compiled once per process, as the cached template loader keeps a page's template."""
    global _compiled_table
    if _compiled_table is None:
        from django.template import engines

        _compiled_table = engines["django"].from_string(TEMPLATE_FLOOR)
    return _compiled_table


_compiled_table = None


def _html_table(title: str, columns: tuple[str, ...], rows: list[tuple], *, paged: bool):
    """A paged floor's rows end with the window total (shown as the pager's 共 N 条, like the
    pages); an unpaged one's are shown whole."""
    from django.http import HttpResponse

    context = {"title": title, "columns": columns, "count": None}
    if paged:
        context["count"] = rows[0][-1] if rows else 0
        rows = [row[:-1] for row in rows]
    context["rows"] = rows
    return HttpResponse(_table_template().render(context))


def village_page_html_floor(request):
    columns = ("代码", "村名", "乡镇", "户数", "人口", "常住人口", "贫困村", "试点")
    return _html_table("村", ("编号", *columns), village_page_rows(request.user.county_id), paged=True)


def pilot_page_html_floor(request):
    columns = ("编号", "年度", "乡镇", "村", "试点批次", "级别", "状态", "审批人", "审批单位")
    return _html_table("试点村台账", columns, pilot_page_rows(request.user.county_id), paged=True)


def quota_html_floor(request):
    rows = quota_rows(request.user.county_id, request.GET["program"], int(request.GET["year"]))
    columns = ("编号", "乡镇", "行政村数", "当年新增试点", "其中省级重点", "累计试点村")
    return _html_table("试点比例", columns, rows, paged=False)


def standards_html_floor(request):
    rows = standards_rows(request.user.county_id, request.GET["program"], int(request.GET["year"]))
    columns = ("编号", "乡镇", "试点村", "已填报", "面积达标", "视频达标")
    return _html_table("建设达标", columns, rows, paged=False)


def ledger_page_html_floor(request):
    params = {"county": request.user.county_id, "today": timezone.localdate(), "limit": PAGE_SIZE}
    columns = ("编号", "任务编号", "任务", "单位", "当前期次", "最近报告", "最早逾期")
    return _html_table("任务台账", columns, _fetch(ledger_page_sql(), params), paged=True)


def register_page_html_floor(request):
    import datetime

    start = datetime.date.fromisoformat(request.GET["month"] + "-01")
    end = datetime.date(start.year + (start.month == 12), start.month % 12 + 1, 1)
    params = {"county": request.user.county_id, "start": start, "end": end, "limit": PAGE_SIZE}
    columns = ("编号", "姓名", "村", "乡镇", "本月走访", "最近走访", "监护人类别", "已签协议")
    return _html_table("特困人员名册", columns, _fetch(register_page_sql(), params), paged=True)


def ranking_page_html_floor(request):
    params = {"county": request.user.county_id, "program": request.GET["program"], "year": int(request.GET["year"])}
    columns = ("编号", "村", "总分", "名次", "未完成整改", "整改")
    # Unpaged like the ranking page; the window total is not shown.
    return _html_table("检查排名", columns, [row[:-1] for row in _fetch(ranking_page_sql(), params)], paged=False)


for _view in (
    village_page_html_floor, pilot_page_html_floor, quota_html_floor, standards_html_floor, ledger_page_html_floor,
    register_page_html_floor, ranking_page_html_floor,
):  # fmt: skip
    declare_scope(_view, "bench floor: the signed-in user's county")
