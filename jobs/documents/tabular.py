"""The one tabular writer behind every CSV and XLSX the product exports, inert in a spreadsheet (CONTRACT §4).

- CSV (the csv module): a text value that begins with `=`, `+`, `-`, `@`, a tab or a carriage return gets a
  leading `'`, so no spreadsheet reads it as a formula; numbers stay numbers (a negative amount stays `-5000`),
  dates and timestamps are ISO 8601 (timestamps with their offset), booleans `true`/`false`, nothing is empty.
- XLSX (openpyxl's write-only mode): every text value is a text cell (`t="inlineStr"`), never a formula or an
  error code, whatever it begins with; money columns are integer cells formatted `#,##0`; dates are real dates
  `dd/mm/yyyy`; zone-aware timestamps are converted to WIB, formatted `dd/mm/yyyy hh:mm`, their column header
  naming the zone. Title rows (report, period, filters) may stand above the table.

Both stream: rows come from any iterator and are written as they come, so memory stays flat.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import IO, Any, Literal

from queries.calendar import WIB

#: A text value beginning with one of these would be read as a formula (or split) by a spreadsheet.
DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
MONEY_FORMAT = "#,##0"
DATE_FORMAT = "dd/mm/yyyy"
DATETIME_FORMAT = "dd/mm/yyyy hh:mm"
ZONE = "WIB"
#: Characters XML 1.0 cannot hold (openpyxl refuses them): written as U+FFFD in XLSX.
_ILLEGAL = re.compile(r"[\000-\010\013\014\016-\037\ufffe\uffff]")
_EXCEL_FIRST_YEAR = 1900

Kind = Literal["auto", "text", "money", "date", "datetime"]


@dataclass(frozen=True, slots=True)
class Column:
    """A column: its name (the CSV header as is) and kind; `datetime` columns name the zone in an XLSX header."""

    name: str
    kind: Kind = "auto"

    def heading(self) -> str:
        """The XLSX header: the name, with `(WIB)` for timestamps."""
        return f"{self.name} ({ZONE})" if self.kind == "datetime" else self.name


def columns(*specs: str | Column) -> tuple[Column, ...]:
    """Columns from names (kind `auto`) and Column values."""
    return tuple(s if isinstance(s, Column) else Column(s) for s in specs)


def _as_columns(specs: Sequence[str | Column]) -> tuple[Column, ...]:
    return columns(*specs)


def inert(value: str) -> str:
    """`value` with a leading `'` when it begins with a dangerous character (CONTRACT §4), else unchanged."""
    return "'" + value if value.startswith(DANGEROUS) else value


def _integral(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


# ---------------------------------------------------------------- CSV


def csv_value(value: Any) -> str | int | float:
    """One CSV field: numbers as numbers, dates ISO, timestamps ISO with offset, text inert; None is empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return value
    if isinstance(value, Decimal):
        return _integral(value)
    if isinstance(value, date):  # datetime included: isoformat keeps its offset
        return value.isoformat()
    if isinstance(value, list | tuple):
        return inert(";".join(str(csv_value(v)) for v in value))
    return inert(str(value))


class _CsvWriter:
    """csv.writer with LF line ends that also quotes a field holding a bare CR (Python 3.11's writer does not)."""

    def __init__(self, out: IO[str]) -> None:
        """Write rows to `out`."""
        self._out = out
        self._plain = csv.writer(out, lineterminator="\n")
        self._buffer = io.StringIO()
        self._quoting_cr = csv.writer(self._buffer, lineterminator="\r\n")  # CR in the terminator: quoted

    def writerow(self, fields: Sequence[Any]) -> None:
        """One row; the rare row with a CR in a field goes through the CR-quoting writer."""
        if not any(isinstance(f, str) and "\r" in f for f in fields):
            self._plain.writerow(fields)
            return
        self._buffer.seek(0)
        self._buffer.truncate()
        self._quoting_cr.writerow(fields)
        self._out.write(self._buffer.getvalue().removesuffix("\r\n") + "\n")


def write_csv(out: IO[str], specs: Sequence[str | Column], rows: Iterable[Sequence[Any]]) -> int:
    """Write a header and `rows` to the text stream `out` as inert CSV (LF line ends); rows written."""
    writer = _CsvWriter(out)
    writer.writerow([inert(c.name) for c in _as_columns(specs)])
    n = 0
    for row in rows:
        writer.writerow([csv_value(v) for v in row])
        n += 1
    return n


def write_csv_bytes(out: IO[bytes], specs: Sequence[str | Column], rows: Iterable[Sequence[Any]]) -> int:
    """`write_csv` into a binary stream as UTF-8, leaving `out` open; rows written."""
    text_out = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
    try:
        return write_csv(text_out, specs, rows)
    finally:
        text_out.detach()


def csv_text(specs: Sequence[str | Column], rows: Iterable[Sequence[Any]]) -> str:
    """The inert CSV as one string (small tables: the command line's lists)."""
    out = io.StringIO()
    write_csv(out, specs, rows)
    return out.getvalue()


# ---------------------------------------------------------------- XLSX


def _text_cell(cell: Any, value: str) -> Any:
    cell.value = _ILLEGAL.sub("\ufffd", value)
    cell.data_type = "s"  # never a formula (`=…`) nor an error code (`#N/A`): text is text
    return cell


def _moment_cell(cell: Any, value: date) -> Any:
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(WIB).replace(tzinfo=None)
        if value.year < _EXCEL_FIRST_YEAR:
            return _text_cell(cell, value.isoformat(sep=" ", timespec="minutes"))
        cell.value, cell.number_format = value, DATETIME_FORMAT
        return cell
    if value.year < _EXCEL_FIRST_YEAR:
        return _text_cell(cell, value.isoformat())
    cell.value, cell.number_format = value, DATE_FORMAT
    return cell


def xlsx_cell(sheet: Any, value: Any, kind: Kind = "auto") -> Any:
    """One write-only cell for `value`: text as text, money `#,##0`, dates and WIB timestamps formatted."""
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet)
    if value is None:
        return cell
    if isinstance(value, Decimal):
        value = _integral(value)
    if isinstance(value, bool | int | float):
        cell.value = value
        if kind == "money" and not isinstance(value, bool):
            cell.number_format = MONEY_FORMAT
        return cell
    if isinstance(value, date):
        return _moment_cell(cell, value)
    if isinstance(value, list | tuple):
        return _text_cell(cell, ", ".join(v.isoformat() if isinstance(v, date) else str(v) for v in value))
    return _text_cell(cell, str(value))


class Sheet:
    """One write-only sheet: title rows, a header, then rows written as they come."""

    def __init__(self, sheet: Any) -> None:
        """Wrap an openpyxl write-only worksheet."""
        self._sheet = sheet
        self.rows_written = 0

    def row(self, values: Sequence[Any], kinds: Sequence[Kind] = ()) -> None:
        """Append one row; `kinds[i]` (default `auto`) says how column i is written."""
        cells = [xlsx_cell(self._sheet, v, kinds[i] if i < len(kinds) else "auto") for i, v in enumerate(values)]
        self._sheet.append(cells)
        self.rows_written += 1

    def title(self, lines: Sequence[str]) -> None:
        """Title rows above the table: the report, its period, its filters (one text cell each)."""
        for line in lines:
            self.row([line])

    def table(self, specs: Sequence[str | Column], rows: Iterable[Sequence[Any]], *, title: Sequence[str] = ()) -> int:
        """Title rows, the header (frozen), then `rows`; rows of data written."""
        cols = _as_columns(specs)
        if self.rows_written == 0:
            self._sheet.freeze_panes = f"A{len(title) + 2}"
        self.title(title)
        self.row([c.heading() for c in cols])
        kinds = [c.kind for c in cols]
        n = 0
        for values in rows:
            self.row(values, kinds)
            n += 1
        return n


class Workbook:
    """A write-only XLSX workbook built sheet by sheet (bounded memory), saved once."""

    def __init__(self) -> None:
        """An empty workbook."""
        from openpyxl import Workbook as OpenpyxlWorkbook  # only exports need it

        self._book = OpenpyxlWorkbook(write_only=True)

    def sheet(self, title: str) -> Sheet:
        """A new sheet at the end (Excel's 31-character limit applies to `title`)."""
        return Sheet(self._book.create_sheet(title[:31]))

    def save(self, out: IO[bytes]) -> None:
        """Write the workbook to `out` (once)."""
        self._book.save(out)

    def content(self) -> bytes:
        """The workbook's bytes (once)."""
        out = io.BytesIO()
        self.save(out)
        return out.getvalue()


def write_xlsx(
    out: IO[bytes],
    sheet_title: str,
    specs: Sequence[str | Column],
    rows: Iterable[Sequence[Any]],
    *,
    title: Sequence[str] = (),
) -> int:
    """One sheet holding `title` rows, the header and `rows`, saved to `out`; rows of data written."""
    book = Workbook()
    n = book.sheet(sheet_title).table(specs, rows, title=title)
    book.save(out)
    return n
