"""A worker's memory of login-throttle refusals, and the WSGI layer that answers a refused address at once.

PostgreSQL counts every login attempt (`queries.accounts.sessions.claim_attempt`) and is the only authority: it
refuses an address or an account name for the rest of a window, for every worker. Once a worker has heard
such a refusal it keeps it in memory until the window ends, and `RefusedAddresses` answers that address's
next `POST /login` before Flask runs at all: a flood costs the server a fraction of a millisecond per
attempt and no database work, so logged-in users keep their share of the workers.
"""

from __future__ import annotations

import html
import math
import time
from collections.abc import Callable, Iterable
from typing import Any

REMEMBERED = 10_000  # refusals a worker keeps in memory
MESSAGE = "Terlalu banyak percobaan masuk yang gagal. Coba lagi dalam {minutes} menit."

Refusals = dict[tuple[str, str], float]  # (kind, key) -> monotonic time the refusal ends


def remember(refused: Refusals, kind: str, key: str, seconds: int) -> None:
    """Keep a refusal of `kind` (`address`/`account`) for `key` for `seconds` (until its window ends)."""
    now = time.monotonic()
    if len(refused) >= REMEMBERED:
        for old in [old for old, until in refused.items() if until <= now]:
            refused.pop(old, None)
        if len(refused) >= REMEMBERED:
            refused.clear()  # a flood of distinct addresses: forget; the database still counts them
    refused[(kind, key[:128])] = now + seconds


def seconds_left(refused: Refusals, address: str, account: str | None = None) -> int | None:
    """Seconds left of a remembered refusal of the address (or the account name), or None."""
    now = time.monotonic()
    until = refused.get(("address", address[:128]), 0.0)
    if account is not None:
        until = max(until, refused.get(("account", account[:128]), 0.0))
    return math.ceil(until - now) if until > now else None


def refused_page(seconds: int) -> str:
    """The page a refused address gets (no form: there is nothing to send until the window ends)."""
    message = html.escape(MESSAGE.format(minutes=max(1, math.ceil(seconds / 60))))
    return f"""<!doctype html>
<html lang="id"><head><meta charset="utf-8"><title>Masuk · MPN Monitor</title>
<link rel="stylesheet" href="/assets/bootstrap.min.css"><link rel="stylesheet" href="/assets/mpn.css"></head>
<body class="mpn-login-page"><main class="mpn-login"><div class="card mpn-login-card"><div class="card-body">
<h1 class="h5 mb-3">Masuk</h1><div id="login-message" class="alert alert-danger py-2" role="alert">{message}</div>
<a href="/login">Kembali ke halaman masuk</a></div></div></main></body></html>"""


class RefusedAddresses:
    """WSGI middleware: `POST /login` from an address this worker knows is refused gets 429 before Flask runs."""

    def __init__(
        self, app: Callable[..., Iterable[bytes]], refused: Refusals, headers: Callable[[], list[tuple[str, str]]]
    ) -> None:
        self.app, self.refused, self.headers = app, refused, headers

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        """Answer a refused address's login at once; pass everything else on."""
        if environ.get("REQUEST_METHOD") == "POST" and environ.get("PATH_INFO") == "/login":
            seconds = seconds_left(self.refused, environ.get("REMOTE_ADDR") or "")
            if seconds is not None:
                body = refused_page(seconds).encode()
                start_response(
                    "429 Too Many Requests",
                    [
                        ("Content-Type", "text/html; charset=utf-8"),
                        ("Content-Length", str(len(body))),
                        ("Retry-After", str(seconds)),
                        ("Cache-Control", "no-store"),
                        *self.headers(),
                    ],
                )
                return [body]
        return self.app(environ, start_response)
