"""Issue 18, the query side: R5 is the delivery of the result to the bank (`delivery_times`), what the bank answers
links back to the result it answers, and the payment trace shows the message that reported it (the result recorded
as delivered: `tests.builders.results.delivered`).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Engine, text

from jobs.reconciliation.bank_results import dispatch_results
from jobs.reconciliation.run import reconcile
from queries.accounts.audit import Actor
from queries.monitoring.trace import trace
from queries.reconciliation import bank_results as q
from queries.reconciliation.berita_acara import record_nota_perbaikan
from queries.reconciliation.summary import date_summary
from queries.reconciliation.work import comment
from queries.timeline import RESULT_BEFORE_BATCH
from tests.builders.reconciliation import D2, Day, batch, clean, payments, wib
from tests.builders.results import delivered
from tests.builders.work import make_people

SYSTEM = Actor.system("test")


def test_r5_is_the_delivery_to_the_bank_not_the_computation(engine: Engine) -> None:
    rows = clean(2)
    payments(engine, rows)
    batch(engine, "002", D2, rows, received_at=wib(D2, 14))
    reconcile(engine, D2, as_of=wib(D2, 14, 10))
    with engine.connect() as conn:
        (before,) = date_summary(conn, business_date=D2)
        waiting = q.delivery_times(conn, first=D2, last=D2)[("002", D2)]
    assert (before.result_at, before.result_minutes) == (None, None)  # computed, but not at the bank yet
    assert waiting.status == "not_sent" and waiting.result_at == wib(D2, 14, 10)
    assert waiting.late(wib(D2, 15)) is False and waiting.late(wib(D2, 15, 1)) is True
    with engine.begin() as conn:
        delivered(conn, "002", D2, wib(D2, 14, 42))
    with engine.connect() as conn:
        (after,) = date_summary(conn, business_date=D2)
        d = q.delivery_times(conn, first=D2, last=D2)[("002", D2)]
        listed = q.result_rows(conn, D2)
    assert (after.result_at, after.result_minutes) == (wib(D2, 14, 42), 42.0)
    assert after.minutes_on_time(60, wib(D2, 18)) is True
    assert (d.status, d.minutes, d.deadline) == ("sent", 42.0, wib(D2, 15))
    assert listed == [
        {
            "bank_code": "002",
            "batch_received_at": wib(D2, 14),
            "result_at": wib(D2, 14, 10),
            "sent_at": wib(D2, 14, 42),
            "minutes_to_send": 42.0,
            "message_id": d.message_id,
            "status": "sent",
        }
    ]


def test_a_result_computed_before_its_batch_stays_an_anomaly(engine: Engine) -> None:
    rows = clean(1)
    payments(engine, rows)
    batch(engine, "002", D2, rows, received_at=wib(D2, 16))
    reconcile(engine, D2, as_of=wib(D2, 15, 30))
    with engine.connect() as conn:
        (summary,) = date_summary(conn, business_date=D2)
    assert summary.result_minutes == -30 and summary.anomaly(wib(D2, 18)) == RESULT_BEFORE_BATCH


def test_a_bank_without_address_waits_visibly(engine: Engine) -> None:
    Day(clean(1)).load(engine)
    reconcile(engine, D2)
    now = wib(D2, 16) + timedelta(days=1)
    with engine.begin() as conn:
        conn.execute(text("UPDATE bank_batch SET received_at = :t"), {"t": now - timedelta(minutes=5)})
    dispatch_results(engine, now, actor=SYSTEM)
    with engine.connect() as conn:
        (row,) = q.result_rows(conn, D2)
        (waiting,) = q.waiting_results(conn)
    assert (row["status"], row["sent_at"], row["message_id"]) == ("no_address", None, "")
    assert waiting.state == "no_address" and waiting.reference == f"HASIL-002-{D2:%Y%m%d}-V1"
    assert q.STATUS_LABELS["no_address"] == "Alamat e-mail bank belum ada"


def test_nota_perbaikan_and_clarifications_answer_the_result_and_the_trace_shows_it(engine: Engine) -> None:
    people = make_people(engine)
    rows = clean(2)
    payments(engine, rows)
    batch(engine, "002", D2, rows[:1], received_at=wib(D2, 14))
    reconcile(engine, D2, as_of=wib(D2, 14, 5))
    with engine.begin() as conn:
        result_id = delivered(conn, "002", D2, wib(D2, 14, 20))
        exception_id = conn.execute(
            text("SELECT exception_id FROM recon_exception WHERE ntpn = :n"), {"n": rows[1].ntpn}
        ).scalar_one()
        comment_id = comment(conn, exception_id, body="Bank: transaksi dikirim ulang besok", actor=people["ani"])
        nota = record_nota_perbaikan(
            conn,
            number="NP-1",
            bank_code="002",
            business_date=D2,
            letter_date=D2,
            description="Koreksi jumlah",
            actor=people["ani"],
            exception_id=exception_id,
        )
        linked = conn.execute(
            text("SELECT result_id FROM exception_comment WHERE comment_id = :c"), {"c": comment_id}
        ).scalar_one()
        nota_link = conn.execute(
            text("SELECT result_id FROM nota_perbaikan WHERE nota_id = :n"), {"n": nota.nota_id}
        ).scalar_one()
        steps = trace(conn, rows[1].ntpn).steps
    assert linked == result_id and nota_link == result_id
    sent = [s for s in steps if s.kind == "result"]
    assert len(sent) == 1 and sent[0].at == wib(D2, 14, 20) and sent[0].state == "done"
    assert f"HASIL-002-{D2:%Y%m%d}-V1" in sent[0].title and "20 menit setelah batch" in sent[0].detail


def deliver(engine: Engine, now: datetime) -> None:
    """Every bank gets a head-office address; the results reconciled so far are made and sent at `now` through the
    real SMTP server `MPN_SMTP_URL` points at (the `smtp_server` fixture)."""
    from jobs.reconciliation.bank_results import dispatch_and_send

    with engine.begin() as conn:
        conn.execute(
            text("UPDATE bank SET email = 'rekon@bank-' || bank_code || '.mpn-demo.localhost' WHERE email = ''")
        )
    dispatch_and_send(engine, now, actor=SYSTEM)
