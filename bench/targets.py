"""The issue's targets, checked in one table at the end of the run: every endpoint within 2×
its floor and every page within 2× its template floor (judged at province scale), imports
within 2×, exports within 1.5×, the reminder scan within 1.5× its writing floor (the same
reminders recorded by one INSERT), an import's or export's peak memory independent of its row
count, zero errors under load. A missed time target is printed
as missed with what holds it back; it does not fail the run (query-count growth, wrong answers
and errors under load do, elsewhere).
"""

from dataclasses import asdict, dataclass

# What holds a target back, where profiling the bench database (EXPLAIN ANALYZE, cProfile,
# the captured queries) found it; printed next to a missed target with its query counts.
HELD_BACK = {
    "dashboard_cold": "after a data-version bump computes the running program year (when there is one) and the "
    "month's guardianship figures; closed years come from their kept entries (stats_cache.cached_history)",
    "api_standards_stats": "answers every counted pilot's checklist (the contract: about 85 pilots × 11 standards, "
    "82 KB of JSON) where the floor returns one row per township; the townships, their counted pilots and the "
    "confirmed indicators come in one statement and each standard's rule is prepared once per report, so what "
    "remains is the contract's own CPU (the pilots' statuses, coverage and as_dict about 1.5 ms, encoding the JSON "
    "about 1 ms, a floor request about 5 ms on an idle machine) and two statements the floor does not make (the "
    "program, checked by the query's validation, and its standards); stats/pilots/, five statements and a small "
    "answer, stands at the same ratio",
    "api_assessment_stats": "one statement built by the ORM (each township's latest confirmed results, with "
    "visible_to and the NOT EXISTS of a newer inspection; the open rectifications as one subquery over the same "
    "confirmed inspections): building and compiling it take about 13,000 Python calls (cProfile, bench county), "
    "more than the floor's whole request (about 7,600), and the program is read by its code first (a query the "
    "floor joins)",
    "standards_table_page": "the selector of GET /api/v1/stats/standards/ (see there; the programs and the "
    "program's standards are two statements the floor does not make); the three tables' rows are written by the "
    "view, the content block renders in under 1 ms; what remains is what every page pays above its template floor "
    "(the menu, the header's counts, the session and two-factor checks): the village list and pilot ledger pages, "
    "with far less content, stand at the same ratio or above",
    # The pages against their template floors. cProfile of 20 requests through the test client at
    # bench scale (10 counties; per request, profiled): the ORM (building model instances and
    # compiling the SQL of querysets) and the extra queries are what the floor does not pay.
    "village_list_page": "rows and total in one statement (a window count) read as values, like the API; the "
    "menu (written in Python, its counts' statement compiled once per user and day) and the filter bar (its choices "
    "kept per scope and data version) cost one query and two cache reads the floor does not make; what remains is "
    "building the filter form (django-filter makes its form class and fields per request), compiling the ORM "
    "statement the floor writes by hand, and the header: 55,000 Python calls per request to the floor's 30,000 "
    "(cProfile, bench county)",
    "pilot_list_page": "as the village list: rows and total in one statement read as values; the filter form built "
    "per request, the ORM statement compiled per request and the header's counts query",
    "quota_report_page": "one statement (the counted pilots joined once, their columns aliased) still built and "
    "compiled through the ORM: about 9,400 Python calls of the page's 51,000 (cProfile, bench county), where the "
    "floor's whole request makes 12,300; the rest is what every page pays and the floor does not: the shared "
    "layout (menu and its badge counts, a query) and the program list of the picker (a query); the chart and "
    "table cost about 2 ms",
    "ledger_page": "rows and total in one statement (a window count) read as values, the current period and latest "
    "report one JSON column each (three subqueries per row, as the floor); what remains is the shared layout: with "
    "a filter naming no visible row (no rows statement) the page still costs 24 ms of CPU per request to the "
    "floor's 8 (menu and header counts about 8, the filter bar and its three choice lists 5, the print frame 2, the "
    "session and login checks), and the ORM builds and compiles the page's statement per request (about 6 ms of "
    "CPU where the floor's is written by hand)",
    "register_page": "rows and total in one statement (a window count) read as values, only the shown ID number "
    "decrypted (50 Fernet decrypts, about 1 ms), the village options read as (id, name); what remains is the base "
    "layout's menu (its counts query, about 4.5 ms of CPU), the filter bar (the township and 300 village choices: "
    "two queries, about 6.5 ms of CPU), the audit entry of the read (an INSERT and its commit, about 2.5 ms of CPU), "
    "an eleven-column row template and compiling the ORM statement (A/B in one process, county scale: the page "
    "2.8x the floor, 1.7x without the menu, the filter bar and the audit entry)",
    "ranking_page": "rows read as values in one statement (no model instances); what remains above the floor "
    "is building and compiling that ORM statement (about 8,300 Python calls of the page's 60,000, the floor's "
    "whole request 36,000) and the shared layout (menu and its badge counts, a query) and the program list of "
    "the picker (a query)",
    "api_guardianship_stats": "the province-wide figures aggregate every person's month of visits; the floor "
    "does the same in one statement without the scoping joins",
    "person import 特困人员导入": "each row is built and fully validated as a Person in Python (the same "
    "person_validate the page uses), a batch of 1,000 at a time with its look-ups, its INSERT and its audit INSERT, "
    "the rows read first into a temporary file; the floor inserts the values as read",
    "visit ledger export 走访台账导出": "one query read from its cursor as the floor's, and each row written through "
    "openpyxl with the columns' styles made once (the twelve month cells carry the date format, on 未走访 too, "
    "where the floor's raw values style only its dates); text is checked for formulas and characters XML cannot "
    "carry",
    "load": "every path of the mix is served in turn, so the throughput ratio is about the mix's summed request "
    "times, ours ÷ the floors': the slowest of the per-request rows above (pages rendering HTML against JSON floors, "
    "their ratios and what holds each back) weigh most",
    "reminder scan": "judged against the writing floor (one INSERT … SELECT … ON CONFLICT DO NOTHING of the same "
    "reminders into the same table, timed alike from the same table state), it runs the same writes in two statements "
    "(the working-day calendar, then its one INSERT); above the SELECT-only floor (information) each new reminder is "
    "a heap row, four index entries and two foreign-key checks at commit (45 % of the first run's backend CPU, "
    "deferred or immediate alike), and each late obligation's kinds already recorded cost one ON CONFLICT probe "
    "every day",
}


MEMORY_HELD_BACK = {
    "person import 特困人员导入": "the rows wait in a temporary file and are checked and written 1,000 at a time "
    "inside one transaction; what still grows with the rows is the file's ID numbers (kept to report a repeat "
    "with the row it repeats) and openpyxl's table of the sheet's strings, which the floor holds too",
}


@dataclass
class Verdict:
    what: str
    ours: str
    floor: str
    ratio: str
    target: str
    met: bool | None
    held_back: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


def _ratio_verdict(what, key, ours_ms, floor_ms, limit, extra="") -> Verdict:
    ratio = ours_ms / floor_ms if ours_ms is not None and floor_ms else None
    met = None if ratio is None else ratio <= limit
    held = "" if met in (True, None) else "; ".join(filter(None, [HELD_BACK.get(key, ""), extra]))
    return Verdict(
        what=what,
        ours=f"{ours_ms:.1f} ms" if ours_ms is not None else "-",
        floor=f"{floor_ms:.1f} ms" if floor_ms else "-",
        ratio=f"{ratio:.1f}x" if ratio is not None else "-",
        target=f"≤ {limit}x",
        met=met,
        held_back=held,
    )


def verdicts(*, results, reminder_scan=None, guardianship=None, excel_results=(), load=None) -> list[Verdict]:
    rows = []
    for result in results:
        if result.scale != "province" or not result.available:
            continue
        extra = f"{result.queries} queries, the floor {result.judged_floor_queries}"
        what = result.label
        if result.html_floor_ms is not None:
            # A page is judged against its template floor; the JSON floor's ratio is information.
            json_ratio = f"{result.ratio:.1f}x" if result.ratio is not None else "-"
            what = f"{result.label} (template floor; JSON floor {json_ratio})"
        rows.append(_ratio_verdict(what, result.key, result.ours_ms, result.judged_floor_ms, 2.0, extra))
    if guardianship is not None:
        for measured in guardianship.measured:
            rows.append(
                _ratio_verdict(
                    f"guardianship stats, {guardianship.persons:,} persons ({measured.scope})",
                    "api_guardianship_stats",
                    measured.ours_ms,
                    measured.floor_ms,
                    2.0,
                )
            )
    if reminder_scan is not None:
        # Judged against the writing floor (the same reminders recorded by one INSERT … SELECT …
        # ON CONFLICT DO NOTHING); the SELECT-only floor's ratio is information.
        what = f"reminder scan, {reminder_scan.obligations:,} obligations"
        select_ms = reminder_scan.select_floor_ms
        for case, ours_ms, floor_ms in (
            ("first run", reminder_scan.scan_ms, reminder_scan.floor_ms),
            ("ordinary day", reminder_scan.daily_ms, reminder_scan.floor_daily_ms),
        ):
            select_ratio = f"{ours_ms / select_ms:.1f}x" if select_ms else "-"
            rows.append(
                _ratio_verdict(
                    f"{what}, {case} (writing floor; SELECT floor {select_ratio})",
                    "reminder scan",
                    ours_ms,
                    floor_ms,
                    1.5,
                    f"{reminder_scan.scan_queries} queries, the floor 1",
                )
            )
    for excel in excel_results:
        largest = excel.sizes[-1]
        ours, floor = excel.run("ours", largest), excel.run("floor", largest)
        rows.append(
            _ratio_verdict(
                f"{excel.what}, {largest:,} {excel.unit}",
                excel.what,
                ours.ms if ours else None,
                floor.ms if floor else None,
                excel.target_ratio,
            )
        )
        if len(excel.sizes) > 1:
            small = excel.run("ours", excel.sizes[0])
            flat = excel.memory_flat
            rows.append(
                Verdict(
                    what=f"{excel.what}: peak memory, {excel.sizes[0]:,} → {largest:,} {excel.unit}",
                    ours=f"{small.peak_mb:.0f} → {ours.peak_mb:.0f} MB" if small and ours else "-",
                    floor=f"{excel.run('floor', excel.sizes[0]).peak_mb:.0f} → {floor.peak_mb:.0f} MB"
                    if floor and excel.run("floor", excel.sizes[0])
                    else "-",
                    ratio="",
                    target="flat",
                    met=flat,
                    held_back="" if flat in (True, None) else MEMORY_HELD_BACK.get(excel.what, "rows held in memory"),
                )
            )
    if load is not None:
        # The mix's heaviest paths, from the per-request table at province scale (the cold
        # dashboard is not in the mix): where the load's ratio comes from.
        in_mix = [r for r in results if r.scale == "province" and r.available and r.key != "dashboard_cold"]
        heaviest = sorted(in_mix, key=lambda r: r.ours_ms or 0, reverse=True)[:3]
        slowest = ", ".join(f"{r.label} {r.ours_ms:.0f} ms (floor {r.floor_ms:.0f})" for r in heaviest)
        slowest = f"heaviest in the mix: {slowest}" if slowest else ""
        if load.problem:
            rows.append(Verdict("load through nginx", "-", "-", "", "0 errors", False, load.problem))
        for clients in load.connections:
            for side in ("ours", "floor"):
                measured = load.side(side, clients)
                if measured is None:
                    continue
                rows.append(
                    Verdict(
                        what=f"errors under load ({'our mix' if side == 'ours' else 'floors’ mix'}, {clients} clients)",
                        ours=f"{measured.errors}",
                        floor="",
                        ratio="",
                        target="0",
                        met=measured.errors == 0 and measured.problem is None,
                        held_back=measured.problem or "",
                    )
                )
            ours, floor, ratio = load.side("ours", clients), load.side("floor", clients), load.ratio(clients)
            if ratio is None:
                continue
            rows.append(
                Verdict(
                    what=f"throughput under load, {clients} clients (floors’ requests/s ÷ ours)",
                    ours=f"{ours.rps:.1f}/s",
                    floor=f"{floor.rps:.1f}/s",
                    ratio=f"{ratio:.1f}x",
                    target="≤ 2.0x",
                    met=ratio <= 2.0,
                    held_back="" if ratio <= 2.0 else "; ".join(filter(None, [HELD_BACK["load"], slowest])),
                )
            )
    return rows


def format_table(rows: list[Verdict]) -> str:
    from bench.measure import _table

    header = ("target", "ours", "floor", "ratio", "goal", "verdict")
    lines = []
    for row in rows:
        verdict = "met" if row.met else ("n/a" if row.met is None else f"MISSED: {row.held_back}")
        lines.append((row.what, row.ours, row.floor, row.ratio, row.target, verdict))
    return _table(header, lines)
