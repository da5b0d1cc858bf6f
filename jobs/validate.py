"""Vectorised checks of input rows (CONTRACT §2) with pyarrow: one pass, no Python loop over rows.

A `FileSpec` lists the columns of one file kind and how each is checked and normalised. `check_batch`
takes one record batch of raw strings and returns the normalised columns plus every problem found,
each naming its line and column.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import pyarrow as pa
import pyarrow.compute as pc

from jobs.workdays import WorkingCalendar

TIMESTAMP_WIB = r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d{1,6})?\+0[789]:00$"
TIMESTAMP_ANY = r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d{1,6})?([+-]\d{2}:\d{2}|Z)$"
DATE = r"^\d{4}-\d{2}-\d{2}$"


@dataclass(frozen=True)
class Col:
    """One input column: its check (a regex on the normalised value) and how it is normalised."""

    name: str
    pattern: str | None = None
    reason: str = ""
    upper: bool = True  # identifiers compare upper-cased (CONTRACT §2)
    optional: bool = False  # may be empty (stored as NULL)
    master: str | None = None  # must exist in this master table
    kind: str = "ident"  # ident | text | amount | timestamp | local_timestamp | date
    fast: tuple[object, ...] = ()  # a cheaper check, at least as strict as `pattern` (see `_fast_ok`)


AMOUNT_REASON = "must be whole rupiah greater than zero: digits only, no separators or decimals"
NTPN = Col("ntpn", r"^[0-9A-Z]{16}$", "must be 16 characters [0-9A-Z]", fast=("upper_alnum", 16, 16))
NTB = Col("ntb", r"^[0-9A-Z]{1,20}$", "must be 1-20 characters [0-9A-Z]", fast=("upper_alnum", 1, 20))
NPWP = Col("npwp", r"^[0-9]{15}([0-9])?$", "must be 15 or 16 digits", fast=("digits", 15, 16))
KAP = Col("kap", r"^[0-9]{6}$", "must be 6 digits", master="kap", fast=("digits", 6, 6))
KJS = Col("kjs", r"^[0-9]{3}$", "must be 3 digits", fast=("digits", 3, 3))
TAX_PERIOD = Col("tax_period", r"^(0[1-9]|1[0-2])[0-9]{4}$", "must be MMYYYY (month 01-12, then the year)",
                 fast=("period",))
KPP = Col("kpp_code", r"^[0-9]{3}$", "must be 3 digits", master="kpp", fast=("digits", 3, 3))
BANK = Col("bank_code", r"^[0-9A-Z]{1,10}$", "must be a collecting agent code", master="bank",
           fast=("upper_alnum", 1, 10))
AMOUNT = Col("amount", r"^0*[1-9][0-9]{0,17}$", AMOUNT_REASON, upper=False, kind="amount", fast=("positive",))
PAID_AT = Col("paid_at", kind="local_timestamp", upper=False)
BUSINESS_DATE = Col("business_date", DATE, "must be a date YYYY-MM-DD", upper=False, kind="date", fast=("date",))


@dataclass(frozen=True)
class FileSpec:
    """The columns of one input kind, in the order the file's checks run."""

    kind: str
    columns: tuple[Col, ...]

    @property
    def names(self) -> tuple[str, ...]:
        """The required column names."""
        return tuple(c.name for c in self.columns)


MPN = FileSpec("mpn", (
    Col("record_type", r"^(payment|reversal)$", "must be payment or reversal", upper=False,
        fast=("enum", "payment", "reversal")),
    NTPN,
    Col("billing_code", r"^[0-9]{15}$", "must be 15 digits (empty only for a reversal)", optional=True,
        fast=("digits", 15, 15)),
    BANK,
    Col("branch_code", upper=False, optional=True, kind="text"),
    NTB, PAID_AT, NPWP,
    Col("taxpayer_name", upper=False, kind="text"),
    KAP, KJS, TAX_PERIOD, KPP, AMOUNT,
))

BANK_BATCH = FileSpec("bank", (BANK, BUSINESS_DATE, NTPN, NTB, PAID_AT, NPWP, KAP, KJS, TAX_PERIOD, KPP, AMOUNT))

STATEMENTS = FileSpec("statements", (
    BANK, BUSINESS_DATE,
    Col("letter_number", r"^.+$", "must not be empty", upper=False, kind="text"),
    Col("letter_date", DATE, "must be a date YYYY-MM-DD", upper=False, kind="date"),
    Col("received_at", kind="timestamp", upper=False),
    Col("declared_count", r"^[0-9]{1,15}$", "must be a whole number >= 0", upper=False, kind="amount"),
    Col("declared_amount", r"^[0-9]{1,18}$", "must be whole rupiah >= 0: digits only, no separators or decimals",
        upper=False, kind="amount"),
    Col("signer", r"^.+$", "must not be empty", upper=False, kind="text"),
))

SPECS = {"mpn": MPN, "bank": BANK_BATCH, "statements": STATEMENTS}


@dataclass
class Master:
    """Master codes the checks look up, and each collecting agent's cut-off (`HH:MM:SS`)."""

    codes: dict[str, pa.Array]
    cutoffs: dict[str, str]
    calendar: WorkingCalendar


@dataclass
class Checked:
    """One checked batch: normalised columns by name, and (line, column, reason) problems."""

    columns: dict[str, pa.Array]
    lines: pa.Array
    problems: list[tuple[int, str, str]] = field(default_factory=list)
    bad_count: int = 0


def _nonblank_mask(batch: pa.RecordBatch, names: tuple[str, ...]) -> pa.Array:
    """True for rows with any non-empty value (fully blank lines are skipped, like trailing newlines)."""
    mask = None
    for name in names:
        filled = pc.greater(pc.utf8_length(batch.column(name)), 0)
        mask = filled if mask is None else pc.or_(mask, filled)
    assert mask is not None
    return mask


def _normalise(raw: pa.Array, upper: bool) -> pa.Array:
    val = pc.utf8_trim_whitespace(raw)
    return pc.utf8_upper(val) if upper else val


def _all(mask: pa.Array) -> bool:
    return bool(pc.all(mask).as_py() is not False)


class Collector:
    """Gathers problems of one batch, keeping at most `limit` in detail but counting them all."""

    def __init__(self, lines: pa.Array, limit: int) -> None:
        self.lines = lines
        self.limit = limit
        self.problems: list[tuple[int, str, str]] = []
        self.count = 0

    def add(self, ok: pa.Array, column: str, reason: str | Callable[[int], str]) -> None:
        """Record a problem for every row where `ok` is false."""
        ok = pc.fill_null(ok, False)
        if _all(ok):
            return
        bad = pc.indices_nonzero(pc.invert(ok))
        self.count += len(bad)
        room = self.limit - len(self.problems)
        for i in bad.to_pylist()[: max(room, 0)]:
            text = reason(i) if callable(reason) else reason
            self.problems.append((self.lines[i].as_py(), column, text))


def _check_col(col: Col, raw: pa.Array, master: Master, out: Collector) -> pa.Array:
    """Check and normalise one column; returns the normalised values (NULL where optional and empty)."""
    if col.kind in ("local_timestamp", "timestamp"):
        return _check_timestamp(col, raw, out)
    if col.fast and _all(_fast_ok(col.fast, raw)):
        if col.master is not None:
            known = pc.is_in(raw, value_set=master.codes[col.master])
            if _all(known):
                return raw
        else:
            return raw
    val = raw
    ok = pc.match_substring_regex(raw, col.pattern) if col.pattern else None
    if ok is None or not _all(ok):
        val = _normalise(raw, col.upper)
        ok = pc.match_substring_regex(val, col.pattern) if col.pattern else None
    empty = pc.equal(pc.utf8_length(val), 0)
    if col.optional and ok is not None:
        ok = pc.or_(ok, empty)
    if ok is not None:
        def why(i: int, v: pa.Array = val, reason: str = col.reason) -> str:
            return "is empty" if v[i].as_py() == "" else reason

        out.add(ok, col.name, why)
    if col.kind == "date":
        valid = _real_datetime(val, "%Y-%m-%d")
        out.add(pc.or_(pc.invert(ok), valid) if ok is not None else valid, col.name, "is not a real calendar date")
    if col.master is not None:
        known = pc.is_in(val, value_set=master.codes[col.master])
        label = {"bank": "collecting agent", "kap": "KAP", "kpp": "KPP"}[col.master]
        def unknown(i: int, v: pa.Array = val, lb: str = label) -> str:
            return f"unknown {lb} {v[i].as_py()} (not in master data)"

        out.add(pc.or_(pc.invert(ok), known) if ok is not None else known, col.name, unknown)
    if col.optional:
        val = pc.if_else(empty, pa.scalar(None, pa.string()), val)
    return val


MONTHS = pa.array([f"{m:02d}" for m in range(1, 13)])
WIB_WITA_WIT = pa.array(["+07:00", "+08:00", "+09:00"])


def _real_datetime(text: pa.Array, fmt: str) -> pa.Array:
    """True where `text` is a real date(-time) in `fmt` (arrow's strptime rolls 30 February over)."""
    parsed = pc.strptime(text, format=fmt, unit="s", error_is_null=True)
    day_text = pc.if_else(pc.is_valid(parsed), pc.utf8_slice_codeunits(text, 8, 10), "0")
    same_day = pc.equal(pc.day(parsed), pc.cast(day_text, pa.int64()))
    return pc.fill_null(same_day, False)


def _length_between(arr: pa.Array, low: int, high: int) -> pa.Array:
    length = pc.utf8_length(arr)
    return pc.and_(pc.greater_equal(length, low), pc.less_equal(length, high))


def _fast_ok(fast: tuple[object, ...], arr: pa.Array) -> pa.Array:
    """Plain-kernel checks (no regex), several times faster; a row they pass also passes the regex."""
    what = fast[0]
    if what == "digits":
        return pc.and_(_length_between(arr, fast[1], fast[2]), pc.ascii_is_decimal(arr))  # type: ignore[arg-type]
    if what == "upper_alnum":
        ok = pc.and_(_length_between(arr, fast[1], fast[2]), pc.ascii_is_alnum(arr))  # type: ignore[arg-type]
        return pc.and_(ok, pc.equal(pc.ascii_upper(arr), arr))
    if what == "enum":
        return pc.is_in(arr, value_set=pa.array(fast[1:], pa.string()))
    if what == "period":
        ok = pc.and_(_length_between(arr, 6, 6), pc.ascii_is_decimal(arr))
        return pc.and_(ok, pc.is_in(pc.utf8_slice_codeunits(arr, 0, 2), value_set=MONTHS))
    if what == "positive":
        ok = pc.and_(_length_between(arr, 1, 18), pc.ascii_is_decimal(arr))
        if not _all(ok):
            return ok
        return pc.greater(pc.cast(arr, pa.int64()), 0)
    if what == "date":
        return pc.and_(_length_between(arr, 10, 10), _real_datetime(arr, "%Y-%m-%d"))
    if what == "local_timestamp":
        wall = _real_datetime(pc.utf8_slice_codeunits(arr, 0, 19), "%Y-%m-%dT%H:%M:%S")
        ok = pc.and_(_length_between(arr, 25, 25), wall)
        return pc.and_(ok, pc.is_in(pc.utf8_slice_codeunits(arr, 19, 25), value_set=WIB_WITA_WIT))
    raise ValueError(f"unknown fast check {what}")


def _check_timestamp(col: Col, raw: pa.Array, out: Collector) -> pa.Array:
    """ISO 8601 with offset; for payments (`local_timestamp`) the offset must be WIB, WITA or WIT."""
    if col.kind == "local_timestamp" and _all(_fast_ok(("local_timestamp",), raw)):
        return raw
    val = pc.utf8_trim_whitespace(raw)
    strict = TIMESTAMP_WIB if col.kind == "local_timestamp" else TIMESTAMP_ANY
    shape = pc.match_substring_regex(val, strict)
    if not _all(shape):
        any_offset = pc.match_substring_regex(val, TIMESTAMP_ANY)
        if col.kind == "local_timestamp":
            out.add(pc.or_(shape, pc.invert(any_offset)), col.name,
                    "offset must be the branch's zone: +07:00 (WIB), +08:00 (WITA) or +09:00 (WIT)")
        out.add(any_offset, col.name, "must be an ISO 8601 timestamp with UTC offset, e.g. 2026-11-20T14:59:59+07:00")
    wall = pc.replace_substring(pc.utf8_slice_codeunits(val, 0, 19), " ", "T")
    real = _real_datetime(wall, "%Y-%m-%dT%H:%M:%S")
    out.add(pc.or_(pc.invert(shape), real), col.name, "is not a real date and time")
    return val


def check_batch(spec: FileSpec, batch: pa.RecordBatch, lines: pa.Array, master: Master, limit: int) -> Checked:
    """Check every column of one batch; blank lines are dropped first."""
    keep = _nonblank_mask(batch, spec.names)
    if not _all(keep):
        batch = batch.filter(keep)
        lines = lines.filter(keep)
    out = Collector(lines, limit)
    cols = {c.name: _check_col(c, batch.column(c.name), master, out) for c in spec.columns}
    if spec.kind == "mpn":
        reversal = pc.equal(cols["record_type"], "reversal")
        has_billing = pc.is_valid(cols["billing_code"])
        out.add(pc.or_(reversal, has_billing), "billing_code", "must be 15 digits (empty only for a reversal)")
    checked = Checked(cols, lines, out.problems, out.count)
    if spec.kind in ("mpn", "bank") and out.count == 0:
        _add_dates(checked, master)
    return checked


def _add_dates(checked: Checked, master: Master) -> None:
    """Derive the business date from `paid_at` (DOMAIN R3) and the zone offset, vectorised.

    The wall-clock date and time are read in the payment's own offset (the branch's zone); the
    collecting agent's cut-off comes from master data; working days from the calendar.
    """
    paid = checked.columns["paid_at"]
    local_day = pc.utf8_slice_codeunits(paid, 0, 10)
    local_time = pc.utf8_slice_codeunits(paid, 11, 19)
    offsets = pc.utf8_slice_codeunits(paid, -5, -3)
    checked.columns["utc_offset"] = pc.cast(offsets, pa.int16())
    banks = checked.columns["bank_code"]
    bank_keys = pa.array(list(master.cutoffs), pa.string())
    cutoff = pc.take(pa.array(list(master.cutoffs.values()), pa.string()), pc.index_in(banks, value_set=bank_keys))
    after = pc.greater(local_time, cutoff)
    days = pc.unique(local_day)
    this_or_next, next_after = [], []
    for d in days.to_pylist():
        day = date.fromisoformat(d)
        this_or_next.append(master.calendar.this_or_next(day).isoformat())
        next_after.append(master.calendar.next_after(day).isoformat())
    idx = pc.index_in(local_day, value_set=days)
    derived = pc.if_else(after, pc.take(pa.array(next_after), idx), pc.take(pa.array(this_or_next), idx))
    checked.columns["derived_date"] = derived
