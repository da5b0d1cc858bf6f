"""The CSV dialect of CONTRACT §2: UTF-8 with or without BOM, `,` or `;`, LF or CRLF, named columns."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class Problem:
    """One problem with an input file, printed as `FILE:LINE: column: reason`."""

    file: str
    line: int
    column: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.column}: {self.reason}"


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
            lines.append(f"... and {self.total - len(self.problems)} more problems")
        return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Layout:
    """What the header line tells: delimiter, lower-cased column names, where the data starts."""

    delimiter: str
    columns: tuple[str, ...]
    has_bom: bool


def read_layout(path: Path, label: str) -> Layout:
    """Read the header line: detect BOM and delimiter, lower-case and trim the column names."""
    with open(path, "rb") as f:
        head = f.readline(1 << 20)
    has_bom = head.startswith(BOM)
    if has_bom:
        head = head[len(BOM):]
    try:
        text = head.decode("utf-8").rstrip("\r\n")
    except UnicodeDecodeError as exc:
        raise InputRejected([Problem(label, 1, "-", f"header is not UTF-8 ({exc.reason})")]) from None
    if not text.strip():
        raise InputRejected([Problem(label, 1, "-", "empty file: a header row is required")])
    delimiter = ";" if text.count(";") > text.count(",") else ","
    names = next(csv.reader([text], delimiter=delimiter))
    columns = tuple(n.strip().lower() for n in names)
    seen: set[str] = set()
    for name in columns:
        if name and name in seen:
            raise InputRejected([Problem(label, 1, name, "column appears twice in the header")])
        seen.add(name)
    return Layout(delimiter, columns, has_bom)


def require_columns(layout: Layout, required: tuple[str, ...], label: str) -> None:
    """Reject a file whose header lacks any required column."""
    missing = [c for c in required if c not in layout.columns]
    if missing:
        raise InputRejected([Problem(label, 1, c, "required column is missing from the header") for c in missing])


def small_rows(path: Path, label: str) -> Iterator[tuple[int, dict[str, str]]]:
    """Rows of a small CSV file (master data) as (line number, {column: trimmed value})."""
    layout = read_layout(path, label)
    data = path.read_bytes()
    if layout.has_bom:
        data = data[len(BOM):]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputRejected([Problem(label, line, "-", "not valid UTF-8")]) from None
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=layout.delimiter)
    next(reader, None)
    for values in reader:
        line = reader.line_num
        if not values or all(not v.strip() for v in values):
            continue
        yield line, {name: (values[i].strip() if i < len(values) else "") for i, name in enumerate(layout.columns)}
