"""Closed dates' completeness kept: reused while settled and unchanged, read again when an input changes."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Engine

from queries.accounts.audit import Actor
from queries.monitoring import completeness as c
from queries.monitoring import completeness_kept as store
from queries.settings import set_setting
from tests.builders.completeness import store_letter
from tests.builders.reconciliation import D2, WIB, Day, batch, clean

LATER = datetime(2026, 12, 20, 12, tzinfo=WIB)  # every duty of D2 (20/11/2026) long settled
MONDAY = date(2026, 11, 23)


def trend(engine: Engine, now: datetime = LATER) -> c.Score:
    with engine.connect() as conn:
        return c.score_trend(conn, until=D2, now=now, days=1)[0].score


def fresh(engine: Engine, now: datetime = LATER) -> c.Score:
    with engine.connect() as conn:
        return c.score(c.bank_days(conn, first=D2, last=D2, now=now))


def test_a_settled_date_is_kept_and_read_again_when_its_inputs_change(engine: Engine) -> None:
    store.forget()
    Day(clean(2)).load(engine, letters=False)
    Day(clean(1, start=5, bank_code="008")).load(engine, letters=False)
    first = trend(engine)
    assert D2 in store._kept and first == fresh(engine)
    assert first.missing["statement"] == 2  # no letters: both missing
    assert trend(engine) is not first and trend(engine) == first  # kept rows, the same score
    store_letter(engine, "002", D2, datetime(2026, 11, 23, 8, tzinfo=WIB), 2, 30_000)  # a letter recorded late
    after_letter = trend(engine)
    assert after_letter.missing["statement"] == 1 and after_letter == fresh(engine)
    batch(engine, "008", D2, clean(1, start=5, bank_code="008"), received_at=datetime(2026, 11, 20, 18, tzinfo=WIB))
    after_resend = trend(engine)  # a resend after 16:00: the batch duty turns late
    assert after_resend.late["batch"] == 1 and after_resend == fresh(engine)
    with engine.begin() as conn:  # the statement letter is due two working days later now: 002's is on time
        set_setting(conn, "statement.deadline_days", "2", actor=Actor.system("test"))
    after_setting = trend(engine)
    assert after_setting == fresh(engine) and after_setting.late.get("statement", 0) == 0


def test_a_date_still_waiting_is_not_kept_and_an_earlier_now_is_computed_anew(engine: Engine) -> None:
    store.forget()  # what an earlier test's database left in this process
    Day(clean(1)).load(engine, letters=False)
    before_deadline = datetime(2026, 11, 23, 8, tzinfo=WIB)  # the statement letter is due on Monday 09:00
    waiting = trend(engine, before_deadline)
    assert waiting.waiting >= 1 and D2 not in store._kept
    settled = trend(engine)
    assert D2 in store._kept and settled.missing["statement"] == 1
    assert trend(engine, before_deadline) == waiting  # kept for a later now, never used for an earlier one
