"""Daily completeness per bank and duty: each state at its deadline's edge (batch 16:00 WIB, result within the hour,
statement letter at its minute, distribution, a holiday), the score, the trend and who holds the approvals."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import Engine, text

from jobs.reconciliation.run import reconcile
from queries.accounts.audit import Actor
from queries.distribution import prepare as dist
from queries.monitoring import completeness as c
from tests.builders.completeness import MONDAY, at, matrix, store_letter
from tests.builders.reconciliation import D2, Day, batch, clean, letter, payments
from tests.builders.results import delivered
from tests.builders.work import make_people

SYSTEM = Actor.system("test")
WED = date(2026, 12, 23)  # then cuti bersama, Christmas and a weekend: next working day Monday 28 December


def states(row: c.BankDay) -> dict[str, str]:
    return {duty: row.status(duty).state for duty in c.DUTIES}


def test_batch_at_sixteen_wib_is_on_time_and_a_second_later_is_late(engine: Engine) -> None:
    a, b = clean(1), clean(1, start=5, bank_code="008")
    payments(engine, a + b)
    batch(engine, "002", D2, a, received_at=at(D2, 16))
    batch(engine, "008", D2, b, received_at=at(D2, 16, 0, 1))
    rows = matrix(engine, at(D2, 16, 30))
    assert rows["002"].status("batch").state == "done"
    late = rows["008"].status("batch")
    assert (late.state, late.at, late.due) == ("late", at(D2, 16, 0, 1), at(D2, 16))
    assert rows["002"].status("mpn").state == "done"


def test_missing_batch_waits_until_sixteen_and_is_missing_a_second_after(engine: Engine) -> None:
    payments(engine, clean(2))
    assert states(matrix(engine, at(D2, 15, 59))["002"])["batch"] == "waiting"
    assert states(matrix(engine, at(D2, 16))["002"])["batch"] == "waiting"
    after = states(matrix(engine, at(D2, 16, 0, 1))["002"])
    assert (after["mpn"], after["batch"], after["recon"]) == ("done", "missing", "na")


def test_a_batch_without_mpn_data_shows_the_mpn_side_missing(engine: Engine) -> None:
    batch(engine, "002", D2, clean(1), received_at=at(D2, 15, 30))
    assert matrix(engine, at(D2, 15, 45))["002"].status("mpn").state == "waiting"
    mpn = matrix(engine, at(D2, 17))["002"].status("mpn")
    assert (mpn.state, mpn.note) == ("missing", "Batch ada, data MPN belum")


def test_result_sixty_minutes_after_the_batch_is_on_time_and_sixty_one_is_late(engine: Engine) -> None:
    a, b = clean(1), clean(1, start=5, bank_code="008")
    payments(engine, a + b)
    batch(engine, "002", D2, a, received_at=at(D2, 14))
    batch(engine, "008", D2, b, received_at=at(D2, 13, 59))
    assert states(matrix(engine, at(D2, 14, 59))["002"])["recon"] == "waiting"
    assert states(matrix(engine, at(D2, 15, 0, 1))["002"])["recon"] == "missing"
    reconcile(engine, D2, as_of=at(D2, 14, 30))
    assert states(matrix(engine, at(D2, 14, 59))["002"])["recon"] == "waiting"  # computed, not at the bank yet
    with engine.begin() as conn:  # R5 is the result's delivery to the bank
        delivered(conn, "002", D2, at(D2, 15))
        delivered(conn, "008", D2, at(D2, 15))
    rows = matrix(engine, at(D2, 16))
    on_time, late = rows["002"].status("recon"), rows["008"].status("recon")
    assert (on_time.state, on_time.at, on_time.note) == ("done", at(D2, 15), "terkirim ke bank 60 menit setelah batch")
    assert (late.state, late.note) == ("late", "terkirim ke bank 61 menit setelah batch")


def test_a_resent_batch_needs_its_own_result(engine: Engine) -> None:
    rows = clean(2)
    payments(engine, rows)
    batch(engine, "002", D2, rows[:1], received_at=at(D2, 14))
    reconcile(engine, D2, as_of=at(D2, 14, 10))
    batch(engine, "002", D2, rows, received_at=at(D2, 15))
    recon = matrix(engine, at(D2, 15, 30))["002"].status("recon")
    assert (recon.state, recon.due) == ("waiting", at(D2, 16))


def test_statement_at_the_deadline_minute_is_on_time_later_late_none_waiting_then_missing(engine: Engine) -> None:
    banks = {
        "002": clean(1),
        "008": clean(1, start=5, bank_code="008"),
        "009": clean(1, start=9, bank_code="009"),
        "200": clean(1, start=20, bank_code="200"),
    }
    for rows in banks.values():
        Day(rows).load(engine, letters=False)
    deadline = at(MONDAY, 9)
    store_letter(engine, "002", D2, deadline, 1, 10_000)
    store_letter(engine, "008", D2, deadline + timedelta(seconds=1), 1, 50_000)
    store_letter(engine, "200", D2, at(D2, 17), 1, 1)  # declares another amount than the batch
    before = matrix(engine, at(MONDAY, 8, 59))
    assert before["009"].status("statement").state == "waiting"
    assert before["200"].status("statement").state == "waiting"
    rows = matrix(engine, at(MONDAY, 9, 0, 1))
    assert [rows[b].status("statement").state for b in ("002", "008", "009", "200")] == [
        "done",
        "late",
        "missing",
        "missing",
    ]
    assert rows["200"].status("statement").note == "Tidak sesuai batch"
    assert rows["002"].status("statement").due == deadline


def test_statement_deadline_skips_the_holidays_after_the_business_date(engine: Engine) -> None:
    rows = clean(1, day=WED)
    Day(rows).load(engine, letters=False)
    assert matrix(engine, at(date(2026, 12, 24), 10), WED)["002"].status("statement").state == "waiting"
    assert matrix(engine, at(date(2026, 12, 28), 9), WED)["002"].status("statement").state == "waiting"
    assert matrix(engine, at(date(2026, 12, 28), 9, 0, 1), WED)["002"].status("statement").state == "missing"
    with engine.connect() as conn:
        assert c.default_day(conn, at(date(2026, 12, 26), 10)) == WED
        assert c.default_day(conn, at(WED, 7)) == WED
        trend = c.score_trend(conn, until=date(2026, 12, 28), now=at(date(2026, 12, 28), 12), days=3)
    assert [d.business_date for d in trend] == [date(2026, 12, 22), WED, date(2026, 12, 28)]


def confirm(engine: Engine, target: str, moment: datetime) -> None:
    with engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE distribution SET status = 'approved', prepared_at = :p, approved_at = :t"
                " WHERE business_date = :d"
            ),
            {"p": moment - timedelta(hours=2), "t": moment - timedelta(hours=1), "d": D2},
        )
        conn.execute(
            text("UPDATE dist_batch SET state = 'confirmed', confirmed_at = :t WHERE target = :g"),
            {"t": moment, "g": target},
        )


def test_distribution_is_done_once_every_batch_of_the_bank_is_confirmed_and_held_banks_are_not(engine: Engine) -> None:
    Day(clean(2)).load(engine)
    Day(clean(1, start=10, bank_code="008")).load(engine, letters=False)
    reconcile(engine, D2, as_of=at(D2, 16))
    before = matrix(engine, at(D2, 17))["002"].status("sidjp")
    assert (before.state, before.note) == ("waiting", "Belum disiapkan")
    with engine.begin() as conn:
        dist.prepare(conn, D2, actor=SYSTEM)
    prepared = matrix(engine, at(D2, 17))
    assert (prepared["002"].status("sidjp").state, prepared["002"].status("sidjp").note) == (
        "waiting",
        "Belum terkonfirmasi",
    )
    assert prepared["008"].status("sidjp").note == "Ditahan: Surat pernyataan belum diterima"
    due = at(MONDAY, 17)
    confirm(engine, "sidjp", due)
    confirm(engine, "sipmod", due + timedelta(seconds=1))
    rows = matrix(engine, due + timedelta(minutes=5))
    sidjp, sipmod = rows["002"].status("sidjp"), rows["002"].status("sipmod")
    assert (sidjp.state, sidjp.at, sidjp.due) == ("done", due, due)
    assert (sipmod.state, sipmod.at) == ("late", due + timedelta(seconds=1))
    assert rows["008"].status("sidjp").state == "missing"


def test_appeal_letter_waits_until_answered_and_is_late_past_its_reply_period(engine: Engine) -> None:
    Day(clean(1)).load(engine, letters=False)
    with engine.begin() as conn:
        conn.execute(
            text("""
            INSERT INTO appeal_letter (bank_code, business_dates, addressee, status, drafted_by, letter_number,
                                       letter_date, agenda_number, sent_on)
            VALUES ('002', ARRAY[CAST(:d AS date)], 'Direksi', 'sent', 'sistem', 'S-1/PJ.10/2026', :m, 'A-1', :m)
        """),
            {"d": D2, "m": MONDAY},
        )
    waiting = matrix(engine, at(date(2026, 11, 30), 10))["002"].status("appeal")
    assert (waiting.state, waiting.letter_id, waiting.due) == ("waiting", 1, at(date(2026, 11, 30), 23, 59, 59))
    late = matrix(engine, at(date(2026, 12, 1), 8))["002"].status("appeal")
    assert (late.state, late.note) == ("late", "Lewat batas jawaban: eskalasi")
    letter(engine, "002", D2, 1, 10_000)  # the letter arrives: answered
    with engine.begin() as conn:
        conn.execute(text("UPDATE appeal_letter SET status = 'answered', answered_at = now()"))
    assert matrix(engine, at(date(2026, 12, 1), 8))["002"].status("appeal").state == "done"


def test_score_counts_expected_duties_done_on_time_and_late_and_missing_per_duty(engine: Engine) -> None:
    Day(clean(1)).load(engine)  # letter at 16:00 on the business date: on time
    payments(engine, clean(1, start=5, bank_code="008"))  # no batch, no letter
    reconcile(engine, D2, as_of=at(D2, 16))
    with engine.begin() as conn:
        delivered(conn, "002", D2, at(D2, 16, 1))  # the result reached the bank (R5)
    with engine.connect() as conn:
        day = c.day_completeness(conn, business_date=D2, now=at(MONDAY, 9, 30))
    assert [r.bank_code for r in day.rows] == ["008", "002"]  # the most missing first
    # 002: mpn, batch, recon, statement done; sidjp, sipmod missing (not prepared, due Monday 17:00 -> waiting)
    # 008: mpn done; batch missing; statement missing; distribution waiting
    s = day.score
    assert (s.done, s.expected, s.waiting) == (5, 7, 4)
    assert s.share == 5 / 7
    assert s.missing["batch"] == 1 and s.missing["statement"] == 1 and s.late["batch"] == 0


def test_trend_scores_each_working_day_in_one_read(engine: Engine) -> None:
    Day(clean(1, day=date(2026, 11, 19))).load(engine)
    Day(clean(1, start=3)).load(engine)
    with engine.connect() as conn:
        trend = c.score_trend(conn, until=MONDAY, now=at(MONDAY, 12), days=3)
    assert [d.business_date for d in trend] == [date(2026, 11, 19), D2, MONDAY]
    assert trend[-1].score.share is None and trend[-1].score.expected == 0
    assert trend[0].score.expected > 0


def test_pending_approvals_are_counted_per_role_whose_turn_it_is(engine: Engine) -> None:
    people = make_people(engine)
    Day(clean(2)).load(engine)
    reconcile(engine, D2)
    with engine.begin() as conn:
        dist.prepare(conn, D2, actor=SYSTEM)
        dist.request(conn, D2, actor=people["ani"])
    with engine.connect() as conn:
        waiting = c.pending_approvals(conn)
    assert [(p.role, p.kind, p.count, p.role_title) for p in waiting] == [("kasi", "distribution", 1, "Kepala Seksi")]
    with engine.begin() as conn:
        dist.approve(conn, D2, actor=people["budi"])
    with engine.connect() as conn:
        assert [(p.role, p.count) for p in c.pending_approvals(conn)] == [("kasubdit", 1)]
