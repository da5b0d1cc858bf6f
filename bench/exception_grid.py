"""Exception-grid benchmark: p50/p95 of one grid callback's query + formatting with 200,000 open exceptions.

    python bench/exception_grid.py [--rows 200000] [--requests 50] [--seed 1] [--keep] [--reuse] [--explain]

Runs on the configured server (`MPN_DATABASE_URL`, else the embedded one) in a scratch database
`mpn_bench_grid` it creates (one INSERT ... SELECT generate_series) and drops. Each request is what the
page's `rows` callback does: `queries.reconciliation.exception_list.exception_page` for a random block, sort and
filter of
the day, then `recon_view.exception_row` for every row. Goal: p95 <= 300 ms.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import date
from pathlib import Path

from sqlalchemy import Engine, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.scratch import drop_database, scratch_database  # noqa: E402
from dashboard.pages.rekonsiliasi.view import exception_row  # noqa: E402
from queries.db import resolve_url  # noqa: E402
from queries.reconciliation.exception_list import SORTS, ExceptionFilter, _where, exception_page  # noqa: E402
from queries.reconciliation.model import OPEN_STATUSES  # noqa: E402

DB = "mpn_bench_grid"
DAY = date(2026, 11, 20)
BLOCK = 100
TRANSACTION_CATEGORIES = (
    "missing_in_bank",
    "missing_in_mpn",
    "amount_mismatch",
    "attribute_mismatch",
    "cutoff_mismatch",
    "duplicate",
    "cancelled_reused",
)

FILL = """
WITH run AS (INSERT INTO recon_run (business_date, actor, status) VALUES (:d, 'bench', 'finished') RETURNING run_id),
     banks AS (SELECT array_agg(bank_code ORDER BY bank_code) AS codes FROM bank)
INSERT INTO recon_exception (business_date, level, bank_code, ntpn, category, fields, mpn_amount, bank_amount,
                             status, first_seen_run, last_seen_run)
SELECT :d, 'transaction', codes[1 + (i * 7919) % cardinality(codes)], 'NTPN' || lpad(i::text, 12, '0'),
       (:cats)[1 + (i * 31) % cardinality(CAST(:cats AS text[]))],
       CASE WHEN i % 3 = 0 THEN 'amount' ELSE '' END,
       CASE WHEN i % 5 = 1 THEN NULL ELSE 1000 + (i * 7877) % 50000000 END,
       CASE WHEN i % 5 = 2 THEN NULL ELSE 1000 + (i * 6007) % 50000000 END,
       CASE WHEN i % 20 = 0 THEN 'in_clarification' ELSE 'open' END, run_id, run_id
  FROM generate_series(1, :n) i, run, banks
"""


def prepare(url: str, rows: int, reuse: bool) -> Engine:
    engine, fresh = scratch_database(url, DB, reuse=reuse)
    if not fresh:
        return engine
    started = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(text(FILL), {"d": DAY, "n": rows, "cats": list(TRANSACTION_CATEGORIES)})
        conn.execute(text("ANALYZE recon_exception"))
    print(f"filled {rows:,} exceptions in {time.perf_counter() - started:.1f} s")
    return engine


def random_request(rng: random.Random, total: int) -> dict[str, object]:
    banks = ["002", "008", "009", "014", None, None, None]
    flt = ExceptionFilter.day(
        DAY,
        bank=rng.choice(banks),
        category=rng.choice([None, None, *TRANSACTION_CATEGORIES]),
        statuses=rng.choice([OPEN_STATUSES, OPEN_STATUSES, None, ("in_clarification",)]),
        ntpn=rng.choice([None, None, None, "0001", str(rng.randrange(10**5))]),
    )
    offset = rng.choice([0, 0, BLOCK * rng.randrange(20), rng.randrange(max(1, total - BLOCK))]) // BLOCK * BLOCK
    return {
        "flt": flt,
        "offset": offset,
        "limit": BLOCK,
        "sort_column": rng.choice([None, *SORTS]),
        "descending": rng.random() < 0.5,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="leave the scratch database for --reuse")
    parser.add_argument("--reuse", action="store_true", help="reuse a kept scratch database")
    parser.add_argument("--explain", action="store_true", help="print the plan of a deep block sorted by amount")
    args = parser.parse_args()
    url = resolve_url()
    engine = prepare(url, args.rows, args.reuse)
    rng = random.Random(args.seed)
    times, sizes = [], []
    try:
        with engine.connect() as conn:
            if args.explain:
                where, params = _where(ExceptionFilter.day(DAY))
                plan = conn.execute(
                    text(f"""EXPLAIN (ANALYZE, BUFFERS) SELECT e.exception_id FROM recon_exception e
                    WHERE {where} ORDER BY mpn_amount DESC NULLS LAST, ntpn DESC, exception_id DESC
                    OFFSET 150000 LIMIT 100"""),
                    params,
                ).scalars()
                print("\n".join(plan))
            exception_page(conn, flt=ExceptionFilter.day(DAY))  # warm the cache and the pool
            for _ in range(args.requests):
                request = random_request(rng, args.rows)
                started = time.perf_counter()
                page = exception_page(conn, **request)  # type: ignore[arg-type]
                [exception_row(r) for r in page.rows]
                times.append((time.perf_counter() - started) * 1000)
                sizes.append(page.total)
    finally:
        engine.dispose()
        if not args.keep:
            drop_database(url, DB)
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    print(
        f"{len(times)} grid requests over {args.rows:,} exceptions (matching 0..{max(sizes):,} per filter): "
        f"p50 {statistics.median(times):.0f} ms, p95 {p95:.0f} ms, max {times[-1]:.0f} ms "
        f"({'within' if p95 <= 300 else 'OVER'} the 300 ms goal)"
    )


if __name__ == "__main__":
    main()
