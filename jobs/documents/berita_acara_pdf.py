"""Berita Acara Rekonsiliasi (PER-78/PB/2006 Ps.11(2)) as a PDF: one bank, one business date, A4 portrait.

`berita_acara_rekonsiliasi` renders a `ReconReport` (pure: the same report, signer, number and time give the same
bytes); `recon_pdf_for` is the page's one call: read, check the signer, render, name the file. The house style
(A4, core fonts, letterhead, footer, tables) is `jobs.documents.pdf_style`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime

from sqlalchemy import Connection

from jobs.documents.pdf_style import (
    AGENT_KIND,
    Column,
    Document,
    date_words,
    draw_letterhead,
    latin1,
    table,
    text_height,
)
from queries import config
from queries.accounts.users import User, user_by_name
from queries.calendar import WIB
from queries.formatting import angka, persen_dari, rupiah, tanggal_panjang, waktu_wib
from queries.labels import CATEGORIES, field_list
from queries.reconciliation.classify import RESULT_DEADLINE_MINUTES
from queries.reconciliation.model import STATUSES
from queries.reconciliation.report import ReconReport, ReportError, reconciliation_report
from queries.timeline import result_anomaly

#: The issuing unit (DOMAIN §1; SE-127/PJ/2010 names the Subdirektorat), top to bottom.
LETTERHEAD = (
    "KEMENTERIAN KEUANGAN REPUBLIK INDONESIA",
    "DIREKTORAT JENDERAL PAJAK",
    "SUBDIREKTORAT PEMANTAUAN SISTEM DAN INFRASTRUKTUR",
)
TITLE = "BERITA ACARA REKONSILIASI DATA PENERIMAAN NEGARA"
SIGNER_ROLE = "kasubdit"
SIGNER_TITLE = "Kepala Subdirektorat Pemantauan Sistem dan Infrastruktur"
PLACE = "Jakarta"
REGULATION = (
    "Peraturan Direktur Jenderal Perbendaharaan Nomor PER-78/PB/2006 tentang Penatausahaan "
    "Penerimaan Negara melalui Modul Penerimaan Negara"
)
#: The exception table: heading and width (mm) of each column; the widths fill the 180 mm text width. An NTPN is
#: never broken across lines.
COLUMNS = (
    Column("No.", 10, "R"),
    Column("NTPN", 30, wrap=False),
    Column("Kategori", 45),
    Column("Kolom berbeda", 28),
    Column("Jumlah MPN", 24, "R"),
    Column("Jumlah Bank", 24, "R"),
    Column("Status", 19),
)
TOTALS = (Column("Uraian", 80), Column("Jumlah transaksi", 40, "R"), Column("Jumlah (Rp)", 60, "R"))
BY_CATEGORY = (Column("Kategori", 140), Column("Jumlah", 40, "R"))
#: What follows the last row of the exception table on its page: the closing sentence and the signature block.
SIGNATURE_HEIGHT = 4 + 5 + 6 + 5 + 2 * 5 + 22 + 5 + 5 + 2  # the title wraps to two lines


class SignerError(ValueError):
    """The named signer cannot sign a Berita Acara Rekonsiliasi (message in Indonesian)."""


def _category(code: str) -> str:
    return CATEGORIES.get(code, code.replace("_", " "))


def _fields(fields: str) -> str:
    return field_list(fields) or "-"


def _money(n: int | None) -> str:
    return "-" if n is None else rupiah(n)


def _heading(pdf: Document, report: ReconReport, number: str | None) -> None:
    pdf.write_line(TITLE, size=11.5, style="BU", align="C", h=6)
    pdf.write_line(f"Nomor: {number or '.' * 40}", align="C")
    pdf.ln(3)
    agent = f"{report.bank_name} (kode {report.bank_code})"
    rows = [
        (AGENT_KIND.get(report.bank_kind, "Bank/Pos Persepsi"), agent),
        ("Tanggal buku", tanggal_panjang(report.business_date)),
        (
            "Batch diterima",
            waktu_wib(report.batch_received_at) + f" (batch #{report.batch_id})"
            if report.batch_received_at
            else "belum diterima",
        ),
        (
            "Hasil rekonsiliasi",
            (waktu_wib(report.result_at) if report.result_at else "-") + f" (proses #{report.run_id})",
        ),
    ]
    for label, value in rows:
        pdf.set_font("helvetica", size=9)
        pdf.cell(40, 5, label)
        pdf.cell(4, 5, ":")
        pdf.multi_cell(0, 5, latin1(value), align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.write_line(
        f"Sesuai dengan {REGULATION} Pasal 11 ayat (2), dengan ini disampaikan hasil rekonsiliasi antara data "
        "penerimaan negara yang diterima secara on-line melalui Modul Penerimaan Negara (MPN) dan data yang "
        f"dikirim secara batch oleh Kantor Pusat {report.bank_name} untuk tanggal buku "
        f"{date_words(report.business_date)}, sebagai berikut:",
        align="J",
    )
    pdf.ln(2)


def _totals(pdf: Document, r: ReconReport) -> None:
    pdf.write_line("A. Ringkasan", style="B")
    pct = persen_dari(r.matched_count, r.mpn_count, down=True) if r.mpn_count else "-"  # 100,0% means all
    rows = [
        ("Data MPN (on-line)", angka(r.mpn_count), rupiah(r.mpn_amount)),
        ("Data batch bank", angka(r.bank_count), rupiah(r.bank_amount)),
        ("Selisih (MPN - batch)", angka(r.mpn_count - r.bank_count), rupiah(r.mpn_amount - r.bank_amount)),
        ("Cocok", angka(r.matched_count), rupiah(r.matched_amount)),
        ("Persentase cocok dari data MPN", pct, ""),
        ("Pengecualian (semua kategori)", angka(r.exception_total), ""),
    ]
    table(pdf, TOTALS, rows)
    pdf.ln(2)
    pdf.write_line(_timing(r), align="J")
    pdf.ln(3)
    pdf.write_line("B. Pengecualian per kategori", style="B")
    counts = [(_category(c), angka(n)) for c, n in r.counts.items()]
    table(pdf, BY_CATEGORY, [*counts, ("Jumlah", angka(r.exception_total))])
    pdf.ln(3)


def _timing(r: ReconReport) -> str:
    """R5's line: when the batch came, when the result was ready, and whether within the hour."""
    if r.batch_received_at is None or r.result_at is None or r.result_minutes is None:
        return (
            f"Batch dari Kantor Pusat {r.bank_name} untuk tanggal buku ini belum diterima; waktu "
            "penyampaian hasil rekonsiliasi belum dapat diukur."
        )
    odd = result_anomaly(r.batch_received_at, r.result_at, r.result_minutes, config.now())
    if odd:
        return (
            f"Batch diterima {waktu_wib(r.batch_received_at)}; hasil rekonsiliasi tercatat "
            f"{waktu_wib(r.result_at)}. Anomali waktu: {odd}; waktu penyampaian tidak dapat dinilai."
        )
    tenths = round(r.result_minutes * 10)
    minutes = f"{angka(tenths // 10)},{tenths % 10}"
    verdict = "tepat waktu" if r.on_time else "MELEWATI batas waktu"
    return (
        f"Batch diterima {waktu_wib(r.batch_received_at)}; hasil rekonsiliasi tersedia "
        f"{waktu_wib(r.result_at)}, {minutes} menit setelah batch diterima ({verdict}; batas "
        f"{RESULT_DEADLINE_MINUTES} menit menurut Pasal 11 ayat (2))."
    )


def _exceptions(pdf: Document, r: ReconReport, reserve: float) -> None:
    pdf.write_line("C. Rincian pengecualian", style="B")
    if not r.exceptions:
        pdf.write_line("Tidak terdapat pengecualian: seluruh data MPN dan data batch cocok.")
        return
    rows = (
        (
            angka(i),
            e.ntpn or "(tingkat bank)",
            _category(e.category),
            _fields(e.fields),
            _money(e.mpn_amount),
            _money(e.bank_amount),
            STATUSES.get(e.status, e.status),
        )
        for i, e in enumerate(r.exceptions, 1)
    )
    table(pdf, COLUMNS, rows, size=7.5, reserve=reserve + (10 if r.omitted else 0))
    if r.omitted:
        pdf.ln(1)
        pdf.write_line(
            f"... dan {angka(r.omitted)} pengecualian lainnya tidak dicantumkan; daftar lengkap "
            "tersedia pada ekspor CSV di halaman Rekonsiliasi.",
            style="I",
        )


def _signature(pdf: Document, signer: User | None, signed_on: date) -> None:
    if pdf.get_y() + SIGNATURE_HEIGHT > pdf.page_break_trigger:  # the closing sentence goes along with it
        pdf.add_page()
    pdf.ln(4)
    pdf.write_line("Demikian Berita Acara Rekonsiliasi ini dibuat untuk dipergunakan sebagaimana mestinya.")
    pdf.ln(6)
    x = 110
    name = signer.full_name if signer else "(" + "." * 50 + ")"
    nip = f"NIP {signer.nip}" if signer and signer.nip else "NIP " + "." * 30
    for text, style, gap in (
        (f"{PLACE}, {date_words(signed_on)}", "", 0),
        (SIGNER_TITLE + ",", "", 22),
        (name, "BU" if signer else "", 0),
        (nip, "", 0),
    ):
        pdf.set_x(x)
        pdf.set_font("helvetica", style=style, size=9)
        pdf.multi_cell(0, 5, latin1(text), align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(gap)


def _check_signer(signer: User | None) -> None:
    if signer is not None and (signer.role != SIGNER_ROLE or not signer.active):
        raise SignerError(
            f"{signer.display_name} bukan {SIGNER_TITLE} yang aktif; Berita Acara Rekonsiliasi "
            "ditandatangani oleh Kepala Subdirektorat."
        )


def berita_acara_rekonsiliasi(
    report: ReconReport,
    *,
    signer: User | None,
    number: str | None,
    generated_at: datetime,
    delivery: Sequence[str] = (),
    footer: str = "",
) -> bytes:
    """The Berita Acara Rekonsiliasi of `report` as PDF bytes, signed (in print) by `signer` when given.

    `delivery`: paragraphs of section D (the result sent to the bank: version, deadline, verification method,
    `jobs.reconciliation.bank_results`); `footer` is added to the running footer. Deterministic: the only time in
    the file is
    `generated_at` (creation date, footer, place-and-date line). Raises `SignerError` when the signer is not an
    active Kasubdit.
    """
    _check_signer(signer)
    local = generated_at.astimezone(WIB)
    pdf = Document(
        f"Berita Acara Rekonsiliasi {report.bank_code} {report.business_date:%d/%m/%Y} - "
        f"dibuat {waktu_wib(generated_at)}{footer}"
    )
    pdf.set_creation_date(generated_at)
    pdf.set_title(f"{TITLE.title()} {report.bank_code} {report.business_date:%Y-%m-%d}")
    pdf.set_author(LETTERHEAD[1].title())
    pdf.add_page()
    draw_letterhead(pdf, LETTERHEAD)
    _heading(pdf, report, number)
    _totals(pdf, report)
    after = SIGNATURE_HEIGHT + (8 + sum(text_height(pdf, p) for p in delivery) if delivery else 0)
    _exceptions(pdf, report, after)
    if delivery:
        pdf.ln(3)
        pdf.write_line("D. Penyampaian hasil rekonsiliasi", style="B")
        for paragraph in delivery:
            pdf.write_line(paragraph, align="J")
    _signature(pdf, signer, local.date())
    return bytes(pdf.output())


def file_name(report: ReconReport) -> str:
    """`berita-acara-rekonsiliasi_002_2026-11-20.pdf`."""
    return f"berita-acara-rekonsiliasi_{report.bank_code}_{report.business_date:%Y-%m-%d}.pdf"


def recon_pdf_for(
    conn: Connection,
    *,
    business_date: date,
    bank_code: str,
    signer_username: str | None,
    number: str | None = None,
    generated_at: datetime | None = None,
) -> tuple[str, bytes]:
    """(file name, PDF bytes) of the Berita Acara Rekonsiliasi of `bank_code` on `business_date`: the page's call.

    Raises `ReportError` (bank unknown or never reconciled for that date) or `SignerError` (unknown user, or
    not an active Kasubdit); both carry a message for the user. Reads only; never commits.
    """
    signer = None
    if signer_username is not None:
        signer = user_by_name(conn, signer_username)
        if signer is None:
            raise SignerError(f"Pengguna {signer_username!r} tidak dikenal.")
    report = reconciliation_report(conn, business_date=business_date, bank_code=bank_code)
    pdf = berita_acara_rekonsiliasi(
        report, signer=signer, number=number, generated_at=generated_at or datetime.now(UTC)
    )
    return file_name(report), pdf


__all__ = ["ReportError", "SignerError", "berita_acara_rekonsiliasi", "file_name", "recon_pdf_for"]
