"""The Kelengkapan harian page's pieces: score cards, late/missing per duty, who holds approvals, the bank × duty
matrix (colours in `assets/completeness.css`, `mpn-kl-<state>`) and the 30-working-day trend.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
import plotly.graph_objects as go
from dash import dcc, html

from dashboard.components.cards import empty_state, kpi_card
from dashboard.components.charts import graph as chart
from dashboard.components.grids import DEFAULT_COL_DEF, LOCALE_ID, THEME, formatted_column, text_column
from queries.calendar import WIB
from queries.formatting import angka, jam_wib, persen, tanggal_pendek, waktu_wib
from queries.monitoring.completeness import (
    DUTIES,
    SCORED,
    STATES,
    BankDay,
    DayCompleteness,
    DayScore,
    DutyStatus,
    PendingApprovals,
)

FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"
ROW_HEIGHT = 32
VISIBLE_ROWS = 18
#: What a cell says when the duty is not done.
STATE_TEXT = {"missing": "✗ Belum", "waiting": "… Menunggu", "na": "—", "anomaly": "‼ Anomali", "excused": "⚑ Belum"}
KIND_TITLES = {
    "distribution": "Distribusi",
    "appeal_letter": "Surat himbauan",
    "exception_resolution": "Penyelesaian selisih",
    "exception_adjustment": "Penyesuaian selisih",
    "bank_result": "Hasil rekonsiliasi ke bank",
}


def cell_text(status: DutyStatus, day: date) -> str:
    """The time it was done (`15:42`, with the date when another day), else the state in a word."""
    if status.state in ("done", "late") and status.at is not None:
        return ("✓ " if status.state == "done" else "⚠ ") + jam_wib(status.at, day=day).removesuffix(" WIB")
    if status.state == "excused" and status.plain_state == "late" and status.at is not None:
        return "⚑ " + jam_wib(status.at, day=day).removesuffix(" WIB")  # late, with the bank's disruption notice
    if status.state in ("done", "late"):
        return "✓ Selesai" if status.state == "done" else "⚠ Terlambat"
    return STATE_TEXT[status.state]


def tooltip(row: BankDay, status: DutyStatus) -> str:
    """One line on hover: duty, state, when, deadline, note."""
    parts = [f"{row.bank_code} · {DUTIES[status.duty]}", STATES[status.state]]
    if status.at is not None:
        parts.append(f"pada {waktu_wib(status.at)}")
    if status.due is not None:
        parts.append(f"batas {waktu_wib(status.due)}")
    if status.note:
        parts.append(status.note)
    return " · ".join(parts)


def link(duty: str, day: date, letter_id: int | None = None, bank: str | None = None) -> str:
    """The page that works this duty of the date, filtered to the bank when one is given."""
    iso = day.isoformat()
    of_bank = {"bank": bank} if bank else {}
    if duty in ("mpn", "batch"):
        return "/data-masuk?" + urlencode({"tanggal": iso, **of_bank})
    if duty == "recon":
        return "/rekonsiliasi?" + urlencode({"tanggal": iso, **of_bank})
    if duty == "statement":
        return "/surat-pernyataan?" + urlencode({"dari": iso, "sampai": iso, **of_bank})
    if duty == "appeal":
        return "/surat-himbauan" + (f"?surat={letter_id}" if letter_id else "")
    return "/distribusi?" + urlencode({"tanggal": iso})


def matrix_rows(found: DayCompleteness) -> list[dict[str, Any]]:
    """One row per bank: each duty's state, text, tooltip and link."""
    rows = []
    for row in found.rows:
        data: dict[str, Any] = {"bank_code": row.bank_code, "name": row.bank_name}
        for duty in DUTIES:
            status = row.status(duty)
            href = (
                f"/pemberitahuan?id={status.notice_id}"
                if status.notice_id is not None
                else link(duty, found.business_date, status.letter_id, row.bank_code)
            )
            data.update(
                {
                    duty: status.state,
                    f"{duty}_text": cell_text(status, found.business_date),
                    f"{duty}_tip": tooltip(row, status),
                    f"{duty}_href": href,
                }
            )
        rows.append(data)
    return rows


def matrix_columns() -> list[dict[str, Any]]:
    """Bank code and name pinned, then one column per duty coloured by state."""
    rules = {f"mpn-kl-{state}": f"params.value === '{state}'" for state in STATES}
    return [
        text_column("bank_code", "Kode", width=76, pinned="left"),
        text_column("name", "Bank/Pos persepsi", width=240, pinned="left", tooltipField="name"),
        *(
            formatted_column(
                duty,
                title,
                numeric=False,
                minWidth=150,
                flex=1,
                sortable=False,
                suppressHeaderMenuButton=True,
                tooltipField=f"{duty}_tip",
                cellClass="mpn-kl-cell",
                cellClassRules=rules,
            )
            for duty, title in DUTIES.items()
        ),
    ]


def matrix_grid(grid_id: str, rows: list[dict[str, Any]]) -> dag.AgGrid:
    """The matrix; a click on a duty cell opens the page that works it."""
    return dag.AgGrid(
        id=grid_id,
        columnDefs=matrix_columns(),
        rowData=rows,
        defaultColDef={**DEFAULT_COL_DEF, "wrapHeaderText": False, "autoHeaderHeight": False},
        getRowId="params.data.bank_code",
        dashGridOptions={
            "theme": THEME,
            "rowHeight": ROW_HEIGHT,
            "headerHeight": 36,
            "tooltipShowDelay": 200,
            "suppressCellFocus": True,
            "localeText": {**LOCALE_ID, "noRowsToShow": "Tidak ada bank/pos dengan data hari ini"},
        },
        style={"height": f"{min(max(len(rows), 3), VISIBLE_ROWS) * ROW_HEIGHT + 52}px"},
        className="mpn-grid mpn-kl-matrix",
    )


def legend() -> html.Div:
    """The colours of the states."""
    return html.Div(
        [
            html.Span([html.Span(className=f"mpn-kl-chip mpn-kl-{state}"), label], className="mpn-kl-key")
            for state, label in STATES.items()
        ],
        className="mpn-kl-legend",
    )


def score_cards(found: DayCompleteness) -> dbc.Row:
    """The day's score, late, missing, impossible times (anomalies) and waiting."""
    s = found.score
    late, missing = sum(s.late[d] for d in SCORED), sum(s.missing[d] for d in SCORED)
    tone = (
        "secondary" if s.share is None else "success" if s.share >= 0.95 else "warning" if s.share >= 0.8 else "danger"
    )
    return dbc.Row(
        [
            kpi_card(
                "Skor kelengkapan",
                persen(s.share),
                f"{angka(s.done)} dari {angka(s.expected)} kewajiban jatuh tempo tepat waktu",
                tone=tone,
            ),
            kpi_card("Terlambat", angka(late), "selesai setelah batas waktu", tone="warning" if late else "success"),
            kpi_card(
                "Belum, lewat batas",
                angka(missing),
                "belum selesai padahal batas terlewati",
                tone="danger" if missing else "success",
            ),
            kpi_card(
                "Anomali waktu",
                angka(s.anomalies),
                "waktu yang mustahil: tidak dinilai tepat waktu",
                tone="danger" if s.anomalies else "success",
            ),
            kpi_card(
                "Terlambat — ada pemberitahuan",
                angka(s.excused_count),
                f"bank memberi tahu gangguan; skor tanpa tugas ini {persen(s.share_excusing)}",
                tone="info" if s.excused_count else "success",
            ),
            kpi_card("Menunggu", angka(s.waiting), "belum selesai, batas belum tiba", tone="primary"),
        ],
        className="g-3 mpn-kpis",
        id="kl-skor",
    )


def duty_counts(found: DayCompleteness) -> html.Table:
    """Late, missing and anomalies (impossible times) per duty."""
    s = found.score
    head = html.Thead(
        html.Tr(
            [
                html.Th("Kewajiban"),
                html.Th("Terlambat", className="text-end"),
                html.Th("Belum", className="text-end"),
                html.Th("Anomali", className="text-end"),
                html.Th("Ada pemberitahuan", className="text-end"),
            ]
        )
    )
    body = html.Tbody(
        [
            html.Tr(
                [
                    html.Td(title),
                    html.Td(angka(s.late[d]), className="text-end"),
                    html.Td(
                        angka(s.missing[d]), className="text-end fw-bold text-danger" if s.missing[d] else "text-end"
                    ),
                    html.Td(
                        angka(s.anomaly.get(d, 0)),
                        className="text-end fw-bold text-danger" if s.anomaly.get(d) else "text-end",
                    ),
                    html.Td(angka(s.excused.get(d, 0)), className="text-end"),
                ]
            )
            for d, title in DUTIES.items()
        ]
    )
    return html.Table([head, body], className="table table-sm mpn-kl-counts mb-0", id="kl-per-kewajiban")


def tasks_link(kind: str) -> str:
    """Tugas saya on one kind of approval: where the holder of the step finds each item with its date and link."""
    return "/tugas?" + urlencode({"jenis": kind})


def approvals_list(pending: list[PendingApprovals]) -> Any:
    """Who holds the approvals: per role and kind, how many and since when."""
    if not pending:
        return html.Div(
            "Tidak ada permintaan persetujuan yang menunggu.", className="text-secondary small", id="kl-persetujuan"
        )
    head = html.Thead(
        html.Tr([html.Th("Menunggu"), html.Th("Jenis"), html.Th("Jumlah", className="text-end"), html.Th("Sejak")])
    )
    body = html.Tbody(
        [
            html.Tr(
                [
                    html.Td(p.role_title),
                    html.Td(
                        dcc.Link(KIND_TITLES.get(p.kind, p.kind), href=tasks_link(p.kind), title="Buka di Tugas saya")
                    ),
                    html.Td(angka(p.count), className="text-end"),
                    html.Td(waktu_wib(p.oldest)),
                ]
            )
            for p in pending
        ]
    )
    return html.Table([head, body], className="table table-sm mb-0", id="kl-persetujuan")


def trend_figure(points: list[DayScore]) -> go.Figure:
    """The score of each of the last working days, as a line with the 95% line."""
    days = [p.business_date for p in points]
    shares = [None if p.score.share is None else round(p.score.share * 100, 1) for p in points]
    notes = [
        f"{angka(p.score.done)} dari {angka(p.score.expected)} tepat waktu"
        + (f" · {angka(p.score.anomalies)} anomali waktu" if p.score.anomalies else "")
        for p in points
    ]
    figure = go.Figure(
        go.Scatter(
            x=[tanggal_pendek(d) for d in days],
            y=shares,
            mode="lines+markers",
            connectgaps=False,
            customdata=notes,
            line={"color": "#0b3d91"},
            hovertemplate="%{x}: %{y:.0f}%<br>%{customdata}<extra></extra>",
        )
    )
    figure.add_hline(
        y=95, line={"dash": "dot", "color": "#198754"}, annotation_text="95%", annotation_position="bottom right"
    )
    figure.update_layout(
        template="plotly_white",
        height=300,
        margin={"l": 50, "r": 20, "t": 10, "b": 60},
        font={"family": FONT},
        showlegend=False,
        yaxis={"title": {"text": "skor (%)"}, "range": [0, 105]},
        xaxis={"type": "category", "tickangle": -45},
    )
    return figure


def trend_chart(points: list[DayScore], graph_id: str) -> dcc.Graph:
    """The trend figure in its graph."""
    return chart(graph_id, trend_figure(points), modebar=False)


def updated_line(found: DayCompleteness) -> str:
    """When the page last read the data."""
    return f"Diperbarui {found.now.astimezone(WIB):%H:%M:%S} WIB · setiap 30 detik"


def empty_day(day: date) -> html.Div:
    """No bank had anything on the date."""
    return empty_state(
        f"Belum ada data untuk tanggal buku {tanggal_pendek(day)}.",
        "Data MPN, batch bank dan surat pernyataan tampil di sini begitu diterima.",
    )
