"""The date tools of pages that show one business date: the date in words, previous/next working day, a picker."""

from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import urlencode

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard.components.data import fetch
from jobs.workdays import calendar_from_db
from queries.formatting import tanggal_panjang


def parse_day(value: str | None) -> date | None:
    """`YYYY-MM-DD` (a date picker's value or the `tanggal` query parameter) as a date, else None."""
    try:
        return date.fromisoformat((value or "")[:10])
    except ValueError:
        return None


def date_tools(day: date, *, path: str, picker_id: str) -> html.Div:
    """The date in words, links to the previous/next working day of the page at `path`, and the date picker."""
    calendar = fetch(calendar_from_db)
    previous, following = calendar.previous_or_same(day - timedelta(days=1)), calendar.next_after(day)
    off = calendar.holiday_name(day)
    return html.Div(
        [
            html.Div(
                [html.Span(tanggal_panjang(day), className="mpn-day"),
                 dbc.Badge(f"Bukan hari kerja: {off}", color="secondary", className="ms-2") if off else None],
                className="mpn-day-line",
            ),
            html.Div(
                [
                    _day_link("‹ Sebelumnya", path, previous),
                    dcc.DatePickerSingle(id=picker_id, date=day.isoformat(), display_format="DD/MM/YYYY",
                                         first_day_of_week=1, placeholder="Pilih tanggal"),
                    _day_link("Berikutnya ›", path, following),
                ],
                className="mpn-date-nav",
            ),
        ]
    )


def _day_link(label: str, path: str, day: date) -> dcc.Link:
    href = dash.get_relative_path(path) + "?" + urlencode({"tanggal": day.isoformat()})
    return dcc.Link(label, href=href, title=tanggal_panjang(day), className="btn btn-outline-secondary btn-sm")
