"""Small layout pieces shared by pages: KPI cards, the empty state, a page header."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import dash_bootstrap_components as dbc
from dash import html
from dash.development.base_component import Component
from sqlalchemy.exc import OperationalError

log = logging.getLogger(__name__)


def kpi_card(title: str, value: str, note: str = "", *, tone: str = "primary") -> dbc.Col:
    """A headline figure with its label and a one-line explanation; `tone` colours the left edge."""
    body = dbc.CardBody(
        [
            html.Div(title, className="mpn-kpi-title"),
            html.Div(value, className="mpn-kpi-value"),
            html.Div(note, className="mpn-kpi-note"),
        ]
    )
    card = dbc.Card(body, className=f"mpn-kpi mpn-kpi-{tone} h-100")
    return dbc.Col(card, xs=12, sm=6, xl=3)


def empty_state(message: str, hint: str = "") -> html.Div:
    """A friendly notice where a table would be when there is nothing to show."""
    return html.Div(
        [html.Div(message, className="mpn-empty-title"), html.Div(hint, className="mpn-empty-hint")],
        className="mpn-empty",
    )


def page_header(title: str, subtitle: str, tools: Component | None = None) -> html.Div:
    """The page title and subtitle on the left, page tools (date picker, buttons) on the right."""
    return html.Div(
        [
            html.Div([html.H1(title, className="mpn-title"), html.P(subtitle, className="mpn-subtitle")]),
            html.Div(tools, className="mpn-tools") if tools is not None else None,
        ],
        className="mpn-page-header",
    )


def section(title: str, children: list[Component], note: str = "") -> html.Section:
    """A titled block of the page, with an optional one-line explanation under the title."""
    head: list[Component] = [html.H2(title, className="mpn-section-title")]
    if note:
        head.append(html.P(note, className="mpn-section-note"))
    return html.Section([*head, *children], className="mpn-section")


def database_unavailable() -> dbc.Alert:
    """What a page shows instead of its data when the database does not answer."""
    return dbc.Alert(
        [
            html.Strong("Basis data tidak dapat dihubungi. "),
            "Coba muat ulang halaman beberapa saat lagi; bila masih gagal, hubungi administrator sistem.",
        ],
        color="danger",
        className="mpn-notice",
    )


def page_or_unavailable(build: Callable[[], list[Any]], *, title: str, subtitle: str) -> list[Any]:
    """The page's parts from `build()`; when the database does not answer, its header and the notice (logged)."""
    try:
        return build()
    except OperationalError:
        log.warning("%s: database unreachable", title, exc_info=True)
        return [page_header(title, subtitle), database_unavailable()]
