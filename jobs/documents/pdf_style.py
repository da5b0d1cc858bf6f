"""The house PDF style shared by the Berita Acara Rekonsiliasi and the Surat Himbauan: A4, core Helvetica fonts,
the letterhead with its double rule, the footer "Halaman X dari Y", bordered tables.

Core fonts keep the files small and need no font on the server; they encode Latin-1 only, so text passes
through `latin1` (an en dash becomes '-').
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

from fpdf import FPDF

from jobs.documents.pdf_table import Column, draw_table
from queries.formatting import BULAN

#: How each kind of collecting agent is named in letters and reports.
AGENT_KIND = {"bank": "Bank Persepsi", "pos": "Pos Persepsi", "other": "Tempat Pembayaran"}
_PUNCTUATION = str.maketrans(
    {
        "\u2013": "-",
        "\u2014": "-",
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2026": "...",
        "\u00a0": " ",
    }
)


def latin1(s: str) -> str:
    """`s` in what the core fonts can encode: typographic punctuation to ASCII, anything else to '?'."""
    return s.translate(_PUNCTUATION).encode("latin-1", "replace").decode("latin-1")


def date_words(d: date) -> str:
    """`20 November 2026` (no weekday), for the place-and-date line and running text."""
    return f"{d.day} {BULAN[d.month - 1]} {d.year}"


class Document(FPDF):
    """A4 portrait, 15 mm margins, with the running footer "Halaman X dari Y"."""

    def __init__(self, footer_note: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.footer_note = footer_note
        self.set_margins(15, 15, 15)
        self.set_auto_page_break(auto=True, margin=18)

    def footer(self) -> None:
        """The document's identity on the left, the page of pages on the right."""
        self.set_y(-12)
        self.set_font("helvetica", size=7)
        self.set_text_color(90)
        self.cell(120, 5, latin1(self.footer_note))
        self.cell(0, 5, f"Halaman {self.page_no()} dari {{nb}}", align="R")
        self.set_text_color(0)

    def write_line(self, text: str, *, size: float = 9, style: str = "", align: str = "L", h: float = 5) -> None:
        """One line (or wrapped paragraph) across the text width."""
        self.set_font("helvetica", style=style, size=size)
        self.multi_cell(0, h, latin1(text), align=align, new_x="LMARGIN", new_y="NEXT")


def draw_letterhead(pdf: Document, lines: Sequence[str], address: str = "") -> None:
    """The kop surat: `lines` bold and centred (the first a little larger), the office address, a double rule."""
    for i, line in enumerate(lines):
        pdf.write_line(line, size=12 if i == 0 else 11, style="B", align="C", h=5.5)
    if address:
        pdf.write_line(address, size=7.5, align="C", h=4)
    y = pdf.get_y() + 1.5
    pdf.set_line_width(0.8)
    pdf.line(pdf.l_margin, y, pdf.w - pdf.r_margin, y)
    pdf.set_line_width(0.2)
    pdf.line(pdf.l_margin, y + 1.2, pdf.w - pdf.r_margin, y + 1.2)
    pdf.set_y(y + 5)


def table(
    pdf: Document, columns: Sequence[Column], rows: Iterable[Sequence[str]], *, size: float = 8, reserve: float = 0.0
) -> None:
    """A bordered table whose heading repeats on every page it spans; text made Latin-1 first. `reserve` (mm):
    what must follow its last row on the same page."""
    pdf.set_font("helvetica", size=size)
    draw_table(
        pdf,
        [c._replace(heading=latin1(c.heading)) for c in columns],
        ([latin1(c) for c in row] for row in rows),
        size=size,
        reserve=reserve,
    )


def text_height(pdf: Document, text: str, *, size: float = 9, h: float = 5) -> float:
    """The height `Document.write_line(text)` will take across the text width (mm)."""
    pdf.set_font("helvetica", size=size)
    lines = pdf.multi_cell(0, h, latin1(text), dry_run=True, output="LINES")
    return h * max(1, len(lines) if isinstance(lines, list) else 1)


__all__ = ["AGENT_KIND", "Column", "Document", "date_words", "draw_letterhead", "latin1", "table", "text_height"]
