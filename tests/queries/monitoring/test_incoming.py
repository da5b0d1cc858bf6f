"""`queries.monitoring.arrivals` on a real PostgreSQL: what the "Data masuk" page shows for a business date."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Connection, Engine, text

from queries.monitoring.arrivals import (
    IncomingRow,
    import_file_detail,
    import_files,
    incoming_summary,
)
from queries.monitoring.health import database_ok

WIB = ZoneInfo("Asia/Jakarta")
DAY = date(2026, 11, 20)


def wib(day: date, hh: int, mm: int) -> datetime:
    return datetime(day.year, day.month, day.day, hh, mm, tzinfo=WIB)


def add_partitions(conn: Connection, day: date) -> None:
    for table in ("mpn_record", "bank_batch_row"):
        name = f"{table}_p{day:%Y%m%d}"
        conn.execute(text(f"CREATE TABLE {name} PARTITION OF {table} FOR VALUES FROM ('{day}') TO ('{day}'::date + 1)"))


def add_file(
    conn: Connection,
    file_name: str,
    *,
    kind: str = "mpn",
    status: str = "imported",
    received_at: datetime,
    first: date | None = None,
    last: date | None = None,
    row_count: int = 0,
    total_amount: int = 0,
    report: str | None = None,
    kept_path: str | None = None,
) -> int:
    return conn.execute(
        text("""
        INSERT INTO import_file (kind, file_name, sha256, size_bytes, received_at, started_at,
                                 status, row_count, total_amount, first_date, last_date, error_count,
                                 report, kept_path)
        VALUES (:kind, :file_name, md5(:file_name), 2048, :received_at, :received_at, :status,
                :row_count, :total_amount, :first, :last, :errors, :report, :kept_path)
        RETURNING import_id
    """),
        {
            "kind": kind,
            "file_name": file_name,
            "received_at": received_at,
            "status": status,
            "row_count": row_count,
            "total_amount": total_amount,
            "first": first,
            "last": last,
            "errors": len(report.splitlines()) if report else 0,
            "report": report,
            "kept_path": kept_path,
        },
    ).scalar_one()


def add_mpn(
    conn: Connection, import_id: int, bank: str, amounts: list[int], *, day: date = DAY, record_type: str = "payment"
) -> None:
    rows = [
        {
            "day": day,
            "import_id": import_id,
            "line": i + 2,
            "record_type": record_type,
            "ntpn": f"{bank}{record_type[0]}{day:%m%d}{i:07d}".upper()[:16].ljust(16, "0"),
            "bank": bank,
            "paid_at": wib(day, 10, i % 60),
            "amount": amount,
        }
        for i, amount in enumerate(amounts)
    ]
    conn.execute(
        text("""
        INSERT INTO mpn_record (business_date, import_id, line, record_type, ntpn, billing_code, bank_code,
                                ntb, paid_at, utc_offset, npwp, taxpayer_name, kap, kjs, tax_period,
                                kpp_code, amount)
        VALUES (:day, :import_id, :line, :record_type, :ntpn, '012345678901234', :bank, 'NTB1', :paid_at,
                7, '012345678901000', 'PT Contoh', '411211', '100', '102026', '001', :amount)
    """),
        rows,
    )


def add_batch(
    conn: Connection,
    bank: str,
    *,
    count: int,
    amount: int,
    received_at: datetime,
    superseded_by: int | None = None,
    day: date = DAY,
) -> int:
    import_id = add_file(
        conn,
        f"batch-{bank}-{received_at:%H%M}.csv",
        kind="bank",
        received_at=received_at,
        first=day,
        last=day,
        row_count=count,
        total_amount=amount,
    )
    return conn.execute(
        text("""
        INSERT INTO bank_batch (import_id, bank_code, business_date, received_at, row_count, total_amount,
                                superseded_by, superseded_at)
        VALUES (:import_id, :bank, :day, :received_at, :count, :amount, :superseded_by,
                CASE WHEN :superseded_by IS NOT NULL THEN now() END)
        RETURNING batch_id
    """),
        {
            "import_id": import_id,
            "bank": bank,
            "day": day,
            "received_at": received_at,
            "count": count,
            "amount": amount,
            "superseded_by": superseded_by,
        },
    ).scalar_one()


def add_letter(
    conn: Connection, bank: str, number: str, *, count: int, amount: int, superseded_by: int | None = None
) -> int:
    return conn.execute(
        text("""
        INSERT INTO statement_letter (bank_code, business_date, letter_number, letter_date, received_at,
                                      declared_count, declared_amount, signer, superseded_by, superseded_at)
        VALUES (:bank, :day, :number, :day, :received_at, :count, :amount, 'Kepala Divisi', :superseded_by,
                CASE WHEN :superseded_by IS NOT NULL THEN now() END)
        RETURNING letter_id
    """),
        {
            "bank": bank,
            "day": DAY,
            "number": number,
            "received_at": wib(DAY, 16, 30),
            "count": count,
            "amount": amount,
            "superseded_by": superseded_by,
        },
    ).scalar_one()


@pytest.fixture
def conn(engine: Engine):
    with engine.begin() as connection:
        add_partitions(connection, DAY)
        yield connection


def by_code(conn: Connection, day: date = DAY) -> dict[str, IncomingRow]:
    return {row.bank_code: row for row in incoming_summary(conn, business_date=day)}


def test_summary_lists_every_agent_banks_first_even_without_data(conn: Connection) -> None:
    rows = incoming_summary(conn, business_date=DAY)

    banks = conn.execute(text("SELECT count(*) FROM bank")).scalar_one()
    assert len(rows) == banks
    kinds = [row.kind for row in rows]
    assert kinds == sorted(kinds, key=["bank", "pos", "other"].index)
    assert [r.bank_code for r in rows if r.kind == "other"] == ["L01", "L02", "L03"]
    assert all(not r.has_data and r.mpn_amount == 0 and r.batch_count is None for r in rows)


def test_summary_counts_payments_of_the_day_and_reversals_apart(conn: Connection) -> None:
    add_partitions(conn, date(2026, 11, 21))
    mpn = add_file(conn, "mpn-20261120.csv", received_at=wib(DAY, 15, 30), first=DAY, last=date(2026, 11, 21))
    add_mpn(conn, mpn, "002", [1_000_000, 2_500_000, 234_567])
    add_mpn(conn, mpn, "002", [1_000_000], record_type="reversal")
    add_mpn(conn, mpn, "008", [9_999_999], day=date(2026, 11, 21))

    rows = by_code(conn)

    assert (rows["002"].mpn_count, rows["002"].mpn_amount, rows["002"].reversal_count) == (3, 3_734_567, 1)
    assert rows["008"].mpn_count == 0 and not rows["008"].has_data


def test_superseded_batch_is_not_counted_but_shows_as_a_version(conn: Connection) -> None:
    mpn = add_file(conn, "mpn.csv", received_at=wib(DAY, 15, 30), first=DAY, last=DAY)
    add_mpn(conn, mpn, "002", [1_000_000, 2_734_567])
    add_mpn(conn, mpn, "008", [500_000])
    current = add_batch(conn, "002", count=2, amount=3_734_567, received_at=wib(DAY, 17, 5))
    add_batch(conn, "002", count=1, amount=1_000_000, received_at=wib(DAY, 15, 55), superseded_by=current)

    rows = by_code(conn)

    bri = rows["002"]
    assert (bri.batch_count, bri.batch_amount, bri.batch_versions) == (2, 3_734_567, 2)
    assert bri.batch_received_at == wib(DAY, 17, 5)
    assert not bri.missing_batch
    assert rows["008"].missing_batch and rows["008"].batch_count is None


def test_statement_letter_shows_the_current_letter_only(conn: Connection) -> None:
    current = add_letter(conn, "002", "SP-002/XI/2026", count=2, amount=3_734_567)
    add_letter(conn, "002", "SP-001/XI/2026", count=1, amount=1_000_000, superseded_by=current)

    rows = by_code(conn)

    assert rows["002"].has_letter and rows["002"].letter_number == "SP-002/XI/2026"
    assert (rows["002"].declared_count, rows["002"].declared_amount) == (2, 3_734_567)
    assert rows["002"].letter_received_at == wib(DAY, 16, 30)
    assert not rows["008"].has_letter and rows["008"].letter_number is None


def test_import_files_lists_files_covering_the_date_and_files_rejected_that_day(conn: Connection) -> None:
    add_file(
        conn,
        "mpn-19-20.csv",
        received_at=wib(DAY, 8, 0),
        first=date(2026, 11, 19),
        last=DAY,
        row_count=120,
        total_amount=45_000_000,
    )
    add_file(conn, "mpn-21.csv", received_at=wib(DAY, 23, 0), first=date(2026, 11, 21), last=date(2026, 11, 21))
    report = "bad.csv:7: amount: must be whole rupiah > 0\nbad.csv:9: kap: unknown KAP 999999"
    add_file(
        conn,
        "bad.csv",
        kind="bank",
        status="rejected",
        received_at=wib(DAY, 23, 30),
        report=report,
        kept_path="/data/rejected/1-bad.csv",
    )
    add_file(
        conn,
        "after-midnight.csv",
        status="rejected",
        received_at=wib(date(2026, 11, 21), 0, 30),
        report="after-midnight.csv:2: ntpn: must be 16 characters",
    )

    files = import_files(conn, business_date=DAY)

    assert [f.file_name for f in files] == ["bad.csv", "mpn-19-20.csv"]
    bad = files[0]
    assert bad.rejected and bad.report == report and bad.error_count == 2
    assert bad.kept_path == "/data/rejected/1-bad.csv"
    assert (files[1].row_count, files[1].total_amount) == (120, 45_000_000)


def test_import_file_detail_returns_the_report_or_none(conn: Connection) -> None:
    file_id = add_file(
        conn,
        "bad.csv",
        status="rejected",
        received_at=wib(DAY, 9, 0),
        report="bad.csv:3: npwp: must be 15 or 16 digits",
        kept_path="/kept/bad.csv",
    )

    detail = import_file_detail(conn, import_id=file_id)

    assert detail is not None and detail.report == "bad.csv:3: npwp: must be 15 or 16 digits"
    assert import_file_detail(conn, import_id=file_id + 1000) is None


def test_database_ok_answers_true_on_a_live_database(conn: Connection) -> None:
    assert database_ok(conn) is True
