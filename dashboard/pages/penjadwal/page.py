"""Penjadwal: do the scheduled jobs run? Which scheduler process leads, each job's next and last run, the run
history with each failure's error, durations over 30 days; admin and petugas MPN run a job now or pause it.

The page asks the database, never the scheduler process: next run times come from `jobs.scheduling.definitions`, the
rest from `queries.scheduling.store`. "Jalankan sekarang" writes a run-now request the active scheduler picks up on
its next tick; pausing writes `scheduler_job`; both are audited, and both refuse (inside the store) anyone who does
not hold `scheduling.operate`. Strip, table and grid refresh every 5 s.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, ctx, dcc, html
from dash.exceptions import PreventUpdate

from dashboard.access import act, callback, current_user
from dashboard.components.cards import page_header, page_or_unavailable, section
from dashboard.components.data import fetch, perform
from dashboard.pages.penjadwal import view
from dashboard.pages.penjadwal.view import CELLS, PAUSE, RESUME, RUN
from jobs.scheduling.definitions import BY_ID, job_board
from queries import config
from queries.accounts.users import User
from queries.permissions import roles_for
from queries.scheduling.store import acts_for, instances, recent_runs, run_by_id, run_durations, run_now, set_paused

#: Who sees the page; who runs a job now, pauses and resumes it.
READERS, ACTORS = roles_for("page.penjadwal"), roles_for("scheduling.operate")

dash.register_page(
    __name__, path="/penjadwal", name="Penjadwal", title="Penjadwal · MPN Monitor", order=80, roles=READERS
)

TICK, VERSION, STRIP, MESSAGE = "pj-detik", "pj-versi", "pj-status", "pj-pesan"
FILTER, GRID, DETAIL = "pj-filter", "pj-riwayat", "pj-detail"
REFRESH_MS = 5000
HISTORY = 100

TITLE = "Penjadwal"
QUESTION = "Apakah pekerjaan terjadwal berjalan?"

log = logging.getLogger(__name__)


def layout(**_query: str) -> html.Div:
    """Status strip, jobs table, run history with the clicked run's detail, duration chart."""
    body = page_or_unavailable(lambda: page_body(), title=TITLE, subtitle=QUESTION)
    return html.Div(body, className="mpn-page")


def page_body() -> list[Any]:
    """The page's parts, read fresh for this visit."""
    user, now = current_user(), config.now()
    can_act = bool(acts_for(user))
    note = "Jadwal berasal dari kode dan pengaturan; waktu dalam WIB. " + (
        '"Jalankan sekarang" meminta penjadwal aktif menjalankan pekerjaan dalam beberapa detik; '
        "pekerjaan yang dijeda dilewati pada jadwalnya."
        if can_act
        else ""
    )
    return [
        page_header(TITLE, QUESTION),
        dcc.Interval(id=TICK, interval=REFRESH_MS),
        dcc.Store(id=VERSION, data=0),
        html.Div(view.status_strip(fetch(instances), now), id=STRIP),
        html.Div(id=MESSAGE),
        section(
            "Pekerjaan", [view.jobs_table(fetch(job_board, now=now, tz=config.timezone()), can_act=can_act)], note=note
        ),
        section(
            "Riwayat proses",
            [
                dbc.Row(
                    dbc.Col(dcc.Dropdown(id=FILTER, options=view.job_options(), placeholder="Semua pekerjaan"), md=4),
                    className="mb-2 mpn-filters",
                ),
                view.runs_grid(GRID, fetch(recent_runs, limit=HISTORY)),
                html.Div(id=DETAIL, className="mt-3"),
            ],
            note=f"{HISTORY} proses terakhir, terbaru di atas. Klik sebuah baris untuk melihat rinciannya; "
            "proses gagal menampilkan galatnya.",
        ),
        section(
            "Durasi proses",
            [view.duration_chart(fetch(run_durations, since=now - timedelta(days=30)))],
            note="Lama setiap proses yang berhasil dalam 30 hari terakhir, per pekerjaan (detik).",
        ),
    ]


@callback(
    Output(STRIP, "children"),
    Input(TICK, "n_intervals"),
    Input(VERSION, "data"),
    prevent_initial_call=True,
    roles=READERS,
)
def refresh_strip(_tick: int | None, _version: int | None) -> dbc.Alert:
    """The leader and its heartbeat, again."""
    return view.status_strip(fetch(instances), config.now())


@callback(
    *(Output({"type": kind, "job": ALL}, "children") for kind in CELLS),
    Output({"type": RUN, "job": ALL}, "disabled"),
    Output({"type": PAUSE, "job": ALL}, "style"),
    Output({"type": RESUME, "job": ALL}, "style"),
    Input(TICK, "n_intervals"),
    Input(VERSION, "data"),
    prevent_initial_call=True,
    roles=READERS,
)
def refresh_table(_tick: int | None, _version: int | None) -> tuple[list[Any], ...]:
    """Every changing cell of the jobs table (and the buttons' state, where there are buttons)."""
    board = fetch(job_board, now=config.now(), tz=config.timezone())
    outputs = ctx.outputs_list
    cells = tuple([view.cell(kind, o["id"]["job"], board) for o in outputs[i]] for i, kind in enumerate(CELLS))
    n = len(CELLS)
    return (
        *cells,
        [o["id"]["job"] in board.running for o in outputs[n]],
        [view.HIDDEN if o["id"]["job"] in board.paused else view.SHOWN for o in outputs[n + 1]],
        [view.SHOWN if o["id"]["job"] in board.paused else view.HIDDEN for o in outputs[n + 2]],
    )


@callback(
    Output(GRID, "rowData"),
    Input(TICK, "n_intervals"),
    Input(VERSION, "data"),
    Input(FILTER, "value"),
    prevent_initial_call=True,
    roles=READERS,
)
def refresh_runs(_tick: int | None, _version: int | None, job_id: str | None) -> list[dict[str, Any]]:
    """The newest runs, of the chosen job or all."""
    if job_id is not None and job_id not in BY_ID:
        raise PreventUpdate
    return [view.run_row(r) for r in fetch(recent_runs, job_id=job_id, limit=HISTORY)]


@callback(Output(DETAIL, "children"), Input(GRID, "cellClicked"), prevent_initial_call=True, roles=READERS)
def detail(clicked: dict[str, Any] | None) -> Any:
    """The clicked run in full; a failed run with its error text."""
    try:
        run = fetch(run_by_id, int((clicked or {})["rowId"]))
    except (KeyError, TypeError, ValueError):
        raise PreventUpdate from None
    if run is None:
        raise PreventUpdate
    return view.run_detail(run)


@callback(
    Output(MESSAGE, "children"),
    Output(VERSION, "data"),
    Input({"type": RUN, "job": ALL}, "n_clicks"),
    Input({"type": PAUSE, "job": ALL}, "n_clicks"),
    Input({"type": RESUME, "job": ALL}, "n_clicks"),
    State(VERSION, "data"),
    prevent_initial_call=True,
    roles=ACTORS,
)
def operate(
    _run: list[int | None], _pause: list[int | None], _resume: list[int | None], version: int | None
) -> tuple[dbc.Alert, int]:
    """Run now, pause or resume the clicked job (audited as the user); the refresh follows at once."""
    pressed = ctx.triggered_id
    if not isinstance(pressed, dict) or not ctx.triggered:
        raise PreventUpdate
    job, kind = BY_ID.get(str(pressed.get("job"))), pressed.get("type")
    if job is None or kind not in (RUN, PAUSE, RESUME):
        raise PreventUpdate

    def press(user: User) -> tuple[str, str]:
        if kind == RUN:
            perform(run_now, job.job_id, actor=user.actor())
            live = any(i.is_leader and i.alive(config.now()) for i in fetch(instances))
            told = (
                f"Permintaan dikirim; penjadwal menjalankannya dalam beberapa detik ({job.title})."
                if live
                else f"{job.title}: permintaan dicatat, tetapi penjadwal tidak aktif; pekerjaan berjalan setelah "
                "penjadwal dijalankan."
            )
            color = "success" if live else "warning"
        else:
            pause = kind == PAUSE
            changed = perform(set_paused, job.job_id, pause, actor=user.actor())
            word = "dijeda" if pause else "dilanjutkan"
            told = (
                f"{job.title} {word}." + (" Jadwalnya dilewati sampai dilanjutkan." if pause else "")
                if changed
                else f"{job.title} sudah {word}."
            )
            color = "success" if changed else "info"
        log.info("scheduler %s %s by %s", kind, job.job_id, user.username)
        return told, color

    def said(told: str, color: str) -> tuple[dbc.Alert, int]:
        return (
            dbc.Alert(told, color=color, dismissable=True, className="py-2", id="pj-pesan-hasil"),
            (version or 0) + 1,
        )

    return act(
        ctx.triggered[0].get("value"),
        press,
        done=lambda outcome: said(*outcome),
        refused=lambda why: said(why.message, "danger"),
    )
