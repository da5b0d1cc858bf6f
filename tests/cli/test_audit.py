"""`mpn audit verify` and `mpn audit list`: an intact trail passes, any tampering names the first broken row."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from cli.main import main
from queries.accounts.audit import Actor, record

ANI = Actor("ani", "kasi", 1)


def mpn(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def fill(engine: Engine, rows: int = 5) -> None:
    with engine.begin() as conn:
        for i in range(1, rows + 1):
            record(
                conn,
                ANI if i % 2 else Actor.system("cli"),
                "user.add" if i % 2 else "import.file",
                object_type="user" if i % 2 else "file",
                object_id=str(i),
                after={"n": i},
            )


def tamper(engine: Engine, sql: str) -> None:
    """Change the trail behind the triggers' back, as a superuser could."""
    with engine.begin() as conn:
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        conn.execute(text(sql))


def test_intact_trail_exits_0_with_rows_and_head(engine: Engine) -> None:
    empty = mpn("audit", "verify")
    assert empty.exit_code == 0 and "audit trail intact: 0 rows, head 00000000…" in empty.output
    fill(engine)
    with engine.connect() as conn:
        head = conn.execute(text("SELECT row_hash FROM audit_head")).scalar_one()
    result = mpn("audit", "verify")
    assert result.exit_code == 0, result.output
    assert f"audit trail intact: 5 rows, head {head[:8]}…" in result.output


def test_altered_row_is_named(engine: Engine) -> None:
    fill(engine)
    tamper(engine, """UPDATE audit_log SET after = '{"n": 99}' WHERE seq = 3""")
    result = mpn("audit", "verify")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith("audit trail BROKEN at row 3: row 3 was altered")


def test_rewritten_row_with_recomputed_hash_breaks_the_next_link(engine: Engine) -> None:
    fill(engine)
    tamper(
        engine,
        """UPDATE audit_log SET actor = 'mallory' WHERE seq = 2;
                      UPDATE audit_log a SET row_hash = audit_row_hash(a) WHERE seq = 2""",
    )
    result = mpn("audit", "verify")
    assert result.exit_code == 1
    assert "BROKEN at row 3: row 3 does not link to row 2: row 2 was altered or replaced" in result.stderr


def test_deleted_middle_row_is_named(engine: Engine) -> None:
    fill(engine)
    tamper(engine, "DELETE FROM audit_log WHERE seq = 3")
    result = mpn("audit", "verify")
    assert result.exit_code == 1
    assert "BROKEN at row 3: rows 3..3 are missing (row 4 follows row 2)" in result.stderr


def test_deleted_last_row_is_named(engine: Engine) -> None:
    fill(engine)
    tamper(engine, "DELETE FROM audit_log WHERE seq = 5")
    result = mpn("audit", "verify")
    assert result.exit_code == 1
    assert "BROKEN at row 5: rows 5..5 are missing from the end of the trail" in result.stderr


def test_deleted_last_row_shows_as_a_gap_once_a_new_row_follows(engine: Engine) -> None:
    fill(engine)
    tamper(engine, "DELETE FROM audit_log WHERE seq = 5")
    with engine.begin() as conn:
        record(conn, ANI, "auth.login")  # the next row takes seq 6: the gap shows
    result = mpn("audit", "verify")
    assert result.exit_code == 1 and "BROKEN at row 5: rows 5..5 are missing" in result.stderr


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_log SET actor = 'mallory' WHERE seq = 2",
        "DELETE FROM audit_log WHERE seq = 2",
        "TRUNCATE audit_log",
    ],
)
def test_append_only_triggers_refuse_update_delete_and_truncate(engine: Engine, sql: str) -> None:
    fill(engine)
    with pytest.raises(DBAPIError, match="audit_log is append-only"), engine.begin() as conn:
        conn.execute(text(sql))
    assert mpn("audit", "verify").exit_code == 0


def test_list_shows_recent_rows_filtered(engine: Engine) -> None:
    fill(engine)
    recent = mpn("audit", "list", "--limit", "2")
    assert recent.exit_code == 0, recent.output
    lines = recent.output.splitlines()
    assert lines[0].split()[0] == "5" and "ani" in lines[0] and "user.add" in lines[0] and "user:5" in lines[0]
    assert 'after={"n":5}' in lines[0]
    assert lines[1].split()[0] == "4" and "system:cli" in lines[1]
    assert lines[-1] == "(2 of 5 rows)"
    only = json.loads(
        mpn("audit", "list", "--actor", "system:cli", "--action", "import.file", "--format", "json").output
    )
    assert [(r["seq"], r["object_type"], r["object_id"], r["after"]) for r in only] == [
        (4, "file", "4", {"n": 4}),
        (2, "file", "2", {"n": 2}),
    ]
    assert mpn("audit", "list", "--limit", "0").exit_code == 2
    assert mpn("audit", "list", "--from", "20-11-2026").exit_code == 2


def test_help() -> None:
    for args in (["audit"], ["audit", "verify"], ["audit", "list"]):
        result = mpn(*args, "--help")
        assert result.exit_code == 0 and "Usage:" in result.output
