"""The exception detail panel's data: both sides field by field, what differs, the work done, the history."""

from __future__ import annotations

from sqlalchemy import Engine

from jobs.reconciliation.run import reconcile
from queries.reconciliation.exception_detail import exception_detail
from queries.reconciliation.work import comment, request_resolution, start_clarification
from tests.builders.reconciliation import D2, Day, clean, ntpn
from tests.builders.work import exception_id, make_people


def test_detail_shows_both_sides_field_by_field_with_the_differing_fields(engine: Engine) -> None:
    people = make_people(engine)
    rows = clean(2)
    Day(rows).load(engine, bank=[rows[0], rows[1].but(amount=1, kap="411122")], letters=False)
    reconcile(engine, D2)
    exc_id = exception_id(engine, ntpn(2), "amount_mismatch")
    with engine.begin() as conn:
        start_clarification(conn, exc_id, actor=people["ani"], note="Konfirmasi ke bank")
        comment(conn, exc_id, body="Bank mengakui salah ketik", actor=people["putu"])
        asked = request_resolution(conn, exc_id, cause="bank_keying_error", note="salah ketik", actor=people["ani"])
    with engine.connect() as conn:
        detail = exception_detail(conn, exc_id)
    [m], [b] = detail.mpn, detail.bank
    assert (m.ref.side, m.amount, m.kap, b.ref.side, b.amount, b.kap, b.business_date) == (
        "mpn",
        20_000,
        "411121",
        "bank",
        1,
        "411122",
        D2,
    )
    assert detail.differing == ("kap", "amount")
    assert ("amount", 20_000, 1) in detail.pairs()
    assert detail.exception.fields == "amount;kap" and detail.exception.status_label == "Dalam klarifikasi"
    assert [c.body for c in detail.comments] == ["Konfirmasi ke bank", "Bank mengakui salah ketik"]
    assert detail.pending is not None and detail.pending.request_id == asked.request_id
    assert [e.action for e in detail.history] == [
        "exception.open",
        "exception.clarify",
        "exception.comment",
        "approval.request",
    ]
    assert detail.history[1].label == "Mulai klarifikasi selisih"


def test_bank_level_exception_has_no_transaction_sides(engine: Engine) -> None:
    Day(clean(2)).load(engine, letters=False)
    reconcile(engine, D2)
    with engine.connect() as conn:
        detail = exception_detail(conn, exception_id(engine, "", "missing_statement"))
    assert (detail.mpn, detail.bank, detail.differing, detail.pending) == ((), (), (), None)
