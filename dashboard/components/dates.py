"""The one date context of the pages: which day a page opens on, the date kept in the address, the date tools.

Every page that shows one business date opens on `default_day()` (the last working day whose cycle has started,
`queries.calendar.current_business_day`), reads `?tanggal=YYYY-MM-DD` (and `bank=`, filters) from its address and
writes them back there (`dcc.Location(refresh="callback-nav")`), so reload, back/forward, bookmarks and shared
links keep them; the navbar carries `tanggal` from page to page (`dashboard.app`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from urllib.parse import urlencode

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard.components.data import fetch
from queries import config
from queries.calendar import calendar_from_db, current_business_day
from queries.formatting import tanggal_panjang, tanggal_pendek

DAY_PARAM, BANK_PARAM = "tanggal", "bank"


def parse_day(value: str | None) -> date | None:
    """`YYYY-MM-DD` (a date picker's value or the `tanggal` query parameter) as a date, else None."""
    try:
        return date.fromisoformat((value or "")[:10])
    except (TypeError, ValueError):
        return None


def default_day() -> date:
    """The date every page opens on: today when it is a working day, else the last working day before it."""
    return current_business_day(fetch(calendar_from_db), config.now())


def page_day(tanggal: str | None) -> tuple[date, dbc.Alert | None]:
    """The page's date from `?tanggal=`, else the default; with a notice when the address held no date."""
    day = parse_day(tanggal)
    if day is not None:
        return day, None
    day = default_day()
    if tanggal:
        return day, dbc.Alert(
            f"Tanggal “{tanggal[:40]}” tidak dikenali; ditampilkan {tanggal_panjang(day)}.",
            color="warning",
            className="mpn-notice",
        )
    return day, None


def search(**params: str | None) -> str:
    """`?a=1&b=2` of the parameters that have a value, or "" when none has."""
    kept = {k: v for k, v in params.items() if v}
    return "?" + urlencode(kept) if kept else ""


def href(path: str, **params: str | None) -> str:
    """A page's address with its query."""
    return dash.get_relative_path(path) + search(**params)


def range_notice(first: date | None, last: date | None, *, max_days: int | None = None) -> dbc.Alert | None:
    """Why a period picker's choice is not used: an end before the start, a missing end, or a period too long; None
    when the period is fine."""
    if first is None or last is None:
        text = "Pilih tanggal awal dan akhir periode."
    elif first > last:
        text = (
            f"Periode terbalik: tanggal akhir ({tanggal_pendek(last)}) sebelum tanggal awal "
            f"({tanggal_pendek(first)}). Perbaiki periodenya; isi halaman belum diubah."
        )
    elif max_days is not None and (last - first).days > max_days:
        text = f"Periode paling panjang {max_days // 366} tahun; isi halaman belum diubah."
    else:
        return None
    return dbc.Alert(text, color="warning", className="py-2 mpn-notice mpn-period-notice")


def day_notice(day: date) -> dbc.Alert | None:
    """On a day off, when the page shows the default day: "Hari ini bukan hari kerja — menampilkan Jumat, …"."""
    calendar = fetch(calendar_from_db)
    today = config.now().date()
    if calendar.is_working(today) or day != calendar.previous_or_same(today):
        return None
    return dbc.Alert(
        f"Hari ini bukan hari kerja — menampilkan {tanggal_panjang(day)}",
        color="info",
        className="mpn-notice mpn-day-off py-2",
    )


def date_tools(day: date, *, path: str, picker_id: str, keep: Mapping[str, str | None] | None = None) -> html.Div:
    """The date in words, links to the previous/next working day of the page at `path` (keeping the other query
    parameters in `keep`, such as `bank`), and the date picker."""
    calendar = fetch(calendar_from_db)
    previous, following = calendar.previous_or_same(day - timedelta(days=1)), calendar.next_after(day)
    off = calendar.holiday_name(day)
    latest = default_day()
    return html.Div(
        [
            html.Div(
                [
                    html.Span(tanggal_panjang(day), className="mpn-day"),
                    dbc.Badge(f"Bukan hari kerja: {off}", color="secondary", className="ms-2") if off else None,
                ],
                className="mpn-day-line",
            ),
            html.Div(
                [
                    _day_link("‹ Sebelumnya", path, previous, keep),
                    dcc.DatePickerSingle(
                        id=picker_id,
                        date=day.isoformat(),
                        display_format="DD/MM/YYYY",
                        first_day_of_week=1,
                        placeholder="Pilih tanggal",
                        disabled_days=_days_off_near(calendar, day),
                    ),
                    _day_link("Berikutnya ›", path, following, keep, disabled=following > latest),
                ],
                className="mpn-date-nav",
            ),
        ]
    )


def _days_off_near(calendar: object, day: date) -> list[str]:
    """Days off of the three months around `day`, greyed out in the picker (they can still be typed)."""
    start = day.replace(day=1) - timedelta(days=31)
    days = (start + timedelta(days=i) for i in range(100))
    return [d.isoformat() for d in days if not calendar.is_working(d)]  # type: ignore[attr-defined]


def _day_link(
    label: str, path: str, day: date, keep: Mapping[str, str | None] | None, *, disabled: bool = False
) -> dcc.Link | html.Span:
    if disabled:
        return html.Span(label, title="Belum dimulai", className="btn btn-outline-secondary btn-sm disabled")
    target = href(path, **{**(keep or {}), DAY_PARAM: day.isoformat()})
    return dcc.Link(label, href=target, title=tanggal_panjang(day), className="btn btn-outline-secondary btn-sm")
