"""The Laporan page's pieces: the on-demand form, the table of kept reports with their download links, messages."""

from __future__ import annotations

from datetime import date

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard.components.cards import empty_state
from jobs.documents.daily_report import KeptReport
from queries.formatting import tanggal_pendek, ukuran_berkas, waktu_wib

DATE, MAKE, MESSAGE, TABLE = "lp-tanggal", "lp-buat", "lp-pesan", "lp-daftar"
DOWNLOAD_RULE = "/laporan/unduh/<int:report_id>"
KINDS = {"daily": "Harian", "distribution": "Akhir distribusi"}
CONTENT_TYPES = {"pdf": "application/pdf", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def download_path(report_id: int) -> str:
    """Where a kept report is downloaded."""
    return dash.get_relative_path(f"/laporan/unduh/{report_id}")


def make_form(day: date, today: date) -> html.Div:
    """The date picker and "Buat laporan" (PDF and XLSX at once), with a spinner while the report is made."""
    return html.Div(
        [
            html.Div(
                [
                    html.Div(
                        dcc.DatePickerSingle(
                            id=DATE,
                            date=day.isoformat(),
                            max_date_allowed=today.isoformat(),
                            display_format="DD/MM/YYYY",
                            first_day_of_week=1,
                            placeholder="Tanggal buku",
                        ),
                        style={"width": "12rem"},
                    ),
                    dbc.Button("Buat laporan", id=MAKE, color="primary", n_clicks=0),
                ],
                className="d-flex gap-2 align-items-center mb-2 lp-form",
            ),
            dcc.Loading(html.Div(id=MESSAGE), type="default", delay_show=100),
        ]
    )


def message(text: str, *, ok: bool) -> dbc.Alert:
    """A result line: green when made, red when refused."""
    return dbc.Alert(text, color="success" if ok else "danger", className="mpn-notice mb-0", id="lp-pesan-isi")


def _row(r: KeptReport) -> html.Tr:
    version = dbc.Badge("Terbaru", color="success") if r.latest else dbc.Badge("Versi lama", color="secondary")
    return html.Tr(
        [
            html.Td(tanggal_pendek(r.business_date)),
            html.Td(KINDS.get(r.kind, r.kind)),
            html.Td(r.format.upper()),
            html.Td(version),
            html.Td(r.made_by),
            html.Td(waktu_wib(r.made_at)),
            html.Td(ukuran_berkas(r.size_bytes), className="text-end"),
            html.Td(html.Code(r.sha256[:12], title=r.sha256)),
            html.Td(
                html.A(
                    f"Unduh {r.format.upper()}",
                    href=download_path(r.report_id),
                    className="lp-unduh",
                    download=r.file_name,
                    id=f"lp-unduh-{r.report_id}",
                )
            ),
        ],
        className="" if r.latest else "text-muted",
    )


def reports_table(reports: list[KeptReport]) -> html.Div | dbc.Table:
    """The kept reports, newest business date first; every version stays listed."""
    if not reports:
        return empty_state(
            "Belum ada laporan tersimpan.",
            "Laporan harian dibuat otomatis pada akhir hari kerja, atau dengan tombol di atas.",
        )
    head = html.Thead(
        html.Tr(
            [
                html.Th(h)
                for h in (
                    "Tanggal buku",
                    "Jenis",
                    "Format",
                    "Versi",
                    "Dibuat oleh",
                    "Dibuat pada",
                    "Ukuran",
                    "SHA-256",
                    "",
                )
            ]
        )
    )
    return dbc.Table(
        [head, html.Tbody([_row(r) for r in reports])],
        striped=True,
        hover=True,
        size="sm",
        responsive=True,
        className="mpn-table",
        id="lp-tabel",
    )
