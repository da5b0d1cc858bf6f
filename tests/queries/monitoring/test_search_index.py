"""The trace's search indexes: built off the import's path, and what they let Lacak find."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, text

from jobs.scheduling.definitions import BY_ID
from queries.accounts.audit import Actor
from queries.monitoring.search_index import SEARCH_COLUMNS, build_search_indexes, indexed_dates, partitions
from queries.monitoring.trace import find_payments
from tests.builders.reconciliation import D1, D2, Day, clean, ntpn, payments


def test_an_older_date_is_searched_by_billing_code_once_the_scheduler_indexed_it(engine: Engine) -> None:
    payments(engine, clean(1, start=7, day=D1))
    Day(clean(1)).load(engine)
    with engine.connect() as conn:
        assert {d for d, indexed in partitions(conn)} == {D1, D2} and indexed_dates(conn) == []
        before = {h.ntpn for h in find_payments(conn, "123456789012345", days=1)}
    outcome = BY_ID["search_index"].work(engine, datetime.now(UTC), actor=Actor.system("scheduler"))
    assert outcome.rows == 2 and "indeks pencarian dibuat untuk 2 tanggal buku" in outcome.message
    with engine.connect() as conn:
        assert sorted(indexed_dates(conn)) == [D1, D2]
        after = {h.ntpn for h in find_payments(conn, "123456789012345", days=1)}
        by_npwp = {h.ntpn for h in find_payments(conn, "01.234.567.8-901.000", days=1)}
        conn.execute(text("SET enable_seqscan = off"))  # one row: the planner would scan; the index must be there
        plan = "\n".join(
            conn.execute(
                text("EXPLAIN SELECT * FROM mpn_record WHERE business_date = :d AND npwp = '012345678901000'"),
                {"d": D1},
            ).scalars()
        )
    assert before == {ntpn(1)}  # the older date is past the 1-day window and not indexed yet
    assert after == {ntpn(1), ntpn(7)} and by_npwp == {ntpn(1), ntpn(7)}
    assert "_npwp" in plan  # the older partition is read through its index
    assert build_search_indexes(engine) == []  # nothing left: a second run does nothing


def test_an_interrupted_concurrent_build_is_dropped_and_built_again(engine: Engine) -> None:
    payments(engine, clean(2, day=D1))
    partition = f"mpn_record_{D1:%Y%m%d}"
    with engine.begin() as conn:
        for column in SEARCH_COLUMNS:
            conn.execute(text(f"CREATE INDEX {partition}_{column} ON {partition} ({column})"))
        conn.execute(
            text("UPDATE pg_index SET indisvalid = false WHERE indexrelid = CAST(:i AS regclass)"),
            {"i": f"{partition}_ntb"},
        )
    with engine.connect() as conn:
        assert indexed_dates(conn) == []
    assert build_search_indexes(engine) == [D1]
    with engine.connect() as conn:
        assert indexed_dates(conn) == [D1]
        assert [h.ntpn for h in find_payments(conn, clean(2, day=D1)[1].ntb_, days=0)] == [ntpn(2)]
