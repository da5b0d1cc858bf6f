"""The reconciliation's vocabulary: exception statuses and causes with their Indonesian labels, the kinds of
request that close an exception, and the one row type of `recon_exception` (`ExceptionRow`) that the workflow,
the grid, the detail and the Berita Acara read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from queries import labels

#: Exception statuses with their Indonesian labels.
STATUSES: dict[str, str] = labels.EXCEPTION_STATUSES
#: The statuses people can still work (and reconciliation still closes by itself).
OPEN_STATUSES = ("open", "in_clarification")

#: Cause codes (table `exception_cause`), in list order, with their Indonesian labels.
CAUSES: dict[str, str] = {
    "late_file": "Berkas terlambat",
    "bank_keying_error": "Salah rekam oleh bank",
    "mpn_recording_error": "Salah rekam di MPN",
    "cutoff_difference": "Perbedaan batas waktu (cut-off)",
    "duplicate_sent": "Data terkirim ganda",
    "reversal_pending": "Reversal belum diproses",
    "force_majeure": "Keadaan kahar (force majeure)",
    "other": "Lainnya",
}

#: The maker-checker requests that close an exception (`queries.accounts.approvals` kinds).
KIND_RESOLUTION = "exception_resolution"
KIND_ADJUSTMENT = "exception_adjustment"


@dataclass(frozen=True, slots=True)
class ExceptionRow:
    """One `recon_exception` row; `pending` while it is open and a resolution or adjustment awaits approval."""

    exception_id: int
    business_date: date
    level: str
    bank_code: str
    ntpn: str
    category: str
    fields: str
    mpn_amount: int | None
    bank_amount: int | None
    other_date: date | None
    batch_id: int | None
    status: str
    opened_at: datetime
    resolved_at: datetime | None
    resolved_by: str | None
    cause: str | None
    note: str
    assignee: str | None
    closed_by_data: bool
    request_id: int | None
    pending: bool = False

    @property
    def is_open(self) -> bool:
        """True while people can still work it (`open` or `in_clarification`)."""
        return self.status in OPEN_STATUSES

    @property
    def status_label(self) -> str:
        """The status in Indonesian."""
        return STATUSES.get(self.status, self.status)

    @property
    def cause_label(self) -> str:
        """The cause in Indonesian ('' when none)."""
        return CAUSES.get(self.cause or "", self.cause or "")

    def content(self) -> dict[str, Any]:
        """What reconciliation may change under a pending request (pinned by its content hash)."""
        return {
            "category": self.category,
            "fields": self.fields,
            "mpn_amount": self.mpn_amount,
            "bank_amount": self.bank_amount,
            "other_date": self.other_date,
            "batch_id": self.batch_id,
        }


#: The stored columns of `ExceptionRow`, in order (`pending` is computed, not stored).
STORED = tuple(f for f in ExceptionRow.__dataclass_fields__ if f != "pending")


#: `ExceptionRow.pending` of the row `e` (a select-list expression).
PENDING = f"""e.status IN ('open', 'in_clarification') AND EXISTS (
    SELECT 1 FROM approval_request a
     WHERE a.kind IN ('{KIND_RESOLUTION}', '{KIND_ADJUSTMENT}') AND a.status = 'pending'
       AND a.object_key = e.exception_id::text)"""


def columns(alias: str = "") -> str:
    """`STORED` as a select list, each prefixed with `alias.` when given."""
    prefix = f"{alias}." if alias else ""
    return ", ".join(prefix + c for c in STORED)


def row_columns() -> str:
    """Every field of `ExceptionRow` as a select list over `recon_exception e`."""
    return f"{columns('e')}, {PENDING} AS pending"
