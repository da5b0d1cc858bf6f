"""`mpn reconcile`, `mpn summary`, `mpn exceptions`: run a reconciliation and read its results (CONTRACT §3-4)."""

from __future__ import annotations

import sys
from datetime import datetime
from typing import IO, TYPE_CHECKING

import click

from cli.output import format_option, print_rows, write_rows

if TYPE_CHECKING:
    from sqlalchemy import Engine

DAY = click.DateTime(["%Y-%m-%d"])
SUMMARY_COLUMNS = (
    "bank_code",
    "mpn_count",
    "mpn_amount",
    "bank_count",
    "bank_amount",
    "matched_count",
    "matched_amount",
)


def _engine() -> Engine:
    """The configured engine, imported lazily so `mpn --help` stays fast (as in `cli.main`)."""
    from queries.db import engine

    return engine()


@click.command("reconcile")
@click.option("--date", "day", required=True, type=DAY, help="Business date YYYY-MM-DD.")
@click.option("--bank", help="Only this collecting agent (default: every bank with data).")
def reconcile_cmd(day: datetime, bank: str | None) -> None:
    """Reconcile business date D, idempotently: running it again gives the same result."""
    from cli.progress import Bar
    from jobs.reconciliation.run import ReconcileInputError, reconcile
    from queries.formatting import angka

    bar = Bar(f"reconcile {day:%Y-%m-%d}")
    try:
        result = reconcile(_engine(), day.date(), bank=bank.strip().upper() if bank else None, progress=bar)
    except ReconcileInputError as exc:
        bar.close()
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    bar.close()
    _results()
    for b in result.banks:
        problems = " ".join(f"{c}={n}" for c, n in b.counts.items() if n)
        minutes = "" if b.result_minutes is None else f" result {b.result_minutes:g} min after batch"
        click.echo(
            f"{b.bank_code:<5} mpn {b.mpn_count} / Rp {angka(b.mpn_amount)}  bank {b.bank_count} / "
            f"Rp {angka(b.bank_amount)}  matched {b.matched_count} / Rp {angka(b.matched_amount)}"
            f"{'  ' + problems if problems else ''}{minutes}"
        )
    t = result.totals()
    click.echo(
        f"total mpn {t['mpn_count']} / Rp {angka(t['mpn_amount'])}  bank {t['bank_count']} / "
        f"Rp {angka(t['bank_amount'])}  matched {t['matched_count']} / Rp {angka(t['matched_amount'])}  "
        f"exceptions: {result.detected} detected, {result.opened} new, {result.reopened} reopened, "
        f"{result.closed} closed by data  ({result.seconds:.1f} s, run {result.run_id})"
    )


@click.command("summary")
@click.option("--date", "day", required=True, type=DAY, help="Business date YYYY-MM-DD.")
@format_option("json", "csv", default="json")
def summary_cmd(day: datetime, fmt: str) -> None:
    """Per bank: counts and amounts of both sides, matched, and the exceptions per category."""
    from queries.reconciliation.classify import CATEGORIES
    from queries.reconciliation.summary import date_summary

    with _engine().connect() as conn:
        banks = date_summary(conn, business_date=day.date())
    if not banks:
        click.echo(f"error: {day:%Y-%m-%d} has not been reconciled (run `mpn reconcile --date`)", err=True)
        sys.exit(2)
    rows = [{**{k: getattr(b, k) for k in SUMMARY_COLUMNS}, **b.counts} for b in banks]
    print_rows(rows, [*SUMMARY_COLUMNS, *CATEGORIES], fmt)


@click.command("exceptions")
@click.option("--from", "date_from", required=True, type=DAY, help="First business date.")
@click.option("--to", "date_to", required=True, type=DAY, help="Last business date (inclusive).")
@click.option(
    "--status",
    type=click.Choice(("open", "all")),
    default="open",
    show_default=True,
    help="open = open and in clarification.",
)
@format_option("csv", "json", default="csv")
@click.option(
    "-o",
    "--output",
    type=click.File("w", encoding="utf-8", lazy=True),
    default="-",
    help="File to write (default standard output).",
)
def exceptions_cmd(date_from: datetime, date_to: datetime, status: str, fmt: str, output: IO[str]) -> None:
    """Export exceptions (CONTRACT §4 columns, inert in a spreadsheet), streamed: memory stays flat."""
    from queries.reconciliation.summary import EXPORT_COLUMNS, exported_exceptions

    if date_to < date_from:
        click.echo("error: --to is before --from", err=True)
        sys.exit(2)
    with _engine().connect() as conn:
        rows = exported_exceptions(conn, date_from=date_from.date(), date_to=date_to.date(), open_only=status == "open")
        write_rows(output, EXPORT_COLUMNS, rows, fmt)


def _results() -> None:
    """Each bank's result of what was reconciled goes to the outbox (and out, with a mail server: CONTRACT §6)."""
    from jobs.reconciliation.bank_results import dispatch_and_send
    from queries import config
    from queries.accounts.audit import Actor

    outcome = dispatch_and_send(_engine(), config.now(), actor=Actor.system("cli"))
    if outcome.rows:
        click.echo(outcome.message)
