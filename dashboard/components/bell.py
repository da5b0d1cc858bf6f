"""The navbar's bell: how many alerts of the signed-in user's duties are open, linking to Peringatan.

Drawn with the count when the page loads, then refreshed every minute by an interval (acknowledged alerts and
running snoozes are not counted; a snooze that ran out counts again at once).
"""

from __future__ import annotations

import logging
from typing import Any

import dash
from dash import Input, Output, dcc, html

from dashboard.access import callback, current_user
from dashboard.components.data import fetch
from queries import config
from queries.accounts.users import User
from queries.alerts import OWNERS, open_count, owned_rules

BELL, COUNT, TICK = "navbar-lonceng", "navbar-lonceng-jumlah", "navbar-lonceng-detak"
PATH = "/peringatan"
REFRESH_MS = 60_000
#: Roles that own some alert's duty: only they get a bell.
#: The icon is decoration: screen readers read the count.
HIDDEN_FROM_READERS: dict[str, Any] = {"aria-hidden": "true"}
ROLES: tuple[str, ...] = tuple(sorted({role for roles in OWNERS.values() for role in roles}))

log = logging.getLogger(__name__)


def _count(user: User) -> int | None:
    try:
        return fetch(open_count, rules=owned_rules(user.role), now=config.now())
    except Exception as exc:  # noqa: BLE001 - a bell that cannot count shows no number, never breaks the page
        log.warning("bell: open alerts not counted: %s", exc)
        return None


def _badge(count: int | None) -> tuple[str, str]:
    if not count:
        return "", "d-none"
    return str(count), "mpn-bell-count badge rounded-pill bg-danger ms-1"


def bell(user: User | None) -> html.A | None:
    """The bell for `user` (None for roles that own no alert's duty)."""
    if user is None or user.role not in ROLES:
        return None
    text, css = _badge(_count(user))
    return html.A(
        [
            html.Span("\N{BELL}", className="mpn-bell-icon", **HIDDEN_FROM_READERS),
            html.Span(text, id=COUNT, className=css),
            dcc.Interval(id=TICK, interval=REFRESH_MS),
        ],
        id=BELL,
        href=dash.get_relative_path(PATH),
        title="Peringatan terbuka untuk tugas Anda",
        className="mpn-bell text-light text-decoration-none d-flex align-items-center",
    )


@callback(
    Output(COUNT, "children"),
    Output(COUNT, "className"),
    Input(TICK, "n_intervals"),
    prevent_initial_call=True,
    roles=ROLES,
)
def refresh(_n: int | None) -> tuple[str, str]:
    """The count again (every minute)."""
    user = current_user()
    if user is None:
        return _badge(None)
    return _badge(_count(user))
