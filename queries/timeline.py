"""Impossible timelines: a time that cannot be true is an anomaly, never "on time" nor "late".

The kasubdit reads every duty's time against its deadline; a time after now, a result before the batch it
answers, a delivery before its preparation or negative minutes cannot be scored at all. Each rule below returns
the reason in Bahasa Indonesia (shown on Kelengkapan, Rekonsiliasi and in the daily report), or None when the
timeline is possible. The completeness matrix gives such a duty the state `anomaly`.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from queries.calendar import WIB
from queries.formatting import angka
from queries.plausibility import CLOCK_SKEW

ANOMALY = "anomaly"
#: The state's word on screen and in reports.
ANOMALY_TITLE = "Anomali"

FUTURE = "waktu {what} di masa depan"
RESULT_BEFORE_BATCH = "hasil rekonsiliasi sebelum batch diterima"
BEFORE_BUSINESS_DAY = "{what} sebelum tanggal bukunya"
BEFORE_PREPARED = "{what} sebelum data disiapkan"


def in_future(at: datetime | None, now: datetime, what: str) -> str | None:
    """`at` lies after now (beyond the clock skew a sender may have): the reason, else None."""
    if at is not None and at > now + CLOCK_SKEW:
        return FUTURE.format(what=what)
    return None


def result_anomaly(
    received_at: datetime | None, result_at: datetime | None, minutes: float | None, now: datetime
) -> str | None:
    """R5 timing of one bank's batch and the result that first included it: why it is impossible, or None."""
    return (
        in_future(received_at, now, "terima batch")
        or in_future(result_at, now, "hasil rekonsiliasi")
        or (
            RESULT_BEFORE_BATCH
            if (minutes is not None and minutes < 0)
            or (result_at is not None and received_at is not None and result_at < received_at)
            else None
        )
    )


def received_anomaly(received_at: datetime | None, business_date: date, now: datetime, what: str) -> str | None:
    """A file or letter of `business_date` received after now, or before its business day began."""
    if received_at is None:
        return None
    future = in_future(received_at, now, f"terima {what}")
    if future:
        return future
    # Local date of the sender (the offset it wrote); WIT (UTC+9) starts a day two hours before WIB.
    if (received_at + timedelta(hours=2)).astimezone(WIB).date() < business_date:
        return BEFORE_BUSINESS_DAY.format(what=f"{what} diterima")
    return None


def delivery_anomaly(prepared_at: datetime | None, confirmed_at: datetime | None, now: datetime) -> str | None:
    """A target's confirmation after now, or before the round it confirms was prepared."""
    future = in_future(confirmed_at, now, "konfirmasi")
    if future:
        return future
    if prepared_at is not None and confirmed_at is not None and confirmed_at < prepared_at:
        return BEFORE_PREPARED.format(what="konfirmasi")
    return None


def minutes_text(minutes: float | None, anomaly: str | None = None, *, unit: str = "menit") -> str:
    """R5 minutes for people: `12 menit`; `—` unknown; never a negative number (an anomaly names itself)."""
    if anomaly or (minutes is not None and minutes < 0):
        return f"{ANOMALY_TITLE}: {anomaly or RESULT_BEFORE_BATCH}"
    return "—" if minutes is None else f"{angka(round(minutes))} {unit}"
