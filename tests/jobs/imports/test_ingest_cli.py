"""`mpn import` and `mpn master import` on files that once crashed: exit 2, `FILE:LINE` lines, the file kept."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine

from cli.main import main
from tests.builders.files import (
    BANK_HEADER,
    LETTER,
    MPN_HEADER,
    STATEMENT_HEADER,
    bank_row,
    kept_files,
    letter,
    mpn_row,
    rows_of,
    write,
)

LINE = re.compile(r"^(?P<file>.+):(?P<line>\d+|-): (?P<rest>.+)$")


@pytest.mark.parametrize(
    ("kind", "header", "rows", "expected"),
    [
        (
            "mpn",
            MPN_HEADER,
            [mpn_row().replace("PT Maju Jaya", "PT\x00Maju")],
            ":2: taxpayer_name: berisi karakter kontrol",
        ),
        (
            "bank",
            BANK_HEADER,
            [bank_row(f"{i:016d}", amount="999999999999999999") for i in range(10)],
            ":-: jumlah amount seluruh berkas melebihi",
        ),
        (
            "statements",
            STATEMENT_HEADER,
            [LETTER, letter(received_at="2026-11-21T08:30:00+24:00")],
            ":3: received_at: harus waktu ISO 8601",
        ),
    ],
)
def test_a_crasher_exits_2_with_file_line_and_is_kept(
    engine: Engine, tmp_path: Path, kind: str, header: str, rows: list[str], expected: str
) -> None:
    path = write(tmp_path, f"{kind}.csv", header, rows)
    result = CliRunner().invoke(main, ["import", kind, str(path)])
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    problems = result.stderr.splitlines()[:-1]
    assert problems and all(LINE.match(line) and line.startswith(f"{path}:") for line in problems), problems
    assert any(f"{path}{expected}" in line for line in problems), problems
    assert result.stderr.splitlines()[-1] == (
        f"{path}: ditolak, tidak ada yang diimpor; disimpan beserta laporannya di folder rejected"
    )
    [kept] = kept_files()
    assert kept.read_bytes() == path.read_bytes()
    assert Path(f"{kept}.errors.txt").read_text(encoding="utf-8").splitlines() == problems
    assert rows_of(engine, "SELECT status FROM import_file") == [("rejected",)]


def test_cr_only_file_through_the_command_line(engine: Engine, tmp_path: Path) -> None:
    path = write(tmp_path, "bank.csv", BANK_HEADER, [bank_row()], newline="\r")
    result = CliRunner().invoke(main, ["import", "bank", str(path)])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"{path}:1: -: baris diakhiri CR saja (tanpa LF)")


def test_master_file_with_control_characters_and_cr_only_lines(engine: Engine, tmp_path: Path) -> None:
    days = tmp_path / "libur.csv"
    days.write_text("date,description\n2026-12-31,Cuti\x00bersama\n1899-01-01,Lama\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["master", "import", "non_working_days", str(days)])
    assert result.exit_code == 2
    assert f"{days}:2: description: berisi karakter kontrol" in result.stderr
    assert f"{days}:3: date: tanggal 1899-01-01 sebelum 01/01/2000 tidak masuk akal" in result.stderr
    days.write_bytes(b"date,description\r2026-12-31,Cuti\r")
    result = CliRunner().invoke(main, ["master", "import", "non_working_days", str(days)])
    assert result.exit_code == 2 and f"{days}:1: -: baris diakhiri CR saja" in result.stderr
    assert len(kept_files()) == 2
    assert rows_of(engine, "SELECT count(*) FROM non_working_day WHERE day = '2026-12-31'") == [(0,)]


def test_an_unreachable_database_is_exit_1_and_the_file_is_left_alone(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from queries import db as qdb

    path = write(tmp_path, "bank.csv", BANK_HEADER, [bank_row()])
    monkeypatch.setenv("MPN_DATABASE_URL", "postgresql+psycopg2://postgres@127.0.0.1:1/mpn")
    qdb.engine.cache_clear()
    result = CliRunner().invoke(main, ["import", "bank", str(path)])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    assert result.stderr.startswith("error: the database cannot be reached") and "Traceback" not in result.output
    assert path.exists() and kept_files() == []


@pytest.mark.parametrize("when", ["0001-01-01T00:00:00+07:00", "2099-01-01T00:00:00+07:00"])
def test_an_implausible_received_at_option_is_bad_input(engine: Engine, tmp_path: Path, when: str) -> None:
    path = write(tmp_path, "bank.csv", BANK_HEADER, [bank_row()])
    result = CliRunner().invoke(main, ["import", "bank", "--received-at", when, str(path)])
    assert result.exit_code == 2 and result.stderr.startswith("error: --received-at: tanggal ")
    assert rows_of(engine, "SELECT count(*) FROM import_file") == [(0,)]
