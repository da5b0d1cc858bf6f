"""Mutated input files and the importer's promise about them (`test_import_fuzz.py`, `bench/fuzz_import.py`).

A valid file of one kind is generated, then mutated (byte flips, insertions of NUL, control characters, quotes,
delimiters and odd UTF-8, truncation, deletions, giant fields and headers, CR/CRLF/LF mixes, edge dates, offsets
and amounts in random fields). `check_example` runs `mpn import` on it and asserts the promise of CONTRACT §2: the
file is imported exactly as an independent reading of it says, or it is rejected whole (exit 2, `FILE:LINE` or
`FILE:-` lines, nothing stored, the file kept with its report, logged and audited). Never exit 1, never a traceback.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Protocol

from click.testing import CliRunner
from sqlalchemy import Engine, text

from cli.main import main
from jobs.imports.validate import SPECS
from queries import config
from tests.builders.files import BANK_HEADER, MPN_HEADER, STATEMENT_HEADER

HEADERS = {"mpn": MPN_HEADER, "bank": BANK_HEADER, "statements": STATEMENT_HEADER}
BANKS = ("002", "008", "009", "014", "200")
KAPS = ("411121", "411122", "411211")
KPPS = ("021", "091", "092")
LINE = re.compile(r"^(?P<file>.+?):(?P<line>\d+|-): \S.*$")
ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
PALETTE = (
    b"\x00",
    b"\r",
    b"\n",
    b"\r\n",
    b'"',
    b",",
    b";",
    b"\xef\xbb\xbf",
    b"\xff",
    b"\xc3",
    b" ",
    b"\t",
    b"\x7f",
    b"\x1b",
    "é".encode(),
    "\u2028".encode(),
    b"\xfe\xff",
    b"-",
    b"+",
    b"9",
)


class Chooser(Protocol):
    """Where the randomness comes from: hypothesis in the tests, `random.Random` in the benchmark."""

    def integer(self, low: int, high: int) -> int:
        """A whole number in [low, high]."""
        ...


def pick(ch: Chooser, items: Sequence[object]) -> object:
    """One of `items`."""
    return items[ch.integer(0, len(items) - 1)]


def _code(ch: Chooser, alphabet: str, n: int) -> str:
    return "".join(alphabet[ch.integer(0, len(alphabet) - 1)] for _ in range(n))


def _day(ch: Chooser) -> date:
    return date(2026, 11, 16) + timedelta(days=ch.integer(0, 4))


def _row(kind: str, ch: Chooser, bank: str, day: date) -> list[str]:
    """One valid row of `kind`."""
    paid = f"{day.isoformat()}T{ch.integer(7, 16):02d}:{ch.integer(0, 59):02d}:00+0{pick(ch, '789')}:00"
    common = [
        _code(ch, ALNUM, 16),
        _code(ch, ALNUM, ch.integer(1, 20)),
        paid,
        _code(ch, "0123456789", 15),
        str(pick(ch, KAPS)),
        "100",
        "102026",
        str(pick(ch, KPPS)),
        str(ch.integer(1, 10**12)),
    ]
    if kind == "bank":
        return [bank, day.isoformat(), *common]
    if kind == "mpn":
        ntpn, ntb, paid_at, npwp, kap, kjs, period, kpp, amount = common
        return [
            "payment",
            ntpn,
            _code(ch, "0123456789", 15),
            bank,
            "KC-01",
            ntb,
            paid_at,
            npwp,
            "PT Maju Jaya",
            kap,
            kjs,
            period,
            kpp,
            amount,
        ]
    return [
        bank,
        day.isoformat(),
        f"SP-{ch.integer(1, 999)}/XI/2026",
        (day + timedelta(days=1)).isoformat(),
        f"{(day + timedelta(days=1)).isoformat()}T08:30:00+07:00",
        str(ch.integer(0, 9999)),
        str(ch.integer(0, 10**12)),
        "Budi Santoso",
    ]


def valid_file(kind: str, ch: Chooser) -> bytes:
    """A small valid file: 1-6 rows (a bank batch is one bank and date; letters one per bank)."""
    day = _day(ch)
    n = ch.integer(1, 5 if kind == "statements" else 6)
    banks = BANKS[:n] if kind == "statements" else [str(pick(ch, BANKS))] * n
    rows = [",".join(_row(kind, ch, bank, day)) for bank in banks]
    return ("\n".join([HEADERS[kind], *rows]) + "\n").encode()


EDGE_VALUES = (
    "1999-12-31",
    "2000-01-01",
    "9999-12-31",
    "0001-01-01",
    "1900-01-01",
    "2026-02-29",
    "2028-02-29",
    "2026-11-20T10:00:00+99:99",
    "2026-11-20T10:00:00+24:00",
    "2026-11-20T10:00:00-12:00",
    "2026-11-20T10:00:00+14:00",
    "2026-11-20T10:00:00Z",
    "2026-11-20 10:00:00+07:00",
    "0001-01-01T00:00:00+07:00",
    "9999-12-31T23:59:59+07:00",
    "1900-01-01T10:00:00+07:00",
    "2026-11-20T24:00:00+07:00",
    "0",
    "1",
    "999999999999999999",
    "1000000000000000000",
    "0000000000000000000001",
    "-1",
    "1e5",
    " 12 ",
    "١٢٣",
    "",
    " ",
    "x" * 501,
    "=1+1",
    '"a,b"',
)


def _edge_value(ch: Chooser) -> str:
    if ch.integer(0, 3) == 0:
        offset = ch.integer(-20, 20)
        return (date.today() + timedelta(days=offset)).isoformat() + ("T00:00:00+07:00" if ch.integer(0, 1) else "")
    return str(pick(ch, EDGE_VALUES))


def _replace_field(data: bytes, ch: Chooser) -> bytes:
    lines = data.split(b"\n")
    i = ch.integer(0, max(len(lines) - 1, 0))
    fields = lines[i].split(b",")
    fields[ch.integer(0, len(fields) - 1)] = _edge_value(ch).encode()
    lines[i] = b",".join(fields)
    return b"\n".join(lines)


def _line_ends(data: bytes, ch: Chooser) -> bytes:
    how = ch.integer(0, 3)
    if how == 0:
        return data.replace(b"\n", b"\r\n")
    if how == 1:
        return data.replace(b"\n", b"\r")
    positions = [m.start() for m in re.finditer(b"\n", data)]
    if not positions:
        return data
    at = positions[ch.integer(0, len(positions) - 1)]
    return data[:at] + (b"\r\n" if how == 2 else b"\r") + data[at + 1 :]


def _giant(data: bytes, ch: Chooser, *, header: bool) -> bytes:
    size = int(pick(ch, (501, 5_000, 70_000, 140_000, 5 << 20)))
    at = data.find(b"\n") if header else ch.integer(0, len(data))
    at = max(at, 0)
    return data[:at] + b"," * header + b"x" * size + data[at:]


def _duplicate_rows(data: bytes, ch: Chooser) -> bytes:
    lines = data.rstrip(b"\n").split(b"\n")
    if len(lines) < 2:
        return data
    row = lines[ch.integer(1, len(lines) - 1)]
    return b"\n".join(lines + [row] * ch.integer(1, 12)) + b"\n"


def _flip(data: bytes, ch: Chooser) -> bytes:
    if not data:
        return data
    at = ch.integer(0, len(data) - 1)
    return data[:at] + bytes([ch.integer(0, 255)]) + data[at + 1 :]


def _insert(data: bytes, ch: Chooser) -> bytes:
    at = ch.integer(0, len(data))
    return data[:at] + bytes(pick(ch, PALETTE)) * ch.integer(1, 3) + data[at:]  # type: ignore[call-overload]


def _delete(data: bytes, ch: Chooser) -> bytes:
    at = ch.integer(0, len(data))
    return data[:at] + data[at + ch.integer(1, 40) :]


def _truncate(data: bytes, ch: Chooser) -> bytes:
    return data[: ch.integer(0, len(data))]


def _semicolons(data: bytes, ch: Chooser) -> bytes:
    return data.replace(b",", b";")


MUTATIONS: tuple[Callable[[bytes, Chooser], bytes], ...] = (
    _flip,
    _insert,
    _delete,
    _truncate,
    _replace_field,
    _replace_field,
    _line_ends,
    _duplicate_rows,
    _semicolons,
    lambda d, ch: _giant(d, ch, header=False),
    lambda d, ch: _giant(d, ch, header=True),
)


def mutated_file(kind: str, ch: Chooser) -> bytes:
    """A valid file with 0-3 mutations (0 keeps the good path covered too)."""
    data = valid_file(kind, ch)
    for _ in range(ch.integer(0, 3)):
        data = MUTATIONS[ch.integer(0, len(MUTATIONS) - 1)](data, ch)
    return data


def expected_rows(kind: str, data: bytes) -> list[tuple[object, ...]]:
    """What the file says, read independently with Python's csv module: the rows the import must store."""
    textual = data.decode("utf-8-sig")
    head = textual.split("\n", 1)[0]
    delimiter = ";" if head.count(";") > head.count(",") else ","
    reader = csv.reader(io.StringIO(textual, newline=""), delimiter=delimiter)
    columns = [c.strip().lower() for c in next(reader)]
    names = SPECS[kind].names
    out: list[tuple[object, ...]] = []
    for values in reader:
        row = dict(zip(columns, values, strict=False))
        if all(row.get(n, "") == "" for n in names):
            continue
        get = {n: row[n].strip() for n in names}
        if kind == "statements":
            out.append((get["bank_code"].upper(), get["business_date"], int(get["declared_amount"])))
        else:
            out.append((reader.line_num, get["ntpn"].upper(), int(get["amount"])))
    return sorted(out)


STORED = {
    "mpn": "SELECT line, ntpn, amount FROM mpn_record ORDER BY 1, 2",
    "bank": "SELECT line, ntpn, amount FROM bank_batch_row ORDER BY 1, 2",
    "statements": "SELECT bank_code, business_date::text, declared_amount FROM statement_letter ORDER BY 1, 2",
}
COUNTS = (
    "SELECT (SELECT count(*) FROM mpn_record), (SELECT count(*) FROM bank_batch_row),"
    " (SELECT count(*) FROM statement_letter), (SELECT count(*) FROM bank_batch)"
)


def clean(engine: Engine) -> None:
    """Forget the previous example's data (the audit trail is append-only: it is compared by count)."""
    with engine.begin() as conn:  # DELETE, not TRUNCATE: a few rows, and no lock on every partition
        for table in ("statement_letter", "bank_batch_row", "bank_batch", "mpn_record", "mpn_bank_day", "import_file"):
            conn.execute(text(f"DELETE FROM {table}"))


def check_example(engine: Engine, kind: str, data: bytes, folder: Path) -> str:
    """Import `data` through `mpn import KIND FILE`; assert the promise; returns `imported` or `rejected`."""
    clean(engine)
    path = folder / f"{kind}.csv"
    path.write_bytes(data)
    with engine.connect() as conn:
        audits = conn.execute(text("SELECT count(*) FROM audit_log")).scalar_one()
    result = CliRunner().invoke(main, ["import", kind, str(path)])
    assert result.exit_code in (0, 2), (result.exit_code, result.output, result.exception)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    with engine.connect() as conn:
        files = conn.execute(text("SELECT status, report, kept_path FROM import_file")).all()
        actions = conn.execute(text("SELECT action FROM audit_log ORDER BY seq OFFSET :n"), {"n": audits}).scalars()
        actions = list(actions)
        if result.exit_code == 0:
            assert [f.status for f in files] == ["imported"] and actions == ["import.file"]
            assert [tuple(r) for r in conn.execute(text(STORED[kind]))] == expected_rows(kind, data)
            return "imported"
        assert tuple(conn.execute(text(COUNTS)).one()) == (0, 0, 0, 0)
    problems = result.stderr.splitlines()[:-1]
    assert problems and all(LINE.match(p) and p.startswith(f"{path}:") for p in problems), problems
    assert not any("tidak dapat diproses" in p for p in problems), problems  # the safety net is not a check
    [(status, report, kept)] = files
    assert status == "rejected" and actions == ["import.rejected"] and report.splitlines() == problems
    assert Path(kept).read_bytes() == data
    assert Path(f"{kept}.errors.txt").read_text(encoding="utf-8") == report
    assert Path(kept).parent == config.rejected_dir()
    return "rejected"
