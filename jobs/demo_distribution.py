"""The demo's distribution history: each past day prepared, approved twice and delivered to the simulator.

Made through the real path with the demo logins (pelaksana prepares and asks, kasi then kasubdit approve),
delivered by `run_distribution` to the running `mpn target-sim` (its small fault rate shows retries). One
day is first delivered with a single attempt per batch, so some batches fail, and is then redistributed;
the last day waits for the kasi's approval so the page has something to act on. Without a running
simulator the days are prepared and approved but not delivered (the scheduler delivers them later).
"""

from __future__ import annotations

import logging
from datetime import date

from sqlalchemy import Engine

from jobs.demo_letters import demo_login
from jobs.distribute import Backoff, DistributionError, run_distribution, target_urls
from queries import distribution as dist
from queries.audit import Actor

log = logging.getLogger(__name__)
FLAKY_DAY_BACK = 3  # working days before the last one: delivered with one attempt, then redistributed


def distribution_history(engine: Engine, days: tuple[date, ...], actor: Actor) -> dict[str, int]:
    """Prepare, approve and deliver every demo day but the last (left waiting for the kasi); returns counts."""
    if not days:
        return {}
    pelaksana, kasi, kasubdit = (demo_login(engine, n) for n in ("pelaksana", "kasi", "kasubdit"))
    try:
        target_urls()
        deliver = True
    except DistributionError:
        deliver = False
        log.warning("demo: no target simulator running; distributions are approved but not delivered")
    counts = {"approved": 0, "delivered": 0, "waiting": 0}
    for n, day in enumerate(days):
        with engine.begin() as conn:
            prepared = dist.prepare(conn, day, actor=pelaksana.actor())
            if prepared.row_count == 0:
                continue
            dist.request(conn, day, actor=pelaksana)
            if day == days[-1]:
                counts["waiting"] += 1
                continue
            dist.approve(conn, day, actor=kasi)
            dist.approve(conn, day, actor=kasubdit)
        counts["approved"] += 1
        if not deliver:
            continue
        quick = Backoff(base=0.02, cap=0.2)
        if n == len(days) - 1 - FLAKY_DAY_BACK:
            first = run_distribution(engine, day, actor=actor, max_attempts=1, backoff=quick, seed=n)
            if first.remaining:  # the section redistributes what failed
                run_distribution(engine, day, actor=pelaksana.actor(), backoff=quick, seed=n + 1000)
        else:
            run_distribution(engine, day, actor=actor, backoff=quick, seed=n)
        counts["delivered"] += 1
    return counts
