"""`mpn settings`: read and change the settings admins tune (letter numbering, signer, letterhead, deadlines).

A change is one transaction audited as `system:cli`; a value its rule refuses prints the Indonesian reason on
standard error and exits 2.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from typing import TYPE_CHECKING

import click

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
@click.option("--format", "fmt", type=click.Choice(("table", "csv", "json")), default="table", show_default=True)
def list_settings(fmt: str) -> None:
    """Every setting: key, current value (stored, else its default), what it means."""
    from queries.settings import DEFINITIONS, raw_settings

    with _engine().connect() as conn:
        values = raw_settings(conn)
    rows = [{"key": s.key, "value": values[s.key], "label": s.label} for s in DEFINITIONS]
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
    elif fmt == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        click.echo(out.getvalue(), nl=False)
    else:  # one line each; a multi-line value (the letterhead) shows its line breaks as \n
        width = max(len(r["key"]) for r in rows)
        for r in rows:
            click.echo(f"{r['key']:<{width}}  {r['value']!s}".replace("\n", "\\n") + f"  # {r['label']}")


@settings_group.command("set")
@click.argument("key")
@click.argument("value")
def set_cmd(key: str, value: str) -> None:
    """Give setting KEY the value VALUE (checked by the setting's rule; audited)."""
    from queries.audit import Actor
    from queries.settings import SettingError, set_setting

    try:
        with _engine().begin() as conn:
            stored = set_setting(conn, key, value, actor=Actor.system("cli"))
    except SettingError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    click.echo(f"{key} = {stored}")
