"""National scale (issue 20): a year of national volume, then p50/p95 of every page callback, and disk per month.

    python bench/year.py [--months 12] [--per-day 400000] [--runs 20] [--keep] [--reuse] [--drop] [--skip-fill]

Builds (or, with `--reuse`, extends backwards to `--months`) a scratch database `mpn_bench_year` on the configured
server (`MPN_DATABASE_URL`) with the working days of `--months` months up to LAST: `--per-day` payments a day on
average, with due-date peaks (the 15th and the day after x4, the last three working days of March and April x3,
20-31 December x3), both sides, batches, statement letters (`bench/year_fill.py`: the demo's exception rates,
set-based, partitions built as the importer builds them), then per day the product's own `mpn reconcile`
(`jobs.reconciliation.run.reconcile`: results, exceptions, revenue) and a delivered distribution round. Each day
commits on
its own, so an interrupted fill resumes with `--reuse`. Then each page callback runs `--runs` times as Dash calls
it (the function under Dash's wrapper, inside a Flask request context with a signed-in kasi), with varied inputs,
and prints p50/p95 per callback beside the load average, the database size, and disk per month of data.

A growth table: `--months 1 --keep`, then `--months 3 --reuse --keep`, 6, 12; `--drop` drops the database and
exits. Goals: every callback p95 <= 300 ms; Lacak by NTPN <= 100 ms.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from datetime import date, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, make_url, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.scratch import drop_database, scratch_database  # noqa: E402
from bench.year_calls import load, measure, report  # noqa: E402
from bench.year_fill import distribute_day, fill_day  # noqa: E402
from queries.accounts.audit import Actor  # noqa: E402
from queries.calendar import WorkingCalendar  # noqa: E402
from queries.db import resolve_url  # noqa: E402
from queries.monitoring.search_index import build_search_indexes  # noqa: E402

DB = "mpn_bench_year"
LAST = date(2026, 11, 20)
YEAR_DAYS = 250
WIB = ZoneInfo("Asia/Jakarta")


def plan(months: int, per_day: int) -> list[tuple[date, int]]:
    """(day, payments) for the last `months` months' working days; the year's mean is `per_day`."""
    calendar = WorkingCalendar()
    year = calendar.last_working_days(YEAR_DAYS, LAST)
    weights = {d: _peak(d, calendar) for d in year}
    scale = per_day * len(year) / sum(weights.values())
    count = min(YEAR_DAYS, round(months * YEAR_DAYS / 12))
    return [(d, round(weights[d] * scale)) for d in year[-count:]]


def _peak(day: date, calendar: WorkingCalendar) -> float:
    if day.day in (15, 16):
        return 4.0
    month_end = [
        d for d in (day + timedelta(days=i) for i in range(1, 8)) if d.month == day.month and calendar.is_working(d)
    ]
    if day.month in (3, 4) and len(month_end) < 3:
        return 3.0
    if day.month == 12 and day.day >= 20:
        return 3.0
    return 1.0


def done_days(engine: Engine) -> set[date]:
    """Days whose fill, reconciliation and distribution all committed."""
    with engine.connect() as conn:
        return set(conn.execute(text("SELECT business_date FROM distribution")).scalars())


def fill(engine: Engine, days: list[tuple[date, int]]) -> None:
    """Fill, reconcile and distribute every day not yet done, newest first (the growth extends backwards)."""
    from jobs.reconciliation.run import reconcile

    calendar = WorkingCalendar()
    done = done_days(engine)
    todo = [(d, n) for d, n in days if d not in done]
    started = time.perf_counter()
    for i, (day, rows) in enumerate(reversed(todo), 1):
        begun = time.perf_counter()
        number = (day - date(2000, 1, 1)).days
        with engine.begin() as conn:
            exists = conn.execute(
                text("SELECT to_regclass(:t) IS NOT NULL"), {"t": f"mpn_record_{day:%Y%m%d}"}
            ).scalar_one()
            if not exists:
                fill_day(conn, day, number, rows, calendar.next_after(day))
        filled = time.perf_counter() - begun
        reconciled = time.perf_counter()
        reconcile(engine, day, actor=Actor.system("bench"), as_of=datetime.combine(day, clock(16, 30), WIB))
        reconciled = time.perf_counter() - reconciled  # with its revenue refresh and audit (result.seconds is not)
        with engine.begin() as conn:
            distribute_day(conn, day, number, rows, calendar.next_after(day))
        indexed = time.perf_counter()
        build_search_indexes(engine)  # the scheduler's search_index job, minutes after the import
        indexed = time.perf_counter() - indexed
        print(
            f"  {day} {rows:>9,} payments: fill {filled:5.1f} s, reconcile {reconciled:5.1f} s,"
            f" search indexes {indexed:4.1f} s,"
            f" total {time.perf_counter() - begun:5.1f} s ({i}/{len(todo)}, load {load()})",
            flush=True,
        )
    if todo:
        from jobs.alerts import evaluate_alerts

        evaluate_alerts(engine, datetime.combine(calendar.next_after(LAST), clock(9), WIB))
        print(f"filled {len(todo)} days in {time.perf_counter() - started:.0f} s")
        with engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE"))


def disk(engine: Engine, months: int) -> None:
    """The database's size, its biggest tables (partitions summed into their parent), and per month of data."""
    with engine.connect() as conn:
        total = conn.execute(text("SELECT pg_database_size(current_database())")).scalar_one()
        tables = conn.execute(
            text("""
            SELECT coalesce(p.relname, c.relname) AS t, sum(pg_total_relation_size(c.oid)) AS size
              FROM pg_class c LEFT JOIN pg_inherits i ON i.inhrelid = c.oid
              LEFT JOIN pg_class p ON p.oid = i.inhparent
             WHERE c.relkind = 'r' AND c.relnamespace = 'public'::regnamespace
             GROUP BY 1 ORDER BY 2 DESC LIMIT 8""")
        ).all()
        rows = conn.execute(text("SELECT coalesce(sum(row_count), 0) FROM import_file WHERE kind = 'mpn'")).scalar_one()
    gb = 1024**3
    print(
        f"database {total / gb:.2f} GB for {rows:,} MPN rows over {months} month(s):"
        f" {total / gb / months:.2f} GB a month, {total / max(rows, 1):.0f} bytes per MPN row (both sides and all)"
    )
    print("  " + ", ".join(f"{t} {s / gb:.2f} GB" for t, s in tables))


def main() -> None:
    """Fill (or extend), measure, report; `--drop` only drops."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--months", type=int, default=12, choices=(1, 2, 3, 6, 12))
    parser.add_argument("--per-day", type=int, default=400_000, help="mean payments a working day over the year")
    parser.add_argument("--runs", type=int, default=20, help="calls per callback")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="leave the scratch database for --reuse")
    parser.add_argument("--reuse", action="store_true", help="reuse (and extend) a kept scratch database")
    parser.add_argument("--skip-fill", action="store_true", help="with --reuse: measure what is there")
    parser.add_argument("--drop", action="store_true", help="drop the scratch database and exit")
    parser.add_argument("--db", default=DB, help="the scratch database's name (two sizes side by side)")
    args = parser.parse_args()
    url = resolve_url()
    if args.drop:
        drop_database(url, args.db)
        print(f"dropped {args.db}")
        return
    engine, _ = scratch_database(url, args.db, reuse=args.reuse)
    try:
        days = plan(args.months, args.per_day)
        print(
            f"{len(days)} working days {days[0][0]}..{days[-1][0]}, {sum(n for _, n in days):,} payments"
            f" (peak day {max(n for _, n in days):,}); load {load()}"
        )
        if not args.skip_fill:
            from bench.year_setup import setup

            setup(engine)
            fill(engine, days)
        build_search_indexes(engine)
        disk(engine, args.months)
        engine.dispose()
        os.environ["MPN_DATABASE_URL"] = make_url(url).set(database=args.db).render_as_string(hide_password=False)
        report(measure(args.runs, random.Random(args.seed), [d for d, _ in days]))
    finally:
        engine.dispose()
        if not args.keep:
            drop_database(url, args.db)


if __name__ == "__main__":
    main()
