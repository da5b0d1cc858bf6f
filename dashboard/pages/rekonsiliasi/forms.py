"""The Rekonsiliasi page's action panel: its ids and forms (assign, clarify, resolve, decide, comment, reassign,
adjustment R8/R9, Berita Acara R11, Nota Perbaikan), and the reading of their inputs.

Layout builders only; the page's callbacks check roles and call `queries` with what these return.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard.pages.rekonsiliasi.view import FIELD_LABELS
from queries import config
from queries.accounts.users import User
from queries.reconciliation.adjust import ADJUSTMENT_KINDS, PAYMENT_FIELDS, SIDES
from queries.reconciliation.berita_acara import REASONS, REQUESTS
from queries.reconciliation.model import CAUSES
from queries.reconciliation.work import MAX_TEXT

ACTIONS, MESSAGE = "rekon-aksi", "rekon-pesan"
ASSIGN_ME, CLARIFY = "rekon-tugaskan-saya", "rekon-klarifikasi"
COMMENT_TEXT, COMMENT_SEND = "rekon-komentar-isi", "rekon-komentar-kirim"
CAUSE, RESOLVE_NOTE, RESOLVE = "rekon-penyebab", "rekon-penyelesaian-isi", "rekon-ajukan"
DECISION_NOTE, APPROVE, REJECT = "rekon-keputusan-isi", "rekon-setujui", "rekon-kembalikan"
GROUPS = {
    "assign": "rekon-grup-tugas",
    "comment": "rekon-grup-komentar",
    "clarify": "rekon-grup-klarifikasi",
    "request": "rekon-grup-ajukan",
    "decide": "rekon-grup-putuskan",
    "reassign": "rekon-grup-tugaskan",
    "adjust": "rekon-grup-sesuai",
    "ba": "rekon-grup-bac",
    "nota": "rekon-grup-nota",
}
REASSIGN_USER, REASSIGN = "rekon-tugaskan-ke", "rekon-tugaskan"
ADJ_KIND, ADJ_SIDE, ADJ_FIELD = "rekon-sesuai-jenis", "rekon-sesuai-sisi", "rekon-sesuai-kolom"
ADJ_VALUE, ADJ_CAUSE, ADJ_NOTE = "rekon-sesuai-nilai", "rekon-sesuai-sebab", "rekon-sesuai-isi"
ADJ_DATE, ADJ_SEND = "rekon-sesuai-tanggal", "rekon-sesuai-ajukan"
ADJ_RECORD = "rekon-sesuai-data"
BA_NUMBER, BA_REASON, BA_REQUEST, BA_NOTE, BA_SEND = (
    "rekon-bac-nomor",
    "rekon-bac-alasan",
    "rekon-bac-permintaan",
    "rekon-bac-catatan",
    "rekon-bac-catat",
)
BA_RECORD = "rekon-bac-data"
NOTA_BOX, NOTA_NUMBER, NOTA_DATE, NOTA_TEXT, NOTA_SEND = (
    "rekon-nota",
    "rekon-nota-nomor",
    "rekon-nota-tanggal",
    "rekon-nota-uraian",
    "rekon-nota-catat",
)
#: The fields a form of one payment asks for (NTPN and bank come from the exception).
FORM_FIELDS = tuple(f for f in PAYMENT_FIELDS if f not in ("ntpn", "bank_code"))
HIDDEN = {"display": "none"}


def _options(labels: dict[str, str]) -> list[dict[str, str]]:
    return [{"label": label, "value": value} for value, label in labels.items()]


def payment_inputs(prefix: str, summary: str) -> html.Details:
    """The fields of one payment (addition, re-recording), folded away until needed."""
    hints = {"paid_at": "2026-11-20 10:00 (WIB bila tanpa zona)", "amount": "rupiah, tanpa desimal"}
    return html.Details(
        [
            html.Summary(summary, className="small text-secondary"),
            *(
                dbc.Input(
                    maxLength=MAX_TEXT,
                    id=f"{prefix}-{f}",
                    size="sm",
                    className="mt-1",
                    placeholder=FIELD_LABELS.get(f, f) + (f": {hints[f]}" if f in hints else ""),
                )
                for f in FORM_FIELDS
            ),
        ],
        className="mb-2",
    )


def payment_states(prefix: str) -> list[tuple[str, str]]:
    """(id, property) of the fields of `payment_inputs(prefix)`, in FORM_FIELDS order."""
    return [(f"{prefix}-{f}", "value") for f in FORM_FIELDS]


def reassign_group(group_id: str, people: list[User]) -> html.Div:
    """Give the exception to another active user who may work it."""
    return html.Div(
        [
            dbc.Label("Tugaskan kepada", html_for=REASSIGN_USER, className="fw-semibold"),
            dcc.Dropdown(
                id=REASSIGN_USER,
                placeholder="Pilih petugas",
                className="mb-2",
                options=[{"label": f"{u.display_name} ({u.role_title})", "value": u.username} for u in people],
            ),
            dbc.Button("Tugaskan", id=REASSIGN, color="secondary", outline=True, size="sm"),
        ],
        id=group_id,
        style=HIDDEN,
        className="mb-3",
    )


def adjustment_group(group_id: str) -> html.Div:
    """Ask a kasi to close the exception by a reversal, correction or addition (R8), booked on a date (R9)."""
    return html.Div(
        [
            dbc.Label("Ajukan penyesuaian", html_for=ADJ_KIND, className="fw-semibold"),
            dcc.Dropdown(
                id=ADJ_KIND, options=_options(ADJUSTMENT_KINDS), value="correction", clearable=False, className="mb-2"
            ),
            dcc.Dropdown(id=ADJ_SIDE, options=_options(SIDES), value="bank", clearable=False, className="mb-2"),
            dbc.Row(
                [
                    dbc.Col(
                        dcc.Dropdown(
                            id=ADJ_FIELD,
                            placeholder="Kolom yang dikoreksi",
                            options=[{"label": FIELD_LABELS.get(f, f), "value": f} for f in PAYMENT_FIELDS],
                        )
                    ),
                    dbc.Col(dbc.Input(maxLength=MAX_TEXT, id=ADJ_VALUE, placeholder="Nilai baru", size="sm")),
                ],
                className="g-2 mb-2",
            ),
            payment_inputs(ADJ_RECORD, "Data transaksi (untuk penambahan)"),
            dcc.Dropdown(id=ADJ_CAUSE, options=_options(CAUSES), placeholder="Penyebab", className="mb-2"),
            dbc.Textarea(
                maxLength=MAX_TEXT, id=ADJ_NOTE, placeholder="Keterangan penyesuaian", rows=2, className="mb-2"
            ),
            html.Div(
                [
                    dbc.Label("Tanggal pembukuan", html_for=ADJ_DATE, className="small mb-0 me-2"),
                    dcc.DatePickerSingle(id=ADJ_DATE, display_format="DD/MM/YYYY", first_day_of_week=1),
                ],
                className="d-flex align-items-center mb-2",
            ),
            dbc.Button("Ajukan penyesuaian ke kasi", id=ADJ_SEND, color="primary", size="sm"),
        ],
        id=group_id,
        style=HIDDEN,
        className="mb-3",
    )


def berita_acara_group(group_id: str) -> html.Div:
    """Register the collecting agent's Berita Acara for the exception's transaction (R11)."""
    return html.Div(
        [
            dbc.Label("Catat Berita Acara", html_for=BA_NUMBER, className="fw-semibold"),
            dbc.Input(maxLength=MAX_TEXT, id=BA_NUMBER, placeholder="Nomor Berita Acara", size="sm", className="mb-2"),
            dcc.Dropdown(id=BA_REASON, options=_options(REASONS), placeholder="Alasan", className="mb-2"),
            dcc.Dropdown(id=BA_REQUEST, options=_options(REQUESTS), placeholder="Permintaan", className="mb-2"),
            payment_inputs(BA_RECORD, "Data perekaman ulang (bila diminta)"),
            dbc.Textarea(maxLength=MAX_TEXT, id=BA_NOTE, placeholder="Catatan", rows=2, className="mb-2"),
            dbc.Button("Catat Berita Acara", id=BA_SEND, color="primary", outline=True, size="sm"),
        ],
        id=group_id,
        style=HIDDEN,
        className="mb-3",
    )


def nota_group(group_id: str) -> html.Div:
    """Record the bank's Nota Perbaikan: the path for a correction after reconciliation (R9)."""
    return html.Div(
        html.Details(
            [
                html.Summary("Catat Nota Perbaikan (koreksi setelah rekonsiliasi)", className="fw-semibold small"),
                dbc.Input(maxLength=MAX_TEXT, id=NOTA_NUMBER, placeholder="Nomor nota", size="sm", className="my-2"),
                html.Div(
                    [
                        dbc.Label("Tanggal surat", html_for=NOTA_DATE, className="small mb-0 me-2"),
                        dcc.DatePickerSingle(id=NOTA_DATE, display_format="DD/MM/YYYY", first_day_of_week=1),
                    ],
                    className="d-flex align-items-center mb-2",
                ),
                dbc.Textarea(
                    maxLength=MAX_TEXT, id=NOTA_TEXT, placeholder="Uraian perbaikan", rows=2, className="mb-2"
                ),
                dbc.Button("Catat Nota Perbaikan", id=NOTA_SEND, color="primary", outline=True, size="sm"),
            ],
            id=NOTA_BOX,
        ),
        id=group_id,
        style=HIDDEN,
        className="mb-3",
    )


def actions(people: list[User]) -> dbc.Card:
    """Every action's form; the detail callback shows those the user's role may take on the exception."""
    hidden = {"display": "none"}
    return dbc.Card(
        dbc.CardBody(
            [
                html.H2("Tindak lanjut", className="h6"),
                html.Div(id=MESSAGE),
                html.P("Pilih sebuah selisih.", className="text-secondary small", id="rekon-aksi-kosong"),
                html.Div(
                    dbc.Button("Tugaskan ke saya", id=ASSIGN_ME, color="secondary", outline=True, size="sm"),
                    id=GROUPS["assign"],
                    style=hidden,
                    className="mb-3",
                ),
                reassign_group(GROUPS["reassign"], people),
                html.Div(
                    dbc.Button("Mulai klarifikasi", id=CLARIFY, color="secondary", outline=True, size="sm"),
                    id=GROUPS["clarify"],
                    style=hidden,
                    className="mb-3",
                ),
                html.Div(
                    [
                        dbc.Label("Ajukan penyelesaian", html_for=CAUSE, className="fw-semibold"),
                        dcc.Dropdown(
                            id=CAUSE,
                            options=[{"label": v, "value": k} for k, v in CAUSES.items()],
                            placeholder="Penyebab",
                            className="mb-2",
                        ),
                        dbc.Textarea(
                            maxLength=MAX_TEXT,
                            id=RESOLVE_NOTE,
                            placeholder="Keterangan penyelesaian",
                            rows=2,
                            className="mb-2",
                        ),
                        dbc.Button("Ajukan ke kasi", id=RESOLVE, color="primary", size="sm"),
                    ],
                    id=GROUPS["request"],
                    style=hidden,
                    className="mb-3",
                ),
                html.Div(
                    [
                        dbc.Label("Keputusan atas pengajuan", html_for=DECISION_NOTE, className="fw-semibold"),
                        dbc.Textarea(
                            maxLength=MAX_TEXT,
                            id=DECISION_NOTE,
                            placeholder="Catatan (wajib bila dikembalikan)",
                            rows=2,
                            className="mb-2",
                        ),
                        html.Div(
                            [
                                dbc.Button("Setujui", id=APPROVE, color="success", size="sm"),
                                dbc.Button("Kembalikan", id=REJECT, color="danger", outline=True, size="sm"),
                            ],
                            className="d-flex gap-2",
                        ),
                    ],
                    id=GROUPS["decide"],
                    style=hidden,
                    className="mb-3",
                ),
                adjustment_group(GROUPS["adjust"]),
                berita_acara_group(GROUPS["ba"]),
                nota_group(GROUPS["nota"]),
                html.Div(
                    [
                        dbc.Label("Komentar", html_for=COMMENT_TEXT, className="fw-semibold"),
                        dbc.Textarea(maxLength=MAX_TEXT, id=COMMENT_TEXT, rows=2, className="mb-2"),
                        dbc.Button("Kirim komentar", id=COMMENT_SEND, color="secondary", outline=True, size="sm"),
                    ],
                    id=GROUPS["comment"],
                    style=hidden,
                ),
            ]
        ),
        className="mpn-detail",
        id=ACTIONS,
    )


def refusal(message: str) -> dbc.Alert:
    """Why an action was refused (WorkRefused, ApprovalRefused), in the panel's message slot."""
    return dbc.Alert(message, color="danger", className="py-2", id="rekon-pesan-isi")


def success(message: str) -> dbc.Alert:
    """What an action did; fades after a while."""
    return dbc.Alert(message, color="success", className="py-2", id="rekon-pesan-isi", duration=8000)


# --- reading the forms ------------------------------------------------------------------------------------------


def field_value(field: str, raw: str | None) -> Any:
    """A typed-in value as the queries take it: amounts as whole rupiah, times with a zone (WIB if none given).

    Unreadable input is passed on as typed, for the query's refusal to explain.
    """
    value = (raw or "").strip()
    if field == "amount":
        digits = value.replace(".", "").replace(",", "").replace("Rp", "").strip()
        return int(digits) if digits.isdigit() else value
    if field == "paid_at":
        try:
            moment = datetime.fromisoformat(value.replace(" ", "T", 1))
        except ValueError:
            return value
        return moment if moment.tzinfo else moment.replace(tzinfo=config.timezone())
    return value


def payment_values(values: list[str | None]) -> dict[str, Any] | None:
    """The filled-in fields of a payment form (FORM_FIELDS order), None when all are empty."""
    filled = {f: field_value(f, v) for f, v in zip(FORM_FIELDS, values, strict=True) if (v or "").strip()}
    return filled or None


def picked_day(value: str | None) -> date | None:
    """A date picker's value as a date, None when empty or unreadable."""
    try:
        return date.fromisoformat((value or "")[:10])
    except ValueError:
        return None
