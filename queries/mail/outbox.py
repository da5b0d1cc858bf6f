"""The mail outbox: every e-mail is first a row here, then sent by `jobs.mail.send`.

Producers (alerts, the daily digest, Tugas saya, the results sent to banks) call `enqueue` inside their own
transaction, so a message exists exactly when the change that caused it commits. `dedupe_key` makes enqueueing
idempotent (`result:014:2026-12-04:v2` enqueued twice is one message). `body` builds the plain-text and HTML
parts from the same paragraphs (HTML escaped) and `page_url` links to a dashboard page.

Life of a row: `queued` (due at `not_before`) -> `sending` (committed just before the SMTP DATA command, while
the sender holds the row's advisory lock) -> `sent`, or back to `queued` with a later `not_before` after a
temporary refusal, or `failed` (refused for good, out of attempts, or `uncertain`: see `jobs.mail.send`). A person
may put a failed message back in the queue (`requeue`, audited); it keeps its Message-ID.
Functions never commit: the caller owns the transaction.
"""

from __future__ import annotations

import hashlib
import html
import os
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple
from urllib.parse import urlencode

from sqlalchemy import Connection, text

from queries import labels, plausibility
from queries.accounts.audit import Actor, record
from queries.db import hold_session_lock, session_unlock, try_xact_lock
from queries.permissions import Refused, may, role_titles

STATUSES = ("queued", "sending", "sent", "failed")
#: Indonesian labels of the statuses (page and messages).
STATUS_LABELS: dict[str, str] = labels.MAIL_STATUSES
MAX_ATTEMPTS = 8  # tries of one message before it is `failed` (about two hours of backoff: 1+2+4+...+60 min)
BACKOFF_CAP = timedelta(minutes=60)
#: What the advisory lock a sender holds on a message while it is `sending` is named by (with the message's id).
SENDING_LOCK = "mail.sending"
KIND = re.compile(r"^[a-z][a-z0-9_.-]{0,39}$")


class MailError(ValueError):
    """A message or address that cannot be queued; the message says why."""


class ResendRefused(Refused, MailError):
    """A "kirim ulang" the outbox will not take: the message is unknown or not failed, or the person may not resend."""


def mail_from() -> str:
    """The sender address (`MPN_MAIL_FROM`, default `mpn-monitor@localhost`)."""
    return os.environ.get("MPN_MAIL_FROM", "").strip() or "mpn-monitor@localhost"


def base_url() -> str:
    """The dashboard's address used in links (`MPN_BASE_URL`, default `http://127.0.0.1:8050`)."""
    return (os.environ.get("MPN_BASE_URL", "").strip() or "http://127.0.0.1:8050").rstrip("/")


def page_url(path: str, **params: object) -> str:
    """An absolute link to a dashboard page, e.g. `page_url("/rekonsiliasi", tanggal="2026-12-04")`."""
    query = urlencode({k: str(v) for k, v in params.items() if v is not None})
    return f"{base_url()}/{path.lstrip('/')}" + (f"?{query}" if query else "")


def check_address(address: str) -> str:
    """The address trimmed (domain lower-cased), or MailError naming what is wrong with it."""
    checked = plausibility.email_address(address)
    if checked is None:
        raise MailError(f"invalid e-mail address {address!r}")
    return checked


def check_addresses(addresses: Sequence[str]) -> list[str]:
    """Each address checked, duplicates dropped (first kept); MailError if none or one is invalid."""
    seen: dict[str, None] = {}
    for address in addresses:
        seen.setdefault(check_address(address), None)
    if not seen:
        raise MailError("a message needs at least one recipient")
    return list(seen)


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file to attach: its name, MIME type and bytes (stored once, by SHA-256)."""

    filename: str
    content_type: str
    content: bytes

    @property
    def sha256(self) -> str:
        """The content's SHA-256 (hex), its reference in `mail_content`."""
        return hashlib.sha256(self.content).hexdigest()


class Queued(NamedTuple):
    """What `enqueue` did: the row's id, its Message-ID, and whether it is new (False: the dedupe key existed)."""

    mail_id: int
    message_id: str
    new: bool


def new_message_id(kind: str) -> str:
    """A fresh RFC 5322 Message-ID in the sender's domain, e.g. `<alert.3f2c...@localhost>`."""
    domain = mail_from().rsplit("@", 1)[-1] or "localhost"
    return f"<{kind}.{uuid.uuid4().hex}@{domain}>"


def body(
    paragraphs: Sequence[str],
    links: Sequence[tuple[str, str]] = (),
    *,
    footer: str = "Pesan ini dikirim otomatis oleh MPN Monitor.",
) -> tuple[str, str]:
    """The plain-text and HTML bodies of the same content; links are (label, absolute URL). Text is escaped."""
    plain = [*paragraphs, *(f"{label}: {url}" for label, url in links), "--", footer]
    parts = [f"<p>{html.escape(p).replace(chr(10), '<br>')}</p>" for p in paragraphs]
    if links:
        items = "".join(
            f'<li><a href="{html.escape(url, quote=True)}">{html.escape(label)}</a></li>' for label, url in links
        )
        parts.append(f"<ul>{items}</ul>")
    parts.append(f'<p style="color:#6c757d;font-size:small">{html.escape(footer)}</p>')
    page = (
        '<!DOCTYPE html><html lang="id"><head><meta charset="utf-8"></head>'
        f'<body style="font-family:sans-serif">{"".join(parts)}</body></html>'
    )
    return "\n\n".join(plain) + "\n", page


def enqueue(
    conn: Connection,
    *,
    kind: str,
    to: Sequence[str],
    subject: str,
    text_body: str,
    html_body: str = "",
    attachments: Sequence[Attachment] = (),
    dedupe_key: str | None = None,
    created_by: str = "system",
    now: datetime | None = None,
) -> Queued:
    """Queue one message (due at once) in the caller's transaction; with a `dedupe_key` already queued, nothing
    is added and the existing message is returned (`new=False`)."""
    if not KIND.match(kind):
        raise MailError(f"invalid message kind {kind!r}: lower-case letters, digits, '_', '.', '-'")
    subject = " ".join(subject.split())
    if not subject or len(subject) > 300:
        raise MailError("the subject must have 1 to 300 characters")
    recipients = check_addresses(to)
    row = conn.execute(
        text("""
        INSERT INTO mail_message (message_id, kind, recipients, subject, body_text, body_html, created_at,
                                  created_by, not_before, dedupe_key)
        VALUES (:mid, :kind, :to, :subject, :text, :html, coalesce(:now, now()), :by, coalesce(:now, now()), :key)
        ON CONFLICT (dedupe_key) DO NOTHING
        RETURNING mail_id, message_id"""),
        {
            "mid": new_message_id(kind),
            "kind": kind,
            "to": recipients,
            "subject": subject,
            "text": text_body,
            "html": html_body,
            "now": now,
            "by": created_by,
            "key": dedupe_key,
        },
    ).first()
    if row is None:
        old = conn.execute(
            text("SELECT mail_id, message_id FROM mail_message WHERE dedupe_key = :k"), {"k": dedupe_key}
        ).one()
        return Queued(old.mail_id, old.message_id, False)
    for position, attachment in enumerate(attachments, start=1):
        _attach(conn, row.mail_id, position, attachment)
    return Queued(row.mail_id, row.message_id, True)


def _attach(conn: Connection, mail_id: int, position: int, attachment: Attachment) -> None:
    if not attachment.filename.strip() or "/" in attachment.filename:
        raise MailError(f"invalid attachment file name {attachment.filename!r}")
    digest = attachment.sha256
    conn.execute(
        text("""INSERT INTO mail_content (sha256, content, size_bytes) VALUES (:sha, :content, :size)
                         ON CONFLICT (sha256) DO NOTHING"""),
        {"sha": digest, "content": attachment.content, "size": len(attachment.content)},
    )
    conn.execute(
        text("""INSERT INTO mail_attachment (mail_id, position, filename, content_type, sha256)
                         VALUES (:m, :p, :f, :t, :sha)"""),
        {"m": mail_id, "p": position, "f": attachment.filename, "t": attachment.content_type, "sha": digest},
    )


@dataclass(frozen=True, slots=True)
class Outgoing:
    """A claimed message with everything the sender needs (attachments read from `mail_content`)."""

    mail_id: int
    message_id: str
    kind: str
    recipients: tuple[str, ...]
    subject: str
    body_text: str
    body_html: str
    created_at: datetime
    attempts: int
    attachments: tuple[Attachment, ...]


def claim_next(conn: Connection, now: datetime, *, after: int = 0) -> Outgoing | None:
    """The next due queued message (id above `after`), its row locked `FOR UPDATE SKIP LOCKED` until the caller's
    transaction ends, so two senders never take the same one; None when nothing is due."""
    row = conn.execute(
        text("""
        SELECT mail_id, message_id, kind, recipients, subject, body_text, body_html, created_at, attempts
          FROM mail_message WHERE status = 'queued' AND not_before <= :now AND mail_id > :after
         ORDER BY mail_id LIMIT 1 FOR UPDATE SKIP LOCKED"""),
        {"now": now, "after": after},
    ).first()
    if row is None:
        return None
    files = conn.execute(
        text("""
        SELECT a.filename, a.content_type, c.content, c.sha256 FROM mail_attachment a
          JOIN mail_content c USING (sha256) WHERE a.mail_id = :m ORDER BY a.position"""),
        {"m": row.mail_id},
    ).all()
    attachments = []
    for f in files:
        content = bytes(f.content)
        if hashlib.sha256(content).hexdigest() != f.sha256:
            raise MailError(f"attachment {f.filename!r} of message {row.message_id} does not match its SHA-256")
        attachments.append(Attachment(f.filename, f.content_type, content))
    return Outgoing(
        row.mail_id,
        row.message_id,
        row.kind,
        tuple(row.recipients),
        row.subject,
        row.body_text,
        row.body_html,
        row.created_at,
        row.attempts,
        tuple(attachments),
    )


def hold_sending_lock(conn: Connection, mail_id: int) -> None:
    """Take the message's session advisory lock: held while it is `sending`, freed when the sender's session ends."""
    hold_session_lock(conn, SENDING_LOCK, mail_id)


def release_sending_lock(conn: Connection, mail_id: int) -> None:
    """Release the lock taken by `hold_sending_lock`."""
    session_unlock(conn, SENDING_LOCK, mail_id)


def mark_sending(conn: Connection, mail_id: int, now: datetime) -> None:
    """The sender is about to send DATA: one more attempt, `sending` since `now`."""
    conn.execute(
        text("""UPDATE mail_message SET status = 'sending', sending_at = :now, attempts = attempts + 1
                          WHERE mail_id = :m AND status = 'queued'"""),
        {"m": mail_id, "now": now},
    )


def mark_sent(conn: Connection, mail_id: int, now: datetime, *, reply: str, refused: str = "") -> bool:
    """The server accepted the message (`reply` is its answer; `refused` names recipients it refused)."""
    return (
        conn.execute(
            text("""
        UPDATE mail_message SET status = 'sent', sent_at = :now, smtp_reply = :reply, last_error = :refused,
                                uncertain = false
         WHERE mail_id = :m AND status IN ('queued', 'sending')"""),
            {"m": mail_id, "now": now, "reply": reply[:500], "refused": refused[:1000]},
        ).rowcount
        == 1
    )


def backoff(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failed try: 1, 2, 4, 8 ... minutes, at most `BACKOFF_CAP`."""
    return min(timedelta(minutes=2 ** max(attempts - 1, 0)), BACKOFF_CAP)


def mark_retry(conn: Connection, mail_id: int, now: datetime, error: str) -> str:
    """A temporary failure: queued again after the backoff, or `failed` once it has had `MAX_ATTEMPTS`; the
    status it got. Counts the attempt if the row was still `queued` (refused before DATA)."""
    return conn.execute(
        text("""
        UPDATE mail_message
           SET attempts = attempts + CASE WHEN status = 'queued' THEN 1 ELSE 0 END,
               status = CASE WHEN attempts + CASE WHEN status = 'queued' THEN 1 ELSE 0 END >= :max
                             THEN 'failed' ELSE 'queued' END,
               not_before = :now + make_interval(mins => LEAST(:cap, power(2, GREATEST(
                                attempts + CASE WHEN status = 'queued' THEN 1 ELSE 0 END - 1, 0))::int)),
               last_error = :error
         WHERE mail_id = :m RETURNING status"""),
        {
            "m": mail_id,
            "now": now,
            "error": error[:1000],
            "max": MAX_ATTEMPTS,
            "cap": int(BACKOFF_CAP.total_seconds() // 60),
        },
    ).scalar_one()


def mark_failed(conn: Connection, mail_id: int, error: str, *, uncertain: bool = False) -> None:
    """A permanent failure (or an `uncertain` one, which a person must look at before a resend)."""
    conn.execute(
        text("""
        UPDATE mail_message SET attempts = attempts + CASE WHEN status = 'queued' THEN 1 ELSE 0 END,
                                status = 'failed', last_error = :error, uncertain = :uncertain
         WHERE mail_id = :m AND status IN ('queued', 'sending')"""),
        {"m": mail_id, "error": error[:1000], "uncertain": uncertain},
    )


UNCERTAIN = (
    "Pengirim berhenti setelah perintah DATA dan sebelum mencatat jawaban server: server mungkin sudah "
    "menerima pesan ini. Tidak dikirim ulang otomatis; periksa dengan penerima sebelum 'kirim ulang' "
    "(Message-ID tetap sama)."
)


def fail_stranded(conn: Connection) -> list[str]:
    """`sending` rows whose sender is gone (its advisory lock is free): `failed`, `uncertain`, for a person to
    decide. A row whose sender still holds the lock is left alone. Returns their Message-IDs."""
    rows = conn.execute(
        text("""
        SELECT mail_id, message_id FROM mail_message WHERE status = 'sending' ORDER BY mail_id
           FOR UPDATE SKIP LOCKED""")
    ).all()
    stranded = []
    for row in rows:
        if try_xact_lock(conn, SENDING_LOCK, row.mail_id):
            mark_failed(conn, row.mail_id, UNCERTAIN, uncertain=True)
            stranded.append(row.message_id)
    return stranded


def acts_for(user: object, status: str) -> frozenset[str]:
    """What `user` (a User, an Actor, None) may do to a message of `status` on Kotak keluar: `resend` a failed one."""
    return frozenset({"resend"}) if status == "failed" and may(user, "mail.resend") else frozenset()


def requeue(conn: Connection, mail_id: int, *, actor: Actor, now: datetime) -> str:
    """A person's "kirim ulang" of a failed message: queued again now with the same Message-ID, its attempts
    counted afresh; audited. Returns the Message-ID; `ResendRefused` when the message is not failed or the actor does
    not hold `mail.resend`."""
    if actor.role != "system" and not may(actor, "mail.resend"):
        raise ResendRefused(
            f"Peran Anda ({labels.ROLES.get(actor.role, actor.role)}) tidak berwenang mengirim ulang "
            f"e-mail; yang berwenang: {role_titles('mail.resend')}."
        )
    row = conn.execute(
        text("""SELECT message_id, status, attempts, last_error, uncertain FROM mail_message
                                WHERE mail_id = :m FOR UPDATE"""),
        {"m": mail_id},
    ).first()
    if row is None:
        raise ResendRefused(f"Pesan {mail_id} tidak ditemukan.")
    if row.status != "failed":
        raise ResendRefused(
            f"Pesan {row.message_id} berstatus {STATUS_LABELS[row.status].lower()}, bukan gagal: "
            "hanya pesan gagal yang dapat dikirim ulang."
        )
    conn.execute(
        text("""UPDATE mail_message SET status = 'queued', not_before = :now, attempts = 0,
                                uncertain = false, last_error = '' WHERE mail_id = :m"""),
        {"m": mail_id, "now": now},
    )
    record(
        conn,
        actor,
        "mail.requeue",
        object_type="mail_message",
        object_id=row.message_id,
        before={
            "status": row.status,
            "attempts": row.attempts,
            "error": row.last_error[:200],
            "uncertain": row.uncertain,
        },
        after={"status": "queued"},
    )
    return str(row.message_id)
