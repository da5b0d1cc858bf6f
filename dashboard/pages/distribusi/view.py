"""The Distribusi page's pieces: cards per target, progress, rounds and their approval, the action buttons, the
per-KPP grid, held data, the failed/unconfirmed batches grid, the 30-day chart and the report buttons.

Layout builders only; the page's callbacks call `queries.distribution.prepare` / `.read`, which check roles and
name the acts a user may take (`acts_for`).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
import plotly.graph_objects as go
from dash import dcc, html
from plotly.subplots import make_subplots

from dashboard.components.cards import empty_state, kpi_card
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
from queries.accounts.approvals import Approval
from queries.accounts.users import ROLES, SYSTEM_ACCOUNT
from queries.distribution.prepare import (
    BATCH_STATES,
    TARGET_TITLES,
    TARGETS,
    BatchRow,
    Distribution,
    Held,
    TargetStatus,
)
from queries.distribution.read import DeliveryQueue, KppAvailability, TargetDay
from queries.formatting import angka, jam_wib, persen_dari, rupiah, waktu_wib
from queries.labels import actor_name

FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", "Noto Sans", "Liberation Sans", Arial'
COLORS = {"sidjp": "#0b3d91", "sipmod": "#d97706"}
HIDDEN: dict[str, str] = {"display": "none"}
SHOWN: dict[str, str] = {}
HALF_DAY = timedelta(hours=12)
BAR_MS = 0.4 * 86_400_000  # a bar's width on a date axis: 0.4 day per target, side by side

MESSAGE, RESULT = "ds-pesan", "ds-pesan-isi"
PREPARE, REQUEST, APPROVE, REJECT, NOTE = "ds-siapkan", "ds-ajukan", "ds-setujui", "ds-kembalikan", "ds-catatan"
REDISTRIBUTE, REDISTRIBUTE_ALL = "ds-ulang", "ds-ulang-semua"
PDF, XLSX, DOWNLOAD = "ds-unduh-pdf", "ds-unduh-xlsx", "ds-unduh"
#: The button of each act on the round (`queries.distribution.prepare.acts_for` says which are shown).
BUTTONS: dict[str, str] = {"prepare": PREPARE, "request": REQUEST, "approve": APPROVE, "reject": REJECT}
STATE_COLORS = {
    title: color
    for title, color in zip(BATCH_STATES.values(), ("secondary", "info", "primary", "success", "danger"), strict=True)
}


def alert(message: str, *, ok: bool, tone: str | None = None) -> dbc.Alert:
    """The outcome of an act: green, or red with the refusal."""
    return dbc.Alert(
        message, color=tone or ("success" if ok else "danger"), dismissable=True, id=RESULT, className="py-2"
    )


def percent(part: int, whole: int) -> str:
    """`98,5%` (`queries.formatting.persen_dari`, one style everywhere); `—` when there is nothing."""
    return persen_dari(part, whole)


# --- headline -----------------------------------------------------------------------------------------------------


def target_cards(days: list[TargetDay]) -> dbc.Row:
    """Per target: confirmed over due (rows and batches); then failed and still on the way at both targets."""
    by_target = {t.target: t for t in days}
    cards = []
    for target in TARGETS:
        t = by_target.get(target)
        if t is None:
            cards.append(
                kpi_card(f"Sukses {TARGET_TITLES[target]}", "—", "belum ada distribusi yang disetujui", tone="primary")
            )
            continue
        tone = "success" if t.batches_confirmed == t.batches else "danger" if t.batches_failed else "warning"
        cards.append(
            kpi_card(
                f"Sukses {TARGET_TITLES[target]}",
                percent(t.rows_confirmed, t.rows),
                f"{angka(t.batches_confirmed)} dari {angka(t.batches)} batch, "
                f"{angka(t.rows_confirmed)} dari {angka(t.rows)} baris terkonfirmasi",
                tone=tone,
            )
        )
    failed = sum(t.batches_failed for t in days)
    moving = sum(t.batches_sending + t.batches_waiting for t in days)
    cards.append(
        kpi_card(
            "Gagal",
            angka(failed),
            "batch gagal di kedua tujuan; dapat didistribusikan ulang",
            tone="danger" if failed else "success",
        )
    )
    cards.append(
        kpi_card(
            "Sedang dikirim",
            angka(moving),
            "batch dikirim atau menunggu penjadwal",
            tone="warning" if moving else "success",
        )
    )
    return dbc.Row(cards, className="g-3 mpn-kpis", id="ds-kpi")


def progress(queue: DeliveryQueue) -> Any:
    """`1.240 dari 1.300 batch terkonfirmasi` with a bar while delivery moves, and whether the scheduler is asked."""
    if not queue.batches:
        return None
    line = (
        f"{angka(queue.confirmed)} dari {angka(queue.batches)} kiriman terkonfirmasi "
        f"({per_target(queue.batches)} × {len(TARGETS)} tujuan)"
    )
    if queue.running or queue.sending:
        state = "Sedang dikirim…"
    elif queue.confirmed == queue.batches:
        state = "Semua terkonfirmasi."
    elif queue.requested or queue.waiting:
        state = "Menunggu penjadwal…"
    else:
        state = f"{angka(queue.failed)} batch gagal."
    bar = dbc.Progress(
        value=round(100 * queue.confirmed / queue.batches),
        className="mt-1",
        style={"height": "6px"},
        color="success" if queue.confirmed == queue.batches else "primary",
    )
    return html.Div(
        [html.Span(line, id="ds-kemajuan-teks"), html.Span(" · "), html.Span(state, id="ds-penjadwal"), bar],
        className="mpn-section-note mt-2",
        id="ds-kemajuan",
    )


# --- rounds and approval ------------------------------------------------------------------------------------------


def rounds_table(rounds: list[Distribution]) -> Any:
    """The date's rounds: status, rows and amount, batches, held."""
    if not rounds:
        return empty_state(
            "Belum ada distribusi untuk tanggal ini.",
            "Pelaksana atau Petugas MPN menekan “Siapkan” untuk memilah data dan menyiapkannya.",
        )
    head = html.Thead(
        html.Tr(
            [
                html.Th(h)
                for h in (
                    "Putaran",
                    "Status",
                    "Baris",
                    "Nilai",
                    "Batch per tujuan",
                    "Ditahan",
                    "Disiapkan",
                    "Disetujui",
                )
            ]
        )
    )
    body = html.Tbody(
        [
            html.Tr(
                [
                    html.Td(str(d.round)),
                    html.Td(dbc.Badge(d.status_title, color=_round_color(d.status))),
                    html.Td(angka(d.row_count), className="mpn-num"),
                    html.Td(rupiah(d.amount), className="mpn-num"),
                    html.Td(per_target(d.batch_count), className="mpn-num"),
                    html.Td(f"{angka(d.held_count)} baris · {rupiah(d.held_amount)}" if d.held_count else "—"),
                    html.Td(f"oleh {actor_name(d.prepared_by)} · {waktu_wib(d.prepared_at)}"),
                    html.Td(waktu_wib(d.approved_at) if d.approved_at else "—"),
                ],
                id=f"ds-putaran-{d.round}",
            )
            for d in rounds
        ]
    )
    return dbc.Table([head, body], size="sm", hover=True, responsive=True, className="mb-0", id="ds-putaran")


def per_target(batches: int) -> str:
    """Batches counted per target, as the target cards count them: each batch goes to SIDJP and to SIPMOD."""
    each, rest = divmod(batches, len(TARGETS))
    return f"{angka(each)} batch" if not rest else f"{angka(batches)} kiriman"


def maker_name(made_by: str) -> str:
    """Who asked: the system account asks only from the scheduler's jobs (held data released)."""
    return "sistem (penjadwal)" if made_by == SYSTEM_ACCOUNT else actor_name(made_by)


def _round_color(status: str) -> str:
    return {"prepared": "secondary", "approved": "info", "delivering": "primary", "delivered": "success"}.get(
        status, "light"
    )


def approval_steps(approval: Approval | None) -> Any:
    """Request → Kasi → Kasubdit, with who and when; a returned request with its note."""
    if approval is None:
        return html.Div("Belum diajukan untuk persetujuan.", className="text-secondary", id="ds-persetujuan")
    items = [html.Li(f"Diajukan oleh {maker_name(approval.made_by)} · {waktu_wib(approval.made_at)}")]
    for step, role in enumerate(approval.steps, start=1):
        d = approval.decision_for(step)
        title = ROLES.get(role, role)
        if d is None:
            waiting = approval.status == "pending" and approval.next_step == step
            items.append(html.Li(f"{title}: {'menunggu' if waiting else '—'}", className="text-secondary"))
        elif d.decision == "approved":
            items.append(html.Li(f"{title}: disetujui · {d.username} · {waktu_wib(d.decided_at)}"))
        else:
            items.append(
                html.Li(
                    [
                        f"{title}: dikembalikan · {d.username} · {waktu_wib(d.decided_at)}",
                        html.Div(f"Catatan: {d.note}", className="small"),
                    ],
                    className="text-danger",
                )
            )
    return html.Div(
        [
            dbc.Badge(approval.status_title, color=_approval_color(approval.status), className="mb-2"),
            html.Ol(items, className="mb-0 ps-3"),
        ],
        id="ds-persetujuan",
    )


def _approval_color(status: str) -> str:
    return {"pending": "warning", "approved": "success", "rejected": "danger"}.get(status, "secondary")


def actions(acts: frozenset[str]) -> html.Div:
    """Every act's button (those in `acts` shown; the page shows and hides them later), the return note, a hint."""

    def button(label: str, act: str, color: str, outline: bool = False) -> dbc.Button:
        return dbc.Button(
            label,
            id=BUTTONS[act],
            color=color,
            outline=outline,
            className="me-2",
            n_clicks=0,
            style=shown_if(act in acts),
        )

    return html.Div(
        [
            button("Siapkan", "prepare", "primary", outline=True),
            button("Ajukan persetujuan", "request", "primary"),
            button("Setujui", "approve", "success"),
            button("Kembalikan", "reject", "danger", outline=True),
            html.Div(
                dbc.Input(id=NOTE, placeholder="Catatan pengembalian (wajib untuk Kembalikan)", className="mt-2"),
                id="ds-grup-catatan",
                style=shown_if("reject" in acts),
            ),
            html.Div(acts_hint(acts), id="ds-aksi-petunjuk", className="small text-secondary mt-2"),
        ],
        id="ds-aksi",
    )


def shown_if(condition: bool) -> dict[str, str]:
    """A style that shows an element, or hides it."""
    return SHOWN if condition else HIDDEN


def acts_hint(acts: frozenset[str]) -> str:
    """One line under the buttons (the round's acts: not redistribution, which has its own section)."""
    if not acts & BUTTONS.keys():
        return "Tidak ada tindakan untuk Anda pada distribusi ini sekarang."
    if "approve" in acts:
        return "Periksa putaran, data ditahan dan tabel per KPP sebelum menyetujui."
    return "“Siapkan” memilah ulang data tanggal ini; pengajuan yang belum diputus gugur bila isinya berubah."


# --- per KPP, held, batches -----------------------------------------------------------------------------------------

KPP_COLUMNS = [
    text_column("target", "Tujuan", width=100, pinned="left"),
    text_column("kpp", "KPP", flex=1, minWidth=180),
    formatted_column("rows_prepared", "Baris disiapkan", width=130),
    formatted_column("rows_confirmed", "Terkonfirmasi", width=145),
    formatted_column("rows_failed", "Gagal", width=100),
    formatted_column("attempts", "Percobaan", width=110),
    text_column("available", "Tersedia di KPP", width=170),
]


def kpp_text(code: str, names: dict[str, str]) -> str:
    """`001 · KPP Pratama Jakarta Gambir Satu`; the code alone when master data has no name."""
    return f"{code} · {names[code]}" if names.get(code) else code


def kpp_rows(
    statuses: list[TargetStatus], availability: list[KppAvailability], day: date, names: dict[str, str] | None = None
) -> list[dict[str, Any]]:
    """One row per target and KPP (code and name), with the KPP's availability (both targets confirmed)."""
    names = {**{a.kpp_code: a.kpp_name for a in availability}, **(names or {})}
    by_kpp = {a.kpp_code: a for a in availability}
    rows = []
    for s in statuses:
        a = by_kpp.get(s.kpp_code)
        rows.append(
            {
                "id": f"{s.target}/{s.kpp_code}",
                "target": TARGET_TITLES[s.target],
                "kpp": kpp_text(s.kpp_code, names),
                **shown("rows_prepared", s.rows_prepared, angka(s.rows_prepared)),
                **shown("rows_confirmed", s.rows_confirmed, angka(s.rows_confirmed)),
                **shown("rows_failed", s.rows_failed, angka(s.rows_failed)),
                **shown("attempts", s.attempts, angka(s.attempts)),
                "available": f"✓ {jam_wib(a.available_at, day=day)}" if a and a.available_at else "—",
            }
        )
    return rows


def kpp_grid(grid_id: str, rows: list[dict[str, Any]]) -> dag.AgGrid:
    """The per target × KPP grid."""
    return dag.AgGrid(
        id=grid_id,
        columnDefs=KPP_COLUMNS,
        rowData=rows,
        defaultColDef=DEFAULT_COL_DEF,
        getRowId="params.data.id",
        dashGridOptions={
            "theme": THEME,
            "domLayout": "autoHeight",
            "pagination": True,
            "paginationPageSize": 20,
            "localeText": LOCALE_ID,
        },
        className="mpn-grid",
    )


def held_table(held: list[Held], *, prepared: bool = True) -> Any:
    """What the latest round held back per bank and reason; a missing statement letter links to its page.
    `prepared`: a round exists for the date (without one nothing has been checked, so nothing is said to qualify)."""
    if not held and not prepared:
        return empty_state(
            "Belum ada putaran distribusi untuk tanggal ini.",
            "Syarat distribusi diperiksa saat putaran disiapkan; data yang ditahan tampil di sini.",
        )
    if not held:
        return empty_state("Tidak ada data yang ditahan.", "Semua data putaran terakhir memenuhi syarat distribusi.")
    head = html.Thead(html.Tr([html.Th(h) for h in ("Bank/pos", "Alasan", "Baris", "Nilai", "")]))
    body = html.Tbody(
        [
            html.Tr(
                [
                    html.Td(f"{h.bank_code} · {h.bank_name}"),
                    html.Td(h.reason_title),
                    html.Td(angka(h.row_count), className="mpn-num"),
                    html.Td(rupiah(h.amount), className="mpn-num"),
                    html.Td(
                        dcc.Link("Catat surat pernyataan", href="/surat-pernyataan")
                        if h.reason == "no_statement"
                        else ""
                    ),
                ],
                id=f"ds-tahan-{h.bank_code}-{h.reason}",
            )
            for h in held
        ]
    )
    return dbc.Table([head, body], size="sm", hover=True, responsive=True, className="mb-0", id="ds-ditahan")


BATCH_COLUMNS = [
    text_column("target", "Tujuan", width=110),
    text_column("batch_id", "Batch", flex=1, minWidth=240),
    text_column("kpp_code", "KPP", width=260, tooltipField="kpp_code"),
    formatted_column("row_count", "Baris", width=90),
    formatted_column("amount", "Nilai", width=150),
    badge_column("state", "Status", STATE_COLORS, width=150),
    formatted_column("attempts", "Percobaan", width=110),
    text_column("last_error", "Galat terakhir", flex=1, minWidth=200, tooltipField="last_error"),
    text_column("sent", "Pertama dikirim", width=140),
]


def batch_rows(batches: list[BatchRow], day: date, names: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """Grid rows of the failed and unconfirmed batches (KPP code and name); the row id names target and batch."""
    return [
        {
            "id": f"{b.target}/{b.batch_id}",
            "key": [b.target, b.batch_id],
            "target": TARGET_TITLES[b.target],
            "batch_id": b.batch_id,
            "kpp_code": kpp_text(b.kpp_code, names or {}),
            **shown("row_count", b.row_count, angka(b.row_count)),
            **shown("amount", b.amount, rupiah(b.amount)),
            "state": b.state_title,
            **shown("attempts", b.attempts, angka(b.attempts)),
            "last_error": b.last_error or "",
            "sent": jam_wib(b.first_sent_at, day=day) if b.first_sent_at else "—",
        }
        for b in batches
    ]


NO_BATCHES = "Tidak ada batch gagal atau belum terkonfirmasi."


def batch_grid(grid_id: str, rows: list[dict[str, Any]]) -> dag.AgGrid:
    """Failed and unconfirmed batches with checkboxes (only failed ones are sent again)."""
    return dag.AgGrid(
        id=grid_id,
        columnDefs=BATCH_COLUMNS,
        rowData=rows,
        defaultColDef=DEFAULT_COL_DEF,
        getRowId="params.data.id",
        selectedRows=[],
        dashGridOptions={
            "theme": THEME,
            "domLayout": "autoHeight",
            "pagination": True,
            "paginationPageSize": 20,
            "tooltipShowDelay": 300,
            "rowSelection": {"mode": "multiRow", "checkboxes": True, "headerCheckbox": True},
            "localeText": {**LOCALE_ID, "noRowsToShow": NO_BATCHES},
        },
        className="mpn-grid",
    )


def redistribute_tools(can_act: bool) -> Any:
    """ "Distribusikan ulang" (the checked failed batches) and "Semua yang gagal", for pelaksana and petugas MPN."""
    if not can_act:
        return None
    return html.Div(
        [
            dbc.Button("Distribusikan ulang", id=REDISTRIBUTE, color="primary", n_clicks=0),
            dbc.Button("Semua yang gagal", id=REDISTRIBUTE_ALL, color="primary", outline=True, n_clicks=0),
        ],
        className="d-flex gap-2 mt-2",
    )


# --- trend and report -----------------------------------------------------------------------------------------------


def trend_chart(days: list[TargetDay], first: date, last: date) -> Any:
    """Success rate per day and target (top) and median delivery latency (bottom), working days `first`..`last`."""
    if not days:
        return empty_state(
            "Belum ada distribusi yang disetujui dalam 30 hari kerja terakhir.",
            "Grafik muncul setelah distribusi pertama dikirim.",
        )
    figure = make_subplots(
        rows=2,
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.12,
        subplot_titles=("Baris terkonfirmasi (%)", "Median latensi kirim (ms)"),
    )
    for target in TARGETS:
        mine = [t for t in days if t.target == target]
        if not mine:
            continue
        x = [t.business_date for t in mine]
        name, color = TARGET_TITLES[target], COLORS[target]
        figure.add_trace(
            go.Scatter(
                x=x,
                y=[round(100 * t.success_rate, 2) for t in mine],
                mode="lines+markers",
                name=name,
                legendgroup=name,
                line={"color": color},
                customdata=[f"{angka(t.rows_confirmed)} dari {angka(t.rows)} baris" for t in mine],
                hovertemplate="%{x|%d/%m/%Y}: %{y}%<br>%{customdata}<extra>" + name + "</extra>",
            ),
            row=1,
            col=1,
        )
        figure.add_trace(
            go.Bar(
                x=x,
                y=[t.median_latency_ms for t in mine],
                name=name,
                legendgroup=name,
                showlegend=False,
                marker={"color": color},
                width=BAR_MS,
                offset=BAR_MS * (TARGETS.index(target) - 1),
                customdata=[f"p95 {_ms(t.p95_latency_ms)}" for t in mine],
                hovertemplate="%{x|%d/%m/%Y}: %{y:.0f} ms<br>%{customdata}<extra>" + name + "</extra>",
            ),
            row=2,
            col=1,
        )
    figure.update_layout(
        template="plotly_white",
        height=420,
        margin={"l": 60, "r": 20, "t": 30, "b": 40},
        legend={"orientation": "h", "y": -0.12},
        font={"family": FONT},
        barmode="overlay",
    )
    figure.update_yaxes(range=[0, 105], row=1, col=1)
    figure.update_yaxes(rangemode="tozero", row=2, col=1)
    figure.update_xaxes(
        tickformat="%d/%m",
        type="date",
        range=[datetime.combine(first, time()) - HALF_DAY, datetime.combine(last, time()) + HALF_DAY],
    )
    return chart("ds-grafik", figure, modebar=False)


def _ms(value: float | None) -> str:
    return "—" if value is None else f"{angka(round(value))} ms"


def times_note(days: list[TargetDay]) -> str:
    """The day's delivery times per target in one line."""
    parts = [
        f"{TARGET_TITLES[t.target]}: median {_ms(t.median_latency_ms)}, p95 {_ms(t.p95_latency_ms)} per kirim; "
        f"persetujuan → konfirmasi median {_seconds(t.median_to_confirm_s)}"
        for t in days
    ]
    return " · ".join(parts)


def _seconds(value: float | None) -> str:
    if value is None:
        return "—"
    if value < 120:
        return f"{angka(round(value))} detik"
    return f"{angka(round(value / 60))} menit"


def report_tools() -> html.Div:
    """Download the distribution and monitoring report (SE-127 step 18) as PDF or XLSX."""
    return html.Div(
        [
            dbc.Button("Laporan PDF", id=PDF, color="secondary", outline=True, n_clicks=0),
            dbc.Button("Laporan XLSX", id=XLSX, color="secondary", outline=True, n_clicks=0),
            dcc.Download(id=DOWNLOAD),
        ],
        className="d-flex gap-2",
    )
