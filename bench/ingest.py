"""Ingest benchmark: a generated peak day of MPN data through `mpn import mpn`, against a bare COPY.

    python bench/ingest.py [--rows 3000000] [--seed 1]

Runs on the configured database server (`MPN_DATABASE_URL`, else the embedded one) in a scratch
database `mpn_bench` it creates and drops. Prints rows/s of the full import (checks, business date,
partition, index, history) as a separate `mpn` process with its peak RSS, and rows/s of a bare
`COPY` of the same file into an unindexed table of text columns: the machine's limit.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

from sqlalchemy import create_engine, make_url, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from jobs.demo.data import Master, write_peak_day  # noqa: E402
from queries.calendar import WorkingCalendar  # noqa: E402
from queries.db import resolve_url  # noqa: E402
from queries.migrate import upgrade  # noqa: E402

COLUMNS = (
    "record_type",
    "ntpn",
    "billing_code",
    "bank_code",
    "branch_code",
    "ntb",
    "paid_at",
    "npwp",
    "taxpayer_name",
    "kap",
    "kjs",
    "tax_period",
    "kpp_code",
    "amount",
)


def bare_copy(url: str, path: Path) -> float:
    """Seconds for a client-side COPY of `path` into a fresh unindexed table of text columns."""
    eng = create_engine(url)
    with eng.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS bare_copy"))
        conn.execute(text(f"CREATE TABLE bare_copy ({', '.join(c + ' text' for c in COLUMNS)})"))
    raw = eng.raw_connection()
    try:
        cur = raw.cursor()
        started = time.perf_counter()
        with open(path, "rb") as f:
            cur.copy_expert("COPY bare_copy FROM STDIN WITH (FORMAT csv, HEADER true)", f, size=1 << 18)
        raw.commit()
        elapsed = time.perf_counter() - started
        cur.execute("DROP TABLE bare_copy")
        raw.commit()
    finally:
        raw.close()
        eng.dispose()
    return elapsed


def main() -> None:
    """Generate, import, compare, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=3_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--day", type=date.fromisoformat, default=date(2026, 11, 16))
    args = parser.parse_args()

    server = resolve_url()
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("DROP DATABASE IF EXISTS mpn_bench WITH (FORCE)"))
        conn.execute(text("CREATE DATABASE mpn_bench"))
    url = make_url(server).set(database="mpn_bench").render_as_string(hide_password=False)
    bench_engine = create_engine(url)
    upgrade(bench_engine)
    bench_engine.dispose()

    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"mpn_peak_{args.rows}.csv"
    started = time.perf_counter()
    write_peak_day(path, args.rows, args.seed, Master.from_csv(), args.day, WorkingCalendar())
    size_mb = path.stat().st_size / 1e6
    print(f"generated {args.rows:,} rows ({size_mb:,.0f} MB) in {time.perf_counter() - started:.1f} s")

    copy_s = min(bare_copy(url, path) for _ in range(2))
    env = {**os.environ, "MPN_DATABASE_URL": url, "MPN_DATA_DIR": str(out / "data")}
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "cli.main", "import", "mpn", str(path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    import_s = time.perf_counter() - started
    rss_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    if proc.returncode != 0:
        sys.exit(f"import failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    print(proc.stdout.strip())

    copy_rate, import_rate = args.rows / copy_s, args.rows / import_s
    print(f"bare COPY (text columns, no index): {copy_s:6.1f} s  {copy_rate:>10,.0f} rows/s")
    print(f"mpn import mpn (full path)        : {import_s:6.1f} s  {import_rate:>10,.0f} rows/s")
    print(f"ratio import / bare COPY          : {import_rate / copy_rate:.2f}  (goal >= 0.40)")
    print(f"peak RSS of the mpn process       : {rss_mib:,.0f} MiB  (goal < 1024 MiB)")
    with admin.connect() as conn:
        conn.execute(text("DROP DATABASE IF EXISTS mpn_bench WITH (FORCE)"))
    path.unlink()


if __name__ == "__main__":
    main()
