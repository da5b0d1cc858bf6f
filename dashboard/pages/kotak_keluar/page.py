"""Kotak keluar: the e-mail outbox. Every message the product sends is listed with its status,
attempts and last error; "Lihat" previews it (the plain-text body, shown as text) and "Kirim ulang" puts a failed
one back in the queue with the same Message-ID (audited as the user). A message marked "mungkin sudah terkirim"
stopped between the SMTP DATA command and the server's answer: check with the recipient before resending
(`jobs.mail.send` states the guarantee). In the demo, the last section lists what the local SMTP sink received.
"""

from __future__ import annotations

import logging
from typing import Any

import dash
from dash import ALL, Input, Output, State, ctx, dcc, html
from dash.exceptions import PreventUpdate

from dashboard.access import act, callback, current_user
from dashboard.components.cards import page_header, page_or_unavailable, section
from dashboard.components.data import fetch, perform
from dashboard.pages.kotak_keluar import view
from jobs.mail.send import smtp_settings
from jobs.mail.sink import kept_messages, sink_dir
from queries import config
from queries.accounts.users import User
from queries.mail.outbox import requeue
from queries.mail.read import message_detail, outbox, status_counts
from queries.permissions import roles_for

#: Who sees the outbox; who resends a failed message.
READERS, RESENDERS = roles_for("page.kotak_keluar"), roles_for("mail.resend")
LISTED = 200

FILTER, TABLE, CARDS, PREVIEW, MESSAGE, VERSION = (
    "kk-filter",
    "kk-daftar",
    "kk-kartu",
    "kk-pratinjau",
    "kk-pesan",
    "kk-versi",
)

TITLE = "Kotak keluar"
QUESTION = "Surat elektronik apa yang sudah terkirim, menunggu, atau gagal?"

log = logging.getLogger(__name__)

dash.register_page(
    __name__, path="/kotak-keluar", name="Kotak keluar", title="Kotak keluar · MPN Monitor", order=85, roles=READERS
)


def layout(**_query: str) -> html.Div:
    """Status cards, the outbox with its filter, the preview, and the local sink's messages in the demo."""
    body = page_or_unavailable(page_body, title=TITLE, subtitle=QUESTION)
    return html.Div(body, className="mpn-page")


def page_body() -> list[Any]:
    """The page's parts, read fresh for this visit."""
    parts: list[Any] = [
        page_header(TITLE, QUESTION),
        dcc.Store(id=VERSION, data=0),
        html.Div(view.status_cards(fetch(status_counts)), id=CARDS),
        html.Div(id=MESSAGE),
        section(
            "Pesan",
            [
                dash.dcc.RadioItems(
                    id=FILTER,
                    options=view.FILTER_OPTIONS,
                    value="all",
                    inline=True,
                    className="mb-2 mpn-filters",
                    inputClassName="me-1",
                    labelClassName="me-3",
                ),
                html.Div(_table("all"), id=TABLE),
            ],
            note=_server_note(),
        ),
        html.Div(id=PREVIEW, className="mt-3"),
    ]
    if sink_dir().is_dir():
        parts.append(
            section(
                "Diterima server surat lokal",
                [view.sink_table(kept_messages())],
                note=f"Server SMTP lokal demo menyimpan setiap pesan yang diterimanya di {sink_dir()}.",
            )
        )
    return parts


def _server_note() -> str:
    try:
        server = smtp_settings()
    except ValueError as exc:
        return f"Pengaturan server surat salah: {exc}"
    where = f"lewat {server.display}" if server else "— server surat belum diatur (MPN_SMTP_URL), pesan tetap antre"
    return (
        f"Penjadwal mengirim pesan antre setiap menit {where}. Yang ditolak sementara dicoba lagi dengan jeda "
        "1, 2, 4 … menit. Terbaru di atas, waktu dalam WIB."
    )


def _table(status: str) -> Any:
    return view.outbox_table(fetch(outbox, status=status, limit=LISTED), user=current_user())


@callback(
    Output(TABLE, "children"),
    Output(CARDS, "children"),
    Input(FILTER, "value"),
    Input(VERSION, "data"),
    prevent_initial_call=True,
    roles=READERS,
)
def refresh(status: str | None, _version: int | None) -> tuple[Any, Any]:
    """The outbox of the chosen status, and the counts, again."""
    if status not in {o["value"] for o in view.FILTER_OPTIONS}:
        raise PreventUpdate
    return _table(status), view.status_cards(fetch(status_counts))


@callback(
    Output(PREVIEW, "children"),
    Input({"type": view.VIEW, "mail": ALL}, "n_clicks"),
    prevent_initial_call=True,
    roles=READERS,
)
def show(_clicks: list[int | None]) -> Any:
    """The clicked message in full."""
    mail_id = _pressed()
    detail = fetch(message_detail, mail_id)
    if detail is None:
        raise PreventUpdate
    return view.preview(detail)


@callback(
    Output(MESSAGE, "children"),
    Output(VERSION, "data"),
    Input({"type": view.RESEND, "mail": ALL}, "n_clicks"),
    State(VERSION, "data"),
    prevent_initial_call=True,
    roles=RESENDERS,
)
def resend(_clicks: list[int | None], version: int | None) -> tuple[Any, int]:
    """Put the failed message back in the queue (same Message-ID), audited as the user."""
    mail_id = _pressed()

    def again(user: User) -> str:
        message_id = perform(requeue, mail_id, actor=user.actor(), now=config.now())
        log.info("mail %s requeued by %s", message_id, user.username)
        return message_id

    return act(
        ctx.triggered[0].get("value"),
        again,
        done=lambda message_id: (
            view.message(
                f"Pesan {message_id} masuk antrean lagi dan dikirim pada putaran "
                "penjadwal berikutnya (paling lama satu menit).",
                ok=True,
            ),
            (version or 0) + 1,
        ),
        refused=lambda why: (view.message(why.message, ok=False), (version or 0) + 1),
    )


def _pressed() -> int:
    """The mail id of the button that fired the callback (PreventUpdate when none was really pressed)."""
    pressed = ctx.triggered_id
    if not isinstance(pressed, dict) or not ctx.triggered or not ctx.triggered[0].get("value"):
        raise PreventUpdate
    try:
        return int(pressed["mail"])
    except (KeyError, TypeError, ValueError):
        raise PreventUpdate from None
