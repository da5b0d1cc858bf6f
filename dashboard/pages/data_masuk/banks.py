"""The per-agent table of a business date: MPN data, current batch and statement letter per bank/pos."""

from __future__ import annotations

from datetime import date
from typing import Any

import dash_ag_grid as dag

from dashboard.components.grids import (
    DEFAULT_COL_DEF,
    THEME,
    badge_column,
    fit_to_text,
    formatted_column,
    shown,
    text_column,
)
from queries.formatting import angka, jam_wib, rupiah, waktu_wib
from queries.monitoring.arrivals import IncomingRow

KIND_LABELS = {"bank": "Bank", "pos": "Pos", "other": "Lainnya"}
LETTER_COLORS = {"Ada": "success", "Belum": "warning"}

COLUMNS = [
    text_column("bank_code", "Kode", width=75),
    text_column("name", "Bank/Pos", flex=1, minWidth=200, tooltipField="name"),
    text_column("kind", "Jenis", width=85),
    formatted_column("mpn_count", "Transaksi MPN", width=100),
    formatted_column("mpn_amount", "Nilai MPN", width=130),
    formatted_column("batch_count", "Transaksi batch", width=100),
    formatted_column("batch_amount", "Nilai batch", width=130),
    formatted_column("batch_received_at", "Batch diterima", width=120),
    formatted_column("batch_versions", "Versi batch", width=90),
    badge_column("letter", "Surat pernyataan", LETTER_COLORS, width=125, tooltipField="letter_tooltip"),
]
#: Columns whose width follows their widest value (amounts run from Rp 0 to tens of trillions).
FIT_TO_CONTENT = ["mpn_count", "mpn_amount", "batch_count", "batch_amount", "batch_received_at"]


def bank_row(day: date, r: IncomingRow) -> dict[str, Any]:
    """One grid row: raw values to sort on, Indonesian text to read (`—` where nothing arrived)."""
    received = r.batch_received_at
    return {
        "bank_code": r.bank_code,
        "name": r.name,
        "kind": KIND_LABELS.get(r.kind, r.kind),
        **shown("mpn_count", r.mpn_count, angka(r.mpn_count) if r.mpn_count else "—"),
        **shown("mpn_amount", r.mpn_amount, rupiah(r.mpn_amount) if r.mpn_count else "—"),
        **shown("batch_count", r.batch_count, "—" if r.batch_count is None else angka(r.batch_count)),
        **shown("batch_amount", r.batch_amount, "—" if r.batch_amount is None else rupiah(r.batch_amount)),
        **shown(
            "batch_received_at",
            received.timestamp() if received else None,
            jam_wib(received, day=day) if received else "—",
        ),
        **shown("batch_versions", r.batch_versions, angka(r.batch_versions) if r.batch_versions else "—"),
        "letter": "Ada" if r.has_letter else "Belum",
        "letter_color": None if r.has_data else "light",  # nothing arrived at all: no warning colour
        "letter_tooltip": _letter_tooltip(r),
        "missing_batch": r.missing_batch,
        "has_data": r.has_data,
    }


def _letter_tooltip(r: IncomingRow) -> str:
    if not r.has_letter or r.letter_received_at is None:
        return "Surat pernyataan belum diterima"
    return (
        f"No. {r.letter_number}, diterima {waktu_wib(r.letter_received_at)}: "
        f"{angka(r.declared_count or 0)} transaksi, {rupiah(r.declared_amount or 0)}"
    )


def total_row(rows: list[IncomingRow]) -> dict[str, Any]:
    """The pinned bottom row: sums over every agent (current batches only)."""
    mpn_count, mpn_amount = sum(r.mpn_count for r in rows), sum(r.mpn_amount for r in rows)
    batch_count = sum(r.batch_count or 0 for r in rows)
    batch_amount = sum(r.batch_amount or 0 for r in rows)
    return {
        "bank_code": "",
        "name": "Total",
        "kind": "",
        **shown("mpn_count", mpn_count, angka(mpn_count)),
        **shown("mpn_amount", mpn_amount, rupiah(mpn_amount)),
        **shown("batch_count", batch_count, angka(batch_count)),
        **shown("batch_amount", batch_amount, rupiah(batch_amount)),
        **shown("batch_received_at", None, ""),
        **shown("batch_versions", None, ""),
        "letter": None,
        "missing_batch": False,
        "has_data": True,
    }


def grid(grid_id: str, day: date, rows: list[IncomingRow]) -> dag.AgGrid:
    """Every collecting agent, banks first; agents with MPN data but no batch are highlighted."""
    data, total = [bank_row(day, r) for r in rows], total_row(rows)
    return dag.AgGrid(
        id=grid_id,
        columnDefs=fit_to_text(COLUMNS, [*data, total], FIT_TO_CONTENT),
        rowData=data,
        defaultColDef=DEFAULT_COL_DEF,
        getRowId="params.data.bank_code",
        rowClassRules={
            "mpn-row-missing-batch": "params.data.missing_batch",
            "mpn-row-empty": "!params.data.has_data",
        },
        dashGridOptions={
            "theme": THEME,
            "domLayout": "autoHeight",
            "pinnedBottomRowData": [total],
            "tooltipShowDelay": 300,
            "suppressCellFocus": True,
            "suppressColumnVirtualisation": True,
        },
        className="mpn-grid",
    )
