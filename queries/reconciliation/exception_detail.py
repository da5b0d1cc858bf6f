"""Reading exceptions for the Rekonsiliasi page: one exception in detail, and open exceptions by age.

`exception_detail` shows both sides of the transaction field by field (MPN records and current batch rows
with that NTPN around the exception's date), what differs, and the work on it: comments, assignments,
history (audit rows, plus detection and closure by data), the pending request, Berita Acara, adjustments,
Nota Perbaikan. Ages are in working days (`queries.calendar`): 0 on the day an exception was opened.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import Connection, text

from queries.accounts.approvals import Approval
from queries.accounts.audit import ACTIONS
from queries.calendar import WIB, WorkingCalendar, calendar_from_db
from queries.reconciliation.adjust import RecordRef
from queries.reconciliation.berita_acara import BA_COLUMNS, NOTA_COLUMNS, BeritaAcara, NotaPerbaikan
from queries.reconciliation.classify import CUTOFF_WINDOW
from queries.reconciliation.model import OPEN_STATUSES, ExceptionRow
from queries.reconciliation.work import KIND_ADJUSTMENT, KIND_RESOLUTION, OBJECT_TYPE, exception_row, pending_request

#: The fields compared side by side, in display order (`business_date` last).
DETAIL_FIELDS = (
    "ntpn",
    "bank_code",
    "ntb",
    "paid_at",
    "npwp",
    "kap",
    "kjs",
    "tax_period",
    "kpp_code",
    "amount",
    "business_date",
)
#: Age buckets in working days: (label, lowest, highest or None).
AGE_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("0-1", 0, 1),
    ("2-5", 2, 5),
    ("6-20", 6, 20),
    (">20", 21, None),
)


class SideRecord(NamedTuple):
    """One record of one side: an MPN record (payment or reversal) or a current batch row."""

    ref: RecordRef
    record_type: str
    ntpn: str
    bank_code: str
    ntb: str
    paid_at: datetime
    npwp: str
    kap: str
    kjs: str
    tax_period: str
    kpp_code: str
    amount: int
    business_date: date
    derived_date: date | None

    def value(self, field: str) -> Any:
        """The value of one of DETAIL_FIELDS."""
        return getattr(self, field)


class Comment(NamedTuple):
    """One comment on an exception."""

    comment_id: int
    author: str
    author_role: str
    body: str
    created_at: datetime


class Assignment(NamedTuple):
    """One change of assignee (None: unassigned)."""

    assignee: str | None
    previous: str | None
    assigned_by: str
    assigned_at: datetime


class HistoryEvent(NamedTuple):
    """One thing that happened to the exception, oldest first."""

    at: datetime
    actor: str
    action: str
    label: str
    detail: dict[str, Any]


class Adjustment(NamedTuple):
    """One recorded adjustment: the record referred to with its values before and after."""

    adjustment_id: int
    kind: str
    side: str
    ref: RecordRef | None
    effective_date: date
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    cause: str
    note: str
    requested_by: str
    approved_by: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class ExceptionDetail:
    """Everything the detail panel shows about one exception."""

    exception: ExceptionRow
    age_working_days: int
    mpn: tuple[SideRecord, ...]
    bank: tuple[SideRecord, ...]
    differing: tuple[str, ...]
    comments: tuple[Comment, ...]
    assignments: tuple[Assignment, ...]
    history: tuple[HistoryEvent, ...]
    pending: Approval | None
    berita_acara: tuple[BeritaAcara, ...]
    adjustments: tuple[Adjustment, ...]
    nota_perbaikan: tuple[NotaPerbaikan, ...]
    #: Who closed it after maker-checker: the approver of the last step (None when open or closed by data).
    closed_by: str | None = None

    def pairs(self) -> list[tuple[str, Any, Any]]:
        """(field, MPN value, bank value) of the first payment and the first batch row, in DETAIL_FIELDS order."""
        m = next((r for r in self.mpn if r.record_type == "payment"), None)
        b = self.bank[0] if self.bank else None
        return [(f, None if m is None else m.value(f), None if b is None else b.value(f)) for f in DETAIL_FIELDS]


class AgeBucket(NamedTuple):
    """Open exceptions whose age in working days lies in [lowest, highest]."""

    label: str
    lowest: int
    highest: int | None
    total: int
    open: int
    in_clarification: int


_MPN = text("""
    SELECT 'mpn', business_date, import_id, line, record_type, ntpn, bank_code, ntb, paid_at, npwp, kap, kjs,
           tax_period, kpp_code, amount, business_date, NULL::date
      FROM mpn_record WHERE ntpn = :ntpn AND business_date BETWEEN :lo AND :hi
     ORDER BY business_date, paid_at, import_id, line""")
_BANK = text("""
    SELECT 'bank', r.business_date, r.batch_id, r.line, 'payment', r.ntpn, r.bank_code, r.ntb, r.paid_at, r.npwp,
           r.kap, r.kjs, r.tax_period, r.kpp_code, r.amount, r.business_date, r.derived_date
      FROM bank_batch_row r JOIN bank_batch k ON k.batch_id = r.batch_id AND k.superseded_at IS NULL
     WHERE r.ntpn = :ntpn AND r.business_date BETWEEN :lo AND :hi
     ORDER BY r.business_date, r.batch_id, r.line""")


def _side(rows: Any) -> tuple[SideRecord, ...]:
    return tuple(SideRecord(RecordRef(r[0], r[1], r[2], r[3]), *r[4:]) for r in rows)


def _differing(mpn: tuple[SideRecord, ...], bank: tuple[SideRecord, ...]) -> tuple[str, ...]:
    m = next((r for r in mpn if r.record_type == "payment"), None)
    if m is None or not bank:
        return ()
    b = bank[0]
    return tuple(f for f in DETAIL_FIELDS if f != "paid_at" and m.value(f) != b.value(f))


def _history(conn: Connection, exc: ExceptionRow) -> tuple[HistoryEvent, ...]:
    rows = conn.execute(
        text("""
        SELECT at, actor, action, coalesce(after, '{}'::jsonb) FROM audit_log
         WHERE (object_type, object_id) IN ((:t1, :id), (:t2, :id), (:t3, :id))
         ORDER BY seq"""),
        {"t1": OBJECT_TYPE, "t2": KIND_RESOLUTION, "t3": KIND_ADJUSTMENT, "id": str(exc.exception_id)},
    ).all()
    events = [
        HistoryEvent(
            exc.opened_at, "system", "exception.open", "Terdeteksi oleh rekonsiliasi", {"category": exc.category}
        )
    ]
    events += [HistoryEvent(at, actor, action, ACTIONS.get(action, action), after) for at, actor, action, after in rows]
    if exc.closed_by_data and exc.resolved_at is not None:
        events.append(
            HistoryEvent(
                exc.resolved_at,
                exc.resolved_by or "system",
                "exception.closed_by_data",
                "Tertutup otomatis oleh data",
                {"note": exc.note},
            )
        )
    return tuple(sorted(events, key=lambda e: e.at))


def working_age(calendar: WorkingCalendar, start: date, as_of: date) -> int:
    """Working days after `start` up to and including `as_of` (0 when opened on `as_of`)."""
    days, day = 0, start + timedelta(days=1)
    while day <= as_of:
        days += calendar.is_working(day)
        day += timedelta(days=1)
    return days


def _wib_day(moment: datetime) -> date:
    return moment.astimezone(WIB).date()


#: The day (WIB) a difference arose in the business timeline: its business date, or the day the bank's first batch
#: of that date arrived when later (the data that showed it), never after it was detected. A row's insert time alone
#: would age a difference found by a late run (or a history replayed at once) from that run, not from the data.
AROSE_ON = """LEAST((e.opened_at AT TIME ZONE 'Asia/Jakarta')::date,
                    GREATEST(e.business_date, coalesce((SELECT (min(b.received_at) AT TIME ZONE 'Asia/Jakarta')::date
                                                          FROM bank_batch b WHERE b.bank_code = e.bank_code
                                                           AND b.business_date = e.business_date),
                                                       e.business_date)))"""


def arose_on(conn: Connection, exception_id: int) -> date:
    """The day exception `exception_id` arose in the business timeline (`AROSE_ON`)."""
    return conn.execute(
        text(f"SELECT {AROSE_ON} FROM recon_exception e WHERE e.exception_id = :id"), {"id": exception_id}
    ).scalar_one()


def exception_detail(conn: Connection, exception_id: int, *, as_of: date | None = None) -> ExceptionDetail:
    """One exception with both sides field by field and all the work on it (WorkRefused when unknown)."""
    exc = exception_row(conn, exception_id)
    mpn: tuple[SideRecord, ...] = ()
    bank: tuple[SideRecord, ...] = ()
    if exc.ntpn:
        window = {"ntpn": exc.ntpn, "lo": exc.business_date - CUTOFF_WINDOW, "hi": exc.business_date + CUTOFF_WINDOW}
        mpn, bank = _side(conn.execute(_MPN, window)), _side(conn.execute(_BANK, window))
    key = {"id": exception_id}
    comments = tuple(
        Comment(*r)
        for r in conn.execute(
            text(
                """SELECT comment_id, author, author_role, body, created_at FROM exception_comment
            WHERE exception_id = :id ORDER BY comment_id"""
            ),
            key,
        )
    )
    assignments = tuple(
        Assignment(*r)
        for r in conn.execute(
            text(
                """SELECT assignee, previous, assigned_by, assigned_at FROM exception_assignment
            WHERE exception_id = :id ORDER BY assignment_id"""
            ),
            key,
        )
    )
    bas = tuple(
        BeritaAcara(*r)
        for r in conn.execute(
            text(
                f"SELECT {BA_COLUMNS} FROM berita_acara WHERE exception_id = :id OR (ntpn = :ntpn AND ntpn <> '')"
                " ORDER BY ba_id"
            ),
            {**key, "ntpn": exc.ntpn},
        )
    )
    adjustments = tuple(
        Adjustment(r[0], r[1], r[2], None if r[4] is None else RecordRef(r[2], r[3], r[4], r[5]), *r[6:])
        for r in conn.execute(
            text(
                """SELECT adjustment_id, kind, side, ref_business_date, ref_source_id, ref_line, effective_date, before,
                  after, cause, note, requested_by, approved_by, created_at
             FROM adjustment WHERE exception_id = :id ORDER BY adjustment_id"""
            ),
            key,
        )
    )
    notas = tuple(
        NotaPerbaikan(*r)
        for r in conn.execute(
            text(f"SELECT {NOTA_COLUMNS} FROM nota_perbaikan WHERE exception_id = :id ORDER BY nota_id"), key
        )
    )
    calendar = calendar_from_db(conn)
    end = as_of or _wib_day(exc.resolved_at or datetime.now().astimezone())
    return ExceptionDetail(
        exc,
        working_age(calendar, arose_on(conn, exception_id), end),
        mpn,
        bank,
        _differing(mpn, bank),
        comments,
        assignments,
        _history(conn, exc),
        pending_request(conn, exception_id),
        bas,
        adjustments,
        notas,
        _closer(conn, exc),
    )


def _closer(conn: Connection, exc: ExceptionRow) -> str | None:
    """The user who approved the last step of the request that closed `exc` (the checker, not the maker)."""
    if exc.is_open or exc.closed_by_data or exc.request_id is None:
        return None
    return conn.execute(
        text("""SELECT u.username FROM approval_decision d JOIN app_user u ON u.user_id = d.decided_by
                                  WHERE d.request_id = :r AND d.decision = 'approved'
                                  ORDER BY d.step DESC LIMIT 1"""),
        {"r": exc.request_id},
    ).scalar()


def exception_age_buckets(conn: Connection, *, as_of: date, bank: str | None = None) -> list[AgeBucket]:
    """Open and in-clarification exceptions by age in working days (`AROSE_ON` to `as_of`): 0-1, 2-5, 6-20, >20.

    Grouped by the day each arose in SQL (a few dozen rows); the working days between come from the calendar.
    """
    rows = conn.execute(
        text(f"""
        SELECT {AROSE_ON} AS opened, status, count(*)
          FROM recon_exception e
         WHERE status IN :statuses AND (CAST(:bank AS text) IS NULL OR bank_code = CAST(:bank AS text))
         GROUP BY 1, 2"""),
        {"statuses": OPEN_STATUSES, "bank": bank},
    ).all()
    counts = {label: {"open": 0, "in_clarification": 0} for label, _, _ in AGE_BUCKETS}
    if rows:
        calendar = calendar_from_db(conn)
        first = min(r.opened for r in rows)
        working = [
            first + timedelta(days=i)
            for i in range((as_of - first).days + 1)
            if calendar.is_working(first + timedelta(days=i))
        ]
        upto = bisect_right(working, as_of)
        for opened, status, n in rows:
            age = max(0, upto - bisect_right(working, opened))
            label = next(lb for lb, lo, hi in AGE_BUCKETS if age >= lo and (hi is None or age <= hi))
            counts[label][status] += n
    return [
        AgeBucket(label, lo, hi, sum(counts[label].values()), counts[label]["open"], counts[label]["in_clarification"])
        for label, lo, hi in AGE_BUCKETS
    ]
