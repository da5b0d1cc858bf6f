"""Lacak pembayaran: where is this payment? Find it by NTPN, billing code, NTB/NTP or NPWP and follow its path.

`/lacak?q=TERM` searches (the navbar's box sends here; a plain GET form, no callback): one payment found shows its
trace at once, several are listed newest first; `/lacak?ntpn=NTPN` shows one trace. Not in the navbar's page links.
"""

from __future__ import annotations

import logging
from typing import Any

import dash
from dash import html
from sqlalchemy.exc import OperationalError

from dashboard.components.cards import database_unavailable, empty_state, page_header
from dashboard.components.data import fetch
from dashboard.pages.lacak import view
from queries.monitoring.trace import SEARCH_DAYS, find_payments, normalise, search_kinds, search_since, trace
from queries.permissions import roles_for

dash.register_page(
    __name__,
    path=view.PATH,
    name="Lacak pembayaran",
    title="Lacak pembayaran · MPN Monitor",
    order=900,
    navbar=False,
    roles=roles_for("page.lacak"),
)

TITLE = "Lacak pembayaran"
QUESTION = "Sampai di mana pembayaran ini?"

log = logging.getLogger(__name__)


def layout(q: str | None = None, ntpn: str | None = None, **_ignored: str) -> html.Div:
    """The search box, then the trace of `ntpn`, or what `q` found."""
    term = (q or "").strip()[:40]
    try:
        body = page_body(term, (ntpn or "").strip()[:40])
    except OperationalError:
        log.warning("Lacak: database unreachable", exc_info=True)
        body = [database_unavailable()]
    return html.Div([page_header(TITLE, QUESTION), view.search_form(term or (ntpn or "")), *body], className="mpn-page")


def page_body(term: str, ntpn: str) -> list[Any]:
    """What to show under the search box."""
    if ntpn:
        return [_trace(normalise(ntpn))]
    note = view.window_note(fetch(search_since, days=SEARCH_DAYS), SEARCH_DAYS)
    if not term:
        return [
            note,
            empty_state(
                "Ketik NTPN, kode billing, NTB/NTP atau NPWP, lalu tekan Lacak.",
                "NTPN 16 karakter, kode billing 15 angka, NPWP 15 atau 16 angka.",
            ),
        ]
    if not search_kinds(normalise(term)):
        return [
            note,
            empty_state(
                f"“{term}” bukan NTPN, kode billing, NTB/NTP atau NPWP.",
                "Gunakan huruf dan angka saja (titik dan tanda hubung NPWP boleh).",
            ),
        ]
    hits = fetch(find_payments, term)
    if not hits:
        return [
            note,
            empty_state(
                f"Tidak ada pembayaran dengan “{term}”.",
                f"Kode billing, NTB/NTP dan NPWP hanya dicari di {SEARCH_DAYS} tanggal buku "
                "terakhir dan di tanggal buku yang sudah diindeks; periksa juga huruf O/0 dan "
                "I/1.",
            ),
        ]
    if len(hits) == 1:
        return [note, _trace(hits[0].ntpn)]
    return [note, view.hits_list(hits, term)]


def _trace(ntpn: str) -> html.Div:
    found = fetch(trace, ntpn)
    if not found.found:
        return empty_state(f"NTPN {ntpn} tidak dikenal.", "Belum ada di data MPN maupun batch bank mana pun.")
    return view.timeline(found)
