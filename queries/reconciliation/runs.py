"""The reconciliation run's own SQL: its transaction's settings, the snapshot its side connection shares, the
indexes and statistics of the staged tables, and the checks of its input. `jobs.reconciliation.run` orders the
steps; nothing here commits.
"""

from __future__ import annotations

import re

from sqlalchemy import Connection, text

from queries.db import use_temp_tables

#: `work_mem` of a run's transaction: the staged joins and sorts stay in memory.
RUN_MEMORY = "256MB"


def tune_run(conn: Connection) -> None:
    """Settings of this run's transaction (call before any temporary table is created)."""
    conn.execute(text(f"SET LOCAL work_mem = '{RUN_MEMORY}'"))
    conn.execute(text("SET LOCAL jit = off"))  # compiling costs more than it saves on these plans
    use_temp_tables(conn)  # the staged exceptions stay in memory


def export_snapshot(conn: Connection) -> str:
    """The id of this transaction's snapshot, for a second connection to read exactly what it reads."""
    return str(conn.execute(text("SELECT pg_export_snapshot()")).scalar_one())


def share_snapshot(conn: Connection, snapshot: str) -> None:
    """Make `conn` (no transaction begun yet) read from `snapshot` (`export_snapshot`), in REPEATABLE READ."""
    if not re.fullmatch(r"[0-9A-Fa-f-]+", snapshot):
        raise ValueError(f"unexpected snapshot id {snapshot!r}")
    conn.execution_options(isolation_level="REPEATABLE READ")
    conn.execute(text(f"SET TRANSACTION SNAPSHOT '{snapshot}'"))


def index_pairs(conn: Connection) -> None:
    """Index and analyse the staged pairs (`rc_pair`) before the cross-date step reads them by NTPN."""
    conn.execute(text("CREATE INDEX ON rc_pair (ntpn)"))
    conn.execute(text("ANALYZE rc_pair (ntpn, m_line, b_line)"))


def index_found(conn: Connection) -> None:
    """Index and analyse the classified exceptions (`rc_found`) before they are stored."""
    conn.execute(text("CREATE INDEX ON rc_found (ntpn)"))
    conn.execute(text("ANALYZE rc_found (ntpn, level, category)"))


def bank_known(conn: Connection, bank_code: str) -> bool:
    """Is `bank_code` in master data?"""
    return conn.execute(text("SELECT 1 FROM bank WHERE bank_code = :b"), {"b": bank_code}).first() is not None
