"""Files that once crashed the importer: each is now rejected whole, reported, kept and audited."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from jobs.imports.ingest import import_file
from queries.csvfile import InputRejected
from tests.builders.files import (
    BANK_HEADER,
    LETTER,
    MPN_HEADER,
    STATEMENT_HEADER,
    bank_row,
    letter,
    mpn_row,
    rows_of,
    write,
)

LINE = re.compile(r"^(?P<file>[^:]+):(?P<line>\d+|-): (?P<rest>.+)$")


def rejected(engine: Engine, kind: str, path: Path, *expected: str) -> list[str]:
    """Import `path`, expect a rejection naming each `expected` text; check nothing stored, file kept, audited."""
    with pytest.raises(InputRejected) as caught:
        import_file(engine, kind, path, label=path.name)
    report = caught.value.report()
    lines = report.splitlines()
    assert lines and all(LINE.match(line) and line.startswith(f"{path.name}:") for line in lines), lines
    for text in expected:
        assert any(text in line for line in lines), (text, lines)
    stored = rows_of(
        engine,
        "SELECT (SELECT count(*) FROM mpn_record) + (SELECT count(*) FROM bank_batch_row)"
        " + (SELECT count(*) FROM statement_letter)",
    )
    assert stored == [(0,)]
    [(status, kept, saved)] = rows_of(engine, "SELECT status, kept_path, report FROM import_file")
    assert status == "rejected" and saved == report
    assert Path(kept).read_bytes() == path.read_bytes()
    assert Path(kept + ".errors.txt").read_text(encoding="utf-8") == report
    assert [r[0] for r in rows_of(engine, "SELECT action FROM audit_log")] == ["import.rejected"]
    return lines


def test_nul_and_control_characters_in_free_text(engine: Engine, tmp_path: Path) -> None:
    row = mpn_row().replace("PT Maju Jaya", "PT Maju\x00Jaya").replace("KC-01", "KC\x0701")
    lines = rejected(
        engine,
        "mpn",
        write(tmp_path, "mpn.csv", MPN_HEADER, [row]),
        "mpn.csv:2: taxpayer_name: berisi karakter kontrol",
        "mpn.csv:2: branch_code: berisi karakter",
    )
    assert "\x00" not in "".join(lines)


def test_nul_in_a_statement_letter(engine: Engine, tmp_path: Path) -> None:
    path = write(tmp_path, "s.csv", STATEMENT_HEADER, [letter(letter_number="SP-1\x00", signer="Budi\x7f")])
    rejected(engine, "statements", path, "s.csv:2: letter_number: berisi karakter kontrol", "s.csv:2: signer:")


def test_free_text_longer_than_500_characters(engine: Engine, tmp_path: Path) -> None:
    path = write(tmp_path, "mpn.csv", MPN_HEADER, [mpn_row().replace("PT Maju Jaya", "x" * 501)])
    rejected(engine, "mpn", path, "mpn.csv:2: taxpayer_name: terlalu panjang: 501 karakter, paling banyak 500")


def test_a_field_larger_than_the_read_block(engine: Engine, tmp_path: Path) -> None:
    giant = mpn_row("0000000000000002").replace("PT Maju Jaya", '"' + "y" * (5 << 20) + '"')
    path = write(tmp_path, "mpn.csv", MPN_HEADER, [mpn_row("0000000000000001"), giant])
    rejected(engine, "mpn", path, f"mpn.csv:3: taxpayer_name: terlalu panjang: {5 << 20} karakter")


def test_a_giant_field_in_an_ignored_column_is_imported_without_it(engine: Engine, tmp_path: Path) -> None:
    path = write(tmp_path, "bank.csv", BANK_HEADER + ",catatan", [bank_row() + "," + "n" * (5 << 20)])
    assert import_file(engine, "bank", path).rows == 1
    assert rows_of(engine, "SELECT ntpn, amount FROM bank_batch_row") == [("0000A1B2C3D4E5F6", 1500000)]


@pytest.mark.parametrize("size", [200 << 10, 5 << 20])
def test_a_header_larger_than_128_kib_or_the_block(engine: Engine, tmp_path: Path, size: int) -> None:
    path = write(tmp_path, "bank.csv", BANK_HEADER + "," + "z" * size, [bank_row() + ",1"])
    rejected(engine, "bank", path, "bank.csv:1: -: baris judul lebih dari 64 KiB")


@pytest.mark.parametrize(
    ("kind", "header", "row"),
    [("mpn", MPN_HEADER, mpn_row()), ("bank", BANK_HEADER, bank_row()), ("statements", STATEMENT_HEADER, LETTER)],
)
def test_cr_only_line_ends(engine: Engine, tmp_path: Path, kind: str, header: str, row: str) -> None:
    path = write(tmp_path, f"{kind}.csv", header, [row, row], newline="\r")
    rejected(engine, kind, path, f"{kind}.csv:1: -: baris diakhiri CR saja")


def test_one_bare_cr_among_crlf_and_lf_names_its_line(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "bank.csv"
    path.write_bytes(
        f"{BANK_HEADER}\r\n{bank_row('0000000000000001')}\n{bank_row('0000000000000002')}\r"
        f"{bank_row('0000000000000003')}\r\n".encode()
    )
    rejected(engine, "bank", path, "bank.csv:3: -: baris diakhiri CR saja")


def test_mixed_crlf_and_lf_is_imported(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "bank.csv"
    path.write_bytes(f"{BANK_HEADER}\r\n{bank_row('0000000000000001')}\n{bank_row('0000000000000002')}\r\n".encode())
    assert import_file(engine, "bank", path).rows == 2
    assert rows_of(engine, "SELECT line, ntpn FROM bank_batch_row ORDER BY line") == [
        (2, "0000000000000001"),
        (3, "0000000000000002"),
    ]


@pytest.mark.parametrize(("row", "fields"), [("002,2026-11-20,SP-9", 3), (LETTER + ",extra,more", 10)])
def test_statement_row_with_too_few_or_too_many_fields(engine: Engine, tmp_path: Path, row: str, fields: int) -> None:
    path = write(tmp_path, "s.csv", STATEMENT_HEADER, [LETTER, row])
    rejected(engine, "statements", path, f"s.csv:3: -: baris berisi {fields} nilai, baris judul 8 kolom")


@pytest.mark.parametrize("offset", ["+99:99", "+24:00", "+14:60"])
def test_received_at_with_an_impossible_offset(engine: Engine, tmp_path: Path, offset: str) -> None:
    path = write(tmp_path, "s.csv", STATEMENT_HEADER, [letter(received_at=f"2026-11-21T08:30:00{offset}")])
    rejected(engine, "statements", path, "s.csv:2: received_at: harus waktu ISO 8601 dengan selisih UTC yang sah")


@pytest.mark.parametrize("year", ["9999", "0001", "1900", "0000"])
def test_implausible_years_in_every_date_and_timestamp(engine: Engine, tmp_path: Path, year: str) -> None:
    mpn = write(tmp_path, "mpn.csv", MPN_HEADER, [mpn_row(paid_at=f"{year}-01-02T10:00:00+07:00")])
    rejected(engine, "mpn", mpn, "mpn.csv:2: paid_at: tanggal")
    assert rows_of(engine, "SELECT count(*) FROM pg_class WHERE relname LIKE 'mpn_record_%'") == [(0,)]


@pytest.mark.parametrize("year", ["9999", "0001", "1900"])
def test_implausible_years_in_bank_and_statement_files(engine: Engine, tmp_path: Path, year: str) -> None:
    bank = write(
        tmp_path, "bank.csv", BANK_HEADER, [bank_row(day=f"{year}-01-02", paid_at=f"{year}-01-02T10:00:00+07:00")]
    )
    rejected(engine, "bank", bank, "bank.csv:2: business_date: tanggal", "bank.csv:2: paid_at: tanggal")
    assert rows_of(engine, "SELECT count(*) FROM pg_class WHERE relname LIKE 'bank_batch_row_%'") == [(0,)]


@pytest.mark.parametrize("column", ["business_date", "letter_date", "received_at"])
def test_implausible_statement_dates(engine: Engine, tmp_path: Path, column: str) -> None:
    value = "0001-01-01T00:00:00+07:00" if column == "received_at" else "1900-01-01"
    path = write(tmp_path, "s.csv", STATEMENT_HEADER, [letter(**{column: value})])
    rejected(engine, "statements", path, f"s.csv:2: {column}: tanggal {value[:10]} sebelum 01/01/2000")


def test_received_at_within_the_clock_skew_is_accepted(engine: Engine, tmp_path: Path) -> None:
    soon = (datetime.now(UTC) + timedelta(minutes=3)).isoformat(timespec="seconds")
    import_file(engine, "statements", write(tmp_path, "ok.csv", STATEMENT_HEADER, [letter(received_at=soon)]))
    assert rows_of(engine, "SELECT count(*) FROM statement_letter") == [(1,)]


def test_received_at_later_than_the_import_moment(engine: Engine, tmp_path: Path) -> None:
    later = (datetime.now(UTC) + timedelta(hours=2)).isoformat(timespec="seconds")
    path = write(tmp_path, "s.csv", STATEMENT_HEADER, [letter(received_at=later)])
    rejected(engine, "statements", path, "s.csv:2: received_at: waktu terima di masa depan")


def test_amounts_whose_sum_overflows_bigint(engine: Engine, tmp_path: Path) -> None:
    rows = [mpn_row(f"{i:016d}", amount="999999999999999999") for i in range(10)]
    rejected(engine, "mpn", write(tmp_path, "mpn.csv", MPN_HEADER, rows), "mpn.csv:-: jumlah amount seluruh berkas")


def test_bank_total_that_overflows_bigint(engine: Engine, tmp_path: Path) -> None:
    rows = [bank_row(f"{i:016d}", amount="999999999999999999") for i in range(10)]
    rejected(engine, "bank", write(tmp_path, "bank.csv", BANK_HEADER, rows), "bank.csv:-: jumlah amount")


def test_statement_total_that_overflows_bigint(engine: Engine, tmp_path: Path) -> None:
    letters = [
        letter(bank_code=code, declared_amount="999999999999999999")
        for code in ("002", "008", "009", "014", "011", "013", "016", "019", "022", "200")
    ]
    rejected(engine, "statements", write(tmp_path, "s.csv", STATEMENT_HEADER, letters), "s.csv:-: jumlah")


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [
        (b"\xff\xfe", "mpn.csv:-: berkas ber-encoding UTF-16"),
        (b"\xef\xbb\xbf\xef\xbb\xbf", "mpn.csv:1: record_type: kolom wajib tidak ada"),
    ],
)
def test_foreign_and_doubled_byte_order_marks(engine: Engine, tmp_path: Path, prefix: bytes, expected: str) -> None:
    rejected(engine, "mpn", write(tmp_path, "mpn.csv", MPN_HEADER, [mpn_row()], prefix=prefix), expected)


def test_invalid_utf8_in_a_statement_file(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_bytes(f"{STATEMENT_HEADER}\n{LETTER}\n".encode() + letter(signer="Ani").encode()[:-3] + b"\xc3(\n")
    rejected(engine, "statements", path, "s.csv:3: -: bukan UTF-8 yang sah")


def test_a_quote_left_open_at_the_end(engine: Engine, tmp_path: Path) -> None:
    row = bank_row("0000000000000002").replace(",1500000", ',"1500000')
    path = write(tmp_path, "bank.csv", BANK_HEADER, [bank_row("0000000000000001"), row])
    rejected(engine, "bank", path, "bank.csv:3: -: tanda kutip tidak ditutup")


def test_a_line_of_spaces_is_named(engine: Engine, tmp_path: Path) -> None:
    path = write(tmp_path, "bank.csv", BANK_HEADER, [bank_row("0000000000000001"), "   ", bank_row("0000000000000002")])
    rejected(engine, "bank", path, "bank.csv:3: -: baris berisi 1 nilai, baris judul 11 kolom")
