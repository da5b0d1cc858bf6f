"""The demo's own SQL: re-dating the history `mpn demo` writes (`jobs.demo.clock`). Demo only: never call it on a
database holding real work."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy import Connection, text

#: Tables whose times are not moved: the audit trail, and the data's own times in the bulk partitions.
KEEP = ("audit_log", "audit_head", "mpn_record", "bank_batch_row")


def database_clock(conn: Connection) -> datetime:
    """The database server's clock now (not the transaction's start)."""
    return conn.execute(text("SELECT clock_timestamp()")).scalar_one()  # type: ignore[no-any-return]


@contextmanager
def guarded(conn: Connection, tables: Sequence[str]) -> Iterator[None]:
    """Inside: the user triggers of `tables` (which refuse updates) are off, in this transaction only."""
    for table in tables:
        conn.execute(text(f'ALTER TABLE "{table}" DISABLE TRIGGER USER'))
    yield
    for table in tables:
        conn.execute(text(f'ALTER TABLE "{table}" ENABLE TRIGGER USER'))


def stamped_columns(conn: Connection, *, keep: Sequence[str] = KEEP) -> list[tuple[str, str]]:
    """Every `timestamptz` column of the ordinary tables (not partitions, not `keep`)."""
    rows = conn.execute(
        text("""
        SELECT c.table_name, c.column_name
          FROM information_schema.columns c
          JOIN pg_class k ON k.relname = c.table_name AND k.relkind = 'r' AND NOT k.relispartition
          JOIN pg_namespace n ON n.oid = k.relnamespace AND n.nspname = c.table_schema
         WHERE c.table_schema = current_schema() AND c.data_type = 'timestamp with time zone'
         ORDER BY 1, 2""")
    ).all()
    return [(t, c) for t, c in rows if t not in keep]


def move_stamps(conn: Connection, table: str, column: str, segments: dict[str, list[datetime]]) -> int:
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
