"""Report subscriptions: the daily report's PDF reaches each subscribed user by real SMTP (aiosmtpd) as soon as it is
made, its attachment byte for byte the kept report; one message per (version, user); the setting is checked."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, text

from jobs.documents import daily_report as daily
from jobs.mail.reports import mail_daily_pdf
from jobs.mail.send import send_queued
from queries.accounts.audit import Actor
from queries.accounts.users import add_user
from queries.settings import SettingError, set_setting
from tests.builders.reconciliation import D2
from tests.conftest import SmtpServer

NOW = datetime(2026, 11, 23, 11, 0, tzinfo=UTC)  # Monday 18:00 WIB
ACTOR = Actor.system("test")


def staff(engine: Engine) -> None:
    """A kasi and a kasubdit with addresses (subscribed by default), a pelaksana with one (not), a kasi without."""
    with engine.begin() as conn:
        for name, role, email in (
            ("sari", "kasi", "sari@djp.example"),
            ("dedi", "kasubdit", "dedi@djp.example"),
            ("ani", "pelaksana", "ani@djp.example"),
            ("budi", "kasi", ""),
        ):
            add_user(conn, username=name, role=role, password="demo", actor=ACTOR, policy=False, email=email)


def kept(engine: Engine) -> list[tuple[int, str]]:
    with engine.connect() as conn:
        return [
            tuple(r)
            for r in conn.execute(
                text(
                    "SELECT report_id, sha256 FROM dist_report WHERE kind = 'daily' AND format = 'pdf'"
                    " ORDER BY report_id"
                )
            )
        ]


def test_the_made_pdf_arrives_attached_to_each_subscriber(engine: Engine, smtp_server: SmtpServer) -> None:
    staff(engine)
    with engine.begin() as conn:
        set_setting(conn, "reports.subscriptions.kasubdit", "", actor=ACTOR)  # the kasubdit unsubscribes
    daily.make_daily_report(engine, D2, fmt="pdf", made_by="system:test", now=NOW)
    daily.make_daily_report(engine, D2, fmt="xlsx", made_by="system:test", now=NOW)  # no mail for the XLSX
    assert send_queued(engine, NOW + timedelta(minutes=1)).sent == 1

    (received,) = smtp_server.messages
    assert received.rcpt_tos == ("sari@djp.example",)
    message = received.message
    assert message["Subject"] == "Laporan Harian MPN tanggal buku 20/11/2026"
    (pdf,) = [p for p in message.iter_attachments() if p.get_content_type() == "application/pdf"]
    assert pdf.get_filename() == "laporan-harian-mpn_2026-11-20.pdf"
    ((_, sha),) = kept(engine)
    assert hashlib.sha256(pdf.get_content()).hexdigest() == sha
    assert "Terlampir Laporan Harian" in message.get_body(("plain",)).get_content()


def test_one_message_per_version_and_user(engine: Engine, smtp_server: SmtpServer) -> None:
    staff(engine)
    with engine.begin() as conn:
        made = daily.make_daily_reports(conn, D2, made_by="system:test", now=NOW)  # the scheduler's call
    assert len(made) == 2
    daily.make_daily_report(engine, D2, fmt="pdf", made_by="system:test", now=NOW + timedelta(minutes=5))
    (first, _), (second, second_sha) = kept(engine)
    with engine.begin() as conn:  # the hook replayed for the second version: nothing new
        content = bytes(
            conn.execute(text("SELECT content FROM dist_report WHERE report_id = :i"), {"i": second}).scalar_one()
        )
        assert mail_daily_pdf(conn, report_id=second, business_date=D2, name="x.pdf", content=content, made_at=NOW) == 0
    assert send_queued(engine, NOW + timedelta(minutes=10)).sent == 4  # 2 versions x (kasi sari, kasubdit dedi)
    got = sorted(
        (m.rcpt_tos[0], f"#{first}" in m.message.get_body(("plain",)).get_content()) for m in smtp_server.messages
    )
    assert got == [
        ("dedi@djp.example", False),
        ("dedi@djp.example", True),
        ("sari@djp.example", False),
        ("sari@djp.example", True),
    ]
    last = [m for m in smtp_server.messages if f"#{second}" in m.message.get_body(("plain",)).get_content()]
    assert {hashlib.sha256(next(m.message.iter_attachments()).get_content()).hexdigest() for m in last} == {second_sha}


def test_the_subscription_setting_is_checked(engine: Engine) -> None:
    with engine.begin() as conn, pytest.raises(SettingError, match="tidak dikenal: harian"):
        set_setting(conn, "reports.subscriptions.kasi", "harian", actor=ACTOR)
