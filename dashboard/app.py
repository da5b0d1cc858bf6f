"""Builds the Dash app: pages from `dashboard/pages`, the navbar shell, login, local assets, `/healthz`.

Nothing here queries data for a page; pages register themselves (`dash.register_page(..., roles=...)`)
and read through `dashboard.components.data.fetch`. The shell is built per request, for the user
logged in (`dashboard.auth`). Served by gunicorn through `dashboard.wsgi:server`.
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime
from pathlib import Path

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Dash, Input, Output, State, dcc, html
from dash.exceptions import PreventUpdate
from flask import Response, jsonify, redirect, request
from werkzeug.wrappers import Response as BaseResponse

from dashboard.access import ROLES_ATTRIBUTE, current_user, guard_pages, page_allows, pages_for
from dashboard.auth import csrf_token, init_auth
from dashboard.components.bell import bell
from dashboard.components.data import fetch
from dashboard.components.task_badge import badge_callbacks, task_badge
from queries.accounts.users import ROLES, User
from queries.monitoring.health import database_ok
from queries.scheduling.store import HEARTBEAT_STALE, leader_heartbeat

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
    app.layout = shell  # a function: Dash calls it per request, for the user logged in
    navbar_callbacks(app)
    badge_callbacks(app)
    guard_pages()
    init_auth(app)
    app.server.add_url_rule("/healthz", "healthz", healthz)
    _page_routes(app)
    app.server.before_request(_redirect_root)
    return app


def _page_routes(app: Dash) -> None:
    """Flask routes pages declare with `register_page(..., routes=[(rule, view)])` (a stored file, say);
    the view checks the user's role itself (`dashboard.auth` only requires a login)."""
    for page in dash.page_registry.values():
        for rule, view in page.get("routes", ()):
            app.server.add_url_rule(rule, f"{page['module']}.{view.__name__}", view)


def home_path(user: User | None) -> str:
    """Where `/` leads: the user's first page in navbar order, else the account page."""
    pages = pages_for(user)
    return pages[0]["relative_path"] if pages else ACCOUNT_PATH


ACCOUNT_PATH = "/akun"


def _redirect_root() -> BaseResponse | None:
    if request.path != "/" or any(page["path"] == "/" for page in dash.page_registry.values()):
        return None
    return redirect(home_path(current_user()), code=302)


def navbar(user: User | None) -> dbc.Navbar:
    """Dark-blue top bar: brand, payment search, the user and `Keluar` on the first row; below them the pages this
    user may open, in `order`, on one line of their own (they never wrap into the brand at office widths)."""
    links = [
        dbc.NavItem(
            dbc.NavLink(
                page["name"],
                href=page["relative_path"],
                active="partial",
                id={"type": NAV_LINK, "path": page["relative_path"]},
            )
        )
        for page in pages_for(user)
    ]
    return dbc.Navbar(
        dbc.Container(
            [
                dbc.NavbarBrand(
                    [html.Span(BRAND, className="mpn-brand-name"), html.Span(TAGLINE, className="mpn-brand-tag")],
                    href="/",
                    className="mpn-brand",
                ),
                search_box(user),
                user_box(user),
                dbc.Nav(links, navbar=True, className="mpn-pages"),
            ],
            fluid=True,
        ),
        color="var(--mpn-navy)",  # defined in assets/mpn.css
        dark=True,
        className="mpn-navbar",
    )


TRACE_PATH = "/lacak"


def search_box(user: User | None) -> html.Form | None:
    """The payment search (NTPN, billing code, NTB, NPWP): a GET form to the trace page, for those who may open it."""
    if not any(page["path"] == TRACE_PATH and page_allows(page, user) for page in dash.page_registry.values()):
        return None
    return html.Form(
        [
            dbc.Input(
                name="q",
                type="search",
                id="navbar-lacak-q",
                size="sm",
                maxLength=40,
                autoComplete="off",
                placeholder="Lacak NTPN, billing, NTB, NPWP",
            ),
            dbc.Button("Lacak", type="submit", id="navbar-lacak", size="sm", color="light", outline=True),
        ],
        method="GET",
        action=dash.get_relative_path(TRACE_PATH),
        role="search",
        className="mpn-search",
    )


def user_box(user: User | None) -> html.Div | None:
    """Who is logged in (links to the account page) and the logout button (a POST with the CSRF token)."""
    if user is None:
        return None
    return html.Div(
        [
            task_badge(user),
            bell(user),
            html.A(
                [
                    html.Div(user.display_name, className="mpn-user-name"),
                    html.Div(user.role_title, className="mpn-user-role"),
                ],
                href=ACCOUNT_PATH,
                id="navbar-user",
                title="Akun saya",
            ),
            html.Form(
                [
                    dcc.Input(type="hidden", name="csrf", value=csrf_token()),
                    html.Button("Keluar", type="submit", id="navbar-logout", className="btn btn-sm btn-outline-light"),
                ],
                method="POST",
                action="/logout",
            ),
        ],
        className="mpn-user",
    )


NAV_LINK, NAV_URL, NAV_DAY = "mpn-nav", "mpn-nav-url", "mpn-nav-tanggal"

_DAY_IN_QUERY = re.compile(r"[?&]tanggal=(\d{4}-\d{2}-\d{2})(?:&|$)")


def _day_in(search: str | None) -> str | None:
    found = _DAY_IN_QUERY.search(search or "")
    return found.group(1) if found else None


def remember_date(search: str | None) -> str:
    """The date of the page open (`?tanggal=`), remembered for this browser tab (a page without a date keeps it)."""
    day = _day_in(search)
    if day is None:
        raise PreventUpdate
    return day


def keep_date_in_navbar(
    search: str | None, pathname: str | None, remembered: str | None, ids: list[dict[str, str]]
) -> tuple[list[str], list[bool]]:
    """The navbar's links carry the date the user is looking at (the address's, else the remembered one); the link
    of the open page is marked active."""
    day = _day_in(search) or _day_in(f"?tanggal={remembered}" if isinstance(remembered, str) else None)
    query = f"?tanggal={day}" if day else ""
    path = pathname or ""
    links = [str(i.get("path", "")) for i in ids or []]
    return [link + query for link in links], [path == link or path.startswith(link + "/") for link in links]


def navbar_callbacks(app: Dash) -> None:
    """Register the navbar's callbacks on `app` (the shell is not a page module, which Dash imports anew per app),
    open to every role."""
    for func in (remember_date, keep_date_in_navbar):
        setattr(func, ROLES_ATTRIBUTE, frozenset(ROLES))  # what `dashboard.access.callback` marks; the guard reads it
    app.callback(Output(NAV_DAY, "data"), Input(NAV_URL, "search"))(remember_date)
    app.callback(
        Output({"type": NAV_LINK, "path": ALL}, "href"),
        Output({"type": NAV_LINK, "path": ALL}, "active"),
        Input(NAV_URL, "search"),
        Input(NAV_URL, "pathname"),
        Input(NAV_DAY, "data"),
        State({"type": NAV_LINK, "path": ALL}, "id"),
    )(keep_date_in_navbar)


def shell() -> html.Div:
    """The frame around every page, for the user of this request."""
    return html.Div(
        [
            dcc.Location(id=NAV_URL),
            dcc.Store(id=NAV_DAY, storage_type="session"),
            navbar(current_user()),
            dbc.Container(dash.page_container, fluid=True, className="mpn-main"),
        ]
    )


def healthz() -> Response:
    """`{"status": "ok", "database": bool, "scheduler": {"heartbeat": ISO time or null, "age_seconds",
    "alive": bool}}`: the web process answers; is the database reachable; when did the active scheduler
    last beat (alive when within 90 s)? Never a 500: failures read as false/null."""
    try:
        ok = fetch(database_ok)
        beat = fetch(leader_heartbeat) if ok else None
    except Exception as exc:  # any failure to reach the database is a `false`, never a 500
        log.warning("health check: database unreachable: %s", exc)
        ok, beat = False, None
    age = None if beat is None else max(0.0, (datetime.now(UTC) - beat).total_seconds())
    scheduler = {
        "heartbeat": None if beat is None else beat.isoformat(),
        "age_seconds": age,
        "alive": age is not None and age <= HEARTBEAT_STALE.total_seconds(),
    }
    return jsonify(status="ok", database=ok, scheduler=scheduler)
