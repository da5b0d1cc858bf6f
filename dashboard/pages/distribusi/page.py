"""Distribusi: has the business date's data reached SIDJP and SIPMOD (SE-127 steps 9-19)?

Cards per target (success rate, failed, on the way) and the delivery progress; the date's rounds with their
two-level approval and the buttons the user's role may press (prepare, request, approve, return); per target and
KPP what arrived and when the KPP has it; what is held and why; failed and unconfirmed batches, sent again on
request; 30 working days of success rate and latency; the report. Every act is one `queries` function taking the
user, in one transaction (`perform`): the area checks the role and says which buttons show (`acts_for`), and
`dashboard.access.act` shows its refusal in red. While batches are sending or a run is queued the page refreshes
every 5 s.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar

import dash
from dash import Input, Output, State, ctx, dcc, html
from dash.exceptions import PreventUpdate

from dashboard.access import act, callback, current_user
from dashboard.components.cards import page_header, page_or_unavailable, section
from dashboard.components.data import fetch, perform
from dashboard.components.dates import DAY_PARAM, date_tools, day_notice, page_day, parse_day, search
from dashboard.pages.distribusi import view
from dashboard.pages.distribusi.view import (
    DOWNLOAD,
    MESSAGE,
    NOTE,
    PDF,
    REDISTRIBUTE,
    REDISTRIBUTE_ALL,
    XLSX,
)
from jobs.documents.distribution_report import make_report
from queries.accounts.users import User
from queries.calendar import calendar_from_db
from queries.distribution import prepare as dist
from queries.distribution.read import (
    BatchKey,
    delivery_queue,
    kpp_availability,
    kpp_names,
    mark_for_redistribution,
    round_approvals,
    target_days,
)
from queries.formatting import angka, rupiah
from queries.permissions import roles_for

PATH = "/distribusi"
READERS = roles_for("page.distribusi")
dash.register_page(__name__, path=PATH, name="Distribusi", title="Distribusi · MPN Monitor", order=40, roles=READERS)

LOCATION, DATE_PICKER, DAY, VERSION, TICK = "ds-url", "ds-tanggal", "ds-hari", "ds-versi", "ds-detik"
STATUS, ROUNDS, APPROVAL, HINT, NOTE_GROUP = (
    "ds-status",
    "ds-putaran-wadah",
    "ds-persetujuan-wadah",
    "ds-aksi-petunjuk",
    "ds-grup-catatan",
)
KPP_GRID, HELD, BATCH_GRID, CHART = "ds-kpp", "ds-ditahan-wadah", "ds-batch", "ds-grafik-wadah"
REFRESH_MS = 5000
UNCONFIRMED = ("approved", "sending", "failed")

TITLE = "Distribusi"
QUESTION = "Sudah sampaikah data ke SIDJP dan SIPMOD?"

log = logging.getLogger(__name__)
T = TypeVar("T")


def layout(tanggal: str | None = None, **_ignored: str) -> html.Div:
    """The page for `?tanggal=YYYY-MM-DD`, by default the last working day begun."""
    body = page_or_unavailable(lambda: page_body(tanggal), title=TITLE, subtitle=QUESTION)
    return html.Div([dcc.Location(id=LOCATION, refresh="callback-nav"), *body], className="mpn-page")


def page_body(tanggal: str | None) -> list[Any]:
    """Header with the date tools, then status, rounds and approval, per KPP, held, batches, trend, report."""
    day, notice = page_day(tanggal)
    parts = status_parts(day)
    return [
        page_header(TITLE, QUESTION, date_tools(day, path=PATH, picker_id=DATE_PICKER)),
        notice,
        day_notice(day),
        dcc.Store(id=DAY, data=day.isoformat()),
        dcc.Store(id=VERSION, data=0),
        dcc.Interval(id=TICK, interval=REFRESH_MS, disabled=not parts["busy"]),
        html.Div(id=MESSAGE),
        html.Div(parts["status"], id=STATUS),
        section(
            "Putaran dan persetujuan",
            [
                html.Div(parts["rounds"], id=ROUNDS, className="mb-3"),
                html.Div(
                    [html.Div(parts["approval"], id=APPROVAL, className="mb-3"), view.actions(parts["acts"])],
                    className="mpn-actions",
                ),
            ],
            note="Pelaksana atau Petugas MPN menyiapkan; Pelaksana mengajukan; Kasi lalu Kasubdit menyetujui. "
            "Setelah persetujuan kedua penjadwal langsung mengirim.",
        ),
        section(
            "Per tujuan dan KPP",
            [view.kpp_grid(KPP_GRID, parts["kpp"])],
            note="Data tersedia bagi KPP setelah seluruh batchnya terkonfirmasi di SIDJP dan SIPMOD.",
        ),
        section(
            "Data ditahan",
            [html.Div(parts["held"], id=HELD)],
            note="Data bank/pos tanpa surat pernyataan yang sesuai, belum direkonsiliasi atau dengan selisih "
            "terbuka ditahan; ikut putaran berikutnya setelah syaratnya terpenuhi.",
        ),
        section(
            "Batch gagal dan belum terkonfirmasi",
            [
                view.batch_grid(BATCH_GRID, parts["batches"]),
                view.redistribute_tools("redistribute" in parts["acts"]),
            ],
            note="Centang batch gagal lalu “Distribusikan ulang”, atau kirim ulang semua yang gagal; penjadwal "
            "mengirimnya dalam beberapa detik.",
        ),
        section(
            "30 hari kerja terakhir",
            [html.Div(trend(day), id=CHART)],
            note="Persentase baris terkonfirmasi per tanggal buku dan tujuan, dan median latensi pengiriman "
            "yang terkonfirmasi.",
        ),
        section(
            "Laporan distribusi",
            [view.report_tools()],
            note="Laporan distribusi dan pemantauannya (SE-127 langkah 18), disimpan setiap kali dibuat.",
        ),
    ]


def status_parts(day: date) -> dict[str, Any]:
    """Everything that changes while delivery runs or after an act, read fresh."""
    user = current_user()
    today = fetch(target_days, [day])
    queue = fetch(delivery_queue, day)
    rounds = fetch(dist.distributions, day)
    approvals = fetch(round_approvals, day)
    latest = rounds[-1] if rounds else None
    approval = approvals.get(latest.distribution_id) if latest else None
    acts = dist.acts_for(user, latest, approval)
    times = view.times_note(today)
    names = fetch(kpp_names)
    return {
        "busy": queue.busy,
        "status": [
            view.target_cards(today),
            view.progress(queue),
            html.Div(times, className="mpn-section-note mt-1", id="ds-waktu") if times else None,
        ],
        "rounds": view.rounds_table(rounds),
        "approval": view.approval_steps(approval),
        "acts": acts,
        "kpp": view.kpp_rows(fetch(dist.target_status, day), fetch(kpp_availability, day), day, names),
        "held": view.held_table(fetch(dist.held, day), prepared=bool(rounds)),
        "batches": view.batch_rows(fetch(dist.batches, day, states=UNCONFIRMED), day, names),
    }


def trend(day: date) -> Any:
    """The chart of the 30 working days up to `day`."""
    days = fetch(calendar_from_db).last_working_days(30, until=day)
    return view.trend_chart(fetch(target_days, days), days[0], days[-1])


@callback(Output(LOCATION, "search"), Input(DATE_PICKER, "date"), prevent_initial_call=True, roles=READERS)
def go_to_date(value: str | None) -> str:
    """A picked date becomes `?tanggal=YYYY-MM-DD`."""
    day = parse_day(value)
    if day is None:
        raise PreventUpdate
    return search(**{DAY_PARAM: day.isoformat()})


BUTTON_STYLES = [Output(button, "style") for button in view.BUTTONS.values()]


@callback(
    Output(STATUS, "children"),
    Output(ROUNDS, "children"),
    Output(APPROVAL, "children"),
    *BUTTON_STYLES,
    Output(NOTE_GROUP, "style"),
    Output(HINT, "children"),
    Output(KPP_GRID, "rowData"),
    Output(HELD, "children"),
    Output(BATCH_GRID, "rowData"),
    Output(CHART, "children"),
    Output(TICK, "disabled"),
    Input(TICK, "n_intervals"),
    Input(VERSION, "data"),
    State(DAY, "data"),
    prevent_initial_call=True,
    roles=READERS,
)
def refresh(_tick: int | None, _version: int | None, day: str | None) -> tuple[Any, ...]:
    """Every changing part, and the buttons this user may press now."""
    business_date = parse_day(day)
    if business_date is None:
        raise PreventUpdate
    parts = status_parts(business_date)
    acts = parts["acts"]
    return (
        parts["status"],
        parts["rounds"],
        parts["approval"],
        *(view.shown_if(name in acts) for name in view.BUTTONS),
        view.shown_if("reject" in acts),
        view.acts_hint(acts),
        parts["kpp"],
        parts["held"],
        parts["batches"],
        trend(business_date),
        not parts["busy"],
    )


def _act_callback(name: str, *states: State) -> Any:
    """The callback of one act's button (a key of `dist.ACTS`), for the roles holding its action."""
    button = view.BUTTONS[name]
    return callback(
        Output(MESSAGE, "children", allow_duplicate=True),
        Output(VERSION, "data", allow_duplicate=True),
        Input(button, "n_clicks"),
        State(DAY, "data"),
        State(VERSION, "data"),
        *states,
        running=[(Output(button, "disabled"), True, False)],
        prevent_initial_call=True,
        roles=roles_for(dist.ACTS[name][0]),
    )


def _run(
    clicks: int | None,
    day: str | None,
    version: int | None,
    command: Callable[..., T],
    done: Callable[[T], str],
    **kwargs: Any,
) -> tuple[Any, int]:
    """`command(conn, day, actor=<the user>, **kwargs)` in one transaction (the area checks the role and audits);
    the outcome's message (or the refusal) and the next version."""
    business_date = parse_day(day)
    if business_date is None:
        raise PreventUpdate
    following = (version or 0) + 1

    def performed(user: User) -> T:
        outcome = perform(command, business_date, actor=user, **kwargs)
        log.info("distribution %s: %s by %s", business_date, command.__name__, user.username)
        return outcome

    return act(
        clicks,
        performed,
        done=lambda outcome: (view.alert(done(outcome), ok=True), following),
        refused=lambda why: (view.alert(why.message, ok=False), following),
    )


@_act_callback("prepare")
def prepare(clicks: int | None, day: str | None, version: int | None) -> tuple[Any, int]:
    """SE-127 steps 9-11: sort and prepare the date's open round."""
    return _run(
        clicks,
        day,
        version,
        dist.prepare,
        lambda d: (
            f"Putaran {d.round} disiapkan: {angka(d.row_count)} baris ({rupiah(d.amount)}) dalam "
            f"{view.per_target(d.batch_count)} per tujuan; {angka(d.held_count)} baris ditahan."
        ),
    )


@_act_callback("request")
def request(clicks: int | None, day: str | None, version: int | None) -> tuple[Any, int]:
    """SE-127 step 12: the pelaksana asks approval."""
    return _run(clicks, day, version, dist.request, lambda a: "Distribusi diajukan; menunggu persetujuan Kepala Seksi.")


@_act_callback("approve")
def approve(clicks: int | None, day: str | None, version: int | None) -> tuple[Any, int]:
    """SE-127 steps 13-14: kasi, then kasubdit; the second approval queues the delivery."""
    return _run(
        clicks,
        day,
        version,
        dist.approve,
        lambda a: (
            "Distribusi disetujui penuh; penjadwal mengirim data ke SIDJP dan SIPMOD."
            if a.status == "approved"
            else "Distribusi disetujui; menunggu persetujuan Kepala Subdirektorat."
        ),
    )


@_act_callback("reject", State(NOTE, "value"))
def reject(clicks: int | None, day: str | None, version: int | None, note: str | None) -> tuple[Any, int]:
    """Return the request with a note."""
    return _run(
        clicks, day, version, dist.reject, lambda a: "Pengajuan dikembalikan kepada Pelaksana.", note=note or ""
    )


@callback(
    Output(MESSAGE, "children", allow_duplicate=True),
    Output(VERSION, "data", allow_duplicate=True),
    Input(REDISTRIBUTE, "n_clicks"),
    Input(REDISTRIBUTE_ALL, "n_clicks"),
    State(BATCH_GRID, "selectedRows"),
    State(DAY, "data"),
    State(VERSION, "data"),
    running=[(Output(REDISTRIBUTE, "disabled"), True, False), (Output(REDISTRIBUTE_ALL, "disabled"), True, False)],
    prevent_initial_call=True,
    roles=roles_for("distribution.redistribute"),
)
def redistribute(
    _chosen: int | None, _all: int | None, selected: list[dict[str, Any]] | None, day: str | None, version: int | None
) -> tuple[Any, int]:
    """SE-127 step 16: the checked failed batches (or all failed) back to approved, and a scheduler run asked."""
    keys = None
    if ctx.triggered_id == REDISTRIBUTE:
        keys = [BatchKey(*str(row.get("id", "")).split("/", 1)) for row in selected or [] if "/" in str(row.get("id"))]
    return _run(
        _clicked(),
        day,
        version,
        mark_for_redistribution,
        lambda reset: f"{angka(len(reset))} batch dikirim ulang; menunggu penjadwal…",
        batches=keys,
    )


def _clicked() -> int | None:
    """The clicks of the button that fired a callback with several (None when nothing was clicked)."""
    return ctx.triggered[0].get("value") if ctx.triggered else None


@callback(
    Output(DOWNLOAD, "data"),
    Output(MESSAGE, "children", allow_duplicate=True),
    Input(PDF, "n_clicks"),
    Input(XLSX, "n_clicks"),
    State(DAY, "data"),
    running=[(Output(PDF, "disabled"), True, False), (Output(XLSX, "disabled"), True, False)],
    prevent_initial_call=True,
    roles=READERS,
)
def download(_pdf: int | None, _xlsx: int | None, day: str | None) -> tuple[Any, Any]:
    """The report of the date's distribution and monitoring, made now and kept on file."""
    business_date = parse_day(day)
    if business_date is None:
        raise PreventUpdate
    fmt = "pdf" if ctx.triggered_id == PDF else "xlsx"
    return act(
        _clicked(),
        lambda user: perform(make_report, business_date, fmt=fmt, made_by=user.username),
        done=lambda made: (dcc.send_bytes(made[1], made[0]), dash.no_update),
        refused=lambda why: (dash.no_update, view.alert(why.message, ok=False)),
    )  # NoDistribution
