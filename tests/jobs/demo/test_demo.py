"""`load_demo`: the demo's files go in through the importer, in arrival order, once."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, text

from jobs.demo.build import default_until, load_demo
from queries.calendar import WorkingCalendar
from tests.builders.demo import SMALL as CFG

JAKARTA = ZoneInfo("Asia/Jakarta")


def scalar(engine: Engine, sql: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text(sql)).scalar_one())


def test_load_demo_imports_every_file_and_the_database_matches_the_manifest(engine: Engine, tmp_path: Path) -> None:
    calls: list[tuple[int, int, str]] = []
    summary = load_demo(
        engine,
        days=3,
        until=date(2026, 11, 20),
        out_dir=tmp_path,
        config=CFG,
        progress=lambda done, total, label: calls.append((done, total, label)),
    )
    manifest = summary.manifest
    assert summary.loaded and manifest is not None
    assert summary.days == (date(2026, 11, 18), date(2026, 11, 19), date(2026, 11, 20))
    mpn_rows = sum(d.mpn_rows for d in manifest.days)
    assert summary.mpn_rows == scalar(engine, "SELECT count(*) FROM mpn_record") == mpn_rows
    assert scalar(engine, "SELECT count(*) FROM bank_batch") == sum(len(d.batches) for d in manifest.days)
    assert scalar(engine, "SELECT count(*) FROM bank_batch_row") == sum(
        b.rows for d in manifest.days for b in d.batches
    )
    assert scalar(engine, "SELECT count(*) FROM statement_letter") == sum(d.letters for d in manifest.days)
    assert scalar(engine, "SELECT count(*) FROM import_file WHERE status = 'imported'") == summary.files
    assert calls[-1][0] == calls[-1][1]
    imported = [label for _, _, label in calls if label.startswith("imported")]
    assert imported[-1].startswith("imported statements_20261120")
    assert summary.message.startswith("Demo data: 3 working days 2026-11-18..2026-11-20")


def test_business_dates_batches_and_late_arrivals_are_what_was_planted(engine: Engine, tmp_path: Path) -> None:
    summary = load_demo(engine, days=3, until=date(2026, 11, 20), out_dir=tmp_path, config=CFG)
    manifest = summary.manifest
    assert manifest is not None
    cal = WorkingCalendar()
    expected: Counter[date] = Counter()
    late_mpn = {p.ntpn for p in manifest.planted["cutoff_mismatch"]}
    for d in manifest.days:
        expected[d.day] += d.mpn_rows
    for p in manifest.planted["cutoff_mismatch"]:
        expected[p.day] -= 1
        expected[cal.next_after(p.day)] += 1
    with engine.connect() as conn:
        stored = dict(conn.execute(text("SELECT business_date, count(*) FROM mpn_record GROUP BY 1")).all())
        batches = {
            (r.bank_code, r.business_date): r
            for r in conn.execute(
                text("SELECT bank_code, business_date, received_at, row_count, total_amount FROM bank_batch")
            )
        }
        derived = dict(
            conn.execute(
                text("SELECT ntpn, business_date FROM mpn_record WHERE record_type = 'payment' AND ntpn = ANY(:n)"),
                {"n": list(late_mpn)},
            ).all()
        )
    assert stored == {k: v for k, v in expected.items() if v}
    assert late_mpn
    assert all(derived[p.ntpn] == cal.next_after(p.day) for p in manifest.planted["cutoff_mismatch"])
    late = {(p.bank_code, p.day) for p in manifest.planted["late_batch"]}
    assert late
    for d in manifest.days:
        for b in d.batches:
            row = batches[(b.bank_code, d.day)]
            assert (row.received_at, row.row_count, row.total_amount) == (b.received_at, b.rows, b.amount)
            due = datetime.combine(d.day, time(16), JAKARTA)
            assert (row.received_at > due) == ((b.bank_code, d.day) in late)
    missing = {(p.bank_code, p.day) for p in manifest.planted["missing_batch"]}
    assert missing and not missing & set(batches)


def test_second_load_is_a_no_op(engine: Engine, tmp_path: Path) -> None:
    first = load_demo(engine, days=1, until=date(2026, 11, 20), out_dir=tmp_path / "a", config=CFG)
    imports = scalar(engine, "SELECT count(*) FROM import_file")
    rows = scalar(engine, "SELECT count(*) FROM mpn_record")
    second = load_demo(engine, days=1, until=date(2026, 11, 20), out_dir=tmp_path / "b", rows_per_day=50)
    assert first.loaded and not second.loaded and second.files == 0
    assert "already has MPN data" in second.message
    assert scalar(engine, "SELECT count(*) FROM import_file") == imports
    assert scalar(engine, "SELECT count(*) FROM mpn_record") == rows
    assert not (tmp_path / "b").exists()


def test_default_period_ends_on_the_last_working_day_before_today_in_jakarta() -> None:
    cal = WorkingCalendar()
    assert default_until(cal, datetime(2026, 11, 23, 8, 0, tzinfo=JAKARTA)) == date(2026, 11, 20)
    assert default_until(cal, datetime(2026, 11, 22, 18, 0, tzinfo=ZoneInfo("UTC"))) == date(2026, 11, 20)
    assert default_until(cal, datetime(2026, 11, 25, 23, 0, tzinfo=JAKARTA)) == date(2026, 11, 24)


def test_demo_creates_the_seven_logins_once_and_audits_the_load(engine: Engine, tmp_path: Path) -> None:
    from jobs.demo.build import DEMO_LOGINS
    from queries.accounts.audit import Actor, verify_chain
    from queries.accounts.users import add_user, authenticate, users

    with engine.begin() as conn:  # an existing account of that name is left alone
        add_user(conn, username="kasi", role="kasi", password="Sandi-Sendiri-1", actor=Actor.system("cli"))
    summary = load_demo(engine, days=1, until=date(2026, 11, 20), out_dir=tmp_path / "a", config=CFG)
    assert summary.logins_created == ("kasubdit", "pelaksana", "petugas", "tu", "manajemen", "admin")
    now = datetime(2026, 11, 23, 9, tzinfo=JAKARTA)
    with engine.begin() as conn:
        accounts = {u.username: u for u in users(conn)}
        assert {name: u.role for name, u in accounts.items()} == {
            "kasubdit": "kasubdit",
            "kasi": "kasi",
            "pelaksana": "pelaksana",
            "petugas": "petugas_mpn",
            "tu": "tu",
            "manajemen": "manajemen",
            "admin": "admin",
        }
        assert all(
            authenticate(conn, login.username, "demo", now=now).ok for login in DEMO_LOGINS if login.username != "kasi"
        )
        assert authenticate(conn, "kasi", "demo", now=now).outcome == "bad"
    assert len(accounts["kasubdit"].nip) == 18 and accounts["kasubdit"].nip.isdigit()
    assert all(u.full_name for name, u in accounts.items() if name != "kasi")
    with engine.connect() as conn:
        actions = Counter(conn.execute(text("SELECT action FROM audit_log WHERE actor = 'system:demo'")).scalars())
        load = conn.execute(text("SELECT object_id, after FROM audit_log WHERE action = 'demo.load'")).one()
        assert verify_chain(conn).ok
        sent = conn.execute(
            text("""SELECT count(DISTINCT r.bank_code), count(*) FILTER (WHERE m.status = 'sent')
                                      FROM bank_result r JOIN mail_message m USING (mail_id)""")
        ).one()
    runs = actions.pop("reconcile.run")
    banks = len({b.bank_code for b in summary.manifest.days[0].batches})
    assert sent == (banks, actions["result.queued"])  # every bank's result reached the local sink
    assert actions == {
        "user.add": 6,
        "import.file": summary.files,
        "demo.load": 1,
        "master.demo_emails": 1,
        "result.queued": sent[1],
        "notice.record": 1,
    }  # the regional bank's outage notice
    assert summary.reconciled == 1 and runs >= 1  # the day is reconciled in waves, as batches arrived
    assert load.object_id == "2026-11-20..2026-11-20"
    assert load.after["files"] == summary.files and load.after["mpn_rows"] == summary.mpn_rows
    again = load_demo(engine, days=1, until=date(2026, 11, 20), out_dir=tmp_path / "b", config=CFG)
    assert not again.loaded and again.logins_created == ()


def test_demo_appeal_letters_show_every_step_and_an_escalation(engine: Engine, tmp_path: Path) -> None:
    from queries.letters.appeals import appeal_letters, overdue_letters, today_local

    load_demo(engine, days=12, until=date(2026, 11, 20), out_dir=tmp_path, config=CFG)
    with engine.connect() as conn:
        letters = appeal_letters(conn)
        overdue = overdue_letters(conn, today_local())
        signer = conn.execute(text("SELECT value FROM app_setting WHERE key = 'letters.signer_nip'")).scalar_one()
    statuses = Counter(a.status for a in letters)
    assert {"answered", "sent", "initialled", "signed", "returned", "draft"} <= set(statuses)
    assert statuses["answered"] == 1 and statuses["sent"] == 3 and len(overdue) == 3
    assert signer == "197503122000031002"
    answered = next(a for a in letters if a.status == "answered")
    assert answered.received_dates == answered.business_dates and answered.answered_at is not None
    assert all(a.drafted_by == "sistem" for a in letters if a.status in ("initialled", "signed", "returned"))
    with engine.connect() as conn:  # no simulator runs here: the days are approved, the last waits for the kasi
        rounds = conn.execute(text("SELECT business_date, status FROM distribution ORDER BY business_date")).all()
        waiting = conn.execute(
            text("SELECT count(*) FROM approval_request WHERE kind = 'distribution' AND status = 'pending'")
        ).scalar_one()
    assert {r.status for r in rounds[:-1]} == {"approved"} and rounds[-1].status == "prepared" and waiting == 1
