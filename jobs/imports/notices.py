"""`mpn import notices FILE`: disruption notices from a CSV, all or nothing, as every import.

The file follows CONTRACT §2's dialect (UTF-8 with or without BOM, `,` or `;`, LF or CRLF, named columns matched
case-insensitively, extra columns ignored) with the columns of `queries.letters.notices.FILE_COLUMNS`. A file with any
problem is rejected whole (`FILE:LINE: column: reason`), kept under `rejected/` with its report, logged in
`import_file` (the Data masuk page shows it) and audited, by the same code as the other imports (`jobs.imports.ingest`);
the same content again is a no-op. A letter already recorded with the same content is left alone; with another
content it is a problem of its row: a notice is withdrawn and recorded again, never edited by a file.
"""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path

from sqlalchemy import Connection, Engine

from jobs.imports.ingest import ImportResult, NewFile, import_with
from jobs.imports.read import MAX_PROBLEMS
from queries.accounts.audit import Actor
from queries.csvfile import InputRejected, Problem, read_layout, require_columns, small_rows
from queries.imports import master as qm
from queries.imports import store as q
from queries.letters.notice_work import record_checked
from queries.letters.notices import FILE_COLUMNS, NoticeIn, NoticeRefused, parse_row

log = logging.getLogger(__name__)
log.addHandler(logging.NullHandler())  # the command line prints its own lines
KIND = "notices"
OPTIONAL = ("note",)


def import_notices(
    engine: Engine,
    path: Path | str,
    *,
    label: str | None = None,
    received_at: datetime | None = None,
    actor: Actor | None = None,
    progress: object | None = None,
) -> ImportResult:
    """Import a notices file; raises `InputRejected` (file kept, logged, audited) for a bad one. `progress` is
    accepted for the command line's sake: a notices file is tens of rows."""

    def store(conn: Connection, file: NewFile) -> ImportResult:
        rows = _rows(conn, file.path, file.label, file.started)
        return _store(conn, rows, file.import_id, file.label, file.actor, file.started)

    return import_with(engine, KIND, path, store, label=label, received_at=received_at, actor=actor)


def _rows(conn: Connection, path: Path, label: str, now: datetime) -> list[tuple[int, NoticeIn]]:
    """Every row checked; all problems at once (the first `MAX_PROBLEMS` listed)."""
    layout = read_layout(path, label)
    require_columns(layout, tuple(c for c in FILE_COLUMNS if c not in OPTIONAL), label)
    banks = {b.bank_code for b in qm.banks(conn)}
    rows: list[tuple[int, NoticeIn]] = []
    problems: list[Problem] = []
    seen: dict[tuple[str, str], int] = {}
    for line, values in small_rows(path, label):
        notice, found = parse_row(values, banks=banks, now=now)
        problems += [Problem(label, line, column, why) for column, why in found]
        if notice is None:
            continue
        key = (notice.bank_code, notice.letter_number.lower())
        if key in seen:
            problems.append(Problem(label, line, "letter_number", f"surat yang sama sudah ada di baris {seen[key]}"))
        seen.setdefault(key, line)
        rows.append((line, notice))
    if problems:
        raise InputRejected(problems[:MAX_PROBLEMS], total=len(problems))
    return rows


def _store(
    conn: Connection, rows: list[tuple[int, NoticeIn]], import_id: int, label: str, actor: Actor, now: datetime
) -> ImportResult:
    stored = unchanged = 0
    problems: list[Problem] = []
    for line, notice in rows:
        try:
            _, new = record_checked(conn, notice, actor=actor, now=now, import_id=import_id)
        except NoticeRefused as exc:
            problems.append(Problem(label, line, "letter_number", exc.message))
            continue
        stored, unchanged = stored + new, unchanged + (not new)
    if problems:
        raise InputRejected(problems[:MAX_PROBLEMS], total=len(problems))
    days = sorted(d for _, n in rows for d in (n.period_from.date(), n.period_to.date()))
    first, last = (days[0], days[-1]) if days else (None, None)
    q.finish_import(conn, import_id, rows=len(rows), amount=0, first=first, last=last)
    return ImportResult(
        import_id,
        KIND,
        label,
        "imported",
        len(rows),
        0,
        first,
        last,
        f"{label}: {stored} surat pemberitahuan dicatat"
        + (f", {unchanged} sudah tercatat dan tidak berubah" if unchanged else ""),
    )
