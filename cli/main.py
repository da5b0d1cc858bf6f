"""`mpn`: one console script for every task (CONTRACT §3). Exit 0 on success, 2 on bad input, 1 otherwise."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import click

from cli.alerts import alerts_group
from cli.audit import audit_group
from cli.distribution import distribution_group
from cli.letters import letters_group
from cli.mail import mail_group
from cli.reconcile import exceptions_cmd, reconcile_cmd, summary_cmd
from cli.report import report_group
from cli.results import results_group
from cli.scheduler import scheduler_group
from cli.settings import settings_group
from cli.target_sim import target_sim_cmd
from cli.users import users_group
from queries.csvfile import InputRejected

KINDS = ("mpn", "bank", "statements", "notices")
MASTER_KINDS = ("banks", "kanwil", "kpp", "kap", "kjs", "non_working_days")


def _engine():  # noqa: ANN202 - imported lazily so `mpn --help` stays fast
    from queries.db import engine

    return engine()


class _Group(click.Group):
    """The root group: a database that cannot be reached is one clear line and exit 1, not a traceback."""

    def invoke(self, ctx: click.Context) -> object:
        from sqlalchemy.exc import OperationalError, ProgrammingError

        try:
            return super().invoke(ctx)
        except ProgrammingError as exc:
            if getattr(exc.orig, "pgcode", None) != "42P01":  # undefined_table: an older schema
                raise
            click.echo("error: the database schema is older than this version of mpn: run `mpn db upgrade`", err=True)
            sys.exit(1)
        except OperationalError as exc:
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
            click.echo(f"error: the database cannot be reached: {reason}", err=True)
            sys.exit(1)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """MPN Monitor: reconcile, vouch for and distribute Indonesia's MPN state-revenue data."""


main.add_command(users_group)
main.add_command(audit_group)
main.add_command(reconcile_cmd)
main.add_command(summary_cmd)
main.add_command(exceptions_cmd)
main.add_command(letters_group)
main.add_command(settings_group)
main.add_command(scheduler_group)
main.add_command(distribution_group)
main.add_command(target_sim_cmd)
main.add_command(report_group)
main.add_command(mail_group)
main.add_command(alerts_group)
main.add_command(results_group)


@main.group()
def db() -> None:
    """The database: schema migrations and the embedded server."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the schema; load default master data into an empty database."""
    from queries.migrate import upgrade

    loaded = upgrade(_engine())
    for kind, result in loaded.items():
        click.echo(f"master {kind}: {result.inserted} loaded")
    click.echo("database is up to date")


@db.command("stop")
def db_stop() -> None:
    """Stop the embedded PostgreSQL server (it otherwise keeps running between commands)."""
    from queries.db import stop_embedded

    click.echo("embedded server stopped" if stop_embedded() else "no embedded server in the data folder")


@main.group("master")
def master_group() -> None:
    """Master data: banks, Kanwil, KPP, KAP, KJS, non-working days."""


@master_group.command("import")
@click.argument("kind", type=click.Choice(MASTER_KINDS))
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def master_import(kind: str, file: Path) -> None:
    """Upsert master data of KIND from FILE (CSV, CONTRACT §2.4). A bad file is rejected whole and kept."""
    from jobs.imports.master import import_master

    try:
        result = import_master(_engine(), kind, file, label=str(file))
    except InputRejected as exc:
        click.echo(exc.report(), err=True, nl=False)
        click.echo(f"{file}: ditolak, tidak ada yang diubah; disimpan beserta laporannya di folder rejected", err=True)
        sys.exit(2)
    click.echo(f"{file}: {result.inserted} ditambahkan, {result.updated} diperbarui")


@main.command("import")
@click.argument("kind", type=click.Choice(KINDS))
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--received-at",
    type=click.DateTime(["%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%d %H:%M:%S%z"]),
    help="When the file arrived (ISO time with offset); default now.",
)
def import_cmd(kind: str, files: tuple[Path, ...], received_at: datetime | None) -> None:
    """Import MPN data, bank batches, statement letters (CONTRACT §2) or disruption notices (README). A bad file is
    rejected whole."""
    from cli.progress import Bar
    from jobs.imports.ingest import import_file
    from jobs.imports.notices import import_notices
    from queries.plausibility import received_problem

    if received_at is not None and (problem := received_problem(received_at, now=datetime.now(received_at.tzinfo))):
        click.echo(f"error: --received-at: {problem}", err=True)
        sys.exit(2)
    engine = _engine()
    failed = False
    for file in files:
        bar = Bar(str(file))
        try:
            if kind == "notices":
                result = import_notices(engine, file, received_at=received_at, progress=bar)
            else:
                result = import_file(engine, kind, file, received_at=received_at, progress=bar)
        except InputRejected as exc:
            bar.close() if bar.enabled else None
            click.echo(exc.report(), err=True, nl=False)
            click.echo(
                f"{file}: ditolak, tidak ada yang diimpor; disimpan beserta laporannya di folder rejected", err=True
            )
            failed = True
            continue
        except OSError as exc:  # the disk, not the file's content: a failure (exit 1), never a traceback
            bar.close() if bar.enabled else None
            click.echo(f"error: {file}: {exc.strerror or exc}", err=True)
            sys.exit(1)
        bar.close() if bar.enabled else None
        click.echo(result.message)
    if failed:
        sys.exit(2)


@main.command()
@click.option("--port", default=8050, show_default=True, help="Port of the dashboard.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (0.0.0.0 for all).")
@click.option("--workers", default=2, show_default=True, help="gunicorn worker processes.")
def web(port: int, host: str, workers: int) -> None:
    """The dashboard alone (gunicorn), on the configured database."""
    from cli.serve import serve

    click.echo(f"MPN Monitor: http://{'127.0.0.1' if host == '0.0.0.0' else host}:{port}/")
    serve(host=host, port=port, workers=workers)


@main.command()
@click.option(
    "--days",
    default=30,
    show_default=True,
    type=click.IntRange(min=1),
    help="Working days of demo data, up to yesterday.",
)
@click.option("--port", default=8050, show_default=True, help="Port of the dashboard.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--seed", default=20261123, show_default=True, help="Seed of the deterministic generator.")
@click.option("--rows-per-day", default=6000, show_default=True, help="MPN payments on an ordinary day.")
@click.option("--no-serve", is_flag=True, help="Load the demo data, then exit.")
def demo(days: int, port: int, host: str, seed: int, rows_per_day: int, no_serve: bool) -> None:
    """Demo: migrate, start the target simulator, fill an empty database with realistic data (through `mpn import`,
    reconciled, letters and distributions through their workflows), start the scheduler, serve the dashboard."""
    from cli.progress import Bar
    from cli.serve import scheduler_process, serve, target_sim_process
    from jobs.demo.build import DEMO_MAIL_DOMAIN, load_demo
    from jobs.mail.sink import queue_demo_welcome, sink_dir, sink_process
    from queries import config
    from queries.migrate import upgrade

    engine = _engine()
    upgrade(engine)
    with target_sim_process() as sim_url:
        bar = Bar("demo data")
        summary = load_demo(
            engine,
            days=days,
            seed=seed,
            rows_per_day=rows_per_day,
            out_dir=config.data_dir() / "demo-files",
            progress=lambda done, total, label: bar(done, total),
        )
        bar.close()
        click.echo(summary.message)
        if not no_serve:
            click.echo(f"MPN Monitor demo: http://{host}:{port}/  (Ctrl+C to stop)")
            click.echo(f"Target simulator (SIDJP, SIPMOD): {sim_url}/sidjp, {sim_url}/sipmod")
        _echo_demo_logins()
        if no_serve:
            return
        with sink_process() as smtp_url, scheduler_process():
            click.echo(f"Local SMTP sink (messages kept in {sink_dir()}): {smtp_url}")
            queue_demo_welcome(engine, [f"{name}@{DEMO_MAIL_DOMAIN}" for name in ("kasubdit", "kasi")])
            serve(host=host, port=port)


def _echo_demo_logins() -> None:
    """The demo logins as a small table: user name, role, password."""
    from jobs.demo.build import DEMO_LOGINS, DEMO_PASSWORD
    from queries.accounts.users import ROLES

    click.echo(f"Demo logins (password: {DEMO_PASSWORD}):")
    for login in DEMO_LOGINS:
        click.echo(f"  {login.username:<10} {login.role:<12} {ROLES[login.role]}")


if __name__ == "__main__":
    main()
