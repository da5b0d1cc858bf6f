"""Akun saya: who I am in the system (name, role, NIP, last login) and changing my own password."""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, html

from dashboard.access import act, callback, current_user
from dashboard.auth import keep_session
from dashboard.components.cards import page_header
from dashboard.components.data import perform
from dashboard.password_gate import must_change
from dashboard.password_gate import notice as password_notice
from queries.accounts.users import MIN_PASSWORD, User, change_own_password
from queries.formatting import waktu_wib
from queries.permissions import Refused, roles_for

#: Everyone opens their own account.
READERS = roles_for("page.akun")

dash.register_page(
    __name__, path="/akun", name="Akun saya", title="Akun saya · MPN Monitor", order=999, navbar=False, roles=READERS
)

CURRENT = "akun-sandi-lama"
NEW = "akun-sandi-baru"
REPEAT = "akun-sandi-ulang"
SAVE = "akun-simpan"
RESULT = "akun-hasil"


def _facts(user: User) -> dbc.Card:
    rows = [
        ("Nama pengguna", user.username),
        ("Nama lengkap", user.full_name or "—"),
        ("NIP", user.nip or "—"),
        ("Peran", user.role_title),
        ("Terakhir masuk", waktu_wib(user.last_login_at) if user.last_login_at else "—"),
    ]
    return dbc.Card(
        dbc.CardBody(
            html.Dl(
                [
                    part
                    for label, value in rows
                    for part in (html.Dt(label, className="col-sm-4"), html.Dd(value, className="col-sm-8"))
                ],
                className="row mb-0",
            )
        ),
        className="mb-3",
    )


def _password_form(user: User) -> dbc.Card:
    """A real form (never sent by the browser: Dash reads it), so password managers know what it is."""

    def field(label: str, ident: str, autocomplete: str) -> html.Div:
        return html.Div(
            [dbc.Label(label, html_for=ident), dbc.Input(id=ident, type="password", autoComplete=autocomplete)],
            className="mb-3",
        )

    return dbc.Card(
        dbc.CardBody(
            [
                html.H2("Ganti kata sandi", className="h6 mb-3"),
                dbc.Form(
                    [
                        dbc.Input(
                            type="text",
                            value=user.username,
                            autoComplete="username",
                            readonly=True,
                            tabIndex=-1,
                            style={"display": "none"},
                        ),
                        field("Kata sandi saat ini", CURRENT, "current-password"),
                        field(f"Kata sandi baru (minimal {MIN_PASSWORD} karakter)", NEW, "new-password"),
                        field("Ulangi kata sandi baru", REPEAT, "new-password"),
                        dbc.Button("Simpan kata sandi", id=SAVE, color="primary", type="submit"),
                    ],
                    prevent_default_on_submit=True,
                ),
                html.Div(id=RESULT, className="mt-3"),
            ]
        )
    )


def layout(**_query: str) -> html.Div:
    """The account facts and the password form."""
    user = current_user()
    if user is None:  # the guard lets nobody else in; keep the type checker honest
        return html.Div()
    return html.Div(
        [
            page_header("Akun saya", "Data akun dan kata sandi Anda"),
            password_notice() if must_change(user) else None,
            dbc.Row([dbc.Col(_facts(user), lg=6), dbc.Col(_password_form(user), lg=6)]),
        ],
        className="mpn-page",
    )


def weak_password(user: User, new: str, repeat: str) -> str | None:
    """Why the new password cannot be used, in Indonesian, or None."""
    if len(new) < MIN_PASSWORD:
        return f"Kata sandi baru minimal {MIN_PASSWORD} karakter."
    if new.strip().lower() == user.username:
        return "Kata sandi baru tidak boleh sama dengan nama pengguna."
    if new != repeat:
        return "Ulangan kata sandi baru tidak sama."
    return None


@callback(
    Output(RESULT, "children"),
    Output(CURRENT, "value"),
    Output(NEW, "value"),
    Output(REPEAT, "value"),
    Input(SAVE, "n_clicks"),
    State(CURRENT, "value"),
    State(NEW, "value"),
    State(REPEAT, "value"),
    prevent_initial_call=True,
    roles=READERS,
)
def change_password(clicks: int | None, current: str | None, new: str | None, repeat: str | None) -> tuple[Any, ...]:
    """Check the form, change the password, keep this session (others of this user end)."""

    def change(user: User) -> User:
        if (problem := weak_password(user, new or "", repeat or "")) is not None:
            raise Refused(problem)
        changed = perform(change_own_password, user, current or "", new or "")
        keep_session(changed)
        return changed

    return act(
        clicks,
        change,
        done=lambda _changed: (
            dbc.Alert("Kata sandi telah diganti.", color="success", className="py-2 mb-0"),
            "",
            "",
            "",
        ),
        refused=lambda why: (dbc.Alert(why.message, color="danger", className="py-2 mb-0"), dash.no_update, "", ""),
    )
