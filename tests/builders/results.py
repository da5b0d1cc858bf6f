"""Results of reconciliation sent to the banks (issue 18): a result recorded as delivered, the bank's e-mail address
set as the admin does it, and a business day whose every deadline has passed."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Connection, Engine, text

from queries.accounts.audit import Actor
from queries.calendar import WorkingCalendar
from queries.imports.master_edit import master_rows, save_row
from queries.reconciliation import bank_results as q

ADMIN = Actor("admin", "admin", None)
ADDRESS = "rekon@bank-002.mpn-demo.localhost"


def business_day() -> date:
    """A working day a few days back, so every cut-off and deadline of it has passed."""
    return WorkingCalendar().previous_or_same(datetime.now(UTC).date() - timedelta(days=4))


D = business_day()


def delivered(conn: Connection, bank: str, day: date, sent_at: datetime) -> int:
    """Record the current batch's result of `bank` on `day` as sent to the bank, accepted at `sent_at`."""
    b = conn.execute(
        text("""
        SELECT bb.batch_id, bb.received_at, rr.last_run_id, coalesce(rr.result_at, :sent) AS result_at
          FROM bank_batch bb JOIN recon_result rr ON rr.business_date = bb.business_date AND rr.bank_code = bb.bank_code
         WHERE bb.bank_code = :b AND bb.business_date = :d AND bb.superseded_at IS NULL"""),
        {"b": bank, "d": day, "sent": sent_at},
    ).one()
    sha = q.store_content(conn, b"%PDF-1.4 test")
    mail_id = conn.execute(
        text("""
        INSERT INTO mail_message (message_id, kind, recipients, subject, body_text, created_at, not_before, sent_at,
                                  attempts, status)
        VALUES (:mid, 'result', ARRAY['rekon@bank.test'], 'Hasil rekonsiliasi', 'isi', :r, :r, :s, 1, 'sent')
        RETURNING mail_id"""),
        {"mid": f"<result.{bank}.{day:%Y%m%d}.{b.batch_id}@localhost>", "r": b.result_at, "s": sent_at},
    ).scalar_one()
    return int(
        conn.execute(
            text("""
        INSERT INTO bank_result (business_date, bank_code, version, batch_id, run_id, batch_received_at, result_at,
                                 state, recipients, mail_id, pdf_name, pdf_sha256, csv_name, csv_sha256, mpn_count,
                                 bank_count, matched_count, exception_count, subject, body_text, body_html, queued_at)
        SELECT :d, :b, coalesce(max(version), 0) + 1, :batch, :run, :recv, :r, 'queued', 'rekon@bank.test', :m,
               'ba.pdf', :sha, 'selisih.csv', :sha, 0, 0, 0, 0, 'Hasil rekonsiliasi', 'isi', '', :r
          FROM bank_result WHERE bank_code = :b AND business_date = :d
        RETURNING result_id"""),
            {
                "d": day,
                "b": bank,
                "batch": b.batch_id,
                "run": b.last_run_id,
                "recv": b.received_at,
                "r": b.result_at,
                "m": mail_id,
                "sha": sha,
            },
        ).scalar_one()
    )


def set_email(engine: Engine, bank: str, email: str) -> None:
    """The admin's edit on Data induk (audited), as the page does it."""
    with engine.begin() as conn:
        row = next(r for r in master_rows(conn, "banks") if r["bank_code"] == bank)
        save_row(conn, "banks", {**row, "email": email}, actor=ADMIN, now=datetime.now(UTC))
