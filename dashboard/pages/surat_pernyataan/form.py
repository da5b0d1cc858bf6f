"""The Surat Pernyataan page's form "Catat surat pernyataan": its ids, layout, and the reading of its inputs.

Layout builders and parsers only; the page's callback calls `record_statement` (which checks the role) with what
the parsers return. Input the form cannot read is refused here, in Indonesian, before any query runs.
"""

from __future__ import annotations

import base64
import binascii
import re
from datetime import date, datetime, time
from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html

from queries.calendar import WIB
from queries.formatting import angka, ukuran_berkas
from queries.imports.master import BankRef
from queries.letters.statement_entry import MAX_SCAN_BYTES, MAX_TEXT, DeclaredDay
from queries.permissions import Refused

FORM = "sp-form"
BANK, NUMBER, LETTER_DATE = "sp-bank", "sp-nomor", "sp-tanggal-surat"
RECEIVED_DATE, RECEIVED_TIME, SIGNER = "sp-tanggal-terima", "sp-jam-terima", "sp-penanda-tangan"
DAYS, ADD_DAY = "sp-hari-daftar", "sp-hari-tambah"
DAY_DATE, DAY_COUNT, DAY_AMOUNT, DAY_REMOVE = "sp-hari-tanggal", "sp-hari-jumlah", "sp-hari-nilai", "sp-hari-hapus"
UPLOAD, UPLOAD_INFO, SCAN_CHECK = "sp-unggah", "sp-unggah-info", "sp-unggah-periksa"
SAVE, MESSAGE = "sp-simpan", "sp-pesan"
MAX_DAYS = 10

_TIME = re.compile(r"^\s*(\d{1,2})[:.](\d{2})\s*$")


class FormError(Refused, ValueError):
    """Input the form cannot read; the message says which, in Indonesian (a refusal: nothing was written)."""


# --- layout -----------------------------------------------------------------------------------------------------


def day_row(
    index: int, day: str | None = None, count: str | None = None, amount: str | None = None, hint: str = ""
) -> dbc.Row:
    """One business date the letter covers, with what it declares for it."""
    return dbc.Row(
        [
            dbc.Col(
                dcc.DatePickerSingle(
                    id={"type": DAY_DATE, "index": index},
                    date=day,
                    display_format="DD/MM/YYYY",
                    first_day_of_week=1,
                    placeholder="Tanggal buku",
                ),
                xs="auto",
            ),
            dbc.Col(
                dbc.Input(
                    id={"type": DAY_COUNT, "index": index},
                    value=count,
                    placeholder="Jumlah transaksi",
                    inputMode="numeric",
                    size="sm",
                    maxLength=25,
                ),
                md=3,
            ),
            dbc.Col(
                dbc.Input(
                    id={"type": DAY_AMOUNT, "index": index},
                    value=amount,
                    placeholder="Jumlah setoran (Rp)",
                    inputMode="numeric",
                    size="sm",
                    maxLength=30,
                ),
                md=True,
            ),
            dbc.Col(
                dbc.Button(
                    "×",
                    id={"type": DAY_REMOVE, "index": index},
                    color="link",
                    size="sm",
                    title="Hapus tanggal ini",
                    className="text-danger p-0",
                ),
                xs="auto",
            ),
            dbc.Col(html.Div(hint, className="form-text mt-0"), xs=12) if hint else None,
        ],
        className="g-2 align-items-center mb-2 mpn-sp-day",
    )


def day_rows(values: list[dict[str, Any]]) -> list[dbc.Row]:
    """The rows of the covered dates (at least one, empty)."""
    return [
        day_row(i, v.get("day"), v.get("count"), v.get("amount"), v.get("hint", ""))
        for i, v in enumerate(values or [{}])
    ]


def _field(label: str, control: Any, target: str, width: int | bool = True) -> dbc.Col:
    return dbc.Col([dbc.Label(label, html_for=target), control], md=width)


def form(banks: list[BankRef], now: datetime) -> dbc.Card:
    """The form to record a letter received on paper: who, which letter, when, which dates, the scan."""
    today = now.astimezone(WIB)
    return dbc.Card(
        dbc.CardBody(
            [
                html.H2("Catat surat pernyataan", className="h6"),
                html.P(
                    "Klik sel pada matriks untuk mengisi bank dan tanggal bukunya.", className="text-secondary small"
                ),
                dbc.Row(
                    [
                        _field(
                            "Bank/pos",
                            dcc.Dropdown(
                                id=BANK,
                                placeholder="Pilih bank/pos",
                                options=[{"label": f"{b.bank_code} · {b.name}", "value": b.bank_code} for b in banks],
                            ),
                            BANK,
                            12,
                        ),
                    ],
                    className="g-2 mb-2",
                ),
                dbc.Row(
                    [
                        _field(
                            "Nomor surat",
                            dbc.Input(id=NUMBER, placeholder="mis. B.123/DIR/XI/2026", size="sm", maxLength=MAX_TEXT),
                            NUMBER,
                            7,
                        ),
                        _field(
                            "Tanggal surat",
                            dcc.DatePickerSingle(
                                id=LETTER_DATE,
                                date=today.date().isoformat(),
                                display_format="DD/MM/YYYY",
                                first_day_of_week=1,
                            ),
                            LETTER_DATE,
                            5,
                        ),
                    ],
                    className="g-2 mb-2",
                ),
                dbc.Row(
                    [
                        _field(
                            "Diterima tanggal",
                            dcc.DatePickerSingle(
                                id=RECEIVED_DATE,
                                date=today.date().isoformat(),
                                display_format="DD/MM/YYYY",
                                first_day_of_week=1,
                            ),
                            RECEIVED_DATE,
                            5,
                        ),
                        _field(
                            "Jam (WIB)",
                            dbc.Input(
                                id=RECEIVED_TIME, value=f"{today:%H:%M}", placeholder="08:30", size="sm", maxLength=5
                            ),
                            RECEIVED_TIME,
                            3,
                        ),
                    ],
                    className="g-2 mb-2",
                ),
                dbc.Row(
                    _field(
                        "Penanda tangan",
                        dbc.Input(
                            id=SIGNER, placeholder="Nama dan jabatan penanda tangan", size="sm", maxLength=MAX_TEXT
                        ),
                        SIGNER,
                        12,
                    ),
                    className="g-2 mb-2",
                ),
                dbc.Label("Tanggal buku yang dinyatakan", className="mt-1"),
                html.Div(day_rows([{}]), id=DAYS),
                dbc.Button(
                    "+ Tambah tanggal", id=ADD_DAY, color="secondary", outline=True, size="sm", className="mb-3"
                ),
                dbc.Label("Pindaian surat (PDF, paling besar 10 MB)", html_for=UPLOAD, className="d-block"),
                # no max_size: a file over it would be dropped without a word; the browser judges it
                # (SCAN_CHECK) instead
                dcc.Upload(
                    id=UPLOAD,
                    accept="application/pdf,.pdf",
                    multiple=False,
                    children=html.Div(["Seret berkas PDF ke sini atau ", html.A("pilih berkas")]),
                    className="mpn-sp-upload",
                ),
                dcc.Store(id=SCAN_CHECK),
                html.Div(id=UPLOAD_INFO, className="small mt-1 mb-3"),
                dbc.Button("Simpan surat pernyataan", id=SAVE, color="primary"),
                html.Div(id=MESSAGE, className="mt-3"),
            ]
        ),
        className="mpn-detail",
        id=FORM,
    )


def scan_problem(verdict: dict[str, Any] | None) -> str | None:
    """Why the chosen scan (the browser's verdict: name, size, PDF signature) will be refused, or None."""
    if not verdict:
        return None
    name, size = str(verdict.get("name") or "pindaian.pdf"), int(verdict.get("size") or 0)
    if size <= 0:
        return f"Berkas {name} kosong."
    if size > MAX_SCAN_BYTES:
        return f"Berkas {name} {ukuran_berkas(size)}; paling besar {ukuran_berkas(MAX_SCAN_BYTES)}. Pilih berkas lain."
    if not verdict.get("pdf"):
        return f"{name} bukan berkas PDF. Pilih pindaian surat dalam format PDF."
    return None


def scan_info(verdict: dict[str, Any] | None) -> Any:
    """The chosen scan's name and size, or why it is refused (shown at once, before saving)."""
    if not verdict:
        return ""
    problem = scan_problem(verdict)
    if problem:
        return html.Span(problem, className="text-danger", id="sp-unggah-tolak")
    return html.Span(
        [html.Strong(str(verdict.get("name"))), f" · {ukuran_berkas(int(verdict.get('size') or 0))}"],
        id="sp-unggah-berkas",
    )


def refusal(message: str) -> dbc.Alert:
    """Why the letter was not recorded."""
    return dbc.Alert(message, color="danger", className="py-2 mb-0", id="sp-pesan-isi")


def success(message: str) -> dbc.Alert:
    """What was recorded; fades after a while."""
    return dbc.Alert(message, color="success", className="py-2 mb-0", id="sp-pesan-isi", duration=10000)


# --- reading the inputs -----------------------------------------------------------------------------------------


def picked_day(value: str | None, what: str) -> date:
    """A date picker's value; FormError when empty."""
    try:
        return date.fromisoformat((value or "")[:10])
    except ValueError:
        raise FormError(f"{what} wajib diisi.") from None


def whole_number(value: str | int | None, what: str) -> int:
    """`1.234.567`, `Rp 1.234.567` or `1234567` as an integer; FormError otherwise."""
    text = str(value if value is not None else "").replace("Rp", "").replace(".", "").replace(" ", "").strip()
    if not text.isdigit():
        raise FormError(f"{what} harus bilangan bulat tanpa desimal (mis. 1.234.567).")
    return int(text)


def received_moment(day: str | None, clock: str | None) -> datetime:
    """The received date and `HH:MM` (or `HH.MM`) as a moment in WIB."""
    when = picked_day(day, "Tanggal diterima")
    match = _TIME.match(clock or "")
    if not match or int(match[1]) > 23 or int(match[2]) > 59:
        raise FormError("Jam diterima harus berbentuk JJ:MM, mis. 08:30.")
    return datetime.combine(when, time(int(match[1]), int(match[2])), WIB)


def declared_days(dates: list[str | None], counts: list[str | None], amounts: list[str | None]) -> list[DeclaredDay]:
    """The covered dates with what is declared for each; rows left wholly empty are skipped."""
    days = []
    for day, count, amount in zip(dates, counts, amounts, strict=True):
        if not day and not (count or "").strip() and not (amount or "").strip():
            continue
        business_date = picked_day(day, "Tanggal buku")
        label = f"{business_date:%d/%m/%Y}"
        days.append(
            DeclaredDay(
                business_date,
                whole_number(count, f"Jumlah transaksi {label}"),
                whole_number(amount, f"Jumlah setoran {label}"),
            )
        )
    return days


def scan_bytes(contents: str) -> bytes:
    """The bytes of `dcc.Upload`'s `data:...;base64,...` contents."""
    try:
        return base64.b64decode(contents.partition(",")[2], validate=True)
    except (binascii.Error, ValueError):
        raise FormError("Berkas pindaian tidak terbaca; pilih ulang berkasnya.") from None


def recorded(n: int, dates: list[DeclaredDay]) -> str:
    """The success message."""
    if n == 0:
        return "Surat pernyataan ini sudah tercatat persis sama; tidak ada yang diubah."
    return f"Surat pernyataan dicatat untuk {angka(n)} tanggal" + (
        "" if n == len(dates) else f" (dari {angka(len(dates))}; sisanya sudah sama)"
    )
