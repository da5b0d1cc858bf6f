"""Rapor bank: how each collecting agent kept its duties over a period (`queries.scorecard`), the evidence for
PER-78 Pasal 4(e); a sortable grid and its XLSX export.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, dcc, html
from dash.exceptions import PreventUpdate

from dashboard.access import callback
from dashboard.components import completeness_view as view
from dashboard.components.cards import page_header, page_or_unavailable, section
from dashboard.components.data import fetch
from dashboard.components.dates import parse_day
from jobs.documents.exports import scorecard_xlsx
from queries import config
from queries.formatting import tanggal_pendek
from queries.scorecard import bank_scores, default_period

PAGE_ROLES: tuple[str, ...] = ("kasubdit", "kasi", "pelaksana", "admin")
dash.register_page(__name__, path="/rapor-bank", name="Rapor bank", title="Rapor bank · MPN Monitor", order=60,
                   roles=PAGE_ROLES)

PERIOD, GRID, EXPORT, DOWNLOAD, LINE = "rb-periode", "rb-rapor", "rb-ekspor", "rb-unduh", "rb-keterangan"
TITLE = "Rapor bank"
SUBTITLE = "Bank/pos persepsi mana yang paling sering terlambat atau tidak memenuhi kewajibannya?"
NOTE = ("Rapor ini adalah bukti kinerja bank/pos persepsi untuk PER-78/PB/2006 Pasal 4 huruf e: persetujuan "
        "penerimaan setoran secara online dapat dicabut bila kewajibannya tidak dipenuhi.")


def layout(dari: str | None = None, sampai: str | None = None, **_ignored: str) -> html.Div:
    """The page for `?dari=…&sampai=…`, by default the last three months."""
    body = page_or_unavailable(lambda: page_body(parse_day(dari), parse_day(sampai)), title=TITLE, subtitle=SUBTITLE)
    return html.Div(body, className="mpn-page")


def period(first: date | None, last: date | None) -> tuple[date, date]:
    """The period asked for, else the last three months."""
    default_first, default_last = default_period(config.now().date())
    last = last or default_last
    return (first if first is not None and first <= last else default_period(last)[0]), last


def page_body(first: date | None, last: date | None) -> list[Any]:
    """Period picker and export, the note, the grid."""
    first, last = period(first, last)
    scores = fetch(bank_scores, first=first, last=last, now=config.now())
    tools = html.Div([
        dcc.DatePickerRange(id=PERIOD, start_date=first.isoformat(), end_date=last.isoformat(),
                            display_format="DD/MM/YYYY", first_day_of_week=1, minimum_nights=0),
        dbc.Button("Unduh XLSX", id=EXPORT, color="primary", outline=True, size="sm"),
        dcc.Download(id=DOWNLOAD),
    ], className="mpn-filters mpn-sp-filters")
    return [
        page_header(TITLE, SUBTITLE, tools),
        dbc.Alert(NOTE, color="info", className="mpn-kl-note py-2"),
        section("Rapor per bank/pos persepsi", [view.scorecard_grid(GRID, view.scorecard_rows(scores))],
                note=line(first, last, len(scores))),
    ]


def line(first: date, last: date, banks: int) -> str:
    """What the grid holds."""
    return (f"{banks} bank/pos persepsi · tanggal buku {tanggal_pendek(first)} – {tanggal_pendek(last)}. "
            "Yang paling banyak pelanggarannya di atas; klik judul kolom untuk mengurutkan. Batch terlambat: "
            "diterima setelah 16.00 WIB; surat pernyataan tidak ada: lewat batas waktu tanpa surat.")


@callback(Output(GRID, "rowData"), Input(PERIOD, "start_date"), Input(PERIOD, "end_date"),
          prevent_initial_call=True, roles=PAGE_ROLES)
def refresh(start: str | None, end: str | None) -> list[dict[str, Any]]:
    """Another period: the grid again."""
    first, last = parse_day(start), parse_day(end)
    if first is None or last is None or last < first:
        raise PreventUpdate
    return view.scorecard_rows(fetch(bank_scores, first=first, last=last, now=config.now()))


@callback(Output(DOWNLOAD, "data"), Input(EXPORT, "n_clicks"), State(PERIOD, "start_date"), State(PERIOD, "end_date"),
          prevent_initial_call=True, roles=PAGE_ROLES)
def export(clicks: int | None, start: str | None, end: str | None) -> dict[str, Any]:
    """The period's scorecard as XLSX."""
    first, last = parse_day(start), parse_day(end)
    if not clicks or first is None or last is None or last < first:
        raise PreventUpdate
    moment = config.now()
    return dcc.send_bytes(lambda out: fetch(scorecard_xlsx, out, first=first, last=last, now=moment),
                          f"rapor-bank-{first:%Y%m%d}-{last:%Y%m%d}.xlsx")
