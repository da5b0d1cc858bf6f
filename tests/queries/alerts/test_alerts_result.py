"""`result_late` follows R5's DELIVERY: a result computed in time but not accepted by the mail server for
the bank is late, and a bank with no head-office address is named as the reason; the alert resolves at delivery."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, Engine, text

from queries.alerts import alerts, evaluate
from queries.reconciliation import bank_results as q
from tests.builders.alerts import DAY, at, batch, payments, statement
from tests.builders.results import delivered


def computed(
    conn: Connection, bank: str, batch_id: int, received_at: datetime, result_at: datetime, state: str
) -> None:
    """A result computed at `result_at` whose message is not sent (`state`: no_address or awaiting_approval)."""
    run = conn.execute(
        text("""INSERT INTO recon_run (business_date, actor, started_at, finished_at, status)
                               VALUES (:d, 'test', :r, :r, 'finished') RETURNING run_id"""),
        {"d": DAY, "r": result_at},
    ).scalar_one()
    conn.execute(
        text("""
        INSERT INTO recon_result (business_date, bank_code, mpn_count, mpn_amount, bank_count, bank_amount,
                                  matched_count, matched_amount, batch_id, batch_received_at, result_at,
                                  result_minutes, last_run_id)
        VALUES (:d, :bank, 3, 3000000, 3, 3000000, 3, 3000000, :b, :recv, :r, 5, :run)"""),
        {"d": DAY, "bank": bank, "b": batch_id, "recv": received_at, "r": result_at, "run": run},
    )
    sha = q.store_content(conn, b"%PDF-1.4 uji")
    conn.execute(
        text("""
        INSERT INTO bank_result (business_date, bank_code, version, batch_id, run_id, batch_received_at, result_at,
                                 state, pdf_name, pdf_sha256, csv_name, csv_sha256, mpn_count, bank_count,
                                 matched_count, exception_count, subject, body_text, body_html)
        VALUES (:d, :bank, 1, :b, :run, :recv, :r, :state, 'ba.pdf', :sha, 'selisih.csv', :sha, 3, 3, 3, 0,
                'Hasil rekonsiliasi', 'isi', '')"""),
        {
            "d": DAY,
            "bank": bank,
            "b": batch_id,
            "run": run,
            "recv": received_at,
            "r": result_at,
            "state": state,
            "sha": sha,
        },
    )


def run(engine: Engine, now: datetime) -> None:
    with engine.begin() as conn:
        evaluate(conn, now=now, notify=False)


def result_alerts(engine: Engine, now: datetime) -> list:
    with engine.connect() as conn:
        return [a for a in alerts(conn, now=now, status="all") if a.rule == "result_late"]


def test_a_result_computed_in_time_but_not_sent_is_late_and_names_the_missing_address(engine: Engine) -> None:
    with engine.begin() as conn:
        payments(conn, DAY, ["008"])
        b = batch(conn, "008", DAY, at(DAY, 10, 0))
        statement(conn, "008", DAY, at(DAY, 10, 30))
        computed(conn, "008", b, at(DAY, 10, 0), at(DAY, 10, 5), "no_address")
    run(engine, at(DAY, 10, 59))
    assert result_alerts(engine, at(DAY, 10, 59)) == []  # the hour is not over
    run(engine, at(DAY, 11, 1))
    (alert,) = result_alerts(engine, at(DAY, 11, 1))
    assert (alert.bank_code, alert.status, alert.deadline) == ("008", "open", at(DAY, 11, 0))
    assert "alamat e-mail bank belum ada" in alert.detail.lower()
    assert "belum terkirim ke bank" in alert.detail

    with engine.begin() as conn:  # the address is added, the message leaves at 11:30
        conn.execute(text("DELETE FROM bank_result WHERE bank_code = '008'"))
        delivered(conn, "008", DAY, at(DAY, 11, 30))
    run(engine, at(DAY, 11, 35))
    (alert,) = result_alerts(engine, at(DAY, 11, 35))
    assert (alert.status, alert.resolved_at, alert.late_minutes) == ("resolved", at(DAY, 11, 30), 30)


def test_a_result_waiting_for_the_kasi_is_late_by_its_delivery_not_its_computation(engine: Engine) -> None:
    with engine.begin() as conn:
        payments(conn, DAY, ["008"])
        b = batch(conn, "008", DAY, at(DAY, 10, 0))
        computed(conn, "008", b, at(DAY, 10, 0), at(DAY, 10, 2), "awaiting_approval")
    run(engine, at(DAY, 11, 5))
    (alert,) = result_alerts(engine, at(DAY, 11, 5))
    assert alert.status == "open" and "Menunggu persetujuan Kasi" in alert.detail
