"""`queries.accounts.users` on a real PostgreSQL: login with lockout, session epochs, the last admin, hashes."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Connection, Engine, text

from queries.accounts.audit import Actor
from queries.accounts.users import (
    LOCK_MINUTES,
    MAX_FAILURES,
    UserError,
    add_user,
    authenticate,
    session_user,
    set_active,
    set_password,
    set_role,
    toggle_active,
    update_account,
    user_by_name,
)

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=ZoneInfo("Asia/Jakarta"))
SECRET = "Rahasia-Kuat-2026"
CLI = Actor.system("cli")


@pytest.fixture
def conn(engine: Engine) -> Iterator[Connection]:
    with engine.begin() as connection:
        yield connection


def add(conn: Connection, name: str = "budi", role: str = "pelaksana", password: str = SECRET) -> None:
    add_user(conn, username=name, role=role, password=password, actor=CLI)


def trail(conn: Connection) -> list[tuple]:
    return [
        tuple(r)
        for r in conn.execute(
            text(
                "SELECT actor, actor_role, action, object_id, after->>'reason', after->>'failures' FROM audit_log"
                " ORDER BY seq"
            )
        )
    ]


def test_right_password_logs_in_and_records_the_time(conn: Connection) -> None:
    add(conn)
    result = authenticate(conn, "budi", SECRET, now=NOW, source="127.0.0.1")
    assert result.ok and result.user is not None and result.user.last_login_at == NOW
    assert trail(conn)[-1] == ("budi", "pelaksana", "auth.login", "budi", None, None)


def test_wrong_password_is_bad_and_counted(conn: Connection) -> None:
    add(conn)
    result = authenticate(conn, "budi", "Salah-Tebak-123", now=NOW)
    assert (result.ok, result.outcome, result.user) == (False, "bad", None)
    assert conn.execute(text("SELECT failed_logins FROM app_user WHERE username = 'budi'")).scalar_one() == 1
    assert trail(conn)[-1] == ("budi", "pelaksana", "auth.login_failed", "budi", None, "1")


def test_five_wrong_in_a_row_lock_for_fifteen_minutes_even_with_the_right_password(conn: Connection) -> None:
    add(conn)
    outcomes = [authenticate(conn, "budi", f"salah-{i}-xyz", now=NOW).outcome for i in range(MAX_FAILURES)]
    assert outcomes == ["bad"] * (MAX_FAILURES - 1) + ["locked"]
    until = NOW + timedelta(minutes=LOCK_MINUTES)
    assert LOCK_MINUTES == 15
    right = authenticate(conn, "budi", SECRET, now=NOW + timedelta(minutes=14, seconds=59))
    assert (right.outcome, right.locked_until) == ("locked", until)
    assert [r[2] for r in trail(conn)[-2:]] == ["auth.locked", "auth.login_failed"]
    assert trail(conn)[-1][4] == "locked"


def test_lock_expires_and_a_right_login_clears_the_count(conn: Connection) -> None:
    add(conn)
    for i in range(MAX_FAILURES):
        authenticate(conn, "budi", f"salah-{i}-xyz", now=NOW)
    assert authenticate(conn, "budi", SECRET, now=NOW + timedelta(minutes=LOCK_MINUTES, seconds=1)).ok
    user = user_by_name(conn, "budi")
    assert user is not None and (user.failed_logins, user.locked_until) == (0, None)


def test_failures_that_are_not_in_a_row_do_not_lock(conn: Connection) -> None:
    add(conn)
    for _ in range(2):
        for i in range(MAX_FAILURES - 1):
            assert authenticate(conn, "budi", f"salah-{i}-xyz", now=NOW).outcome == "bad"
        assert authenticate(conn, "budi", SECRET, now=NOW).ok


def test_reset_password_unlocks(conn: Connection) -> None:
    add(conn)
    for i in range(MAX_FAILURES):
        authenticate(conn, "budi", f"salah-{i}-xyz", now=NOW)
    set_password(conn, "budi", "Sandi-Baru-Sekali", actor=CLI)
    assert authenticate(conn, "budi", "Sandi-Baru-Sekali", now=NOW).ok


def test_disabled_user_is_refused_with_the_right_password(conn: Connection) -> None:
    add(conn)
    set_active(conn, "budi", False, actor=CLI)
    assert authenticate(conn, "budi", SECRET, now=NOW).outcome == "disabled"
    assert trail(conn)[-1][2:5] == ("auth.login_failed", "budi", "disabled")


def test_unknown_user_is_bad_like_a_wrong_password_and_audited(conn: Connection) -> None:
    result = authenticate(conn, "siapa", SECRET, now=NOW)
    assert (result.outcome, result.user) == ("bad", None)
    assert trail(conn) == [("siapa", "", "auth.login_failed", "siapa", "unknown user", None)]


def test_user_name_is_matched_trimmed_and_lower_case(conn: Connection) -> None:
    add(conn)
    assert authenticate(conn, "  Budi ", SECRET, now=NOW).ok


@pytest.mark.parametrize("change", ["role", "disable", "password"])
def test_session_ends_after_role_change_disable_or_password_reset(conn: Connection, change: str) -> None:
    add(conn)
    login = authenticate(conn, "budi", SECRET, now=NOW)
    assert login.user is not None
    user_id, epoch = login.user.user_id, login.user.session_epoch
    assert session_user(conn, user_id, epoch) is not None
    if change == "role":
        set_role(conn, "budi", "kasi", actor=CLI)
    elif change == "disable":
        set_active(conn, "budi", False, actor=CLI)
    else:
        set_password(conn, "budi", "Sandi-Baru-Sekali", actor=CLI)
    assert session_user(conn, user_id, epoch) is None
    fresh = user_by_name(conn, "budi")
    assert fresh is not None and (session_user(conn, user_id, fresh.session_epoch) is not None) == fresh.active


def test_no_op_changes_keep_the_session(conn: Connection) -> None:
    add(conn)
    before = user_by_name(conn, "budi")
    assert before is not None
    set_role(conn, "budi", "pelaksana", actor=CLI)
    set_active(conn, "budi", True, actor=CLI)
    assert session_user(conn, before.user_id, before.session_epoch) is not None
    assert [r[2] for r in trail(conn)] == ["user.add"]


def test_last_active_admin_cannot_be_disabled_or_demoted(conn: Connection) -> None:
    add(conn, "root", "admin")
    with pytest.raises(UserError, match="last active admin"):
        set_active(conn, "root", False, actor=CLI)
    with pytest.raises(UserError, match="last active admin"):
        set_role(conn, "root", "kasi", actor=CLI)
    add(conn, "root2", "admin")
    set_active(conn, "root", False, actor=CLI)
    with pytest.raises(UserError, match="last active admin"):
        set_role(conn, "root2", "tu", actor=CLI)
    set_role(conn, "root", "tu", actor=CLI)  # a disabled admin may be demoted


def test_stored_hash_is_scrypt_and_not_the_password(conn: Connection) -> None:
    add(conn)
    stored = conn.execute(text("SELECT password_hash FROM app_user WHERE username = 'budi'")).scalar_one()
    assert stored.startswith("scrypt:") and SECRET not in stored


def test_add_user_rules(conn: Connection) -> None:
    with pytest.raises(UserError, match="at least 8"):
        add(conn, password="pendek")
    with pytest.raises(UserError, match="unknown role"):
        add(conn, role="raja")
    with pytest.raises(UserError, match="invalid user name"):
        add(conn, name="Budi")
    add(conn)
    with pytest.raises(UserError, match="already exists"):
        add(conn)
    add_user(conn, username="demo1", role="tu", password="demo", actor=CLI, policy=False)
    assert authenticate(conn, "demo1", "demo", now=NOW).ok


def admin_changes(conn: Connection, actor: Actor) -> dict[str, object]:
    """Every admin-only account change, each as `actor`, on the accounts `budi` and `sari`."""
    from queries.accounts.users import set_email, set_profile, unlock

    return {
        "add": lambda: add_user(conn, username="baru", role="kasi", password=SECRET, actor=actor),
        "role": lambda: set_role(conn, "budi", "kasi", actor=actor),
        "disable": lambda: set_active(conn, "budi", False, actor=actor),
        "reset": lambda: set_password(conn, "budi", "Sandi-Lain-2026", actor=actor, temporary=True),
        "unlock": lambda: unlock(conn, "budi", actor=actor),
        "email": lambda: set_email(conn, "budi", "budi@djp.example", actor=actor),
        "profile": lambda: set_profile(conn, "budi", full_name="Budi Santoso", nip="", actor=actor),
    }


@pytest.mark.parametrize("change", ["add", "role", "disable", "reset", "unlock", "email", "profile"])
def test_only_an_administrator_changes_someone_elses_account(conn: Connection, change: str) -> None:
    add(conn)
    add(conn, "sari", "kasi")
    before = (conn.execute(text("SELECT * FROM app_user ORDER BY user_id")).all(), len(trail(conn)))
    kasi = Actor("sari", "kasi", None)
    with pytest.raises(UserError) as refused:
        admin_changes(conn, kasi)[change]()
    assert "Kepala Seksi" in refused.value.message and "Administrator" in refused.value.message
    assert (conn.execute(text("SELECT * FROM app_user ORDER BY user_id")).all(), len(trail(conn))) == before
    admin_changes(conn, Actor("admin", "admin", None))[change]()  # the same change by an administrator is taken


def test_a_user_changes_their_own_password_without_being_an_administrator(conn: Connection) -> None:
    add(conn)
    budi = user_by_name(conn, "budi")
    assert budi is not None
    set_password(conn, "budi", "Sandi-Baru-2026", actor=budi.actor())
    assert authenticate(conn, "budi", "Sandi-Baru-2026", now=NOW).ok


def test_settings_and_master_data_refuse_a_non_administrator(conn: Connection, tmp_path: Path) -> None:
    from jobs.imports.master import import_master
    from queries.imports.master_edit import delete_non_working_day, master_rows, save_row
    from queries.settings import raw_settings, set_setting

    pelaksana = Actor("budi", "pelaksana", None)

    def refused(change: Callable[[], object]) -> None:
        with pytest.raises(UserError) as why:
            change()
        assert "Pelaksana" in why.value.message and "Administrator" in why.value.message

    kept = raw_settings(conn)["statement.deadline_time"]
    refused(lambda: set_setting(conn, "statement.deadline_time", "11:00", actor=pelaksana))
    assert raw_settings(conn)["statement.deadline_time"] == kept
    bank = master_rows(conn, "banks")[0]
    refused(lambda: save_row(conn, "banks", {**bank, "bank_name": "Bank Lain"}, actor=pelaksana, now=NOW))
    assert master_rows(conn, "banks")[0] == bank
    refused(lambda: delete_non_working_day(conn, NOW.date(), actor=pelaksana))
    file = tmp_path / "banks.csv"
    file.write_text("bank_code,bank_name\n", encoding="utf-8")
    refused(lambda: import_master(conn.engine, "banks", file, actor=pelaksana))
    assert set_setting(conn, "statement.deadline_time", "11:00", actor=Actor("admin", "admin", None)) == "11:00"


def test_an_admin_cannot_disable_their_own_account_but_toggles_another_and_edits_in_one_step(conn: Connection) -> None:
    add(conn, "rina", "admin")
    add(conn, "budi")
    rina = user_by_name(conn, "rina").actor()  # type: ignore[union-attr]
    with pytest.raises(UserError) as refused:
        toggle_active(conn, "rina", actor=rina)
    assert refused.value.message == "Anda tidak dapat menonaktifkan akun Anda sendiri."
    assert user_by_name(conn, "rina").active  # type: ignore[union-attr]
    assert toggle_active(conn, "budi", actor=rina).active is False
    assert toggle_active(conn, "budi", actor=rina).active is True

    after, changed = update_account(
        conn, "budi", role="kasi", email="budi@pajak.example", full_name="Budi S", nip="", actor=rina
    )
    assert (after.role, after.email, after.full_name) == ("kasi", "budi@pajak.example", "Budi S")
    assert changed == ["peran", "e-mail", "nama lengkap"]
    assert (
        update_account(conn, "budi", role="kasi", email="budi@pajak.example", full_name="Budi S", nip="", actor=rina)[1]
        == []
    )
