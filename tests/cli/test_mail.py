"""`mpn mail send|outbox` and users' e-mail addresses from the shell, against a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import Engine

from cli.main import main
from jobs.mail.sink import free_port
from queries.accounts.users import user_by_name
from queries.mail import outbox as q
from queries.mail.read import OUTBOX_COLUMNS
from tests.conftest import SmtpServer

NOW = datetime(2026, 12, 4, 9, 0, tzinfo=ZoneInfo("Asia/Jakarta"))


def mpn(*args: str, stdin: str | None = None) -> Result:
    return CliRunner().invoke(main, list(args), input=stdin)


def queue(engine: Engine, subject: str, *, to: str = "kasi@djpb.example") -> q.Queued:
    with engine.begin() as conn:
        return q.enqueue(conn, kind="alert", to=[to], subject=subject, text_body="Batch BNI belum diterima.", now=NOW)


def test_send_without_a_server_says_so_and_exits_1(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MPN_SMTP_URL", raising=False)
    queue(engine, "Peringatan: batch terlambat")

    result = mpn("mail", "send")

    assert result.exit_code == 1
    assert "no mail server configured: set MPN_SMTP_URL" in result.output
    outbox = json.loads(mpn("mail", "outbox", "--format", "json").output)
    assert [m["status"] for m in outbox] == ["queued"]


def test_a_bad_smtp_url_is_bad_input_and_an_unreachable_server_exits_1(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    queue(engine, "Peringatan")
    monkeypatch.setenv("MPN_SMTP_URL", "mail.example:25")
    bad = mpn("mail", "send")
    assert bad.exit_code == 2 and "expected smtp://" in bad.output

    monkeypatch.setenv("MPN_SMTP_URL", f"smtp://127.0.0.1:{free_port()}")
    down = mpn("mail", "send")
    assert down.exit_code == 1 and "tidak dapat dihubungi" in down.output


def test_send_delivers_and_prints_the_counts_and_the_outbox_lists_them(engine: Engine, smtp_server: SmtpServer) -> None:
    first = queue(engine, "Peringatan: batch BNI terlambat")
    second = queue(engine, "Ringkasan harian 04/12/2026", to="kasubdit@djpb.example")
    smtp_server.refuse(1, "554 5.7.1 Ditolak")

    result = mpn("mail", "send")

    assert result.exit_code == 0, result.output
    assert result.output.strip() == "sent 1, failed 1, queued 0"
    assert [m.message["Subject"] for m in smtp_server.messages] == ["Ringkasan harian 04/12/2026"]
    rows = json.loads(mpn("mail", "outbox", "--format", "json").output)
    assert [tuple(r) for r in rows] == [OUTBOX_COLUMNS] * 2
    by_id = {r["message_id"]: r for r in rows}
    assert (by_id[first.message_id]["status"], by_id[first.message_id]["attempts"]) == ("failed", 1)
    assert "554 5.7.1 Ditolak" in by_id[first.message_id]["error"]
    sent = by_id[second.message_id]
    assert (sent["status"], sent["to"], sent["kind"]) == ("sent", "kasubdit@djpb.example", "alert")
    assert datetime.fromisoformat(sent["sent_at"]).tzinfo is not None

    failed = list(csv.DictReader(io.StringIO(mpn("mail", "outbox", "--status", "failed").output)))
    assert [(r["message_id"], r["subject"]) for r in failed] == [(first.message_id, "Peringatan: batch BNI terlambat")]
    assert mpn("mail", "outbox", "--status", "lost").exit_code == 2


def test_users_get_an_email_address_when_added_and_later(engine: Engine) -> None:
    added = mpn("users", "add", "sari", "--role", "kasi", "--email", "sari@djpb.example", stdin="Rahasia-Kuat-2026\n")
    assert added.exit_code == 0, added.output
    bad = mpn("users", "add", "budi", "--role", "kasi", "--email", "budi@", stdin="Rahasia-Kuat-2026\n")
    assert bad.exit_code == 2 and "invalid e-mail address 'budi@'" in bad.output

    changed = mpn("users", "set-email", "sari", "Sari.R@DJPB.example")
    assert changed.exit_code == 0 and "user sari: e-mail Sari.R@djpb.example" in changed.output
    assert mpn("users", "set-email", "nobody", "x@djpb.example").exit_code == 2
    with engine.connect() as conn:
        user = user_by_name(conn, "sari")
    assert user is not None and user.email == "Sari.R@djpb.example"
