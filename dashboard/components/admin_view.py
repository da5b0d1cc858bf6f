"""Widgets of the administration pages (Pengguna, Pengaturan, Data induk): plain tables, labelled fields, results."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import dash_bootstrap_components as dbc
from dash import html

from queries.accounts.users import ROLES, User
from queries.formatting import waktu_wib
from queries.labels import SUBSCRIPTIONS, subscription_text
from queries.settings import SettingRow

ROLE_OPTIONS = [{"label": title, "value": code} for code, title in ROLES.items()]


def result(message: Any, *, ok: bool, ident: str | None = None) -> dbc.Alert:
    """A green or red notice under a form."""
    extra = {"id": ident} if ident else {}
    return dbc.Alert(message, color="success" if ok else "danger", className="py-2 mb-0 mpn-admin-result", **extra)


def field(label: str, component: Any, hint: str = "") -> html.Div:
    """A form row: its label, the input, and an optional hint under it."""
    parts = [dbc.Label(label, html_for=getattr(component, "id", None)), component]
    if hint:
        parts.append(dbc.FormText(hint))
    return html.Div(parts, className="mb-2")


def table(
    headers: Sequence[str], rows: Sequence[Sequence[Any]], *, ident: str, row_ids: Sequence[str] = ()
) -> html.Div:
    """A striped table in a scrolling box; `row_ids` tag each row (`data-kode`) for tests and links."""
    head = html.Thead(html.Tr([html.Th(h, scope="col") for h in headers]))
    tags: list[dict[str, Any]] = [{"data-kode": row_ids[i]} if row_ids else {} for i in range(len(rows))]
    body = html.Tbody([html.Tr([html.Td(c) for c in row], **tag) for row, tag in zip(rows, tags, strict=True)])
    return html.Div(
        dbc.Table([head, body], striped=True, hover=True, size="sm", className="mb-0", id=ident),
        className="mpn-admin-table",
    )


def user_status(user: User) -> Any:
    """Active, disabled or locked, and whether a temporary password waits to be changed."""
    parts: list[Any] = []
    if not user.active:
        parts.append(dbc.Badge("Nonaktif", color="secondary", className="me-1"))
    elif user.locked_until is not None:
        parts.append(dbc.Badge(f"Terkunci s.d. {waktu_wib(user.locked_until)}", color="danger", className="me-1"))
    else:
        parts.append(dbc.Badge("Aktif", color="success", className="me-1"))
    if user.must_change_password:
        parts.append(dbc.Badge("Wajib ganti sandi", color="warning", text_color="dark"))
    return html.Span(parts)


def users_table(users: Sequence[User]) -> html.Div:
    """Every account: name, full name, NIP, role, e-mail, status, last login."""
    rows = [
        [
            html.Span(u.username, className="mpn-mono"),
            u.full_name or "—",
            u.nip or "—",
            u.role_title,
            u.email or "—",
            user_status(u),
            waktu_wib(u.last_login_at) if u.last_login_at else "belum pernah",
        ]
        for u in users
    ]
    return table(
        ["Nama pengguna", "Nama lengkap", "NIP", "Peran", "E-mail", "Status", "Terakhir masuk"],
        rows,
        ident="pg-tabel",
        row_ids=[u.username for u in users],
    )


def temporary_password_notice(username: str, password: str, what: str) -> dbc.Alert:
    """The temporary password, shown this once."""
    return dbc.Alert(
        [
            html.Div([f"{what} Kata sandi sementara untuk ", html.Strong(username), ":"]),
            html.Div(html.Code(password, id="pg-sandi-sementara", className="fs-5"), className="my-2"),
            html.Div(
                f"Catat dan serahkan sekarang: kata sandi ini hanya ditampilkan sekali. {username} wajib "
                "menggantinya saat pertama masuk."
            ),
        ],
        color="success",
        className="py-2 mb-0 mpn-admin-result",
    )


_CODE = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b")


def _meaning(text: str) -> str:
    """A setting's meaning with any subscription code in it by its name (`daily_pdf` is `Laporan Harian (PDF…)`)."""
    return _CODE.sub(lambda m: subscription_text(m.group(0)) if m.group(0) in SUBSCRIPTIONS else m.group(0), text)


#: Settings whose values are lists of rule or report codes.
SUBSCRIPTION_KEYS = ("alerts.subscriptions.", "reports.subscriptions.")


def settings_table(rows: Sequence[SettingRow]) -> html.Div:
    """Every setting: key and meaning, default, current value, who changed it and when."""

    def value(key: str, text: str) -> Any:
        if not text:
            return html.Span("(kosong)", className="text-muted")
        if key.startswith(SUBSCRIPTION_KEYS):  # rule names shown, not the stored codes
            return html.Span(subscription_text(text), className="mpn-setting-value")
        return html.Span(text, className="mpn-setting-value")

    body = [
        [
            html.Div(
                [
                    html.Div(r.key, className="mpn-mono fw-semibold"),
                    html.Small(_meaning(r.label), className="text-muted"),
                ]
            ),
            value(r.key, r.default),
            value(r.key, r.value),
            f"{r.changed_by}, {waktu_wib(r.changed_at)}" if r.changed_by else "— (bawaan)",
        ]
        for r in rows
    ]
    return table(
        ["Pengaturan", "Bawaan", "Nilai sekarang", "Diubah oleh"],
        body,
        ident="set-tabel",
        row_ids=[r.key for r in rows],
    )
