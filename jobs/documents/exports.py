"""The pages' table exports, written by the one inert writer: the Rekonsiliasi exceptions (CSV, XLSX) and the
Rapor bank scorecard (XLSX). The rows come from `queries`; only the rendering lives here.

The CSV keeps CONTRACT §4's column names and codes (a machine reads it); every XLSX a page or a report makes is
for people: title rows (the report, its period, its filters, when and by whom it was made, in WIB), Indonesian
headers (`queries.labels.column_title`) and states by their labels (`queries.labels.export_value`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from typing import IO, Any

from sqlalchemy import Connection

from jobs.documents.tabular import Column, Kind, write_csv_bytes, write_xlsx
from queries.formatting import rentang_tanggal, waktu_wib
from queries.labels import actor_name, column_title, export_value
from queries.monitoring.scorecard import COLUMNS as SCORE_COLUMNS
from queries.monitoring.scorecard import BankScore, bank_scores
from queries.reconciliation.classify import CATEGORY_LABELS
from queries.reconciliation.exception_list import EXPORT_HEADER, ExceptionFilter, exported_rows
from queries.reconciliation.model import CAUSES, STATUSES

_KINDS: dict[str, Kind] = {
    "business_date": "date",
    "mpn_amount": "money",
    "bank_amount": "money",
    "opened_at": "datetime",
    "resolved_at": "datetime",
}
#: The exceptions CSV: CONTRACT §4's columns, then the work on the exception.
EXCEPTION_COLUMNS = tuple(Column(name, _KINDS.get(name, "auto")) for name in EXPORT_HEADER)
SCORE_COLUMN_KINDS = tuple(Column(label) for label in SCORE_COLUMNS.values())


def title_rows(
    report: str, period: str, filters: str | None, *, made_at: datetime, made_by: str | None = None
) -> list[str]:
    """The title rows of every page or report XLSX: the report, its period, its filters, made when (WIB) and by."""
    made = f"Dibuat {waktu_wib(made_at)}" + (f" oleh {actor_name(made_by)}" if made_by else "")
    return [report, f"Periode: {period}", f"Filter: {filters or 'tidak ada (semua data)'}", made]


def labelled_columns(keys: Sequence[str], kinds: dict[str, Kind] | None = None) -> list[Column]:
    """XLSX columns for stored field `keys`: Indonesian headers, kinds by key."""
    return [Column(column_title(k), (kinds or {}).get(k, "auto")) for k in keys]


def labelled_rows(
    keys: Sequence[str], rows: Iterable[Sequence[Any]], extra: dict[str, dict[str, str]] | None = None
) -> Iterator[list[Any]]:
    """`rows` with every coded value shown by its label (`extra` adds labels for other keys), streamed."""
    extra = extra or {}
    for row in rows:
        yield [
            extra[k].get(v, v) if k in extra and isinstance(v, str) else export_value(k, v)
            for k, v in zip(keys, row, strict=False)
        ]


def _filters(flt: ExceptionFilter) -> str:
    parts = [
        f"bank {flt.bank}" if flt.bank else "semua bank",
        f"kategori {CATEGORY_LABELS.get(flt.category, flt.category)}" if flt.category else "semua kategori",
        "status " + ", ".join(STATUSES.get(s, s) for s in flt.statuses) if flt.statuses else "semua status",
    ]
    if ntpn := (flt.ntpn or "").strip():
        parts.append(f"NTPN memuat {ntpn.upper()}")
    if flt.pending_only:
        parts.append("hanya yang menunggu persetujuan")
    return "; ".join(parts)


def exception_title(flt: ExceptionFilter, *, made_at: datetime, made_by: str | None = None) -> list[str]:
    """The title rows of an exceptions export: what it is, its dates, its filters, when and by whom."""
    period = "tanggal buku " + (
        rentang_tanggal(flt.date_from, flt.date_to)
        if flt.date_from and flt.date_to
        else rentang_tanggal(flt.date_from or flt.date_to, flt.date_from or flt.date_to)
    )
    return title_rows("Selisih rekonsiliasi MPN", period, _filters(flt), made_at=made_at, made_by=made_by)


def exceptions_csv(
    conn: Connection, out: IO[bytes], *, flt: ExceptionFilter, sort_column: str | None = None, descending: bool = False
) -> int:
    """The matching exceptions as inert UTF-8 CSV (CONTRACT §4 columns and codes), streamed; rows written."""
    rows = exported_rows(conn, flt=flt, sort_column=sort_column, descending=descending)
    return write_csv_bytes(out, EXCEPTION_COLUMNS, rows)


def exceptions_xlsx(
    conn: Connection,
    out: IO[bytes],
    *,
    flt: ExceptionFilter,
    sort_column: str | None = None,
    descending: bool = False,
    made_at: datetime | None = None,
    made_by: str | None = None,
) -> int:
    """The matching exceptions as one inert XLSX sheet in Bahasa Indonesia under its title rows; rows written."""
    rows = exported_rows(conn, flt=flt, sort_column=sort_column, descending=descending)
    title = exception_title(flt, made_at=made_at or datetime.now().astimezone(), made_by=made_by)
    return write_xlsx(
        out,
        "Selisih",
        labelled_columns(EXPORT_HEADER, _KINDS),
        labelled_rows(EXPORT_HEADER, rows, {"cause": CAUSES}),
        title=title,
    )


def _score_rows(scores: list[BankScore]) -> Iterator[list[object]]:
    for s in scores:
        yield [
            s.bank_code,
            s.bank_name,
            s.days_with_data,
            s.batches_late,
            s.batches_missing,
            s.statements_missing,
            s.statements_late,
            s.statements_mismatch,
            s.payments,
            s.exceptions,
            None if s.exception_rate is None else round(s.exception_rate, 6),
            s.appeals_unanswered,
            s.appeals_overdue,
            s.results_late,
        ]


def scorecard_title(first: date, last: date, *, now: datetime, made_by: str | None = None) -> list[str]:
    """The scorecard's title rows, then the PER-78 Pasal 4(e) note."""
    return [
        *title_rows("Rapor bank/pos persepsi", rentang_tanggal(first, last), None, made_at=now, made_by=made_by),
        "Bukti kinerja untuk PER-78/PB/2006 Pasal 4 huruf e (pencabutan persetujuan penerimaan setoran secara online).",
    ]


def scorecard_xlsx(
    conn: Connection, out: IO[bytes], *, first: date, last: date, now: datetime, made_by: str | None = None
) -> int:
    """The scorecard as one inert XLSX sheet under its title rows and the PER-78 Pasal 4(e) note; rows written."""
    scores = bank_scores(conn, first=first, last=last, now=now)
    return write_xlsx(
        out,
        "Rapor bank",
        SCORE_COLUMN_KINDS,
        _score_rows(scores),
        title=scorecard_title(first, last, now=now, made_by=made_by),
    )
