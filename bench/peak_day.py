"""A peak day end to end (issue 20): both files into the inbox until every bank's result is computed and sent, beside a
bare COPY of the same files and a bare join in the same run.

    python bench/peak_day.py [--rows 3000000] [--seed 1] [--day 2026-11-16] [--keep] [--db NAME]

Runs on the configured server (`MPN_DATABASE_URL`) in a scratch database (`--db`, default `mpn_bench_peak`) it creates
(and drops unless `--keep`). The MPN file is `jobs.demo.peak.write_peak_day`'s and one batch per agent is derived from
it with ~0.9 % planted differences (`bench/reconcile.py`'s `write_batches`); every bank has a head-office address. The
files are linked into a scratch inbox, and the scheduler's jobs run as the scheduler runs them, in this process, with
the real clock: `inbox` (pickup and import), `reconcile_arrivals` (the whole date, then each bank's Berita Acara PDF
and CSV of differences queued and sent) and `mail` (anything left) to a local aiosmtpd server (the real protocol).
Then, in the same database and run, the floor: a bare COPY of the same files into two plain tables (typed as the
product's, no checks) and one FULL JOIN classifying every NTPN over them. Prints each phase, the end-to-end seconds,
the floor and the ratio, the load. Goal: end to end <= 30 s on this machine. Run `bench/load.py` beside it to see the
dashboard while a peak day imports and reconciles.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import Engine, make_url, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.reconcile import COMPARED, write_batches  # noqa: E402
from bench.scratch import drop_database, scratch_database  # noqa: E402
from jobs.demo.data import Master, write_peak_day  # noqa: E402
from jobs.mail.sink import SinkHandler, serve  # noqa: E402
from queries.accounts.audit import Actor  # noqa: E402
from queries.calendar import WorkingCalendar  # noqa: E402
from queries.db import make_engine, resolve_url  # noqa: E402

DB = "mpn_bench_peak"
ACTOR = Actor.system("scheduler")
GOAL_S = 30.0


def load() -> str:
    """The 1/5/15-minute load averages (the machine is shared)."""
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def generate(out: Path, args: argparse.Namespace) -> tuple[Path, list[Path]]:
    """The day's MPN file and its batches in `out`."""
    started = time.perf_counter()
    mpn_path = out / f"mpn_peak_{args.rows}.csv"
    write_peak_day(mpn_path, args.rows, args.seed, Master.from_csv(), args.day, WorkingCalendar())
    batches, planted = write_batches(mpn_path, out, args.day, args.seed)
    print(
        f"generated {args.rows:,} payments and {len(batches)} batches in {time.perf_counter() - started:.1f} s;"
        f" planted {planted}"
    )
    return mpn_path, batches


def drop(inbox: Path, mpn_path: Path, batches: list[Path]) -> None:
    """Link the files into the inbox (the originals stay for the bare COPY), settled as the pickup wants them."""
    landed = time.time() - 10  # the pickup takes a file whose mtime is 5 s old
    for kind, paths in (("mpn", [mpn_path]), ("bank", batches)):
        (inbox / kind).mkdir(parents=True, exist_ok=True)
        for path in paths:
            target = inbox / kind / path.name
            os.link(path, target)
            os.utime(target, (landed, landed))


def run_jobs(engine: Engine, handler: SinkHandler, banks: int) -> float:
    """The scheduler's jobs in order, timed, until every bank's message was accepted; the seconds in all."""
    from jobs.scheduling.definitions import BY_ID

    begun = time.perf_counter()
    for job in ("inbox", "reconcile_arrivals", "mail"):
        started = time.perf_counter()
        outcome = BY_ID[job].work(engine, datetime.now(UTC), actor=ACTOR)
        print(f"  {job:<19}: {time.perf_counter() - started:6.1f} s  {outcome.message[:140]} (load {load()})")
        if len(handler.messages) >= banks:
            break
    return time.perf_counter() - begun


def _columns(path: Path) -> list[str]:
    with path.open(encoding="utf-8") as f:
        return [c.strip('"') for c in f.readline().strip().lstrip("\ufeff").split(",")]


def bare_copy(engine: Engine, mpn_path: Path, batches: list[Path]) -> float:
    """Seconds to COPY both files into two plain tables (amount bigint, the rest text: no checks, no indexes)."""
    started = time.perf_counter()
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        for table, paths in (("bare_mpn", [mpn_path]), ("bare_bank", batches)):
            cols = _columns(paths[0])
            typed = ", ".join(f'"{c}" ' + ("bigint" if c == "amount" else 'text COLLATE "C"') for c in cols)
            cur.execute(f"DROP TABLE IF EXISTS {table}; CREATE TABLE {table} ({typed})")
            for path in paths:
                with path.open("rb") as f:
                    cur.copy_expert(f"COPY {table} FROM STDIN WITH (FORMAT csv, HEADER true)", f)
        raw.commit()
    finally:
        raw.close()
    return time.perf_counter() - started


def bare_join(engine: Engine) -> float:
    """Seconds of one FULL JOIN classifying every NTPN of the two bare tables (as `bench/reconcile.py`'s)."""
    differs = " OR ".join(f"m.{c} <> b.{c}" for c in COMPARED)
    sql = (
        f"SELECT CASE WHEN m.ntpn IS NULL THEN 'missing_in_mpn' WHEN b.ntpn IS NULL THEN 'missing_in_bank'"
        f" WHEN m.amount <> b.amount THEN 'amount_mismatch' WHEN {differs} THEN 'attribute_mismatch'"
        f" ELSE 'matched' END, count(*), sum(coalesce(m.amount, b.amount))"
        f" FROM (SELECT * FROM bare_mpn WHERE record_type = 'payment') m FULL JOIN bare_bank b ON b.ntpn = m.ntpn"
        f" GROUP BY 1"
    )
    with engine.connect() as conn:
        conn.execute(text("SET work_mem = '256MB'"))
        conn.execute(text("SET jit = off"))
        conn.execute(text("ANALYZE bare_mpn"))
        conn.execute(text("ANALYZE bare_bank"))
        started = time.perf_counter()
        conn.execute(text(sql)).all()
        return time.perf_counter() - started


def main() -> None:
    """Generate, drop into the inbox, run the jobs, then the bare floor; report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=3_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--day", type=date.fromisoformat, default=date(2026, 11, 16))
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument("--db", default=DB, help=f"the scratch database's name (default {DB})")
    args = parser.parse_args()
    server = resolve_url()
    url = make_url(server).set(database=args.db).render_as_string(hide_password=False)
    out = ROOT / "bench" / "out" / "peak_day"
    inbox = out / "inbox"
    out.mkdir(parents=True, exist_ok=True)
    os.environ.update({"MPN_DATABASE_URL": url, "MPN_DATA_DIR": str(out / "data"), "MPN_INBOX": str(inbox)})
    scratch_database(server, args.db, reuse=False)[0].dispose()  # created and migrated
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE bank SET email = 'rekon@bank-' || lower(bank_code) || '.mpn-bench.localhost'"))
    mpn_path, batches = generate(out, args)
    try:
        drop(inbox, mpn_path, batches)
        handler = SinkHandler()
        with serve(handler) as smtp_url:
            os.environ["MPN_SMTP_URL"] = smtp_url
            print(f"{args.rows:,} rows and {len(batches)} batches in the inbox (load {load()}); the scheduler's jobs:")
            total = run_jobs(engine, handler, len(batches))
        copy = bare_copy(engine, mpn_path, batches)
        join = bare_join(engine)
        print(
            f"end to end (inbox -> every bank's result computed and accepted by the mail server, "
            f"{len(handler.messages)} of {len(batches)}): {total:.1f} s"
            f" ({'within' if total <= GOAL_S else 'OVER'} the {GOAL_S:.0f} s goal)"
        )
        print(
            f"bare COPY of both files {copy:.1f} s + bare join {join:.1f} s = {copy + join:.1f} s;"
            f" end to end is {total / (copy + join):.2f}x the floor"
        )
        print(f"load {load()} (1/5/15 min) on {os.cpu_count()} cores")
    finally:
        engine.dispose()
        for path in [mpn_path, *batches]:
            path.unlink(missing_ok=True)
        if not args.keep:
            shutil.rmtree(out, ignore_errors=True)  # the inbox's archive of the imported files, hundreds of MB
            drop_database(server, args.db)


if __name__ == "__main__":
    main()
