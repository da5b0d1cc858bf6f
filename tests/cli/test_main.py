"""The `mpn` command line: exit codes, messages and the commands of CONTRACT §3 built so far."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import Engine, text

from cli.main import main

HEADER = "bank_code,business_date,ntpn,ntb,paid_at,npwp,kap,kjs,tax_period,kpp_code,amount\n"
ROW = "002,2026-11-20,0000A1B2C3D4E5F6,000123,2026-11-20T10:00:00+07:00,012345678021000,411121,100,102026,021,{}\n"


def mpn(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cli.main", *args], capture_output=True, text=True, env=os.environ.copy(), timeout=120
    )


def test_import_exit_codes_and_messages_in_a_real_process(db_url: str, tmp_path: Path) -> None:
    good = tmp_path / "bank_002.csv"
    good.write_text(HEADER + ROW.format("2500000"))
    ok = mpn("import", "bank", str(good))
    assert ok.returncode == 0, ok.stderr
    assert "1 baris diimpor, Rp 2.500.000, tanggal buku 2026-11-20" in ok.stdout
    again = mpn("import", "bank", str(good))
    assert again.returncode == 0 and "sudah diimpor" in again.stdout
    bad = tmp_path / "bank_bad.csv"
    bad.write_text(HEADER + ROW.format("2.500.000"))
    rejected = mpn("import", "bank", str(bad))
    assert rejected.returncode == 2
    assert f"{bad}:2: amount: harus rupiah bulat lebih dari nol" in rejected.stderr
    assert "ditolak, tidak ada yang diimpor" in rejected.stderr


def test_every_command_has_help() -> None:
    runner = CliRunner()
    for args in ([], ["db"], ["db", "upgrade"], ["import"], ["master", "import"], ["demo"], ["web"]):
        result = runner.invoke(main, [*args, "--help"])
        assert result.exit_code == 0 and "Usage:" in result.output


def test_unknown_kind_is_bad_input(tmp_path: Path) -> None:
    file = tmp_path / "x.csv"
    file.write_text("a\n")
    assert CliRunner().invoke(main, ["import", "payments", str(file)]).exit_code == 2


def test_master_import_upserts_by_code(engine: Engine, db_url: str, tmp_path: Path) -> None:
    banks = tmp_path / "banks.csv"
    banks.write_text("bank_code;name;kind;cutoff\n002;BRI (nama baru);bank;15:30\n999;Bank Baru;bank;\n")
    result = CliRunner().invoke(main, ["master", "import", "banks", str(banks)])
    assert result.exit_code == 0, result.output
    assert "1 ditambahkan, 1 diperbarui" in result.output
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT bank_code, name, cutoff::text FROM bank WHERE bank_code IN ('002', '999') ORDER BY 1")
        ).all()
    assert [tuple(r) for r in rows] == [("002", "BRI (nama baru)", "15:30:00"), ("999", "Bank Baru", "15:00:00")]
    with engine.connect() as conn:
        audited = conn.execute(text("SELECT actor, action, object_type, object_id, before, after FROM audit_log")).all()
    assert [tuple(r[:4]) for r in audited] == [("system:cli", "master.import", "master", "banks")]
    after = audited[0].after
    assert {k: after[k] for k in ("file_name", "rows", "inserted", "updated")} == {
        "file_name": "banks.csv",
        "rows": 2,
        "inserted": 1,
        "updated": 1,
    }
    assert after["changes"]["002"]["name"] == "BRI (nama baru)" and after["changes"]["999"]["cutoff"] == "15:00"
    assert audited[0].before["rows"]["002"]["name"] != "BRI (nama baru)" and "999" not in audited[0].before["rows"]


def test_banks_may_name_their_head_office_zone(engine: Engine, tmp_path: Path) -> None:
    banks = tmp_path / "banks.csv"
    banks.write_text(
        "bank_code,name,kind,cutoff,timezone\n126,BPD Sulselbar,bank,15:00,WITA\n"
        "132,BPD Papua,bank,15:00,Asia/Jayapura\n999,Bank Baru,bank,,\n"
    )
    assert CliRunner().invoke(main, ["master", "import", "banks", str(banks)]).exit_code == 0
    with engine.connect() as conn:
        zones = dict(
            conn.execute(text("SELECT bank_code, timezone FROM bank WHERE bank_code IN ('126', '132', '999')")).all()
        )
    assert zones == {"126": "Asia/Makassar", "132": "Asia/Jayapura", "999": "Asia/Jakarta"}
    banks.write_text("bank_code,name,kind,timezone\n126,BPD Sulselbar,bank,UTC+8\n")
    result = CliRunner().invoke(main, ["master", "import", "banks", str(banks)])
    assert result.exit_code == 2 and f"{banks}:2: timezone: harus WIB, WITA atau WIT" in result.output


def test_master_import_rejects_bad_rows_with_line_and_column(engine: Engine, tmp_path: Path) -> None:
    kpp = tmp_path / "kpp.csv"
    kpp.write_text("kpp_code,name,kanwil_code\n21,KPP Baru,080\n")
    result = CliRunner().invoke(main, ["master", "import", "kpp", str(kpp)])
    assert result.exit_code == 2
    assert f"{kpp}:2: kpp_code: harus 3 digit" in result.output
    with engine.connect() as conn:  # nothing changed; the rejection itself is audited and the file kept
        [(action, kept)] = conn.execute(text("SELECT action, after->>'kept_path' FROM audit_log")).all()
    assert action == "master.rejected" and Path(kept).read_bytes() == kpp.read_bytes()
    assert "kpp_code: harus 3 digit" in Path(f"{kept}.errors.txt").read_text(encoding="utf-8")


def test_demo_prints_the_demo_logins(db_url: str) -> None:
    result = CliRunner().invoke(main, ["demo", "--no-serve", "--days", "1", "--rows-per-day", "50"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    start = lines.index("Demo logins (password: demo):")
    assert [line.split()[:2] for line in lines[start + 1 : start + 8]] == [
        ["kasubdit", "kasubdit"],
        ["kasi", "kasi"],
        ["pelaksana", "pelaksana"],
        ["petugas", "petugas_mpn"],
        ["tu", "tu"],
        ["manajemen", "manajemen"],
        ["admin", "admin"],
    ]
    assert "Kepala Subdirektorat" in lines[start + 1]
    assert CliRunner().invoke(main, ["demo", "--no-serve", "--days", "0"]).exit_code == 2


def test_an_unreachable_database_is_one_clear_line_and_exit_1(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("MPN_DATABASE_URL", "postgresql+psycopg2://postgres@127.0.0.1:9/mpn")
    monkeypatch.setenv("MPN_DATA_DIR", str(tmp_path))

    answer = mpn("users", "list")

    assert answer.returncode == 1
    assert answer.stderr.startswith("error: the database cannot be reached:")
    assert "Traceback" not in answer.stderr
