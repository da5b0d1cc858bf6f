"""The appeal letter (Surat Himbauan, SE-127/PJ/2010 step 5-8) as a PDF in the layout of an Indonesian official letter.

`appeal_letter_pdf` renders one letter (pure: the same letter, settings and counts give the same bytes; the file's
creation date is the letter's last change). A letter not yet signed prints as a KONSEP: watermark, number without
its sequence, date without its day, and the paraf of the Kasi once given. `letter_pdf_for` is the pages' and the
command line's one call: read the letter, the settings and the MPN totals of the asked dates, render, name the file.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date

from sqlalchemy import Connection

from jobs.documents.pdf_style import AGENT_KIND, Column, Document, date_words, draw_letterhead, latin1, table
from queries import config
from queries.formatting import BULAN, angka, tanggal_panjang
from queries.letters.appeals import ROMAN, AppealLetter, appeal_letter, asked_payments
from queries.settings import Settings, current_settings

SUBJECT = "Permintaan Penyampaian Surat Pernyataan Perbankan/Pos"
REGULATION = (
    "Surat Edaran Direktur Jenderal Pajak Nomor SE-127/PJ/2010 tentang Perubahan atas Surat Edaran "
    "Direktur Jenderal Pajak Nomor SE-03/PJ/2010 tentang Tata Cara Distribusi Data Modul Penerimaan "
    "Negara (MPN) ke Sistem Informasi Direktorat Jenderal Pajak (SIDJP/SIPMOD)"
)
SIGNED_STATUSES = ("signed", "sent", "answered")
BLANK_SEQ = " " * 6  # the sequence left open on a KONSEP: filled in when the letter is signed
INDENT = 7.0  # numbered paragraphs and the table hang this far from the margin
DATES = (
    Column("No.", 10, "R"),
    Column("Tanggal buku", 64),
    Column("Jumlah transaksi MPN", 44, "R"),
    Column("Jumlah setoran MPN (Rp)", 55, "R"),
)  # 173 mm: the text width less INDENT
SIGNATURE_X = 110.0
_ONES = ("", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan", "sembilan", "sepuluh", "sebelas")


def terbilang(n: int) -> str:
    """A small whole number (0-999) in Indonesian words: `5` is `lima`, `12` `dua belas`, `60` `enam puluh`."""
    if n < 12:
        return _ONES[n] or "nol"
    if n < 20:
        return f"{_ONES[n - 10]} belas"
    if n < 100:
        tens, rest = divmod(n, 10)
        return f"{_ONES[tens]} puluh" + (f" {_ONES[rest]}" if rest else "")
    hundreds, rest = divmod(n, 100)
    head = "seratus" if hundreds == 1 else f"{_ONES[hundreds]} ratus"
    return head + (f" {terbilang(rest)}" if rest else "")


def is_signed(letter: AppealLetter) -> bool:
    """Signed (it has its number and date): printed as the real letter, not as a KONSEP."""
    return letter.status in SIGNED_STATUSES or (letter.letter_number is not None and letter.letter_date is not None)


def draft_number(pattern: str, day: date, bank_code: str) -> str:
    """The number pattern with its sequence left blank: `S-      /PJ.10/2026` (the pattern itself on a bad spec)."""
    blank = re.sub(r"\{seq(?:[:!][^}]*)?\}", BLANK_SEQ, pattern)  # {seq:03d} would refuse blanks
    for month in (f"{day.month:02d}", day.month):  # as the signature fills it in; an int for {month:02d}
        try:
            filled = blank.format(year=day.year, month=month, roman=ROMAN[day.month - 1], bank=bank_code)
        except (KeyError, IndexError, ValueError):
            continue
        return filled
    return pattern


class _LetterDocument(Document):
    """The house document with, on every page, a light-grey diagonal watermark and a note above the letterhead."""

    def __init__(self, footer_note: str, *, watermark: str, note: str) -> None:
        super().__init__(footer_note)
        self.watermark = watermark
        self.note = note

    def header(self) -> None:
        """Watermark first (the letter is drawn over it), then the note in the top margin."""
        if self.watermark:
            self.set_font("helvetica", style="B", size=96)
            self.set_text_color(225)
            width = self.get_string_width(self.watermark)
            cx, cy = self.w / 2, self.h / 2
            with self.rotation(angle=50, x=cx, y=cy):
                self.text(cx - width / 2, cy + 12, self.watermark)
        if self.note:
            self.set_xy(self.l_margin, 7)
            self.set_font("helvetica", style="B", size=8)
            self.set_text_color(150, 0, 0)
            self.cell(0, 4, latin1(self.note), align="R")
        self.set_text_color(0)
        self.set_xy(self.l_margin, self.t_margin)


def _number_block(pdf: Document, letter: AppealLetter, settings: Settings, day: date, signed: bool) -> None:
    """Nomor, Sifat, Lampiran, Hal on the left; place and date on the right of the Nomor line."""
    number = (
        letter.letter_number
        if signed and letter.letter_number
        else draft_number(settings.letter_number_pattern, day, letter.bank_code)
    )
    if signed and letter.letter_date is not None:
        dated = f"{settings.place}, {date_words(letter.letter_date)}"
    else:
        dated = f"{settings.place},{BLANK_SEQ}{BULAN[day.month - 1]} {day.year}"
    rows = (("Nomor", number), ("Sifat", "Segera"), ("Lampiran", "-"), ("Hal", SUBJECT))
    for i, (label, value) in enumerate(rows):
        y = pdf.get_y()
        pdf.set_font("helvetica", size=10)
        pdf.cell(20, 5, label)
        pdf.cell(4, 5, ":")
        pdf.multi_cell(86, 5, latin1(value), align="L", new_x="LMARGIN", new_y="NEXT")
        if i == 0:
            after = pdf.get_y()
            pdf.set_xy(130, y)
            pdf.cell(0, 5, latin1(dated), align="R")
            pdf.set_xy(pdf.l_margin, after)
    pdf.ln(5)


def _addressee(pdf: Document, letter: AppealLetter) -> None:
    lines = [line.strip() for line in letter.addressee.splitlines() if line.strip()] or [letter.bank_name]
    pdf.set_font("helvetica", size=10)
    for i, line in enumerate([*lines, "di tempat"]):
        pdf.set_x(pdf.l_margin)
        pdf.cell(9, 5, "Yth." if i == 0 else "")
        pdf.multi_cell(0, 5, latin1(line), align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(5)


def _point(pdf: Document, label: str, body: str) -> None:
    """A numbered paragraph, justified, hanging from its number."""
    pdf.set_font("helvetica", size=10)
    pdf.set_x(pdf.l_margin)
    pdf.cell(INDENT, 5.5, label)
    pdf.multi_cell(0, 5.5, latin1(body), align="J", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1.5)


def _body(pdf: Document, letter: AppealLetter, settings: Settings, counts: Mapping[date, tuple[int, int]]) -> None:
    agent = AGENT_KIND.get(letter.bank_kind, "Bank/Pos Persepsi")
    pdf.write_line(
        f"Sehubungan dengan {REGULATION}, dengan hormat kami sampaikan hal-hal sebagai berikut:",
        size=10,
        align="J",
        h=5.5,
    )
    pdf.ln(1.5)
    _point(
        pdf,
        "1.",
        "Data penerimaan pajak yang diterima melalui Modul Penerimaan Negara (MPN) hanya dapat "
        "didistribusikan ke SIDJP dan SIPMOD setelah Surat Pernyataan dari Bank/Pos Persepsi atas "
        "data tersebut kami terima.",
    )
    _point(
        pdf,
        "2.",
        f"Sampai dengan tanggal surat ini, kami belum menerima Surat Pernyataan dari {letter.bank_name} "
        f"selaku {agent} (kode {letter.bank_code}) untuk tanggal buku sebagai berikut:",
    )
    rows: list[tuple[str, str, str, str]] = []
    total_count = total_amount = 0
    for i, day in enumerate(letter.business_dates, 1):
        count, amount = counts.get(day, (0, 0))
        total_count, total_amount = total_count + count, total_amount + amount
        rows.append(
            (
                f"{i}.",
                tanggal_panjang(day),
                angka(count) if day in counts else "-",
                angka(amount) if day in counts else "-",
            )
        )
    if len(rows) > 1:
        rows.append(("", "Jumlah", angka(total_count), angka(total_amount)))
    margin = pdf.l_margin
    pdf.set_left_margin(margin + INDENT)
    pdf.set_x(margin + INDENT)
    table(pdf, DATES, rows, size=9)
    pdf.set_left_margin(margin)
    pdf.set_x(margin)
    pdf.ln(3)
    days = settings.letter_reply_days
    _point(
        pdf,
        "3.",
        "Sehubungan dengan hal tersebut, kami minta Saudara menyampaikan Surat Pernyataan untuk "
        f"tanggal buku tersebut paling lambat {days} ({terbilang(days)}) hari kerja setelah surat ini "
        "diterima, agar data penerimaan pajak dimaksud dapat segera didistribusikan.",
    )
    if letter.note.strip():
        _point(pdf, "4.", letter.note.strip())
    pdf.write_line(
        "Demikian disampaikan. Atas perhatian dan kerja sama Saudara, kami ucapkan terima kasih.",
        size=10,
        align="J",
        h=5.5,
    )


def _signature(pdf: Document, letter: AppealLetter, settings: Settings, signed: bool) -> None:
    if pdf.get_y() > pdf.h - pdf.b_margin - 50:
        pdf.add_page()
    pdf.ln(8)
    name = letter.signer_name if signed and letter.signer_name else settings.signer_name
    nip = letter.signer_nip if signed and letter.signer_nip else settings.signer_nip
    lines: list[tuple[str, str, float, float]] = [(settings.signer_title + ",", "", 10, 0)]
    if signed:
        lines += [("", "", 10, 6), ("Ditandatangani secara elektronik", "I", 8, 6)]
    else:
        lines += [("", "", 10, 16)]
    lines += [(name or "(" + "." * 45 + ")", "BU" if name else "", 10, 0), ("NIP " + (nip or "." * 30), "", 10, 0)]
    for value, style, size, gap in lines:
        if value:
            pdf.set_x(SIGNATURE_X)
            pdf.set_font("helvetica", style=style, size=size)
            pdf.multi_cell(0, 5, latin1(value), align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(gap)
    if not signed and letter.initialled_by:
        pdf.ln(6)
        pdf.write_line(f"Paraf: {letter.initialled_by}", size=7)


def _notes(letter: AppealLetter, signed: bool) -> tuple[str, str]:
    """(watermark, header note) for the letter's status."""
    if letter.status == "void":
        return "DIBATALKAN", f"DIBATALKAN: {letter.void_reason or letter.status_title}"
    if not signed:
        return "KONSEP", f"KONSEP - {letter.status_title}; nomor dan tanggal diisi saat ditandatangani"
    return "", ""


def appeal_letter_pdf(letter: AppealLetter, settings: Settings, counts: Mapping[date, tuple[int, int]]) -> bytes:
    """The letter as PDF bytes; `counts` gives (MPN payments, amount) per asked business date.

    Deterministic: the only time in the file is `letter.updated_at` (its creation date).
    """
    signed = is_signed(letter)
    watermark, note = _notes(letter, signed)
    day = letter.letter_date or letter.updated_at.astimezone(config.timezone()).date()
    state = f" ({watermark.lower()})" if watermark else ""
    pdf = _LetterDocument(
        f"Surat Himbauan #{letter.letter_id} - {letter.bank_code} {letter.bank_name}{state}",
        watermark=watermark,
        note=note,
    )
    pdf.set_creation_date(letter.updated_at)
    pdf.set_title(f"Surat Himbauan #{letter.letter_id} {letter.bank_code}")
    pdf.set_subject(SUBJECT)
    pdf.set_author(
        latin1(settings.letterhead[min(1, len(settings.letterhead) - 1)].title()) if settings.letterhead else ""
    )
    pdf.add_page()
    draw_letterhead(pdf, settings.letterhead, settings.office_address)
    _number_block(pdf, letter, settings, day, signed)
    _addressee(pdf, letter)
    _body(pdf, letter, settings, counts)
    _signature(pdf, letter, settings, signed)
    return bytes(pdf.output())


def file_name(letter: AppealLetter) -> str:
    """`surat-himbauan-12-002.pdf`."""
    return f"surat-himbauan-{letter.letter_id}-{letter.bank_code}.pdf"


def letter_pdf_for(conn: Connection, letter_id: int) -> tuple[str, bytes]:
    """(file name, PDF bytes) of appeal letter `letter_id`; LookupError when there is none. Reads only."""
    letter = appeal_letter(conn, letter_id)
    settings = current_settings(conn)
    counts = asked_payments(conn, letter)
    return file_name(letter), appeal_letter_pdf(letter, settings, counts)


__all__ = ["appeal_letter_pdf", "file_name", "letter_pdf_for"]
