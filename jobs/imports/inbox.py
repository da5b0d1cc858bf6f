"""The scheduler's inbox pickup: import files dropped in `<inbox>/{mpn,bank,statements}/`, then file them away.

Each file goes through `jobs.imports.ingest.import_file`, the same path as `mpn import`, and is then moved to
`archive/<kind>/<date>/` (imported or already known) or `rejected/<kind>/<date>/` with its error report,
so the inbox only ever holds what is still to do. Files still being written are left for the next run,
and an advisory lock keeps two pickups from importing the same file twice.

Only an outage (the database cannot be reached, the disk) leaves a file in the inbox, with the reason in
the run's message; every problem of the file's content rejects it. A drop already rejected whose move
failed is never checked again: the next run moves it with the report it got (no retry storm).
"""

from __future__ import annotations

import logging
import os
import stat
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple

from sqlalchemy import Engine

from jobs.imports.ingest import import_file
from queries import config
from queries.accounts.audit import Actor
from queries.csvfile import InputRejected
from queries.db import session_unlock, try_session_lock
from queries.imports.store import rejected_drop
from queries.plausibility import EARLIEST_DATE

log = logging.getLogger(__name__)

KINDS = ("mpn", "bank", "statements")  # pickup order: a letter never arrives before the batch it vouches for
IGNORED_SUFFIXES = (".part", ".tmp")  # writers upload under a temporary name, then rename
RECHECK_YOUNGER_THAN = 60.0  # seconds: files this young are stat'ed twice to see whether they still grow
RECHECK_PAUSE = 0.2
LOCK_PARTS = ("inbox",)  # the same lock as `queries.db.session_lock(engine, "inbox")`


@dataclass(frozen=True)
class InboxOutcome:
    """What one pickup did: file names by outcome, rows imported, and files left behind with the reason."""

    imported: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    left: list[str] = field(default_factory=list)  # "name: message" of files that failed and stay in the inbox
    rows: int = 0
    waiting: list[str] = field(default_factory=list)  # still being written: picked up next time
    busy: bool = False  # another pickup held the lock: nothing was done

    @property
    def ok(self) -> bool:
        """False when a file failed for a reason other than its content (it stays for the next run)."""
        return not self.left

    @property
    def message(self) -> str:
        """One line in Indonesian for the scheduler's run history and the log."""
        if self.busy:
            return "Pengambilan kotak masuk lain sedang berjalan; tidak ada berkas yang diambil"
        text_ = (
            f"{len(self.imported)} berkas diimpor ({_thousands(self.rows)} baris), "
            f"{len(self.rejected)} ditolak, {len(self.duplicates)} sama dengan sebelumnya"
        )
        if self.left:
            text_ += f", {len(self.left)} gagal (tetap di kotak masuk)"
        if self.waiting:
            text_ += f", {len(self.waiting)} belum selesai ditulis"
        return text_


class _Dropped(NamedTuple):
    kind: str
    path: Path
    mtime: float
    size: int


def _thousands(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def pickup(
    engine: Engine,
    inbox: Path | None = None,
    *,
    actor: Actor | None = None,
    now: datetime | None = None,
    settle_seconds: float = 5.0,
) -> InboxOutcome:
    """Import every settled file in the inbox (mpn, then bank, then statements) and move it out of the way.

    A file the importer rejects goes to `rejected/` with `<name>.errors.txt`; any other failure (say the
    database is down) leaves the file where it is and is listed in `left`, after the other files were tried.
    When another pickup is running this returns at once with `busy` set. `now` is the pickup time (default
    the clock): a file whose mtime is less than `settle_seconds` before it is left for the next run.
    """
    inbox = inbox or config.inbox_dir()
    actor = actor or Actor.system("scheduler")
    now = now or datetime.now(UTC)
    for kind in KINDS:
        (inbox / kind).mkdir(parents=True, exist_ok=True)
    with _try_session_lock(engine, *LOCK_PARTS) as held:
        if not held:
            log.info("inbox pickup skipped: another pickup is running")
            return InboxOutcome(busy=True)
        ready, waiting = _settled(_dropped(inbox), now.timestamp(), settle_seconds)
        day = now.astimezone(config.timezone()).date().isoformat()
        out: dict[str, list[str]] = {"imported": [], "duplicate": [], "rejected": [], "left": []}
        rows = 0
        for item in ready:
            rows += _pick_one(engine, inbox, item, day, actor, out)
    outcome = InboxOutcome(
        out["imported"], out["duplicate"], out["rejected"], out["left"], rows, [w.path.name for w in waiting]
    )
    log.info("inbox pickup: %s", outcome.message)
    return outcome


def _pick_one(engine: Engine, inbox: Path, item: _Dropped, day: str, actor: Actor, out: dict[str, list[str]]) -> int:
    """Import one file and move it to archive/ or rejected/; returns the rows imported."""
    name = item.path.name
    received_at = _arrival(item.mtime)
    try:
        with engine.connect() as conn:
            earlier = rejected_drop(conn, kind=item.kind, file_name=name, size=item.size, received_at=received_at)
        if earlier is not None:  # rejected by an earlier run that could not move it: move it now, nothing else
            _reject(inbox, item, day, earlier[1], out)
            return 0
        result = import_file(engine, item.kind, item.path, label=name, received_at=received_at, actor=actor)
    except InputRejected as rejected:
        log.warning("inbox: %s/%s rejected (%d problems)", item.kind, name, rejected.total)
        _reject(inbox, item, day, rejected.report(), out)
        return 0
    except Exception as exc:  # noqa: BLE001 - an outage: the file stays for the next run, the reason is reported
        log.exception("inbox: %s/%s failed; left for the next run", item.kind, name)
        out["left"].append(f"{item.kind}/{name}: {type(exc).__name__}: {exc}".splitlines()[0])
        return 0
    try:
        _move(item.path, inbox / "archive" / item.kind / day)
    except OSError as exc:  # imported; the next run sees a duplicate and archives it
        out["left"].append(f"{item.kind}/{name}: diimpor, tetapi tidak dapat dipindahkan: {exc}")
    log.info("inbox: %s", result.message)
    if result.status == "duplicate":
        out["duplicate"].append(name)
        return 0
    out["imported"].append(name)
    return int(result.rows)


def _arrival(mtime: float) -> datetime:
    """When a file arrived: its mtime, unless that is implausible (a clock in the future or before 2000)."""
    arrived, now = datetime.fromtimestamp(mtime, UTC), datetime.now(UTC)
    return arrived if EARLIEST_DATE <= arrived.date() and arrived <= now else now


def _reject(inbox: Path, item: _Dropped, day: str, report: str, out: dict[str, list[str]]) -> None:
    """Move a rejected file to `rejected/<kind>/<day>/` with its report beside it."""
    try:
        kept = _move(item.path, inbox / "rejected" / item.kind / day, sidecar=".errors.txt")
        kept.with_name(kept.name + ".errors.txt").write_text(report, encoding="utf-8")
    except OSError as exc:
        out["left"].append(f"{item.kind}/{item.path.name}: ditolak, tetapi tidak dapat dipindahkan: {exc}")
    out["rejected"].append(item.path.name)


def _dropped(inbox: Path) -> list[_Dropped]:
    """Candidate files in pickup order: kind by kind, each by mtime then name."""
    found: list[_Dropped] = []
    for rank, kind in enumerate(KINDS):
        files = []
        with os.scandir(inbox / kind) as entries:
            for entry in entries:
                name = entry.name
                lower = name.lower()
                if name.startswith(".") or lower.endswith(IGNORED_SUFFIXES) or not lower.endswith(".csv"):
                    continue
                try:
                    st = entry.stat(follow_symlinks=False)
                except FileNotFoundError:  # renamed away meanwhile
                    continue
                if stat.S_ISREG(st.st_mode):
                    files.append((rank, st.st_mtime, name, _Dropped(kind, Path(entry.path), st.st_mtime, st.st_size)))
        found += [f[3] for f in sorted(files, key=lambda f: f[:3])]
    return found


def _settled(files: list[_Dropped], now: float, settle_seconds: float) -> tuple[list[_Dropped], list[_Dropped]]:
    """Split files into (ready, still being written): too young, or young and changing between two looks."""
    young = [f for f in files if now - f.mtime < RECHECK_YOUNGER_THAN]
    if any(now - f.mtime >= settle_seconds for f in young):
        time.sleep(RECHECK_PAUSE)  # one pause for all young files, not one each
    ready, waiting = [], []
    for f in files:
        age = now - f.mtime
        if age < settle_seconds:
            waiting.append(f)
        elif age < RECHECK_YOUNGER_THAN and _changed(f):
            waiting.append(f)
        else:
            ready.append(f)
    return ready, waiting


def _changed(f: _Dropped) -> bool:
    try:
        st = f.path.stat(follow_symlinks=False)
    except FileNotFoundError:
        return True
    return (st.st_size, st.st_mtime) != (f.size, f.mtime)


def _move(path: Path, folder: Path, *, sidecar: str = "") -> Path:
    """Move `path` into `folder` under its name, or `name.1.csv`, `name.2.csv`… on a clash; never overwrites."""
    folder.mkdir(parents=True, exist_ok=True)
    stem, suffix = os.path.splitext(path.name)
    n = 0
    while True:
        target = folder / (path.name if n == 0 else f"{stem}.{n}{suffix}")
        n += 1
        if sidecar and target.with_name(target.name + sidecar).exists():
            continue
        try:
            os.link(path, target)  # fails if the target exists: no overwrite, even in a race
        except FileExistsError:
            continue
        except OSError:  # a file system without hard links
            if target.exists():
                continue
            os.rename(path, target)
            return target
        path.unlink()
        return target


@contextmanager
def _try_session_lock(engine: Engine, *parts: object) -> Iterator[bool]:
    """Try a session-level advisory lock on a dedicated connection; yields whether it is held.

    Unlike `queries.db.session_lock` this never waits: a second pickup returns at once.
    """
    with engine.connect() as conn:
        held = try_session_lock(conn, *parts)
        conn.commit()  # keep only the session lock: an open transaction would block partition DDL
        try:
            yield held
        finally:
            if held:
                try:
                    session_unlock(conn, *parts)
                    conn.commit()
                except Exception:  # noqa: BLE001 - closing the session below releases the lock
                    log.warning("inbox: could not release the pickup lock; dropping the connection", exc_info=True)
                    conn.invalidate()  # never hand a connection that may still hold the lock back to the pool
