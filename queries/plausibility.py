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

CONTROL_CHARS_BUT_LF = re.compile(r"[\x00-\x09\x0b-\x1f\x7f]")
"""The same without the line feed: a form's text area (notes, comments, an address) may hold several lines."""

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
        return (
            f"tanggal {value.isoformat()} lebih dari {FUTURE_DAYS} hari setelah hari ini ({last.strftime('%d/%m/%Y')})"
        )
    return None


def received_problem(value: datetime, *, now: datetime) -> str | None:
    """Why `value` is not a plausible `received_at` at `now` (zone-aware both), or None when it is."""
    problem = date_problem(value.date(), today=now.date())
    if problem:
        return problem
    if value > now + CLOCK_SKEW:
        return "waktu terima di masa depan (lebih dari 5 menit setelah saat impor)"
    return None


def text_problem(value: str, *, limit: int = MAX_TEXT, multiline: bool = False) -> str | None:
    """Why a free-text value is refused (control characters, too long), or None when it is fine.

    `multiline`: a text area's value, where line feeds are allowed (normalise CR LF first: `one_line_ends`)."""
    if (CONTROL_CHARS_BUT_LF if multiline else CONTROL_CHARS).search(value):
        return "berisi karakter kontrol (misalnya NUL, tab atau baris baru) yang tidak diizinkan"
    if len(value) > limit:
        return f"terlalu panjang: {len(value)} karakter, paling banyak {limit}"
    return None


def one_line_ends(value: str) -> str:
    """A text area's value with CR LF and lone CR written as LF (browsers send CR LF)."""
    return value.replace("\r\n", "\n").replace("\r", "\n")


def form_text(
    value: str | None, what: str, *, required: bool = True, limit: int = MAX_TEXT, multiline: bool = False
) -> tuple[str, str | None]:
    """A form's text value stripped (line ends normalised when `multiline`), with why it is refused or None.

    The reason is a sentence naming the field (`what`), ready to show: `Nomor agenda wajib diisi.`"""
    text = (value or "").strip()
    if multiline:
        text = one_line_ends(text)
    if required and not text:
        return text, f"{what} wajib diisi."
    problem = text_problem(text, limit=limit, multiline=multiline)
    return text, (f"{what} {problem}." if problem else None)


def form_date_problem(value: date, what: str, *, today: date) -> str | None:
    """Why a date typed into a form is implausible (before 2000, more than a week ahead), as a sentence, or None."""
    problem = date_problem(value, today=today)
    return f"{what}: {problem}." if problem else None


LATEST_PLANNED = date(2099, 12, 31)
"""The last date master data may plan for (non-working days are known years ahead): the schema's outer fence."""


def planned_date_problem(value: date) -> str | None:
    """Why `value` is not a plausible date planned ahead (master non-working days), or None when it is."""
    if value < EARLIEST_DATE:
        return f"tanggal {value.isoformat()} sebelum {EARLIEST_DATE.strftime('%d/%m/%Y')} tidak masuk akal"
    if value > LATEST_PLANNED:
        return f"tanggal {value.isoformat()} setelah {LATEST_PLANNED.strftime('%d/%m/%Y')} tidak masuk akal"
    return None


#: An e-mail address as the outbox sends to it (RFC 5321 sizes; no quoted local parts).
ADDRESS = re.compile(
    r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$"
)


def email_address(address: str) -> str | None:
    """The address trimmed with its domain lower-cased, or None when it is not a plausible e-mail address."""
    value = address.strip()
    if not ADDRESS.match(value) or ".." in value or len(value) > 254:
        return None
    local, domain = value.rsplit("@", 1)
    return f"{local}@{domain.lower()}"
