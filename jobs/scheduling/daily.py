"""The scheduler's daily work on the regulatory calendar: reconcile as batches arrive and after the deadline,
refresh statement letters and draft appeal letters once the statement deadline has passed.

Each function is idempotent (running it twice gives the same state) and returns an `Outcome` for the run
history. Times: a bank's day closes at its cut-off in its head office's zone (`bank.cutoff`,
`bank.timezone`); batches are due by 16:00 WIB (PER-78 Ps.9(5)); statement letters by the settings'
deadline (`queries.letters.statements.deadline`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from jobs.reconciliation.run import ReconcileInputError, reconcile
from queries.accounts.audit import Actor
from queries.calendar import WIB, WorkingCalendar, calendar_from_db
from queries.letters import appeals as appeal_letters
from queries.letters.statements import deadline
from queries.scheduling import store
from queries.settings import Settings, current_settings

BATCH_DEADLINE = time(16, 0)  # PER-78 Ps.9(5): the head office's batch, 16:00 WIB
LOOKBACK_DAYS = 31  # how far back late data is still reconciled on its own


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a run did: rows (or items) processed and a line for the history, in Indonesian."""

    rows: int
    message: str


def cutoff_moment(day: date, cutoff: time, zone: str) -> datetime:
    """When a collecting agent's business day `day` closes: its cut-off in its head office's zone."""
    return datetime.combine(day, cutoff, ZoneInfo(zone))


def batch_deadline(day: date) -> datetime:
    """When the batches of business date `day` are due (16:00 WIB that day)."""
    return datetime.combine(day, BATCH_DEADLINE, WIB)


def closed_business_date(now: datetime, calendar: WorkingCalendar) -> date:
    """The latest business date whose batch deadline has passed at `now`."""
    today = now.astimezone(WIB).date()
    if calendar.is_working(today) and now >= batch_deadline(today):
        return today
    return calendar.previous_or_same(date.fromordinal(today.toordinal() - 1))


def reconcile_arrivals(engine: Engine, now: datetime, *, actor: Actor) -> Outcome:
    """Reconcile each (bank, business date) whose current batch has not been reconciled yet, once the bank's
    day has closed; before the batch deadline bank by bank (others are not due yet, so no `missing_batch`
    is flagged for them), after it the whole date. Dates whose MPN data grew since their last full run
    are reconciled again."""
    since = date.fromordinal(now.date().toordinal() - LOOKBACK_DAYS)
    with engine.connect() as conn:
        pending = store.pending_batches(conn, since=since)
        late = store.grown_mpn_dates(conn, since=since)
    whole: set[date] = set(late)
    per_bank: list[tuple[date, str]] = []
    for row in pending:
        if now < cutoff_moment(row.business_date, row.cutoff, row.timezone):
            continue  # an early batch: the bank's day is still open
        if now >= batch_deadline(row.business_date):
            whole.add(row.business_date)
        else:
            per_bank.append((row.business_date, row.bank_code))
    done = 0
    for day, bank in per_bank:
        if day not in whole:
            reconcile(engine, day, bank=bank, actor=actor)
            done += 1
    for day in sorted(whole):
        reconcile(engine, day, actor=actor)
        done += 1
    if not done:
        return Outcome(0, "Tidak ada batch baru")
    parts = [f"{bank} {day:%d/%m}" for day, bank in per_bank if day not in whole]
    parts += [f"semua bank {day:%d/%m}" for day in sorted(whole)]
    return Outcome(done, "Direkonsiliasi: " + ", ".join(parts))


def reconcile_after_deadline(engine: Engine, now: datetime, *, actor: Actor) -> Outcome:
    """After 16:00 WIB: reconcile the closed business date for every bank, flagging `missing_batch`."""
    with engine.connect() as conn:
        calendar = calendar_from_db(conn)
    day = closed_business_date(now, calendar)
    try:
        result = reconcile(engine, day, actor=actor)
    except ReconcileInputError:
        return Outcome(0, f"Tanggal buku {day:%d/%m/%Y}: belum ada data")
    missing = sum(b.counts.get("missing_batch", 0) for b in result.banks)
    return Outcome(
        len(result.banks),
        f"Tanggal buku {day:%d/%m/%Y}: {len(result.banks)} bank direkonsiliasi, {missing} tanpa batch",
    )


def statement_due_date(now: datetime, calendar: WorkingCalendar, settings: Settings) -> date | None:
    """The latest business date whose statement-letter deadline has passed at `now` (None if none in 15 days)."""
    day = now.astimezone(WIB).date()
    for _ in range(15):
        if calendar.is_working(day) and deadline(day, settings, calendar) <= now:
            return day
        day = date.fromordinal(day.toordinal() - 1)
    return None


def statements_after_deadline(engine: Engine, now: datetime, *, actor: Actor) -> Outcome:
    """Once the statement deadline of a business date has passed: reconcile it again (its
    `missing_statement` / `statement_mismatch` exceptions follow the letters that came) and propose
    appeal-letter drafts for the banks still without one (SE-127 step 5)."""
    with engine.connect() as conn:
        calendar = calendar_from_db(conn)
        settings = current_settings(conn)
    day = statement_due_date(now, calendar, settings)
    if day is None:
        return Outcome(0, "Tidak ada tanggal buku yang lewat batas surat pernyataan")
    try:
        reconcile(engine, day, actor=actor)
    except ReconcileInputError:
        pass  # no data that day: nothing to vouch for, but earlier dates may still lack letters
    with engine.begin() as conn:
        proposed = appeal_letters.propose_drafts(conn, day, audit_actor=actor)
    made = [p for p in proposed if p.outcome != "unchanged"]
    if not made:
        return Outcome(0, f"Tanggal buku {day:%d/%m/%Y}: tidak ada konsep surat himbauan baru")
    return Outcome(len(made), f"Tanggal buku {day:%d/%m/%Y}: {len(made)} konsep surat himbauan dibuat/diperluas")
