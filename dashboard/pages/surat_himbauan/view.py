"""The Surat Himbauan page's pieces: status filter with counts, letters grid, detail with its timeline and PDF
preview, the action forms (paraf, return, sign, send, revise), and the letter's PDF route.

Layout builders only (and one Flask view); the page's callbacks call `queries.letters.appeals`, whose acts check
the roles (`queries.permissions`) and whose `AppealLetter.acts_for` says which forms to show.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import dash
import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import dcc, html
from flask import Response, request

from dashboard.access import current_user
from dashboard.components.cards import kpi_card
from dashboard.components.data import fetch
from dashboard.components.grids import (
    DEFAULT_COL_DEF,
    LOCALE_ID,
    THEME,
    badge_column,
    formatted_column,
    shown,
    text_column,
)
from jobs.documents.appeal_letter_pdf import letter_pdf_for
from queries import permissions
from queries.accounts.users import User
from queries.formatting import angka, tanggal_panjang, tanggal_pendek, waktu_wib
from queries.letters.appeals import ACT_LABELS, MAX_TEXT, AppealLetter, appeal_letter

#: Who opens the page and its PDFs: the letter's chain (SE-127 steps 5-8) and the administrator.
PAGE_ACTION = "page.surat_himbauan"

MESSAGE = "sh-pesan"
RETURN_NOTE, SEND_AGENDA, SEND_DATE = "sh-kembalikan-catatan", "sh-agenda", "sh-tanggal-kirim"
REVISE_DATES, REVISE_ADDRESSEE, REVISE_NOTE = "sh-revisi-tanggal", "sh-revisi-alamat", "sh-revisi-catatan"
#: Each act's button and the group (button and its inputs) shown only when `acts_for` allows the act.
BUTTONS = {
    "initial": "sh-paraf",
    "return": "sh-kembalikan",
    "sign": "sh-tandatangani",
    "send": "sh-kirim",
    "revise": "sh-perbaiki",
}
GROUPS = {act: f"sh-grup-{button.removeprefix('sh-')}" for act, button in BUTTONS.items()}
HIDDEN, SHOWN = {"display": "none"}, {"display": "block"}

#: Short status labels for the grid (the long ones, `STATUSES`, are in the detail) and their colours.
SHORT = {
    "draft": "Konsep",
    "returned": "Dikembalikan",
    "initialled": "Diparaf",
    "signed": "Ditandatangani",
    "sent": "Terkirim",
    "answered": "Dijawab",
    "void": "Dibatalkan",
}
COLORS = {
    "Konsep": "secondary",
    "Dikembalikan": "warning",
    "Diparaf": "info",
    "Ditandatangani": "primary",
    "Terkirim": "dark",
    "Dijawab": "success",
    "Dibatalkan": "danger",
}

#: The status filter: value -> (label, which letters).
FILTERS: dict[str, tuple[str, Callable[[AppealLetter, User | None], bool]]] = {
    "saya": ("Menunggu saya", lambda a, u: bool(u and waiting_acts(a, u))),
    "konsep": ("Konsep", lambda a, _u: a.status in ("draft", "returned")),
    "diparaf": ("Diparaf", lambda a, _u: a.status == "initialled"),
    "ditandatangani": ("Ditandatangani", lambda a, _u: a.status == "signed"),
    "terkirim": ("Terkirim", lambda a, _u: a.status == "sent"),
    "dijawab": ("Dijawab", lambda a, _u: a.status == "answered"),
    "semua": ("Semua", lambda _a, _u: True),
}


def waiting_acts(letter: AppealLetter, user: User) -> list[str]:
    """The acts that make the letter wait for `user`: those allowed, less editing a draft that waits for the kasi."""
    return [act for act in letter.acts_for(user) if not (act == "revise" and letter.status == "draft")]


def filter_options(letters: list[AppealLetter], user: User | None) -> list[dict[str, Any]]:
    """The filter's buttons, each with a badge counting its letters."""
    options = []
    for value, (label, keep) in FILTERS.items():
        n = sum(1 for a in letters if keep(a, user))
        tone = ("danger" if value == "saya" else "primary") if n else "light"
        options.append(
            {
                "label": [
                    label,
                    dbc.Badge(
                        angka(n),
                        color=tone,
                        text_color="dark" if not n else None,
                        pill=True,
                        className="ms-2",
                        id=f"sh-jumlah-{value}",
                    ),
                ],
                "value": value,
            }
        )
    return options


def status_filter(filter_id: str, letters: list[AppealLetter], user: User | None) -> dbc.RadioItems:
    """A row of toggle buttons: Menunggu saya (the default), one per status, Semua."""
    return dbc.RadioItems(
        id=filter_id,
        options=filter_options(letters, user),
        value="saya",
        inline=True,
        className="mb-3",
        inputClassName="btn-check",
        labelClassName="btn btn-outline-primary btn-sm rounded-pill px-3",
        labelCheckedClassName="active",
    )


def kpi_cards(letters: list[AppealLetter], user: User | None, today: date) -> dbc.Row:
    """Headline counts: waiting for me, on the way, sent and unanswered, overdue (escalate)."""
    mine = sum(1 for a in letters if user and waiting_acts(a, user))
    moving = sum(1 for a in letters if a.status in ("draft", "returned", "initialled", "signed"))
    sent = sum(1 for a in letters if a.status == "sent")
    overdue = sum(1 for a in letters if a.overdue(today))
    return dbc.Row(
        [
            kpi_card(
                "Menunggu saya", angka(mine), "surat yang menunggu tindakan Anda", tone="warning" if mine else "success"
            ),
            kpi_card("Dalam proses", angka(moving), "konsep, paraf dan tanda tangan"),
            kpi_card("Terkirim", angka(sent), "menunggu surat pernyataan bank"),
            kpi_card(
                "Perlu eskalasi",
                angka(overdue),
                "terkirim dan melewati batas jawaban",
                tone="danger" if overdue else "success",
            ),
        ],
        className="g-3 mpn-kpis",
        id="sh-kpi",
    )


# --- grid -------------------------------------------------------------------------------------------------------


def compact_dates(days: tuple[date, ...] | list[date]) -> str:
    """`18/11, 19/11, 20/11` (the year only when the dates span more than one)."""
    years = {d.year for d in days}
    return ", ".join(f"{d:%d/%m}" if len(years) == 1 else f"{d:%d/%m/%Y}" for d in days) or "—"


COLUMNS = [
    text_column("id", "#", width=65, type="rightAligned"),
    text_column("bank", "Bank", flex=1, minWidth=200, tooltipField="bank"),
    text_column("dates", "Tanggal buku", width=130, tooltipField="dates"),
    badge_column("status", "Status", COLORS, width=135),
    badge_column("escalation", "Eskalasi", {"Eskalasi": "danger"}, width=95),
    text_column("number", "Nomor surat", width=180, tooltipField="number"),
    text_column("drafted_by", "Konsep oleh", width=105),
    text_column("initialled_by", "Paraf", width=90),
    text_column("signed_by", "Tanda tangan", width=100),
    text_column("sent", "Dikirim", width=150, tooltipField="sent"),
    formatted_column("due_on", "Batas jawaban", numeric=False, width=110),
]


def grid_row(a: AppealLetter, today: date) -> dict[str, Any]:
    """One letter as the grid shows it."""
    return {
        "id": str(a.letter_id),
        "bank": f"{a.bank_code} · {a.bank_name}",
        "dates": compact_dates(a.business_dates),
        "status": SHORT.get(a.status, a.status),
        "escalation": "Eskalasi" if a.overdue(today) else "",
        "number": a.letter_number or "",
        "drafted_by": a.drafted_by,
        "initialled_by": a.initialled_by or "",
        "signed_by": a.signed_by or "",
        "sent": f"{a.agenda_number} · {tanggal_pendek(a.sent_on)}" if a.sent_on else "",
        **shown("due_on", a.due_on.isoformat() if a.due_on else "", tanggal_pendek(a.due_on) if a.due_on else ""),
    }


def letters_grid(grid_id: str, rows: list[dict[str, Any]]) -> dag.AgGrid:
    """The letters (tens, not thousands: all in the browser); a click selects one."""
    return dag.AgGrid(
        id=grid_id,
        columnDefs=COLUMNS,
        rowData=rows,
        defaultColDef=DEFAULT_COL_DEF,
        getRowId="params.data.id",
        dashGridOptions={
            "theme": THEME,
            "domLayout": "autoHeight",
            "suppressCellFocus": True,
            "localeText": {**LOCALE_ID, "noRowsToShow": "Tidak ada surat himbauan pada pilihan ini."},
        },
        className="mpn-grid mpn-grid-clickable mpn-grid-short",
    )


# --- detail -----------------------------------------------------------------------------------------------------


def pdf_path(letter_id: int, *, download: bool = False) -> str:
    """The letter's PDF on this server (inline, or as a download)."""
    return dash.get_relative_path(f"/surat-himbauan/{letter_id}.pdf") + ("?unduh=1" if download else "")


def _dates(a: AppealLetter) -> html.Ul:
    return html.Ul(
        [
            html.Li(
                [
                    tanggal_panjang(d),
                    " ",
                    dbc.Badge("surat pernyataan diterima", color="success", className="ms-1")
                    if d in a.received_dates
                    else dbc.Badge("belum diterima", color="danger", className="ms-1"),
                ]
            )
            for d in a.business_dates
        ],
        className="mpn-list",
        id="sh-detail-tanggal",
    )


def _step(label: str, who: str | None, when: str | None, extra: Any = None, *, done: bool = True) -> html.Li:
    mark = "✓ " if done else "○ "
    return html.Li(
        [
            html.Span(mark, className="text-success" if done else "text-secondary"),
            html.Strong(label),
            f" · {who}" if who else "",
            html.Span(f" · {when}", className="text-secondary") if when else "",
            html.Div(extra, className="small") if extra else None,
        ],
        className="" if done else "text-secondary",
    )


def timeline(a: AppealLetter, days_left: int | None) -> html.Ul:
    """Each step with who and when: drafted, initialled, signed, returned, sent, answered (or voided)."""
    steps = [_step("Konsep dibuat", a.drafted_by, waktu_wib(a.drafted_at))]
    returned = None
    if a.returned_at is not None:  # kept after a revision and after the letter was voided: it is history
        returned = _step(
            "Dikembalikan",
            a.returned_by,
            waktu_wib(a.returned_at),
            f"Catatan: {a.returned_note}" if a.returned_note else None,
        )
    if (
        returned is not None
        and a.returned_at is not None
        and (a.initialled_at is None or a.returned_at < a.initialled_at)
    ):
        steps.append(returned)
        returned = None
    steps.append(
        _step(
            "Paraf Kasi",
            a.initialled_by,
            waktu_wib(a.initialled_at) if a.initialled_at else None,
            done=a.initialled_by is not None,
        )
    )
    if returned is not None:  # the kasubdit returned it after the paraf
        steps.append(returned)
    steps.append(
        _step(
            "Tanda tangan Kasubdit",
            a.signed_by,
            waktu_wib(a.signed_at) if a.signed_at else None,
            f"Nomor {a.letter_number}, tanggal {tanggal_pendek(a.letter_date)}"
            if a.letter_number and a.letter_date
            else None,
            done=a.signed_by is not None,
        )
    )
    due = None
    if a.due_on is not None:
        late = days_left is not None and days_left < 0
        due = html.Span(
            [
                f"Batas jawaban {tanggal_pendek(a.due_on)}",
                f" ({-days_left} hari kerja terlewati) "
                if late and days_left is not None
                else f" ({days_left} hari kerja lagi)"
                if days_left is not None
                else "",
                dbc.Badge("Eskalasi", color="danger", className="ms-1") if late else None,
            ]
        )
    steps.append(
        _step(
            "Dikirim TU",
            a.sent_by,
            tanggal_pendek(a.sent_on) if a.sent_on else None,
            [f"Agenda {a.agenda_number}. ", due] if a.sent_on else None,
            done=a.sent_on is not None,
        )
    )
    if a.status == "void":
        steps.append(_step("Dibatalkan", None, None, a.void_reason))
    else:
        steps.append(
            _step(
                "Dijawab bank",
                None,
                waktu_wib(a.answered_at) if a.answered_at else None,
                done=a.answered_at is not None,
            )
        )
    return html.Ul(steps, className="list-unstyled mb-0", id="sh-riwayat")


def detail_panel(a: AppealLetter, days_left: int | None) -> dbc.Card:
    """One letter: bank, dates asked (and which have arrived), addressee, timeline; its PDF beside."""
    facts = [
        (
            "Status",
            dbc.Badge(
                a.status_title,
                color=COLORS.get(SHORT.get(a.status, ""), "secondary"),
                pill=True,
                className="text-wrap text-start",
                id="sh-detail-status",
            ),
        ),
        ("Nomor surat", html.Span(a.letter_number or "belum bernomor", id="sh-detail-nomor")),
        ("Kepada", html.Div(a.addressee, style={"whiteSpace": "pre-line"})),
        ("Catatan", a.note or "—"),
    ]
    return dbc.Card(
        dbc.CardBody(
            dbc.Row(
                [
                    dbc.Col(
                        [
                            html.H2(
                                f"Surat Himbauan #{a.letter_id}: {a.bank_name}", className="h5", id="sh-detail-judul"
                            ),
                            html.P(
                                f"Kode bank {a.bank_code} · {SHORT.get(a.status, a.status)}", className="text-secondary"
                            ),
                            html.Dl(
                                [
                                    part
                                    for label, value in facts
                                    for part in (
                                        html.Dt(label, className="col-sm-4"),
                                        html.Dd(value, className="col-sm-8"),
                                    )
                                ],
                                className="row mpn-facts",
                            ),
                            html.H3("Tanggal buku yang diminta", className="mpn-subhead"),
                            _dates(a),
                            html.H3("Riwayat", className="mpn-subhead"),
                            timeline(a, days_left),
                        ],
                        lg=5,
                    ),
                    dbc.Col(
                        [
                            html.Div(
                                [
                                    html.H3("Pratinjau PDF", className="mpn-subhead mt-0"),
                                    html.A(
                                        "Unduh PDF",
                                        href=pdf_path(a.letter_id, download=True),
                                        id="sh-unduh",
                                        className="btn btn-outline-primary btn-sm",
                                    ),
                                ],
                                className="d-flex justify-content-between align-items-center mb-2",
                            ),
                            html.Iframe(
                                src=pdf_path(a.letter_id) + "#navpanes=0&view=FitH",
                                id="sh-pdf",
                                title=f"Surat Himbauan #{a.letter_id}",
                                style={
                                    "width": "100%",
                                    "height": "620px",
                                    "border": "1px solid #d8dee6",
                                    "borderRadius": "4px",
                                },
                            ),
                        ],
                        lg=7,
                    ),
                ]
            )
        ),
        className="mpn-detail",
        id="sh-detail-kartu",
    )


# --- actions ----------------------------------------------------------------------------------------------------


def _group(act: str, children: list[Any]) -> html.Div:
    return html.Div(children, id=GROUPS[act], style=HIDDEN, className="mb-3")


def _button(act: str, label: str, color: str) -> dbc.Button:
    return dbc.Button(label, id=BUTTONS[act], color=color, size="sm", n_clicks=0)


def actions_panel(today: date) -> dbc.Card:
    """Every act's form, hidden until the selected letter allows it to this user (`acts_for`)."""
    return dbc.Card(
        dbc.CardBody(
            [
                html.H2("Tindakan", className="h6"),
                html.Div(id=MESSAGE),
                html.P("Pilih sebuah surat pada tabel.", id="sh-aksi-kosong", className="text-secondary small mb-0"),
                _group(
                    "initial",
                    [
                        html.P("Setujui isi konsep dan teruskan ke Kasubdit.", className="small mb-1"),
                        _button("initial", ACT_LABELS["initial"], "success"),
                    ],
                ),
                _group(
                    "sign",
                    [
                        html.P("Tanda tangani: surat mendapat nomor dan tanggal.", className="small mb-1"),
                        _button("sign", ACT_LABELS["sign"], "success"),
                    ],
                ),
                _group(
                    "return",
                    [
                        dbc.Label("Catatan pengembalian (wajib)", html_for=RETURN_NOTE, className="small"),
                        dbc.Textarea(
                            maxLength=MAX_TEXT,
                            id=RETURN_NOTE,
                            rows=2,
                            className="mb-1",
                            placeholder="apa yang harus diperbaiki",
                        ),
                        _button("return", ACT_LABELS["return"], "warning"),
                    ],
                ),
                _group(
                    "send",
                    [
                        dbc.Label("Nomor agenda", html_for=SEND_AGENDA, className="small"),
                        dbc.Input(
                            maxLength=MAX_TEXT,
                            id=SEND_AGENDA,
                            size="sm",
                            className="mb-1",
                            placeholder="mis. AG-0123/2026",
                        ),
                        dbc.Label("Tanggal kirim", html_for=SEND_DATE, className="small d-block"),
                        html.Div(
                            dcc.DatePickerSingle(
                                id=SEND_DATE, date=today.isoformat(), display_format="DD/MM/YYYY", first_day_of_week=1
                            ),
                            className="mb-2",
                        ),
                        _button("send", ACT_LABELS["send"], "primary"),
                    ],
                ),
                _group(
                    "revise",
                    [
                        html.H3("Perbaiki & ajukan ulang", className="mpn-subhead mt-0"),
                        dbc.Label("Tanggal buku yang diminta", html_for=REVISE_DATES, className="small"),
                        dbc.Checklist(id=REVISE_DATES, options=[], value=[], className="small mb-1"),
                        dbc.Label("Kepada", html_for=REVISE_ADDRESSEE, className="small"),
                        dbc.Textarea(maxLength=MAX_TEXT, id=REVISE_ADDRESSEE, rows=3, className="mb-1"),
                        dbc.Label("Catatan", html_for=REVISE_NOTE, className="small"),
                        dbc.Textarea(maxLength=MAX_TEXT, id=REVISE_NOTE, rows=2, className="mb-1"),
                        _button("revise", "Perbaiki & ajukan ulang", "primary"),
                    ],
                ),
            ]
        ),
        className="mpn-detail",
    )


def revise_choices(a: AppealLetter, missing: list[date]) -> list[dict[str, Any]]:
    """The dates a revision may ask for: the bank's dates still missing a statement letter, and the letter's own."""
    days = sorted(set(missing) | set(a.missing_dates))
    return [{"label": tanggal_panjang(d), "value": d.isoformat()} for d in days]


def alert(message: str, *, ok: bool, tone: str | None = None, alert_id: str = "sh-pesan-isi") -> dbc.Alert:
    """An act's outcome (success, fading) or its refusal (red, kept)."""
    return dbc.Alert(
        message,
        color=tone or ("success" if ok else "danger"),
        className="py-2",
        id=alert_id,
        duration=10000 if ok else None,
    )


def acts_label(acts: list[str]) -> str:
    """`Paraf, Kembalikan` (what the user may do now)."""
    return ", ".join(ACT_LABELS[a] for a in acts)


# --- the PDF route ----------------------------------------------------------------------------------------------


def letter_pdf(letter_id: int) -> Response:
    """`GET /surat-himbauan/<id>.pdf`: the letter as PDF, inline (`?unduh=1`: as a download); 403, 404."""
    user = current_user()  # `dashboard.auth` has already sent anyone without a session to the login
    if not permissions.may(user, PAGE_ACTION):
        return Response("Peran Anda tidak berwenang membuka surat himbauan.", status=403, mimetype="text/plain")
    try:
        fetch(appeal_letter, letter_id)
    except LookupError:
        return Response(f"Surat Himbauan #{letter_id} tidak ditemukan.", status=404, mimetype="text/plain")
    name, pdf = fetch(letter_pdf_for, letter_id)
    disposition = "attachment" if request.args.get("unduh") else "inline"
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'{disposition}; filename="{name}"'
    # the page shows it in an iframe: this answer alone may be framed, by this server's own pages only
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    response.headers["Content-Security-Policy"] = "frame-ancestors 'self'; object-src 'none'; base-uri 'none'"
    return response
