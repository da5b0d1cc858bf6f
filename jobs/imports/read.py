"""Reading and checking one input file for `jobs.imports.ingest`: block by block with pyarrow, every problem named.

`Checker` reads a file in 4 MiB blocks, checks each (`jobs.imports.validate`) and keeps the problems; what the
CSV reader itself cannot read (a row with the wrong number of fields, invalid UTF-8, a row longer than
a block, a quote left open) is found again exactly, with its line, on that error path only. `Feeder`
runs a `Checker` in a thread and hands COPY the checked rows as CSV bytes.
"""

from __future__ import annotations

import csv
import io
import queue
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

from jobs.imports.validate import Checked, FileSpec, Master, check_batch
from queries.csvfile import BOM, ROW_LIMIT, FileShape, Layout, Problem, whole_file

Progress = Callable[[int, int], None]
MAX_PROBLEMS = 1000  # listed one by one; the rest are counted
BLOCK = ROW_LIMIT
BIGINT_MAX = (1 << 63) - 1

MPN_COLUMNS = (
    "business_date",
    "import_id",
    "line",
    "record_type",
    "ntpn",
    "billing_code",
    "bank_code",
    "branch_code",
    "ntb",
    "paid_at",
    "utc_offset",
    "npwp",
    "taxpayer_name",
    "kap",
    "kjs",
    "tax_period",
    "kpp_code",
    "amount",
)
BANK_COLUMNS = (
    "business_date",
    "batch_id",
    "line",
    "bank_code",
    "ntpn",
    "ntb",
    "paid_at",
    "utc_offset",
    "derived_date",
    "npwp",
    "kap",
    "kjs",
    "tax_period",
    "kpp_code",
    "amount",
)


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


def open_csv(
    path: Path, layout: Layout, spec: FileSpec, *, use_threads: bool = True, progress: Progress | None = None
) -> pcsv.CSVStreamingReader:
    """A streaming reader of the spec's columns as strings, after the header row.

    A row with the wrong number of fields stops it (`ArrowInvalid`, "CSV parse error"): the rows are then read
    again with Python's csv module to name each one. (A Python row handler would see undecodable bytes first.)
    """
    names = [name or f"_blank_{i}" for i, name in enumerate(layout.columns)]
    source = _CountingFile(path, progress) if progress else str(path)
    return pcsv.open_csv(
        source,
        read_options=pcsv.ReadOptions(column_names=names, skip_rows=1, block_size=BLOCK, use_threads=use_threads),
        parse_options=pcsv.ParseOptions(delimiter=layout.delimiter, ignore_empty_lines=False),
        convert_options=pcsv.ConvertOptions(
            column_types={n: pa.string() for n in spec.names},
            include_columns=list(spec.names),
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )


class Checker:
    """Reads and checks one file; `problems()` says afterwards why it must be rejected (empty when it is good)."""

    def __init__(
        self,
        spec: FileSpec,
        path: Path,
        layout: Layout,
        shape: FileShape,
        master: Master,
        label: str,
        progress: Progress | None = None,
    ) -> None:
        self.spec, self.path, self.layout, self.shape = spec, path, layout, shape
        self.master, self.label, self.progress = master, label, progress
        self.found: list[tuple[int, str, str]] = []
        self.count = 0
        self.records = 0
        self.total = 0
        self.batch_key: tuple[str, str] | None = None  # (bank, business date) of a bank batch
        self.extra: list[Problem] = []

    @property
    def clean(self) -> bool:
        """No problem found so far: the rows read may still be handed on."""
        return not (self.count or self.extra)

    def batches(self, *, use_threads: bool = True) -> Iterator[Checked]:
        """Every checked block, good or not; the problems accumulate on the checker."""
        if self.shape.lines <= 1:  # the header alone (pyarrow cannot skip a last line without LF)
            return
        reader = open_csv(self.path, self.layout, self.spec, use_threads=use_threads, progress=self.progress)
        line = 2
        for batch in reader:
            lines = pa.array(range(line, line + batch.num_rows), pa.int32())
            line += batch.num_rows
            self.records += batch.num_rows
            checked = check_batch(self.spec, batch, lines, self.master, MAX_PROBLEMS - len(self.found))
            if self.spec.kind == "bank" and not checked.bad_count:
                self._check_one_batch(checked)
            if "amount" in checked.columns and not checked.bad_count:
                self._add_total(checked.columns["amount"])
            self.found += checked.problems
            self.count += checked.bad_count
            yield checked

    def _check_one_batch(self, checked: Checked) -> None:
        """CONTRACT §2.2: one file holds one (bank, business date)."""
        banks, days = checked.columns["bank_code"], checked.columns["business_date"]
        if not len(banks):
            return
        if self.batch_key is None:
            self.batch_key = (banks[0].as_py(), days[0].as_py())
        bank, day = self.batch_key
        same = pc.and_(pc.equal(banks, bank), pc.equal(days, day))
        if not pc.all(same).as_py():
            for i in pc.indices_nonzero(pc.invert(same)).to_pylist()[:MAX_PROBLEMS]:
                column = "bank_code" if banks[i].as_py() != bank else "business_date"
                checked.problems.append(
                    (
                        checked.lines[i].as_py(),
                        column,
                        f"berkas mencampur beberapa batch: baris pertama bank {bank}, tanggal {day}",
                    )
                )
            checked.bad_count += int(pc.sum(pc.invert(same)).as_py())

    def _add_total(self, amounts: pa.Array) -> None:
        """Keep the file's rupiah total; more than a bigint holds rejects the file (never an overflow later)."""
        if self.total > BIGINT_MAX or not len(amounts):
            return
        ints = pc.cast(amounts, pa.int64())
        if self.total + int(pc.max(ints).as_py()) * len(ints) <= BIGINT_MAX:
            self.total += int(pc.sum(ints).as_py())
        else:
            self.total += int(pc.sum(pc.cast(ints, pa.decimal128(38, 0))).as_py())
        if self.total > BIGINT_MAX:
            self.extra.append(
                whole_file(
                    self.label,
                    f"jumlah amount seluruh berkas melebihi Rp {BIGINT_MAX:,} (batas penyimpanan)".replace(",", "."),
                )
            )

    def problems(self) -> tuple[list[Problem], int]:
        """After reading: every problem (at most MAX_PROBLEMS listed) and how many there are in all."""
        listed = [Problem(self.label, ln, col, why) for ln, col, why in sorted(self.found)] + self.extra
        if listed:
            return listed, self.count + len(self.extra)
        spans = self.records != self.shape.lines - 1  # a record spans lines: a quote left open, a quoted line break
        if spans or self.shape.quotes % 2:
            found = structure_problems(self.path, self.layout, self.label)
            found = found or ([_not_csv(self.label)] if spans else [])  # an odd quote inside a value is a character
            return found, len(found)
        return [], 0

    def read_failure(self, exc: BaseException) -> list[Problem] | None:
        """The problems behind a failure of the CSV reader itself, or None when it is not about the file."""
        message = str(exc)
        if isinstance(exc, UnicodeDecodeError) or (isinstance(exc, pa.ArrowInvalid) and "UTF8" in message):
            return utf8_problems(self.path, self.label)
        if isinstance(exc, pa.ArrowInvalid) and "straddl" in message:
            return long_line_problems(self.path, self.label)
        if isinstance(exc, pa.ArrowInvalid) and "CSV parse error" in message:
            return structure_problems(self.path, self.layout, self.label) or [_not_csv(self.label)]
        return None


def _not_csv(label: str) -> Problem:
    return whole_file(label, "berkas bukan CSV yang sah (tanda kutip tidak seimbang?)")


class Feeder(io.RawIOBase):
    """Runs a `Checker` in a thread and hands COPY the good blocks as CSV bytes.

    After the first problem no more data is handed on (COPY ends, the transaction rolls back), but the
    rest of the file is still checked so the report lists every problem.
    """

    def __init__(self, checker: Checker, owner_id: int) -> None:
        self.checker, self.owner_id = checker, owner_id
        self.fatal: BaseException | None = None
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

    def _produce(self) -> None:
        try:
            for checked in self.checker.batches():
                if self._cancelled:
                    return
                if self.checker.clean and len(checked.lines):
                    self._queue.put(self._encode(checked))
        except BaseException as exc:  # noqa: BLE001 - handed to the main thread
            self.fatal = exc
        finally:
            self._queue.put(None)

    def _encode(self, checked: Checked) -> memoryview:
        cols = checked.columns
        n = len(checked.lines)
        owner = pa.repeat(pa.scalar(self.owner_id, pa.int64()), n)
        bank = self.checker.spec.kind == "bank"
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

    def problems(self) -> tuple[list[Problem], int]:
        """After COPY: the file's problems (re-raising a failure that is not about the file)."""
        self._thread.join()
        if self.fatal is not None:
            found = self.checker.read_failure(self.fatal)
            if found is None:
                raise self.fatal
            return found, len(found)
        return self.checker.problems()


def structure_problems(path: Path, layout: Layout, label: str) -> list[Problem]:
    """Rows whose field count differs from the header, that span several lines, or whose quotes are not closed."""
    problems = []
    start = 1
    with open(path, encoding="utf-8-sig", errors="replace", newline="") as f:
        reader = csv.reader(f, delimiter=layout.delimiter, strict=True)
        try:
            next(reader, None)
            start = reader.line_num + 1
            for row in reader:
                if row and len(row) != len(layout.columns):
                    problems.append(
                        Problem(
                            label, start, "-", f"baris berisi {len(row)} nilai, baris judul {len(layout.columns)} kolom"
                        )
                    )
                elif reader.line_num > start:
                    problems.append(
                        Problem(
                            label,
                            start,
                            "-",
                            "nilai dalam tanda kutip melewati akhir baris (tanda kutip tidak ditutup?)",
                        )
                    )
                if len(problems) >= MAX_PROBLEMS:
                    break
                start = reader.line_num + 1
        except csv.Error:
            problems.append(Problem(label, start, "-", "tanda kutip tidak ditutup atau salah tempat"))
    return problems


def utf8_problems(path: Path, label: str) -> list[Problem]:
    """Lines that are not valid UTF-8."""
    problems = []
    with open(path, "rb") as f:
        for number, raw in enumerate(f, start=1):
            if number == 1 and raw.startswith(BOM):
                raw = raw[len(BOM) :]
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                problems.append(
                    Problem(label, number, "-", f"bukan UTF-8 yang sah (byte ke-{exc.start + 1} di baris ini)")
                )
                if len(problems) >= MAX_PROBLEMS:
                    break
    return problems or [whole_file(label, "bukan UTF-8 yang sah")]


def long_line_problems(path: Path, label: str) -> list[Problem]:
    """Lines longer than the read block (a row must fit in it)."""
    problems = []
    with open(path, "rb") as f:
        for number, raw in enumerate(f, start=1):
            if len(raw) > ROW_LIMIT:
                problems.append(
                    Problem(
                        label,
                        number,
                        "-",
                        f"baris terlalu panjang ({len(raw):,} byte; paling banyak {ROW_LIMIT >> 20} MiB)".replace(
                            ",", "."
                        ),
                    )
                )
                if len(problems) >= MAX_PROBLEMS:
                    break
    return problems or [whole_file(label, f"sebuah baris data lebih dari {ROW_LIMIT >> 20} MiB")]
