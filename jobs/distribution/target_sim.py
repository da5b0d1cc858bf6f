"""The reference SIDJP/SIPMOD target simulator (CONTRACT §5): stores delivered batches once, durably.

`TargetSimulator` is the state: per target, the receipts by batch id, the row count and the set of NTPNs,
rebuilt on start from one append-only JSON-lines file per target (`<data>/<target>.jsonl`, fsynced before
each answer; a torn last line is dropped). `SimServer` is the HTTP front (`/sidjp`, `/sipmod`, `/healthz`)
with fault injection: `fail_rate` answers 503 before storing, `lost_ack_rate` stores and then answers 503,
`latency_ms` delays every answer. A batch id re-sent with other content is a 409 and stores nothing.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import random
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from operator import itemgetter
from pathlib import Path
from typing import IO, Any, NamedTuple
from urllib.parse import unquote, urlsplit

log = logging.getLogger(__name__)

TARGETS = ("sidjp", "sipmod")
BATCH_FIELDS = ("batch_id", "target", "business_date", "kpp_code", "rows")
ROW_FIELDS = ("ntpn", "npwp", "kap", "kjs", "tax_period", "amount", "paid_at", "business_date", "bank_code", "ntb")
MAX_BODY = 512 * 1024 * 1024
_COLUMN_GETTERS = [itemgetter(name) for name in ROW_FIELDS]


class Receipt(NamedTuple):
    """What the target answers for a stored batch."""

    batch_id: str
    received: int
    sha256: str


class Stats(NamedTuple):
    """Totals of one target: stored batches, their rows, and the distinct NTPNs among those rows."""

    batches: int
    rows: int
    distinct_ntpn: int


class BadRequest(ValueError):
    """The request cannot be a batch (answered 400)."""


class Conflict(ValueError):
    """The batch id is stored with other content (answered 409)."""


class Batch(NamedTuple):
    """A parsed, validated batch: its receipt, the NTPNs and a digest of its content (header and rows)."""

    target: str
    business_date: str
    kpp_code: str
    receipt: Receipt
    ntpns: list[str]
    content: str


def receipt_sha256(ntpns: list[str]) -> str:
    """Hex SHA-256 of the NTPNs sorted and joined by newlines (no trailing newline), as CONTRACT §5 says."""
    return hashlib.sha256("\n".join(sorted(ntpns)).encode()).hexdigest()


def parse_batch(body: bytes, *, target: str, idempotency_key: str | None) -> Batch:
    """Validate a POSTed body for `target`; raise `BadRequest` naming the first problem.

    The content digest covers target, dates, KPP and every row's contract fields in order, so a resend
    serialised differently (key order, spacing) is still the same batch.
    """
    try:
        doc = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadRequest(f"malformed JSON: {exc}") from None
    if not isinstance(doc, dict):
        raise BadRequest("the body must be a JSON object")
    missing = [name for name in BATCH_FIELDS if name not in doc]
    if missing:
        raise BadRequest(f"missing fields: {', '.join(missing)}")
    batch_id, rows = doc["batch_id"], doc["rows"]
    if not isinstance(batch_id, str) or not batch_id.strip():
        raise BadRequest("batch_id must be a non-empty string")
    if idempotency_key is None:
        raise BadRequest("the Idempotency-Key header is missing")
    if idempotency_key != batch_id:
        raise BadRequest("the Idempotency-Key header differs from batch_id")
    if doc["target"] != target:
        raise BadRequest(f"target {doc['target']!r} differs from the path's target {target!r}")
    for name in ("business_date", "kpp_code"):
        if not isinstance(doc[name], str) or not doc[name]:
            raise BadRequest(f"{name} must be a non-empty string")
    if not isinstance(rows, list):
        raise BadRequest("rows must be a list")
    try:
        columns = [list(map(getter, rows)) for getter in _COLUMN_GETTERS]
    except (KeyError, TypeError, IndexError):
        raise BadRequest(_first_bad_row(rows)) from None
    ntpns = columns[0]
    if ntpns and (set(map(type, ntpns)) != {str} or not min(ntpns, key=len)):
        bad = next(i for i, n in enumerate(ntpns) if not isinstance(n, str) or not n)
        raise BadRequest(f"rows[{bad}]: ntpn must be a non-empty string")
    content = _content_digest([target, doc["business_date"], doc["kpp_code"]], columns)
    receipt = Receipt(batch_id, len(ntpns), receipt_sha256(ntpns))
    return Batch(target, doc["business_date"], doc["kpp_code"], receipt, ntpns, content)


def _content_digest(header: list[str], columns: list[list[Any]]) -> str:
    """SHA-256 over the header and the rows column by column: C-speed joins, no per-row Python code."""
    digest = hashlib.sha256()
    for column in [header, *columns]:
        try:
            digest.update(b"s" + "\x1f".join(column).encode("utf-8", "surrogatepass"))
        except TypeError:  # not all strings (amounts are numbers): their repr is as stable
            digest.update(b"r" + repr(column).encode("utf-8", "surrogatepass"))
        digest.update(b"\x1e")
    return digest.hexdigest()


def _first_bad_row(rows: list[Any]) -> str:
    for i, row in enumerate(rows):
        if not isinstance(row, dict):
            return f"rows[{i}] must be a JSON object"
        missing = [name for name in ROW_FIELDS if name not in row]
        if missing:
            return f"rows[{i}]: missing fields: {', '.join(missing)}"
    return "rows are malformed"


@dataclass
class _Stored:
    receipt: Receipt
    content: str


@dataclass
class _Target:
    """One target's state and its append-only log; `lock` serialises stores (and so the log's lines)."""

    path: Path
    file: IO[bytes]
    size: int
    lock: threading.Lock = field(default_factory=threading.Lock)
    batches: dict[str, _Stored] = field(default_factory=dict)
    rows: int = 0
    ntpns: set[str] = field(default_factory=set)


class TargetSimulator:
    """The stored batches of both targets, durable in `data_dir`; safe to call from many threads."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._lock_file = open(self.data_dir / ".lock", "a+b")
        try:
            fcntl.flock(self._lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._lock_file.close()
            raise RuntimeError(f"another target simulator uses {self.data_dir}") from None
        self._targets: dict[str, _Target] = {}
        try:
            for name in TARGETS:
                self._targets[name] = self._load(self.data_dir / f"{name}.jsonl")
        except BaseException:
            self.close()
            raise

    @staticmethod
    def _load(path: Path) -> _Target:
        """Replay one log; drop (and truncate away) a torn last line, refuse a corrupt line before it."""
        batches: dict[str, _Stored] = {}
        ntpns: set[str] = set()
        rows = good = 0
        with open(path, "a+b") as log_file:
            log_file.seek(0)
            while line := log_file.readline():
                try:
                    if not line.endswith(b"\n"):
                        raise ValueError("no line end")
                    rec = json.loads(line)
                    receipt = Receipt(**rec["receipt"])
                    stored = _Stored(receipt, rec["content"])
                    batch_ntpns = rec["ntpns"]
                except (ValueError, KeyError, TypeError) as exc:
                    if log_file.readline():
                        raise RuntimeError(f"{path}: corrupt line at byte {good}: {exc}") from None
                    log.warning("%s: dropping a torn last line at byte %d", path, good)
                    log_file.truncate(good)
                    break
                batches[receipt.batch_id] = stored
                rows += receipt.received
                ntpns.update(batch_ntpns)
                good += len(line)
            log_file.flush()
            os.fsync(log_file.fileno())
        handle = open(path, "ab")
        return _Target(path, handle, good, batches=batches, rows=rows, ntpns=ntpns)

    def _target(self, target: str) -> _Target:
        try:
            return self._targets[target]
        except KeyError:
            raise KeyError(f"unknown target {target!r}") from None

    def store(self, batch: Batch) -> tuple[Receipt, bool]:
        """Store `batch` once: its receipt and True when stored now, False when already stored.

        Raises `Conflict` when the batch id is stored with other content. The log line is fsynced
        before the state changes, so an answered batch survives a crash.
        """
        state = self._target(batch.target)
        receipt = batch.receipt
        line = (
            json.dumps(
                {
                    "batch_id": receipt.batch_id,
                    "business_date": batch.business_date,
                    "kpp_code": batch.kpp_code,
                    "receipt": receipt._asdict(),
                    "content": batch.content,
                    "ntpns": batch.ntpns,
                },
                separators=(",", ":"),
            ).encode()
            + b"\n"
        )
        with state.lock:
            stored = state.batches.get(receipt.batch_id)
            if stored is not None:
                if stored.content != batch.content:
                    raise Conflict(f"batch {receipt.batch_id} is already stored with other content")
                return stored.receipt, False
            try:
                state.file.write(line)
                state.file.flush()
                os.fsync(state.file.fileno())
            except OSError:
                state.file.truncate(state.size)  # never leave half a line before the next one
                raise
            state.size += len(line)
            state.batches[receipt.batch_id] = _Stored(receipt, batch.content)
            state.rows += receipt.received
            state.ntpns.update(batch.ntpns)
        return receipt, True

    def receipt(self, target: str, batch_id: str) -> Receipt | None:
        """The receipt of a stored batch, or None."""
        stored = self._target(target).batches.get(batch_id)
        return stored.receipt if stored else None

    def stats(self, target: str) -> Stats:
        """Batches, rows and distinct NTPNs stored for `target`."""
        state = self._target(target)
        with state.lock:
            return Stats(len(state.batches), state.rows, len(state.ntpns))

    def close(self) -> None:
        """Close the logs (waiting for stores in flight) and release the data folder."""
        for state in self._targets.values():
            with state.lock:
                state.file.close()
        self._lock_file.close()


class Faults:
    """Seeded fault injection shared by the server's threads."""

    def __init__(
        self, fail_rate: float = 0.0, lost_ack_rate: float = 0.0, latency_ms: float = 0.0, seed: int | None = None
    ) -> None:
        for name, rate in (("fail_rate", fail_rate), ("lost_ack_rate", lost_ack_rate)):
            if not 0.0 <= rate <= 1.0:
                raise ValueError(f"{name} must be within [0, 1], not {rate}")
        if latency_ms < 0:
            raise ValueError("latency_ms must not be negative")
        self.fail_rate, self.lost_ack_rate, self.latency = fail_rate, lost_ack_rate, latency_ms / 1000
        self._rng = random.Random(seed)
        self._lock = threading.Lock()

    def _roll(self, rate: float) -> bool:
        if rate <= 0.0:
            return False
        with self._lock:
            return self._rng.random() < rate

    def fail(self) -> bool:
        """Whether this POST is answered 503 before storing."""
        return self._roll(self.fail_rate)

    def lose_ack(self) -> bool:
        """Whether this stored POST's reply is replaced by a 503."""
        return self._roll(self.lost_ack_rate)

    def delay(self) -> None:
        """Sleep the configured latency."""
        if self.latency > 0:
            time.sleep(self.latency)


class SimServer(ThreadingHTTPServer):
    """The HTTP server over one `TargetSimulator`; `url` is where it listens, `stop()` ends it."""

    daemon_threads = True  # idle keep-alive connections must not hold up a stop
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], simulator: TargetSimulator, faults: Faults) -> None:
        super().__init__(address, _Handler)
        self.simulator, self.faults = simulator, faults
        host = self.server_address[0]
        host = "127.0.0.1" if host in ("0.0.0.0", "") else str(host)
        self.url = f"http://{host}:{self.server_address[1]}"

    def stop(self) -> None:
        """Stop serving (call from another thread than `serve_forever`'s) and close the simulator."""
        self.shutdown()
        self.server_close()
        self.simulator.close()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    timeout = 300  # idle keep-alive connections end after five minutes
    server: SimServer

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s %s", self.address_string(), format % args)

    def _send(self, status: int, payload: dict[str, Any]) -> None:
        body = json.dumps(payload).encode()
        self.server.faults.delay()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def _error(self, status: int, message: str) -> None:
        self._send(status, {"error": message})

    def _route(self) -> tuple[str | None, list[str]]:
        """The target of the path (None for an unknown one) and the unquoted segments after it."""
        parts = urlsplit(self.path).path.strip("/").split("/")
        rest = [unquote(part) for part in parts[1:]]
        return (parts[0] if parts[0] in TARGETS else None), rest

    def do_GET(self) -> None:
        """Health, a batch's receipt, or a target's stats; GETs are never failed, only delayed."""
        try:
            if urlsplit(self.path).path.rstrip("/") == "/healthz":
                return self._send(200, {"status": "ok"})
            target, rest = self._route()
            if target is None:
                return self._error(404, "unknown path")
            if rest == ["stats"]:
                return self._send(200, self.server.simulator.stats(target)._asdict())
            if len(rest) >= 2 and rest[0] == "batches":
                receipt = self.server.simulator.receipt(target, "/".join(rest[1:]))
                if receipt is None:
                    return self._error(404, "no such batch")
                return self._send(200, receipt._asdict())
            return self._error(404, "unknown path")
        except Exception:
            log.exception("GET %s failed", self.path)
            self.close_connection = True
            return self._error(500, "internal error")

    def do_POST(self) -> None:
        """Store a batch: 201 stored now, 200 already stored, 400 bad, 409 changed, 503 injected faults."""
        try:
            body = self._read_body()
            if body is None:
                return None
            target, rest = self._route()
            if target is None or rest != ["batches"]:
                return self._error(404, "unknown path")
            if self.server.faults.fail():
                return self._error(503, "injected failure: nothing stored, retry")
            try:
                batch = parse_batch(body, target=target, idempotency_key=self.headers.get("Idempotency-Key"))
                receipt, created = self.server.simulator.store(batch)
            except BadRequest as exc:
                return self._error(400, str(exc))
            except Conflict as exc:
                return self._error(409, str(exc))
            if self.server.faults.lose_ack():
                return self._error(503, "injected lost reply: the batch may be stored, ask GET")
            return self._send(201 if created else 200, receipt._asdict())
        except Exception:
            log.exception("POST %s failed", self.path)
            self.close_connection = True
            return self._error(500, "internal error")

    def _read_body(self) -> bytes | None:
        """Exactly the request's body (Content-Length or chunked); None after answering a bad framing."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                pass  # trailers
            return b"".join(chunks)
        length = self.headers.get("Content-Length")
        if length is None or not length.strip().isdigit() or int(length) > MAX_BODY:
            self.close_connection = True
            self._error(411 if length is None else 400, "a valid Content-Length is required")
            return None
        return self.rfile.read(int(length))


def make_server(
    data_dir: Path,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    fail_rate: float = 0.0,
    lost_ack_rate: float = 0.0,
    latency_ms: float = 0.0,
    seed: int | None = None,
) -> SimServer:
    """A bound, not yet serving, simulator server over the data in `data_dir`."""
    faults = Faults(fail_rate, lost_ack_rate, latency_ms, seed)
    simulator = TargetSimulator(data_dir)
    try:
        return SimServer((host, port), simulator, faults)
    except BaseException:
        simulator.close()
        raise


def start_in_thread(
    data_dir: Path,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    fail_rate: float = 0.0,
    lost_ack_rate: float = 0.0,
    latency_ms: float = 0.0,
    seed: int | None = None,
) -> tuple[SimServer, str]:
    """Serve from a daemon thread (for tests): the server (end it with `stop()`) and its base URL."""
    server = make_server(
        data_dir,
        host=host,
        port=port,
        fail_rate=fail_rate,
        lost_ack_rate=lost_ack_rate,
        latency_ms=latency_ms,
        seed=seed,
    )
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, name="target-sim", daemon=True).start()
    return server, server.url


def serve(
    host: str,
    port: int,
    data_dir: Path,
    fail_rate: float = 0.0,
    lost_ack_rate: float = 0.0,
    latency_ms: float = 0.0,
    seed: int | None = None,
    *,
    on_start: Callable[[str], None] | None = None,
) -> None:
    """Serve until SIGTERM/SIGINT, then stop cleanly; `on_start(url)` runs once the port is bound."""
    server = make_server(
        data_dir,
        host=host,
        port=port,
        fail_rate=fail_rate,
        lost_ack_rate=lost_ack_rate,
        latency_ms=latency_ms,
        seed=seed,
    )
    stopping = threading.Event()

    def _stop(signum: int, _frame: object) -> None:
        if not stopping.is_set():
            stopping.set()
            log.info("target simulator stopping (signal %d)", signum)
            threading.Thread(target=server.shutdown, daemon=True).start()  # shutdown() waits for the loop

    previous = {sig: signal.signal(sig, _stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        log.info("target simulator on %s (data in %s)", server.url, data_dir)
        if on_start is not None:
            on_start(server.url)
        server.serve_forever(poll_interval=0.2)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        server.server_close()
        server.simulator.close()
