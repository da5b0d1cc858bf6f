"""The benchmarks' scratch databases: created (or reused) beside the configured one, migrated, dropped after."""

from __future__ import annotations

from sqlalchemy import Engine, create_engine, make_url, text

from queries.migrate import upgrade


def scratch_database(url: str, name: str, *, reuse: bool) -> tuple[Engine, bool]:
    """An engine on database `name` of the server at `url`, and whether it is fresh (created and migrated now);
    with `reuse`, an existing one is kept as it is."""
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first()
            if exists and reuse:
                return create_engine(make_url(url).set(database=name)), False
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    engine = create_engine(make_url(url).set(database=name))
    upgrade(engine)
    return engine, True


def drop_database(url: str, name: str) -> None:
    """Drop the scratch database `name`."""
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()
