"""Tugas saya: everything waiting for the signed-in user, across all dates and kinds, grouped by kind.

Each row names its business date, bank, size, since when it waits and by when, and opens the item itself. The kasi
and kasubdit select rows and initial or approve them at once; each row is still its own decision, pinned to what
the list showed (`queries.tasks.acts`): a row that changed since is skipped and named, refusals are listed per row.
The pelaksana and petugas mark rejected files handled the same way. `?jenis=` opens the list on one kind.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, ctx, dcc, html
from dash.exceptions import PreventUpdate

from dashboard.access import act, callback, current_user
from dashboard.components.cards import empty_state, page_header, page_or_unavailable, section
from dashboard.components.data import fetch, perform
from dashboard.components.task_badge import BADGE_COUNT, PATH, badge_look
from queries import config, permissions
from queries.accounts.users import User
from queries.formatting import angka, rupiah, tanggal_pendek, waktu_wib
from queries.tasks.acts import BulkOutcome, Seen, decide_many
from queries.tasks.waiting import (
    BULK_ACTS,
    KINDS,
    LETTER_KINDS,
    SHOWN,
    Task,
    TaskList,
    acts_for,
    bulk_action,
    counts,
    task_count,
    task_list,
)

PAGE_ROLES = permissions.roles_for("page.tugas")
dash.register_page(
    __name__, path=PATH, name="Tugas saya", title="Tugas saya · MPN Monitor", order=5, roles=PAGE_ROLES, navbar=False
)

FILTER, LIST, SEEN, VERSION, MESSAGE = "tugas-jenis", "tugas-daftar", "tugas-tampil", "tugas-versi", "tugas-pesan"
PICK, ACT, PICK_ALL, RESULT = "tugas-pilih", "tugas-aksi", "tugas-pilih-semua", "tugas-hasil"
ALL_KINDS = "semua"
MAX_ROWS = SHOWN  # per kind, fetched with LIMIT and counted in SQL: light when someone holds thousands
#: Who takes any bulk act (the acts' callbacks).
ACTORS: tuple[str, ...] = tuple(sorted({r for act in BULK_ACTS for r in permissions.roles_for(bulk_action(act))}))

TITLE = "Tugas saya"
QUESTION = "Apa yang menunggu tindakan saya, dari tanggal mana saja?"
#: One line under a group's title: what to do with its rows.
NOTES: dict[str, str] = {
    "distribution": "Putaran distribusi yang menunggu persetujuan Anda (termasuk yang diajukan sistem).",
    "exception_resolution": "Penyelesaian selisih yang diajukan pelaksana; periksa penyebab dan keterangannya.",
    "exception_adjustment": "Reversal, penambahan atau koreksi yang diajukan; periksa nilai sebelum dan sesudah.",
    "letter_initial": "Konsep surat himbauan yang menunggu paraf Anda.",
    "letter_sign": "Surat yang sudah diparaf, menunggu tanda tangan Anda.",
    "letter_send": "Surat yang sudah ditandatangani: catat nomor agenda dan tanggal kirimnya.",
    "letter_revise": "Surat yang dikembalikan: perbaiki dan ajukan ulang.",
    "exception_assigned": "Selisih yang ditugaskan kepada Anda dan belum selesai.",
    "file_rejected": "Berkas masuk yang ditolak: periksa laporannya, minta pengirim mengirim ulang, lalu tandai.",
}


def layout(jenis: str | None = None, **_ignored: str) -> html.Div:
    """The list for the user of this request, on kind `?jenis=` (default: all)."""
    return html.Div(page_or_unavailable(lambda: page_body(jenis), title=TITLE, subtitle=QUESTION), className="mpn-page")


def page_body(jenis: str | None) -> list[Any]:
    """Header with the bulk buttons, the kind filter with counts, and the groups."""
    user = current_user()
    listed = fetch(task_list, user) if user is not None else TaskList([], {})
    tasks = listed.tasks
    choice = chosen(tasks, jenis)
    return [
        page_header(TITLE, QUESTION, toolbar(user)),
        dcc.Store(id=SEEN, data=seen_data(visible(tasks, choice))),
        dcc.Store(id=VERSION, data=0),
        html.Div(id=MESSAGE),
        dbc.RadioItems(
            id=FILTER,
            options=filter_options(listed),
            value=choice,
            inline=True,
            className="mpn-task-filter mb-2",
            inputClassName="btn-check",
            labelClassName="btn btn-sm btn-outline-primary rounded",
            labelCheckedClassName="active",
        ),
        html.Div(groups(listed, choice, user, config.now()), id=LIST),
    ]


def chosen(tasks: list[Task], jenis: str | None) -> str:
    """The filter value for `?jenis=`: a kind, `appeal_letter` (Kelengkapan's name) as the first letter kind the
    user has, else all."""
    if jenis in KINDS:
        return jenis
    if jenis == "appeal_letter":
        return next((t.kind for t in tasks if t.kind in LETTER_KINDS), ALL_KINDS)
    return ALL_KINDS


def toolbar(user: User | None) -> html.Div | None:
    """`Pilih semua` and the bulk acts of the user's role."""
    acts = [name for name in BULK_ACTS if permissions.may(user, bulk_action(name))]
    if not acts:
        return None
    buttons = [dbc.Button("Pilih semua", id=PICK_ALL, color="secondary", outline=True, size="sm", n_clicks=0)]
    buttons += [
        dbc.Button(BULK_ACTS[name], id={"type": ACT, "act": name}, color="primary", size="sm", n_clicks=0)
        for name in acts
    ]
    return html.Div(buttons, className="d-flex gap-2 flex-wrap justify-content-end")


def seen_data(tasks: list[Task]) -> dict[str, dict[str, str]]:
    """What the list shows of each row, for the bulk act to compare with."""
    return {t.key: {"token": t.token, "name": t.name} for t in tasks}


def filter_options(listed: TaskList) -> list[dict[str, str]]:
    """`Semua (5)` and one choice per kind the user has, with its count (all waiting, not only those shown)."""
    return [
        {"label": f"Semua ({angka(listed.total)})", "value": ALL_KINDS},
        *({"label": f"{KINDS[kind]} ({angka(n)})", "value": kind} for kind, n in listed.totals.items()),
    ]


def visible(tasks: list[Task], choice: str) -> list[Task]:
    """The rows the list draws for the filter `choice`: the `MAX_ROWS` most urgent of each kind."""
    kept: list[Task] = []
    for kind in counts(tasks):
        if choice in (ALL_KINDS, kind):
            kept += [t for t in tasks if t.kind == kind][:MAX_ROWS]
    return kept


def groups(listed: TaskList, choice: str, user: User | None, now: datetime) -> list[Any]:
    """One titled table per kind, in KINDS order (the most urgent `MAX_ROWS` of a long one, said in its note);
    the empty state when nothing waits."""
    shown = visible(listed.tasks, choice)
    if not shown:
        return [
            empty_state(
                "Tidak ada yang menunggu Anda.",
                "Persetujuan, surat, selisih dan berkas yang perlu Anda tangani tampil di sini.",
            )
        ]
    totals = {kind: max(listed.totals.get(kind, 0), n) for kind, n in counts(listed.tasks).items()}
    return [
        section(
            f"{KINDS[kind]} · {angka(totals[kind])}",
            [table([t for t in shown if t.kind == kind], user, now)],
            note=NOTES.get(kind, "")
            + (f" Ditampilkan {angka(n)} yang paling mendesak dari {angka(totals[kind])}." if totals[kind] > n else ""),
        )
        for kind, n in counts(shown).items()
    ]


def size_text(t: Task) -> str:
    """Amount and rows (dates, for a letter), or a dash."""
    parts = []
    if t.amount is not None:
        parts.append(rupiah(t.amount))
    if t.rows is not None:
        parts.append(f"{angka(t.rows)} {'tanggal' if t.kind in LETTER_KINDS else 'baris'}")
    return " · ".join(parts) or "—"


def deadline_cell(t: Task, now: datetime) -> html.Td:
    """The deadline, red with `lewat` once passed."""
    if t.deadline is None:
        return html.Td("—")
    if t.overdue(now):
        return html.Td(
            [waktu_wib(t.deadline), dbc.Badge("lewat", color="danger", className="ms-1")],
            className="text-danger fw-semibold",
        )
    return html.Td(waktu_wib(t.deadline))


def row(t: Task, user: User | None, now: datetime) -> html.Tr:
    """One item: its checkbox (when the user acts on it in bulk), what, when, which bank, size, since, by when."""
    pick = (
        dbc.Checkbox(id={"type": PICK, "key": t.key}, value=False, className="mb-0")
        if user and acts_for(user, t)
        else None
    )
    bank = f"{t.bank_code} · {t.bank_name}" if t.bank_code and t.bank_name else (t.bank_code or "—")
    return html.Tr(
        [
            html.Td(pick, className="mpn-task-pick"),
            html.Td(dcc.Link(t.title, href=t.link)),
            html.Td(tanggal_pendek(t.business_date) if t.business_date else "—"),
            html.Td(bank),
            html.Td(size_text(t), className="text-end"),
            html.Td(waktu_wib(t.waiting_since)),
            deadline_cell(t, now),
            html.Td(dcc.Link("Buka", href=t.link, className="btn btn-sm btn-outline-primary py-0")),
        ],
        id={"type": "tugas-baris", "key": t.key},
    )


def table(tasks: list[Task], user: User | None, now: datetime) -> html.Table:
    """A group's rows under their headings."""
    head = html.Thead(
        html.Tr(
            [
                html.Th(""),
                html.Th("Butir"),
                html.Th("Tanggal buku"),
                html.Th("Bank/pos"),
                html.Th("Jumlah", className="text-end"),
                html.Th("Menunggu sejak"),
                html.Th("Tenggat"),
                html.Th(""),
            ]
        )
    )
    return html.Table(
        [head, html.Tbody([row(t, user, now) for t in tasks])],
        className="table table-sm table-hover align-middle mb-0 mpn-task-table",
    )


@callback(
    Output(LIST, "children"),
    Output(SEEN, "data"),
    Output(FILTER, "options"),
    Input(FILTER, "value"),
    Input(VERSION, "data"),
    prevent_initial_call=True,
    roles=PAGE_ROLES,
)
def show(choice: str | None, _version: int | None) -> tuple[Any, ...]:
    """The list again, after a filter change or a bulk act."""
    user = current_user()
    listed = fetch(task_list, user) if user is not None else TaskList([], {})
    choice = choice or ALL_KINDS
    return (
        groups(listed, choice, user, config.now()),
        seen_data(visible(listed.tasks, choice)),
        filter_options(listed),
    )


@callback(
    Output({"type": PICK, "key": ALL}, "value"),
    Input(PICK_ALL, "n_clicks"),
    State({"type": PICK, "key": ALL}, "value"),
    prevent_initial_call=True,
    roles=ACTORS,
)
def pick_all(clicks: int | None, values: list[bool | None]) -> list[bool]:
    """Select every row shown (or none, when all already are)."""
    if not clicks or not values:
        raise PreventUpdate
    everything = all(values)
    return [not everything] * len(values)


def outcome_alert(outcome: BulkOutcome) -> dbc.Alert:
    """Green when all went, amber when some were skipped or refused, red when none went."""
    tone = "success" if not (outcome.skipped or outcome.refused) else ("warning" if outcome.done else "danger")
    return dbc.Alert(outcome.message(), color=tone, id=RESULT, className="py-2")


@callback(
    Output(MESSAGE, "children"),
    Output(VERSION, "data"),
    Output(BADGE_COUNT, "children", allow_duplicate=True),
    Output(BADGE_COUNT, "color", allow_duplicate=True),
    Output(BADGE_COUNT, "text_color", allow_duplicate=True),
    Input({"type": ACT, "act": ALL}, "n_clicks"),
    State({"type": PICK, "key": ALL}, "value"),
    State({"type": PICK, "key": ALL}, "id"),
    State(SEEN, "data"),
    State(VERSION, "data"),
    prevent_initial_call=True,
    roles=ACTORS,
)
def bulk(
    clicks: list[int | None],
    values: list[bool | None],
    ids: list[dict[str, str]],
    seen: dict[str, dict[str, str]] | None,
    version: int | None,
) -> tuple[Any, ...]:
    """Take the clicked act on each selected row as it was shown; the outcome per row, the list and badge anew."""
    trigger = ctx.triggered_id
    if not isinstance(trigger, dict) or not any(clicks or []):
        raise PreventUpdate
    name = str(trigger.get("act"))
    shown = seen or {}
    picked = [
        Seen(i["key"], str(shown[i["key"]].get("token", "")), str(shown[i["key"]].get("name", "")))
        for i, v in zip(ids or [], values or [], strict=False)
        if v and i.get("key") in shown
    ]
    if not picked:
        message = dbc.Alert(
            "Pilih paling sedikit satu butir terlebih dahulu.", color="info", id=RESULT, className="py-2"
        )
        return message, dash.no_update, dash.no_update, dash.no_update, dash.no_update

    def decide(user: User) -> tuple[Any, ...]:
        outcome = perform(decide_many, actor=user, act=name, seen=picked)
        return outcome_alert(outcome), (version or 0) + 1, *badge_look(fetch(task_count, user))

    return act(
        sum(c or 0 for c in clicks or []),
        decide,
        done=lambda shown_anew: shown_anew,
        refused=lambda why: (
            dbc.Alert(why.message, color="danger", id=RESULT, className="py-2"),
            (version or 0) + 1,
            *(dash.no_update,) * 3,
        ),
    )  # nothing changed: nor the badge
