"""Reading exceptions for the Rekonsiliasi page: one filtered, sorted block at a time, counts, and exports.

The grid asks for `offset..offset+limit` of the exceptions matching an `ExceptionFilter`, in one of the
whitelisted sorts (`SORTS`); nothing a user types ever becomes SQL text. Exports stream the same filter
through a server-side cursor (`exported_rows`); `jobs.documents.exports` renders them as inert CSV or XLSX.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any, NamedTuple

from sqlalchemy import Connection, text

from queries.reconciliation.classify import CATEGORIES, CATEGORY_LABELS
from queries.reconciliation.model import OPEN_STATUSES, PENDING, STATUSES, ExceptionRow, row_columns
from queries.reconciliation.summary import EXPORT_COLUMNS

_CATEGORY_ORDER = "CASE category " + " ".join(f"WHEN '{c}' THEN {i}" for i, c in enumerate(CATEGORIES)) + " END"
_STATUS_ORDER = "CASE status " + " ".join(f"WHEN '{s}' THEN {i}" for i, s in enumerate(STATUSES)) + " END"

#: The sorts a grid may ask for: column id -> SQL expression (the whitelist; anything else sorts by default).
SORTS: dict[str, str] = {
    "exception_id": "exception_id",
    "business_date": "business_date",
    "bank_code": "bank_code",
    "ntpn": "ntpn",
    "category": _CATEGORY_ORDER,
    "fields": "fields",
    "mpn_amount": "mpn_amount",
    "bank_amount": "bank_amount",
    "status": _STATUS_ORDER,
    "opened_at": "opened_at",
    "assignee": "assignee",
}
DEFAULT_SORT = "category"
MAX_LIMIT = 1000
#: `work_mem` for the grid's query (this transaction only): sorting 200,000 ids and keys takes ~20 MB.
SORT_MEMORY = "48MB"


@dataclass(frozen=True, slots=True)
class ExceptionFilter:
    """Which exceptions: business dates (inclusive, either end open), bank, category, statuses, NTPN text.

    `statuses` None means every status; `pending_only` keeps those with a request awaiting approval.
    """

    date_from: date | None = None
    date_to: date | None = None
    bank: str | None = None
    category: str | None = None
    statuses: tuple[str, ...] | None = OPEN_STATUSES
    ntpn: str | None = None
    pending_only: bool = False

    @classmethod
    def day(cls, business_date: date, **kwargs: Any) -> ExceptionFilter:
        """One business date."""
        return cls(business_date, business_date, **kwargs)


class ExceptionPage(NamedTuple):
    """One block of rows and the number of all rows matching the filter."""

    rows: list[ExceptionRow]
    total: int


class CategoryCount(NamedTuple):
    """One category of one date: exceptions still open (incl. in clarification) and closed."""

    category: str
    label: str
    open: int
    closed: int


def _where(flt: ExceptionFilter) -> tuple[str, dict[str, Any]]:
    """The WHERE clause (fixed fragments only) and its parameters; ValueError for an unknown value."""
    clauses: list[str] = ["true"]
    params: dict[str, Any] = {}
    if flt.date_from is not None:
        clauses.append("e.business_date >= :date_from")
        params["date_from"] = flt.date_from
    if flt.date_to is not None:
        clauses.append("e.business_date <= :date_to")
        params["date_to"] = flt.date_to
    if flt.bank:
        clauses.append("e.bank_code = :bank")
        params["bank"] = flt.bank
    if flt.category:
        if flt.category not in CATEGORY_LABELS:
            raise ValueError(f"unknown category {flt.category!r}")
        clauses.append("e.category = :category")
        params["category"] = flt.category
    if flt.statuses is not None:
        unknown = set(flt.statuses) - set(STATUSES)
        if unknown or not flt.statuses:
            raise ValueError(f"statuses must be a non-empty subset of {list(STATUSES)}, got {flt.statuses}")
        clauses.append("e.status = ANY(:statuses)")
        params["statuses"] = list(flt.statuses)
    needle = (flt.ntpn or "").strip().upper()
    if needle:
        clauses.append("strpos(e.ntpn, :ntpn) > 0")
        params["ntpn"] = needle
    if flt.pending_only:
        clauses.append(f"({PENDING})")
    return " AND ".join(clauses), params


def _order(sort_column: str | None, descending: bool) -> str:
    column = sort_column if sort_column in SORTS else DEFAULT_SORT
    direction = "DESC" if descending else "ASC"
    tie = "" if column == "ntpn" else f", e.ntpn {direction}"
    return f"{SORTS[column]} {direction} NULLS LAST{tie}, e.exception_id {direction}"


def exception_page(
    conn: Connection,
    *,
    flt: ExceptionFilter,
    offset: int = 0,
    limit: int = 100,
    sort_column: str | None = None,
    descending: bool = False,
) -> ExceptionPage:
    """Rows `offset..offset+limit` of the exceptions matching `flt` in a whitelisted sort, and their total.

    Only the ids are sorted (a narrow sort stays in memory), then the block's rows are read by primary key.

    An unknown `sort_column` sorts by category (CONTRACT §4 order), then NTPN; ties break on the id.
    """
    where, params = _where(flt)
    offset, limit = max(0, int(offset)), max(1, min(int(limit), MAX_LIMIT))
    conn.execute(text(f"SET LOCAL work_mem = '{SORT_MEMORY}'"))  # a deep block's sort of ids stays in memory
    rows = conn.execute(
        text(f"""
        SELECT {row_columns()}
          FROM (SELECT e.exception_id FROM recon_exception e WHERE {where}
                 ORDER BY {_order(sort_column, descending)} OFFSET :offset LIMIT :limit) block
          JOIN recon_exception e USING (exception_id)
         ORDER BY {_order(sort_column, descending)}
    """),
        {**params, "offset": offset, "limit": limit},
    ).all()
    if offset == 0 and len(rows) < limit:
        total = len(rows)
    else:
        total = int(conn.execute(text(f"SELECT count(*) FROM recon_exception e WHERE {where}"), params).scalar_one())
    return ExceptionPage([ExceptionRow(*r) for r in rows], total)


def category_counts(conn: Connection, *, business_date: date) -> list[CategoryCount]:
    """Every category of CONTRACT §4, in its order, with the date's open and closed exceptions."""
    found = {
        r[0]: (int(r[1]), int(r[2]))
        for r in conn.execute(
            text("""
        SELECT category, count(*) FILTER (WHERE status IN ('open', 'in_clarification')),
               count(*) FILTER (WHERE status NOT IN ('open', 'in_clarification'))
          FROM recon_exception WHERE business_date = :d GROUP BY category"""),
            {"d": business_date},
        )
    }
    return [CategoryCount(c, label, *found.get(c, (0, 0))) for c, label in CATEGORY_LABELS.items()]


def bank_names(conn: Connection) -> dict[str, str]:
    """Every collecting agent's name by code."""
    return {r[0]: r[1] for r in conn.execute(text("SELECT bank_code, name FROM bank ORDER BY bank_code"))}


# --- exports ----------------------------------------------------------------------------------------------------

#: Export columns: CONTRACT §4's, then the work on the exception.
EXPORT_HEADER = (*EXPORT_COLUMNS, "exception_id", "assignee", "cause")


def exported_rows(
    conn: Connection,
    *,
    flt: ExceptionFilter,
    sort_column: str | None = None,
    descending: bool = False,
    batch: int = 2000,
) -> Iterator[tuple[Any, ...]]:
    """The rows matching `flt` as EXPORT_HEADER tuples, streamed `batch` at a time (server-side cursor)."""
    where, params = _where(flt)
    result = conn.execution_options(stream_results=True, yield_per=batch).execute(
        text(f"""
        SELECT {", ".join("e." + c for c in EXPORT_HEADER)}
          FROM recon_exception e WHERE {where}
         ORDER BY {_order(sort_column, descending)}"""),
        params,
    )
    for row in result:
        yield tuple(row)
