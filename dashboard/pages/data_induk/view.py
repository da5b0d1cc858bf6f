"""Widgets of the Data induk page: each kind's table and edit form, the upload and download, the days off."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard.components.admin_view import field, table
from queries.csvfile import Problem
from queries.formatting import tanggal_panjang
from queries.imports.master import KINDS, ZONES
from queries.imports.master_edit import KEY_COLUMN, TITLES

TABS, PANEL, VERSION, PICK, COLUMN, SAVE, RESULT = (
    "di-tab",
    "di-panel",
    "di-versi",
    "di-pilih",
    "di-kolom",
    "di-simpan",
    "di-hasil",
)
UPLOAD, UPLOAD_RESULT, DOWNLOAD, FILE, YEAR, DAYS, DELETE = (
    "di-unggah",
    "di-unggah-hasil",
    "di-unduh",
    "di-berkas",
    "di-tahun",
    "di-libur",
    "di-hapus",
)
NEW = "__baru__"

LABELS = {
    "bank_code": "Kode",
    "name": "Nama",
    "kind": "Jenis",
    "cutoff": "Jam batas",
    "timezone": "Zona",
    "email": "E-mail kantor pusat",
    "kanwil_code": "Kode Kanwil",
    "kpp_code": "Kode KPP",
    "kap": "KAP",
    "group": "Kelompok",
    "kjs": "KJS",
    "date": "Tanggal",
    "description": "Keterangan",
}
HINTS = {
    "cutoff": "HH:MM, bawaan 15:00",
    "email": "beberapa alamat dipisah ';'",
    "date": "YYYY-MM-DD",
    "bank_code": "1-10 karakter A-Z/0-9",
    "kanwil_code": "3 angka",
    "kpp_code": "3 angka",
    "kap": "6 angka",
    "kjs": "3 angka",
    "group": "mis. PPh, PPN, PBB",
}
KIND_OPTIONS = [
    {"label": "Bank", "value": "bank"},
    {"label": "Pos", "value": "pos"},
    {"label": "Lainnya", "value": "other"},
]
ZONE_OPTIONS = [{"label": name, "value": zone} for name, zone in ZONES.items()]
ZONE_NAMES = {zone: name for name, zone in ZONES.items()}
DEFAULTS = {"kind": "bank", "cutoff": "15:00", "timezone": ZONES["WIB"]}


def tabs() -> dbc.Tabs:
    """One tab per master-data kind."""
    return dbc.Tabs(
        [dbc.Tab(label=title, tab_id=kind) for kind, title in TITLES.items()],
        id=TABS,
        active_tab="banks",
        className="mb-3",
    )


def columns(kind: str) -> list[str]:
    """The kind's file columns, in `mpn master import` order."""
    return list(KINDS[kind].columns)


def _shown(column: str, value: str) -> Any:
    if column == "timezone":
        return ZONE_NAMES.get(value, value)
    if column == "email":
        return html.Span(value.replace(";", "; "), className="mpn-setting-value") if value else "—"
    return value


def rows_table(kind: str, rows: Sequence[dict[str, str]]) -> html.Div:
    """The kind's rows, by code."""
    cols = columns(kind)
    return table(
        [LABELS[c] for c in cols],
        [[_shown(c, r[c]) for c in cols] for r in rows],
        ident=f"di-tabel-{kind}",
        row_ids=[r[KEY_COLUMN[kind]] for r in rows],
    )


def _input(column: str) -> Any:
    ident, value = {"type": COLUMN, "col": column}, DEFAULTS.get(column, "")
    if column == "kind":
        return dbc.Select(id=ident, options=KIND_OPTIONS, value=value)
    if column == "timezone":
        return dbc.Select(id=ident, options=ZONE_OPTIONS, value=value)
    return dbc.Input(
        id=ident, type="text", autoComplete="off", maxLength=1000 if column == "email" else 500, value=value
    )


def edit_card(kind: str, rows: Sequence[dict[str, str]]) -> dbc.Card:
    """Pick a row (or a new one) and edit its columns; saved with the import's checks."""
    key = KEY_COLUMN[kind]
    options = [{"label": "— baris baru —", "value": NEW}] + [
        {"label": f"{r[key]} — {r.get('name') or r.get('description', '')}"[:90], "value": r[key]} for r in rows
    ]
    return dbc.Card(
        dbc.CardBody(
            [
                html.H2(f"Ubah atau tambah: {TITLES[kind]}", className="h6 mb-3"),
                field("Baris", dbc.Select(id=PICK, options=options, value=NEW)),
                *[field(LABELS[c], _input(c), HINTS.get(c, "")) for c in columns(kind)],
                dbc.Button("Simpan", id=SAVE, color="primary", className="mt-1"),
            ]
        ),
        className="mpn-admin-card mb-3",
    )


def file_card(kind: str) -> dbc.Card:
    """Upload a whole file in the `mpn master import` format, or download the current list in it."""
    return dbc.Card(
        dbc.CardBody(
            [
                html.H2("Berkas CSV", className="h6 mb-2"),
                html.P(
                    [
                        f"Format sama dengan mpn master import {kind}: kolom ",
                        html.Code(", ".join(columns(kind))),
                        ". Berkas dengan satu baris salah ditolak seluruhnya.",
                    ],
                    className="small text-muted",
                ),
                dcc.Upload(
                    dbc.Button("Unggah CSV…", color="primary", outline=True),
                    id=UPLOAD,
                    max_size=5 * 1024 * 1024,
                    accept=".csv,text/csv",
                    className="d-inline-block me-2",
                ),
                dbc.Button("Unduh daftar sekarang (CSV)", id=DOWNLOAD, color="secondary", outline=True),
            ]
        ),
        className="mpn-admin-card",
    )


def values_of(kind: str, row: dict[str, str] | None) -> list[str]:
    """The form's values for a row (a new row: the defaults)."""
    return [(row or {}).get(c, DEFAULTS.get(c, "") if row is None else "") for c in columns(kind)]


def problems_list(problems: Sequence[Problem], total: int) -> html.Ul:
    """A rejected file's problems in Indonesian, one per line with its line number."""
    items = [
        html.Li(
            f"{'seluruh berkas' if p.line is None else f'baris {p.line}'}"
            f"{'' if p.column in ('', '-') else f', kolom {p.column}'}: {p.reason}"
        )
        for p in problems
    ]
    if total > len(problems):
        items.append(html.Li(f"… dan {total - len(problems)} masalah lain"))
    return html.Ul(items, id="di-masalah")


def year_picker(year: int) -> html.Div:
    """The year whose days off are shown."""
    years = range(year - 1, year + 3)
    return field(
        "Tahun",
        dbc.Select(
            id=YEAR,
            options=[{"label": str(y), "value": str(y)} for y in years],
            value=str(year),
            style={"maxWidth": "8rem"},
        ),
    )


def days_off(package: Sequence[tuple[date, str]], master: Sequence[dict[str, str]], year: int) -> dbc.Row:
    """The `holidays` package's Indonesian days (public and cuti bersama) beside the master non-working days."""
    left = table(
        ["Tanggal", "Libur nasional / cuti bersama (paket holidays)"],
        [[tanggal_panjang(d), name] for d, name in package],
        ident="di-libur-paket",
    )
    own = [r for r in master if r["date"].startswith(str(year))]
    right = table(
        ["Tanggal", "Keterangan", ""],
        [
            [
                tanggal_panjang(date.fromisoformat(r["date"])),
                r["description"],
                dbc.Button("Hapus", id={"type": DELETE, "day": r["date"]}, size="sm", color="danger", outline=True),
            ]
            for r in own
        ],
        ident="di-libur-induk",
    )
    note = (
        None
        if own
        else html.P(f"Belum ada hari libur tambahan di data induk untuk {year}.", className="small text-muted mt-2")
    )
    return dbc.Row(
        [
            dbc.Col([html.H3("Menurut paket holidays", className="mpn-subhead mt-0"), left], md=6),
            dbc.Col([html.H3("Hari libur tambahan (data induk)", className="mpn-subhead mt-0"), right, note], md=6),
        ]
    )
