"""Rejected input files where the petugas looks: under the business date a file was meant for, not only under
the day it arrived (a Friday batch rejected on Sunday belongs to Friday's page).

A rejected file stores no business date (nothing of it was imported), so the date is read, best effort, from the
kept file's first data row (`business_date`, or `paid_at` through DOMAIN R3); failing that, the working day on or
before its receipt. Reading stops after a few KiB; any error falls back quietly.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import Connection, text

from queries import config
from queries.calendar import WorkingCalendar, calendar_from_db
from queries.imports.store import ImportFileRow

HEAD_BYTES = 64 * 1024
#: How far around a date the rejected files are looked at (a file is meant for a date at most a few days before
#: it arrives).
WINDOW_DAYS = 10

_REJECTED = text("""
SELECT import_id, kind, file_name, status, sha256, size_bytes, received_at, started_at, finished_at,
       row_count, total_amount, first_date, last_date, bank_code, error_count, report, kept_path
  FROM import_file
 WHERE status = 'rejected' AND received_at >= :since AND received_at < :until
 ORDER BY received_at DESC, import_id DESC
""")


@dataclass(frozen=True)
class RejectedFile:
    """A rejected file and the business date it was meant for."""

    file: ImportFileRow
    meant_for: date

    @property
    def received_on(self) -> date:
        """The day it arrived, in the schedule time zone."""
        return self.file.received_at.astimezone(config.timezone()).date()


def rejected_around(conn: Connection, day: date) -> list[RejectedFile]:
    """Rejected files received from `day` to `WINDOW_DAYS` after it, each with the date it was meant for."""
    zone = config.timezone()
    since = datetime.combine(day - timedelta(days=1), time(), zone)
    until = datetime.combine(day + timedelta(days=WINDOW_DAYS), time(), zone)
    calendar = calendar_from_db(conn)
    files = [ImportFileRow(**row._mapping) for row in conn.execute(_REJECTED, {"since": since, "until": until})]
    return [RejectedFile(f, meant_for(f, calendar)) for f in files]


def rejected_for_day(conn: Connection, day: date) -> list[ImportFileRow]:
    """Rejected files meant for `day` (whatever day they arrived), newest first."""
    return [r.file for r in rejected_around(conn, day) if r.meant_for == day]


def rejected_banner_files(conn: Connection, day: date) -> list[RejectedFile]:
    """Rejected files meant for `day` or received on it: what the banner of Data masuk and Kelengkapan lists."""
    return [r for r in rejected_around(conn, day) if day in (r.meant_for, r.received_on)]


def meant_for(f: ImportFileRow, calendar: WorkingCalendar) -> date:
    """The business date a rejected file was for: its recorded first date, else its first data row's, else the
    working day on or before its receipt."""
    if f.first_date is not None:
        return f.first_date
    found = _date_in_file(f.kept_path, calendar) if f.kept_path else None
    return found or calendar.previous_or_same(f.received_at.astimezone(config.timezone()).date())


def _date_in_file(kept_path: str, calendar: WorkingCalendar) -> date | None:
    try:
        with Path(kept_path).open("rb") as handle:
            head = handle.read(HEAD_BYTES).decode("utf-8-sig", errors="replace")
    except OSError:
        return None
    lines = head.splitlines()[:2]
    if len(lines) < 2:
        return None
    delimiter = ";" if lines[0].count(";") > lines[0].count(",") else ","
    try:
        header, first = list(csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter))[:2]
    except (csv.Error, ValueError):
        return None
    values = {name.strip().lower(): value.strip() for name, value in zip(header, first, strict=False)}
    return _business_date(values, calendar)


def _business_date(values: dict[str, str], calendar: WorkingCalendar) -> date | None:
    try:
        if values.get("business_date"):
            return date.fromisoformat(values["business_date"][:10])
        if values.get("paid_at"):
            return calendar.business_date_of(datetime.fromisoformat(values["paid_at"].replace("Z", "+00:00")))
    except (ValueError, OverflowError):
        return None
    return None
