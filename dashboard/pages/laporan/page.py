"""Laporan: the reports kept on file (SE-127 step 18): the daily report the scheduler makes at the end of each working
day and on demand, and the end-of-distribution reports; every version listed, each downloadable as made.

The holders of `reports.make` make the daily report of a chosen business date now ("Buat laporan": PDF and XLSX in
one transaction, `jobs.documents.daily_report.make_daily_reports_by`, which checks the role itself); the others of
the page only read and download. The download route serves the stored bytes after checking them against their
SHA-256.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import date
from urllib.parse import quote

import dash
from dash import Input, Output, State, html
from dash.development.base_component import Component
from flask import Response
from werkzeug.utils import secure_filename

from dashboard.access import act, callback, current_user
from dashboard.components.cards import page_header, page_or_unavailable, section
from dashboard.components.data import fetch, perform
from dashboard.components.dates import default_day, parse_day
from dashboard.pages.laporan import view
from dashboard.pages.laporan.view import DATE, MAKE, MESSAGE, TABLE
from jobs.documents.daily_report import kept_report, kept_reports, make_daily_reports_by
from queries import config
from queries.accounts.users import User
from queries.permissions import Refused, may, roles_for

LISTED = 300

TITLE = "Laporan"
QUESTION = "Laporan harian dan laporan distribusi yang tersimpan"

log = logging.getLogger(__name__)


def download(report_id: int) -> Response:
    """The kept report as made (PDF inline, XLSX as attachment) with its SHA-256; 403 for other roles, 404 unknown,
    500 when the stored bytes no longer match their SHA-256."""
    user = current_user()
    if user is None or not may(user, "page.laporan"):
        return Response("Peran Anda tidak berwenang mengunduh laporan.", 403, mimetype="text/plain")
    found = fetch(kept_report, report_id)
    if found is None:
        return Response("Laporan tidak ditemukan.", 404, mimetype="text/plain")
    if hashlib.sha256(found.content).hexdigest() != found.sha256:
        log.error("kept report %s is corrupt (asked by %s)", report_id, user.username)
        return Response(
            "Laporan rusak: isinya tidak cocok dengan SHA-256 yang tersimpan. Hubungi administrator.",
            500,
            mimetype="text/plain",
        )
    how = "inline" if found.format == "pdf" else "attachment"
    name = secure_filename(found.file_name) or f"laporan-{report_id}.{found.format}"
    return Response(
        found.content,
        mimetype=view.CONTENT_TYPES[found.format],
        headers={
            "Content-Disposition": f"{how}; filename=\"{name}\"; filename*=UTF-8''{quote(name)}",
            "X-Content-SHA256": found.sha256,
        },
    )


dash.register_page(
    __name__,
    path="/laporan",
    name="Laporan",
    title="Laporan · MPN Monitor",
    order=70,
    roles=roles_for("page.laporan"),
    routes=[(view.DOWNLOAD_RULE, download)],
)


def layout(tanggal: str | None = None, **_ignored: str) -> html.Div:
    """The on-demand form (makers only) and the kept reports; `?tanggal=` presets the form's date (else the day every
    page opens on)."""
    body = page_or_unavailable(lambda: page_body(parse_day(tanggal)), title=TITLE, subtitle=QUESTION)
    return html.Div(body, className="mpn-page")


def page_body(day: date | None) -> list[Component]:
    """The form for makers, then the list."""
    parts: list[Component] = [page_header(TITLE, QUESTION)]
    if may(current_user(), "reports.make"):
        day = day or default_day()
        parts.append(
            section(
                "Buat laporan harian",
                [view.make_form(day, config.now().date())],
                note="Laporan harian distribusi dan monitoring (SE-127 langkah 18) untuk tanggal buku "
                "yang dipilih: kelengkapan, rekonsiliasi, surat, distribusi dan yang masih terbuka; "
                "PDF dan XLSX, disimpan sebagai versi baru.",
            )
        )
    parts.append(
        section(
            "Laporan tersimpan",
            [html.Div(view.reports_table(fetch(kept_reports, limit=LISTED)), id=TABLE)],
            note="Penjadwal membuat laporan harian setiap hari kerja (jam di Pengaturan). "
            "Setiap versi tetap tersimpan; yang terbaru ditandai.",
        )
    )
    return parts


@callback(
    Output(MESSAGE, "children"),
    Output(TABLE, "children"),
    Input(MAKE, "n_clicks"),
    State(DATE, "date"),
    running=[(Output(MAKE, "disabled"), True, False)],
    prevent_initial_call=True,
    roles=roles_for("reports.make"),
)
def make(clicks: int | None, chosen: str | None) -> tuple[object, object]:
    """Make the chosen date's daily report (PDF and XLSX) now, then list it; a refusal is said in red."""
    day = parse_day(chosen)

    def make_now(user: User) -> list[str]:
        if day is None:
            raise Refused("Pilih tanggal buku terlebih dahulu.")
        made = perform(make_daily_reports_by, day, user)
        log.info("daily report %s made by %s: %s", day, user.username, ", ".join(made))
        return made

    return act(
        clicks,
        make_now,
        done=lambda made: (
            view.message(f"Laporan harian tanggal buku {day:%d/%m/%Y} dibuat: {', '.join(made)}.", ok=True),
            view.reports_table(fetch(kept_reports, limit=LISTED)),
        ),
        refused=lambda why: (view.message(why.message, ok=False), dash.no_update),
    )
