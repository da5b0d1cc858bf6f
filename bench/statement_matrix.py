"""Statement-matrix benchmark: p50/p95 of the Surat Pernyataan page's query over a year of history.

    python bench/statement_matrix.py [--banks 150] [--days 250] [--window 20] [--requests 30] [--keep] [--reuse]

Runs on the configured server (`MPN_DATABASE_URL`, else the embedded one) in a scratch database
`mpn_bench_statements` it creates and drops: `--banks` collecting agents (the master list plus synthetic
ones), `--days` working days each with MPN totals, a batch and (mostly) a statement letter, some late or
mismatched, and appeal letters for part of the missing ones, all written set-based with generate_series.
Each request is `queries.letters.statements.statement_cells` for a random window of `--window` working days
(what the page shows by default), every kind and status. Goal: p95 <= 300 ms.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import Engine, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.scratch import drop_database, scratch_database  # noqa: E402
from queries.calendar import WorkingCalendar  # noqa: E402
from queries.db import resolve_url  # noqa: E402
from queries.letters.statements import statement_cells  # noqa: E402

DB = "mpn_bench_statements"
LAST = date(2026, 11, 20)

FILL = """
INSERT INTO bank (bank_code, name, kind, cutoff)
SELECT 'X' || lpad(i::text, 3, '0'), 'Bank Sintetis ' || i, 'bank', '15:00'
  FROM generate_series(1, GREATEST(0, :banks - (SELECT count(*) FROM bank))) i;

CREATE TEMP TABLE pair AS
SELECT b.bank_code, d.day, row_number() OVER () AS n
  FROM bank b CROSS JOIN unnest(CAST(:days AS date[])) AS d(day);

INSERT INTO mpn_bank_day (business_date, bank_code, payment_count, payment_amount)
SELECT day, bank_code, 100 + n % 5000, (100 + n % 5000) * 250000 FROM pair;

INSERT INTO import_file (kind, file_name, sha256, size_bytes, received_at, started_at, status, row_count,
                         total_amount, first_date, last_date, bank_code)
SELECT 'bank', 'bank-' || n, md5(n::text), 1, day + time '15:40', day + time '15:40', 'imported',
       100 + n % 5000, (100 + n % 5000) * 250000, day, day, bank_code
  FROM pair WHERE n % 50 <> 0;

INSERT INTO bank_batch (import_id, bank_code, business_date, received_at, row_count, total_amount)
SELECT import_id, bank_code, first_date, received_at, row_count, total_amount
  FROM import_file WHERE kind = 'bank';

INSERT INTO statement_letter (bank_code, business_date, letter_number, letter_date, received_at, declared_count,
                              declared_amount, signer, entered_by)
SELECT bank_code, day, 'SP-' || n, day, day + interval '1 day' + CASE WHEN n % 13 = 0 THEN interval '5 hours'
                                                                    ELSE interval '1 hour' END,
       100 + n % 5000 + CASE WHEN n % 29 = 0 THEN 1 ELSE 0 END, (100 + n % 5000) * 250000, 'Direksi', 'bench'
  FROM pair WHERE n % 17 <> 0;

INSERT INTO appeal_letter (bank_code, business_dates, addressee, status, drafted_by)
SELECT bank_code, array_agg(day ORDER BY day), 'Pemimpin Kantor Pusat', 'answered', 'bench'
  FROM pair WHERE n % 17 = 0 AND n % 2 = 0 GROUP BY bank_code, date_trunc('month', day);
ANALYZE;
"""


def prepare(url: str, banks: int, days: list[date], reuse: bool) -> Engine:
    engine, fresh = scratch_database(url, DB, reuse=reuse)
    if not fresh:
        return engine
    started = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(
            text(
                "ALTER TABLE appeal_letter DROP CONSTRAINT ck_appeal_letter_signed,"
                " DROP CONSTRAINT ck_appeal_letter_sent"
            )
        )  # the bench's letters skip the workflow
        conn.exec_driver_sql("SET LOCAL work_mem = '64MB'")
        for statement in FILL.split(";\n"):
            if statement.strip():
                conn.execute(text(statement), {"banks": banks, "days": days})
        cells = conn.execute(text("SELECT count(*) FROM mpn_bank_day")).scalar_one()
    print(
        f"filled {cells:,} bank-days ({banks} banks x {len(days)} working days) in "
        f"{time.perf_counter() - started:.1f} s"
    )
    return engine


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--banks", type=int, default=150)
    parser.add_argument("--days", type=int, default=250)
    parser.add_argument("--window", type=int, default=20)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="leave the scratch database for --reuse")
    parser.add_argument("--reuse", action="store_true", help="reuse a kept scratch database")
    args = parser.parse_args()
    calendar = WorkingCalendar()
    days = calendar.last_working_days(args.days, LAST)
    url = resolve_url()
    engine = prepare(url, args.banks, days, args.reuse)
    rng = random.Random(args.seed)
    times, sizes = [], []
    try:
        with engine.connect() as conn:
            statement_cells(conn, first=days[-args.window], last=LAST)  # warm the cache and the pool
            for _ in range(args.requests):
                end = rng.randrange(args.window - 1, len(days))
                first, last = days[end - args.window + 1], days[end]
                started = time.perf_counter()
                cells = statement_cells(conn, first=first, last=last + timedelta(days=0))
                times.append((time.perf_counter() - started) * 1000)
                sizes.append(len(cells))
    finally:
        engine.dispose()
        if not args.keep:
            drop_database(url, DB)
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    print(
        f"{len(times)} matrix requests of {args.window} working days ({min(sizes):,}-{max(sizes):,} cells each): "
        f"p50 {statistics.median(times):.0f} ms, p95 {p95:.0f} ms, max {times[-1]:.0f} ms "
        f"({'within' if p95 <= 300 else 'OVER'} the 300 ms goal)"
    )


if __name__ == "__main__":
    main()
