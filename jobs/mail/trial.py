"""The Pengaturan page's test e-mail: one message to the admin's own address, queued in the outbox like any other
(`queries.mail.outbox.enqueue`) and sent at once (`jobs.mail.send.send_queued`), so the admin sees the server's
answer."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from jobs.mail.send import MailConfigError, NoServer, ServerUnreachable, send_queued, smtp_settings
from queries import config
from queries.accounts.audit import record
from queries.accounts.users import User
from queries.mail.outbox import MailError, body, enqueue
from queries.mail.read import message_detail

MAIL_TEST_KIND = "uji"


@dataclass(frozen=True, slots=True)
class MailTestOutcome:
    """Whether the test message was accepted by the server, and what to tell the admin (Indonesian)."""

    ok: bool
    message: str


def send_test_message(user: User, engine: Engine | None = None) -> MailTestOutcome:
    """Queue and send a test message to `user`'s e-mail address; audited `mail.test`."""
    if engine is None:
        from queries.db import engine as configured

        engine = configured()
    if not user.email:
        return MailTestOutcome(False, "Akun Anda belum punya alamat e-mail: isi dulu di halaman Pengguna.")
    plain, page = body(
        [
            f"Halo {user.display_name},",
            "ini pesan uji dari halaman Pengaturan MPN Monitor. Bila pesan ini sampai, server surat "
            "sudah diatur dengan benar.",
        ]
    )
    try:
        with engine.begin() as conn:
            queued = enqueue(
                conn,
                kind=MAIL_TEST_KIND,
                to=[user.email],
                subject="Uji surat elektronik MPN Monitor",
                text_body=plain,
                html_body=page,
                created_by=user.username,
                now=config.now(),
            )
            record(
                conn,
                user.actor(),
                "mail.test",
                object_type="mail",
                object_id=queued.message_id,
                after={"to": user.email},
            )
    except MailError as exc:
        return MailTestOutcome(False, f"Pesan uji tidak dapat diantrekan: {exc}")
    return _send(engine, queued.mail_id, queued.message_id, user.email)


def _send(engine: Engine, mail_id: int, message_id: str, to: str) -> MailTestOutcome:
    queued = f"Pesan uji {message_id} untuk {to} masuk antrean"
    try:
        server = smtp_settings()
        send_queued(engine)
    except NoServer:
        return MailTestOutcome(
            False, f"{queued}, tetapi server surat belum diatur (MPN_SMTP_URL): pesan menunggu di Kotak keluar."
        )
    except MailConfigError as exc:
        return MailTestOutcome(False, f"{queued}, tetapi pengaturan server surat salah: {exc}")
    except ServerUnreachable as exc:
        return MailTestOutcome(
            False, f"{queued}, tetapi server surat tidak dapat dihubungi ({exc}); penjadwal mencobanya lagi."
        )
    with engine.connect() as conn:
        detail = message_detail(conn, mail_id)
    where = server.display if server else "-"
    if detail is not None and detail.row.status == "sent":
        return MailTestOutcome(
            True,
            f"Pesan uji terkirim ke {to} lewat {where} ({message_id}); jawaban server: {detail.smtp_reply or '-'}.",
        )
    error = detail.row.last_error if detail is not None else ""
    return MailTestOutcome(False, f"{queued}, tetapi belum terkirim: {error or 'server menolak'}. Lihat Kotak keluar.")
