"""`mpn db upgrade`: run the Alembic migrations, then load default master data into an empty database."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

from queries.db import xact_lock
from queries.imports import master

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config() -> Config:
    """An Alembic config pointing at our migrations (no alembic.ini needed)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> dict[str, master.UpsertResult]:
    """Migrate the schema to `revision`; on an empty database also load the default master data."""
    cfg = alembic_config()
    with engine.begin() as conn:
        xact_lock(conn, "migrate")  # one migrator at a time
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
        if master.master_is_empty(conn):
            return master.load_defaults(conn)
    return {}
