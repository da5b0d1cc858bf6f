"""The Penerimaan page's pieces: filters, revenue cards, the charts (rupiah in short Indonesian form on axes and
hover, Plotly's PNG export kept) and the XLSX of the current cut.

Builders only: the page's callbacks read `queries.reconciliation.revenue` and hand the results here.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import dash_bootstrap_components as dbc
import plotly.graph_objects as go
from dash import dcc, html

from dashboard.components.cards import empty_state, kpi_card
from dashboard.components.charts import graph as chart
from jobs.documents import tabular
from jobs.documents.exports import title_rows
from queries import formatting
from queries.formatting import BULAN, angka, rentang_tanggal, rupiah, rupiah_short, tanggal_pendek
from queries.reconciliation.revenue import Choice, DayAmount, MonthAmount, RevenueFilter, RevenueTotals, Share

#: Bootstrap's font stack: the charts' text matches the page's.
FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", "Noto Sans", "Liberation Sans", Arial'
NAVY, GOLD, GREY = "#0b3d91", "#e0a526", "#9aa7b8"
RECONCILED, UNRECONCILED = "Terekonsiliasi", "Belum terekonsiliasi"


# --- words ------------------------------------------------------------------------------------------------------


def persen(change: float | None, *, sign: bool = True) -> str:
    """A percentage the one way (`queries.formatting.persen`), signed unless asked not: `+12,3%`, `99,7%`."""
    return formatting.persen(change, sign=sign)


def bulan_pendek(month: date) -> str:
    """`Nov 2026`."""
    return f"{BULAN[month.month - 1][:3]} {month.year}"


# --- filters and cards ------------------------------------------------------------------------------------------


def options(choices: Sequence[Choice], *, with_code: bool = True) -> list[dict[str, str]]:
    """Dropdown options `kode · nama`."""
    return [{"label": f"{c.code} · {c.name}" if with_code else c.name, "value": c.code} for c in choices]


def filter_bar(
    ids: dict[str, str],
    first: date,
    last: date,
    banks: list[Choice],
    kaps: list[Choice],
    kanwils: list[Choice],
    chosen: dict[str, Any] | None = None,
) -> dbc.Row:
    """Period, banks, KAPs and Kanwil (first values from `chosen`): together they cut every card and chart."""
    chosen = chosen or {}

    def labelled(label: str, control: Any, **width: int) -> dbc.Col:
        return dbc.Col([dbc.Label(label, html_for=control.id), control], **width)

    return dbc.Row(
        [
            labelled(
                "Periode (tanggal buku)",
                dcc.DatePickerRange(
                    id=ids["range"],
                    start_date=first.isoformat(),
                    end_date=last.isoformat(),
                    display_format="DD/MM/YYYY",
                    first_day_of_week=1,
                    start_date_placeholder_text="Dari",
                    end_date_placeholder_text="Sampai",
                    minimum_nights=0,
                ),
                md=12,
                xl=3,
            ),
            labelled(
                "Bank/Pos persepsi",
                dcc.Dropdown(
                    id=ids["banks"],
                    options=options(banks),
                    multi=True,
                    value=chosen.get("banks") or None,
                    placeholder="Semua bank/pos",
                ),
                md=4,
                xl=3,
            ),
            labelled(
                "KAP",
                dcc.Dropdown(
                    id=ids["kaps"],
                    options=options(kaps),
                    multi=True,
                    value=chosen.get("kaps") or None,
                    placeholder="Semua KAP",
                ),
                md=4,
                xl=3,
            ),
            labelled(
                "Kanwil",
                dcc.Dropdown(
                    id=ids["kanwil"],
                    options=options(kanwils, with_code=False),
                    value=chosen.get("kanwil"),
                    placeholder="Semua Kanwil",
                ),
                md=4,
                xl=3,
            ),
        ],
        className="g-2 mb-3 mpn-filters",
    )


def revenue_cards(totals: RevenueTotals, f: RevenueFilter) -> dbc.Row:
    """Reconciled revenue, what still waits for reconciliation (apart), and the change against last year."""
    last = f.last_year()
    change = totals.change
    whole = totals.reconciled_amount + totals.unreconciled_amount
    return dbc.Row(
        [
            kpi_card(
                "Penerimaan terekonsiliasi",
                rupiah_short(totals.reconciled_amount),
                f"{angka(totals.reconciled_count)} transaksi, {rentang_tanggal(f.first, f.last)}",
                tone="success",
            ),
            kpi_card(
                "Belum terekonsiliasi",
                rupiah_short(totals.unreconciled_amount),
                f"{angka(totals.unreconciled_count)} transaksi; belum dihitung sampai data MPN cocok dengan batch bank",
                tone="warning",
            ),
            kpi_card(
                "Dibanding tahun lalu",
                persen(change),
                f"{rupiah_short(totals.last_year_amount)} pada {rentang_tanggal(last.first, last.last)}",
                tone="primary" if change is None else "success" if change >= 0 else "danger",
            ),
            kpi_card(
                "Porsi terekonsiliasi",
                persen(None if not whole else totals.reconciled_amount / whole, sign=False),
                f"dari {rupiah_short(whole)} yang tercatat di MPN pada periode ini",
            ),
        ],
        className="g-3 mpn-kpis",
    )


def kap_table(shares: list[Share]) -> Any:
    """The top KAPs: code, name, reconciled and unreconciled amounts, transactions."""
    if not shares:
        return empty_state("Tidak ada penerimaan pada pilihan ini.")
    head = html.Thead(
        html.Tr(
            [
                html.Th("KAP"),
                html.Th("Nama"),
                *(html.Th(t, className="text-end") for t in (RECONCILED, UNRECONCILED, "Transaksi")),
            ]
        )
    )
    body = html.Tbody(
        [
            html.Tr(
                [
                    html.Td(s.code),
                    html.Td(s.name),
                    html.Td(
                        rupiah_short(s.reconciled_amount),
                        title=rupiah(s.reconciled_amount),
                        className="text-end mpn-num",
                    ),
                    html.Td(
                        rupiah_short(s.unreconciled_amount),
                        title=rupiah(s.unreconciled_amount),
                        className="text-end mpn-num",
                    ),
                    html.Td(angka(s.reconciled_count), className="text-end mpn-num"),
                ]
            )
            for s in shares
        ]
    )
    return dbc.Table([head, body], size="sm", hover=True, className="mb-0", id="pn-kap-tabel")


# --- charts -----------------------------------------------------------------------------------------------------


def graph(graph_id: str, name: str, height: int = 340) -> dcc.Graph:
    """An empty chart its callback fills; the modebar keeps "download as PNG" under a telling file name."""
    return chart(graph_id, _layout(go.Figure(), height), image_name=f"penerimaan-{name}", class_name="mpn-chart")


def money_axis(values: Sequence[int]) -> dict[str, Any]:
    """Ticks at round amounts labelled in short rupiah (`Rp 1,5 M`): Plotly cannot format them itself."""
    top = max([0, *values])
    if top <= 0:
        return {"tickvals": [0], "ticktext": ["Rp 0"], "range": [0, 1]}
    raw = top / 4
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    ticks = [round(i * step) for i in range(int(top // step) + 2)]
    return {"tickvals": ticks, "ticktext": [rupiah_short(t) for t in ticks], "range": [0, max(ticks[-1], top * 1.08)]}


def _hover(amounts: Sequence[int]) -> list[str]:
    return [f"{rupiah_short(a)} ({rupiah(a)})" for a in amounts]


def _layout(figure: go.Figure, height: int, **extra: Any) -> go.Figure:
    figure.update_layout(
        template="plotly_white",
        height=height,
        font={"family": FONT},
        separators=",.",
        margin={"l": 20, "r": 20, "t": 30, "b": 40},
        legend={"orientation": "h", "y": -0.15, "traceorder": "normal"},
        hoverlabel={"font": {"family": FONT}},
        **extra,
    )
    return figure


def filters_note(f: RevenueFilter, area: str = "") -> str:
    """The chosen filters in words ("semua" when none), as the XLSX and the charts' captions say them."""
    parts = (
        f"bank {', '.join(f.bank_codes)}" if f.bank_codes else "",
        f"KAP {', '.join(f.kaps)}" if f.kaps else "",
        f"Kanwil {f.kanwil_code}" if f.kanwil_code else "",
        area,
    )
    return "; ".join(part for part in parts if part) or "semua"


def captioned(figure: go.Figure, title: str, f: RevenueFilter, area: str = "") -> go.Figure:
    """The chart named inside the figure, with its period and filters, so a downloaded PNG says what it shows."""
    caption = f"{title}<br><sup>Periode {rentang_tanggal(f.first, f.last)} · Filter: {filters_note(f, area)}</sup>"
    margin = {**(figure.layout.margin.to_plotly_json() if figure.layout.margin else {}), "t": 64}
    return figure.update_layout(
        title={"text": caption, "x": 0.01, "xanchor": "left", "font": {"size": 14}}, margin=margin
    )


def _empty(figure: go.Figure, height: int) -> go.Figure:
    figure.add_annotation(
        text="Tidak ada penerimaan pada pilihan ini",
        showarrow=False,
        font={"color": GREY},
        xref="paper",
        yref="paper",
        x=0.5,
        y=0.5,
    )
    return _layout(figure, height, xaxis={"visible": False}, yaxis={"visible": False})


def daily_figure(current: list[DayAmount], last_year: list[DayAmount]) -> go.Figure:
    """Reconciled revenue per business date; last year's dates drawn a year later, on the same axis."""
    figure = go.Figure()
    if not current and not last_year:
        return _empty(figure, 340)
    shifted = [
        d.day.replace(year=d.day.year + 1)
        if (d.day.month, d.day.day) != (2, 29)
        else d.day.replace(year=d.day.year + 1, day=28)
        for d in last_year
    ]
    figure.add_trace(
        go.Scatter(
            x=shifted,
            y=[d.amount for d in last_year],
            mode="lines+markers",
            name="Tahun lalu",
            line={"color": GREY, "dash": "dot"},
            customdata=[
                f"{tanggal_pendek(d.day)}: {h}"
                for d, h in zip(last_year, _hover([d.amount for d in last_year]), strict=True)
            ],
            hovertemplate="%{customdata}<extra>Tahun lalu</extra>",
        )
    )
    figure.add_trace(
        go.Scatter(
            x=[d.day for d in current],
            y=[d.amount for d in current],
            mode="lines+markers",
            name="Periode ini",
            line={"color": NAVY, "width": 3},
            customdata=_hover([d.amount for d in current]),
            hovertemplate="%{x|%d/%m/%Y}: %{customdata}<extra>Periode ini</extra>",
        )
    )
    days = sorted({d.day for d in current} | set(shifted))
    step = max(1, ((days[-1] - days[0]).days + 1) // 10)
    return _layout(
        figure,
        340,
        yaxis=money_axis([d.amount for d in current + last_year]),
        xaxis={"tickformat": "%d/%m", "type": "date", "dtick": step * 86_400_000},
    )


def monthly_figure(months: list[MonthAmount]) -> go.Figure:
    """Reconciled revenue per month of the period beside the same days a year earlier."""
    figure = go.Figure()
    if not months:
        return _empty(figure, 340)
    x = [bulan_pendek(m.month) for m in months]
    figure.add_trace(
        go.Bar(
            x=x,
            y=[m.last_year_amount for m in months],
            name="Tahun lalu",
            marker={"color": GREY},
            customdata=_hover([m.last_year_amount for m in months]),
            hovertemplate="%{x} (tahun lalu): %{customdata}<extra></extra>",
        )
    )
    figure.add_trace(
        go.Bar(
            x=x,
            y=[m.amount for m in months],
            name="Periode ini",
            marker={"color": NAVY},
            customdata=_hover([m.amount for m in months]),
            hovertemplate="%{x}: %{customdata}<extra></extra>",
        )
    )
    values = [v for m in months for v in (m.amount, m.last_year_amount)]
    return _layout(figure, 340, barmode="group", yaxis=money_axis(values), xaxis={"type": "category"})


def share_figure(shares: list[Share], *, level: str = "", horizontal: bool = True) -> go.Figure:
    """Reconciled and unreconciled revenue per part, stacked, largest first; `level` tags points for drill-down."""
    figure = go.Figure()
    if not shares:
        return _empty(figure, 340)
    names = [s.name for s in shares]
    codes = [[s.code or "", level] for s in shares]
    height = max(260, 60 + 28 * len(shares)) if horizontal else 340
    for label, amounts, color in (
        (RECONCILED, [s.reconciled_amount for s in shares], NAVY),
        (UNRECONCILED, [s.unreconciled_amount for s in shares], GOLD),
    ):
        hover = [[*code, text] for code, text in zip(codes, _hover(amounts), strict=True)]
        axis = {"y": names, "x": amounts, "orientation": "h"} if horizontal else {"x": names, "y": amounts}
        figure.add_trace(
            go.Bar(
                **axis,
                name=label,
                marker={"color": color},
                customdata=hover,
                hovertemplate=f"%{{{'y' if horizontal else 'x'}}}: %{{customdata[2]}}<extra>{label}</extra>",
            )
        )
    totals = [s.reconciled_amount + s.unreconciled_amount for s in shares]
    if horizontal:
        return _layout(
            figure,
            height,
            barmode="stack",
            xaxis=money_axis(totals),
            yaxis={"autorange": "reversed", "automargin": True, "type": "category"},
        )
    return _layout(figure, height, barmode="stack", yaxis=money_axis(totals), xaxis={"type": "category"})


_MONEY: tuple[tabular.Kind, ...] = ("auto", "money")


# --- the workbook -----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RevenueData:
    """Everything the page shows for one cut, for the XLSX."""

    cut: RevenueFilter
    totals: RevenueTotals
    days: list[DayAmount]
    last_year_days: list[DayAmount]
    months: list[MonthAmount]
    groups: list[Share]
    kaps: list[Share]
    banks: list[Share]
    areas: list[Share]
    area_level: str


def workbook(data: RevenueData, choices_note: str, *, made_at: datetime, made_by: str | None = None) -> bytes:
    """One sheet per chart (amounts in whole rupiah), a first sheet with the cut and the totals; inert (CONTRACT §4).

    Every sheet starts with the title rows: Penerimaan negara, the period, the choices, when and by whom.
    """
    book = tabular.Workbook()
    title = title_rows(
        "Penerimaan negara melalui MPN",
        rentang_tanggal(data.cut.first, data.cut.last),
        choices_note,
        made_at=made_at,
        made_by=made_by,
    )
    summary = book.sheet("Ringkasan")
    summary.title([*title, ""])
    t, ly = data.totals, data.cut.last_year()
    for row, kinds in (
        (("Periode", rentang_tanggal(data.cut.first, data.cut.last)), ()),
        (("Pilihan", choices_note), ()),
        (("Penerimaan terekonsiliasi (Rp)", t.reconciled_amount), _MONEY),
        (("Transaksi terekonsiliasi", t.reconciled_count), ()),
        (("Belum terekonsiliasi (Rp)", t.unreconciled_amount), _MONEY),
        (("Transaksi belum terekonsiliasi", t.unreconciled_count), ()),
        ((f"Terekonsiliasi tahun lalu {rentang_tanggal(ly.first, ly.last)} (Rp)", t.last_year_amount), _MONEY),
        (("Perubahan", persen(t.change)), ()),
    ):
        summary.row(row, kinds)
    day_columns = tabular.columns(
        tabular.Column("Tanggal buku", "date"), tabular.Column("Terekonsiliasi (Rp)", "money")
    )
    book.sheet("Harian").table(day_columns, [(d.day, d.amount) for d in data.days], title=title)
    book.sheet("Harian tahun lalu").table(day_columns, [(d.day, d.amount) for d in data.last_year_days], title=title)
    book.sheet("Bulanan").table(
        tabular.columns(
            "Bulan", tabular.Column("Periode ini (Rp)", "money"), tabular.Column("Tahun lalu (Rp)", "money")
        ),
        [(bulan_pendek(m.month), m.amount, m.last_year_amount) for m in data.months],
        title=title,
    )
    share_columns = tabular.columns(
        "Kode",
        "Nama",
        tabular.Column("Terekonsiliasi (Rp)", "money"),
        tabular.Column("Belum terekonsiliasi (Rp)", "money"),
        "Transaksi terekonsiliasi",
    )
    for name, shares in (
        ("Kelompok pajak", data.groups),
        ("KAP", data.kaps),
        ("Bank", data.banks),
        (data.area_level, data.areas),
    ):
        book.sheet(name).table(
            share_columns,
            [(s.code or "", s.name, s.reconciled_amount, s.unreconciled_amount, s.reconciled_count) for s in shares],
            title=title,
        )
    return book.content()
