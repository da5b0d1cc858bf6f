"""Serve the dashboard with gunicorn (the same server as the Procfile's `web`), from `mpn web` and `mpn demo`."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from gunicorn.app.base import BaseApplication


class _Gunicorn(BaseApplication):  # type: ignore[misc]
    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        from dashboard.wsgi import server

        return server


def serve(*, host: str, port: int, workers: int = 2, threads: int = 4) -> None:
    """Run the dashboard until interrupted. The database URL is resolved once here (starting the
    embedded server if needed) and handed to the workers through `MPN_DATABASE_URL`."""
    from queries.db import engine, resolve_url

    os.environ["MPN_DATABASE_URL"] = resolve_url()
    # `mpn demo` has used the pool before serving: a forked worker must never reuse the parent's sockets (two
    # processes on one PostgreSQL connection corrupt each other's replies), so close them before forking and let
    # each worker drop what it inherited.
    engine().dispose()
    _Gunicorn(
        {
            "bind": f"{host}:{port}",
            "workers": workers,
            "threads": threads,
            "timeout": 120,
            "accesslog": None,
            "errorlog": "-",
            "loglevel": "warning",
            "post_fork": _fresh_pool,
        }
    ).run()


def _fresh_pool(_server: Any, _worker: Any) -> None:
    """Gunicorn's post-fork hook: the worker starts with an empty pool of its own."""
    from queries.db import engine

    engine().dispose(close=False)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop a child process: SIGTERM, then kill it after 30 s."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@contextmanager
def scheduler_process() -> Iterator[subprocess.Popen[bytes]]:
    """`mpn scheduler` as a child process for the demo (production runs it as the Procfile's worker); it
    is stopped (SIGTERM, then killed after 30 s) when the block ends."""
    from queries.db import resolve_url

    env = {**os.environ, "MPN_DATABASE_URL": resolve_url()}
    proc = subprocess.Popen([sys.executable, "-m", "cli.main", "scheduler"], env=env)
    try:
        yield proc
    finally:
        _stop(proc)


@contextmanager
def target_sim_process(*, fail_rate: float = 0.05, lost_ack_rate: float = 0.02) -> Iterator[str]:
    """`mpn target-sim` as a child process for the demo, with a small fault rate so retries show; its SIDJP and
    SIPMOD URLs are exported (`MPN_SIDJP_URL`, `MPN_SIPMOD_URL`) for this process and the ones it starts.
    Yields the base URL; the simulator stops when the block ends (its data stays in `<data>/target-sim`)."""
    import socket
    import time
    import urllib.request

    from queries import config

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "cli.main",
            "target-sim",
            "--port",
            str(port),
            "--fail-rate",
            str(fail_rate),
            "--lost-ack-rate",
            str(lost_ack_rate),
            "--data",
            str(config.data_dir() / "target-sim"),
        ],
        stdout=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                urllib.request.urlopen(f"{url}/healthz", timeout=1).read()
                break
            except OSError:
                if proc.poll() is not None:
                    raise RuntimeError("mpn target-sim did not start") from None
                time.sleep(0.1)
        saved = {k: os.environ.get(k) for k in ("MPN_SIDJP_URL", "MPN_SIPMOD_URL")}
        os.environ["MPN_SIDJP_URL"], os.environ["MPN_SIPMOD_URL"] = f"{url}/sidjp", f"{url}/sipmod"
        try:
            yield url
        finally:  # the simulator is gone: nothing after this block may keep pointing at it
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
    finally:
        _stop(proc)
