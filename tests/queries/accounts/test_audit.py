"""`queries.accounts.audit` on a real PostgreSQL: the hash chain, its check, and the filtered, paged listing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from sqlalchemy import Connection, Engine, text

from queries.accounts.audit import GENESIS, Actor, AuditFilter, audit_entries, record, verify_chain

ANI = Actor("ani", "kasi", 1)
BUDI = Actor("budi", "pelaksana", 2)


@pytest.fixture
def conn(engine: Engine) -> Iterator[Connection]:
    with engine.begin() as connection:
        yield connection


def fill(conn: Connection) -> None:
    record(conn, ANI, "user.add", object_type="user", object_id="citra", after={"role": "tu"})
    record(conn, BUDI, "import.file", object_type="file", object_id="7", after={"rows": 10})
    record(conn, ANI, "user.role", object_type="user", object_id="citra", before={"role": "tu"}, after={"role": "kasi"})
    record(conn, Actor.system("cli"), "import.file", object_type="file", object_id="8")
    record(conn, BUDI, "auth.login", object_type="user", object_id="budi")


def test_rows_link_to_the_one_before_and_the_head_follows_the_last(conn: Connection) -> None:
    fill(conn)
    rows = conn.execute(text("SELECT seq, prev_hash, row_hash, audit_row_hash(a) FROM audit_log a ORDER BY seq"))
    rows = [tuple(r) for r in rows]
    assert [r[0] for r in rows] == [1, 2, 3, 4, 5]
    assert rows[0][1] == GENESIS
    for before, row in zip(rows, rows[1:], strict=False):
        assert row[1] == before[2]
    assert all(r[2] == r[3] and len(r[2]) == 64 for r in rows)
    head = tuple(conn.execute(text("SELECT seq, row_hash FROM audit_head")).one())
    assert head == (5, rows[-1][2])
    assert verify_chain(conn) == (True, 5, rows[-1][2], None, "", "")


def test_record_returns_the_position(conn: Connection) -> None:
    assert record(conn, ANI, "auth.login") == 1
    assert record(conn, ANI, "auth.logout") == 2


def test_empty_trail_is_intact(conn: Connection) -> None:
    check = verify_chain(conn)
    assert (check.ok, check.rows, check.head_hash, check.broken_seq) == (True, 0, GENESIS, None)


def test_rolled_back_rows_leave_no_gap(engine: Engine) -> None:
    with engine.begin() as conn:
        record(conn, ANI, "auth.login")
    with engine.connect() as conn:
        record(conn, BUDI, "auth.login")
        conn.rollback()
    with engine.begin() as conn:
        assert record(conn, BUDI, "auth.login") == 2
        assert verify_chain(conn).ok


def test_filters_by_actor_action_and_object(conn: Connection) -> None:
    fill(conn)
    assert [e.seq for e in audit_entries(conn, AuditFilter(actor="ani")).rows] == [3, 1]
    assert [e.seq for e in audit_entries(conn, AuditFilter(action="import.file")).rows] == [4, 2]
    assert [e.seq for e in audit_entries(conn, AuditFilter(object_text="user:cit")).rows] == [3, 1]
    assert [e.seq for e in audit_entries(conn, AuditFilter(object_text="FILE:8")).rows] == [4]
    assert audit_entries(conn, AuditFilter(object_text="%")).rows == []  # LIKE wildcards are literal
    both = audit_entries(conn, AuditFilter(actor="budi", action="auth.login"))
    assert ([e.seq for e in both.rows], both.total) == ([5], 1)
    entry = audit_entries(conn, AuditFilter(action="user.role")).rows[0]
    assert (entry.actor, entry.actor_role, entry.before, entry.after, entry.action_label) == (
        "ani",
        "kasi",
        {"role": "tu"},
        {"role": "kasi"},
        "Ubah peran",
    )


def test_paging_returns_a_slice_and_the_total(conn: Connection) -> None:
    fill(conn)
    first = audit_entries(conn, limit=2)
    second = audit_entries(conn, offset=2, limit=2)
    last = audit_entries(conn, offset=4, limit=2)
    assert [[e.seq for e in p.rows] for p in (first, second, last)] == [[5, 4], [3, 2], [1]]
    assert {p.total for p in (first, second, last)} == {5}
    oldest = audit_entries(conn, descending=False, limit=2)
    assert [e.seq for e in oldest.rows] == [1, 2]
    by_actor = audit_entries(conn, sort="actor", descending=False)
    assert [e.actor for e in by_actor.rows] == ["ani", "ani", "budi", "budi", "system:cli"]
    assert [e.seq for e in audit_entries(conn, sort="seq; DROP TABLE audit_log").rows] == [5, 4, 3, 2, 1]


def _moved(conn: Connection, seq: int, wib: str) -> None:
    """Move one row's time (breaking its hash: for the date filter only)."""
    conn.execute(text("SET LOCAL session_replication_role = replica"))
    conn.execute(text("UPDATE audit_log SET at = CAST(:at AS timestamptz) WHERE seq = :seq"), {"at": wib, "seq": seq})
    conn.execute(text("SET LOCAL session_replication_role = origin"))


def _four_rows_around_20_november(conn: Connection) -> None:
    fill(conn)
    _moved(conn, 1, "2026-11-19 23:59:59+07")
    _moved(conn, 2, "2026-11-20 00:00:00+07")
    _moved(conn, 3, "2026-11-20 23:59:59+07")
    _moved(conn, 4, "2026-11-21 00:00:00+07")


def test_filters_by_wib_calendar_day(conn: Connection) -> None:
    conn.execute(text("SET LOCAL TimeZone = 'Asia/Jakarta'"))
    _four_rows_around_20_november(conn)
    day = date(2026, 11, 20)
    assert [e.seq for e in audit_entries(conn, AuditFilter(date_from=day, date_to=day)).rows] == [3, 2]
    assert [e.seq for e in audit_entries(conn, AuditFilter(date_to=day)).rows] == [3, 2, 1]
    assert [e.seq for e in audit_entries(conn, AuditFilter(date_from=day + timedelta(days=1))).rows] == [5, 4]
    assert audit_entries(conn, AuditFilter(actor="ani", date_from=day, date_to=day)).total == 1


def test_day_bounds_are_wib_midnight_whatever_the_session_time_zone(conn: Connection) -> None:
    conn.execute(text("SET LOCAL TimeZone = 'UTC'"))
    _four_rows_around_20_november(conn)
    day = date(2026, 11, 20)
    assert [e.seq for e in audit_entries(conn, AuditFilter(date_from=day, date_to=day)).rows] == [3, 2]
