"""The end-of-distribution report (SE-127 step 18): its PDF and XLSX content, keeping it on file, the delivery
hook (`mpn report daily` makes the daily report: tests/cli/test_report.py)."""

from __future__ import annotations

import hashlib
import io
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import Engine, text

from jobs.documents import distribution_report as rep
from queries.accounts.audit import Actor, verify_chain
from queries.accounts.users import User
from queries.distribution import prepare as dist
from queries.settings import current_settings
from tests.builders.distribution import NOW, approved_day, deliver, overdue_letter
from tests.builders.reconciliation import D1, D2

SYSTEM = Actor.system("test")


def text_of(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_report_data_sums_targets_kpps_holds_timings_and_availability(engine: Engine, people: dict[str, User]) -> None:
    d = approved_day(engine, people)
    deliver(engine, d, fail=("sipmod", "091"))
    with engine.connect() as conn:
        data = rep.report_data(conn, D2, now=NOW)
    sidjp, sipmod = data.target_total("sidjp"), data.target_total("sipmod")
    assert (sidjp.rows, sidjp.amount, sidjp.rows_confirmed, sidjp.amount_confirmed) == (5, 670_000, 5, 670_000)
    assert (sipmod.rows_confirmed, sipmod.rows_failed, sipmod.amount_failed, sipmod.attempts) == (1, 4, 640_000, 4)
    assert [(k.kpp_code, k.kpp_name) for k in data.per_kpp if k.target == "sidjp"] == [
        ("091", "KPP Wajib Pajak Besar Satu"),
        ("092", "KPP Wajib Pajak Besar Dua"),
    ]
    assert [(k.kpp_code, k.rows, k.amount) for k in data.available] == [("092", 1, 30_000)]
    assert {(h.bank_code, h.reason): h.row_count for h in data.held} == {
        ("008", "no_statement"): 2,
        ("009", "statement_mismatch"): 2,
        ("200", "open_exception"): 1,
        ("POS", "no_batch"): 1,
    }
    [r] = data.rounds
    assert (r.requested_by, r.kasi.split(",")[0], r.kasubdit.split(",")[0]) == (
        "Ani Lestari",
        "Budi Santoso",
        "Dedi Kurniawan",
    )
    assert r.last_confirmed_at is None and not r.all_confirmed and not data.complete
    assert [(a.step, a.who, a.outcome) for a in data.approvals] == [
        (0, "Ani Lestari", "rejected"),
        (1, "Budi Santoso", "rejected"),
        (0, "Ani Lestari", "approved"),
        (1, "Budi Santoso", "approved"),
        (2, "Dedi Kurniawan", "approved"),
    ]
    assert data.approvals[1].note == "cek ulang BTN"
    timing = {t.target: t for t in data.timings}
    assert (timing["sipmod"].attempts, timing["sipmod"].confirmed, timing["sipmod"].p95_ms) == (4, 1, 2000)
    assert timing["sidjp"].median_ms == pytest.approx((100 + 110) / 2)
    assert data.attempt_count == 6 and data.signer is not None and data.signer.name == "Ani Lestari"


def test_pdf_names_date_targets_kpps_holds_approvers_escalations_and_the_audit_head(
    engine: Engine, people: dict[str, User]
) -> None:
    d = approved_day(engine, people)
    deliver(engine, d)
    letter_id, later = overdue_letter(engine, people)
    with engine.connect() as conn:
        data = rep.report_data(conn, D2, made_by="ani", now=later)
        settings = current_settings(conn)
        head = verify_chain(conn)
    assert [a.letter_id for a in data.escalations] == [letter_id]
    pdf = rep.report_pdf(data, settings)
    assert pdf == rep.report_pdf(data, settings)  # deterministic
    words = text_of(pdf)
    flat = " ".join(words.split())
    for expected in (
        rep.TITLE,
        "20 November 2026",
        "SIDJP",
        "SIPMOD",
        "091 KPP Wajib Pajak Besar Satu",
        "092",
        "Surat pernyataan belum diterima",
        "Surat pernyataan tidak sesuai batch",
        "Selisih rekonsiliasi belum selesai",
        "Batch bank belum diterima",
        "Budi Santoso",
        "Dedi Kurniawan",
        "cek ulang BTN",
        "Dibuat oleh",
        "Ani Lestari",
        "NIP 199001012015022001",
        head.head_hash,
        "Rp 670.000",
        "Rp 640.000",
        str(data.escalations[0].letter_number),
    ):
        assert expected in flat, expected
    assert "seluruh batch telah terkonfirmasi" in flat and "Tidak ada Surat Himbauan" not in flat


def test_xlsx_has_its_sheets_with_the_right_totals(engine: Engine, people: dict[str, User]) -> None:
    d = approved_day(engine, people)
    deliver(engine, d, fail=("sipmod", "091"))
    name, content = rep.make_report(engine, D2, fmt="xlsx", made_by="ani", now=NOW)
    assert name == "laporan-distribusi-mpn_2026-11-20.xlsx"
    book = load_workbook(io.BytesIO(content), read_only=True)
    assert book.sheetnames == ["Ringkasan", "Per KPP", "Ditahan", "Percobaan", "Persetujuan"]
    summary = {row[0]: row[1:3] for row in book["Ringkasan"].iter_rows(values_only=True) if row and row[0]}
    assert summary["Data disiapkan untuk distribusi"] == (5, 670_000)
    assert summary["Data ditahan"] == (6, sum(h.amount for h in _held(engine)))
    assert summary["Terkonfirmasi SIPMOD"] == (1, 30_000) and summary["Gagal SIPMOD"] == (4, 640_000)
    per_kpp = list(book["Per KPP"].iter_rows(values_only=True))
    assert per_kpp[0][:6] == ("Tujuan", "Kode KPP", "Nama KPP", "Batch", "Baris", "Jumlah (Rp)")
    assert sum(r[4] for r in per_kpp[1:]) == 10 and sum(r[5] for r in per_kpp[1:]) == 2 * 670_000
    held = list(book["Ditahan"].iter_rows(values_only=True))[1:]
    assert sum(r[4] for r in held) == 6 and "Batch bank belum diterima" in {r[3] for r in held}
    attempts = list(book["Percobaan"].iter_rows(values_only=True))
    assert attempts[0] == tuple(c.heading() for c in rep.ATTEMPT_COLUMNS) and len(attempts) == 1 + 6
    assert sorted(r[9] for r in attempts[1:]) == ["Terkonfirmasi"] * 3 + ["Tidak diketahui"] * 3
    approvals = list(book["Persetujuan"].iter_rows(values_only=True))[1:]
    assert [(r[2], r[4], r[5]) for r in approvals][-2:] == [
        (1, "Budi Santoso", "Disetujui"),
        (2, "Dedi Kurniawan", "Disetujui"),
    ]


def _held(engine: Engine) -> list[dist.Held]:
    with engine.connect() as conn:
        return dist.held(conn, D2)


def test_made_reports_are_kept_with_their_sha256_and_the_latest_is_read_back(
    engine: Engine, people: dict[str, User]
) -> None:
    d = approved_day(engine, people)
    deliver(engine, d)
    name, first = rep.make_report(engine, D2, fmt="pdf", made_by="ani", now=NOW)
    _, second = rep.make_report(engine, D2, fmt="pdf", made_by="ani", now=NOW + timedelta(hours=1))
    with engine.connect() as conn:
        kept = rep.latest_report(conn, D2, "pdf")
        assert rep.latest_report(conn, D2, "xlsx") is None and rep.latest_report(conn, D1, "pdf") is None
        count = conn.execute(text("SELECT count(*) FROM dist_report")).scalar_one()
        actions = conn.execute(text("SELECT action FROM audit_log WHERE action = 'distribution.report'")).all()
        assert verify_chain(conn).ok
    assert kept is not None and count == 2 and len(actions) == 2
    assert (kept.file_name, kept.content, kept.made_by, kept.made_at) == (name, second, "ani", NOW + timedelta(hours=1))
    assert kept.sha256 == hashlib.sha256(second).hexdigest() and first != second


def test_keep_reports_makes_both_formats_once_per_delivered_round(engine: Engine, people: dict[str, User]) -> None:
    d = approved_day(engine, people)
    deliver(engine, d, fail=("sipmod", "091"))
    assert rep.keep_reports(engine, D2) == []  # not delivered yet
    with engine.begin() as conn:
        conn.execute(
            text("""UPDATE dist_batch SET state = 'confirmed', confirmed_at = now()
                              WHERE state = 'failed'""")
        )
        conn.execute(text("UPDATE distribution SET status = 'delivered', delivered_at = now()"))
    assert rep.keep_reports(engine, D2) == [
        "laporan-distribusi-mpn_2026-11-20.pdf",
        "laporan-distribusi-mpn_2026-11-20.xlsx",
    ]
    assert rep.keep_reports(engine, D2) == []  # the next run finds nothing new
    with engine.connect() as conn:
        pdf = rep.latest_report(conn, D2, "pdf")
    assert pdf is not None and pdf.made_by == "system:distribution"
    flat = " ".join(text_of(pdf.content).split())
    assert "Ani Lestari" in flat and "dibuat otomatis oleh sistem" in flat


def test_no_distribution_is_refused(engine: Engine) -> None:
    with pytest.raises(rep.NoDistribution), engine.connect() as conn:
        rep.report_data(conn, date(2026, 11, 19))
