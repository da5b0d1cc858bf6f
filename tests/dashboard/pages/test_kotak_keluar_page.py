"""The "Kotak keluar" page in a real headless Chromium: the outbox with status, attempts and errors, the preview
(the body shown as text, never as markup), "kirim ulang" of a failed message (audited, then really delivered to an
SMTP server), the local sink's section, and the refusal for a pelaksana."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, text

from dashboard.app import create_app
from jobs.mail.send import send_queued
from jobs.mail.sink import SinkHandler, serve
from queries.mail import outbox as q
from tests.dashboard.helpers import click, screenshot, sign_in, start

pytestmark = pytest.mark.browser

PAGE = "/kotak-keluar"
NOW = datetime(2026, 12, 4, 9, 0, tzinfo=ZoneInfo("Asia/Jakarta"))


def no_errors(dash_duo: Any) -> None:
    logs = dash_duo.get_logs()
    assert logs == [], "\n".join(e["message"] for e in logs)


def outbox_with_a_sent_and_a_failed_message(engine: Engine) -> tuple[q.Queued, q.Queued]:
    plain, page = q.body(
        ["Batch BNI tanggal 04/12/2026 belum diterima. <script>alert(1)</script>"],
        [("Buka Kelengkapan", q.page_url("/kelengkapan", tanggal="2026-12-04"))],
    )
    with engine.begin() as conn:
        sent = q.enqueue(
            conn,
            kind="alert",
            to=["kasi@djpb.example"],
            subject="Peringatan: batch BNI terlambat",
            text_body=plain,
            html_body=page,
            now=NOW,
        )
        failed = q.enqueue(
            conn,
            kind="result",
            to=["rekon@bni.example"],
            subject="Hasil rekonsiliasi 04/12/2026",
            text_body="Terlampir Berita Acara.",
            now=NOW,
            attachments=[q.Attachment("BA-009-20261204.pdf", "application/pdf", b"%PDF-1.4 BA")],
        )
        q.mark_sending(conn, sent.mail_id, NOW)
        q.mark_sent(conn, sent.mail_id, NOW, reply="250 2.0.0 Ok: queued as 7F3A")
        q.mark_failed(conn, failed.mail_id, "554 5.7.1 Kotak surat penuh")
    return sent, failed


def test_the_outbox_previews_a_message_and_resends_a_failed_one(
    dash_duo, engine: Engine, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent, failed = outbox_with_a_sent_and_a_failed_message(engine)
    handler = SinkHandler(tmp_path / "mpn-data" / "mail-sink")
    with serve(handler) as url:  # the demo's sink: what it keeps is listed at the bottom
        monkeypatch.setenv("MPN_SMTP_URL", url)
        start(dash_duo, create_app())
        sign_in(dash_duo, engine, "hendra", "kasubdit", then=PAGE)

        dash_duo.wait_for_contains_text("#kk-tabel", "Hasil rekonsiliasi 04/12/2026")
        failed_row = dash_duo.find_element(f"#kk-baris-{failed.mail_id}").text
        assert "Gagal" in failed_row and "554 5.7.1 Kotak surat penuh" in failed_row and "1 lampiran" in failed_row
        sent_row = dash_duo.find_element(f"#kk-baris-{sent.mail_id}").text
        assert "Terkirim" in sent_row and "Peringatan" in sent_row and "kasi@djpb.example" in sent_row
        assert dash_duo.find_elements(f"#kk-baris-{sent.mail_id} .btn-warning") == []  # only failed ones resend

        click(dash_duo, f"#kk-baris-{sent.mail_id} button")  # Lihat
        dash_duo.wait_for_contains_text("#kk-pratinjau", sent.message_id)
        body = dash_duo.find_element("#kk-isi").text
        assert "<script>alert(1)</script>" in body  # shown as text, not run
        assert "Buka Kelengkapan: http://127.0.0.1:8050/kelengkapan?tanggal=2026-12-04" in body
        assert "250 2.0.0 Ok: queued as 7F3A" in dash_duo.find_element("#kk-pratinjau").text

        click(dash_duo, f"#kk-baris-{failed.mail_id} .btn-warning")  # Kirim ulang
        dash_duo.wait_for_contains_text("#kk-pesan-isi", f"Pesan {failed.message_id} masuk antrean lagi")
        dash_duo.wait_for_contains_text(f"#kk-baris-{failed.mail_id}", "Antre")
        assert send_queued(engine).sent == 1  # requeued due now (the real clock)
        assert [m.message["Message-ID"] for m in handler.messages] == [failed.message_id]
        with engine.connect() as conn:
            who = conn.execute(text("SELECT actor, object_id FROM audit_log WHERE action = 'mail.requeue'")).one()
        assert tuple(who) == ("hendra", failed.message_id)

        with engine.begin() as conn:  # a sender that died between DATA and the reply: for a person to decide
            stranded = q.enqueue(
                conn,
                kind="digest",
                to=["kasubdit@djpb.example"],
                text_body="Ringkasan.",
                subject="Ringkasan harian 04/12/2026",
                now=NOW,
            )
            q.mark_failed(conn, stranded.mail_id, q.UNCERTAIN, uncertain=True)
        dash_duo.driver.refresh()
        dash_duo.wait_for_contains_text("#kk-sink", "Hasil rekonsiliasi 04/12/2026")
        assert "BA-009-20261204.pdf" in dash_duo.find_element("#kk-sink").text
        row = dash_duo.find_element(f"#kk-baris-{stranded.mail_id}").text
        assert "Gagal · mungkin sudah terkirim" in row and "periksa dengan penerima" in row
        screenshot(dash_duo, "kotak-keluar.png", full_page=True)
        no_errors(dash_duo)


def test_a_pelaksana_is_refused_the_page(dash_duo, engine: Engine) -> None:
    outbox_with_a_sent_and_a_failed_message(engine)
    start(dash_duo, create_app())
    sign_in(dash_duo, engine, "budi", "pelaksana", then=PAGE)

    dash_duo.wait_for_contains_text(".mpn-forbidden", "Akses ditolak")
    assert dash_duo.find_elements("#kk-tabel") == []
    assert "Kotak keluar" not in [e.text for e in dash_duo.find_elements(".mpn-navbar .nav-link")]
    no_errors(dash_duo)
