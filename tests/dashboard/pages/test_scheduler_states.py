"""The Penjadwal page's run badges: a pickup that rejected a file is never shown as "Berhasil"."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from dashboard.pages.penjadwal.view import last_run, run_detail, run_row
from jobs.imports.inbox import InboxOutcome
from queries.scheduling.store import JobRun
from tests.builders.pages import texts

WIB = ZoneInfo("Asia/Jakarta")


def run(message: str, status: str = "succeeded") -> JobRun:
    at = datetime(2026, 12, 6, 7, 20, tzinfo=WIB)
    return JobRun(1, "inbox", "schedule", at, at, at, status, 0, message, None, 1, "host-1", None)


def test_a_pickup_that_rejected_a_file_says_so_in_warning_colours() -> None:
    message = InboxOutcome(imported=["a.csv"], rejected=["bank-999.csv"], rows=10).message
    row = run_row(run(message))
    assert row["status"] == "Selesai — 1 berkas ditolak" and row["status_color"] == "warning"
    assert "Berhasil" not in texts(last_run(run(message), running=False))
    assert "Selesai — 1 berkas ditolak" in texts(run_detail(run(message)))


def test_a_clean_pickup_and_a_failure_keep_their_own_words() -> None:
    clean = InboxOutcome(imported=["a.csv"], rows=10).message
    assert run_row(run(clean))["status"] == "Berhasil"
    assert run_row(run("gagal", status="failed"))["status"] == "Gagal"


def test_a_paused_job_shows_no_next_run() -> None:
    from dashboard.pages.penjadwal.view import NEXT, cell
    from jobs.scheduling.definitions import JobBoard

    soon = datetime(2026, 12, 7, 7, 0, tzinfo=WIB)
    board = JobBoard(
        paused={"inbox"},
        running=set(),
        requested=set(),
        last={},
        week={},
        month={},
        next_runs={"inbox": soon, "alerts": soon},
        schedules={},
    )
    assert texts(cell(NEXT, "inbox", board)) == "— (dijeda)"
    assert "07:00" in texts(cell(NEXT, "alerts", board)) or "07.00" in texts(cell(NEXT, "alerts", board))


def test_the_duration_chart_labels_hours_within_a_day_not_the_same_date_on_every_tick() -> None:
    from dashboard.pages.penjadwal.view import duration_chart
    from queries.scheduling.store import DurationPoint

    points = [DurationPoint("inbox", datetime(2026, 12, 6, h, tzinfo=WIB), 3, 1.5, 2.0) for h in range(6, 18)]
    layout = duration_chart(points).figure["layout"]
    stops = {tuple(s["dtickrange"]): s["value"] for s in layout["xaxis"]["tickformatstops"]}
    assert "%H" in stops[(None, 86_400_000)] and stops[(86_400_000, None)] == "%d/%m"
    assert layout["xaxis"]["tickformat"] is None  # a fixed format would win over the stops
