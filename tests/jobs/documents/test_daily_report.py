"""The daily report (SE-127 step 18): the day's totals on the PDF's first page, a report for a day without any
distribution, the XLSX sections against the database, the archive, and the scheduler's end-of-day job."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, time, timedelta

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import Engine, text

from jobs.documents import daily_report as daily
from jobs.documents import distribution_report as rep
from jobs.scheduling.definitions import BY_ID, next_run, run_job
from queries.accounts.audit import Actor
from queries.accounts.users import User, add_user
from queries.formatting import angka, persen, rupiah
from queries.monitoring import daily_report as content
from queries.settings import current_settings, set_setting
from tests.builders.distribution import approved_day, day_with_every_case, deliver, overdue_letter
from tests.builders.reconciliation import D1, D2, D3, WIB
from tests.builders.work import make_people

SYSTEM = Actor.system("test")
NOW = datetime(2026, 11, 23, 11, 0, tzinfo=UTC)  # Monday 18:00 WIB: D2's letters were due at 09:00


@pytest.fixture
def staff(engine: Engine) -> dict[str, User]:
    people = make_people(engine)
    with engine.begin() as conn:
        people["tina"] = add_user(conn, username="tina", role="tu", password="demo", actor=SYSTEM, policy=False)
        conn.execute(text("UPDATE app_user SET full_name = 'Ani Lestari' WHERE username = 'ani'"))
    return people


def pages_of(pdf: bytes) -> list[str]:
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages]


def day_totals(engine: Engine, day: date) -> dict[str, int]:
    """The date's figures straight from the tables."""
    with engine.connect() as conn:
        row = conn.execute(
            text("""
            SELECT (SELECT sum(payment_count) FROM mpn_bank_day WHERE business_date = :d) AS mpn_count,
                   (SELECT sum(payment_amount) FROM mpn_bank_day WHERE business_date = :d) AS mpn_amount,
                   (SELECT sum(total_amount) FROM bank_batch WHERE business_date = :d AND superseded_at IS NULL)
                       AS batch_amount,
                   (SELECT sum(matched_count) FROM recon_result WHERE business_date = :d) AS matched_count,
                   (SELECT sum(matched_amount) FROM recon_result WHERE business_date = :d) AS matched_amount,
                   (SELECT sum(mpn_amount) FROM recon_result WHERE business_date = :d) AS recon_mpn_amount,
                   (SELECT count(*) FROM recon_exception WHERE status IN ('open', 'in_clarification')) AS open,
                   (SELECT count(*) FROM recon_exception WHERE status IN ('open', 'in_clarification')
                                                          AND business_date = :d) AS open_today
        """),
            {"d": day},
        ).one()
    return {k: int(v or 0) for k, v in row._mapping.items()}


def test_the_pdfs_first_page_carries_the_days_totals(engine: Engine, staff: dict[str, User]) -> None:
    d = approved_day(engine, staff)
    deliver(engine, d)
    _, later = overdue_letter(engine, staff)
    with engine.connect() as conn:
        data = content.daily_data(conn, D2, made_by="ani", now=later)
        settings = current_settings(conn)
    pdf = daily.daily_pdf(data, settings)
    assert pdf == daily.daily_pdf(data, settings)  # deterministic
    pages = pages_of(pdf)
    first, everything = pages[0], " ".join(pages)
    totals = day_totals(engine, D2)
    score = data.completeness.score
    assert score.expected > 0 and score.share is not None
    for expected in (
        daily.TITLE,
        "20 November 2026",
        f"Data MPN diterima (transaksi) {angka(totals['mpn_count'])} {rupiah(totals['mpn_amount'])}",
        f"Terekonsiliasi cocok {angka(totals['matched_count'])} {rupiah(totals['matched_amount'])}",
        f"{persen(score.share)} ({score.done} dari {score.expected} tepat waktu)",
        "Disiapkan untuk distribusi 5 Rp 670.000",
        "Terkonfirmasi SIDJP 5 Rp 670.000",
    ):
        assert expected in first, expected
    for expected in (
        "B. Kelengkapan",
        "C. Rekonsiliasi per bank",
        "008 PT Bank Mandiri",
        "Surat pernyataan belum",
        "E.1 Ringkasan",
        "E.3 Distribusi per sistem tujuan dan KPP",
        "091 KPP Wajib Pajak Besar Satu",
        "F.1 Selisih rekonsiliasi terbuka",
        "Tidak ada di bank",
        "F.4 Surat Himbauan belum dijawab",
        "(lewat)",
        "Dibuat oleh",
        "Ani Lestari",
        data.audit.head_hash,
    ):
        assert expected in everything, expected


def test_a_day_without_distribution_still_gets_its_report(engine: Engine) -> None:
    day_with_every_case(engine)  # reconciled, never prepared
    name, pdf = daily.make_daily_report(engine, D2, fmt="pdf", made_by="system:test", now=NOW)
    _, xlsx = daily.make_daily_report(engine, D2, fmt="xlsx", made_by="system:test", now=NOW)
    assert name == "laporan-harian-mpn_2026-11-20.pdf"
    words = " ".join(pages_of(pdf))
    assert "Belum didistribusikan" in words and "Didistribusikan 0 Rp 0" in words
    assert rupiah(day_totals(engine, D2)["mpn_amount"]) in pages_of(pdf)[0]
    book = load_workbook(io.BytesIO(xlsx))
    assert [r for r in book["Distribusi"].iter_rows(values_only=True)] == [("Keadaan",), ("belum didistribusikan",)]
    _, empty = daily.make_daily_report(engine, D1, fmt="pdf", made_by="system:test", now=NOW)  # no data at all
    assert "Tidak ada bank dengan data" in " ".join(pages_of(empty))


def test_the_xlsx_sections_totals_equal_the_database(engine: Engine, staff: dict[str, User]) -> None:
    d = approved_day(engine, staff)
    deliver(engine, d, fail=("sipmod", "091"))
    _, content = daily.make_daily_report(engine, D2, fmt="xlsx", made_by="ani", now=NOW)
    book = load_workbook(io.BytesIO(content))
    assert book.sheetnames == [
        "Ringkasan",
        "Kelengkapan",
        "Rekonsiliasi",
        "Surat pernyataan",
        "Surat himbauan",
        "Distribusi Ringkasan",
        "Distribusi Per KPP",
        "Distribusi Ditahan",
        "Distribusi Percobaan",
        "Distribusi Persetujuan",
        "Selisih terbuka",
        "Ditahan",
        "Belum terkonfirmasi",
        "Persetujuan tertunda",
    ]
    totals = day_totals(engine, D2)
    summary = {r[0]: r[1:] for r in book["Ringkasan"].iter_rows(values_only=True) if r and r[0]}
    assert summary["Data MPN diterima (transaksi)"] == (totals["mpn_count"], totals["mpn_amount"])
    assert summary["Terekonsiliasi cocok"] == (totals["matched_count"], totals["matched_amount"])
    assert summary["Selisih tanggal ini belum selesai"] == (totals["open_today"], None)
    assert summary["Terkonfirmasi SIPMOD"] == (1, 30_000)
    money = [r for r in book["Ringkasan"].iter_rows(min_row=2) if r[0].value == "Data MPN diterima (transaksi)"][0]
    assert money[2].number_format == daily.RUPIAH_FORMAT and isinstance(money[1].value, int)
    recon = list(book["Rekonsiliasi"].iter_rows(values_only=True))
    assert recon[0][3] == "Jumlah MPN (Rp)" and sum(r[3] for r in recon[1:]) == totals["recon_mpn_amount"]
    assert sum(r[7] for r in recon[1:]) == totals["matched_amount"]
    with engine.connect() as conn:
        banks = conn.execute(
            text("SELECT count(DISTINCT bank_code) FROM mpn_bank_day WHERE business_date = :d"), {"d": D2}
        ).scalar_one()
        held = conn.execute(text("SELECT sum(row_count), sum(amount) FROM dist_held")).one()
        unconfirmed = conn.execute(text("SELECT count(*), sum(amount) FROM dist_batch WHERE state <> 'confirmed'"))
        unconfirmed = unconfirmed.one()
    assert len(list(book["Kelengkapan"].iter_rows())) - 1 == banks
    opened = list(book["Selisih terbuka"].iter_rows(values_only=True))[1:]
    assert sum(r[1] for r in opened) == totals["open"] == sum(sum(r[5:]) for r in opened)
    kept = list(book["Ditahan"].iter_rows(values_only=True))[1:]
    assert (sum(r[5] for r in kept), sum(r[6] for r in kept)) == tuple(held)
    waiting = list(book["Belum terkonfirmasi"].iter_rows(values_only=True))[1:]
    assert (sum(r[2] for r in waiting), sum(r[4] for r in waiting)) == tuple(unconfirmed) == (1, 640_000)


def test_every_version_is_kept_apart_from_the_distribution_reports(engine: Engine, staff: dict[str, User]) -> None:
    d = approved_day(engine, staff)
    deliver(engine, d)
    rep.make_report(engine, D2, fmt="pdf", made_by="ani", now=NOW)
    daily.make_daily_report(engine, D2, fmt="pdf", made_by="ani", now=NOW)
    _, newer = daily.make_daily_report(engine, D2, fmt="pdf", made_by="ani", now=NOW + timedelta(minutes=5))
    with engine.connect() as conn:
        kept = daily.kept_reports(conn)
        latest = daily.kept_report(conn, kept[0].report_id)
        distribution = rep.latest_report(conn, D2, "pdf")
        daily_latest = rep.latest_report(conn, D2, "pdf", kind="daily")
        actions = conn.execute(text("SELECT action FROM audit_log WHERE action LIKE '%.report' ORDER BY seq")).all()
    assert [(k.kind, k.latest) for k in kept] == [("daily", True), ("daily", False), ("distribution", True)]
    assert latest is not None and latest.content == newer and kept[0].size_bytes == len(newer)
    assert distribution is not None and distribution.file_name == "laporan-distribusi-mpn_2026-11-20.pdf"
    assert daily_latest is not None and daily_latest.content == newer
    assert [a[0] for a in actions] == ["distribution.report", "daily.report", "daily.report"]


def test_the_scheduler_keeps_pdf_and_xlsx_at_the_end_of_a_working_day_and_skips_holidays(engine: Engine) -> None:
    day_with_every_case(engine)
    job = BY_ID["daily_report"]
    with engine.connect() as conn:
        settings = current_settings(conn)
    assert settings.daily_report_time == time(18, 0)
    assert next_run(job, settings, WIB, datetime.combine(D2, time(17), WIB)) == datetime.combine(D2, time(18), WIB)
    assert next_run(job, settings, WIB, datetime.combine(D2, time(18, 1), WIB)) == datetime.combine(D3, time(18), WIB)
    monday = datetime.combine(D3, time(18), WIB)
    first = run_job(engine, "daily_report", instance_id="test", now=monday)
    again = run_job(engine, "daily_report", instance_id="test", now=monday + timedelta(minutes=1))
    assert (first.status, again.status) == ("succeeded", "succeeded") and "20/11/2026" in first.message
    with engine.connect() as conn:
        kept = daily.kept_reports(conn)
    assert sorted((k.business_date, k.format, k.made_by, k.latest) for k in kept) == [
        (D2, "pdf", "system:scheduler", False),
        (D2, "pdf", "system:scheduler", True),
        (D2, "xlsx", "system:scheduler", False),
        (D2, "xlsx", "system:scheduler", True),
    ]
    christmas = run_job(engine, "daily_report", instance_id="test", now=datetime(2026, 12, 25, 18, tzinfo=WIB))
    assert christmas.status == "skipped" and "Bukan hari kerja" in christmas.message
    with engine.begin() as conn:
        set_setting(conn, "report.daily_time", "17:30", actor=SYSTEM)
        settings = current_settings(conn)
    assert next_run(job, settings, WIB, datetime.combine(D2, time(17), WIB)) == datetime.combine(D2, time(17, 30), WIB)
    assert job.schedule_text(settings) == "hari kerja 17:30"
