"""`mpn import`: check a CONTRACT §2 file in one streaming pass and COPY it in, all or nothing.

A producer thread reads the file with pyarrow in blocks, checks and normalises each block
(`jobs.imports.validate`, `jobs.imports.read`) and writes it out as CSV; the main thread streams that into
PostgreSQL's COPY. The two overlap, memory stays bounded by a few blocks, and a file with any problem
is rolled back whole, kept under the data folder's `rejected/` with its report, logged and audited.

Every input ends imported as the file says or rejected (`InputRejected`); only a failure that is not
about the file (the database cannot be reached, the disk is full) propagates as itself.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import NamedTuple

import pyarrow as pa
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DataError, IntegrityError

from jobs.imports.read import BANK_COLUMNS, BIGINT_MAX, MAX_PROBLEMS, MPN_COLUMNS, Checker, Feeder, Progress
from jobs.imports.validate import SPECS, Checked, FileSpec, Master
from queries import config
from queries.accounts.audit import Actor, record
from queries.calendar import calendar_from_db
from queries.csvfile import (
    BARE_CR,
    FileShape,
    InputRejected,
    Layout,
    Problem,
    read_layout,
    require_columns,
    scan_file,
    whole_file,
)
from queries.imports import master as qm
from queries.imports import store as q
from queries.letters.appeals import settle

log = logging.getLogger(__name__)
log.addHandler(logging.NullHandler())  # the command line prints its own lines: no stray log on stderr


class ImportResult(NamedTuple):
    """The outcome of importing one file."""

    import_id: int | None
    kind: str
    file_name: str
    status: str  # imported | duplicate
    rows: int
    amount: int
    first_date: date | None
    last_date: date | None
    message: str


def file_digest(path: Path) -> tuple[str, int]:
    """SHA-256 and size of a file, read in 1 MiB chunks."""
    shape = scan_file(path)
    return shape.sha256, shape.size


def rupiah(amount: int) -> str:
    """`Rp 1.500.000`."""
    return f"Rp {amount:,}".replace(",", ".")


def load_master(conn: Connection, now: datetime | None = None) -> Master:
    """The master codes and cut-offs the checks need, the working calendar and the import moment."""
    banks = qm.banks(conn)
    return Master(
        codes={
            "bank": pa.array([b.bank_code for b in banks], pa.string()),
            "kap": pa.array(sorted(qm.codes(conn, "kap")), pa.string()),
            "kpp": pa.array(sorted(qm.codes(conn, "kpp")), pa.string()),
        },
        cutoffs={b.bank_code: b.cutoff.strftime("%H:%M:%S") for b in banks},
        calendar=calendar_from_db(conn),
        now=now or datetime.now(UTC),
    )


def import_file(
    engine: Engine,
    kind: str,
    path: Path | str,
    *,
    label: str | None = None,
    received_at: datetime | None = None,
    progress: Progress | None = None,
    actor: Actor | None = None,
) -> ImportResult:
    """Import one file of `kind` (mpn, bank, statements); raises `InputRejected` for a bad file.

    The same content imported before is a no-op. A bank batch for a (bank, date) that has one
    supersedes it; the old batch stays as history. Every outcome is audited as done by `actor`
    (default `system:cli`): `import.file`, `import.duplicate` or `import.rejected`.
    """
    spec = SPECS[kind]

    def store(conn: Connection, file: NewFile) -> ImportResult:
        layout = _layout(file.path, file.label, file.shape, spec)
        checker = Checker(spec, file.path, layout, file.shape, load_master(conn, file.started), file.label, progress)
        if kind == "statements":
            return _import_statements(conn, checker, file.import_id, file.actor)
        return _import_bulk(conn, checker, file.import_id, file.received_at)

    return import_with(engine, kind, path, store, label=label, received_at=received_at, actor=actor)


class NewFile(NamedTuple):
    """A file not seen before, being stored: what a kind's store function needs besides the connection."""

    import_id: int
    path: Path
    label: str
    shape: FileShape
    received_at: datetime
    started: datetime
    actor: Actor


Store = Callable[[Connection, NewFile], ImportResult]


def import_with(
    engine: Engine,
    kind: str,
    path: Path | str,
    store: Store,
    *,
    label: str | None = None,
    received_at: datetime | None = None,
    actor: Actor | None = None,
) -> ImportResult:
    """The one shell of every import: the same content again is a no-op; otherwise `store` checks and stores the
    file in one transaction with its `import_file` row and audit entry, and any problem with the content rejects
    it whole (kept, logged, audited)."""
    path = Path(path)
    label = label or str(path)
    actor = actor or Actor.system("cli")
    started = datetime.now(UTC)
    received_at = received_at or started
    shape = scan_file(path)
    with engine.connect() as conn:
        earlier = q.imported_with_hash(conn, kind=kind, sha256=shape.sha256)
    if earlier is not None:
        return _duplicate(engine, actor, earlier, kind, path, label, shape.sha256)
    try:
        return _import_new(engine, kind, store, NewFile(0, path, label, shape, received_at, started, actor))
    except InputRejected as rejected:
        _keep_rejected(engine, actor, kind, path, label, shape, received_at, started, rejected)
        raise
    except _Duplicate:
        with engine.connect() as conn:
            earlier = q.imported_with_hash(conn, kind=kind, sha256=shape.sha256)
        return _duplicate(engine, actor, earlier, kind, path, label, shape.sha256)


class _Duplicate(Exception):
    """The same content was imported concurrently by another process."""


def _import_new(engine: Engine, kind: str, store: Store, file: NewFile) -> ImportResult:
    """Check and store a file not seen before; every failure about its content becomes `InputRejected`."""
    label = file.label
    try:
        with engine.begin() as conn:
            import_id = q.start_import(
                conn,
                kind=kind,
                file_name=file.path.name,
                sha256=file.shape.sha256,
                size=file.shape.size,
                received_at=file.received_at,
                started_at=file.started,
            )
            result = store(conn, file._replace(import_id=import_id))
            # Last, just before commit: the audit insert locks the chain head until the transaction ends.
            _audit(conn, file.actor, "import.file", result, file.path, file.shape.sha256)
            return result
    except IntegrityError as exc:
        if "uq_import_file_content" in str(exc.orig):  # the same file imported concurrently
            raise _Duplicate() from exc
        raise _database_refused(label, exc) from exc
    except DataError as exc:
        raise _database_refused(label, exc) from exc
    except (InputRejected, OSError, MemoryError):
        raise  # a rejection already; or not about the file: the disk, the memory
    except Exception as exc:
        if _outage(exc):
            raise
        log.exception("import of %s failed unexpectedly; rejecting the file", label)
        raise InputRejected(
            [
                whole_file(
                    label,
                    f"berkas tidak dapat diproses ({type(exc).__name__}: "
                    f"{str(exc).splitlines()[0] if str(exc) else '-'})",
                )
            ]
        ) from exc


def _outage(exc: Exception) -> bool:
    """True for failures of the database itself (unreachable, restarted, an older schema), not of the file."""
    from sqlalchemy.exc import DBAPIError, SQLAlchemyError

    if isinstance(exc, DBAPIError):
        return not isinstance(exc, DataError | IntegrityError)
    return isinstance(exc, SQLAlchemyError)


def _database_refused(label: str, exc: DataError | IntegrityError) -> InputRejected:
    """A value the database refused (a CHECK constraint, a total beyond bigint): the file is rejected."""
    detail = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
    return InputRejected([whole_file(label, f"basis data menolak isi berkas: {detail}")])


def _layout(path: Path, label: str, shape: FileShape, spec: FileSpec) -> Layout:
    """The header, once the file's line ends are known to be LF or CRLF."""
    layout = read_layout(path, label)
    if shape.bare_cr_line is not None:
        raise InputRejected([Problem(label, shape.bare_cr_line, "-", BARE_CR)])
    require_columns(layout, spec.names, label)
    return layout


def _audit(conn: Connection, actor: Actor, action: str, result: ImportResult, path: Path, sha: str) -> None:
    """One audit row for an imported or duplicate file: what came in, never the file's content."""
    after: dict[str, object] = {"kind": result.kind, "file_name": path.name, "sha256": sha}
    if result.status == "imported":
        after |= {
            "rows": int(result.rows),
            "amount": int(result.amount),
            "first_date": result.first_date,
            "last_date": result.last_date,
        }
    record(conn, actor, action, object_type="file", object_id=str(result.import_id or ""), after=after)


def _duplicate(
    engine: Engine, actor: Actor, import_id: int | None, kind: str, path: Path, label: str, sha: str
) -> ImportResult:
    """The same content was imported before (`import_id`): nothing to do but say so and audit it."""
    result = ImportResult(
        import_id,
        kind,
        label,
        "duplicate",
        0,
        0,
        None,
        None,
        f"{label}: isi yang sama sudah diimpor (impor #{import_id}); tidak ada yang dilakukan",
    )
    with engine.begin() as conn:
        _audit(conn, actor, "import.duplicate", result, path, sha)
    return result


def _keep_rejected(
    engine: Engine,
    actor: Actor,
    kind: str,
    path: Path,
    label: str,
    shape: FileShape,
    received_at: datetime,
    started: datetime,
    rejected: InputRejected,
) -> None:
    """Keep a rejected file and its report under `<data>/rejected/`, log and audit it."""
    report = rejected.report()
    kept = keep_rejected(kind, path, started, report)
    log.warning("%s: rejected (%d problems), kept as %s", label, rejected.total, kept)
    with engine.begin() as conn:
        import_id = q.record_rejection(
            conn,
            kind=kind,
            file_name=path.name,
            sha256=shape.sha256,
            size=shape.size,
            received_at=received_at,
            started_at=started,
            error_count=rejected.total,
            report=report,
            kept_path=str(kept),
        )
        record(
            conn,
            actor,
            "import.rejected",
            object_type="file",
            object_id=str(import_id),
            after={"kind": kind, "file_name": path.name, "sha256": shape.sha256, "errors": rejected.total},
        )


def keep_rejected(kind: str, path: Path, started: datetime, report: str) -> Path:
    """Copy a rejected file to `<data>/rejected/` with `<name>.errors.txt` beside it; returns the copy."""
    folder = config.rejected_dir()
    folder.mkdir(parents=True, exist_ok=True)
    kept = folder / f"{started:%Y%m%dT%H%M%S%f}_{kind}_{path.name}"
    shutil.copyfile(path, kept)
    kept.with_name(kept.name + ".errors.txt").write_text(report, encoding="utf-8")
    return kept


def _import_bulk(conn: Connection, checker: Checker, import_id: int, received_at: datetime) -> ImportResult:
    """MPN records or a bank batch: COPY into a stage, then publish into the daily partitions."""
    spec, label = checker.spec, checker.label
    is_bank = spec.kind == "bank"
    parent = "bank_batch_row" if is_bank else "mpn_record"
    owner_id = q.reserve_batch_id(conn) if is_bank else import_id
    stage = q.create_stage(conn, parent=parent, import_id=import_id)
    feeder = Feeder(checker, owner_id)
    try:
        q.copy_csv(
            conn,
            table=stage,
            columns=BANK_COLUMNS if is_bank else MPN_COLUMNS,
            source=feeder,
            not_null=() if is_bank else ("taxpayer_name",),
        )
    except BaseException:
        feeder.cancel()
        raise
    problems, total = feeder.problems()
    if problems:
        raise InputRejected(problems, total=total)
    totals = q.stage_totals(conn, stage)
    rows = sum(t.rows for t in totals)
    amount = sum(t.amount for t in totals)
    if is_bank and rows == 0:
        raise InputRejected([whole_file(label, "batch bank harus berisi paling sedikit satu baris data")])
    if not is_bank:
        q.add_bank_days(conn, stage)
    q.publish_stage(conn, parent=parent, stage=stage, dates=[t.business_date for t in totals])
    first = totals[0].business_date if totals else None
    last = totals[-1].business_date if totals else None
    bank_code = checker.batch_key[0] if is_bank and checker.batch_key else None
    note = ""
    if is_bank:
        assert first is not None and bank_code is not None
        old = q.register_batch(
            conn,
            batch_id=owner_id,
            import_id=import_id,
            bank_code=bank_code,
            business_date=first,
            received_at=received_at,
            rows=rows,
            amount=amount,
        )
        note = f"; menggantikan batch #{old}" if old is not None else ""
    q.finish_import(conn, import_id, rows=rows, amount=amount, first=first, last=last, bank_code=bank_code)
    span = f"{first}" if first == last else f"{first}..{last}"
    return ImportResult(
        import_id,
        spec.kind,
        label,
        "imported",
        rows,
        amount,
        first,
        last,
        f"{label}: {rows} baris diimpor, {rupiah(amount)}" + (f", tanggal buku {span}" if first else "") + note,
    )


def _import_statements(conn: Connection, checker: Checker, import_id: int, actor: Actor) -> ImportResult:
    """Statement letters: tens of rows, stored one by one with supersede rules."""
    label = checker.label
    letters: list[tuple[int, q.LetterIn]] = []
    problems: list[tuple[int, str, str]] = []
    seen: dict[tuple[str, str], int] = {}
    try:
        for checked in checker.batches(use_threads=False):
            problems += _second_letters(checked, seen)
            if not checked.problems:
                letters += _letters(checked)
    except Exception as exc:
        found = checker.read_failure(exc)
        if found is None:
            raise
        raise InputRejected(found) from None
    listed, total = checker.problems()
    if problems:
        listed = sorted(
            listed + [Problem(label, ln, col, why) for ln, col, why in problems[:MAX_PROBLEMS]],
            key=lambda p: (p.line or 0, p.column),
        )
        total += len(problems)
    amount = sum(letter.declared_amount for _, letter in letters)
    if not listed and amount > BIGINT_MAX:
        listed, total = [whole_file(label, "jumlah declared_amount seluruh berkas melebihi batas penyimpanan")], 1
    if listed:
        raise InputRejected(listed, total=total)
    stored = sum(q.store_letter(conn, letter, import_id=import_id) for _, letter in letters)
    if stored:
        settle(conn, actor=actor, bank_codes=sorted({letter.bank_code for _, letter in letters}))
    days = sorted(letter.business_date for _, letter in letters)
    first, last = (days[0], days[-1]) if days else (None, None)
    q.finish_import(conn, import_id, rows=len(letters), amount=amount, first=first, last=last)
    unchanged = len(letters) - stored
    return ImportResult(
        import_id,
        "statements",
        label,
        "imported",
        len(letters),
        amount,
        first,
        last,
        f"{label}: {stored} surat pernyataan disimpan" + (f", {unchanged} tidak berubah" if unchanged else ""),
    )


def _second_letters(checked: Checked, seen: dict[tuple[str, str], int]) -> list[tuple[int, str, str]]:
    """A file holds at most one letter per (bank, business date)."""
    out = []
    keys = zip(
        checked.lines.to_pylist(),
        checked.columns["bank_code"].to_pylist(),
        checked.columns["business_date"].to_pylist(),
        strict=True,
    )
    for ln, bank, day in keys:
        if (bank, day) in seen:
            out.append((ln, "bank_code", f"surat kedua untuk {bank} {day} (yang pertama di baris {seen[bank, day]})"))
        seen.setdefault((bank, day), ln)
    return out


def _letters(checked: Checked) -> list[tuple[int, q.LetterIn]]:
    cols = {k: v.to_pylist() for k, v in checked.columns.items()}
    out = []
    for i, line in enumerate(checked.lines.to_pylist()):
        out.append(
            (
                line,
                q.LetterIn(
                    cols["bank_code"][i],
                    date.fromisoformat(cols["business_date"][i]),
                    cols["letter_number"][i],
                    date.fromisoformat(cols["letter_date"][i]),
                    datetime.fromisoformat(cols["received_at"][i].replace(" ", "T")),
                    int(cols["declared_count"][i]),
                    int(cols["declared_amount"][i]),
                    cols["signer"][i],
                ),
            )
        )
    return out
