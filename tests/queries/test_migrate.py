"""`mpn db upgrade`: migrations and default master data, on the external server and the embedded one."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.exc import IntegrityError

from queries.migrate import alembic_config, upgrade


def test_upgrade_loads_the_default_master_data_once(engine: Engine) -> None:
    with engine.connect() as conn:
        counts = conn.execute(
            text(
                "SELECT (SELECT count(*) FROM bank), (SELECT count(*) FROM kpp),"
                " (SELECT kind FROM bank WHERE bank_code = 'POS')"
            )
        ).one()
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


LETTER = (
    "INSERT INTO statement_letter (bank_code, business_date, letter_number, letter_date, received_at,"
    " declared_count, declared_amount, signer) VALUES ('002', :d, :number, :d, :received, 1, 1000, :signer)"
)


def _letter(
    conn: Connection,
    *,
    d: str = "2026-11-20",
    number: str = "SP-1",
    received: str = "2026-11-20T10:00:00+07:00",
    signer: str = "Direksi",
) -> None:
    conn.execute(text(LETTER), {"d": d, "number": number, "received": received, "signer": signer})


@pytest.mark.parametrize(
    "values",
    [
        {"received": "0001-01-01T00:00:00+07:00"},
        {"received": "0001-01-01 BC"},
        {"received": "infinity"},
        {"d": "1900-01-01"},
        {"d": "2100-01-01"},
        {"number": "SP\x1b[31m-1"},
        {"signer": "Direksi\nPalsu"},
        {"signer": "x" * 501},
    ],
)
def test_the_database_refuses_an_implausible_statement_letter(engine: Engine, values: dict[str, str]) -> None:
    with pytest.raises(IntegrityError, match="_plausible"), engine.begin() as conn:
        _letter(conn, **values)


def test_the_database_accepts_the_edges_of_the_fence(engine: Engine) -> None:
    with engine.begin() as conn:
        _letter(conn, d="2000-01-01", received="2000-01-01T00:00:00+07:00", signer="x" * 500)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM statement_letter")).scalar_one() == 1


def test_a_partition_of_mpn_record_refuses_a_year_one_payment(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(
            text(
                "CREATE TABLE mpn_record_20261120 PARTITION OF mpn_record"
                " FOR VALUES FROM ('2026-11-20') TO ('2026-11-21')"
            )
        )
    row = (
        "INSERT INTO mpn_record VALUES ('2026-11-20', 1, 2, 'payment', 'N1', NULL, '002', NULL, 'B1', :paid, 7,"
        " '0123', :name, '411121', '100', '112026', '001', 1000)"
    )
    with pytest.raises(IntegrityError, match="ck_mpn_record_paid_at_plausible"), engine.begin() as conn:
        conn.execute(text(row), {"paid": "0001-01-01T00:00:00+07:00", "name": "PT A"})
    with pytest.raises(IntegrityError, match="ck_mpn_record_taxpayer_name_plausible"), engine.begin() as conn:
        conn.execute(text(row), {"paid": "2026-11-20T10:00:00+07:00", "name": "PT\x07A"})


def test_old_bad_rows_never_fail_the_upgrade_and_new_rows_are_checked(engine: Engine) -> None:
    with engine.begin() as conn:
        cfg = alembic_config()
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0009")
        _letter(conn, received="0001-01-01T00:00:00+07:00")  # stored before the fence existed
    upgrade(engine)
    with engine.connect() as conn:
        valid = dict(
            conn.execute(
                text(
                    "SELECT conname, convalidated FROM pg_constraint"
                    " WHERE conname LIKE 'ck_statement_letter_%_plausible'"
                )
            ).all()
        )
    assert valid["ck_statement_letter_received_at_plausible"] is False  # kept NOT VALID: the old row breaks it
    assert valid["ck_statement_letter_letter_date_plausible"] is True
    with pytest.raises(IntegrityError, match="received_at_plausible"), engine.begin() as conn:
        _letter(conn, d="2026-11-23", received="infinity")


ITEM = (
    "INSERT INTO dist_item (distribution_id, ntpn, business_date, kpp_code, chunk, bank_code, amount, import_id,"
    " line) VALUES (:i, :n, '2026-11-20', '001', 0, '002', 1000, 1, 1)"
)


def test_distribution_rows_survive_the_upgrade_and_keep_their_guarantees(engine: Engine) -> None:
    with engine.begin() as conn:
        cfg = alembic_config()
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0016")
        round_id = conn.execute(
            text(
                "INSERT INTO distribution (business_date, round, status, prepared_by)"
                " VALUES ('2026-11-20', 1, 'approved', 'x') RETURNING distribution_id"
            )
        ).scalar()
        conn.execute(text(ITEM), {"i": round_id, "n": "N1"})
    upgrade(engine)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT ntpn FROM dist_item")).scalars().all() == ["N1"]
    with pytest.raises(IntegrityError, match="pk_dist_item"), engine.begin() as conn:
        conn.execute(text(ITEM), {"i": round_id, "n": "N1"})  # an NTPN goes out once
    with pytest.raises(IntegrityError, match="does not exist"), engine.begin() as conn:
        conn.execute(text(ITEM), {"i": round_id + 1, "n": "N2"})  # a round that is not there
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM distribution WHERE distribution_id = :i"), {"i": round_id})
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM dist_item")).scalar_one() == 0  # deleted with its round
