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
    "82 KB of JSON) where the floor returns one row per township; the report's one statement, the program and its "
    "standards are compiled once per key (pilot_admin/statements.py), so what remains is the contract's own CPU: "
    "each pilot's status on each standard (about 900 evaluations), the coverage per township and standard, as_dict "
    "and encoding the JSON",
    "api_assessment_stats": "the statement (each township's latest confirmed results and the open rectifications) "
    "is compiled once per user, scope, program, year and date; what remains is the program looked up by its code "
    "(a query the floor joins)",
    "standards_table_page": "the report of GET /api/v1/stats/standards/ (see there: every counted pilot's status "
    "on each standard, the coverage per township and standard), shown as three tables written by the view, where "
    "the floor counts three numbers per township in SQL; above that, the shared layout every page pays (the menu "
    "and its counts query, the program picker)",
    # The pages against their template floors. What every list page now pays above its template
    # floor is the shared layout; each page's own work is compiled once (its statement) or
    # written in Python (its rows, its filter bar, its chart).
    "village_list_page": "the rows' statement is compiled once per user, scope, day and query string "
    "(pilot_admin/lists.py KeptRows), the filter bar written once per scope, data version and values, the rows "
    "written in Python; what remains is the shared layout the floor does not render: the menu and its counts (a "
    "query), the filter bar's cache read, the pager",
    "pilot_list_page": "as the village list",
    "quota_report_page": "the report's statement is compiled once per program, year, date and scope and the "
    "chart's SVG written in Python; what remains is the shared layout (the menu and its counts query) and the "
    "program picker",
    "ledger_page": "as the village list, and the print frame (the filters in words)",
    "register_page": "as the village list, and the audit entry of the read (an INSERT and its commit) and the "
    "shown ID numbers decrypted (50 Fernet decrypts)",
    "ranking_page": "the statement is compiled once per user, scope, program and year; what remains is the shared "
    "layout (the menu and its counts query) and the program picker and its year (two queries the floor does "
    "not make)",
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
