"""Column definitions for dash-ag-grid tables that show Indonesian-formatted values.

Numbers stay numbers in the grid (so they sort and filter as numbers); the text a user reads is
formatted in Python (`queries.formatting`) and shipped beside them as `<field>_text`.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from werkzeug.exceptions import BadRequest

ColumnDef = dict[str, Any]

MAX_ROW = 10**9  # no grid has more rows; a larger start is not a request for rows
MAX_BLOCK = 1000  # the most rows one infinite-model request may ask for

DEFAULT_COL_DEF: ColumnDef = {
    "sortable": True,
    "resizable": True,
    "suppressMovable": True,
    "wrapHeaderText": True,
    "autoHeaderHeight": True,
}

#: AG Grid's Quartz theme in our colours (`dashGridOptions={"theme": THEME}`), built in the browser.
#: AG Grid's own words (pagination, loading, filters) in Indonesian; merge a grid's `noRowsToShow` into it.
LOCALE_ID: dict[str, str] = {
    "page": "Halaman",
    "of": "dari",
    "to": "sampai",
    "more": "lagi",
    "pageSizeSelectorLabel": "Baris per halaman:",
    "firstPage": "Halaman pertama",
    "lastPage": "Halaman terakhir",
    "nextPage": "Halaman berikutnya",
    "previousPage": "Halaman sebelumnya",
    "loadingOoo": "Memuat…",
    "noRowsToShow": "Tidak ada data",
    "filterOoo": "Saring…",
    "searchOoo": "Cari…",
    "selectAll": "(Pilih semua)",
    "blanks": "(Kosong)",
    "equals": "Sama dengan",
    "contains": "Memuat",
    "notContains": "Tidak memuat",
    "startsWith": "Diawali",
    "endsWith": "Diakhiri",
    "andCondition": "DAN",
    "orCondition": "ATAU",
}

THEME = {
    "function": (
        "themeQuartz.withParams({fontFamily: 'inherit', fontSize: 14, accentColor: '#0b3d91',"
        " headerBackgroundColor: '#eef2f7', headerTextColor: '#0b2d5b', headerFontWeight: 600,"
        " borderColor: '#d8dee6', rowHoverColor: '#f1f5fb', wrapperBorderRadius: 6, spacing: 6})"
    )
}


def text_column(field: str, header: str, **extra: Any) -> ColumnDef:
    """A plain text column."""
    return {"field": field, "headerName": header, **extra}


def formatted_column(
    field: str, header: str, *, numeric: bool = True, infinite: bool = False, **extra: Any
) -> ColumnDef:
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
    column = {**column, **extra}
    floor = readable_width(field)
    if floor:  # never narrower than its widest likely value: an amount or a time is never cut ("Rp 26.551.8…")
        column["minWidth"] = max(column.get("minWidth", 0), floor)
        column["width"] = max(column.get("width", 0), floor)
    return column


#: The narrowest a column of rupiah amounts (`Rp 999.999.999.999`, tens of trillions still fit with the data-fitted
#: width) or of times (`Sen 23/11 16:05 WIB`) may be.
AMOUNT_MIN_WIDTH, TIME_MIN_WIDTH = 165, 150


def readable_width(field: str) -> int:
    """The minimum width of a formatted column by its field's name: `…amount` holds rupiah, `…_at` a time."""
    if field == "amount" or field.endswith("_amount"):
        return AMOUNT_MIN_WIDTH
    if field.endswith("_at"):
        return TIME_MIN_WIDTH
    return 0


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


def fit_to_text(
    columns: list[ColumnDef],
    rows: list[dict[str, Any]],
    fields: list[str],
    *,
    px_per_char: float = 9.0,
    padding: int = 36,
) -> list[ColumnDef]:
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


class RowBlock(NamedTuple):
    """The rows an infinite-model grid asks for: `[start, end)`, sorted on `sort` (a column id or None)."""

    start: int
    end: int
    sort: str | None
    descending: bool


def _row_number(value: Any) -> bool:
    return value is None or (isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_ROW)


def grid_request_problem(request: Any) -> str | None:
    """Why an AG Grid `getRowsRequest` is not one the grid sends (row numbers, a sort model), or None.

    `startRow: "0 OR 1=1"`, a negative or huge block, a sort that is not a list of `{colId, sort}`: each a reason.
    """
    if request is None:
        return None
    if not isinstance(request, dict):
        return "getRowsRequest: not an object"
    start, end = request.get("startRow"), request.get("endRow")
    if not _row_number(start) or not _row_number(end):
        return "getRowsRequest: startRow/endRow must be whole row numbers"
    if end is not None and not 0 < end - (start or 0) <= MAX_BLOCK:
        return f"getRowsRequest: endRow must follow startRow by 1-{MAX_BLOCK} rows"
    sort = request.get("sortModel")
    if sort is not None and (
        not isinstance(sort, list)
        or not all(
            isinstance(s, dict) and isinstance(s.get("colId"), str) and s.get("sort") in ("asc", "desc", None)
            for s in sort
        )
    ):
        return "getRowsRequest: sortModel must be a list of {colId, sort}"
    if not isinstance(request.get("filterModel", {}), dict | None):
        return "getRowsRequest: filterModel must be an object"
    return None


def row_block(request: dict[str, Any], block: int) -> RowBlock:
    """The validated block of a `getRowsRequest` (`block` rows when it names no end); 400 when it is malformed.

    The request guard (`dashboard.access`) already refuses such bodies; this is the callback's own check.
    """
    if (problem := grid_request_problem(request)) is not None:
        raise BadRequest(problem)
    start = request.get("startRow") or 0
    end = request.get("endRow") or start + block
    sort = (request.get("sortModel") or [{}])[0]
    return RowBlock(start, end, sort.get("colId"), sort.get("sort", "desc") == "desc" if sort else True)
