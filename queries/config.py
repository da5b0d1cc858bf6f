"""Settings read from the environment (CONTRACT §1), with the defaults the demo uses."""

from __future__ import annotations

import json
import os
import secrets
from datetime import datetime
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


def now() -> datetime:
    """The present moment in the schedule time zone (what pages compare deadlines with)."""
    return datetime.now(timezone())


def rejected_dir() -> Path:
    """Where rejected input files are kept with their error report."""
    return data_dir() / "rejected"


def inbox_dir() -> Path:
    """Folder the scheduler picks dropped input files up from (`MPN_INBOX`, default `<data>/inbox`)."""
    folder = os.environ.get("MPN_INBOX", "").strip()
    return Path(folder).expanduser().resolve() if folder else data_dir() / "inbox"


def secret_key() -> str:
    """The key that signs session cookies: `MPN_SECRET_KEY`, else one generated once into the data folder.

    Every web worker reads the same file, so sessions survive restarts and work across workers.
    Set `MPN_SECRET_KEY` in production when several hosts serve the dashboard.
    """
    key = os.environ.get("MPN_SECRET_KEY", "").strip()
    if key:
        return key
    path = data_dir() / "secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".secret_key.{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(secrets.token_urlsafe(48) + "\n")
    try:
        os.link(tmp, path)  # atomic: the first worker's key wins, the others read it
    except FileExistsError:
        pass
    finally:
        tmp.unlink()
    return path.read_text().strip()


def target_url(target: str) -> str | None:
    """Base URL of target `sidjp` or `sipmod` (CONTRACT §1): `MPN_SIDJP_URL` / `MPN_SIPMOD_URL`, else the built-in
    simulator's endpoint while `mpn target-sim` runs (it writes `<data>/target-sim.json`), else None."""
    url = os.environ.get(f"MPN_{target.upper()}_URL", "").strip()
    if url:
        return url
    try:
        running = json.loads((data_dir() / "target-sim.json").read_text())
        os.kill(int(running["pid"]), 0)  # raises when the simulator's process is gone
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return f"{str(running['url']).rstrip('/')}/{target}"
