"""The scheduler's state in PostgreSQL: instances and leadership, pause state, run-now requests, run history.

Leadership is a session-level advisory lock (on `LEADER_LOCK`) held on one dedicated connection per instance:
PostgreSQL releases it the moment that connection ends, so when the leader's process dies another
instance gets the lock on its next try. A run is a `job_run` row opened `running` and closed with its
outcome; a unique partial index allows one running row per job, so no job runs twice at once even while
leadership changes hands. Runs left `running` by an instance that lost the lock are marked `failed` by
the next leader (`fail_orphaned_runs`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import Connection, text
from sqlalchemy.exc import IntegrityError

from queries.accounts.audit import Actor, record
from queries.db import lock_key, session_unlock, try_session_lock
from queries.permissions import may, require

LEADER_LOCK = ("scheduler", "leader")  # what the advisory lock the active scheduler holds is named by
HEARTBEAT_STALE = timedelta(seconds=90)
MAX_ERROR = 4000
STATUSES = {"running": "Berjalan", "succeeded": "Berhasil", "failed": "Gagal", "skipped": "Dilewati"}


class AlreadyRunning(RuntimeError):
    """The job has a run in progress (possibly on another instance)."""


def register_instance(conn: Connection, instance_id: str, host: str, pid: int) -> None:
    """Record a starting scheduler process."""
    conn.execute(
        text("""INSERT INTO scheduler_instance (instance_id, host, pid) VALUES (:i, :h, :p)
                         ON CONFLICT (instance_id) DO UPDATE SET heartbeat_at = now(), stopped_at = NULL"""),
        {"i": instance_id, "h": host, "p": pid},
    )


def try_lead(conn: Connection) -> bool:
    """Take the leader lock on this (dedicated, long-lived) connection if it is free; True when held.

    Session-level: it stays held until `resign` or until the connection closes. Asking again while
    holding it stacks the lock, so callers ask only while they do not lead.
    """
    return try_session_lock(conn, *LEADER_LOCK)


def still_leading(conn: Connection) -> bool:
    """True while this connection holds the leader lock (the connection itself may have failed: raises)."""
    return bool(
        conn.execute(
            text("""
        SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()
                          AND granted AND ((classid::bigint << 32) | objid::bigint) = :k)"""),
            {"k": lock_key(*LEADER_LOCK)},
        ).scalar_one()
    )


def resign(conn: Connection) -> None:
    """Release the leader lock (graceful shutdown)."""
    session_unlock(conn, *LEADER_LOCK)


def heartbeat(conn: Connection, instance_id: str, *, leader: bool) -> None:
    """Say this instance is alive, and whether it leads."""
    conn.execute(
        text("""UPDATE scheduler_instance
                            SET heartbeat_at = now(), is_leader = :l,
                                led_since = CASE WHEN :l THEN coalesce(led_since, now()) END
                          WHERE instance_id = :i"""),
        {"i": instance_id, "l": leader},
    )


def stop_instance(conn: Connection, instance_id: str) -> None:
    """Record a graceful stop."""
    conn.execute(
        text("""UPDATE scheduler_instance SET stopped_at = now(), is_leader = false, led_since = NULL
                          WHERE instance_id = :i"""),
        {"i": instance_id},
    )


def fail_orphaned_runs(conn: Connection, instance_id: str) -> list[int]:
    """On taking the lead: runs still `running` on other instances died with them; mark them failed."""
    rows = conn.execute(
        text("""
        UPDATE job_run SET status = 'failed', finished_at = clock_timestamp(),
               error = 'Proses penjadwal ' || instance_id || ' berhenti sebelum pekerjaan selesai'
         WHERE status = 'running' AND instance_id <> :i
        RETURNING run_id, job_id, instance_id"""),
        {"i": instance_id},
    ).all()
    conn.execute(
        text("UPDATE scheduler_instance SET is_leader = false, led_since = NULL WHERE instance_id <> :i"),
        {"i": instance_id},
    )
    for row in rows:
        record(
            conn,
            Actor.system("scheduler"),
            "scheduler.run_orphaned",
            object_type="job",
            object_id=row.job_id,
            after={"run_id": row.run_id, "instance": row.instance_id, "taken_over_by": instance_id},
        )
    return [row.run_id for row in rows]


def start_run(
    conn: Connection,
    *,
    job_id: str,
    trigger: str,
    scheduled_for: datetime,
    instance_id: str,
    requested_by: str | None = None,
) -> int:
    """Open a run; `AlreadyRunning` when the job has one in progress. The attempt counts runs of the same
    scheduled time."""
    try:
        with conn.begin_nested():
            return int(
                conn.execute(
                    text("""
                INSERT INTO job_run (job_id, trigger, scheduled_for, status, instance_id, requested_by, attempt)
                VALUES (:j, :t, :s, 'running', :i, :r,
                        1 + (SELECT count(*) FROM job_run WHERE job_id = :j AND scheduled_for = :s))
                RETURNING run_id"""),
                    {"j": job_id, "t": trigger, "s": scheduled_for, "i": instance_id, "r": requested_by},
                ).scalar_one()
            )
    except IntegrityError as err:
        if "uq_job_run_one_running" not in str(err.orig):
            raise
        raise AlreadyRunning(job_id) from err


def finish_run(
    conn: Connection, run_id: int, *, status: str, rows: int = 0, message: str = "", error: str | None = None
) -> None:
    """Close a run with its outcome."""
    conn.execute(
        text("""UPDATE job_run SET status = :s, finished_at = clock_timestamp(), rows_processed = :n,
                                message = :m, error = :e
                          WHERE run_id = :r AND status = 'running'"""),
        {
            "r": run_id,
            "s": status,
            "n": rows,
            "m": message[:MAX_ERROR],
            "e": None if error is None else error[-MAX_ERROR:],
        },
    )


def skipped_run(
    conn: Connection, *, job_id: str, trigger: str, scheduled_for: datetime, instance_id: str, reason: str
) -> int:
    """Record a run that did not happen (not a working day, paused), with the reason."""
    return int(
        conn.execute(
            text("""
        INSERT INTO job_run (job_id, trigger, scheduled_for, status, finished_at, message, instance_id)
        VALUES (:j, :t, :s, 'skipped', clock_timestamp(), :m, :i) RETURNING run_id"""),
            {"j": job_id, "t": trigger, "s": scheduled_for, "m": reason, "i": instance_id},
        ).scalar_one()
    )


def paused_jobs(conn: Connection) -> set[str]:
    """The jobs someone paused."""
    return set(conn.execute(text("SELECT job_id FROM scheduler_job WHERE paused")).scalars())


def set_paused(conn: Connection, job_id: str, paused: bool, *, actor: Actor) -> bool:
    """Pause or resume a job (audited); False when it already was. `Refused` unless the actor operates the scheduler."""
    _operating(actor, "menjeda atau melanjutkan pekerjaan terjadwal")
    before = job_id in paused_jobs(conn)
    if before == paused:
        return False
    conn.execute(
        text("""INSERT INTO scheduler_job (job_id, paused, changed_by) VALUES (:j, :p, :by)
                         ON CONFLICT (job_id) DO UPDATE SET paused = EXCLUDED.paused,
                                changed_by = EXCLUDED.changed_by, changed_at = now()"""),
        {"j": job_id, "p": paused, "by": actor.name},
    )
    record(
        conn,
        actor,
        "scheduler.pause" if paused else "scheduler.resume",
        object_type="job",
        object_id=job_id,
        before={"paused": before},
        after={"paused": paused},
    )
    return True


def request_run(conn: Connection, job_id: str, *, actor: Actor) -> int:
    """Ask the active scheduler to run `job_id` now (audited); returns the request id. The product's own asking (an
    approved distribution sends at once); a person's "Jalankan sekarang" is `run_now`."""
    request_id = int(
        conn.execute(
            text("""INSERT INTO job_request (job_id, requested_by) VALUES (:j, :by)
                                          RETURNING request_id"""),
            {"j": job_id, "by": actor.name},
        ).scalar_one()
    )
    record(conn, actor, "scheduler.run_now", object_type="job", object_id=job_id, after={"request_id": request_id})
    return request_id


def run_now(conn: Connection, job_id: str, *, actor: Actor) -> int:
    """A person's "Jalankan sekarang": `request_run`, refused (`Refused`) unless the actor operates the scheduler."""
    _operating(actor, "menjalankan pekerjaan terjadwal sekarang")
    return request_run(conn, job_id, actor=actor)


#: What an operator does to a job on Penjadwal.
ACTS = frozenset({"run", "pause", "resume"})


def acts_for(user: object) -> frozenset[str]:
    """What `user` (a User, an Actor, None) may do to the scheduled jobs: all of `ACTS` or nothing."""
    return ACTS if may(user, "scheduling.operate") else frozenset()


def _operating(actor: Actor, what: str) -> None:
    """The holders of `scheduling.operate` run, pause and resume jobs; so does the product itself (the command line)."""
    if actor.role != "system":
        require(actor, "scheduling.operate", what)


@dataclass(frozen=True, slots=True)
class RunRequest:
    """A "run now" request picked by the leader."""

    request_id: int
    job_id: str
    requested_by: str
    requested_at: datetime


def pick_requests(conn: Connection) -> list[RunRequest]:
    """The open run-now requests, marked picked (two leaders never pick the same one)."""
    rows = conn.execute(
        text("""
        UPDATE job_request SET picked_at = now()
         WHERE request_id IN (SELECT request_id FROM job_request WHERE picked_at IS NULL
                               ORDER BY request_id FOR UPDATE SKIP LOCKED)
        RETURNING request_id, job_id, requested_by, requested_at""")
    ).all()
    return sorted((RunRequest(*row) for row in rows), key=lambda r: r.request_id)


def open_requests(conn: Connection) -> set[str]:
    """Jobs with a run-now request not yet picked by a scheduler."""
    return set(conn.execute(text("SELECT DISTINCT job_id FROM job_request WHERE picked_at IS NULL")).scalars())


def link_request(conn: Connection, request_id: int, run_id: int) -> None:
    """Remember which run answered a request."""
    conn.execute(text("UPDATE job_request SET run_id = :r WHERE request_id = :q"), {"r": run_id, "q": request_id})


@dataclass(frozen=True, slots=True)
class JobRun:
    """One row of the run history."""

    run_id: int
    job_id: str
    trigger: str
    scheduled_for: datetime
    started_at: datetime
    finished_at: datetime | None
    status: str
    rows_processed: int
    message: str
    error: str | None
    attempt: int
    instance_id: str
    requested_by: str | None

    @property
    def seconds(self) -> float | None:
        """How long it took (None while running)."""
        return None if self.finished_at is None else (self.finished_at - self.started_at).total_seconds()

    @property
    def status_title(self) -> str:
        """The status in Indonesian."""
        return STATUSES[self.status]


_RUN_COLUMNS = """run_id, job_id, trigger, scheduled_for, started_at, finished_at, status, rows_processed, message,
                  error, attempt, instance_id, requested_by"""


def recent_runs(
    conn: Connection, *, job_id: str | None = None, limit: int = 50, include_skipped: bool = True
) -> list[JobRun]:
    """The newest runs, of one job or all."""
    rows = conn.execute(
        text(f"""
        SELECT {_RUN_COLUMNS} FROM job_run
         WHERE (CAST(:j AS text) IS NULL OR job_id = :j) AND (:skipped OR status <> 'skipped')
         ORDER BY started_at DESC, run_id DESC LIMIT :n"""),
        {"j": job_id, "n": limit, "skipped": include_skipped},
    )
    return [JobRun(*row) for row in rows]


def run_by_id(conn: Connection, run_id: int) -> JobRun | None:
    """One run, or None."""
    row = conn.execute(text(f"SELECT {_RUN_COLUMNS} FROM job_run WHERE run_id = :r"), {"r": run_id}).first()
    return None if row is None else JobRun(*row)


@dataclass(frozen=True, slots=True)
class JobStats:
    """A job's outcome counts and durations over a period (skipped runs left out)."""

    job_id: str
    runs: int
    succeeded: int
    failed: int
    median_seconds: float | None
    last_started: datetime | None

    @property
    def success_rate(self) -> float | None:
        """Share of finished runs that succeeded (None without runs)."""
        done = self.succeeded + self.failed
        return None if done == 0 else self.succeeded / done


def job_stats(conn: Connection, *, since: datetime) -> dict[str, JobStats]:
    """Per job: runs, successes, failures and the median duration since `since`."""
    rows = conn.execute(
        text("""
        SELECT job_id, count(*) AS runs,
               count(*) FILTER (WHERE status = 'succeeded') AS succeeded,
               count(*) FILTER (WHERE status = 'failed') AS failed,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM finished_at - started_at))
                   FILTER (WHERE status = 'succeeded') AS median_seconds,
               max(started_at) AS last_started
          FROM job_run WHERE started_at >= :since AND status <> 'skipped'
         GROUP BY job_id"""),
        {"since": since},
    )
    return {row.job_id: JobStats(*row) for row in rows}


@dataclass(frozen=True, slots=True)
class DurationPoint:
    """Succeeded runs of one job in one hour: how many, their mean and longest duration in seconds."""

    job_id: str
    hour: datetime
    runs: int
    mean_seconds: float
    max_seconds: float


def run_durations(conn: Connection, *, since: datetime) -> list[DurationPoint]:
    """Durations of succeeded runs since `since`, per job and hour (an every-minute job stays 720 points a month)."""
    rows = conn.execute(
        text("""
        SELECT job_id, date_trunc('hour', started_at) AS hour, count(*) AS runs,
               avg(extract(epoch FROM finished_at - started_at))::float8 AS mean_seconds,
               max(extract(epoch FROM finished_at - started_at))::float8 AS max_seconds
          FROM job_run WHERE status = 'succeeded' AND started_at >= :since
         GROUP BY job_id, hour ORDER BY job_id, hour"""),
        {"since": since},
    )
    return [DurationPoint(*row) for row in rows]


@dataclass(frozen=True, slots=True)
class Instance:
    """A scheduler process as last seen."""

    instance_id: str
    host: str
    pid: int
    started_at: datetime
    heartbeat_at: datetime
    is_leader: bool
    led_since: datetime | None
    stopped_at: datetime | None

    def alive(self, now: datetime) -> bool:
        """Heartbeat recent and not stopped."""
        return self.stopped_at is None and now - self.heartbeat_at <= HEARTBEAT_STALE


def instances(conn: Connection) -> list[Instance]:
    """Every scheduler process seen in the last day, leader first then newest."""
    rows = conn.execute(
        text("""
        SELECT instance_id, host, pid, started_at, heartbeat_at, is_leader, led_since, stopped_at
          FROM scheduler_instance WHERE heartbeat_at > now() - interval '1 day'
         ORDER BY is_leader DESC, heartbeat_at DESC""")
    )
    return [Instance(*row) for row in rows]


def leader_heartbeat(conn: Connection) -> datetime | None:
    """The active scheduler's last heartbeat (for /healthz), or None when no instance leads."""
    return conn.execute(
        text("SELECT max(heartbeat_at) FROM scheduler_instance WHERE is_leader AND stopped_at IS NULL")
    ).scalar_one()


def jobs_running(conn: Connection, job_ids: Sequence[str] | None = None) -> set[str]:
    """Jobs with a run in progress."""
    rows = conn.execute(
        text("""SELECT job_id FROM job_run WHERE status = 'running'
                                   AND (CAST(:j AS text[]) IS NULL OR job_id = ANY(CAST(:j AS text[])))"""),
        {"j": list(job_ids) if job_ids is not None else None},
    ).scalars()
    return set(rows)


@dataclass(frozen=True, slots=True)
class PendingBatch:
    """A bank's current batch whose reconciliation has not seen it yet, with the bank's cut-off and zone."""

    business_date: date
    bank_code: str
    cutoff: time
    timezone: str


def pending_batches(conn: Connection, *, since: date) -> list[PendingBatch]:
    """The current batches of business dates from `since` on that no reconciliation has used yet, oldest first."""
    rows = conn.execute(
        text("""
        SELECT bb.business_date, bb.bank_code, b.cutoff, b.timezone
          FROM bank_batch bb
          JOIN bank b ON b.bank_code = bb.bank_code
          LEFT JOIN recon_result r ON r.business_date = bb.business_date AND r.bank_code = bb.bank_code
         WHERE bb.superseded_at IS NULL AND bb.business_date >= :since
           AND r.batch_id IS DISTINCT FROM bb.batch_id
         ORDER BY bb.business_date, bb.received_at"""),
        {"since": since},
    )
    return [PendingBatch(*row) for row in rows]


def grown_mpn_dates(conn: Connection, *, since: date) -> list[date]:
    """Business dates from `since` on, reconciled before, whose MPN data grew since their last full run (late
    records, R14): they are reconciled again."""
    return list(
        conn.execute(
            text("""
        SELECT d::date AS business_date
          FROM import_file f CROSS JOIN LATERAL generate_series(f.first_date, f.last_date, interval '1 day') d
         WHERE f.kind = 'mpn' AND f.status = 'imported' AND f.last_date >= :since
           AND f.finished_at > (SELECT max(finished_at) FROM recon_run r
                                 WHERE r.business_date = d::date AND r.status = 'finished' AND r.bank_code IS NULL)
         GROUP BY 1 ORDER BY 1"""),
            {"since": since},
        ).scalars()
    )
