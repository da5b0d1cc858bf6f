"""`mpn reconcile`: reconcile one business date (all banks, or one), idempotently, in one transaction.

Two reconciles of the same date serialise on an advisory lock; imports and reconciles of other dates
run alongside. All the row work is SQL (`queries.reconciliation.classify`); this module orders the steps, stores the
outcome (`queries.reconciliation.store`) and audits the run last.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime
from typing import NamedTuple

from sqlalchemy import Connection, Engine

from queries.accounts.audit import Actor, record
from queries.db import xact_lock
from queries.reconciliation import classify as q
from queries.reconciliation import runs, store
from queries.reconciliation.revenue import refresh_revenue_day
from queries.reconciliation.summary import BankSummary, date_summary

Progress = Callable[[int, int], None]
STEPS = 7


class ReconcileInputError(ValueError):
    """Bad input for a reconciliation: an unknown bank, or a date (and bank) without any data."""


class ReconcileResult(NamedTuple):
    """The outcome of one run: per-bank summaries and what changed in the exceptions."""

    run_id: int
    business_date: date
    bank: str | None
    banks: list[BankSummary]
    opened: int
    reopened: int
    closed: int
    detected: int
    seconds: float

    def totals(self) -> dict[str, int]:
        """Sums over the banks: counts, amounts and exceptions per category."""
        keys = ("mpn_count", "mpn_amount", "bank_count", "bank_amount", "matched_count", "matched_amount")
        out = {k: sum(getattr(b, k) for b in self.banks) for k in keys}
        for category in q.CATEGORIES:
            out[category] = sum(b.counts[category] for b in self.banks)
        return out


def reconcile(
    engine: Engine,
    business_date: date,
    *,
    bank: str | None = None,
    actor: Actor | None = None,
    progress: Progress | None = None,
    as_of: datetime | None = None,
) -> ReconcileResult:
    """Reconcile `business_date` (CONTRACT §4) and store exceptions and per-bank results.

    `as_of` replays history (the demo): the moment the result counts as delivered for R5; default now.

    Running it again gives the same open exceptions with the same ids; exceptions later data resolves
    close by themselves with the reason, those closed by people stay closed. Raises
    `ReconcileInputError` for an unknown bank or a date with no payments, batches or letters.
    """
    actor = actor or Actor.system("cli")
    started = time.perf_counter()
    step = _stepper(progress)
    with engine.begin() as conn:
        xact_lock(conn, "reconcile", business_date)
        _check_input(conn, business_date, bank)
        runs.tune_run(conn)
        run_id = store.start_run(conn, business_date=business_date, bank_code=bank, actor=actor.name)
        cancelled = q.register_reversals(conn)
        step()
        q.refresh_statistics(conn, business_date)
        q.stage_sides(conn, business_date)
        step()
        # The duplicate scan runs on a second connection while this one joins, from this transaction's snapshot.
        # This one stays READ COMMITTED (its exception and audit-head updates must not fail on concurrent
        # ones), so the join's own snapshot is taken a moment later, as separate statements' always were.
        snapshot = runs.export_snapshot(conn)
        with ThreadPoolExecutor(max_workers=1) as pool:
            duplicates = pool.submit(_duplicate_candidates, engine, snapshot, business_date)
            q.stage_pairs(conn, business_date)
            q.stage_special(conn, duplicates.result())
        pairs = q.stage_exact(conn, business_date)
        q.stage_banks(conn, business_date)
        runs.index_pairs(conn)
        step()
        q.stage_cross_date(conn, business_date)
        step()
        q.classify(conn)
        runs.index_found(conn)
        step()
        changes = store.store_exceptions(conn, run_id=run_id, business_date=business_date, bank=bank)
        store.store_results(conn, run_id=run_id, business_date=business_date, bank=bank, finished=as_of)
        step()
        banks = date_summary(conn, business_date=business_date, bank=bank)
        result = ReconcileResult(
            run_id,
            business_date,
            bank,
            banks,
            changes.opened,
            changes.reopened,
            changes.closed,
            changes.detected,
            time.perf_counter() - started,
        )
        counts = {
            **result.totals(),
            "opened": changes.opened,
            "reopened": changes.reopened,
            "closed": changes.closed,
            "unclean_rows": pairs,
            "cancelled_registered": cancelled,
        }
        store.finish_run(conn, run_id, counts)
        refresh_revenue_day(conn, business_date)  # R13 revenue of the date follows the new results
        # What this run wrote in bulk gets statistics now, with its commit: a rerun minutes later (a bank's resend)
        # and the pages plan on them, and autovacuum, where it runs at all, is a minute or more behind.
        q.analyze_stale(conn, q.WRITTEN)
        # Last: audit inserts hold the chain head's row lock until commit (lapsing requests audits each one).
        store.lapse_stale_requests(conn, run_id=run_id, business_date=business_date, bank=bank, actor=actor)
        record(
            conn,
            actor,
            "reconcile.run",
            object_type="business_date",
            object_id=business_date.isoformat(),
            after={"run_id": run_id, "bank": bank, **counts},
        )
        step()
    # The whole run, its commit included (the revenue, the statistics and the audit come after the counts).
    return result._replace(seconds=time.perf_counter() - started)


def _duplicate_candidates(engine: Engine, snapshot: str, business_date: date) -> list[str]:
    """`q.duplicate_candidates` on a connection of its own that sees what the exporting transaction sees."""
    with engine.connect() as conn:
        runs.share_snapshot(conn, snapshot)
        duplicates = q.duplicate_candidates(conn, business_date)
        conn.rollback()
    return duplicates


def _check_input(conn: Connection, business_date: date, bank: str | None) -> None:
    if bank is not None and not runs.bank_known(conn, bank):
        raise ReconcileInputError(f"unknown bank {bank!r}")
    data = q.date_data(conn, business_date)
    if not any(data):
        raise ReconcileInputError(f"no payments, batches or statement letters for {business_date}")


def _stepper(progress: Progress | None) -> Callable[[], None]:
    done = 0

    def step() -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(done, STEPS)

    return step
