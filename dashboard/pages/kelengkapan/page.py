"""Kelengkapan harian: is the business date complete? The Kasubdit's first page (DOMAIN §6).

Per collecting agent, each duty (MPN data, batch by 16:00 WIB, reconciliation within the hour, statement letter,
appeal letter, SIDJP, SIPMOD) with its time against its deadline (`queries.monitoring.completeness`); the day's
score, what
is late or missing per duty, who holds the pending approvals, and the score over 30 working days. A click on a
cell opens the page that works it. Everything refreshes every 30 s without reloading the page.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import dash
from dash import Input, Output, State, dcc, html
from dash.exceptions import PreventUpdate

from dashboard.access import callback
from dashboard.components import files_view
from dashboard.components.cards import page_header, page_or_unavailable, section
from dashboard.components.data import fetch
from dashboard.components.dates import DAY_PARAM, date_tools, day_notice, page_day, parse_day, search
from dashboard.pages.kelengkapan import view
from queries import config
from queries.calendar import calendar_from_db
from queries.formatting import tanggal_panjang
from queries.imports.rejected import rejected_banner_files
from queries.monitoring.completeness import DUTIES, DayCompleteness, day_completeness, pending_approvals, score_trend
from queries.permissions import roles_for

PATH = "/kelengkapan"
PAGE_ROLES = roles_for("page.kelengkapan")
dash.register_page(
    __name__, path=PATH, name="Kelengkapan harian", title="Kelengkapan harian · MPN Monitor", order=10, roles=PAGE_ROLES
)

DAY, TICK, TREND_TICK, GO, URL = "kl-tanggal", "kl-detik", "kl-detik-tren", "kl-lokasi", "kl-url"
DAY_LINE, UPDATED, CARDS, COUNTS, APPROVALS = "kl-hari", "kl-diperbarui", "kl-kartu", "kl-hitungan", "kl-wadah-setuju"
GRID, TREND, EMPTY = "kl-matriks", "kl-tren", "kl-kosong"
REFRESH_MS = 30_000
TREND_REFRESH_MS = 300_000  # past days' scores barely move: the trend is redrawn every 5 minutes, not every 30 s

TITLE = "Kelengkapan harian"
QUESTION = "Apakah hari ini lengkap? Setiap bank/pos persepsi, setiap kewajiban, terhadap batas waktunya"


def layout(tanggal: str | None = None, **_ignored: str) -> html.Div:
    """The page for `?tanggal=YYYY-MM-DD`, by default the last working day begun (today on a working day)."""
    body = page_or_unavailable(lambda: page_body(tanggal), title=TITLE, subtitle=QUESTION)
    return html.Div(body, className="mpn-page")


def page_body(tanggal: str | None) -> list[Any]:
    """Header with the date, score cards, per-duty counts beside the approvals, the matrix, the trend."""
    moment = config.now()
    day, notice = page_day(tanggal)
    found = fetch(day_completeness, business_date=day, now=moment)
    return [
        page_header(TITLE, QUESTION, html.Div(date_tools(day, path=PATH, picker_id=DAY), className="mpn-kl-tools")),
        notice,
        day_notice(day),
        files_view.rejected_banner(fetch(rejected_banner_files, day)),
        dcc.Interval(id=TICK, interval=REFRESH_MS),
        dcc.Interval(id=TREND_TICK, interval=TREND_REFRESH_MS),
        dcc.Location(id=GO, refresh="callback-nav"),
        dcc.Location(id=URL, refresh="callback-nav"),
        html.Div(
            [
                html.Span(day_line(day), id=DAY_LINE, className="mpn-day"),
                html.Span(view.updated_line(found), id=UPDATED, className="mpn-kl-updated"),
            ],
            className="mpn-day-line mpn-kl-dayline",
        ),
        html.Div(view.score_cards(found), id=CARDS),
        html.Div(
            [
                section("Terlambat dan belum per kewajiban", [html.Div(view.duty_counts(found), id=COUNTS)]),
                section(
                    "Menunggu persetujuan: siapa memegangnya",
                    [html.Div(view.approvals_list(fetch(pending_approvals)), id=APPROVALS)],
                ),
            ],
            className="mpn-kl-pair",
        ),
        section(
            "Matriks kelengkapan",
            [
                view.legend(),
                view.matrix_grid(GRID, view.matrix_rows(found)),
                html.Div(view.empty_day(day) if not found.rows else None, id=EMPTY),
            ],
            note="Baris: bank/pos persepsi, yang paling banyak belum/terlambat di atas. Sel: jam selesai (WIB) atau "
            "keadaannya; arahkan tetikus untuk batas waktunya, klik untuk membuka halaman yang mengerjakannya.",
        ),
        section(
            "Tren skor 30 hari kerja",
            [view.trend_chart(trend(day, moment), TREND)],
            note="Bagian kewajiban yang jatuh tempo dan selesai tepat waktu, per tanggal buku. Surat himbauan "
            "tidak dihitung: surat pernyataan yang dimintanya sudah dihitung.",
        ),
    ]


def day_line(day: date) -> str:
    """The date in words, with a note when it is not a working day."""
    off = fetch(calendar_from_db).holiday_name(day)
    return tanggal_panjang(day) + (f" (bukan hari kerja: {off})" if off else "")


def trend(day: date, moment: datetime) -> list[Any]:
    """The last 30 working days' scores up to `day`."""
    return fetch(score_trend, until=day, now=moment)


@callback(
    Output(DAY_LINE, "children"),
    Output(UPDATED, "children"),
    Output(CARDS, "children"),
    Output(COUNTS, "children"),
    Output(APPROVALS, "children"),
    Output(GRID, "rowData"),
    Output(EMPTY, "children"),
    Input(TICK, "n_intervals"),
    State(DAY, "date"),
    prevent_initial_call=True,
    roles=PAGE_ROLES,
)
def refresh(_tick: int | None, picked: str | None) -> tuple[Any, ...]:
    """Every 30 s: the day's cards, counts, approvals and matrix again, in place."""
    day = parse_day(picked)
    if day is None:
        raise PreventUpdate
    moment = config.now()
    found: DayCompleteness = fetch(day_completeness, business_date=day, now=moment)
    return (
        day_line(day),
        view.updated_line(found),
        view.score_cards(found),
        view.duty_counts(found),
        view.approvals_list(fetch(pending_approvals)),
        view.matrix_rows(found),
        view.empty_day(day) if not found.rows else None,
    )


@callback(
    Output(TREND, "figure"),
    Input(TREND_TICK, "n_intervals"),
    State(DAY, "date"),
    prevent_initial_call=True,
    roles=PAGE_ROLES,
)
def refresh_trend(_tick: int | None, picked: str | None) -> Any:
    """Every 5 minutes: the 30-working-day trend up to the page's date."""
    day = parse_day(picked)
    if day is None:
        raise PreventUpdate
    return view.trend_figure(trend(day, config.now()))


@callback(Output(URL, "search"), Input(DAY, "date"), prevent_initial_call=True, roles=PAGE_ROLES)
def go_to_date(picked: str | None) -> str:
    """A picked date becomes `?tanggal=YYYY-MM-DD`: the page shows it, and a reload or a shared link keeps it."""
    day = parse_day(picked)
    if day is None:
        raise PreventUpdate
    return search(**{DAY_PARAM: day.isoformat()})


@callback(
    Output(GO, "href"),
    Input(GRID, "cellClicked"),
    State(GRID, "rowData"),
    State(DAY, "date"),
    prevent_initial_call=True,
    roles=PAGE_ROLES,
)
def open_cell(clicked: dict[str, Any] | None, rows: list[dict[str, Any]] | None, picked: str | None) -> str:
    """A click on a duty cell: to the page that works it, for that date (and letter)."""
    clicked = clicked or {}
    duty, bank = clicked.get("colId"), clicked.get("rowId")
    if duty not in DUTIES or not bank:
        raise PreventUpdate
    row = next((r for r in rows or [] if r.get("bank_code") == bank), None)
    if row is not None and row.get(f"{duty}_href"):
        return str(row[f"{duty}_href"])
    day = parse_day(picked)
    if day is None:
        raise PreventUpdate
    return view.link(str(duty), day, bank=str(bank))
