"""The navbar's "Tugas saya" link with the number of items waiting for the user, refreshed every minute.

The shell renders it empty (no query per page load); its callback fills it at once and then on every tick of its
interval. The Tugas saya page updates it too after a bulk act (`BADGE_COUNT` with `allow_duplicate`).
"""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, dcc, html

from dashboard.access import ROLES_ATTRIBUTE, current_user
from dashboard.components.data import fetch
from queries import permissions
from queries.accounts.users import User
from queries.tasks.waiting import TASK_ACTION, has_tasks, task_count

BADGE, BADGE_COUNT, BADGE_TICK = "navbar-tugas", "navbar-tugas-jumlah", "navbar-tugas-detak"
PATH = "/tugas"
REFRESH_MS = 60_000


def task_badge(user: User | None) -> html.Div | None:
    """The link to Tugas saya with its count, for the roles that can have tasks."""
    if not has_tasks(user):
        return None
    return html.Div(
        [
            html.A(
                [
                    "Tugas saya",
                    dbc.Badge("…", id=BADGE_COUNT, pill=True, color="light", text_color="dark", className="ms-2"),
                ],
                href=PATH,
                id=BADGE,
                className="btn btn-sm btn-outline-light",
                title="Yang menunggu tindakan Anda",
            ),
            dcc.Interval(id=BADGE_TICK, interval=REFRESH_MS),
        ],
        className="mpn-task-badge",
    )


def badge_look(count: int) -> tuple[str, str, str]:
    """The badge's text, colour and text colour: grey at zero, gold otherwise."""
    if count <= 0:
        return "0", "secondary", "white"
    return (str(count) if count < 100 else "99+"), "warning", "dark"


def refresh_badge(_ticks: int | None) -> tuple[str, str, str]:
    """The count for the user of this request."""
    user = current_user()
    return badge_look(0 if user is None else fetch(task_count, user))


def badge_callbacks(app: Dash) -> None:
    """Register the badge's callback on `app` (the shell is not a page module), for the roles with tasks."""
    # what `access.callback` marks; the guard reads it
    setattr(refresh_badge, ROLES_ATTRIBUTE, frozenset(permissions.roles_for(TASK_ACTION)))
    app.callback(
        Output(BADGE_COUNT, "children"),
        Output(BADGE_COUNT, "color"),
        Output(BADGE_COUNT, "text_color"),
        Input(BADGE_TICK, "n_intervals"),
    )(refresh_badge)
