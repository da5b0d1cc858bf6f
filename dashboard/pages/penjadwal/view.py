"""The Penjadwal page's pieces: the scheduler status strip, the jobs table, the run-history grid, a run's detail
and the duration chart (the jobs table reads `jobs.scheduling.definitions.job_board` on every refresh).

Layout builders only; the page's callbacks check roles and call `queries.scheduling.store`. The table's rows
are fixed (the jobs of `jobs.scheduling.definitions.JOBS`); its changing cells carry pattern-matching ids so a refresh
rewrites them without replacing the buttons under the user's pointer.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
import plotly.graph_objects as go
from dash import html

from dashboard.components.cards import empty_state
from dashboard.components.charts import graph as chart
from dashboard.components.grids import (
    DEFAULT_COL_DEF,
    LOCALE_ID,
    THEME,
    badge_column,
    formatted_column,
    shown,
    text_column,
)
from jobs.scheduling.definitions import BY_ID, JOBS, JobBoard
from queries.calendar import WIB
from queries.formatting import angka, tanggal_panjang
from queries.scheduling.store import STATUSES, DurationPoint, Instance, JobRun, JobStats

#: Pattern-matching id types: one cell or button per job (`{"type": NEXT, "job": job_id}`).
NEXT, STATE, LAST, RATE7, RATE30 = "pj-berikut", "pj-keadaan", "pj-terakhir", "pj-sukses-7", "pj-sukses-30"
RUN, PAUSE, RESUME = "pj-jalankan", "pj-jeda", "pj-lanjutkan"
CELLS = (NEXT, STATE, LAST, RATE7, RATE30)

STATUS_COLORS = {"Berhasil": "success", "Gagal": "danger", "Berjalan": "primary", "Dilewati": "secondary"}
#: A run that finished but refused files (the inbox pickup's "2 ditolak"): never shown as "Berhasil".
_REJECTED_IN_MESSAGE = re.compile(r"\b(\d+) ditolak\b")
TRIGGERS = {"schedule": "Terjadwal", "manual": "Manual"}
SHOWN: dict[str, str] = {}
HIDDEN = {"display": "none"}
#: Bootstrap's font stack: the chart's text matches the page's.
FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", "Noto Sans", "Liberation Sans", Arial'


# --- words ----------------------------------------------------------------------------------------------------


def lalu(seconds: float) -> str:
    """How long ago, in words: `5 detik lalu`, `3 menit lalu`, `2 jam lalu`, `4 hari lalu`."""
    s = max(0, int(seconds))
    for unit, size in (("hari", 86400), ("jam", 3600), ("menit", 60)):
        if s >= size:
            return f"{s // size} {unit} lalu"
    return f"{s} detik lalu"


def durasi(seconds: float | None) -> str:
    """A run's duration: `0,4 dtk`, `12 dtk`, `3 mnt 05 dtk`, `1 j 02 mnt`; `—` when unknown."""
    if seconds is None:
        return "—"
    if seconds < 10:
        return f"{seconds:.1f}".replace(".", ",") + " dtk"
    s = round(seconds)
    if s < 60:
        return f"{s} dtk"
    if s < 3600:
        return f"{s // 60} mnt {s % 60:02d} dtk"
    return f"{s // 3600} j {s % 3600 // 60:02d} mnt"


def waktu_lengkap(ts: datetime) -> str:
    """`Senin, 23 November 2026 16:05` (WIB)."""
    local = ts.astimezone(WIB)
    return f"{tanggal_panjang(local.date())} {local:%H:%M}"


def waktu_pendek(ts: datetime | None, *, seconds: bool = False) -> str:
    """`23/11 16:05` (WIB), with seconds when asked; `—` when unknown."""
    return "—" if ts is None else ts.astimezone(WIB).strftime("%d/%m %H:%M:%S" if seconds else "%d/%m %H:%M")


def run_state(run: JobRun) -> tuple[str, str]:
    """A run's status as shown and its colour: a succeeded run that rejected files is "Selesai — N berkas ditolak"
    in warning colours, not "Berhasil"."""
    title = STATUSES[run.status]
    found = _REJECTED_IN_MESSAGE.search(run.message or "") if run.status == "succeeded" else None
    if found and int(found.group(1)) > 0:
        return f"Selesai — {found.group(1)} berkas ditolak", "warning"
    return title, STATUS_COLORS.get(title, "secondary")


def rate_text(stats: JobStats | None) -> str:
    """`98% (49/50)`: succeeded of the finished runs; `—` without runs."""
    if stats is None or stats.success_rate is None:
        return "—"
    return f"{round(stats.success_rate * 100)}% ({angka(stats.succeeded)}/{angka(stats.succeeded + stats.failed)})"


# --- the status strip -----------------------------------------------------------------------------------------


def status_strip(instances: list[Instance], now: datetime) -> dbc.Alert:
    """Which scheduler process leads and its last heartbeat, the standby ones; red when none leads alive."""
    leader = next((i for i in instances if i.is_leader and i.alive(now)), None)
    standby = [i for i in instances if i is not leader and i.alive(now)]
    spare = (
        html.Div(
            "Cadangan: " + "; ".join(f"{i.instance_id} (detak terakhir {lalu(_age(i, now))})" for i in standby),
            id="pj-cadangan",
            className="small",
        )
        if standby
        else html.Div("Tidak ada instance cadangan.", id="pj-cadangan", className="small")
    )
    if leader is None:
        last = next((i for i in instances if i.is_leader), instances[0] if instances else None)
        seen = (
            f"Terakhir terlihat: {last.instance_id}, {lalu(_age(last, now))}."
            if last
            else "Tidak ada proses penjadwal yang tercatat dalam 24 jam terakhir."
        )
        return dbc.Alert(
            [
                html.Strong("Penjadwal tidak aktif", id="pj-status-judul"),
                html.Div(
                    f'{seen} Pekerjaan terjadwal dan permintaan "Jalankan sekarang" tidak '
                    "berjalan sampai penjadwal aktif kembali; hubungi administrator sistem.",
                    className="small",
                ),
                spare,
            ],
            color="danger",
            className="mpn-notice",
            id="pj-status-isi",
        )
    since = f", memimpin sejak {waktu_pendek(leader.led_since)}" if leader.led_since else ""
    return dbc.Alert(
        [
            html.Strong("Penjadwal aktif", id="pj-status-judul"),
            html.Span(f", detak terakhir {lalu(_age(leader, now))}", id="pj-detak"),
            html.Div(
                f"Instance pemimpin: {leader.instance_id} ({leader.host}, PID {leader.pid}){since}", className="small"
            ),
            spare,
        ],
        color="success",
        className="mpn-notice",
        id="pj-status-isi",
    )


def _age(instance: Instance, now: datetime) -> float:
    return (now - instance.heartbeat_at).total_seconds()


# --- the jobs table -------------------------------------------------------------------------------------------


def cell(kind: str, job_id: str, board: JobBoard) -> Any:
    """The content of one changing cell of a job's row."""
    if kind == NEXT:
        moment = board.next_runs.get(job_id)
        if job_id in board.paused:  # a paused job does not run: no next run until it is resumed
            return html.Span("— (dijeda)", className="text-secondary")
        return "—" if moment is None else waktu_lengkap(moment)
    if kind == STATE:
        return (
            dbc.Badge("Dijeda", color="warning", text_color="dark", pill=True)
            if job_id in board.paused
            else dbc.Badge("Aktif", color="success", pill=True)
        )
    if kind == LAST:
        return last_run(board.last.get(job_id), job_id in board.running, job_id in board.requested)
    return rate_text((board.week if kind == RATE7 else board.month).get(job_id))


def last_run(run: JobRun | None, running: bool, requested: bool = False) -> Any:
    """The last run: a spinner while one runs (or a run-now request waits), else its status badge, when and how
    long."""
    if requested and not running:
        return html.Div(
            [
                html.Span(className="spinner-grow spinner-grow-sm text-secondary me-1", role="status"),
                html.Span("Diminta, menunggu penjadwal…", className="small"),
            ],
            className="pj-diminta",
        )
    if running or (run is not None and run.status == "running"):
        since = f"sejak {waktu_pendek(run.started_at)}" if run is not None else ""
        return html.Div(
            [
                html.Span(className="spinner-border spinner-border-sm text-primary me-1", role="status"),
                html.Span("Berjalan…", className="fw-semibold"),
                html.Div(since, className="small"),
            ],
            className="pj-berjalan",
        )
    if run is None:
        return html.Span("Belum pernah berjalan", className="text-secondary small")
    title, color = run_state(run)
    return html.Div(
        [
            dbc.Badge(
                title, color=color, pill=True, className="me-1", text_color="dark" if color == "warning" else None
            ),
            html.Span(f"{waktu_pendek(run.started_at)} · {durasi(run.seconds)}", className="small"),
        ],
        title=run.message or None,
    )


def jobs_table(board: JobBoard, *, can_act: bool) -> dbc.Table:
    """One row per job: what, when, next run, paused, last run, success rates, and the buttons for those who act."""
    heads = ["Pekerjaan", "Jadwal", "Berikutnya (WIB)", "Status", "Terakhir", "Sukses 7 hari", "Sukses 30 hari"]
    rows = []
    for job in JOBS:
        j = job.job_id
        cells = [
            html.Td(html.Div(job.title, className="fw-semibold"), title=job.description),
            html.Td(board.schedules[j]),
        ]
        cells += [html.Td(cell(kind, j, board), id={"type": kind, "job": j}) for kind in CELLS]
        if can_act:
            paused = j in board.paused
            cells.append(
                html.Td(
                    html.Div(
                        [
                            dbc.Button(
                                "Jalankan sekarang",
                                id={"type": RUN, "job": j},
                                n_clicks=0,
                                size="sm",
                                color="primary",
                                disabled=j in board.running,
                                className="text-nowrap",
                            ),
                            dbc.Button(
                                "Jeda",
                                id={"type": PAUSE, "job": j},
                                n_clicks=0,
                                size="sm",
                                color="secondary",
                                outline=True,
                                style=HIDDEN if paused else SHOWN,
                            ),
                            dbc.Button(
                                "Lanjutkan",
                                id={"type": RESUME, "job": j},
                                n_clicks=0,
                                size="sm",
                                color="success",
                                outline=True,
                                style=SHOWN if paused else HIDDEN,
                            ),
                        ],
                        className="d-flex gap-1",
                    )
                )
            )
        rows.append(html.Tr(cells, id=f"pj-baris-{j}"))
    head = html.Thead(html.Tr([html.Th(h) for h in heads] + ([html.Th("Tindakan")] if can_act else [])))
    return dbc.Table(
        [head, html.Tbody(rows)], hover=True, responsive=True, className="align-middle mb-0", id="pj-tabel"
    )


# --- the run history ------------------------------------------------------------------------------------------

COLUMNS = [
    text_column("job", "Pekerjaan", width=320, tooltipField="job"),
    text_column("trigger", "Pemicu", width=160, tooltipField="trigger"),
    formatted_column("scheduled", "Terjadwal", numeric=False, width=125),
    formatted_column("started", "Mulai", numeric=False, width=150),
    formatted_column("seconds", "Durasi", width=110),
    badge_column("status", "Status", STATUS_COLORS, width=200, tooltipField="status"),
    formatted_column("rows", "Baris", width=90),
    text_column("message", "Pesan", minWidth=240, flex=1, tooltipField="message"),
]


def run_row(run: JobRun) -> dict[str, Any]:
    """One run as the grid shows it."""
    job = BY_ID.get(run.job_id)
    trigger = TRIGGERS.get(run.trigger, run.trigger)
    return {
        "id": run.run_id,
        "job": job.title if job else run.job_id,
        "job_id": run.job_id,
        "trigger": f"{trigger} · {run.requested_by}" if run.requested_by else trigger,
        **shown("scheduled", run.scheduled_for.isoformat(), waktu_pendek(run.scheduled_for)),
        **shown("started", run.started_at.isoformat(), waktu_pendek(run.started_at, seconds=True)),
        **shown("seconds", run.seconds, durasi(run.seconds)),
        "status": run_state(run)[0],
        "status_color": run_state(run)[1],
        "failed": run.status == "failed",
        **shown("rows", run.rows_processed, angka(run.rows_processed)),
        "message": run.message or "",
    }


def runs_grid(grid_id: str, runs: list[JobRun]) -> dag.AgGrid:
    """The newest runs; failed ones tinted; a click shows the run in full."""
    return dag.AgGrid(
        id=grid_id,
        columnDefs=COLUMNS,
        rowData=[run_row(r) for r in runs],
        defaultColDef=DEFAULT_COL_DEF,
        getRowId="params.data.id + ''",
        rowClassRules={"mpn-row-rejected": "params.data.failed"},
        dashGridOptions={
            "theme": THEME,
            "tooltipShowDelay": 300,
            "suppressCellFocus": True,
            "localeText": {**LOCALE_ID, "noRowsToShow": "Belum ada riwayat proses."},
        },
        style={"height": "420px"},
        className="mpn-grid mpn-grid-clickable",
    )


def job_options() -> list[dict[str, str]]:
    """The job filter's choices."""
    return [{"label": job.title, "value": job.job_id} for job in JOBS]


def run_detail(run: JobRun) -> dbc.Card:
    """A run in full; a failed one with its error text (the traceback's last lines)."""
    job = BY_ID.get(run.job_id)
    title, color = run_state(run)
    facts = [
        ("Pemicu", TRIGGERS.get(run.trigger, run.trigger) + (f" oleh {run.requested_by}" if run.requested_by else "")),
        ("Terjadwal", waktu_lengkap(run.scheduled_for)),
        ("Mulai", waktu_pendek(run.started_at, seconds=True)),
        ("Selesai", waktu_pendek(run.finished_at, seconds=True)),
        ("Durasi", durasi(run.seconds)),
        ("Instance", f"{run.instance_id} (percobaan ke-{run.attempt})"),
        ("Pesan", run.message or "—"),
    ]
    body: list[Any] = [
        html.H2(
            [
                f"Proses #{run.run_id}: {job.title if job else run.job_id} ",
                dbc.Badge(title, color=color, pill=True, text_color="dark" if color == "warning" else None),
            ],
            className="h5",
        ),
        html.Dl(
            [part for k, v in facts for part in (html.Dt(k, className="col-sm-2"), html.Dd(v, className="col-sm-10"))],
            className="row mpn-facts mb-0",
        ),
    ]
    if run.error:
        body += [
            html.Div("Galat", className="mpn-report-title"),
            html.Pre(run.error, className="mpn-report", id="pj-galat"),
        ]
    return dbc.Card(dbc.CardBody(body), className="mpn-detail", id="pj-detail-isi")


# --- the duration chart ---------------------------------------------------------------------------------------

#: The time axis's labels by tick spacing: hours within a day (`06/12 14.00`), the date alone for days and longer;
#: never the same label on every tick.
TICKS = [
    {"dtickrange": [None, 86_400_000], "value": "%d/%m %H.%M"},
    {"dtickrange": [86_400_000, None], "value": "%d/%m"},
]


def duration_chart(points: list[DurationPoint]) -> Any:
    """Seconds per succeeded run over time (mean per hour), one line per job; the empty state when there are none."""
    if not points:
        return empty_state(
            "Belum ada proses berhasil dalam 30 hari terakhir.", "Grafik muncul setelah pekerjaan pertama selesai."
        )
    figure = go.Figure()
    for job in JOBS:
        mine = [p for p in points if p.job_id == job.job_id]
        if mine:
            figure.add_trace(
                go.Scatter(
                    x=[p.hour.astimezone(WIB).replace(tzinfo=None) for p in mine],
                    y=[p.mean_seconds for p in mine],
                    mode="lines+markers",
                    name=job.title,
                    customdata=[
                        f"{durasi(p.mean_seconds)} rata-rata, {durasi(p.max_seconds)} terlama, {p.runs} proses"
                        for p in mine
                    ],
                    hovertemplate="%{x|%d/%m %H}.00 WIB<br>%{customdata}<extra>" + job.title + "</extra>",
                )
            )
    figure.update_layout(
        template="plotly_white",
        height=340,
        margin={"l": 60, "r": 20, "t": 10, "b": 40},
        legend={"orientation": "h", "y": -0.2},
        font={"family": FONT},
        yaxis={"title": {"text": "detik"}, "rangemode": "tozero"},
        xaxis={"title": {"text": "mulai (WIB)"}, "tickformatstops": TICKS},
    )
    return chart("pj-grafik", figure, modebar=False)
