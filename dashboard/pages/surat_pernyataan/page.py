"""Surat Pernyataan: which collecting agents' statement letters (SE-127 step 4) have not arrived, per business date.

A matrix of banks × business dates coloured by status (`queries.letters.statements`), the detail of a clicked cell,
the form that records a letter received on paper with its scanned PDF (`queries.letters.statement_entry`), and the
route that serves a stored scan.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta
from typing import Any
from urllib.parse import quote

import dash
from dash import ALL, Input, Output, State, ctx, dcc, html
from dash.exceptions import PreventUpdate
from flask import Response
from werkzeug.utils import secure_filename

from dashboard.access import act, callback, current_user
from dashboard.components import statement_view as view
from dashboard.components.cards import page_header, page_or_unavailable, section
from dashboard.components.data import fetch, perform
from dashboard.components.dates import default_day, parse_day
from dashboard.pages.surat_pernyataan import form as sf
from queries import config, permissions
from queries.accounts.users import User
from queries.calendar import calendar_from_db
from queries.formatting import angka, rupiah, tanggal_pendek
from queries.imports.master import banks
from queries.letters.statement_entry import RECORD_ACTION, DeclaredDay, ScanCorrupt, acts_for, record_statement, scan
from queries.letters.statements import KINDS, STATUSES, statement_cell, statement_cells, statement_history

PATH = "/surat-pernyataan"
PAGE_ACTION = "page.surat_pernyataan"
PAGE_ROLES = permissions.roles_for(PAGE_ACTION)
RECORDER_ROLES = permissions.roles_for(RECORD_ACTION)
SCAN_RULE = view.SCAN_PATH + "<int:scan_id>"

RANGE, KIND, STATUS = "sp-rentang", "sp-jenis", "sp-status"
VERSION, SELECTED = "sp-versi", "sp-dipilih"
TOTALS, COUNT, GRID, DETAIL = "sp-total-wadah", "sp-jumlah", "sp-matriks", "sp-detail"

TITLE = "Surat Pernyataan"
SUBTITLE = "Surat pernyataan mana yang belum masuk? Per bank/pos persepsi dan tanggal buku (SE-127 langkah 4)"
DEFAULT_DAYS = 10
MAX_RANGE_DAYS = 62

log = logging.getLogger(__name__)


def scan_pdf(scan_id: int) -> Response:
    """The stored scan as an inline PDF with its SHA-256; 403 for other roles, 404 unknown, 500 if corrupt."""
    user = current_user()
    if user is None or not permissions.may(user, PAGE_ACTION):
        return Response("Peran Anda tidak berwenang melihat pindaian surat pernyataan.", 403, mimetype="text/plain")
    try:
        found = fetch(scan, scan_id)
    except ScanCorrupt:
        log.error("statement scan %s is corrupt (asked by %s)", scan_id, user.username, exc_info=True)
        return Response(
            "Pindaian rusak: isinya tidak cocok dengan SHA-256 yang tersimpan. Hubungi administrator.",
            500,
            mimetype="text/plain",
        )
    if found is None:
        return Response("Pindaian tidak ditemukan.", 404, mimetype="text/plain")
    ascii_name = secure_filename(found.file_name) or f"surat-pernyataan-{scan_id}.pdf"
    disposition = f"inline; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(found.file_name)}"
    return Response(
        found.content,
        mimetype="application/pdf",
        headers={"Content-Disposition": disposition, "X-Content-SHA256": found.sha256},
    )


dash.register_page(
    __name__,
    path=PATH,
    name="Surat Pernyataan",
    title="Surat Pernyataan · MPN Monitor",
    order=22,
    roles=PAGE_ROLES,
    routes=[(SCAN_RULE, scan_pdf)],
)


def date_range(first: date | None, last: date | None) -> tuple[date, date]:
    """The range asked for; by default the last DEFAULT_DAYS working days up to the day every page opens on."""
    last = last or default_day()
    if first is None or first > last:
        first = fetch(calendar_from_db).last_working_days(DEFAULT_DAYS, last)[0]
    return first, last


def columns_for(first: date, last: date, dates: set[date]) -> list[date]:
    """The matrix's dates: the working days of the range and any other date that has a cell."""
    calendar = fetch(calendar_from_db)
    every = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    return [d for d in every if calendar.is_working(d) or d in dates]


def matrix(first: date, last: date, kinds: list[str] | None, statuses: list[str] | None) -> tuple[Any, ...]:
    """The matrix's rows, columns and height, the totals and the count line for the filters."""
    first = max(first, last - timedelta(days=MAX_RANGE_DAYS - 1))
    cells = fetch(statement_cells, first=first, last=last, kinds=kinds or KINDS, statuses=statuses or tuple(STATUSES))
    moment = config.now()
    rows = view.matrix_rows(cells, moment)
    days = columns_for(first, last, {c.business_date for c in cells})
    line = (
        f"{angka(len(rows))} bank/pos · {angka(len(days))} tanggal buku "
        f"({tanggal_pendek(first)} – {tanggal_pendek(last)})"
    )
    return rows, view.matrix_columns(days), view.matrix_style(len(rows)), view.totals_cards(cells, moment), line


def layout(
    dari: str | None = None,
    sampai: str | None = None,
    tanggal: str | None = None,
    bank: str | None = None,
    **_ignored: str,
) -> html.Div:
    """The page for `?dari=YYYY-MM-DD&sampai=YYYY-MM-DD` (or the ten working days up to `?tanggal=`), by default the
    last ten working days; `&bank=CODE` opens that bank's cell of the last date."""
    body = page_or_unavailable(
        lambda: page_body(parse_day(dari), parse_day(sampai) or parse_day(tanggal), bank),
        title=TITLE,
        subtitle=SUBTITLE,
    )
    return html.Div(body, className="mpn-page")


def page_body(first: date | None, last: date | None, bank: str | None = None) -> list[Any]:
    """Filters, totals, legend and matrix, then the clicked (or `bank`'s) cell's detail beside the form."""
    first, last = date_range(first, last)
    chosen = {"bank": bank.strip().upper()[:20], "day": last.isoformat()} if bank and bank.strip() else None
    rows, columns, style, totals, line = matrix(first, last, None, None)
    may_record = bool(acts_for(current_user()))
    return [
        page_header(TITLE, SUBTITLE, filters(first, last)),
        dcc.Store(id=VERSION, data=0),
        dcc.Store(id=SELECTED, data=chosen),
        html.Div(totals, id=TOTALS),
        section(
            "Matriks surat pernyataan",
            [
                view.legend(),
                html.Div(line, id=COUNT, className="mpn-section-note"),
                view.matrix_grid(GRID, rows, columns, style),
            ],
            note="Baris: bank/pos persepsi, yang paling banyak belum mengirim di atas. Kolom: tanggal buku. "
            "Arahkan tetikus ke sel untuk rinciannya; klik sel untuk membuka detail.",
        ),
        html.Div(
            [
                html.Div(
                    detail(chosen, 0)
                    if chosen
                    else html.Div("Klik sebuah sel untuk melihat detailnya.", className="text-secondary small"),
                    id=DETAIL,
                    className="mpn-sp-detail-col",
                ),
                sf.form(fetch(banks), config.now()) if may_record else None,
            ],
            className="mpn-sp-bottom" + (" mpn-sp-bottom-2" if may_record else ""),
        ),
    ]


def filters(first: date, last: date) -> html.Div:
    """Date range, bank kind and status."""
    return html.Div(
        [
            html.Div(
                [
                    html.Label("Tanggal buku", htmlFor=RANGE, className="form-label"),
                    dcc.DatePickerRange(
                        id=RANGE,
                        start_date=first.isoformat(),
                        end_date=last.isoformat(),
                        display_format="DD/MM/YYYY",
                        first_day_of_week=1,
                        minimum_nights=0,
                    ),
                ]
            ),
            html.Div(
                [
                    html.Label("Jenis", htmlFor=KIND, className="form-label"),
                    dcc.Dropdown(
                        id=KIND,
                        multi=True,
                        placeholder="Semua jenis",
                        style={"minWidth": "180px"},
                        options=[{"label": view.KIND_LABELS[k], "value": k} for k in KINDS],
                    ),
                ]
            ),
            html.Div(
                [
                    html.Label("Status", htmlFor=STATUS, className="form-label"),
                    dcc.Dropdown(
                        id=STATUS,
                        multi=True,
                        placeholder="Semua status",
                        style={"minWidth": "240px"},
                        options=[{"label": label, "value": s} for s, label in STATUSES.items()],
                    ),
                ]
            ),
        ],
        className="mpn-filters mpn-sp-filters",
    )


@callback(
    Output(GRID, "rowData"),
    Output(GRID, "columnDefs"),
    Output(GRID, "style"),
    Output(TOTALS, "children"),
    Output(COUNT, "children"),
    Input(RANGE, "start_date"),
    Input(RANGE, "end_date"),
    Input(KIND, "value"),
    Input(STATUS, "value"),
    Input(VERSION, "data"),
    prevent_initial_call=True,
    roles=PAGE_ROLES,
)
def refresh(
    start: str | None, end: str | None, kinds: list[str] | None, statuses: list[str] | None, _version: int | None
) -> tuple[Any, ...]:
    """Changed filters, or a letter recorded: the matrix and totals again."""
    first, last = parse_day(start), parse_day(end)
    if first is None or last is None or last < first:
        raise PreventUpdate
    return matrix(first, last, [k for k in kinds or [] if k in KINDS], [s for s in statuses or [] if s in STATUSES])


@callback(Output(SELECTED, "data"), Input(GRID, "cellClicked"), prevent_initial_call=True, roles=PAGE_ROLES)
def select(clicked: dict[str, Any] | None) -> dict[str, str]:
    """A clicked date cell selects its bank and business date."""
    clicked = clicked or {}
    day = view.day_of(clicked.get("colId"))
    if day is None or not clicked.get("rowId"):
        raise PreventUpdate
    return {"bank": str(clicked["rowId"]), "day": day.isoformat()}


@callback(
    Output(DETAIL, "children"),
    Input(SELECTED, "data"),
    Input(VERSION, "data"),
    prevent_initial_call=True,
    roles=PAGE_ROLES,
)
def detail(selected: dict[str, str] | None, _version: int | None) -> Any:
    """The selected bank and date in full."""
    if not selected:
        raise PreventUpdate
    bank, day = selected["bank"], date.fromisoformat(selected["day"])
    cell = fetch(statement_cell, bank, day)
    name = cell.bank_name if cell else next((b.name for b in fetch(banks) if b.bank_code == bank), bank)
    return view.detail_panel(bank, name, day, cell, fetch(statement_history, bank, day), config.now())


DAY_STATES = [
    State({"type": sf.DAY_DATE, "index": ALL}, "date"),
    State({"type": sf.DAY_COUNT, "index": ALL}, "value"),
    State({"type": sf.DAY_AMOUNT, "index": ALL}, "value"),
]


@callback(
    Output(sf.DAYS, "children"),
    Output(sf.BANK, "value"),
    Input(SELECTED, "data"),
    Input(sf.ADD_DAY, "n_clicks"),
    Input({"type": sf.DAY_REMOVE, "index": ALL}, "n_clicks"),
    *DAY_STATES,
    prevent_initial_call=True,
    roles=RECORDER_ROLES,
)
def covered_days(
    selected: dict[str, str] | None,
    _add: int | None,
    _removed: list[int | None],
    dates: list[Any],
    counts: list[Any],
    amounts: list[Any],
) -> tuple[Any, Any]:
    """The form's dates: the clicked cell's bank and date, one more row, or one row fewer."""
    trigger = ctx.triggered_id
    current = [{"day": d, "count": c, "amount": a} for d, c, a in zip(dates, counts, amounts, strict=False)]
    if trigger == SELECTED and selected:
        cell = fetch(statement_cell, selected["bank"], date.fromisoformat(selected["day"]))
        hint = (
            f"Batch: {angka(cell.batch_count)} transaksi / {rupiah(cell.batch_amount or 0)}"
            if cell is not None and cell.batch_count is not None
            else ""
        )
        return sf.day_rows([{"day": selected["day"], "hint": hint}]), selected["bank"]
    if trigger == sf.ADD_DAY and len(current) < sf.MAX_DAYS:
        return sf.day_rows([*current, {}]), dash.no_update
    if isinstance(trigger, dict) and trigger.get("type") == sf.DAY_REMOVE and ctx.triggered[0].get("value"):
        return sf.day_rows([v for i, v in enumerate(current) if i != trigger["index"]]), dash.no_update
    raise PreventUpdate


# The browser judges the chosen file (assets/statement_upload.js): only its name, size and signature come here.
dash.clientside_callback(
    dash.ClientsideFunction("mpn_statement", "scan_verdict"),
    Output(sf.SCAN_CHECK, "data"),
    Input(sf.UPLOAD, "contents"),
    State(sf.UPLOAD, "filename"),
    prevent_initial_call=True,
)


@callback(
    Output(sf.UPLOAD_INFO, "children"), Input(sf.SCAN_CHECK, "data"), prevent_initial_call=True, roles=RECORDER_ROLES
)
def chosen_file(verdict: dict[str, Any] | None) -> Any:
    """The chosen scan's name and size, or at once why it will be refused (not a PDF, over 10 MB)."""
    return sf.scan_info(verdict)


#: What a successful save leaves in the form: an empty letter (bank, number, signer, dates, scan).
CLEARED = 6


@callback(
    Output(sf.MESSAGE, "children"),
    Output(VERSION, "data"),
    Output(sf.UPLOAD, "contents"),
    Output(sf.NUMBER, "value"),
    Output(sf.SIGNER, "value"),
    Output(sf.DAYS, "children", allow_duplicate=True),
    Output(sf.BANK, "value", allow_duplicate=True),
    Input(sf.SAVE, "n_clicks"),
    State(sf.BANK, "value"),
    State(sf.NUMBER, "value"),
    State(sf.LETTER_DATE, "date"),
    State(sf.RECEIVED_DATE, "date"),
    State(sf.RECEIVED_TIME, "value"),
    State(sf.SIGNER, "value"),
    *DAY_STATES,
    State(sf.UPLOAD, "contents"),
    State(sf.UPLOAD, "filename"),
    State(sf.SCAN_CHECK, "data"),
    State(VERSION, "data"),
    prevent_initial_call=True,
    roles=RECORDER_ROLES,
)
def save(
    clicks: int | None,
    bank: str | None,
    number: str | None,
    letter_date: str | None,
    received_day: str | None,
    received_time: str | None,
    signer: str | None,
    dates: list[Any],
    counts: list[Any],
    amounts: list[Any],
    contents: str | None,
    file_name: str | None,
    verdict: dict[str, Any] | None,
    version: int | None,
) -> tuple[Any, ...]:
    """Record the letter in one transaction and clear the form; the refusal, if any, is shown in the form."""

    def record(user: User) -> tuple[list[int], list[DeclaredDay]]:
        if (problem := sf.scan_problem(verdict)) is not None:  # refused while the chosen file is refused
            raise sf.FormError(f"Pindaian ditolak: {problem}")
        days = sf.declared_days(dates, counts, amounts)
        stored = perform(
            record_statement,
            bank_code=bank or "",
            days=days,
            letter_number=number or "",
            letter_date=sf.picked_day(letter_date, "Tanggal surat"),
            received_at=sf.received_moment(received_day, received_time),
            signer=signer or "",
            actor=user,
            scan_file=(file_name or "pindaian.pdf", sf.scan_bytes(contents)) if contents else None,
        )
        return stored, days

    return act(
        clicks,
        record,
        done=lambda outcome: (
            sf.success(sf.recorded(len(outcome[0]), outcome[1])),
            (version or 0) + 1,
            None,
            "",
            "",
            sf.day_rows([{}]),
            None,
        ),
        refused=lambda why: (sf.refusal(why.message), *(dash.no_update,) * CLEARED),
    )
