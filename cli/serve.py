"""Serve the dashboard with gunicorn (the same server as the Procfile's `web`), from `mpn web` and `mpn demo`."""

from __future__ import annotations

import os
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
    from queries.db import resolve_url

    os.environ["MPN_DATABASE_URL"] = resolve_url()
    _Gunicorn({"bind": f"{host}:{port}", "workers": workers, "threads": threads, "timeout": 120,
               "accesslog": None, "errorlog": "-", "loglevel": "warning"}).run()
