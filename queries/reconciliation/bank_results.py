"""The reconciliation result sent to each bank's head office (PER-78/PB/2006 Ps.11(2), DOMAIN R5).

One `bank_result` row per current batch a reconciliation included: its version for the (bank, date) (a resend of the
batch gives the next one, which `replaces` the previous), the Berita Acara PDF and the CSV of differences (stored in
`mail_content` by SHA-256; the PDF's SHA-256 is the verification code the bank can check), and its state: queued in
the outbox (`mail_id`), waiting for the kasi's approval, or waiting for a head-office address.

`delivery_times` is R5's one source: per (bank, business date), the current batch's arrival, when its result was
computed, and when the mail server accepted the message that carried it (`minutes` from arrival to acceptance).
Kelengkapan, Rekonsiliasi, Rapor bank and the daily report read it. Nothing here commits.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, text

from queries import labels
from queries.accounts.audit import Actor, record
from queries.accounts.users import User, system_user
from queries.reconciliation.classify import RESULT_DEADLINE_MINUTES
from queries.reconciliation.model import OPEN_STATUSES
from queries.reconciliation.summary import EXPORT_COLUMNS

#: `mpn results list` columns (CONTRACT §6), in order.
LIST_COLUMNS = ("bank_code", "batch_received_at", "result_at", "sent_at", "minutes_to_send", "message_id", "status")
#: Statuses of a bank's result for a date, with the Indonesian label pages and messages show.
STATUS_LABELS: dict[str, str] = labels.RESULT_STATUSES
#: The setting that makes the kasi approve each result before it leaves.
APPROVAL_SETTING = "results.require_approval"
APPROVAL_KIND = "bank_result"
APPROVAL_STEPS = ("kasi",)
#: How far back a reconciled batch without a result is still sent (older ones predate the feature).
LOOKBACK = timedelta(days=7)
NO_ADDRESS = "alamat e-mail bank belum ada"


class ResultError(LookupError):
    """A result that cannot be found or acted on (message in Bahasa Indonesia)."""


@dataclass(frozen=True, slots=True)
class Delivery:
    """R5 for one bank and date: current batch -> result computed -> message accepted by the mail server."""

    bank_code: str
    business_date: date
    batch_id: int
    batch_received_at: datetime | None  # None: the stored time cannot be true (`queries.db`)
    result_at: datetime | None
    sent_at: datetime | None
    message_id: str | None
    status: str
    version: int | None

    @property
    def minutes(self) -> float | None:
        """Minutes from the batch's arrival to the message's acceptance (one decimal); None until sent."""
        if self.sent_at is None or self.batch_received_at is None:
            return None
        return round((self.sent_at - self.batch_received_at).total_seconds() / 60, 1)

    @property
    def r5(self) -> tuple[datetime | None, float | None]:
        """R5's (time, minutes) as every page shows it: the message's acceptance by the mail server. Until then
        nothing, unless the result was computed before its batch arrived (an impossible timeline, shown as the
        anomaly it is, `queries.timeline`)."""
        if self.sent_at is not None:
            return self.sent_at, self.minutes
        if self.batch_received_at is None:
            return None, None
        if self.result_at is not None and self.result_at < self.batch_received_at:
            return self.result_at, round((self.result_at - self.batch_received_at).total_seconds() / 60, 1)
        return None, None

    @property
    def waiting_note(self) -> str:
        """Why the result has not reached the bank yet ('' once sent)."""
        return "" if self.sent_at is not None else self.status_label

    @property
    def deadline(self) -> datetime | None:
        """When the result is due at the head office: one hour after the batch (PER-78 Ps.11(2))."""
        if self.batch_received_at is None:
            return None
        return self.batch_received_at + timedelta(minutes=RESULT_DEADLINE_MINUTES)

    def late(self, now: datetime) -> bool:
        """Sent after the deadline, or not sent and the deadline has passed (never for an unknown arrival)."""
        deadline = self.deadline
        return deadline is not None and (self.sent_at or now) > deadline

    @property
    def status_label(self) -> str:
        """The status in Bahasa Indonesia."""
        return STATUS_LABELS.get(self.status, self.status)


_DELIVERIES = """
SELECT bb.bank_code, bb.business_date, bb.batch_id, bb.received_at,
       CASE WHEN rr.batch_id = bb.batch_id THEN rr.result_at END AS result_at,
       m.sent_at, m.message_id, m.status AS mail_status, r.state, r.version
  FROM bank_batch bb
  LEFT JOIN recon_result rr ON rr.business_date = bb.business_date AND rr.bank_code = bb.bank_code
  LEFT JOIN bank_result r ON r.batch_id = bb.batch_id
  LEFT JOIN mail_message m ON m.mail_id = r.mail_id
 WHERE bb.business_date BETWEEN :first AND :last AND bb.superseded_at IS NULL
   AND (CAST(:bank AS text) IS NULL OR bb.bank_code = CAST(:bank AS text))
 ORDER BY bb.business_date, bb.bank_code
"""


def _status(row: Any) -> str:
    if row.mail_status is not None:
        return str(row.mail_status)
    if row.state is not None:
        return str(row.state)
    return "not_reconciled" if row.result_at is None else "not_sent"


def delivery_times(
    conn: Connection, *, first: date, last: date, bank: str | None = None
) -> dict[tuple[str, date], Delivery]:
    """R5 per (bank, business date) with a current batch in `first`..`last` (one bank when given)."""
    rows = conn.execute(text(_DELIVERIES), {"first": first, "last": last, "bank": bank})
    return {
        (r.bank_code, r.business_date): Delivery(
            r.bank_code,
            r.business_date,
            r.batch_id,
            r.received_at,
            r.result_at,
            r.sent_at,
            r.message_id,
            _status(r),
            r.version,
        )
        for r in rows
    }


def result_rows(conn: Connection, business_date: date) -> list[dict[str, Any]]:
    """`mpn results list`: per bank with a current batch on the date, CONTRACT §6's columns."""
    out = []
    for d in delivery_times(conn, first=business_date, last=business_date).values():
        out.append(
            {
                "bank_code": d.bank_code,
                "batch_received_at": d.batch_received_at,
                "result_at": d.result_at,
                "sent_at": d.sent_at,
                "minutes_to_send": d.minutes,
                "message_id": d.message_id or "",
                "status": d.status,
            }
        )
    return out


# --- what is waiting to be sent ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Pending:
    """A current batch a finished reconciliation included and no result row carries yet."""

    bank_code: str
    business_date: date
    batch_id: int
    run_id: int
    batch_received_at: datetime
    result_at: datetime


def pending_results(conn: Connection, now: datetime) -> list[Pending]:
    """Current batches received since `now - LOOKBACK` whose reconciliation is stored and not yet sent, oldest
    batch first."""
    rows = conn.execute(
        text("""
        SELECT rr.bank_code, rr.business_date, rr.batch_id, rr.last_run_id, rr.batch_received_at, rr.result_at
          FROM bank_batch bb
          JOIN recon_result rr ON rr.business_date = bb.business_date AND rr.bank_code = bb.bank_code
                              AND rr.batch_id = bb.batch_id AND rr.result_at IS NOT NULL
         WHERE bb.superseded_at IS NULL AND bb.received_at >= :since
           AND NOT EXISTS (SELECT 1 FROM bank_result r WHERE r.batch_id = bb.batch_id)
         ORDER BY bb.received_at, bb.batch_id"""),
        {"since": now - LOOKBACK},
    )
    return [Pending(*r) for r in rows]


@dataclass(frozen=True, slots=True)
class ResultRow:
    """One stored result version."""

    result_id: int
    business_date: date
    bank_code: str
    version: int
    batch_id: int
    run_id: int
    batch_received_at: datetime
    result_at: datetime
    replaces: int | None
    state: str
    recipients: str
    mail_id: int | None
    approval_id: int | None
    pdf_name: str
    pdf_sha256: str
    csv_name: str
    csv_sha256: str
    mpn_count: int
    bank_count: int
    matched_count: int
    exception_count: int
    subject: str
    body_text: str
    body_html: str
    created_at: datetime
    queued_at: datetime | None

    @property
    def reference(self) -> str:
        """The reference a bank quotes in its answer, e.g. `HASIL-002-20261120-V2`."""
        return f"HASIL-{self.bank_code}-{self.business_date:%Y%m%d}-V{self.version}"

    @property
    def deadline(self) -> datetime:
        """One hour after the batch (PER-78 Ps.11(2))."""
        return self.batch_received_at + timedelta(minutes=RESULT_DEADLINE_MINUTES)


_COLUMNS = ", ".join(ResultRow.__dataclass_fields__)


def result_row(conn: Connection, result_id: int, *, lock: bool = False) -> ResultRow:
    """The stored result; ResultError when there is none."""
    row = conn.execute(
        text(f"SELECT {_COLUMNS} FROM bank_result WHERE result_id = :id" + (" FOR UPDATE" if lock else "")),
        {"id": result_id},
    ).first()
    if row is None:
        raise ResultError(f"Hasil rekonsiliasi #{result_id} tidak ditemukan.")
    return ResultRow(*row)


def versions(conn: Connection, bank_code: str, business_date: date) -> list[ResultRow]:
    """Every version of the bank's result for the date, oldest first."""
    rows = conn.execute(
        text(f"""SELECT {_COLUMNS} FROM bank_result WHERE bank_code = :b AND business_date = :d
                                 ORDER BY version"""),
        {"b": bank_code, "d": business_date},
    )
    return [ResultRow(*r) for r in rows]


def waiting_results(conn: Connection) -> list[ResultRow]:
    """Results waiting for an approval or an address (the newest version of their bank and date only)."""
    rows = conn.execute(
        text(f"""
        SELECT {_COLUMNS} FROM bank_result r
         WHERE state IN ('awaiting_approval', 'no_address')
           AND NOT EXISTS (SELECT 1 FROM bank_result n WHERE n.bank_code = r.bank_code
                              AND n.business_date = r.business_date AND n.version > r.version)
         ORDER BY result_id""")
    )
    return [ResultRow(*r) for r in rows]


def store_content(conn: Connection, content: bytes) -> str:
    """Keep an attachment's bytes in `mail_content` (once per SHA-256); returns the SHA-256."""
    digest = hashlib.sha256(content).hexdigest()
    conn.execute(
        text("""INSERT INTO mail_content (sha256, content, size_bytes) VALUES (:sha, :content, :size)
                         ON CONFLICT (sha256) DO NOTHING"""),
        {"sha": digest, "content": content, "size": len(content)},
    )
    return digest


def content(conn: Connection, sha256: str) -> bytes:
    """Stored bytes by SHA-256 (checked)."""
    data = bytes(conn.execute(text("SELECT content FROM mail_content WHERE sha256 = :s"), {"s": sha256}).scalar_one())
    if hashlib.sha256(data).hexdigest() != sha256:
        raise ResultError(f"isi berkas {sha256[:12]}... tidak cocok dengan SHA-256-nya")
    return data


@dataclass(frozen=True, slots=True)
class NewResult:
    """What `insert_result` stores besides the pending batch: version, files, counts and the message."""

    version: int
    replaces: int | None
    state: str
    recipients: str
    pdf: tuple[str, str]  # (file name, SHA-256)
    csv: tuple[str, str]
    counts: tuple[int, int, int, int]  # mpn, bank, matched, exceptions
    subject: str
    body_text: str
    body_html: str


def insert_result(conn: Connection, p: Pending, new: NewResult) -> ResultRow | None:
    """Store the version for the pending batch; None when another dispatcher stored it first."""
    row = conn.execute(
        text(f"""
        INSERT INTO bank_result (business_date, bank_code, version, batch_id, run_id, batch_received_at, result_at,
                                 replaces, state, recipients, pdf_name, pdf_sha256, csv_name, csv_sha256,
                                 mpn_count, bank_count, matched_count, exception_count, subject, body_text, body_html)
        VALUES (:d, :b, :version, :batch, :run, :received, :result, :replaces, :state, :to, :pdf_name, :pdf_sha,
                :csv_name, :csv_sha, :mpn, :bank, :matched, :exc, :subject, :text, :html)
        ON CONFLICT (batch_id) DO NOTHING
        RETURNING {_COLUMNS}"""),
        {
            "d": p.business_date,
            "b": p.bank_code,
            "version": new.version,
            "batch": p.batch_id,
            "run": p.run_id,
            "received": p.batch_received_at,
            "result": p.result_at,
            "replaces": new.replaces,
            "state": new.state,
            "to": new.recipients,
            "pdf_name": new.pdf[0],
            "pdf_sha": new.pdf[1],
            "csv_name": new.csv[0],
            "csv_sha": new.csv[1],
            "mpn": new.counts[0],
            "bank": new.counts[1],
            "matched": new.counts[2],
            "exc": new.counts[3],
            "subject": new.subject,
            "text": new.body_text,
            "html": new.body_html,
        },
    ).first()
    return None if row is None else ResultRow(*row)


def set_state(
    conn: Connection,
    result_id: int,
    state: str,
    *,
    mail_id: int | None = None,
    approval_id: int | None = None,
    recipients: str | None = None,
    now: datetime | None = None,
) -> None:
    """Move a result to `state` (with its message, approval request or recipients when given)."""
    conn.execute(
        text("""
        UPDATE bank_result SET state = :state, mail_id = coalesce(:mail, mail_id),
               approval_id = coalesce(:approval, approval_id), recipients = coalesce(:to, recipients),
               queued_at = CASE WHEN :state = 'queued' THEN coalesce(CAST(:now AS timestamptz), now()) END
         WHERE result_id = :id"""),
        {"id": result_id, "state": state, "mail": mail_id, "approval": approval_id, "to": recipients, "now": now},
    )


def bank_addresses(conn: Connection, bank_code: str) -> tuple[str, list[str]]:
    """The bank's name and head-office addresses (master data `email`, `;`-separated)."""
    row = conn.execute(text("SELECT name, email FROM bank WHERE bank_code = :b"), {"b": bank_code}).one()
    return row.name, [a.strip() for a in row.email.split(";") if a.strip()]


def sent_info(conn: Connection, mail_id: int | None) -> tuple[str, datetime | None, str]:
    """(Message-ID, accepted at, outbox status) of a result's message."""
    if mail_id is None:
        return "", None, ""
    row = conn.execute(
        text("SELECT message_id, sent_at, status FROM mail_message WHERE mail_id = :m"), {"m": mail_id}
    ).one()
    return row.message_id, row.sent_at, row.status


def bank_differences(
    conn: Connection, *, business_date: date, bank_code: str, batch: int = 2000
) -> Iterator[tuple[Any, ...]]:
    """The bank's open differences of the date, exactly as `mpn exceptions` exports them (CONTRACT §4 columns and
    order), streamed."""
    query = text(f"""
        SELECT {", ".join(EXPORT_COLUMNS)} FROM recon_exception
         WHERE business_date = :d AND bank_code = :b AND status IN :statuses
         ORDER BY business_date, bank_code, level DESC, category, ntpn""")
    result = conn.execute(
        query.execution_options(stream_results=True, yield_per=batch),
        {"d": business_date, "b": bank_code, "statuses": OPEN_STATUSES},
    )
    for row in result:
        yield tuple(row)


def verify(conn: Connection, sha256: str) -> list[ResultRow]:
    """The results whose Berita Acara PDF has this SHA-256 (a bank checking a file is genuine)."""
    rows = conn.execute(
        text(f"SELECT {_COLUMNS} FROM bank_result WHERE pdf_sha256 = :s ORDER BY result_id"),
        {"s": sha256.strip().lower()},
    )
    return [ResultRow(*r) for r in rows]


def result_steps_data(
    conn: Connection, bank_code: str, business_date: date
) -> list[tuple[ResultRow, str, datetime | None, str]]:
    """Each version with its (Message-ID, accepted at, outbox status): the payment trace's steps."""
    return [(r, *sent_info(conn, r.mail_id)) for r in versions(conn, bank_code, business_date)]


# --- state changes (each audited) --------------------------------------------------------------------------------


def require_approval(conn: Connection) -> bool:
    """Does the kasi approve each result before it leaves (setting `results.require_approval`)?"""
    from queries.settings import raw_settings

    return raw_settings(conn).get(APPROVAL_SETTING, "tidak").strip().lower() in ("ya", "yes", "true", "1")


def _audit(conn: Connection, actor: Actor, action: str, row: ResultRow, **after: Any) -> None:
    record(
        conn,
        actor,
        action,
        object_type="bank_result",
        object_id=row.reference,
        after={
            "result_id": row.result_id,
            "business_date": row.business_date,
            "bank_code": row.bank_code,
            "version": row.version,
            "batch_id": row.batch_id,
            "pdf_sha256": row.pdf_sha256,
            "csv_sha256": row.csv_sha256,
            **after,
        },
    )


def enqueue_result(
    conn: Connection, row: ResultRow, *, actor: Actor, now: datetime | None = None, fresh: bool = False
) -> ResultRow:
    """Put the result's message in the outbox (to the bank's addresses as they are now), or record that the bank
    has no address (`no_address`; `fresh`: the row was just stored). Idempotent: the outbox's dedupe key is the
    bank, date and version."""
    from queries.mail.outbox import Attachment, enqueue

    name, addresses = bank_addresses(conn, row.bank_code)
    if not addresses:
        if fresh or row.state != "no_address":
            set_state(conn, row.result_id, "no_address")
            _audit(conn, actor, "result.no_address", row, note=NO_ADDRESS)
        return result_row(conn, row.result_id)
    files = (
        Attachment(row.pdf_name, "application/pdf", content(conn, row.pdf_sha256)),
        Attachment(row.csv_name, "text/csv", content(conn, row.csv_sha256)),
    )
    queued = enqueue(
        conn,
        kind="result",
        to=addresses,
        subject=row.subject,
        text_body=row.body_text,
        html_body=row.body_html,
        attachments=files,
        created_by=actor.name,
        now=now,
        dedupe_key=f"result:{row.bank_code}:{row.business_date}:v{row.version}",
    )
    set_state(conn, row.result_id, "queued", mail_id=queued.mail_id, recipients=";".join(addresses), now=now)
    _audit(conn, actor, "result.queued", row, message_id=queued.message_id, to=addresses, bank_name=name)
    return result_row(conn, row.result_id)


def supersede_older(conn: Connection, row: ResultRow, *, actor: Actor) -> int:
    """Earlier versions of the bank and date still waiting (approval, address) are replaced by `row`: they never
    leave; their approval requests lapse. Returns how many."""
    from queries.accounts import approvals

    older = [
        r
        for r in versions(conn, row.bank_code, row.business_date)
        if r.version < row.version and r.state in ("awaiting_approval", "no_address")
    ]
    for r in older:
        set_state(conn, r.result_id, "superseded")
        if r.approval_id is not None:
            approvals.lapse(
                conn,
                APPROVAL_KIND,
                str(r.result_id),
                actor=actor,
                reason=f"digantikan versi {row.version} (batch dikirim ulang)",
            )
        _audit(conn, actor, "result.superseded", r, by_version=row.version)
    return len(older)


def ask_approval(conn: Connection, row: ResultRow, *, actor: Actor) -> ResultRow:
    """Ask the kasi to approve the result before it leaves; the request carries the deadline (batch + 60 min)."""
    from queries.accounts import approvals
    from queries.formatting import waktu_wib

    request = approvals.request_approval(
        conn,
        kind=APPROVAL_KIND,
        object_key=str(row.result_id),
        steps=APPROVAL_STEPS,
        actor=system_user(conn),
        content_hash=row.pdf_sha256,
        summary={
            "bank_code": row.bank_code,
            "business_date": row.business_date.isoformat(),
            "version": row.version,
            "deadline": row.deadline.isoformat(),
            "deadline_text": f"batas kirim {waktu_wib(row.deadline)}",
            "exceptions": row.exception_count,
            "subject": row.subject,
        },
        note=f"Hasil rekonsiliasi {row.reference} menunggu persetujuan sebelum dikirim ke bank.",
    )
    set_state(conn, row.result_id, "awaiting_approval", approval_id=request.request_id)
    _audit(conn, actor, "result.awaiting_approval", row, request_id=request.request_id, deadline=row.deadline)
    return result_row(conn, row.result_id)


def approve_result(
    conn: Connection, result_id: int, *, actor: User, note: str = "", now: datetime | None = None
) -> ResultRow:
    """The kasi approves a waiting result: it goes to the outbox in the same transaction. ResultError when it is
    not waiting for approval; `approvals.ApprovalRefused` when the approver may not approve it."""
    from queries.accounts import approvals

    row = result_row(conn, result_id, lock=True)
    if row.state != "awaiting_approval" or row.approval_id is None:
        raise ResultError(f"Hasil {row.reference} tidak menunggu persetujuan ({STATUS_LABELS[row.state].lower()}).")
    approvals.approve(conn, row.approval_id, actor=actor, note=note, content_hash=row.pdf_sha256)
    return enqueue_result(conn, row, actor=actor.actor(), now=now)


def follow_up(conn: Connection, *, actor: Actor, now: datetime | None = None) -> int:
    """Waiting results whose reason is gone: approved (-> outbox), returned by the kasi (-> `rejected`), or the bank
    has an address now (-> outbox). Returns how many moved."""
    from queries.accounts import approvals

    moved = 0
    for row in waiting_results(conn):
        if row.state == "no_address":
            if bank_addresses(conn, row.bank_code)[1]:
                enqueue_result(conn, row, actor=actor, now=now)
                moved += 1
            continue
        request = approvals.approval(conn, row.approval_id) if row.approval_id is not None else None
        if request is not None and request.status == "approved":
            enqueue_result(conn, row, actor=actor, now=now)
            moved += 1
        elif request is not None and request.status == "rejected":
            set_state(conn, row.result_id, "rejected")
            _audit(conn, actor, "result.rejected", row, request_id=request.request_id)
            moved += 1
    return moved


def demo_addresses(conn: Connection, domain: str, *, actor: Actor) -> int:
    """The demo: every bank without an address gets `rekon@bank-<code>.<domain>` (the local sink takes it);
    audited once. Returns how many banks got one."""
    codes = (
        conn.execute(
            text("""UPDATE bank SET email = 'rekon@bank-' || lower(bank_code) || '.' || :domain,
                                                 updated_at = now()
                                  WHERE email = '' RETURNING bank_code"""),
            {"domain": domain},
        )
        .scalars()
        .all()
    )
    if codes:
        record(
            conn,
            actor,
            "master.demo_emails",
            object_type="master.banks",
            object_id="email",
            after={"banks": sorted(codes), "address": f"rekon@bank-<kode>.{domain}"},
        )
    return len(codes)
