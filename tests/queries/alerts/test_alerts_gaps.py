"""`scheduler_down` for an outage nobody saw live: the first evaluation after the scheduler's return records it
(opened and resolved, with its length), once; an outage caught live is not recorded again."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Engine, text

from queries.alerts import alerts, evaluate
from tests.builders.alerts import DAY, at, scheduler


def run(engine: Engine, now: datetime) -> None:
    with engine.begin() as conn:
        evaluate(conn, now=now, notify=False)


def downs(engine: Engine, now: datetime) -> list:
    with engine.connect() as conn:
        return [a for a in alerts(conn, now=now, status="all") if a.rule == "scheduler_down"]


def test_an_outage_between_evaluations_is_recorded_when_the_scheduler_returns(engine: Engine) -> None:
    with engine.begin() as conn:
        scheduler(conn, "pagi", at(DAY, 6, 0), at(DAY, 10, 0))
        scheduler(conn, "siang", at(DAY, 10, 20), at(DAY, 10, 40))  # nobody evaluated from 10:00 to 10:20
    run(engine, at(DAY, 10, 40))
    (alert,) = downs(engine, at(DAY, 10, 40))
    assert (alert.status, alert.resolved_at) == ("resolved", at(DAY, 10, 20))
    assert alert.deadline == at(DAY, 10, 1) + timedelta(seconds=30)  # 90 s after the last heartbeat
    assert alert.late_minutes == 19  # 10:01:30 -> 10:20, a started minute counted
    assert "Tercatat setelahnya" in alert.detail and "(20 menit)" in alert.detail

    run(engine, at(DAY, 10, 41))  # evaluating again records nothing more
    (again,) = downs(engine, at(DAY, 10, 41))
    assert again.detail == alert.detail


def test_an_outage_seen_live_is_not_recorded_twice_and_a_later_one_joins_the_days_alert(engine: Engine) -> None:
    with engine.begin() as conn:
        scheduler(conn, "pagi", at(DAY, 6, 0), at(DAY, 10, 0))
    run(engine, at(DAY, 10, 5))  # seen live
    with engine.begin() as conn:
        scheduler(conn, "siang", at(DAY, 10, 20), at(DAY, 10, 21))
    run(engine, at(DAY, 10, 21))
    (alert,) = downs(engine, at(DAY, 10, 21))
    assert (alert.status, alert.late_minutes) == ("resolved", 19)
    assert "Tercatat setelahnya" not in alert.detail

    with engine.begin() as conn:  # beats until 13:00, then down to 14:00 with nobody looking
        conn.execute(
            text("UPDATE scheduler_instance SET heartbeat_at = :t WHERE instance_id = 'siang'"), {"t": at(DAY, 13, 0)}
        )
        scheduler(conn, "sore", at(DAY, 14, 0), at(DAY, 14, 30))
    run(engine, at(DAY, 14, 30))
    run(engine, at(DAY, 14, 31))
    (alert,) = downs(engine, at(DAY, 14, 31))
    assert alert.detail.count("Tercatat setelahnya") == 1 and "(60 menit)" in alert.detail
