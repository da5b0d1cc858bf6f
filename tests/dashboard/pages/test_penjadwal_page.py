"""The "Penjadwal" page in a real headless Chromium: run-now answered by a real `mpn scheduler` process, pause
and resume, the read-only view of the other roles, and the page with some history (the README's screenshot)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from datetime import time as clock
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from dash import Dash
from selenium.common.exceptions import ElementClickInterceptedException, StaleElementReferenceException
from selenium.webdriver.common.by import By
from sqlalchemy import Engine, text

from dashboard.app import create_app
from jobs.scheduling import definitions as schedule
from jobs.scheduling.daily import Outcome
from jobs.scheduling.definitions import BY_ID, JobSpec, run_job
from queries.accounts.audit import Actor
from queries.scheduling import store
from tests.dashboard.helpers import client_as, fire, screenshot, sign_in, start

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[3]
WIB = ZoneInfo("Asia/Jakarta")
GRID = "#pj-riwayat"
ACT = "..pj-pesan.children...pj-versi.data.."
ROUTER = ".._pages_content.children..._pages_store.data.."
DEADLINE = BY_ID["reconcile_deadline"].title


def button(kind: str, job: str) -> str:
    """The CSS selector of a job's button (`pj-jalankan`, `pj-jeda`, `pj-lanjutkan`): Dash's JSON id."""
    return f"[id='{json.dumps({'job': job, 'type': kind}, separators=(',', ':'))}']"


def cell(kind: str, job: str) -> str:
    """The CSS selector of one changing cell of a job's row (`pj-keadaan`, `pj-terakhir`, ...)."""
    return button(kind, job)


def grid_rows(dash_duo) -> list[dict[str, str]]:
    """The run grid's rows, top to bottom, column id -> text."""
    rows = dash_duo.find_elements(f"{GRID} .ag-center-cols-container .ag-row")
    rows.sort(key=lambda row: int(row.get_attribute("row-index")))
    return [{c.get_attribute("col-id"): c.text for c in row.find_elements(By.CSS_SELECTOR, ".ag-cell")} for row in rows]


def audit(engine: Engine, action: str) -> list[tuple[str, str]]:
    with engine.connect() as conn:
        return [
            tuple(r)
            for r in conn.execute(
                text("SELECT actor, object_id FROM audit_log WHERE action = :a ORDER BY seq"), {"a": action}
            )
        ]


def until(check: Callable[[], object], seconds: float = 30) -> object:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if value := check():
            return value
        time.sleep(0.3)
    raise AssertionError(f"timed out after {seconds} s waiting for {check.__name__}")


def click(dash_duo, selector: str) -> bool:
    """Scroll the element to the middle of the window and click it; False when something else was in the way
    (the page still settling: the chart drawn, the grid refreshed)."""
    element = dash_duo.find_element(selector)
    dash_duo.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
    try:
        element.click()
    except (ElementClickInterceptedException, StaleElementReferenceException):
        return False
    return True


@pytest.fixture
def scheduler(db_url: str, tmp_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A real `mpn scheduler` process on the test database (ticking every 0.5 s), killed afterwards."""
    env = {
        **os.environ,
        "MPN_DATABASE_URL": db_url,
        "MPN_DATA_DIR": str(tmp_path / "data"),
        "MPN_INBOX": str(tmp_path / "inbox"),
        "PYTHONPATH": str(ROOT),
    }
    with (tmp_path / "scheduler.log").open("wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "cli.main", "scheduler", "--tick", "0.5"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    yield proc
    if proc.poll() is None:
        proc.kill()
        proc.wait(10)


def test_run_now_is_answered_by_the_active_scheduler_and_audited(
    dash_duo, engine: Engine, scheduler: subprocess.Popen[bytes]
) -> None:
    start(dash_duo, create_app())
    sign_in(dash_duo, engine, "petugas", "petugas_mpn", then="/penjadwal")
    dash_duo.wait_for_contains_text("#pj-status", "Penjadwal aktif", timeout=30)
    assert "detak terakhir" in dash_duo.find_element("#pj-status").text

    dash_duo.find_element(button("pj-jalankan", "reconcile_deadline")).click()

    dash_duo.wait_for_contains_text(
        "#pj-pesan-hasil", "Permintaan dikirim; penjadwal menjalankannya dalam beberapa detik"
    )

    def answered() -> dict[str, str] | None:
        return next(
            (
                r
                for r in grid_rows(dash_duo)
                if r.get("job") == DEADLINE and r.get("trigger") == "Manual · petugas" and r.get("status") == "Berhasil"
            ),
            None,
        )

    run = until(answered)
    assert run["message"]  # what the job said ("belum ada data" on an empty database)
    dash_duo.wait_for_contains_text(cell("pj-terakhir", "reconcile_deadline"), "Berhasil")
    assert audit(engine, "scheduler.run_now") == [("petugas", "reconcile_deadline")]
    with engine.connect() as conn:
        assert conn.execute(
            text("SELECT requested_by, trigger FROM job_run WHERE job_id = 'reconcile_deadline'")
        ).one() == ("petugas", "manual")
    assert dash_duo.get_logs() == [], "\n".join(e["message"] for e in dash_duo.get_logs())


def test_admin_pauses_and_resumes_a_job(dash_duo, engine: Engine) -> None:
    start(dash_duo, create_app())
    sign_in(dash_duo, engine, "adi", "admin", then="/penjadwal")
    state = cell("pj-keadaan", "inbox")
    dash_duo.wait_for_text_to_equal(state, "Aktif")
    dash_duo.wait_for_contains_text("#pj-status", "Penjadwal tidak aktif")
    assert not dash_duo.find_element(button("pj-lanjutkan", "inbox")).is_displayed()

    dash_duo.find_element(button("pj-jeda", "inbox")).click()

    dash_duo.wait_for_text_to_equal(state, "Dijeda")
    dash_duo.wait_for_contains_text("#pj-pesan-hasil", "dijeda")
    until(lambda: dash_duo.find_element(button("pj-lanjutkan", "inbox")).is_displayed(), 10)
    assert not dash_duo.find_element(button("pj-jeda", "inbox")).is_displayed()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT paused, changed_by FROM scheduler_job WHERE job_id = 'inbox'")).one() == (
            True,
            "adi",
        )

    dash_duo.find_element(button("pj-lanjutkan", "inbox")).click()

    dash_duo.wait_for_text_to_equal(state, "Aktif")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT paused FROM scheduler_job WHERE job_id = 'inbox'")).scalar_one() is False
    assert audit(engine, "scheduler.pause") == [("adi", "inbox")]
    assert audit(engine, "scheduler.resume") == [("adi", "inbox")]
    assert dash_duo.get_logs() == [], "\n".join(e["message"] for e in dash_duo.get_logs())


def test_a_pelaksana_sees_the_jobs_refreshed_without_buttons(dash_duo, engine: Engine) -> None:
    start(dash_duo, create_app())
    sign_in(dash_duo, engine, "budi", "pelaksana", then="/penjadwal")

    dash_duo.wait_for_text_to_equal(cell("pj-keadaan", "reconcile_deadline"), "Aktif")
    assert [e.text for e in dash_duo.find_elements("#pj-tabel tbody tr td:first-child .fw-semibold")] == [
        job.title for job in schedule.JOBS
    ]
    assert dash_duo.find_elements("#pj-tabel button") == []
    assert "Tindakan" not in dash_duo.find_element("#pj-tabel thead").text
    assert "Penjadwal" in [e.text for e in dash_duo.find_elements(".mpn-navbar .nav-link")]

    run_job(engine, "reconcile_deadline", instance_id="t", trigger="manual")  # the page refreshes by itself

    dash_duo.wait_for_contains_text(cell("pj-terakhir", "reconcile_deadline"), "Berhasil", timeout=15)
    dash_duo.wait_for_text_to_equal(cell("pj-sukses-7", "reconcile_deadline"), "100% (1/1)")
    until(lambda: [r for r in grid_rows(dash_duo) if r.get("job") == DEADLINE], 10)
    assert dash_duo.get_logs() == [], "\n".join(e["message"] for e in dash_duo.get_logs())


def run_now_request(client):
    pressed = {"job": "reconcile_deadline", "type": "pj-jalankan"}
    return fire(
        client,
        ACT,
        [{"id": json.dumps(pressed, separators=(",", ":")), "property": "n_clicks", "value": 1}],
        state=[{"id": "pj-versi", "property": "data", "value": 0}],
    )


@pytest.mark.parametrize("role", ["pelaksana", "kasi", "kasubdit"])
def test_run_now_is_refused_to_roles_that_only_watch(engine: Engine, role: str) -> None:
    answer = run_now_request(client_as(create_app(), engine, role))

    assert answer.status_code == 403
    assert "tidak berwenang" in answer.get_json()["error"]
    assert audit(engine, "scheduler.run_now") == []


def test_management_is_refused_the_page(engine: Engine) -> None:
    app: Dash = create_app()
    client = client_as(app, engine, "manajemen")

    page = fire(
        client,
        ROUTER,
        [
            {"id": "_pages_location", "property": "pathname", "value": "/penjadwal"},
            {"id": "_pages_location", "property": "search", "value": ""},
        ],
    )

    assert "Akses ditolak" in page.get_data(as_text=True)
    assert "pj-tabel" not in page.get_data(as_text=True)


# --- some history, for the screenshot -------------------------------------------------------------------------


def history(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ten days of runs (one failed), a leader and a standby instance, a paused job and one run in progress."""
    today = datetime.now(WIB).date()
    for back in range(10, 0, -1):
        day = today - timedelta(days=back)
        run_job(
            engine,
            "reconcile_deadline",
            instance_id="t",
            trigger="manual",
            now=datetime.combine(day, clock(16, 5), WIB),
        )
        run_job(engine, "reconcile_arrivals", instance_id="t", now=datetime.combine(day, clock(15, 30), WIB))

    def boom(engine: Engine, now: datetime, *, actor: Actor) -> Outcome:
        raise RuntimeError("server SIDJP tidak menjawab (batas waktu 30 detik)")

    with monkeypatch.context() as patch:
        patch.setitem(
            schedule.BY_ID,
            "reconcile_arrivals",
            JobSpec("reconcile_arrivals", "x", "x", boom, BY_ID["reconcile_arrivals"].trigger),
        )
        run_job(engine, "reconcile_arrivals", instance_id="t")
    with engine.begin() as conn:
        # spread the runs over the ten days they stand for, with believable durations
        conn.execute(
            text("""
            UPDATE job_run SET started_at = scheduled_for + interval '2 seconds',
                   finished_at = scheduled_for + interval '2 seconds'
                                 + make_interval(secs => CASE job_id WHEN 'reconcile_deadline' THEN 40 ELSE 8 END
                                                         + 3 * (run_id % 5) + 0.4 * (run_id % 3))
             WHERE status = 'succeeded'""")
        )
        for instance, host, pid in (("mpn-app-1-4121", "mpn-app-1", 4121), ("mpn-app-2-3877", "mpn-app-2", 3877)):
            store.register_instance(conn, instance, host, pid)
        store.heartbeat(conn, "mpn-app-1-4121", leader=True)
        store.heartbeat(conn, "mpn-app-2-3877", leader=False)
        store.set_paused(conn, "inbox", True, actor=Actor.system("test"))
        store.start_run(
            conn, job_id="statements", trigger="schedule", scheduled_for=datetime.now(WIB), instance_id="mpn-app-1-4121"
        )


def test_the_page_with_history_shows_rates_the_failure_and_durations(
    dash_duo, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    history(engine, monkeypatch)
    start(dash_duo, create_app())
    sign_in(dash_duo, engine, "adi", "admin", then="/penjadwal")

    dash_duo.wait_for_contains_text("#pj-status", "Penjadwal aktif")
    assert "mpn-app-2-3877" in dash_duo.find_element("#pj-cadangan").text
    dash_duo.wait_for_text_to_equal(cell("pj-sukses-30", "reconcile_arrivals"), "91% (10/11)")
    assert dash_duo.find_element(cell("pj-sukses-30", "reconcile_deadline")).text == "100% (10/10)"
    assert dash_duo.find_element(cell("pj-keadaan", "inbox")).text == "Dijeda"
    assert "Berjalan…" in dash_duo.find_element(cell("pj-terakhir", "statements")).text
    assert not dash_duo.find_element(button("pj-jalankan", "statements")).is_enabled()
    assert dash_duo.find_element(cell("pj-berikut", "reconcile_deadline")).text.endswith("16:05")
    assert dash_duo.find_elements("#pj-grafik .scatterlayer .trace")

    failed = until(lambda: [r for r in grid_rows(dash_duo) if r.get("status") == "Gagal"], 10)[0]
    assert "SIDJP tidak menjawab" in failed["message"]
    until(lambda: click(dash_duo, f"{GRID} .mpn-row-rejected [col-id='message']"), 10)
    dash_duo.wait_for_contains_text("#pj-galat", "RuntimeError: server SIDJP tidak menjawab")

    screenshot(dash_duo, "penjadwal.png", full_page=True)
    assert dash_duo.get_logs() == [], "\n".join(e["message"] for e in dash_duo.get_logs())


def test_next_run_of_a_working_day_job_is_on_a_working_day(engine: Engine) -> None:
    from dashboard.pages.penjadwal.view import waktu_lengkap
    from jobs.scheduling.definitions import job_board

    friday_evening = datetime(2026, 11, 20, 17, 0, tzinfo=WIB)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO non_working_day (day, description) VALUES ('2026-11-23', 'libur uji')"))
        board = job_board(conn, now=friday_evening, tz=WIB)

    assert waktu_lengkap(board.next_runs["reconcile_deadline"]) == "Selasa, 24 November 2026 16:05"
    assert waktu_lengkap(board.next_runs["statements"]) == "Selasa, 24 November 2026 09:05"
    assert board.next_runs["inbox"] is not None
