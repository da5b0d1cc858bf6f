"""The inbox pickup: import, archive, reject, wait for writers, order by kind, lock out a second pickup."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError

import jobs.imports.inbox as inbox_mod
from jobs.imports.inbox import InboxOutcome, pickup
from queries import config
from queries.db import session_lock
from tests.builders.files import BANK_HEADER, MPN_HEADER, STATEMENT_HEADER, bank_row, mpn_row, rows_of

# 01:30 on 21 November in Jakarta, still the 20th in UTC: the date folder follows MPN_TIMEZONE.
NOW = datetime(2026, 11, 20, 18, 30, tzinfo=UTC)
DAY = "2026-11-21"
LETTER = "002,2026-11-20,SP-001/BRI/XI/2026,2026-11-21,2026-11-21T08:30:00+07:00,1,1500000,Budi Santoso"


def drop(
    inbox: Path, kind: str, name: str, header: str, rows: list[str], *, age: float = 600.0, now: datetime = NOW
) -> Path:
    """Write a file into `<inbox>/<kind>/` with its mtime `age` seconds before `now`."""
    path = inbox / kind / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    stamp = (now - timedelta(seconds=age)).timestamp()
    os.utime(path, (stamp, stamp))
    return path


def names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    return tmp_path / "inbox"


def test_good_files_are_imported_and_archived_by_kind_and_pickup_date(engine: Engine, inbox: Path) -> None:
    drop(inbox, "mpn", "mpn_20261120.csv", MPN_HEADER, [mpn_row("0000000000000001"), mpn_row("0000000000000002")])
    drop(inbox, "bank", "bri_20261120.CSV", BANK_HEADER, [bank_row("0000000000000001")])

    outcome = pickup(engine, inbox, now=NOW)

    assert outcome == InboxOutcome(imported=["mpn_20261120.csv", "bri_20261120.CSV"], rows=3)
    assert outcome.ok and outcome.message == "2 berkas diimpor (3 baris), 0 ditolak, 0 sama dengan sebelumnya"
    assert rows_of(engine, "SELECT count(*) FROM mpn_record") == [(2,)]
    assert rows_of(engine, "SELECT count(*) FROM bank_batch_row") == [(1,)]
    assert names(inbox / "archive" / "mpn" / DAY) == ["mpn_20261120.csv"]
    assert names(inbox / "archive" / "bank" / DAY) == ["bri_20261120.CSV"]
    assert names(inbox / "mpn") == [] and names(inbox / "bank") == []
    assert rows_of(engine, "SELECT DISTINCT actor FROM audit_log WHERE action = 'import.file'") == [
        ("system:scheduler",)
    ]


def test_inbox_folders_are_created_and_default_to_the_data_folder(engine: Engine) -> None:
    outcome = pickup(engine, now=NOW)
    assert outcome == InboxOutcome()
    assert config.inbox_dir() == config.data_dir() / "inbox"
    assert names(config.inbox_dir()) == ["bank", "mpn", "statements"]


def test_inbox_folder_comes_from_mpn_inbox(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("MPN_INBOX", str(tmp_path / "drop"))
    assert config.inbox_dir() == (tmp_path / "drop").resolve()


def test_bad_file_is_rejected_with_its_report_and_does_not_stop_the_others(engine: Engine, inbox: Path) -> None:
    drop(inbox, "mpn", "a_bad.csv", MPN_HEADER, [mpn_row("0000000000000001"), mpn_row("12345")], age=900)
    drop(inbox, "mpn", "b_good.csv", MPN_HEADER, [mpn_row("0000000000000002")], age=600)

    outcome = pickup(engine, inbox, now=NOW)

    assert (outcome.rejected, outcome.imported, outcome.rows) == (["a_bad.csv"], ["b_good.csv"], 1)
    assert outcome.ok and outcome.message == "1 berkas diimpor (1 baris), 1 ditolak, 0 sama dengan sebelumnya"
    folder = inbox / "rejected" / "mpn" / DAY
    assert names(folder) == ["a_bad.csv", "a_bad.csv.errors.txt"]
    report = (folder / "a_bad.csv.errors.txt").read_text(encoding="utf-8")
    assert "a_bad.csv:3: ntpn: harus 16 karakter [0-9A-Z]" in report
    assert rows_of(engine, "SELECT ntpn FROM mpn_record") == [("0000000000000002",)]
    assert rows_of(engine, "SELECT file_name, status FROM import_file ORDER BY import_id") == [
        ("a_bad.csv", "rejected"),
        ("b_good.csv", "imported"),
    ]


def test_same_content_again_is_archived_as_duplicate_under_a_new_name(engine: Engine, inbox: Path) -> None:
    drop(inbox, "mpn", "mpn.csv", MPN_HEADER, [mpn_row()])
    assert pickup(engine, inbox, now=NOW).imported == ["mpn.csv"]
    drop(inbox, "mpn", "mpn.csv", MPN_HEADER, [mpn_row()])

    outcome = pickup(engine, inbox, now=NOW)

    assert outcome == InboxOutcome(duplicates=["mpn.csv"])
    assert outcome.message == "0 berkas diimpor (0 baris), 0 ditolak, 1 sama dengan sebelumnya"
    assert names(inbox / "archive" / "mpn" / DAY) == ["mpn.1.csv", "mpn.csv"]
    assert rows_of(engine, "SELECT count(*) FROM mpn_record") == [(1,)]


def test_rejected_name_clash_gets_a_suffix_and_its_own_report(engine: Engine, inbox: Path) -> None:
    for _ in range(2):
        drop(inbox, "bank", "bad.csv", BANK_HEADER, [bank_row(amount="0")])
        assert pickup(engine, inbox, now=NOW).rejected == ["bad.csv"]
    assert names(inbox / "rejected" / "bank" / DAY) == [
        "bad.1.csv",
        "bad.1.csv.errors.txt",
        "bad.csv",
        "bad.csv.errors.txt",
    ]


def test_files_still_being_written_are_left_for_the_next_run(engine: Engine, inbox: Path) -> None:
    drop(inbox, "mpn", "young.csv", MPN_HEADER, [mpn_row("0000000000000001")], age=1)
    drop(inbox, "mpn", "upload.csv.part", MPN_HEADER, [mpn_row("0000000000000002")])
    drop(inbox, "mpn", "upload.tmp", MPN_HEADER, [mpn_row("0000000000000003")])
    drop(inbox, "mpn", ".hidden.csv", MPN_HEADER, [mpn_row("0000000000000004")])
    drop(inbox, "mpn", "notes.txt", MPN_HEADER, [mpn_row("0000000000000005")])
    (inbox / "mpn" / "folder.csv").mkdir()

    outcome = pickup(engine, inbox, now=NOW)

    assert outcome == InboxOutcome(waiting=["young.csv"])
    assert outcome.message.endswith(", 1 belum selesai ditulis")
    assert names(inbox / "mpn") == [
        ".hidden.csv",
        "folder.csv",
        "notes.txt",
        "upload.csv.part",
        "upload.tmp",
        "young.csv",
    ]
    assert rows_of(engine, "SELECT count(*) FROM import_file") == [(0,)]
    assert pickup(engine, inbox, now=NOW + timedelta(seconds=10)).imported == ["young.csv"]


def test_a_file_that_grows_between_two_looks_is_left(
    engine: Engine, inbox: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    growing = drop(inbox, "mpn", "growing.csv", MPN_HEADER, [mpn_row("0000000000000001")], age=30)
    drop(inbox, "mpn", "settled.csv", MPN_HEADER, [mpn_row("0000000000000002")], age=30)

    def keep_writing(seconds: float) -> None:
        with open(growing, "a", encoding="utf-8") as f:
            f.write(mpn_row("0000000000000003") + "\n")

    monkeypatch.setattr(inbox_mod, "time", SimpleNamespace(sleep=keep_writing))
    outcome = pickup(engine, inbox, now=NOW)

    assert (outcome.imported, outcome.waiting) == (["settled.csv"], ["growing.csv"])
    assert names(inbox / "mpn") == ["growing.csv"]


def test_bank_batch_is_imported_before_the_statement_letter_dropped_with_it(engine: Engine, inbox: Path) -> None:
    drop(inbox, "statements", "letter.csv", STATEMENT_HEADER, [LETTER], age=900)
    drop(inbox, "bank", "b_later.csv", BANK_HEADER, [bank_row("0000000000000002", amount="2000")], age=300)
    drop(inbox, "bank", "a_same_time.csv", BANK_HEADER, [bank_row("0000000000000001", bank="008")], age=600)
    drop(inbox, "bank", "z_same_time.csv", BANK_HEADER, [bank_row("0000000000000001", bank="009")], age=600)
    drop(inbox, "mpn", "mpn.csv", MPN_HEADER, [mpn_row()], age=100)

    outcome = pickup(engine, inbox, now=NOW)

    assert outcome.imported == ["mpn.csv", "a_same_time.csv", "z_same_time.csv", "b_later.csv", "letter.csv"]
    assert rows_of(engine, "SELECT kind, file_name FROM import_file ORDER BY import_id") == [
        ("mpn", "mpn.csv"),
        ("bank", "a_same_time.csv"),
        ("bank", "z_same_time.csv"),
        ("bank", "b_later.csv"),
        ("statements", "letter.csv"),
    ]


def test_received_at_is_the_files_mtime(engine: Engine, inbox: Path) -> None:
    path = drop(inbox, "bank", "late.csv", BANK_HEADER, [bank_row()], age=7200)
    mtime = datetime.fromtimestamp(path.stat().st_mtime, UTC)

    pickup(engine, inbox, now=NOW)

    assert rows_of(engine, "SELECT received_at FROM import_file") == [(mtime,)]
    assert rows_of(engine, "SELECT received_at FROM bank_batch") == [(mtime,)]


def test_a_second_pickup_returns_at_once_without_importing(engine: Engine, inbox: Path) -> None:
    drop(inbox, "mpn", "mpn.csv", MPN_HEADER, [mpn_row()])

    with session_lock(engine, "inbox"):  # the lock a running pickup holds
        outcome = pickup(engine, inbox, now=NOW)

    assert outcome == InboxOutcome(busy=True)
    assert "sedang berjalan" in outcome.message
    assert names(inbox / "mpn") == ["mpn.csv"]
    assert rows_of(engine, "SELECT count(*) FROM import_file") == [(0,)]
    assert pickup(engine, inbox, now=NOW).imported == ["mpn.csv"]  # the lock was released
    with engine.connect() as conn:
        ours = text(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND database = "
            "(SELECT oid FROM pg_database WHERE datname = current_database())"
        )
        assert conn.execute(ours).scalar_one() == 0


def test_a_database_error_leaves_the_file_and_fails_the_job_after_trying_the_rest(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    inbox, now = config.inbox_dir(), datetime.now(UTC)  # pickup() reads the clock
    drop(inbox, "mpn", "a_unlucky.csv", MPN_HEADER, [mpn_row("0000000000000001")], age=900, now=now)
    drop(inbox, "mpn", "b_fine.csv", MPN_HEADER, [mpn_row("0000000000000002")], age=600, now=now)
    real_import = inbox_mod.import_file

    def flaky(engine: Engine, kind: str, path: Path, **kw: object):  # type: ignore[no-untyped-def]
        if Path(path).name == "a_unlucky.csv":
            raise OperationalError("INSERT", {}, Exception("server closed the connection unexpectedly"))
        return real_import(engine, kind, path, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(inbox_mod, "import_file", flaky)
    outcome = pickup(engine)  # the scheduler's call: default inbox, the clock's now

    assert not outcome.ok and outcome.imported == ["b_fine.csv"]
    assert len(outcome.left) == 1
    assert outcome.left[0].startswith("mpn/a_unlucky.csv: OperationalError: ")
    assert "server closed the connection" in outcome.left[0]
    assert outcome.message == (
        "1 berkas diimpor (1 baris), 0 ditolak, 0 sama dengan sebelumnya, 1 gagal (tetap di kotak masuk)"
    )
    assert names(inbox / "mpn") == ["a_unlucky.csv"]
    assert names(inbox / "archive" / "mpn" / now.astimezone(config.timezone()).date().isoformat()) == ["b_fine.csv"]
    monkeypatch.setattr(inbox_mod, "import_file", real_import)
    assert pickup(engine).imported == ["a_unlucky.csv"]


def test_files_that_once_crashed_the_importer_are_rejected_and_moved(engine: Engine, inbox: Path) -> None:
    drop(inbox, "mpn", "nul.csv", MPN_HEADER, [mpn_row().replace("PT Maju Jaya", "PT\x00Maju")])
    cr_only = drop(inbox, "bank", "cr.csv", BANK_HEADER, [bank_row()])
    cr_only.write_bytes(cr_only.read_bytes().replace(b"\n", b"\r"))
    os.utime(cr_only, ((NOW - timedelta(minutes=10)).timestamp(),) * 2)
    drop(inbox, "statements", "fields.csv", STATEMENT_HEADER, [LETTER + ",extra"])
    drop(inbox, "statements", "future.csv", STATEMENT_HEADER, [LETTER.replace("2026-11-21T08:30", "2099-11-21T08:30")])

    outcome = pickup(engine, inbox, now=NOW)

    assert outcome.ok and outcome.rejected == ["nul.csv", "cr.csv", "fields.csv", "future.csv"]
    assert names(inbox / "mpn") == names(inbox / "bank") == names(inbox / "statements") == []
    reports = {kind: (inbox / "rejected" / kind / DAY) for kind in ("mpn", "bank", "statements")}
    assert "nul.csv:2: taxpayer_name: berisi karakter kontrol" in (reports["mpn"] / "nul.csv.errors.txt").read_text()
    assert (reports["bank"] / "cr.csv.errors.txt").read_text().startswith("cr.csv:1: -: baris diakhiri CR saja")
    assert "fields.csv:2: -: baris berisi 9 nilai" in (reports["statements"] / "fields.csv.errors.txt").read_text()
    assert (
        "future.csv:2: received_at: tanggal 2099-11-21" in (reports["statements"] / "future.csv.errors.txt").read_text()
    )
    assert rows_of(engine, "SELECT count(*), count(*) FILTER (WHERE status = 'rejected') FROM import_file") == [(4, 4)]


def test_a_rejected_file_that_could_not_be_moved_is_not_checked_again(engine: Engine, inbox: Path) -> None:
    drop(inbox, "bank", "bad.csv", BANK_HEADER, [bank_row(amount="0")])
    blocker = inbox / "rejected" / "bank" / DAY
    blocker.parent.mkdir(parents=True)
    blocker.write_text("not a folder")

    stuck = pickup(engine, inbox, now=NOW)

    assert stuck.rejected == ["bad.csv"] and not stuck.ok
    assert stuck.left[0].startswith("bank/bad.csv: ditolak, tetapi tidak dapat dipindahkan: ")
    assert names(inbox / "bank") == ["bad.csv"]
    blocker.unlink()

    moved = pickup(engine, inbox, now=NOW + timedelta(minutes=1))

    assert moved.ok and moved.rejected == ["bad.csv"] and names(inbox / "bank") == []
    assert "bad.csv:2: amount: harus rupiah bulat lebih dari nol" in (blocker / "bad.csv.errors.txt").read_text()
    assert rows_of(engine, "SELECT count(*) FROM import_file") == [(1,)]  # checked, logged and audited once
    assert rows_of(engine, "SELECT count(*) FROM audit_log WHERE action = 'import.rejected'") == [(1,)]
