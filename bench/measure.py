"""What is measured and how: each target is one of our pages or API endpoints, fetched through
Django's test client as the signed-in county admin, next to its floor view (bench/floors.py).
Each target also checks that our answer and the floor's agree, so a fast wrong answer fails."""

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


@dataclass(frozen=True)
class Target:
    key: str
    label: str
    url_name: str
    floor_url_name: str
    check: Check
    with_program: bool = False


TARGETS = [
    Target("village_list_page", "village list page 村列表", "villages:village_list", "bench_floor_villages",
           _names_on_page(2)),
    Target("pilot_list_page", "pilot ledger page 试点村台账", "villages:pilot_list", "bench_floor_pilots",
           _names_on_page(3)),
    Target("quota_report_page", "quota report page 试点比例", "villages:quota_report", "bench_floor_quota",
           _townships_on_page, with_program=True),
    Target("api_villages", "GET /api/v1/villages/", "api_village-list", "bench_floor_villages", _same_page_of_ids),
    Target("api_pilot_assignments", "GET /api/v1/pilot-assignments/", "api_pilot_assignment-list",
           "bench_floor_pilots", _same_page_of_ids),
    Target("api_pilot_stats", "GET /api/v1/stats/pilots/", "api_pilot_stats", "bench_floor_quota",
           _same_quota_numbers, with_program=True),
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

    def as_dict(self) -> dict:
        return asdict(self)


def _counted_get(client: Client, url: str) -> tuple[object, int]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    # Read now: the next request clears the connection's query log.
    return response, len(captured.captured_queries)


def time_pair(client: Client, url: str, floor_url: str, runs: int) -> tuple[Timing, Timing]:
    """Two warm-up requests each, one with its queries counted, then `runs` timed rounds that
    alternate ours and the floor, so a busy machine slows both alike; medians per side."""
    for _ in range(2):
        client.get(url)
        client.get(floor_url)
    response, queries = _counted_get(client, url)
    floor_response, floor_queries = _counted_get(client, floor_url)
    durations: dict[str, list[float]] = {url: [], floor_url: []}
    for _ in range(runs):
        for target_url in (url, floor_url):
            start = time.perf_counter()
            client.get(target_url)
            durations[target_url].append((time.perf_counter() - start) * 1000)
    return (
        Timing(response.status_code, queries, statistics.median(durations[url]), response),
        Timing(floor_response.status_code, floor_queries, statistics.median(durations[floor_url]), floor_response),
    )


def _urls(target: Target, query: str) -> tuple[str, str] | None:
    """Our URL and the floor's, or None while the route does not exist yet."""
    try:
        return reverse(target.url_name) + query, reverse(target.floor_url_name) + query
    except NoReverseMatch:
        return None


def measure_all(*, client: Client, scale: str, program: str, year: int, runs: int) -> list[Result]:
    query = f"?program={program}&year={year}"
    urls = {target.key: _urls(target, query if target.with_program else "") for target in TARGETS}
    # Warm every code path and the database's caches first, so the first target measured
    # pays no more start-up cost than the last.
    for pair in filter(None, urls.values()):
        for url in pair * 3:
            client.get(url)
    results = []
    for target in TARGETS:
        if urls[target.key] is None:
            results.append(Result(scale, target.key, target.label, "", available=False))
            continue
        url, floor_url = urls[target.key]
        ours, floor = time_pair(client, url, floor_url, runs)
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
        if ours.status != 200 or floor.status != 200:
            result.problem = f"HTTP {ours.status} (floor {floor.status})"
        else:
            result.problem = target.check(ours.response, floor.response.json())
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
    header = ("what", "scale", "ours ms", "floor ms", "ratio", "queries county/province", "check")
    rows = []
    for label, per_scale in by_label.items():
        queries = "/".join(str(r.queries) if r.available else "-" for r in per_scale.values())
        for scale, r in per_scale.items():
            if not r.available:
                rows.append((label, scale, "not available", "", "", "", ""))
                continue
            rows.append(
                (label, scale, f"{r.ours_ms:.1f}", f"{r.floor_ms:.1f}", f"{r.ratio:.1f}x", queries, r.problem or "ok")
            )
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
