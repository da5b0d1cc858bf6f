"""`mpn db upgrade`: migrations and default master data, on the external server and the embedded one."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text

from queries.migrate import upgrade


def test_upgrade_loads_the_default_master_data_once(engine: Engine) -> None:
    with engine.connect() as conn:
        counts = conn.execute(text("SELECT (SELECT count(*) FROM bank), (SELECT count(*) FROM kpp),"
                                   " (SELECT kind FROM bank WHERE bank_code = 'POS')")).one()
    assert counts[0] >= 38 and counts[1] >= 30 and counts[2] == "pos"
    assert upgrade(engine) == {}  # already migrated, master data present: nothing loaded again


@pytest.mark.slow
def test_embedded_server_starts_migrates_and_is_reused(tmp_path: Path) -> None:
    from queries.db import embedded_url, stop_embedded

    pgdata = tmp_path / "pgdata"
    url = embedded_url(pgdata)
    try:
        eng = create_engine(url)
        loaded = upgrade(eng)
        assert loaded["banks"].inserted >= 38
        with eng.connect() as conn:
            assert conn.execute(text("SHOW server_version_num")).scalar_one() >= "180000"
        eng.dispose()
        assert embedded_url(pgdata) == url  # the running server is reused
    finally:
        stop_embedded(pgdata)
