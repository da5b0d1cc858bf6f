"""Column definitions for dash-ag-grid tables that show Indonesian-formatted values.

Numbers stay numbers in the grid (so they sort and filter as numbers); the text a user reads is
formatted in Python (`queries.formatting`) and shipped beside them as `<field>_text`.
"""

from __future__ import annotations

from typing import Any

ColumnDef = dict[str, Any]

DEFAULT_COL_DEF: ColumnDef = {
    "sortable": True, "resizable": True, "suppressMovable": True,
    "wrapHeaderText": True, "autoHeaderHeight": True,
}

#: AG Grid's Quartz theme in our colours (`dashGridOptions={"theme": THEME}`), built in the browser.
#: AG Grid's own words (pagination, loading, filters) in Indonesian; merge a grid's `noRowsToShow` into it.
LOCALE_ID: dict[str, str] = {
    "page": "Halaman", "of": "dari", "to": "sampai", "more": "lagi", "pageSizeSelectorLabel": "Baris per halaman:",
    "firstPage": "Halaman pertama", "lastPage": "Halaman terakhir", "nextPage": "Halaman berikutnya",
    "previousPage": "Halaman sebelumnya", "loadingOoo": "Memuat…", "noRowsToShow": "Tidak ada data",
    "filterOoo": "Saring…", "searchOoo": "Cari…", "selectAll": "(Pilih semua)", "blanks": "(Kosong)",
    "equals": "Sama dengan", "contains": "Memuat", "notContains": "Tidak memuat", "startsWith": "Diawali",
    "endsWith": "Diakhiri", "andCondition": "DAN", "orCondition": "ATAU",
}

THEME = {"function": (
    "themeQuartz.withParams({fontFamily: 'inherit', fontSize: 14, accentColor: '#0b3d91',"
    " headerBackgroundColor: '#eef2f7', headerTextColor: '#0b2d5b', headerFontWeight: 600,"
    " borderColor: '#d8dee6', rowHoverColor: '#f1f5fb', wrapperBorderRadius: 6, spacing: 6})"
)}


def text_column(field: str, header: str, **extra: Any) -> ColumnDef:
    """A plain text column."""
    return {"field": field, "headerName": header, **extra}


def formatted_column(field: str, header: str, *, numeric: bool = True, infinite: bool = False,
                     **extra: Any) -> ColumnDef:
    """A column sorted on `field` but showing the row's `<field>_text` (`Rp 1.234.567`, `14:05 WIB`).

    `infinite`: for the infinite row model, whose rows have no data while their block loads.
    """
    text = f"params.data['{field}_text']"
    column: ColumnDef = {
        "field": field,
        "headerName": header,
        "valueFormatter": {"function": f"params.data ? {text} : ''" if infinite else text},
    }
    if numeric:
        column.update(type="rightAligned", cellClass="ag-right-aligned-cell mpn-num")
    return {**column, **extra}


def badge_column(field: str, header: str, colors: dict[str, str], **extra: Any) -> ColumnDef:
    """A column drawn as a Bootstrap badge; `colors` maps a cell value to a Bootstrap colour name.

    A row's `<field>_color` overrides the map. The `Badge` renderer lives in
    `assets/dashAgGridComponentFunctions.js`.
    """
    return {
        "field": field,
        "headerName": header,
        "cellRenderer": "Badge",
        "cellRendererParams": {"colors": colors},
        **extra,
    }


def shown(field: str, value: Any, text: str) -> dict[str, Any]:
    """A grid row's sortable value and its display text: `{field: value, field_text: text}`."""
    return {field: value, f"{field}_text": text}


def fit_to_text(columns: list[ColumnDef], rows: list[dict[str, Any]], fields: list[str], *,
                px_per_char: float = 9.0, padding: int = 36) -> list[ColumnDef]:
    """Columns widened so the longest `<field>_text` of `rows` fits (never narrower than set).

    AG Grid's own auto-size cannot be combined with a `flex` column; amounts run from `Rp 0` to
    tens of trillions, so the width follows the data.
    """
    fitted = []
    for column in columns:
        field = column.get("field")
        if field in fields:
            longest = max((len(str(row.get(f"{field}_text") or "")) for row in rows), default=0)
            column = {**column, "width": max(column.get("width", 0), round(longest * px_per_char) + padding)}
        fitted.append(column)
    return fitted
