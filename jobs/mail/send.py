"""Sending the outbox over SMTP (`MPN_SMTP_URL`): one connection per run, retries with backoff, never twice.

`send_queued(engine, now)` takes the due `queued` messages one by one (`FOR UPDATE SKIP LOCKED`, so several
scheduler instances or a `mpn mail send` beside the scheduler never take the same one) and, per message:

1. MAIL FROM and RCPT TO, while the row is locked and still `queued`. A refusal here is certain: nothing was
   delivered. 4xx (or a dropped connection) -> queued again after 1, 2, 4 ... minutes (at most 60), `failed`
   after `MAX_ATTEMPTS`; 5xx -> `failed` at once. Recipients refused with 5xx while others were accepted are
   named in the error and the message goes to the others.
2. The sender takes the message's session advisory lock and commits `sending` (attempt counted).
3. DATA with the message (its Message-ID, made at enqueue, is the same on every attempt).
4. The server's final reply is recorded: 250 -> `sent` (with the reply, usually the server's queue id); 4xx/5xx
   -> as in 1. Then the lock is released.

The guarantee: no message is ever sent twice automatically, and no attempt ever carries a new Message-ID.
The one window where the outcome is unknown is from the commit of `sending` (step 2) to the commit of the reply
(step 4): the DATA transfer, the server's processing and one UPDATE (milliseconds on a local network). If the
process dies in that window (SIGKILL, power loss) or the connection breaks while DATA is in flight, the message
may or may not have been delivered. Such a message is never retried blindly: the next run finds it `sending` with
its advisory lock free (PostgreSQL frees it when the dead sender's session ends; a live sender still holds it and
is left alone) and marks it `failed` with `uncertain` set and an explanation. Kotak keluar shows it as "mungkin
sudah terkirim"; a person who checks with the recipient may "kirim ulang", which sends it with the SAME
Message-ID, so a copy that did arrive is recognisable as the same message (mail clients thread or collapse it).
A sender that lost only its database connection while SMTP continued is treated the same way.
"""

from __future__ import annotations

import logging
import os
import smtplib
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from urllib.parse import parse_qs, unquote, urlsplit

from sqlalchemy import Connection, Engine

from jobs.scheduling.daily import Outcome
from queries import config
from queries.accounts.audit import Actor
from queries.mail import outbox as q
from queries.mail.read import status_counts

log = logging.getLogger(__name__)
TIMEOUT = 30  # seconds for each SMTP exchange
PER_RUN = 500  # messages one run sends at most (the rest wait a minute for the next run)


class MailConfigError(ValueError):
    """`MPN_SMTP_URL` is not a usable SMTP URL."""


class NoServer(RuntimeError):
    """No outgoing mail server is configured."""


class ServerUnreachable(RuntimeError):
    """The mail server could not be reached or dropped the connection; the run stops, messages stay queued.
    `result` is what the run did before (set by `send_queued`)."""

    result: SendResult | None = None


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    """Where and how to connect: `smtp://user:pass@host:port[?starttls=1]` or `smtps://` (implicit TLS)."""

    host: str
    port: int
    implicit_tls: bool = False
    starttls: bool = False
    user: str = ""
    password: str = ""

    @property
    def display(self) -> str:
        """The URL without the password (for messages and logs)."""
        scheme = "smtps" if self.implicit_tls else "smtp"
        who = f"{self.user}@" if self.user else ""
        return f"{scheme}://{who}{self.host}:{self.port}" + ("?starttls=1" if self.starttls else "")


def smtp_settings(url: str | None = None) -> SmtpSettings | None:
    """`url` (default `MPN_SMTP_URL`) parsed, None when unset; MailConfigError says what is wrong with it."""
    raw = (os.environ.get("MPN_SMTP_URL", "") if url is None else url).strip()
    if not raw:
        return None
    parts = urlsplit(raw)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise MailConfigError(f"MPN_SMTP_URL {_hide(raw)!r}: expected smtp://[user:pass@]host[:port] or smtps://…")
    try:
        port = parts.port or (465 if parts.scheme == "smtps" else 25)
    except ValueError as exc:
        raise MailConfigError(f"MPN_SMTP_URL {_hide(raw)!r}: {exc}") from None
    flag = parse_qs(parts.query).get("starttls", ["0"])[-1].lower()
    return SmtpSettings(
        parts.hostname,
        port,
        parts.scheme == "smtps",
        flag in ("1", "true", "yes"),
        unquote(parts.username or ""),
        unquote(parts.password or ""),
    )


def _hide(url: str) -> str:
    parts = urlsplit(url)
    return url.replace(f":{parts.password}@", ":***@") if parts.password else url


def build_message(out: q.Outgoing, sender: str) -> EmailMessage:
    """The RFC 5322 message: plain text and HTML alternatives, attachments, the stored Message-ID and date."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = ", ".join(out.recipients)
    msg["Subject"] = out.subject
    msg["Date"] = format_datetime(out.created_at)
    msg["Message-ID"] = out.message_id
    msg["Auto-Submitted"] = "auto-generated"
    msg["X-MPN-Kind"] = out.kind
    msg.set_content(out.body_text, charset="utf-8")
    if out.body_html:
        msg.add_alternative(out.body_html, subtype="html", charset="utf-8")
    for a in out.attachments:
        maintype, subtype = a.content_type.split("/", 1)
        msg.add_attachment(a.content, maintype=maintype, subtype=subtype, filename=a.filename)
    return msg


def connect(settings: SmtpSettings) -> smtplib.SMTP:
    """An open, greeted (and if asked, encrypted and logged-in) SMTP connection; ServerUnreachable if not."""
    context = ssl.create_default_context()
    try:
        if settings.implicit_tls:
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(settings.host, settings.port, timeout=TIMEOUT, context=context)
        else:
            smtp = smtplib.SMTP(settings.host, settings.port, timeout=TIMEOUT)
        smtp.ehlo()
        if settings.starttls:
            smtp.starttls(context=context)
            smtp.ehlo()
        if settings.user:
            smtp.login(settings.user, settings.password)
    except smtplib.SMTPAuthenticationError as exc:
        raise ServerUnreachable(
            f"server surat {settings.display} menolak login {settings.user!r}: {_reply(exc.smtp_code, exc.smtp_error)}"
        ) from exc
    except (OSError, smtplib.SMTPException) as exc:
        raise ServerUnreachable(f"server surat {settings.display} tidak dapat dihubungi: {exc}") from exc
    return smtp


@dataclass
class SendResult:
    """What one run did: sent, failed (including stranded `sending` rows), put back for a retry, still queued."""

    sent: int = 0
    failed: int = 0
    retried: int = 0
    queued: int = 0
    stranded: tuple[str, ...] = ()

    @property
    def message(self) -> str:
        """`sent N, failed M, queued K` (CONTRACT §6)."""
        return f"sent {self.sent}, failed {self.failed}, queued {self.queued}"


def send_queued(
    engine: Engine, now: datetime | None = None, *, settings: SmtpSettings | None = None, limit: int = PER_RUN
) -> SendResult:
    """Send the messages due at `now` (default the present; an explicit `now` steps time in tests) over one SMTP
    connection. NoServer when none is configured; ServerUnreachable (after recording what it did) when the
    server cannot be reached or drops the connection."""
    settings = settings or smtp_settings()
    if settings is None:
        raise NoServer("tidak ada server surat: setel MPN_SMTP_URL (smtp://user:pass@host:port)")
    clock = _clock(now)
    result = SendResult()
    with engine.connect() as conn:
        with conn.begin():
            result.stranded = tuple(q.fail_stranded(conn))
        result.failed += len(result.stranded)
        try:
            _run(conn, settings, clock, result, limit)
        except ServerUnreachable as exc:
            exc.result = result
            raise
        finally:
            if conn.in_transaction():
                conn.rollback()
            result.queued = status_counts(conn)["queued"]
            conn.rollback()
    return result


def _clock(now: datetime | None) -> Callable[[], datetime]:
    """The run's time: `now` advancing with the real clock (sent_at of a long run stays true)."""
    start, base = time.monotonic(), now or config.now()
    return lambda: base + timedelta(seconds=time.monotonic() - start)


def _run(
    conn: Connection, settings: SmtpSettings, clock: Callable[[], datetime], result: SendResult, limit: int
) -> None:
    smtp: smtplib.SMTP | None = None
    sender, after = q.mail_from(), 0
    try:
        for _ in range(limit):
            tx = conn.begin()
            out = q.claim_next(conn, clock(), after=after)
            if out is None:
                tx.rollback()
                return
            after = out.mail_id
            if smtp is None:
                try:
                    smtp = connect(settings)
                except ServerUnreachable:
                    tx.rollback()  # nothing was tried: the messages stay as they were
                    raise
            status = _deliver(conn, smtp, out, sender, clock)
            setattr(result, status, getattr(result, status) + 1)
    finally:
        if smtp is not None:
            _quit(smtp)


def _quit(smtp: smtplib.SMTP) -> None:
    try:
        smtp.quit()
    except (OSError, smtplib.SMTPException):
        smtp.close()


def _reply(code: int, reply: bytes | str) -> str:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
    return f"{code} {' '.join(text.split())}"


def _refusal(conn: Connection, mail_id: int, code: int, error: str, clock: Callable[[], datetime]) -> str:
    """Record a certain refusal: 4xx retried later, 5xx failed; the SendResult field to count it in."""
    if 400 <= code < 500:
        return "retried" if q.mark_retry(conn, mail_id, clock(), error) == "queued" else "failed"
    q.mark_failed(conn, mail_id, error)
    return "failed"


def _deliver(conn: Connection, smtp: smtplib.SMTP, out: q.Outgoing, sender: str, clock: Callable[[], datetime]) -> str:
    """Steps 1-4 of the module docstring for one claimed message (its transaction open); the result field."""
    try:
        payload = build_message(out, sender).as_bytes(policy=SMTP)
    except (ValueError, TypeError, LookupError) as exc:  # a message that cannot be built never will be
        q.mark_failed(conn, out.mail_id, f"pesan tidak dapat disusun: {exc}")
        conn.commit()
        return "failed"
    try:
        envelope = _envelope(smtp, sender, out.recipients)
    except (OSError, smtplib.SMTPException) as exc:
        q.mark_retry(conn, out.mail_id, clock(), f"koneksi terputus sebelum DATA: {exc}")
        conn.commit()
        raise ServerUnreachable(f"server surat memutus koneksi: {exc}") from exc
    if isinstance(envelope, tuple):  # refused before DATA: certain
        status = _refusal(conn, out.mail_id, *envelope, clock)
        conn.commit()
        _reset(smtp)
        return status
    q.hold_sending_lock(conn, out.mail_id)
    q.mark_sending(conn, out.mail_id, clock())
    conn.commit()
    try:
        return _data(conn, smtp, out, payload, envelope, clock)
    finally:
        q.release_sending_lock(conn, out.mail_id)
        if conn.in_transaction():
            conn.commit()


def _envelope(smtp: smtplib.SMTP, sender: str, recipients: tuple[str, ...]) -> str | tuple[int, str]:
    """MAIL FROM and RCPT TO: the refused recipients as text ('' when none), or (code, error) when the message
    cannot go now (any 4xx: all later; every recipient 5xx, or MAIL FROM refused)."""
    code, reply = smtp.mail(sender)
    if code != 250:
        return code, f"MAIL FROM ditolak: {_reply(code, reply)}"
    refused: dict[str, tuple[int, str]] = {}
    for rcpt in recipients:
        code, reply = smtp.rcpt(rcpt)
        if code not in (250, 251):
            refused[rcpt] = (code, _reply(code, reply))
    text = "; ".join(f"{rcpt}: {why}" for rcpt, (_, why) in refused.items())
    temporary = [c for c, _ in refused.values() if 400 <= c < 500]
    if temporary:
        return temporary[0], f"penerima ditolak sementara: {text}"
    if len(refused) == len(recipients):
        return next(iter(refused.values()))[0], f"semua penerima ditolak: {text}"
    return f"penerima ditolak: {text}" if text else ""


def _data(
    conn: Connection, smtp: smtplib.SMTP, out: q.Outgoing, payload: bytes, refused: str, clock: Callable[[], datetime]
) -> str:
    """DATA and the server's final reply, recorded; an answer that never came is `uncertain`."""
    try:
        code, reply = smtp.data(payload)
    except smtplib.SMTPDataError as exc:  # DATA itself refused (no 354): the content never left
        status = _refusal(
            conn, out.mail_id, exc.smtp_code, f"DATA ditolak: {_reply(exc.smtp_code, exc.smtp_error)}", clock
        )
        conn.commit()
        _reset(smtp)
        return status
    except (OSError, smtplib.SMTPException) as exc:
        q.mark_failed(conn, out.mail_id, f"{q.UNCERTAIN} ({exc})", uncertain=True)
        conn.commit()
        raise ServerUnreachable(f"koneksi terputus saat DATA pesan {out.message_id}: {exc}") from exc
    if code == 250:
        q.mark_sent(conn, out.mail_id, clock(), reply=_reply(code, reply), refused=refused)
        conn.commit()
        log.info("mail %s sent to %s: %s", out.message_id, ", ".join(out.recipients), _reply(code, reply))
        return "sent"
    status = _refusal(conn, out.mail_id, code, f"pesan ditolak: {_reply(code, reply)}", clock)
    conn.commit()
    _reset(smtp)
    return status


def _reset(smtp: smtplib.SMTP) -> None:
    try:
        smtp.rset()
    except (OSError, smtplib.SMTPException) as exc:
        raise ServerUnreachable(f"server surat memutus koneksi: {exc}") from exc


def mail_job(engine: Engine, now: datetime, *, actor: Actor) -> Outcome:
    """The scheduler's job (every minute): send what is due. Without a configured server it only reports how
    many wait; an unreachable server fails the run (recorded on Penjadwal) and the messages stay queued."""
    del actor  # sending is the system's own act; a person's "kirim ulang" is what is audited
    if smtp_settings() is None:
        with engine.connect() as conn:
            waiting = status_counts(conn)["queued"]
        return Outcome(0, f"Server surat belum diatur (MPN_SMTP_URL); {waiting} pesan menunggu")
    result = send_queued(engine, now)
    return Outcome(
        result.sent,
        f"terkirim {result.sent}, gagal {result.failed}, dicoba lagi nanti {result.retried}, antre {result.queued}",
    )
