"""Alert evaluation benchmark: p50/p95 of `queries.alerts.evaluate` on a year of demo-scale data (goal: <= 1 s).

    python bench/alerts.py [--runs 40] [--keep] [--reuse]

Runs on the configured server (`MPN_DATABASE_URL`, else the embedded one) in a scratch database `mpn_bench_alerts`
it creates and drops, filled as `bench/dashboard.py` fills its operations (150 banks, 250 working days up to
20/11/2026 of MPN day totals, batches, statement letters, results, exceptions, distribution rounds with late and
unconfirmed batches, held banks, appeal letters, a year of scheduler runs), plus a few rejected files.

Two series, each evaluation in its own transaction:
- cold: a random moment of the last 30 working days, rolled back afterwards (every run opens what is due then,
  storms included: the heaviest case);
- steady: the scheduler's minute job through an afternoon (15:55 to 17:30 on the last day), committed, so most runs
  find little to change (the usual case).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.dashboard import DAYS, LAST, OPERATIONS, percentile  # noqa: E402
from bench.revenue import vacuum  # noqa: E402
from bench.scratch import drop_database, scratch_database  # noqa: E402
from bench.statement_matrix import FILL as STATEMENTS  # noqa: E402
from queries.alerts import evaluate  # noqa: E402
from queries.calendar import WorkingCalendar  # noqa: E402
from queries.db import resolve_url  # noqa: E402

DB = "mpn_bench_alerts"
GOAL_MS = 1000.0
WIB = ZoneInfo("Asia/Jakarta")

REJECTED = """
INSERT INTO import_file (kind, file_name, sha256, size_bytes, received_at, started_at, status, first_date, last_date,
                         error_count, report)
SELECT 'bank', 'rusak-' || d || '.csv', md5('rusak' || d), 1, d + time '15:30', d + time '15:30', 'rejected', d, d,
       1, 'rusak:2:1: bukan angka'
  FROM unnest(CAST(:days AS date[])) d WHERE extract(day FROM d)::int % 3 = 0
"""


def prepare(url: str, reuse: bool) -> Engine:
    """The scratch database, filled unless reused."""
    engine, fresh = scratch_database(url, DB, reuse=reuse)
    if not fresh:
        return engine
    days = WorkingCalendar().last_working_days(DAYS, LAST)
    started = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(
            text(
                "ALTER TABLE appeal_letter DROP CONSTRAINT ck_appeal_letter_signed,"
                " DROP CONSTRAINT ck_appeal_letter_sent"
            )
        )  # the bench's letters skip the workflow
        for statement in (STATEMENTS + ";\n" + OPERATIONS + ";\n" + REJECTED).split(";\n"):
            if statement.strip():
                conn.execute(text(statement), {"banks": 150, "days": days, "recent": days[-10]})
        counts = {
            t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()
            for t in ("mpn_bank_day", "bank_batch", "statement_letter", "dist_batch", "job_run")
        }
    vacuum(engine)
    print(f"filled {', '.join(f'{n:,} {t}' for t, n in counts.items())} in {time.perf_counter() - started:.0f} s")
    return engine


def timed(engine: Engine, now: datetime, *, keep: bool) -> tuple[float, str]:
    """One evaluation as of `now` in its own transaction: milliseconds and its line."""
    with engine.connect() as conn:
        started = time.perf_counter()
        with conn.begin() as tx:
            result = evaluate(conn, now=now, notify=True)
            if not keep:
                tx.rollback()
        return (time.perf_counter() - started) * 1000, result.message


def cold(engine: Engine, runs: int, rng: random.Random) -> list[float]:
    """Random moments of the last 30 working days, each rolled back."""
    days = WorkingCalendar().last_working_days(30, LAST)
    times = []
    for _ in range(runs):
        day = rng.choice(days)
        moment = datetime.combine(day, datetime.min.time(), WIB) + timedelta(minutes=rng.randint(8 * 60, 20 * 60))
        ms, line = timed(engine, moment, keep=False)
        times.append(ms)
    print(f"cold   last: {line}")
    return times


def steady(engine: Engine, day: date) -> list[float]:
    """The minute job from 15:55 to 17:30 on `day`, committed."""
    times, line, first = [], "", ""
    moment = datetime.combine(day, datetime.min.time(), WIB) + timedelta(hours=15, minutes=55)
    while moment.hour < 17 or moment.minute <= 30:
        ms, line = timed(engine, moment, keep=True)
        first = first or line
        times.append(ms)
        moment += timedelta(minutes=1)
    print(f"steady first (15:55): {first}; last (17:30): {line}")
    return times


def report(name: str, times: list[float]) -> None:
    """p50, p95 and max, and whether p95 meets the goal."""
    p95 = percentile(times, 0.95)
    print(
        f"{name:<8} runs {len(times):>3}  p50 {statistics.median(times):7.1f} ms  p95 {p95:7.1f} ms  "
        f"max {max(times):7.1f} ms  goal {GOAL_MS:.0f} ms: {'ok' if p95 <= GOAL_MS else 'OVER'}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=40, help="cold evaluations")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="leave the scratch database for --reuse")
    parser.add_argument("--reuse", action="store_true", help="reuse a kept scratch database")
    args = parser.parse_args()
    url = resolve_url()
    engine = prepare(url, args.reuse)
    try:
        timed(engine, datetime.combine(LAST, datetime.min.time(), WIB), keep=False)  # warm the pool and caches
        cold_times = cold(engine, args.runs, random.Random(args.seed))
        steady_times = steady(engine, LAST)
        report("cold", cold_times)
        report("steady", steady_times)
        report("all", cold_times + steady_times)
    finally:
        engine.dispose()
        if not args.keep:
            drop_database(url, DB)


if __name__ == "__main__":
    main()
