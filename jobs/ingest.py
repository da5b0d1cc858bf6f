"""`mpn import`: check a CONTRACT §2 file in one streaming pass and COPY it in, all or nothing.

A producer thread reads the file with pyarrow in blocks, checks and normalises each block
(`jobs.validate`) and writes it out as CSV; the main thread streams that into PostgreSQL's COPY. The
two overlap, memory stays bounded by a few blocks, and a file with any problem is rolled back whole,
kept under the data folder's `rejected/` with its report, and logged.
"""

from __future__ import annotations

import csv
import hashlib
import io
import queue
import shutil
import threading
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import NamedTuple

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import IntegrityError

from jobs.csvfile import BOM, InputRejected, Layout, Problem, read_layout, require_columns
from jobs.validate import SPECS, Checked, FileSpec, Master, check_batch
from jobs.workdays import calendar_from_db
from queries import config
from queries import imports as q
from queries import master as qm
from queries.appeal_letters import settle
from queries.audit import Actor, record

Progress = Callable[[int, int], None]
MAX_PROBLEMS = 1000  # listed one by one; the rest are counted
BLOCK = 1 << 22

MPN_COLUMNS = ("business_date", "import_id", "line", "record_type", "ntpn", "billing_code", "bank_code",
               "branch_code", "ntb", "paid_at", "utc_offset", "npwp", "taxpayer_name", "kap", "kjs",
               "tax_period", "kpp_code", "amount")
BANK_COLUMNS = ("business_date", "batch_id", "line", "bank_code", "ntpn", "ntb", "paid_at", "utc_offset",
                "derived_date", "npwp", "kap", "kjs", "tax_period", "kpp_code", "amount")


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
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def load_master(conn: Connection) -> Master:
    """The master codes and cut-offs the checks need, and the working calendar."""
    banks = qm.banks(conn)
    return Master(
        codes={
            "bank": pa.array([b.bank_code for b in banks], pa.string()),
            "kap": pa.array(sorted(qm.codes(conn, "kap")), pa.string()),
            "kpp": pa.array(sorted(qm.codes(conn, "kpp")), pa.string()),
        },
        cutoffs={b.bank_code: b.cutoff.strftime("%H:%M:%S") for b in banks},
        calendar=calendar_from_db(conn),
    )


def import_file(engine: Engine, kind: str, path: Path | str, *, label: str | None = None,
                received_at: datetime | None = None, progress: Progress | None = None,
                actor: Actor | None = None) -> ImportResult:
    """Import one file of `kind` (mpn, bank, statements); raises `InputRejected` for a bad file.

    The same content imported before is a no-op. A bank batch for a (bank, date) that has one
    supersedes it; the old batch stays as history. Every outcome is audited as done by `actor`
    (default `system:cli`): `import.file`, `import.duplicate` or `import.rejected`.
    """
    path = Path(path)
    label = label or str(path)
    actor = actor or Actor.system("cli")
    spec = SPECS[kind]
    started = datetime.now(UTC)
    received_at = received_at or started
    sha, size = file_digest(path)
    with engine.connect() as conn:
        earlier = q.imported_with_hash(conn, kind=kind, sha256=sha)
    if earlier is not None:
        return _duplicate(engine, actor, earlier, kind, path, label, sha)
    try:
        layout = read_layout(path, label)
        require_columns(layout, spec.names, label)
        with engine.begin() as conn:
            import_id = q.start_import(conn, kind=kind, file_name=path.name, sha256=sha, size=size,
                                       received_at=received_at, started_at=started)
            master = load_master(conn)
            if kind == "statements":
                result = _import_statements(conn, spec, path, layout, master, import_id, label, actor)
            else:
                result = _import_bulk(conn, spec, path, layout, master, import_id, label, received_at, progress)
            # Last, just before commit: the audit insert locks the chain head until the transaction ends.
            _audit(conn, actor, "import.file", result, path, sha)
            return result
    except InputRejected as rejected:
        _keep_rejected(engine, actor, kind, path, label, sha, size, received_at, started, rejected)
        raise
    except IntegrityError as exc:
        if "uq_import_file_content" in str(exc.orig):  # the same file imported concurrently
            with engine.connect() as conn:
                earlier = q.imported_with_hash(conn, kind=kind, sha256=sha)
            return _duplicate(engine, actor, earlier, kind, path, label, sha)
        raise


def _audit(conn: Connection, actor: Actor, action: str, result: ImportResult, path: Path, sha: str) -> None:
    """One audit row for an imported or duplicate file: what came in, never the file's content."""
    after: dict[str, object] = {"kind": result.kind, "file_name": path.name, "sha256": sha}
    if result.status == "imported":
        after |= {"rows": int(result.rows), "amount": int(result.amount), "first_date": result.first_date,
                  "last_date": result.last_date}
    record(conn, actor, action, object_type="file", object_id=str(result.import_id or ""), after=after)


def _duplicate(engine: Engine, actor: Actor, import_id: int | None, kind: str, path: Path, label: str,
               sha: str) -> ImportResult:
    """The same content was imported before (`import_id`): nothing to do but say so and audit it."""
    result = ImportResult(import_id, kind, label, "duplicate", 0, 0, None, None,
                          f"{label}: same content already imported (import #{import_id}); nothing to do")
    with engine.begin() as conn:
        _audit(conn, actor, "import.duplicate", result, path, sha)
    return result


def _keep_rejected(engine: Engine, actor: Actor, kind: str, path: Path, label: str, sha: str, size: int,
                   received_at: datetime, started: datetime, rejected: InputRejected) -> None:
    """Keep a rejected file and its report under `<data>/rejected/`, log and audit it."""
    folder = config.rejected_dir()
    folder.mkdir(parents=True, exist_ok=True)
    kept = folder / f"{started:%Y%m%dT%H%M%S%f}_{kind}_{path.name}"
    shutil.copyfile(path, kept)
    report = rejected.report()
    kept.with_name(kept.name + ".errors.txt").write_text(report, encoding="utf-8")
    with engine.begin() as conn:
        import_id = q.record_rejection(conn, kind=kind, file_name=path.name, sha256=sha, size=size,
                                       received_at=received_at, started_at=started, error_count=rejected.total,
                                       report=report, kept_path=str(kept))
        record(conn, actor, "import.rejected", object_type="file", object_id=str(import_id),
               after={"kind": kind, "file_name": path.name, "sha256": sha, "errors": rejected.total})


def _import_bulk(conn: Connection, spec: FileSpec, path: Path, layout: Layout, master: Master, import_id: int,
                 label: str, received_at: datetime, progress: Progress | None) -> ImportResult:
    """MPN records or a bank batch: COPY into a stage, then publish into the daily partitions."""
    is_bank = spec.kind == "bank"
    parent = "bank_batch_row" if is_bank else "mpn_record"
    owner_id = q.reserve_batch_id(conn) if is_bank else import_id
    stage = q.create_stage(conn, parent=parent, import_id=import_id)
    feeder = Feeder(spec, path, layout, master, owner_id, label, progress)
    try:
        q.copy_csv(conn, table=stage, columns=BANK_COLUMNS if is_bank else MPN_COLUMNS, source=feeder,
                   not_null=() if is_bank else ("taxpayer_name",))
    except BaseException:
        feeder.cancel()
        raise
    feeder.raise_problems()
    totals = q.stage_totals(conn, stage)
    rows = sum(t.rows for t in totals)
    amount = sum(t.amount for t in totals)
    if is_bank and rows == 0:
        raise InputRejected([Problem(label, 2, "-", "a bank batch must hold at least one row")])
    if not is_bank:
        q.add_bank_days(conn, stage)
    q.publish_stage(conn, parent=parent, stage=stage, dates=[t.business_date for t in totals])
    first = totals[0].business_date if totals else None
    last = totals[-1].business_date if totals else None
    bank_code = feeder.batch_key[0] if is_bank and feeder.batch_key else None
    note = ""
    if is_bank:
        assert first is not None and bank_code is not None
        old = q.register_batch(conn, batch_id=owner_id, import_id=import_id, bank_code=bank_code,
                               business_date=first, received_at=received_at, rows=rows, amount=amount)
        note = f"; supersedes batch #{old}" if old is not None else ""
    q.finish_import(conn, import_id, rows=rows, amount=amount, first=first, last=last, bank_code=bank_code)
    span = f"{first}" if first == last else f"{first}..{last}"
    return ImportResult(import_id, spec.kind, label, "imported", rows, amount, first, last,
                        f"{label}: imported {rows} rows, Rp {amount:,}".replace(",", ".").replace(". Rp", ", Rp")
                        + (f", business date {span}" if first else "") + note)


def _import_statements(conn: Connection, spec: FileSpec, path: Path, layout: Layout, master: Master,
                       import_id: int, label: str, actor: Actor) -> ImportResult:
    """Statement letters: tens of rows, stored one by one with supersede rules."""
    reader = _open(path, layout, spec, use_threads=False)
    letters: list[tuple[int, q.LetterIn]] = []
    problems: list[tuple[int, str, str]] = []
    seen: dict[tuple[str, str], int] = {}
    line = 2
    for batch in reader:
        lines = pa.array(range(line, line + batch.num_rows), pa.int32())
        line += batch.num_rows
        checked = check_batch(spec, batch, lines, master, MAX_PROBLEMS)
        problems += checked.problems
        keys = zip(checked.lines.to_pylist(), checked.columns["bank_code"].to_pylist(),
                   checked.columns["business_date"].to_pylist(), strict=True)
        for ln, bank, day in keys:
            if (bank, day) in seen:
                why = f"a second letter for {bank} {day} (first on line {seen[bank, day]})"
                problems.append((ln, "bank_code", why))
            seen.setdefault((bank, day), ln)
        if not checked.problems:
            letters += _letters(checked)
    if problems:
        raise InputRejected([Problem(label, ln, col, why) for ln, col, why in sorted(problems)])
    stored = sum(q.store_letter(conn, letter, import_id=import_id) for _, letter in letters)
    if stored:
        settle(conn, actor=actor, bank_codes=sorted({letter.bank_code for _, letter in letters}))
    days = sorted(letter.business_date for _, letter in letters)
    first, last = (days[0], days[-1]) if days else (None, None)
    amount = sum(letter.declared_amount for _, letter in letters)
    q.finish_import(conn, import_id, rows=len(letters), amount=amount, first=first, last=last)
    unchanged = len(letters) - stored
    return ImportResult(import_id, "statements", label, "imported", len(letters), amount, first, last,
                        f"{label}: {stored} statement letters stored"
                        + (f", {unchanged} unchanged" if unchanged else ""))


def _letters(checked: Checked) -> list[tuple[int, q.LetterIn]]:
    cols = {k: v.to_pylist() for k, v in checked.columns.items()}
    out = []
    for i, line in enumerate(checked.lines.to_pylist()):
        out.append((line, q.LetterIn(
            cols["bank_code"][i], date.fromisoformat(cols["business_date"][i]), cols["letter_number"][i],
            date.fromisoformat(cols["letter_date"][i]),
            datetime.fromisoformat(cols["received_at"][i].replace("Z", "+00:00")),
            int(cols["declared_count"][i]), int(cols["declared_amount"][i]), cols["signer"][i])))
    return out


class _CountingFile(io.RawIOBase):
    """A file that reports how many bytes were read, for the progress bar."""

    def __init__(self, path: Path, progress: Progress | None) -> None:
        self._f = open(path, "rb")  # noqa: SIM115 - closed by close()
        self._total = path.stat().st_size
        self._done = 0
        self._progress = progress

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        n = self._f.readinto(buffer)
        self._done += n or 0
        if self._progress:
            self._progress(self._done, self._total)
        return n or 0

    def close(self) -> None:
        self._f.close()
        super().close()


def _open(path: Path, layout: Layout, spec: FileSpec, *, use_threads: bool = True,
          progress: Progress | None = None, on_invalid: Callable[[object], str] | None = None
          ) -> pcsv.CSVStreamingReader:
    names = [name or f"_blank_{i}" for i, name in enumerate(layout.columns)]
    source = _CountingFile(path, progress) if progress else str(path)
    return pcsv.open_csv(
        source,
        read_options=pcsv.ReadOptions(column_names=names, skip_rows=1, block_size=BLOCK, use_threads=use_threads),
        parse_options=pcsv.ParseOptions(delimiter=layout.delimiter, ignore_empty_lines=False,
                                        invalid_row_handler=on_invalid or (lambda row: "error")),
        convert_options=pcsv.ConvertOptions(column_types={n: pa.string() for n in spec.names},
                                            include_columns=list(spec.names), strings_can_be_null=False,
                                            quoted_strings_can_be_null=False),
    )


class Feeder(io.RawIOBase):
    """Checks a bulk file block by block in a thread and hands COPY the good blocks as CSV bytes.

    After the first problem no more data is handed on (COPY ends, the transaction rolls back), but the
    rest of the file is still checked so the report lists every problem.
    """

    def __init__(self, spec: FileSpec, path: Path, layout: Layout, master: Master, owner_id: int, label: str,
                 progress: Progress | None) -> None:
        self.spec, self.path, self.layout, self.master = spec, path, layout, master
        self.owner_id, self.label, self.progress = owner_id, label, progress
        self.problems: list[tuple[int, str, str]] = []
        self.problem_count = 0
        self.malformed = 0
        self.fatal: BaseException | None = None
        self.batch_key: tuple[str, str] | None = None  # (bank, business date) of a bank batch
        self._queue: queue.Queue[memoryview | None] = queue.Queue(maxsize=4)
        self._buf = memoryview(b"")
        self._cancelled = False
        self._thread = threading.Thread(target=self._produce, name="mpn-import-check", daemon=True)
        self._thread.start()

    def readable(self) -> bool:
        """A readable stream, for psycopg2's `copy_expert`."""
        return True

    def read(self, size: int = -1) -> bytes:  # type: ignore[override]
        """The next CSV bytes of checked rows; empty at the end (or after the first problem)."""
        while not self._buf:
            item = self._queue.get()
            if item is None:
                self._queue.put(None)
                return b""
            self._buf = item
        size = len(self._buf) if size is None or size < 0 else size
        chunk, self._buf = self._buf[:size], self._buf[size:]
        return bytes(chunk)

    def cancel(self) -> None:
        """Stop the checking thread (COPY failed); it must not block on a full queue."""
        self._cancelled = True
        while self._thread.is_alive():
            try:
                self._queue.get(timeout=0.1)
            except queue.Empty:
                pass

    def _on_invalid(self, row: object) -> str:
        self.malformed += 1
        return "skip"

    def _produce(self) -> None:
        try:
            reader = _open(self.path, self.layout, self.spec, progress=self.progress, on_invalid=self._on_invalid)
            line = 2
            for batch in reader:
                if self._cancelled:
                    return
                lines = pa.array(range(line, line + batch.num_rows), pa.int32())
                line += batch.num_rows
                checked = check_batch(self.spec, batch, lines, self.master, MAX_PROBLEMS - len(self.problems))
                if self.spec.kind == "bank" and not checked.bad_count:
                    self._check_one_batch(checked)
                self.problems += checked.problems
                self.problem_count += checked.bad_count
                if self.problem_count == 0 and self.malformed == 0 and len(checked.lines):
                    self._queue.put(self._encode(checked))
        except BaseException as exc:  # noqa: BLE001 - handed to the main thread
            self.fatal = exc
        finally:
            self._queue.put(None)

    def _check_one_batch(self, checked: Checked) -> None:
        """CONTRACT §2.2: one file holds one (bank, business date)."""
        banks, days = checked.columns["bank_code"], checked.columns["business_date"]
        if self.batch_key is None:
            self.batch_key = (banks[0].as_py(), days[0].as_py())
        bank, day = self.batch_key
        same = pc.and_(pc.equal(banks, bank), pc.equal(days, day))
        if not pc.all(same).as_py():
            for i in pc.indices_nonzero(pc.invert(same)).to_pylist()[:MAX_PROBLEMS]:
                column = "bank_code" if banks[i].as_py() != bank else "business_date"
                checked.problems.append((checked.lines[i].as_py(), column,
                                         f"file mixes several batches: the first row is bank {bank}, date {day}"))
            checked.bad_count += int(pc.sum(pc.invert(same)).as_py())

    def _encode(self, checked: Checked) -> memoryview:
        cols = checked.columns
        n = len(checked.lines)
        owner = pa.repeat(pa.scalar(self.owner_id, pa.int64()), n)
        bank = self.spec.kind == "bank"
        names: tuple[str, ...] = BANK_COLUMNS if bank else MPN_COLUMNS
        first = cols["business_date"] if bank else cols["derived_date"]
        arrays = [first, owner, checked.lines] + [cols[c] for c in names[3:]]
        table = pa.table(arrays, names=list(names))
        out = io.BytesIO()
        try:  # unquoted is smaller and faster; refused when a value holds a comma, quote or newline
            pcsv.write_csv(table, out, pcsv.WriteOptions(include_header=False, quoting_style="none"))
        except pa.ArrowInvalid:
            out = io.BytesIO()
            pcsv.write_csv(table, out, pcsv.WriteOptions(include_header=False, quoting_style="needed"))
        return out.getbuffer()

    def raise_problems(self) -> None:
        """After COPY: raise `InputRejected` listing every problem (or re-raise a read failure)."""
        self._thread.join()
        if self.malformed:
            raise InputRejected(_structure_problems(self.path, self.layout, self.label))
        if isinstance(self.fatal, UnicodeDecodeError) or (
                isinstance(self.fatal, pa.ArrowInvalid) and "UTF8" in str(self.fatal)):
            raise InputRejected(_utf8_problems(self.path, self.label))
        if self.fatal is not None:
            raise self.fatal
        if self.problem_count:
            problems = [Problem(self.label, ln, col, why) for ln, col, why in sorted(self.problems)]
            raise InputRejected(problems, total=self.problem_count)


def _structure_problems(path: Path, layout: Layout, label: str) -> list[Problem]:
    """Rows whose field count differs from the header (found again exactly, on the error path only)."""
    problems = []
    with open(path, encoding="utf-8-sig", errors="replace", newline="") as f:
        reader = csv.reader(f, delimiter=layout.delimiter)
        next(reader, None)
        for row in reader:
            if row and len(row) != len(layout.columns) and any(v.strip() for v in row):
                problems.append(Problem(label, reader.line_num, "-",
                                        f"row has {len(row)} fields, the header has {len(layout.columns)}"))
    return problems[:MAX_PROBLEMS] or [Problem(label, 0, "-", "malformed CSV (unbalanced quotes?)")]


def _utf8_problems(path: Path, label: str) -> list[Problem]:
    """Lines that are not valid UTF-8."""
    problems = []
    with open(path, "rb") as f:
        for number, raw in enumerate(f, start=1):
            if number == 1 and raw.startswith(BOM):
                raw = raw[len(BOM):]
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                problems.append(Problem(label, number, "-", f"not valid UTF-8 (byte {exc.start + 1} of the line)"))
                if len(problems) >= MAX_PROBLEMS:
                    break
    return problems or [Problem(label, 0, "-", "not valid UTF-8")]
