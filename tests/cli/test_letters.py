"""`mpn letters`: draft, paraf, signature and sending from the shell, with the dashboard's role rules and exit codes."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from pypdf import PdfReader
from sqlalchemy import Engine, text

from cli.letters import COLUMNS
from cli.main import main
from queries.accounts.audit import Actor
from queries.accounts.users import add_user
from queries.letters.appeals import today_local
from tests.builders.reconciliation import Day, clean
from tests.builders.work import make_people


def mpn(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


@pytest.fixture
def missing(engine: Engine) -> Engine:
    """Staff (ani pelaksana, budi kasi, dedi kasubdit, maya manajemen, tina tu) and bank 002's payments and batch
    on 2026-11-20 without a statement letter."""
    make_people(engine)
    with engine.begin() as conn:
        add_user(conn, username="tina", role="tu", password="demo", actor=Actor.system("test"), policy=False)
    Day(clean(2)).load(engine, letters=False)
    return engine


def drafted() -> int:
    out = mpn("letters", "draft", "--date", "2026-11-20")
    assert out.exit_code == 0, out.output
    [line] = out.output.splitlines()
    letter_id, bank, status = line.split()
    assert (bank, status) == ("002", "draft")
    return int(letter_id)


def refused(result: Result, message: str) -> None:
    assert result.exit_code == 2, result.output
    assert message in result.stderr, result.stderr
    assert result.stdout == ""


def test_full_flow_draft_initial_sign_send_then_list(missing: Engine) -> None:
    letter_id = drafted()
    again = mpn("letters", "draft", "--date", "2026-11-20")
    assert again.exit_code == 0 and again.output == f"{letter_id} 002 draft\n"  # the open draft, not a second one

    initialled = mpn("letters", "initial", str(letter_id), "--user", "budi", "--note", "sudah dicek")
    assert initialled.exit_code == 0 and initialled.output == f"{letter_id} 002 initialled\n"
    signed = mpn("letters", "sign", str(letter_id), "--user", "dedi")
    number = f"S-1/PJ.10/{today_local().year}"
    assert signed.exit_code == 0 and signed.output == f"{letter_id} 002 signed {number}\n"
    sent = mpn("letters", "send", str(letter_id), "--user", "tina", "--agenda", "AG-0077")
    assert sent.exit_code == 0 and sent.output == f"{letter_id} 002 sent\n"

    listed = mpn("letters", "list", "--format", "json")
    assert listed.exit_code == 0, listed.output
    [row] = json.loads(listed.output)
    assert list(row) == list(COLUMNS)
    assert row["letter_id"] == letter_id and row["bank_code"] == "002"
    assert row["bank_name"] == "PT Bank Rakyat Indonesia (Persero) Tbk"
    assert row["business_dates"] == ["2026-11-20"] and row["status"] == "sent"
    assert (row["letter_number"], row["letter_date"], row["sent_on"]) == (
        number,
        today_local().isoformat(),
        today_local().isoformat(),
    )
    assert (row["drafted_by"], row["initialled_by"], row["signed_by"], row["sent_by"]) == (
        "sistem",
        "budi",
        "dedi",
        "tina",
    )
    assert row["agenda_number"] == "AG-0077" and row["answered_at"] is None
    assert row["due_on"] > row["sent_on"] and row["overdue"] is False

    as_csv = list(csv.DictReader(io.StringIO(mpn("letters", "list").output)))
    assert as_csv == [
        {**{k: "" if v is None else str(v) for k, v in row.items()}, "business_dates": "2026-11-20", "overdue": "false"}
    ]
    assert mpn("letters", "list", "--status", "draft").output == ",".join(COLUMNS) + "\n"
    assert len(json.loads(mpn("letters", "list", "--status", "open", "--format", "json").output)) == 1

    with missing.connect() as conn:
        actions = conn.execute(
            text("SELECT actor, action FROM audit_log WHERE action LIKE 'letter.%' ORDER BY seq")
        ).all()
    assert [tuple(a) for a in actions] == [
        ("sistem", "letter.draft"),
        ("budi", "letter.initial"),
        ("dedi", "letter.sign"),
        ("tina", "letter.send"),
    ]


def test_draft_as_a_user_records_the_drafter_and_refuses_other_roles(missing: Engine) -> None:
    refused(mpn("letters", "draft", "--date", "2026-11-20", "--user", "maya"), "tidak berwenang")
    refused(mpn("letters", "draft", "--date", "2026-11-20", "--user", "nobody"), "Pengguna 'nobody' tidak dikenal")
    out = mpn("letters", "draft", "--date", "2026-11-20", "--user", "ani")
    assert out.exit_code == 0, out.output
    [row] = json.loads(mpn("letters", "list", "--format", "json").output)
    assert row["drafted_by"] == "ani" and row["status"] == "draft"


def test_wrong_role_double_paraf_and_missing_notes_exit_2_with_the_reason(missing: Engine) -> None:
    letter_id = str(drafted())
    refused(mpn("letters", "sign", letter_id, "--user", "ani"), "Peran Anda (Pelaksana) tidak berwenang")
    refused(mpn("letters", "return", letter_id, "--user", "budi"), "Catatan pengembalian wajib diisi")
    assert mpn("letters", "initial", letter_id, "--user", "budi").exit_code == 0
    refused(
        mpn("letters", "initial", letter_id, "--user", "budi"), f"Surat Himbauan #{letter_id} sudah diparaf oleh budi"
    )
    refused(mpn("letters", "send", letter_id, "--user", "tina", "--agenda", "AG-1"), "sudah diparaf oleh budi")
    assert mpn("letters", "sign", letter_id, "--user", "dedi").exit_code == 0
    refused(mpn("letters", "send", letter_id, "--user", "tina"), "Nomor agenda wajib diisi")
    refused(
        mpn("letters", "send", letter_id, "--user", "tina", "--agenda", "AG-1", "--sent-on", "2026-01-02"),
        "Tanggal kirim 02-01-2026 mendahului tanggal surat",
    )
    refused(mpn("letters", "initial", "999", "--user", "budi"), "Surat Himbauan #999 tidak ditemukan")
    refused(mpn("letters", "initial", letter_id, "--user", "nobody"), "Pengguna 'nobody' tidak dikenal")
    [row] = json.loads(mpn("letters", "list", "--format", "json").output)
    assert row["status"] == "signed" and row["agenda_number"] is None  # the refusals wrote nothing


def test_return_with_a_note_sends_the_draft_back(missing: Engine) -> None:
    letter_id = drafted()
    out = mpn("letters", "return", str(letter_id), "--user", "budi", "--note", "alamat kurang lengkap")
    assert out.exit_code == 0 and out.output == f"{letter_id} 002 returned\n"


def test_pdf_writes_the_letter(missing: Engine, tmp_path: Path) -> None:
    letter_id = drafted()
    target = tmp_path / "surat.pdf"
    out = mpn("letters", "pdf", str(letter_id), "-o", str(target))
    assert out.exit_code == 0, out.output
    content = target.read_bytes()
    assert content.startswith(b"%PDF") and f"{target}: {len(content)} bytes" in out.output
    assert "KONSEP" in PdfReader(io.BytesIO(content)).pages[0].extract_text()
    refused(mpn("letters", "pdf", "999", "-o", str(tmp_path / "x.pdf")), "Surat Himbauan #999 tidak ditemukan")
    assert not (tmp_path / "x.pdf").exists()
