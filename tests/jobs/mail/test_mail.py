"""Sending the outbox to a real SMTP server (aiosmtpd in this process): what arrives, retries with backoff against
a server that refuses then accepts, permanent refusals, and a sender killed after the server accepted a message."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, text

from jobs.mail.send import (
    MailConfigError,
    NoServer,
    ServerUnreachable,
    SmtpSettings,
    mail_job,
    send_queued,
    smtp_settings,
)
from jobs.mail.sink import Received, free_port
from queries.accounts.audit import Actor
from queries.mail import outbox as q
from queries.mail.read import outbox
from tests.conftest import SmtpServer

WIB = ZoneInfo("Asia/Jakarta")
NOW = datetime(2026, 12, 4, 9, 0, tzinfo=WIB)
ROOT = Path(__file__).resolve().parents[3]
PDF = b"%PDF-1.4\n% Berita Acara Rekonsiliasi 014 04/12/2026\n" + bytes(range(256))
CSV = b"ntpn,kategori,nilai\r\n0123456789ABCDEF,missing_in_bank,150000\r\n"


def queue(engine: Engine, to: tuple[str, ...] = ("kantor.pusat@bank.example",), **extra: object) -> q.Queued:
    plain, page = q.body(
        ["Hasil rekonsiliasi tanggal buku 04/12/2026: 2 selisih <perlu klarifikasi>."],
        [("Buka Rekonsiliasi", q.page_url("/rekonsiliasi", tanggal="2026-12-04"))],
    )
    fields: dict[str, object] = {
        "kind": "result",
        "to": list(to),
        "subject": "Hasil rekonsiliasi 04/12/2026",
        "text_body": plain,
        "html_body": page,
        "now": NOW,
        **extra,
    }
    with engine.begin() as conn:
        return q.enqueue(conn, **fields)  # type: ignore[arg-type]


def row(engine: Engine, mail_id: int) -> tuple:
    with engine.connect() as conn:
        return tuple(
            conn.execute(
                text("""SELECT status, attempts, not_before, last_error, uncertain
                                            FROM mail_message WHERE mail_id = :m"""),
                {"m": mail_id},
            ).one()
        )


def test_a_queued_message_arrives_with_its_recipients_subject_message_id_bodies_and_attachments(
    engine: Engine, smtp_server: SmtpServer
) -> None:
    queued = queue(
        engine,
        ("kantor.pusat@bank.example", "rekon@bank.example"),
        attachments=[
            q.Attachment("BA-014-20261204.pdf", "application/pdf", PDF),
            q.Attachment("selisih-014-20261204.csv", "text/csv", CSV),
        ],
    )

    result = send_queued(engine, NOW)

    assert (result.sent, result.failed, result.queued, result.message) == (1, 0, 0, "sent 1, failed 0, queued 0")
    [got] = smtp_server.messages
    msg = got.message
    assert got.mail_from == "mpn-monitor@localhost"
    assert got.rcpt_tos == ("kantor.pusat@bank.example", "rekon@bank.example")
    assert msg["Subject"] == "Hasil rekonsiliasi 04/12/2026" and msg["Message-ID"] == queued.message_id
    assert "<perlu klarifikasi>" in msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    assert "&lt;perlu klarifikasi&gt;" in html
    assert 'href="http://127.0.0.1:8050/rekonsiliasi?tanggal=2026-12-04"' in html
    files = {a.get_filename(): a.get_payload(decode=True) for a in msg.iter_attachments()}
    assert files == {"BA-014-20261204.pdf": PDF, "selisih-014-20261204.csv": CSV}
    with engine.connect() as conn:
        [sent] = outbox(conn)
    assert (sent.status, sent.attempts, sent.sent_at is not None) == ("sent", 1, True)


def test_a_server_that_refuses_then_accepts_gets_it_after_backoff_and_only_once(
    engine: Engine, smtp_server: SmtpServer
) -> None:
    mail_id = queue(engine).mail_id
    smtp_server.refuse(2, "451 4.3.0 Server sibuk")

    first = send_queued(engine, NOW)
    status, attempts, due, error, _ = row(engine, mail_id)
    assert (first.sent, first.retried, status, attempts) == (0, 1, "queued", 1)
    assert "451 4.3.0 Server sibuk" in error
    assert NOW + timedelta(minutes=1) <= due < NOW + timedelta(minutes=1, seconds=5)

    assert send_queued(engine, NOW + timedelta(seconds=30)).retried == 0  # not due yet: nothing tried
    assert send_queued(engine, NOW + timedelta(minutes=1, seconds=5)).retried == 1  # refused again
    status, attempts, due, _, _ = row(engine, mail_id)
    assert (status, attempts) == ("queued", 2) and due >= NOW + timedelta(minutes=3)  # 2 minutes more

    assert send_queued(engine, NOW + timedelta(minutes=2, seconds=10)).sent == 0
    last = send_queued(engine, NOW + timedelta(minutes=3, seconds=10))
    assert (last.sent, last.queued, row(engine, mail_id)[:2]) == (1, 0, ("sent", 3))
    assert len(smtp_server.messages) == 1
    assert send_queued(engine, NOW + timedelta(hours=1)).sent == 0 and len(smtp_server.messages) == 1


def test_a_permanent_refusal_fails_at_once_and_kirim_ulang_sends_the_same_message_id(
    engine: Engine, smtp_server: SmtpServer
) -> None:
    queued = queue(engine)
    smtp_server.refuse(1, "554 5.7.1 Pesan ditolak")

    assert (send_queued(engine, NOW).failed, row(engine, queued.mail_id)[:2]) == (1, ("failed", 1))
    assert smtp_server.messages == []
    with engine.begin() as conn:
        q.requeue(conn, queued.mail_id, actor=Actor("kasi", "kasi", 1), now=NOW)
    assert send_queued(engine, NOW).sent == 1
    assert [m.message["Message-ID"] for m in smtp_server.messages] == [queued.message_id]


def test_a_refused_recipient_is_named_and_the_others_get_the_message(engine: Engine, smtp_server: SmtpServer) -> None:
    smtp_server.handler.reject_recipients["lama@bank.example"] = "550 5.1.1 Kotak surat tidak dikenal"
    mail_id = queue(engine, ("lama@bank.example", "rekon@bank.example")).mail_id

    assert send_queued(engine, NOW).sent == 1
    assert smtp_server.messages[0].rcpt_tos == ("rekon@bank.example",)
    status, _, _, error, _ = row(engine, mail_id)
    assert status == "sent" and error == "penerima ditolak: lama@bank.example: 550 5.1.1 Kotak surat tidak dikenal"


def test_without_a_server_nothing_is_sent_and_an_unreachable_one_leaves_the_queue_untouched(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    mail_id = queue(engine).mail_id
    monkeypatch.delenv("MPN_SMTP_URL", raising=False)
    with pytest.raises(NoServer, match="MPN_SMTP_URL"):
        send_queued(engine, NOW)
    assert "Server surat belum diatur" in mail_job(engine, NOW, actor=Actor.system("test")).message

    monkeypatch.setenv("MPN_SMTP_URL", f"smtp://127.0.0.1:{free_port()}")
    with pytest.raises(ServerUnreachable, match="tidak dapat dihubungi"):
        send_queued(engine, NOW)
    assert row(engine, mail_id)[:2] == ("queued", 0)


def test_smtp_urls() -> None:
    assert smtp_settings("smtp://mpn:rahasia%40x@mail.example:2525?starttls=1") == SmtpSettings(
        "mail.example", 2525, False, True, "mpn", "rahasia@x"
    )
    assert smtp_settings("smtps://mail.example") == SmtpSettings("mail.example", 465, True)
    assert smtp_settings("") is None
    with pytest.raises(MailConfigError, match=r"'http://u:\*\*\*@mail.example'"):
        smtp_settings("http://u:pw@mail.example")


SENDER = (
    "import os; from jobs.mail.send import send_queued; from queries.db import make_engine; "
    "send_queued(make_engine(os.environ['MPN_DATABASE_URL']))"
)


def test_a_sender_killed_after_the_server_accepted_never_sends_it_again_under_a_new_id(
    engine: Engine, db_url: str, smtp_server: SmtpServer
) -> None:
    queued = queue(engine)
    accepted, release = threading.Event(), threading.Event()

    def hold(_got: Received) -> None:  # the server has the message; its 250 waits until the sender is dead
        accepted.set()
        release.wait(30)

    smtp_server.handler.on_message = hold
    proc = subprocess.Popen(
        [sys.executable, "-c", SENDER],
        cwd=ROOT,
        env={**os.environ, "MPN_DATABASE_URL": db_url, "MPN_SMTP_URL": smtp_server.url},
    )
    try:
        assert accepted.wait(60), "the sender never reached DATA"
        proc.send_signal(signal.SIGKILL)
        assert proc.wait(30) == -signal.SIGKILL
    finally:
        release.set()
        proc.kill() if proc.poll() is None else None
    smtp_server.handler.on_message = None
    assert row(engine, queued.mail_id)[:2] == ("sending", 1)  # killed before it could record the reply

    again = send_queued(engine, NOW + timedelta(hours=1))  # the next run finds it stranded
    assert (again.sent, again.failed, again.stranded) == (0, 1, (queued.message_id,))
    status, attempts, _, error, uncertain = row(engine, queued.mail_id)
    assert (status, attempts, uncertain) == ("failed", 1, True) and "mungkin sudah menerima" in error
    assert send_queued(engine, NOW + timedelta(days=1)).sent == 0
    assert len(smtp_server.messages) == 1  # not sent a second time

    with engine.begin() as conn:  # a person checked with the bank and sends it again: the same Message-ID
        q.requeue(conn, queued.mail_id, actor=Actor("kasi", "kasi", 1), now=NOW)
    assert send_queued(engine, NOW + timedelta(days=1)).sent == 1
    assert [m.message["Message-ID"] for m in smtp_server.messages] == [queued.message_id] * 2


def test_the_scheduler_sends_the_outbox_every_minute(engine: Engine, smtp_server: SmtpServer) -> None:
    from jobs.scheduling.definitions import BY_ID, run_job

    queued = queue(engine)
    job = BY_ID["mail"]
    assert job.schedule_text(None) == "setiap menit"  # type: ignore[arg-type]

    run = run_job(engine, "mail", instance_id="test", trigger="manual", now=NOW)

    assert (run.status, run.message) == ("succeeded", "terkirim 1, gagal 0, dicoba lagi nanti 0, antre 0")
    assert [m.message["Message-ID"] for m in smtp_server.messages] == [queued.message_id]


def test_the_demo_sink_process_keeps_what_it_receives_as_eml_files(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from jobs.mail.sink import kept_messages, queue_demo_welcome, sink_process

    monkeypatch.delenv("MPN_SMTP_URL", raising=False)
    addresses = ["kasubdit@mpn-demo.localhost", "kasi@mpn-demo.localhost"]
    assert queue_demo_welcome(engine, addresses) and not queue_demo_welcome(engine, addresses)  # once
    with sink_process(tmp_path / "mail-sink") as url:
        assert os.environ["MPN_SMTP_URL"] == url
        assert send_queued(engine).sent == 1
    assert "MPN_SMTP_URL" not in os.environ  # the demo's sink is gone: nothing points at it any more

    [kept] = kept_messages(tmp_path / "mail-sink")
    assert (kept.subject, kept.rcpt_tos, kept.mail_from) == (
        "Demo MPN Monitor: surat elektronik aktif",
        ", ".join(addresses),
        "mpn-monitor@localhost",
    )
    assert len(list((tmp_path / "mail-sink").glob("*.eml"))) == 1


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (made with the openssl command) and its key."""
    import shutil

    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is not installed")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


def test_starttls_and_login_from_the_url(
    engine: Engine, certificate: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    import ssl

    from aiosmtpd.smtp import AuthResult, LoginPassword

    from jobs.mail.sink import SinkHandler, serve

    cert, key = certificate
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert, key)
    logins: list[tuple[str, bool]] = []

    def authenticate(
        _server: object, session: object, _envelope: object, _mechanism: str, data: LoginPassword
    ) -> AuthResult:
        login, password = (v.decode() if isinstance(v, bytes) else v for v in (data.login, data.password))
        logins.append((login, bool(getattr(session, "ssl", None))))
        return AuthResult(success=(login, password) == ("mpn", "rah@sia"), handled=False)  # refused: 535

    monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # the client trusts the test certificate, nothing else changes
    handler = SinkHandler()
    queued = queue(engine)
    with serve(
        handler, tls_context=server_tls, require_starttls=True, authenticator=authenticate, auth_require_tls=True
    ) as url:
        port = url.rsplit(":", 1)[1]
        monkeypatch.setenv("MPN_SMTP_URL", f"smtp://mpn:salah@127.0.0.1:{port}?starttls=1")
        with pytest.raises(ServerUnreachable, match="menolak login 'mpn'"):
            send_queued(engine, NOW)
        monkeypatch.setenv("MPN_SMTP_URL", f"smtp://mpn:rah%40sia@127.0.0.1:{port}?starttls=1")
        assert send_queued(engine, NOW).sent == 1
    assert len(logins) >= 2 and set(logins) == {("mpn", True)}  # every login try went over TLS
    assert [m.message["Message-ID"] for m in handler.messages] == [queued.message_id]
