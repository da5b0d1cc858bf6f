"""A fast bordered table for fpdf2 that repeats its heading on every page it spans.

fpdf2's own `FPDF.table()` takes ~6 ms a row (a minute for the 10,000 rows a Berita Acara may list), and even
one `cell()` per value costs ~130 us. Here text is measured from the core font's width table and placed with
`text()` (~6 us); only text wider than its column goes through `multi_cell`'s line splitter. Text must
already be encodable in the document's font. A column marked `wrap=False` (an NTPN, a code) never breaks inside
its text: text too wide for it is set a little smaller instead. `reserve` keeps the last row on the page of what
follows the table (the signature block of a Berita Acara), so that never stands alone on a page.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import NamedTuple

from fpdf import FPDF
from fpdf.enums import MethodReturnValue

HEADING_FILL = 235  # grey level of the heading row


class Column(NamedTuple):
    """One column: heading, width in the document's unit, alignment ("L" or "R")."""

    heading: str
    width: float
    align: str = "L"
    wrap: bool = True


def draw_table(
    pdf: FPDF,
    columns: Sequence[Column],
    rows: Iterable[Sequence[str]],
    *,
    size: float = 8,
    pad_x: float = 1.0,
    pad_y: float = 0.6,
    reserve: float = 0.0,
) -> None:
    """Draw `rows` under a heading row from the current position; a row never splits across pages.

    `reserve`: the height (document units) of what must follow the last row on its page.
    """
    line_h = size * 0.48
    family = pdf.font_family or "helvetica"

    def width(text: str) -> float:
        widths = getattr(pdf.current_font, "cw", None)
        if isinstance(widths, dict):  # a core font: its width table, in 1/1000 of the font size
            return sum(widths.get(ch, 0) for ch in text) * pdf.font_size / 1000
        return pdf.get_string_width(text)

    def split(text: str, col: Column) -> list[str]:
        room = col.width - 2 * pad_x
        if width(text) <= room or not col.wrap:
            return [text]
        lines = pdf.multi_cell(room, line_h, text, dry_run=True, output=MethodReturnValue.LINES)
        return [str(line) for line in lines] if isinstance(lines, list) and lines else [text]

    def place(x: float, baseline: float, line: str, col: Column) -> None:
        room = col.width - 2 * pad_x
        if col.wrap or width(line) <= room:
            left = x + col.width - pad_x - width(line) if col.align == "R" else x + pad_x
            pdf.text(left, baseline, line)
            return
        style = pdf.font_style
        pdf.set_font(family, style=style, size=size * room / width(line))  # whole, a little smaller
        pdf.text(x + pad_x, baseline, line)
        pdf.set_font(family, style=style, size=size)

    def draw(cells: Sequence[str], *, heading: bool, keep: float = 0.0) -> None:
        pdf.set_font(family, style="B" if heading else "", size=size)
        parts = [split(text, col) for text, col in zip(cells, columns, strict=True)]
        height = max(len(p) for p in parts) * line_h + 2 * pad_y
        if not heading and pdf.get_y() + height + keep > pdf.page_break_trigger:
            pdf.add_page()
            draw(headings, heading=True)
            pdf.set_font(family, size=size)
        x, y = pdf.l_margin, pdf.get_y()
        for col, lines in zip(columns, parts, strict=True):
            pdf.rect(x, y, col.width, height, style="DF" if heading else "D")
            baseline = y + (height - len(lines) * line_h) / 2 + line_h / 2 + 0.3 * pdf.font_size
            for i, line in enumerate(lines):
                place(x, baseline + i * line_h, line, col)
            x += col.width
        pdf.set_xy(pdf.l_margin, y + height)

    headings = [c.heading for c in columns]
    pdf.set_fill_color(HEADING_FILL)
    if pdf.get_y() + 2 * (line_h + 2 * pad_y) > pdf.page_break_trigger:  # no heading alone at a page's foot
        pdf.add_page()
    draw(headings, heading=True)
    previous: Sequence[str] | None = None
    for row in rows:
        if previous is not None:
            draw(previous, heading=False)
        previous = row
    if previous is not None:
        room = pdf.page_break_trigger - pdf.t_margin - 2 * (line_h + 2 * pad_y)
        draw(previous, heading=False, keep=reserve if reserve < room else 0.0)
