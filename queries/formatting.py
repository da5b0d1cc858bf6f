"""Indonesian number, money, date and time formatting, with no dependency on the machine's locale.

`Rp 1.234.567`, `Rp 1,87 T`, `Jumat, 20 November 2026`, `14:05 WIB`: the forms Indonesian
government reports use (`.` groups thousands, `,` marks decimals). Shared by the pages, the PDF and XLSX
documents and the command line, so it lives in the lowest layer.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from queries.calendar import WIB

HARI = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
BULAN = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)

# (threshold, decimals, suffix), largest first: triliun, miliar, juta.
_SHORT_UNITS = ((10**12, 2, "T"), (10**9, 1, "M"), (10**6, 1, "jt"))


def angka(n: int) -> str:
    """A whole number with `.` between thousands: `1.234.567`."""
    return f"{n:,}".replace(",", ".")


def _decimal(value: Decimal, decimals: int) -> str:
    """A non-negative decimal with Indonesian separators: `1.869,00`."""
    whole, _, frac = f"{value:.{decimals}f}".partition(".")
    return angka(int(whole)) + ("," + frac if frac else "")


def rupiah(n: int) -> str:
    """Whole rupiah: `Rp 1.234.567`; a negative amount reads `-Rp 1.234.567`."""
    return ("-" if n < 0 else "") + "Rp " + angka(abs(n))


def rupiah_short(n: int) -> str:
    """Rupiah abbreviated for cards and charts: `Rp 1,87 T`, `Rp 245,3 M`, `Rp 12,5 jt`.

    Below one million the full amount is shown. A value that rounds up to the next unit moves to it
    (999.960.000 is `Rp 1,0 M`, not `Rp 1.000,0 jt`).
    """
    sign, value = ("-" if n < 0 else ""), abs(n)
    for i, (unit, decimals, suffix) in enumerate(_SHORT_UNITS):
        if value < unit:
            continue
        scaled = (Decimal(value) / unit).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
        if i > 0 and scaled >= 1000:
            bigger, big_decimals, big_suffix = _SHORT_UNITS[i - 1]
            scaled = (Decimal(value) / bigger).quantize(Decimal(1).scaleb(-big_decimals), ROUND_HALF_UP)
            decimals, suffix = big_decimals, big_suffix
        return f"{sign}Rp {_decimal(scaled, decimals)} {suffix}"
    return rupiah(n)


def persen(share: float | Decimal | None, decimals: int = 1, *, sign: bool = False, down: bool = False) -> str:
    """A share of one as a percentage, the one way every page and document writes it: `99,8%`, `+12,3%`.

    `sign` puts `+` before a rise; `down` rounds towards zero, so `100,0%` is shown only when all of it is (a
    match rate). `—` when unknown (nothing to divide by).
    """
    if share is None:
        return "—"
    value = (Decimal(str(share)) * 100).quantize(
        Decimal(1).scaleb(-decimals), rounding=ROUND_DOWN if down else ROUND_HALF_UP
    )
    if value == 0:
        value = abs(value)
    plus = "+" if sign and value > 0 else ""
    return f"{'-' if value < 0 else plus}{_decimal(abs(value), decimals)}%"


def persen_dari(part: int, whole: int, decimals: int = 1, *, down: bool = False) -> str:
    """`part` of `whole` as a percentage (`persen`); `—` when `whole` is zero."""
    return persen(Decimal(part) / Decimal(whole) if whole else None, decimals, down=down)


#: What a date or time reads as when it is unknown (NULL, or a stored value `queries.db` refused to trust).
TIDAK_DIKETAHUI = "tidak diketahui"


def tanggal_panjang(d: date | None) -> str:
    """A date in words: `Jumat, 20 November 2026`."""
    if d is None:
        return TIDAK_DIKETAHUI
    return f"{HARI[d.weekday()]}, {d.day} {BULAN[d.month - 1]} {d.year}"


def tanggal_pendek(d: date | None) -> str:
    """A date in figures: `20/11/2026`."""
    if d is None:
        return TIDAK_DIKETAHUI
    return f"{d:%d/%m/%Y}"


def jam_wib(ts: datetime | None, *, day: date | None = None) -> str:
    """A moment's time in Western Indonesia Time: `14:05 WIB`.

    When `day` is given and the moment falls on another day (a batch sent the morning after),
    the date is shown too: `21/11 09:12 WIB`.
    """
    if ts is None:
        return TIDAK_DIKETAHUI
    local = ts.astimezone(WIB)
    prefix = "" if day is None or local.date() == day else f"{local:%d/%m} "
    return f"{prefix}{local:%H:%M} WIB"


def waktu_wib(ts: datetime | None) -> str:
    """Date and time in Western Indonesia Time: `20/11/2026 14:05 WIB`."""
    if ts is None:
        return TIDAK_DIKETAHUI
    local = ts.astimezone(WIB)
    return f"{local:%d/%m/%Y %H:%M} WIB"


def rentang_tanggal(first: date | None, last: date | None) -> str:
    """A date range for tables: `19/11/2026 – 20/11/2026`, one date when equal, `—` when unknown."""
    if first is None or last is None:
        return "—"
    if first == last:
        return tanggal_pendek(first)
    return f"{tanggal_pendek(first)} – {tanggal_pendek(last)}"


def ukuran_berkas(size_bytes: int) -> str:
    """A file size: `812 B`, `2,0 KB`, `15,3 MB`, `1,2 GB` (1 KB = 1024 bytes)."""
    if size_bytes < 1024:
        return f"{size_bytes} B"
    value = Decimal(size_bytes)
    for suffix in ("KB", "MB", "GB", "TB"):
        value /= 1024
        if value < 1024 or suffix == "TB":
            break
    return f"{_decimal(value, 1)} {suffix}"
