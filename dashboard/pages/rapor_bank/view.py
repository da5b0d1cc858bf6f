"""The Rapor bank page's grid: one row per collecting agent, its breaches grouped by duty (red above zero, the
completeness colours of `assets/completeness.css`).
"""

from __future__ import annotations

from typing import Any

import dash_ag_grid as dag

from dashboard.components.grids import DEFAULT_COL_DEF, LOCALE_ID, THEME, formatted_column, text_column
from queries.formatting import persen
from queries.monitoring.scorecard import COLUMNS, BankScore


def scorecard_rows(scores: list[BankScore]) -> list[dict[str, Any]]:
    """One grid row per bank (numbers stay numbers; the rate is shown as a percentage)."""
    rows = []
    for s in scores:
        rate = s.exception_rate
        rows.append(
            {
                "bank_code": s.bank_code,
                "bank_name": s.bank_name,
                "days_with_data": s.days_with_data,
                "batches_late": s.batches_late,
                "batches_missing": s.batches_missing,
                "statements_missing": s.statements_missing,
                "statements_late": s.statements_late,
                "statements_mismatch": s.statements_mismatch,
                "payments": s.payments,
                "exceptions": s.exceptions,
                "exception_rate": rate or 0,
                "exception_rate_text": persen(rate, 2),
                "appeals_unanswered": s.appeals_unanswered,
                "appeals_overdue": s.appeals_overdue,
                "results_late": s.results_late,
                "excused": s.excused,
            }
        )
    return rows


def _number(field: str, header: str, *, flag: bool = True) -> dict[str, Any]:
    column: dict[str, Any] = {
        "field": field,
        "headerName": header,
        "headerTooltip": COLUMNS[field],
        "type": "rightAligned",
        "width": 104,
        "cellClass": "ag-right-aligned-cell mpn-num",
    }
    return {**column, "cellClassRules": {"mpn-kl-bad": "params.value > 0"}} if flag else column


def scorecard_grid(grid_id: str, rows: list[dict[str, Any]]) -> dag.AgGrid:
    """The sortable scorecard, columns grouped by duty; breaches above zero in red."""
    columns = [
        text_column("bank_code", COLUMNS["bank_code"], width=76, pinned="left"),
        text_column("bank_name", COLUMNS["bank_name"], width=180, pinned="left", tooltipField="bank_name"),
        _number("days_with_data", "Hari kerja berdata", flag=False),
        {
            "headerName": "Batch bank",
            "children": [_number("batches_late", "Terlambat"), _number("batches_missing", "Tidak ada")],
        },
        {
            "headerName": "Surat pernyataan",
            "children": [
                _number("statements_missing", "Tidak ada"),
                _number("statements_late", "Terlambat"),
                _number("statements_mismatch", "Tidak sesuai"),
            ],
        },
        {
            "headerName": "Selisih rekonsiliasi",
            "children": [
                _number("payments", "Transaksi MPN", flag=False),
                _number("exceptions", "Selisih", flag=False),
                formatted_column("exception_rate", "Rasio", width=90, headerTooltip=COLUMNS["exception_rate"]),
            ],
        },
        {
            "headerName": "Surat himbauan",
            "children": [
                _number("appeals_unanswered", "Belum dijawab", flag=False),
                _number("appeals_overdue", "Lewat batas"),
            ],
        },
        {"headerName": "Hasil ke bank", "children": [_number("results_late", "Terlambat")]},
        {"headerName": "Ada pemberitahuan", "children": [_number("excused", "Dikecualikan", flag=False)]},
    ]
    return dag.AgGrid(
        id=grid_id,
        columnDefs=columns,
        rowData=rows,
        defaultColDef=DEFAULT_COL_DEF,
        getRowId="params.data.bank_code",
        dashGridOptions={
            "theme": THEME,
            "suppressCellFocus": True,
            "localeText": {**LOCALE_ID, "noRowsToShow": "Tidak ada bank/pos pada periode ini"},
        },
        style={"height": f"{min(max(len(rows), 3), 20) * 42 + 90}px"},
        className="mpn-grid mpn-kl-rapor",
    )
