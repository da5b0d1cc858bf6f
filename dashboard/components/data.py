"""The pages' one door to the database: run a `queries` function on a read-only connection or in a transaction."""

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


def perform(action: Callable[Concatenate[Connection, P], T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Call `action(conn, ...)` in a transaction committed when it returns (rolled back if it raises).

    For the few changes a page makes (a login, an approval): the `queries` function does the work
    and its audit row in this one transaction.
    """
    with engine().begin() as conn:
        return action(conn, *args, **kwargs)
