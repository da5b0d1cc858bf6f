"""Impossible timelines are anomalies with a reason, never "on time": a result before its batch, a
batch or statement letter received in the future or before its day, a confirmation before its preparation; negative
minutes are never printed (page, daily report, Berita Acara); an exception ages from when its difference arose."""

from __future__ import annotations

import io
from datetime import date, timedelta

from pypdf import PdfReader
from sqlalchemy import Engine, text

from dashboard.pages.rekonsiliasi.view import summary_row
from jobs.documents import daily_report as daily
from jobs.documents.berita_acara_pdf import recon_pdf_for
from jobs.reconciliation.run import reconcile
from queries.accounts.audit import Actor
from queries.distribution import prepare as dist
from queries.monitoring import completeness as c
from queries.monitoring import daily_report as content
from queries.reconciliation.exception_detail import exception_age_buckets
from queries.reconciliation.summary import date_summary
from queries.settings import current_settings
from queries.timeline import ANOMALY, RESULT_BEFORE_BATCH, minutes_text
from tests.builders.completeness import MONDAY, at, matrix, store_letter
from tests.builders.reconciliation import D2, Day, batch, clean, payments, wib

SYSTEM = Actor.system("test")


def text_of(pdf: bytes) -> str:
    return " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages)


def result_before_batch(engine: Engine) -> None:
    """Bank 002's batch arrives 16:00 but a (replayed) run dated 15:30 claims to have reconciled it."""
    rows = clean(3)
    payments(engine, rows)
    batch(engine, "002", D2, rows, received_at=wib(D2, 16))
    reconcile(engine, D2, as_of=wib(D2, 15, 30))


def test_a_result_before_its_batch_is_an_anomaly_and_never_on_time(engine: Engine) -> None:
    result_before_batch(engine)
    rows = matrix(engine, at(D2, 18))
    recon = rows["002"].status("recon")
    assert (recon.state, recon.note) == (ANOMALY, RESULT_BEFORE_BATCH)
    assert recon.state_title == "Anomali"
    with engine.connect() as conn:
        day = c.day_completeness(conn, business_date=D2, now=at(D2, 18))
        summary = date_summary(conn, business_date=D2)[0]
    assert day.score.anomaly["recon"] == 1 and day.score.anomalies == 1
    assert day.score.done == day.score.expected - 1  # expected, and not counted as done
    assert summary.result_minutes == -30 and summary.anomaly(at(D2, 18)) == RESULT_BEFORE_BATCH
    assert summary.minutes_on_time(60, at(D2, 18)) is None
    shown = summary_row(summary, "BRI")
    assert shown["minutes_text"] == "Anomali: hasil rekonsiliasi sebelum batch diterima"
    assert shown["minutes_tone"] == "anomaly" and "-30" not in str(shown)


def test_negative_minutes_never_reach_the_daily_report_or_the_berita_acara(engine: Engine) -> None:
    result_before_batch(engine)
    with engine.connect() as conn:
        data = content.daily_data(conn, D2, made_by="system:test", now=at(D2, 18))
        report = text_of(daily.daily_pdf(data, current_settings(conn)))
        _, berita = recon_pdf_for(
            conn, business_date=D2, bank_code="002", signer_username=None, generated_at=at(D2, 18)
        )
    assert data.recon_anomalies == {"002": RESULT_BEFORE_BATCH}
    assert "1 anomali waktu" in data.score_text
    assert "-30" not in report and "Anomali waktu 002: hasil rekonsiliasi sebelum batch diterima" in report
    assert "Rekonsiliasi 1" in report.split("Anomali waktu (tidak dinilai tepat waktu):")[1][:40]
    berita_text = text_of(berita)
    assert "-30" not in berita_text and "Anomali waktu: hasil rekonsiliasi sebelum batch diterima" in berita_text


def test_minutes_text_never_prints_a_negative_number() -> None:
    assert minutes_text(12.4) == "12 menit" and minutes_text(None) == "—"
    assert minutes_text(-2326) == "Anomali: hasil rekonsiliasi sebelum batch diterima"
    assert minutes_text(1234, unit="mnt") == "1.234 mnt"


def test_a_batch_received_after_now_is_an_anomaly_not_on_time(engine: Engine) -> None:
    rows = clean(2)
    payments(engine, rows)
    batch(engine, "002", D2, rows, received_at=wib(D2, 15, 40))
    found = matrix(engine, at(D2, 15, 20))["002"].status("batch")  # the page's "now" is before the arrival
    assert (found.state, found.note) == (ANOMALY, "waktu terima batch di masa depan")
    assert matrix(engine, at(D2, 15, 50))["002"].status("batch").state == "done"


def test_a_statement_letter_received_in_the_future_or_before_its_day_is_an_anomaly(engine: Engine) -> None:
    Day(clean(1)).load(engine, letters=False)
    Day(clean(1, start=5, bank_code="008")).load(engine, letters=False)
    store_letter(engine, "002", D2, at(MONDAY, 8), 1, 10_000)  # "received" Monday 08:00
    store_letter(engine, "008", D2, at(D2 - timedelta(days=2), 9), 1, 50_000)  # before the day it vouches for
    rows = matrix(engine, at(D2, 18))  # seen on Friday evening
    future, early = rows["002"].status("statement"), rows["008"].status("statement")
    assert (future.state, future.note) == (ANOMALY, "waktu terima surat pernyataan di masa depan")
    assert (early.state, early.note) == (ANOMALY, "surat pernyataan diterima sebelum tanggal bukunya")
    assert matrix(engine, at(MONDAY, 10))["002"].status("statement").state == "done"  # true once it is past


def test_a_confirmation_before_its_preparation_is_an_anomaly(engine: Engine) -> None:
    Day(clean(2)).load(engine)
    reconcile(engine, D2, as_of=at(D2, 16))
    with engine.begin() as conn:
        dist.prepare(conn, D2, actor=SYSTEM)
        conn.execute(
            text("UPDATE distribution SET status = 'approved', prepared_at = :p, approved_at = :p"),
            {"p": at(MONDAY, 10)},
        )
        conn.execute(text("UPDATE dist_batch SET state = 'confirmed', confirmed_at = :t"), {"t": at(MONDAY, 9)})
    rows = matrix(engine, at(MONDAY, 18))
    for target in ("sidjp", "sipmod"):
        status = rows["002"].status(target)
        assert (status.state, status.note) == (ANOMALY, "konfirmasi sebelum data disiapkan")


def test_exception_age_counts_from_the_business_timeline_not_the_insert_time(engine: Engine) -> None:
    rows = clean(3)
    Day(rows).load(engine, bank=rows[:2])  # one payment missing in the bank since D2 (Friday 20/11)
    reconcile(engine, D2)  # detected only now, by a late run
    with engine.connect() as conn:
        opened = conn.execute(text("SELECT opened_at FROM recon_exception")).scalar_one()
        buckets = {b.label: b.total for b in exception_age_buckets(conn, as_of=date(2026, 12, 4))}
    assert opened.date() > date(2026, 12, 1)  # inserted now: its insert time would make it 0-1 days old
    assert buckets == {"0-1": 0, "2-5": 0, "6-20": 1, ">20": 0}  # 20/11 -> 04/12: ten working days
