"""Data masuk: what arrived for one business date, per collecting agent, and the files behind it.

The morning question "is the day complete?" (DOMAIN §6) starts here: MPN data, the bank batch
(ADK/RDD), the statement letter, and every imported or rejected file with its error report.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import parse_qs

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, dcc, html
from dash.exceptions import PreventUpdate

from dashboard.access import callback
from dashboard.components import files_view
from dashboard.components.cards import (
    empty_state,
    kpi_card,
    page_header,
    page_or_unavailable,
    section,
)
from dashboard.components.data import fetch
from dashboard.components.dates import BANK_PARAM, DAY_PARAM, date_tools, day_notice, page_day, parse_day, search
from dashboard.pages.data_masuk import banks as banks_view
from queries.formatting import angka, rupiah_short, tanggal_panjang
from queries.imports.rejected import rejected_banner_files, rejected_for_day
from queries.monitoring.arrivals import (
    ImportFileRow,
    IncomingRow,
    import_file_detail,
    import_files,
    incoming_summary,
)
from queries.permissions import roles_for

PATH = "/data-masuk"
PAGE_ROLES = roles_for("page.data_masuk")
dash.register_page(
    __name__,
    path=PATH,
    name="Data masuk",
    title="Data masuk · MPN Monitor",
    order=20,
    roles=PAGE_ROLES,
)

LOCATION = "data-masuk-url"
DATE_PICKER = "data-masuk-tanggal"
BANK_GRID = "data-masuk-bank-grid"
FILE_GRID = "data-masuk-file-grid"
FILE_MODAL = "data-masuk-file-modal"
FILE_MODAL_TITLE = "data-masuk-file-modal-title"
FILE_MODAL_BODY = "data-masuk-file-modal-body"

TITLE = "Data masuk"
SUBTITLE = "Data MPN, batch bank (ADK/RDD) dan surat pernyataan per tanggal buku"


def layout(tanggal: str | None = None, bank: str | None = None, **_ignored: str) -> html.Div:
    """The page for `?tanggal=YYYY-MM-DD&bank=CODE`, by default the last working day begun, all banks."""
    body = page_or_unavailable(lambda: page_body(tanggal, bank), title=TITLE, subtitle=SUBTITLE)
    return html.Div(
        [
            dcc.Location(id=LOCATION, refresh="callback-nav"),
            *body,
            files_view.modal(FILE_MODAL, FILE_MODAL_TITLE, FILE_MODAL_BODY),
        ],
        className="mpn-page",
    )


def page_body(tanggal: str | None, bank: str | None = None) -> list[Any]:
    """Header with the date tools, then the day's figures and tables, or a notice that nothing arrived."""
    day, notice = page_day(tanggal)
    rows = fetch(incoming_summary, business_date=day)
    files = _with_rejected(fetch(import_files, business_date=day), fetch(rejected_for_day, day))
    code = (bank or "").strip().upper()[:20] or None
    if code is not None:
        rows = [r for r in rows if r.bank_code == code]
        files = [f for f in files if f.bank_code in (code, None)]
    has_data = any(row.has_data for row in rows) or bool(files)
    return [
        page_header(TITLE, SUBTITLE, date_tools(day, path=PATH, picker_id=DATE_PICKER, keep={BANK_PARAM: code})),
        notice,
        day_notice(day),
        files_view.rejected_banner(fetch(rejected_banner_files, day), PATH),
        bank_filter_note(day, code) if code else None,
        *(content(day, rows, files) if has_data else [no_data(day)]),
    ]


def _with_rejected(files: list[ImportFileRow], rejected: list[ImportFileRow]) -> list[ImportFileRow]:
    """The date's files plus the rejected files meant for it (received on another day), newest first."""
    known = {f.import_id for f in files}
    merged = files + [f for f in rejected if f.import_id not in known]
    return sorted(merged, key=lambda f: (f.received_at, f.import_id), reverse=True)


def bank_filter_note(day: date, code: str) -> dbc.Alert:
    """The page shows one bank (`?bank=`): say so, and offer every bank again."""
    return dbc.Alert(
        [
            f"Hanya bank/pos {code}. ",
            dcc.Link("Tampilkan semua bank/pos", href=PATH + search(**{DAY_PARAM: day.isoformat()})),
        ],
        color="light",
        className="mpn-notice py-2",
        id="data-masuk-saring-bank",
    )


def no_data(day: date) -> html.Div:
    """What the page shows for a date nothing has arrived for."""
    return empty_state(
        "Belum ada data untuk tanggal ini",
        f"Tidak ada data MPN, batch bank, surat pernyataan, maupun file untuk {tanggal_panjang(day)}. "
        "Data tiba otomatis lewat kotak masuk penjadwal; pilih tanggal lain atau periksa halaman Penjadwal.",
    )


def content(day: date, rows: list[IncomingRow], files: list[ImportFileRow]) -> list[Any]:
    """KPI cards, the per-bank table and the file table."""
    return [
        kpis(rows, files),
        section(
            "Per bank/pos persepsi",
            [banks_view.grid(BANK_GRID, day, rows)],
            note="Baris kuning: ada transaksi MPN tetapi batch bank belum diterima.",
        ),
        section(
            "File masuk",
            [files_view.grid(FILE_GRID, day, files)],
            note="Klik sebuah file untuk melihat rinciannya; file yang ditolak menampilkan laporan kesalahannya.",
        ),
    ]


def kpis(rows: list[IncomingRow], files: list[ImportFileRow]) -> dbc.Row:
    """Four headline figures: agents with MPN data, batches, statement letters, rejected files."""
    total = len(rows)
    with_mpn = [r for r in rows if r.mpn_count > 0]
    batches = sum(r.has_batch for r in rows)
    missing_batch = sum(r.missing_batch for r in rows)
    letters = sum(r.has_letter for r in rows)
    missing_letter = sum(r.has_data and not r.has_letter for r in rows)
    rejected = sum(f.rejected for f in files)
    return dbc.Row(
        [
            kpi_card(
                "Bank/pos dengan data MPN",
                angka(len(with_mpn)),
                f"dari {total} · {rupiah_short(sum(r.mpn_amount for r in with_mpn))}",
            ),
            kpi_card(
                "Batch diterima",
                f"{batches} / {total}",
                f"{missing_batch} bank dengan data MPN belum mengirim batch"
                if missing_batch
                else "Semua bank dengan data MPN sudah mengirim batch",
                tone="warning" if missing_batch else "success",
            ),
            kpi_card(
                "Surat pernyataan diterima",
                f"{letters} / {total}",
                f"{missing_letter} bank dengan data belum mengirim"
                if missing_letter
                else "Lengkap untuk semua bank dengan data",
                tone="warning" if missing_letter else "success",
            ),
            kpi_card(
                "File ditolak",
                angka(rejected),
                f"dari {len(files)} file untuk tanggal ini",
                tone="danger" if rejected else "success",
            ),
        ],
        className="g-3 mpn-kpis",
    )


@callback(
    Output(LOCATION, "search"),
    Input(DATE_PICKER, "date"),
    State(LOCATION, "search"),
    prevent_initial_call=True,
    roles=PAGE_ROLES,
)
def go_to_date(value: str | None, current: str | None) -> str:
    """A picked date becomes `?tanggal=YYYY-MM-DD` (keeping `bank`): the page reloads its data, the URL can be
    shared."""
    day = parse_day(value)
    if day is None:
        raise PreventUpdate
    bank = parse_qs((current or "").lstrip("?")).get(BANK_PARAM, [None])[0]
    return search(**{DAY_PARAM: day.isoformat(), BANK_PARAM: bank})


@callback(
    Output(FILE_MODAL, "is_open"),
    Output(FILE_MODAL_TITLE, "children"),
    Output(FILE_MODAL_BODY, "children"),
    Input(FILE_GRID, "cellClicked"),
    prevent_initial_call=True,
    roles=PAGE_ROLES,
)
def show_file(clicked: dict[str, Any] | None) -> tuple[bool, Any, Any]:
    """A clicked file opens its details: for a rejected file, the rejection report and where it is kept."""
    try:
        import_id = int((clicked or {})["rowId"])
    except (KeyError, TypeError, ValueError):
        raise PreventUpdate from None
    file = fetch(import_file_detail, import_id=import_id)
    if file is None:
        raise PreventUpdate
    return True, files_view.title(file), files_view.detail(file)
