"""What is measured and how: each target is one of our pages or API endpoints, fetched through
Django's test client as the signed-in county admin, next to its floor view (bench/floors.py).
Each target also checks that our answer and the floor's agree, so a fast wrong answer fails."""

import json
import statistics
import time
import unicodedata
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse

from bench.floors import PAGE_SIZE

Check = Callable[[object, dict], str | None]


def _names_on_page(index: int) -> Check:
    """Every row name the floor returned appears on our page, and so does the total."""

    def check(response, floor: dict) -> str | None:
        html = response.content.decode()
        missing = [row[index] for row in floor["results"] if row[index] not in html]
        if missing:
            return f"{len(missing)} rows of the floor's page are missing, e.g. {missing[0]}"
        # The pager (with the total) shows only when there is more than one page.
        if floor["count"] > PAGE_SIZE and f"共 {floor['count']} 条" not in html:
            return f"total {floor['count']} not shown"
        return None

    return check


def _townships_on_page(response, floor: dict) -> str | None:
    html = response.content.decode()
    missing = [row[1] for row in floor["townships"] if row[1] not in html]
    return f"townships missing: {missing[:3]}" if missing else None


def _same_page_of_ids(response, floor: dict) -> str | None:
    data = response.json()
    ours = [row["id"] for row in data["results"]]
    theirs = [row[0] for row in floor["results"]]
    if data["count"] != floor["count"]:
        return f"count {data['count']} != floor {floor['count']}"
    return None if ours == theirs else "first page differs from the floor's"


def _same_quota_numbers(response, floor: dict) -> str | None:
    data = response.json()
    ours = [(t["id"], t["villages"], t["new_pilots"], t["cumulative_pilots"]) for t in data["townships"]]
    theirs = [(row[0], row[2], row[3], row[5]) for row in floor["townships"]]
    if ours != theirs:
        return "township numbers differ from the floor's"
    if data["county"]["province_key"] != sum(row[4] for row in floor["townships"]):
        return "provincial-key count differs from the floor's"
    return None


def _same_standards_numbers(response, floor: dict) -> str | None:
    data = response.json()

    def cell(row, code):
        return next(c for c in row["standards"] if c["code"] == code)

    ours = [
        (t["id"], t["pilots"], cell(t, "R-B1")["reported"], cell(t, "R-B1")["met"], cell(t, "R-C3")["met"])
        for t in data["townships"]
    ]
    theirs = [(row[0], row[2], row[3], row[4], row[5]) for row in floor["townships"]]
    if ours != theirs:
        return "township numbers differ from the floor's"
    return None if any(row[3] for row in theirs) else "no indicators to compare (nothing seeded?)"


def _all_names_on_page(index: int) -> Check:
    """Every row of the floor's answer (an unpaginated page) is on ours."""

    def check(response, floor: dict) -> str | None:
        html = response.content.decode()
        missing = [row[index] for row in floor["results"] if row[index] not in html]
        if missing:
            return f"{len(missing)} of the floor's {len(floor['results'])} rows missing, e.g. {missing[0]}"
        return None

    return check


def _same_task_stats(response, floor: dict) -> str | None:
    data = response.json()
    departments = sorted(
        [d["id"], d["name"], d["tasks_led"], d["tasks_cooperating"], d["closed_out"], d["overdue"]]
        for d in data["departments"]
    )
    units = sorted([u["unit"], u["expected"], u["received"], u["on_time"]] for u in data["reporting_units"])
    if departments != floor["departments"]:
        return "department numbers differ from the floor's"
    if units != floor["reporting_units"]:
        return "reporting-unit numbers differ from the floor's"
    return None if departments and units else "no numbers to compare (nothing seeded?)"


def _same_assessment_stats(response, floor: dict) -> str | None:
    data = response.json()
    ours = {
        "inspected": data["inspected"],
        "mean_total": data["mean_total"],
        "grades": [data["grades"]["excellent"], data["grades"]["pass"], data["grades"]["fail"]],
        "open_rectifications": data["open_rectifications"],
        "townships": sorted(
            [t["id"], t["inspected"], t["mean_total"], t["excellent"], t["pass"], t["fail"]] for t in data["townships"]
        ),
    }
    differing = sorted(key for key in floor if ours.get(key) != floor[key])
    if differing:
        return f"differs from the floor on {', '.join(differing)}"
    return None if data["inspected"] else "no inspections to compare (nothing seeded?)"


def _same_guardianship_stats(response, floor: dict) -> str | None:
    from bench.guardianship import _comparable

    ours = json.loads(json.dumps(_comparable(response.json())))
    differing = sorted(key for key in floor if ours.get(key) != floor[key])
    if differing:
        return f"differs from the floor on {', '.join(differing)}"
    return None if floor["persons_active"] else "no persons to compare (nothing seeded?)"


def _dashboard_shows_townships(response, floor: dict) -> str | None:
    html = response.content.decode()
    missing = [row[1] for row in floor["pilots"] if row[1] not in html]
    return f"townships missing: {missing[:3]}" if missing else None


@dataclass(frozen=True)
class Target:
    key: str
    label: str
    url_name: str
    floor_url_name: str
    check: Check
    with_program: bool = False
    # Extra query parameters, formatted with program, year and month.
    query: str = ""
    # Called before each of our requests, untimed (e.g. to invalidate a cache).
    before_each: Callable[[], None] | None = None
    # At most this many timed rounds (a slow target: the median of fewer is enough).
    max_runs: int | None = None
    # A page's second floor: the same rows through a bare template (floors._html_table). When
    # set, the page is judged against it; the JSON floor's ratio is kept for information.
    html_floor_url_name: str = ""


def _invalidate_stats_cache() -> None:
    """Every county's cached statistics are stale after this (a new data-version token)."""
    from pilot_admin import stats_cache

    stats_cache.bump()


TARGETS = [
    Target("village_list_page", "village list page 村列表", "villages:village_list", "bench_floor_villages",
           _names_on_page(2), html_floor_url_name="bench_html_floor_villages"),
    Target("pilot_list_page", "pilot ledger page 试点村台账", "villages:pilot_list", "bench_floor_pilots",
           _names_on_page(3), html_floor_url_name="bench_html_floor_pilots"),
    Target("quota_report_page", "quota report page 试点比例", "villages:quota_report", "bench_floor_quota",
           _townships_on_page, with_program=True, html_floor_url_name="bench_html_floor_quota"),
    Target("api_villages", "GET /api/v1/villages/", "api_village-list", "bench_floor_villages", _same_page_of_ids),
    Target("api_pilot_assignments", "GET /api/v1/pilot-assignments/", "api_pilot_assignment-list",
           "bench_floor_pilots", _same_page_of_ids),
    Target("api_pilot_stats", "GET /api/v1/stats/pilots/", "api_pilot_stats", "bench_floor_quota",
           _same_quota_numbers, with_program=True),
    Target("api_standards_stats", "GET /api/v1/stats/standards/", "api_standards_stats", "bench_floor_standards",
           _same_standards_numbers, with_program=True),
    Target("standards_table_page", "standards table page 建设达标", "villages:standards_table",
           "bench_floor_standards", _townships_on_page, with_program=True,
           html_floor_url_name="bench_html_floor_standards"),
    Target("api_task_stats", "GET /api/v1/stats/tasks/", "api_task_stats", "bench_floor_task_stats",
           _same_task_stats, with_program=True),
    Target("api_assessment_stats", "GET /api/v1/stats/assessments/", "api_assessment_stats",
           "bench_floor_assessment_stats", _same_assessment_stats, with_program=True),
    Target("api_guardianship_stats", "GET /api/v1/stats/guardianship/", "api_guardianship_stats",
           "bench_floor_guardianship_stats", _same_guardianship_stats, query="month={month}"),
    Target("dashboard", "county dashboard 首页 (floor: the 4 stats floors)", "home", "bench_floor_dashboard",
           _dashboard_shows_townships, with_program=True, query="month={month}"),
    Target("dashboard_cold", "county dashboard 首页, cache invalidated before each request", "home",
           "bench_floor_dashboard", _dashboard_shows_townships, with_program=True, query="month={month}",
           before_each=_invalidate_stats_cache, max_runs=7),
    Target("ledger_page", "task ledger page 任务台账", "tasks:ledger", "bench_floor_ledger", _names_on_page(1),
           html_floor_url_name="bench_html_floor_ledger"),
    Target("register_page", "person register page 特困人员名册", "guardianship:register", "bench_floor_register",
           _names_on_page(1), query="month={month}", html_floor_url_name="bench_html_floor_register"),
    Target("ranking_page", "assessment ranking page 检查排名", "assessments:ranking", "bench_floor_ranking",
           _all_names_on_page(1), with_program=True, html_floor_url_name="bench_html_floor_ranking"),
]  # fmt: skip


@dataclass
class Timing:
    status: int
    queries: int
    median_ms: float
    response: object = field(repr=False, default=None)


@dataclass
class Result:
    scale: str
    key: str
    label: str
    url: str
    available: bool
    ours_ms: float | None = None
    floor_ms: float | None = None
    ratio: float | None = None
    queries: int | None = None
    floor_queries: int | None = None
    problem: str | None = None
    # Pages only: the template floor (the page's judge) and ours ÷ it.
    html_floor_ms: float | None = None
    html_ratio: float | None = None
    html_floor_queries: int | None = None

    @property
    def judged_floor_ms(self) -> float | None:
        """The floor the target is judged against: a page's template floor, else the JSON one."""
        return self.html_floor_ms if self.html_floor_ms is not None else self.floor_ms

    @property
    def judged_floor_queries(self) -> int | None:
        return self.html_floor_queries if self.html_floor_ms is not None else self.floor_queries

    def as_dict(self) -> dict:
        return asdict(self)


def _counted_get(client: Client, url: str) -> tuple[object, int]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    # Read now: the next request clears the connection's query log.
    return response, len(captured.captured_queries)


def time_pair(
    client: Client,
    url: str,
    floor_url: str,
    runs: int,
    before_each: Callable[[], None] | None = None,
    warmups: int = 1,
    *more_floor_urls: str,
) -> tuple[Timing, ...]:
    """`warmups` untimed requests each, one with its queries counted, then `runs` timed rounds
    that alternate ours and the floor(s), so a busy machine slows all alike; medians per side
    (ours, the floor, then any further floor, e.g. a page's template floor)."""
    prepare = before_each or (lambda: None)
    urls = (url, floor_url, *more_floor_urls)
    for _ in range(warmups):
        prepare()
        for each in urls:
            client.get(each)
    prepare()
    counted = [_counted_get(client, each) for each in urls]
    durations: dict[str, list[float]] = {each: [] for each in urls}
    for _ in range(runs):
        for target_url in urls:
            if target_url == url:
                prepare()
            start = time.perf_counter()
            client.get(target_url)
            durations[target_url].append((time.perf_counter() - start) * 1000)
    return tuple(
        Timing(response.status_code, queries, statistics.median(durations[each]), response)
        for each, (response, queries) in zip(urls, counted, strict=True)
    )


def _urls(target: Target, query: str) -> tuple[str, ...] | None:
    """Our URL and the floor's (and a page's template floor's), or None while the route does
    not exist yet."""
    try:
        urls = (reverse(target.url_name) + query, reverse(target.floor_url_name) + query)
        if target.html_floor_url_name:
            urls += (reverse(target.html_floor_url_name) + query,)
        return urls
    except NoReverseMatch:
        return None


def target_query(target: Target, *, program: str, year: int, month: str) -> str:
    parts = [f"program={program}&year={year}"] if target.with_program else []
    if target.query:
        parts.append(target.query.format(program=program, year=year, month=month))
    return "?" + "&".join(parts) if parts else ""


def measure_all(
    *,
    client: Client,
    scale: str,
    program: str,
    year: int,
    runs: int,
    month: str = "2019-06",
    targets=None,
    warmups: int = 1,
) -> list[Result]:
    """Every target at this scale, each warmed up `warmups` times before its queries are
    counted (the first request of a process issues a few queries of its own)."""
    targets = TARGETS if targets is None else targets
    urls = {
        target.key: _urls(target, target_query(target, program=program, year=year, month=month)) for target in targets
    }
    # Warm every code path and the database's caches first, so the first target measured
    # pays no more start-up cost than the last.
    for pair in filter(None, urls.values()):
        for url in pair * (warmups + 1):
            client.get(url)
    results = []
    for target in targets:
        if urls[target.key] is None:
            results.append(Result(scale, target.key, target.label, "", available=False))
            continue
        url, floor_url, *html_floor_url = urls[target.key]
        target_runs = min(runs, target.max_runs) if target.max_runs else runs
        ours, floor, *html_floor = time_pair(
            client, url, floor_url, target_runs, target.before_each, warmups, *html_floor_url
        )
        result = Result(
            scale,
            target.key,
            target.label,
            url,
            available=True,
            ours_ms=round(ours.median_ms, 2),
            floor_ms=round(floor.median_ms, 2),
            ratio=round(ours.median_ms / floor.median_ms, 2) if floor.median_ms else None,
            queries=ours.queries,
            floor_queries=floor.queries,
        )
        if html_floor:
            result.html_floor_ms = round(html_floor[0].median_ms, 2)
            result.html_ratio = round(ours.median_ms / html_floor[0].median_ms, 2) if html_floor[0].median_ms else None
            result.html_floor_queries = html_floor[0].queries
        statuses = [ours.status, floor.status, *(timing.status for timing in html_floor)]
        if any(status != 200 for status in statuses):
            result.problem = f"HTTP {ours.status} (floors {', '.join(map(str, statuses[1:]))})"
        else:
            result.problem = target.check(ours.response, floor.response.json())
            # The template floor must show the same rows as ours does, or it is no floor.
            if html_floor and result.problem is None:
                problem = target.check(html_floor[0].response, floor.response.json())
                result.problem = f"template floor: {problem}" if problem else None
        results.append(result)
    return results


def query_count_problems(results: list[Result]) -> list[str]:
    """A query count that grows with the data is an N+1: the same target must issue the same
    number of queries at every scale."""
    counts: dict[str, dict[str, int]] = {}
    for result in results:
        if result.available:
            counts.setdefault(result.label, {})[result.scale] = result.queries
    return [
        f"{label}: queries differ between scales {per_scale}"
        for label, per_scale in counts.items()
        if len(set(per_scale.values())) > 1
    ]


def format_table(results: list[Result]) -> str:
    by_label: dict[str, dict[str, Result]] = {}
    for result in results:
        by_label.setdefault(result.label, {})[result.scale] = result
    header = (
        "what", "scale", "ours ms", "floor ms", "ratio", "template floor ms", "ratio to it", "queries county/province",
        "check",
    )  # fmt: skip
    rows = []
    for label, per_scale in by_label.items():
        queries = "/".join(str(r.queries) if r.available else "-" for r in per_scale.values())
        for scale, r in per_scale.items():
            if not r.available:
                rows.append((label, scale, "not available", "", "", "", "", "", ""))
                continue
            html = ("", "") if r.html_floor_ms is None else (f"{r.html_floor_ms:.1f}", f"{r.html_ratio:.1f}x")
            rows.append(
                (label, scale, f"{r.ours_ms:.1f}", f"{r.floor_ms:.1f}", f"{r.ratio:.1f}x", *html, queries,
                 r.problem or "ok")
            )  # fmt: skip
    return _table(header, rows)


def _table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    def width(text: str) -> int:
        return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)

    widths = [max(width(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = []
    for row in [header, *rows]:
        lines.append("  ".join(cell + " " * (widths[i] - width(cell)) for i, cell in enumerate(row)).rstrip())
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
