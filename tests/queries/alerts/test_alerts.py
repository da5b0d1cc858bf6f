"""Alerts on a real PostgreSQL, stepping time with `now`: a day's lifecycle, a holiday, a WITA bank, the storm rule,
idempotence, snooze and re-arm, refusals, rejected files, the scheduler's heartbeat, and the agreement with
Kelengkapan."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import Engine, text

from queries.accounts.audit import Actor
from queries.accounts.users import add_user, user_by_name
from queries.alerts import AlertError, NotOwner, acknowledge, alerts, evaluate, open_count, owned_rules, snooze
from queries.alerts.model import OWNERS, RULES
from queries.monitoring.completeness import day_completeness
from queries.settings import ALERT_TOKENS, SettingError, set_setting
from tests.builders.alerts import DAY, WITA, at, batch, payments, rejected_file, result, scheduler, statement


def run(engine: Engine, now):  # noqa: ANN001, ANN201
    with engine.begin() as conn:
        return evaluate(conn, now=now)


def listed(engine: Engine, now, status: str = "all"):  # noqa: ANN001, ANN201
    with engine.connect() as conn:
        return alerts(conn, now=now, status=status)


def person(engine: Engine, name: str, role: str):  # noqa: ANN201
    with engine.begin() as conn:
        add_user(conn, username=name, role=role, password="sandi-uji-123", actor=Actor.system("test"))
        return user_by_name(conn, name)


def test_a_late_batch_opens_after_16_and_resolves_with_its_lateness(engine: Engine) -> None:
    with engine.begin() as conn:
        payments(conn, DAY, ["002", "008"])
        b = batch(conn, "008", DAY, at(DAY, 15, 30))
        result(conn, "008", DAY, b, at(DAY, 15, 30), at(DAY, 15, 45))
    assert run(engine, at(DAY, 15, 59)).message == "opened 0, resolved 0, open 0"  # before the deadline: nothing
    assert run(engine, at(DAY, 16, 0)).message == "opened 0, resolved 0, open 0"  # 16:00 itself is on time

    opened = run(engine, at(DAY, 16, 1))
    assert opened.message == "opened 1, resolved 0, open 1"
    (alert,) = listed(engine, at(DAY, 16, 1))
    assert (alert.rule, alert.business_date, alert.bank_code, alert.status) == ("batch_late", DAY, "002", "open")
    assert alert.deadline == at(DAY, 16, 0) and alert.bank_name.startswith("PT Bank Rakyat")
    assert alert.minutes_late(at(DAY, 16, 31)) == 31

    with engine.begin() as conn:
        batch(conn, "002", DAY, at(DAY, 16, 42))
    assert run(engine, at(DAY, 16, 45)).message == "opened 0, resolved 1, open 0"
    (alert,) = listed(engine, at(DAY, 16, 45))
    assert (alert.status, alert.resolved_at, alert.late_minutes) == ("resolved", at(DAY, 16, 42), 42)
    assert alert.export()["late_minutes"] == 42


def test_evaluating_twice_changes_nothing(engine: Engine) -> None:
    with engine.begin() as conn:
        payments(conn, DAY, ["002", "008", "009"])
    first = run(engine, at(DAY, 17, 0))
    with engine.connect() as conn:
        before = conn.execute(text("SELECT * FROM alert ORDER BY alert_id")).all()
    again = run(engine, at(DAY, 17, 0))
    with engine.connect() as conn:
        after = conn.execute(text("SELECT * FROM alert ORDER BY alert_id")).all()
    assert first.message == "opened 3, resolved 0, open 3"
    assert again.message == "opened 0, resolved 0, open 3"
    assert before == after


def test_the_alerts_are_the_missing_cells_of_kelengkapan(engine: Engine) -> None:
    with engine.begin() as conn:
        payments(conn, DAY, ["002", "008", "009", "200"])
        b = batch(conn, "002", DAY, at(DAY, 15, 0))
        result(conn, "002", DAY, b, at(DAY, 15, 0), at(DAY, 15, 20))
        statement(conn, "002", DAY, at(DAY, 17, 0))
        late = batch(conn, "008", DAY, at(DAY, 15, 40))  # its result never comes
        statement(conn, "009", DAY, at(DAY, 17, 0), rows=99)  # disagrees with (no) batch: not done
        assert late
    now = at(date(2026, 11, 23), 18, 0)  # Monday evening: batch, result, statement and distribution all due
    run(engine, now)
    with engine.connect() as conn:
        matrix = day_completeness(conn, business_date=DAY, now=now)
    duty = {"batch_late": "batch", "statement_late": "statement", "result_late": "recon"}
    expected = {
        (rule, row.bank_code) for row in matrix.rows for rule, d in duty.items() if row.status(d).state == "missing"
    }
    expected |= {
        ("distribution_late", row.bank_code)
        for row in matrix.rows
        if "missing" in (row.status("sidjp").state, row.status("sipmod").state)
    }
    got = {(a.rule, a.bank_code) for a in listed(engine, now)}
    assert got == expected
    assert ("result_late", "008") in got and ("batch_late", "200") in got and ("statement_late", "002") not in got


def test_no_alert_on_a_holiday_and_the_statement_deadline_skips_it(engine: Engine) -> None:
    before_christmas, christmas = date(2026, 12, 23), date(2026, 12, 24)
    with engine.begin() as conn:
        payments(conn, before_christmas, ["002"])
        b = batch(conn, "002", before_christmas, at(before_christmas, 15, 0))
        result(conn, "002", before_christmas, b, at(before_christmas, 15, 0), at(before_christmas, 15, 5))
        payments(conn, christmas, ["008"])  # data dated on the holiday: nothing is due that day
    assert run(engine, at(christmas, 17, 0)).opened == ()
    assert run(engine, at(date(2026, 12, 27), 23, 0)).opened == ()  # the letter is due Monday 09:00
    opened = run(engine, at(date(2026, 12, 28), 9, 1))
    assert [(a.rule, a.business_date) for a in listed(engine, at(date(2026, 12, 28), 9, 1))] == [
        ("statement_late", before_christmas)
    ]
    assert len(opened.opened) == 1


def test_a_wita_bank_late_in_wib_is_alerted(engine: Engine) -> None:
    with engine.begin() as conn:
        payments(conn, DAY, ["126", "129"])
        batch(conn, "129", DAY, at(DAY, 16, 50, WITA))  # 15:50 WIB: on time, though 16:50 on its own clock
    run(engine, at(DAY, 16, 30, WITA))  # 15:30 WIB: before the deadline
    assert listed(engine, at(DAY, 16, 30, WITA)) == []
    run(engine, at(DAY, 17, 1, WITA))  # 16:01 WIB: only 126 is late
    assert [a.bank_code for a in listed(engine, at(DAY, 17, 1, WITA))] == ["126"]
    with engine.begin() as conn:
        batch(conn, "126", DAY, at(DAY, 17, 20, WITA))
    run(engine, at(DAY, 17, 25, WITA))
    (alert,) = listed(engine, at(DAY, 17, 25, WITA))
    assert (alert.bank_code, alert.deadline, alert.late_minutes) == ("126", at(DAY, 16, 0), 20)


def test_more_than_fifty_at_once_open_one_summary_alert(engine: Engine) -> None:
    with engine.connect() as conn:
        banks = list(conn.execute(text("SELECT bank_code FROM bank ORDER BY bank_code")).scalars())
    assert len(banks) > 30
    days = [DAY - timedelta(days=1 + (DAY.weekday() == 0) * 2), DAY]  # Thursday and Friday
    with engine.begin() as conn:
        for day in days:
            payments(conn, day, banks)
    evaluation = run(engine, at(DAY, 16, 5))
    (storm,) = listed(engine, at(DAY, 16, 5))
    assert len(evaluation.opened) == 1 and storm.rule == "storm" and storm.bank_code is None
    assert storm.detail.startswith(f"{2 * len(banks) + len(banks)} peringatan sekaligus")  # Thu: batch+statement
    assert storm.export()["note"] == ""  # people's note column; the count is in the detail
    assert run(engine, at(DAY, 16, 6)).opened == ()  # covered duties do not open one by one
    with engine.begin() as conn:
        for day in days:
            for bank in banks:
                batch(conn, bank, day, at(DAY, 16, 30))
                statement(conn, bank, day, at(DAY, 16, 30))
    resolved = run(engine, at(DAY, 16, 40))
    assert resolved.resolved == 1
    (storm,) = listed(engine, at(DAY, 16, 40))
    assert storm.status == "resolved" and storm.late_minutes is not None and storm.late_minutes > 0


def test_snooze_rearms_and_only_owners_act(engine: Engine) -> None:
    with engine.begin() as conn:
        payments(conn, DAY, ["002"])
    run(engine, at(DAY, 16, 10))
    (alert,) = listed(engine, at(DAY, 16, 10))
    kasi, tu = person(engine, "sari", "kasi"), person(engine, "tuti", "tu")
    with engine.begin() as conn, pytest.raises(NotOwner, match="Tata Usaha tidak memegang tugas ini"):
        acknowledge(conn, alert.alert_id, user=tu, note="bukan saya", now=at(DAY, 16, 11))
    with engine.begin() as conn:
        snoozed = snooze(
            conn, alert.alert_id, user=kasi, until=at(DAY, 16, 40), note="BRI sedang kirim ulang", now=at(DAY, 16, 12)
        )
    assert snoozed.status == "snoozed" and snoozed.note == "BRI sedang kirim ulang"
    with engine.connect() as conn:
        assert open_count(conn, rules=owned_rules("kasi"), now=at(DAY, 16, 30)) == 0
        assert open_count(conn, rules=owned_rules("kasi"), now=at(DAY, 16, 41)) == 1  # shown open again at once
        audit = conn.execute(text("SELECT actor, action, object_id FROM audit_log WHERE action LIKE 'alert.%'")).all()
    assert [tuple(r) for r in audit] == [("sari", "alert.snooze", str(alert.alert_id))]
    assert run(engine, at(DAY, 16, 41)).rearmed == 1
    assert listed(engine, at(DAY, 16, 41))[0].status == "open"
    with engine.begin() as conn:
        done = acknowledge(conn, alert.alert_id, user=kasi, note="Sudah ditelepon", now=at(DAY, 16, 42))
        with pytest.raises(AlertError, match="paling lama 7 hari"):
            snooze(conn, alert.alert_id, user=kasi, until=at(DAY + timedelta(days=8), 9, 0), now=at(DAY, 16, 43))
        with pytest.raises(AlertError, match="karakter kontrol"):
            acknowledge(conn, alert.alert_id, user=kasi, note="a\x00b", now=at(DAY, 16, 43))
    assert (done.status, done.acknowledged_by) == ("acknowledged", "sari")


def test_a_rejected_file_opens_at_once_and_resolves_when_a_good_one_follows(engine: Engine) -> None:
    with engine.begin() as conn:
        rejected_file(conn, "mpn", "mpn-20261120.csv", at(DAY, 15, 12), DAY)
    run(engine, at(DAY, 15, 13))
    (alert,) = listed(engine, at(DAY, 15, 13))
    assert (alert.rule, alert.business_date, alert.bank_code) == ("file_rejected", DAY, None)
    assert "mpn-20261120.csv" in alert.detail
    assert run(engine, at(DAY, 15, 14)).opened == ()
    with engine.begin() as conn:
        payments(conn, DAY, ["002"])  # the corrected MPN file, imported at 15:10 the test helper says ...
        conn.execute(text("UPDATE import_file SET received_at = :t WHERE status = 'imported'"), {"t": at(DAY, 15, 40)})
    run(engine, at(DAY, 15, 45))
    (alert,) = listed(engine, at(DAY, 15, 45))
    assert (alert.status, alert.late_minutes) == ("resolved", 28)


def test_a_silent_scheduler_opens_one_alert_and_its_return_resolves_it(engine: Engine) -> None:
    with engine.begin() as conn:
        scheduler(conn, "old", at(DAY, 6, 0), at(DAY, 10, 0))
    assert run(engine, at(DAY, 10, 1)).opened == ()  # 60 s: still alive
    assert len(run(engine, at(DAY, 10, 2)).opened) == 1
    assert run(engine, at(DAY, 10, 30)).opened == ()
    with engine.begin() as conn:
        scheduler(conn, "new", at(DAY, 10, 20), at(DAY, 10, 40))
    run(engine, at(DAY, 10, 40))
    (alert,) = listed(engine, at(DAY, 10, 40))
    assert (alert.rule, alert.status, alert.late_minutes) == ("scheduler_down", "resolved", 19)


def test_every_rule_has_owners_and_a_subscription_token() -> None:
    assert set(RULES) == set(OWNERS) == set(ALERT_TOKENS) - {"digest"}


def test_subscriptions_are_checked(engine: Engine) -> None:
    with engine.begin() as conn, pytest.raises(SettingError, match="tidak dikenal: batch_telat"):
        set_setting(conn, "alerts.subscriptions.kasi", "batch_late,batch_telat", actor=Actor.system("test"))
