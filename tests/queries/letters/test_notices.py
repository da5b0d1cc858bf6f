"""Disruption notices (issue 21): a late duty with a bank's written notice reads excused, counted apart, its alert
acknowledged by the notice; a notice is withdrawn, never edited; force majeure's catch-up shows what changed."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from jobs.reconciliation.run import reconcile
from queries.alerts import evaluate
from queries.letters import notice_work as w
from queries.letters.notices import EXCUSED, NoticeIn, NoticeRefused, notice_by_id
from queries.letters.statement_entry import scan
from queries.monitoring import completeness as c
from queries.monitoring.scorecard import bank_scores
from queries.reconciliation.berita_acara import linked_berita_acara, register_berita_acara
from tests.builders.reconciliation import D2, batch, clean, payments, wib
from tests.builders.work import audit_actions, make_people

NOW = wib(D2, 18)
PDF = b"%PDF-1.4 surat pemberitahuan\n%%EOF"


def notice(**changes: object) -> NoticeIn:
    values: dict[str, object] = {
        "bank_code": "008",
        "letter_number": "PB-01/XI/2026",
        "letter_date": D2,
        "received_at": wib(D2, 17),
        "cause": "communication_failure",
        "period_from": wib(D2, 8),
        "period_to": wib(D2, 17),
        "duties": ("batch", "statement"),
        "note": "Jaringan ke KPPN terputus",
    }
    return NoticeIn(**{**values, **changes})  # type: ignore[arg-type]


def record(engine: Engine, who: str = "ani", now: datetime = NOW, **changes: object) -> int:
    with engine.connect() as conn:
        if _user(conn, "ani") is None:
            make_people(engine)
    with engine.begin() as conn:
        return w.record_notice(
            conn,
            notice(**changes),
            actor=_user(conn, who),  # type: ignore[arg-type]
            scan_file=("surat.pdf", PDF),
            now=now,
        )


def _user(conn: object, name: str) -> object:
    from queries.accounts.users import user_by_name

    return user_by_name(conn, name)  # type: ignore[arg-type]


def late_batches(engine: Engine) -> None:
    """Bank 002 and 008 both send their batch at 17:00 WIB on D2, an hour after the deadline."""
    a, b = clean(2), clean(2, start=5, bank_code="008")
    payments(engine, a + b)
    batch(engine, "002", D2, a, received_at=wib(D2, 17))
    batch(engine, "008", D2, b, received_at=wib(D2, 17))


def row(engine: Engine, bank: str, now: datetime = NOW) -> c.BankDay:
    with engine.connect() as conn:
        found = c.day_completeness(conn, business_date=D2, now=now)
    return next(r for r in found.rows if r.bank_code == bank)


def test_a_late_batch_inside_the_period_reads_excused_with_its_notice_and_counts_apart(engine: Engine) -> None:
    late_batches(engine)
    notice_id = record(engine)
    excused, plain = row(engine, "008").status("batch"), row(engine, "002").status("batch")
    assert (excused.state, excused.notice_id, excused.plain_state) == (EXCUSED, notice_id, "late")
    assert excused.state_title == "Terlambat — ada pemberitahuan"
    assert "PB-01/XI/2026" in excused.note
    assert plain.state == "late"  # another bank's lateness is not excused
    with engine.connect() as conn:
        score = c.day_completeness(conn, business_date=D2, now=NOW).score
    assert (score.late["batch"], score.excused["batch"], score.excused_count) == (1, 1, 1)
    assert score.share_excusing is not None and score.share is not None
    assert score.share_excusing > score.share  # the score with and without the excused duty
    assert "notice.record" in audit_actions(engine)


def test_a_duty_the_notice_does_not_name_or_outside_its_period_stays_late(engine: Engine) -> None:
    late_batches(engine)
    record(engine, duties=("statement",))
    assert row(engine, "008").status("batch").state == "late"
    with engine.begin() as conn:
        ani = _user(conn, "ani")
        w.record_notice(conn, notice(letter_number="PB-02", period_to=wib(D2, 15, 59)), actor=ani, now=NOW)
    assert row(engine, "008").status("batch").state == "late"  # fell due at 16:00, after the period


def test_withdrawing_needs_a_reason_and_the_duty_reads_late_again_never_edited(engine: Engine) -> None:
    late_batches(engine)
    notice_id = record(engine)
    with engine.begin() as conn:
        with pytest.raises(NoticeRefused, match="Alasan penarikan wajib diisi"):
            w.withdraw_notice(conn, notice_id, actor=_user(conn, "ani"), reason=" ")  # type: ignore[arg-type]
    with engine.begin() as conn, pytest.raises(DBAPIError, match="never edited"):
        conn.execute(
            text("UPDATE disruption_notice SET note = 'diubah diam-diam' WHERE notice_id = :i"), {"i": notice_id}
        )
    with engine.begin() as conn:
        gone = w.withdraw_notice(conn, notice_id, actor=_user(conn, "budi"), reason="Surat salah tanggal")  # type: ignore[arg-type]
    assert (gone.active, gone.withdrawn_by, gone.withdrawn_reason) == (False, "budi", "Surat salah tanggal")
    assert row(engine, "008").status("batch").state == "late"
    assert "notice.withdraw" in audit_actions(engine)
    with engine.begin() as conn, pytest.raises(NoticeRefused, match="sudah ditarik"):
        w.withdraw_notice(conn, notice_id, actor=_user(conn, "budi"), reason="lagi")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("who", "changes", "reason"),
    [
        ("putu", {}, "tidak berwenang"),
        ("ani", {"received_at": wib(D2, 19)}, "Waktu terima: waktu terima di masa depan"),
        ("ani", {"period_to": wib(D2, 7)}, "Akhir gangguan: akhir periode harus sesudah awal"),
        ("ani", {"cause": "force_majeure"}, "lebih dari satu hari"),
        ("ani", {"note": "a\x00b"}, "Catatan: berisi karakter kontrol"),
        ("ani", {"bank_code": "999"}, "tidak ada dalam data induk"),
    ],
)
def test_the_form_refuses_in_indonesian_and_writes_nothing(
    engine: Engine, who: str, changes: dict[str, object], reason: str
) -> None:
    make_people(engine)
    with engine.begin() as conn, pytest.raises(NoticeRefused, match=reason):
        w.record_notice(conn, notice(**changes), actor=_user(conn, who), now=NOW)  # type: ignore[arg-type]
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM disruption_notice")).scalar_one() == 0


def test_the_scanned_letter_is_kept_as_statement_letters_are(engine: Engine) -> None:
    notice_id = record(engine)
    with engine.connect() as conn:
        found = notice_by_id(conn, notice_id)
        assert found is not None and found.scan_id is not None
        kept = scan(conn, found.scan_id)
    assert kept is not None and (kept.content, kept.file_name, kept.uploaded_by) == (PDF, "surat.pdf", "ani")


def test_an_open_alert_is_acknowledged_by_the_notice_and_reopens_when_it_is_withdrawn(engine: Engine) -> None:
    payments(engine, clean(2, bank_code="008"))  # no batch at all: batch_late opens after 16:00
    make_people(engine)
    with engine.begin() as conn:
        evaluate(conn, now=NOW, notify=False)
        status = conn.execute(text("SELECT status FROM alert WHERE rule = 'batch_late' AND bank_code = '008'")).scalar()
    assert status == "open"
    with engine.begin() as conn:
        notice_id = w.record_notice(conn, notice(), actor=_user(conn, "ani"), now=NOW)  # type: ignore[arg-type]
    with engine.connect() as conn:
        ack = conn.execute(text("SELECT status, acknowledged_by, note FROM alert WHERE rule = 'batch_late'")).one()
    assert ack.status == "acknowledged" and ack.acknowledged_by == "system:pemberitahuan"
    assert ack.note.startswith("Surat pemberitahuan 008 No. PB-01/XI/2026") and f"#{notice_id}" in ack.note
    assert row(engine, "008").status("batch").plain_state == "missing"
    with engine.begin() as conn:
        w.withdraw_notice(conn, notice_id, actor=_user(conn, "ani"), reason="Keliru")  # type: ignore[arg-type]
        assert conn.execute(text("SELECT status FROM alert WHERE rule = 'batch_late'")).scalar() == "open"
        evaluate(conn, now=NOW + timedelta(minutes=1), notify=False)  # stays open: no notice excuses it now
        assert conn.execute(text("SELECT status FROM alert WHERE rule = 'batch_late'")).scalar() == "open"


def test_an_alert_opened_after_the_notice_is_acknowledged_at_once(engine: Engine) -> None:
    payments(engine, clean(2, bank_code="008"))
    record(engine)
    with engine.begin() as conn:
        evaluate(conn, now=NOW, notify=False)
        found = conn.execute(text("SELECT status, facts ->> 'notice_id' FROM alert WHERE rule = 'batch_late'")).one()
    assert found[0] == "acknowledged" and found[1] is not None


def test_force_majeure_catch_up_reconciles_the_late_records_and_the_notice_shows_before_and_after(
    engine: Engine,
) -> None:
    rows = clean(4, bank_code="008")
    payments(engine, rows[:1])  # the link went down: only one payment reached MPN on time
    batch(engine, "008", D2, rows, received_at=wib(D2, 15))
    notice_id = record(
        engine,
        cause="force_majeure",
        period_from=wib(D2, 8),
        period_to=wib(D2 + timedelta(3), 9),
        received_at=wib(D2 + timedelta(3), 10),
        now=wib(D2 + timedelta(3), 11),
    )
    reconcile(engine, D2)
    payments(engine, rows[1:], received_at=wib(D2 + timedelta(3), 12))  # re-recorded once the link is back
    reconcile(engine, D2)
    with engine.connect() as conn:
        runs = w.catchup(conn, notice_id)
    assert [(r.business_date, r.matched_before, r.matched_after) for r in runs] == [(D2, 0, 1), (D2, 1, 4)]
    assert runs[-1].amount_after == sum(r.amount for r in rows)


def test_a_berita_acara_citing_the_disruption_links_to_the_notice(engine: Engine) -> None:
    rows = clean(3, bank_code="008")
    payments(engine, rows)
    batch(engine, "008", D2, rows, received_at=wib(D2, 15))
    reconcile(engine, D2)
    notice_id = record(engine)
    with engine.begin() as conn:
        ba = register_berita_acara(
            conn,
            number="BA-9/2026",
            ntpn=rows[0].ntpn,
            bank_code="008",
            reason="communication_failure",
            request="cancel",
            rerecord=None,
            actor=_user(conn, "ani"),
        )  # type: ignore[arg-type]
        other = register_berita_acara(
            conn,
            number="BA-10/2026",
            ntpn=rows[1].ntpn,
            bank_code="008",
            reason="recording_error",
            request="cancel",
            rerecord=None,
            actor=_user(conn, "ani"),
        )  # type: ignore[arg-type]
    with engine.connect() as conn:
        assert [b.number for b in linked_berita_acara(conn, notice_id)] == [ba.number]
        assert (
            conn.execute(text("SELECT notice_id FROM berita_acara WHERE ba_id = :i"), {"i": other.ba_id}).scalar()
            is None
        )


def test_the_scorecard_counts_excused_duties_apart_from_late_ones(engine: Engine) -> None:
    late_batches(engine)
    record(engine)
    with engine.connect() as conn:
        scores = {s.bank_code: s for s in bank_scores(conn, first=D2, last=D2, now=NOW)}
    assert (scores["002"].batches_late, scores["002"].excused) == (1, 0)
    assert (scores["008"].batches_late, scores["008"].excused) == (0, 1)
    assert scores["008"].failures_with_excused == scores["008"].failures + 1
