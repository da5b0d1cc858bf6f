"""A local SMTP sink (aiosmtpd, the real protocol) for the demo and the tests: it accepts every message and keeps it.

`mpn demo` runs it as a child process (`sink_process`) on 127.0.0.1 and points `MPN_SMTP_URL` at it; each message
it receives is written to `<data>/mail-sink/` as an `.eml` file (the message as received, preceded by
`Return-Path` and `X-Sink-Rcpt-To` with the envelope), which Kotak keluar lists. Tests run `serve()` in-process:
`SinkHandler.messages` holds what really arrived; `refuse(n, reply)` answers the next n messages' DATA with an
error reply (e.g. `451 ...` then accept) and `reject_recipients` refuses chosen addresses at RCPT.
"""

from __future__ import annotations

import argparse
import asyncio
import email
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from sqlalchemy import Engine

from queries import config

FOLDER = "mail-sink"


def sink_dir() -> Path:
    """Where the demo's sink keeps what it received: `<data>/mail-sink`."""
    return config.data_dir() / FOLDER


@dataclass(frozen=True, slots=True)
class Received:
    """One message as the server received it: the envelope and the bytes of the DATA."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    data: bytes
    received_at: datetime

    @property
    def message(self) -> EmailMessage:
        """The message parsed (headers decoded, parts walkable)."""
        return email.message_from_bytes(self.data, policy=default)  # type: ignore[return-value]


class SinkHandler:
    """aiosmtpd handler: keeps every accepted message (in memory, and as .eml files when given a folder)."""

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder
        self.messages: list[Received] = []
        self.reject_recipients: dict[str, str] = {}
        self.on_message: Callable[[Received], None] | None = None
        self._refusals: list[str] = []
        self._lock = threading.Lock()

    def refuse(self, count: int, reply: str = "451 4.3.0 Coba lagi nanti") -> None:
        """Answer the DATA of the next `count` messages with `reply` instead of accepting them."""
        with self._lock:
            self._refusals.extend([reply] * count)

    async def handle_RCPT(
        self,
        server: Any,
        session: Any,
        envelope: Any,
        address: str,  # noqa: ANN401, N802
        rcpt_options: list[str],
    ) -> str:
        """Accept the recipient unless it is in `reject_recipients`."""
        if address in self.reject_recipients:
            return self.reject_recipients[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: ANN401, N802
        """Keep the message (or refuse it while refusals are pending); `on_message` runs before the reply."""
        with self._lock:
            if self._refusals:
                return self._refusals.pop(0)
        data = envelope.original_content or envelope.content
        got = Received(envelope.mail_from, tuple(envelope.rcpt_tos), bytes(data), datetime.now(UTC))
        if self.folder is not None:
            _store(self.folder, got)
        with self._lock:
            self.messages.append(got)
            number = len(self.messages)
        if self.on_message is not None:
            await asyncio.get_running_loop().run_in_executor(None, self.on_message, got)
        return f"250 2.0.0 Ok: queued as sink-{number}"


def _store(folder: Path, got: Received) -> Path:
    """Write the message as an .eml file (atomically: a reader never sees half a message)."""
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{got.received_at:%Y%m%dT%H%M%S%f}-{os.getpid()}-{threading.get_ident() % 10_000}"
    head = f"Return-Path: <{got.mail_from}>\r\nX-Sink-Rcpt-To: {', '.join(got.rcpt_tos)}\r\n".encode()
    tmp = folder / f".{name}.tmp"
    tmp.write_bytes(head + got.data)
    path = folder / f"{name}.eml"
    tmp.rename(path)
    return path


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def serve(handler: SinkHandler, *, port: int | None = None, **smtp_options: Any) -> Iterator[str]:  # noqa: ANN401
    """Run an SMTP server with this handler on 127.0.0.1 in a thread of this process; yields its `smtp://` URL.
    `smtp_options` go to aiosmtpd's SMTP (e.g. `tls_context`, `require_starttls`, `authenticator`)."""
    port = port or free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, ready_timeout=10, **smtp_options)
    controller.start()
    try:
        yield f"smtp://127.0.0.1:{port}"
    finally:
        controller.stop()


@contextmanager
def sink_process(folder: Path | None = None) -> Iterator[str]:
    """The sink as a child process (the demo's), keeping messages in `folder` (default `<data>/mail-sink`);
    `MPN_SMTP_URL` points at it for this process and the ones it starts until the block ends."""
    folder, port = folder or sink_dir(), free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "jobs.mail.sink", "--port", str(port), "--dir", str(folder)], stdout=subprocess.DEVNULL
    )
    url = f"smtp://127.0.0.1:{port}"
    saved = os.environ.get("MPN_SMTP_URL")
    try:
        _wait_listening(port, proc)
        os.environ["MPN_SMTP_URL"] = url
        yield url
    finally:
        if saved is None:
            os.environ.pop("MPN_SMTP_URL", None)
        else:
            os.environ["MPN_SMTP_URL"] = saved
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _wait_listening(port: int, proc: subprocess.Popen[bytes]) -> None:
    for _ in range(150):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError("the local SMTP sink did not start") from None
            time.sleep(0.1)
    raise RuntimeError("the local SMTP sink did not start listening")


@dataclass(frozen=True, slots=True)
class SinkFile:
    """One message the sink kept, as Kotak keluar lists it."""

    name: str
    received_at: datetime
    mail_from: str
    rcpt_tos: str
    subject: str
    message_id: str
    attachments: tuple[str, ...]
    size_bytes: int


def kept_messages(folder: Path | None = None, *, limit: int = 50) -> list[SinkFile]:
    """The newest messages the sink kept (newest first); empty when the folder does not exist."""
    folder = folder or sink_dir()
    if not folder.is_dir():
        return []
    found = []
    for path in sorted(folder.glob("*.eml"), reverse=True)[:limit]:
        data = path.read_bytes()
        msg = email.message_from_bytes(data, policy=default)
        found.append(
            SinkFile(
                path.name,
                datetime.fromtimestamp(path.stat().st_mtime, UTC),
                str(msg.get("Return-Path", "")).strip("<>"),
                str(msg.get("X-Sink-Rcpt-To", "")),
                str(msg.get("Subject", "")),
                str(msg.get("Message-ID", "")),
                tuple(p.get_filename() or "" for p in msg.iter_attachments()),
                len(data),
            )
        )  # type: ignore[attr-defined]
    return found


def queue_demo_welcome(engine: Engine, addresses: list[str]) -> bool:
    """The demo's first message (once: dedupe key `demo:welcome`) to these addresses, so Kotak keluar and the sink
    show the outbox at work within a minute of `mpn demo` starting; True when queued now."""
    from queries.mail import outbox as mail

    plain, page = mail.body(
        [
            "Selamat datang di demo MPN Monitor.",
            "Pesan ini dikirim lewat kotak keluar ke server surat lokal demo. Peringatan, ringkasan "
            "harian dan hasil rekonsiliasi untuk bank dikirim dengan cara yang sama.",
        ],
        [("Buka Kotak keluar", mail.page_url("/kotak-keluar"))],
    )
    with engine.begin() as conn:
        return mail.enqueue(
            conn,
            kind="test",
            to=addresses,
            subject="Demo MPN Monitor: surat elektronik aktif",
            text_body=plain,
            html_body=page,
            dedupe_key="demo:welcome",
            created_by="system:demo",
        ).new


def main(argv: list[str] | None = None) -> None:
    """`python -m jobs.mail.sink --port P --dir D`: run the sink until SIGTERM or SIGINT."""
    parser = argparse.ArgumentParser(description="Local SMTP sink: keeps every message as an .eml file.")
    parser.add_argument("--port", type=int, default=8025)
    parser.add_argument("--dir", type=Path, default=None)
    args = parser.parse_args(argv)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    with serve(SinkHandler(args.dir or sink_dir()), port=args.port):
        stop.wait()


if __name__ == "__main__":
    main()
