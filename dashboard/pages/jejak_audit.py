"""Jejak audit: every state change (who, role, when, action, object, before/after), filtered and paged.

For `admin` and `kasubdit`. The grid asks the server for one block of rows at a time (AG Grid's
infinite row model), so the page stays quick on a trail of millions of rows. A button re-checks the
hash chain: the same check as `mpn audit verify`.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import dash
import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import Input, Output, State, dcc, html
from dash.exceptions import PreventUpdate

from dashboard.access import callback
from dashboard.components.cards import page_header
from dashboard.components.data import fetch
from dashboard.components.grids import DEFAULT_COL_DEF, THEME, row_block
from queries.accounts.audit import (
    AuditEntry,
    AuditFilter,
    audit_actions,
    audit_actors,
    audit_entries,
    audit_entry,
    verify_chain,
)
from queries.formatting import angka, waktu_wib
from queries.labels import OBJECTS, action_name, actor_name, change_text, field_name, label, role_title, value_text
from queries.permissions import roles_for

#: Who reads the audit trail.
AUDITORS = roles_for("page.jejak_audit")

dash.register_page(
    __name__, path="/jejak-audit", name="Jejak audit", title="Jejak audit · MPN Monitor", order=90, roles=AUDITORS
)

ACTOR = "audit-pengguna"
ACTION = "audit-aksi"
OBJECT = "audit-objek"
DATES = "audit-tanggal"
RESET = "audit-reset"
GRID_HOLDER = "audit-grid-wadah"
GRID = "audit-grid"
COUNT = "audit-jumlah"
DETAIL = "audit-detail"
VERIFY = "audit-periksa"
CHAIN = "audit-rantai"

BLOCK = 100
SORTABLE = {"seq", "actor", "action", "object"}

COLUMNS = [
    {"field": "seq", "headerName": "No.", "width": 90, "type": "rightAligned"},
    {"field": "at", "headerName": "Waktu", "width": 185, "sortable": False},
    {"field": "actor", "headerName": "Pengguna", "width": 150},
    {"field": "role", "headerName": "Peran", "width": 190, "sortable": False},  # "Kepala Subdirektorat" whole
    {"field": "action", "headerName": "Aksi", "width": 200},
    {"field": "object", "headerName": "Objek", "width": 200},
    {
        "field": "change",
        "headerName": "Perubahan",
        "flex": 1,
        "minWidth": 260,
        "sortable": False,
        "tooltipField": "change",
    },
]


def layout(**_query: str) -> html.Div:
    """Filters, the chain check, the paged grid and the detail of the clicked row."""
    return html.Div(
        [
            page_header(
                "Jejak audit",
                "Setiap perubahan data dan tindakan pengguna, tercatat berantai dan tidak dapat diubah",
                dbc.Button("Periksa rantai hash", id=VERIFY, color="primary", outline=True, size="sm"),
            ),
            html.Div(id=CHAIN),
            filters(),
            html.Div(id=COUNT, className="mpn-section-note mb-2"),
            html.Div(grid(), id=GRID_HOLDER),
            html.Div(id=DETAIL, className="mt-3"),
        ],
        className="mpn-page",
    )


def filters() -> dbc.Row:
    """User, action, object and date filters; each change reloads the grid from its first row."""
    actors = fetch(audit_actors)
    actions = fetch(audit_actions)
    return dbc.Row(
        [
            dbc.Col(
                [
                    dbc.Label("Pengguna", html_for=ACTOR),
                    dcc.Dropdown(
                        id=ACTOR,
                        options=[{"label": actor_name(a), "value": a} for a in actors],
                        placeholder="Semua pengguna",
                    ),
                ],
                md=2,
            ),
            dbc.Col(
                [
                    dbc.Label("Aksi", html_for=ACTION),
                    dcc.Dropdown(
                        id=ACTION,
                        options=[{"label": action_name(a), "value": a} for a in actions],
                        placeholder="Semua aksi",
                    ),
                ],
                md=3,
            ),
            dbc.Col(
                [
                    dbc.Label("Objek", html_for=OBJECT),
                    dbc.Input(id=OBJECT, placeholder="mis. budi atau nama berkas", debounce=True),
                ],
                md=2,
            ),
            dbc.Col(
                [
                    dbc.Label("Tanggal (WIB)", html_for=DATES),
                    html.Div(
                        dcc.DatePickerRange(
                            id=DATES,
                            display_format="DD/MM/YYYY",
                            first_day_of_week=1,
                            start_date_placeholder_text="Dari",
                            end_date_placeholder_text="Sampai",
                            clearable=True,
                        )
                    ),
                ],
                md=3,
            ),
            dbc.Col(
                dbc.Button("Hapus filter", id=RESET, color="secondary", outline=True, className="text-nowrap"),
                md=2,
                className="d-flex align-items-end",
            ),
        ],
        className="g-2 mb-3 mpn-filters",
    )


def grid() -> dag.AgGrid:
    """A fresh grid (its block cache empty); it asks `rows` for blocks of BLOCK rows as it scrolls."""
    return dag.AgGrid(
        id=GRID,
        columnDefs=COLUMNS,
        defaultColDef={**DEFAULT_COL_DEF, "sortable": True},
        rowModelType="infinite",
        getRowId="params.data.seq + ''",  # a string; the grid's evaluator knows no String()
        dashGridOptions={
            "theme": THEME,
            "rowBuffer": 0,
            "cacheBlockSize": BLOCK,
            "maxBlocksInCache": 20,
            "infiniteInitialRowCount": 1,
            "tooltipShowDelay": 300,
            "suppressCellFocus": True,
        },
        style={"height": "560px"},
        className="mpn-grid mpn-grid-clickable",
    )


def audit_filter(
    actor: str | None, action: str | None, obj: str | None, start: str | None, end: str | None
) -> AuditFilter:
    """The page's filter values as a query filter."""

    def day(value: str | None) -> date | None:
        return date.fromisoformat(value[:10]) if value else None

    return AuditFilter(actor or None, action or None, (obj or "").strip() or None, day(start), day(end))


def summary(entry: AuditEntry) -> str:
    """A one-line before → after in Indonesian: `peran: Pelaksana → Kepala Seksi`, or the new values alone."""
    return change_text(entry.before, entry.after)


def object_text(entry: AuditEntry) -> str:
    """What was acted on: `Pengguna budi`, `Tanggal buku 20/11/2026`."""
    if not entry.object_type:
        return entry.object_id or "—"
    return f"{label(OBJECTS, entry.object_type)} {value_text('object_id', entry.object_id)}".strip()


def grid_row(entry: AuditEntry) -> dict[str, Any]:
    """One audit row as the grid shows it."""
    return {
        "seq": entry.seq,
        "at": waktu_wib(entry.at),
        "actor": actor_name(entry.actor),
        "role": role_title(entry.actor_role),
        "action": entry.action_label,
        "object": object_text(entry),
        "change": summary(entry),
    }


def _who(entry: AuditEntry) -> str:
    """`budi (Pelaksana)`; the product itself is named once: `sistem (penjadwal)`."""
    name = actor_name(entry.actor)
    return name if entry.actor_role in ("system", "") else f"{name} ({role_title(entry.actor_role)})"


@callback(
    Output(GRID_HOLDER, "children"),
    Input(ACTOR, "value"),
    Input(ACTION, "value"),
    Input(OBJECT, "value"),
    Input(DATES, "start_date"),
    Input(DATES, "end_date"),
    prevent_initial_call=True,
    roles=AUDITORS,
)
def refilter(*_filters: Any) -> dag.AgGrid:
    """A changed filter: a new grid, which starts again from the newest row."""
    return grid()


@callback(
    Output(ACTOR, "value"),
    Output(ACTION, "value"),
    Output(OBJECT, "value"),
    Output(DATES, "start_date"),
    Output(DATES, "end_date"),
    Input(RESET, "n_clicks"),
    prevent_initial_call=True,
    roles=AUDITORS,
)
def reset(_clicks: int | None) -> tuple[None, ...]:
    """Clear every filter."""
    return None, None, None, None, None


@callback(
    Output(GRID, "getRowsResponse"),
    Output(COUNT, "children"),
    Input(GRID, "getRowsRequest"),
    State(ACTOR, "value"),
    State(ACTION, "value"),
    State(OBJECT, "value"),
    State(DATES, "start_date"),
    State(DATES, "end_date"),
    roles=AUDITORS,
)
def rows(request: dict[str, Any] | None, *filter_values: Any) -> tuple[dict[str, Any], str]:
    """One block of rows for the grid, in the sort it asks for, and the number of matching rows."""
    if not request:
        raise PreventUpdate
    start, end, *_ = row_block(request, BLOCK)  # 400 for a request that is not row numbers
    sort = (request.get("sortModel") or [{}])[0]
    column = sort.get("colId") if sort.get("colId") in SORTABLE else "seq"
    descending = sort.get("sort", "desc") == "desc" if sort else True
    page = fetch(
        audit_entries, audit_filter(*filter_values), offset=start, limit=end - start, sort=column, descending=descending
    )
    note = f"{angka(page.total)} entri" + (" sesuai filter" if any(filter_values) else "")
    return {"rowData": [grid_row(e) for e in page.rows], "rowCount": page.total}, note


@callback(Output(DETAIL, "children"), Input(GRID, "cellClicked"), prevent_initial_call=True, roles=AUDITORS)
def detail(clicked: dict[str, Any] | None) -> Any:
    """The clicked row in full: before and after as JSON, and its place in the hash chain."""
    seq = (clicked or {}).get("rowId")
    if seq is None:
        raise PreventUpdate
    entry = fetch(audit_entry, int(seq))
    if entry is None:
        raise PreventUpdate

    def block(title: str, value: dict[str, Any] | None) -> dbc.Col:
        rows = [
            part
            for key, item in (value or {}).items()
            for part in (
                html.Dt(field_name(key), className="col-sm-5"),
                html.Dd(value_text(key, item), className="col-sm-7"),
            )
        ]
        shown = html.Dl(rows, className="row mpn-facts") if rows else html.P("—")
        return dbc.Col([html.H3(title, className="h6"), shown], md=6)

    raw = json.dumps({"sebelum": entry.before, "sesudah": entry.after}, ensure_ascii=False, indent=2, default=str)
    return dbc.Card(
        dbc.CardBody(
            [
                html.H2(f"Entri {angka(entry.seq)}: {entry.action_label}", className="h5"),
                html.P(f"{waktu_wib(entry.at)} · {_who(entry)} · {object_text(entry)}", className="text-secondary"),
                dbc.Row([block("Sebelum", entry.before), block("Sesudah", entry.after)]),
                html.Details(
                    [html.Summary("Data tersimpan apa adanya (JSON)"), html.Pre(raw, className="mpn-json")],
                    className="small mb-2",
                ),
                html.Div(
                    [html.Span("Hash: ", className="text-secondary"), html.Code(entry.row_hash)], className="small"
                ),
            ]
        ),
        className="mpn-detail",
    )


@callback(Output(CHAIN, "children"), Input(VERIFY, "n_clicks"), prevent_initial_call=True, roles=AUDITORS)
def verify(_clicks: int | None) -> dbc.Alert:
    """Re-check the whole hash chain, as `mpn audit verify` does."""
    check = fetch(verify_chain)
    if check.ok:
        return dbc.Alert(
            f"Rantai hash utuh: {angka(check.rows)} entri, kepala {check.head_hash[:16]}…",
            color="success",
            className="py-2",
            id="audit-rantai-hasil",
        )
    return dbc.Alert(
        f"Rantai hash RUSAK mulai entri {check.broken_seq}: {BROKEN.get(check.kind, check.reason)}",
        color="danger",
        className="py-2",
        id="audit-rantai-hasil",
    )


#: Why the chain is broken, in Indonesian (`ChainCheck.kind`).
BROKEN = {
    "missing": "ada entri yang hilang dari tengah jejak",
    "relinked": "entri ini tidak lagi terhubung ke entri sebelumnya (entri sebelumnya diubah atau diganti)",
    "altered": "isi entri ini diubah (hash tidak cocok dengan isinya)",
    "tail_missing": "entri terakhir hilang dari ujung jejak",
    "head_mismatch": "entri terakhir tidak cocok dengan kepala rantai",
}
