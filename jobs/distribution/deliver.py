"""Deliver approved distributions to SIDJP and SIPMOD exactly once (SE-127 steps 15-16, CONTRACT §5).

One run per business date at a time (a session advisory lock on the run's own connection: a killed run
frees it at once). A producer streams the rows of every unconfirmed batch from PostgreSQL in (KPP, chunk)
order through a server-side cursor and hands each batch, encoded once per target, to that target's sender
threads through a small bounded queue, so memory stays bounded on a 3,000,000-row day.

A sender POSTs the batch with `Idempotency-Key: <batch id>`. The batch is confirmed only when the receipt's
`received` and `sha256` (of the sorted NTPNs) equal ours. On a 5xx, a time-out or a broken connection the
outcome is unknown: it is settled by `GET /batches/<id>` (found: confirmed; 404: not stored, so POST again
after a backoff), never by a blind resend. A batch left `sending` by a run that died is settled the same
way before anything is sent. Retries back off exponentially with jitter; after `max_attempts` the batch is
`failed` and waits for the next run (the scheduler's, or a redistribution). A 4xx (e.g. 409: the target
holds different content under this id) fails the batch at once. Every attempt is recorded.

The states and every statement are the area's (`queries.distribution.delivery`: `start_sending`, `confirm`,
`fail`, `give_up`, …); this job owns the connections, threads, HTTP, retries and the run's lock.
"""

from __future__ import annotations

import http.client
import json
import logging
import queue
import random
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Connection, Engine

from jobs.documents.distribution_report import keep_reports
from jobs.scheduling.daily import Outcome
from queries import config
from queries.accounts.audit import Actor, record
from queries.accounts.users import system_user
from queries.db import session_unlock, try_session_lock
from queries.distribution import delivery
from queries.distribution.delivery import Attempt, Batch
from queries.distribution.prepare import TARGETS

log = logging.getLogger(__name__)
DONE = object()
PRODUCERS = 2  # threads (and connections) reading batches from PostgreSQL while the senders send
#: What an attempt's answer does to its batch: nothing (outcome unknown), or confirm it, or fail it.
TRANSITIONS: dict[str | None, Callable[[Connection, Attempt], None]] = {
    None: delivery.note_attempt,
    "confirmed": delivery.confirm,
    "failed": delivery.fail,
}


class DistributionError(RuntimeError):
    """A run cannot start (no target URL, nothing approved); the message is in Indonesian."""


@dataclass(frozen=True, slots=True)
class Backoff:
    """Delay before attempt n+1: base * 2^(n-1), capped, times a jitter factor in [0.5, 1.5)."""

    base: float = 0.2
    cap: float = 5.0

    def delay(self, attempt: int, rng: random.Random) -> float:
        """Seconds to wait after the `attempt`-th failed try."""
        return min(self.cap, self.base * 2 ** (attempt - 1)) * rng.uniform(0.5, 1.5)


@dataclass
class RunReport:
    """What a run did, per target: batches and rows confirmed and failed, attempts; and how long it took."""

    business_date: date
    busy: bool = False
    confirmed: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TARGETS, 0))
    failed: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TARGETS, 0))
    rows_confirmed: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TARGETS, 0))
    attempts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TARGETS, 0))
    seconds: float = 0.0
    remaining: int = 0

    @property
    def message(self) -> str:
        """One line in Indonesian."""
        if self.busy:
            return f"Distribusi {self.business_date:%d/%m/%Y} sedang dijalankan proses lain"
        parts = [
            f"{t.upper()}: {self.confirmed[t]} batch ({self.rows_confirmed[t]:,} baris) terkonfirmasi, "
            f"{self.failed[t]} gagal".replace(",", ".")
            for t in TARGETS
        ]
        left = f"; {self.remaining} batch belum terkonfirmasi" if self.remaining else "; semua terkonfirmasi"
        return f"Distribusi {self.business_date:%d/%m/%Y}: " + "; ".join(parts) + left


def target_urls() -> dict[str, str]:
    """Each target's base URL; `DistributionError` when one is not configured and no simulator runs."""
    urls = {t: config.target_url(t) for t in TARGETS}
    missing = [t for t, u in urls.items() if not u]
    if missing:
        names = ", ".join(f"MPN_{t.upper()}_URL" for t in missing)
        raise DistributionError(
            f"Alamat sistem tujuan belum diatur ({names}) dan simulator target tidak berjalan; "
            "distribusi tidak dapat dimulai."
        )
    return {t: str(u).rstrip("/") for t, u in urls.items()}


class _Client:
    """A keep-alive HTTP connection to one target base URL, reopened after any error."""

    def __init__(self, base: str, timeout: float) -> None:
        parts = urlsplit(base)
        self.https = parts.scheme == "https"
        self.host, self.port, self.prefix = parts.hostname or "127.0.0.1", parts.port, parts.path.rstrip("/")
        self.timeout = timeout
        self.conn: http.client.HTTPConnection | None = None

    def call(
        self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, bytes]:
        if self.conn is None:
            cls = http.client.HTTPSConnection if self.https else http.client.HTTPConnection
            self.conn = cls(self.host, self.port, timeout=self.timeout)
        try:
            self.conn.request(method, self.prefix + path, body=body, headers=headers or {})
            response = self.conn.getresponse()
            return response.status, response.read()
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def _chunks(
    engine: Engine, distribution_id: int, chunks: list[tuple[str, int]]
) -> Iterator[tuple[str, int, delivery.Chunk]]:
    """(kpp, chunk, its rows) per chunk: one query each, no snapshot held between them."""
    with engine.connect() as conn:
        for kpp, chunk in chunks:
            rows = delivery.chunk(conn, distribution_id, kpp, chunk)
            conn.rollback()
            yield kpp, chunk, rows


class _Senders:
    """One run's senders: per target a queue and worker threads, and the outcome counters."""

    def __init__(
        self,
        engine: Engine,
        urls: dict[str, str],
        report: RunReport,
        *,
        run_by: str,
        max_attempts: int,
        backoff: Backoff,
        timeout: float,
        workers: int,
        seed: int | None,
    ) -> None:
        self.engine, self.urls, self.report, self.run_by = engine, urls, report, run_by
        self.max_attempts, self.backoff, self.timeout = max_attempts, backoff, timeout
        self.queues: dict[str, queue.Queue[Any]] = {t: queue.Queue(maxsize=2 * workers) for t in urls}
        self.lock = threading.Lock()
        self.rng = random.Random(seed)
        self.threads = [
            threading.Thread(target=self._work, args=(t,), name=f"kirim-{t}-{n}", daemon=True)
            for t in urls
            for n in range(workers)
        ]
        self.workers = workers
        self.errors: list[BaseException] = []

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def finish(self) -> None:
        for q in self.queues.values():
            for _ in range(self.workers):
                q.put(DONE)
        for thread in self.threads:
            thread.join()
        if self.errors:
            raise self.errors[0]

    def _work(self, target: str) -> None:
        client = _Client(self.urls[target], self.timeout)
        q = self.queues[target]
        try:
            while (item := q.get()) is not DONE:
                batch, body = item
                self._deliver(client, batch, body)
        except BaseException as err:  # noqa: BLE001 - handed to the run's thread, which raises it
            self.errors.append(err)
            while q.get() is not DONE:  # keep draining so the producer never blocks on a dead sender
                pass
        finally:
            client.close()

    def _record(
        self,
        batch: Batch,
        method: str,
        started: datetime,
        t0: float,
        status: int | None,
        outcome: str,
        error: str | None,
        state: str | None,
        receipt: dict[str, Any] | None = None,
    ) -> None:
        """The attempt on file, and the batch moved to `state` (None: kept) in the same transaction."""
        attempt = Attempt(
            batch, method, started, int((time.perf_counter() - t0) * 1000), status, outcome, error, self.run_by, receipt
        )
        with self.engine.begin() as conn:
            TRANSITIONS[state](conn, attempt)
        with self.lock:
            self.report.attempts[batch.target] += 1

    def _check(self, batch: Batch, raw: bytes) -> tuple[str, str | None, dict[str, Any] | None]:
        """(outcome, error, receipt) of a 200/201 answer: confirmed only when the receipt repeats ours."""
        try:
            receipt = json.loads(raw)
            received, sha = int(receipt["received"]), str(receipt["sha256"])
        except (ValueError, KeyError, TypeError) as err:
            return "unknown", f"tanda terima tidak terbaca: {err}", None
        if received == batch.row_count and sha == batch.ntpn_sha256:
            return "confirmed", None, receipt
        return "mismatch", f"tanda terima berbeda: {received} baris, sha256 {sha[:12]}…", receipt

    def _deliver(self, client: _Client, batch: Batch, body: bytes) -> None:
        """POST (or first settle by GET when the last outcome is unknown) until confirmed or out of attempts."""
        settle = batch.state == "sending"  # a run died after sending: find out before sending again
        headers = {"Content-Type": "application/json", "Idempotency-Key": batch.batch_id}
        for n in range(1, self.max_attempts + 1):
            method = "GET" if settle else "POST"
            started, t0 = datetime.now(UTC), time.perf_counter()
            if method == "POST":
                with self.engine.begin() as conn:
                    delivery.start_sending(conn, batch)
            try:
                if method == "GET":
                    status, raw = client.call("GET", f"/batches/{batch.batch_id}")
                else:
                    status, raw = client.call("POST", "/batches", body, headers)
            except (OSError, http.client.HTTPException) as err:
                self._record(batch, method, started, t0, None, "unknown", f"{type(err).__name__}: {err}", None)
                settle = True
            else:
                if status in (200, 201):
                    outcome, error, receipt = self._check(batch, raw)
                    state = {"confirmed": "confirmed", "mismatch": "failed"}.get(outcome)
                    self._record(batch, method, started, t0, status, outcome, error, state, receipt)
                    if outcome == "confirmed":
                        self._count(batch, confirmed=True)
                        return
                    if outcome == "mismatch":
                        self._count(batch, confirmed=False)
                        return
                    settle = True
                elif method == "GET" and status == 404:
                    self._record(batch, method, started, t0, status, "not_stored", None, None)
                    settle = False
                    continue  # not stored: POST now, no need to wait
                elif status >= 500 or status in (408, 429):
                    self._record(batch, method, started, t0, status, "unknown", f"HTTP {status}", None)
                    settle = True
                else:
                    error = f"HTTP {status}: {raw[:300].decode('utf-8', 'replace')}"
                    self._record(batch, method, started, t0, status, "rejected", error, "failed")
                    self._count(batch, confirmed=False)
                    return
            if n < self.max_attempts:
                with self.lock:
                    pause = self.backoff.delay(n, self.rng)
                time.sleep(pause)
        with self.engine.begin() as conn:
            delivery.give_up(conn, batch)
        self._count(batch, confirmed=False)

    def _count(self, batch: Batch, *, confirmed: bool) -> None:
        with self.lock:
            if confirmed:
                self.report.confirmed[batch.target] += 1
                self.report.rows_confirmed[batch.target] += batch.row_count
            else:
                self.report.failed[batch.target] += 1


def _body(batch: Batch, business_date: date, rows_json: str) -> bytes:
    head = json.dumps(
        {
            "batch_id": batch.batch_id,
            "target": batch.target,
            "business_date": business_date.isoformat(),
            "kpp_code": batch.kpp_code,
        }
    )
    return (head[:-1] + ', "rows": ' + rows_json + "}").encode()


def run_distribution(
    engine: Engine,
    business_date: date,
    *,
    actor: Actor | None = None,
    only: list[str] | None = None,
    max_attempts: int = 8,
    backoff: Backoff | None = None,
    timeout: float = 30.0,
    workers: int = 2,
    seed: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> RunReport:
    """Deliver every approved, unconfirmed batch of `business_date` (or only the batch ids in `only`)."""
    actor = actor or Actor.system("cli")
    report = RunReport(business_date)
    urls = target_urls()
    started = time.perf_counter()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as lock_conn:
        if not try_session_lock(lock_conn, "distribute", business_date):
            report.busy = True
            return report
        try:
            _run(
                engine,
                business_date,
                urls,
                report,
                actor,
                only,
                max_attempts,
                backoff or Backoff(),
                timeout,
                workers,
                seed,
                progress,
            )
        finally:
            session_unlock(lock_conn, "distribute", business_date)
    report.seconds = time.perf_counter() - started
    return report


def _run(
    engine: Engine,
    business_date: date,
    urls: dict[str, str],
    report: RunReport,
    actor: Actor,
    only: list[str] | None,
    max_attempts: int,
    backoff: Backoff,
    timeout: float,
    workers: int,
    seed: int | None,
    progress: Callable[[int, int], None] | None,
) -> None:
    with engine.begin() as conn:
        pending = delivery.due_batches(conn, business_date, only)
        rounds = sorted({b.distribution_id for b in pending})
        if rounds:
            delivery.start_delivering(conn, rounds)
    if not pending:
        _finish(engine, business_date, report, actor)
        return
    senders = _Senders(
        engine,
        urls,
        report,
        run_by=actor.name,
        max_attempts=max_attempts,
        backoff=backoff,
        timeout=timeout,
        workers=workers,
        seed=seed,
    )
    senders.start()
    work = [
        (distribution_id, (b.kpp_code, b.chunk))
        for distribution_id in rounds
        for b in pending
        if b.distribution_id == distribution_id
    ]
    by_chunk: dict[tuple[int, tuple[str, int]], list[Batch]] = {}
    for b in pending:
        by_chunk.setdefault((b.distribution_id, (b.kpp_code, b.chunk)), []).append(b)
    chunks = list(dict.fromkeys(work))  # each (round, chunk) once, in order
    counter = _Progress(len(pending), progress)
    producers = [
        threading.Thread(
            target=_produce,
            name=f"siapkan-{n}",
            daemon=True,
            args=(engine, business_date, chunks[n::PRODUCERS], by_chunk, senders, counter),
        )
        for n in range(PRODUCERS)
    ]
    try:
        for thread in producers:
            thread.start()
        for thread in producers:
            thread.join()
    finally:
        senders.finish()
    if counter.error is not None:
        raise counter.error
    _finish(engine, business_date, report, actor)


class _Progress:
    """Batches handed to the senders so far (several producers count into it)."""

    def __init__(self, total: int, callback: Callable[[int, int], None] | None) -> None:
        self.total, self.callback, self.done = total, callback, 0
        self.lock = threading.Lock()
        self.error: BaseException | None = None

    def add(self) -> None:
        with self.lock:
            self.done += 1
            if self.callback:
                self.callback(self.done, self.total)


def _produce(
    engine: Engine,
    business_date: date,
    chunks: list[tuple[int, tuple[str, int]]],
    by_chunk: dict[tuple[int, tuple[str, int]], list[Batch]],
    senders: _Senders,
    counter: _Progress,
) -> None:
    """Read this producer's share of the chunks and queue each batch for its target's senders."""
    try:
        for distribution_id in sorted({d for d, _ in chunks}):
            mine = [c for d, c in chunks if d == distribution_id]
            for kpp, chunk, rows in _chunks(engine, distribution_id, mine):
                for b in by_chunk[(distribution_id, (kpp, chunk))]:
                    if rows.rows != b.row_count or rows.ntpn_sha256 != b.ntpn_sha256:
                        raise RuntimeError(f"batch {b.batch_id}: rows changed since it was prepared")
                    senders.queues[b.target].put((b, _body(b, business_date, rows.rows_json)))
                    counter.add()
    except BaseException as err:  # noqa: BLE001 - raised by the run's thread once the senders have stopped
        counter.error = err


def _finish(engine: Engine, business_date: date, report: RunReport, actor: Actor) -> None:
    """Mark fully confirmed rounds delivered, count what is left, audit the run."""
    with engine.begin() as conn:
        delivery.mark_delivered(conn, business_date)
        report.remaining = delivery.unconfirmed(conn, business_date)
        record(
            conn,
            actor,
            "distribution.run",
            object_type="business_date",
            object_id=business_date.isoformat(),
            after={
                "confirmed": report.confirmed,
                "failed": report.failed,
                "rows": report.rows_confirmed,
                "attempts": report.attempts,
                "remaining": report.remaining,
            },
        )
    log.info("%s", report.message)
    try:  # SE-127 step 18: a round just delivered gets its report, kept on file
        keep_reports(engine, business_date)
    except Exception:  # noqa: BLE001 - a failed report must not fail a finished delivery
        log.exception("laporan distribusi %s tidak dapat dibuat", business_date)


def release_held(engine: Engine, now: datetime, *, actor: Actor) -> list[tuple[date, int]]:
    """Held data joins a later round by itself: for each date whose holds may have been lifted, prepare the next
    round and, when it carries rows, ask its approval as the system (kasi and kasubdit still decide).
    Returns (date, rows) of the rounds asked for."""
    from queries.distribution import prepare as dist

    since = date.fromordinal(now.date().toordinal() - 31)
    with engine.connect() as conn:
        days = delivery.releasable_days(conn, since)
    asked = []
    for day in days:
        with engine.begin() as conn:
            prepared = dist.prepare(conn, day, actor=actor)
            if not prepared.row_count:  # nothing released yet: no empty round left lying about
                delivery.drop_empty_round(conn, day, prepared.distribution_id, prepared.round)
            elif dist.pending(conn, day) is None:
                dist.request(conn, day, actor=system_user(conn))
                asked.append((day, prepared.row_count))
    return asked


def deliver_pending(engine: Engine, now: datetime, *, actor: Actor) -> Outcome:
    """The scheduler's job: run every business date with approved batches not yet confirmed (also failed ones:
    automatic redistribution goes on until all are confirmed or the job is paused)."""
    with engine.connect() as conn:
        days = delivery.due_days(conn)
    released = release_held(engine, now, actor=actor)
    note = "".join(f"; putaran baru {day:%d/%m/%Y} ({rows} baris) menunggu persetujuan" for day, rows in released)
    if not days:
        return Outcome(0, "Tidak ada distribusi yang menunggu" + note)
    reports = [run_distribution(engine, day, actor=actor) for day in days]
    rows = sum(sum(r.rows_confirmed.values()) for r in reports)
    left = sum(r.remaining for r in reports)
    message = "; ".join(r.message for r in reports) + note
    if left:
        raise RuntimeError(message)
    return Outcome(rows, message)
