"""The CSV dialect of CONTRACT §2: UTF-8 with or without BOM, `,` or `;`, LF or CRLF, named columns.

Also the file's shape, read once with its SHA-256: physical lines (counted by LF) and the first line with a
CR that does not end in LF, so a file whose lines end in CR alone, or whose rows do not match its lines
(a quote left open, a line break inside a quoted value), is rejected with the line to look at.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

BOM = b"\xef\xbb\xbf"
OTHER_BOMS = {
    b"\xff\xfe\x00\x00": "UTF-32",
    b"\x00\x00\xfe\xff": "UTF-32",
    b"\xff\xfe": "UTF-16",
    b"\xfe\xff": "UTF-16",
}
HEADER_LIMIT = 64 * 1024
"""Longest header row, in bytes: real headers are well under 1 KiB."""
ROW_LIMIT = 1 << 22
"""Longest data row, in bytes (the importer's read block)."""
SMALL_FILE_LIMIT = 16 << 20
"""Largest master-data file, in bytes."""
BARE_CR = "baris diakhiri CR saja (tanpa LF): akhir baris harus LF atau CRLF"
_SHOWN = 120
# The error paths re-read rows with Python's csv module: let it read any field a row may hold.
csv.field_size_limit(max(csv.field_size_limit(), 2 * ROW_LIMIT))
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def shown(value: str, limit: int = _SHOWN) -> str:
    """`value` safe for a one-line report: control characters written as `\\xNN`, cut at `limit` characters."""
    cut = value if len(value) <= limit else value[:limit] + "…"
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", cut)


@dataclass(frozen=True)
class Problem:
    """One problem with an input file: `FILE:LINE: column: reason`, or `FILE:-: reason` for the whole file."""

    file: str
    line: int | None
    column: str
    reason: str

    def __str__(self) -> str:
        where = "-" if self.line is None else str(self.line)
        column = "" if self.line is None and self.column in ("", "-") else f"{shown(self.column, 60)}: "
        return f"{shown(self.file, 400)}:{where}: {column}{shown(self.reason, 400)}"


def whole_file(label: str, reason: str) -> Problem:
    """A problem of the whole file rather than of one line."""
    return Problem(label, None, "-", reason)


class InputRejected(Exception):
    """An input file was rejected; `problems` says why, one line each."""

    def __init__(self, problems: list[Problem], total: int | None = None) -> None:
        self.problems = problems
        self.total = total if total is not None else len(problems)
        super().__init__("\n".join(str(p) for p in problems))

    def report(self) -> str:
        """The report kept next to a rejected file and printed by the command line."""
        lines = [str(p) for p in self.problems]
        if self.total > len(self.problems):
            lines.append(f"... dan {self.total - len(self.problems)} masalah lain")
        return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class FileShape:
    """What one pass over the bytes tells: content hash, size, physical lines and the first bare CR."""

    sha256: str
    size: int
    lines: int  # LF count, plus one for a last line without LF
    bare_cr_line: int | None  # first line holding a CR not followed by LF
    quotes: int = 0  # double quotes: an odd count means one is left open (or stray)


def scan_file(path: Path) -> FileShape:
    """Hash the file and count its lines in 1 MiB chunks (bytes.count: no per-line Python work)."""
    digest = hashlib.sha256()
    size = lf = quotes = 0
    bare: int | None = None
    carry = b""
    last = b""
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
            quotes += chunk.count(b'"')
            last = chunk[-1:]
            buf = carry + chunk
            carry = b"\r" if buf.endswith(b"\r") else b""
            buf = buf[:-1] if carry else buf
            if bare is None and buf.count(b"\r") != buf.count(b"\r\n"):
                match = re.search(rb"\r(?!\n)", buf)
                bare = lf + buf[: match.start()].count(b"\n") + 1 if match else None
            lf += buf.count(b"\n")
    if carry and bare is None:
        bare = lf + 1
    lines = lf + (1 if size and last != b"\n" else 0)
    return FileShape(digest.hexdigest(), size, lines, bare, quotes)


@dataclass(frozen=True)
class Layout:
    """What the header line tells: delimiter, lower-cased column names, where the data starts."""

    delimiter: str
    columns: tuple[str, ...]
    has_bom: bool


def _header_text(path: Path, label: str) -> tuple[str, bool]:
    """The header line decoded, and whether a UTF-8 BOM precedes it."""
    with open(path, "rb") as f:
        head = f.readline(HEADER_LIMIT + 1)
    for mark, name in OTHER_BOMS.items():
        if head.startswith(mark):
            raise InputRejected([whole_file(label, f"berkas ber-encoding {name}: simpan sebagai UTF-8")])
    if len(head) > HEADER_LIMIT and not head.endswith(b"\n"):
        raise InputRejected([Problem(label, 1, "-", f"baris judul lebih dari {HEADER_LIMIT // 1024} KiB")])
    has_bom = head.startswith(BOM)
    if has_bom:
        head = head[len(BOM) :]
    try:
        text = head.decode("utf-8").removesuffix("\n").removesuffix("\r")
    except UnicodeDecodeError as exc:
        raise InputRejected(
            [Problem(label, 1, "-", f"baris judul bukan UTF-8 yang sah (byte ke-{exc.start + 1})")]
        ) from None
    if "\r" in text:
        raise InputRejected([Problem(label, 1, "-", BARE_CR)])
    if not text.strip():
        raise InputRejected([Problem(label, 1, "-", "berkas kosong: baris judul (header) wajib ada")])
    return text, has_bom


def read_layout(path: Path, label: str) -> Layout:
    """Read the header line: detect BOM and delimiter, lower-case and trim the column names."""
    text, has_bom = _header_text(path, label)
    delimiter = ";" if text.count(";") > text.count(",") else ","
    try:
        names = next(csv.reader([text], delimiter=delimiter, strict=True))
    except csv.Error:
        raise InputRejected(
            [Problem(label, 1, "-", "baris judul bukan CSV yang sah (tanda kutip tidak seimbang?)")]
        ) from None
    columns = tuple(n.strip().lower() for n in names)
    seen: set[str] = set()
    for name in columns:
        if name and name in seen:
            raise InputRejected([Problem(label, 1, name, "kolom muncul dua kali di baris judul")])
        seen.add(name)
    return Layout(delimiter, columns, has_bom)


def require_columns(layout: Layout, required: tuple[str, ...], label: str) -> None:
    """Reject a file whose header lacks any required column."""
    missing = [c for c in required if c not in layout.columns]
    if missing:
        raise InputRejected([Problem(label, 1, c, "kolom wajib tidak ada di baris judul") for c in missing])


def _csv_error(exc: csv.Error) -> str:
    if "field larger than field limit" in str(exc):
        return f"nilai lebih dari {csv.field_size_limit() // 1024} KiB"
    return "baris bukan CSV yang sah (tanda kutip tidak seimbang?)"


def small_rows(path: Path, label: str) -> Iterator[tuple[int, dict[str, str]]]:
    """Rows of a small CSV file (master data) as (line number, {column: trimmed value})."""
    layout = read_layout(path, label)
    shape = scan_file(path)
    if shape.size > SMALL_FILE_LIMIT:
        raise InputRejected([whole_file(label, f"berkas lebih dari {SMALL_FILE_LIMIT >> 20} MiB")])
    if shape.bare_cr_line is not None:
        raise InputRejected([Problem(label, shape.bare_cr_line, "-", BARE_CR)])
    data = path.read_bytes()
    if layout.has_bom:
        data = data[len(BOM) :]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputRejected([Problem(label, line, "-", "bukan UTF-8 yang sah")]) from None
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=layout.delimiter, strict=True)
    try:
        next(reader, None)
        for values in reader:
            line = reader.line_num
            if not values or all(not v.strip() for v in values):
                continue
            if len(values) > len(layout.columns):
                raise InputRejected(
                    [
                        Problem(
                            label,
                            line,
                            "-",
                            f"baris berisi {len(values)} nilai, baris judul {len(layout.columns)} kolom",
                        )
                    ]
                )
            yield line, {name: (values[i].strip() if i < len(values) else "") for i, name in enumerate(layout.columns)}
    except csv.Error as exc:
        raise InputRejected([Problem(label, reader.line_num, "-", _csv_error(exc))]) from None
