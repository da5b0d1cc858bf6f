"""The scheduler: the regulatory calendar of its jobs, the run history, and one active instance among several
real `mpn scheduler` processes (the leader is killed, the other takes over, nothing runs twice)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import date, datetime
from datetime import time as clock
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, text

from jobs.scheduling import daily as daily_work
from jobs.scheduling.definitions import BY_ID, next_run, run_job
from queries.accounts.audit import Actor
from queries.calendar import WorkingCalendar
from queries.scheduling import store
from queries.settings import current_settings, set_setting
from tests.builders.reconciliation import D2, Day, batch, clean, payments

WIB = ZoneInfo("Asia/Jakarta")
WITA = ZoneInfo("Asia/Makassar")
ROOT = Path(__file__).resolve().parents[3]
CAL = WorkingCalendar()


def at(day: date, hh: int, mm: int = 0, tz: ZoneInfo = WIB) -> datetime:
    return datetime.combine(day, clock(hh, mm), tz)


# -- the calendar ---------------------------------------------------------------------------------------------


def test_closed_business_date_follows_the_batch_deadline_weekends_and_holidays() -> None:
    friday = D2
    assert daily_work.closed_business_date(at(friday, 15, 59), CAL) == date(2026, 11, 19)
    assert daily_work.closed_business_date(at(friday, 16, 0), CAL) == friday
    assert daily_work.closed_business_date(at(date(2026, 11, 22), 18), CAL) == friday  # Sunday
    # Christmas 2026: the 24th is cuti bersama, the 25th Christmas.
    assert daily_work.closed_business_date(at(date(2026, 12, 24), 17), CAL) == date(2026, 12, 23)


def test_a_wita_bank_day_closes_an_hour_before_a_wib_one() -> None:
    wita = daily_work.cutoff_moment(D2, clock(15), "Asia/Makassar")
    wib = daily_work.cutoff_moment(D2, clock(15), "Asia/Jakarta")
    assert wita == at(D2, 14) and wib == at(D2, 15)


def test_working_day_jobs_next_run_skips_weekends_and_holidays(engine: Engine) -> None:
    with engine.connect() as conn:
        settings = current_settings(conn)
    job = BY_ID["reconcile_deadline"]
    assert next_run(job, settings, WIB, at(D2, 16, 6)) == at(date(2026, 11, 23), 16, 5)  # Friday -> Monday
    assert next_run(job, settings, WIB, at(date(2026, 12, 23), 17)) == at(date(2026, 12, 28), 16, 5)
    statements = BY_ID["statements"]
    assert next_run(statements, settings, WIB, at(D2, 8)) == at(D2, 9, 5)
    with engine.begin() as conn:
        set_setting(conn, "statement.deadline_time", "10:30", actor=Actor.system("test"))
        settings = current_settings(conn)
    assert next_run(statements, settings, WIB, at(D2, 8)) == at(D2, 10, 35)


def test_statement_due_date_is_the_latest_date_past_its_deadline(engine: Engine) -> None:
    with engine.connect() as conn:
        settings = current_settings(conn)
    monday = date(2026, 11, 23)
    assert daily_work.statement_due_date(at(monday, 9, 5), CAL, settings) == D2
    assert daily_work.statement_due_date(at(monday, 8, 59), CAL, settings) == date(2026, 11, 19)


# -- the jobs ----------------------------------------------------------------------------------------------


def reconciled(engine: Engine) -> set[tuple[date, str]]:
    with engine.connect() as conn:
        return {
            (r.business_date, r.bank_code)
            for r in conn.execute(text("SELECT business_date, bank_code FROM recon_result WHERE batch_id IS NOT NULL"))
        }


def test_arrivals_reconcile_a_bank_once_its_own_cutoff_passed_and_all_after_the_deadline(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("UPDATE bank SET timezone = 'Asia/Makassar' WHERE bank_code = '008'"))
    Day(clean(2) + clean(2, start=10, bank_code="008")).load(engine)
    payments(engine, clean(1, start=30, bank_code="009"))  # BNI: MPN data, no batch
    actor = Actor.system("test")
    outcome = daily_work.reconcile_arrivals(engine, at(D2, 14, 30), actor=actor)
    assert reconciled(engine) == {(D2, "008")}  # 14:30 WIB: the WITA bank's day is closed, BRI's is not
    assert outcome.rows == 1 and "008" in outcome.message
    daily_work.reconcile_arrivals(engine, at(D2, 15, 30), actor=actor)
    assert reconciled(engine) == {(D2, "008"), (D2, "002")}
    with engine.connect() as conn:
        missing = conn.execute(text("SELECT count(*) FROM recon_exception WHERE category = 'missing_batch'"))
        assert missing.scalar_one() == 0  # before 16:00 nobody is flagged for a batch not yet due
    assert daily_work.reconcile_arrivals(engine, at(D2, 15, 32), actor=actor).message == "Tidak ada batch baru"
    daily_work.reconcile_after_deadline(engine, at(D2, 16, 5), actor=actor)
    with engine.connect() as conn:
        flagged = conn.execute(text("SELECT bank_code FROM recon_exception WHERE category = 'missing_batch'"))
        assert flagged.scalars().all() == ["009"]


def test_a_resent_batch_is_reconciled_again(engine: Engine) -> None:
    Day(clean(2)).load(engine)
    actor = Actor.system("test")
    daily_work.reconcile_arrivals(engine, at(D2, 17), actor=actor)
    batch(engine, "002", D2, clean(2))  # a resend
    assert daily_work.reconcile_arrivals(engine, at(D2, 17, 2), actor=actor).rows == 1


def test_run_history_records_success_failure_skips_and_refuses_a_second_run(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    saturday = date(2026, 11, 21)
    skipped = run_job(engine, "reconcile_deadline", instance_id="t", now=at(saturday, 16, 5))
    assert skipped.status == "skipped" and "Bukan hari kerja" in skipped.message
    ok = run_job(engine, "reconcile_deadline", instance_id="t", now=at(D2, 16, 5))
    assert ok.status == "succeeded" and "belum ada data" in ok.message
    with engine.begin() as conn:
        store.set_paused(conn, "reconcile_deadline", True, actor=Actor.system("test"))
    assert run_job(engine, "reconcile_deadline", instance_id="t", now=at(D2, 16, 5)).message == "Dijeda"
    manual = run_job(engine, "reconcile_deadline", instance_id="t", trigger="manual", now=at(D2, 16, 5))
    assert manual.status == "succeeded"  # run-now works on a paused job

    def boom(engine: Engine, now: datetime, *, actor: Actor) -> daily_work.Outcome:
        raise RuntimeError("server SIDJP tidak menjawab")

    from jobs.scheduling import definitions as schedule

    monkeypatch.setitem(
        schedule.BY_ID,
        "reconcile_arrivals",
        schedule.JobSpec("reconcile_arrivals", "x", "x", boom, BY_ID["reconcile_arrivals"].trigger),
    )
    failed = run_job(engine, "reconcile_arrivals", instance_id="t")
    assert failed.status == "failed"
    with engine.begin() as conn:
        run = store.run_by_id(conn, failed.run_id or 0)
        assert run is not None and "SIDJP tidak menjawab" in (run.error or "") and run.finished_at is not None
        running = store.start_run(conn, job_id="inbox", trigger="schedule", scheduled_for=at(D2, 9), instance_id="a")
        with pytest.raises(store.AlreadyRunning):
            store.start_run(conn, job_id="inbox", trigger="manual", scheduled_for=at(D2, 9), instance_id="b")
        assert store.fail_orphaned_runs(conn, "b") == [running]
        orphan = store.run_by_id(conn, running)
        assert orphan is not None and orphan.status == "failed" and "berhenti" in (orphan.error or "")
        stats = store.job_stats(conn, since=at(D2, 0))
    assert stats["reconcile_deadline"].succeeded == 2 and stats["reconcile_arrivals"].failed == 1


# -- one active instance among real processes --------------------------------------------------------------


@pytest.fixture
def spawn(db_url: str, tmp_path: Path) -> Iterator[Callable[[str], subprocess.Popen[bytes]]]:
    procs: list[subprocess.Popen[bytes]] = []

    def start(name: str) -> subprocess.Popen[bytes]:
        env = {
            **os.environ,
            "MPN_DATABASE_URL": db_url,
            "MPN_DATA_DIR": str(tmp_path / "data"),
            "MPN_INBOX": str(tmp_path / "inbox"),
            "PYTHONPATH": str(ROOT),
        }
        log = (tmp_path / f"{name}.log").open("wb")
        proc = subprocess.Popen(
            [sys.executable, "-m", "cli.main", "scheduler", "--tick", "0.5"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        procs.append(proc)
        return proc

    yield start
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)


def wait_for(check: Callable[[], object], seconds: float = 20) -> object:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if value := check():
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out after {seconds} s waiting for {check.__name__}")


def test_one_leader_among_two_processes_and_a_takeover_when_it_dies(
    engine: Engine, spawn: Callable[..., subprocess.Popen[bytes]]
) -> None:
    def leaders() -> list[tuple[int, str]]:
        with engine.connect() as conn:
            return [
                tuple(r)
                for r in conn.execute(
                    text("SELECT pid, instance_id FROM scheduler_instance WHERE is_leader AND stopped_at IS NULL")
                )
            ]

    def request(job: str) -> int:
        with engine.begin() as conn:
            return store.request_run(conn, job, actor=Actor.system("test"))

    def answered(request_id: int) -> Callable[[], str | None]:
        def check() -> str | None:
            with engine.connect() as conn:
                return conn.execute(
                    text("""SELECT r.instance_id FROM job_request q JOIN job_run r USING (run_id)
                                             WHERE q.request_id = :q AND r.status <> 'running'"""),
                    {"q": request_id},
                ).scalar()

        return check

    first = spawn("first")
    wait_for(leaders)
    second = spawn("second")

    def registered() -> bool:
        with engine.connect() as conn:
            return len(store.instances(conn)) == 2

    wait_for(registered)
    ((leader_pid, leader_id),) = leaders()
    assert leader_pid == first.pid
    assert wait_for(answered(request("reconcile_deadline"))) == leader_id
    with engine.begin() as conn:  # the leader is in the middle of a job when it dies
        crashed = store.start_run(
            conn, job_id="statements", trigger="schedule", scheduled_for=at(D2, 9, 5), instance_id=leader_id
        )
    first.send_signal(signal.SIGKILL)
    first.wait(10)
    started = time.monotonic()
    wait_for(lambda: [pid for pid, _ in leaders()] == [second.pid])
    assert time.monotonic() - started < 60
    new_leader = leaders()[0][1]
    with engine.connect() as conn:
        orphan = store.run_by_id(conn, crashed)
    assert orphan is not None and orphan.status == "failed" and leader_id in (orphan.error or "")
    assert wait_for(answered(request("reconcile_deadline"))) == new_leader
    second.send_signal(signal.SIGTERM)
    assert second.wait(30) == 0
    with engine.connect() as conn:
        runs = conn.execute(
            text("""SELECT job_id, started_at, finished_at FROM job_run
                                     WHERE status <> 'skipped' ORDER BY job_id, started_at""")
        ).all()
        stopped = conn.execute(
            text("SELECT stopped_at FROM scheduler_instance WHERE instance_id = :i"), {"i": new_leader}
        ).scalar_one()
    assert stopped is not None
    for a, b in zip(runs, runs[1:], strict=False):  # the runs of one job never overlap
        if a.job_id == b.job_id:
            assert a.finished_at is not None and a.finished_at <= b.started_at
    assert sum(1 for r in runs if r.job_id == "reconcile_deadline") == 2


def test_run_now_and_pause_are_refused_to_a_role_that_does_not_operate_the_scheduler(engine: Engine) -> None:
    from queries.permissions import Refused

    kasi = Actor("sari", "kasi", 3)
    with engine.begin() as conn:
        with pytest.raises(Refused, match="Petugas Sistem MPN"):
            store.run_now(conn, "mail", actor=kasi)
        with pytest.raises(Refused, match="Petugas Sistem MPN"):
            store.set_paused(conn, "mail", True, actor=kasi)
        assert (store.open_requests(conn), store.paused_jobs(conn)) == (set(), set())
        store.set_paused(conn, "mail", True, actor=Actor("tono", "petugas_mpn", 4))
        assert store.paused_jobs(conn) == {"mail"}
