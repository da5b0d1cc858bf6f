"""The four duty rules read off the Kelengkapan model (`queries.monitoring.completeness.bank_days`), never re-derived.

Each (rule, business date, bank) gets the `DutyStatus` Kelengkapan shows: `batch_late` from its `batch` duty,
`statement_late` from `statement`, `result_late` from `result_duty` (the `recon` duty, which is R5's DELIVERY: the
mail server's acceptance of the message carrying the result to the bank's head office within the hour of the batch,
`queries.reconciliation.bank_results.delivery_times`; a result computed in time but not sent is still missing, and
its note says why,
e.g. "Alamat e-mail bank belum ada"), `distribution_late` from `sidjp` and `sipmod` together. So the page and the
alerts never disagree: an alert opens exactly when the cell reads "Belum, lewat batas" (`missing`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime

from sqlalchemy import Connection, text

from queries import config
from queries.calendar import WorkingCalendar
from queries.letters.notices import EXCUSED
from queries.monitoring.completeness import BankDay, DutyStatus, bank_days
from queries.settings import Settings

Key = tuple[str, date, str | None]
#: Rules computed from the Kelengkapan model.
DUTY_RULES = ("batch_late", "statement_late", "result_late", "distribution_late")
#: Working days back that are always evaluated beyond the statement deadline (duties that can still open) ...
MIN_WINDOW_DAYS = 5
#: ... and the furthest back an unresolved alert is still followed (older ones wait for a person).
MAX_WINDOW_DAYS = 30


def result_duty(row: BankDay) -> DutyStatus:
    """`result_late`'s duty: Kelengkapan's `recon`, whose time is the delivery to the bank (R5), not the
    computation; its note is the result's waiting status while it is not sent (`Delivery.waiting_note`)."""
    return row.status("recon")


def distribution_duty(row: BankDay) -> DutyStatus:
    """Both targets together: missing while either is, done when both are (at the later confirmation)."""
    parts = [row.status("sidjp"), row.status("sipmod")]
    states = {p.state for p in parts}
    due = next((p.due for p in parts if p.due is not None), None)
    notes = "; ".join(f"{p.duty.upper()}: {p.note}" for p in parts if p.note and p.state == "missing")
    notice = next((p.notice_id for p in parts if p.notice_id is not None), None)
    if "missing" in states:
        return DutyStatus("distribution", "missing", None, due, notes, notice_id=notice)
    if states <= {"done", "late", "na"} and states != {"na"}:
        at = max(p.at for p in parts if p.at is not None and p.state in ("done", "late"))
        return DutyStatus("distribution", "late" if "late" in states else "done", at, due, notice_id=notice)
    if states == {"na"}:
        return DutyStatus("distribution", "na")
    return DutyStatus("distribution", "anomaly" if "anomaly" in states else "waiting", None, due)


PICK: dict[str, Callable[[BankDay], DutyStatus]] = {
    "batch_late": lambda row: row.status("batch"),
    "statement_late": lambda row: row.status("statement"),
    "result_late": result_duty,
    "distribution_late": distribution_duty,
}


def window(conn: Connection, now: datetime, settings: Settings, calendar: WorkingCalendar) -> tuple[date, date]:
    """The business dates whose duties can still change: the last few working days (more than the statement
    deadline reaches), back to the oldest unresolved alert (at most `MAX_WINDOW_DAYS` working days)."""
    last = calendar.previous_or_same(now.astimezone(config.timezone()).date())
    recent = calendar.last_working_days(max(MIN_WINDOW_DAYS, settings.statement_deadline_days + 2), last)[0]
    floor = calendar.last_working_days(MAX_WINDOW_DAYS, last)[0]
    oldest = conn.execute(
        text("""SELECT min(business_date) FROM alert WHERE status <> 'resolved'
                                     AND rule = ANY(:rules) AND business_date BETWEEN :floor AND :last"""),
        {"rules": [*DUTY_RULES, "storm"], "floor": floor, "last": last},
    ).scalar_one()
    return (min(recent, oldest) if oldest else recent), last


def duty_states(
    conn: Connection, *, first: date, last: date, now: datetime, settings: Settings, calendar: WorkingCalendar
) -> dict[Key, DutyStatus]:
    """Every (rule, working business date, bank) of `first`..`last` with its duty's status as of `now`."""
    rows = map(plain, bank_days(conn, first=first, last=last, now=now, settings=settings, calendar=calendar))
    return {
        (rule, row.business_date, row.bank_code): pick(row)
        for row in rows
        if calendar.is_working(row.business_date)
        for rule, pick in PICK.items()
    }


def plain(row: BankDay) -> BankDay:
    """The row as the alert rules read it: a duty a disruption notice excuses is still late or missing (its alert
    opens and resolves as any other), carrying the notice, which acknowledges the alert (`queries.letters.notices`)."""
    changed = {d: replace(s, state=s.plain_state) for d, s in row.duties.items() if s.state == EXCUSED}
    return replace(row, duties={**row.duties, **changed}) if changed else row


def describe(rule: str, status: DutyStatus, bank: str) -> str:
    """What is missing, in one Indonesian sentence (the alert's detail and the e-mail)."""
    from queries.formatting import waktu_wib

    what = {
        "batch_late": "Batch bank",
        "statement_late": "Surat pernyataan",
        "result_late": "",
        "distribution_late": "Konfirmasi SIDJP dan SIPMOD atas data tanggal ini",
    }[rule]
    if rule == "result_late":
        text_ = (
            f"Hasil rekonsiliasi untuk {bank} belum terkirim ke bank (paling lambat 60 menit setelah batch); "
            f"batas {waktu_wib(status.due)}."
        )
    else:
        text_ = f"{what} dari {bank} belum ada; batas {waktu_wib(status.due)}."
    return f"{text_} {status.note}." if status.note else text_
