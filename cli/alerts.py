"""`mpn alerts evaluate|list` (CONTRACT §6): evaluate every alert rule now (or at `--at`), list the alerts."""

from __future__ import annotations

import sys
from datetime import datetime

import click

from cli.output import format_option, print_rows

STATUSES = ("open", "all")


def _moment(value: str | None) -> datetime | None:
    """`--at`: an ISO timestamp; without an offset it is read in the schedule time zone (MPN_TIMEZONE)."""
    if value is None:
        return None
    from queries import config

    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        click.echo(
            f"error: --at {value!r}: not an ISO timestamp, e.g. 2026-11-20T16:05 or 2026-11-20T16:05+07:00", err=True
        )
        sys.exit(2)
    return moment if moment.tzinfo else moment.replace(tzinfo=config.timezone())


@click.group("alerts")
def alerts_group() -> None:
    """Deadline alerts: batch, statement letter, result, distribution, rejected files, the scheduler."""


@alerts_group.command("evaluate")
@click.option("--at", "at", metavar="T", help="Evaluate as of this ISO timestamp instead of now.")
def evaluate_cmd(at: str | None) -> None:
    """Open alerts whose deadline passed undone, resolve those now done: `opened N, resolved M, open K`."""
    from jobs.alerts import evaluate_alerts
    from queries.db import engine

    result = evaluate_alerts(engine(), _moment(at))
    click.echo(result.message)


@alerts_group.command("list")
@click.option(
    "--status",
    type=click.Choice(STATUSES),
    default="open",
    show_default=True,
    help="open: not yet resolved (open, acknowledged, snoozed); all: every alert.",
)
@click.option("--at", "at", metavar="T", help="Read snoozes as of this ISO timestamp instead of now.")
@format_option("csv", "json", default="csv")
def list_cmd(status: str, at: str | None, fmt: str) -> None:
    """The alerts, newest first: alert_id, rule, business_date, bank_code, opened_at, deadline, resolved_at,
    late_minutes, status, acknowledged_by, note."""
    from queries import config
    from queries.alerts import COLUMNS, alerts
    from queries.db import engine

    with engine().connect() as conn:
        rows = [a.export() for a in alerts(conn, now=_moment(at) or config.now(), status=status)]
    print_rows(rows, COLUMNS, fmt)
