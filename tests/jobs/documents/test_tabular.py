"""The one tabular writer (CONTRACT §4): CSV text that would run as a formula gets a leading `'`, XLSX text is
always a text cell, numbers stay numbers, money `#,##0`, dates `dd/mm/yyyy`, timestamps in WIB named in the header,
title rows above the table, and rows streamed from an iterator with flat memory."""

from __future__ import annotations

import csv
import io
import tracemalloc
import zipfile
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from jobs.documents import tabular
from jobs.documents.tabular import DANGEROUS, Column, csv_text, write_csv_bytes, write_xlsx

PAYLOADS = ['=HYPERLINK("http://evil.example/x","klik")', "+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]


def read_csv(content: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content, newline="")))


def xlsx_of(rows: list[list[object]], specs: list[str | Column] | None = None, **kwargs: object) -> bytes:
    out = io.BytesIO()
    write_xlsx(out, "Data", specs or [f"c{i}" for i in range(len(rows[0]))], rows, **kwargs)  # type: ignore[arg-type]
    return out.getvalue()


def sheet_xml(content: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(content)) as z:
        return "".join(z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/"))


def test_every_formula_payload_gets_a_leading_quote_in_csv_and_numbers_do_not() -> None:
    lines = read_csv(
        csv_text(
            ["text", "amount", "decimal", "day"], [[p, -5000, Decimal("-12"), date(2026, 11, 20)] for p in PAYLOADS]
        )
    )
    assert lines[0] == ["text", "amount", "decimal", "day"]
    assert [line[0] for line in lines[1:]] == ["'" + p for p in PAYLOADS]
    assert {tuple(line[1:]) for line in lines[1:]} == {("-5000", "-12", "2026-11-20")}


def test_csv_renders_none_booleans_lists_and_timestamps_with_their_offset() -> None:
    at = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
    [_, row] = read_csv(
        csv_text(["a", "b", "c", "d", "e"], [[None, True, [date(2026, 11, 19), date(2026, 11, 20)], at, ["-x", "y"]]])
    )
    assert row == ["", "true", "2026-11-19;2026-11-20", "2026-11-20T09:30:00+00:00", "'-x;y"]


def test_csv_into_a_binary_stream_leaves_it_open() -> None:
    out = io.BytesIO()
    assert write_csv_bytes(out, ["catatan"], [["=1+1"], ["Rp 1.000"]]) == 2
    assert out.getvalue().decode() == "catatan\n'=1+1\nRp 1.000\n"


def test_xlsx_text_is_never_a_formula_and_money_dates_times_are_typed() -> None:
    at = datetime(2026, 11, 20, 2, 30, tzinfo=UTC)  # 09:30 WIB
    content = xlsx_of(
        [[p, -5000, date(2026, 11, 20), at, -7] for p in PAYLOADS],
        ["text", Column("amount", "money"), Column("day", "date"), Column("at", "datetime"), "n"],
        title=["Laporan uji", "Periode 20/11/2026"],
    )
    assert "<f>" not in sheet_xml(content) and "<f " not in sheet_xml(content)
    sheet = load_workbook(io.BytesIO(content)).active
    rows = list(sheet.iter_rows())
    assert [r[0].value for r in rows[:2]] == ["Laporan uji", "Periode 20/11/2026"]
    assert [c.value for c in rows[2]] == ["text", "amount", "day", "at (WIB)", "n"]
    for row, payload in zip(rows[3:], PAYLOADS, strict=True):
        text, amount, day, moment, number = row
        assert (text.value, text.data_type) == (payload, "s")
        assert (amount.value, amount.data_type, amount.number_format) == (-5000, "n", tabular.MONEY_FORMAT)
        assert (day.value.date(), day.number_format) == (date(2026, 11, 20), "dd/mm/yyyy")
        assert (moment.value, moment.number_format) == (datetime(2026, 11, 20, 9, 30), "dd/mm/yyyy hh:mm")
        assert (number.value, number.data_type) == (-7, "n")
    assert sheet.freeze_panes == "A4"


def test_xlsx_error_codes_control_characters_and_ancient_dates_stay_text() -> None:
    content = xlsx_of([["#N/A", "a\x00b\x1fc", datetime(1, 1, 1, tzinfo=UTC), Decimal("12.0"), True]])
    row = list(load_workbook(io.BytesIO(content)).active.iter_rows())[1]
    assert [(c.value, c.data_type) for c in row] == [
        ("#N/A", "s"),
        ("a\ufffdb\ufffdc", "s"),
        ("0001-01-01 07:07", "s"),
        (12, "n"),
        (True, "b"),
    ]


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_csv_round_trip_adds_a_quote_exactly_when_the_value_starts_dangerously(value: str) -> None:
    [header, row] = read_csv(csv_text(["v"], [[value]]))
    assert header == ["v"]
    assert row == ["'" + value if value.startswith(DANGEROUS) else value]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(max_size=30), min_size=1, max_size=5))
def test_xlsx_round_trip_keeps_every_text_as_text(values: list[str]) -> None:
    content = xlsx_of([values])
    assert "<f>" not in sheet_xml(content)
    row = list(load_workbook(io.BytesIO(content)).active.iter_rows())[1]
    for cell, value in zip(row, values, strict=False):
        expected = tabular._ILLEGAL.sub("\ufffd", value)
        assert cell.value == (expected or None)
        assert cell.data_type != "f" and (cell.data_type == "s" or cell.value is None)


def test_rows_stream_from_an_iterator_with_flat_memory() -> None:
    def rows() -> Iterator[list[object]]:
        for i in range(10_000):
            yield [f"NTPN{i:012d}", -i, "=catatan"]

    tracemalloc.start()
    try:
        out = io.BytesIO()
        assert write_xlsx(out, "Banyak", ["ntpn", Column("amount", "money"), "note"], rows()) == 10_000
        csv_out = io.BytesIO()
        assert write_csv_bytes(csv_out, ["ntpn", "amount", "note"], rows()) == 10_000
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 16 * 2**20 + len(csv_out.getvalue()) + len(out.getvalue())
    assert csv_out.getvalue().decode().splitlines()[-1] == "NTPN000000009999,-9999,'=catatan"
