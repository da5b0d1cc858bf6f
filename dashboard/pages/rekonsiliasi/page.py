"""Rekonsiliasi: per bank, do MPN and the batch agree; every exception of the date, worked to closure.

The summary table answers the day's question per bank (with R5's one hour from batch to result); the grid
pages through the exceptions on the server (AG Grid's infinite row model), the detail shows both sides of
the clicked one field by field, and the actions work it through `queries.reconciliation.work` (maker-checker).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import dash
import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import Input, Output, State, ctx, dcc, html
from dash.exceptions import PreventUpdate

from dashboard.access import act, callback, current_user
from dashboard.components.cards import empty_state, page_header, page_or_unavailable, section
from dashboard.components.data import fetch, perform
from dashboard.components.dates import BANK_PARAM, DAY_PARAM, date_tools, day_notice, page_day, parse_day, search
from dashboard.components.grids import row_block
from dashboard.pages.rekonsiliasi import forms
from dashboard.pages.rekonsiliasi import view as recon_view
from dashboard.pages.rekonsiliasi.forms import (
    APPROVE,
    ASSIGN_ME,
    CAUSE,
    CLARIFY,
    COMMENT_SEND,
    COMMENT_TEXT,
    DECISION_NOTE,
    GROUPS,
    MESSAGE,
    REJECT,
    RESOLVE,
    RESOLVE_NOTE,
)
from jobs.documents.berita_acara_pdf import SignerError, recon_pdf_for
from jobs.documents.exports import exceptions_csv, exceptions_xlsx
from queries import config
from queries.accounts.users import User, users
from queries.formatting import angka
from queries.permissions import Refused, may, roles_for
from queries.reconciliation.adjust import NeedsNotaPerbaikan, approve_pending, request_adjustment, return_pending
from queries.reconciliation.berita_acara import record_nota_perbaikan, register_berita_acara
from queries.reconciliation.exception_detail import exception_detail
from queries.reconciliation.exception_list import (
    CATEGORY_LABELS,
    ExceptionFilter,
    bank_names,
    category_counts,
    exception_page,
)
from queries.reconciliation.model import OPEN_STATUSES, STATUSES
from queries.reconciliation.report import ReportError
from queries.reconciliation.summary import date_summary
from queries.reconciliation.work import (
    ASSIGN_OTHERS,
    BE_ASSIGNED,
    READ,
    WORK,
    WorkRefused,
    acts_for,
    assign,
    comment,
    exception_row,
    request_resolution,
    start_clarification,
)

PATH = "/rekonsiliasi"
#: Who opens the page (and reads what it shows); the acts' callbacks name the roles of their action.
VIEWERS = roles_for("page.rekonsiliasi")
dash.register_page(
    __name__, path=PATH, name="Rekonsiliasi", title="Rekonsiliasi · MPN Monitor", order=30, roles=VIEWERS
)

LOCATION, FILTER_LOCATION = "rekon-url", "rekon-url-saring"
DATE_PICKER = "rekon-tanggal"
DAY = "rekon-hari"
VERSION = "rekon-versi"
SELECTED = "rekon-dipilih"
KPI_HOLDER = "rekon-kpi-wadah"
SUMMARY_GRID = "rekon-bank-grid"
BANK, CATEGORY, STATUS, NTPN = "rekon-bank", "rekon-kategori", "rekon-status", "rekon-ntpn"
GRID_HOLDER, GRID, COUNT = "rekon-grid-wadah", "rekon-grid", "rekon-jumlah"
EXPORT_CSV, EXPORT_XLSX, DOWNLOAD = "rekon-ekspor-csv", "rekon-ekspor-xlsx", "rekon-unduh"
BA_BANK, BA_BUTTON, BA_DOWNLOAD, BA_MESSAGE = "rekon-ba-bank", "rekon-ba-unduh", "rekon-ba-berkas", "rekon-ba-pesan"
DETAIL = "rekon-detail"

BLOCK = 100
TITLE = "Rekonsiliasi"
SUBTITLE = "Data MPN dibandingkan dengan batch bank per tanggal buku, dan selisih yang harus diselesaikan"
#: The status filter's choices: value -> (label, statuses or None for all, pending only).
STATUS_CHOICES: dict[str, tuple[str, tuple[str, ...] | None, bool]] = {
    "belum": ("Belum selesai", OPEN_STATUSES, False),
    "menunggu": ("Menunggu persetujuan", OPEN_STATUSES, True),
    **{s: (label, (s,), False) for s, label in STATUSES.items()},
    "semua": ("Semua status", None, False),
}


#: The filters kept in the address beside `tanggal`: query parameter -> component.
URL_FILTERS = {BANK_PARAM: BANK, "kategori": CATEGORY, "status": STATUS, "ntpn": NTPN}


def layout(tanggal: str | None = None, **query: str) -> html.Div:
    """The page for `?tanggal=YYYY-MM-DD&bank=…&kategori=…&status=…&ntpn=…`, by default the last working day begun."""
    body = page_or_unavailable(lambda: page_body(tanggal, query), title=TITLE, subtitle=SUBTITLE)
    return html.Div(
        [dcc.Location(id=LOCATION, refresh="callback-nav"), dcc.Location(id=FILTER_LOCATION), *body],
        className="mpn-page",
    )


def page_body(tanggal: str | None, query: dict[str, str] | None = None) -> list[Any]:
    """Header with the date tools, then the counts, the bank table, the exceptions and the detail."""
    day, notice = page_day(tanggal)
    query = {k: str(v)[:40] for k, v in (query or {}).items() if k in URL_FILTERS and v}
    summaries = fetch(date_summary, business_date=day)
    header = page_header(TITLE, SUBTITLE, date_tools(day, path=PATH, picker_id=DATE_PICKER, keep=query))
    if not summaries:
        return [
            header,
            notice,
            day_notice(day),
            empty_state(
                "Belum ada hasil rekonsiliasi untuk tanggal ini",
                "Rekonsiliasi dijalankan otomatis oleh penjadwal setelah data MPN dan batch bank tiba. "
                "Periksa kedatangannya di halaman Data masuk, atau pilih tanggal lain.",
            ),
        ]
    names = fetch(bank_names)
    return [
        header,
        notice,
        day_notice(day),
        dcc.Store(id=DAY, data=day.isoformat()),
        dcc.Store(id=VERSION, data=0),
        dcc.Store(id=SELECTED),
        html.Div(recon_view.counts_cards(fetch(category_counts, business_date=day), summaries), id=KPI_HOLDER),
        section(
            "Per bank/pos persepsi",
            [
                recon_view.summary_grid(SUMMARY_GRID, summaries, names),
                berita_acara_tools(names, [s.bank_code for s in summaries]),
            ],
            note="Jumlah dan nilai kedua sisi, persentase cocok, selisih per kategori, dan menit dari batch "
            "diterima sampai hasil rekonsiliasi (hijau: dalam satu jam; merah: lebih dari satu jam).",
        ),
        section(
            "Selisih",
            [
                filters(names, [s.bank_code for s in summaries], query),
                html.Div(id=COUNT, className="mpn-section-note mb-2"),
                html.Div(recon_view.exception_grid(GRID, BLOCK), id=GRID_HOLDER),
            ],
            note="Klik sebuah selisih untuk melihat kedua sisi transaksi dan menindaklanjutinya.",
        ),
        dbc.Row([dbc.Col(html.Div(id=DETAIL), lg=8), dbc.Col(forms.actions(assignees()), lg=4)], className="g-3"),
    ]


def berita_acara_tools(names: dict[str, str], codes: list[str]) -> dbc.Row:
    """Pick a bank, download its Berita Acara Rekonsiliasi (PER-78/PB/2006 Ps.11(2)) as PDF."""
    options = [{"label": f"{code} · {names.get(code, code)}", "value": code} for code in codes]
    return dbc.Row(
        [
            dbc.Col(
                html.Div("Berita Acara Rekonsiliasi", className="fw-semibold text-secondary small"),
                xs="auto",
                className="d-flex align-items-center",
            ),
            dbc.Col(
                dcc.Dropdown(id=BA_BANK, options=options, value=codes[0] if codes else None, clearable=False), md=4
            ),
            dbc.Col(dbc.Button("Unduh PDF", id=BA_BUTTON, color="primary", outline=True), xs="auto"),
            dbc.Col(html.Div(id=BA_MESSAGE), md=True),
            dcc.Download(id=BA_DOWNLOAD),
        ],
        className="g-2 mt-2 align-items-center",
    )


def filters(names: dict[str, str], codes: list[str], query: dict[str, str] | None = None) -> dbc.Row:
    """Bank, category, status and NTPN filters (their first values from the address), and the exports of what they
    select."""
    query = query or {}
    bank = query.get(BANK_PARAM) if query.get(BANK_PARAM) in codes else None
    category = query.get("kategori") if query.get("kategori") in CATEGORY_LABELS else None
    status = query.get("status") if query.get("status") in STATUS_CHOICES else "belum"
    return dbc.Row(
        [
            dbc.Col(
                [
                    dbc.Label("Bank/pos", html_for=BANK),
                    dcc.Dropdown(
                        id=BANK,
                        options=[{"label": f"{c} · {names.get(c, c)}", "value": c} for c in codes],
                        value=bank,
                        placeholder="Semua bank",
                    ),
                ],
                md=3,
            ),
            dbc.Col(
                [
                    dbc.Label("Kategori", html_for=CATEGORY),
                    dcc.Dropdown(
                        id=CATEGORY,
                        options=[{"label": label, "value": c} for c, label in CATEGORY_LABELS.items()],
                        value=category,
                        placeholder="Semua kategori",
                    ),
                ],
                md=3,
            ),
            dbc.Col(
                [
                    dbc.Label("Status", html_for=STATUS),
                    dcc.Dropdown(
                        id=STATUS,
                        options=[{"label": v[0], "value": k} for k, v in STATUS_CHOICES.items()],
                        value=status,
                        clearable=False,
                    ),
                ],
                md=2,
            ),
            dbc.Col(
                [
                    dbc.Label("NTPN", html_for=NTPN),
                    dbc.Input(id=NTPN, placeholder="cari NTPN", debounce=True, maxLength=40, value=query.get("ntpn")),
                ],
                md=2,
            ),
            dbc.Col(
                html.Div(
                    [
                        dbc.Button("CSV", id=EXPORT_CSV, color="secondary", outline=True),
                        dbc.Button("XLSX", id=EXPORT_XLSX, color="secondary", outline=True),
                        dcc.Download(id=DOWNLOAD),
                    ],
                    className="d-flex gap-2",
                ),
                md=2,
                className="d-flex align-items-end justify-content-end",
            ),
        ],
        className="g-2 mb-3 mpn-filters",
    )


def assignees() -> list[Any]:
    """Active users an exception can be given to; read only for the roles that may reassign."""
    if not may(current_user(), ASSIGN_OTHERS):
        return []
    return [u for u in fetch(users) if u.active and may(u, BE_ASSIGNED)]


def exception_filter(
    day: str, bank: str | None, category: str | None, status: str | None, ntpn: str | None
) -> ExceptionFilter:
    """The page's filter values as a query filter (an unknown status choice means "not yet closed")."""
    _, statuses, pending = STATUS_CHOICES.get(status or "belum", STATUS_CHOICES["belum"])
    return ExceptionFilter.day(
        date.fromisoformat(day),
        bank=bank or None,
        category=category if category in CATEGORY_LABELS else None,
        statuses=statuses,
        ntpn=(ntpn or "").strip() or None,
        pending_only=pending,
    )


FILTER_STATES = [
    State(DAY, "data"),
    State(BANK, "value"),
    State(CATEGORY, "value"),
    State(STATUS, "value"),
    State(NTPN, "value"),
]


@callback(
    Output(LOCATION, "search"),
    Input(DATE_PICKER, "date"),
    *(State(c, "value") for c in URL_FILTERS.values()),
    prevent_initial_call=True,
    roles=VIEWERS,
)
def go_to_date(value: str | None, *filter_values: Any) -> str:
    """A picked date becomes `?tanggal=YYYY-MM-DD`, keeping the filters."""
    day = parse_day(value)
    if day is None:
        raise PreventUpdate
    return filter_search(day.isoformat(), *filter_values)


def filter_search(day: str | None, *filter_values: Any) -> str:
    """`?tanggal=…&bank=…&…` of the date and the filters that hold a value (status "belum" is the default)."""
    kept = {
        p: str(v) for p, v in zip(URL_FILTERS, filter_values, strict=True) if v and not (p == "status" and v == "belum")
    }
    return search(**{DAY_PARAM: day, **kept})


@callback(
    Output(FILTER_LOCATION, "search"),
    *(Input(c, "value") for c in URL_FILTERS.values()),
    State(DAY, "data"),
    prevent_initial_call=True,
    roles=VIEWERS,
)
def keep_filters(*values: Any) -> str:
    """A changed filter is written into the address (without reloading the page): a reload or a shared link keeps
    it."""
    *filter_values, day = values
    return filter_search(day, *filter_values)


@callback(
    Output(GRID_HOLDER, "children"),
    Input(BANK, "value"),
    Input(CATEGORY, "value"),
    Input(STATUS, "value"),
    Input(NTPN, "value"),
    Input(VERSION, "data"),
    prevent_initial_call=True,
    roles=VIEWERS,
)
def refilter(*_values: Any) -> dag.AgGrid:
    """A changed filter or a change to an exception: a new grid, from its first row."""
    return recon_view.exception_grid(GRID, BLOCK)


@callback(
    Output(GRID, "getRowsResponse"),
    Output(COUNT, "children"),
    Input(GRID, "getRowsRequest"),
    *FILTER_STATES,
    roles=VIEWERS,
)
def rows(request: dict[str, Any] | None, day: str | None, *values: Any) -> tuple[dict[str, Any], str]:
    """One block of exceptions in the sort the grid asks for, and how many match."""
    if not request or not day:
        raise PreventUpdate
    start, end, *_ = row_block(request, BLOCK)  # 400 for a request that is not row numbers
    sort = (request.get("sortModel") or [{}])[0]
    page = fetch(
        exception_page,
        flt=exception_filter(day, *values),
        offset=start,
        limit=end - start,
        sort_column=sort.get("colId"),
        descending=sort.get("sort") == "desc",
    )
    return (
        {"rowData": [recon_view.exception_row(r) for r in page.rows], "rowCount": page.total},
        f"{angka(page.total)} selisih",
    )


@callback(Output(SELECTED, "data"), Input(GRID, "cellClicked"), prevent_initial_call=True, roles=VIEWERS)
def select(clicked: dict[str, Any] | None) -> int:
    """The clicked exception becomes the selected one."""
    try:
        return int((clicked or {})["rowId"])
    except (KeyError, TypeError, ValueError):
        raise PreventUpdate from None


@callback(
    Output(DETAIL, "children"),
    Output("rekon-aksi-kosong", "style"),
    *(Output(group, "style") for group in GROUPS.values()),
    Output(forms.ADJ_DATE, "date"),
    Input(SELECTED, "data"),
    Input(VERSION, "data"),
    prevent_initial_call=True,
    roles=VIEWERS,
)
def detail(selected: int | None, _version: int) -> tuple[Any, ...]:
    """The selected exception in full, and the actions this user may take on it now."""
    if selected is None:
        raise PreventUpdate
    try:
        d = fetch(exception_detail, int(selected))
    except WorkRefused:  # no such exception (any more)
        raise PreventUpdate from None
    allowed = acts_for(current_user(), d.exception)
    shown, hidden = {"display": "block"}, {"display": "none"}
    return (
        recon_view.detail_panel(d),
        hidden if allowed else shown,
        *(shown if name in allowed else hidden for name in GROUPS),
        d.exception.business_date.isoformat(),
    )


@callback(
    Output(MESSAGE, "children"),
    Output(VERSION, "data"),
    Output(COMMENT_TEXT, "value"),
    Output(RESOLVE_NOTE, "value"),
    Output(DECISION_NOTE, "value"),
    Input(ASSIGN_ME, "n_clicks"),
    Input(CLARIFY, "n_clicks"),
    Input(COMMENT_SEND, "n_clicks"),
    Input(RESOLVE, "n_clicks"),
    Input(APPROVE, "n_clicks"),
    Input(REJECT, "n_clicks"),
    State(SELECTED, "data"),
    State(VERSION, "data"),
    State(COMMENT_TEXT, "value"),
    State(CAUSE, "value"),
    State(RESOLVE_NOTE, "value"),
    State(DECISION_NOTE, "value"),
    prevent_initial_call=True,
    roles=roles_for(READ),
)
def work_on(*args: Any) -> tuple[Any, ...]:
    """Run the clicked action on the selected exception in one transaction; a refusal is shown, not raised."""
    selected, version, body, cause, note, decision = args[6:]
    if selected is None or not ctx.triggered_id:
        raise PreventUpdate
    exc_id, button, clicks = int(selected), ctx.triggered_id, ctx.triggered[0].get("value")
    if button == RESOLVE and not cause and clicks:
        return forms.refusal("Pilih penyebab selisih terlebih dahulu."), *(dash.no_update,) * 4
    acts: dict[str, tuple[Callable[[User], Any], Callable[[Any], str], str | None]] = {
        # button: the act, what it says when done, the text field it empties
        ASSIGN_ME: (
            lambda user: perform(assign, exc_id, assignee=user.username, actor=user),
            lambda _: f"Selisih #{exc_id} ditugaskan kepada Anda.",
            None,
        ),
        CLARIFY: (
            lambda user: perform(start_clarification, exc_id, actor=user),
            lambda _: f"Selisih #{exc_id} dalam klarifikasi.",
            None,
        ),
        COMMENT_SEND: (
            lambda user: perform(comment, exc_id, body=body or "", actor=user),
            lambda _: "Komentar disimpan.",
            COMMENT_TEXT,
        ),
        RESOLVE: (
            lambda user: perform(request_resolution, exc_id, cause=cause or "", note=note or "", actor=user),
            lambda asked: f"Pengajuan #{asked.request_id} dikirim; menunggu persetujuan kasi.",
            RESOLVE_NOTE,
        ),
        APPROVE: (
            lambda user: perform(approve_pending, exc_id, actor=user, note=decision or ""),
            lambda closed: f"Selisih #{exc_id} {'disesuaikan' if closed.status == 'adjusted' else 'diselesaikan'}.",
            DECISION_NOTE,
        ),
        REJECT: (
            lambda user: perform(return_pending, exc_id, actor=user, note=decision or ""),
            lambda _: "Pengajuan dikembalikan kepada pembuatnya.",
            DECISION_NOTE,
        ),
    }
    if button not in acts:
        raise PreventUpdate
    run, said, emptied = acts[button]
    return act(
        clicks,
        run,
        done=lambda result: (
            *_answer(version, said(result)),
            *("" if field == emptied else dash.no_update for field in (COMMENT_TEXT, RESOLVE_NOTE, DECISION_NOTE)),
        ),
        refused=lambda why: (*_refused(why), *(dash.no_update,) * 3),
    )


@callback(
    Output(KPI_HOLDER, "children"), Input(VERSION, "data"), State(DAY, "data"), prevent_initial_call=True, roles=VIEWERS
)
def counts(_version: int, day: str | None) -> Any:
    """The headline counts again after an action changed an exception."""
    if not day:
        raise PreventUpdate
    business_date = date.fromisoformat(day)
    return recon_view.counts_cards(
        fetch(category_counts, business_date=business_date), fetch(date_summary, business_date=business_date)
    )


@callback(
    Output(DOWNLOAD, "data"),
    Input(EXPORT_CSV, "n_clicks"),
    Input(EXPORT_XLSX, "n_clicks"),
    *FILTER_STATES,
    prevent_initial_call=True,
    roles=VIEWERS,
)
def export(_csv: int | None, _xlsx: int | None, day: str | None, *values: Any) -> dict[str, Any]:
    """The exceptions of the current filter as a CSV or XLSX file (CONTRACT §4 columns first)."""
    if not day or not ctx.triggered_id:
        raise PreventUpdate
    flt = exception_filter(day, *values)
    as_xlsx = ctx.triggered_id == EXPORT_XLSX
    name = f"selisih-{day}.{'xlsx' if as_xlsx else 'csv'}"
    if not as_xlsx:
        return dcc.send_bytes(lambda out: fetch(exceptions_csv, out, flt=flt), name)
    user = current_user()
    return dcc.send_bytes(
        lambda out: fetch(exceptions_xlsx, out, flt=flt, made_at=config.now(), made_by=user.username if user else None),
        name,
    )


@callback(
    Output(BA_DOWNLOAD, "data"),
    Output(BA_MESSAGE, "children"),
    Input(BA_BUTTON, "n_clicks"),
    State(BA_BANK, "value"),
    State(DAY, "data"),
    prevent_initial_call=True,
    roles=VIEWERS,
)
def berita_acara(_clicks: int | None, bank: str | None, day: str | None) -> tuple[Any, Any]:
    """The bank's Berita Acara Rekonsiliasi; signed by the Kasubdit when the Kasubdit downloads it."""
    user = current_user()
    if not bank or not day or user is None:
        raise PreventUpdate
    signer = user.username if user.role == "kasubdit" else None
    try:
        name, pdf = fetch(recon_pdf_for, business_date=date.fromisoformat(day), bank_code=bank, signer_username=signer)
    except (ReportError, SignerError) as refused:
        return dash.no_update, dbc.Alert(str(refused), color="warning", className="py-1 mb-0")
    return dcc.send_bytes(pdf, name), None


# --- reassign, adjustment, Berita Acara, Nota Perbaikan ---------------------------------------------------------


def _answer(version: int | None, message: str) -> tuple[Any, Any]:
    """What an act did, and the next version (the grid, the counts and the detail read again)."""
    return forms.success(message), (version or 0) + 1


def _refused(why: Refused) -> tuple[Any, Any]:
    """Why an act was refused (`WorkRefused`, `ApprovalRefused`, ...), in Indonesian; nothing changed."""
    return forms.refusal(why.message), dash.no_update


SENT = [State(SELECTED, "data"), State(VERSION, "data")]


def _chosen(selected: int | None, clicks: int | None) -> int:
    """The selected exception of a click (no click or no selection changes nothing)."""
    if selected is None or not clicks:
        raise PreventUpdate
    return int(selected)


@callback(
    Output(MESSAGE, "children", allow_duplicate=True),
    Output(VERSION, "data", allow_duplicate=True),
    Input(forms.REASSIGN, "n_clicks"),
    State(forms.REASSIGN_USER, "value"),
    *SENT,
    prevent_initial_call=True,
    roles=roles_for(ASSIGN_OTHERS),
)
def reassign(clicks: int | None, assignee: str | None, selected: int | None, version: int | None) -> tuple[Any, Any]:
    """Give the selected exception to the chosen user (kasi, kasubdit)."""
    exc_id = _chosen(selected, clicks)
    return act(
        clicks,
        lambda user: perform(assign, exc_id, assignee=assignee or None, actor=user),
        done=lambda _: _answer(version, f"Selisih #{exc_id} ditugaskan kepada {assignee}."),
        refused=_refused,
    )


@callback(
    Output(MESSAGE, "children", allow_duplicate=True),
    Output(VERSION, "data", allow_duplicate=True),
    Output(forms.NOTA_BOX, "open"),
    Input(forms.ADJ_SEND, "n_clicks"),
    *(
        State(i, "value")
        for i in (forms.ADJ_KIND, forms.ADJ_SIDE, forms.ADJ_FIELD, forms.ADJ_VALUE, forms.ADJ_CAUSE, forms.ADJ_NOTE)
    ),
    State(forms.ADJ_DATE, "date"),
    *(State(i, p) for i, p in forms.payment_states(forms.ADJ_RECORD)),
    *SENT,
    prevent_initial_call=True,
    roles=roles_for(WORK),
)
def ask_adjustment(
    clicks: int | None,
    kind: str | None,
    side: str | None,
    field: str | None,
    value: str | None,
    cause: str | None,
    note: str | None,
    effective: str | None,
    *rest: Any,
) -> tuple[Any, Any, Any]:
    """Ask a kasi for a reversal, correction or addition (R8); an R9 refusal opens the Nota Perbaikan form."""
    *record, selected, version = rest
    exc_id = _chosen(selected, clicks)
    if not cause:
        return forms.refusal("Pilih penyebab penyesuaian terlebih dahulu."), dash.no_update, dash.no_update
    changes = (
        forms.payment_values(record)
        if kind == "addition"
        else {field: forms.field_value(field, value)}
        if kind == "correction" and field
        else None
    )

    def ask(user: User) -> Any:
        d = fetch(exception_detail, exc_id)
        own = [r for r in d.mpn if r.record_type == "payment"] if side == "mpn" else list(d.bank)
        return perform(
            request_adjustment,
            exc_id,
            kind=kind or "",
            side=side or "",
            record_ref=own[0].ref if own and kind != "addition" else None,
            changes=changes,
            cause=cause or "",
            note=note or "",
            actor=user,
            effective_date=forms.picked_day(effective),
        )

    return act(
        clicks,
        ask,
        done=lambda asked: (
            *_answer(version, f"Pengajuan penyesuaian #{asked.request_id} dikirim; menunggu persetujuan kasi."),
            dash.no_update,
        ),
        # a reconciled date: the bank's Nota Perbaikan is the path, its form opens
        refused=lambda why: (*_refused(why), isinstance(why, NeedsNotaPerbaikan) or dash.no_update),
    )


@callback(
    Output(MESSAGE, "children", allow_duplicate=True),
    Output(VERSION, "data", allow_duplicate=True),
    Input(forms.BA_SEND, "n_clicks"),
    *(State(i, "value") for i in (forms.BA_NUMBER, forms.BA_REASON, forms.BA_REQUEST, forms.BA_NOTE)),
    *(State(i, p) for i, p in forms.payment_states(forms.BA_RECORD)),
    *SENT,
    prevent_initial_call=True,
    roles=roles_for(WORK),
)
def berita_acara_transaksi(
    clicks: int | None, number: str | None, reason: str | None, request: str | None, note: str | None, *rest: Any
) -> tuple[Any, Any]:
    """Register the Berita Acara of the selected exception's transaction (R11)."""
    *record, selected, version = rest
    exc_id = _chosen(selected, clicks)

    def register(user: User) -> Any:
        exc = fetch(exception_row, exc_id)
        return perform(
            register_berita_acara,
            number=number or "",
            ntpn=exc.ntpn,
            bank_code=exc.bank_code,
            reason=reason or "",
            request=request or "",
            actor=user,
            note=note or "",
            rerecord=forms.payment_values(record) if request != "cancel" else None,
        )

    return act(
        clicks,
        register,
        done=lambda ba: _answer(version, f"Berita Acara {ba.number} dicatat ({ba.request_label})."),
        refused=_refused,
    )


@callback(
    Output(MESSAGE, "children", allow_duplicate=True),
    Output(VERSION, "data", allow_duplicate=True),
    Input(forms.NOTA_SEND, "n_clicks"),
    State(forms.NOTA_NUMBER, "value"),
    State(forms.NOTA_DATE, "date"),
    State(forms.NOTA_TEXT, "value"),
    *SENT,
    prevent_initial_call=True,
    roles=roles_for(WORK),
)
def nota_perbaikan(
    clicks: int | None,
    number: str | None,
    letter: str | None,
    description: str | None,
    selected: int | None,
    version: int | None,
) -> tuple[Any, Any]:
    """Record the bank's Nota Perbaikan for the selected exception (a correction after reconciliation, R9)."""
    exc_id = _chosen(selected, clicks)
    letter_date = forms.picked_day(letter)
    if letter_date is None:
        return forms.refusal("Tanggal surat Nota Perbaikan wajib diisi."), dash.no_update

    def record(user: User) -> Any:
        exc = fetch(exception_row, exc_id)
        return perform(
            record_nota_perbaikan,
            number=number or "",
            bank_code=exc.bank_code,
            business_date=exc.business_date,
            letter_date=letter_date,
            description=description or "",
            actor=user,
            exception_id=exc_id,
        )

    return act(
        clicks, record, done=lambda nota: _answer(version, f"Nota Perbaikan {nota.number} dicatat."), refused=_refused
    )
