"""Vectorised checks of input rows (CONTRACT §2) with pyarrow: one pass, no Python loop over rows.

A `FileSpec` lists the columns of one file kind and how each is checked and normalised. `check_batch`
takes one record batch of raw strings and returns the normalised columns plus every problem found,
each naming its line and column. Plausibility (CONTRACT §2, second round: dates from 2000-01-01 to the
import day + 7, no control characters, free text at most 500 characters) uses `queries.plausibility`;
Python runs only to word the reason of a row already found bad (and for the tens of statement letters).
Reasons are in Bahasa Indonesia.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import pyarrow as pa
import pyarrow.compute as pc

from queries import config
from queries.calendar import WorkingCalendar
from queries.plausibility import EARLIEST_DATE, MAX_TEXT, date_problem, latest_date, received_problem, text_problem

TIMESTAMP_WIB = r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d{1,6})?\+0[789]:00$"
TIMESTAMP_ANY = r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d{1,6})?([+-](0\d|1[0-4]):[0-5]\d|Z)$"
DATE = r"^\d{4}-\d{2}-\d{2}$"
CONTROL = r"[\x00-\x1f\x7f]"


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
    nonempty: bool = False  # free text that must not be empty


AMOUNT_REASON = "harus rupiah bulat lebih dari nol: hanya angka, tanpa pemisah ribuan atau desimal"
DATE_REASON = "harus tanggal YYYY-MM-DD"
NTPN = Col("ntpn", r"^[0-9A-Z]{16}$", "harus 16 karakter [0-9A-Z]", fast=("upper_alnum", 16, 16))
NTB = Col("ntb", r"^[0-9A-Z]{1,20}$", "harus 1-20 karakter [0-9A-Z]", fast=("upper_alnum", 1, 20))
NPWP = Col("npwp", r"^[0-9]{15}([0-9])?$", "harus 15 atau 16 digit", fast=("digits", 15, 16))
KAP = Col("kap", r"^[0-9]{6}$", "harus 6 digit", master="kap", fast=("digits", 6, 6))
KJS = Col("kjs", r"^[0-9]{3}$", "harus 3 digit", fast=("digits", 3, 3))
TAX_PERIOD = Col("tax_period", r"^(0[1-9]|1[0-2])[0-9]{4}$", "harus MMYYYY (bulan 01-12, lalu tahun)", fast=("period",))
KPP = Col("kpp_code", r"^[0-9]{3}$", "harus 3 digit", master="kpp", fast=("digits", 3, 3))
BANK = Col(
    "bank_code",
    r"^[0-9A-Z]{1,10}$",
    "harus kode bank/pos persepsi (1-10 karakter [0-9A-Z])",
    master="bank",
    fast=("upper_alnum", 1, 10),
)
AMOUNT = Col("amount", r"^0*[1-9][0-9]{0,17}$", AMOUNT_REASON, upper=False, kind="amount", fast=("positive",))
PAID_AT = Col("paid_at", kind="local_timestamp", upper=False)
BUSINESS_DATE = Col("business_date", DATE, DATE_REASON, upper=False, kind="date", fast=("date",))
BILLING_REASON = "harus 15 digit (boleh kosong hanya untuk reversal)"


@dataclass(frozen=True)
class FileSpec:
    """The columns of one input kind, in the order the file's checks run."""

    kind: str
    columns: tuple[Col, ...]

    @property
    def names(self) -> tuple[str, ...]:
        """The required column names."""
        return tuple(c.name for c in self.columns)


MPN = FileSpec(
    "mpn",
    (
        Col(
            "record_type",
            r"^(payment|reversal)$",
            "harus payment atau reversal",
            upper=False,
            fast=("enum", "payment", "reversal"),
        ),
        NTPN,
        Col("billing_code", r"^[0-9]{15}$", BILLING_REASON, optional=True, fast=("digits", 15, 15)),
        BANK,
        Col("branch_code", upper=False, optional=True, kind="text"),
        NTB,
        PAID_AT,
        NPWP,
        Col("taxpayer_name", upper=False, kind="text"),
        KAP,
        KJS,
        TAX_PERIOD,
        KPP,
        AMOUNT,
    ),
)

BANK_BATCH = FileSpec("bank", (BANK, BUSINESS_DATE, NTPN, NTB, PAID_AT, NPWP, KAP, KJS, TAX_PERIOD, KPP, AMOUNT))

STATEMENTS = FileSpec(
    "statements",
    (
        BANK,
        BUSINESS_DATE,
        Col("letter_number", upper=False, kind="text", nonempty=True),
        Col("letter_date", DATE, DATE_REASON, upper=False, kind="date"),
        Col("received_at", kind="timestamp", upper=False),
        Col(
            "declared_count",
            r"^[0-9]{1,15}$",
            "harus bilangan bulat >= 0 (paling banyak 15 digit)",
            upper=False,
            kind="amount",
        ),
        Col(
            "declared_amount",
            r"^[0-9]{1,18}$",
            "harus rupiah bulat >= 0: hanya angka, tanpa pemisah ribuan atau desimal",
            upper=False,
            kind="amount",
        ),
        Col("signer", upper=False, kind="text", nonempty=True),
    ),
)

SPECS = {"mpn": MPN, "bank": BANK_BATCH, "statements": STATEMENTS}


@dataclass
class Master:
    """Master codes the checks look up, each collecting agent's cut-off (`HH:MM:SS`), and the import moment."""

    codes: dict[str, pa.Array]
    cutoffs: dict[str, str]
    calendar: WorkingCalendar
    now: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def today(self) -> date:
        """The day of import in the schedules' time zone: plausible dates end seven days after it."""
        return self.now.astimezone(config.timezone()).date()


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
        return _check_timestamp(col, raw, master, out)
    if col.kind == "text":
        return _check_text(col, raw, out)
    if col.fast and _all(_fast_ok(col.fast, raw)):
        if col.master is not None:
            known = pc.is_in(raw, value_set=master.codes[col.master])
            if _all(known):
                return _plausible_dates(col, raw, None, master, out)
        else:
            return _plausible_dates(col, raw, None, master, out)
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
            return "kosong" if v[i].as_py() == "" else reason

        out.add(ok, col.name, why)
    if col.kind == "date":
        valid = _real_datetime(val, "%Y-%m-%d")
        out.add(pc.or_(pc.invert(ok), valid) if ok is not None else valid, col.name, "bukan tanggal yang ada")
        ok = pc.and_(ok, valid) if ok is not None else valid
    if col.master is not None:
        known = pc.is_in(val, value_set=master.codes[col.master])
        label = {"bank": "bank/pos persepsi", "kap": "KAP", "kpp": "KPP"}[col.master]

        def unknown(i: int, v: pa.Array = val, lb: str = label) -> str:
            return f"{lb} {v[i].as_py()} tidak dikenal (tidak ada di data induk)"

        out.add(pc.or_(pc.invert(ok), known) if ok is not None else known, col.name, unknown)
    val = _plausible_dates(col, val, ok, master, out)
    if col.optional:
        val = pc.if_else(empty, pa.scalar(None, pa.string()), val)
    return val


def _plausible_dates(col: Col, val: pa.Array, ok: pa.Array | None, master: Master, out: Collector) -> pa.Array:
    """A date column's values must lie between 2000-01-01 and the import day + 7 (rows already bad are skipped)."""
    if col.kind == "date":
        _check_day_range(val if ok is None else pc.if_else(ok, val, EARLIEST_DATE.isoformat()), col.name, master, out)
    return val


def _check_day_range(days: pa.Array, column: str, master: Master, out: Collector) -> pa.Array:
    """`days` are `YYYY-MM-DD` texts (string order is date order): each in [2000-01-01, import day + 7]."""
    first, last = EARLIEST_DATE.isoformat(), latest_date(master.today).isoformat()
    inside = pc.and_(pc.greater_equal(days, first), pc.less_equal(days, last))

    def why(i: int) -> str:
        text = days[i].as_py()
        try:
            return date_problem(date.fromisoformat(text), today=master.today) or "tanggal tidak masuk akal"
        except ValueError:
            return f"tanggal {text} tidak masuk akal"

    out.add(inside, column, why)
    return inside


def _check_text(col: Col, raw: pa.Array, out: Collector) -> pa.Array:
    """Free text: no control characters, at most 500 characters; some must not be blank."""
    printable = pc.utf8_is_printable(raw)  # false for control characters (and some harmless ones: then exact)
    if not _all(printable):
        clean = pc.invert(pc.match_substring_regex(raw, CONTROL))
        out.add(clean, col.name, lambda i: text_problem(raw[i].as_py()) or "berisi karakter yang tidak diizinkan")
    length = pc.utf8_length(raw)
    out.add(
        pc.less_equal(length, MAX_TEXT),
        col.name,
        lambda i: f"terlalu panjang: {length[i].as_py()} karakter, paling banyak {MAX_TEXT}",
    )
    if col.nonempty:
        out.add(pc.greater(pc.utf8_length(pc.utf8_trim_whitespace(raw)), 0), col.name, "kosong")
    if col.optional:
        return pc.if_else(pc.equal(length, 0), pa.scalar(None, pa.string()), raw)
    return raw


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


def _check_timestamp(col: Col, raw: pa.Array, master: Master, out: Collector) -> pa.Array:
    """ISO 8601 with offset; for payments (`local_timestamp`) the offset must be WIB, WITA or WIT.

    The (local) calendar day must be plausible; a `received_at` must not lie in the future either.
    """
    if col.kind == "local_timestamp" and _all(_fast_ok(("local_timestamp",), raw)):
        _check_day_range(pc.utf8_slice_codeunits(raw, 0, 10), col.name, master, out)
        return raw
    val = pc.utf8_trim_whitespace(raw)
    strict = TIMESTAMP_WIB if col.kind == "local_timestamp" else TIMESTAMP_ANY
    shape = pc.match_substring_regex(val, strict)
    if not _all(shape):
        any_offset = pc.match_substring_regex(val, TIMESTAMP_ANY)
        if col.kind == "local_timestamp":
            out.add(
                pc.or_(shape, pc.invert(any_offset)),
                col.name,
                "zona waktu harus zona cabang: +07:00 (WIB), +08:00 (WITA) atau +09:00 (WIT)",
            )
        out.add(
            any_offset,
            col.name,
            "harus waktu ISO 8601 dengan selisih UTC yang sah (-14:00 s.d. +14:00), misalnya 2026-11-20T14:59:59+07:00",
        )
    wall = pc.replace_substring(pc.utf8_slice_codeunits(val, 0, 19), " ", "T")
    real = _real_datetime(wall, "%Y-%m-%dT%H:%M:%S")
    out.add(pc.or_(pc.invert(shape), real), col.name, "bukan tanggal dan jam yang ada")
    good = pc.fill_null(pc.and_(shape, real), False)
    inside = _check_day_range(
        pc.if_else(good, pc.utf8_slice_codeunits(val, 0, 10), EARLIEST_DATE.isoformat()), col.name, master, out
    )
    if col.kind == "timestamp":
        _check_not_future(col.name, val, pc.and_(good, inside), master, out)
    return val


def _check_not_future(column: str, val: pa.Array, good: pa.Array, master: Master, out: Collector) -> None:
    """A `received_at` lies no later than the import moment (plus clock skew); statement letters only (few rows)."""
    problems: list[str | None] = []
    for text, ok in zip(val.to_pylist(), good.to_pylist(), strict=True):
        problems.append(
            received_problem(datetime.fromisoformat(text.replace(" ", "T")), now=master.now) if ok else None
        )
    out.add(pa.array([p is None for p in problems], pa.bool_()), column, lambda i: problems[i] or "")


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
        out.add(pc.or_(reversal, has_billing), "billing_code", BILLING_REASON)
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
