"""The import log as users see it: a table of files and a modal with one file's details and report."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from typing import Any
from urllib.parse import urlencode

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard.components.cards import empty_state
from dashboard.components.grids import (
    DEFAULT_COL_DEF,
    THEME,
    badge_column,
    fit_to_text,
    formatted_column,
    shown,
    text_column,
)
from queries.formatting import (
    angka,
    jam_wib,
    rentang_tanggal,
    rupiah,
    tanggal_panjang,
    ukuran_berkas,
    waktu_wib,
)
from queries.imports.rejected import RejectedFile
from queries.imports.store import ImportFileRow

KIND_LABELS = {
    "mpn": "Data MPN",
    "bank": "Batch bank",
    "statements": "Surat pernyataan",
    "notices": "Surat pemberitahuan gangguan",
}
STATUS_LABELS = {"imported": "Diimpor", "rejected": "Ditolak"}
STATUS_COLORS = {"Diimpor": "success", "Ditolak": "danger"}

COLUMNS = [
    formatted_column("received_at", "Waktu terima", numeric=False, width=150),
    text_column("kind", "Jenis file", width=160),
    text_column("file_name", "Nama file", flex=1, minWidth=240, tooltipField="file_name"),
    badge_column("status", "Status", STATUS_COLORS, width=120),
    formatted_column("row_count", "Baris", width=120),
    formatted_column("total_amount", "Nilai", width=150),
    formatted_column("error_count", "Kesalahan", width=120),
    text_column("dates", "Rentang tanggal", width=220),
]


def file_row(day: date, f: ImportFileRow) -> dict[str, Any]:
    """One grid row for a file (its report stays on the server until the file is opened)."""
    return {
        "row_id": str(f.import_id),  # AG Grid row ids are strings
        **shown("received_at", f.received_at.timestamp(), jam_wib(f.received_at, day=day)),
        "kind": KIND_LABELS.get(f.kind, f.kind),
        "file_name": f.file_name,
        "status": STATUS_LABELS.get(f.status, f.status),
        **shown("row_count", f.row_count, "—" if f.rejected else angka(f.row_count)),
        **shown("total_amount", f.total_amount, "—" if f.rejected else rupiah(f.total_amount)),
        **shown("error_count", f.error_count, angka(f.error_count) if f.error_count else "—"),
        "dates": rentang_tanggal(f.first_date, f.last_date),
    }


def grid(grid_id: str, day: date, files: list[ImportFileRow]) -> dag.AgGrid | html.Div:
    """The files of a business date, newest first; a click on a row opens the file's details."""
    if not files:
        return empty_state("Belum ada file untuk tanggal ini")
    data = [file_row(day, f) for f in files]
    return dag.AgGrid(
        id=grid_id,
        columnDefs=fit_to_text(COLUMNS, data, ["total_amount"]),
        rowData=data,
        defaultColDef=DEFAULT_COL_DEF,
        getRowId="params.data.row_id",
        rowClassRules={"mpn-row-rejected": "params.data.status === 'Ditolak'"},
        dashGridOptions={
            "theme": THEME,
            "domLayout": "autoHeight",
            "tooltipShowDelay": 300,
            "suppressCellFocus": True,
            "suppressColumnVirtualisation": True,
        },
        className="mpn-grid mpn-grid-clickable",
    )


def modal(modal_id: str, title_id: str, body_id: str) -> dbc.Modal:
    """An empty, closed modal; the page's callback fills it when a file is clicked."""
    return dbc.Modal(
        [
            dbc.ModalHeader(dbc.ModalTitle(id=title_id), close_button=True),
            dbc.ModalBody(id=body_id),
        ],
        id=modal_id,
        is_open=False,
        size="xl",
        scrollable=True,
    )


def title(f: ImportFileRow) -> str:
    """`File ditolak: bank-002.csv`."""
    return f"File {STATUS_LABELS.get(f.status, f.status).lower()}: {f.file_name}"


def _facts(f: ImportFileRow) -> list[tuple[str, Any]]:
    status = STATUS_LABELS.get(f.status, f.status)
    facts: list[tuple[str, Any]] = [
        ("Jenis file", KIND_LABELS.get(f.kind, f.kind)),
        ("Status", dbc.Badge(status, color=STATUS_COLORS.get(status, "secondary"), pill=True)),
        ("Diterima", waktu_wib(f.received_at)),
        ("Selesai diproses", waktu_wib(f.finished_at)),
        ("Ukuran", ukuran_berkas(f.size_bytes)),
    ]
    if not f.rejected:
        facts += [
            ("Baris", angka(f.row_count)),
            ("Nilai", rupiah(f.total_amount)),
            ("Rentang tanggal", rentang_tanggal(f.first_date, f.last_date)),
        ]
    if f.bank_code:
        facts.append(("Kode bank", f.bank_code))
    facts.append(("SHA-256", html.Code(f.sha256, className="mpn-hash")))
    return facts  # never the server path where the file is kept: users see only its name


def detail(f: ImportFileRow) -> html.Div:
    """The file's facts, then for a rejected file its report, one problem per line, as written."""
    facts = html.Dl(
        [
            part
            for label, value in _facts(f)
            for part in (html.Dt(label, className="col-sm-3"), html.Dd(value, className="col-sm-9"))
        ],
        className="row mpn-facts",
    )
    children: list[Any] = [facts]
    if f.rejected:
        children += [
            html.H3(f"Laporan penolakan ({angka(f.error_count)} kesalahan)", className="mpn-report-title"),
            html.P(
                "Tidak ada satu baris pun dari file ini yang diimpor. Perbaiki baris di bawah, "
                "lalu kirim ulang seluruh file.",
                className="mpn-report-note",
            ),
            html.Pre(without_paths(f.report) or "(laporan tidak tersedia)", className="mpn-report"),
        ]
    return html.Div(children)


#: A server path in a report line (`/srv/mpn/rejected/20261206_bank_x.csv:3: …`): only its last part is shown.
_PATH = re.compile(r"(?:[A-Za-z]:)?(?:[\\/][^\\/\s:]+)+[\\/]")


def without_paths(report: str | None) -> str:
    """The report as users read it: folders of the server stripped, the file named by its name alone."""
    if not report:
        return ""
    return _PATH.sub("", report)


BANNER = "berkas-ditolak"


def rejected_banner(files: Sequence[RejectedFile], path: str = "/data-masuk") -> dbc.Alert | None:
    """A warning over the page listing the rejected files meant for, or received on, the shown date: each with the
    date it was for, when it arrived and a link to its details on Data masuk."""
    if not files:
        return None
    items = [
        html.Li(
            [
                html.Strong(r.file.file_name),
                f" ({KIND_LABELS.get(r.file.kind, r.file.kind)}) untuk "
                f"tanggal buku {tanggal_panjang(r.meant_for)}, diterima {waktu_wib(r.file.received_at)}, "
                f"{angka(r.file.error_count)} kesalahan · ",
                dcc.Link("lihat laporannya", href=f"{path}?" + urlencode({"tanggal": r.meant_for.isoformat()})),
            ]
        )
        for r in files
    ]
    return dbc.Alert(
        [
            html.Strong(f"{len(files)} berkas ditolak: tidak ada isinya yang diimpor. "),
            "Minta pengirim memperbaiki dan mengirim ulang seluruh berkas.",
            html.Ul(items, className="mb-0"),
        ],
        color="danger",
        className="mpn-notice mpn-rejected-banner",
        id=BANNER,
    )
