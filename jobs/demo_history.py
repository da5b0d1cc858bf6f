"""The demo's history as one timeline: every file arrives, every run, letter and distribution happens at its moment.

Steps are built per kind (arrivals and reconciliations here, appeal letters in `jobs.demo_letters`, distributions in
`jobs.demo_distribution`), then run in time order, each after `DemoClock.at` marked its moment, so a run sees only
the batches that had arrived by then and every R5 time is the real distance from a batch to the first result that
included it. Nothing after "now" is run: a file that arrives later was never written (`demo_data.generate`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from random import Random
from typing import NamedTuple

from sqlalchemy import Engine

from jobs.demo_clock import DemoClock
from jobs.demo_data import DayFiles, Manifest
from jobs.ingest import import_file
from jobs.reconcile import reconcile
from queries.audit import Actor

#: How soon after a statements file the scheduler's arrival job reconciles the date again.
LETTER_RUN = timedelta(minutes=4)


class Step(NamedTuple):
    """One thing the demo does at a historic moment; `rank` orders steps of the same moment."""

    at: datetime
    rank: int
    label: str
    run: Callable[[], object]


def result_delay(rng: Random) -> timedelta:
    """How long after a batch the demo's run came: mostly well within R5's hour, now and then not."""
    minutes = rng.uniform(65, 95) if rng.random() < 0.08 else rng.uniform(4, 35)
    return timedelta(minutes=round(minutes, 1))


def arrival_steps(engine: Engine, manifest: Manifest, actor: Actor,
                  imported: Callable[[str, int], None]) -> list[Step]:
    """Each written file imported at its arrival; `imported(name, rows)` is told after each."""
    steps = []
    for d in manifest.days:
        files = [("mpn", d.mpn, d.mpn_received_at)]
        files += [("bank", b.path, b.received_at) for b in d.batches]
        if d.statements is not None and d.statements_received_at is not None:
            files.append(("statements", d.statements, d.statements_received_at))
        for kind, path, moment in files:
            def run(kind: str = kind, path: object = path, moment: datetime = moment) -> None:
                result = import_file(engine, kind, path, received_at=moment, actor=actor)  # type: ignore[arg-type]
                imported(path.name, result.rows if kind == "mpn" else 0)  # type: ignore[attr-defined]
            steps.append(Step(moment, 0, f"imported {path.name}", run))
    return steps


def run_moments(day: DayFiles, seed: int) -> list[datetime]:
    """When the scheduler reconciled the day: shortly after a batch that came after the last run, and again
    after the statement letters arrived."""
    rng = Random(seed * 100_003 + day.day.toordinal())
    runs: list[datetime] = []
    for arrived in sorted(b.received_at for b in day.batches):
        if not runs or arrived > runs[-1]:
            runs.append(arrived + result_delay(rng))
    if day.statements_received_at is not None:
        runs.append(day.statements_received_at + LETTER_RUN)
    if not runs:  # no batch and no letter: the date's MPN data is reconciled once, after its extract
        runs.append(day.mpn_received_at + LETTER_RUN)
    return sorted(set(runs))


def reconcile_steps(engine: Engine, manifest: Manifest, actor: Actor, seed: int, now: datetime) -> list[Step]:
    """The date's runs, each replaying its moment (`as_of`) so its result times are the run's own."""
    steps = []
    for d in manifest.days:
        for moment in run_moments(d, seed):
            moment = min(moment, now)
            steps.append(Step(moment, 1, f"reconcile {d.day}",
                              lambda day=d.day, at=moment: reconcile(engine, day, actor=actor, as_of=at)))
    return steps


def replay(steps: Iterable[Step], clock: DemoClock, progress: Callable[[str], None] | None = None) -> int:
    """Run the steps in time order, each marked on the clock; returns how many ran."""
    done = 0
    for step in sorted(steps, key=lambda s: (s.at, s.rank)):
        clock.at(step.at)
        step.run()
        done += 1
        if progress:
            progress(step.label)
    return done
