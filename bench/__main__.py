"""`python -m bench` (or `make bench`): seed a county, measure, grow it to a province, measure
again; print one table, write bench/results.json, exit 1 when a query count grows with the
data or an answer disagrees with its floor. See bench/README.md."""

import argparse
import json
import os
import platform
import secrets
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--runs", type=int, default=15, help="timed requests per target and scale (median)")
    parser.add_argument("--counties", type=int, default=100, help="counties at province scale")
    parser.add_argument("--townships-per-county", type=int, default=12)
    parser.add_argument("--villages-per-county", type=int, default=300)
    parser.add_argument("--database-name", default=None, help="bench database name (default pilot_admin_bench)")
    parser.add_argument("--output", type=Path, default=BASE_DIR / "bench" / "results.json")
    parser.add_argument(
        "--reminder-obligations", type=int, default=1_000_000, help="obligations for the reminder scan (0 skips it)"
    )
    parser.add_argument(
        "--guardianship-persons", type=int, default=200_000, help="persons for the guardianship stats (0 skips it)"
    )
    parser.add_argument(
        "--import-rows", type=_sizes, default=[2000, 10000], help="person-import sizes, e.g. 2000,10000 (0 skips)"
    )
    parser.add_argument("--export-visits", type=_sizes, default=[20_000, 100_000], help="visit-export sizes (0 skips)")
    parser.add_argument(
        "--load-seconds", type=int, default=20, help="seconds of wrk per side and concurrency (0 skips the load)"
    )
    parser.add_argument(
        "--load-connections", type=_sizes, default=[16, 64], help="wrk's concurrencies, e.g. 16,64 (0 skips)"
    )
    return parser.parse_args(argv)


def _sizes(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if int(part) > 0]


def configure(database_name: str) -> str:
    """Environment for this process only, before Django reads its settings: the bench
    database, production-like DEBUG=0 (no query log, no debug pages), a throwaway key."""
    from bench.database import point_django_at_bench_database

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pilot_admin.settings")
    os.environ["DJANGO_DEBUG"] = "0"
    # Measured over plain HTTP on loopback, as the app is reached behind the TLS-terminating proxy;
    # production's redirect to HTTPS would otherwise answer every request with a 301.
    os.environ.setdefault("DJANGO_HTTPS", "0")
    os.environ.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(50))
    # Personal data is encrypted as in production; throwaway keys, handed to the child processes.
    from cryptography.fernet import Fernet

    os.environ.setdefault("PERSONAL_DATA_KEY", Fernet.generate_key().decode())
    os.environ.setdefault("PERSONAL_DATA_INDEX_KEY", Fernet.generate_key().decode())
    url = point_django_at_bench_database(name=database_name, base_dir=BASE_DIR)

    import warnings

    import django

    # WhiteNoise warns that collectstatic has not run; the benchmark serves no static files.
    warnings.filterwarnings("ignore", message="No directory at")
    django.setup()
    from django.conf import settings

    settings.ROOT_URLCONF = "bench.urls"
    if "testserver" not in settings.ALLOWED_HOSTS:
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    return url


def step(message: str):
    print(message, end=" ", flush=True)
    return time.perf_counter()


def done(start: float, detail: str = "") -> None:
    print(f"{detail} ({time.perf_counter() - start:.1f} s)".strip(), flush=True)


def main(argv=None) -> int:
    args = parse_args(argv if argv is not None else sys.argv[1:])
    from bench.database import BENCH_DATABASE_NAME

    url = configure(args.database_name or BENCH_DATABASE_NAME)

    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from bench import guardianship as bench_guardianship
    from bench import province, seed
    from bench.measure import format_table, measure_all, query_count_problems

    safe_url = url.split("@")[-1] if "@" in url else url
    # Checked before migrate, so a database named by mistake is not even migrated.
    if seed.non_bench_data_present():
        print(
            f"bench: refusing to run: {safe_url} holds data the benchmark did not write. "
            "Point --database-name at a database of its own.",
            file=sys.stderr,
        )
        return 2
    start = step(f"bench database {connection.vendor}: {safe_url} — migrate…")
    call_command("migrate", interactive=False, verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    done(start)

    scale = seed.Scale(townships_per_county=args.townships_per_county, villages_per_county=args.villages_per_county)
    start = step("seeding the county…")
    admin, county_counts = seed.seed_measured_county(scale)
    county_work = province.seed(1, 1)
    persons_seeded = visits_seeded = 0
    # The measured county's share of the persons and visits; the rest come with the province.
    county_persons = args.guardianship_persons // max(1, args.counties)
    if county_persons and connection.vendor == "postgresql":
        visits_seeded += bench_guardianship.seed(
            persons=county_persons, visitor_id=admin.pk, first_county=1, last_county=1
        )
        persons_seeded += county_persons
    seed.analyze()
    done(
        start,
        f"{county_counts.villages} villages, {county_counts.pilots} pilots, {county_work.tasks} tasks, "
        f"{county_work.reports} reports, {county_work.inspections} inspections, {persons_seeded} persons",
    )

    client = Client()
    seed.sign_in(client, admin)
    program, year = seed.program_code(1), seed.MEASURED_YEAR
    month = bench_guardianship.MONTH.strftime("%Y-%m")
    start = step(f"measuring at county scale ({args.runs} runs each)…")
    results = measure_all(client=client, scale="county", program=program, year=year, month=month, runs=args.runs)
    done(start)

    start = step(f"seeding counties 2…{args.counties}…")
    province_counts = seed.seed_counties(2, args.counties, scale, approver=admin) if args.counties > 1 else None
    province_work = province.seed(2, args.counties) if args.counties > 1 else province.WorkCounts()
    if args.guardianship_persons > persons_seeded and connection.vendor == "postgresql":
        visits_seeded += bench_guardianship.seed(
            persons=args.guardianship_persons - persons_seeded,
            visitor_id=admin.pk,
            first_county=2,
            last_county=args.counties,
            offset=persons_seeded,
        )
        persons_seeded = args.guardianship_persons
    seed.analyze()
    work = province.WorkCounts()
    work += county_work
    work += province_work
    total_villages = county_counts.villages + (province_counts.villages if province_counts else 0)
    total_pilots = county_counts.pilots + (province_counts.pilots if province_counts else 0)
    done(
        start,
        f"{args.counties} counties, {total_villages} villages, {total_pilots} pilots, {work.tasks} tasks, "
        f"{work.reports} reports, {work.inspections} inspections, {work.rectifications} rectifications, "
        f"{persons_seeded} persons, {visits_seeded} visits in all",
    )

    start = step("measuring at province scale…")
    results += measure_all(client=client, scale="province", program=program, year=year, month=month, runs=args.runs)
    done(start)

    reminder_scan = None
    if args.reminder_obligations:
        from bench import reminders as bench_reminders

        start = step(f"seeding {args.reminder_obligations:,} reminder obligations and timing the scan…")
        reminder_scan = bench_reminders.run(obligations=args.reminder_obligations)
        done(start)

    guardianship = None
    if persons_seeded:
        start = step(f"timing the guardianship statistics ({persons_seeded:,} persons, {visits_seeded:,} visits)…")
        guardianship = bench_guardianship.run(admin=admin, persons=persons_seeded, visits=visits_seeded)
        done(start)

    excel_results = []
    if (args.import_rows or args.export_visits) and connection.vendor == "postgresql":
        from bench import excel as bench_excel

        start = step(f"Excel: importing {args.import_rows} persons, exporting {args.export_visits} visits…")
        excel_results = bench_excel.run(
            database_name=args.database_name or BENCH_DATABASE_NAME,
            import_rows=args.import_rows,
            export_visits=args.export_visits,
            visitor_id=admin.pk,
        )
        done(start)

    load = None
    if args.load_seconds and args.load_connections and connection.vendor == "postgresql":
        from django.conf import settings

        from bench import load as bench_load

        clients = ", ".join(str(n) for n in args.load_connections)
        start = step(
            f"load: nginx → 2 gunicorn nodes, wrk with {clients} clients × {args.load_seconds} s, ours then the floors…"
        )
        load = bench_load.run(
            cookie=f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}",
            program=program,
            year=year,
            month=month,
            seconds=args.load_seconds,
            connections=args.load_connections,
        )
        done(start, load.skipped or "")

    print()
    print(format_table(results))
    if reminder_scan is not None:
        print()
        print(bench_reminders.format_table(reminder_scan))
    if guardianship is not None:
        print()
        print(bench_guardianship.format_table(guardianship))
    if excel_results:
        print()
        print(bench_excel.format_table(excel_results))
    if load is not None and (load.sides or load.problem):
        print()
        print(bench_load.format_table(load))
    from bench import targets as bench_targets

    verdicts = bench_targets.verdicts(
        results=results, reminder_scan=reminder_scan, guardianship=guardianship, excel_results=excel_results, load=load
    )
    print()
    print(bench_targets.format_table(verdicts))
    problems = query_count_problems(results) + [
        f"{r.label} at {r.scale} scale: {r.problem}" for r in results if r.available and r.problem
    ]
    if reminder_scan is not None and reminder_scan.problem:
        problems.append(f"reminder scan: {reminder_scan.problem}")
    if guardianship is not None:
        problems += guardianship.problems
    for excel_result in excel_results:
        problems += excel_result.problems
    if load is not None:
        problems += load.problems
    missing = sorted({r.label for r in results if not r.available})
    for label in missing:
        print(f"not available: {label}")

    report = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": connection.vendor,
        "database_version": _server_version(connection),
        "python": platform.python_version(),
        "cpu_count": os.cpu_count(),
        "cpu_model": _cpu_model(),
        "runs": args.runs,
        "scales": {
            "county": {"counties": 1, "villages": county_counts.villages, "pilots": county_counts.pilots},
            "province": {"counties": args.counties, "villages": total_villages, "pilots": total_pilots},
        },
        "results": [r.as_dict() for r in results],
        "reminder_scan": reminder_scan.as_dict() if reminder_scan is not None else None,
        "guardianship_stats": guardianship.as_dict() if guardianship is not None else None,
        "excel": [r.as_dict() for r in excel_results],
        "load": load.as_dict() if load is not None else None,
        "targets": [v.as_dict() for v in verdicts],
        "problems": problems,
    }
    args.output.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"\nwrote {args.output}")
    if problems:
        print("\nFAILED:", *problems, sep="\n  ", file=sys.stderr)
        return 1
    return 0


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            return next((line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")), "")
    except OSError:
        return platform.processor()


def _server_version(connection) -> str:
    if connection.vendor == "postgresql":
        return str(connection.pg_version)
    if connection.vendor == "sqlite":
        import sqlite3

        return sqlite3.sqlite_version
    return ""


if __name__ == "__main__":
    sys.exit(main())
