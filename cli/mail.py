"""`mpn mail send|outbox` (CONTRACT §6): send the queued e-mail now, list the outbox."""

from __future__ import annotations

import sys

import click

from cli.output import format_option, print_rows

STATUSES = ("queued", "sent", "failed", "all")


@click.group("mail")
def mail_group() -> None:
    """E-mail: the outbox and sending it (MPN_SMTP_URL, MPN_MAIL_FROM)."""


@mail_group.command("send")
def send_cmd() -> None:
    """Send every due queued message now (the scheduler does this every minute): `sent N, failed M, queued K`."""
    from jobs.mail.send import MailConfigError, NoServer, ServerUnreachable, send_queued
    from queries.db import engine

    try:
        result = send_queued(engine())
    except MailConfigError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    except NoServer:
        click.echo(
            "error: no mail server configured: set MPN_SMTP_URL (smtp://user:pass@host:port, smtps://… "
            "for implicit TLS, ?starttls=1 for STARTTLS); messages stay queued",
            err=True,
        )
        sys.exit(1)
    except ServerUnreachable as exc:
        if exc.result is not None:
            click.echo(exc.result.message)
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    for message_id in result.stranded:
        click.echo(
            f"warning: {message_id} was being sent when its sender stopped: marked failed (uncertain), "
            "not sent again; check with the recipient before resending",
            err=True,
        )
    click.echo(result.message)


@mail_group.command("outbox")
@click.option("--status", type=click.Choice(STATUSES), default="all", show_default=True, help="Which messages to list.")
@format_option("csv", "json", default="csv")
def outbox_cmd(status: str, fmt: str) -> None:
    """The outbox, newest first: message_id, kind, to, subject, created_at, sent_at, attempts, status, error."""
    from queries.db import engine
    from queries.mail.read import OUTBOX_COLUMNS, outbox

    with engine().connect() as conn:
        rows = [row.export() for row in outbox(conn, status=status)]
    print_rows(rows, OUTBOX_COLUMNS, fmt)
