"""`mpn import notices FILE`: a good file records its notices; a bad one is rejected whole with `FILE:LINE: column:
reason`, exit 2, kept with its report, logged and audited; the same content again is a no-op."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import Engine, text

from cli.main import main
from tests.builders.files import kept_files

HEADER = "bank_code;letter_number;letter_date;received_at;cause;period_from;period_to;duties;note"
GOOD = (
    "008;PB-01/XI/2026;2026-11-20;2026-11-20T17:30:00+07:00;communication_failure;2026-11-20T08:00:00+07:00;"
    '2026-11-20T17:00:00+07:00;"batch;statement";Jaringan terputus'
)
FM = (
    "114;FM-2/2026;2026-11-23;2026-11-23T09:00:00+07:00;force_majeure;2026-11-19T08:00:00+07:00;"
    "2026-11-21T08:00:00+07:00;batch;Banjir di pusat data"
)


def write(tmp_path: Path, rows: list[str], name: str = "pemberitahuan.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def count(engine: Engine, sql: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text(sql)).scalar_one())


def test_a_good_file_records_its_notices_and_again_is_a_no_op(engine: Engine, tmp_path: Path) -> None:
    path = write(tmp_path, [GOOD, FM])
    first = CliRunner().invoke(main, ["import", "notices", str(path)])
    assert first.exit_code == 0, first.output
    assert first.stdout.strip() == f"{path}: 2 surat pemberitahuan dicatat"
    with engine.connect() as conn:
        rows = conn.execute(
            text("""SELECT bank_code, cause, duties, first_date::text, last_date::text, recorded_by
                                      FROM disruption_notice ORDER BY bank_code""")
        ).all()
    assert [tuple(r) for r in rows] == [
        ("008", "communication_failure", ["batch", "statement"], "2026-11-20", "2026-11-23", "system:cli"),
        ("114", "force_majeure", ["batch"], "2026-11-19", "2026-11-23", "system:cli"),
    ]  # after 15:00, Saturday: Monday
    again = CliRunner().invoke(main, ["import", "notices", str(path)])
    assert again.exit_code == 0 and "isi yang sama sudah diimpor" in again.stdout
    assert count(engine, "SELECT count(*) FROM disruption_notice") == 2
    assert count(engine, "SELECT count(*) FROM audit_log WHERE action = 'notice.record'") == 2


def test_a_bad_file_is_rejected_whole_with_file_line_column_and_kept(engine: Engine, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        [
            GOOD,
            GOOD.replace("008;", "999;"),
            GOOD.replace("PB-01", "PB-02").replace("communication_failure", "hujan"),
            GOOD.replace("PB-01", "PB-03").replace("2026-11-20T17:00:00+07:00", "2026-11-20T07:00:00+07:00"),
        ],
    )
    result = CliRunner().invoke(main, ["import", "notices", str(path)])
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert lines[:-1] == [
        f"{path}:3: bank_code: bank/pos 999 tidak ada dalam data induk",
        f"{path}:4: cause: harus salah satu dari communication_failure, application_failure, force_majeure, other",
        f"{path}:5: period_to: akhir periode harus sesudah awal periode",
    ], lines
    assert lines[-1] == f"{path}: ditolak, tidak ada yang diimpor; disimpan beserta laporannya di folder rejected"
    assert count(engine, "SELECT count(*) FROM disruption_notice") == 0
    [kept] = kept_files()
    assert kept.read_bytes() == path.read_bytes()
    assert Path(f"{kept}.errors.txt").read_text(encoding="utf-8").splitlines() == lines[:-1]
    assert count(engine, "SELECT count(*) FROM import_file WHERE kind = 'notices' AND status = 'rejected'") == 1
    assert count(engine, "SELECT count(*) FROM audit_log WHERE action = 'import.rejected'") == 1


def test_each_rule_names_its_line_and_column(engine: Engine, tmp_path: Path) -> None:
    rows = {
        3: (
            GOOD.replace("PB-01", "PB-05").replace("2026-11-20T17:30:00+07:00", "2027-01-20T17:30:00+07:00"),
            "received_at: tanggal 2027-01-20 lebih dari 7 hari setelah hari ini",
        ),
        4: (
            GOOD.replace("PB-01", "PB-06").replace("2026-11-20T08:00:00+07:00", "2026-11-20 08:00"),
            "period_from: harus waktu ISO 8601 dengan zona waktu",
        ),
        5: (
            GOOD.replace("PB-01", "PB-07").replace('"batch;statement"', '"batch;lhp"'),
            "duties: kewajiban tidak dikenal: lhp",
        ),
        6: (
            GOOD.replace("Jaringan terputus", "Jaringan\x01terputus").replace("PB-01", "PB-08"),
            "note: berisi karakter kontrol",
        ),
        7: (GOOD, "letter_number: surat yang sama sudah ada di baris 2"),
        8: (
            FM.replace("2026-11-21T08:00:00+07:00", "2026-11-19T20:00:00+07:00"),
            "period_to: keadaan kahar berarti jaringan terputus lebih dari satu hari",
        ),
    }
    path = write(tmp_path, [GOOD, *(row for row, _ in rows.values())])
    result = CliRunner().invoke(main, ["import", "notices", str(path)])
    assert result.exit_code == 2
    for line, (_, reason) in rows.items():
        assert any(p.startswith(f"{path}:{line}: {reason}") for p in result.stderr.splitlines()), (line, result.stderr)


def test_a_letter_recorded_with_other_content_is_refused_never_edited(engine: Engine, tmp_path: Path) -> None:
    assert CliRunner().invoke(main, ["import", "notices", str(write(tmp_path, [GOOD]))]).exit_code == 0
    changed = write(tmp_path, [GOOD.replace("Jaringan terputus", "Jaringan terputus dua hari")], "ubah.csv")
    result = CliRunner().invoke(main, ["import", "notices", str(changed)])
    assert result.exit_code == 2
    assert result.stderr.startswith(
        f"{changed}:2: letter_number: Surat pemberitahuan 008 No. PB-01/XI/2026 sudah tercatat"
    )
    with engine.connect() as conn:
        assert conn.execute(text("SELECT note FROM disruption_notice")).scalar_one() == "Jaringan terputus"
