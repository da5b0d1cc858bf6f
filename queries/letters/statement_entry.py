"""Recording a statement letter by hand (the page's form) and keeping its scanned PDF with its checksum.

One letter may cover several business dates, each with its own declared count and amount; it is stored as
one `statement_letter` row per date (as an imported file is), all pointing at the same scan. A date that has
a letter already gets a new version and the old one stays as history. Storing letters settles the bank's
appeal letters in the same transaction. Who records is `queries.permissions.ACTIONS["letters.statement_record"]`,
checked inside `record_statement`; the page asks `acts_for`. Refusals are `StatementRefused` (Indonesian; nothing
written).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Connection, text

from queries import config, permissions, plausibility
from queries.accounts.approvals import ApprovalRefused
from queries.accounts.audit import record
from queries.accounts.users import User, user_by_name
from queries.imports.store import LetterIn, store_letter
from queries.letters import appeals as appeal_letters
from queries.letters.statements import StatementCell

#: Who records statement letters: the section's staff, and TU who receives the mail.
RECORD_ACTION = "letters.statement_record"
MAX_SCAN_BYTES = 10 * 1024 * 1024
MAX_TEXT = 200
#: The largest count or amount a letter may declare for one date: PostgreSQL's bigint.
MAX_DECLARED = 9_223_372_036_854_775_807


class StatementRefused(ApprovalRefused):
    """A statement letter the form cannot store; `message` says why, in Indonesian. Nothing was written."""


class ScanCorrupt(RuntimeError):
    """A stored scan no longer matches its checksum."""


def acts_for(user: User | None, cell: StatementCell | None = None) -> frozenset[str]:
    """What `user` may do now with the statement letter of a bank and business date (`cell`; None: of any date):
    `record` the letter of a date that has none, `edit` a date's current letter (record a new version of it; the
    old one stays as history). The page shows its form to those who may do either."""
    if not permissions.may(user, RECORD_ACTION):
        return frozenset()
    if cell is None:
        return frozenset({"record", "edit"})
    return frozenset({"edit"} if cell.letter_id is not None else {"record"})


@dataclass(frozen=True, slots=True)
class DeclaredDay:
    """What the letter declares for one business date."""

    business_date: date
    declared_count: int
    declared_amount: int


@dataclass(frozen=True, slots=True)
class Scan:
    """A stored scan, checked against its SHA-256 when read."""

    scan_id: int
    file_name: str
    sha256: str
    size_bytes: int
    content: bytes
    uploaded_by: str
    uploaded_at: datetime


def store_scan(conn: Connection, *, file_name: str, content: bytes, uploaded_by: str) -> int:
    """Keep a scanned letter (PDF, at most 10 MB); the same content again returns the stored one's id."""
    if not content:
        raise StatementRefused("Berkas pindaian kosong.")
    if len(content) > MAX_SCAN_BYTES:
        raise StatementRefused(f"Berkas pindaian {len(content) / 1048576:.1f} MB; paling besar 10 MB.")
    if not content.startswith(b"%PDF-"):
        raise StatementRefused(f"Berkas {file_name} bukan PDF (harus diawali %PDF-).")
    digest = hashlib.sha256(content).hexdigest()
    name = (plausibility.CONTROL_CHARS.sub("_", file_name).strip() or "surat-pernyataan.pdf")[:MAX_TEXT]
    scan_id = conn.execute(
        text("""
        INSERT INTO statement_scan (file_name, sha256, size_bytes, content, uploaded_by)
        VALUES (:name, :sha, :size, :content, :by)
        ON CONFLICT (sha256) DO NOTHING RETURNING scan_id"""),
        {"name": name, "sha": digest, "size": len(content), "content": content, "by": uploaded_by},
    ).scalar()
    if scan_id is None:
        scan_id = conn.execute(
            text("SELECT scan_id FROM statement_scan WHERE sha256 = :sha"), {"sha": digest}
        ).scalar_one()
    return int(scan_id)


def scan(conn: Connection, scan_id: int) -> Scan | None:
    """The stored scan, or None; `ScanCorrupt` when its content no longer matches the stored SHA-256."""
    row = conn.execute(
        text("""SELECT scan_id, file_name, sha256, size_bytes, content, uploaded_by, uploaded_at
                                 FROM statement_scan WHERE scan_id = :id"""),
        {"id": scan_id},
    ).first()
    if row is None:
        return None
    found = Scan(**{**row._mapping, "content": bytes(row.content)})
    if hashlib.sha256(found.content).hexdigest() != found.sha256:
        raise ScanCorrupt(f"scan {scan_id} ({found.file_name}) does not match its SHA-256 {found.sha256}")
    return found


def _text(value: str, what: str) -> str:
    value, problem = plausibility.form_text(value, what, limit=MAX_TEXT)
    if problem:
        raise StatementRefused(problem)
    return value


def _plausible_dates(days: Sequence[DeclaredDay], letter_date: date, received_at: datetime) -> None:
    """CONTRACT §2 plausibility: every date between 2000-01-01 and a week after today, received not ahead."""
    if received_at.tzinfo is None:
        raise ValueError("received_at must be time-zone aware")
    today = config.now().date()
    checks = [
        (received_at.astimezone(config.timezone()).date(), "Tanggal diterima"),
        (letter_date, "Tanggal surat"),
    ] + [(d.business_date, "Tanggal buku") for d in days]
    for value, what in checks:
        if (problem := plausibility.form_date_problem(value, what, today=today)) is not None:
            raise StatementRefused(problem)
    for d in days:
        if d.declared_count > MAX_DECLARED or d.declared_amount > MAX_DECLARED:
            raise StatementRefused(f"Jumlah transaksi atau jumlah setoran {d.business_date:%d-%m-%Y} terlalu besar.")


def record_statement(
    conn: Connection,
    *,
    bank_code: str,
    days: Sequence[DeclaredDay],
    letter_number: str,
    letter_date: date,
    received_at: datetime,
    signer: str,
    actor: User,
    scan_file: tuple[str, bytes] | None = None,
) -> list[int]:
    """Store a letter covering `days` for `bank_code`; returns the stored rows' ids (an identical current
    letter is left alone). The scan, if any, is kept first and linked to every date."""
    user = user_by_name(conn, actor.username)
    if user is None or not user.active:
        raise StatementRefused("Akun Anda tidak aktif; hubungi administrator.")
    permissions.require(user, RECORD_ACTION, "mencatat surat pernyataan", StatementRefused)
    if conn.execute(text("SELECT 1 FROM bank WHERE bank_code = :b"), {"b": bank_code}).first() is None:
        raise StatementRefused(f"Bank/pos {bank_code or '-'} tidak ada dalam data induk.")
    if not days:
        raise StatementRefused("Isikan paling sedikit satu tanggal buku yang dinyatakan.")
    seen = [d.business_date for d in days]
    if len(set(seen)) != len(seen):
        raise StatementRefused("Setiap tanggal buku hanya boleh muncul sekali.")
    _plausible_dates(days, letter_date, received_at)
    now = datetime.now(received_at.tzinfo)
    if received_at > now:
        raise StatementRefused("Waktu terima tidak boleh di masa depan.")
    local_received = received_at.astimezone(config.timezone()).date()
    if letter_date > local_received:
        raise StatementRefused(
            f"Tanggal surat {letter_date:%d-%m-%Y} sesudah tanggal diterima {local_received:%d-%m-%Y}."
        )
    for d in days:
        if d.business_date > letter_date:
            raise StatementRefused(
                f"Tanggal buku {d.business_date:%d-%m-%Y} sesudah tanggal surat {letter_date:%d-%m-%Y}."
            )
        if d.declared_count < 0 or d.declared_amount < 0:
            raise StatementRefused(
                f"Jumlah transaksi dan jumlah setoran {d.business_date:%d-%m-%Y} tidak boleh negatif."
            )
    number, who = _text(letter_number, "Nomor surat"), _text(signer, "Penanda tangan")
    scan_id = None
    if scan_file is not None:
        scan_id = store_scan(conn, file_name=scan_file[0], content=scan_file[1], uploaded_by=user.username)
    stored: list[int] = []
    for d in sorted(days, key=lambda d: d.business_date):
        letter = LetterIn(
            bank_code, d.business_date, number, letter_date, received_at, d.declared_count, d.declared_amount, who
        )
        if store_letter(conn, letter, entered_by=user.username, scan_id=scan_id):
            stored.append(
                conn.execute(
                    text("""SELECT letter_id FROM statement_letter WHERE bank_code = :b
                                                  AND business_date = :d AND superseded_at IS NULL"""),
                    {"b": bank_code, "d": d.business_date},
                ).scalar_one()
            )
    if stored:
        record(
            conn,
            user.actor(),
            "statement.record",
            object_type="statement_letter",
            object_id=bank_code,
            after={
                "bank_code": bank_code,
                "letter_number": number,
                "dates": [d.business_date.isoformat() for d in days],
                "declared_count": sum(d.declared_count for d in days),
                "declared_amount": sum(d.declared_amount for d in days),
                "scan_id": scan_id,
            },
        )
        appeal_letters.settle(conn, actor=user.actor(), bank_codes=[bank_code])
    return stored
