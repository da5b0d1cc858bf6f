"""Alembic environment: runs on the connection handed in by `queries.migrate`, or on the configured URL."""

from alembic import context
from sqlalchemy import Connection

from queries.db import make_engine


def _run(connection: Connection) -> None:
    context.configure(connection=connection)
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    with make_engine().connect() as conn:
        _run(conn)
        conn.commit()
