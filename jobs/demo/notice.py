"""The demo's disruption notice: a regional bank's two-day outage, so Kelengkapan and Rapor bank show the
state "terlambat — ada pemberitahuan".

The bank is a regional development bank (BPD) whose batch the demo made late (or missing) on some date; its notice
covers two days from that morning, was received two hours after the outage ended, and everything lies before now
(the demo's timeline is one history before now: `jobs.demo.history`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta

from sqlalchemy import Engine

from jobs.demo.model import Planted
from queries import config
from queries.accounts.audit import Actor
from queries.letters.notice_work import record_checked
from queries.letters.notices import FORCE_MAJEURE_MIN, NoticeIn

#: Regional development banks (BPD) in the default master data: codes 110 to 135.
REGIONAL = range(110, 136)
OUTAGE = timedelta(days=2)
NOTIFIED_AFTER = timedelta(hours=2)


def _regional(code: str) -> bool:
    return code.isdigit() and int(code) in REGIONAL


def pick(planted: Sequence[Planted], now: datetime) -> Planted | None:
    """The latest late or missing batch of a regional bank early enough for its notice to have arrived by now."""
    tz = config.timezone()
    fits = [
        p
        for p in planted
        if p.category in ("late_batch", "missing_batch")
        and _regional(p.bank_code)
        and datetime.combine(p.day, time(7), tz) + timedelta(hours=12) < now
    ]
    return max(fits, key=lambda p: (p.day, p.bank_code), default=None)


def plant_notice(engine: Engine, planted: Sequence[Planted], now: datetime, actor: Actor) -> int | None:
    """Record the outage notice through the same code as the form and the file; returns its id (None without a
    regional bank late on a date early enough)."""
    found = pick(planted, now)
    if found is None:
        return None
    tz = config.timezone()
    start = datetime.combine(found.day, time(7), tz)
    end = min(start + OUTAGE, now - NOTIFIED_AFTER - timedelta(minutes=5))
    received = end + NOTIFIED_AFTER
    cause = "force_majeure" if end - start > FORCE_MAJEURE_MIN else "communication_failure"
    notice = NoticeIn(
        found.bank_code,
        f"{found.bank_code}/TI/{_roman(found.day)}/{found.day:%Y}",
        received.date(),
        received,
        cause,
        start,
        end,
        ("mpn", "batch", "statement"),
        "Jaringan ke Kantor Pusat terputus; transaksi diterima luring dan direkam ulang setelah pulih.",
    )
    with engine.begin() as conn:
        notice_id, _ = record_checked(conn, notice, actor=actor, now=now)
    return notice_id


def _roman(day: date) -> str:
    return ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")[day.month - 1]
