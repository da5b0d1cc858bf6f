"""`mpn settings`: read and change the settings admins tune (letter numbering, signer, letterhead, deadlines).

A change is one transaction audited as `system:cli`; a value its rule refuses prints the Indonesian reason on
standard error and exits 2.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import click

from cli.output import format_option, print_rows, refusals

if TYPE_CHECKING:
    from sqlalchemy import Engine

COLUMNS = ("key", "value", "label")


def _engine() -> Engine:
    """The configured engine, imported lazily so `mpn --help` stays fast (as in `cli.main`)."""
    from queries.db import engine

    return engine()


@click.group("settings")
def settings_group() -> None:
    """Settings of the running product (stored in the database, every change audited)."""


@settings_group.command("list")
@format_option("table", "csv", "json", default="table")
def list_settings(fmt: str) -> None:
    """Every setting: key, current value (stored, else its default), what it means."""
    from queries.settings import DEFINITIONS, raw_settings

    with _engine().connect() as conn:
        values = raw_settings(conn)
    rows = [{"key": s.key, "value": values[s.key], "label": s.label} for s in DEFINITIONS]
    print_rows(rows, COLUMNS, fmt, table=_table)


def _table(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    """One line each; a multi-line value (the letterhead) shows its line breaks as \\n."""
    width = max(len(r["key"]) for r in rows)
    return [f"{r['key']:<{width}}  {r['value']!s}".replace("\n", "\\n") + f"  # {r['label']}" for r in rows]


@settings_group.command("set")
@click.argument("key")
@click.argument("value")
def set_cmd(key: str, value: str) -> None:
    """Give setting KEY the value VALUE (checked by the setting's rule; audited)."""
    from queries.accounts.audit import Actor
    from queries.settings import set_setting

    with refusals(), _engine().begin() as conn:  # SettingError is a refusal
        stored = set_setting(conn, key, value, actor=Actor.system("cli"))
    click.echo(f"{key} = {stored}")
