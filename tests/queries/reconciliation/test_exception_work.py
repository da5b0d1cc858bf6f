"""Working an exception (R7-R9): status flow through a kasi's approval, roles, coexistence with reconciliation,
adjustments that never edit imported data, the R9 order rule, ages in working days, and the audit of every step."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from sqlalchemy import Engine, text

from jobs.reconciliation.run import reconcile
from queries.accounts.users import User
from queries.reconciliation.adjust import NeedsNotaPerbaikan, approve_adjustment, reject_adjustment, request_adjustment
from queries.reconciliation.berita_acara import record_nota_perbaikan, register_berita_acara
from queries.reconciliation.exception_detail import exception_age_buckets, exception_detail
from queries.reconciliation.model import CAUSES
from queries.reconciliation.work import (
    WorkRefused,
    acts_for,
    approve_resolution,
    assign,
    comment,
    exception_row,
    reject_resolution,
    request_resolution,
    start_clarification,
)
from tests.builders.reconciliation import D2, D3, Day, batch, clean, ntpn
from tests.builders.work import (
    amount_mismatch,
    audit_actions,
    exception,
    exception_id,
    missing_in_bank,
    refused,
)


def test_cause_codes_in_the_database_match_the_labelled_list(engine: Engine) -> None:
    with engine.connect() as conn:
        assert list(conn.execute(text("SELECT cause FROM exception_cause ORDER BY sort_order")).scalars()) == list(
            CAUSES
        )


def test_open_to_clarification_to_resolved_after_kasi_approval(engine: Engine, people: dict[str, User]) -> None:
    exc_id = missing_in_bank(engine)
    with engine.begin() as conn:
        assert (
            start_clarification(conn, exc_id, actor=people["ani"], note="Bank dihubungi").status == "in_clarification"
        )
    with engine.begin() as conn:
        asked = request_resolution(
            conn, exc_id, cause="late_file", note="Batch susulan sudah diterima", actor=people["ani"]
        )
    assert (asked.status, asked.next_role, asked.made_by) == ("pending", "kasi", "ani")
    assert exception(engine, exc_id)["status"] == "in_clarification"  # nothing changes before the approval
    with engine.begin() as conn:
        done = approve_resolution(conn, exc_id, actor=people["budi"], note="ok")
    assert (done.status, done.cause, done.note, done.resolved_by, done.request_id, done.closed_by_data) == (
        "resolved",
        "late_file",
        "Batch susulan sudah diterima",
        "ani",
        asked.request_id,
        False,
    )
    assert done.resolved_at is not None and done.cause_label == "Berkas terlambat"
    assert audit_actions(engine)[1:] == ["user.add"] * 4 + [
        "reconcile.run",
        "exception.clarify",
        "approval.request",
        "approval.approve",
        "exception.resolve",
    ]
    with engine.connect() as conn:
        detail = exception_detail(conn, exc_id)
    assert detail.closed_by == "budi"  # closed by the kasi who approved, not the pelaksana who asked
    from dashboard.pages.rekonsiliasi.view import _closed_text

    assert _closed_text(detail).endswith("oleh budi (disetujui; diajukan ani)")


def test_maker_cannot_approve_own_resolution(engine: Engine, people: dict[str, User]) -> None:
    exc_id = missing_in_bank(engine)
    with engine.begin() as conn:
        request_resolution(conn, exc_id, cause="other", note="catatan", actor=people["ani"])
    message = refused(engine, approve_resolution, exc_id, actor=people["ani"])
    assert message == "Anda tidak dapat menyetujui pengajuan Anda sendiri."
    assert exception(engine, exc_id)["status"] == "open"


def test_wrong_roles_are_refused_with_the_allowed_roles(engine: Engine, people: dict[str, User]) -> None:
    exc_id = missing_in_bank(engine)
    assert (
        refused(engine, start_clarification, exc_id, actor=people["maya"])
        == "Peran Anda (Manajemen) tidak dapat memulai klarifikasi; yang dapat: Pelaksana, Petugas Sistem MPN."
    )
    assert "tidak dapat mengajukan penyelesaian" in refused(
        engine, request_resolution, exc_id, cause="other", note="x", actor=people["budi"]
    )
    with engine.begin() as conn:
        request_resolution(conn, exc_id, cause="other", note="x", actor=people["ani"])
    assert "tidak berwenang menyetujui" in refused(engine, approve_resolution, exc_id, actor=people["putu"])
    assert "tidak berwenang menyetujui" in refused(engine, approve_resolution, exc_id, actor=people["dedi"])
    assert "tidak dikenal" in refused(engine, request_resolution, exc_id, cause="bogus", note="x", actor=people["putu"])


def test_returned_resolution_leaves_the_exception_open_to_ask_again(engine: Engine, people: dict[str, User]) -> None:
    exc_id = missing_in_bank(engine)
    with engine.begin() as conn:
        request_resolution(conn, exc_id, cause="other", note="x", actor=people["ani"])
    assert "sudah memiliki pengajuan" in refused(
        engine, request_resolution, exc_id, cause="late_file", note="y", actor=people["putu"]
    )
    with engine.begin() as conn:
        returned = reject_resolution(conn, exc_id, actor=people["budi"], note="Lengkapi bukti")
    assert returned.status == "rejected" and exception(engine, exc_id)["status"] == "open"
    with engine.begin() as conn:
        assert request_resolution(conn, exc_id, cause="late_file", note="y", actor=people["putu"]).status == "pending"


def test_resolved_by_people_never_reopens_after_a_rerun(engine: Engine, people: dict[str, User]) -> None:
    exc_id = missing_in_bank(engine)
    with engine.begin() as conn:
        request_resolution(conn, exc_id, cause="reversal_pending", note="menunggu reversal", actor=people["ani"])
        approve_resolution(conn, exc_id, actor=people["budi"])
    result = reconcile(engine, D2)  # the payment is still in no batch
    exc = exception(engine, exc_id)
    assert (exc["status"], exc["resolved_by"], exc["cause"], exc["closed_by_data"]) == (
        "resolved",
        "ani",
        "reversal_pending",
        False,
    )
    assert (result.reopened, result.opened) == (0, 0)


def test_in_clarification_closes_by_itself_when_a_resend_resolves_it(engine: Engine, people: dict[str, User]) -> None:
    exc_id = missing_in_bank(engine)
    with engine.begin() as conn:
        start_clarification(conn, exc_id, actor=people["ani"])
    batch(engine, "002", D2, clean(3))
    reconcile(engine, D2)
    exc = exception(engine, exc_id)
    assert (exc["status"], exc["closed_by_data"], exc["note"]) == ("resolved", True, "resend matched")
    assert "otomatis" in refused(engine, start_clarification, exc_id, actor=people["ani"])


def latest_request(engine: Engine, exc_id: int) -> dict[str, object]:
    with engine.connect() as conn:
        return dict(
            conn.execute(
                text("SELECT * FROM approval_request WHERE object_key = :k ORDER BY request_id DESC LIMIT 1"),
                {"k": str(exc_id)},
            )
            .mappings()
            .one()
        )


def lapse_reason(engine: Engine) -> str:
    with engine.connect() as conn:
        return str(
            conn.execute(text("SELECT after ->> 'reason' FROM audit_log WHERE action = 'approval.lapse'")).scalar_one()
        )


def test_request_lapses_when_reconciliation_changes_the_exception(engine: Engine, people: dict[str, User]) -> None:
    exc_id = amount_mismatch(engine)
    with engine.begin() as conn:
        request_resolution(conn, exc_id, cause="bank_keying_error", note="salah ketik", actor=people["ani"])
    reconcile(engine, D2)  # nothing new: the request stays pending
    assert latest_request(engine, exc_id)["status"] == "pending"
    rows = clean(2)
    batch(engine, "002", D2, [rows[0], rows[1].but(amount=2)])  # a resend, still wrong, differently
    result = reconcile(engine, D2)
    assert latest_request(engine, exc_id)["status"] == "lapsed"
    assert lapse_reason(engine) == f"isi selisih diubah oleh rekonsiliasi (run {result.run_id})"
    assert audit_actions(engine)[-2:] == ["approval.lapse", "reconcile.run"]
    assert "Tidak ada pengajuan penyelesaian" in refused(engine, approve_resolution, exc_id, actor=people["budi"])
    assert exception(engine, exc_id)["status"] == "open"
    with engine.begin() as conn:  # asked again on the new content
        assert (
            request_resolution(
                conn, exc_id, cause="bank_keying_error", note="salah ketik lagi", actor=people["ani"]
            ).status
            == "pending"
        )


def test_request_lapses_when_reconciliation_closes_the_exception(engine: Engine, people: dict[str, User]) -> None:
    exc_id = amount_mismatch(engine)
    with engine.connect() as conn:
        ref = exception_detail(conn, exc_id).bank[0].ref
    with engine.begin() as conn:
        request_adjustment(
            conn,
            exc_id,
            kind="correction",
            side="bank",
            record_ref=ref,
            changes={"amount": 20_000},
            cause="bank_keying_error",
            note="x",
            actor=people["ani"],
            effective_date=D3,
        )
    reconcile(engine, D2)  # nothing new: the adjustment stays pending
    assert latest_request(engine, exc_id)["status"] == "pending"
    batch(engine, "002", D2, clean(2))  # the bank resends it right
    result = reconcile(engine, D2)
    assert (exception(engine, exc_id)["status"], latest_request(engine, exc_id)["status"]) == ("resolved", "lapsed")
    assert lapse_reason(engine) == f"selisih ditutup otomatis oleh rekonsiliasi (run {result.run_id}): resend matched"
    assert "otomatis" in refused(engine, approve_adjustment, exc_id, actor=people["budi"])


def test_assignments_and_comments_are_kept_and_audited(engine: Engine, people: dict[str, User]) -> None:
    exc_id = missing_in_bank(engine)
    with engine.begin() as conn:
        assert assign(conn, exc_id, assignee="putu", actor=people["budi"]).assignee == "putu"
    with engine.begin() as conn:
        assign(conn, exc_id, assignee="ani", actor=people["budi"])
        comment(conn, exc_id, body="Sudah telepon bank", actor=people["ani"])
    assert "Manajemen" in refused(engine, assign, exc_id, assignee="maya", actor=people["budi"])
    assert "Hanya Kepala Seksi" in refused(engine, assign, exc_id, assignee="putu", actor=people["ani"])
    assert "wajib diisi" in refused(engine, comment, exc_id, body="  ", actor=people["ani"])
    assert "tidak dapat memberi komentar" in refused(engine, comment, exc_id, body="hi", actor=people["maya"])
    with engine.connect() as conn:
        detail = exception_detail(conn, exc_id)
    assert [(a.assignee, a.previous, a.assigned_by) for a in detail.assignments] == [
        ("putu", None, "budi"),
        ("ani", "putu", "budi"),
    ]
    assert [(c.author, c.body) for c in detail.comments] == [("ani", "Sudah telepon bank")]
    assert [e.action for e in detail.history] == [
        "exception.open",
        "exception.assign",
        "exception.assign",
        "exception.comment",
    ]
    assert audit_actions(engine)[-3:] == ["exception.assign", "exception.assign", "exception.comment"]


def test_adjustment_keeps_the_original_record_unchanged_and_visible(engine: Engine, people: dict[str, User]) -> None:
    exc_id = amount_mismatch(engine)
    with engine.connect() as conn:
        ref = exception_detail(conn, exc_id).bank[0].ref
    with engine.begin() as conn:
        asked = request_adjustment(
            conn,
            exc_id,
            kind="correction",
            side="bank",
            record_ref=ref,
            changes={"amount": 20_000},
            cause="bank_keying_error",
            note="Koreksi jumlah sesuai bukti setor",
            actor=people["ani"],
            effective_date=D3,
        )
    assert asked.summary["before"]["amount"] == 1 and asked.summary["after"]["amount"] == 20_000
    with engine.begin() as conn:
        done = approve_adjustment(conn, exc_id, actor=people["budi"])
    assert (done.status, done.cause, done.resolved_by) == ("adjusted", "bank_keying_error", "ani")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT amount FROM bank_batch_row WHERE ntpn = :n"), {"n": ntpn(2)}).scalar_one() == 1
        detail = exception_detail(conn, exc_id)
        with pytest.raises(Exception, match="final"):
            conn.execute(text("UPDATE adjustment SET note = 'x'"))
    [adj] = detail.adjustments
    assert (
        adj.kind,
        adj.side,
        adj.ref,
        adj.effective_date,
        adj.before["amount"],
        adj.after["amount"],
        adj.requested_by,
        adj.approved_by,
    ) == ("correction", "bank", ref, D3, 1, 20_000, "ani", "budi")
    assert detail.bank[0].amount == 1 and detail.differing == ("amount",)  # the original stays in view
    reconcile(engine, D2)
    assert exception(engine, exc_id)["status"] == "adjusted"
    assert audit_actions(engine)[-4:-1] == ["approval.request", "approval.approve", "exception.adjust"]


def test_adjustment_after_reconciliation_points_to_a_nota_perbaikan(engine: Engine, people: dict[str, User]) -> None:
    exc_id = amount_mismatch(engine)
    with engine.connect() as conn:
        ref = exception_detail(conn, exc_id).bank[0].ref
    message = refused(
        engine,
        request_adjustment,
        exc_id,
        kind="correction",
        side="bank",
        record_ref=ref,
        changes={"amount": 20_000},
        cause="bank_keying_error",
        note="x",
        actor=people["ani"],
    )
    assert message.startswith("Rekonsiliasi tanggal 20-11-2026 untuk bank 002 sudah selesai pada ")
    assert "Gunakan Nota Perbaikan" in message


def test_approval_is_refused_once_the_booking_date_was_reconciled_meanwhile(
    engine: Engine, people: dict[str, User]
) -> None:
    exc_id = amount_mismatch(engine)
    with engine.connect() as conn:
        ref = exception_detail(conn, exc_id).bank[0].ref
    with engine.begin() as conn:
        request_adjustment(
            conn,
            exc_id,
            kind="correction",
            side="bank",
            record_ref=ref,
            changes={"amount": 20_000},
            cause="bank_keying_error",
            note="x",
            actor=people["ani"],
            effective_date=D3,
        )
    Day(clean(1, start=50, day=D3)).load(engine)
    reconcile(engine, D3)
    assert "Nota Perbaikan" in refused(engine, approve_adjustment, exc_id, actor=people["budi"])
    with engine.begin() as conn:
        assert reject_adjustment(conn, exc_id, actor=people["budi"], note="pakai Nota Perbaikan").status == "rejected"


def test_reversal_that_lowers_mpn_revenue_is_refused(engine: Engine, people: dict[str, User]) -> None:
    exc_id = missing_in_bank(engine)
    with engine.connect() as conn:
        ref = exception_detail(conn, exc_id).mpn[0].ref
    message = refused(
        engine,
        request_adjustment,
        exc_id,
        kind="reversal",
        side="mpn",
        record_ref=ref,
        changes=None,
        cause="mpn_recording_error",
        note="x",
        actor=people["ani"],
        effective_date=D3,
    )
    assert "mengeluarkan uang dari Kas Negara" in message and "Rp 30.000" in message
    with engine.begin() as conn:  # cancelled and re-recorded with the same amount: no money leaves
        ok = request_adjustment(
            conn,
            exc_id,
            kind="reversal",
            side="mpn",
            record_ref=ref,
            changes={"ntb": "B-NEW-1"},
            cause="mpn_recording_error",
            note="x",
            actor=people["ani"],
            effective_date=D3,
        )
    assert ok.summary["after"]["amount"] == 30_000


def test_age_buckets_count_working_days_across_a_holiday(engine: Engine, people: dict[str, User]) -> None:
    rows = clean(6)
    Day(rows).load(engine, bank=rows[:1], letters=False)  # 5 missing_in_bank + missing_statement
    reconcile(engine, D2)
    as_of = date(2026, 12, 28)  # Monday after Christmas (24 cuti bersama, 25 Natal)
    opened = {
        ntpn(2): date(2026, 12, 28),
        ntpn(3): date(2026, 12, 23),
        ntpn(4): date(2026, 12, 21),
        ntpn(5): date(2026, 12, 1),
        ntpn(6): date(2026, 11, 2),
        "": date(2026, 12, 22),
    }
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO non_working_day (day, description) VALUES ('2026-12-24', 'Cuti bersama'),"
                " ('2026-12-25', 'Natal') ON CONFLICT DO NOTHING"
            )
        )
        for number, day in opened.items():
            conn.execute(
                text(
                    "UPDATE recon_exception SET business_date = :d, opened_at = (CAST(:d AS timestamp)"
                    " + interval '17 hours') AT TIME ZONE 'Asia/Jakarta' WHERE ntpn = :n"
                ),
                {"d": day, "n": number},
            )
    bank_level = exception_id(engine, "", "missing_statement")
    with engine.begin() as conn:
        start_clarification(conn, bank_level, actor=people["ani"])
        buckets = exception_age_buckets(conn, as_of=as_of)
        assert (
            exception_detail(conn, exception_id(engine, ntpn(3), "missing_in_bank"), as_of=as_of).age_working_days == 1
        )  # Wed 23 -> Mon 28: 24, 25 off, weekend
        assert (
            exception_detail(conn, exception_id(engine, ntpn(5), "missing_in_bank"), as_of=as_of).age_working_days == 17
        )
    assert [(b.label, b.total, b.open, b.in_clarification) for b in buckets] == [
        ("0-1", 2, 2, 0),
        ("2-5", 2, 1, 1),
        ("6-20", 1, 1, 0),
        (">20", 1, 1, 0),
    ]
    with engine.connect() as conn:
        later = exception_age_buckets(conn, as_of=as_of + timedelta(days=1), bank="008")
    assert sum(b.total for b in later) == 0


#: What each role may do on an open exception with an NTPN, unassigned, with no request waiting.
OPEN_ACTS = {
    "ani": {"assign", "comment", "clarify", "request", "adjust", "ba", "nota"},
    "putu": {"assign", "comment", "clarify", "request", "adjust", "ba", "nota"},
    "budi": {"assign", "reassign", "comment"},
    "dedi": {"reassign", "comment"},
    "maya": set(),
}


def test_what_each_role_may_do_on_an_open_and_a_closed_exception(engine: Engine, people: dict[str, User]) -> None:
    exc_id = missing_in_bank(engine)
    with engine.connect() as conn:
        exc = exception_row(conn, exc_id)
    assert {name: set(acts_for(user, exc)) for name, user in people.items()} == OPEN_ACTS
    assert acts_for(None, exc) == frozenset()
    with engine.begin() as conn:
        assign(conn, exc_id, assignee="ani", actor=people["ani"])
        request_resolution(conn, exc_id, cause="other", note="sudah dicek", actor=people["ani"])
    with engine.connect() as conn:
        waiting = exception_row(conn, exc_id)
    assert waiting.pending
    assert set(acts_for(people["ani"], waiting)) == {"comment", "clarify", "ba", "nota"}  # taken, asked: no more
    assert set(acts_for(people["budi"], waiting)) == {"assign", "reassign", "comment", "decide"}
    with engine.begin() as conn:
        approve_resolution(conn, exc_id, actor=people["budi"])
    with engine.connect() as conn:
        closed = exception_row(conn, exc_id)
    assert not closed.pending
    assert {name: set(acts_for(user, closed)) for name, user in people.items()} == {
        "ani": {"comment", "ba", "nota"},
        "putu": {"comment", "ba", "nota"},
        "budi": {"comment"},
        "dedi": {"comment"},
        "maya": set(),
    }


#: One command per act the page offers, run on an exception by a user.
COMMANDS: dict[str, Callable[..., object]] = {
    "assign": lambda conn, exc, user: assign(conn, exc.exception_id, assignee=user.username, actor=user),
    "reassign": lambda conn, exc, user: assign(conn, exc.exception_id, assignee="budi", actor=user),
    "comment": lambda conn, exc, user: comment(conn, exc.exception_id, body="Sudah telepon bank", actor=user),
    "clarify": lambda conn, exc, user: start_clarification(conn, exc.exception_id, actor=user),
    "request": lambda conn, exc, user: request_resolution(conn, exc.exception_id, cause="other", note="x", actor=user),
    "ba": lambda conn, exc, user: register_berita_acara(
        conn,
        number="BA-1",
        ntpn=exc.ntpn,
        bank_code=exc.bank_code,
        reason="recording_error",
        request="cancel",
        rerecord=None,
        actor=user,
    ),
    "nota": lambda conn, exc, user: record_nota_perbaikan(
        conn,
        number="NP-1",
        bank_code=exc.bank_code,
        business_date=exc.business_date,
        letter_date=D3,
        description="koreksi",
        actor=user,
    ),
}


def test_the_commands_refuse_every_act_the_page_does_not_offer(engine: Engine, people: dict[str, User]) -> None:
    exc_id = missing_in_bank(engine)
    with engine.connect() as conn:
        exc = exception_row(conn, exc_id)
    for name, user in people.items():
        offered = acts_for(user, exc)
        for act, command in COMMANDS.items():
            if act in offered:
                with engine.connect() as conn:  # the page offers it: the command does it (rolled back here)
                    command(conn, exc, user)
                    conn.rollback()
            else:
                message = refused(engine, command, exc, user)
                assert any(
                    why in message for why in ("Peran Anda", "Hanya Kepala Seksi atau", "hanya dapat ditugaskan kepada")
                ), (name, act, message)
    assert exception(engine, exc_id)["status"] == "open"


def test_only_the_reconciled_date_refusal_asks_for_a_nota_perbaikan(engine: Engine, people: dict[str, User]) -> None:
    exc_id = amount_mismatch(engine)
    with engine.connect() as conn:
        ref = exception_detail(conn, exc_id).bank[0].ref
    with pytest.raises(NeedsNotaPerbaikan) as reconciled, engine.begin() as conn:
        request_adjustment(
            conn,
            exc_id,
            kind="correction",
            side="bank",
            record_ref=ref,
            changes={"amount": 20_000},
            cause="bank_keying_error",
            note="x",
            actor=people["ani"],
        )
    assert "Gunakan Nota Perbaikan" in reconciled.value.message
    with pytest.raises(WorkRefused) as other, engine.begin() as conn:
        request_adjustment(
            conn,
            exc_id,
            kind="correction",
            side="bank",
            record_ref=ref,
            changes={"amount": 1},
            cause="bank_keying_error",
            note="x",
            actor=people["ani"],
            effective_date=D3,
        )
    assert not isinstance(other.value, NeedsNotaPerbaikan) and "sama dengan nilai sebelum" in other.value.message
