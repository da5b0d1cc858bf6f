"""Distribution benchmark: a 3,000,000-row day delivered to both targets of `mpn target-sim` on localhost.

    python bench/distribute.py [--rows 3000000] [--fail-rate 0.1] [--keep] [--reuse] [--db NAME]

Runs on the configured server (`MPN_DATABASE_URL`, else the embedded one) in a scratch database
`mpn_bench_distribute`: one bank's day of `--rows` payments over the master KPPs, with its batch, statement
letter and reconciliation result written set-based (the reconciliation itself is benchmarked by
bench/reconcile.py), then `queries.distribution.prepare.prepare` (timed) and the round marked approved directly
(the approval layer is not what is measured). Delivery (`jobs.distribution.deliver.run_distribution`, in this
process) goes to a fresh `mpn target-sim` subprocess, first fault-free, then again from scratch with
`--fail-rate F` (503 before storing). Prints rows/s per target with confirmation, the ratio of the faulty to
the fault-free time, and this process's peak RSS. Goals: >= 50,000 rows/s per target, ratio <= 1.3.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import date
from pathlib import Path

from sqlalchemy import Engine, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.scratch import drop_database, scratch_database  # noqa: E402
from jobs.distribution.deliver import Backoff, run_distribution  # noqa: E402
from queries.accounts.audit import Actor  # noqa: E402
from queries.db import resolve_url  # noqa: E402
from queries.distribution import prepare as dist  # noqa: E402
from queries.imports.store import ensure_partition  # noqa: E402

DB = "mpn_bench_distribute"
DAY = date(2026, 11, 20)

FILL = """
INSERT INTO import_file (kind, file_name, sha256, size_bytes, received_at, started_at, status, row_count,
                         total_amount, first_date, last_date)
VALUES ('mpn', 'bench-mpn.csv', 'bench-mpn', 1, now(), now(), 'imported', :n, 0, :d, :d),
       ('bank', 'bench-bank.csv', 'bench-bank', 1, now(), now(), 'imported', :n, 0, :d, :d);
INSERT INTO mpn_record (business_date, import_id, line, record_type, ntpn, billing_code, bank_code, branch_code, ntb,
                        paid_at, utc_offset, npwp, taxpayer_name, kap, kjs, tax_period, kpp_code, amount)
SELECT :d, (SELECT import_id FROM import_file WHERE kind = 'mpn'), i + 1, 'payment',
       'B' || lpad(to_hex(i * 2654435761 % 4294967296), 8, '0') || lpad(i::text, 7, '0'), '012345678901234', '002', '',
       'NTB' || i, timestamptz '2026-11-20 09:00+07' + (i % 21600) * interval '1 second', 7,
       lpad((i % 999999999)::text, 15, '0'), 'Wajib Pajak ' || i, '411211', '100', '102026',
       (SELECT array_agg(kpp_code ORDER BY kpp_code) FROM kpp)[1 + i % (SELECT count(*) FROM kpp)],
       10000 + (i * 7919) % 5000000
  FROM generate_series(CAST(1 AS bigint), :n) i;
INSERT INTO bank_batch (import_id, bank_code, business_date, received_at, row_count, total_amount)
SELECT (SELECT import_id FROM import_file WHERE kind = 'bank'), '002', :d, now(), count(*), sum(amount)
  FROM mpn_record WHERE business_date = :d;
INSERT INTO statement_letter (bank_code, business_date, letter_number, letter_date, received_at, declared_count,
                              declared_amount, signer)
SELECT '002', :d, 'SP-BENCH', :d, now(), row_count, total_amount, 'Direksi' FROM bank_batch;
INSERT INTO recon_run (business_date, actor, status, finished_at) VALUES (:d, 'bench', 'finished', now());
INSERT INTO recon_result (business_date, bank_code, mpn_count, mpn_amount, bank_count, bank_amount, matched_count,
                          matched_amount, batch_id, last_run_id)
SELECT :d, '002', row_count, total_amount, row_count, total_amount, row_count, total_amount, batch_id,
       (SELECT max(run_id) FROM recon_run)
  FROM bank_batch;
ANALYZE
"""


def prepare_db(url: str, db: str, rows: int, reuse: bool) -> Engine:
    engine, fresh = scratch_database(url, db, reuse=reuse)
    if not fresh:
        return engine
    started = time.perf_counter()
    with engine.begin() as conn:
        ensure_partition(conn, "mpn_record", DAY)
        ensure_partition(conn, "bank_batch_row", DAY)
        conn.exec_driver_sql("SET LOCAL work_mem = '256MB'")
        for statement in FILL.split(";\n"):
            if statement.strip():
                conn.execute(text(statement), {"d": DAY, "n": rows})
    print(f"filled {rows:,} payments in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    with engine.begin() as conn:
        d = dist.prepare(conn, DAY, actor=Actor.system("bench"))
        conn.execute(text("UPDATE distribution SET status = 'approved', approved_at = now()"))
        conn.execute(text("UPDATE dist_batch SET state = 'approved'"))
    print(
        f"prepare: {d.row_count:,} rows in {d.batch_count} batches (both targets) in "
        f"{time.perf_counter() - started:.1f} s"
    )
    return engine


def reset(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM dist_attempt"))
        conn.execute(
            text("""UPDATE dist_batch SET state = 'approved', attempts = 0, last_error = NULL,
                                    first_sent_at = NULL, confirmed_at = NULL, receipt = NULL""")
        )
        conn.execute(text("UPDATE distribution SET status = 'approved', delivered_at = NULL"))


def simulator(folder: Path, *faults: str) -> tuple[subprocess.Popen[bytes], str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "cli.main", "target-sim", "--port", str(port), "--data", str(folder), *faults],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            urllib.request.urlopen(f"{url}/healthz", timeout=1).read()
            break
        except OSError:
            time.sleep(0.1)
    os.environ["MPN_SIDJP_URL"], os.environ["MPN_SIPMOD_URL"] = f"{url}/sidjp", f"{url}/sipmod"
    return proc, url


def deliver(engine: Engine, rows: int, *faults: str) -> float:
    with tempfile.TemporaryDirectory() as folder:
        proc, url = simulator(Path(folder), *faults)
        try:
            started = time.perf_counter()
            report = run_distribution(engine, DAY, backoff=Backoff(base=0.05, cap=1.0), max_attempts=30)
            seconds = time.perf_counter() - started
            stats = {t: json.loads(urllib.request.urlopen(f"{url}/{t}/stats").read()) for t in ("sidjp", "sipmod")}
        finally:
            proc.terminate()
            proc.wait(30)
    assert report.remaining == 0, report.message
    for target, s in stats.items():
        assert s["rows"] == s["distinct_ntpn"] == rows, (target, s)
    label = " ".join(faults) or "fault-free"
    print(
        f"deliver ({label}): {seconds:.1f} s, {rows / seconds:,.0f} rows/s per target with confirmation, "
        f"attempts {sum(report.attempts.values()):,}"
    )
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=3_000_000)
    parser.add_argument("--fail-rate", type=float, default=0.1)
    parser.add_argument("--keep", action="store_true", help="leave the scratch database for --reuse")
    parser.add_argument("--reuse", action="store_true", help="reuse a kept scratch database")
    parser.add_argument("--db", default=DB, help=f"the scratch database's name (default {DB})")
    args = parser.parse_args()
    url = resolve_url()
    engine = prepare_db(url, args.db, args.rows, args.reuse)
    try:
        reset(engine)
        clean = deliver(engine, args.rows)
        reset(engine)
        faulty = deliver(engine, args.rows, "--fail-rate", str(args.fail_rate))
    finally:
        engine.dispose()
        if not args.keep:
            drop_database(url, args.db)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rate = args.rows / clean
    print(
        f"summary: {rate:,.0f} rows/s per target ({'meets' if rate >= 50_000 else 'BELOW'} the 50,000 goal); "
        f"with --fail-rate {args.fail_rate}: {faulty / clean:.2f}x the fault-free time "
        f"({'within' if faulty / clean <= 1.3 else 'OVER'} 1.3x); peak RSS {rss:,.0f} MiB"
    )


if __name__ == "__main__":
    main()
