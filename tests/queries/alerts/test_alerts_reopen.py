"""A resolved duty alert whose duty goes back to missing opens again: a resent batch supersedes the one whose result
reached the bank, and the new batch's result is not at the bank within its hour. The earlier episode is kept."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, text

from queries.alerts import alerts, evaluate
from tests.builders.alerts import DAY, at, batch, payments, statement
from tests.builders.alerts import result as computed_and_sent
from tests.builders.results import delivered


def run(engine: Engine, now: datetime):  # noqa: ANN201
    with engine.begin() as conn:
        return evaluate(conn, now=now, notify=False)


def result_alert(engine: Engine, now: datetime):  # noqa: ANN201
    with engine.connect() as conn:
        (alert,) = [a for a in alerts(conn, now=now, status="all") if a.rule == "result_late"]
        facts = conn.execute(text("SELECT facts FROM alert WHERE alert_id = :i"), {"i": alert.alert_id}).scalar_one()
        return alert, facts


def test_a_resent_batch_whose_result_is_late_reopens_the_resolved_alert(engine: Engine) -> None:
    with engine.begin() as conn:
        payments(conn, DAY, ["008"])
        statement(conn, "008", DAY, at(DAY, 9, 0))
        first = batch(conn, "008", DAY, at(DAY, 10, 0))
    run(engine, at(DAY, 11, 5))
    with engine.begin() as conn:
        computed_and_sent(conn, "008", DAY, first, at(DAY, 10, 0), at(DAY, 11, 20))  # 20 minutes late
    run(engine, at(DAY, 11, 25))
    alert, _ = result_alert(engine, at(DAY, 11, 25))
    assert (alert.status, alert.late_minutes) == ("resolved", 20)

    with engine.begin() as conn:  # the bank resends its batch at 12:00; the old one is superseded
        conn.execute(
            text("UPDATE bank_batch SET superseded_at = :t WHERE batch_id = :b"), {"t": at(DAY, 12, 0), "b": first}
        )
        batch(conn, "008", DAY, at(DAY, 12, 0))
    assert run(engine, at(DAY, 12, 59)).opened == ()  # the new hour is not over
    reopened = run(engine, at(DAY, 13, 1))
    alert, facts = result_alert(engine, at(DAY, 13, 1))
    assert reopened.opened == (alert.alert_id,)
    assert (alert.status, alert.deadline, alert.late_minutes) == ("open", at(DAY, 13, 0), None)
    assert alert.detail.startswith("Terbuka lagi: tugas ini sempat selesai")
    (episode,) = facts["history"]
    assert episode["late_minutes"] == 20
    assert run(engine, at(DAY, 13, 2)).opened == ()  # evaluating again changes nothing

    with engine.begin() as conn:
        delivered(conn, "008", DAY, at(DAY, 13, 10))
    run(engine, at(DAY, 13, 15))
    alert, _ = result_alert(engine, at(DAY, 13, 15))
    assert (alert.status, alert.resolved_at, alert.late_minutes) == ("resolved", at(DAY, 13, 10), 10)
    assert run(engine, at(DAY, 11, 30)).opened == ()  # replaying an earlier moment re-opens nothing
