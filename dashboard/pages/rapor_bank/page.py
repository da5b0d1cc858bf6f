"""Rapor bank: how each collecting agent kept its duties over a period (`queries.monitoring.scorecard`), the
evidence for PER-78 Pasal 4(e); a sortable grid (`view`) and its XLSX export.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, dcc, html
from dash.exceptions import PreventUpdate

from dashboard.access import callback, current_user
from dashboard.components.cards import page_header, page_or_unavailable, section
from dashboard.components.data import fetch
from dashboard.components.dates import default_day, parse_day, range_notice, search
from dashboard.pages.rapor_bank import view
from jobs.documents.exports import scorecard_xlsx
from queries import config
from queries.formatting import tanggal_pendek
from queries.monitoring.scorecard import bank_scores, default_period
from queries.permissions import roles_for

PAGE_ROLES = roles_for("page.rapor_bank")
dash.register_page(
    __name__, path="/rapor-bank", name="Rapor bank", title="Rapor bank · MPN Monitor", order=60, roles=PAGE_ROLES
)

PERIOD, GRID, EXPORT, DOWNLOAD, LINE = "rb-periode", "rb-rapor", "rb-ekspor", "rb-unduh", "rb-keterangan"
URL, PERIOD_MESSAGE = "rb-url", "rb-periode-pesan"
TITLE = "Rapor bank"
SUBTITLE = "Bank/pos persepsi mana yang paling sering terlambat atau tidak memenuhi kewajibannya?"
NOTE = (
    "Rapor ini adalah bukti kinerja bank/pos persepsi untuk PER-78/PB/2006 Pasal 4 huruf e: persetujuan "
    "penerimaan setoran secara online dapat dicabut bila kewajibannya tidak dipenuhi."
)


def layout(dari: str | None = None, sampai: str | None = None, tanggal: str | None = None, **_ignored: str) -> html.Div:
    """The page for `?dari=…&sampai=…`, by default the three months up to the page date (`?tanggal=`, else the day
    every page opens on)."""
    body = page_or_unavailable(
        lambda: page_body(parse_day(dari), parse_day(sampai) or parse_day(tanggal)), title=TITLE, subtitle=SUBTITLE
    )
    return html.Div([dcc.Location(id=URL), *body], className="mpn-page")


def period(first: date | None, last: date | None) -> tuple[date, date]:
    """The period asked for, else the three months up to `last` (default: the day every page opens on)."""
    last = last or default_day()
    return (first if first is not None and first <= last else default_period(last)[0]), last


def page_body(first: date | None, last: date | None) -> list[Any]:
    """Period picker and export, the note, the grid; a notice when the address asked for an inverted period."""
    notice = range_notice(first, last) if first is not None and last is not None else None
    first, last = period(first, last)
    scores = fetch(bank_scores, first=first, last=last, now=config.now())
    tools = html.Div(
        [
            dcc.DatePickerRange(
                id=PERIOD,
                start_date=first.isoformat(),
                end_date=last.isoformat(),
                display_format="DD/MM/YYYY",
                first_day_of_week=1,
                minimum_nights=0,
            ),
            dbc.Button("Unduh XLSX", id=EXPORT, color="primary", outline=True, size="sm"),
            dcc.Download(id=DOWNLOAD),
        ],
        className="mpn-filters mpn-sp-filters",
    )
    return [
        page_header(TITLE, SUBTITLE, tools),
        html.Div(notice, id=PERIOD_MESSAGE),
        dbc.Alert(NOTE, color="info", className="mpn-kl-note py-2"),
        section(
            "Rapor per bank/pos persepsi",
            [view.scorecard_grid(GRID, view.scorecard_rows(scores))],
            note=line(first, last, len(scores)),
        ),
    ]


def line(first: date, last: date, banks: int) -> str:
    """What the grid holds."""
    return (
        f"{banks} bank/pos persepsi · tanggal buku {tanggal_pendek(first)} – {tanggal_pendek(last)}. "
        "Yang paling banyak pelanggarannya di atas; klik judul kolom untuk mengurutkan. Batch terlambat: "
        "diterima setelah 16.00 WIB; surat pernyataan tidak ada: lewat batas waktu tanpa surat."
    )


@callback(
    Output(GRID, "rowData"),
    Output(PERIOD_MESSAGE, "children"),
    Output(URL, "search"),
    Input(PERIOD, "start_date"),
    Input(PERIOD, "end_date"),
    prevent_initial_call=True,
    roles=PAGE_ROLES,
)
def refresh(start: str | None, end: str | None) -> tuple[Any, Any, Any]:
    """Another period: the grid again and the period in the address; an inverted one is said, not ignored."""
    first, last = parse_day(start), parse_day(end)
    notice = range_notice(first, last)
    if notice is not None or first is None or last is None:
        return dash.no_update, notice, dash.no_update
    rows = view.scorecard_rows(fetch(bank_scores, first=first, last=last, now=config.now()))
    return rows, None, search(dari=first.isoformat(), sampai=last.isoformat())


@callback(
    Output(DOWNLOAD, "data"),
    Input(EXPORT, "n_clicks"),
    State(PERIOD, "start_date"),
    State(PERIOD, "end_date"),
    prevent_initial_call=True,
    roles=PAGE_ROLES,
)
def export(clicks: int | None, start: str | None, end: str | None) -> dict[str, Any]:
    """The period's scorecard as XLSX."""
    first, last = parse_day(start), parse_day(end)
    if not clicks or first is None or last is None or last < first:
        raise PreventUpdate
    moment, user = config.now(), current_user()
    return dcc.send_bytes(
        lambda out: fetch(
            scorecard_xlsx, out, first=first, last=last, now=moment, made_by=user.username if user else None
        ),
        f"rapor-bank-{first:%Y%m%d}-{last:%Y%m%d}.xlsx",
    )
