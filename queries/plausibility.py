"""Plausibility rules for every stored value (CONTRACT §2, second round), in one place.

The importer (vectorised), the dashboard forms (one value at a time) and the schema's CHECK constraints
(the last line) all apply these same limits, so a value one of them accepts is never refused by another.
Reasons are in Bahasa Indonesia: they are shown to the person who must fix the file or the form.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

EARLIEST_DATE = date(2000, 1, 1)
"""No date or timestamp before this day is plausible."""

FUTURE_DAYS = 7
"""Dates and timestamps may lie at most this many days after the day of import."""

CLOCK_SKEW = timedelta(minutes=5)
"""A `received_at` may lie this far after the moment of import (the sender's clock runs ahead)."""

MAX_TEXT = 500
"""Longest free-text value, in characters."""

CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]")
"""U+0000–U+001F and U+007F: never in a free-text value."""

# The same limits as SQL, for CHECK constraints (migration 0010) and set-based checks.
SQL_EARLIEST = "DATE '2000-01-01'"
SQL_LATEST = "DATE '2100-01-01'"  # the schema's outer fence: no stored date this far out is plausible either
SQL_TEXT_OK = r"(%(col)s !~ '[\x01-\x1f\x7f]' AND char_length(%(col)s) <= 500)"
# The fence for timestamps: the first instant that is 2000-01-01 somewhere (+14:00) to the last before 2100-01-01
# anywhere (-12:00); 'infinity', year 1 and BC values lie outside.
SQL_EARLIEST_TS = "TIMESTAMPTZ '2000-01-01 00:00:00+14'"
SQL_LATEST_TS = "TIMESTAMPTZ '2100-01-01 00:00:00-12'"

UNKNOWN_TIME = "waktu {what} tersimpan tidak masuk akal (tidak diketahui): periksa dan catat ulang"
"""The reason shown where a stored time lies outside the fence (read as unknown, `queries.db`)."""


def latest_date(import_day: date) -> date:
    """The last plausible date for data imported on `import_day`."""
    return import_day + timedelta(days=FUTURE_DAYS)


def date_problem(value: date, *, today: date) -> str | None:
    """Why `value` is not a plausible date for data imported `today`, or None when it is."""
    if value < EARLIEST_DATE:
        return f"tanggal {value.isoformat()} sebelum {EARLIEST_DATE.strftime('%d/%m/%Y')} tidak masuk akal"
    last = latest_date(today)
    if value > last:
        return f"tanggal {value.isoformat()} lebih dari {FUTURE_DAYS} hari setelah hari ini ({last.strftime('%d/%m/%Y')})"
    return None


def received_problem(value: datetime, *, now: datetime) -> str | None:
    """Why `value` is not a plausible `received_at` at `now` (zone-aware both), or None when it is."""
    problem = date_problem(value.date(), today=now.date())
    if problem:
        return problem
    if value > now + CLOCK_SKEW:
        return "waktu terima di masa depan (lebih dari 5 menit setelah saat impor)"
    return None


def text_problem(value: str, *, limit: int = MAX_TEXT) -> str | None:
    """Why a free-text value is refused (control characters, too long), or None when it is fine."""
    if CONTROL_CHARS.search(value):
        return "berisi karakter kontrol (misalnya NUL, tab atau baris baru) yang tidak diizinkan"
    if len(value) > limit:
        return f"terlalu panjang: {len(value)} karakter, paling banyak {limit}"
    return None
