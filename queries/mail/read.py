"""Reading the mail outbox: the list for `mpn mail outbox` and the Kotak keluar page, one message in full, counts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, text

#: `mpn mail outbox` columns (CONTRACT §6), in order.
OUTBOX_COLUMNS = ("message_id", "kind", "to", "subject", "created_at", "sent_at", "attempts", "status", "error")


@dataclass(frozen=True, slots=True)
class OutboxRow:
    """One message as the outbox lists it."""

    mail_id: int
    message_id: str
    kind: str
    recipients: tuple[str, ...]
    subject: str
    created_at: datetime
    not_before: datetime
    sent_at: datetime | None
    attempts: int
    status: str
    uncertain: bool
    last_error: str
    attachments: int

    def export(self) -> dict[str, object]:
        """The CONTRACT §6 columns (times ISO 8601 with offset, recipients `;`-separated)."""
        return {
            "message_id": self.message_id,
            "kind": self.kind,
            "to": ";".join(self.recipients),
            "subject": self.subject,
            "created_at": self.created_at.isoformat(),
            "sent_at": self.sent_at.isoformat() if self.sent_at else "",
            "attempts": self.attempts,
            "status": self.status,
            "error": self.last_error,
        }


_SELECT = """
    SELECT m.mail_id, m.message_id, m.kind, m.recipients, m.subject, m.created_at, m.not_before, m.sent_at,
           m.attempts, m.status, m.uncertain, m.last_error,
           (SELECT count(*) FROM mail_attachment a WHERE a.mail_id = m.mail_id) AS attachments
      FROM mail_message m"""


def outbox(conn: Connection, *, status: str = "all", limit: int | None = None) -> list[OutboxRow]:
    """Messages newest first; `status` one of queued, sending, sent, failed or all."""
    where = "" if status == "all" else " WHERE m.status = :status"
    rows = conn.execute(
        text(f"{_SELECT}{where} ORDER BY m.created_at DESC, m.mail_id DESC LIMIT :limit"),
        {"status": status, "limit": limit},
    ).all()
    return [
        OutboxRow(
            r.mail_id,
            r.message_id,
            r.kind,
            tuple(r.recipients),
            r.subject,
            r.created_at,
            r.not_before,
            r.sent_at,
            r.attempts,
            r.status,
            r.uncertain,
            r.last_error,
            r.attachments,
        )
        for r in rows
    ]


def status_counts(conn: Connection) -> dict[str, int]:
    """How many messages have each status (every status present, 0 when none)."""
    counts = dict.fromkeys(("queued", "sending", "sent", "failed"), 0)
    counts.update(
        {r.status: r.n for r in conn.execute(text("SELECT status, count(*) AS n FROM mail_message GROUP BY status"))}
    )
    return counts


@dataclass(frozen=True, slots=True)
class MessageDetail:
    """One message in full: its outbox row, bodies, the server's reply and its attachments (name, type, size)."""

    row: OutboxRow
    body_text: str
    body_html: str
    smtp_reply: str
    created_by: str
    attachments: tuple[tuple[str, str, int, str], ...]


def message_detail(conn: Connection, mail_id: int) -> MessageDetail | None:
    """The message with this id, or None."""
    found = conn.execute(text(f"{_SELECT} WHERE m.mail_id = :m"), {"m": mail_id}).first()
    if found is None:
        return None
    extra = conn.execute(
        text("SELECT body_text, body_html, smtp_reply, created_by FROM mail_message WHERE mail_id = :m"), {"m": mail_id}
    ).one()
    files = conn.execute(
        text("""SELECT a.filename, a.content_type, c.size_bytes, a.sha256 FROM mail_attachment a
                                   JOIN mail_content c USING (sha256) WHERE a.mail_id = :m ORDER BY a.position"""),
        {"m": mail_id},
    ).all()
    row = OutboxRow(
        found.mail_id,
        found.message_id,
        found.kind,
        tuple(found.recipients),
        found.subject,
        found.created_at,
        found.not_before,
        found.sent_at,
        found.attempts,
        found.status,
        found.uncertain,
        found.last_error,
        found.attachments,
    )
    return MessageDetail(
        row,
        extra.body_text,
        extra.body_html,
        extra.smtp_reply,
        extra.created_by,
        tuple((f.filename, f.content_type, f.size_bytes, f.sha256) for f in files),
    )


def addresses_of_roles(conn: Connection, roles: tuple[str, ...] | list[str]) -> list[str]:
    """The e-mail addresses of the active users holding any of these roles (for alerts and digests)."""
    return list(
        conn.execute(
            text("""SELECT DISTINCT email FROM app_user
                                      WHERE active AND email <> '' AND role = ANY(:roles) ORDER BY email"""),
            {"roles": list(roles)},
        ).scalars()
    )


def users_of_roles(conn: Connection, roles: tuple[str, ...] | list[str]) -> list[tuple[int, str]]:
    """(user id, address) of the active users holding any of these roles who have an e-mail address, by name."""
    return [
        (int(r.user_id), str(r.email))
        for r in conn.execute(
            text(
                """SELECT user_id, email FROM app_user WHERE active AND email <> '' AND role = ANY(:roles)
            ORDER BY username"""
            ),
            {"roles": list(roles)},
        )
    ]
