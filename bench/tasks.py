"""Tugas saya benchmark: p50/p95 of the page's list (`queries.tasks.waiting.task_list`) and the badge (`task_count`) per
role on a year of data.

    python bench/tasks.py [--days 250] [--requests 40] [--keep] [--reuse]

Fills a scratch database `mpn_bench_tasks` on the configured server with a year of working days: per day one
approved distribution round and 40 decided exception resolutions (10,000 closed requests with their decisions),
800 exceptions (200,000, 2% assigned to the pelaksana), 100 imported files and one rejected file sent again;
besides, what waits: 20 rounds and 200 resolutions pending, 30 letters to initial, sign or send, 20 rejected files
not handled. Each request is what the page does (`task_list`: the 200 most urgent of each kind with LIMIT, the
totals by COUNT) and what the badge does (`task_count`). Goal: p95 <= 300 ms for each.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from sqlalchemy import Connection, Engine, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.scratch import drop_database, scratch_database  # noqa: E402
from queries.accounts.audit import Actor  # noqa: E402
from queries.accounts.users import User, add_user, user_by_name  # noqa: E402
from queries.db import resolve_url  # noqa: E402
from queries.tasks.waiting import task_count, task_list  # noqa: E402

DB = "mpn_bench_tasks"
PEOPLE = {"ani": "pelaksana", "putu": "petugas_mpn", "budi": "kasi", "dedi": "kasubdit", "tina": "tu"}

FILL = """
CREATE TEMP TABLE days AS
SELECT d::date AS day, row_number() OVER (ORDER BY d) AS n
  FROM generate_series(DATE '2025-12-01', DATE '2027-06-30', interval '1 day') d
 WHERE extract(isodow FROM d) < 6 ORDER BY d LIMIT :days;
INSERT INTO recon_run (business_date, actor, status, finished_at) SELECT day, 'bench', 'finished', now() FROM days;
INSERT INTO distribution (business_date, round, status, prepared_by, row_count, amount, content_hash)
SELECT day, 1, CASE WHEN n > :days - 20 THEN 'prepared' ELSE 'approved' END, 'bench', 5000, 5000 * 250000,
       md5(day::text) FROM days;
INSERT INTO recon_exception (business_date, level, bank_code, ntpn, category, mpn_amount, status, first_seen_run,
                             last_seen_run, assignee, resolved_at)
SELECT d.day, 'transaction', b.codes[1 + i % cardinality(b.codes)], 'NTPN' || lpad((d.n * 1000 + i)::text, 12, '0'),
       'missing_in_bank', 1000 * i, CASE WHEN i % 3 = 0 THEN 'resolved' ELSE 'open' END, r.run_id, r.run_id,
       CASE WHEN i % 50 = 0 THEN 'ani' END, CASE WHEN i % 3 = 0 THEN now() END
  FROM days d JOIN recon_run r ON r.business_date = d.day, generate_series(1, 800) i,
       (SELECT array_agg(bank_code ORDER BY bank_code) AS codes FROM bank) b;
INSERT INTO approval_request (kind, object_key, steps, made_by, maker_role, content_hash, summary)
SELECT 'distribution', distribution_id::text, ARRAY['kasi', 'kasubdit'], :ani, 'pelaksana', content_hash,
       jsonb_build_object('business_date', business_date) FROM distribution;
INSERT INTO approval_request (kind, object_key, steps, made_by, maker_role, content_hash)
SELECT 'exception_resolution', exception_id::text, ARRAY['kasi'], :ani, 'pelaksana', md5(exception_id::text)
  FROM recon_exception WHERE status = 'resolved' AND exception_id % 10 = 0 LIMIT :days * 40 + 200;
INSERT INTO approval_decision (request_id, step, made_by, decided_by, decided_role, decision)
SELECT r.request_id, 1, r.made_by, :budi, 'kasi', 'approved' FROM approval_request r
  LEFT JOIN distribution d ON r.kind = 'distribution' AND d.distribution_id = r.object_key::bigint
 WHERE r.kind = 'exception_resolution' AND r.request_id % 50 <> 0 OR d.status = 'approved';
INSERT INTO approval_decision (request_id, step, made_by, decided_by, decided_role, decision)
SELECT r.request_id, 2, r.made_by, :dedi, 'kasubdit', 'approved' FROM approval_request r
  JOIN distribution d ON r.kind = 'distribution' AND d.distribution_id = r.object_key::bigint
 WHERE d.status = 'approved';
UPDATE approval_request r SET status = 'approved', closed_at = now()
 WHERE r.kind = 'exception_resolution' AND r.request_id % 50 <> 0
    OR r.kind = 'distribution' AND EXISTS (SELECT 1 FROM distribution d WHERE d.distribution_id = r.object_key::bigint
                                               AND d.status = 'approved');
INSERT INTO import_file (kind, file_name, sha256, size_bytes, received_at, started_at, status, error_count)
SELECT CASE WHEN i = 1 THEN 'mpn' ELSE 'bank' END, 'f-' || d.n || '-' || i || '.csv', md5(d.n || '-' || i), 1000,
       d.day + time '15:00', d.day + time '15:00', CASE WHEN i = 100 THEN 'rejected' ELSE 'imported' END,
       CASE WHEN i = 100 THEN 3 ELSE 0 END
  FROM days d, generate_series(1, 100) i;
INSERT INTO import_file (kind, file_name, sha256, size_bytes, received_at, started_at, status)
SELECT 'bank', 'f-' || d.n || '-100.csv', md5(d.n || '-100-again'), 1000, d.day + time '16:00',
       d.day + time '16:00', 'imported' FROM days d WHERE d.n <= :days - 20;
"""

LETTERS = """
INSERT INTO appeal_letter (bank_code, business_dates, addressee, status, drafted_by, letter_number, letter_date,
                           agenda_number, sent_on, answered_at)
SELECT b.bank_code, ARRAY[DATE '2026-01-05' + (i % 200)], 'Pemimpin', 'answered', 'sistem',
       'S-' || i || '/PJ.10/2026', DATE '2026-01-06', 'AG-' || i, DATE '2026-01-07', now()
  FROM generate_series(1, 2000) i, LATERAL (SELECT bank_code FROM bank ORDER BY bank_code
                                             OFFSET i % 20 LIMIT 1) b;
"""


def fill(engine: Engine, days: int) -> dict[str, User]:
    with engine.begin() as conn:
        people = {
            name: add_user(
                conn, username=name, role=role, password="bench-sandi-1", actor=Actor.system("bench"), policy=False
            )
            for name, role in PEOPLE.items()
        }
        ids = {k: u.user_id for k, u in people.items()}
        for statement in FILL.split(";\n"):
            if statement.strip():
                conn.execute(
                    text(statement), {"days": days, "ani": ids["ani"], "budi": ids["budi"], "dedi": ids["dedi"]}
                )
        conn.execute(text(LETTERS))
        waiting_letters(conn, people)
        for table in (
            "approval_request",
            "approval_decision",
            "recon_exception",
            "import_file",
            "appeal_letter",
            "distribution",
            "audit_log",
        ):
            conn.execute(text(f"ANALYZE {table}"))
    return people


def waiting_letters(conn: Connection, people: dict[str, User]) -> None:
    """30 letters of 30 banks: 10 drafts to initial, 10 initialled to sign, 10 signed to send."""
    from queries.letters import appeals as al

    codes = conn.execute(text("SELECT bank_code FROM bank ORDER BY bank_code LIMIT 30")).scalars().all()
    system = al.system_user(conn)
    for n, code in enumerate(codes):
        letter_id = conn.execute(
            text("""INSERT INTO appeal_letter (bank_code, business_dates, addressee, status,
                                                                   drafted_by)
                                         VALUES (:b, ARRAY[DATE '2026-11-20'], 'Pemimpin', 'draft', 'sistem')
                                         RETURNING letter_id"""),
            {"b": code},
        ).scalar_one()
        request_id = al._ask(conn, letter_id, code, [date(2026, 11, 20)], "Pemimpin", "", system)
        conn.execute(
            text("UPDATE appeal_letter SET request_id = :r WHERE letter_id = :i"), {"r": request_id, "i": letter_id}
        )
        if n % 3 >= 1:
            al.initial(conn, letter_id, actor=people["budi"])
        if n % 3 == 2:
            al.sign(conn, letter_id, actor=people["dedi"])


def timed(call: Callable[[], object], requests: int) -> list[float]:
    """Milliseconds of `requests` calls, sorted."""
    times = []
    for _ in range(requests):
        begun = time.perf_counter()
        call()
        times.append((time.perf_counter() - begun) * 1000)
    return sorted(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--days", type=int, default=250)
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--keep", action="store_true", help="leave the scratch database for --reuse")
    parser.add_argument("--reuse", action="store_true", help="reuse a kept scratch database")
    args = parser.parse_args()
    url = resolve_url()
    engine, fresh = scratch_database(url, DB, reuse=args.reuse)
    try:
        started = time.perf_counter()
        if fresh:
            fill(engine, args.days)
            print(f"filled {args.days} working days in {time.perf_counter() - started:.1f} s")
        with engine.connect() as conn:
            people = {name: user_by_name(conn, name) for name in PEOPLE}
            for name, user in people.items():
                assert user is not None
                found = task_list(conn, user)  # warm
                for what, call in (("page", task_list), ("badge", task_count)):
                    times = timed(lambda call=call, user=user: call(conn, user), args.requests)
                    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
                    print(
                        f"{name:5} ({user.role:11}) {found.total:5} tasks, {len(found.tasks):4} shown, {what:5}: "
                        f"p50 {statistics.median(times):6.1f} ms, p95 {p95:6.1f} ms "
                        f"({'within' if p95 <= 300 else 'OVER'} the 300 ms goal)"
                    )
    finally:
        engine.dispose()
        if not args.keep:
            drop_database(url, DB)


if __name__ == "__main__":
    main()
