"""Dashboard benchmark: p50/p95 of the data pages' callbacks over a year of demo-scale data (goal: p95 <= 300 ms).

    python bench/dashboard.py [--runs 30] [--rows 30000] [--keep] [--reuse]

Runs on the configured server (`MPN_DATABASE_URL`, else the embedded one) in a scratch database
`mpn_bench_dashboard` it creates and drops, filled set-based with generate_series:

- revenue as `bench/revenue.py` makes it (150 banks, 350 KPPs in 34 Kanwils, 300 KAPs, `--rows` draws a weekday,
  this year and last) in `revenue_day` and its rollups;
- 250 working days up to 20/11/2026 of what `bench/statement_matrix.py` writes (per bank and day MPN totals, a
  batch, mostly a statement letter, some late or mismatched, appeal letters), plus per day an MPN file, a
  reconciliation run, each batch's result (some later than the hour), transaction exceptions (some still open),
  a delivered distribution round with one batch per KPP and target (a few confirmed late or not at all, with
  their rows) and held banks, sent appeal letters past their reply date, and a year of scheduler runs.

Then each page's callback function (the one Dash calls, unwrapped, inside a Flask request context) runs `--runs`
times with varied inputs: Kelengkapan's refresh (day matrix, approvals) and trend (30 working days) for random
dates, Rapor bank's for periods of a month to a year, every Penerimaan chart for random cuts, Distribusi's refresh
for random dates, and Penjadwal's status strip, jobs table (its data, `job_board`: the callback needs Dash's
pattern-matching outputs) and run history. Prints p50/p95 per callback and overall, and which meet 300 ms.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, make_url, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.revenue import fill_revenue, random_filter, vacuum  # noqa: E402
from bench.scratch import drop_database, scratch_database  # noqa: E402
from bench.statement_matrix import FILL as STATEMENTS  # noqa: E402
from queries.calendar import WorkingCalendar  # noqa: E402
from queries.db import resolve_url  # noqa: E402

DB = "mpn_bench_dashboard"
LAST = date(2026, 11, 20)
DAYS = 250
GOAL_MS = 300.0

#: Reconciliation, distribution, letters and scheduler history over the `pair` (bank, day, n) table that
#: `bench.statement_matrix.FILL` leaves behind; `:days` the working days.
OPERATIONS = """
INSERT INTO import_file (kind, file_name, sha256, size_bytes, received_at, started_at, status, row_count,
                         total_amount, first_date, last_date)
SELECT 'mpn', 'mpn-' || d, md5('mpn' || d), 1, d + time '15:10', d + time '15:10', 'imported', 1000, 1, d, d
  FROM unnest(CAST(:days AS date[])) d;

INSERT INTO recon_run (business_date, actor, started_at, finished_at, status)
SELECT d, 'bench', d + time '16:30', d + time '16:31', 'finished' FROM unnest(CAST(:days AS date[])) d;

INSERT INTO recon_result (business_date, bank_code, mpn_count, mpn_amount, bank_count, bank_amount, matched_count,
                          matched_amount, batch_id, batch_received_at, result_at, result_minutes, last_run_id)
SELECT bb.business_date, bb.bank_code, bb.row_count, bb.total_amount, bb.row_count, bb.total_amount,
       bb.row_count - 3, bb.total_amount - 750000, bb.batch_id, bb.received_at,
       bb.received_at + (20 + bb.batch_id % 7 * 12) * interval '1 minute', 20 + (bb.batch_id % 7) * 12, r.run_id
  FROM bank_batch bb JOIN recon_run r ON r.business_date = bb.business_date;

INSERT INTO recon_exception (business_date, level, bank_code, ntpn, category, mpn_amount, bank_amount, status,
                             first_seen_run, last_seen_run, resolved_at, resolved_by)
SELECT rr.business_date, 'transaction', rr.bank_code, 'B' || rr.batch_id || '-' || i, 'amount_mismatch', 250000, 1,
       s.status, rr.last_run_id, rr.last_run_id, CASE WHEN s.status = 'resolved' THEN rr.result_at END,
       CASE WHEN s.status = 'resolved' THEN 'bench' END
  FROM recon_result rr CROSS JOIN generate_series(1, 3) i
 CROSS JOIN LATERAL (SELECT CASE WHEN rr.business_date > CAST(:recent AS date) AND i = 1 THEN 'open'
                                 ELSE 'resolved' END AS status) s;

INSERT INTO distribution (business_date, round, status, prepared_at, prepared_by, approved_at, delivered_at)
SELECT d, 1, 'delivered', d + time '10:00' + interval '1 day', 'bench', d + time '11:00' + interval '1 day',
       d + time '12:00' + interval '1 day'
  FROM unnest(CAST(:days AS date[])) d;

INSERT INTO dist_batch (target, batch_id, distribution_id, kpp_code, chunk, row_count, amount, ntpn_sha256, state,
                        attempts, first_sent_at, confirmed_at)
SELECT t.target, x.distribution_id || '-' || k.kpp_code || '-' || t.target, x.distribution_id, k.kpp_code, 0, 100,
       25000000, md5(k.kpp_code), CASE WHEN x.odd = 2 THEN 'failed' ELSE 'confirmed' END, 1,
       x.delivered_at, CASE x.odd WHEN 0 THEN x.delivered_at WHEN 1 THEN x.delivered_at + interval '3 days' END
  FROM (SELECT d.*, CASE WHEN random() < 0.985 THEN 0 WHEN random() < 0.5 THEN 1 ELSE 2 END AS odd
          FROM distribution d) x
 CROSS JOIN kpp k CROSS JOIN (VALUES ('sidjp'), ('sipmod')) t(target);

INSERT INTO dist_item (distribution_id, ntpn, business_date, kpp_code, chunk, bank_code, amount, import_id, line)
SELECT b.distribution_id, 'D' || b.distribution_id || b.kpp_code || i, d.business_date, b.kpp_code, 0,
       (SELECT bank_code FROM bank ORDER BY bank_code OFFSET abs(hashtext(b.kpp_code || d.business_date || i)) % 40
        LIMIT 1),
       250000, 1, i
  FROM (SELECT DISTINCT distribution_id, kpp_code FROM dist_batch WHERE state <> 'confirmed'
                                                                       OR confirmed_at > first_sent_at) b
  JOIN distribution d ON d.distribution_id = b.distribution_id
 CROSS JOIN generate_series(1, 5) i;

INSERT INTO dist_held (distribution_id, bank_code, reason, row_count, amount)
SELECT d.distribution_id, p.bank_code, 'no_statement', 100, 25000000
  FROM pair p JOIN distribution d ON d.business_date = p.day WHERE p.n % 17 = 0;

INSERT INTO appeal_letter (bank_code, business_dates, addressee, status, drafted_by, letter_number, letter_date,
                           agenda_number, sent_on, sent_by)
SELECT bank_code, array_agg(day ORDER BY day), 'Pemimpin Kantor Pusat', 'sent', 'bench',
       'S-' || bank_code || '-' || to_char(date_trunc('month', day), 'YYYYMM'), max(day) + 1, 'AG-1', max(day) + 2,
       'bench'
  FROM pair WHERE n % 17 = 0 AND n % 2 = 1 GROUP BY bank_code, date_trunc('month', day);

INSERT INTO scheduler_instance (instance_id, host, pid, started_at, heartbeat_at, is_leader, led_since)
VALUES ('bench-1', 'bench', 1, now() - interval '1 day', now(), true, now() - interval '1 day');

INSERT INTO job_run (job_id, trigger, scheduled_for, started_at, finished_at, status, rows_processed, message,
                     instance_id)
SELECT j.job_id, 'schedule', t, t, t + make_interval(secs => 1 + random() * j.secs),
       CASE WHEN random() < 0.01 THEN 'failed' ELSE 'succeeded' END, (random() * 1000)::int, 'bench', 'bench-1'
  FROM (VALUES ('inbox', 5), ('reconcile_arrivals', 60), ('reconcile_deadline', 120), ('statements', 10),
               ('distribution', 300), ('daily_report', 30)) j(job_id, secs)
 CROSS JOIN generate_series(now() - interval '365 days', now(), interval '15 minutes') t;
ANALYZE
"""


def prepare(url: str, rows: int, reuse: bool) -> Engine:
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
        revenue_rows = fill_revenue(conn, first=date(LAST.year - 1, 1, 1), last=LAST, rows=rows)
        script = STATEMENTS + ";\n" + OPERATIONS
        for statement in script.split(";\n"):
            if statement.strip():
                conn.execute(text(statement), {"banks": 150, "days": days, "recent": days[-10]})
        counts = {
            t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()
            for t in ("mpn_bank_day", "recon_exception", "dist_batch", "job_run")
        }
    vacuum(engine)
    print(
        f"filled {revenue_rows:,} revenue_day rows, "
        + ", ".join(f"{n:,} {t}" for t, n in counts.items())
        + f" in {time.perf_counter() - started:.0f} s"
    )
    return engine


Call = Callable[[], Any]


def unwrapped(callback: Any) -> Callable[..., Any]:
    """The page's own function under Dash's wrapper (`functools.wraps` keeps it as `__wrapped__`)."""
    return getattr(callback, "__wrapped__", callback)


def penerimaan_inputs(f: Any) -> tuple[Any, ...]:
    """A `RevenueFilter` as the page's five filter values."""
    return (f.first.isoformat(), f.last.isoformat(), list(f.bank_codes) or None, list(f.kaps) or None, f.kanwil_code)


def calls(conn: Connection, rng: random.Random, runs: int) -> dict[str, list[Call]]:
    """Per page callback, `runs` calls with varied inputs, made the way Dash makes them."""
    from dashboard.pages.distribusi import page as distribusi
    from dashboard.pages.kelengkapan import page as kelengkapan
    from dashboard.pages.penerimaan import page as penerimaan
    from dashboard.pages.penjadwal import page as penjadwal
    from dashboard.pages.rapor_bank import page as rapor_bank
    from jobs.scheduling.definitions import BY_ID, job_board
    from queries import config

    days = WorkingCalendar().last_working_days(DAYS, LAST)
    recent = days[-40:]
    kanwils = list(conn.execute(text("SELECT kanwil_code FROM kanwil ORDER BY 1")).scalars())
    found: dict[str, list[Call]] = {
        name: []
        for name in (
            "kelengkapan: refresh",
            "kelengkapan: trend",
            "rapor bank: refresh",
            "distribusi: refresh",
            "penjadwal: status strip",
            "penjadwal: jobs table (job_board)",
            "penjadwal: run history",
        )
    }
    found.update(
        {
            f"penerimaan: {name}": []
            for name in ("cards", "per hari", "per bulan", "kelompok + KAP", "bank", "Kanwil / KPP (drill)")
        }
    )
    charts = {
        "cards": penerimaan.cards,
        "per hari": penerimaan.daily,
        "per bulan": penerimaan.monthly,
        "kelompok + KAP": penerimaan.groups,
        "bank": penerimaan.agents,
    }
    for _ in range(runs):
        found["kelengkapan: refresh"].append(
            partial(unwrapped(kelengkapan.refresh), None, rng.choice(recent).isoformat())
        )
        found["kelengkapan: trend"].append(
            partial(unwrapped(kelengkapan.refresh_trend), None, rng.choice(recent).isoformat())
        )
        last = rng.choice(days[60:])
        first = last - timedelta(days=rng.choice([30, 91, 91, 182, 365]))
        found["rapor bank: refresh"].append(partial(unwrapped(rapor_bank.refresh), first.isoformat(), last.isoformat()))
        found["distribusi: refresh"].append(
            partial(unwrapped(distribusi.refresh), None, None, rng.choice(recent).isoformat())
        )
        found["penjadwal: status strip"].append(partial(unwrapped(penjadwal.refresh_strip), None, None))
        found["penjadwal: jobs table (job_board)"].append(
            partial(fetch_now, job_board, now=datetime.now(config.timezone()), tz=config.timezone())
        )
        found["penjadwal: run history"].append(
            partial(unwrapped(penjadwal.refresh_runs), None, None, rng.choice([None, *BY_ID]))
        )
        cut = penerimaan_inputs(random_filter(rng, conn))
        for name, callback in charts.items():
            found[f"penerimaan: {name}"].append(partial(unwrapped(callback), *cut))
        found["penerimaan: Kanwil / KPP (drill)"].append(
            partial(unwrapped(penerimaan.area), *cut, rng.choice([None, None, *kanwils]))
        )
    return found


def fetch_now(query: Callable[..., Any], **kwargs: Any) -> Any:
    """`dashboard.components.data.fetch`, imported late (after the database URL is set)."""
    from dashboard.components.data import fetch

    return fetch(query, **kwargs)


def measure(runs: int, rng: random.Random) -> dict[str, list[float]]:
    """Milliseconds of every call of every callback, the first round only warming the caches and pool."""
    from dashboard.app import create_app
    from queries.db import engine

    app = create_app()  # registers the pages and their callbacks
    with engine().connect() as conn:
        planned = calls(conn, rng, runs)
    times: dict[str, list[float]] = {}
    with app.server.test_request_context("/"):
        for name, made in planned.items():
            made[0]()  # warm: a running server has its pool and cache
            times[name] = []
            for call in made:
                started = time.perf_counter()
                call()
                times[name].append((time.perf_counter() - started) * 1000)
    return times


def percentile(times: list[float], share: float) -> float:
    """The nearest-rank percentile of `times`."""
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def report(times: dict[str, list[float]]) -> None:
    """p50 and p95 per callback and overall, and whether each is within the goal."""
    print(f"{'callback':<36} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}  goal {GOAL_MS:.0f} ms")
    for name, found in times.items():
        p95 = percentile(found, 0.95)
        print(
            f"{name:<36} {statistics.median(found):8.1f} {p95:8.1f} {max(found):8.1f}  "
            f"{'ok' if p95 <= GOAL_MS else 'OVER'}"
        )
    every = [t for found in times.values() for t in found]
    over = [name for name, found in times.items() if percentile(found, 0.95) > GOAL_MS]
    print(
        f"{'overall':<36} {statistics.median(every):8.1f} {percentile(every, 0.95):8.1f} {max(every):8.1f}  "
        f"{'ok' if not over else 'OVER: ' + ', '.join(over)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--rows",
        type=int,
        default=6_000,
        help="revenue draws of (bank, KPP, KAP) per weekday (the demo: 6,000 payments a day)",
    )
    parser.add_argument("--runs", type=int, default=30, help="calls per callback")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="leave the scratch database for --reuse")
    parser.add_argument("--reuse", action="store_true", help="reuse a kept scratch database")
    args = parser.parse_args()
    url = resolve_url()
    engine = prepare(url, args.rows, args.reuse)
    engine.dispose()
    os.environ["MPN_DATABASE_URL"] = make_url(url).set(database=DB).render_as_string(hide_password=False)
    try:
        report(measure(args.runs, random.Random(args.seed)))
    finally:
        if not args.keep:
            drop_database(url, DB)


if __name__ == "__main__":
    main()
