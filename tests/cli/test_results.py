"""`mpn results list|send|approve|verify` and `mpn reconcile` sending each bank its result (CONTRACT §6)."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import Engine, text

from cli.main import main
from queries.accounts.audit import Actor
from queries.accounts.users import add_user
from queries.settings import set_setting
from tests.builders.reconciliation import Day, clean
from tests.builders.results import ADDRESS, D, set_email
from tests.conftest import SmtpServer

COLUMNS = ["bank_code", "batch_received_at", "result_at", "sent_at", "minutes_to_send", "message_id", "status"]


def mpn(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def load_day(engine: Engine) -> None:
    """Bank 002's day, its batch received five minutes ago (so its hour is still running)."""
    Day(clean(3, day=D)).load(engine)
    with engine.begin() as conn:
        conn.execute(text("UPDATE bank_batch SET received_at = :t"), {"t": datetime.now(UTC) - timedelta(minutes=5)})


def test_reconcile_sends_the_result_and_results_list_measures_it(engine: Engine, smtp_server: SmtpServer) -> None:
    set_email(engine, "002", ADDRESS)
    load_day(engine)
    code, out = mpn("reconcile", "--date", str(D))
    assert code == 0 and f"002 {D:%d/%m} v1 (antre di kotak keluar)" in out and "terkirim 1" in out
    assert len(smtp_server.messages) == 1 and smtp_server.messages[0].rcpt_tos == (ADDRESS,)

    code, out = mpn("results", "list", "--date", str(D))
    header, row = list(csv.reader(io.StringIO(out)))
    assert code == 0 and header == COLUMNS
    assert row[0] == "002" and row[6] == "sent" and row[5] == smtp_server.messages[0].message["Message-ID"]
    assert 5 <= float(row[4]) < 6  # minutes from the batch's arrival to the server's acceptance
    listed = json.loads(mpn("results", "list", "--date", str(D), "--format", "json")[1])
    assert listed[0]["sent_at"] == row[3] and listed[0]["minutes_to_send"] == float(row[4])

    code, out = mpn("reconcile", "--date", str(D))  # again: the same batch, nothing sent twice
    assert code == 0 and len(smtp_server.messages) == 1


def test_verify_tells_a_genuine_berita_acara_from_an_altered_one(
    engine: Engine, smtp_server: SmtpServer, tmp_path: Path
) -> None:
    set_email(engine, "002", ADDRESS)
    load_day(engine)
    mpn("reconcile", "--date", str(D))
    message = smtp_server.messages[0].message
    pdf = next(p for p in message.iter_attachments() if p.get_filename().endswith(".pdf")).get_payload(decode=True)
    genuine, altered = tmp_path / "asli.pdf", tmp_path / "ubah.pdf"
    genuine.write_bytes(pdf)
    altered.write_bytes(pdf + b"\n% diubah\n")  # one comment line more: a different file
    code, out = mpn("results", "verify", str(genuine))
    assert code == 0 and f"asli, HASIL-002-{D:%Y%m%d}-V1" in out
    code, out = mpn("results", "verify", str(altered))
    assert code == 1 and "bukan Berita Acara Rekonsiliasi" in out


def test_approve_sends_a_result_the_kasi_held_and_refuses_twice(engine: Engine, smtp_server: SmtpServer) -> None:
    set_email(engine, "002", ADDRESS)
    with engine.begin() as conn:
        set_setting(conn, "results.require_approval", "ya", actor=Actor.system("test"))
        add_user(conn, username="kasi", role="kasi", password="rahasia-kasi-1", actor=Actor.system("test"))
        add_user(conn, username="ani", role="pelaksana", password="rahasia-ani-1", actor=Actor.system("test"))
    load_day(engine)
    mpn("reconcile", "--date", str(D))
    assert smtp_server.messages == []
    assert mpn("results", "list", "--date", str(D))[1].rstrip().endswith("awaiting_approval")
    with engine.connect() as conn:
        result_id = conn.execute(text("SELECT result_id FROM bank_result")).scalar_one()
    code, out = mpn("results", "approve", str(result_id), "--user", "ani")
    assert code == 2 and "error:" in out and smtp_server.messages == []
    code, out = mpn("results", "approve", str(result_id), "--user", "kasi")
    assert code == 0 and out.strip().endswith(": queued")
    code, out = mpn("results", "send")
    assert code == 0 and len(smtp_server.messages) == 1
    code, out = mpn("results", "approve", str(result_id), "--user", "kasi")
    assert code == 2 and "tidak menunggu persetujuan" in out


def test_master_import_banks_takes_the_optional_email_column_and_rejects_a_bad_address(
    engine: Engine, tmp_path: Path
) -> None:
    header = "bank_code,name,kind,cutoff,timezone,email\n"
    bad = tmp_path / "banks.csv"
    bad.write_text(
        header + "002,PT Bank Rakyat Indonesia (Persero) Tbk,bank,15:00,WIB,rekon@bri.co.id\n"
        "008,PT Bank Mandiri (Persero) Tbk,bank,15:00,WIB,rekon@mandiri.co.id;bukan alamat\n",
        encoding="utf-8",
    )
    code, out = mpn("master", "import", "banks", str(bad))
    assert code == 2 and f"{bad}:3: email: alamat e-mail tidak sah" in out
    good = tmp_path / "banks-baik.csv"
    good.write_text(
        header + "002,PT Bank Rakyat Indonesia (Persero) Tbk,bank,15:00,WIB,rekon@BRI.co.id; kp@bri.co.id\n",
        encoding="utf-8",
    )
    assert mpn("master", "import", "banks", str(good))[0] == 0
    without = tmp_path / "banks-lama.csv"
    without.write_text(
        "bank_code,name,kind,cutoff,timezone\n002,PT Bank Rakyat Indonesia (Persero) Tbk,bank,15:00,WIB\n",
        encoding="utf-8",
    )
    assert mpn("master", "import", "banks", str(without))[0] == 0
    with engine.connect() as conn:
        email = conn.execute(text("SELECT email FROM bank WHERE bank_code = '002'")).scalar_one()
    assert email == "rekon@bri.co.id;kp@bri.co.id"  # checked, domain lower-cased; a file without the column keeps it
