"""The Rekonsiliasi page's pieces: per-bank summary table, exception grid rows, counts, the exception detail."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import html

from dashboard.components.cards import kpi_card
from dashboard.components.grids import (
    DEFAULT_COL_DEF,
    THEME,
    badge_column,
    fit_to_text,
    formatted_column,
    shown,
    text_column,
)
from queries.accounts.users import ROLES
from queries.formatting import angka, persen_dari, rupiah, rupiah_short, tanggal_pendek, waktu_wib
from queries.labels import RECON_FIELDS, field_list
from queries.reconciliation.adjust import ADJUSTMENT_KINDS, SIDES
from queries.reconciliation.classify import CATEGORY_LABELS, RESULT_DEADLINE_MINUTES
from queries.reconciliation.exception_detail import ExceptionDetail
from queries.reconciliation.exception_list import CategoryCount
from queries.reconciliation.model import CAUSES, STATUSES, ExceptionRow
from queries.reconciliation.summary import BankSummary
from queries.timeline import minutes_text

#: R5 / PER-78 Ps.11(2): the result within one hour of the batch.
STATUS_COLORS = {"Terbuka": "danger", "Dalam klarifikasi": "warning", "Selesai": "success", "Disesuaikan": "info"}
FIELD_LABELS = RECON_FIELDS  # `queries.labels`


def field_names(fields: str) -> str:
    """`amount;npwp` as `Nilai, NPWP` (the reconciliation's `fields` column in Indonesian)."""
    return field_list(fields)


# --- per-bank summary -------------------------------------------------------------------------------------------


def _percent(part: int, whole: int) -> str:
    return persen_dari(part, whole, down=True)


def summary_row(s: BankSummary, name: str) -> dict[str, Any]:
    """One bank: both sides, matched, exceptions per category, minutes from batch to result."""
    minutes = s.result_minutes if s.batch_received_at is not None else None
    odd = s.anomaly()
    row = {
        "bank_code": s.bank_code,
        "name": name,
        **shown("mpn_count", s.mpn_count, angka(s.mpn_count)),
        **shown("mpn_amount", s.mpn_amount, rupiah(s.mpn_amount)),
        **shown("bank_count", s.bank_count, angka(s.bank_count)),
        **shown("bank_amount", s.bank_amount, rupiah(s.bank_amount)),
        **shown(
            "matched_pct",
            s.matched_count / s.mpn_count if s.mpn_count else None,
            _percent(s.matched_count, s.mpn_count),
        ),
        **shown("exceptions", sum(s.counts.values()), angka(sum(s.counts.values()))),
        **shown("minutes", None if odd else minutes, minutes_text(minutes, odd)),
        "minutes_tone": "anomaly"
        if odd
        else "none"
        if minutes is None
        else ("ok" if minutes <= RESULT_DEADLINE_MINUTES else "late"),
    }
    for category in CATEGORY_LABELS:
        n = s.counts.get(category, 0)
        row.update(shown(category, n, angka(n) if n else "·"))
    return row


def summary_columns(summaries: list[BankSummary]) -> list[dict[str, Any]]:
    """Fixed columns, then one per category that occurs on the date, then the minutes to the result."""
    seen = [c for c in CATEGORY_LABELS if any(s.counts.get(c) for s in summaries)]
    return [
        text_column("bank_code", "Kode", width=75, pinned="left"),
        text_column("name", "Bank/Pos", flex=1, minWidth=150, tooltipField="name"),
        formatted_column("mpn_count", "Transaksi MPN", width=105),
        formatted_column("mpn_amount", "Nilai MPN", width=130),
        formatted_column("bank_count", "Transaksi batch", width=105),
        formatted_column("bank_amount", "Nilai batch", width=130),
        formatted_column("matched_pct", "Cocok", width=85),
        formatted_column("exceptions", "Selisih", width=80),
        *(formatted_column(c, CATEGORY_LABELS[c], width=125) for c in seen),
        formatted_column(
            "minutes",
            "Batch → hasil",
            width=125,
            pinned="right",  # visible without scrolling
            headerTooltip="Menit dari batch diterima sampai hasil rekonsiliasi; batas satu jam",
            cellClassRules={
                "mpn-minutes-ok": "params.data.minutes_tone === 'ok'",
                "mpn-minutes-late": "params.data.minutes_tone === 'late'",
                "mpn-minutes-none": "params.data.minutes_tone === 'none'",
                "mpn-minutes-anomaly": "params.data.minutes_tone === 'anomaly'",
            },
        ),
    ]


def summary_grid(grid_id: str, summaries: list[BankSummary], names: dict[str, str]) -> dag.AgGrid:
    """One row per reconciled bank of the date."""
    data = [summary_row(s, names.get(s.bank_code, s.bank_code)) for s in summaries]
    return dag.AgGrid(
        id=grid_id,
        columnDefs=fit_to_text(summary_columns(summaries), data, ["mpn_amount", "bank_amount"]),
        rowData=data,
        defaultColDef=DEFAULT_COL_DEF,
        getRowId="params.data.bank_code",
        dashGridOptions={
            "theme": THEME,
            "domLayout": "autoHeight",
            "tooltipShowDelay": 300,
            "suppressCellFocus": True,
            "suppressColumnVirtualisation": True,
        },
        className="mpn-grid mpn-grid-short",
    )


def counts_cards(counts: list[CategoryCount], summaries: list[BankSummary]) -> dbc.Row:
    """Headline figures: open exceptions, matched share, banks late against the one-hour rule, closed."""
    still_open = sum(c.open for c in counts)
    closed = sum(c.closed for c in counts)
    mpn, matched = sum(s.mpn_count for s in summaries), sum(s.matched_count for s in summaries)
    late = [s.bank_code for s in summaries if s.minutes_on_time(RESULT_DEADLINE_MINUTES) is False]
    odd = [s.bank_code for s in summaries if s.anomaly()]
    top = sorted((c for c in counts if c.open), key=lambda c: -c.open)[:3]
    return dbc.Row(
        [
            kpi_card(
                "Selisih belum selesai",
                angka(still_open),
                " · ".join(f"{c.label} {angka(c.open)}" for c in top) or "Tidak ada selisih terbuka",
                tone="danger" if still_open else "success",
            ),
            kpi_card(
                "Transaksi cocok",
                _percent(matched, mpn),
                f"{angka(matched)} dari {angka(mpn)} transaksi MPN · "
                f"{rupiah_short(sum(s.matched_amount for s in summaries))}",
            ),
            kpi_card(
                "Hasil dalam satu jam",
                f"{len(summaries) - len(late) - len(odd)} / {len(summaries)}",
                _r5_note(late, odd),
                tone="danger" if odd else "warning" if late else "success",
            ),
            kpi_card("Selisih selesai", angka(closed), "diselesaikan, disesuaikan, atau tertutup oleh data"),
        ],
        className="g-3 mpn-kpis",
        id="rekon-kpi",
    )


def _r5_note(late: list[str], odd: list[str]) -> str:
    parts = ([f"Terlambat: {', '.join(late)}"] if late else []) + ([f"Anomali waktu: {', '.join(odd)}"] if odd else [])
    return " · ".join(parts) or "Semua bank dalam batas satu jam"


# --- exception grid ---------------------------------------------------------------------------------------------

EXCEPTION_COLUMNS = [
    text_column("exception_id", "No.", width=75, type="rightAligned"),
    text_column("bank_code", "Bank", width=70),
    text_column("ntpn", "NTPN", width=165, cellClass="mpn-mono"),
    text_column("category", "Kategori", width=170),
    text_column("fields", "Kolom berbeda", flex=1, minWidth=130, tooltipField="fields"),
    formatted_column("mpn_amount", "Nilai MPN", width=125, infinite=True),
    formatted_column("bank_amount", "Nilai bank", width=125, infinite=True),
    badge_column("status", "Status", STATUS_COLORS, width=135),
    text_column("assignee", "Petugas", width=100),
    formatted_column("opened_at", "Terdeteksi", numeric=False, width=150, infinite=True),
    text_column("pending", "Persetujuan", width=125, sortable=False),
]


def exception_row(r: ExceptionRow) -> dict[str, Any]:
    """One grid row: raw values to sort on, Indonesian text to read."""
    return {
        "exception_id": r.exception_id,
        "bank_code": r.bank_code,
        "ntpn": r.ntpn or "(tingkat bank)",
        "category": CATEGORY_LABELS.get(r.category, r.category),
        "fields": field_names(r.fields),
        **shown("mpn_amount", r.mpn_amount, "—" if r.mpn_amount is None else rupiah(r.mpn_amount)),
        **shown("bank_amount", r.bank_amount, "—" if r.bank_amount is None else rupiah(r.bank_amount)),
        "status": STATUSES.get(r.status, r.status),
        "assignee": r.assignee or "",
        **shown("opened_at", r.opened_at.timestamp(), waktu_wib(r.opened_at)),
        "pending": "Menunggu kasi" if r.pending else "",
    }


def exception_grid(grid_id: str, block: int) -> dag.AgGrid:
    """A fresh grid (its block cache empty) that asks the server for `block` rows at a time."""
    return dag.AgGrid(
        id=grid_id,
        columnDefs=EXCEPTION_COLUMNS,
        defaultColDef=DEFAULT_COL_DEF,
        rowModelType="infinite",
        getRowId="params.data.exception_id + ''",  # a string; the grid's evaluator knows no String()
        dashGridOptions={
            "theme": THEME,
            "rowBuffer": 0,
            "cacheBlockSize": block,
            "maxBlocksInCache": 20,
            "infiniteInitialRowCount": 1,
            "tooltipShowDelay": 300,
            "suppressCellFocus": True,
            "suppressColumnVirtualisation": True,
            "rowSelection": {"mode": "singleRow", "checkboxes": False, "enableClickSelection": True},
        },
        style={"height": "400px"},
        className="mpn-grid mpn-grid-clickable",
    )


# --- detail -----------------------------------------------------------------------------------------------------


def _shown_value(field: str, value: Any) -> str:
    if value is None:
        return "—"
    if field == "amount":
        return rupiah(int(value))
    if isinstance(value, datetime):
        return waktu_wib(value)
    if isinstance(value, date):
        return tanggal_pendek(value)
    return str(value) or "—"


def sides_table(d: ExceptionDetail) -> html.Table:
    """Both sides field by field; rows of differing fields are highlighted."""
    rows = []
    for field, mpn, bank in d.pairs():
        differs = field in d.differing
        rows.append(
            html.Tr(
                [
                    html.Th(FIELD_LABELS.get(field, field), scope="row"),
                    html.Td(_shown_value(field, mpn)),
                    html.Td(_shown_value(field, bank)),
                    html.Td(dbc.Badge("berbeda", color="danger") if differs else ""),
                ],
                className="mpn-diff" if differs else None,
                id=f"rekon-field-{field}",
            )
        )
    head = html.Thead(
        html.Tr(
            [html.Th("Kolom"), html.Th(f"Data MPN ({len(d.mpn)})"), html.Th(f"Batch bank ({len(d.bank)})"), html.Th("")]
        )
    )
    return html.Table([head, html.Tbody(rows)], className="table table-sm mpn-sides", id="rekon-sisi")


def _facts(d: ExceptionDetail) -> html.Dl:
    e = d.exception
    status = STATUSES.get(e.status, e.status)
    facts: list[tuple[str, Any]] = [
        (
            "Status",
            dbc.Badge(status, color=STATUS_COLORS.get(status, "secondary"), pill=True, id="rekon-detail-status"),
        ),
        ("Umur", f"{d.age_working_days} hari kerja"),
        ("Petugas", e.assignee or "belum ditugaskan"),
        ("Terdeteksi", waktu_wib(e.opened_at)),
        ("Kolom berbeda", field_names(e.fields) or "—"),
    ]
    if e.cause:
        facts.append(("Penyebab", f"{e.cause_label}: {e.note}"))
    if e.resolved_at:
        facts.append(("Ditutup", html.Span(_closed_text(d), id="rekon-detail-ditutup")))
    if d.pending is not None:
        p = d.pending
        kind = p.summary.get("kind")
        what = f"Penyesuaian ({ADJUSTMENT_KINDS.get(kind, kind)}) · " if kind else ""
        facts.append(
            (
                "Menunggu persetujuan",
                html.Span(
                    f"{what}{CAUSES.get(p.summary.get('cause', ''), p.summary.get('cause', ''))}: "
                    f"{p.summary.get('note', '')} "
                    f"(diajukan {p.made_by}, {waktu_wib(p.made_at)})",
                    id="rekon-pending",
                ),
            )
        )
    return html.Dl(
        [
            part
            for label, value in facts
            for part in (html.Dt(label, className="col-sm-4"), html.Dd(value, className="col-sm-8"))
        ],
        className="row mpn-facts",
    )


def _closed_text(d: ExceptionDetail) -> str:
    """When and by whom: the approver for a maker-checker closure (with who proposed it), else data or the system."""
    e = d.exception
    if e.closed_by_data:
        return f"{waktu_wib(e.resolved_at)} otomatis oleh data yang datang kemudian"
    if d.closed_by:
        return f"{waktu_wib(e.resolved_at)} oleh {d.closed_by} (disetujui; diajukan {e.resolved_by})"
    return f"{waktu_wib(e.resolved_at)} oleh {e.resolved_by or 'sistem'}"


def _changes(before: dict[str, Any] | None, after: dict[str, Any] | None) -> str:
    if after is None:
        return "dibatalkan"
    if before is None:
        return "data baru: " + ", ".join(
            f"{FIELD_LABELS.get(k, k)} {_shown_value(k, v)}" for k, v in sorted(after.items())
        )
    return (
        ", ".join(
            f"{FIELD_LABELS.get(k, k)} {_shown_value(k, before.get(k))} → {_shown_value(k, v)}"
            for k, v in sorted(after.items())
            if before.get(k) != v
        )
        or "tanpa perubahan"
    )


def _records(d: ExceptionDetail) -> list[Any]:
    """Berita Acara, adjustments and Nota Perbaikan of the exception (R8, R9, R11); nothing when there are none."""
    parts: list[Any] = []
    if d.berita_acara:
        parts += [
            html.H3("Berita Acara", className="mpn-subhead"),
            html.Ul(
                [
                    html.Li(
                        [
                            html.Strong(b.number),
                            f" · {b.request_label} · {b.reason_label}",
                            html.Span(
                                f" · {b.registered_by}, {waktu_wib(b.registered_at)}", className="text-secondary"
                            ),
                            html.Div(b.note) if b.note else None,
                        ]
                    )
                    for b in d.berita_acara
                ],
                className="mpn-list",
                id="rekon-bac",
            ),
        ]
    if d.adjustments:
        parts += [
            html.H3("Penyesuaian", className="mpn-subhead"),
            html.Ul(
                [
                    html.Li(
                        [
                            html.Strong(
                                f"{ADJUSTMENT_KINDS.get(a.kind, a.kind).split(' (')[0]} · {SIDES.get(a.side, a.side)}"
                            ),
                            f" · dibukukan {tanggal_pendek(a.effective_date)} · {_changes(a.before, a.after)}",
                            html.Span(
                                f" · diajukan {a.requested_by}, disetujui {a.approved_by}", className="text-secondary"
                            ),
                        ]
                    )
                    for a in d.adjustments
                ],
                className="mpn-list",
                id="rekon-penyesuaian",
            ),
        ]
    if d.nota_perbaikan:
        parts += [
            html.H3("Nota Perbaikan", className="mpn-subhead"),
            html.Ul(
                [
                    html.Li(
                        [
                            html.Strong(n.number),
                            f" · surat {tanggal_pendek(n.letter_date)} · {n.description}",
                            html.Span(f" · {n.recorded_by}", className="text-secondary"),
                        ]
                    )
                    for n in d.nota_perbaikan
                ],
                className="mpn-list",
                id="rekon-nota-daftar",
            ),
        ]
    return parts


def _timeline(d: ExceptionDetail) -> html.Div:
    comments = [
        html.Li(
            [
                html.Strong(f"{c.author} ({ROLES.get(c.author_role, c.author_role)})"),
                html.Span(f" · {waktu_wib(c.created_at)}", className="text-secondary"),
                html.Div(c.body),
            ]
        )
        for c in d.comments
    ]
    history = [
        html.Li([html.Span(waktu_wib(h.at), className="text-secondary"), f" · {h.actor}: {h.label}"]) for h in d.history
    ]
    return html.Div(
        [
            html.H3("Komentar", className="mpn-subhead"),
            html.Ul(comments, className="mpn-list", id="rekon-komentar")
            if comments
            else html.P("Belum ada komentar.", className="text-secondary small"),
            html.H3("Riwayat", className="mpn-subhead"),
            html.Ul(history, className="mpn-list small", id="rekon-riwayat"),
        ]
    )


def detail_panel(d: ExceptionDetail) -> dbc.Card:
    """One exception: what and where, both sides field by field, status, age, comments and history."""
    e = d.exception
    where = f"{e.bank_code} · {tanggal_pendek(e.business_date)}"
    title = f"Selisih #{e.exception_id}: {CATEGORY_LABELS.get(e.category, e.category)}"
    return dbc.Card(
        dbc.CardBody(
            [
                html.H2(title, className="h5", id="rekon-detail-judul"),
                html.P(f"NTPN {e.ntpn} · {where}" if e.ntpn else f"Tingkat bank · {where}", className="text-secondary"),
                dbc.Row(
                    [
                        dbc.Col(sides_table(d) if e.ntpn else _facts(d), lg=7),
                        dbc.Col([_facts(d)] if e.ntpn else [], lg=5),
                    ]
                ),
                *_records(d),
                _timeline(d),
            ]
        ),
        className="mpn-detail",
    )
