"""Penerimaan: how much revenue, from where, against last year (DOMAIN §6, for management; read-only).

Cards (reconciled revenue, what still waits for reconciliation, the change against the same period last year) and
charts by day, month, tax group and KAP, collecting agent and Kanwil (a click on a Kanwil shows its KPPs). The
period, bank, KAP and Kanwil filters cut every card and chart alike (`queries.reconciliation.revenue.RevenueFilter`);
each chart
has its own callback over the pre-aggregated `revenue_day`, and "Unduh data (XLSX)" exports the current cut.
Only reconciled payments count as received (R13).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, ctx, dcc, html
from dash.exceptions import PreventUpdate

from dashboard.access import callback, current_user
from dashboard.components.cards import page_header, page_or_unavailable, section
from dashboard.components.data import fetch
from dashboard.components.dates import BANK_PARAM, DAY_PARAM, default_day, parse_day, range_notice, search
from dashboard.pages.penerimaan import view
from queries import config
from queries.permissions import roles_for
from queries.reconciliation.revenue import (
    RevenueFilter,
    daily_revenue,
    kanwil_name,
    monthly_revenue,
    revenue_by_bank,
    revenue_by_kanwil,
    revenue_by_kap,
    revenue_by_kpp,
    revenue_by_tax_group,
    revenue_choices,
    revenue_totals,
)

#: Management reads revenue; so do the monitoring section's heads and the administrator.
VIEWERS = roles_for("page.penerimaan")

dash.register_page(
    __name__, path="/penerimaan", name="Penerimaan", title="Penerimaan · MPN Monitor", order=50, roles=VIEWERS
)

RANGE, BANKS, KAPS, KANWIL = "pn-periode", "pn-bank", "pn-kap", "pn-kanwil"
CARDS, DAILY, MONTHLY, GROUPS, KAP_TABLE = "pn-kartu", "pn-harian", "pn-bulanan", "pn-kelompok", "pn-kap-teratas"
AGENTS, AREA, AREA_TITLE, BACK, DRILL = "pn-bank-grafik", "pn-wilayah", "pn-wilayah-judul", "pn-kembali", "pn-drill"
XLSX, DOWNLOAD, URL, PERIOD_MESSAGE = "pn-unduh", "pn-unduhan", "pn-url", "pn-periode-pesan"
TOP = 10
MAX_CHOSEN = 100
MAX_DAYS = 3 * 366

TITLE = "Penerimaan"
QUESTION = "Berapa penerimaan, dari mana, dibanding tahun lalu?"
FILTERS = [
    Input(RANGE, "start_date"),
    Input(RANGE, "end_date"),
    Input(BANKS, "value"),
    Input(KAPS, "value"),
    Input(KANWIL, "value"),
]


def layout(**query: str) -> html.Div:
    """Filters (from `?dari=…&sampai=…&bank=…&kap=…&kanwil=…`, else this month up to the page date `?tanggal=` or the
    day every page opens on), cards and charts; the callbacks fill them."""
    body = page_or_unavailable(lambda: page_body(query), title=TITLE, subtitle=QUESTION)
    return html.Div([dcc.Location(id=URL), *body], className="mpn-page")


def page_body(query: dict[str, str] | None = None) -> list[Any]:
    """The page's parts; choices read fresh for this visit, the filters' first values from the address."""
    query = query or {}
    choices = fetch(revenue_choices)
    last = parse_day(query.get("sampai")) or parse_day(query.get(DAY_PARAM)) or default_day()
    first = parse_day(query.get("dari")) or last.replace(day=1)
    ids = {"range": RANGE, "banks": BANKS, "kaps": KAPS, "kanwil": KANWIL}
    tools = html.Div(
        [dbc.Button("Unduh data (XLSX)", id=XLSX, color="primary", outline=True, size="sm"), dcc.Download(id=DOWNLOAD)]
    )
    chosen = {
        "banks": _listed(query.get(BANK_PARAM)),
        "kaps": _listed(query.get("kap")),
        "kanwil": (query.get("kanwil") or "")[:20] or None,
    }
    return [
        page_header(TITLE, QUESTION, tools),
        view.filter_bar(ids, first, last, choices.banks, choices.kaps, choices.kanwils, chosen=chosen),
        html.Div(period_message(first, last), id=PERIOD_MESSAGE),
        dcc.Store(id=DRILL, data=None),
        html.Div(id=CARDS),
        html.P(
            "Penerimaan dihitung diterima setelah data MPN cocok dengan batch bank/pos (terekonsiliasi); "
            "sisanya ditampilkan terpisah. Semua grafik mengikuti pilihan di atas.",
            className="mpn-section-note",
        ),
        dbc.Row(
            [
                dbc.Col(
                    section(
                        "Per hari",
                        [view.graph(DAILY, "harian")],
                        note="Penerimaan terekonsiliasi per tanggal buku; garis titik: tanggal yang sama tahun lalu.",
                    ),
                    lg=7,
                ),
                dbc.Col(
                    section(
                        "Per bulan",
                        [view.graph(MONTHLY, "bulanan")],
                        note="Bulan dalam periode, dibanding hari yang sama tahun lalu.",
                    ),
                    lg=5,
                ),
            ]
        ),
        dbc.Row(
            [
                dbc.Col(section("Per kelompok pajak", [view.graph(GROUPS, "kelompok-pajak", 300)]), lg=5),
                dbc.Col(section(f"{TOP} KAP terbesar", [html.Div(id=KAP_TABLE)]), lg=7),
            ]
        ),
        dbc.Row(
            [
                dbc.Col(
                    section(
                        "Per bank/pos persepsi",
                        [view.graph(AGENTS, "bank")],
                        note=f"{TOP} terbesar; sisanya digabung dalam \u201cLainnya\u201d.",
                    ),
                    lg=6,
                ),
                dbc.Col(
                    html.Section(
                        [
                            html.Div(
                                [
                                    html.H2("Per Kanwil", id=AREA_TITLE, className="mpn-section-title"),
                                    dbc.Button(
                                        "Kembali ke semua Kanwil",
                                        id=BACK,
                                        size="sm",
                                        color="secondary",
                                        outline=True,
                                        style={"display": "none"},
                                    ),
                                ],
                                className="d-flex justify-content-between align-items-center",
                            ),
                            html.P("Klik batang sebuah Kanwil untuk melihat KPP-nya.", className="mpn-section-note"),
                            view.graph(AREA, "wilayah"),
                        ],
                        className="mpn-section",
                    ),
                    lg=6,
                ),
            ]
        ),
    ]


def _listed(value: str | None) -> list[str]:
    """`014,008` from the address as a dropdown's values."""
    return [v.strip() for v in (value or "").split(",") if v.strip()][:MAX_CHOSEN]


def period_message(first: date | None, last: date | None) -> Any:
    """Why nothing changes: a period that ends before it starts, or one longer than three years."""
    return range_notice(first, last, max_days=MAX_DAYS)


@callback(Output(PERIOD_MESSAGE, "children"), Output(URL, "search"), *FILTERS, prevent_initial_call=True, roles=VIEWERS)
def keep_filters(start: str | None, end: str | None, banks: Any, kaps: Any, kanwil: Any) -> tuple[Any, str]:
    """The period's warning, if any; the filters written into the address (a reload or a shared link keeps them)."""
    first, last = parse_day(start), parse_day(end)
    return period_message(first, last), search(
        dari=first.isoformat() if first else None,
        sampai=last.isoformat() if last else None,
        **{BANK_PARAM: ",".join(_codes(banks)), "kap": ",".join(_codes(kaps))},
        kanwil=str(kanwil) if isinstance(kanwil, str | int) else None,
    )


def cut(
    start: str | None, end: str | None, banks: list[str] | None, kaps: list[str] | None, kanwil: str | None
) -> RevenueFilter:
    """The filters' values as one `RevenueFilter`; nothing to do (PreventUpdate) while the period is incomplete."""
    first, last = parse_day(start), parse_day(end)
    if first is None or last is None or first > last or (last - first).days > MAX_DAYS:
        raise PreventUpdate
    return RevenueFilter(
        first, last, bank_codes=_codes(banks), kaps=_codes(kaps), kanwil_code=str(kanwil) if kanwil else None
    )


def _codes(values: Any) -> tuple[str, ...]:
    if not isinstance(values, list):
        return ()
    return tuple(sorted({str(v) for v in values if isinstance(v, str | int)}))[:MAX_CHOSEN]


@callback(Output(CARDS, "children"), *FILTERS, roles=VIEWERS)
def cards(*values: Any) -> Any:
    """Reconciled, unreconciled and the change against last year."""
    f = cut(*values)
    return view.revenue_cards(fetch(revenue_totals, f), f)


@callback(Output(DAILY, "figure"), *FILTERS, roles=VIEWERS)
def daily(*values: Any) -> Any:
    """Per business date, with the same dates last year."""
    f = cut(*values)
    figure = view.daily_figure(fetch(daily_revenue, f), fetch(daily_revenue, f.last_year()))
    return view.captioned(figure, "Penerimaan per tanggal buku", f)


@callback(Output(MONTHLY, "figure"), *FILTERS, roles=VIEWERS)
def monthly(*values: Any) -> Any:
    """Per month, beside last year's."""
    f = cut(*values)
    return view.captioned(view.monthly_figure(fetch(monthly_revenue, f)), "Penerimaan per bulan", f)


@callback(Output(GROUPS, "figure"), Output(KAP_TABLE, "children"), *FILTERS, roles=VIEWERS)
def groups(*values: Any) -> tuple[Any, Any]:
    """Per tax group, and the top KAPs."""
    f = cut(*values)
    return (
        view.captioned(
            view.share_figure(fetch(revenue_by_tax_group, f), horizontal=False), "Penerimaan per kelompok pajak", f
        ),
        view.kap_table(fetch(revenue_by_kap, f, limit=TOP)),
    )


@callback(Output(AGENTS, "figure"), *FILTERS, roles=VIEWERS)
def agents(*values: Any) -> Any:
    """The top collecting agents and "Lainnya"."""
    f = cut(*values)
    return view.captioned(
        view.share_figure(fetch(revenue_by_bank, f, top=TOP), level="bank"), f"{TOP} bank/pos persepsi teratas", f
    )


def areas(f: RevenueFilter, drilled: str | None) -> tuple[list[Any], str, str]:
    """Kanwils, or the KPPs of the chosen (filter) or clicked (drill-down) Kanwil: shares, level, title."""
    kanwil = f.kanwil_code or drilled
    if kanwil is None:
        return fetch(revenue_by_kanwil, f), "kanwil", "Per Kanwil"
    name = fetch(kanwil_name, kanwil) or kanwil
    return fetch(revenue_by_kpp, f, kanwil), "kpp", f"Per KPP: {name}"


@callback(
    Output(AREA, "figure"),
    Output(AREA_TITLE, "children"),
    Output(BACK, "style"),
    *FILTERS,
    Input(DRILL, "data"),
    roles=VIEWERS,
)
def area(*values: Any) -> tuple[Any, str, dict[str, str]]:
    """Per Kanwil, or per KPP of one Kanwil; the way back while drilled down."""
    f, drilled = cut(*values[:-1]), values[-1]
    shares, level, title = areas(f, drilled if isinstance(drilled, str) else None)
    back = {} if drilled and not f.kanwil_code else {"display": "none"}
    figure = view.captioned(view.share_figure(shares, level=level), f"Penerimaan {title[0].lower()}{title[1:]}", f)
    return figure, title, back


@callback(
    Output(DRILL, "data"),
    Output(AREA, "clickData"),
    Input(AREA, "clickData"),
    Input(BACK, "n_clicks"),
    Input(KANWIL, "value"),
    prevent_initial_call=True,
    roles=VIEWERS,
)
def drill(click: dict[str, Any] | None, _back: int | None, _kanwil: str | None) -> tuple[str | None, None]:
    """A click on a Kanwil bar drills down to its KPPs; the button, or choosing a Kanwil above, goes back."""
    if ctx.triggered_id != AREA:
        return None, None
    try:
        code, level = click["points"][0]["customdata"][:2]  # type: ignore[index]
    except (KeyError, IndexError, TypeError, ValueError):
        raise PreventUpdate from None
    if level != "kanwil" or not code:
        raise PreventUpdate
    return str(code), None


@callback(
    Output(DOWNLOAD, "data"),
    Input(XLSX, "n_clicks"),
    *(State(i.component_id, i.component_property) for i in FILTERS),
    State(DRILL, "data"),
    running=[(Output(XLSX, "disabled"), True, False)],
    prevent_initial_call=True,
    roles=VIEWERS,
)
def download(clicks: int | None, *values: Any) -> Any:
    """The current cut, one sheet per chart."""
    if not clicks:
        raise PreventUpdate
    f, drilled = cut(*values[:-1]), values[-1]
    shares, level, title = areas(f, drilled if isinstance(drilled, str) else None)
    data = view.RevenueData(
        cut=f,
        totals=fetch(revenue_totals, f),
        days=fetch(daily_revenue, f),
        last_year_days=fetch(daily_revenue, f.last_year()),
        months=fetch(monthly_revenue, f),
        groups=fetch(revenue_by_tax_group, f),
        kaps=fetch(revenue_by_kap, f, limit=TOP),
        banks=fetch(revenue_by_bank, f, top=TOP),
        areas=shares,
        area_level="Kanwil" if level == "kanwil" else "KPP",
    )
    note = view.filters_note(f, title.removeprefix("Per KPP: ") if level == "kpp" else "")
    name = f"penerimaan-{f.first:%Y%m%d}-{f.last:%Y%m%d}.xlsx"
    user = current_user()
    return dcc.send_bytes(
        view.workbook(data, note, made_at=config.now(), made_by=user.username if user else None), name
    )
