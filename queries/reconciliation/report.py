"""The content of one Berita Acara Rekonsiliasi (PER-78/PB/2006 Ps.11(2)): one bank's reconciliation of one date.

Totals on both sides, matched totals, R5's batch-to-result delay, counts per category and the exceptions the
last run found for that bank and date. The list is capped at `MAX_EXCEPTION_ROWS` (about 200 printed pages):
a longer PDF is no use to the reader, fpdf2 keeps every page in memory until it writes the file anyway, and the
CSV export (`recon_read.exported_exceptions`) is the complete, streamed list. The report says how many rows
it left out. Never commits.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Connection, text

from queries.reconciliation.classify import CATEGORIES, RESULT_DEADLINE_MINUTES
from queries.reconciliation.model import ExceptionRow, row_columns

#: Exception rows printed at most (~55 rows a page: about 200 pages); the rest are in the CSV export.
MAX_EXCEPTION_ROWS = 10_000
#: PER-78/PB/2006 Ps.11(2), DOMAIN R5: the result is due within this many minutes of the batch.

_CATEGORY_ORDER = "CASE e.category " + " ".join(f"WHEN '{c}' THEN {i}" for i, c in enumerate(CATEGORIES)) + " END"


class ReportError(LookupError):
    """No report can be made: the bank is unknown or its date was never reconciled (message in Indonesian)."""


@dataclass(frozen=True, slots=True)
class ReconReport:
    """One bank's reconciliation of one business date, as of the last run that covered it."""

    business_date: date
    bank_code: str
    bank_name: str
    bank_kind: str
    run_id: int
    batch_id: int | None
    batch_received_at: datetime | None
    result_at: datetime | None
    result_minutes: float | None
    mpn_count: int
    mpn_amount: int
    bank_count: int
    bank_amount: int
    matched_count: int
    matched_amount: int
    counts: Mapping[str, int]
    #: As the Berita Acara lists them; bank-level rows have an empty `ntpn`.
    exceptions: tuple[ExceptionRow, ...]

    @property
    def exception_total(self) -> int:
        """Exceptions the last run found for this bank and date (all categories)."""
        return sum(self.counts.values())

    @property
    def omitted(self) -> int:
        """Exceptions left out of `exceptions` by the cap (they are in the CSV export)."""
        return max(self.exception_total - len(self.exceptions), 0)

    @property
    def on_time(self) -> bool | None:
        """Whether the result came within one hour of the batch (R5); None when no batch arrived."""
        return None if self.result_minutes is None else self.result_minutes <= RESULT_DEADLINE_MINUTES


def reconciliation_report(
    conn: Connection, *, business_date: date, bank_code: str, limit: int = MAX_EXCEPTION_ROWS
) -> ReconReport:
    """The report of `bank_code` on `business_date`; `ReportError` if that pair was never reconciled.

    Exceptions are those the last run detected (so they add up to `counts`), whatever their status since:
    bank-level first, then by CONTRACT §4's category order and NTPN, at most `limit` of them.
    """
    bank = conn.execute(text("SELECT name, kind FROM bank WHERE bank_code = :b"), {"b": bank_code}).first()
    if bank is None:
        raise ReportError(f"Bank dengan kode {bank_code!r} tidak dikenal.")
    r = conn.execute(
        text("""
        SELECT last_run_id, batch_id, batch_received_at, result_at, result_minutes, mpn_count, mpn_amount,
               bank_count, bank_amount, matched_count, matched_amount, exception_counts
          FROM recon_result WHERE business_date = :d AND bank_code = :b
    """),
        {"d": business_date, "b": bank_code},
    ).first()
    if r is None:
        raise ReportError(
            f"{bank.name} ({bank_code}) belum direkonsiliasi untuk tanggal buku "
            f"{business_date:%d/%m/%Y}; jalankan rekonsiliasi terlebih dahulu."
        )
    rows = conn.execute(
        text(f"""
        SELECT {row_columns()}
          FROM recon_exception e
         WHERE e.business_date = :d AND e.bank_code = :b AND e.last_seen_run = :run
         ORDER BY e.level = 'transaction', {_CATEGORY_ORDER}, e.ntpn
         LIMIT :limit
    """),
        {"d": business_date, "b": bank_code, "run": r.last_run_id, "limit": limit},
    )
    return ReconReport(
        business_date=business_date,
        bank_code=bank_code,
        bank_name=bank.name,
        bank_kind=bank.kind,
        run_id=r.last_run_id,
        batch_id=r.batch_id,
        batch_received_at=r.batch_received_at,
        result_at=r.result_at,
        result_minutes=None if r.result_minutes is None else float(r.result_minutes),
        mpn_count=r.mpn_count,
        mpn_amount=r.mpn_amount,
        bank_count=r.bank_count,
        bank_amount=r.bank_amount,
        matched_count=r.matched_count,
        matched_amount=r.matched_amount,
        counts={c: int(r.exception_counts.get(c, 0)) for c in CATEGORIES},
        exceptions=tuple(ExceptionRow(*row) for row in rows),
    )
