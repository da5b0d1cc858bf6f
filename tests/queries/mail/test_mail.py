"""The mail outbox in PostgreSQL: enqueue (validated, idempotent with a dedupe key, attachments stored once by
SHA-256), the backoff, a person's "kirim ulang" (audited) and the stranded `sending` rows."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, text

from queries.accounts.audit import Actor
from queries.accounts.users import UserError, add_user, set_email, user_by_name
from queries.mail import outbox as q
from queries.mail.read import addresses_of_roles, message_detail, outbox, status_counts

WIB = ZoneInfo("Asia/Jakarta")
NOW = datetime(2026, 12, 4, 9, 0, tzinfo=WIB)
PDF = b"%PDF-1.4 hasil rekonsiliasi"


def queue(engine: Engine, **extra: object) -> q.Queued:
    fields: dict[str, object] = {
        "kind": "result",
        "to": ["kantor.pusat@bank.example"],
        "subject": "Hasil rekon",
        "text_body": "Isi",
        "now": NOW,
        **extra,
    }
    with engine.begin() as conn:
        return q.enqueue(conn, **fields)  # type: ignore[arg-type]


def test_enqueue_stores_the_message_with_a_stable_message_id_and_attachments_by_reference(engine: Engine) -> None:
    report = q.Attachment("BA-014-20261204.pdf", "application/pdf", PDF)
    first = queue(engine, attachments=[report])
    second = queue(engine, attachments=[report], to=["Kantor.Pusat@BANK.example", "kantor.pusat@bank.example"])

    assert first.new and second.new and first.message_id != second.message_id
    assert first.message_id.startswith("<result.") and first.message_id.endswith("@localhost>")
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT count(*), min(size_bytes) FROM mail_content")).one()
        detail = message_detail(conn, second.mail_id)
    assert tuple(stored) == (1, len(PDF))  # one copy of the PDF for both messages
    assert detail is not None and detail.row.recipients == ("Kantor.Pusat@bank.example", "kantor.pusat@bank.example")
    assert detail.attachments == (("BA-014-20261204.pdf", "application/pdf", len(PDF), report.sha256),)
    assert detail.row.status == "queued" and detail.row.created_at == NOW


def test_a_dedupe_key_makes_enqueueing_idempotent(engine: Engine) -> None:
    key = "result:014:2026-12-04:v2"
    first = queue(engine, dedupe_key=key)
    again = queue(engine, dedupe_key=key, subject="Lain")

    assert again == q.Queued(first.mail_id, first.message_id, False)
    with engine.connect() as conn:
        rows = outbox(conn)
    assert [(r.message_id, r.subject) for r in rows] == [(first.message_id, "Hasil rekon")]


@pytest.mark.parametrize(
    ("field", "value", "says"),
    [
        ("to", ["bukan-alamat"], "invalid e-mail address 'bukan-alamat'"),
        ("to", [], "at least one recipient"),
        ("subject", "   ", "subject"),
        ("kind", "Hasil Rekon", "invalid message kind"),
    ],
)
def test_a_bad_message_is_refused_and_nothing_is_queued(engine: Engine, field: str, value: object, says: str) -> None:
    with pytest.raises(q.MailError, match=says):
        queue(engine, **{field: value})
    with engine.connect() as conn:
        assert status_counts(conn) == {"queued": 0, "sending": 0, "sent": 0, "failed": 0}


def test_body_gives_plain_text_and_escaped_html_with_links() -> None:
    plain, page = q.body(
        ["Bank <BNI> & kawan belum mengirim batch."],
        [("Buka Kelengkapan", q.page_url("/kelengkapan", tanggal="2026-12-04"))],
    )

    assert "Bank <BNI> & kawan" in plain
    assert "Buka Kelengkapan: http://127.0.0.1:8050/kelengkapan?tanggal=2026-12-04" in plain
    assert "Bank &lt;BNI&gt; &amp; kawan" in page and "<BNI>" not in page
    assert '<a href="http://127.0.0.1:8050/kelengkapan?tanggal=2026-12-04">Buka Kelengkapan</a>' in page


def test_backoff_doubles_from_one_minute_up_to_an_hour() -> None:
    assert [q.backoff(n) for n in (1, 2, 3, 4, 7, 8, 20)] == [timedelta(minutes=m) for m in (1, 2, 4, 8, 60, 60, 60)]


def test_retries_back_off_then_fail_after_the_last_attempt(engine: Engine) -> None:
    mail_id = queue(engine).mail_id
    statuses = []
    with engine.begin() as conn:
        for attempt in range(1, q.MAX_ATTEMPTS + 1):
            statuses.append(q.mark_retry(conn, mail_id, NOW, f"451 sibuk ({attempt})"))
            if attempt == 3:
                due = conn.execute(
                    text("SELECT not_before FROM mail_message WHERE mail_id = :m"), {"m": mail_id}
                ).scalar_one()
                assert due == NOW + timedelta(minutes=4)
        [row] = outbox(conn)
    assert statuses == ["queued"] * (q.MAX_ATTEMPTS - 1) + ["failed"]
    assert (row.attempts, row.status, row.last_error) == (q.MAX_ATTEMPTS, "failed", f"451 sibuk ({q.MAX_ATTEMPTS})")


def test_a_sending_row_is_left_alone_while_its_sender_lives_and_failed_uncertain_once_it_is_gone(
    engine: Engine,
) -> None:
    mail_id = queue(engine).mail_id
    sender = engine.connect()
    with sender.begin():
        assert q.claim_next(sender, NOW) is not None
        q.hold_sending_lock(sender, mail_id)
        q.mark_sending(sender, mail_id, NOW)
    with engine.begin() as conn:
        assert q.fail_stranded(conn) == []  # the sender still holds the lock
    sender.invalidate()  # the sender's session ends as when its process is killed
    sender.close()
    with engine.begin() as conn:
        [message_id] = q.fail_stranded(conn)
        [row] = outbox(conn)
    assert (row.message_id, row.status, row.uncertain, row.attempts) == (message_id, "failed", True, 1)
    assert "mungkin sudah menerima" in row.last_error


def test_kirim_ulang_requeues_a_failed_message_with_its_message_id_and_is_audited(engine: Engine) -> None:
    queued = queue(engine)
    with engine.begin() as conn:
        q.mark_failed(conn, queued.mail_id, "554 ditolak")
        assert q.requeue(conn, queued.mail_id, actor=Actor("kasi", "kasi", 1), now=NOW) == queued.message_id
        with pytest.raises(q.MailError, match="hanya pesan gagal"):
            q.requeue(conn, queued.mail_id, actor=Actor("kasi", "kasi", 1), now=NOW)
        [row] = outbox(conn, status="queued")
        audit = conn.execute(
            text("SELECT actor, before ->> 'error' FROM audit_log WHERE action = 'mail.requeue'")
        ).one()
    assert (row.message_id, row.attempts, row.last_error) == (queued.message_id, 0, "")
    assert tuple(audit) == ("kasi", "554 ditolak")


@pytest.mark.parametrize("role", ["pelaksana", "petugas_mpn", "tu", "manajemen"])
def test_kirim_ulang_is_refused_to_a_role_that_may_not_resend_and_nothing_changes(engine: Engine, role: str) -> None:
    queued = queue(engine)
    with engine.begin() as conn:
        q.mark_failed(conn, queued.mail_id, "554 ditolak")
    with engine.begin() as conn, pytest.raises(q.ResendRefused) as refused:
        q.requeue(conn, queued.mail_id, actor=Actor("budi", role, 2), now=NOW)
    assert "Kepala Seksi" in refused.value.message and "Administrator" in refused.value.message
    with engine.connect() as conn:
        assert [r.status for r in outbox(conn, status="failed")] == ["failed"]
        assert conn.execute(text("SELECT count(*) FROM audit_log WHERE action = 'mail.requeue'")).scalar_one() == 0


def test_users_have_an_email_address_checked_and_audited(engine: Engine) -> None:
    actor = Actor.system("test")
    with engine.begin() as conn:
        add_user(conn, username="sari", role="kasi", password="sandi-uji-123", actor=actor, email="Sari@DJPB.example")
        add_user(conn, username="budi", role="pelaksana", password="sandi-uji-123", actor=actor)
        set_email(conn, "budi", "budi@djpb.example", actor=actor)
        with pytest.raises(UserError, match="invalid e-mail address"):
            set_email(conn, "budi", "budi@", actor=actor)
        sari, budi = user_by_name(conn, "sari"), user_by_name(conn, "budi")
        heads = addresses_of_roles(conn, ("kasi", "kasubdit"))
        changes = conn.execute(text("SELECT after ->> 'email' FROM audit_log WHERE action = 'user.email'")).scalars()
        assert list(changes) == ["budi@djpb.example"]
    assert sari is not None and budi is not None
    assert (sari.email, budi.email, heads) == ("Sari@djpb.example", "budi@djpb.example", ["Sari@djpb.example"])
