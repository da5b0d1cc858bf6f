"""The command line's one way to print a result: a table, inert CSV (the shared writer) or JSON.

Every `--format` goes through here: `print_rows` for a list of rows, `print_as` for one object of several lists
(a status), `write_rows` for an export streamed to a file. Every refused act goes through `refusals`.

Every `--format json` goes through `to_json`: rupiah (`Decimal` from SQL sums) become integers, dates ISO
`YYYY-MM-DD`, timestamps ISO 8601 with their offset; text is kept as UTF-8 (no `\\u` escapes). Every
`--format csv` goes through `jobs.documents.tabular`, so a value a bank typed never becomes a formula.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from typing import IO, Any

import click

Row = Mapping[str, Any]


def json_default(value: Any) -> Any:
    """What `json` cannot write itself: Decimal as int (float if fractional), dates and timestamps ISO, sets."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, date):  # datetime included: isoformat keeps the offset
        return value.isoformat()
    if isinstance(value, set | frozenset):
        return sorted(value)
    raise TypeError(f"{type(value).__name__} tidak dapat ditulis sebagai JSON")


def to_json(data: Any, *, indent: int | None = 2) -> str:
    """`data` as JSON text (UTF-8 kept, the house conversions of `json_default`)."""
    return json.dumps(data, ensure_ascii=False, indent=indent, default=json_default)


def print_json(data: Any) -> None:
    """Print `data` as indented JSON on standard output."""
    click.echo(to_json(data))


def write_json_array(out: IO[str], items: Iterable[Any]) -> int:
    """Stream `items` as a JSON array, one compact item per line (memory stays flat); items written."""
    out.write("[")
    count = 0
    for count, item in enumerate(items, start=1):
        out.write(("," if count > 1 else "") + "\n  " + to_json(item, indent=None))
    out.write("\n]\n" if count else "]\n")
    return count


def csv_of(columns: Sequence[str], rows: Iterable[Row]) -> str:
    """The rows' `columns` as inert CSV text with a header."""
    from jobs.documents.tabular import csv_text

    return csv_text(columns, ([row.get(c) for c in columns] for row in rows))


def print_rows(
    rows: Sequence[Row], columns: Sequence[str], fmt: str, table: Callable[[Sequence[Row]], Iterable[str]] | None = None
) -> None:
    """Print `rows` as `fmt`: `json` (a list of objects), `csv` (`columns`, inert) or `table` (its lines)."""
    if fmt == "csv":
        click.echo(csv_of(columns, rows), nl=False)
    else:
        print_as(fmt, [dict(r) for r in rows], None if table is None else lambda _: table(rows))


def print_as(fmt: str, data: Any, table: Callable[[Any], Iterable[str]] | None) -> None:
    """Print `data` (rows, or one object of several lists) as `fmt`: `json` as it is, or `table` (its lines)."""
    if fmt == "json":
        print_json(data)
    elif fmt == "table" and table is not None:
        for line in table(data):
            click.echo(line)
    else:
        raise click.UsageError(f"format {fmt!r} tidak dikenal")


def write_rows(out: IO[str], columns: Sequence[str], rows: Iterable[Any], fmt: str) -> int:
    """Stream `rows` (named rows: `row._asdict()`) to `out` as inert CSV of `columns` or a JSON array; rows
    written. Memory stays flat, whatever the count."""
    if fmt == "csv":
        from jobs.documents.tabular import write_csv

        return write_csv(out, columns, rows)
    if fmt == "json":
        return write_json_array(out, (row._asdict() for row in rows))
    raise click.UsageError(f"format {fmt!r} tidak dikenal")


def format_option(*choices: str, default: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """The `--format` option (parameter `fmt`) with these choices."""
    return click.option(
        "--format", "fmt", type=click.Choice(choices), default=default, show_default=True, help="Output format."
    )


@contextmanager
def refusals(*also: type[Exception]) -> Iterator[None]:
    """A refused act (any `queries.permissions.Refused`, or one of `also`) is bad input: `error: ` and its reason in
    Bahasa Indonesia on standard error, exit 2. Raised inside a transaction, nothing is written."""
    from queries.permissions import Refused

    caught: tuple[type[Exception], ...] = (Refused, *also)
    try:
        yield
    except caught as exc:
        click.echo(f"error: {getattr(exc, 'message', exc)}", err=True)
        sys.exit(2)
