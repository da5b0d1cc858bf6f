"""Penerimaan benchmark: p50/p95 of the page's revenue reads over two years of realistic pre-aggregated revenue.

    python bench/revenue.py [--rows 30000] [--runs 40] [--keep] [--reuse]

Runs on the configured server (`MPN_DATABASE_URL`, else the embedded one) in a scratch database
`mpn_bench_revenue` it creates and drops. Master data grows to 150 collecting agents, 350 KPPs in the 34
Kanwils and 300 KAPs; every weekday of this year and last (this year's so the comparison with last year reads
data) gets `--rows` draws of (bank, KPP, KAP), skewed the way payments are (a few big banks and common KAPs
carry most), summed into `revenue_day` (~25,000 rows a day at the default) and rolled up as migration 0008
does. Then each chart's query of `queries.reconciliation.revenue` runs for random cuts: a day to a quarter (a month most
often, the page's default), some with banks, KAPs or a Kanwil. Goal: p95 <= 300 ms per chart.
"""

from __future__ import annotations

import argparse
import importlib.util
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.scratch import drop_database, scratch_database  # noqa: E402
from queries.db import resolve_url  # noqa: E402
from queries.reconciliation import revenue as r  # noqa: E402

DB = "mpn_bench_revenue"
LAST = date(2026, 11, 20)
BANKS, KPPS, KAPS = 150, 350, 300

#: Synthetic master data up to the realistic counts (the shipped lists are kept and come first).
MASTER = """
INSERT INTO bank (bank_code, name, kind)
SELECT 'X' || lpad(i::text, 3, '0'), 'Bank Sintetis ' || i, 'bank'
  FROM generate_series(1, GREATEST(0, :banks - (SELECT count(*) FROM bank))) i;
INSERT INTO kpp (kpp_code, name, kanwil_code)
SELECT 'Y' || lpad(i::text, 3, '0'), 'KPP Sintetis ' || i, w.kanwil_code
  FROM generate_series(1, GREATEST(0, :kpps - (SELECT count(*) FROM kpp))) i
  JOIN (SELECT kanwil_code, row_number() OVER (ORDER BY kanwil_code) - 1 AS n FROM kanwil) w
    ON w.n = i % (SELECT count(*) FROM kanwil);
INSERT INTO kap (kap, name, tax_group)
SELECT '49' || lpad(i::text, 4, '0'), 'KAP Sintetis ' || i, (ARRAY['PPh', 'PPN', 'PBB', 'BM', 'Lainnya'])[1 + i % 5]
  FROM generate_series(1, GREATEST(0, :kaps - (SELECT count(*) FROM kap))) i
"""

#: Per weekday, `:rows` skewed draws of (bank, KPP, KAP) summed; ~2 % of them not reconciled yet.
FILL = """
INSERT INTO revenue_day (business_date, bank_code, kpp_code, kap, reconciled_count, reconciled_amount,
                         unreconciled_count, unreconciled_amount)
WITH codes AS (
    SELECT (SELECT array_agg(bank_code ORDER BY bank_code) FROM bank) AS banks,
           (SELECT array_agg(kpp_code ORDER BY kpp_code) FROM kpp) AS kpps,
           (SELECT array_agg(kap ORDER BY kap) FROM kap) AS kaps
), draw AS (
    SELECT d::date AS day, 1 + floor(random() ^ 3 * cardinality(c.banks))::int AS b,
           1 + floor(random() * cardinality(c.kpps))::int AS k, 1 + floor(random() ^ 4 * cardinality(c.kaps))::int AS a,
           1 + floor(random() * 30)::int AS n, random() < 0.02 AS late
      FROM generate_series(CAST(:first AS date), CAST(:last AS date), interval '1 day') d
     CROSS JOIN generate_series(1, :rows) i CROSS JOIN codes c
     WHERE extract(isodow FROM d) < 6
)
SELECT day, c.banks[b], c.kpps[k], c.kaps[a],
       coalesce(sum(n) FILTER (WHERE NOT late), 0), coalesce(sum(n * 2500000::bigint) FILTER (WHERE NOT late), 0),
       coalesce(sum(n) FILTER (WHERE late), 0), coalesce(sum(n * 1700000::bigint) FILTER (WHERE late), 0)
  FROM draw CROSS JOIN codes c
 GROUP BY 1, 2, 3, 4
"""


def migration_0008() -> Any:
    """Migration 0008's module (its rollup backfill builds the rollups in one statement)."""
    spec = importlib.util.spec_from_file_location("rev0008", ROOT / "queries/migrations/versions/0008_revenue.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def fill_revenue(conn: Connection, *, first: date, last: date, rows: int) -> int:
    """Master data to the realistic counts, `revenue_day` for first..last and its rollups; rows of `revenue_day`.

    The two tables' keys and indexes are dropped for the fill and made again after (much faster than keeping
    millions of random inserts in order)."""
    conn.exec_driver_sql("SET LOCAL work_mem = '256MB'")
    conn.exec_driver_sql("SET LOCAL maintenance_work_mem = '512MB'")
    for statement in MASTER.split(";\n"):
        conn.execute(text(statement), {"banks": BANKS, "kpps": KPPS, "kaps": KAPS})
    tables = ["revenue_day", "revenue_rollup"]
    keys = conn.execute(
        text("""SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint
                                 WHERE conrelid = ANY(CAST(:t AS regclass[])) AND contype = 'p'"""),
        {"t": tables},
    ).all()
    indexes = conn.execute(
        text("""SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(:t)
                                      AND indexname NOT IN (SELECT conname FROM pg_constraint)"""),
        {"t": tables},
    ).all()
    for name, _ in indexes:
        conn.execute(text(f'DROP INDEX "{name}"'))
    for table, name, _ in keys:
        conn.execute(text(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"'))
    written = conn.execute(text(FILL), {"first": first, "last": last, "rows": rows}).rowcount
    conn.execute(text(migration_0008().BACKFILL_ROLLUP))
    for table, name, definition in keys:
        conn.execute(text(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}'))
    for _, definition in indexes:
        conn.execute(text(definition))
    return written


def prepare(url: str, rows: int, reuse: bool) -> Engine:
    """The scratch database, filled unless reused."""
    engine, fresh = scratch_database(url, DB, reuse=reuse)
    if fresh:
        started = time.perf_counter()
        with engine.begin() as conn:
            written = fill_revenue(conn, first=date(LAST.year - 1, 1, 1), last=LAST, rows=rows)
        vacuum(engine)
        print(f"filled {written:,} revenue_day rows and their rollups in {time.perf_counter() - started:.0f} s")
    return engine


def vacuum(engine: Engine) -> None:
    """VACUUM ANALYZE, so the reads are index-only as on a server whose autovacuum caught up."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))


def random_filter(rng: random.Random, conn: Connection, last: date = LAST) -> r.RevenueFilter:
    """A period of a day to a quarter (a month most often, the page's default) and some of the other filters."""
    banks = list(conn.execute(text("SELECT bank_code FROM bank ORDER BY bank_code")).scalars())
    kaps = list(conn.execute(text("SELECT kap FROM kap ORDER BY kap")).scalars())
    kanwils = list(conn.execute(text("SELECT kanwil_code FROM kanwil ORDER BY kanwil_code")).scalars())
    length = rng.choice([1, 5, 20, 22, 30, 31, 31, 60, 92])
    end = last - timedelta(days=rng.randint(0, 300))
    if rng.random() < 0.3:  # the page's default: the month of the latest date up to it
        end, length = last, last.day
    return r.RevenueFilter(
        end - timedelta(days=length - 1),
        end,
        bank_codes=tuple(rng.sample(banks[:40], rng.randint(1, 3))) if rng.random() < 0.4 else (),
        kaps=tuple(rng.sample(kaps[:40], rng.randint(1, 2))) if rng.random() < 0.3 else (),
        kanwil_code=rng.choice(kanwils) if rng.random() < 0.3 else None,
    )


#: Each chart's reads, as the Penerimaan page's callbacks make them.
CHARTS: dict[str, Callable[[Connection, r.RevenueFilter], Any]] = {
    "cards (totals)": r.revenue_totals,
    "per hari (+ tahun lalu)": lambda c, f: (r.daily_revenue(c, f), r.daily_revenue(c, f.last_year())),
    "per bulan": r.monthly_revenue,
    "kelompok pajak + KAP": lambda c, f: (r.revenue_by_tax_group(c, f), r.revenue_by_kap(c, f)),
    "bank (top 10 + Lainnya)": r.revenue_by_bank,
    "Kanwil": r.revenue_by_kanwil,
    "KPP of a Kanwil": lambda c, f: r.revenue_by_kpp(c, f, f.kanwil_code or "080"),
}


def percentile(times: list[float], share: float) -> float:
    """The nearest-rank percentile of `times`."""
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=30_000, help="draws of (bank, KPP, KAP) per weekday")
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--seed", type=int, default=20261120)
    parser.add_argument("--keep", action="store_true", help="leave the scratch database for --reuse")
    parser.add_argument("--reuse", action="store_true", help="reuse a kept scratch database")
    args = parser.parse_args()
    url = resolve_url()
    engine = prepare(url, args.rows, args.reuse)
    rng = random.Random(args.seed)
    worst = 0.0
    try:
        with engine.connect() as conn:
            filters = [random_filter(rng, conn) for _ in range(args.runs)]
            for f in filters[:3]:  # warm the cache as a running server's would be
                for query in CHARTS.values():
                    query(conn, f)
        print(f"{'chart':<26} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
        for name, query in CHARTS.items():
            times = []
            for f in filters:
                with engine.connect() as conn:
                    started = time.perf_counter()
                    query(conn, f)
                    times.append((time.perf_counter() - started) * 1000)
            p95 = percentile(times, 0.95)
            worst = max(worst, p95)
            print(f"{name:<26} {statistics.median(times):8.1f} {p95:8.1f} {max(times):8.1f}")
    finally:
        engine.dispose()
        if not args.keep:
            drop_database(url, DB)
    print(f"worst p95 {worst:.1f} ms ({'within' if worst <= 300 else 'OVER'} the 300 ms goal)")


if __name__ == "__main__":
    main()
