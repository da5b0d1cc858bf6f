"""`mpn distribution prepare|request|approve|reject|run|status|redistribute` (CONTRACT §3, SE-127 steps 9-16)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import AbstractContextManager
from datetime import datetime
from typing import TYPE_CHECKING, Any

import click

from cli.output import format_option, print_as, refusals

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from queries.accounts.users import User

DAY = click.DateTime(["%Y-%m-%d"])


def _engine() -> Engine:
    """The configured engine, imported lazily so `mpn --help` stays fast."""
    from queries.db import engine

    return engine()


def _refusals() -> AbstractContextManager[None]:
    """A refused act, or a run that cannot start, is bad input (`cli.output.refusals`)."""
    from jobs.distribution.deliver import DistributionError

    return refusals(DistributionError)


def _user(engine: Engine, name: str) -> User:
    from queries.accounts.users import user_by_name

    with engine.connect() as conn:
        user = user_by_name(conn, name.strip().lower())
    if user is None or not user.active:
        click.echo(f"error: no active user named {name!r}", err=True)
        sys.exit(2)
    return user


@click.group("distribution")
def distribution_group() -> None:
    """Distribution of reconciled, vouched-for data to SIDJP and SIPMOD."""


@distribution_group.command("prepare")
@click.option("--date", "day", required=True, type=DAY, help="Business date YYYY-MM-DD.")
def prepare_cmd(day: datetime) -> None:
    """Steps 9-11: sort the date's data (distributable or held, with the reason) and prepare batches per KPP."""
    from queries.accounts.audit import Actor
    from queries.distribution.prepare import REASONS, held, prepare

    engine = _engine()
    with _refusals(), engine.begin() as conn:
        d = prepare(conn, day.date(), actor=Actor.system("cli"))
        holds = held(conn, day.date())
    click.echo(
        f"round {d.round}: {d.row_count} rows, Rp {d.amount:,} in {d.batch_count} batches; "
        f"held {d.held_count} rows, Rp {d.held_amount:,}".replace(",", ".")
    )
    for h in holds:
        click.echo(f"  held {h.bank_code} {h.reason}: {h.row_count} rows ({REASONS[h.reason]})")


@distribution_group.command("request")
@click.option("--date", "day", required=True, type=DAY)
@click.option("--user", "username", required=True, help="The pelaksana asking.")
def request_cmd(day: datetime, username: str) -> None:
    """Step 12: ask approval of the prepared distribution (as a pelaksana)."""
    from queries.distribution.prepare import request

    engine = _engine()
    user = _user(engine, username)
    with _refusals(), engine.begin() as conn:
        made = request(conn, day.date(), actor=user)
    click.echo(f"approval request {made.request_id}: {made.status}, waiting for {made.next_role}")


@distribution_group.command("approve")
@click.option("--date", "day", required=True, type=DAY)
@click.option("--user", "username", required=True, help="The kasi (first) or kasubdit (second).")
@click.option("--note", default="", help="Optional note.")
def approve_cmd(day: datetime, username: str, note: str) -> None:
    """Steps 13-14: approve as kasi, then as kasubdit; the second approval releases it for delivery."""
    from queries.distribution.prepare import approve

    engine = _engine()
    user = _user(engine, username)
    with _refusals(), engine.begin() as conn:
        done = approve(conn, day.date(), actor=user, note=note)
    click.echo(
        f"approval request {done.request_id}: {done.status}"
        + (f", waiting for {done.next_role}" if done.next_role else "")
    )


@distribution_group.command("reject")
@click.option("--date", "day", required=True, type=DAY)
@click.option("--user", "username", required=True)
@click.option("--note", default="", help="Why (required).")
def reject_cmd(day: datetime, username: str, note: str) -> None:
    """Return the request with a note."""
    from queries.distribution.prepare import reject

    engine = _engine()
    user = _user(engine, username)
    with _refusals(), engine.begin() as conn:
        done = reject(conn, day.date(), actor=user, note=note)
    click.echo(f"approval request {done.request_id}: {done.status}")


@distribution_group.command("run")
@click.option("--date", "day", required=True, type=DAY)
@click.option("--max-attempts", default=8, show_default=True, type=click.IntRange(min=1))
def run_cmd(day: datetime, max_attempts: int) -> None:
    """Steps 15-16: deliver what is approved and not yet confirmed, with retries; exit 1 when some batches
    are still unconfirmed afterwards."""
    from cli.progress import Bar
    from jobs.distribution.deliver import run_distribution

    bar = Bar(f"distribution {day:%Y-%m-%d}")
    with _refusals():
        report = run_distribution(_engine(), day.date(), max_attempts=max_attempts, progress=bar)
    bar.close()
    click.echo(report.message)
    if report.busy:
        sys.exit(1)
    if report.remaining:
        sys.exit(1)


@distribution_group.command("redistribute")
@click.option("--date", "day", required=True, type=DAY)
@click.option("--batch", "batch_ids", multiple=True, help="Only these batch ids (default: every failed one).")
def redistribute_cmd(day: datetime, batch_ids: tuple[str, ...]) -> None:
    """Send failed or unconfirmed batches again, through the same exactly-once path."""
    from jobs.distribution.deliver import run_distribution

    with _refusals():
        report = run_distribution(_engine(), day.date(), only=list(batch_ids) or None)
    click.echo(report.message)
    if report.remaining or report.busy:
        sys.exit(1)


@distribution_group.command("status")
@click.option("--date", "day", required=True, type=DAY)
@format_option("table", "json", default="table")
def status_cmd(day: datetime, fmt: str) -> None:
    """Per target and KPP: rows prepared, held (with reason), delivered, confirmed, failed, attempts."""
    from queries.distribution.prepare import distributions, held, target_status

    with _engine().connect() as conn:
        rounds = distributions(conn, day.date())
        targets = target_status(conn, day.date())
        holds = held(conn, day.date())
    data: dict[str, Any] = {
        "business_date": day.date().isoformat(),
        "rounds": [
            {
                "round": d.round,
                "status": d.status,
                "rows": d.row_count,
                "amount": d.amount,
                "batches": d.batch_count,
                "held_rows": d.held_count,
            }
            for d in rounds
        ],
        "targets": [
            {
                "target": t.target,
                "kpp_code": t.kpp_code,
                "batches": t.batches,
                "rows_prepared": t.rows_prepared,
                "amount": t.amount,
                "rows_delivered": t.rows_confirmed,
                "rows_confirmed": t.rows_confirmed,
                "rows_sending": t.rows_sending,
                "rows_failed": t.rows_failed,
                "attempts": t.attempts,
            }
            for t in targets
        ],
        "held": [
            {"bank_code": h.bank_code, "reason": h.reason, "rows": h.row_count, "amount": h.amount} for h in holds
        ],
    }
    print_as(fmt, data, _status_lines)


def _status_lines(data: dict[str, Any]) -> Iterator[str]:
    """`distribution status` as a table: its rounds, then per target and KPP, then what is held."""
    for r in data["rounds"]:
        yield f"round {r['round']}: {r['status']}, {r['rows']} rows in {r['batches']} batches, held {r['held_rows']}"
    for t in data["targets"]:
        yield (
            f"{t['target']:<7} KPP {t['kpp_code']}: prepared {t['rows_prepared']}, confirmed "
            f"{t['rows_confirmed']}, failed {t['rows_failed']}, attempts {t['attempts']}"
        )
    for h in data["held"]:
        yield f"held {h['bank_code']} {h['reason']}: {h['rows']} rows"
