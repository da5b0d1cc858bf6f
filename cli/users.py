"""`mpn users`: accounts from the shell, each change one transaction audited as `system:cli`.

Passwords are read from standard input when it is not a terminal (the first line), else prompted
twice with hidden input; they are never echoed, logged or put in the audit trail.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any

import click

from cli.output import format_option, print_rows

if TYPE_CHECKING:
    from sqlalchemy import Connection, Engine

    from queries.accounts.users import User

FORMATS = ("table", "csv", "json")
COLUMNS = ("username", "full_name", "role", "role_title", "active", "locked_until", "last_login_at")


def _engine() -> Engine:
    """The configured engine, imported lazily so `mpn --help` stays fast (as in `cli.main`)."""
    from queries.db import engine

    return engine()


@contextmanager
def _bad_input() -> Iterator[None]:
    """A refused account change is bad input: its message on standard error, exit 2."""
    from queries.accounts.users import UserError

    try:
        yield
    except UserError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)


def _change(work: Callable[[Connection], User]) -> User:
    """Run one account change in its own transaction; UserError exits 2."""
    with _bad_input(), _engine().begin() as conn:
        return work(conn)


def _interactive() -> bool:
    return sys.stdin.isatty()


def read_password(username: str) -> str:
    """The new password: stdin's first line when piped, else a hidden prompt asked twice; exit 2 if weak."""
    from queries.accounts.users import password_problem

    if _interactive():
        password = click.prompt(
            f"Password for {username}", hide_input=True, confirmation_prompt=True, show_default=False
        )
    else:
        password = sys.stdin.readline().removesuffix("\n").removesuffix("\r")
    problem = "the password is empty" if not password else password_problem(username, password)
    if problem:
        click.echo(f"error: {problem}", err=True)
        sys.exit(2)
    return str(password)


@click.group("users")
def users_group() -> None:
    """User accounts and their roles (DOMAIN §1)."""


@users_group.command("add")
@click.argument("name")
@click.option("--role", required=True, help="Role code (see `mpn users roles`).")
@click.option("--full-name", default="", help="Full name, as shown in the dashboard and on letters.")
@click.option("--nip", default="", help="NIP (18 digits), for letters' signature blocks.")
@click.option("--email", default="", help="E-mail address for alerts and reports.")
def add(name: str, role: str, full_name: str, nip: str, email: str) -> None:
    """Create user NAME; the password is read from standard input, else prompted twice."""
    from queries.accounts.audit import Actor
    from queries.accounts.users import UserError, add_user, check_role, check_username, user_by_name

    with _bad_input(), _engine().connect() as conn:
        check_username(name)
        check_role(role)
        if email:
            _check_email(email)
        if user_by_name(conn, name) is not None:  # before asking for a password
            raise UserError(f"user {name!r} already exists")
    password = read_password(name)
    user = _change(
        lambda conn: add_user(
            conn,
            username=name,
            role=role,
            password=password,
            actor=Actor.system("cli"),
            full_name=full_name,
            nip=nip,
            email=email,
        )
    )
    click.echo(f"user {user.username} added: {user.role} ({user.role_title})")


@users_group.command("list")
@format_option(*FORMATS, default="table")
def list_users(fmt: str) -> None:
    """Every account: name, full name, role, active, locked until, last login (WIB)."""
    from queries.accounts.users import users

    with _engine().connect() as conn:
        rows = [_row(user) for user in users(conn)]
    print_rows(rows, COLUMNS, fmt, table=_table)


def _row(user: User) -> dict[str, Any]:
    return {
        "username": user.username,
        "full_name": user.full_name,
        "role": user.role,
        "role_title": user.role_title,
        "active": user.active,
        "locked_until": _when(user.locked_until),
        "last_login_at": _when(user.last_login_at),
    }


def _when(at: datetime | None) -> datetime | None:
    """A time in the configured zone (WIB by default), to the second."""
    from queries.config import timezone

    return None if at is None else at.astimezone(timezone()).replace(microsecond=0)


def _cell(key: str, value: Any) -> str:
    if key == "active":
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return "" if value is None else str(value)


def _table(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    headers = {
        "username": "user",
        "full_name": "full name",
        "role": "role",
        "role_title": "title",
        "active": "active",
        "locked_until": "locked until",
        "last_login_at": "last login",
    }
    cells = [list(headers.values())] + [[_cell(k, v) for k, v in row.items()] for row in rows]
    widths = [max(len(line[i]) for line in cells) for i in range(len(headers))]
    return ["  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip() for line in cells]


@users_group.command("roles")
def roles() -> None:
    """The role codes with their Indonesian titles."""
    from queries.accounts.users import ROLES

    for code, title in ROLES.items():
        click.echo(f"{code:<12} {title}")


@users_group.command("disable")
@click.argument("name")
def disable(name: str) -> None:
    """Disable user NAME (its sessions end at once); the last active admin cannot be disabled."""
    from queries.accounts.audit import Actor
    from queries.accounts.users import set_active

    _change(lambda conn: set_active(conn, name, False, actor=Actor.system("cli")))
    click.echo(f"user {name} disabled")


@users_group.command("enable")
@click.argument("name")
def enable(name: str) -> None:
    """Enable user NAME again (a locked account is unlocked by `reset-password`)."""
    from queries.accounts.audit import Actor
    from queries.accounts.users import set_active

    _change(lambda conn: set_active(conn, name, True, actor=Actor.system("cli")))
    click.echo(f"user {name} enabled")


@users_group.command("reset-password")
@click.argument("name")
def reset_password(name: str) -> None:
    """Give user NAME a new password (read as in `add`); unlocks it and ends its sessions."""
    from queries.accounts.audit import Actor
    from queries.accounts.users import set_password, user_by_name

    with _engine().connect() as conn:
        known = user_by_name(conn, name) is not None
    if not known:  # before asking for a password nobody can use
        click.echo(f"error: no user named {name!r}", err=True)
        sys.exit(2)
    password = read_password(name)
    _change(lambda conn: set_password(conn, name, password, actor=Actor.system("cli")))
    click.echo(f"password of {name} reset")


@users_group.command("set-role")
@click.argument("name")
@click.argument("role")
def set_role_cmd(name: str, role: str) -> None:
    """Give user NAME the role ROLE (its sessions end, so the new rights apply at once)."""
    from queries.accounts.audit import Actor
    from queries.accounts.users import set_role

    user = _change(lambda conn: set_role(conn, name, role, actor=Actor.system("cli")))
    click.echo(f"user {user.username} is now {user.role} ({user.role_title})")


def _check_email(email: str) -> None:
    """An invalid address is bad input (UserError), found before the password is asked."""
    from queries.accounts.users import UserError
    from queries.mail.outbox import MailError, check_address

    try:
        check_address(email)
    except MailError as exc:
        raise UserError(str(exc)) from None


@users_group.command("set-email")
@click.argument("name")
@click.argument("address")
def set_email_cmd(name: str, address: str) -> None:
    """Give user NAME the e-mail ADDRESS for alerts and reports ('' removes it); audited."""
    from queries.accounts.audit import Actor
    from queries.accounts.users import set_email

    user = _change(lambda conn: set_email(conn, name, address, actor=Actor.system("cli")))
    click.echo(f"user {user.username}: e-mail {user.email or '(none)'}")
