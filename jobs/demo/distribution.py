"""The demo's distribution history: each past day prepared, approved twice and delivered to the simulator.

Made through the real path with the demo logins (pelaksana prepares and asks, kasi then kasubdit approve),
delivered by `run_distribution` to the running `mpn target-sim` (its small fault rate shows retries). One
day is first delivered with a single attempt per batch, so some batches fail, and is then redistributed;
the last day waits for the kasi's approval so the page has something to act on. Without a running
simulator the days are prepared and approved but not delivered (the scheduler delivers them later).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime, timedelta
from functools import partial

from sqlalchemy import Connection, Engine

from jobs.demo.history import Step
from jobs.demo.letters import demo_login
from jobs.distribution.deliver import Backoff, DistributionError, run_distribution, target_urls
from queries.accounts.audit import Actor
from queries.accounts.users import User
from queries.distribution import prepare as dist

log = logging.getLogger(__name__)
FLAKY_DAY_BACK = 3  # working days before the last one: delivered with one attempt, then redistributed


def distribution_steps(
    engine: Engine, days: tuple[date, ...], actor: Actor, start_of: Callable[[date], datetime]
) -> list[Step]:
    """Prepare, approve and deliver every demo day but the last (left waiting for the kasi), each day from
    `start_of(day)` (after its statement letters were due): prepared and requested, the kasi's approval half an
    hour later, the kasubdit's after another half hour, delivered at once."""
    if not days:
        return []
    pelaksana, kasi, kasubdit = (demo_login(engine, n) for n in ("pelaksana", "kasi", "kasubdit"))
    try:
        target_urls()
        deliver = True
    except DistributionError:
        deliver = False
        log.warning("demo: no target simulator running; distributions are approved but not delivered")
    steps = []
    for n, day in enumerate(days):
        at = start_of(day)
        steps.append(Step(at, 3, f"distribution {day} prepared", partial(_prepare, engine, day, pelaksana)))
        if day == days[-1]:
            continue
        steps.append(
            Step(
                at + timedelta(minutes=30),
                3,
                f"distribution {day} approved by the kasi",
                partial(_approve, engine, day, kasi),
            )
        )
        steps.append(
            Step(
                at + timedelta(minutes=60),
                3,
                f"distribution {day} approved by the kasubdit",
                partial(_approve, engine, day, kasubdit),
            )
        )
        if deliver:
            steps.append(
                Step(
                    at + timedelta(minutes=61),
                    3,
                    f"distribution {day} delivered",
                    partial(_deliver, engine, day, n, len(days), actor, pelaksana),
                )
            )
    return steps


def _prepare(engine: Engine, day: date, pelaksana: User) -> None:
    with engine.begin() as conn:
        if dist.prepare(conn, day, actor=pelaksana.actor()).row_count:
            dist.request(conn, day, actor=pelaksana)


def _approve(engine: Engine, day: date, approver: User) -> None:
    with engine.begin() as conn:
        if _pending(conn, day):
            dist.approve(conn, day, actor=approver)


def _pending(conn: Connection, day: date) -> bool:
    """The date's prepared round waits for an approval (nothing to approve when it held every row)."""
    found = dist.pending(conn, day)
    return found is not None and found[1].status == "pending"


def _deliver(engine: Engine, day: date, n: int, total: int, actor: Actor, pelaksana: User) -> None:
    quick = Backoff(base=0.02, cap=0.2)
    if n == total - 1 - FLAKY_DAY_BACK:
        first = run_distribution(engine, day, actor=actor, max_attempts=1, backoff=quick, seed=n)
        if first.remaining:  # the section redistributes what failed
            run_distribution(engine, day, actor=pelaksana.actor(), backoff=quick, seed=n + 1000)
    else:
        run_distribution(engine, day, actor=actor, backoff=quick, seed=n)
