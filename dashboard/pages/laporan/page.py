"""Laporan: the reports kept on file (SE-127 step 18): the daily report the scheduler makes at the end of each working
day and on demand, and the end-of-distribution reports; every version listed, each downloadable as made.

Pelaksana, Kasi, Kasubdit and admin make the daily report of a chosen business date now ("Buat laporan": PDF and
XLSX in one transaction, `jobs.documents.daily_report.make_daily_reports`); the others of the page only read and
download. The
download route serves the stored bytes after checking them against their SHA-256.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import date
from urllib.parse import quote

import dash
from dash import Input, Output, State, html
from dash.development.base_component import Component
from dash.exceptions import PreventUpdate
from flask import Response
from werkzeug.utils import secure_filename

from dashboard.access import callback, current_user
from dashboard.components.cards import page_header, page_or_unavailable, section
from dashboard.components.data import fetch, perform
from dashboard.components.dates import default_day, parse_day
from dashboard.pages.laporan import view
from dashboard.pages.laporan.view import DATE, MAKE, MESSAGE, TABLE
from jobs.documents.daily_report import kept_report, kept_reports, make_daily_reports
from queries import config

#: Who reads and downloads the reports.
READERS: tuple[str, ...] = ("kasubdit", "kasi", "pelaksana", "petugas_mpn", "admin", "manajemen")
#: Who makes the daily report on demand (SE-127 step 18: the pelaksana writes it; the heads may too).
MAKERS: tuple[str, ...] = ("pelaksana", "kasi", "kasubdit", "admin")
LISTED = 300

TITLE = "Laporan"
QUESTION = "Laporan harian dan laporan distribusi yang tersimpan"

log = logging.getLogger(__name__)


def download(report_id: int) -> Response:
    """The kept report as made (PDF inline, XLSX as attachment) with its SHA-256; 403 for other roles, 404 unknown,
    500 when the stored bytes no longer match their SHA-256."""
    user = current_user()
    if user is None or user.role not in READERS:
        return Response("Peran Anda tidak berwenang mengunduh laporan.", 403, mimetype="text/plain")
    found = fetch(kept_report, report_id)
    if found is None:
        return Response("Laporan tidak ditemukan.", 404, mimetype="text/plain")
    if hashlib.sha256(found.content).hexdigest() != found.sha256:
        log.error("kept report %s is corrupt (asked by %s)", report_id, user.username)
        return Response("Laporan rusak: isinya tidak cocok dengan SHA-256 yang tersimpan. Hubungi administrator.",
                        500, mimetype="text/plain")
    how = "inline" if found.format == "pdf" else "attachment"
    name = secure_filename(found.file_name) or f"laporan-{report_id}.{found.format}"
    return Response(found.content, mimetype=view.CONTENT_TYPES[found.format],
                    headers={"Content-Disposition": f"{how}; filename=\"{name}\"; filename*=UTF-8''{quote(name)}",
                             "X-Content-SHA256": found.sha256})


dash.register_page(__name__, path="/laporan", name="Laporan", title="Laporan · MPN Monitor", order=70, roles=READERS,
                   routes=[(view.DOWNLOAD_RULE, download)])


def layout(tanggal: str | None = None, **_ignored: str) -> html.Div:
    """The on-demand form (makers only) and the kept reports; `?tanggal=` presets the form's date (else the day every
    page opens on)."""
    body = page_or_unavailable(lambda: page_body(parse_day(tanggal)), title=TITLE, subtitle=QUESTION)
    return html.Div(body, className="mpn-page")


def page_body(day: date | None) -> list[Component]:
    """The form for makers, then the list."""
    user, moment = current_user(), config.now()
    parts: list[Component] = [page_header(TITLE, QUESTION)]
    if user is not None and user.role in MAKERS:
        day = day or default_day()
        parts.append(section("Buat laporan harian", [view.make_form(day, moment.date())],
                             note="Laporan harian distribusi dan monitoring (SE-127 langkah 18) untuk tanggal buku "
                                  "yang dipilih: kelengkapan, rekonsiliasi, surat, distribusi dan yang masih terbuka; "
                                  "PDF dan XLSX, disimpan sebagai versi baru."))
    parts.append(section("Laporan tersimpan", [html.Div(view.reports_table(fetch(kept_reports, limit=LISTED)),
                                                        id=TABLE)],
                         note="Penjadwal membuat laporan harian setiap hari kerja (jam di Pengaturan). "
                              "Setiap versi tetap tersimpan; yang terbaru ditandai."))
    return parts


@callback(Output(MESSAGE, "children"), Output(TABLE, "children"), Input(MAKE, "n_clicks"), State(DATE, "date"),
          running=[(Output(MAKE, "disabled"), True, False)], prevent_initial_call=True, roles=MAKERS)
def make(clicks: int | None, chosen: str | None) -> tuple[object, object]:
    """Make the chosen date's daily report (PDF and XLSX) now, then list it."""
    user, day = current_user(), parse_day(chosen)
    if user is None or not clicks:
        raise PreventUpdate
    if day is None:
        return view.message("Pilih tanggal buku terlebih dahulu.", ok=False), dash.no_update
    if day > config.now().date():
        return view.message("Tanggal buku tidak boleh setelah hari ini.", ok=False), dash.no_update
    made = perform(make_daily_reports, day, made_by=user.username)
    log.info("daily report %s made by %s: %s", day, user.username, ", ".join(made))
    return (view.message(f"Laporan harian tanggal buku {day:%d/%m/%Y} dibuat: {', '.join(made)}.", ok=True),
            view.reports_table(fetch(kept_reports, limit=LISTED)))
