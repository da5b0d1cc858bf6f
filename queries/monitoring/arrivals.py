"""What arrived for a business date: MPN records, bank batches, statement letters and imported files.

Read-only queries behind the dashboard's "Data masuk" page; the caller owns the connection.
A batch or letter is current while `superseded_at IS NULL` (as the unique indexes define it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Connection, text

from queries.calendar import WIB


@dataclass(frozen=True, slots=True)
class IncomingRow:
    """One collecting agent's data for a business date; batch and letter fields are None when absent."""

    bank_code: str
    name: str
    kind: str
    mpn_count: int
    mpn_amount: int
    reversal_count: int
    batch_count: int | None
    batch_amount: int | None
    batch_received_at: datetime | None
    batch_versions: int
    letter_number: str | None
    letter_received_at: datetime | None
    declared_count: int | None
    declared_amount: int | None

    @property
    def has_batch(self) -> bool:
        """A current (not superseded) bank batch arrived."""
        return self.batch_received_at is not None

    @property
    def has_letter(self) -> bool:
        """A current statement letter arrived."""
        return self.letter_number is not None

    @property
    def missing_batch(self) -> bool:
        """MPN payments exist but the bank has sent no batch (CONTRACT §4 `missing_batch`)."""
        return self.mpn_count > 0 and not self.has_batch

    @property
    def has_data(self) -> bool:
        """Anything at all arrived for this agent and date."""
        return self.mpn_count > 0 or self.reversal_count > 0 or self.has_batch or self.has_letter


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


_SUMMARY = text("""
WITH mpn AS (
    SELECT bank_code,
           count(*) FILTER (WHERE record_type = 'payment') AS mpn_count,
           coalesce(sum(amount) FILTER (WHERE record_type = 'payment'), 0) AS mpn_amount,
           count(*) FILTER (WHERE record_type = 'reversal') AS reversal_count
    FROM mpn_record
    WHERE business_date = :day
    GROUP BY bank_code
), versions AS (
    SELECT bank_code, count(*) AS batch_versions
    FROM bank_batch
    WHERE business_date = :day
    GROUP BY bank_code
)
SELECT b.bank_code, b.name, b.kind,
       coalesce(m.mpn_count, 0) AS mpn_count,
       coalesce(m.mpn_amount, 0) AS mpn_amount,
       coalesce(m.reversal_count, 0) AS reversal_count,
       bb.row_count AS batch_count,
       bb.total_amount AS batch_amount,
       bb.received_at AS batch_received_at,
       coalesce(v.batch_versions, 0) AS batch_versions,
       sl.letter_number,
       sl.received_at AS letter_received_at,
       sl.declared_count,
       sl.declared_amount
FROM bank b
LEFT JOIN mpn m ON m.bank_code = b.bank_code
LEFT JOIN versions v ON v.bank_code = b.bank_code
LEFT JOIN bank_batch bb
       ON bb.bank_code = b.bank_code AND bb.business_date = :day AND bb.superseded_at IS NULL
LEFT JOIN statement_letter sl
       ON sl.bank_code = b.bank_code AND sl.business_date = :day AND sl.superseded_at IS NULL
ORDER BY CASE b.kind WHEN 'bank' THEN 0 WHEN 'pos' THEN 1 ELSE 2 END, b.bank_code
""")


def incoming_summary(conn: Connection, *, business_date: date) -> list[IncomingRow]:
    """One row per collecting agent in master data (banks, then post, then others, by code).

    MPN counts and amounts are payments only (reversals counted apart); the batch is the current one,
    `batch_versions` counts resends too.
    """
    rows = conn.execute(_SUMMARY, {"day": business_date})
    return [IncomingRow(**row._mapping) for row in rows]


# A fixed column list shared by both statements (no values are formatted into SQL).
_FILE_COLUMNS = """
    import_id, kind, file_name, status, sha256, size_bytes, received_at, started_at, finished_at,
    row_count, total_amount, first_date, last_date, bank_code, error_count, report, kept_path
"""

_FILES = text(f"""
SELECT {_FILE_COLUMNS}
FROM import_file
WHERE (first_date <= :day AND last_date >= :day)
   OR (status = 'rejected' AND (received_at AT TIME ZONE :tz)::date = :day)
ORDER BY received_at DESC, import_id DESC
""")

_FILE = text(f"SELECT {_FILE_COLUMNS} FROM import_file WHERE import_id = :import_id")


def import_files(conn: Connection, *, business_date: date) -> list[ImportFileRow]:
    """Files whose data covers the date, plus files rejected on that day (WIB); newest first."""
    rows = conn.execute(_FILES, {"day": business_date, "tz": WIB.key})
    return [ImportFileRow(**row._mapping) for row in rows]


def import_file_detail(conn: Connection, *, import_id: int) -> ImportFileRow | None:
    """One file of the import log with its report and where it is kept, or None when unknown."""
    row = conn.execute(_FILE, {"import_id": import_id}).first()
    return ImportFileRow(**row._mapping) if row else None
