"""`mpn master import`: check a master-data file (CONTRACT §2.4) and upsert it, or reject it whole and keep it.

A rejected file is kept under the data folder's `rejected/` with its report and the rejection is audited
(`master.rejected`), as for the other input files; master files have no `import_file` row (that log is
for the data files of §2.1-2.3).
"""

from __future__ import annotations

import logging
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.exc import DataError, IntegrityError

from jobs.imports.ingest import keep_rejected
from queries.accounts.audit import Actor, record
from queries.accounts.users import administering
from queries.csvfile import InputRejected, whole_file
from queries.imports.master import UpsertResult, parse_master_file, upsert_master

log = logging.getLogger(__name__)
log.addHandler(logging.NullHandler())  # the command line prints its own lines: no stray log on stderr


def import_master(
    engine: Engine, kind: str, path: Path, *, label: str | None = None, actor: Actor | None = None
) -> UpsertResult:
    """Upsert master data of `kind` from `path`; raises `InputRejected` (file kept, audited) for a bad file, and
    `UserError` (nothing read or kept) when `actor` may not change master data."""
    label = label or str(path)
    actor = actor or Actor.system("cli")
    administering(actor, "mengimpor data induk")
    started = datetime.now(UTC)
    try:
        try:
            rows = parse_master_file(kind, path, label)
            with engine.begin() as conn:
                return upsert_master(conn, kind, rows, label, actor=actor)
        except (DataError, IntegrityError) as exc:
            detail = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
            raise InputRejected([whole_file(label, f"basis data menolak isi berkas: {detail}")]) from exc
    except InputRejected as rejected:
        kept = keep_rejected(f"master-{kind}", path, started, rejected.report())
        log.warning("%s: master %s rejected (%d problems), kept as %s", label, kind, rejected.total, kept)
        with engine.begin() as conn:
            record(
                conn,
                actor,
                "master.rejected",
                object_type="master",
                object_id=kind,
                after={"file_name": path.name, "errors": rejected.total, "kept_path": str(kept)},
            )
        raise


def import_master_upload(engine: Engine, kind: str, name: str, data: bytes, *, actor: Actor) -> UpsertResult:
    """An uploaded file (the Data induk page), imported exactly as `mpn master import KIND FILE` imports it: written
    to a private temporary folder under its (already sanitised) `name`, so a rejection keeps and names it the same."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        return import_master(engine, kind, path, label=name, actor=actor)
