"""Statement-letter status per bank and business date: received, late (deadline minute, holidays), missing,
mismatch; recording a letter by hand with its scan; settings that move the deadline."""

from __future__ import annotations

import hashlib
from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import Engine, text

from queries.accounts.audit import Actor
from queries.calendar import WorkingCalendar
from queries.imports import store as q
from queries.letters.statement_entry import DeclaredDay, StatementRefused, record_statement, scan, store_scan
from queries.letters.statements import deadline, statement_cell, statement_cells
from queries.settings import SettingError, current_settings, set_setting
from tests.builders.reconciliation import D1, D2, D3, WIB, Day, batch, clean, payments, wib
from tests.builders.work import make_people

ADMIN = Actor.system("test")
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def store(engine: Engine, bank: str, day: date, received_at: datetime, count: int, amount: int) -> None:
    with engine.begin() as conn:
        q.store_letter(conn, q.LetterIn(bank, day, f"SP-{bank}-{day:%m%d}", day, received_at, count, amount, "Direksi"))


def status(engine: Engine, bank: str, day: date) -> str | None:
    with engine.connect() as conn:
        cell = statement_cell(conn, bank, day)
    return None if cell is None else cell.status


def test_deadline_is_nine_on_the_next_working_day_skipping_weekend_and_cuti_bersama(engine: Engine) -> None:
    with engine.connect() as conn:
        settings = current_settings(conn)
    cal = WorkingCalendar()
    # Friday 20 November 2026 -> Monday 23 November, 09:00 WIB.
    assert deadline(D2, settings, cal, WIB) == datetime(2026, 11, 23, 9, 0, tzinfo=WIB)
    # Wednesday 23 December 2026: the 24th is cuti bersama, the 25th Christmas, then a weekend -> Monday 28th.
    assert deadline(date(2026, 12, 23), settings, cal, WIB) == datetime(2026, 12, 28, 9, 0, tzinfo=WIB)
    # A master non-working day moves it too.
    assert deadline(D1, settings, WorkingCalendar([D2]), WIB) == datetime(2026, 11, 23, 9, 0, tzinfo=WIB)


def test_letter_at_the_deadline_minute_is_on_time_and_a_second_later_is_late(engine: Engine) -> None:
    rows = clean(2)
    Day(rows).load(engine, letters=False)
    due = datetime(2026, 11, 23, 9, 0, tzinfo=WIB)
    store(engine, "002", D2, due, 2, sum(r.amount for r in rows))
    assert status(engine, "002", D2) == "received"
    store(engine, "002", D2, due + timedelta(seconds=1), 2, sum(r.amount for r in rows))
    assert status(engine, "002", D2) == "late"


def test_a_bank_with_payments_or_a_batch_but_no_letter_is_missing(engine: Engine) -> None:
    payments(engine, clean(2, bank_code="008"))  # MPN payments, no batch
    batch(engine, "009", D2, clean(1, start=10, bank_code="009"))  # a batch, no MPN payments
    assert status(engine, "008", D2) == "missing"
    assert status(engine, "009", D2) == "missing"
    assert status(engine, "002", D2) is None  # nothing at all: no letter expected


def test_declared_count_or_amount_different_from_the_batch_is_a_mismatch(engine: Engine) -> None:
    rows = clean(3)
    Day(rows).load(engine, letters=False)
    total = sum(r.amount for r in rows)
    store(engine, "002", D2, wib(D2, 16), 3, total + 1)
    assert status(engine, "002", D2) == "mismatch"
    store(engine, "002", D2, wib(D2, 17), 2, total)
    assert status(engine, "002", D2) == "mismatch"
    store(engine, "002", D2, wib(D2, 18), 3, total)
    assert status(engine, "002", D2) == "received"


def test_matrix_filters_by_kind_and_status_and_orders_banks_then_post(engine: Engine) -> None:
    Day(clean(2) + clean(1, start=5, bank_code="POS") + clean(1, start=9, day=D3)).load(engine, letters=False)
    store(engine, "002", D2, wib(D2, 16), 2, 30_000)
    with engine.connect() as conn:
        cells = statement_cells(conn, first=D2, last=D3)
        posts = statement_cells(conn, first=D2, last=D3, kinds=("pos",))
        missing = statement_cells(conn, first=D2, last=D3, statuses=("missing",))
    assert [(c.bank_code, c.business_date, c.status) for c in cells] == [
        ("002", D2, "received"),
        ("002", D3, "missing"),
        ("POS", D2, "missing"),
    ]
    assert [c.bank_code for c in posts] == ["POS"]
    assert {(c.bank_code, c.business_date) for c in missing} == {("002", D3), ("POS", D2)}
    assert cells[0].batch_count == 2 and cells[0].mpn_count == 2 and cells[0].mpn_amount == 30_000


def test_deadline_settings_are_checked_and_move_the_status(engine: Engine) -> None:
    rows = clean(1)
    Day(rows).load(engine, letters=False)
    store(engine, "002", D2, datetime(2026, 11, 23, 10, 30, tzinfo=WIB), 1, rows[0].amount)
    assert status(engine, "002", D2) == "late"
    with engine.begin() as conn:
        with pytest.raises(SettingError, match="HH:MM"):
            set_setting(conn, "statement.deadline_time", "25:00", actor=ADMIN)
        set_setting(conn, "statement.deadline_time", "11:00", actor=ADMIN)
        assert current_settings(conn).statement_deadline_time == time(11, 0)
    assert status(engine, "002", D2) == "received"
    with engine.connect() as conn:
        audited = conn.execute(text("SELECT before, after FROM audit_log WHERE action = 'settings.change'")).one()
    assert audited == ({"value": "09:00"}, {"value": "11:00"})


def test_recording_a_letter_for_several_dates_keeps_its_scan_and_checksum(engine: Engine) -> None:
    people = make_people(engine)
    Day(clean(2) + clean(1, start=7, day=D3)).load(engine, letters=False)
    received = datetime(2026, 11, 23, 8, 15, tzinfo=WIB)
    with engine.begin() as conn:
        ids = record_statement(
            conn,
            bank_code="002",
            letter_number="B.123/DIR/2026",
            letter_date=D3,
            received_at=received,
            signer="Direktur Operasional",
            actor=people["ani"],
            scan_file=("sp-bri.pdf", PDF),
            days=[DeclaredDay(D2, 2, 30_000), DeclaredDay(D3, 1, 70_000)],
        )
    assert len(ids) == 2
    assert status(engine, "002", D2) == "received" and status(engine, "002", D3) == "received"
    with engine.connect() as conn:
        cell = statement_cell(conn, "002", D2)
        assert cell is not None and cell.scan_id is not None and cell.entered_by == "ani"
        kept = scan(conn, cell.scan_id)
    assert kept is not None and kept.content == PDF and kept.sha256 == hashlib.sha256(PDF).hexdigest()


def test_scan_is_refused_when_not_a_pdf_and_a_changed_scan_is_detected(engine: Engine) -> None:
    with engine.begin() as conn:
        with pytest.raises(StatementRefused, match="bukan PDF"):
            store_scan(conn, file_name="foto.jpg", content=b"\xff\xd8\xff\xe0JFIF", uploaded_by="ani")
        scan_id = store_scan(conn, file_name="a.pdf", content=PDF, uploaded_by="ani")
        assert store_scan(conn, file_name="again.pdf", content=PDF, uploaded_by="budi") == scan_id
    with engine.begin() as conn, pytest.raises(Exception, match="kept as uploaded"):
        conn.execute(text("UPDATE statement_scan SET file_name = 'x' WHERE scan_id = :i"), {"i": scan_id})


def test_the_form_refuses_bad_letters_and_roles(engine: Engine) -> None:
    people = make_people(engine)
    Day(clean(1)).load(engine, letters=False)
    good = {
        "bank_code": "002",
        "letter_number": "B.1",
        "letter_date": D2,
        "received_at": wib(D2, 16),
        "signer": "Direksi",
        "days": [DeclaredDay(D2, 1, 10_000)],
    }
    cases = [
        ({"actor": people["maya"]}, "tidak berwenang"),
        ({"bank_code": "999"}, "tidak ada dalam data induk"),
        ({"days": []}, "paling sedikit satu"),
        ({"days": [DeclaredDay(D2, 1, 1), DeclaredDay(D2, 1, 1)]}, "hanya boleh muncul sekali"),
        ({"letter_number": "  "}, "Nomor surat wajib"),
        ({"letter_date": D3}, "sesudah tanggal diterima"),
        ({"days": [DeclaredDay(D3, 1, 1)], "letter_date": D2}, "sesudah tanggal surat"),
        ({"received_at": datetime.now(WIB) + timedelta(hours=1)}, "masa depan"),
    ]
    for change, message in cases:
        with pytest.raises(StatementRefused, match=message), engine.begin() as conn:
            record_statement(conn, **{**good, "actor": people["ani"], **change})
    assert status(engine, "002", D2) == "missing"
