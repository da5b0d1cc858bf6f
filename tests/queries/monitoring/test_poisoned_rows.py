"""One bad stored row never takes a page or a report down (issue 14 §1).

Each test stores a value the schema now refuses (a year-1 or BC `received_at`, an 'infinity' timestamp, a
10,000-character text, a negative amount) by lifting the CHECK for the one statement, as a database written
before migration 0010 may hold it, and then asks every reader behind Kelengkapan, Surat Pernyataan, Rapor bank,
Lacak and the daily report (`mpn report daily`) for the day: each answers, and the other bank's data are right.
"""

from __future__ import annotations

import io
from datetime import date, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from sqlalchemy import Engine, text

from jobs.documents import daily_report
from jobs.reconciliation.run import reconcile
from queries.letters import statements
from queries.monitoring import completeness, scorecard, trace
from tests.builders.reconciliation import D2, WIB, Day, clean, ntpn, wib

NOW = datetime(2026, 11, 24, 12, tzinfo=WIB)
POISONED, HEALTHY = "002", "008"


def lift(engine: Engine, constraints: list[tuple[str, str]], *updates: str) -> None:
    """Run `updates` with `constraints` (table, name) lifted meanwhile (as an old database may hold its rows);
    they are put back NOT VALID, as migration 0010 leaves them over old rows that break them."""
    with engine.begin() as conn:
        definitions = [
            conn.execute(
                text(
                    "SELECT pg_get_constraintdef(oid) FROM pg_constraint"
                    " WHERE conname = :n AND conrelid = CAST(:t AS regclass)"
                ),
                {"n": name, "t": table},
            ).scalar_one()
            for table, name in constraints
        ]
        for table, name in constraints:
            conn.execute(text(f"ALTER TABLE {table} DROP CONSTRAINT {name}"))
        for update in updates:
            conn.execute(text(update))
        for (table, name), definition in zip(constraints, definitions, strict=True):
            conn.execute(text(f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition} NOT VALID"))


@pytest.fixture
def day(engine: Engine) -> Engine:
    """D2 for two banks, each clean (payments, batch, matching letter), reconciled."""
    Day(clean(2) + clean(3, start=10, bank_code=HEALTHY)).load(engine)
    reconcile(engine, D2, as_of=wib(D2, 15, 50))
    return engine


def read_everything(engine: Engine, tmp_path: Path) -> dict[str, object]:
    """Every reader the issue names, for D2; each must answer."""
    found: dict[str, object] = {}
    with engine.connect() as conn:
        found["completeness"] = {
            r.bank_code: r for r in completeness.day_completeness(conn, business_date=D2, now=NOW).rows
        }
        found["trend"] = completeness.score_trend(conn, until=D2, now=NOW)
        found["statements"] = {c.bank_code: c for c in statements.statement_cells(conn, first=D2, last=D2)}
        found["history"] = statements.statement_history(conn, POISONED, D2)
        found["scores"] = {s.bank_code: s for s in scorecard.bank_scores(conn, first=D2, last=D2, now=NOW)}
        found["hits"] = trace.find_payments(conn, ntpn(1))
        found["trace"] = trace.trace(conn, ntpn(1))
        found["healthy_trace"] = trace.trace(conn, ntpn(10))
    for fmt in ("pdf", "xlsx"):
        found[fmt] = daily_report.make_daily_report(engine, D2, fmt=fmt, made_by="system:test", now=NOW)[1]
    from cli.main import main  # the command line last: `mpn report daily` itself

    out = tmp_path / "laporan.xlsx"
    result = CliRunner().invoke(main, ["report", "daily", "--date", D2.isoformat(), "--format", "xlsx", "-o", str(out)])
    assert result.exit_code == 0, result.output
    found["cli"] = out.read_bytes()
    return found


def assert_healthy_bank_intact(found: dict[str, object]) -> None:
    """The other bank's figures are as stored: letter received, 3 payments, a complete trace."""
    cells = found["statements"]
    assert isinstance(cells, dict) and cells[HEALTHY].status == "received" and cells[HEALTHY].mpn_count == 3
    rows = found["completeness"]
    assert isinstance(rows, dict) and rows[HEALTHY].status("statement").state == "done"
    scores = found["scores"]
    assert isinstance(scores, dict) and HEALTHY in scores
    healthy = found["healthy_trace"]
    assert isinstance(healthy, trace.Trace) and healthy.found and healthy.payment is not None
    assert healthy.payment.amount == 100_000
    book = load_workbook(io.BytesIO(found["xlsx"]))  # type: ignore[arg-type]
    assert book.sheetnames[0] == "Ringkasan"
    assert found["pdf"][:5] == b"%PDF-"  # type: ignore[index]


@pytest.mark.parametrize("received", ["0001-01-01T00:00:00+07:00", "0001-01-01 BC", "infinity", "-infinity"])
def test_a_letter_received_in_year_one_or_at_infinity_leaves_every_page_and_report_up(
    day: Engine, tmp_path: Path, received: str
) -> None:
    lift(
        day,
        [("statement_letter", "ck_statement_letter_received_at_plausible")],
        f"UPDATE statement_letter SET received_at = '{received}' WHERE bank_code = '{POISONED}'",
    )
    found = read_everything(day, tmp_path)
    assert_healthy_bank_intact(found)
    cells = found["statements"]
    assert isinstance(cells, dict) and cells[POISONED].received_at is None  # unknown, not a crash
    assert cells[POISONED].status == "anomaly" and cells[POISONED].status_title == "Anomali waktu terima"
    rows = found["completeness"]
    assert isinstance(rows, dict) and rows[POISONED].status("statement").state == "anomaly"


def test_a_payment_paid_at_infinity_and_a_batch_received_in_year_one_leave_the_trace_up(
    day: Engine, tmp_path: Path
) -> None:
    lift(
        day,
        [
            ("mpn_record", "ck_mpn_record_paid_at_plausible"),
            ("bank_batch_row", "ck_bank_batch_row_paid_at_plausible"),
            ("bank_batch", "ck_bank_batch_received_at_plausible"),
        ],
        f"UPDATE mpn_record SET paid_at = 'infinity' WHERE ntpn = '{ntpn(1)}'",
        f"UPDATE bank_batch_row SET paid_at = '0001-01-01 BC' WHERE ntpn = '{ntpn(1)}'",
        f"UPDATE bank_batch SET received_at = '0001-01-01 00:00+07' WHERE bank_code = '{POISONED}'",
    )
    found = read_everything(day, tmp_path)
    assert_healthy_bank_intact(found)
    poisoned = found["trace"]
    assert isinstance(poisoned, trace.Trace) and poisoned.found and poisoned.payment is not None
    assert poisoned.payment.paid_at is None and poisoned.payment.amount == 10_000
    hits = found["hits"]
    assert isinstance(hits, list) and [h.ntpn for h in hits] == [ntpn(1)]
    rows = found["completeness"]
    assert isinstance(rows, dict) and rows[POISONED].status("batch").state == "anomaly"
    assert "tidak diketahui" in rows[POISONED].status("batch").note


def test_ten_thousand_characters_control_characters_and_a_negative_amount_leave_every_page_up(
    day: Engine, tmp_path: Path
) -> None:
    long = "X" * 10_000
    lift(
        day,
        [
            ("statement_letter", "ck_statement_letter_letter_number_plausible"),
            ("statement_letter", "ck_statement_letter_signer_plausible"),
            ("statement_letter", "ck_statement_amount"),
            ("mpn_record", "ck_mpn_record_taxpayer_name_plausible"),
            ("mpn_record", "ck_mpn_amount"),
        ],
        f"UPDATE statement_letter SET letter_number = '{long}', signer = E'Dir\\x01eksi\\n{long}',"
        f" declared_amount = -1 WHERE bank_code = '{POISONED}'",
        f"UPDATE mpn_record SET taxpayer_name = '{long}' WHERE ntpn = '{ntpn(1)}'",
        f"UPDATE mpn_record SET amount = -5000 WHERE ntpn = '{ntpn(2)}'",
    )
    found = read_everything(day, tmp_path)
    assert_healthy_bank_intact(found)
    cells = found["statements"]
    assert isinstance(cells, dict) and cells[POISONED].status == "mismatch"  # -1 declared: not what the bank sent
    assert found["trace"].payment.amount == 10_000  # type: ignore[attr-defined]


def test_the_reader_warns_once_and_reads_good_dates_unchanged(engine: Engine, caplog: pytest.LogCaptureFixture) -> None:
    with engine.connect() as conn:
        for _ in range(3):
            row = conn.execute(
                text(
                    "SELECT DATE '0042-03-04 BC', TIMESTAMPTZ 'infinity', DATE '2026-11-20',"
                    " ARRAY[DATE '2026-11-20', DATE '-infinity']"
                )
            ).one()
    assert tuple(row) == (None, None, date(2026, 11, 20), [date(2026, 11, 20), None])
    assert [r.getMessage() for r in caplog.records].count(
        "nilai tanggal/waktu tersimpan '0042-03-04 BC' di luar jangkauan: dibaca sebagai tidak diketahui"
    ) == 1
