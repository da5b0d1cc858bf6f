"""`berita_acara_rekonsiliasi` / `recon_pdf_for`: the Berita Acara Rekonsiliasi PDF of one bank and date."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime

import pytest
from pypdf import PdfReader
from sqlalchemy import Engine

from jobs.documents.berita_acara_pdf import SignerError, berita_acara_rekonsiliasi, recon_pdf_for
from jobs.reconciliation.run import reconcile
from queries.accounts.audit import Actor
from queries.accounts.users import add_user
from queries.formatting import rupiah, tanggal_panjang
from queries.reconciliation.model import ExceptionRow
from queries.reconciliation.report import ReconReport, ReportError, reconciliation_report
from tests.builders.reconciliation import D1, D2, Day, batch, clean, letter, ntpn, payments, wib

GENERATED = datetime(2026, 11, 20, 9, 5, tzinfo=UTC)  # 16:05 WIB
BRI = "PT Bank Rakyat Indonesia (Persero) Tbk"
NAME, NIP = "Dr. Hendra Wijaya, S.E., M.Ak.", "197503122000031002"


def pages(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def add(engine: Engine, username: str, role: str) -> None:
    with engine.begin() as conn:
        add_user(
            conn,
            username=username,
            role=role,
            password="rahasia-sekali",
            actor=Actor.system("test"),
            full_name=NAME,
            nip=NIP,
        )


def mixed_day(engine: Engine) -> None:
    """Bank 002 on D2: 10 payments, one missing in the bank, one extra batch row, two amounts and one
    attribute differing, and a statement letter that does not match the batch."""
    rows = clean(10)
    bank = [
        *rows[:6],
        rows[6].but(amount=1),
        rows[7].but(amount=5, npwp="012345678901999"),
        rows[8].but(kap="411122"),
        *clean(1, start=900),
    ]
    Day(rows).load(engine, bank=bank, letters=False)
    letter(engine, "002", D2, 9, 123)
    reconcile(engine, D2)


def test_berita_acara_shows_bank_date_totals_every_exception_and_signer(engine: Engine) -> None:
    mixed_day(engine)
    add(engine, "hendra", "kasubdit")
    with engine.connect() as conn:
        name, pdf = recon_pdf_for(
            conn,
            business_date=D2,
            bank_code="002",
            signer_username="hendra",
            number="BAR-12/PJ/2026",
            generated_at=GENERATED,
        )
    assert name == "berita-acara-rekonsiliasi_002_2026-11-20.pdf"
    assert pdf.startswith(b"%PDF")
    text = "\n".join(pages(pdf))
    for expected in (
        "BERITA ACARA REKONSILIASI DATA PENERIMAAN NEGARA",
        "Nomor: BAR-12/PJ/2026",
        "DIREKTORAT JENDERAL PAJAK",
        BRI,
        tanggal_panjang(D2),
        "PER-78/PB/2006",
        "Pasal 11 ayat (2)",
        rupiah(550_000),
        rupiah(210_000 + 1 + 5 + 90_000 + 9_000_000),
        "Jakarta, 20 November 2026",
        "Kepala Subdirektorat Pemantauan Sistem dan",
        NAME,
        f"NIP {NIP}",
        "Halaman 1 dari",
        "(tingkat bank)",
        "Surat pernyataan tidak sesuai",
    ):
        assert expected in text, expected
    for number, category in (
        (10, "Tidak ada di bank"),
        (900, "Tidak ada di MPN"),
        (7, "Nilai berbeda"),
        (8, "Nilai berbeda"),
        (9, "Atribut berbeda"),
    ):
        line = next(ln for ln in text.splitlines() if ntpn(number) in ln)
        assert category in line
    assert "Nilai, NPWP" in text and "Rp 1" in text and "Jumlah transaksi, Nilai" in text
    assert not re.search(r"\b[a-z]+_[a-z_]+\b|\(matched\)", text), "a raw code in the document"


def test_matched_totals_and_r5_timing_come_from_the_stored_result(engine: Engine) -> None:
    mixed_day(engine)
    with engine.connect() as conn:
        report = reconciliation_report(conn, business_date=D2, bank_code="002")
    assert (report.mpn_count, report.bank_count, report.matched_count) == (10, 10, 6)
    assert report.matched_amount == 210_000
    assert report.exception_total == len(report.exceptions) == 6
    assert report.exceptions[0].level == "bank"  # bank-level first
    text = "\n".join(pages(berita_acara_rekonsiliasi(report, signer=None, number=None, generated_at=GENERATED)))
    assert "Cocok 6 " + rupiah(210_000) in text and "Persentase cocok dari data MPN 60,0%" in text
    assert "menit setelah batch diterima" in text and "batas 60 menit" in text


def test_same_report_gives_the_same_bytes(engine: Engine) -> None:
    mixed_day(engine)
    with engine.connect() as conn:
        report = reconciliation_report(conn, business_date=D2, bank_code="002")
    once = berita_acara_rekonsiliasi(report, signer=None, number=None, generated_at=GENERATED)
    assert berita_acara_rekonsiliasi(report, signer=None, number=None, generated_at=GENERATED) == once


def test_unsigned_document_leaves_name_and_nip_to_fill_in(engine: Engine) -> None:
    mixed_day(engine)
    with engine.connect() as conn:
        _, pdf = recon_pdf_for(conn, business_date=D2, bank_code="002", signer_username=None, generated_at=GENERATED)
    text = "\n".join(pages(pdf))
    assert "NIP ....." in text and "Nomor: ....." in text and NAME not in text


def test_many_exceptions_paginate_with_the_heading_on_every_page(engine: Engine) -> None:
    rows = clean(150)
    Day(rows).load(engine, bank=rows[:10])
    reconcile(engine, D2)
    with engine.connect() as conn:
        _, pdf = recon_pdf_for(conn, business_date=D2, bank_code="002", signer_username=None, generated_at=GENERATED)
    texts = pages(pdf)
    assert len(texts) >= 3
    for i, page in enumerate(texts, start=1):
        assert f"Halaman {i} dari {len(texts)}" in page
    for page in texts[1:-1]:
        assert "No. NTPN Kategori Kolom berbeda Jumlah MPN Jumlah Bank Status" in page
    listed = "\n".join(texts)
    assert all(ntpn(n) in listed for n in range(11, 151))


def test_a_capped_list_says_how_many_more_are_in_the_csv(engine: Engine) -> None:
    rows = clean(30)
    Day(rows).load(engine, bank=rows[:5])
    reconcile(engine, D2)
    with engine.connect() as conn:
        report = reconciliation_report(conn, business_date=D2, bank_code="002", limit=20)
    assert (len(report.exceptions), report.omitted) == (20, 5)
    text = "\n".join(pages(berita_acara_rekonsiliasi(report, signer=None, number=None, generated_at=GENERATED)))
    assert "dan 5 pengecualian lainnya" in text and "ekspor CSV" in text


def test_bank_without_batch_says_the_delay_cannot_be_measured(engine: Engine) -> None:
    Day(clean(3)).load(engine)
    payments(engine, clean(2, start=50, bank_code="008"))
    reconcile(engine, D2)
    with engine.connect() as conn:
        _, pdf = recon_pdf_for(conn, business_date=D2, bank_code="008", signer_username=None, generated_at=GENERATED)
    text = "\n".join(pages(pdf))
    assert "PT Bank Mandiri (Persero) Tbk" in text and "Batch belum diterima" in text
    assert "belum dapat diukur" in text


def test_date_never_reconciled_raises_a_clear_error(engine: Engine) -> None:
    Day(clean(3)).load(engine)
    reconcile(engine, D2)
    with engine.connect() as conn, pytest.raises(ReportError, match="belum direkonsiliasi.*19/11/2026"):
        recon_pdf_for(conn, business_date=D1, bank_code="002", signer_username=None)
    with engine.connect() as conn, pytest.raises(ReportError, match="belum direkonsiliasi"):
        recon_pdf_for(conn, business_date=D2, bank_code="009", signer_username=None)
    with engine.connect() as conn, pytest.raises(ReportError, match="tidak dikenal"):
        recon_pdf_for(conn, business_date=D2, bank_code="XYZ", signer_username=None)


def test_only_an_active_kasubdit_signs(engine: Engine) -> None:
    Day(clean(3)).load(engine)
    reconcile(engine, D2)
    add(engine, "siti", "kasi")
    with engine.connect() as conn:
        with pytest.raises(SignerError, match="Kepala Subdirektorat"):
            recon_pdf_for(conn, business_date=D2, bank_code="002", signer_username="siti")
        with pytest.raises(SignerError, match="tidak dikenal"):
            recon_pdf_for(conn, business_date=D2, bank_code="002", signer_username="nobody")


def test_exceptions_closed_by_later_data_leave_the_report(engine: Engine) -> None:
    rows = clean(4)
    Day(rows).load(engine, bank=rows[:3])
    reconcile(engine, D2)
    batch(engine, "002", D2, rows, received_at=wib(D2, 15, 55))  # the resend brings the missing payment
    reconcile(engine, D2)
    with engine.connect() as conn:
        report = reconciliation_report(conn, business_date=D2, bank_code="002")
    assert [e.category for e in report.exceptions] == ["statement_mismatch"]
    assert report.matched_count == 4


def synthetic(n: int, *, ntpn_text: str = "0123456789ABCDEF") -> ReconReport:
    """A report of `n` transaction-level exceptions, without a database (the layout alone is under test)."""
    rows = tuple(
        ExceptionRow(
            i,
            D2,
            "transaction",
            "002",
            f"{ntpn_text[:-4]}{i:04d}",
            "amount_mismatch",
            "amount",
            1_000_000 + i,
            999_000 + i,
            None,
            11,
            "open",
            GENERATED,
            None,
            None,
            None,
            "",
            None,
            False,
            None,
        )
        for i in range(n)
    )
    return ReconReport(
        D2,
        "002",
        BRI,
        "bank",
        7,
        11,
        GENERATED,
        GENERATED,
        12.0,
        n,
        10**9,
        n,
        10**9 - n,
        0,
        0,
        {"amount_mismatch": n},
        rows,
    )


def test_the_signature_block_never_stands_alone_on_a_page() -> None:
    checked_breaks = 0
    for n in range(20, 75):
        texts = pages(berita_acara_rekonsiliasi(synthetic(n), signer=None, number=None, generated_at=GENERATED))
        last = texts[-1]
        assert "Demikian Berita Acara" in last and "NIP" in last, n
        if len(texts) > 1:
            checked_breaks += 1
            assert re.search(r"\b\d+ 0123456789AB\d{4} Nilai berbeda", last), f"{n} rows: signature alone: {last}"
    assert checked_breaks > 10  # the range crosses the page end


def test_an_ntpn_is_never_broken_across_lines() -> None:
    wide = "WWWWWWWWWWWWWWWW"  # the widest letters of the core font: the NTPN is set smaller, never split
    text = "\n".join(
        pages(berita_acara_rekonsiliasi(synthetic(3, ntpn_text=wide), signer=None, number=None, generated_at=GENERATED))
    )
    for i in range(3):
        assert f"WWWWWWWWWWWW{i:04d}" in text
