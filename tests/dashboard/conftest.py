"""Browser-test setup: Chromium options for `dash_duo` (root, offline, full logs) and a seeded day.

Run with `--headless --webdriver Chrome`; Debian's `chromium` and `chromium-driver` packages.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from selenium.webdriver.chrome.options import Options
from sqlalchemy import Connection, Engine, text

from queries import db as qdb
from queries.imports.store import refresh_bank_days

WIB = ZoneInfo("Asia/Jakarta")
DAY = date(2026, 11, 20)  # a Friday
LOGGING_PREFS = {"browser": "ALL", "performance": "ALL"}


class _KeepLoggingPrefs(Options):
    """Chrome options whose logging preferences survive dash's own `{"browser": "SEVERE"}`.

    dash's `Browser._get_chrome` sets `goog:loggingPrefs` after taking our options; the network
    (performance) log the offline test reads would be lost.
    """

    def set_capability(self, name: str, value: Any) -> None:
        if name == "goog:loggingPrefs":
            value = LOGGING_PREFS
        super().set_capability(name, value)


def pytest_setup_options() -> Options:
    """Chromium as root in a container, with no background traffic that would muddy the network log."""
    options = _KeepLoggingPrefs()
    for arg in (
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-quic",
        "--window-size=1440,1000",
    ):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", LOGGING_PREFS)
    return options


@dataclass(frozen=True)
class SeededDay:
    """What the seeded day holds, for the assertions."""

    day: date
    rejected_file_id: int
    rejected_file_name: str
    rejected_report: str
    kept_path: str


def _wib(day: date, hh: int, mm: int) -> datetime:
    return datetime(day.year, day.month, day.day, hh, mm, tzinfo=WIB)


def _file(
    conn: Connection,
    name: str,
    kind: str,
    received_at: datetime,
    *,
    status: str = "imported",
    rows: int = 0,
    amount: int = 0,
    report: str | None = None,
    kept_path: str | None = None,
) -> int:
    dated = status == "imported"
    return conn.execute(
        text("""
        INSERT INTO import_file (kind, file_name, sha256, size_bytes, received_at, started_at, status,
                                 row_count, total_amount, first_date, last_date, error_count, report,
                                 kept_path)
        VALUES (:kind, :name, md5(:name), 18432, :at, :at, :status, :rows, :amount, :first, :first,
                :errors, :report, :kept_path)
        RETURNING import_id
    """),
        {
            "kind": kind,
            "name": name,
            "at": received_at,
            "status": status,
            "rows": rows,
            "amount": amount,
            "first": DAY if dated else None,
            "errors": len((report or "").splitlines()),
            "report": report,
            "kept_path": kept_path,
        },
    ).scalar_one()


def _payments(conn: Connection, import_id: int, bank: str, amounts: list[int]) -> None:
    conn.execute(
        text("""
        INSERT INTO mpn_record (business_date, import_id, line, record_type, ntpn, billing_code, bank_code,
                                ntb, paid_at, utc_offset, npwp, taxpayer_name, kap, kjs, tax_period,
                                kpp_code, amount)
        VALUES (:day, :import_id, :line, 'payment', :ntpn, '012345678901234', :bank, :ntb, :paid_at, 7,
                '012345678901000', 'PT Contoh Wajib Pajak', '411211', '100', '102026', '001', :amount)
    """),
        [
            {
                "day": DAY,
                "import_id": import_id,
                "line": i + 2,
                "ntpn": f"{bank}N{i:012d}".ljust(16, "0"),
                "bank": bank,
                "ntb": f"NTB{i}",
                "paid_at": _wib(DAY, 9, i),
                "amount": amount,
            }
            for i, amount in enumerate(amounts)
        ],
    )


def _batch(
    conn: Connection, bank: str, received_at: datetime, rows: int, amount: int, superseded_by: int | None = None
) -> int:
    import_id = _file(conn, f"batch-{bank}-{received_at:%d%H%M}.csv", "bank", received_at, rows=rows, amount=amount)
    return conn.execute(
        text("""
        INSERT INTO bank_batch (import_id, bank_code, business_date, received_at, row_count, total_amount,
                                superseded_by, superseded_at)
        VALUES (:import_id, :bank, :day, :at, :rows, :amount, :superseded_by,
                CASE WHEN :superseded_by IS NOT NULL THEN :at END)
        RETURNING batch_id
    """),
        {
            "import_id": import_id,
            "bank": bank,
            "day": DAY,
            "at": received_at,
            "rows": rows,
            "amount": amount,
            "superseded_by": superseded_by,
        },
    ).scalar_one()


@pytest.fixture
def seeded_day(engine: Engine) -> SeededDay:
    """Friday 20 November 2026: four agents with MPN data, BRI complete with a resent batch, BNI without
    a batch, Mandiri without a statement letter, the post office's batch the morning after, and one
    rejected bank file."""
    report = (
        "bank-009-20261120.csv:14: amount: must be whole rupiah greater than zero\n"
        "bank-009-20261120.csv:27: kap: 999999 is not in master data"
    )
    kept = "/var/lib/mpn/rejected/bank-009-20261120.csv"
    with engine.begin() as conn:
        for table in ("mpn_record", "bank_batch_row"):
            conn.execute(
                text(
                    f"CREATE TABLE {table}_p20261120 PARTITION OF {table} "
                    "FOR VALUES FROM ('2026-11-20') TO ('2026-11-21')"
                )
            )
        mpn = _file(conn, "mpn-20261120.csv", "mpn", _wib(DAY, 15, 10), rows=8, amount=89_265_245)
        _payments(conn, mpn, "002", [1_000_000, 234_567])
        _payments(conn, mpn, "008", [50_000_000, 25_000_000, 12_345_678])
        _payments(conn, mpn, "009", [500_000, 35_000])
        _payments(conn, mpn, "POS", [150_000])
        refresh_bank_days(conn, [DAY])
        current = _batch(conn, "002", _wib(DAY, 15, 42), 2, 1_234_567)
        _batch(conn, "002", _wib(DAY, 15, 20), 1, 1_000_000, superseded_by=current)
        _batch(conn, "008", _wib(DAY, 15, 55), 3, 87_345_678)
        _batch(conn, "POS", _wib(date(2026, 11, 21), 9, 12), 1, 150_000)
        conn.execute(
            text("""
            INSERT INTO statement_letter (bank_code, business_date, letter_number, letter_date, received_at,
                                          declared_count, declared_amount, signer)
            VALUES ('002', :day, 'B.123/DIR/XI/2026', :day, :at, 2, 1234567, 'Kepala Divisi Operasional')
        """),
            {"day": DAY, "at": _wib(DAY, 16, 5)},
        )
        rejected = _file(
            conn, "bank-009-20261120.csv", "bank", _wib(DAY, 16, 20), status="rejected", report=report, kept_path=kept
        )
    return SeededDay(DAY, rejected, "bank-009-20261120.csv", report, kept)


@pytest.fixture
def unreachable_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """`MPN_DATABASE_URL` pointing at a port nobody listens on, as when the server is down."""
    url = "postgresql+psycopg2://postgres@127.0.0.1:9/mpn"
    monkeypatch.setenv("MPN_DATABASE_URL", url)
    monkeypatch.setenv("MPN_DATA_DIR", str(tmp_path / "mpn-data"))
    qdb.engine.cache_clear()
    yield url
    qdb.engine.cache_clear()
