"""`mpn results list|send|approve|verify` (CONTRACT §6): the reconciliation result sent to each bank."""

from __future__ import annotations

import hashlib
import sys
from datetime import datetime
from pathlib import Path

import click

from cli.output import format_option, print_rows, refusals

DAY = click.DateTime(["%Y-%m-%d"])


@click.group("results")
def results_group() -> None:
    """The reconciliation result sent to each bank's head office within the hour of its batch."""


@results_group.command("list")
@click.option("--date", "day", required=True, type=DAY, help="Business date YYYY-MM-DD.")
@format_option("csv", "json", default="csv")
def list_cmd(day: datetime, fmt: str) -> None:
    """Per bank with a current batch: batch_received_at, result_at, sent_at, minutes_to_send, message_id, status."""
    from queries.db import engine
    from queries.reconciliation.bank_results import LIST_COLUMNS, result_rows

    with engine().connect() as conn:
        rows = result_rows(conn, day.date())
    print_rows(rows, LIST_COLUMNS, fmt)


@results_group.command("send")
def send_cmd() -> None:
    """Make and queue the result of every reconciled batch not sent yet, then send what is queued (when a mail
    server is configured); the scheduler does this after every reconciliation."""
    from jobs.reconciliation.bank_results import dispatch_and_send
    from queries import config
    from queries.accounts.audit import Actor
    from queries.db import engine

    click.echo(dispatch_and_send(engine(), config.now(), actor=Actor.system("cli"), always=True).message)


@results_group.command("approve")
@click.argument("result_id", type=int)
@click.option("--user", "username", required=True, help="The approving kasi's user name.")
@click.option("--note", default="", help="A note kept with the approval.")
def approve_cmd(result_id: int, username: str, note: str) -> None:
    """Approve a result waiting for the kasi (`results.require_approval` = ya): it goes to the outbox."""
    from queries import config
    from queries.accounts.users import user_by_name
    from queries.db import engine
    from queries.reconciliation.bank_results import ResultError, approve_result

    with engine().begin() as conn:
        user = user_by_name(conn, username)
        if user is None:
            click.echo(f"error: pengguna {username!r} tidak dikenal", err=True)
            sys.exit(2)
        with refusals(ResultError):
            row = approve_result(conn, result_id, actor=user, note=note, now=config.now())
    click.echo(f"{row.reference}: {row.state}")


@results_group.command("verify")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def verify_cmd(file: Path) -> None:
    """Is FILE a Berita Acara Rekonsiliasi we sent? Compares its SHA-256 with the results' verification codes."""
    from queries.db import engine
    from queries.reconciliation.bank_results import verify

    digest = hashlib.sha256(file.read_bytes()).hexdigest()
    with engine().connect() as conn:
        found = verify(conn, digest)
    if not found:
        click.echo(f"{file}: SHA-256 {digest} bukan Berita Acara Rekonsiliasi yang dikirim MPN Monitor")
        sys.exit(1)
    for row in found:
        click.echo(
            f"{file}: asli, {row.reference} (bank {row.bank_code}, tanggal buku {row.business_date}, "
            f"versi {row.version}), SHA-256 {digest}"
        )
