"""The issue's targets, checked in one table at the end of the run: every endpoint and page
within 2× its floor (judged at province scale), imports within 2×, exports within 1.5×, the
reminder scan within 1.5×, an import's or export's peak memory independent of its row count,
zero errors under load. A missed time target is printed as missed with what holds it back; it
does not fail the run (query-count growth, wrong answers and errors under load do, elsewhere).
"""

from dataclasses import asdict, dataclass

# What holds a target back, where profiling the bench database (EXPLAIN ANALYZE, cProfile,
# the captured queries) found it; printed next to a missed target with its query counts.
HELD_BACK = {
    "dashboard_cold": "computes every year of the program (its year-over-year table) for every statistic (quota, "
    "construction standards, tasks, assessments), "
    "the floor one year; served from the statistics cache otherwise",
    "api_standards_stats": "evaluates every one of the program's eleven standards for every pilot (33 filtered "
    "counts per township, then each pilot's checklist) through the ORM: building those expressions is most of the "
    "time, the SQL itself about 10 ms; the floor counts two standards in one hand-written statement",
    "standards_table_page": "the same selector as GET /api/v1/stats/standards/ (see there), rendered as three tables",
    "api_guardianship_stats": "the province-wide figures aggregate every person's month of visits; the floor "
    "does the same in one statement without the scoping joins",
    "person import 特困人员导入": "each row is built and fully validated as a Person in Python (the same "
    "person_validate the page uses), a batch of 1,000 at a time with its look-ups, its INSERT and its audit INSERT, "
    "the rows read first into a temporary file; the floor inserts the values as read",
    "visit ledger export 走访台账导出": "one query read from its cursor as the floor's, and each row written through "
    "openpyxl with the columns' styles made once (the twelve month cells carry the date format, on 未走访 too, "
    "where the floor's raw values style only its dates); text is checked for formulas and characters XML cannot "
    "carry",
    "reminder scan": "one INSERT … SELECT … ON CONFLICT per reminder kind (5 passes over the obligations) "
    "where the floor selects them in one pass",
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
        extra = f"{result.queries} queries, the floor {result.floor_queries}"
        rows.append(_ratio_verdict(result.label, result.key, result.ours_ms, result.floor_ms, 2.0, extra))
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
        what = f"reminder scan, {reminder_scan.obligations:,} obligations"
        rows.append(
            _ratio_verdict(f"{what}, first run", "reminder scan", reminder_scan.scan_ms, reminder_scan.floor_ms, 1.5)
        )
        rows.append(
            _ratio_verdict(
                f"{what}, ordinary day", "reminder scan", reminder_scan.daily_ms, reminder_scan.floor_ms, 1.5
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
        for side in load.sides:
            rows.append(
                Verdict(
                    what=f"errors under load ({side.side})",
                    ours=f"{side.errors}",
                    floor="",
                    ratio="",
                    target="0",
                    met=side.errors == 0 and side.problem is None,
                    held_back=side.problem or "",
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
