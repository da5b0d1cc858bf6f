"""The demo's history as one timeline: every file arrives, every run, letter and distribution happens at its moment.

Steps are built per kind (arrivals and reconciliations here, appeal letters in `jobs.demo.letters`, distributions in
`jobs.demo.distribution`), then run in time order, each after `DemoClock.at` marked its moment, so a run sees only
the batches that had arrived by then and every R5 time is the real distance from a batch to the first result that
included it. Nothing after "now" is run: a file that arrives later was never written (`demo_data.generate`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta
from pathlib import Path
from random import Random
from typing import NamedTuple

from sqlalchemy import Engine

from jobs.demo.clock import DemoClock
from jobs.demo.data import DayFiles, Manifest
from jobs.imports.ingest import import_file
from jobs.reconciliation.run import reconcile
from queries.accounts.audit import Actor

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


def letter_waves(day: DayFiles, due: datetime) -> list[tuple[Path, datetime]]:
    """The day's statement letters as they reach the section: those in by `due` together, each late one alone.

    Each wave is written next to the day's statements file (same header) and imported at its last letter's time,
    so a late letter is not recorded before it came, nor an early one held back until the last arrived.
    """
    if day.statements is None:
        return []
    header, *lines = day.statements.read_text(encoding="utf-8").splitlines(keepends=True)
    timed = sorted((datetime.fromisoformat(line.split(",")[4]), line) for line in lines)
    waves = [[x for x in timed if x[0] <= due]] + [[x] for x in timed if x[0] > due]
    out = []
    for n, wave in enumerate(w for w in waves if w):
        path = day.statements.with_name(f"{day.statements.stem}_{n + 1}.csv")
        path.write_text(header + "".join(line for _, line in wave), encoding="utf-8")
        out.append((path, wave[-1][0]))
    return out


def arrival_steps(
    engine: Engine,
    manifest: Manifest,
    actor: Actor,
    imported: Callable[[str, int], None],
    due_of: Callable[[date], datetime],
) -> list[Step]:
    """Each written file imported at its arrival (letters in waves, `letter_waves`, by `due_of(day)`);
    `imported(name, rows)` is told after each."""
    steps = []
    for d in manifest.days:
        files: list[tuple[str, Path, datetime]] = [("mpn", d.mpn, d.mpn_received_at)]
        files += [("bank", b.path, b.received_at) for b in d.batches]
        files += [("statements", path, moment) for path, moment in letter_waves(d, due_of(d.day))]
        for kind, path, moment in files:

            def run(kind: str = kind, path: Path = path, moment: datetime = moment) -> None:
                result = import_file(engine, kind, path, received_at=moment, actor=actor)
                imported(path.name, result.rows if kind == "mpn" else 0)

            steps.append(Step(moment, 0, f"imported {path.name}", run))
    return steps


def run_moments(day: DayFiles, seed: int, letters: list[datetime]) -> list[datetime]:
    """When the scheduler reconciled the day: shortly after a batch that came after the last run, and again
    after each wave of statement letters (`letters`: when each wave came)."""
    rng = Random(seed * 100_003 + day.day.toordinal())
    runs: list[datetime] = []
    for arrived in sorted(b.received_at for b in day.batches):
        if not runs or arrived > runs[-1]:
            runs.append(arrived + result_delay(rng))
    runs += [moment + LETTER_RUN for moment in letters]
    if not runs:  # no batch and no letter: the date's MPN data is reconciled once, after its extract
        runs.append(day.mpn_received_at + LETTER_RUN)
    return sorted(set(runs))


def reconcile_steps(
    engine: Engine,
    manifest: Manifest,
    actor: Actor,
    seed: int,
    now: datetime,
    due_of: Callable[[date], datetime],
    deliver: Callable[[datetime], object] | None = None,
) -> list[Step]:
    """The date's runs, each replaying its moment (`as_of`) so its result times are the run's own; `deliver(at)`
    then sends each bank its result as the scheduler does right after a run."""
    steps = []
    for d in manifest.days:
        for moment in run_moments(d, seed, [at for _, at in letter_waves(d, due_of(d.day))]):
            moment = min(moment, now)

            def run(day: date = d.day, at: datetime = moment) -> None:
                reconcile(engine, day, actor=actor, as_of=at)
                if deliver is not None:
                    deliver(at)

            steps.append(Step(moment, 1, f"reconcile {d.day}", run))
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
