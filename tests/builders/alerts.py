"""Seeding the alert tests: MPN day totals, bank batches, results, statement letters, rejected files, schedulers.

Written straight into the tables the Kelengkapan model reads (the imports themselves are tested elsewhere), with
explicit times so `evaluate(now=...)` can step through a day.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, text

WIB = ZoneInfo("Asia/Jakarta")
WITA = ZoneInfo("Asia/Makassar")
DAY = date(2026, 11, 20)  # a Friday


def at(day: date, hh: int, mm: int, tz: ZoneInfo = WIB) -> datetime:
    """A moment on `day` in `tz` (WIB by default)."""
    return datetime(day.year, day.month, day.day, hh, mm, tzinfo=tz)


def payments(conn: Connection, day: date, banks: list[str], count: int = 3) -> None:
    """MPN payments of `day` for each bank (the day totals Kelengkapan reads) and the MPN file they came in."""
    conn.execute(
        text("""INSERT INTO mpn_bank_day (business_date, bank_code, payment_count, payment_amount)
                         SELECT :d, b, :n, :n * 1000000 FROM unnest(CAST(:banks AS text[])) b"""),
        {"d": day, "banks": banks, "n": count},
    )
    conn.execute(
        text("""
        INSERT INTO import_file (kind, file_name, sha256, size_bytes, received_at, started_at, status, row_count,
                                 first_date, last_date)
        VALUES ('mpn', :name, md5(:name), 1, :at, :at, 'imported', 1, :d, :d)"""),
        {"name": f"mpn-{day}-{banks[0]}", "at": at(day, 15, 10), "d": day},
    )


def batch(conn: Connection, bank: str, day: date, received_at: datetime, rows: int = 3) -> int:
    """The bank's current batch of `day`, received at `received_at`; its id."""
    import_id = conn.execute(
        text("""
        INSERT INTO import_file (kind, file_name, sha256, size_bytes, received_at, started_at, status, row_count,
                                 first_date, last_date, bank_code)
        VALUES ('bank', :name, md5(:name), 1, :at, :at, 'imported', :rows, :d, :d, :bank) RETURNING import_id"""),
        {"name": f"bank-{bank}-{day}-{received_at:%H%M%S}", "at": received_at, "rows": rows, "d": day, "bank": bank},
    ).scalar_one()
    return conn.execute(
        text("""
        INSERT INTO bank_batch (import_id, bank_code, business_date, received_at, row_count, total_amount)
        VALUES (:i, :bank, :d, :at, :rows, :rows * 1000000) RETURNING batch_id"""),
        {"i": import_id, "bank": bank, "d": day, "at": received_at, "rows": rows},
    ).scalar_one()


def result(conn: Connection, bank: str, day: date, batch_id: int, received_at: datetime, result_at: datetime) -> None:
    """The reconciliation result that first included the batch, computed at `result_at` and accepted by the mail
    server for the bank at that moment."""
    run = conn.execute(
        text("""INSERT INTO recon_run (business_date, actor, started_at, finished_at, status)
                               VALUES (:d, 'test', :r, :r, 'finished') RETURNING run_id"""),
        {"d": day, "r": result_at},
    ).scalar_one()
    conn.execute(
        text("""
        INSERT INTO recon_result (business_date, bank_code, mpn_count, mpn_amount, bank_count, bank_amount,
                                  matched_count, matched_amount, batch_id, batch_received_at, result_at,
                                  result_minutes, last_run_id)
        VALUES (:d, :bank, 3, 3000000, 3, 3000000, 3, 3000000, :b, :recv, :r,
                EXTRACT(EPOCH FROM (CAST(:r AS timestamptz) - CAST(:recv AS timestamptz))) / 60, :run)"""),
        {"d": day, "bank": bank, "b": batch_id, "recv": received_at, "r": result_at, "run": run},
    )
    from tests.builders.results import delivered

    delivered(conn, bank, day, result_at)  # R5 is the delivery to the bank (issue 18): sent as soon as computed


def statement(conn: Connection, bank: str, day: date, received_at: datetime, rows: int = 3) -> None:
    """The bank's statement letter for `day`, agreeing with a batch of `rows` rows."""
    conn.execute(
        text("""
        INSERT INTO statement_letter (bank_code, business_date, letter_number, letter_date, received_at,
                                      declared_count, declared_amount, signer)
        VALUES (:bank, :d, :no, :d, :at, :rows, :rows * 1000000, 'Kepala Divisi')"""),
        {"bank": bank, "d": day, "no": f"SP-{bank}-{day}", "at": received_at, "rows": rows},
    )


def rejected_file(conn: Connection, kind: str, name: str, received_at: datetime, day: date) -> int:
    """A rejected input file (its date recorded, as the import knew it); its id."""
    return conn.execute(
        text("""
        INSERT INTO import_file (kind, file_name, sha256, size_bytes, received_at, started_at, status, first_date,
                                 last_date, error_count, report)
        VALUES (:kind, :name, md5(:name), 1, :at, :at, 'rejected', :d, :d, 1, :name || ':2:5: amount: bukan angka')
        RETURNING import_id"""),
        {"kind": kind, "name": name, "at": received_at, "d": day},
    ).scalar_one()


def scheduler(conn: Connection, instance: str, started_at: datetime, heartbeat_at: datetime) -> None:
    """A scheduler instance that started and last beat at the times given."""
    conn.execute(
        text("""INSERT INTO scheduler_instance (instance_id, host, pid, started_at, heartbeat_at, is_leader)
                         VALUES (:i, 'test', 1, :s, :h, true)"""),
        {"i": instance, "s": started_at, "h": heartbeat_at},
    )
