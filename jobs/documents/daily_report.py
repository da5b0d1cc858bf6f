"""The daily report (SE-127 step 18): one business date's completeness, reconciliation, statement and appeal letters,
distribution (the end-of-distribution report's content, when the date has one) and what remains open, as PDF and
XLSX, kept on file in `dist_report` (kind `daily`) and listed on the Laporan page.

`queries.monitoring.daily_report.daily_data` reads one date (every list aggregated in SQL: tens of rows per bank or
category, never per payment); `daily_pdf` and `daily_xlsx` render it; `make_daily_report` reads, renders and
keeps one format; `make_daily_reports_by` is a user's "Buat laporan" (role `reports.make`);
`daily_report_job` is the scheduler's end-of-day run for the date whose cycle closes that day. A
date without any distribution still gets its report. Nothing here commits a caller's transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Engine

from jobs.documents import distribution_report as dist_report
from jobs.documents import tabular
from jobs.documents.exports import labelled_columns, labelled_rows, title_rows
from jobs.documents.pdf_style import Column, Document, date_words, draw_letterhead, latin1, table
from jobs.mail.reports import mail_daily_pdf
from jobs.scheduling.daily import Outcome, statement_due_date
from queries import config
from queries.accounts.audit import Actor
from queries.accounts.users import User
from queries.calendar import calendar_from_db
from queries.db import within, xact_lock
from queries.distribution.prepare import REASONS, TARGET_TITLES
from queries.distribution.prepare import STATUSES as ROUND_STATUSES
from queries.formatting import angka, jam_wib, persen, rupiah, tanggal_panjang, tanggal_pendek, waktu_wib
from queries.labels import STATES, actor_name
from queries.labels import label as label_of
from queries.letters.appeals import STATUSES as APPEAL_STATUSES
from queries.letters.statements import STATUSES as STATEMENT_STATUSES
from queries.monitoring.completeness import DUTIES, SCORED, DutyStatus
from queries.monitoring.daily_report import APPROVAL_KINDS, SHORT_STATES, DailyReportData, daily_data
from queries.permissions import Refused, require
from queries.reconciliation.classify import CATEGORIES, CATEGORY_LABELS, RESULT_DEADLINE_MINUTES
from queries.reconciliation.exception_detail import AGE_BUCKETS
from queries.reconciliation.summary import BankSummary
from queries.reports.kept import KeptReport, kept_report, kept_reports
from queries.settings import Settings, current_settings

log = logging.getLogger(__name__)

KIND = "daily"
TITLE = "LAPORAN HARIAN DISTRIBUSI DAN MONITORING DATA MPN"
FORMATS = dist_report.FORMATS
RUPIAH_FORMAT = tabular.MONEY_FORMAT

# ---------------------------------------------------------------- the day's figures (PDF and XLSX alike)


def summary_rows(data: DailyReportData) -> list[tuple[str, int | None, int | None]]:
    """(what, count, amount) of the first page's table; None where a figure does not apply."""
    t, d = data.totals, data.distribution
    rows: list[tuple[str, int | None, int | None]] = [
        ("Data MPN diterima (transaksi)", t.mpn_count, t.mpn_amount),
        (f"Batch bank diterima ({angka(t.batches)} bank)", t.batch_count, t.batch_amount),
        ("Terekonsiliasi cocok", t.matched_count, t.matched_amount),
        ("Selisih tanggal ini belum selesai", t.open_exceptions, None),
        ("Surat pernyataan diterima tepat waktu", data.statement_count("received"), None),
        (
            "Surat pernyataan terlambat / tidak sesuai / belum",
            data.statement_count("late") + data.statement_count("mismatch") + data.statement_count("missing"),
            None,
        ),
    ]
    if d is None:
        return rows + [("Didistribusikan", 0, 0)]
    rows.append(("Disiapkan untuk distribusi", d.rows, d.amount))
    for target, title in TARGET_TITLES.items():
        total = d.target_total(target)
        rows.append((f"Terkonfirmasi {title}", total.rows_confirmed, total.amount_confirmed))
    rows.append(("Ditahan", sum(h.row_count for h in d.held), sum(h.amount for h in d.held)))
    return rows


def _duty_text(status: DutyStatus, day: date) -> str:
    when = (
        f" {jam_wib(status.at, day=day).removesuffix(' WIB')}" if status.at and status.state in ("done", "late") else ""
    )
    return SHORT_STATES[status.state] + when


def _minutes(r: BankSummary, made_at: datetime) -> str:
    """R5 minutes in the table; an impossible timing says so, never a negative number."""
    odd = r.anomaly(made_at)
    if odd:
        return "Anomali"
    return "-" if r.result_minutes is None else f"{angka(round(r.result_minutes))} mnt"


# ---------------------------------------------------------------- PDF


class DailyDocument(Document):
    """The house document; `within` letters the embedded distribution report's sections (E.1, E.2, ...)."""

    within = "E"


SUMMARY = (Column("Uraian", 95), Column("Jumlah", 30, "R"), Column("Nilai", 55, "R"))
COMPLETENESS = (Column("Bank", 40), *(Column(title, 20) for title in DUTIES.values()))
RECON = (
    Column("Bank", 34),
    Column("MPN", 14, "R"),
    Column("Nilai MPN", 28, "R"),
    Column("Batch", 14, "R"),
    Column("Nilai batch", 28, "R"),
    Column("Cocok", 14, "R"),
    Column("Selisih", 28),
    Column("R5", 20, "R"),
)
STATEMENTS = (
    Column("Bank", 44),
    Column("Status", 28),
    Column("Diterima", 30),
    Column("Nyatakan", 16, "R"),
    Column("Nilai dinyatakan", 32, "R"),
    Column("Surat himbauan", 30),
)
OPEN = (
    Column("Kategori", 50),
    Column("Jumlah", 16, "R"),
    Column("Klarifikasi", 18, "R"),
    Column("Nilai", 30, "R"),
    Column("Tertua", 20),
    *(Column(f"{label} hr", 11.5, "R") for label, _, _ in AGE_BUCKETS),
)
HELD = (
    Column("Bank", 48),
    Column("Alasan", 52),
    Column("Tgl", 10, "R"),
    Column("Sejak", 20),
    Column("Baris", 18, "R"),
    Column("Nilai", 32, "R"),
)
UNCONFIRMED = (
    Column("Tujuan", 30),
    Column("Keadaan", 34),
    Column("Batch", 20, "R"),
    Column("Baris", 24, "R"),
    Column("Nilai", 42, "R"),
    Column("Sejak", 30),
)
UNANSWERED = (
    Column("Bank", 50),
    Column("Nomor surat", 40),
    Column("Tanggal buku", 40),
    Column("Dikirim", 25),
    Column("Batas jawab", 25, "R"),
)
APPROVALS = (Column("Menunggu", 60), Column("Jenis", 60), Column("Jumlah", 25, "R"), Column("Sejak", 35))


def _heading(pdf: Document, heading: str) -> None:
    if pdf.get_y() > pdf.page_break_trigger - 25:
        pdf.add_page()
    else:
        pdf.ln(3)
    pdf.write_line(heading, style="B")


def _bank(data: DailyReportData, code: str) -> str:
    return f"{code} {data.names.get(code, '')}".strip()


def _pdf_summary(pdf: Document, data: DailyReportData) -> None:
    for label, value in (
        ("Tanggal buku", tanggal_panjang(data.business_date)),
        ("Laporan dibuat", waktu_wib(data.made_at)),
        ("Skor kelengkapan", data.score_text),
    ):
        pdf.set_font("helvetica", size=9)
        pdf.cell(40, 5, label)
        pdf.cell(4, 5, ":")
        pdf.multi_cell(0, 5, latin1(value), align="L", new_x="LMARGIN", new_y="NEXT")
    _heading(pdf, "A. Ringkasan hari")
    table(
        pdf,
        SUMMARY,
        [
            (what, "-" if n is None else angka(n), "-" if amount is None else rupiah(amount))
            for what, n, amount in summary_rows(data)
        ],
    )
    pdf.ln(1)
    pdf.write_line(
        f"Masih terbuka (semua tanggal): {angka(sum(c.total for c in data.open_exceptions))} selisih, "
        f"{angka(sum(h.rows for h in data.held))} baris ditahan, "
        f"{angka(sum(u.batches for u in data.unconfirmed))} batch belum terkonfirmasi, "
        f"{angka(len(data.unanswered))} Surat Himbauan belum dijawab "
        f"({angka(len(data.overdue))} lewat batas), "
        f"{angka(sum(p.count for p in data.approvals))} persetujuan tertunda."
    )


def _pdf_completeness(pdf: Document, data: DailyReportData) -> None:
    _heading(pdf, "B. Kelengkapan per bank dan kewajiban")
    rows = data.completeness.rows
    if not rows:
        pdf.write_line("Tidak ada bank dengan data pada tanggal buku ini.")
        return
    day = data.business_date
    table(
        pdf,
        COMPLETENESS,
        [(f"{r.bank_code} {r.bank_name}", *(_duty_text(r.status(d), day) for d in DUTIES)) for r in rows],
        size=7,
    )
    score = data.completeness.score
    late = ", ".join(f"{DUTIES[d]} {angka(n)}" for d, n in score.late.items() if n) or "tidak ada"
    missing = ", ".join(f"{DUTIES[d]} {angka(n)}" for d, n in score.missing.items() if n) or "tidak ada"
    odd = ", ".join(f"{DUTIES[d]} {angka(n)}" for d, n in score.anomaly.items() if n) or "tidak ada"
    excused = ", ".join(f"{DUTIES[d]} {angka(n)}" for d, n in score.excused.items() if n) or "tidak ada"
    pdf.ln(1)
    pdf.write_line(
        f"Skor kelengkapan {data.score_text}; menunggu {angka(score.waiting)}. Terlambat: {late}. "
        f"Belum lewat batas: {missing}. Anomali waktu (tidak dinilai tepat waktu): {odd}. "
        f"Terlambat dengan surat pemberitahuan gangguan (dihitung terpisah): {excused}. "
        f"Dihitung: {', '.join(DUTIES[d] for d in SCORED)}.",
        size=8,
    )


def _exceptions_text(counts: dict[str, int]) -> str:
    return ", ".join(f"{CATEGORY_LABELS[c]} {angka(n)}" for c, n in counts.items() if n) or "-"


def _pdf_recon(pdf: Document, data: DailyReportData) -> None:
    _heading(pdf, "C. Rekonsiliasi per bank")
    if not data.recon:
        pdf.write_line("Tanggal buku ini belum direkonsiliasi.")
        return
    rows = [
        (
            _bank(data, r.bank_code),
            angka(r.mpn_count),
            rupiah(r.mpn_amount),
            angka(r.bank_count),
            rupiah(r.bank_amount),
            angka(r.matched_count),
            _exceptions_text(r.counts),
            _minutes(r, data.made_at),
        )
        for r in data.recon
    ]
    rows.append(
        (
            "Jumlah",
            angka(sum(r.mpn_count for r in data.recon)),
            rupiah(sum(r.mpn_amount for r in data.recon)),
            angka(sum(r.bank_count for r in data.recon)),
            rupiah(sum(r.bank_amount for r in data.recon)),
            angka(sum(r.matched_count for r in data.recon)),
            angka(sum(sum(r.counts.values()) for r in data.recon)),
            "",
        )
    )
    table(pdf, RECON, rows, size=7)
    late = [r.bank_code for r in data.recon if r.minutes_on_time(RESULT_DEADLINE_MINUTES, data.made_at) is False]
    odd = data.recon_anomalies
    pdf.ln(1)
    pdf.write_line(
        f"Nilai cocok {rupiah(data.totals.matched_amount)}. R5 (hasil paling lambat "
        f"{RESULT_DEADLINE_MINUTES} menit setelah batch): "
        + (f"terlampaui untuk {', '.join(late)}." if late else "terpenuhi untuk semua bank.")
        + "".join(f" Anomali waktu {code}: {why}." for code, why in odd.items()),
        size=8,
    )


def _pdf_letters(pdf: Document, data: DailyReportData) -> None:
    _heading(pdf, "D. Surat pernyataan dan Surat Himbauan")
    counts = ", ".join(f"{title} {angka(data.statement_count(s))}" for s, title in STATEMENT_STATUSES.items())
    pdf.write_line(f"Surat pernyataan tanggal buku ini: {counts}.")
    if data.statements:
        table(
            pdf,
            STATEMENTS,
            [
                (
                    f"{c.bank_code} {c.bank_name}",
                    c.status_title,
                    "-" if c.received_at is None else waktu_wib(c.received_at),
                    "-" if c.declared_count is None else angka(c.declared_count),
                    "-" if c.declared_amount is None else rupiah(c.declared_amount),
                    APPEAL_STATUSES.get(c.appeal_status or "", "-").split(" (")[0],
                )
                for c in data.statements
            ],
            size=7.5,
        )
    pdf.ln(1)
    letters = (
        ", ".join(
            f"{APPEAL_STATUSES[s].split(' (')[0]} {angka(n)}"
            for s, n in data.appeal_counts.items()
            if s in APPEAL_STATUSES
        )
        or "belum ada"
    )
    pdf.write_line(f"Surat Himbauan (semua): {letters}; {angka(len(data.overdue))} terkirim melewati batas jawaban.")


def _pdf_distribution(pdf: DailyDocument, data: DailyReportData) -> None:
    _heading(pdf, "E. Distribusi ke SIDJP dan SIPMOD")
    if data.distribution is None:
        pdf.write_line("Belum didistribusikan: belum ada putaran distribusi yang disiapkan untuk tanggal buku ini.")
        return
    states = ", ".join(
        f"putaran {r.distribution.round}: {ROUND_STATUSES[r.distribution.status]}" for r in data.distribution.rounds
    )
    pdf.write_line(f"Keadaan {states}.")
    dist_report.pdf_sections(pdf, data.distribution)


def _pdf_open(pdf: Document, data: DailyReportData) -> None:
    _heading(pdf, "F. Yang masih terbuka (semua tanggal buku)")
    pdf.write_line("F.1 Selisih rekonsiliasi terbuka per kategori dan umur (hari kerja)", style="B", size=8.5)
    if data.open_exceptions:
        table(
            pdf,
            OPEN,
            [
                (
                    c.title,
                    angka(c.total),
                    angka(c.in_clarification),
                    rupiah(c.amount),
                    f"{c.oldest:%d/%m/%Y}",
                    *(angka(n) for n in c.ages),
                )
                for c in data.open_exceptions
            ],
            size=7.5,
        )
    else:
        pdf.write_line("Tidak ada selisih terbuka.")
    pdf.write_line("F.2 Data ditahan", style="B", size=8.5)
    if data.held:
        table(
            pdf,
            HELD,
            [
                (
                    f"{h.bank_code} {h.bank_name}",
                    REASONS[h.reason],
                    angka(h.dates),
                    f"{h.oldest:%d/%m/%Y}",
                    angka(h.rows),
                    rupiah(h.amount),
                )
                for h in data.held
            ],
            size=7.5,
        )
    else:
        pdf.write_line("Tidak ada data yang ditahan.")
    pdf.write_line("F.3 Batch yang belum terkonfirmasi", style="B", size=8.5)
    if data.unconfirmed:
        table(
            pdf,
            UNCONFIRMED,
            [
                (
                    TARGET_TITLES[u.target],
                    u.state,
                    angka(u.batches),
                    angka(u.rows),
                    rupiah(u.amount),
                    f"{u.oldest:%d/%m/%Y}",
                )
                for u in data.unconfirmed
            ],
            size=7.5,
        )
    else:
        pdf.write_line("Semua batch yang disetujui telah terkonfirmasi.")
    pdf.write_line("F.4 Surat Himbauan belum dijawab", style="B", size=8.5)
    if data.unanswered:
        table(
            pdf,
            UNANSWERED,
            [
                (
                    f"{a.bank_code} {a.bank_name}",
                    a.letter_number or "-",
                    ", ".join(f"{d:%d/%m/%Y}" for d in a.business_dates),
                    f"{a.sent_on:%d/%m/%Y}" if a.sent_on else "-",
                    (f"{a.due_on:%d/%m/%Y}" if a.due_on else "-") + (" (lewat)" if a.overdue(data.today) else ""),
                )
                for a in data.unanswered
            ],
            size=7.5,
        )
    else:
        pdf.write_line("Tidak ada Surat Himbauan yang menunggu jawaban.")
    pdf.write_line("F.5 Persetujuan tertunda", style="B", size=8.5)
    if data.approvals:
        table(
            pdf,
            APPROVALS,
            [
                (p.role_title, APPROVAL_KINDS.get(p.kind, p.kind), angka(p.count), waktu_wib(p.oldest))
                for p in data.approvals
            ],
            size=7.5,
        )
    else:
        pdf.write_line("Tidak ada persetujuan yang menunggu.")


def daily_pdf(data: DailyReportData, settings: Settings) -> bytes:
    """The report as A4 PDF bytes in the house style, the day's totals on the first page; deterministic."""
    pdf = DailyDocument(
        f"Laporan harian MPN {data.business_date:%d/%m/%Y} - dibuat {waktu_wib(data.made_at)} - "
        f"audit {data.audit.head_hash[:16]}"
    )
    pdf.set_creation_date(data.made_at)
    pdf.set_title(f"Laporan Harian MPN {data.business_date:%Y-%m-%d}")
    pdf.add_page()
    draw_letterhead(pdf, settings.letterhead, settings.office_address)
    pdf.write_line(TITLE, size=11.5, style="BU", align="C", h=6)
    pdf.write_line(f"Tanggal buku {date_words(data.business_date)}", align="C")
    pdf.ln(3)
    _pdf_summary(pdf, data)
    _pdf_completeness(pdf, data)
    _pdf_recon(pdf, data)
    _pdf_letters(pdf, data)
    _pdf_distribution(pdf, data)
    _pdf_open(pdf, data)
    _heading(pdf, "G. Jejak audit")
    state = "utuh" if data.audit.ok else f"TIDAK UTUH ({data.audit.reason})"
    pdf.write_line(
        f"Rantai jejak audit {state}; {angka(data.audit.rows)} baris; hash kepala {data.audit.head_hash}.", size=8
    )
    dist_report.pdf_signature(pdf, signer=data.signer, made_at=data.made_at, settings=settings)
    if data.made_by.startswith("system:"):
        pdf.write_line(f"Laporan ini dibuat otomatis oleh sistem ({data.made_by}) pada akhir hari kerja.", size=7)
    return bytes(pdf.output())


# ---------------------------------------------------------------- XLSX


def _sheet(
    book: tabular.Workbook,
    title: str,
    keys: Sequence[str],
    rows: Iterable[Sequence[Any]],
    kinds: dict[str, tabular.Kind] | None = None,
    extra: dict[str, dict[str, str]] | None = None,
) -> None:
    """A sheet with Indonesian headers for the stored field `keys` and every coded value by its label."""
    book.sheet(title).table(labelled_columns(keys, kinds), labelled_rows(keys, rows, extra))


def _summary(book: tabular.Workbook, data: DailyReportData) -> None:
    s = data.completeness.score
    sheet = book.sheet("Ringkasan")
    sheet.title(
        title_rows(
            TITLE,
            f"tanggal buku {tanggal_pendek(data.business_date)}",
            None,
            made_at=data.made_at,
            made_by=data.made_by,
        )
    )
    for row in (
        ["Tanggal buku", data.business_date],
        ["Dibuat pada (WIB)", data.made_at],
        ["Dibuat oleh", data.signer.name if data.signer else actor_name(data.made_by)],
        ["Skor kelengkapan", persen(s.share)],
        ["Kewajiban tepat waktu", s.done],
        ["Kewajiban jatuh tempo", s.expected],
        [],
    ):
        sheet.row(row)
    sheet.table(
        tabular.columns("Uraian", "Jumlah", tabular.Column("Nilai (Rp)", "money")),
        [[what, n, amount] for what, n, amount in summary_rows(data)],
    )
    for row in (
        [],
        ["Jejak audit utuh", "ya" if data.audit.ok else "tidak"],
        ["Jejak audit: hash kepala", data.audit.head_hash],
    ):
        sheet.row(row)


def _completeness_sheet(book: tabular.Workbook, data: DailyReportData) -> None:
    cols = [
        tabular.Column("Kode bank"),
        tabular.Column("Nama bank"),
        *(
            c
            for title in DUTIES.values()
            for c in (tabular.Column(title), tabular.Column(f"{title}: waktu", "datetime"))
        ),
    ]
    book.sheet("Kelengkapan").table(
        cols,
        (
            [
                r.bank_code,
                r.bank_name,
                *(x for d in DUTIES for x in (label_of(STATES, r.status(d).state), r.status(d).at)),
            ]
            for r in data.completeness.rows
        ),
    )


_MONEY: dict[str, tabular.Kind] = {
    k: "money" for k in ("mpn_amount", "bank_amount", "matched_amount", "amount", "declared_amount", "batch_amount")
}


def daily_xlsx(data: DailyReportData, attempts: Iterable[Sequence[Any]] = ()) -> bytes:
    """The report as inert XLSX (the shared writer), one sheet per section, in Bahasa Indonesia; amounts
    rupiah-formatted numbers."""
    book = tabular.Workbook()
    _summary(book, data)
    _completeness_sheet(book, data)
    _sheet(
        book,
        "Rekonsiliasi",
        [
            "bank_code",
            "bank_name",
            "mpn_count",
            "mpn_amount",
            "bank_count",
            "bank_amount",
            "matched_count",
            "matched_amount",
            *CATEGORIES,
            "result_minutes",
        ],
        [
            [
                r.bank_code,
                data.names.get(r.bank_code, ""),
                r.mpn_count,
                r.mpn_amount,
                r.bank_count,
                r.bank_amount,
                r.matched_count,
                r.matched_amount,
                *(r.counts[c] for c in CATEGORIES),
                None if r.anomaly(data.made_at) else r.result_minutes,
            ]
            for r in data.recon
        ],
        _MONEY,
    )
    _sheet(
        book,
        "Surat pernyataan",
        [
            "bank_code",
            "bank_name",
            "status",
            "received_at",
            "letter_number",
            "declared_count",
            "declared_amount",
            "batch_count",
            "batch_amount",
            "appeal_letter_id",
            "appeal_status",
        ],
        [
            [
                c.bank_code,
                c.bank_name,
                c.status,
                c.received_at,
                c.letter_number,
                c.declared_count,
                c.declared_amount,
                c.batch_count,
                c.batch_amount,
                c.appeal_letter_id,
                c.appeal_status,
            ]
            for c in data.statements
        ],
        {**_MONEY, "received_at": "datetime"},
        {"status": STATEMENT_STATUSES, "appeal_status": APPEAL_STATUSES},
    )
    _sheet(
        book,
        "Surat himbauan",
        ["letter_id", "bank_code", "bank_name", "letter_number", "business_dates", "sent_on", "due_on", "overdue"],
        [
            [
                a.letter_id,
                a.bank_code,
                a.bank_name,
                a.letter_number,
                ", ".join(tanggal_pendek(d) for d in a.business_dates),
                a.sent_on,
                a.due_on,
                "ya" if a.overdue(data.today) else "tidak",
            ]
            for a in data.unanswered
        ]
        + [
            [],
            ["Status", "Jumlah"],
            *[[label_of(APPEAL_STATUSES, k), v] for k, v in sorted(data.appeal_counts.items())],
        ],
    )
    if data.distribution is None:
        _sheet(book, "Distribusi", ["state"], [["belum didistribusikan"]])
    else:
        dist_report.xlsx_sheets(book, data.distribution, attempts, prefix="Distribusi ")
    _open_sheets(book, data)
    return book.content()


def _open_sheets(book: tabular.Workbook, data: DailyReportData) -> None:
    ages = [f"Umur {name}" for name, _, _ in AGE_BUCKETS]
    book.sheet("Selisih terbuka").table(
        [
            *labelled_columns(["category", "total", "in_clarification", "amount", "oldest_business_date"], _MONEY),
            *tabular.columns(*ages),
        ],
        (
            [CATEGORY_LABELS.get(c.category, c.category), c.total, c.in_clarification, c.amount, c.oldest, *c.ages]
            for c in data.open_exceptions
        ),
    )
    _sheet(
        book,
        "Ditahan",
        ["reason", "bank_code", "bank_name", "dates", "oldest_business_date", "rows", "amount"],
        [[h.reason, h.bank_code, h.bank_name, h.dates, h.oldest, h.rows, h.amount] for h in data.held],
        _MONEY,
    )
    _sheet(
        book,
        "Belum terkonfirmasi",
        ["target", "state", "batches", "rows", "amount", "oldest_business_date"],
        [[u.target, u.state, u.batches, u.rows, u.amount, u.oldest] for u in data.unconfirmed],
        _MONEY,
        {"state": ROUND_STATUSES},
    )
    _sheet(
        book,
        "Persetujuan tertunda",
        ["role", "kind", "count", "oldest"],
        [[p.role, p.kind, p.count, p.oldest] for p in data.approvals],
        {"oldest": "datetime"},
        {"kind": APPROVAL_KINDS},
    )


# ---------------------------------------------------------------- kept on file


def file_name(business_date: date, fmt: str) -> str:
    """`laporan-harian-mpn_2026-11-20.pdf`."""
    return f"laporan-harian-mpn_{business_date:%Y-%m-%d}.{fmt}"


def _make(conn: Connection, business_date: date, fmt: str, made_by: str, now: datetime | None) -> tuple[str, bytes]:
    if fmt not in FORMATS:
        raise ValueError(f"format tidak dikenal: {fmt}")
    data = daily_data(conn, business_date, made_by=made_by, now=now)
    if fmt == "pdf":
        content = daily_pdf(data, current_settings(conn))
    else:
        content = daily_xlsx(data, dist_report.attempt_rows(conn, business_date) if data.distribution else ())
    name = file_name(business_date, fmt)
    report_id = dist_report.keep(
        conn,
        kind=KIND,
        business_date=business_date,
        fmt=fmt,
        name=name,
        content=content,
        made_by=made_by,
        made_at=data.made_at,
        audit=data.audit,
    )
    if fmt == "pdf":  # report subscriptions: the PDF to its subscribers, in this transaction
        mail_daily_pdf(
            conn, report_id=report_id, business_date=business_date, name=name, content=content, made_at=data.made_at
        )
    return name, content


def make_daily_report(
    engine_or_conn: Engine | Connection, business_date: date, *, fmt: str, made_by: str, now: datetime | None = None
) -> tuple[str, bytes]:
    """(file name, bytes) of the date's daily report in `fmt`, kept in `dist_report` as a new version.

    Given an engine it opens and commits its own transaction; given a connection the caller owns it.
    """
    return within(engine_or_conn, _make, business_date, fmt, made_by, now)


def make_daily_reports(
    conn: Connection, business_date: date, *, made_by: str, now: datetime | None = None
) -> list[str]:
    """Make and keep the date's daily report as PDF and XLSX (one run at a time per date); the file names."""
    xact_lock(conn, "daily_report", business_date)
    return [_make(conn, business_date, fmt, made_by, now)[0] for fmt in FORMATS]


class ReportRefused(Refused):
    """A report that will not be made now; `message` says why, in Bahasa Indonesia."""


def make_daily_reports_by(
    conn: Connection, business_date: date, user: User, *, now: datetime | None = None
) -> list[str]:
    """The Laporan page's "Buat laporan": the date's daily report (PDF and XLSX) made now by `user`, who must hold
    `reports.make`; a business date after today is refused (`ReportRefused`). The file names."""
    require(user, "reports.make", "membuat laporan harian", ReportRefused)
    if business_date > (now or config.now()).astimezone(config.timezone()).date():
        raise ReportRefused("Tanggal buku tidak boleh setelah hari ini.")
    return make_daily_reports(conn, business_date, made_by=user.username, now=now)


def report_day(conn: Connection, now: datetime) -> date | None:
    """The business date whose cycle closes on `now`'s day: the latest one whose statement letters are due by then."""
    return statement_due_date(now, calendar_from_db(conn), current_settings(conn))


def daily_report_job(engine: Engine, now: datetime, *, actor: Actor) -> Outcome:
    """The scheduler's end-of-day run: PDF and XLSX of the date whose cycle closes today (its statement letters were
    due this morning, its distribution today), kept as a new version each run."""
    with engine.begin() as conn:
        day = report_day(conn, now)
        if day is None:
            return Outcome(0, "Tidak ada tanggal buku yang siklusnya selesai hari ini")
        made = make_daily_reports(conn, day, made_by=actor.name, now=now)
    log.info("laporan harian %s disimpan: %s", day, ", ".join(made))
    return Outcome(len(made), f"Tanggal buku {day:%d/%m/%Y}: laporan harian {', '.join(made)} disimpan")


__all__ = [
    "DailyReportData",
    "KeptReport",
    "ReportRefused",
    "daily_data",
    "daily_pdf",
    "daily_report_job",
    "daily_xlsx",
    "kept_report",
    "kept_reports",
    "make_daily_report",
    "make_daily_reports",
    "make_daily_reports_by",
    "report_day",
]
