"""Indonesian working days (CONTRACT §2.4), the business date of a payment (DOMAIN R3), the one date every
page opens on (`current_business_day`), and Indonesia's time zones (`WIB`, `ZONES`).

Pure calendar code in the base of the domain core: the areas, the jobs, the pages and the command line all
take their working days and zones from here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

from queries import config

#: Indonesia's three time zones by their UTC offset in hours.
ZONES = {7: "WIB", 8: "WITA", 9: "WIT"}
#: Each zone's IANA name, as a head office's `timezone` may be given.
ZONE_IANA = {"WIB": "Asia/Jakarta", "WITA": "Asia/Makassar", "WIT": "Asia/Jayapura"}
#: Western Indonesia Time: the zone of the regulatory deadlines and of every time the product shows.
WIB = ZoneInfo(ZONE_IANA["WIB"])


@lru_cache(maxsize=64)
def _national(year: int) -> dict[date, str]:
    """Indonesia's public and government (cuti bersama) days off in `year`, with their names."""
    return dict(holidays.country_holidays("ID", categories=("public", "government"), years=year))


class WorkingCalendar:
    """Monday to Friday, less the `holidays` package's Indonesian public and government (cuti bersama)
    days, less the master non-working days."""

    def __init__(self, extra_days_off: Iterable[date] | Mapping[date, str] = ()) -> None:
        self._extra = frozenset(extra_days_off)

    def is_working(self, day: date) -> bool:
        """True on a working day."""
        return day.weekday() < 5 and day not in _national(day.year) and day not in self._extra

    def holiday_name(self, day: date) -> str | None:
        """Why `day` is not a working day, or None when it is one."""
        if day in self._extra:
            return "libur tambahan"
        names = _national(day.year)
        if day in names:
            return names[day]
        return "akhir pekan" if day.weekday() >= 5 else None

    def this_or_next(self, day: date) -> date:
        """`day` when it is a working day, else the next working day."""
        while not self.is_working(day):
            day += timedelta(days=1)
        return day

    def next_after(self, day: date) -> date:
        """The first working day strictly after `day`."""
        return self.this_or_next(day + timedelta(days=1))

    def previous_or_same(self, day: date) -> date:
        """`day` when it is a working day, else the last working day before it."""
        while not self.is_working(day):
            day -= timedelta(days=1)
        return day

    def last_working_days(self, n: int, until: date) -> list[date]:
        """The last `n` working days up to and including `until`, oldest first."""
        days: list[date] = []
        day = until
        while len(days) < n:
            if self.is_working(day):
                days.append(day)
            day -= timedelta(days=1)
        return days[::-1]

    def business_date(self, local_day: date, local_time: time, cutoff: time = time(15)) -> date:
        """DOMAIN R3: at or before the cut-off on a working day -> that day, else the next working day."""
        if local_time <= cutoff:
            return self.this_or_next(local_day)
        return self.next_after(local_day)

    def business_date_of(self, paid_at: datetime, cutoff: time = time(15)) -> date:
        """Business date of an aware timestamp, read in its own (branch-local) offset."""
        if paid_at.tzinfo is None:
            raise ValueError("paid_at must be time-zone aware")
        return self.business_date(paid_at.date(), paid_at.time().replace(tzinfo=None), cutoff)


def calendar_from_db(conn: object) -> WorkingCalendar:
    """The working calendar with the database's master non-working days."""
    from queries.imports.master import non_working_days

    return WorkingCalendar(non_working_days(conn))  # type: ignore[arg-type]


def current_business_day(calendar: WorkingCalendar, now: datetime) -> date:
    """The date every page opens on: the last working day whose cycle has started, read in the schedule zone.

    Today when it is a working day, else the last working day before it; never a future date (a payment after
    Sunday's cut-off has business date Monday, but Monday has not begun).
    """
    return calendar.previous_or_same(now.astimezone(config.timezone()).date())


def current_business_day_db(conn: object, now: datetime) -> date:
    """`current_business_day` with the database's master non-working days."""
    return current_business_day(calendar_from_db(conn), now)
