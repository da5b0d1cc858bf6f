"""The Surat Pernyataan page's pieces: the bank × business-date matrix, its legend and totals, the cell detail.

A cell's tone is its status, with a missing letter past its deadline shown darker (`overdue`); the colours
live in `assets/statements.css` (`mpn-sp-<tone>`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

import dash
import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import html

from dashboard.components.cards import kpi_card
from dashboard.components.grids import DEFAULT_COL_DEF, LOCALE_ID, THEME, formatted_column, text_column
from queries.calendar import WIB
from queries.formatting import angka, jam_wib, rupiah, tanggal_panjang, tanggal_pendek, waktu_wib
from queries.letters import appeals as appeal_letters
from queries.letters.statements import STATUSES, StatementCell, StatementVersion
from queries.plausibility import UNKNOWN_TIME

KIND_LABELS = {"bank": "Bank", "pos": "Pos", "other": "Lainnya"}
#: Tone -> (mark in the cell, label in the legend and tooltip).
TONES: dict[str, tuple[str, str]] = {
    "received": ("✓", "Diterima"),
    "late": ("T", "Terlambat"),
    "mismatch": ("≠", "Tidak sesuai batch"),
    "missing": ("✗", "Belum diterima"),
    "overdue": ("✗", "Belum diterima, lewat batas"),
    "anomaly": ("?", "Anomali waktu terima"),
}
SCAN_PATH = "/surat-pernyataan/pindaian/"
APPEAL_PATH = "/surat-himbauan"
ROW_HEIGHT = 30
#: Rows shown before the matrix scrolls (its header and bank columns stay in place).
VISIBLE_ROWS = 20

DETAIL_TITLE, DETAIL_STATUS, DETAIL_REASON = "sp-detail-judul", "sp-detail-status", "sp-detail-alasan"
DETAIL_SCAN, DETAIL_APPEAL, DETAIL_HISTORY = "sp-detail-pindaian", "sp-detail-himbauan", "sp-detail-riwayat"


def field(day: date) -> str:
    """The matrix column of a business date: `d20261120`."""
    return f"d{day:%Y%m%d}"


def day_of(column: str | None) -> date | None:
    """The business date of a matrix column, None for the bank columns."""
    try:
        return datetime.strptime((column or "")[1:], "%Y%m%d").date() if (column or "").startswith("d") else None
    except ValueError:
        return None


def tone(cell: StatementCell, now: datetime) -> str:
    """The cell's colour: its status, `overdue` for a missing letter past its deadline."""
    return "overdue" if cell.overdue(now) else cell.status


def _count_amount(count: int | None, amount: int | None) -> str:
    if count is None or amount is None:
        return "—"
    return f"{angka(count)} transaksi / {rupiah(amount)}"


def _at(moment: datetime) -> str:
    """`Senin, 23 November 2026 09:00 WIB`."""
    return f"{tanggal_panjang(moment.astimezone(WIB).date())} {jam_wib(moment)}"


def tooltip(cell: StatementCell, now: datetime) -> str:
    """One line on hover: status, deadline, what the letter declares against the batch."""
    parts = [
        f"{cell.bank_code} · {tanggal_pendek(cell.business_date)}",
        TONES[tone(cell, now)][1],
        f"batas {waktu_wib(cell.deadline)}",
    ]
    if cell.received_at is not None:
        parts.append(f"diterima {waktu_wib(cell.received_at)}")
    if cell.declared_count is not None:
        parts.append(f"dinyatakan {_count_amount(cell.declared_count, cell.declared_amount)}")
    parts.append(f"batch {_count_amount(cell.batch_count, cell.batch_amount)}")
    return " · ".join(parts)


def matrix_rows(cells: Iterable[StatementCell], now: datetime) -> list[dict[str, Any]]:
    """One row per bank: each date's tone, mark and tooltip; the missing count; most missing first."""
    rows: dict[str, dict[str, Any]] = {}
    order: dict[str, int] = {}
    for cell in cells:
        row = rows.setdefault(
            cell.bank_code,
            {
                "bank_code": cell.bank_code,
                "name": cell.bank_name,
                "kind": KIND_LABELS.get(cell.bank_kind, cell.bank_kind),
                "missing": 0,
            },
        )
        order.setdefault(cell.bank_code, len(order))
        key, shade = field(cell.business_date), tone(cell, now)
        row.update({key: shade, f"{key}_text": TONES[shade][0], f"{key}_tip": tooltip(cell, now)})
        row["missing"] += cell.status == "missing"
    for row in rows.values():
        row["missing_text"] = angka(row["missing"]) if row["missing"] else "·"
    return sorted(rows.values(), key=lambda r: (-r["missing"], order[r["bank_code"]]))


def matrix_columns(days: list[date]) -> list[dict[str, Any]]:
    """Bank code, name and missing count pinned on the left, then one narrow column per business date."""
    rules = {f"mpn-sp-{t}": f"params.value === '{t}'" for t in TONES}
    rules["mpn-sp-none"] = "!params.value"
    return [
        text_column("bank_code", "Kode", width=72, pinned="left"),
        text_column("name", "Bank/Pos", width=250, pinned="left", tooltipField="name"),
        formatted_column(
            "missing",
            "Belum",
            width=96,
            pinned="left",
            sort="desc",
            headerClass="mpn-sp-head",
            headerTooltip="Jumlah tanggal buku yang surat pernyataannya belum diterima",
            cellClassRules={"mpn-sp-count": "params.value > 0"},
        ),
        *(
            formatted_column(
                field(d),
                f"{d:%d/%m}",
                numeric=False,
                width=60,
                sortable=False,
                resizable=False,
                suppressHeaderMenuButton=True,
                headerClass="mpn-sp-head",
                headerTooltip=tanggal_panjang(d),
                tooltipField=f"{field(d)}_tip",
                cellClass="mpn-sp-cell",
                cellClassRules=rules,
            )
            for d in days
        ),
    ]


def matrix_style(rows: int) -> dict[str, str]:
    """The matrix's height: all rows up to VISIBLE_ROWS, then it scrolls."""
    return {"height": f"{min(max(rows, 3), VISIBLE_ROWS) * ROW_HEIGHT + 48}px"}


def matrix_grid(
    grid_id: str, rows: list[dict[str, Any]], columns: list[dict[str, Any]], style: dict[str, str]
) -> dag.AgGrid:
    """The matrix (`matrix_rows`, `matrix_columns`, `matrix_style`); a click on a cell selects that bank and date."""
    return dag.AgGrid(
        id=grid_id,
        columnDefs=columns,
        rowData=rows,
        defaultColDef={**DEFAULT_COL_DEF, "wrapHeaderText": False, "autoHeaderHeight": False},
        getRowId="params.data.bank_code",
        dashGridOptions={
            "theme": THEME,
            "rowHeight": ROW_HEIGHT,
            "headerHeight": 34,
            "tooltipShowDelay": 200,
            "suppressCellFocus": True,
            "suppressColumnVirtualisation": True,
            "localeText": {**LOCALE_ID, "noRowsToShow": "Tidak ada bank/pos dengan data atau surat pada rentang ini"},
        },
        style=style,
        className="mpn-grid mpn-sp-matrix",
    )


def legend() -> html.Div:
    """What the colours and marks mean."""
    items = [
        html.Span([html.Span(mark, className=f"mpn-sp-chip mpn-sp-{t}"), label], className="mpn-sp-key")
        for t, (mark, label) in TONES.items()
    ]
    items.append(
        html.Span([html.Span("", className="mpn-sp-chip mpn-sp-none"), "Tidak ada data"], className="mpn-sp-key")
    )
    return html.Div(items, className="mpn-sp-legend", id="sp-legenda")


def totals_cards(cells: list[StatementCell], now: datetime) -> dbc.Row:
    """Received, late, mismatched and missing (bank × date) across the range."""
    count = {s: sum(c.status == s for c in cells) for s in STATUSES}
    overdue = sum(c.overdue(now) for c in cells)
    total = len(cells)
    return dbc.Row(
        [
            kpi_card(
                "Diterima tepat waktu", angka(count["received"]), f"dari {angka(total)} bank × tanggal", tone="success"
            ),
            kpi_card(
                "Terlambat",
                angka(count["late"]),
                "diterima sesudah batas waktu",
                tone="warning" if count["late"] else "success",
            ),
            kpi_card(
                "Tidak sesuai batch",
                angka(count["mismatch"]),
                "jumlah dinyatakan berbeda dengan batch",
                tone="danger" if count["mismatch"] else "success",
            ),
            kpi_card(
                "Belum diterima",
                angka(count["missing"]),
                f"{angka(overdue)} sudah lewat batas" if count["missing"] else "Lengkap",
                tone="danger" if count["missing"] else "success",
            ),
        ],
        className="g-3 mpn-kpis",
        id="sp-total",
    )


# --- detail -----------------------------------------------------------------------------------------------------


def reason(cell: StatementCell, now: datetime) -> str:
    """Why the cell has its status, in one sentence."""
    batch = f"batch {_count_amount(cell.batch_count, cell.batch_amount)}"
    declared = f"Jumlah dinyatakan {_count_amount(cell.declared_count, cell.declared_amount)}"
    if cell.status == "missing":
        late = "sudah lewat batas waktu" if cell.overdue(now) else "batas waktu belum lewat"
        return (
            f"Belum ada surat pernyataan ({late}). Data MPN {_count_amount(cell.mpn_count, cell.mpn_amount)}, "
            f"{batch if cell.batch_count is not None else 'batch belum diterima'}."
        )
    if cell.status == "mismatch":
        return f"{declared}, {batch}."
    if cell.status == "anomaly":
        return f"{UNKNOWN_TIME.format(what='terima surat').capitalize()}. {declared}."
    if cell.batch_count is None:
        return f"{declared}; batch bank belum diterima."
    if cell.status == "late":
        return f"Diterima sesudah batas waktu. {declared}, sesuai batch."
    return f"Diterima tepat waktu. {declared}, sesuai batch."


def _facts(items: list[tuple[str, Any]]) -> html.Dl:
    return html.Dl(
        [
            part
            for label, value in items
            for part in (html.Dt(label, className="col-sm-5"), html.Dd(value, className="col-sm-7"))
        ],
        className="row mpn-facts mb-0",
    )


def _appeal(cell: StatementCell) -> Any:
    if cell.appeal_letter_id is None:
        return "—"
    status = appeal_letters.STATUSES.get(cell.appeal_status or "", cell.appeal_status or "")
    href = dash.get_relative_path(APPEAL_PATH) + f"?surat={cell.appeal_letter_id}"
    return html.Span([html.A(f"Surat himbauan #{cell.appeal_letter_id}", href=href), f" · {status}"], id=DETAIL_APPEAL)


def scan_link(scan_id: int | None, label: str = "Lihat pindaian (PDF)") -> Any:
    """A link opening the stored scan in a new tab, or a dash when there is none."""
    if scan_id is None:
        return "—"
    return html.A(label, href=dash.get_relative_path(SCAN_PATH) + str(scan_id), target="_blank", rel="noopener")


def _history(versions: list[StatementVersion]) -> Any:
    if not versions:
        return html.P("Belum ada surat tercatat.", className="text-secondary small", id=DETAIL_HISTORY)
    items = []
    for v in versions:
        source = f"dicatat {v.entered_by}" if v.entered_by else f"impor #{v.import_id}" if v.import_id else "—"
        items.append(
            html.Li(
                [
                    html.Strong(v.letter_number),
                    f" · surat {tanggal_pendek(v.letter_date)} · diterima "
                    f"{waktu_wib(v.received_at)} · {_count_amount(v.declared_count, v.declared_amount)} · {v.signer}",
                    html.Span(f" · {source}, {waktu_wib(v.created_at)}", className="text-secondary"),
                    " · ",
                    scan_link(v.scan_id, "pindaian") if v.scan_id else "",
                    dbc.Badge("diganti", color="secondary", className="ms-1")
                    if v.superseded_at
                    else dbc.Badge("berlaku", color="success", className="ms-1"),
                ]
            )
        )
    return html.Ul(items, className="mpn-list small", id=DETAIL_HISTORY)


STATUS_COLORS = {
    "received": "success",
    "late": "warning",
    "mismatch": "danger",
    "missing": "danger",
    "overdue": "dark",
    "anomaly": "dark",
}


def detail_panel(
    bank_code: str,
    bank_name: str,
    day: date,
    cell: StatementCell | None,
    versions: list[StatementVersion],
    now: datetime,
) -> dbc.Card:
    """One bank and business date: status and why, deadline, the letter, its appeal letter, its versions."""
    title = f"{bank_code} · {bank_name} · {tanggal_panjang(day)}"
    if cell is None:
        body: list[Any] = [
            html.P(
                "Tidak ada data MPN, batch, maupun surat pernyataan untuk tanggal ini; "
                "tidak ada surat yang diharapkan.",
                className="text-secondary",
                id=DETAIL_REASON,
            )
        ]
    else:
        shade = tone(cell, now)
        body = [
            html.P(
                [
                    dbc.Badge(
                        TONES[shade][1], color=STATUS_COLORS[shade], pill=True, id=DETAIL_STATUS, className="me-2"
                    ),
                    html.Span(reason(cell, now), id=DETAIL_REASON),
                ]
            ),
            dbc.Row(
                [
                    dbc.Col(
                        _facts(
                            [
                                ("Batas", _at(cell.deadline)),
                                ("Diterima", _at(cell.received_at) if cell.received_at else "—"),
                                ("Data MPN", _count_amount(cell.mpn_count, cell.mpn_amount)),
                                ("Batch bank", _count_amount(cell.batch_count, cell.batch_amount)),
                                ("Surat himbauan", _appeal(cell)),
                            ]
                        ),
                        lg=6,
                    ),
                    dbc.Col(
                        _facts(
                            [
                                ("Nomor surat", cell.letter_number or "—"),
                                ("Tanggal surat", tanggal_pendek(cell.letter_date) if cell.letter_date else "—"),
                                ("Penanda tangan", cell.signer or "—"),
                                ("Dicatat oleh", cell.entered_by or ("impor berkas" if cell.letter_id else "—")),
                                ("Pindaian", html.Span(scan_link(cell.scan_id), id=DETAIL_SCAN)),
                            ]
                        ),
                        lg=6,
                    ),
                ]
            ),
        ]
    return dbc.Card(
        dbc.CardBody(
            [
                html.H2(title, className="h5", id=DETAIL_TITLE),
                *body,
                html.H3("Riwayat versi surat", className="mpn-subhead"),
                _history(versions),
            ]
        ),
        className="mpn-detail",
    )
