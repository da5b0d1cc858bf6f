"""The pages' table exports, written by the one inert writer: the Rekonsiliasi exceptions (CSV, XLSX) and the
Rapor bank scorecard (XLSX). The rows come from `queries`; only the rendering lives here.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from typing import IO

from sqlalchemy import Connection

from jobs.documents.tabular import Column, write_csv_bytes, write_xlsx
from queries import config
from queries.exception_work import STATUSES
from queries.recon_page import EXPORT_HEADER, ExceptionFilter, exported_rows
from queries.reconcile import CATEGORY_LABELS
from queries.scorecard import COLUMNS as SCORE_COLUMNS
from queries.scorecard import BankScore, bank_scores

_KINDS = {"business_date": "date", "mpn_amount": "money", "bank_amount": "money", "opened_at": "datetime",
          "resolved_at": "datetime"}
#: The exceptions export: CONTRACT §4's columns, then the work on the exception.
EXCEPTION_COLUMNS = tuple(Column(name, _KINDS.get(name, "auto")) for name in EXPORT_HEADER)  # type: ignore[arg-type]
SCORE_COLUMN_KINDS = tuple(Column(label) for label in SCORE_COLUMNS.values())


def _day(d: date | None) -> str:
    return "…" if d is None else f"{d:%d/%m/%Y}"


def exception_title(flt: ExceptionFilter) -> list[str]:
    """The title rows of an exceptions export: what it is, its dates, its filters (in Bahasa Indonesia)."""
    period = (f"Tanggal buku {_day(flt.date_from)}" if flt.date_from == flt.date_to
              else f"Tanggal buku {_day(flt.date_from)} - {_day(flt.date_to)}")
    parts = [f"bank {flt.bank}" if flt.bank else "semua bank",
             f"kategori {CATEGORY_LABELS.get(flt.category, flt.category)}" if flt.category else "semua kategori",
             "status " + ", ".join(STATUSES.get(s, s) for s in flt.statuses) if flt.statuses else "semua status"]
    if (flt.ntpn or "").strip():
        parts.append(f"NTPN memuat {flt.ntpn.strip().upper()}")
    if flt.pending_only:
        parts.append("hanya yang menunggu persetujuan")
    return ["Selisih rekonsiliasi MPN", period, "Filter: " + "; ".join(parts)]


def exceptions_csv(conn: Connection, out: IO[bytes], *, flt: ExceptionFilter, sort_column: str | None = None,
                   descending: bool = False) -> int:
    """The matching exceptions as inert UTF-8 CSV (CONTRACT §4 columns first), streamed; rows written."""
    rows = exported_rows(conn, flt=flt, sort_column=sort_column, descending=descending)
    return write_csv_bytes(out, EXCEPTION_COLUMNS, rows)


def exceptions_xlsx(conn: Connection, out: IO[bytes], *, flt: ExceptionFilter, sort_column: str | None = None,
                    descending: bool = False) -> int:
    """The matching exceptions as one inert XLSX sheet under a title naming the filter, streamed; rows written."""
    rows = exported_rows(conn, flt=flt, sort_column=sort_column, descending=descending)
    return write_xlsx(out, "Selisih", EXCEPTION_COLUMNS, rows, title=exception_title(flt))


def _score_rows(scores: list[BankScore]) -> Iterator[list[object]]:
    for s in scores:
        yield [s.bank_code, s.bank_name, s.days_with_data, s.batches_late, s.batches_missing, s.statements_missing,
               s.statements_late, s.statements_mismatch, s.payments, s.exceptions,
               None if s.exception_rate is None else round(s.exception_rate, 6), s.appeals_unanswered,
               s.appeals_overdue, s.results_late]


def scorecard_xlsx(conn: Connection, out: IO[bytes], *, first: date, last: date, now: datetime) -> int:
    """The scorecard as one inert XLSX sheet under its period and the PER-78 Pasal 4(e) note; rows written."""
    scores = bank_scores(conn, first=first, last=last, now=now)
    title = [f"Rapor bank/pos persepsi {first:%d/%m/%Y} - {last:%d/%m/%Y}, "
             f"per {now.astimezone(config.timezone()):%d/%m/%Y %H:%M}",
             "Bukti kinerja untuk PER-78/PB/2006 Pasal 4 huruf e (pencabutan persetujuan penerimaan "
             "setoran secara online)."]
    return write_xlsx(out, "Rapor bank", SCORE_COLUMN_KINDS, _score_rows(scores), title=title)
