"""The payment trace on screen: the search form, the list of payments found, and one payment's path as a timeline.

Each step shows its time in the branch's zone (WIB, WITA or WIT) and in WIB, who acted, and a link to the page
where that stage is worked (Rekonsiliasi, Surat Pernyataan, Surat Himbauan, Distribusi).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlencode

import dash
import dash_bootstrap_components as dbc
from dash import html
from dash.development.base_component import Component

from queries.calendar import WIB
from queries.formatting import rupiah, tanggal_panjang, tanggal_pendek
from queries.monitoring.trace import SEARCH_KINDS, PaymentHit, Step, Trace

PATH = "/lacak"
FORM, TERM, SUBMIT, HITS, TIMELINE = "lacak-form", "lacak-q", "lacak-cari", "lacak-hasil", "lacak-jejak"

#: Per state: (symbol, Bootstrap colour, label read by screen readers).
STATE_LOOK = {
    "done": ("✓", "success", "selesai"),
    "warning": ("!", "warning", "perlu perhatian"),
    "failed": ("✕", "danger", "gagal atau bermasalah"),
    "pending": ("…", "secondary", "belum terjadi"),
    "info": ("i", "info", "catatan"),
}
#: Stage titles, in the order a payment travels.
STAGES = {
    "paid": "Pembayaran",
    "mpn": "Data MPN",
    "batch": "Batch bank",
    "recon": "Rekonsiliasi",
    "result": "Hasil ke bank",
    "statement": "Surat pernyataan",
    "appeal": "Surat himbauan",
    "distribution": "Distribusi",
    "sidjp": "SIDJP",
    "sipmod": "SIPMOD",
}


def search_form(term: str = "") -> html.Form:
    """The page's search box: a plain GET form, so it works without JavaScript too."""
    return html.Form(
        dbc.InputGroup(
            [
                dbc.Input(
                    id=TERM,
                    name="q",
                    type="search",
                    value=term,
                    autoComplete="off",
                    maxLength=40,
                    placeholder="NTPN, kode billing, NTB/NTP atau NPWP",
                ),
                dbc.Button("Lacak", id=SUBMIT, type="submit", color="primary"),
            ]
        ),
        id=FORM,
        method="GET",
        action=dash.get_relative_path(PATH),
        role="search",
        className="mpn-lacak-form",
    )


def window_note(since: date | None, days: int) -> html.P:
    """Which dates a billing code, NTB or NPWP search covers (an NTPN is found on any date)."""
    where = f", sejak {tanggal_pendek(since)}" if since else ""
    return html.P(
        f"NTPN dicari di semua tanggal buku. Kode billing, NTB/NTP dan NPWP dicari di {days} tanggal buku "
        f"terakhir{where}, dan di tanggal buku lebih lama yang sudah diindeks penjadwal.",
        className="mpn-section-note",
        id="lacak-cakupan",
    )


def zone_of(offset: int) -> timezone:
    """The fixed-offset zone of a branch."""
    return timezone(timedelta(hours=offset))


def when(moment: datetime | None, offset: int, zone: str) -> list[Component]:
    """`20/11/2026 10:15 WITA` and, when the branch is not in WIB, `(09:15 WIB)` beside it."""
    if moment is None:
        return [html.Span("belum", className="text-muted")]
    local = moment.astimezone(zone_of(offset))
    parts: list[Component] = [html.Span(f"{local:%d/%m/%Y %H:%M:%S} {zone}", className="mpn-lacak-local")]
    if offset != 7:
        wib = moment.astimezone(WIB)
        parts.append(html.Span(f" ({wib:%d/%m %H:%M:%S} WIB)", className="text-muted"))
    return parts


def hits_list(hits: list[PaymentHit], term: str) -> html.Div:
    """The payments a search found, newest first, each linking to its trace."""
    items = [
        dbc.ListGroupItem(
            [
                html.Div(
                    [
                        html.Strong(h.ntpn, className="font-monospace"),
                        html.Span(
                            f" · {SEARCH_KINDS.get(h.matched_on, h.matched_on)} cocok", className="text-muted small"
                        ),
                    ]
                ),
                html.Div(
                    f"{h.bank_name} · {h.taxpayer_name} · {rupiah(h.amount)} · dibayar "
                    f"{h.paid_at.astimezone(zone_of(h.utc_offset)):%d/%m/%Y %H:%M} {h.zone} · tanggal buku "
                    f"{tanggal_pendek(h.business_date)}",
                    className="small",
                ),
            ],
            href=f"{dash.get_relative_path(PATH)}?{urlencode({'ntpn': h.ntpn})}",
            action=True,
            id=f"lacak-hit-{h.ntpn}",
        )
        for h in hits
    ]
    return html.Div(
        [
            html.P(
                f"{len(hits)} pembayaran cocok dengan “{term}”; pilih satu untuk melihat jejaknya.", className="mb-2"
            ),
            dbc.ListGroup(items),
        ],
        id=HITS,
    )


def _links(step: Step, day: date | None) -> list[Component]:
    """Where this stage is worked, for the payment's business date."""
    if day is None:
        return []
    iso = day.isoformat()
    target = {
        "recon": ("Buka Rekonsiliasi", f"/rekonsiliasi?{urlencode({'tanggal': iso})}"),
        "batch": ("Buka Data masuk", f"/data-masuk?{urlencode({'tanggal': iso})}"),
        "mpn": ("Buka Data masuk", f"/data-masuk?{urlencode({'tanggal': iso})}"),
        "statement": ("Buka Surat Pernyataan", f"/surat-pernyataan?{urlencode({'dari': iso, 'sampai': iso})}"),
        "appeal": ("Buka Surat Himbauan", "/surat-himbauan" + (f"?surat={step.ref}" if step.ref else "")),
        "distribution": ("Buka Distribusi", f"/distribusi?{urlencode({'tanggal': iso})}"),
        "sidjp": ("Buka Distribusi", f"/distribusi?{urlencode({'tanggal': iso})}"),
        "sipmod": ("Buka Distribusi", f"/distribusi?{urlencode({'tanggal': iso})}"),
    }.get(step.kind)
    if target is None:
        return []
    return [html.A(target[0], href=dash.get_relative_path(target[1]), className="small ms-2")]


def _step(step: Step, index: int, trace: Trace, first_of_stage: bool) -> html.Li:
    symbol, colour, spoken = STATE_LOOK.get(step.state, STATE_LOOK["info"])
    head: list[Component] = [html.Span(step.title, className="fw-semibold")]
    if first_of_stage:
        head += _links(step, trace.business_date)
    meta: list[Component] = [*when(step.at, trace.utc_offset, trace.zone)]
    if step.actor:
        meta += [html.Span(" · oleh ", className="text-muted"), html.Span(step.actor, className="mpn-lacak-actor")]
    body = [html.Div(head), html.Div(meta, className="small")]
    if step.detail:
        body.append(html.Div(step.detail, className="small text-body-secondary mpn-lacak-detail"))
    spoken_label: dict[str, Any] = {"aria-label": spoken}
    tags: dict[str, Any] = {"data-kind": step.kind, "data-state": step.state}
    return html.Li(
        html.Div(
            [
                html.Span(symbol, className=f"mpn-lacak-dot bg-{colour}", title=spoken, **spoken_label),
                html.Div(body, className="flex-grow-1"),
            ],
            className="d-flex gap-3 align-items-start",
        ),
        id=f"lacak-langkah-{index}",
        className=f"list-group-item mpn-lacak-step mpn-lacak-{step.state}",
        **tags,
    )


def timeline(trace: Trace) -> html.Div:
    """The payment's facts, then its steps grouped by stage, in the order the payment travelled."""
    groups: list[Component] = []
    previous = None
    for i, step in enumerate(trace.steps):
        if step.kind != previous:
            groups.append(html.Li(STAGES.get(step.kind, step.kind), className="list-group-item mpn-lacak-stage"))
        groups.append(_step(step, i, trace, step.kind != previous))
        previous = step.kind
    return html.Div([_facts(trace), html.Ol(groups, className="list-group mpn-lacak-timeline")], id=TIMELINE)


def _facts(trace: Trace) -> dbc.Card:
    p = trace.payment
    rows: list[tuple[str, str]] = [("NTPN", trace.ntpn)]
    if p is not None:
        rows += [
            ("Wajib pajak", f"{p.taxpayer_name} · NPWP {p.npwp}"),
            ("Kode billing", p.billing_code or "—"),
            ("Bank", f"{p.bank_name} ({p.bank_code}), cabang {p.branch_code or '—'}"),
            ("NTB/NTP", p.ntb),
            ("Jumlah", rupiah(p.amount)),
            ("KPP", p.kpp_code),
        ]
    if trace.business_date is not None:
        rows.append(("Tanggal buku", tanggal_panjang(trace.business_date)))
    rows.append(
        ("Zona waktu cabang", f"{trace.zone} (waktu juga ditampilkan dalam WIB)" if trace.utc_offset != 7 else "WIB")
    )
    return dbc.Card(
        dbc.CardBody(
            html.Dl(
                [
                    part
                    for label, value in rows
                    for part in (html.Dt(label, className="col-sm-3"), html.Dd(value, className="col-sm-9 mb-1"))
                ],
                className="row mb-0 small",
            )
        ),
        className="mb-3",
        id="lacak-fakta",
    )
