"""Settings read from the environment (CONTRACT §1), with the defaults the demo uses."""

from __future__ import annotations

import os
from pathlib import Path
from zoneinfo import ZoneInfo


def data_dir() -> Path:
    """Folder for the embedded database, kept and rejected files (`MPN_DATA_DIR`, default `./.mpn`)."""
    return Path(os.environ.get("MPN_DATA_DIR", ".mpn")).expanduser().resolve()


def database_url() -> str | None:
    """The external database URL (`MPN_DATABASE_URL`), or None for the embedded server."""
    url = os.environ.get("MPN_DATABASE_URL", "").strip()
    return url or None


def timezone() -> ZoneInfo:
    """Time zone of schedules and of 'today' (`MPN_TIMEZONE`, default Asia/Jakarta)."""
    return ZoneInfo(os.environ.get("MPN_TIMEZONE", "Asia/Jakarta"))


def rejected_dir() -> Path:
    """Where rejected input files are kept with their error report."""
    return data_dir() / "rejected"
