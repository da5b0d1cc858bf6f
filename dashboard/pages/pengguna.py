"""Pengguna (admin only): every account with its role, e-mail, status and last login; add one with a temporary
password shown once, change role, e-mail, full name and NIP, disable or enable, unlock, reset the password.

Everything goes through `queries.accounts.users`, the functions `mpn users` calls, in one audited transaction per click.
A change of role, status or password bumps the account's `session_epoch`, which ends its open sessions
(`queries.accounts.sessions`); the last active admin can never be disabled or demoted.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, ctx, dcc, html
from dash.exceptions import PreventUpdate

from dashboard.access import act, callback
from dashboard.auth import keep_session
from dashboard.components import admin_view as view
from dashboard.components.cards import page_header, page_or_unavailable, section
from dashboard.components.data import fetch, perform
from queries.accounts.users import (
    User,
    UserError,
    add_user,
    set_password,
    temporary_password,
    toggle_active,
    unlock,
    update_account,
    user_by_name,
    users,
)
from queries.formatting import waktu_wib
from queries.permissions import roles_for

TITLE = "Pengguna"
QUESTION = "Siapa boleh masuk ke MPN Monitor, dengan peran apa?"

VERSION, TABLE, PICK = "pg-versi", "pg-daftar", "pg-pilih"
NEW_NAME, NEW_FULL, NEW_NIP, NEW_MAIL, NEW_ROLE, ADD, ADD_RESULT = (
    "pg-baru-nama",
    "pg-baru-lengkap",
    "pg-baru-nip",
    "pg-baru-email",
    "pg-baru-peran",
    "pg-tambah",
    "pg-tambah-hasil",
)
ROLE, MAIL, FULL, NIP, SAVE, TOGGLE, UNLOCK, RESET, EDIT_RESULT, FACTS = (
    "pg-peran",
    "pg-email",
    "pg-lengkap",
    "pg-nip",
    "pg-simpan",
    "pg-aktif",
    "pg-buka-kunci",
    "pg-setel-ulang",
    "pg-ubah-hasil",
    "pg-keterangan",
)

#: Who opens the page; who changes accounts.
ADMINS, ADMINISTER = roles_for("page.admin"), roles_for("accounts.administer")

dash.register_page(__name__, path="/pengguna", name="Pengguna", title="Pengguna · MPN Monitor", order=92, roles=ADMINS)


def layout(**_query: str) -> html.Div:
    """The account list, the add form and the edit form."""
    return html.Div(page_or_unavailable(_body, title=TITLE, subtitle=QUESTION), className="mpn-page")


def _body() -> list[Any]:
    accounts = fetch(users)
    return [
        page_header(TITLE, QUESTION),
        dcc.Store(id=VERSION, data=0),
        section(
            "Daftar pengguna",
            [html.Div(view.users_table(accounts), id=TABLE)],
            note="Waktu dalam WIB. Akun terkunci setelah 5 kali salah kata sandi berturut-turut (15 menit).",
        ),
        dbc.Row([dbc.Col(_add_card(), lg=5, className="mb-3"), dbc.Col(_edit_card(accounts), lg=7, className="mb-3")]),
    ]


def _input(ident: str, **kwargs: Any) -> dbc.Input:
    return dbc.Input(id=ident, autoComplete="off", **{"type": "text", **kwargs})


def _add_card() -> dbc.Card:
    return dbc.Card(
        dbc.CardBody(
            [
                html.H2("Tambah pengguna", className="h6 mb-3"),
                view.field(
                    "Nama pengguna",
                    _input(NEW_NAME, maxLength=32, placeholder="mis. budi.s"),
                    "2-32 karakter: huruf kecil, angka, titik, garis bawah, tanda hubung",
                ),
                view.field("Peran", dbc.Select(id=NEW_ROLE, options=view.ROLE_OPTIONS, value="pelaksana")),
                view.field("Nama lengkap", _input(NEW_FULL, maxLength=120)),
                view.field("NIP", _input(NEW_NIP, maxLength=18), "18 angka, boleh kosong"),
                view.field("E-mail", _input(NEW_MAIL, maxLength=254, type="email"), "untuk peringatan dan laporan"),
                dbc.Button("Tambah dan buat kata sandi sementara", id=ADD, color="primary", className="mt-1"),
                html.Div(id=ADD_RESULT, className="mt-3"),
            ]
        ),
        className="mpn-admin-card h-100",
    )


def _options(accounts: list[User]) -> list[dict[str, str]]:
    return [{"label": f"{u.username} — {u.display_name} ({u.role_title})", "value": u.username} for u in accounts]


def _edit_card(accounts: list[User]) -> dbc.Card:
    return dbc.Card(
        dbc.CardBody(
            [
                html.H2("Ubah pengguna", className="h6 mb-3"),
                view.field("Pengguna", dbc.Select(id=PICK, options=_options(accounts), placeholder="Pilih pengguna…")),
                html.Div(id=FACTS, className="mb-2 small text-muted"),
                dbc.Row(
                    [
                        dbc.Col(view.field("Peran", dbc.Select(id=ROLE, options=view.ROLE_OPTIONS)), md=6),
                        dbc.Col(view.field("E-mail", _input(MAIL, maxLength=254, type="email")), md=6),
                    ]
                ),
                dbc.Row(
                    [
                        dbc.Col(view.field("Nama lengkap", _input(FULL, maxLength=120)), md=6),
                        dbc.Col(view.field("NIP", _input(NIP, maxLength=18)), md=6),
                    ]
                ),
                html.Div(
                    [
                        dbc.Button("Simpan perubahan", id=SAVE, color="primary", className="me-2 mb-1"),
                        dbc.Button("Nonaktifkan", id=TOGGLE, color="secondary", outline=True, className="me-2 mb-1"),
                        dbc.Button("Buka kunci", id=UNLOCK, color="secondary", outline=True, className="me-2 mb-1"),
                        dbc.Button("Setel ulang kata sandi", id=RESET, color="danger", outline=True, className="mb-1"),
                    ],
                    className="mt-1",
                ),
                html.Div(id=EDIT_RESULT, className="mt-3"),
            ]
        ),
        className="mpn-admin-card h-100",
    )


@callback(
    Output(TABLE, "children"), Output(PICK, "options"), Input(VERSION, "data"), prevent_initial_call=True, roles=ADMINS
)
def refresh(_version: int | None) -> tuple[Any, Any]:
    """The list and the picker again, after a change."""
    accounts = fetch(users)
    return view.users_table(accounts), _options(accounts)


@callback(
    Output(ROLE, "value"),
    Output(MAIL, "value"),
    Output(FULL, "value"),
    Output(NIP, "value"),
    Output(TOGGLE, "children"),
    Output(UNLOCK, "disabled"),
    Output(FACTS, "children"),
    Input(PICK, "value"),
    Input(VERSION, "data"),
    roles=ADMINS,
)
def fill(username: str | None, _version: int | None) -> tuple[Any, ...]:
    """The chosen account's values in the form; the status buttons fit it."""
    user = fetch(user_by_name, username) if username else None
    if user is None:
        return None, "", "", "", "Nonaktifkan", True, ""
    facts = ["Status: ", view.user_status(user), f" · dibuat {waktu_wib(user.created_at)}"]
    return (
        user.role,
        user.email,
        user.full_name,
        user.nip,
        "Nonaktifkan" if user.active else "Aktifkan",
        user.locked_until is None and user.failed_logins == 0,
        facts,
    )


@callback(
    Output(ADD_RESULT, "children"),
    Output(VERSION, "data", allow_duplicate=True),
    Output(NEW_NAME, "value"),
    Output(NEW_FULL, "value"),
    Output(NEW_NIP, "value"),
    Output(NEW_MAIL, "value"),
    Input(ADD, "n_clicks"),
    State(NEW_NAME, "value"),
    State(NEW_ROLE, "value"),
    State(NEW_FULL, "value"),
    State(NEW_NIP, "value"),
    State(NEW_MAIL, "value"),
    State(VERSION, "data"),
    prevent_initial_call=True,
    roles=ADMINISTER,
)
def add(
    clicks: int | None,
    username: str | None,
    role: str | None,
    full_name: str | None,
    nip: str | None,
    email: str | None,
    version: int | None,
) -> tuple[Any, ...]:
    """Create the account with a temporary password, shown once; the user changes it at first login."""
    name, password = (username or "").strip().lower(), temporary_password()

    def create(admin: User) -> User:
        return perform(
            lambda conn: add_user(
                conn,
                username=name,
                role=role or "",
                password=password,
                actor=admin.actor(),
                full_name=full_name or "",
                nip=nip or "",
                email=email or "",
                temporary=True,
            )
        )

    return act(
        clicks,
        create,
        done=lambda _added: (
            view.temporary_password_notice(name, password, f"Pengguna {name} ditambahkan."),
            (version or 0) + 1,
            "",
            "",
            "",
            "",
        ),  # the form is empty for the next one
        refused=lambda why: (view.result(why.message, ok=False), *[dash.no_update] * 5),
    )


@callback(
    Output(EDIT_RESULT, "children"),
    Output(VERSION, "data", allow_duplicate=True),
    Input(SAVE, "n_clicks"),
    Input(TOGGLE, "n_clicks"),
    Input(UNLOCK, "n_clicks"),
    Input(RESET, "n_clicks"),
    State(PICK, "value"),
    State(ROLE, "value"),
    State(MAIL, "value"),
    State(FULL, "value"),
    State(NIP, "value"),
    State(VERSION, "data"),
    prevent_initial_call=True,
    roles=ADMINISTER,
)
def change(
    _save: int | None,
    _toggle: int | None,
    _unlock_clicks: int | None,
    _reset_clicks: int | None,
    username: str | None,
    role: str | None,
    email: str | None,
    full_name: str | None,
    nip: str | None,
    version: int | None,
) -> tuple[Any, int]:
    """One of the edit form's buttons: save, disable/enable, unlock or reset, as the admin, audited."""
    if not username or not ctx.triggered:
        raise PreventUpdate
    actions: dict[str, Callable[[User, str], Any]] = {
        SAVE: lambda a, u: _save_changes(a, u, role or "", email or "", full_name or "", nip or ""),
        TOGGLE: _toggle_active,
        UNLOCK: _unlock,
        RESET: _reset,
    }
    pressed = actions[str(ctx.triggered_id)]
    return act(
        ctx.triggered[0].get("value"),
        lambda admin: pressed(admin, username),
        done=lambda shown: (shown, (version or 0) + 1),
        refused=lambda why: (view.result(why.message, ok=False), (version or 0) + 1),
    )


def _own(admin: User, changed: User) -> None:
    """A change to the admin's own account keeps this session (the others end, as for any change)."""
    if changed.user_id == admin.user_id:
        keep_session(changed)


def _save_changes(admin: User, username: str, role: str, email: str, full_name: str, nip: str) -> Any:
    after, done = perform(
        update_account, username, role=role, email=email, full_name=full_name, nip=nip, actor=admin.actor()
    )
    _own(admin, after)
    if not done:
        return view.result(f"Tidak ada yang berubah pada {username}.", ok=True)
    ended = " Sesi yang terbuka diakhiri agar peran baru berlaku." if "peran" in done else ""
    return view.result(f"{username}: {', '.join(done)} disimpan.{ended}", ok=True)


def _toggle_active(admin: User, username: str) -> Any:
    changed = perform(toggle_active, username, actor=admin.actor())
    if changed.active:
        return view.result(f"{username} diaktifkan kembali.", ok=True)
    return view.result(f"{username} dinonaktifkan; sesinya yang terbuka diakhiri.", ok=True)


def _unlock(admin: User, username: str) -> Any:
    perform(unlock, username, actor=admin.actor())
    return view.result(f"Kunci {username} dibuka; kata sandinya tidak berubah.", ok=True)


def _reset(admin: User, username: str) -> Any:
    if username == admin.username:
        raise UserError("own account", "Ganti kata sandi Anda sendiri di Akun saya.")
    password = temporary_password()
    perform(set_password, username, password, actor=admin.actor(), temporary=True)
    return view.temporary_password_notice(
        username, password, f"Kata sandi {username} disetel ulang; sesinya yang terbuka diakhiri."
    )
