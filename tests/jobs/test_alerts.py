"""The alert jobs: a subscriber's e-mail really arriving at an SMTP server (aiosmtpd) when an alert opens, the morning
digest once a day, and both jobs registered in the scheduler and recorded like every job."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Engine, text

from jobs.alerts import alerts_job, check_scheduler, digest_job, evaluate_alerts
from jobs.mail.send import send_queued
from jobs.scheduling.definitions import BY_ID, SCHEDULE_TEXT, run_job
from queries.accounts.audit import Actor
from queries.accounts.users import add_user
from queries.settings import ALERT_SUBSCRIPTIONS, set_setting
from tests.builders.alerts import DAY, at, payments, scheduler
from tests.conftest import SmtpServer

ACTOR = Actor.system("test")


def people(engine: Engine) -> None:
    with engine.begin() as conn:
        for name, role, email in (
            ("sari", "kasi", "sari@djp.example"),
            ("budi", "pelaksana", "budi@djp.example"),
            ("tono", "tu", "tono@djp.example"),
            ("rini", "kasi", ""),
        ):
            add_user(conn, username=name, role=role, password="sandi-uji-123", actor=ACTOR, email=email)
        add_user(conn, username="lama", role="kasi", password="sandi-uji-123", actor=ACTOR, email="lama@djp.example")
        conn.execute(text("UPDATE app_user SET active = false WHERE username = 'lama'"))


def test_an_opened_alert_reaches_the_subscribers_by_smtp(engine: Engine, smtp_server: SmtpServer) -> None:
    people(engine)
    with engine.begin() as conn:
        payments(conn, DAY, ["009"])
        set_setting(conn, "alerts.subscriptions.pelaksana", "statement_late", actor=ACTOR)  # not batch_late

    evaluate_alerts(engine, at(DAY, 16, 3))
    evaluate_alerts(engine, at(DAY, 16, 4))  # nothing new: no second message
    assert send_queued(engine, at(DAY, 16, 5)).sent == 1

    (received,) = smtp_server.messages
    assert received.rcpt_tos == ("sari@djp.example",)  # kasi subscribes; inactive, address-less and tu do not
    message = received.message
    assert message["Subject"] == (
        "Peringatan MPN: Batch bank terlambat — 009 PT Bank Negara Indonesia (Persero) Tbk, 20/11/2026"
    )
    plain = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "tanggal buku Jumat, 20 November 2026" in plain and "Batas: 20/11/2026 16:00 WIB" in plain
    assert "terlambat 3 menit" in plain and "/peringatan?tanggal=2026-11-20" in plain
    assert 'href="http://127.0.0.1:8050/peringatan?tanggal=2026-11-20"' in html


def test_the_morning_digest_goes_once_a_day_to_subscribed_roles(engine: Engine, smtp_server: SmtpServer) -> None:
    people(engine)
    with engine.begin() as conn:
        payments(conn, DAY, ["002", "008"])
        for role in ALERT_SUBSCRIPTIONS:  # the kasi takes the digest only: no alert mail
            set_setting(conn, f"alerts.subscriptions.{role}", "digest" if role == "kasi" else "", actor=ACTOR)
    evaluate_alerts(engine, at(DAY, 17, 0))
    monday = date(2026, 11, 23)
    assert digest_job(engine, at(monday, 8, 0), actor=ACTOR).rows == 1
    assert digest_job(engine, at(monday, 8, 1), actor=ACTOR).rows == 0  # once per day
    assert send_queued(engine, at(monday, 8, 2)).sent == 1
    (received,) = smtp_server.messages
    assert received.rcpt_tos == ("sari@djp.example",)
    assert received.message["Subject"] == "Ringkasan peringatan MPN 23/11/2026: 2 terbuka"
    plain = received.message.get_body(("plain",)).get_content()
    assert "- Batch bank terlambat: 002 PT Bank Rakyat Indonesia (Persero) Tbk, 20/11/2026" in plain
    assert "terlambat 3840 menit" in plain  # Friday 16:00 to Monday 08:00


def test_the_jobs_are_scheduled_and_recorded(engine: Engine) -> None:
    assert SCHEDULE_TEXT["alerts"](None) == "setiap menit"  # type: ignore[arg-type]
    assert BY_ID["alerts_digest"].working_days_only
    with engine.begin() as conn:
        payments(conn, DAY, ["002"])
    result = run_job(engine, "alerts", instance_id="t", trigger="manual", now=at(DAY, 16, 30))
    assert (result.status, result.message) == ("succeeded", "dibuka 1, selesai 0, terbuka 1")
    assert alerts_job(engine, at(DAY, 16, 31), actor=ACTOR).message == "dibuka 0, selesai 0, terbuka 1"


def test_a_silent_scheduler_is_noticed_without_the_scheduler(engine: Engine) -> None:
    with engine.begin() as conn:
        scheduler(conn, "mati", at(DAY, 6, 0), at(DAY, 9, 0))
    assert not check_scheduler(engine, at(DAY, 9, 1))
    assert check_scheduler(engine, at(DAY, 9, 5))
    assert not check_scheduler(engine, at(DAY, 9, 6))  # already open: not evaluated again
    with engine.connect() as conn:
        assert conn.execute(text("SELECT rule, status FROM alert")).all() == [("scheduler_down", "open")]
