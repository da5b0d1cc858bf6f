"""SQL of the import path: the import log, COPY, daily partitions, bank batches and statement letters.

Bulk rows go in with COPY into a stage table shaped like the target; a stage whose rows all belong to
a business date that has no partition yet becomes that partition (indexes built once, then ATTACH,
which never blocks readers); otherwise its rows are inserted set-based into the existing partitions.
Nothing here commits: the importer owns the transaction.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import IO, NamedTuple

from sqlalchemy import Connection, text

from queries.db import xact_lock

# Secondary indexes each daily partition carries (the parent's partitioned indexes match them).
PARTITION_INDEXES: dict[str, tuple[str, ...]] = {"mpn_record": ("ntpn",), "bank_batch_row": ("ntpn",)}
# Partial indexes (name suffix, definition), matching the parent's (migration 0003), so ATTACH adopts them.
PARTITION_PARTIAL_INDEXES: dict[str, tuple[tuple[str, str], ...]] = {
    "mpn_record": (("reversal", "(ntpn) WHERE record_type = 'reversal'"),),
    "bank_batch_row": (),
}


class DateTotal(NamedTuple):
    """Rows and rupiah of one business date in a stage table."""

    business_date: date
    rows: int
    amount: int


@dataclass(frozen=True, slots=True)
class ImportFileRow:
    """One file handed to `mpn import`, imported or rejected, with its error report."""

    import_id: int
    kind: str
    file_name: str
    status: str
    sha256: str
    size_bytes: int
    received_at: datetime
    started_at: datetime
    finished_at: datetime
    row_count: int
    total_amount: int
    first_date: date | None
    last_date: date | None
    bank_code: str | None
    error_count: int
    report: str | None
    kept_path: str | None

    @property
    def rejected(self) -> bool:
        """The file was refused whole; nothing of it was imported."""
        return self.status == "rejected"


def has_mpn_data(conn: Connection) -> bool:
    """True when any MPN record is stored."""
    return bool(conn.execute(text("SELECT EXISTS (SELECT 1 FROM mpn_record)")).scalar_one())


def imported_with_hash(conn: Connection, *, kind: str, sha256: str) -> int | None:
    """The import id of an earlier successful import with the same content, if any."""
    return conn.execute(
        text("SELECT import_id FROM import_file WHERE kind = :kind AND sha256 = :sha AND status = 'imported'"),
        {"kind": kind, "sha": sha256},
    ).scalar_one_or_none()


def rejected_drop(
    conn: Connection, *, kind: str, file_name: str, size: int, received_at: datetime
) -> tuple[int, str] | None:
    """The (import id, report) of an earlier rejection of this very drop (same name, size and arrival), if any."""
    row = conn.execute(
        text(
            "SELECT import_id, coalesce(report, '') FROM import_file WHERE kind = :kind AND file_name = :name"
            " AND size_bytes = :size AND received_at = :received AND status = 'rejected'"
            " ORDER BY import_id DESC LIMIT 1"
        ),
        {"kind": kind, "name": file_name, "size": size, "received": received_at},
    ).one_or_none()
    return (int(row[0]), str(row[1])) if row is not None else None


def start_import(
    conn: Connection, *, kind: str, file_name: str, sha256: str, size: int, received_at: datetime, started_at: datetime
) -> int:
    """Log an import (rolled back with everything else if the file is rejected); returns its id."""
    return conn.execute(
        text(
            "INSERT INTO import_file (kind, file_name, sha256, size_bytes, received_at, started_at, status)"
            " VALUES (:kind, :name, :sha, :size, :received, :started, 'imported') RETURNING import_id"
        ),
        {"kind": kind, "name": file_name, "sha": sha256, "size": size, "received": received_at, "started": started_at},
    ).scalar_one()


def finish_import(
    conn: Connection,
    import_id: int,
    *,
    rows: int,
    amount: int,
    first: date | None,
    last: date | None,
    bank_code: str | None = None,
) -> None:
    """Store what an import brought in."""
    conn.execute(
        text(
            "UPDATE import_file SET row_count = :rows, total_amount = :amount, first_date = :first,"
            " last_date = :last, bank_code = :bank, finished_at = clock_timestamp() WHERE import_id = :id"
        ),
        {"rows": rows, "amount": amount, "first": first, "last": last, "bank": bank_code, "id": import_id},
    )


def record_rejection(
    conn: Connection,
    *,
    kind: str,
    file_name: str,
    sha256: str,
    size: int,
    received_at: datetime,
    started_at: datetime,
    error_count: int,
    report: str,
    kept_path: str,
) -> int:
    """Log a rejected file with its report and where it is kept."""
    return conn.execute(
        text(
            "INSERT INTO import_file (kind, file_name, sha256, size_bytes, received_at, started_at, status,"
            " error_count, report, kept_path) VALUES (:kind, :name, :sha, :size, :received, :started,"
            " 'rejected', :errors, :report, :kept) RETURNING import_id"
        ),
        {
            "kind": kind,
            "name": file_name,
            "sha": sha256,
            "size": size,
            "received": received_at,
            "started": started_at,
            "errors": error_count,
            "report": report,
            "kept": kept_path,
        },
    ).scalar_one()


def create_stage(conn: Connection, *, parent: str, import_id: int) -> str:
    """A plain table shaped like `parent` to COPY one file into; returns its name."""
    stage = f"stage_{parent}_{import_id}"
    conn.execute(text(f"CREATE TABLE {stage} (LIKE {parent} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)"))
    return stage


def copy_csv(
    conn: Connection,
    *,
    table: str,
    columns: tuple[str, ...],
    source: IO[bytes] | io.RawIOBase,
    not_null: tuple[str, ...] = (),
) -> int:
    """COPY headerless CSV from `source` into `table`; returns the rows copied.

    `not_null` columns read an unquoted empty value as an empty string rather than NULL.
    """
    options = "FORMAT csv" + (f", FORCE_NOT_NULL ({', '.join(not_null)})" if not_null else "")
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH ({options})", source, size=1 << 18)
        return int(cursor.rowcount)
    finally:
        cursor.close()


def stage_totals(conn: Connection, stage: str) -> list[DateTotal]:
    """Rows and amount per business date in a stage table."""
    rows = conn.execute(
        text(f"SELECT business_date, count(*), coalesce(sum(amount), 0) FROM {stage} GROUP BY 1 ORDER BY 1")
    )
    return [DateTotal(*r) for r in rows]


def add_bank_days(conn: Connection, stage: str) -> None:
    """Add an MPN stage's payments and reversals to `mpn_bank_day` (per bank and business date)."""
    conn.execute(
        text(f"""
        INSERT INTO mpn_bank_day AS t (business_date, bank_code, payment_count, payment_amount, reversal_count)
        SELECT business_date, bank_code,
               count(*) FILTER (WHERE record_type = 'payment'),
               coalesce(sum(amount) FILTER (WHERE record_type = 'payment'), 0),
               count(*) FILTER (WHERE record_type = 'reversal')
          FROM {stage}
         GROUP BY business_date, bank_code
        ON CONFLICT (business_date, bank_code) DO UPDATE
           SET payment_count = t.payment_count + EXCLUDED.payment_count,
               payment_amount = t.payment_amount + EXCLUDED.payment_amount,
               reversal_count = t.reversal_count + EXCLUDED.reversal_count""")
    )


def refresh_bank_days(conn: Connection, days: list[date]) -> None:
    """Recount `mpn_bank_day` for `days` from `mpn_record` itself (repair, and data written outside imports)."""
    conn.execute(text("DELETE FROM mpn_bank_day WHERE business_date = ANY(:days)"), {"days": days})
    conn.execute(
        text("""
        INSERT INTO mpn_bank_day (business_date, bank_code, payment_count, payment_amount, reversal_count)
        SELECT business_date, bank_code,
               count(*) FILTER (WHERE record_type = 'payment'),
               coalesce(sum(amount) FILTER (WHERE record_type = 'payment'), 0),
               count(*) FILTER (WHERE record_type = 'reversal')
          FROM mpn_record
         WHERE business_date = ANY(:days)
         GROUP BY business_date, bank_code"""),
        {"days": days},
    )


def partition_name(parent: str, day: date) -> str:
    """The daily partition of `parent` holding `day`."""
    return f"{parent}_{day:%Y%m%d}"


def partition_exists(conn: Connection, parent: str, day: date) -> bool:
    """True when `day`'s partition of `parent` is attached."""
    return bool(
        conn.execute(
            text(
                "SELECT EXISTS (SELECT 1 FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
                " WHERE i.inhparent = CAST(:parent AS regclass) AND c.relname = :name)"
            ),
            {"parent": parent, "name": partition_name(parent, day)},
        ).scalar_one()
    )


def _attach(conn: Connection, parent: str, table: str, day: date) -> None:
    """Index `table`, prove its date range with a CHECK (so ATTACH skips its scan), attach it."""
    name = partition_name(parent, day)
    upper = day + timedelta(days=1)
    conn.execute(text("SET LOCAL maintenance_work_mem = '256MB'"))
    for column in PARTITION_INDEXES[parent]:
        conn.execute(text(f"CREATE INDEX {name}_{column} ON {table} ({column})"))
    for suffix, definition in PARTITION_PARTIAL_INDEXES[parent]:
        conn.execute(text(f"CREATE INDEX {name}_{suffix} ON {table} {definition}"))
    conn.execute(
        text(
            f"ALTER TABLE {table} ADD CONSTRAINT {name}_range"
            f" CHECK (business_date >= DATE '{day.isoformat()}' AND business_date < DATE '{upper.isoformat()}')"
        )
    )
    if table != name:
        conn.execute(text(f"ALTER TABLE {table} RENAME TO {name}"))
    conn.execute(
        text(
            f"ALTER TABLE {parent} ATTACH PARTITION {name}"
            f" FOR VALUES FROM ('{day.isoformat()}') TO ('{upper.isoformat()}')"
        )
    )


def ensure_partition(conn: Connection, parent: str, day: date) -> None:
    """Create `day`'s (empty) partition of `parent` if it is missing."""
    xact_lock(conn, "partition", parent, day)
    if not partition_exists(conn, parent, day):
        table = f"new_{partition_name(parent, day)}"
        conn.execute(text(f"CREATE TABLE {table} (LIKE {parent} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)"))
        _attach(conn, parent, table, day)


def publish_stage(conn: Connection, *, parent: str, stage: str, dates: list[date]) -> None:
    """Move a stage's rows into `parent`: the stage itself becomes a new day's partition when it can.

    Dates are locked (advisory) so two imports cannot race to create the same partition.
    """
    for day in dates:
        xact_lock(conn, "partition", parent, day)
    missing = [d for d in dates if not partition_exists(conn, parent, d)]
    if len(dates) == 1 and missing:
        _attach(conn, parent, stage, dates[0])
        _analyze(conn, parent, missing)
        return
    cols = ", ".join(_columns(conn, parent))
    for day in missing:
        table = f"new_{partition_name(parent, day)}"
        conn.execute(text(f"CREATE TABLE {table} (LIKE {parent} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)"))
        conn.execute(
            text(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM {stage} WHERE business_date = :d"), {"d": day}
        )
        _attach(conn, parent, table, day)
    _analyze(conn, parent, missing)
    existing = [d for d in dates if d not in missing]
    if existing:
        # Rows in index order: the B-tree takes them as appends to neighbouring pages, not random probes.
        order = f" ORDER BY {', '.join(PARTITION_INDEXES[parent])}" if PARTITION_INDEXES[parent] else ""
        conn.execute(text("SET LOCAL work_mem = '256MB'"))
        conn.execute(
            text(f"INSERT INTO {parent} ({cols}) SELECT {cols} FROM {stage} WHERE business_date = ANY(:days){order}"),
            {"days": existing},
        )
    conn.execute(text(f"DROP TABLE {stage}"))


def _analyze(conn: Connection, parent: str, days: list[date]) -> None:
    """Statistics for partitions just made from a file (autovacuum analyses late or not at all): the pages and
    the reconciliation plan on them from the start. A partition that grows later is analysed by whoever reads it
    in bulk when it changed enough (`reconciliation.classify.analyze_stale`)."""
    for day in days:
        conn.execute(text(f"ANALYZE {partition_name(parent, day)}"))


def _columns(conn: Connection, table: str) -> list[str]:
    return list(
        conn.execute(
            text(
                "SELECT attname FROM pg_attribute WHERE attrelid = CAST(:t AS regclass) AND attnum > 0"
                " AND NOT attisdropped ORDER BY attnum"
            ),
            {"t": table},
        ).scalars()
    )


def reserve_batch_id(conn: Connection) -> int:
    """Take the next bank batch id before its rows are copied."""
    return int(conn.execute(text("SELECT nextval(pg_get_serial_sequence('bank_batch', 'batch_id'))")).scalar_one())


def register_batch(
    conn: Connection,
    *,
    batch_id: int,
    import_id: int,
    bank_code: str,
    business_date: date,
    received_at: datetime,
    rows: int,
    amount: int,
) -> int | None:
    """Store a bank batch; a batch already current for (bank, date) is superseded, kept as history.

    Returns the superseded batch's id, if any.
    """
    xact_lock(conn, "bank_batch", bank_code, business_date)
    old = conn.execute(
        text(
            "UPDATE bank_batch SET superseded_at = clock_timestamp() WHERE bank_code = :bank"
            " AND business_date = :day AND superseded_at IS NULL RETURNING batch_id"
        ),
        {"bank": bank_code, "day": business_date},
    ).scalar_one_or_none()
    conn.execute(
        text(
            "INSERT INTO bank_batch (batch_id, import_id, bank_code, business_date, received_at, row_count,"
            " total_amount) OVERRIDING SYSTEM VALUE VALUES (:id, :imp, :bank, :day, :received, :rows, :amount)"
        ),
        {
            "id": batch_id,
            "imp": import_id,
            "bank": bank_code,
            "day": business_date,
            "received": received_at,
            "rows": rows,
            "amount": amount,
        },
    )
    if old is not None:
        conn.execute(
            text("UPDATE bank_batch SET superseded_by = :new WHERE batch_id = :old"), {"new": batch_id, "old": old}
        )
    return old


class LetterIn(NamedTuple):
    """One statement letter as read from a file or the form."""

    bank_code: str
    business_date: date
    letter_number: str
    letter_date: date
    received_at: datetime
    declared_count: int
    declared_amount: int
    signer: str


def store_letter(
    conn: Connection,
    letter: LetterIn,
    *,
    import_id: int | None = None,
    entered_by: str | None = None,
    scan_id: int | None = None,
) -> bool:
    """Store a statement letter; an identical current letter (same scan too) is left alone (returns False),
    a different one for the same bank and date is superseded and kept as history."""
    xact_lock(conn, "statement", letter.bank_code, letter.business_date)
    current = conn.execute(
        text(
            "SELECT letter_id, letter_number, letter_date, received_at, declared_count, declared_amount, signer,"
            " scan_id FROM statement_letter"
            " WHERE bank_code = :bank AND business_date = :day AND superseded_at IS NULL"
        ),
        {"bank": letter.bank_code, "day": letter.business_date},
    ).one_or_none()
    if current is not None and tuple(current[1:]) == (*letter[2:], scan_id):
        return False
    if current is not None:
        conn.execute(
            text("UPDATE statement_letter SET superseded_at = clock_timestamp() WHERE letter_id = :id"),
            {"id": current[0]},
        )
    new_id = conn.execute(
        text(
            "INSERT INTO statement_letter (bank_code, business_date, letter_number, letter_date, received_at,"
            " declared_count, declared_amount, signer, import_id, entered_by, scan_id) VALUES (:bank_code,"
            " :business_date, :letter_number, :letter_date, :received_at, :declared_count, :declared_amount,"
            " :signer, :import_id, :entered_by, :scan_id) RETURNING letter_id"
        ),
        {**letter._asdict(), "import_id": import_id, "entered_by": entered_by, "scan_id": scan_id},
    ).scalar_one()
    if current is not None:
        conn.execute(
            text("UPDATE statement_letter SET superseded_by = :new WHERE letter_id = :old"),
            {"new": new_id, "old": current[0]},
        )
    return True
