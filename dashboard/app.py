"""Builds the Dash app: pages from `dashboard/pages`, the navbar shell, local assets and `/healthz`.

Nothing here queries data for a page; pages register themselves (`dash.register_page`) and read
through `dashboard.components.data.fetch`. Served by gunicorn through `dashboard.wsgi:server`.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Dash, html
from flask import Response, jsonify, redirect, request
from werkzeug.wrappers import Response as BaseResponse

from dashboard.components.data import fetch
from queries.incoming import database_ok

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
PAGES = HERE / "pages"
ASSETS = HERE.parent / "assets"

BRAND = "MPN Monitor"
TAGLINE = "Pemantauan Data Penerimaan Negara"


def create_app() -> Dash:
    """A new dashboard app; every asset (Bootstrap included) is served from this server."""
    app = Dash(
        __name__,
        use_pages=True,
        pages_folder=str(PAGES),
        assets_folder=str(ASSETS),
        title=BRAND,
        update_title="",  # keep the tab title while callbacks run
        serve_locally=True,
        suppress_callback_exceptions=True,
        meta_tags=[{"name": "viewport", "content": "width=device-width, initial-scale=1"}],
    )
    app.layout = shell()
    app.server.add_url_rule("/healthz", "healthz", healthz)
    app.server.before_request(_redirect_root)
    return app


def home_path() -> str:
    """Where `/` leads: the first page in navbar order (Dash cannot `redirect_from` its own index)."""
    pages = _pages_in_order()
    return pages[0]["relative_path"] if pages else "/"


def _redirect_root() -> BaseResponse | None:
    if request.path != "/" or any(page["path"] == "/" for page in dash.page_registry.values()):
        return None
    return redirect(home_path(), code=302)


def _pages_in_order() -> list[dict[str, Any]]:
    """Pages for the navbar (not those registered with `navbar=False`), by their `order`."""
    pages = [page for page in dash.page_registry.values() if page.get("navbar", True)]
    return sorted(pages, key=lambda page: (page.get("order") or 0, page["name"]))


def navbar() -> dbc.Navbar:
    """Dark-blue top bar: brand, then one link per registered page in `order`."""
    links = [dbc.NavItem(dbc.NavLink(page["name"], href=page["relative_path"], active="partial"))
             for page in _pages_in_order()]
    return dbc.Navbar(
        dbc.Container(
            [
                dbc.NavbarBrand(
                    [html.Span(BRAND, className="mpn-brand-name"),
                     html.Span(TAGLINE, className="mpn-brand-tag")],
                    href=home_path(),
                    className="mpn-brand",
                ),
                dbc.Nav(links, navbar=True, className="ms-auto"),
            ],
            fluid=True,
        ),
        color="var(--mpn-navy)",  # defined in assets/mpn.css
        dark=True,
        className="mpn-navbar",
    )


def shell() -> html.Div:
    """The frame around every page."""
    return html.Div(
        [
            navbar(),
            dbc.Container(dash.page_container, fluid=True, className="mpn-main"),
        ]
    )


def healthz() -> Response:
    """`{"status": "ok", "database": true|false}`: the web process answers; is the database reachable?"""
    try:
        ok = fetch(database_ok)
    except Exception as exc:  # any failure to reach the database is a `false`, never a 500
        log.warning("health check: database unreachable: %s", exc)
        ok = False
    return jsonify(status="ok", database=ok)
