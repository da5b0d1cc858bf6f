"""A temporary password first: a user whose password an admin set (`must_change_password`) opens only Akun saya.

Checked on the server like the roles (`dashboard.auth` redirects page requests and refuses callbacks,
`dashboard.access` replaces any other page's layout), so nothing but the password change works until it is done.
Callbacks every role may fire (the navbar's, Akun saya's) stay open.
"""

from __future__ import annotations

from collections.abc import Collection

import dash_bootstrap_components as dbc
from dash import html

from queries.accounts.users import ROLES, User

ACCOUNT_PATH = "/akun"
MESSAGE = (
    "Anda masuk dengan kata sandi sementara dari administrator. Ganti kata sandi Anda di Akun saya "
    "sebelum membuka halaman lain."
)


def must_change(user: User | None) -> bool:
    """Does this user still carry a temporary password?"""
    return user is not None and user.must_change_password


def page_blocked(user: User | None, path: str) -> bool:
    """Must this page (or file) wait for the password change? Everything but Akun saya does."""
    return must_change(user) and path.rstrip("/") != ACCOUNT_PATH


def callback_blocked(user: User | None, roles: Collection[str] | None) -> bool:
    """Must this callback wait? Only callbacks every role may fire (navbar, Akun saya) run before the change."""
    return must_change(user) and (roles is None or set(roles) != set(ROLES))


def notice() -> dbc.Alert:
    """What Akun saya (and any other page asked for) shows while the password is temporary."""
    return dbc.Alert(
        [
            html.Strong("Ganti kata sandi dulu. "),
            MESSAGE,
            html.A(" Buka Akun saya", href=ACCOUNT_PATH, className="alert-link"),
        ],
        color="warning",
        id="akun-wajib-ganti",
        className="mpn-notice",
    )
