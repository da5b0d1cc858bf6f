"""The Pemberitahuan gangguan page's pieces: the recording form, the list of notices, one notice's detail (the duties
it excuses, the force-majeure catch-up, the Berita Acara that cite it) and the withdraw form."""

from __future__ import annotations

import base64
from datetime import date, datetime
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard.components.cards import empty_state
from dashboard.components.statement_view import SCAN_PATH
from queries import config
from queries.formatting import angka, rupiah, tanggal_pendek, waktu_wib
from queries.imports.master import BankRef
from queries.letters.notice_work import Catchup, Excused
from queries.letters.notices import CAUSES, DUTIES, Notice, NoticeIn
from queries.monitoring.completeness import DUTIES as KL_DUTIES
from queries.permissions import Refused
from queries.reconciliation.berita_acara import BeritaAcara

BANK, NUMBER, LETTER_DATE, RECEIVED = "pb-bank", "pb-nomor", "pb-tanggal-surat", "pb-diterima"
CAUSE, START, END, DUTY_LIST, NOTE = "pb-penyebab", "pb-mulai", "pb-selesai", "pb-kewajiban", "pb-catatan"
UPLOAD, SAVE, MESSAGE, LIST = "pb-pindaian", "pb-simpan", "pb-pesan", "pb-daftar"
REASON, WITHDRAW, WITHDRAW_MESSAGE, DETAIL = "pb-alasan", "pb-tarik", "pb-pesan-tarik", "pb-detail"
MAX_SCAN = 10 * 1024 * 1024
PLAIN = {"late": "selesai terlambat", "missing": "belum ada"}


class FormError(Refused, ValueError):
    """A form value that cannot be read; the message names the field, in Indonesian (nothing was written)."""


def _text(id_: str, label: str, placeholder: str = "", width: int = 3) -> dbc.Col:
    return dbc.Col([dbc.Label(label, html_for=id_), dbc.Input(id=id_, placeholder=placeholder, type="text")], md=width)


def form(banks: list[BankRef]) -> dbc.Card:
    """The recording form (times are read in the schedule time zone, WIB unless configured)."""
    return dbc.Card(
        dbc.CardBody(
            [
                dbc.Row(
                    [
                        dbc.Col(
                            [
                                dbc.Label("Bank/pos persepsi", html_for=BANK),
                                dbc.Select(
                                    id=BANK,
                                    options=[{"label": "Pilih bank/pos", "value": ""}]
                                    + [{"label": f"{b.bank_code} · {b.name}", "value": b.bank_code} for b in banks],
                                    value="",
                                ),
                            ],
                            md=4,
                        ),
                        _text(NUMBER, "Nomor surat", "mis. 123/DIV-TI/XI/2026"),
                        _text(LETTER_DATE, "Tanggal surat", "YYYY-MM-DD", 2),
                        _text(RECEIVED, "Diterima (WIB)", "YYYY-MM-DD HH:MM"),
                    ],
                    className="g-2 mb-2",
                ),
                dbc.Row(
                    [
                        dbc.Col(
                            [
                                dbc.Label("Penyebab", html_for=CAUSE),
                                dbc.Select(
                                    id=CAUSE,
                                    options=[{"label": "Pilih penyebab", "value": ""}]
                                    + [{"label": v, "value": k} for k, v in CAUSES.items()],
                                    value="",
                                ),
                            ],
                            md=3,
                        ),
                        _text(START, "Gangguan mulai (WIB)", "YYYY-MM-DD HH:MM"),
                        _text(END, "Gangguan selesai (WIB)", "YYYY-MM-DD HH:MM"),
                        dbc.Col(
                            [
                                dbc.Label("Kewajiban terdampak"),
                                dbc.Checklist(
                                    id=DUTY_LIST,
                                    options=[{"label": v, "value": k} for k, v in DUTIES.items()],
                                    value=["batch"],
                                    inline=True,
                                ),
                            ],
                            md=3,
                        ),
                    ],
                    className="g-2 mb-2",
                ),
                dbc.Row(
                    [
                        dbc.Col(
                            [dbc.Label("Catatan", html_for=NOTE), dbc.Textarea(id=NOTE, rows=2, maxLength=500)], md=8
                        ),
                        dbc.Col(
                            [
                                dbc.Label("Pindaian surat (PDF, paling besar 10 MB)"),
                                dcc.Upload(
                                    id=UPLOAD,
                                    children=html.Div(["Seret atau ", html.A("pilih berkas PDF")]),
                                    accept="application/pdf",
                                    max_size=MAX_SCAN,
                                    className="mpn-upload",
                                ),
                            ],
                            md=4,
                        ),
                    ],
                    className="g-2 mb-2",
                ),
                dbc.Button("Catat pemberitahuan", id=SAVE, color="primary"),
                html.Div(id=MESSAGE, className="mt-2"),
            ]
        ),
        className="mb-3",
    )


def moment(value: str | None, what: str) -> datetime:
    """`2026-11-20 08:00` (or with `T`) read in the schedule time zone; an offset written in it is kept."""
    text_ = (value or "").strip().replace("T", " ")
    if not text_:
        raise FormError(f"{what} wajib diisi (YYYY-MM-DD HH:MM).")
    try:
        parsed = datetime.fromisoformat(text_)
    except ValueError:
        raise FormError(f"{what} harus berbentuk YYYY-MM-DD HH:MM, misalnya 2026-11-20 08:00.") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=config.timezone())


def day(value: str | None, what: str) -> date:
    """`2026-11-20`."""
    try:
        return date.fromisoformat((value or "").strip())
    except ValueError:
        raise FormError(f"{what} harus berbentuk YYYY-MM-DD.") from None


def notice_in(
    bank: str | None,
    number: str | None,
    letter_date: str | None,
    received: str | None,
    cause: str | None,
    start: str | None,
    end: str | None,
    duties: list[str] | None,
    note: str | None,
) -> NoticeIn:
    """The form's values as a notice (the checks of `queries.letters.notices` follow when it is recorded)."""
    if not cause:
        raise FormError("Pilih penyebab gangguan.")
    return NoticeIn(
        (bank or "").strip().upper(),
        " ".join((number or "").split()),
        day(letter_date, "Tanggal surat"),
        moment(received, "Waktu terima"),
        cause,
        moment(start, "Awal gangguan"),
        moment(end, "Akhir gangguan"),
        tuple(d for d in DUTIES if d in (duties or [])),
        (note or "").strip(),
    )


def scan_file(contents: str | None, name: str | None) -> tuple[str, bytes] | None:
    """The uploaded scan's name and bytes, None when none was chosen."""
    if not contents:
        return None
    return name or "pemberitahuan.pdf", base64.b64decode(contents.split(",", 1)[1])


def alert(message: Any, color: str) -> dbc.Alert:
    """A refusal (danger) or a confirmation (success) under a form."""
    return dbc.Alert(message, color=color, className="mb-0 py-2")


def notice_list(found: list[Notice]) -> Any:
    """Every notice, newest first, each linking to its detail."""
    if not found:
        return empty_state(
            "Belum ada surat pemberitahuan gangguan.",
            "Surat dari bank/pos tentang gangguan sistem dicatat di sini atau lewat mpn import notices.",
        )
    head = html.Thead(
        html.Tr(
            [html.Th(h) for h in ("No.", "Bank", "Nomor surat", "Penyebab", "Periode gangguan", "Kewajiban", "Status")]
        )
    )
    body = html.Tbody(
        [
            html.Tr(
                [
                    html.Td(dcc.Link(f"#{n.notice_id}", href=f"/pemberitahuan?id={n.notice_id}")),
                    html.Td(f"{n.bank_code} {n.bank_name}"),
                    html.Td(n.letter_number),
                    html.Td(n.cause_title),
                    html.Td(n.period_text),
                    html.Td(n.duty_titles),
                    html.Td(
                        dbc.Badge("Berlaku", color="info") if n.active else dbc.Badge("Ditarik", color="secondary")
                    ),
                ]
            )
            for n in found
        ]
    )
    return html.Table([head, body], className="table table-sm mb-0", id="pb-tabel")


def detail(
    n: Notice, excused: list[Excused], runs: list[Catchup], cited: list[BeritaAcara], can_withdraw: bool
) -> list[Any]:
    """One notice: its letter, the duties it excuses, the catch-up, the Berita Acara, and the withdraw form."""
    facts = [
        ("Bank/pos", f"{n.bank_code} {n.bank_name}"),
        ("Nomor surat", n.letter_number),
        ("Tanggal surat", tanggal_pendek(n.letter_date)),
        ("Diterima", waktu_wib(n.received_at)),
        ("Penyebab", n.cause_title),
        ("Periode gangguan", n.period_text),
        ("Kewajiban", n.duty_titles),
        ("Tanggal buku terdampak", f"{tanggal_pendek(n.first_date)} s.d. {tanggal_pendek(n.last_date)}"),
        ("Catatan", n.note or "—"),
        ("Dicatat", f"{waktu_wib(n.recorded_at)} oleh {n.recorded_by}"),
    ]
    if not n.active:
        facts.append(("Ditarik", f"{waktu_wib(n.withdrawn_at)} oleh {n.withdrawn_by}: {n.withdrawn_reason}"))
    out: list[Any] = [
        html.Dl(
            [x for k, v in facts for x in (html.Dt(k, className="col-sm-3"), html.Dd(v, className="col-sm-9"))],
            className="row mb-2",
        )
    ]
    if n.scan_id is not None:
        out.append(
            html.A(
                "Buka pindaian surat (PDF)",
                href=dash.get_relative_path(SCAN_PATH) + str(n.scan_id),
                target="_blank",
                className="d-block mb-2",
            )
        )
    out += [html.H3("Kewajiban yang dikecualikan", className="h6 mt-3"), _excused(excused)]
    if n.cause == "force_majeure":
        out += [html.H3("Rekonsiliasi ulang (keadaan kahar, R14)", className="h6 mt-3"), _runs(runs)]
    out += [html.H3("Berita Acara yang merujuk gangguan ini", className="h6 mt-3"), _cited(cited)]
    if n.active and can_withdraw:
        out.append(
            dbc.Card(
                dbc.CardBody(
                    [
                        dbc.Label("Alasan penarikan", html_for=REASON),
                        dbc.Textarea(id=REASON, rows=2, maxLength=500),
                        dbc.Button("Tarik pemberitahuan", id=WITHDRAW, color="danger", outline=True, className="mt-2"),
                        html.Div(id=WITHDRAW_MESSAGE, className="mt-2"),
                    ]
                ),
                className="mt-3",
            )
        )
    return out


def _excused(rows: list[Excused]) -> Any:
    if not rows:
        return html.P(
            "Tidak ada kewajiban bank ini yang jatuh tempo dalam periode dan terlambat.",
            className="text-secondary small",
            id="pb-dikecualikan",
        )
    items = [
        html.Li(
            dcc.Link(
                f"{tanggal_pendek(e.business_date)} · {KL_DUTIES[e.duty]}: {PLAIN[e.plain_state]} "
                f"(batas {waktu_wib(e.due)})",
                href=f"/kelengkapan?tanggal={e.business_date}",
            )
        )
        for e in rows
    ]
    return html.Ul(items, id="pb-dikecualikan")


def _runs(runs: list[Catchup]) -> Any:
    if not runs:
        return html.P(
            "Belum ada rekonsiliasi ulang atas tanggal buku terdampak sejak pemberitahuan dicatat.",
            className="text-secondary small",
            id="pb-rekon-ulang",
        )
    head = html.Thead(
        html.Tr(
            [
                html.Th(h)
                for h in ("Tanggal buku", "Proses", "Waktu", "Transaksi MPN", "Cocok (transaksi)", "Cocok (jumlah)")
            ]
        )
    )
    body = html.Tbody(
        [
            html.Tr(
                [
                    html.Td(tanggal_pendek(r.business_date)),
                    html.Td(f"#{r.run_id}"),
                    html.Td(waktu_wib(r.at)),
                    html.Td(f"{angka(r.mpn_before)} → {angka(r.mpn_after)}"),
                    html.Td(f"{angka(r.matched_before)} → {angka(r.matched_after)}"),
                    html.Td(f"{rupiah(r.amount_before)} → {rupiah(r.amount_after)}"),
                ]
            )
            for r in runs
        ]
    )
    return html.Table([head, body], className="table table-sm", id="pb-rekon-ulang")


def _cited(cited: list[BeritaAcara]) -> Any:
    if not cited:
        return html.P("Belum ada.", className="text-secondary small", id="pb-berita-acara")
    return html.Ul(
        [html.Li(f"{b.number} · NTPN {b.ntpn} · dicatat {waktu_wib(b.registered_at)}") for b in cited],
        id="pb-berita-acara",
    )
