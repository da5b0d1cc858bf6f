"""Statement letters per bank and business date (SE-127 step 4): which arrived, on time, matching the batch.

A (bank, business date) expects a letter when the bank has MPN payments or a current batch that day.
Its status, checked in this order:

- `missing`: no current letter;
- `mismatch`: the declared count or amount differs from the current batch (CONTRACT §4 `statement_mismatch`);
- `anomaly`: the stored `received_at` is not a plausible time (year 1, BC, infinity: a row from before
  migration 0010), so on time or late cannot be told; the letter is there, its time is unknown;
- `late`: received after the deadline, by default 09:00 (schedule time zone) on the next working day;
- `received`: on time.

The deadline of each date is computed here from the working calendar and the settings, then joined in SQL,
so a page of 60 banks x 30 days is one query over small tables (`mpn_bank_day`, `bank_batch`,
`statement_letter`), never the partitions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, text

from queries import config, labels
from queries.calendar import WorkingCalendar, calendar_from_db
from queries.plausibility import SQL_EARLIEST_TS, SQL_LATEST_TS
from queries.settings import Settings, current_settings

#: Statuses in order of severity, with their Indonesian labels.
STATUSES: dict[str, str] = labels.STATEMENT_STATUSES
KINDS = ("bank", "pos", "other")
#: How far back `missing_pairs` looks for dates still without a letter.
LOOKBACK_DAYS = 62


def deadline(day: date, settings: Settings, calendar: WorkingCalendar, tz: ZoneInfo | None = None) -> datetime:
    """When the statement letter for business date `day` is due: the deadline time on the N-th working day
    after it (N = `statement.deadline_days`; 0 means the business date itself)."""
    due = day
    for _ in range(settings.statement_deadline_days):
        due = calendar.next_after(due)
    return datetime.combine(due, settings.statement_deadline_time, tzinfo=tz or config.timezone())


@dataclass(frozen=True, slots=True)
class StatementCell:
    """One bank and business date: what is expected, what arrived, and the resulting status."""

    bank_code: str
    bank_name: str
    bank_kind: str
    business_date: date
    deadline: datetime
    status: str
    mpn_count: int
    mpn_amount: int
    batch_count: int | None
    batch_amount: int | None
    letter_id: int | None
    letter_number: str | None
    letter_date: date | None
    received_at: datetime | None
    declared_count: int | None
    declared_amount: int | None
    signer: str | None
    scan_id: int | None
    entered_by: str | None
    appeal_letter_id: int | None
    appeal_status: str | None

    @property
    def status_title(self) -> str:
        """The status in Indonesian."""
        return STATUSES[self.status]

    def overdue(self, now: datetime) -> bool:
        """Missing and past its deadline at `now`."""
        return self.status == "missing" and now > self.deadline


_CELLS = text(f"""
WITH expected AS (
    SELECT bank_code, business_date FROM mpn_bank_day
     WHERE business_date BETWEEN :first AND :last AND payment_count > 0
    UNION
    SELECT bank_code, business_date FROM bank_batch
     WHERE business_date BETWEEN :first AND :last AND superseded_at IS NULL
    UNION
    SELECT bank_code, business_date FROM statement_letter
     WHERE business_date BETWEEN :first AND :last AND superseded_at IS NULL
), appeal AS (
    SELECT DISTINCT ON (a.bank_code, d) a.bank_code, d AS business_date, a.letter_id, a.status
      FROM appeal_letter a CROSS JOIN LATERAL unnest(a.business_dates) d
     WHERE a.status <> 'void' AND d BETWEEN :first AND :last
     ORDER BY a.bank_code, d, a.letter_id DESC
), due AS (
    SELECT * FROM unnest(CAST(:days AS date[]), CAST(:deadlines AS timestamptz[])) AS d(business_date, deadline)
), cell AS (
    SELECT e.bank_code, b.name AS bank_name, b.kind AS bank_kind, e.business_date, due.deadline,
           CASE WHEN sl.letter_id IS NULL THEN 'missing'
                WHEN bb.batch_id IS NOT NULL AND (sl.declared_count <> bb.row_count
                                                  OR sl.declared_amount <> bb.total_amount) THEN 'mismatch'
                WHEN NOT (sl.received_at >= {SQL_EARLIEST_TS} AND sl.received_at < {SQL_LATEST_TS}) THEN 'anomaly'
                WHEN sl.received_at > due.deadline THEN 'late'
                ELSE 'received' END AS status,
           coalesce(m.payment_count, 0) AS mpn_count, coalesce(m.payment_amount, 0) AS mpn_amount,
           bb.row_count AS batch_count, bb.total_amount AS batch_amount,
           sl.letter_id, sl.letter_number, sl.letter_date, sl.received_at, sl.declared_count, sl.declared_amount,
           sl.signer, sl.scan_id, sl.entered_by, ap.letter_id AS appeal_letter_id, ap.status AS appeal_status
      FROM expected e
      JOIN bank b ON b.bank_code = e.bank_code
      JOIN due ON due.business_date = e.business_date
      LEFT JOIN mpn_bank_day m ON m.bank_code = e.bank_code AND m.business_date = e.business_date
      LEFT JOIN bank_batch bb
             ON bb.bank_code = e.bank_code AND bb.business_date = e.business_date AND bb.superseded_at IS NULL
      LEFT JOIN statement_letter sl
             ON sl.bank_code = e.bank_code AND sl.business_date = e.business_date AND sl.superseded_at IS NULL
      LEFT JOIN appeal ap ON ap.bank_code = e.bank_code AND ap.business_date = e.business_date
     WHERE b.kind = ANY(:kinds)
)
SELECT * FROM cell
 WHERE status = ANY(:statuses)
 ORDER BY CASE bank_kind WHEN 'bank' THEN 0 WHEN 'pos' THEN 1 ELSE 2 END, bank_code, business_date
""")


def statement_cells(
    conn: Connection,
    *,
    first: date,
    last: date,
    kinds: Sequence[str] = KINDS,
    statuses: Sequence[str] = tuple(STATUSES),
    settings: Settings | None = None,
    calendar: WorkingCalendar | None = None,
) -> list[StatementCell]:
    """Every (bank, business date) of `first`..`last` that expects or has a statement letter, with its status."""
    if last < first:
        return []
    settings = settings or current_settings(conn)
    calendar = calendar or calendar_from_db(conn)
    tz = config.timezone()
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    rows = conn.execute(
        _CELLS,
        {
            "first": first,
            "last": last,
            "days": days,
            "deadlines": [deadline(d, settings, calendar, tz) for d in days],
            "kinds": list(kinds),
            "statuses": list(statuses),
        },
    )
    return [StatementCell(**row._mapping) for row in rows]


def statement_cell(conn: Connection, bank_code: str, business_date: date) -> StatementCell | None:
    """One bank and date, or None when it expects no letter and has none."""
    found = statement_cells(conn, first=business_date, last=business_date)
    return next((c for c in found if c.bank_code == bank_code), None)


def missing_pairs(conn: Connection, *, until: date, since: date | None = None) -> dict[str, list[date]]:
    """Per bank, the business dates from `since` (default LOOKBACK_DAYS before) to `until` still without a letter."""
    since = since or until - timedelta(days=LOOKBACK_DAYS)
    missing: dict[str, list[date]] = {}
    for cell in statement_cells(conn, first=since, last=until, statuses=("missing",)):
        missing.setdefault(cell.bank_code, []).append(cell.business_date)
    return missing


@dataclass(frozen=True, slots=True)
class StatementVersion:
    """One stored version of a bank's letter for a date (the current one has `superseded_at` None)."""

    letter_id: int
    letter_number: str
    letter_date: date
    received_at: datetime
    declared_count: int
    declared_amount: int
    signer: str
    scan_id: int | None
    entered_by: str | None
    import_id: int | None
    created_at: datetime
    superseded_at: datetime | None


def statement_history(conn: Connection, bank_code: str, business_date: date) -> list[StatementVersion]:
    """Every version of the bank's statement letter for the date, newest first."""
    rows = conn.execute(
        text("""
        SELECT letter_id, letter_number, letter_date, received_at, declared_count, declared_amount, signer,
               scan_id, entered_by, import_id, created_at, superseded_at
          FROM statement_letter WHERE bank_code = :bank AND business_date = :day
         ORDER BY letter_id DESC"""),
        {"bank": bank_code, "day": business_date},
    )
    return [StatementVersion(**row._mapping) for row in rows]
