"""`mpn report daily --date D --format pdf|xlsx -o FILE` (CONTRACT §3): the day's distribution and monitoring
report (SE-127 step 18: completeness, reconciliation, letters, distribution, what remains open), made, kept on file
and written to FILE. Every business date gets one, with or without a distribution."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import click

DAY = click.DateTime(["%Y-%m-%d"])


@click.group("report")
def report_group() -> None:
    """Reports kept on file."""


@report_group.command("daily")
@click.option("--date", "day", required=True, type=DAY, help="Business date YYYY-MM-DD.")
@click.option("--format", "fmt", required=True, type=click.Choice(["pdf", "xlsx"]), help="File format.")
@click.option(
    "-o", "--output", "output", required=True, type=click.Path(dir_okay=False, path_type=Path), help="File to write."
)
@click.option("--user", "username", default=None, help="The pelaksana making it (default: the system).")
def daily_cmd(day: datetime, fmt: str, output: Path, username: str | None) -> None:
    """Make the date's distribution and monitoring report, keep it in the database and write it to FILE."""
    from jobs.documents.daily_report import make_daily_report
    from queries.accounts.users import user_by_name
    from queries.db import engine as make_engine

    engine = make_engine()
    made_by = "system:cli"
    if username is not None:
        with engine.connect() as conn:
            user = user_by_name(conn, username.strip().lower())
        if user is None or not user.active:
            click.echo(f"error: no active user named {username!r}", err=True)
            sys.exit(2)
        made_by = user.username
    name, content = make_daily_report(engine, day.date(), fmt=fmt, made_by=made_by)
    output.write_bytes(content)
    click.echo(f"{output}: {name}, {len(content)} bytes, kept on file")
