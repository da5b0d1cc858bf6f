"""Peringatan: deadline alerts. What is open now (rule, business date, bank, deadline and open-since
in WIB, how late), with "Tandai diketahui" and "Tunda" for the roles that own the duty (a note each, audited; a
refusal is shown), and the history with a filter. Each visit first checks the scheduler's heartbeat, so a silent
scheduler is alerted even though the minute job that evaluates the rules runs inside it.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, ctx, dcc, html
from dash.exceptions import PreventUpdate

from dashboard.access import act, callback, current_user
from dashboard.components.cards import empty_state, page_header, page_or_unavailable, section
from dashboard.components.data import fetch, perform
from jobs.alerts import check_scheduler
from queries import config
from queries.accounts.users import User
from queries.alerts import RULES, STATUSES, Alert, acknowledge, acts_for, alerts, snooze
from queries.formatting import tanggal_pendek, waktu_wib
from queries.permissions import roles_for

#: Who opens the page: the roles that own some alert's duty.
READERS = roles_for("page.peringatan")
LISTED = 300
PATH = "/peringatan"

OPEN, HISTORY, RULE, STATE, NOTE, LENGTH, MESSAGE, VERSION = (
    "pr-terbuka",
    "pr-riwayat",
    "pr-aturan",
    "pr-status",
    "pr-catatan",
    "pr-lama",
    "pr-pesan",
    "pr-versi",
)
ACK, SNOOZE = "pr-ketahui", "pr-tunda"
#: Snooze lengths offered, in minutes.
LENGTHS = {30: "30 menit", 60: "1 jam", 120: "2 jam", 240: "4 jam", 1440: "1 hari"}

TITLE = "Peringatan"
QUESTION = "Apa yang lewat batas waktunya dan belum dikerjakan, dan siapa yang memegangnya?"

log = logging.getLogger(__name__)

# Reached through the navbar bell (every role that may open it sees the bell), so the page links stay one row.
dash.register_page(
    __name__, path=PATH, name=TITLE, title="Peringatan · MPN Monitor", order=12, roles=READERS, navbar=False
)


def layout(**_query: str) -> html.Div:
    """The open alerts with their actions, and the history with its filter."""
    return html.Div(page_or_unavailable(page_body, title=TITLE, subtitle=QUESTION), className="mpn-page")


def page_body() -> list[Any]:
    """The page's parts, read fresh for this visit (after the scheduler check)."""
    check_scheduler()
    return [
        page_header(TITLE, QUESTION),
        dcc.Store(id=VERSION, data=0),
        html.Div(id=MESSAGE),
        section(
            "Terbuka",
            [_actions_bar(), html.Div(_open_table(), id=OPEN)],
            note="Peringatan terbuka saat batas lewat dan tugas belum dikerjakan, lalu selesai sendiri begitu "
            "tugasnya dikerjakan (dengan catatan berapa menit terlambat). Waktu dalam WIB.",
        ),
        section(
            "Riwayat",
            [
                dbc.Row(
                    [
                        dbc.Col(
                            dcc.Dropdown(
                                id=RULE,
                                options=[{"label": "Semua aturan", "value": "all"}]
                                + [{"label": t, "value": r} for r, t in RULES.items()],
                                value="all",
                                clearable=False,
                            ),
                            md=4,
                        ),
                        dbc.Col(
                            dcc.RadioItems(
                                id=STATE,
                                value="all",
                                inline=True,
                                className="mpn-filters",
                                options=[
                                    {"label": "Semua", "value": "all"},
                                    {"label": "Selesai", "value": "resolved"},
                                    {"label": "Belum selesai", "value": "open"},
                                ],
                                inputClassName="me-1",
                                labelClassName="me-3",
                            ),
                            md=8,
                        ),
                    ],
                    className="mb-2 g-2",
                ),
                html.Div(_history_table("all", "all"), id=HISTORY),
            ],
        ),
    ]


def _actions_bar() -> html.Div:
    return html.Div(
        [
            dbc.Input(
                id=NOTE,
                placeholder="Catatan (mis. bank sudah ditelepon)",
                maxLength=500,
                size="sm",
                className="me-2",
                style={"maxWidth": "28rem"},
            ),
            dcc.Dropdown(
                id=LENGTH,
                options=[{"label": f"Tunda {v}", "value": k} for k, v in LENGTHS.items()],
                value=60,
                clearable=False,
                style={"minWidth": "10rem"},
            ),
        ],
        className="d-flex align-items-center gap-2 mb-2",
    )


def _late(alert: Alert) -> str:
    minutes = alert.minutes_late(config.now())
    hours, rest = divmod(minutes, 60)
    return f"{hours} jam {rest} menit" if hours else f"{rest} menit"


def _who(alert: Alert) -> str:
    return f"{alert.bank_code} {alert.bank_name}".strip() if alert.bank_code else "Semua bank / sistem"


def _status(alert: Alert) -> Any:
    tone = {"open": "danger", "acknowledged": "warning", "snoozed": "secondary", "resolved": "success"}[alert.status]
    extra = f" s.d. {waktu_wib(alert.snoozed_until)}" if alert.snoozed_until else ""
    by = f" · {alert.acknowledged_by}" if alert.acknowledged_by and alert.status != "resolved" else ""
    return [dbc.Badge(alert.status_title, color=tone), html.Small(extra + by, className="text-muted ms-1")]


def _buttons(alert: Alert, user: Any) -> list[Any]:  # noqa: ANN401 - the signed-in User
    if not acts_for(user, alert):
        return []
    return [
        dbc.Button(
            "Tandai diketahui",
            id={"type": ACK, "alert": alert.alert_id},
            size="sm",
            color="primary",
            className="me-1",
            disabled=alert.status == "acknowledged",
        ),
        dbc.Button("Tunda", id={"type": SNOOZE, "alert": alert.alert_id}, size="sm", color="light"),
    ]


def _open_table() -> Any:
    rows = fetch(alerts, now=config.now(), status="open", limit=LISTED)
    if not rows:
        return empty_state("Tidak ada peringatan terbuka.", "Semua tugas yang sudah lewat batas telah dikerjakan.")
    user = current_user()
    head = html.Thead(
        html.Tr(
            [
                html.Th(h)
                for h in (
                    "Aturan",
                    "Tanggal buku",
                    "Bank",
                    "Batas",
                    "Terbuka sejak",
                    "Terlambat",
                    "Status",
                    "Keterangan",
                    "",
                )
            ]
        )
    )
    body = html.Tbody(
        [
            html.Tr(
                [
                    html.Td(a.rule_title),
                    html.Td(tanggal_pendek(a.business_date)),
                    html.Td(_who(a)),
                    html.Td(waktu_wib(a.deadline)),
                    html.Td(waktu_wib(a.opened_at)),
                    html.Td(_late(a), className="text-nowrap"),
                    html.Td(_status(a)),
                    html.Td([a.detail, html.Div(a.note, className="text-muted small") if a.note else None]),
                    html.Td(_buttons(a, user), className="text-nowrap"),
                ],
                id=f"pr-baris-{a.alert_id}",
            )
            for a in rows
        ]
    )
    return dbc.Table([head, body], id="pr-tabel-terbuka", size="sm", hover=True, responsive=True, className="mpn-table")


def _history_table(rule: str, status: str) -> Any:
    rows = fetch(alerts, now=config.now(), status=status, rule=None if rule == "all" else rule, limit=LISTED)
    if not rows:
        return empty_state("Belum ada peringatan dengan saringan ini.")
    head = html.Thead(
        html.Tr(
            [
                html.Th(h)
                for h in (
                    "Aturan",
                    "Tanggal buku",
                    "Bank",
                    "Batas",
                    "Terbuka sejak",
                    "Selesai",
                    "Terlambat",
                    "Status",
                    "Catatan",
                )
            ]
        )
    )
    body = html.Tbody(
        [
            html.Tr(
                [
                    html.Td(a.rule_title),
                    html.Td(tanggal_pendek(a.business_date)),
                    html.Td(_who(a)),
                    html.Td(waktu_wib(a.deadline)),
                    html.Td(waktu_wib(a.opened_at)),
                    html.Td(waktu_wib(a.resolved_at) if a.resolved_at else "—"),
                    html.Td(_late(a)),
                    html.Td(STATUSES.get(a.status, a.status)),
                    html.Td(a.note or a.detail),
                ],
                id=f"pr-riwayat-{a.alert_id}",
            )
            for a in rows
        ]
    )
    return dbc.Table([head, body], id="pr-tabel-riwayat", size="sm", hover=True, responsive=True, className="mpn-table")


@callback(
    Output(HISTORY, "children"),
    Output(OPEN, "children"),
    Input(RULE, "value"),
    Input(STATE, "value"),
    Input(VERSION, "data"),
    prevent_initial_call=True,
    roles=READERS,
)
def refresh(rule: str | None, status: str | None, _version: int | None) -> tuple[Any, Any]:
    """The history for the filter chosen, and the open alerts again."""
    if rule not in {"all", *RULES} or status not in ("all", "resolved", "open"):
        raise PreventUpdate
    return _history_table(rule, status), _open_table()


@callback(
    Output(MESSAGE, "children"),
    Output(VERSION, "data"),
    Input({"type": ACK, "alert": ALL}, "n_clicks"),
    Input({"type": SNOOZE, "alert": ALL}, "n_clicks"),
    State(NOTE, "value"),
    State(LENGTH, "value"),
    State(VERSION, "data"),
    prevent_initial_call=True,
    roles=READERS,
)
def handle(
    _acks: list[int | None], _snoozes: list[int | None], note: str | None, length: int | None, version: int | None
) -> tuple[Any, int]:
    """Acknowledge or snooze the alert whose button was pressed, as the signed-in user (audited)."""
    kind, alert_id = _pressed()

    def press(user: User) -> str:
        now = config.now()
        if kind == ACK:
            done = perform(acknowledge, alert_id, user=user, note=note or "", now=now)
            told = f"Peringatan {done.rule_title.lower()} ({_who(done)}) ditandai diketahui."
        else:
            minutes = length if isinstance(length, int) and length in LENGTHS else 60
            done = perform(
                snooze, alert_id, user=user, until=now + timedelta(minutes=minutes), note=note or "", now=now
            )
            until = waktu_wib(done.snoozed_until)
            told = f"Peringatan {done.rule_title.lower()} ({_who(done)}) ditunda sampai {until}."
        log.info("alert %s: %s by %s", alert_id, kind, user.username)
        return told

    return act(
        ctx.triggered[0].get("value"),
        press,
        done=lambda told: (_message(told, ok=True), (version or 0) + 1),
        refused=lambda why: (_message(why.message, ok=False), (version or 0) + 1),
    )


def _message(text: str, *, ok: bool) -> dbc.Alert:
    return dbc.Alert(
        text, id="pr-pesan-isi", color="success" if ok else "danger", className="mpn-notice", dismissable=True
    )


def _pressed() -> tuple[str, int]:
    """The kind and alert id of the button that fired (PreventUpdate when none was really pressed)."""
    pressed = ctx.triggered_id
    if not isinstance(pressed, dict) or not ctx.triggered or not ctx.triggered[0].get("value"):
        raise PreventUpdate
    try:
        return str(pressed["type"]), int(pressed["alert"])
    except (KeyError, TypeError, ValueError):
        raise PreventUpdate from None
