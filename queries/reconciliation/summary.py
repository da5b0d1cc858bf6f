"""Reading reconciliation results: the per-bank summary of a date and the exception export (CONTRACT §4)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy import Connection, text

from queries import config
from queries.reconciliation.classify import CATEGORIES
from queries.reconciliation.model import OPEN_STATUSES
from queries.timeline import result_anomaly

#: CONTRACT §4's export columns, in its order.
EXPORT_COLUMNS = (
    "business_date",
    "level",
    "bank_code",
    "ntpn",
    "category",
    "fields",
    "mpn_amount",
    "bank_amount",
    "status",
    "opened_at",
    "resolved_at",
    "note",
)


class BankSummary(NamedTuple):
    """One bank's reconciliation of one date; `counts` has every category of CONTRACT §4, in its order."""

    bank_code: str
    mpn_count: int
    mpn_amount: int
    bank_count: int
    bank_amount: int
    matched_count: int
    matched_amount: int
    counts: dict[str, int]
    batch_received_at: datetime | None
    result_at: datetime | None
    result_minutes: float | None

    def anomaly(self, now: datetime | None = None) -> str | None:
        """Why the R5 timing (batch arrival -> first result that included it) is impossible, or None."""
        return result_anomaly(self.batch_received_at, self.result_at, self.result_minutes, now or config.now())

    def minutes_on_time(self, limit: float, now: datetime | None = None) -> bool | None:
        """R5: True within `limit` minutes, False later, None when unknown or impossible (never scored)."""
        if self.batch_received_at is None or self.result_minutes is None or self.anomaly(now):
            return None
        return self.result_minutes <= limit


def date_summary(conn: Connection, *, business_date: date, bank: str | None = None) -> list[BankSummary]:
    """Per bank (sorted by code): totals, matched and exceptions per category of the last run; R5's time and minutes
    are the delivery of the result to the bank (`queries.reconciliation.bank_results.delivery_times`)."""
    from queries.reconciliation.bank_results import delivery_times  # it reads this module's export columns

    sent = delivery_times(conn, first=business_date, last=business_date, bank=bank)
    rows = conn.execute(
        text("""
        SELECT bank_code, mpn_count, mpn_amount, bank_count, bank_amount, matched_count, matched_amount,
               exception_counts, batch_received_at, result_at, result_minutes
          FROM recon_result
         WHERE business_date = :d AND (CAST(:bank AS text) IS NULL OR bank_code = CAST(:bank AS text))
         ORDER BY bank_code
    """),
        {"d": business_date, "bank": bank},
    )
    return [
        BankSummary(
            r[0],
            r[1],
            r[2],
            r[3],
            r[4],
            r[5],
            r[6],
            {c: int(r[7].get(c, 0)) for c in CATEGORIES},
            r[8],
            *_r5(sent.get((r[0], business_date))),
        )
        for r in rows
    ]


def _r5(delivery: Any) -> tuple[datetime | None, float | None]:
    """(time, minutes) of R5 for a bank: the result accepted by the mail server for it; none without a batch."""
    return (None, None) if delivery is None else delivery.r5


class ExceptionExport(NamedTuple):
    """One exception as CONTRACT §4 exports it."""

    business_date: date
    level: str
    bank_code: str
    ntpn: str
    category: str
    fields: str
    mpn_amount: int | None
    bank_amount: int | None
    status: str
    opened_at: datetime
    resolved_at: datetime | None
    note: str


def exported_exceptions(
    conn: Connection, *, date_from: date, date_to: date, open_only: bool = True, batch: int = 2000
) -> Iterator[ExceptionExport]:
    """Exceptions of the dates, streamed through a server-side cursor `batch` rows at a time.

    Ordered by date, bank, level, category, NTPN; `open_only` keeps `open` and `in_clarification`.
    """
    result = conn.execution_options(stream_results=True, yield_per=batch).execute(
        text(f"""
        SELECT {", ".join(EXPORT_COLUMNS)}
          FROM recon_exception
         WHERE business_date BETWEEN :lo AND :hi AND (NOT :open_only OR status IN :statuses)
         ORDER BY business_date, bank_code, level DESC, category, ntpn
    """),
        {"lo": date_from, "hi": date_to, "open_only": open_only, "statuses": OPEN_STATUSES},
    )
    for row in result:
        yield ExceptionExport(*row)


def batch_arrivals(conn: Connection, *, business_date: date) -> list[datetime]:
    """When each current bank batch of the date arrived, earliest first."""
    return list(
        conn.execute(
            text(
                "SELECT received_at FROM bank_batch WHERE business_date = :d"
                " AND superseded_at IS NULL ORDER BY received_at"
            ),
            {"d": business_date},
        ).scalars()
    )
