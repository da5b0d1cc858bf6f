"""Kotak keluar's pieces: status cards, the outbox table with its buttons, a message's preview, the sink's list."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import dash_bootstrap_components as dbc
from dash import html

from dashboard.components.cards import empty_state, kpi_card
from jobs.mail.sink import SinkFile
from queries import config
from queries.accounts.users import User
from queries.mail.outbox import STATUS_LABELS, acts_for
from queries.mail.read import MessageDetail, OutboxRow

VIEW, RESEND = "kk-lihat", "kk-ulang"
FILTER_OPTIONS = [
    {"label": "Semua", "value": "all"},
    {"label": "Antre", "value": "queued"},
    {"label": "Terkirim", "value": "sent"},
    {"label": "Gagal", "value": "failed"},
]
COLORS = {"queued": "secondary", "sending": "info", "sent": "success", "failed": "danger"}
KINDS = {
    "alert": "Peringatan",
    "digest": "Ringkasan harian",
    "report": "Laporan harian",
    "result": "Hasil rekonsiliasi",
    "task": "Tugas saya",
    "test": "Uji kirim",
}


def when(at: datetime | None) -> str:
    """A time in the schedule zone, dd/mm/yyyy hh:mm; '–' when unset."""
    return "–" if at is None else at.astimezone(config.timezone()).strftime("%d/%m/%Y %H:%M")


def kind_label(kind: str) -> str:
    """The message kind in Indonesian (the code itself when unknown)."""
    return KINDS.get(kind, kind)


def status_cards(counts: dict[str, int]) -> dbc.Row:
    """How many messages wait, are being sent, were sent, failed."""
    return dbc.Row(
        [
            kpi_card("Antre", str(counts["queued"]), "menunggu dikirim atau dicoba lagi", tone="primary"),
            kpi_card("Sedang dikirim", str(counts["sending"]), "diserahkan ke server surat", tone="info"),
            kpi_card("Terkirim", str(counts["sent"]), "diterima server surat", tone="success"),
            kpi_card("Gagal", str(counts["failed"]), "perlu ditinjau; dapat dikirim ulang", tone="danger"),
        ],
        className="g-3 mb-3",
    )


def status_badge(row: OutboxRow) -> html.Span:
    """The status; a failed message the server may hold says so."""
    label = STATUS_LABELS[row.status] + (" · mungkin sudah terkirim" if row.uncertain else "")
    return dbc.Badge(label, color="warning" if row.uncertain else COLORS[row.status], className="mpn-badge")


def outbox_table(rows: list[OutboxRow], *, user: User | None) -> Any:
    """The messages, newest first: time, kind, recipients, subject, status, attempts, sent, last error, and the
    buttons `user` may press (`queries.mail.outbox.acts_for`)."""
    if not rows:
        return empty_state(
            "Tidak ada pesan di kotak keluar.",
            "Pesan muncul di sini saat peringatan, ringkasan atau laporan dikirim lewat surat elektronik.",
        )
    head = html.Thead(
        html.Tr(
            [
                html.Th(h)
                for h in (
                    "Dibuat",
                    "Jenis",
                    "Kepada",
                    "Subjek",
                    "Status",
                    "Percobaan",
                    "Terkirim",
                    "Galat terakhir",
                    "",
                )
            ]
        )
    )
    body = html.Tbody(
        [
            html.Tr(
                [
                    html.Td(when(r.created_at)),
                    html.Td(kind_label(r.kind)),
                    html.Td("; ".join(r.recipients)),
                    html.Td(r.subject + (f" · {r.attachments} lampiran" if r.attachments else "")),
                    html.Td(status_badge(r)),
                    html.Td(str(r.attempts)),
                    html.Td(when(r.sent_at)),
                    html.Td(
                        r.last_error
                        or ("dicoba lagi " + when(r.not_before) if r.status == "queued" and r.attempts else "")
                    ),
                    html.Td(_buttons(r, user), className="text-nowrap"),
                ],
                id=f"kk-baris-{r.mail_id}",
            )
            for r in rows
        ]
    )
    return dbc.Table([head, body], id="kk-tabel", size="sm", hover=True, responsive=True, className="mpn-table")


def _buttons(row: OutboxRow, user: User | None) -> list[Any]:
    buttons = [dbc.Button("Lihat", id={"type": VIEW, "mail": row.mail_id}, size="sm", color="light", className="me-1")]
    if "resend" in acts_for(user, row.status):
        buttons.append(dbc.Button("Kirim ulang", id={"type": RESEND, "mail": row.mail_id}, size="sm", color="warning"))
    return buttons


def preview(detail: MessageDetail) -> dbc.Card:
    """One message: its headers, attachments, the server's reply, and the plain-text body (shown as text)."""
    r = detail.row
    facts = [
        ("Message-ID", r.message_id),
        ("Kepada", "; ".join(r.recipients)),
        ("Subjek", r.subject),
        ("Jenis", kind_label(r.kind)),
        ("Dibuat", f"{when(r.created_at)} oleh {detail.created_by or 'sistem'}"),
        ("Status", STATUS_LABELS[r.status] + (" (mungkin sudah terkirim)" if r.uncertain else "")),
        ("Jawaban server", detail.smtp_reply or "–"),
        ("Galat terakhir", r.last_error or "–"),
    ]
    files = [
        f"{name} ({ctype}, {size:,} bita, SHA-256 {sha[:12]}…)".replace(",", ".")
        for name, ctype, size, sha in detail.attachments
    ]
    if files:
        facts.append(("Lampiran", "; ".join(files)))
    rows = [html.Tr([html.Th(k, className="text-nowrap"), html.Td(v)]) for k, v in facts]
    return dbc.Card(
        dbc.CardBody(
            [
                html.H3(r.subject, className="h6"),
                dbc.Table(html.Tbody(rows), size="sm", className="mpn-table mb-2"),
                html.Pre(
                    detail.body_text,
                    id="kk-isi",
                    className="mpn-mail-body",
                    style={"whiteSpace": "pre-wrap", "maxHeight": "24rem", "overflow": "auto"},
                ),
            ]
        ),
        id="kk-pratinjau-kartu",
    )


def sink_table(kept: list[SinkFile]) -> Any:
    """What the demo's local SMTP sink received, newest first."""
    if not kept:
        return empty_state("Server surat lokal belum menerima pesan.")
    head = html.Thead(html.Tr([html.Th(h) for h in ("Diterima", "Dari", "Kepada", "Subjek", "Message-ID", "Lampiran")]))
    body = html.Tbody(
        [
            html.Tr(
                [
                    html.Td(when(k.received_at)),
                    html.Td(k.mail_from),
                    html.Td(k.rcpt_tos),
                    html.Td(k.subject),
                    html.Td(k.message_id, className="text-break"),
                    html.Td(", ".join(k.attachments) or "–"),
                ]
            )
            for k in kept
        ]
    )
    return dbc.Table([head, body], id="kk-sink", size="sm", responsive=True, className="mpn-table")


def message(text: str, *, ok: bool) -> dbc.Alert:
    """The outcome of a button."""
    return dbc.Alert(
        text, id="kk-pesan-isi", color="success" if ok else "danger", className="mpn-notice", dismissable=True
    )
