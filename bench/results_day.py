"""Results-to-banks benchmark (issue 18): a peak day from both files landing in the inbox to every bank's message
accepted by the mail server (PER-78 Ps.11(2) allows 60 minutes; the goal is under 5).

    python bench/results_day.py [--rows 3000000] [--seed 1] [--day 2026-11-16] [--keep]

Runs on the configured server (`MPN_DATABASE_URL`, else the embedded one) in a scratch database `mpn_bench_results`
it creates (and drops unless `--keep`). The MPN file is `jobs.demo.peak.write_peak_day`'s; one batch per agent is
derived from it with ~0.9 % planted differences (`bench/reconcile.py`'s `write_batches`); every bank gets a
head-office address. The files are written to a scratch inbox, then the scheduler's jobs run as the scheduler runs
them, in this process, with the real clock: `inbox` (pickup and import), `reconcile_arrivals` (the whole date, then
each bank's Berita Acara PDF and CSV of differences queued and sent at once) and `mail` (anything left), to a local
aiosmtpd server (`jobs.mail.sink`, the real protocol). Prints each phase's seconds, the messages accepted, the
worst and median minutes from a batch's arrival to its message's acceptance (`mpn results list`), and the load.
The scheduler's own polling (inbox every minute, arrivals every 2 minutes) can add up to 3 minutes in production.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import make_url, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.reconcile import write_batches  # noqa: E402
from bench.scratch import drop_database, scratch_database  # noqa: E402
from jobs.demo.data import Master, write_peak_day  # noqa: E402
from jobs.mail.sink import SinkHandler, serve  # noqa: E402
from queries.accounts.audit import Actor  # noqa: E402
from queries.calendar import WorkingCalendar  # noqa: E402
from queries.db import make_engine, resolve_url  # noqa: E402

DB = "mpn_bench_results"
ACTOR = Actor.system("scheduler")


def drop_files(inbox: Path, out: Path, args: argparse.Namespace) -> tuple[int, int]:
    """Generate the day's MPN file and batches in `out`, then move them into the inbox; (rows, batches)."""
    started = time.perf_counter()
    mpn_path = out / f"mpn_peak_{args.rows}.csv"
    write_peak_day(mpn_path, args.rows, args.seed, Master.from_csv(), args.day, WorkingCalendar())
    batches, planted = write_batches(mpn_path, out, args.day, args.seed)
    print(
        f"generated {args.rows:,} payments and {len(batches)} batches in {time.perf_counter() - started:.1f} s;"
        f" planted {planted}"
    )
    for kind, paths in (("mpn", [mpn_path]), ("bank", batches)):
        (inbox / kind).mkdir(parents=True, exist_ok=True)
        for path in paths:
            path.rename(inbox / kind / path.name)
    landed = time.time() - 10  # settled: the pickup takes a file whose mtime is 5 s old
    for path in inbox.rglob("*.csv"):
        os.utime(path, (landed, landed))
    return args.rows, len(batches)


def run_jobs(engine: object, handler: SinkHandler, banks: int) -> list[tuple[str, float]]:
    """The scheduler's jobs in order, timed, until every bank's message was accepted."""
    from jobs.scheduling.definitions import BY_ID

    phases = []
    for job in ("inbox", "reconcile_arrivals", "mail"):
        started = time.perf_counter()
        outcome = BY_ID[job].work(engine, datetime.now(UTC), actor=ACTOR)
        phases.append((job, time.perf_counter() - started))
        print(f"  {job:<19}: {phases[-1][1]:7.1f} s  {outcome.message[:150]}")
        if len(handler.messages) >= banks:
            break
    return phases


def main() -> None:
    """Generate, drop, run the jobs, report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=3_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--day", type=date.fromisoformat, default=date(2026, 11, 16))
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()
    server = resolve_url()
    url = make_url(server).set(database=DB).render_as_string(hide_password=False)
    out = ROOT / "bench" / "out" / "results_day"
    inbox = out / "inbox"
    out.mkdir(parents=True, exist_ok=True)
    os.environ.update({"MPN_DATABASE_URL": url, "MPN_DATA_DIR": str(out / "data"), "MPN_INBOX": str(inbox)})
    scratch_database(server, DB, reuse=False)[0].dispose()  # created and migrated
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE bank SET email = 'rekon@bank-' || lower(bank_code) || '.mpn-bench.localhost'"))
    try:
        rows, banks = drop_files(inbox, out, args)
        handler = SinkHandler()
        with serve(handler) as smtp_url:
            os.environ["MPN_SMTP_URL"] = smtp_url
            print(f"{rows:,} rows and {banks} batches in the inbox; running the scheduler's jobs:")
            started = time.perf_counter()
            run_jobs(engine, handler, banks)
            total = time.perf_counter() - started
        report(engine, args.day, len(handler.messages), banks, total)
    finally:
        engine.dispose()
        if not args.keep:
            drop_database(server, DB)


def report(engine: object, day: date, accepted: int, banks: int, total: float) -> None:
    """The figures: messages accepted, inbox-to-acceptance time, R5 minutes per bank, the machine's load."""
    from queries.reconciliation.bank_results import result_rows

    with engine.connect() as conn:
        listed = result_rows(conn, day)
    minutes = sorted(r["minutes_to_send"] for r in listed if r["minutes_to_send"] is not None)
    print(f"messages accepted by the mail server: {accepted} of {banks} banks")
    print(f"inbox -> every bank's message accepted: {total:.1f} s ({total / 60:.2f} min; goal < 5 min)")
    if minutes:
        print(
            f"minutes from batch arrival to acceptance: median {statistics.median(minutes):.1f}, "
            f"worst {minutes[-1]:.1f} (PER-78 Ps.11(2): 60)"
        )
    print("load average (1, 5, 15 min):", " ".join(f"{x:.2f}" for x in os.getloadavg()), f"on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
