"""The bank scorecard over a period: late and missing batches, statement letters, exception rate, appeal letters,
the default three-month period and the XLSX export."""

from __future__ import annotations

import io
from datetime import date, datetime

from openpyxl import load_workbook
from sqlalchemy import Engine, text

from jobs.documents.exports import scorecard_xlsx as write_scorecard_xlsx
from jobs.reconciliation.run import reconcile
from queries.imports import store as q
from queries.monitoring.scorecard import COLUMNS, bank_scores, default_period
from tests.builders.reconciliation import D1, D2, WIB, Day, batch, clean, payments

NOW = datetime(2026, 12, 1, 12, tzinfo=WIB)


def at(day: date, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=WIB)


def test_scorecard_counts_each_breach_per_bank(engine: Engine) -> None:
    # 002: D1 clean and on time; D2 batch a second late, letter not matching, one payment missing in the batch.
    Day(clean(1, day=D1)).load(engine)
    rows = clean(2, start=10)
    payments(engine, rows)
    batch(engine, "002", D2, rows[:1], received_at=at(D2, 16, 0, 1))
    with engine.begin() as conn:
        q.store_letter(conn, q.LetterIn("002", D2, "SP-1", D2, at(D2, 17), 2, 1, "Direksi"))
    # 008: payments on D2, no batch, no letter, a sent appeal letter long overdue.
    payments(engine, clean(3, start=20, bank_code="008"))
    with engine.begin() as conn:
        conn.execute(
            text("""
            INSERT INTO appeal_letter (bank_code, business_dates, addressee, status, drafted_by, letter_number,
                                       letter_date, agenda_number, sent_on)
            VALUES ('008', ARRAY[CAST(:d AS date)], 'Direksi', 'sent', 'sistem', 'S-1/PJ.10/2026', :s, 'A-1', :s)
        """),
            {"d": D2, "s": date(2026, 11, 23)},
        )
    reconcile(engine, D1)
    reconcile(engine, D2)
    with engine.connect() as conn:
        scores = {s.bank_code: s for s in bank_scores(conn, first=D1, last=D2, now=NOW)}
    bri, mandiri = scores["002"], scores["008"]
    assert (bri.days_with_data, bri.batches_late, bri.batches_missing) == (2, 1, 0)
    assert (bri.statements_missing, bri.statements_late, bri.statements_mismatch) == (0, 0, 1)
    assert (bri.payments, bri.exceptions) == (3, 1) and bri.exception_rate == 1 / 3
    assert (mandiri.days_with_data, mandiri.batches_late, mandiri.batches_missing) == (1, 0, 1)
    assert (mandiri.statements_missing, mandiri.appeals_unanswered, mandiri.appeals_overdue) == (1, 1, 1)
    assert (bri.results_late, mandiri.results_late) == (2, 0)  # R5: neither result of 002 reached the bank
    with engine.connect() as conn:
        assert [s.bank_code for s in bank_scores(conn, first=D1, last=D2, now=NOW)] == ["002", "008"]
        before = {s.bank_code: s for s in bank_scores(conn, first=D2, last=D2, now=at(D2, 15))}
    assert before["008"].batches_missing == 0  # not due yet


def test_default_period_is_three_months_back_clamped_to_the_month(engine: Engine) -> None:
    assert default_period(date(2026, 11, 20)) == (date(2026, 8, 20), date(2026, 11, 20))
    assert default_period(date(2026, 2, 10)) == (date(2025, 11, 10), date(2026, 2, 10))
    assert default_period(date(2026, 5, 31)) == (date(2026, 2, 28), date(2026, 5, 31))


def test_export_is_one_sheet_with_the_note_and_every_column(engine: Engine) -> None:
    Day(clean(2)).load(engine)
    out = io.BytesIO()
    with engine.connect() as conn:
        assert write_scorecard_xlsx(conn, out, first=D1, last=D2, now=NOW) == 1
    sheet = load_workbook(io.BytesIO(out.getvalue())).active
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert values[0][0] == "Rapor bank/pos persepsi" and values[1][0] == "Periode: 19/11/2026 – 20/11/2026"
    assert "Pasal 4 huruf e" in values[4][0]
    assert values[5] == list(COLUMNS.values())
    assert values[6][:4] == ["002", values[6][1], 1, 0]
