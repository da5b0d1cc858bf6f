"""Time the Penerimaan page's callbacks over a filled `revenue_day` (goal: p95 <= 300 ms per callback).

Fills a scratch database `mpn_bench_revenue` (dropped and made again unless --reuse) on the server of
`MPN_DATABASE_URL` with two years of working days (this year and last, so the comparison reads data) x 40 banks
x 30 KPP x 15 KAP, set-based with generate_series, then runs each callback's queries for random filters.

    MPN_DATABASE_URL=postgresql+psycopg2://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/revenue.py
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, create_engine, make_url, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from queries import revenue as r  # noqa: E402
from queries.db import make_engine  # noqa: E402
from queries.migrate import upgrade  # noqa: E402

NAME = "mpn_bench_revenue"
LAST = date(2026, 11, 20)

FILL = """
INSERT INTO revenue_day (business_date, bank_code, kpp_code, kap, reconciled_count, reconciled_amount,
                         unreconciled_count, unreconciled_amount)
SELECT d::date, b.bank_code, k.kpp_code, a.kap, 1 + (random() * 40)::int, (random() * 2e9)::bigint,
       (random() < 0.02)::int, CASE WHEN random() < 0.02 THEN (random() * 5e8)::bigint ELSE 0 END
  FROM generate_series(CAST(:first AS date), CAST(:last AS date), interval '1 day') d
 CROSS JOIN (SELECT bank_code FROM bank ORDER BY bank_code LIMIT :banks) b
 CROSS JOIN (SELECT kpp_code FROM kpp ORDER BY kpp_code LIMIT :kpps) k
 CROSS JOIN (SELECT kap FROM kap ORDER BY kap LIMIT :kaps) a
 WHERE extract(isodow FROM d) < 6
"""


def fill(url: str, years: int) -> None:
    engine = make_engine(url)
    upgrade(engine)
    with engine.begin() as conn:
        extra = 40 - conn.execute(text("SELECT count(*) FROM bank")).scalar_one()
        for i in range(max(0, extra)):
            conn.execute(text("INSERT INTO bank (bank_code, name, kind) VALUES (:c, :n, 'bank')"),
                         {"c": f"9{i:02d}", "n": f"Bank Uji {i + 1}"})
        conn.execute(text("ALTER TABLE revenue_day DROP CONSTRAINT pk_revenue_day"))
        started = time.perf_counter()
        rows = conn.execute(text(FILL), {"first": date(LAST.year - years + 1, 1, 1), "last": LAST,
                                         "banks": 40, "kpps": 30, "kaps": 15}).rowcount
        conn.execute(text("ALTER TABLE revenue_day ADD CONSTRAINT pk_revenue_day "
                          "PRIMARY KEY (business_date, bank_code, kpp_code, kap)"))
        print(f"filled {rows:,} rows in {time.perf_counter() - started:.1f} s")
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE revenue_day"))
    engine.dispose()


def random_filter(rng: random.Random, conn: Connection) -> r.RevenueFilter:
    """A period of a day to a quarter (a month most often, the page's default) and some of the other filters."""
    banks = [c for (c,) in conn.execute(text("SELECT DISTINCT bank_code FROM revenue_day LIMIT 40"))] or ["002"]
    kaps = [c for (c,) in conn.execute(text("SELECT kap FROM kap ORDER BY kap LIMIT 15"))]
    kanwils = [c for (c,) in conn.execute(text("SELECT DISTINCT kanwil_code FROM kpp"))]
    length = rng.choice([1, 5, 20, 22, 30, 31, 31, 60, 92])
    last = LAST - timedelta(days=rng.randint(0, 300))
    return r.RevenueFilter(
        last - timedelta(days=length - 1), last,
        bank_codes=tuple(rng.sample(banks, rng.randint(1, 3))) if rng.random() < 0.5 else (),
        kaps=tuple(rng.sample(kaps, rng.randint(1, 2))) if rng.random() < 0.4 else (),
        kanwil_code=rng.choice(kanwils) if rng.random() < 0.3 else None)


CALLBACKS: dict[str, Callable[[Connection, r.RevenueFilter], Any]] = {
    "cards (totals)": r.revenue_totals,
    "per hari (+ tahun lalu)": lambda c, f: (r.daily_revenue(c, f), r.daily_revenue(c, f.last_year())),
    "per bulan": r.monthly_revenue,
    "kelompok pajak + KAP": lambda c, f: (r.revenue_by_tax_group(c, f), r.revenue_by_kap(c, f)),
    "bank (top 10 + Lainnya)": r.revenue_by_bank,
    "Kanwil": r.revenue_by_kanwil,
    "KPP of a Kanwil": lambda c, f: r.revenue_by_kpp(c, f, f.kanwil_code or "310"),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--years", type=int, default=2)
    parser.add_argument("--reuse", action="store_true", help="keep the filled database of an earlier run")
    args = parser.parse_args()
    server = os.environ.get("MPN_DATABASE_URL", "").replace("postgresql://", "postgresql+psycopg2://", 1)
    if not server:
        sys.exit("set MPN_DATABASE_URL to a PostgreSQL server")
    url = make_url(server).set(database=NAME).render_as_string(hide_password=False)
    if not args.reuse:
        admin = create_engine(server, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{NAME}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{NAME}"'))
        admin.dispose()
        fill(url, args.years)
    engine = make_engine(url)
    rng = random.Random(20261120)
    with engine.connect() as conn:
        filters = [random_filter(rng, conn) for _ in range(args.runs)]
        for f in filters[:3]:  # warm the cache as a running server's would be
            for query in CALLBACKS.values():
                query(conn, f)
        conn.rollback()
    print(f"{'callback':<26} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    worst = 0.0
    for name, query in CALLBACKS.items():
        times = []
        for f in filters:
            with engine.connect() as conn:
                started = time.perf_counter()
                query(conn, f)
                times.append((time.perf_counter() - started) * 1000)
        p95 = statistics.quantiles(times, n=20)[18]
        worst = max(worst, p95)
        print(f"{name:<26} {statistics.median(times):8.1f} {p95:8.1f} {max(times):8.1f}")
    print(f"worst p95 {worst:.1f} ms (goal <= 300 ms)")
    engine.dispose()


if __name__ == "__main__":
    main()
