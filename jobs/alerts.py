"""Running the alerts: one evaluation (the scheduler's minute job, `mpn alerts evaluate`) and the morning digest.

Each opens its own transaction and calls `queries.alerts`; the evaluation's own advisory lock keeps a command-line
run and the scheduler from interleaving. The messages the evaluation queues are sent by the `mail` job.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine

from jobs.scheduling.daily import Outcome
from queries import alerts as q
from queries import config
from queries.accounts.audit import Actor
from queries.alerts.system import scheduler_opening
from queries.db import engine as default_engine


def evaluate_alerts(engine: Engine, now: datetime | None = None) -> q.Evaluation:
    """Evaluate every rule as of `now` (default: the present) in one transaction."""
    with engine.begin() as conn:
        return q.evaluate(conn, now=now or config.now())


def alerts_job(engine: Engine, now: datetime, *, actor: Actor) -> Outcome:
    """The scheduler's job (every minute): `opened N, resolved M, open K` in Indonesian for the run history."""
    del actor  # opening and resolving are the system's own acts; people's acknowledgements are what is audited
    result = evaluate_alerts(engine, now)
    return Outcome(
        len(result.opened) + result.resolved,
        f"dibuka {len(result.opened)}, selesai {result.resolved}, terbuka {result.open}",
    )


def digest_job(engine: Engine, now: datetime, *, actor: Actor) -> Outcome:
    """The 08:00 WIB working-day digest of what is open and late, once per role and day."""
    del actor
    with engine.begin() as conn:
        queued = q.digest(conn, now)
    return Outcome(queued, f"{queued} ringkasan peringatan masuk kotak keluar")


def check_scheduler(engine: Engine | None = None, now: datetime | None = None) -> bool:
    """Is the scheduler silent (no heartbeat for 90 s) with no alert saying so? Then evaluate at once (True), so
    `scheduler_down` opens even while the scheduler, which runs the minute job, is the thing that stopped (the
    Peringatan page asks on each visit)."""
    now = now or config.now()
    engine = engine or default_engine()
    with engine.connect() as conn:
        silent = scheduler_opening(conn, now) is not None
        known = bool(q.alerts(conn, now=now, status="open", rule="scheduler_down"))
    if silent and not known:
        evaluate_alerts(engine, now)
        return True
    return False
