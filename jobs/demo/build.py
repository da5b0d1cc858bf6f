"""`mpn demo`'s data: generate the last N working days of demo files and import them through the
same path users use (`jobs.imports.ingest.import_file`), in the order they would arrive; once only. Also the
demo logins (one per role, password `demo`), which nothing else creates."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import NamedTuple

from sqlalchemy import Engine

from jobs.demo.clock import DemoClock
from jobs.demo.data import DemoConfig, Manifest, Master, generate
from jobs.demo.distribution import distribution_steps
from jobs.demo.history import arrival_steps, reconcile_steps, replay
from jobs.demo.letters import letters_steps
from jobs.demo.notice import plant_notice
from jobs.mail.sink import SinkHandler, serve, sink_dir
from jobs.reconciliation.bank_results import dispatch_and_send
from queries import config as settings
from queries.accounts.audit import Actor, record
from queries.accounts.users import add_user, user_by_name
from queries.calendar import WorkingCalendar, calendar_from_db
from queries.db import session_lock
from queries.imports.store import has_mpn_data
from queries.letters.statements import deadline
from queries.reconciliation.bank_results import demo_addresses
from queries.settings import current_settings

DEFAULT_SEED = 20261123

Progress = Callable[[int, int, str], None]


class DemoLogin(NamedTuple):
    """One demo account: user name, role code, full name and NIP (kasubdit and kasi sign letters)."""

    username: str
    role: str
    full_name: str
    nip: str = ""


#: The demo logins' e-mail domain: every address is delivered to the local SMTP sink `mpn demo` starts.
DEMO_MAIL_DOMAIN = "mpn-demo.localhost"
#: The demo logins of CONTRACT §3, one per role; all share DEMO_PASSWORD.
DEMO_LOGINS: tuple[DemoLogin, ...] = (
    DemoLogin("kasubdit", "kasubdit", "Dr. Hendra Wijaya, S.E., M.Ak.", "197503122000031002"),
    DemoLogin("kasi", "kasi", "Siti Rahmawati, S.E., M.M.", "198207152005012003"),
    DemoLogin("pelaksana", "pelaksana", "Andi Pratama, S.Kom."),
    DemoLogin("petugas", "petugas_mpn", "Dewi Lestari, A.Md."),
    DemoLogin("tu", "tu", "Budi Santoso"),
    DemoLogin("manajemen", "manajemen", "Ir. Bambang Sutrisno, M.M."),
    DemoLogin("admin", "admin", "Rina Kusumawati, S.T."),
)
DEMO_PASSWORD = "demo"


class DemoSummary(NamedTuple):
    """What `load_demo` did: `loaded` is False when the database already had MPN data."""

    loaded: bool
    days: tuple[date, ...]
    out_dir: Path
    files: int
    mpn_rows: int
    batches: int
    letters: int
    manifest: Manifest | None
    logins_created: tuple[str, ...] = ()
    reconciled: int = 0

    @property
    def message(self) -> str:
        """One line for the command line."""
        if not self.loaded:
            return "The database already has MPN data: demo data not loaded."
        return (
            f"Demo data: {len(self.days)} working days {self.days[0]}..{self.days[-1]}, "
            f"{self.files} files imported ({self.mpn_rows:,} MPN rows, {self.batches:,} bank batches, "
            f"{self.letters:,} statement letters), {self.reconciled} days reconciled; files in {self.out_dir}"
        )


def default_until(calendar: WorkingCalendar, now: datetime | None = None) -> date:
    """The last working day before today in the schedules' time zone (Asia/Jakarta)."""
    today = (now or datetime.now(settings.timezone())).astimezone(settings.timezone()).date()
    return calendar.previous_or_same(today - timedelta(days=1))


def ensure_demo_logins(engine: Engine, *, actor: Actor) -> tuple[str, ...]:
    """Create the demo logins that do not exist yet (an existing account is left as it is); returns
    the names created. Only `mpn demo` calls this: `demo` passes no password rule."""
    created = []
    with engine.begin() as conn:
        for login in DEMO_LOGINS:
            if user_by_name(conn, login.username) is None:
                add_user(
                    conn,
                    username=login.username,
                    role=login.role,
                    password=DEMO_PASSWORD,
                    actor=actor,
                    full_name=login.full_name,
                    nip=login.nip,
                    policy=False,
                    email=f"{login.username}@{DEMO_MAIL_DOMAIN}",
                )
                created.append(login.username)
    return tuple(created)


def load_demo(
    engine: Engine,
    *,
    days: int = 30,
    seed: int = DEFAULT_SEED,
    until: date | None = None,
    out_dir: Path,
    progress: Progress | None = None,
    rows_per_day: int | None = None,
    config: DemoConfig | None = None,
    actor: Actor | None = None,
) -> DemoSummary:
    """Create the demo logins, then fill an empty database with `days` working days of demo data up to
    `until` (default: the last working day before today); a database that already has MPN data is
    left alone.

    `config` overrides the generator settings (its seed is replaced by `seed`, its volume by
    `rows_per_day` when given: MPN payments on an ordinary day, default 6000). Concurrent calls
    are serialised by an advisory lock, so only one of them loads. `progress(done, total, label)`
    is called after each generated day and imported file; `total` is refined once the files exist.
    Everything is audited as done by `actor` (default `system:demo`), the load itself as `demo.load`.

    The history is one timeline before now (`jobs.demo.history`, `jobs.demo.clock`): files arrive, runs, letters,
    approvals and deliveries happen at their moments, in order; what would arrive later is not there yet.
    """
    actor = actor or Actor.system("demo")
    with session_lock(engine, "load_demo"):
        cfg = replace(config or DemoConfig(), seed=seed)
        if rows_per_day is not None:
            cfg = replace(cfg, rows_per_day=rows_per_day)
        return _load(engine, days, until, out_dir, progress, cfg, actor)


def _load(
    engine: Engine,
    days: int,
    until: date | None,
    out_dir: Path,
    progress: Progress | None,
    cfg: DemoConfig,
    actor: Actor,
) -> DemoSummary:
    now = datetime.now(UTC)
    with engine.connect() as conn:
        if has_mpn_data(conn):
            return DemoSummary(
                False, (), out_dir, 0, 0, 0, 0, None, logins_created=ensure_demo_logins(engine, actor=actor)
            )
        calendar = calendar_from_db(conn)
        master = Master.from_db(conn)
        deadlines = current_settings(conn)
    last = until or default_until(calendar)
    chosen = tuple(calendar.last_working_days(days, calendar.previous_or_same(last)))
    estimate = len(chosen) * (len(master.banks) + 3)

    def generating(done: int, total: int, label: str) -> None:
        if progress:
            progress(done, estimate, label)

    manifest = generate(out_dir, chosen, master, cfg, calendar, generating, arrived_by=now)
    clock = DemoClock(engine, now)
    clock.at(datetime.combine(chosen[0], time(7), settings.timezone()) - timedelta(days=1))
    logins = ensure_demo_logins(engine, actor=actor)
    with engine.begin() as conn:  # every head office's results go to the local sink
        demo_addresses(conn, DEMO_MAIL_DOMAIN, actor=actor)
    sink: dict[str, str] = {}
    counted = {"files": 0, "rows": 0}

    def imported(name: str, rows: int) -> None:
        counted["files"] += 1
        counted["rows"] += rows

    def due_of(day: date) -> datetime:
        return deadline(day, deadlines, calendar)

    def start_of(day: date) -> datetime:  # a day's distribution: an hour after its statement letters were due
        return due_of(day) + timedelta(hours=1)

    steps = [
        *arrival_steps(engine, manifest, actor, imported, due_of),
        *reconcile_steps(
            engine,
            manifest,
            actor,
            cfg.seed,
            now,
            due_of,
            lambda at: dispatch_and_send(engine, at, actor=actor, smtp_url=sink.get("url", "")),
        ),
        *letters_steps(
            engine, chosen, actor, now, frozenset(p.bank_code for p in manifest.planted.get("missing_statement", ()))
        ),
        *distribution_steps(engine, chosen, actor, start_of),
    ]
    total, step_no = len(chosen) + len(steps), [len(chosen)]

    def stepped(label: str) -> None:
        step_no[0] += 1
        if progress:
            progress(step_no[0], total, label)

    with serve(SinkHandler(sink_dir())) as url:  # the results of the history reach the sink at their moments
        sink["url"] = url
        ran = replay(steps, clock, stepped)
    clock.settle()
    plant_notice(engine, [p for d in manifest.days for p in d.planted], now, actor)  # one bank's outage notice
    summary = DemoSummary(
        loaded=True,
        days=chosen,
        out_dir=out_dir,
        files=counted["files"],
        mpn_rows=counted["rows"],
        batches=sum(len(d.batches) for d in manifest.days),
        letters=sum(d.letters for d in manifest.days),
        manifest=manifest,
        logins_created=logins,
        reconciled=sum(1 for d in manifest.days if d.batches or d.statements or d.payments),
    )
    with engine.begin() as conn:
        record(
            conn,
            actor,
            "demo.load",
            object_type="demo",
            object_id=f"{chosen[0]}..{chosen[-1]}",
            after={
                "days": len(chosen),
                "first_date": chosen[0],
                "last_date": chosen[-1],
                "seed": cfg.seed,
                "files": summary.files,
                "mpn_rows": summary.mpn_rows,
                "batches": summary.batches,
                "letters": summary.letters,
                "steps": ran,
            },
        )
    return summary
