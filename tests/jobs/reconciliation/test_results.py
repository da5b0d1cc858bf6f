"""Issue 18: a batch dropped in the inbox reaches its bank's head office as ONE message from the scheduler's cycle,
with the Berita Acara (totals equal `mpn summary`) and the CSV of differences (rows equal `mpn exceptions`)."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from pypdf import PdfReader
from sqlalchemy import Engine, text

from cli.main import main
from jobs.scheduling.definitions import BY_ID
from queries.accounts import approvals
from queries.accounts.audit import Actor
from queries.accounts.users import add_user
from queries.formatting import angka, rupiah
from queries.reconciliation import bank_results as results
from queries.reconciliation.classify import CATEGORY_LABELS
from queries.settings import set_setting
from tests.builders.files import BANK_HEADER, MPN_HEADER, bank_row, mpn_row
from tests.builders.results import ADDRESS, ADMIN, D, set_email
from tests.conftest import SmtpServer

PAID = f"{D}T10:00:00+07:00"


def drop(inbox: Path, kind: str, name: str, header: str, rows: list[str], now: datetime) -> None:
    """A file landing in the inbox ten minutes before `now` (its arrival time is its mtime)."""
    path = inbox / kind / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    stamp = (now - timedelta(minutes=10)).timestamp()
    os.utime(path, (stamp, stamp))


def cycle(engine: Engine, now: datetime) -> None:
    """One round of the scheduler's jobs, called directly with an explicit now."""
    for job in ("inbox", "reconcile_arrivals", "mail"):
        BY_ID[job].work(engine, now, actor=Actor.system("scheduler"))


@pytest.fixture
def inbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MPN_INBOX", str(tmp_path / "inbox"))
    return tmp_path / "inbox"


def first_day(engine: Engine, inbox: Path, now: datetime) -> None:
    ntpns = [f"00000000000000{i:02d}" for i in range(1, 6)]
    drop(
        inbox,
        "mpn",
        "mpn.csv",
        MPN_HEADER,
        [mpn_row(n, paid_at=PAID) for n in ntpns] + [mpn_row("0000000000000099", paid_at=PAID, bank="008")],
        now,
    )
    bank = [bank_row(n, day=str(D), paid_at=PAID) for n in ntpns[:3]]
    bank.append(bank_row(ntpns[3], day=str(D), paid_at=PAID, amount="1400000"))  # amount differs
    drop(inbox, "bank", "bri.csv", BANK_HEADER, bank, now)


def attachments(message: object) -> dict[str, bytes]:
    return {part.get_filename(): part.get_payload(decode=True) for part in message.iter_attachments()}


def test_a_batch_from_the_inbox_reaches_its_bank_once_with_pdf_and_csv(
    engine: Engine, inbox: Path, smtp_server: SmtpServer
) -> None:
    set_email(engine, "002", ADDRESS)
    now = datetime.now(UTC)
    first_day(engine, inbox, now)
    cycle(engine, now)
    cycle(engine, now + timedelta(minutes=2))

    got = [m for m in smtp_server.messages if ADDRESS in m.rcpt_tos]
    assert len(got) == 1
    message = got[0].message
    assert f"{D:%d/%m/%Y} versi 1" in message["Subject"] and "3 cocok, 3 selisih" in message["Subject"]
    files = attachments(message)
    pdf_name = f"berita-acara-rekonsiliasi_002_{D}_v1.pdf"
    assert set(files) == {pdf_name, f"daftar-selisih_002_{D}_v1.csv"}

    summary = json.loads(CliRunner().invoke(main, ["summary", "--date", str(D)]).output)
    bri = next(s for s in summary if s["bank_code"] == "002")
    pdf_text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(files[pdf_name])).pages)
    for count, amount in (
        (bri["mpn_count"], bri["mpn_amount"]),
        (bri["bank_count"], bri["bank_amount"]),
        (bri["matched_count"], bri["matched_amount"]),
    ):
        assert f"{angka(count)} {rupiah(amount)}" in pdf_text
    flat = " ".join(pdf_text.split())
    assert all(CATEGORY_LABELS[c] in flat for c in ("amount_mismatch", "missing_in_bank")) and "Versi 1" in flat

    exported = CliRunner().invoke(main, ["exceptions", "--from", str(D), "--to", str(D)]).output
    header, *rows = list(csv.reader(io.StringIO(exported)))
    mine = [r for r in rows if r[header.index("bank_code")] == "002"]
    sent_header, *sent_rows = list(csv.reader(io.StringIO(files[f"daftar-selisih_002_{D}_v1.csv"].decode())))
    assert sent_header == header and sent_rows == mine and len(mine) == 3

    code = hashlib.sha256(files[pdf_name]).hexdigest()
    body = message.get_body(("plain",)).get_content()
    assert code in body and "Nota Perbaikan" in body and "Surat Pernyataan" in body
    with engine.connect() as conn:
        audited = (
            conn.execute(
                text(
                    "SELECT after->>'pdf_sha256' FROM audit_log WHERE action = 'result.queued'"
                    " AND object_id LIKE 'HASIL-002-%'"
                )
            )
            .scalars()
            .all()
        )
    assert audited == [code]


def test_a_resend_is_a_second_version_that_replaces_the_first_and_nothing_goes_twice(
    engine: Engine, inbox: Path, smtp_server: SmtpServer
) -> None:
    set_email(engine, "002", ADDRESS)
    now = datetime.now(UTC) - timedelta(minutes=30)
    first_day(engine, inbox, now)
    cycle(engine, now)
    fixed = [bank_row(f"00000000000000{i:02d}", day=str(D), paid_at=PAID) for i in range(1, 6)]
    drop(inbox, "bank", "bri-ulang.csv", BANK_HEADER, fixed, now + timedelta(minutes=15))
    cycle(engine, now + timedelta(minutes=15))
    cycle(engine, now + timedelta(minutes=17))

    got = [m.message for m in smtp_server.messages if ADDRESS in m.rcpt_tos]
    assert [m["Subject"].split(" versi ")[1][:1] for m in got] == ["1", "2"]
    assert "5 cocok, 1 selisih" in got[1]["Subject"]  # only the statement letter is missing now
    body = got[1].get_body(("plain",)).get_content()
    assert "MENGGANTIKAN versi 1" in body and got[0]["Message-ID"] in body
    csv_rows = attachments(got[1])[f"daftar-selisih_002_{D}_v2.csv"].decode().splitlines()
    assert len(csv_rows) == 2 and ",missing_statement," in csv_rows[1]  # every payment matched
    listed = json.loads(CliRunner().invoke(main, ["results", "list", "--date", str(D), "--format", "json"]).output)
    bri = next(r for r in listed if r["bank_code"] == "002")
    assert bri["status"] == "sent" and bri["message_id"] == got[1]["Message-ID"]
    assert 0 <= bri["minutes_to_send"] < 60


def test_a_bank_without_an_address_is_shown_not_skipped_and_sent_once_it_has_one(
    engine: Engine, inbox: Path, smtp_server: SmtpServer
) -> None:
    now = datetime.now(UTC)
    first_day(engine, inbox, now)
    cycle(engine, now)
    assert smtp_server.messages == []
    listed = CliRunner().invoke(main, ["results", "list", "--date", str(D)]).output
    assert "002," in listed and listed.rstrip().endswith("no_address")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM audit_log WHERE action = 'result.no_address'")).scalar() == 1

    set_email(engine, "002", f"{ADDRESS}; kedua@bank-002.mpn-demo.localhost")
    cycle(engine, now + timedelta(minutes=1))
    cycle(engine, now + timedelta(minutes=2))
    assert len(smtp_server.messages) == 1
    assert set(smtp_server.messages[0].rcpt_tos) == {ADDRESS, "kedua@bank-002.mpn-demo.localhost"}


def test_with_approval_required_nothing_leaves_before_the_kasi_approves(
    engine: Engine, inbox: Path, smtp_server: SmtpServer
) -> None:
    set_email(engine, "002", ADDRESS)
    with engine.begin() as conn:
        set_setting(conn, results.APPROVAL_SETTING, "ya", actor=ADMIN)
        kasi = add_user(conn, username="kasi", role="kasi", password="rahasia-kasi-1", actor=ADMIN)
    now = datetime.now(UTC)
    first_day(engine, inbox, now)
    cycle(engine, now)
    cycle(engine, now + timedelta(minutes=1))
    assert smtp_server.messages == []

    with engine.begin() as conn:
        waiting = approvals.pending_for_role(conn, "kasi")
        assert len(waiting) == 1 and waiting[0].kind == results.APPROVAL_KIND
        row = results.result_row(conn, int(waiting[0].object_key))
        assert waiting[0].summary["deadline"] == row.deadline.isoformat()
        assert row.deadline == row.batch_received_at + timedelta(minutes=60)
        results.approve_result(conn, row.result_id, actor=kasi)
    cycle(engine, now + timedelta(minutes=2))
    assert len(smtp_server.messages) == 1 and ADDRESS in smtp_server.messages[0].rcpt_tos
