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

from sqlalchemy import Connection, Engine, text

#: Tables whose times are not moved: the audit trail, and the data's own times in the bulk partitions.
KEEP = ("audit_log", "audit_head", "mpn_record", "bank_batch_row")
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
            real = conn.execute(text("SELECT clock_timestamp()")).scalar_one()
        self.marks.append((real, moment))
        return moment

    def settle(self) -> int:
        """Move every time stamped since the first mark onto the history; returns the values moved."""
        if not self.marks:
            return 0
        with self.engine.connect() as conn:
            real_end = conn.execute(text("SELECT clock_timestamp()")).scalar_one() + SLACK
        reals = [r for r, _ in self.marks]
        hists = [h for _, h in self.marks]
        segments = {
            "real": reals,
            "hist": hists,
            "real_next": reals[1:] + [real_end],
            "hist_next": hists[1:] + [self.now],
        }
        moved = 0
        with self.engine.begin() as conn:
            for table in GUARDED:
                conn.execute(text(f'ALTER TABLE "{table}" DISABLE TRIGGER USER'))
            for table, column in _stamped_columns(conn):
                moved += _move(conn, table, column, segments)
            for table in GUARDED:
                conn.execute(text(f'ALTER TABLE "{table}" ENABLE TRIGGER USER'))
        return moved


def _stamped_columns(conn: Connection) -> list[tuple[str, str]]:
    """Every `timestamptz` column of the ordinary tables (not partitions, not `KEEP`)."""
    rows = conn.execute(
        text("""
        SELECT c.table_name, c.column_name
          FROM information_schema.columns c
          JOIN pg_class k ON k.relname = c.table_name AND k.relkind = 'r' AND NOT k.relispartition
          JOIN pg_namespace n ON n.oid = k.relnamespace AND n.nspname = c.table_schema
         WHERE c.table_schema = current_schema() AND c.data_type = 'timestamp with time zone'
         ORDER BY 1, 2""")
    ).all()
    return [(t, c) for t, c in rows if t not in KEEP]


def _move(conn: Connection, table: str, column: str, segments: dict[str, list[datetime]]) -> int:
    """`column` of `table`: each value inside a mark's segment moves to the mark's moment plus its offset."""
    return conn.execute(
        text(f"""
        WITH seg AS (
            SELECT * FROM unnest(CAST(:real AS timestamptz[]), CAST(:hist AS timestamptz[]),
                                 CAST(:real_next AS timestamptz[]), CAST(:hist_next AS timestamptz[]))
                       AS s(real, hist, real_next, hist_next))
        UPDATE "{table}" t SET "{column}" = LEAST(s.hist + (t."{column}" - s.real), s.hist_next)
          FROM seg s
         WHERE t."{column}" >= s.real AND t."{column}" < s.real_next"""),
        segments,
    ).rowcount
