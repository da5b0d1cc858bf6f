"""Is the database reachable? The check behind `/healthz` and the sign-in page."""

from __future__ import annotations

from sqlalchemy import Connection, text


def database_ok(conn: Connection) -> bool:
    """True when the database answers a trivial query (the `/healthz` check)."""
    return conn.execute(text("SELECT 1")).scalar_one() == 1
