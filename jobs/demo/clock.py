"""The demo's clock: its history is made through the real code paths in a few minutes, then dated as it happened.

`mpn demo` replays weeks of work (imports, reconciliations, letters, approvals, distributions) in the order they
would have happened; the code it calls stamps the moment it runs (`now()` in SQL). `DemoClock.at(moment)` marks,
before each step, the historic moment the step belongs to; `DemoClock.settle()` then moves every time stamped
during the load onto that history: a stamp `t` taken after the mark (real `r_i`, historic `h_i`) becomes
`h_i + (t - r_i)`, never reaching the next step's moment. Order and spacing within a step are kept, so the history
is one coherent timeline before "now": nothing in the future, no impossible order.

Left as written: the audit trail (append-only and hash-chained; it records when the demo wrote the history) and
the bulk partitioned rows (their times are the data's own, given by the files). Demo only: never call this on a
database holding real work.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Engine

from queries.demo import KEEP, database_clock, guarded, move_stamps, stamped_columns

#: Tables whose rows refuse updates by trigger (decisions are final, requests change only status); the clock may move
#: their times once, while the demo's history is being written and nobody else uses the database.
GUARDED = ("approval_request", "approval_decision")
SLACK = timedelta(seconds=1)


class DemoClock:
    """Marks of (database clock, historic moment) taken before each step of the demo's history."""

    def __init__(self, engine: Engine, now: datetime) -> None:
        """`now`: the demo's present; no historic moment lies after it."""
        self.engine = engine
        self.now = now
        self.marks: list[tuple[datetime, datetime]] = []

    def at(self, moment: datetime) -> datetime:
        """Mark that what runs next happened at `moment` (at most now, never before the previous mark)."""
        moment = min(moment, self.now)
        if self.marks:
            moment = max(moment, self.marks[-1][1])
        with self.engine.connect() as conn:
            real = database_clock(conn)
        self.marks.append((real, moment))
        return moment

    def settle(self) -> int:
        """Move every time stamped since the first mark onto the history; returns the values moved."""
        if not self.marks:
            return 0
        with self.engine.connect() as conn:
            real_end = database_clock(conn) + SLACK
        reals = [r for r, _ in self.marks]
        hists = [h for _, h in self.marks]
        segments = {
            "real": reals,
            "hist": hists,
            "real_next": reals[1:] + [real_end],
            "hist_next": hists[1:] + [self.now],
        }
        moved = 0
        with self.engine.begin() as conn, guarded(conn, GUARDED):
            for table, column in stamped_columns(conn, keep=KEEP):
                moved += move_stamps(conn, table, column, segments)
        return moved
