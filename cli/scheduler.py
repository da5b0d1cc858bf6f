"""`mpn scheduler`: the job scheduler process (the Procfile's worker), and its controls from the shell.

`mpn scheduler` alone runs the process until SIGTERM/SIGINT; `status`, `run`, `pause` and `resume` act on
the jobs of `jobs.scheduling.definitions` through the database, the same way the "Penjadwal" page does (audited as
`system:cli`).
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any

import click

from cli.output import format_option, print_as

if TYPE_CHECKING:
    from sqlalchemy import Engine


def _engine() -> Engine:
    """The configured engine, imported lazily so `mpn --help` stays fast."""
    from queries.db import engine

    return engine()


def _job(job_id: str) -> str:
    from jobs.scheduling.definitions import BY_ID

    if job_id not in BY_ID:
        click.echo(f"error: unknown job {job_id!r}; jobs: {', '.join(BY_ID)}", err=True)
        sys.exit(2)
    return job_id


@click.group("scheduler", invoke_without_command=True)
@click.option(
    "--tick",
    default=10.0,
    show_default=True,
    type=click.FloatRange(min=0.5),
    help="Seconds between heartbeats, leadership checks and run-now pickups.",
)
@click.pass_context
def scheduler_group(ctx: click.Context, tick: float) -> None:
    """Run the job scheduler (only one of several processes executes jobs); subcommands inspect and control it."""
    if ctx.invoked_subcommand is not None:
        return
    from jobs.scheduling.process import SchedulerService

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("apscheduler").setLevel(logging.WARNING)  # our own lines say what ran; not every tick
    engine = _engine()
    from queries.migrate import upgrade

    upgrade(engine)
    SchedulerService(engine, tick=tick).run()


@scheduler_group.command("status")
@format_option("table", "json", default="table")
def status_cmd(fmt: str) -> None:
    """Every job: schedule, next run, paused, last run; and the scheduler processes."""
    from jobs.scheduling.definitions import JOBS, next_run, settings_of
    from queries import config
    from queries.calendar import calendar_from_db
    from queries.scheduling import store

    engine = _engine()
    tz = config.timezone()
    now = datetime.now(tz)
    settings = settings_of(engine)
    with engine.connect() as conn:
        calendar = calendar_from_db(conn)
        paused = store.paused_jobs(conn)
        last = {job.job_id: store.recent_runs(conn, job_id=job.job_id, limit=1) for job in JOBS}
        procs = store.instances(conn)
    rows = []
    for job in JOBS:
        nxt = next_run(job, settings, tz, now, calendar)
        run = last[job.job_id][0] if last[job.job_id] else None
        rows.append(
            {
                "job": job.job_id,
                "schedule": job.schedule_text(settings),
                "paused": job.job_id in paused,
                "next_run": None if nxt is None else nxt.isoformat(timespec="minutes"),
                "last_status": run.status if run else None,
                "last_started": run.started_at.astimezone(tz).isoformat(timespec="seconds") if run else None,
                "last_message": run.message if run else None,
            }
        )
    instances = [
        {
            "instance": i.instance_id,
            "leader": i.is_leader,
            "alive": i.alive(now),
            "stopped": i.stopped_at is not None,
            "heartbeat": i.heartbeat_at.astimezone(tz).isoformat(timespec="seconds"),
        }
        for i in procs
    ]
    print_as(fmt, {"jobs": rows, "instances": instances}, _status_lines)


def _status_lines(data: dict[str, Any]) -> Iterator[str]:
    """`scheduler status` as a table: a line per job, then a line per scheduler process."""
    for r in data["jobs"]:
        state = "paused" if r["paused"] else "active"
        yield (
            f"{r['job']:<20} {state:<7} {r['schedule']:<16} next {r['next_run'] or '-':<17} "
            f"last {r['last_status'] or '-'} {r['last_started'] or ''} {r['last_message'] or ''}"
        ).rstrip()
    for i in data["instances"]:
        role = "stopped" if i["stopped"] else "leader" if i["leader"] else "standby"
        yield f"instance {i['instance']}: {role}, {'alive' if i['alive'] else 'silent'}, heartbeat {i['heartbeat']}"


@scheduler_group.command("run")
@click.argument("job_id")
def run_cmd(job_id: str) -> None:
    """Run JOB now in this process (recorded in the run history like any run); exit 1 when it fails."""
    from jobs.scheduling.definitions import run_job

    result = run_job(
        _engine(), _job(job_id), instance_id=f"cli-{os.getpid()}", trigger="manual", requested_by="system:cli"
    )
    click.echo(f"{job_id}: {result.status}: {result.message}")
    if result.status == "failed":
        sys.exit(1)
    if result.status == "running":
        sys.exit(2)


@scheduler_group.command("pause")
@click.argument("job_id")
def pause_cmd(job_id: str) -> None:
    """Pause JOB: its scheduled runs are recorded as skipped until resumed."""
    _set_paused(job_id, True)


@scheduler_group.command("resume")
@click.argument("job_id")
def resume_cmd(job_id: str) -> None:
    """Resume a paused JOB."""
    _set_paused(job_id, False)


def _set_paused(job_id: str, paused: bool) -> None:
    from queries.accounts.audit import Actor
    from queries.scheduling import store

    with _engine().begin() as conn:
        changed = store.set_paused(conn, _job(job_id), paused, actor=Actor.system("cli"))
    word = "paused" if paused else "resumed"
    click.echo(f"{job_id}: {word}" if changed else f"{job_id}: already {word}")
