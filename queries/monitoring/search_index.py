"""Search indexes of the payment trace: billing code, NTB and NPWP on each daily MPN partition, off the import's path.

At national volume (hundreds of thousands of payments a day, millions on a due date) a search by billing code, NTB
or NPWP cannot scan partitions: 62 days of them are tens of millions of rows. Three more B-trees per partition built
inside the import would put seconds on the peak day's way to the banks' results, so the scheduler's `search_index`
job builds them a few minutes later (`CREATE INDEX CONCURRENTLY`: readers and writers of the partition go on), and
the trace searches every partition that carries them, plus the newest days that do not yet (`queries.monitoring.trace`).
An interrupted concurrent build leaves an invalid index; the next run drops and builds it again.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Connection, Engine, text

#: The columns the trace searches besides the NTPN (which the importer indexes itself).
SEARCH_COLUMNS = ("billing_code", "ntb", "npwp")

_PARTITIONS = text("""
SELECT c.relname, count(ix.relname) FILTER (WHERE x.indisvalid AND substr(ix.relname, length(c.relname) + 2)
                                                                  = ANY(CAST(:cols AS text[]))) AS valid
  FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
  LEFT JOIN pg_index x ON x.indrelid = c.oid LEFT JOIN pg_class ix ON ix.oid = x.indexrelid
 WHERE i.inhparent = CAST('mpn_record' AS regclass)
 GROUP BY c.relname ORDER BY c.relname DESC
""")


def _day(partition: str) -> date:
    return datetime.strptime(partition.rsplit("_", 1)[1], "%Y%m%d").date()


def partitions(conn: Connection) -> list[tuple[date, bool]]:
    """Every MPN partition's business date, newest first, and whether all its search indexes are valid."""
    rows = conn.execute(_PARTITIONS, {"cols": list(SEARCH_COLUMNS)}).all()
    return [(_day(name), valid == len(SEARCH_COLUMNS)) for name, valid in rows]


def indexed_dates(conn: Connection) -> list[date]:
    """Business dates whose MPN partition carries every search index (searched by index, on any date)."""
    return [day for day, indexed in partitions(conn) if indexed]


def build_search_indexes(engine: Engine, *, limit: int | None = None) -> list[date]:
    """Build the missing search indexes, newest partition first (at most `limit` partitions); the dates done.

    Each `CREATE INDEX CONCURRENTLY` runs on its own autocommit connection (it cannot run in a transaction)."""
    with engine.connect() as conn:
        todo = [day for day, indexed in partitions(conn) if not indexed][:limit]
    done = []
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("SET maintenance_work_mem = '256MB'"))
        for day in todo:
            partition = f"mpn_record_{day:%Y%m%d}"
            for column in SEARCH_COLUMNS:
                _build(conn, partition, column)
            done.append(day)
    return done


def _build(conn: Connection, partition: str, column: str) -> None:
    name = f"{partition}_{column}"
    valid = conn.execute(
        text("SELECT x.indisvalid FROM pg_class c JOIN pg_index x ON x.indexrelid = c.oid WHERE c.relname = :n"),
        {"n": name},
    ).scalar()
    if valid:
        return
    if valid is False:  # a concurrent build that was interrupted
        conn.execute(text(f'DROP INDEX CONCURRENTLY IF EXISTS "{name}"'))
    conn.execute(text(f'CREATE INDEX CONCURRENTLY IF NOT EXISTS "{name}" ON "{partition}" ({column})'))
