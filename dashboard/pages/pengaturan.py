"""Pengaturan (admin only): every setting of `queries.settings` with its meaning, default, current value and who
changed it when; a change is checked by the setting's own rule (`set_setting`, the function `mpn settings set`
calls) and audited. The mail server and sender come from the environment (`MPN_SMTP_URL`, `MPN_MAIL_FROM`) and are
shown read-only; "Kirim e-mail uji" queues a message to the admin's own address through the outbox and sends it.
"""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, ctx, dcc, html

from dashboard.access import act, callback, current_user
from dashboard.components import admin_view as view
from dashboard.components.cards import page_header, page_or_unavailable, section
from dashboard.components.data import fetch, perform
from jobs.mail.trial import MAIL_TEST_KIND, send_test_message
from queries.accounts.users import User
from queries.mail.outbox import mail_from
from queries.permissions import Refused, roles_for
from queries.settings import BY_KEY, raw_settings, set_setting, setting_rows

TITLE = "Pengaturan"
QUESTION = "Nilai yang dapat diubah administrator saat aplikasi berjalan"

VERSION, TABLE, KEY, LABEL, VALUE, SAVE, DEFAULT, RESULT, TEST, TEST_RESULT = (
    "set-versi",
    "set-daftar",
    "set-kunci",
    "set-keterangan",
    "set-nilai",
    "set-simpan",
    "set-bawaan",
    "set-hasil",
    "set-uji",
    "set-uji-hasil",
)

#: Who opens the page; who changes settings.
ADMINS, ADMINISTER = roles_for("page.admin"), roles_for("accounts.administer")

dash.register_page(
    __name__, path="/pengaturan", name="Pengaturan", title="Pengaturan · MPN Monitor", order=93, roles=ADMINS
)


def layout(**_query: str) -> html.Div:
    """The settings, the edit form and the mail section."""
    return html.Div(page_or_unavailable(_body, title=TITLE, subtitle=QUESTION), className="mpn-page")


def _body() -> list[Any]:
    return [
        page_header(TITLE, QUESTION),
        dcc.Store(id=VERSION, data=0),
        dbc.Row(
            [
                dbc.Col(
                    section(
                        "Semua pengaturan",
                        [html.Div(view.settings_table(fetch(setting_rows)), id=TABLE)],
                        note="Baris tanpa perubahan memakai nilai bawaan; waktu dalam WIB.",
                    ),
                    xl=8,
                ),
                dbc.Col([_edit_card(), _mail_card()], xl=4),
            ]
        ),
    ]


def _edit_card() -> dbc.Card:
    options = [{"label": key, "value": key} for key in BY_KEY]
    return dbc.Card(
        dbc.CardBody(
            [
                html.H2("Ubah pengaturan", className="h6 mb-3"),
                view.field("Pengaturan", dbc.Select(id=KEY, options=options, placeholder="Pilih pengaturan…")),
                html.Div(id=LABEL, className="small text-muted mb-2"),
                view.field(
                    "Nilai baru",
                    dbc.Textarea(id=VALUE, rows=3, maxLength=1000),
                    "Diperiksa dengan aturan yang sama dengan `mpn settings set`.",
                ),
                dbc.Button("Simpan", id=SAVE, color="primary", className="me-2"),
                dbc.Button("Kembalikan ke bawaan", id=DEFAULT, color="secondary", outline=True),
                html.Div(id=RESULT, className="mt-3"),
            ]
        ),
        className="mpn-admin-card mb-3",
    )


def _server_text() -> str:
    from jobs.mail.send import MailConfigError, smtp_settings

    try:
        server = smtp_settings()
    except MailConfigError as exc:
        return f"salah atur: {exc}"
    return server.display if server else "belum diatur (MPN_SMTP_URL); pesan tetap antre di Kotak keluar"


def _mail_card() -> dbc.Card:
    user = current_user()
    own = user.email if user and user.email else "belum ada — isi e-mail Anda di halaman Pengguna"
    facts = [("Server surat", _server_text()), ("Pengirim", mail_from()), ("E-mail Anda", own)]
    return dbc.Card(
        dbc.CardBody(
            [
                html.H2("Surat elektronik", className="h6 mb-2"),
                html.Dl(
                    [
                        part
                        for label, value in facts
                        for part in (
                            html.Dt(label, className="col-sm-4"),
                            html.Dd(value, className="col-sm-8 mpn-setting-value"),
                        )
                    ],
                    className="row small mb-2",
                ),
                html.P(
                    "Server dan pengirim diatur lewat lingkungan server (MPN_SMTP_URL, MPN_MAIL_FROM).",
                    className="small text-muted",
                ),
                dbc.Button("Kirim e-mail uji", id=TEST, color="primary", outline=True),
                html.Div(id=TEST_RESULT, className="mt-3"),
            ]
        ),
        className="mpn-admin-card",
    )


@callback(Output(LABEL, "children"), Output(VALUE, "value"), Input(KEY, "value"), Input(VERSION, "data"), roles=ADMINS)
def fill(key: str | None, _version: int | None) -> tuple[Any, str]:
    """The chosen setting's meaning and default, and its current value to edit."""
    setting = BY_KEY.get(key or "")
    if setting is None:
        return "", ""
    default = setting.default or "(kosong)"
    return [setting.label, html.Br(), f"Bawaan: {default}"], fetch(raw_settings)[setting.key]


@callback(
    Output(RESULT, "children"),
    Output(VERSION, "data"),
    Output(TABLE, "children"),
    Input(SAVE, "n_clicks"),
    Input(DEFAULT, "n_clicks"),
    State(KEY, "value"),
    State(VALUE, "value"),
    State(VERSION, "data"),
    prevent_initial_call=True,
    roles=ADMINISTER,
)
def save(
    _save: int | None, _default: int | None, key: str | None, value: str | None, version: int | None
) -> tuple[Any, Any, Any]:
    """Store the new value (or the default) after its rule accepts it, as the admin, audited."""
    setting = BY_KEY.get(key or "")

    def store(user: User) -> str:
        if setting is None:
            raise Refused("Pilih pengaturan dulu.")
        wanted = setting.default if ctx.triggered_id == DEFAULT else (value or "")
        return perform(set_setting, setting.key, wanted, actor=user.actor())

    def refused(why: Refused) -> tuple[Any, Any, Any]:
        told = why.message if setting is None else f"Tidak disimpan: {why.message}"
        return view.result(told, ok=False), dash.no_update, dash.no_update

    return act(
        ctx.triggered[0].get("value") if ctx.triggered else None,
        store,
        done=lambda stored: (
            view.result(f"{key} = {stored or '(kosong)'} disimpan.", ok=True),
            (version or 0) + 1,
            view.settings_table(fetch(setting_rows)),
        ),
        refused=refused,
    )


@callback(Output(TEST_RESULT, "children"), Input(TEST, "n_clicks"), prevent_initial_call=True, roles=ADMINS)
def send_test(clicks: int | None) -> Any:
    """Queue a test message to the admin's own address through the outbox, send it now, say what happened."""
    return act(
        clicks,
        send_test_message,
        done=lambda outcome: view.result(outcome.message, ok=outcome.ok, ident=f"{MAIL_TEST_KIND}-hasil"),
        refused=lambda why: view.result(why.message, ok=False, ident=f"{MAIL_TEST_KIND}-hasil"),
    )
