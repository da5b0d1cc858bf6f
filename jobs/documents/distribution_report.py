"""The end-of-distribution report (SE-127 step 18): what went to SIDJP and SIPMOD, what was held, who approved,
how long it took, and the audit head it stands on; as PDF and XLSX, kept on file in `dist_report`.

Its content is the area's (`queries.distribution.report`: `report_data`, `attempt_rows`, `keep`); here it is
rendered: `report_pdf` and `report_xlsx` (the PDF is pure: the same data gives the same bytes, its only time is
`made_at`); `make_report` reads, renders and keeps one format; `keep_reports` is the delivery's hook, making
both once a round is delivered. Nothing here commits a caller's transaction."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Engine

from jobs.documents import tabular
from jobs.documents.exports import labelled_columns, labelled_rows, title_rows
from jobs.documents.pdf_style import Column, Document, date_words, draw_letterhead, latin1, table
from queries.accounts import approvals
from queries.accounts.users import ROLES
from queries.calendar import WIB
from queries.db import within, xact_lock
from queries.distribution.prepare import REASONS, TARGET_TITLES, TARGETS
from queries.distribution.report import (
    ATTEMPT_CAP,
    ATTEMPT_HEADER,
    SYSTEM_MAKER,
    ApprovalLine,
    DistributionReportData,
    NoDistribution,
    Person,
    StoredReport,
    attempt_rows,
    database_now,
    keep,
    latest_report,
    report_data,
    report_due,
    stored,
)
from queries.formatting import angka, rupiah, tanggal_panjang, tanggal_pendek, waktu_wib
from queries.labels import STATUS_WORDS, actor_name
from queries.labels import TARGETS as TARGET_LABELS
from queries.labels import label as label_of
from queries.settings import Settings, current_settings

log = logging.getLogger(__name__)
TITLE = "LAPORAN PELAKSANAAN DISTRIBUSI DAN MONITORING DATA MPN"
FORMATS = ("pdf", "xlsx")
DECISIONS = {"approved": "Disetujui", "rejected": "Dikembalikan"}


# ---------------------------------------------------------------- formatting


def _at(moment: datetime | None) -> str:
    return "-" if moment is None else waktu_wib(moment)


def durasi(seconds: float | None) -> str:
    """`45 dtk`, `2 mnt 05 dtk`, `1 jam 02 mnt`; `-` when unknown."""
    if seconds is None:
        return "-"
    s = max(0, round(seconds))
    if s < 60:
        return f"{s} dtk"
    if s < 3600:
        return f"{s // 60} mnt {s % 60:02d} dtk"
    return f"{s // 3600} jam {s % 3600 // 60:02d} mnt"


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{angka(round(value))} ms"


def _since(start: datetime | None, end: datetime | None) -> float | None:
    return None if start is None or end is None else (end - start).total_seconds()


def _kpp(code: str, name: str) -> str:
    return f"{code} {name}".strip()


def _step_title(line: ApprovalLine) -> str:
    if line.step == 0:
        return f"Pengajuan ({ROLES.get(line.role, line.role)})"
    return f"Tahap {line.step}: {ROLES.get(line.role, line.role)}"


def _outcome(line: ApprovalLine) -> str:
    if line.step == 0:
        return approvals.STATUSES.get(line.outcome, line.outcome)
    return DECISIONS.get(line.outcome, line.outcome)


def summary_rows(data: DistributionReportData) -> list[tuple[str, int, int]]:
    """(what, rows, amount) of the summary block."""
    held_rows, held_amount = sum(h.row_count for h in data.held), sum(h.amount for h in data.held)
    rows = [("Data disiapkan untuk distribusi", data.rows, data.amount), ("Data ditahan", held_rows, held_amount)]
    for t in TARGETS:
        total = data.target_total(t)
        rows += [
            (f"Terkonfirmasi {TARGET_TITLES[t]}", total.rows_confirmed, total.amount_confirmed),
            (f"Gagal {TARGET_TITLES[t]}", total.rows_failed, total.amount_failed),
            (
                f"Belum terkonfirmasi {TARGET_TITLES[t]}",
                total.rows - total.rows_confirmed - total.rows_failed,
                total.amount - total.amount_confirmed - total.amount_failed,
            ),
        ]
    return rows


# ---------------------------------------------------------------- PDF

SUMMARY = (Column("Uraian", 90), Column("Jumlah baris", 35, "R"), Column("Jumlah", 55, "R"))
ROUNDS = (
    Column("Putaran", 16, "R"),
    Column("Status", 30),
    Column("Disiapkan", 52),
    Column("Baris", 20, "R"),
    Column("Jumlah", 40, "R"),
    Column("Batch", 22, "R"),
)
APPROVALS = (
    Column("Putaran", 14, "R"),
    Column("Pengajuan", 18),
    Column("Langkah", 34),
    Column("Oleh", 34),
    Column("Hasil", 24),
    Column("Waktu", 28),
    Column("Catatan", 28),
)
PER_KPP = (
    Column("Tujuan", 16),
    Column("KPP", 46),
    Column("Batch", 12, "R"),
    Column("Baris", 18, "R"),
    Column("Jumlah", 32, "R"),
    Column("Terkonfirmasi", 20, "R"),
    Column("Gagal", 14, "R"),
    Column("Percobaan", 22, "R"),
)
HELD = (Column("Bank", 62), Column("Alasan", 58), Column("Baris", 25, "R"), Column("Jumlah", 35, "R"))
ROUND_TIMES = (
    Column("Putaran", 16, "R"),
    Column("Disetujui", 36),
    Column("Pengiriman pertama", 36),
    Column("Sejak disetujui", 22),
    Column("Konfirmasi terakhir", 36),
    Column("Sejak disetujui", 34),
)
LATENCY = (
    Column("Tujuan", 26),
    Column("Percobaan", 24, "R"),
    Column("Terkonfirmasi", 26, "R"),
    Column("Pengiriman pertama", 36),
    Column("Median", 34, "R"),
    Column("P95", 34, "R"),
)
AVAILABLE = (Column("KPP", 85), Column("Baris", 25, "R"), Column("Jumlah", 35, "R"), Column("Tersedia sejak", 35))
ESCALATIONS = (
    Column("No.", 10, "R"),
    Column("Bank", 52),
    Column("Tanggal buku", 38),
    Column("Nomor surat", 38),
    Column("Dikirim", 21),
    Column("Batas jawab", 21),
)


def _section(pdf: Document, heading: str) -> None:
    """A section heading, on the next page when too little room is left for it and a table's first rows.

    Inside another report (a document with a `within` letter, say "E") "C. Per KPP" becomes "E.3 Per KPP".
    """
    within = getattr(pdf, "within", "")
    letter, _, title = heading.partition(". ")
    if within and len(letter) == 1 and title:
        heading = f"{within}.{ord(letter) - ord('A') + 1} {title}"
    if pdf.get_y() > pdf.page_break_trigger - 25:
        pdf.add_page()
    else:
        pdf.ln(3)
    pdf.write_line(heading, style="B")


def _pdf_summary(pdf: Document, data: DistributionReportData) -> None:
    done = (
        "seluruh batch telah terkonfirmasi oleh SIDJP dan SIPMOD"
        if data.complete
        else "distribusi BELUM selesai: masih ada batch yang belum terkonfirmasi atau belum disetujui"
    )
    for label, value in (
        ("Tanggal buku", tanggal_panjang(data.business_date)),
        ("Laporan dibuat", waktu_wib(data.made_at)),
        ("Putaran distribusi", angka(len(data.rounds))),
        ("Keadaan", done),
    ):
        pdf.set_font("helvetica", size=9)
        pdf.cell(40, 5, label)
        pdf.cell(4, 5, ":")
        pdf.multi_cell(0, 5, latin1(value), align="L", new_x="LMARGIN", new_y="NEXT")
    _section(pdf, "A. Ringkasan")
    table(pdf, SUMMARY, [(what, angka(n), rupiah(amount)) for what, n, amount in summary_rows(data)])
    pdf.ln(1)
    pdf.write_line(
        f"{angka(sum(r.distribution.batch_count for r in data.rounds))} batch, "
        f"{angka(data.attempt_count)} percobaan pengiriman; {angka(len(data.available))} KPP telah "
        f"menerima seluruh datanya; {angka(len(data.escalations))} Surat Himbauan melewati batas jawaban."
    )


def _pdf_rounds(pdf: Document, data: DistributionReportData) -> None:
    _section(pdf, "B. Putaran dan persetujuan")
    table(
        pdf,
        ROUNDS,
        [
            (
                angka(r.distribution.round),
                r.distribution.status_title,
                f"{_at(r.distribution.prepared_at)} oleh {r.prepared_by}",
                angka(r.distribution.row_count),
                rupiah(r.distribution.amount),
                angka(r.distribution.batch_count),
            )
            for r in data.rounds
        ],
    )
    pdf.ln(2)
    if not data.approvals:
        pdf.write_line("Belum ada pengajuan persetujuan.")
        return
    table(
        pdf,
        APPROVALS,
        [
            (angka(a.round), f"#{a.request_id}", _step_title(a), a.who, _outcome(a), _at(a.at), a.note or "-")
            for a in data.approvals
        ],
        size=7.5,
    )


def _pdf_per_kpp(pdf: Document, data: DistributionReportData) -> None:
    _section(pdf, "C. Distribusi per sistem tujuan dan KPP")
    rows: list[tuple[str, ...]] = []
    for t in TARGETS:
        lines = [k for k in data.per_kpp if k.target == t]
        rows += [
            (
                TARGET_TITLES[t],
                _kpp(k.kpp_code, k.kpp_name),
                angka(k.batches),
                angka(k.rows),
                rupiah(k.amount),
                angka(k.rows_confirmed),
                angka(k.rows_failed),
                angka(k.attempts),
            )
            for k in lines
        ]
        s = data.target_total(t)
        rows.append(
            (
                TARGET_TITLES[t],
                "Jumlah",
                angka(s.batches),
                angka(s.rows),
                rupiah(s.amount),
                angka(s.rows_confirmed),
                angka(s.rows_failed),
                angka(s.attempts),
            )
        )
    table(pdf, PER_KPP, rows, size=7.5)
    _section(pdf, "D. KPP yang telah menerima seluruh datanya (tersedia)")
    if not data.available:
        pdf.write_line("Belum ada KPP yang seluruh datanya terkonfirmasi di kedua sistem tujuan.")
    else:
        table(
            pdf,
            AVAILABLE,
            [(_kpp(k.kpp_code, k.kpp_name), angka(k.rows), rupiah(k.amount), _at(k.since)) for k in data.available],
        )


def _pdf_held(pdf: Document, data: DistributionReportData) -> None:
    _section(pdf, "E. Data yang ditahan")
    if not data.held:
        pdf.write_line("Tidak ada data yang ditahan.")
        return
    rows = [
        (f"{h.bank_code} {h.bank_name}", REASONS[h.reason], angka(h.row_count), rupiah(h.amount)) for h in data.held
    ]
    rows.append(("Jumlah", "", angka(sum(h.row_count for h in data.held)), rupiah(sum(h.amount for h in data.held))))
    table(pdf, HELD, rows)


def _pdf_timings(pdf: Document, data: DistributionReportData) -> None:
    _section(pdf, "F. Waktu pelaksanaan")
    table(
        pdf,
        ROUND_TIMES,
        [
            (
                angka(r.distribution.round),
                _at(r.distribution.approved_at),
                _at(r.first_post_at),
                durasi(_since(r.distribution.approved_at, r.first_post_at)),
                _at(r.last_confirmed_at),
                durasi(_since(r.distribution.approved_at, r.last_confirmed_at)),
            )
            for r in data.rounds
        ],
    )
    pdf.ln(2)
    table(
        pdf,
        LATENCY,
        [
            (
                TARGET_TITLES[t.target],
                angka(t.attempts),
                angka(t.confirmed),
                _at(t.first_post_at),
                _ms(t.median_ms),
                _ms(t.p95_ms),
            )
            for t in data.timings
        ],
    )


def _pdf_escalations(pdf: Document, data: DistributionReportData) -> None:
    _section(pdf, "G. Eskalasi: Surat Himbauan yang melewati batas jawaban")
    if not data.escalations:
        pdf.write_line("Tidak ada Surat Himbauan yang melewati batas jawaban.")
        return
    table(
        pdf,
        ESCALATIONS,
        [
            (
                angka(i),
                f"{a.bank_code} {a.bank_name}",
                ", ".join(f"{d:%d/%m/%Y}" for d in a.business_dates),
                a.letter_number or "-",
                f"{a.sent_on:%d/%m/%Y}" if a.sent_on else "-",
                f"{a.due_on:%d/%m/%Y}" if a.due_on else "-",
            )
            for i, a in enumerate(data.escalations, 1)
        ],
    )


def _pdf_audit(pdf: Document, data: DistributionReportData) -> None:
    _section(pdf, "H. Jejak audit")
    state = "utuh" if data.audit.ok else f"TIDAK UTUH ({data.audit.reason})"
    pdf.write_line(
        f"Rantai jejak audit {state}; {angka(data.audit.rows)} baris pada saat laporan dibuat. Hash kepala rantai:"
    )
    pdf.set_font("courier", size=8)
    pdf.cell(0, 5, data.audit.head_hash, new_x="LMARGIN", new_y="NEXT")


def pdf_signature(pdf: Document, *, signer: Person | None, made_at: datetime, settings: Settings) -> None:
    """The place and date, "Dibuat oleh," the pelaksana's title, name and NIP (dotted lines when unknown)."""
    if pdf.get_y() > pdf.h - pdf.b_margin - 50:
        pdf.add_page()
    pdf.ln(6)
    lines = [
        (f"{settings.place}, {date_words(made_at.astimezone(WIB).date())}", "", 0.0),
        ("Dibuat oleh,", "", 0.0),
        (ROLES["pelaksana"] + ",", "", 18.0),
        (signer.name if signer else "(" + "." * 45 + ")", "BU" if signer else "", 0.0),
        ("NIP " + (signer.nip if signer and signer.nip else "." * 30), "", 0.0),
    ]
    for value, style, gap in lines:
        pdf.set_x(110)
        pdf.set_font("helvetica", style=style, size=9)
        pdf.multi_cell(0, 5, latin1(value), align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(gap)


def _pdf_signature(pdf: Document, data: DistributionReportData, settings: Settings) -> None:
    pdf_signature(pdf, signer=data.signer, made_at=data.made_at, settings=settings)
    if data.made_by.startswith("system:"):
        pdf.ln(2)
        pdf.write_line(f"Laporan ini dibuat otomatis oleh sistem ({data.made_by}) pada akhir distribusi.", size=7)


def pdf_sections(pdf: Document, data: DistributionReportData) -> None:
    """The report's sections A-H (summary, rounds, per KPP, held, timings, escalations, audit) on `pdf`."""
    for part in (_pdf_summary, _pdf_rounds, _pdf_per_kpp, _pdf_held, _pdf_timings, _pdf_escalations, _pdf_audit):
        part(pdf, data)


def report_pdf(data: DistributionReportData, settings: Settings) -> bytes:
    """The report as A4 PDF bytes in the house style; deterministic (its only time is `data.made_at`)."""
    pdf = Document(
        f"Laporan distribusi MPN {data.business_date:%d/%m/%Y} - dibuat {waktu_wib(data.made_at)} - "
        f"audit {data.audit.head_hash[:16]}"
    )
    pdf.set_creation_date(data.made_at)
    pdf.set_title(f"Laporan Distribusi MPN {data.business_date:%Y-%m-%d}")
    pdf.set_author(
        latin1(settings.letterhead[min(1, len(settings.letterhead) - 1)].title()) if settings.letterhead else ""
    )
    pdf.add_page()
    draw_letterhead(pdf, settings.letterhead, settings.office_address)
    pdf.write_line(TITLE, size=11.5, style="BU", align="C", h=6)
    pdf.write_line(f"Tanggal buku {date_words(data.business_date)}", align="C")
    pdf.ln(3)
    pdf_sections(pdf, data)
    _pdf_signature(pdf, data, settings)
    return bytes(pdf.output())


# ---------------------------------------------------------------- XLSX


def report_xlsx(data: DistributionReportData, attempts: Iterable[Sequence[Any]] = ()) -> bytes:
    """The report as inert XLSX (the shared writer): Ringkasan, Per KPP, Ditahan, Percobaan (capped), Persetujuan."""
    book = tabular.Workbook()
    xlsx_sheets(book, data, attempts)
    return book.content()


_MONEY: tabular.Kind = "money"
_MOMENT: tabular.Kind = "datetime"


def _summary_sheet(sheet: tabular.Sheet, data: DistributionReportData) -> None:
    """Ringkasan: blocks of label/value rows, each block under its own header; timestamps in WIB."""
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
        ["Dibuat oleh", data.signer.name if data.signer else data.made_by],
        ["Pembuat (akun)", data.made_by],
        ["Selesai", "ya" if data.complete else "belum"],
        [],
    ):
        sheet.row(row)
    blocks: list[tuple[Sequence[tabular.Column], list[Sequence[Any]]]] = [
        (
            tabular.columns("Uraian", "Jumlah baris", tabular.Column("Jumlah (Rp)", _MONEY)),
            [list(r) for r in summary_rows(data)],
        ),
        (
            tabular.columns(
                "Putaran",
                "Status",
                tabular.Column("Disiapkan", _MOMENT),
                "Disiapkan oleh",
                tabular.Column("Disetujui", _MOMENT),
                tabular.Column("Pengiriman pertama", _MOMENT),
                tabular.Column("Konfirmasi terakhir", _MOMENT),
                "Baris",
                tabular.Column("Jumlah (Rp)", _MONEY),
                "Batch",
            ),
            [
                [
                    r.distribution.round,
                    label_of(STATUS_WORDS, r.distribution.status),
                    r.distribution.prepared_at,
                    actor_name(r.prepared_by),
                    r.distribution.approved_at,
                    r.first_post_at,
                    r.last_confirmed_at,
                    r.distribution.row_count,
                    r.distribution.amount,
                    r.distribution.batch_count,
                ]
                for r in data.rounds
            ],
        ),
        (
            tabular.columns(
                "Tujuan",
                "Percobaan",
                "Terkonfirmasi",
                "Median (ms)",
                "P95 (ms)",
                tabular.Column("Pengiriman pertama", _MOMENT),
                tabular.Column("Konfirmasi terakhir", _MOMENT),
            ),
            [
                [
                    label_of(TARGET_LABELS, t.target),
                    t.attempts,
                    t.confirmed,
                    t.median_ms,
                    t.p95_ms,
                    t.first_post_at,
                    t.last_confirmed_at,
                ]
                for t in data.timings
            ],
        ),
        (
            tabular.columns(
                "KPP tersedia",
                "Nama",
                "Baris",
                tabular.Column("Jumlah (Rp)", _MONEY),
                tabular.Column("Tersedia sejak", _MOMENT),
            ),
            [[k.kpp_code, k.kpp_name, k.rows, k.amount, k.since] for k in data.available],
        ),
        (
            tabular.columns("Eskalasi: surat", "Bank", "Tanggal buku", "Nomor surat", "Dikirim", "Batas jawab"),
            [
                [
                    a.letter_id,
                    a.bank_code,
                    ", ".join(tanggal_pendek(d) for d in a.business_dates),
                    a.letter_number,
                    a.sent_on,
                    a.due_on,
                ]
                for a in data.escalations
            ],
        ),
    ]
    for cols, rows in blocks:
        sheet.table(cols, rows)
        sheet.row([])
    for row in (
        ["Jejak audit utuh", "ya" if data.audit.ok else "tidak"],
        ["Jejak audit: baris", data.audit.rows],
        ["Jejak audit: hash kepala", data.audit.head_hash],
    ):
        sheet.row(row)


#: The XLSX attempt log's columns (ATTEMPT_HEADER, its time in WIB).
ATTEMPT_COLUMNS = tuple(labelled_columns(ATTEMPT_HEADER, {"started_at": _MOMENT}))


def _capped(attempts: Iterable[Sequence[Any]]) -> Iterator[Sequence[Any]]:
    for written, attempt in enumerate(attempts):
        if written >= ATTEMPT_CAP:
            return
        yield attempt


def xlsx_sheets(
    book: tabular.Workbook, data: DistributionReportData, attempts: Iterable[Sequence[Any]] = (), *, prefix: str = ""
) -> None:
    """The report's five sheets added to a workbook of the shared writer, their names after `prefix`."""
    _summary_sheet(book.sheet(prefix + "Ringkasan"), data)
    kpp_keys = (
        "target",
        "kpp_code",
        "kpp_name",
        "batches",
        "rows",
        "amount",
        "rows_confirmed",
        "amount_confirmed",
        "rows_failed",
        "amount_failed",
        "attempts",
    )
    money = {k: _MONEY for k in ("amount", "amount_confirmed", "amount_failed")}
    book.sheet(prefix + "Per KPP").table(
        labelled_columns(kpp_keys, money),
        labelled_rows(
            kpp_keys,
            (
                [
                    k.target,
                    k.kpp_code,
                    k.kpp_name,
                    k.batches,
                    k.rows,
                    k.amount,
                    k.rows_confirmed,
                    k.amount_confirmed,
                    k.rows_failed,
                    k.amount_failed,
                    k.attempts,
                ]
                for k in data.per_kpp
            ),
        ),
    )
    held_keys = ("round", "bank_code", "bank_name", "reason", "rows", "amount")
    book.sheet(prefix + "Ditahan").table(
        labelled_columns(held_keys, money),
        labelled_rows(
            held_keys, ([h.round, h.bank_code, h.bank_name, h.reason, h.row_count, h.amount] for h in data.held)
        ),
    )
    s = book.sheet(prefix + "Percobaan")
    written = s.table(ATTEMPT_COLUMNS, labelled_rows(ATTEMPT_HEADER, _capped(attempts)))
    if data.attempt_count > written:
        s.row(
            [
                f"... {angka(data.attempt_count - written)} percobaan lainnya tidak dicantumkan "
                f"(batas {angka(ATTEMPT_CAP)})"
            ]
        )
    approval_keys = ("round", "request_id", "step", "role", "who", "outcome", "at", "note")
    book.sheet(prefix + "Persetujuan").table(
        labelled_columns(approval_keys, {"at": _MOMENT}),
        labelled_rows(
            approval_keys,
            (
                [a.round, a.request_id, a.step, a.role, actor_name(a.who), a.outcome, a.at, a.note]
                for a in data.approvals
            ),
        ),
    )


# ---------------------------------------------------------------- kept on file


def file_name(business_date: date, fmt: str) -> str:
    """`laporan-distribusi-mpn_2026-11-20.pdf`."""
    return f"laporan-distribusi-mpn_{business_date:%Y-%m-%d}.{fmt}"


def _make(conn: Connection, business_date: date, fmt: str, made_by: str, now: datetime | None) -> tuple[str, bytes]:
    if fmt not in FORMATS:
        raise ValueError(f"format tidak dikenal: {fmt}")
    data = report_data(conn, business_date, made_by=made_by, now=now)
    if fmt == "pdf":
        content = report_pdf(data, current_settings(conn))
    else:
        content = report_xlsx(data, attempt_rows(conn, business_date))
    name = file_name(business_date, fmt)
    keep(
        conn,
        kind="distribution",
        business_date=business_date,
        fmt=fmt,
        name=name,
        content=content,
        made_by=made_by,
        made_at=data.made_at,
        audit=data.audit,
    )
    return name, content


def make_report(
    engine_or_conn: Engine | Connection, business_date: date, *, fmt: str, made_by: str, now: datetime | None = None
) -> tuple[str, bytes]:
    """(file name, bytes) of the date's report in `fmt`, kept in `dist_report`; `NoDistribution` when none.

    Given an engine it opens and commits its own transaction; given a connection the caller owns it.
    """
    return within(engine_or_conn, _make, business_date, fmt, made_by, now)


def keep_reports(engine: Engine, business_date: date, made_by: str = SYSTEM_MAKER) -> list[str]:
    """Make and keep both formats when a round of the date was delivered since the last kept report (the
    delivery's hook; calling it after every run is safe); returns the file names made, [] when nothing new."""
    with engine.begin() as conn:
        xact_lock(conn, "dist_report", business_date)
        if not report_due(conn, business_date, made_by):
            return []
        now = database_now(conn)  # the database's clock, as delivered_at's
        made = [_make(conn, business_date, fmt, made_by, now)[0] for fmt in FORMATS]
    log.info("laporan distribusi %s disimpan: %s", business_date, ", ".join(made))
    return made


__all__ = [
    "DistributionReportData",
    "NoDistribution",
    "Person",
    "StoredReport",
    "attempt_rows",
    "keep",
    "keep_reports",
    "latest_report",
    "make_report",
    "pdf_sections",
    "pdf_signature",
    "report_data",
    "report_pdf",
    "report_xlsx",
    "stored",
    "xlsx_sheets",
]
