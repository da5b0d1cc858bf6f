"""`mpn users`: accounts from the shell, passwords from standard input, every change audited, no echo."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import Engine, text

from cli import users as cli_users
from cli.main import main
from queries.accounts.users import authenticate, user_by_name

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=ZoneInfo("Asia/Jakarta"))
SECRET = "Rahasia-Kuat-2026"


def mpn(*args: str, stdin: str | None = None) -> Result:
    return CliRunner().invoke(main, list(args), input=stdin)


def audit_rows(engine: Engine) -> list[tuple]:
    with engine.connect() as conn:
        return [
            tuple(r)
            for r in conn.execute(
                text("SELECT actor, action, object_id, before::text, after::text FROM audit_log ORDER BY seq")
            )
        ]


def test_add_reads_the_password_from_stdin_and_audits_without_it(engine: Engine) -> None:
    result = mpn(
        "users",
        "add",
        "budi",
        "--role",
        "kasi",
        "--full-name",
        "Budi Santoso",
        "--nip",
        "198207152005011003",
        stdin=SECRET + "\n",
    )
    assert result.exit_code == 0, result.output
    assert "user budi added: kasi (Kepala Seksi)" in result.output
    with engine.begin() as conn:
        user = user_by_name(conn, "budi")
        assert user is not None and (user.full_name, user.nip, user.active) == (
            "Budi Santoso",
            "198207152005011003",
            True,
        )
        assert authenticate(conn, "budi", SECRET, now=NOW).ok
    [(actor, action, object_id, _, after), _login] = audit_rows(engine)
    assert (actor, action, object_id) == ("system:cli", "user.add", "budi")
    assert json.loads(after)["role"] == "kasi"
    assert SECRET not in result.output


def test_in_a_terminal_the_password_is_asked_twice_hidden(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli_users, "_interactive", lambda: True)
    result = mpn("users", "add", "budi", "--role", "kasi", stdin=f"{SECRET}\nsomething else\n{SECRET}\n{SECRET}\n")
    assert result.exit_code == 0, result.output
    assert "Password for budi:" in result.output and "Repeat for confirmation:" in result.output
    assert "do not match" in result.output
    assert SECRET not in result.output
    with engine.begin() as conn:
        assert authenticate(conn, "budi", SECRET, now=NOW).ok


def test_crlf_line_ending_is_not_part_of_the_password(engine: Engine) -> None:
    assert mpn("users", "add", "budi", "--role", "tu", stdin=SECRET + "\r\nignored\n").exit_code == 0
    with engine.begin() as conn:
        assert authenticate(conn, "budi", SECRET, now=NOW).ok


def test_weak_or_empty_password_is_bad_input_and_creates_nothing(engine: Engine) -> None:
    short = mpn("users", "add", "budi", "--role", "kasi", stdin="pendek\n")
    assert short.exit_code == 2 and "at least 8 characters" in short.output
    same = mpn("users", "add", "budi.santoso", "--role", "kasi", stdin="Budi.Santoso\n")
    assert same.exit_code == 2 and "differ from the user name" in same.output
    empty = mpn("users", "add", "budi", "--role", "kasi", stdin="\n")
    assert empty.exit_code == 2 and "empty" in empty.output
    assert audit_rows(engine) == []
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM app_user WHERE username <> 'sistem'")).scalar_one() == 0


def test_duplicate_name_unknown_role_and_bad_name_are_bad_input(db_url: str) -> None:
    assert mpn("users", "add", "budi", "--role", "kasi", stdin=SECRET).exit_code == 0
    again = mpn("users", "add", "budi", "--role", "tu", stdin=SECRET)
    assert again.exit_code == 2 and "already exists" in again.output
    role = mpn("users", "add", "ani", "--role", "boss", stdin=SECRET)
    assert role.exit_code == 2 and "unknown role 'boss'" in role.output and "petugas_mpn" in role.output
    name = mpn("users", "add", "Ani Lestari", "--role", "tu", stdin=SECRET)
    assert name.exit_code == 2 and "invalid user name" in name.output
    assert mpn("users", "add", "ani").exit_code == 2  # --role is required
    for args in (
        ["disable", "nobody"],
        ["enable", "nobody"],
        ["set-role", "nobody", "tu"],
        ["reset-password", "nobody"],
    ):
        missing = mpn("users", *args, stdin=SECRET)
        assert missing.exit_code == 2 and "no user named 'nobody'" in missing.output


def test_list_shows_role_code_and_title_in_every_format(db_url: str) -> None:
    mpn("users", "add", "budi", "--role", "petugas_mpn", "--full-name", "Budi Santoso", stdin=SECRET)
    mpn("users", "add", "ani", "--role", "kasubdit", stdin=SECRET)
    mpn("users", "disable", "budi")
    table = mpn("users", "list")
    assert table.exit_code == 0
    lines = table.output.splitlines()
    assert lines[0].split() == ["user", "full", "name", "role", "title", "active", "locked", "until", "last", "login"]
    assert lines[1].split()[:4] == ["ani", "kasubdit", "Kepala", "Subdirektorat"]  # role order, then name
    assert "Budi Santoso" in lines[2] and "Petugas Sistem MPN" in lines[2] and lines[2].rstrip().endswith("no")
    rows = json.loads(mpn("users", "list", "--format", "json").output)
    assert [(r["username"], r["role"], r["role_title"], r["active"]) for r in rows] == [
        ("ani", "kasubdit", "Kepala Subdirektorat", True),
        ("budi", "petugas_mpn", "Petugas Sistem MPN", False),
    ]
    csv_out = mpn("users", "list", "--format", "csv").output.splitlines()
    assert csv_out[0] == "username,full_name,role,role_title,active,locked_until,last_login_at"
    assert csv_out[2].startswith("budi,Budi Santoso,petugas_mpn,Petugas Sistem MPN,false,")
    assert mpn("users", "list", "--format", "xml").exit_code == 2


def test_disable_enable_set_role_and_reset_password_take_effect_and_are_audited(engine: Engine) -> None:
    assert mpn("users", "add", "budi", "--role", "pelaksana", stdin=SECRET).exit_code == 0
    disabled = mpn("users", "disable", "budi")
    assert disabled.exit_code == 0 and "disabled" in disabled.output
    with engine.begin() as conn:
        assert authenticate(conn, "budi", SECRET, now=NOW).outcome == "disabled"
    assert mpn("users", "enable", "budi").exit_code == 0
    role = mpn("users", "set-role", "budi", "kasi")
    assert role.exit_code == 0 and "now kasi (Kepala Seksi)" in role.output
    assert mpn("users", "set-role", "budi", "raja").exit_code == 2
    new_secret = "Sandi-Baru-Sekali"
    reset = mpn("users", "reset-password", "budi", stdin=new_secret + "\n")
    assert reset.exit_code == 0 and new_secret not in reset.output
    assert mpn("users", "reset-password", "budi", stdin="pendek\n").exit_code == 2
    with engine.begin() as conn:
        user = user_by_name(conn, "budi")
        assert user is not None and (user.role, user.active) == ("kasi", True)
        assert authenticate(conn, "budi", SECRET, now=NOW).outcome == "bad"
        assert authenticate(conn, "budi", new_secret, now=NOW).ok
    changes = [
        (actor, action, before, after)
        for actor, action, _, before, after in audit_rows(engine)
        if action.startswith("user.")
    ]
    assert changes == [
        ("system:cli", "user.add", None, '{"nip": "", "role": "pelaksana", "full_name": ""}'),
        ("system:cli", "user.disable", '{"active": true}', '{"active": false}'),
        ("system:cli", "user.enable", '{"active": false}', '{"active": true}'),
        ("system:cli", "user.role", '{"role": "pelaksana"}', '{"role": "kasi"}'),
        ("system:cli", "user.password_reset", None, None),
    ]


def test_passwords_appear_nowhere_in_the_audit_trail_or_the_stored_row(engine: Engine) -> None:
    mpn("users", "add", "budi", "--role", "tu", stdin=SECRET)
    mpn("users", "reset-password", "budi", stdin="Sandi-Baru-Sekali")
    with engine.begin() as conn:
        authenticate(conn, "budi", "Salah-Tebak-123", now=NOW)
    with engine.connect() as conn:
        trail = conn.execute(text("SELECT string_agg(audit_log::text, ' ') FROM audit_log")).scalar_one()
        stored = conn.execute(text("SELECT app_user::text FROM app_user WHERE username <> 'sistem'")).scalar_one()
    for password in (SECRET, "Sandi-Baru-Sekali", "Salah-Tebak-123"):
        assert password not in trail and password not in stored


def test_last_active_admin_is_kept(db_url: str) -> None:
    mpn("users", "add", "root", "--role", "admin", stdin=SECRET)
    refused = mpn("users", "disable", "root")
    assert refused.exit_code == 2 and "last active admin" in refused.output
    assert mpn("users", "set-role", "root", "tu").exit_code == 2


def test_roles_and_help() -> None:
    roles = mpn("users", "roles")
    assert roles.exit_code == 0 and "petugas_mpn  Petugas Sistem MPN" in roles.output
    for args in (
        ["users"],
        ["users", "add"],
        ["users", "list"],
        ["users", "disable"],
        ["users", "enable"],
        ["users", "reset-password"],
        ["users", "set-role"],
        ["users", "roles"],
    ):
        result = mpn(*args, "--help")
        assert result.exit_code == 0 and "Usage:" in result.output


def test_password_piped_into_a_real_process(engine: Engine) -> None:
    def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "cli.main", *args],
            input=stdin,
            capture_output=True,
            text=True,
            env=os.environ.copy(),
            timeout=120,
        )

    added = run("users", "add", "budi", "--role", "kasi", stdin=SECRET + "\n")
    assert added.returncode == 0, added.stderr
    assert SECRET not in added.stdout + added.stderr
    weak = run("users", "add", "ani", "--role", "kasi", stdin="pendek\n")
    assert weak.returncode == 2 and "at least 8 characters" in weak.stderr
    with engine.begin() as conn:
        assert authenticate(conn, "budi", SECRET, now=NOW).ok
    assert run("audit", "verify").returncode == 0
