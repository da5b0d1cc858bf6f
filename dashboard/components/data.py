"""The pages' one door to the database: run a `queries` function on a fresh read-only connection."""

from __future__ import annotations

from collections.abc import Callable
from typing import Concatenate, ParamSpec, TypeVar

from sqlalchemy import Connection

from queries.db import engine

P = ParamSpec("P")
T = TypeVar("T")


def fetch(query: Callable[Concatenate[Connection, P], T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Call `query(conn, ...)` on a pooled connection; the transaction is rolled back afterwards.

    `fetch(incoming_summary, business_date=day)`: pages never see engines, sessions or SQL.
    """
    with engine().connect() as conn:
        return query(conn, *args, **kwargs)
