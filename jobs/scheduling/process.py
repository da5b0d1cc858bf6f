"""`mpn scheduler`: an APScheduler process that runs the jobs of `jobs.scheduling.definitions` when, and only when,
it leads.

Several processes may run (redundancy). Each registers itself, heartbeats every `TICK` seconds, and tries
to take the leader lock (a session advisory lock on its own connection). Every instance keeps the same
APScheduler triggers; a fired job runs only on the leader. When the leader dies PostgreSQL frees its lock
and the next tick of another instance takes over (within `TICK` seconds, well inside a minute), first
marking the dead leader's unfinished runs `failed`. On SIGTERM/SIGINT the scheduler stops taking work,
waits for running jobs, releases the lock and records the stop.

Run-now requests from the page are picked by the leader's tick and run at once in the job pool. When the
settings change (e.g. the statement deadline), the triggers are rebuilt on the next tick.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import uuid
from datetime import datetime
from typing import Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import Connection, Engine

from jobs.scheduling.definitions import JOBS, run_job
from queries import config
from queries.scheduling import store
from queries.settings import Settings, current_settings

log = logging.getLogger(__name__)
TICK = 10  # seconds between heartbeats, leadership checks and run-now pickups


class SchedulerService:
    """One scheduler process: APScheduler plus leadership, heartbeat, run-now pickup and graceful stop."""

    def __init__(self, engine: Engine, *, instance_id: str | None = None, tick: float = TICK) -> None:
        self.engine = engine
        self.instance_id = instance_id or f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        self.tick_seconds = tick
        self.tz = config.timezone()
        self.leading = False
        self._lock_conn: Connection | None = None
        self._guard = threading.Lock()
        self._settings: Settings | None = None
        self.scheduler = BlockingScheduler(
            timezone=self.tz,
            executors={"default": ThreadPoolExecutor(4), "control": ThreadPoolExecutor(1)},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 300},
        )

    # -- leadership -------------------------------------------------------------------------------------------
    def _lock_connection(self) -> Connection:
        if self._lock_conn is None or self._lock_conn.closed:
            self._lock_conn = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        return self._lock_conn

    def _drop_lock_connection(self) -> None:
        if self._lock_conn is not None:
            try:
                self._lock_conn.invalidate()
                self._lock_conn.close()
            except Exception:  # noqa: BLE001 - a broken connection is what we are dropping
                log.debug("closing the leader connection failed", exc_info=True)
        self._lock_conn = None

    def tick(self) -> None:
        """Heartbeat, keep or take the lead, pick run-now requests, follow settings changes."""
        with self._guard:
            try:
                conn = self._lock_connection()
                was = self.leading
                self.leading = store.still_leading(conn) if was else store.try_lead(conn)
            except Exception:  # noqa: BLE001 - lost connection: we do not lead until it is back
                log.warning("scheduler %s: leader connection lost", self.instance_id, exc_info=True)
                self._drop_lock_connection()
                was, self.leading = self.leading, False
            with self.engine.begin() as db:
                if self.leading and not was:
                    orphans = store.fail_orphaned_runs(db, self.instance_id)
                    log.info("scheduler %s leads (%d orphaned runs marked failed)", self.instance_id, len(orphans))
                elif was and not self.leading:
                    log.warning("scheduler %s lost the lead", self.instance_id)
                store.heartbeat(db, self.instance_id, leader=self.leading)
                settings = current_settings(db)
                requests = store.pick_requests(db) if self.leading else []
            if settings != self._settings:
                self._schedule(settings)
            for request in requests:
                self.scheduler.add_job(
                    self._run_requested,
                    args=(request,),
                    id=f"request-{request.request_id}",
                    misfire_grace_time=None,
                    replace_existing=True,
                )

    # -- jobs -------------------------------------------------------------------------------------------------
    def _schedule(self, settings: Settings) -> None:
        """(Re)build every job's trigger from the settings."""
        for job in JOBS:
            self.scheduler.add_job(
                self._fire,
                trigger=job.trigger(settings, self.tz),
                args=(job.job_id,),
                id=job.job_id,
                name=job.title,
                replace_existing=True,
                misfire_grace_time=job.misfire_grace_seconds,
            )
        self._settings = settings

    def _fire(self, job_id: str) -> None:
        if not self.leading:
            return
        now = datetime.now(self.tz)
        run_job(
            self.engine,
            job_id,
            instance_id=self.instance_id,
            trigger="schedule",
            scheduled_for=now.replace(second=0, microsecond=0),
            now=now,
        )

    def _run_requested(self, request: store.RunRequest) -> None:
        result = run_job(
            self.engine,
            request.job_id,
            instance_id=self.instance_id,
            trigger="manual",
            requested_by=request.requested_by,
            scheduled_for=request.requested_at,
        )
        if result.run_id is not None:
            with self.engine.begin() as db:
                store.link_request(db, request.request_id, result.run_id)

    # -- life cycle -------------------------------------------------------------------------------------------
    def run(self) -> None:
        """Register, start ticking, and block until stopped by a signal."""
        with self.engine.begin() as db:
            store.register_instance(db, self.instance_id, socket.gethostname(), os.getpid())
        self.tick()
        self.scheduler.add_job(
            self.tick,
            IntervalTrigger(seconds=self.tick_seconds, timezone=self.tz),
            id="_tick",
            executor="control",
            misfire_grace_time=None,
            replace_existing=True,
        )
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, self._stop)
        log.info("scheduler %s started (%s)", self.instance_id, "leader" if self.leading else "standby")
        try:
            self.scheduler.start()
        finally:
            self.close()

    def _stop(self, signum: int, frame: Any) -> None:  # noqa: ANN401 - signal handler signature
        log.info("scheduler %s stopping (signal %d): waiting for running jobs", self.instance_id, signum)
        threading.Thread(target=self.scheduler.shutdown, kwargs={"wait": True}, daemon=True).start()

    def close(self) -> None:
        """Release the lead and record the stop."""
        with self._guard:
            try:
                if self._lock_conn is not None and self.leading:
                    store.resign(self._lock_conn)
            finally:
                self.leading = False
                self._drop_lock_connection()
        with self.engine.begin() as db:
            store.stop_instance(db, self.instance_id)
        log.info("scheduler %s stopped", self.instance_id)
