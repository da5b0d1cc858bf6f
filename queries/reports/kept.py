"""Reads of the kept reports (`dist_report`, whose row type and writes are `queries.distribution.report`'s): the list
the Laporan page shows and one version with its bytes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Connection, text

from queries.distribution.report import StoredReport, stored


@dataclass(frozen=True, slots=True)
class KeptReport:
    """A kept report as the Laporan page lists it (without its bytes)."""

    report_id: int
    kind: str
    business_date: date
    format: str
    file_name: str
    sha256: str
    size_bytes: int
    made_by: str
    made_at: datetime
    latest: bool  # the newest version of its date, kind and format


def kept_reports(conn: Connection, *, limit: int = 500) -> list[KeptReport]:
    """The kept reports, newest date first then newest version, at most `limit`."""
    rows = conn.execute(
        text("""
        SELECT report_id, kind, business_date, format, file_name, sha256, octet_length(content), made_by, made_at,
               row_number() OVER (PARTITION BY business_date, kind, format ORDER BY report_id DESC) = 1
          FROM dist_report ORDER BY business_date DESC, report_id DESC LIMIT :n"""),
        {"n": limit},
    )
    return [KeptReport(*r) for r in rows]


def kept_report(conn: Connection, report_id: int) -> StoredReport | None:
    """One kept report with its bytes, or None."""
    row = conn.execute(
        text("""SELECT report_id, business_date, format, file_name, sha256, content, made_by, made_at,
                                      kind FROM dist_report WHERE report_id = :i"""),
        {"i": report_id},
    ).first()
    return None if row is None else stored(row)
