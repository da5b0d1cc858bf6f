"""Surat Himbauan: which appeal letters wait for me; draft, initial, sign, send them (SE-127 steps 5-8).

The grid lists the letters by status (default: those waiting for the logged-in user), flags sent letters the
bank has not answered in time (escalation), and a click opens the letter: its dates, its timeline, its PDF and
only the acts `AppealLetter.acts_for` allows. Every act runs one `queries.letters.appeals` function in one
transaction (`dashboard.access.act`); the act checks the role, the database refuses self-approval and a step taken
twice, and the refusal is shown.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, dcc, html
from dash.exceptions import PreventUpdate
from sqlalchemy import Connection

from dashboard.access import act, callback, current_user
from dashboard.components.cards import page_header, page_or_unavailable, section
from dashboard.components.data import fetch, perform
from dashboard.components.dates import default_day, parse_day
from dashboard.pages.surat_himbauan import view
from dashboard.pages.surat_himbauan.view import BUTTONS, GROUPS, MESSAGE
from queries import permissions
from queries.accounts.users import User
from queries.calendar import calendar_from_db
from queries.letters.appeals import (
    ACTS,
    DRAFT_ACTION,
    AppealLetter,
    Proposed,
    appeal_letter,
    appeal_letters,
    escalation_days_left,
    initial,
    propose_drafts,
    return_letter,
    revise,
    send,
    sign,
    today_local,
)
from queries.letters.statements import missing_pairs
from queries.permissions import Refused
from queries.reconciliation.exception_list import bank_names

PAGE_ROLES = permissions.roles_for(view.PAGE_ACTION)
DRAFTER_ROLES = permissions.roles_for(DRAFT_ACTION)
dash.register_page(
    __name__,
    path="/surat-himbauan",
    name="Surat Himbauan",
    title="Surat Himbauan · MPN Monitor",
    order=25,
    roles=PAGE_ROLES,
    routes=[("/surat-himbauan/<int:letter_id>.pdf", view.letter_pdf)],
)

VERSION, SELECTED = "sh-versi", "sh-dipilih"
FILTER, KPI_HOLDER, GRID_HOLDER, GRID, DETAIL = "sh-filter", "sh-kpi-wadah", "sh-grid-wadah", "sh-grid", "sh-detail"
DRAFT_DATE, DRAFT, DRAFT_MESSAGE, DRAFT_RESULT = (
    "sh-konsep-tanggal",
    "sh-buat-konsep",
    "sh-konsep-pesan",
    "sh-konsep-hasil",
)

TITLE = "Surat Himbauan"
QUESTION = "Surat himbauan mana yang menunggu saya?"

log = logging.getLogger(__name__)


def layout(surat: str | None = None, tanggal: str | None = None, **_query: str) -> html.Div:
    """Counts, the draft tool (drafters, for `?tanggal=` or the default day), the status filter, the letters grid,
    and the selected letter (`?surat=ID`, as the completeness view and the payment trace link to it)."""
    selected = int(surat) if surat and surat.isdigit() and len(surat) < 12 else None
    body = page_or_unavailable(lambda: page_body(selected, parse_day(tanggal)), title=TITLE, subtitle=QUESTION)
    return html.Div(body, className="mpn-page")


def page_body(selected: int | None = None, day: date | None = None) -> list[Any]:
    """The page's parts for the user of this request, with letter `selected` open below the grid."""
    user, today = current_user(), today_local()
    letters = fetch(appeal_letters)
    return [
        page_header(TITLE, QUESTION, draft_tools(day) if permissions.may(user, DRAFT_ACTION) else None),
        dcc.Store(id=VERSION, data=0),
        dcc.Store(id=SELECTED, data=selected),
        html.Div(id=DRAFT_MESSAGE),
        html.Div(view.kpi_cards(letters, user, today), id=KPI_HOLDER),
        section(
            "Daftar surat",
            [
                view.status_filter(FILTER, letters, user),
                html.Div(view.letters_grid(GRID, rows_of(letters, "saya")), id=GRID_HOLDER),
            ],
            note="Klik sebuah surat untuk melihat riwayat, pratinjau PDF dan tindakan yang dapat Anda ambil. "
            "Surat terkirim yang melewati batas jawaban ditandai Eskalasi.",
        ),
        dbc.Row([dbc.Col(html.Div(id=DETAIL), lg=9), dbc.Col(view.actions_panel(today), lg=3)], className="g-3"),
    ]


def draft_tools(day: date | None = None) -> html.Div:
    """SE-127 step 5 on demand: drafts for every bank whose statement letter of a business date is missing; the date
    is the page's (`?tanggal=`), else the last working day begun (never a future business date)."""
    day = day or default_day()
    return html.Div(
        [
            html.Div("Buat konsep untuk tanggal buku", className="small text-secondary mb-1"),
            html.Div(
                [
                    dcc.DatePickerSingle(
                        id=DRAFT_DATE, date=day.isoformat(), display_format="DD/MM/YYYY", first_day_of_week=1
                    ),
                    dbc.Button("Buat konsep", id=DRAFT, color="primary", n_clicks=0),
                ],
                className="d-flex gap-2 align-items-center justify-content-end",
            ),
        ]
    )


def rows_of(letters: list[AppealLetter], choice: str | None) -> list[dict[str, Any]]:
    """The grid rows of the letters the filter `choice` keeps."""
    _label, keep = view.FILTERS.get(choice or "saya", view.FILTERS["saya"])
    user, today = current_user(), today_local()
    return [view.grid_row(a, today) for a in letters if keep(a, user)]


@callback(
    Output(GRID, "rowData"),
    Output(FILTER, "options"),
    Output(KPI_HOLDER, "children"),
    Input(FILTER, "value"),
    Input(VERSION, "data"),
    prevent_initial_call=True,
    roles=PAGE_ROLES,
)
def refresh(choice: str | None, _version: int) -> tuple[Any, ...]:
    """The grid, the counts on the filter and the headline cards, after a filter change or an act."""
    letters = fetch(appeal_letters)
    user = current_user()
    return rows_of(letters, choice), view.filter_options(letters, user), view.kpi_cards(letters, user, today_local())


@callback(Output(SELECTED, "data"), Input(GRID, "cellClicked"), prevent_initial_call=True, roles=PAGE_ROLES)
def select(clicked: dict[str, Any] | None) -> int:
    """The clicked letter becomes the selected one."""
    try:
        return int((clicked or {})["rowId"])
    except (KeyError, TypeError, ValueError):
        raise PreventUpdate from None


@callback(
    Output(DETAIL, "children"),
    Output("sh-aksi-kosong", "children"),
    *(Output(group, "style") for group in GROUPS.values()),
    Output(view.REVISE_DATES, "options"),
    Output(view.REVISE_DATES, "value"),
    Output(view.REVISE_ADDRESSEE, "value"),
    Output(view.REVISE_NOTE, "value"),
    Input(SELECTED, "data"),
    Input(VERSION, "data"),
    roles=PAGE_ROLES,
)
def detail(selected: int | None, _version: int) -> tuple[Any, ...]:
    """The selected letter in full, and the forms of the acts this user may take on it now."""
    user = current_user()
    if selected is None or user is None:
        raise PreventUpdate
    try:
        a = fetch(appeal_letter, int(selected))
    except LookupError:
        raise PreventUpdate from None
    today = today_local()
    days_left = escalation_days_left(a, today, fetch(calendar_from_db)) if a.status == "sent" else None
    acts = a.acts_for(user)
    hint = (
        f"Anda dapat: {view.acts_label(acts)}."
        if acts
        else "Tidak ada tindakan untuk Anda pada surat ini dalam status sekarang."
    )
    choices = view.revise_choices(a, fetch(missing_pairs, until=today).get(a.bank_code, [])) if "revise" in acts else []
    return (
        view.detail_panel(a, days_left),
        hint,
        *(view.SHOWN if name in acts else view.HIDDEN for name in GROUPS),
        choices,
        [d.isoformat() for d in a.missing_dates] if choices else [],
        a.addressee,
        a.note,
    )


@callback(
    Output(DRAFT_MESSAGE, "children"),
    Output(VERSION, "data", allow_duplicate=True),
    Output(SELECTED, "data", allow_duplicate=True),
    Output(FILTER, "value"),
    Input(DRAFT, "n_clicks"),
    State(DRAFT_DATE, "date"),
    State(VERSION, "data"),
    running=[(Output(DRAFT, "disabled"), True, False)],
    prevent_initial_call=True,
    roles=DRAFTER_ROLES,
)
def draft(clicks: int | None, day: str | None, version: int | None) -> tuple[Any, ...]:
    """Propose drafts for the chosen business date; list what was created or extended."""
    business_date = parse_day(day)

    def propose(user: User) -> list[Proposed]:
        if business_date is None:
            raise Refused("Pilih tanggal buku.")
        return perform(propose_drafts, business_date, actor=user)

    return act(
        clicks,
        propose,
        done=lambda proposed: drafted(proposed, version),
        refused=lambda why: (view.alert(why.message, ok=False, alert_id=DRAFT_RESULT), *(dash.no_update,) * 3),
    )


def drafted(proposed: list[Proposed], version: int | None) -> tuple[Any, ...]:
    """What the draft tool says: the drafts created or extended, the first one opened."""
    names = fetch(bank_names)
    parts = []
    for outcome, label in (("created", "dibuat"), ("extended", "ditambah tanggalnya")):
        done = [p for p in proposed if p.outcome == outcome]
        if done:
            parts.append(
                f"{len(done)} konsep {label}: "
                + ", ".join(f"#{p.letter_id} {names.get(p.bank_code, p.bank_code)}" for p in done)
            )
    changed = [p for p in proposed if p.outcome != "unchanged"]
    if not changed:
        return (
            view.alert(
                "Tidak ada konsep baru: setiap bank sudah mengirim surat pernyataan atau sudah "
                "tercakup surat himbauan.",
                ok=True,
                tone="info",
                alert_id=DRAFT_RESULT,
            ),
            (version or 0) + 1,
            dash.no_update,
            dash.no_update,
        )
    return (
        view.alert("; ".join(parts) + ".", ok=True, alert_id=DRAFT_RESULT),
        (version or 0) + 1,
        changed[0].letter_id,
        "konsep",
    )


# --- the acts on the selected letter: one callback each, for the roles of the action `ACTS` names ----------------


def _run(
    name: str,
    selected: int | None,
    clicks: int | None,
    version: int | None,
    call: Callable[[Connection, int, User], AppealLetter],
    done: Callable[[AppealLetter], str],
) -> tuple[Any, Any]:
    """Run one act on the selected letter in a transaction; the outcome or the refusal, and the next version."""
    if selected is None:
        raise PreventUpdate

    def take(user: User) -> AppealLetter:
        letter = perform(call, int(selected), user)
        log.info("letter %s: %s by %s", selected, name, user.username)
        return letter

    return act(
        clicks,
        take,
        done=lambda letter: (view.alert(done(letter), ok=True), (version or 0) + 1),
        refused=lambda why: (view.alert(why.message, ok=False), (version or 0) + 1),
    )


def _act_callback(name: str, *states: State) -> Callable[[Callable[..., tuple[Any, Any]]], Any]:
    button = BUTTONS[name]
    return callback(
        Output(MESSAGE, "children", allow_duplicate=True),
        Output(VERSION, "data", allow_duplicate=True),
        Input(button, "n_clicks"),
        State(SELECTED, "data"),
        State(VERSION, "data"),
        *states,
        running=[(Output(button, "disabled"), True, False)],
        prevent_initial_call=True,
        roles=permissions.roles_for(ACTS[name][0]),
    )


@_act_callback("initial")
def initial_letter(clicks: int | None, selected: int | None, version: int | None) -> tuple[Any, Any]:
    """Kasi: paraf."""
    return _run(
        "initial",
        selected,
        clicks,
        version,
        lambda conn, i, u: initial(conn, i, actor=u),
        lambda a: f"Surat Himbauan #{a.letter_id} diparaf; menunggu tanda tangan Kasubdit.",
    )


@_act_callback("sign")
def sign_letter(clicks: int | None, selected: int | None, version: int | None) -> tuple[Any, Any]:
    """Kasubdit: signature (the letter gets its number)."""
    return _run(
        "sign",
        selected,
        clicks,
        version,
        lambda conn, i, u: sign(conn, i, actor=u),
        lambda a: f"Surat Himbauan #{a.letter_id} ditandatangani dengan nomor {a.letter_number}.",
    )


@_act_callback("return", State(view.RETURN_NOTE, "value"))
def return_to_drafter(
    clicks: int | None, selected: int | None, version: int | None, note: str | None
) -> tuple[Any, Any]:
    """Kasi or kasubdit: back to the drafter with a note."""
    return _run(
        "return",
        selected,
        clicks,
        version,
        lambda conn, i, u: return_letter(conn, i, actor=u, note=note or ""),
        lambda a: f"Surat Himbauan #{a.letter_id} dikembalikan kepada pembuat konsep.",
    )


@_act_callback("send", State(view.SEND_AGENDA, "value"), State(view.SEND_DATE, "date"))
def send_letter(
    clicks: int | None, selected: int | None, version: int | None, agenda: str | None, sent_on: str | None
) -> tuple[Any, Any]:
    """TU: agenda number and the date sent."""
    return _run(
        "send",
        selected,
        clicks,
        version,
        lambda conn, i, u: send(conn, i, actor=u, agenda_number=agenda or "", sent_on=parse_day(sent_on)),
        lambda a: f"Pengiriman Surat Himbauan #{a.letter_id} dicatat (agenda {a.agenda_number}, {a.sent_on:%d-%m-%Y}).",
    )


@_act_callback(
    "revise", State(view.REVISE_DATES, "value"), State(view.REVISE_ADDRESSEE, "value"), State(view.REVISE_NOTE, "value")
)
def revise_letter(
    clicks: int | None,
    selected: int | None,
    version: int | None,
    dates: list[str] | None,
    addressee: str | None,
    note: str | None,
) -> tuple[Any, Any]:
    """Pelaksana (or kasi): edit the draft or the returned letter and ask for paraf again."""
    chosen = [d for d in (parse_day(v) for v in dates or []) if d is not None]
    return _run(
        "revise",
        selected,
        clicks,
        version,
        lambda conn, i, u: revise(conn, i, actor=u, dates=chosen, addressee=addressee or "", note=note or ""),
        lambda a: f"Surat Himbauan #{a.letter_id} diperbaiki dan diajukan ulang untuk paraf Kasi.",
    )
