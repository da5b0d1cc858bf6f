"""The daily report's content (SE-127 step 18) for one business date: the day's totals, completeness, reconciliation,
statement and appeal letters, the distribution (the end-of-distribution report's content when the date has one)
and what remains open across all dates. Every list is aggregated in SQL: tens of rows per bank or category, never
one per payment; read-only, the caller owns the transaction. `jobs.documents.daily_report` renders it as PDF and
XLSX and keeps it on file.
"""

from __future__ import annotations

import logging
from bisect import bisect_right
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Connection, text

from queries.accounts.audit import ChainCheck, verify_chain
from queries.accounts.users import user_by_name
from queries.calendar import WIB, calendar_from_db
from queries.distribution import report as dist_report
from queries.distribution.report import DistributionReportData, NoDistribution, Person
from queries.formatting import angka, persen
from queries.letters.appeals import AppealLetter, appeal_letters
from queries.letters.statements import StatementCell, statement_cells
from queries.monitoring.completeness import DayCompleteness, PendingApprovals, day_completeness
from queries.monitoring.completeness import pending_approvals as pending_approval_list
from queries.reconciliation.classify import CATEGORIES, CATEGORY_LABELS
from queries.reconciliation.exception_detail import AGE_BUCKETS, AROSE_ON
from queries.reconciliation.exception_list import bank_names
from queries.reconciliation.summary import BankSummary, date_summary

log = logging.getLogger(__name__)

SYSTEM_MAKER = "system:scheduler"
APPROVAL_KINDS = {
    "distribution": "Distribusi",
    "appeal_letter": "Surat himbauan",
    "exception_resolution": "Penyelesaian selisih",
    "exception_adjustment": "Penyesuaian selisih",
}
SHORT_STATES = {
    "done": "Tepat waktu",
    "late": "Terlambat",
    "missing": "Belum",
    "waiting": "Menunggu",
    "na": "-",
    "anomaly": "Anomali",
    "excused": "Pemberitahuan",
}


@dataclass(frozen=True, slots=True)
class DayTotals:
    """The date's totals: MPN payments, current bank batches, matched by reconciliation, open exceptions."""

    mpn_count: int
    mpn_amount: int
    batches: int
    batch_count: int
    batch_amount: int
    matched_count: int
    matched_amount: int
    open_exceptions: int


@dataclass(frozen=True, slots=True)
class OpenCategory:
    """Open and in-clarification exceptions of one category over all dates, by age in working days."""

    category: str
    total: int
    in_clarification: int
    amount: int
    oldest: date
    ages: tuple[int, ...]  # per AGE_BUCKETS

    @property
    def title(self) -> str:
        """The category in Indonesian."""
        return CATEGORY_LABELS.get(self.category, self.category)


@dataclass(frozen=True, slots=True)
class HeldOpen:
    """Rows the latest round of their dates still holds, per reason and bank, over all dates."""

    reason: str
    bank_code: str
    bank_name: str
    dates: int
    oldest: date
    rows: int
    amount: int


@dataclass(frozen=True, slots=True)
class Unconfirmed:
    """Approved batches not yet confirmed by a target, per target and state, over all dates."""

    target: str
    state: str
    batches: int
    rows: int
    amount: int
    oldest: date


@dataclass(frozen=True, slots=True)
class DailyReportData:
    """Everything the daily report shows, read at `made_at`; `distribution` None when the date has no round."""

    business_date: date
    made_at: datetime
    made_by: str
    signer: Person | None
    totals: DayTotals
    completeness: DayCompleteness
    recon: tuple[BankSummary, ...]
    names: dict[str, str]
    statements: tuple[StatementCell, ...]
    appeal_counts: dict[str, int]
    unanswered: tuple[AppealLetter, ...]
    distribution: DistributionReportData | None
    open_exceptions: tuple[OpenCategory, ...]
    held: tuple[HeldOpen, ...]
    unconfirmed: tuple[Unconfirmed, ...]
    approvals: tuple[PendingApprovals, ...]
    audit: ChainCheck

    @property
    def today(self) -> date:
        """The report's day in WIB (letters overdue as of it)."""
        return self.made_at.astimezone(WIB).date()

    @property
    def overdue(self) -> tuple[AppealLetter, ...]:
        """Sent appeal letters past their reply period."""
        return tuple(a for a in self.unanswered if a.overdue(self.today))

    def statement_count(self, status: str) -> int:
        """Banks of the date whose statement letter has `status`."""
        return sum(1 for c in self.statements if c.status == status)

    @property
    def score_text(self) -> str:
        """`83% (10 dari 12 tepat waktu)`, or `-` when nothing was due yet."""
        s = self.completeness.score
        if s.share is None:
            return "- (belum ada yang jatuh tempo)"
        odd = f"; {angka(s.anomalies)} anomali waktu" if s.anomalies else ""
        if s.excused_count:  # the score with and without the duties a bank's disruption notice covers
            rest = "-" if s.share_excusing is None else persen(s.share_excusing)
            odd += f"; {angka(s.excused_count)} terlambat dengan surat pemberitahuan gangguan, tanpa itu skor {rest}"
        return f"{persen(s.share)} ({angka(s.done)} dari {angka(s.expected)} tepat waktu{odd})"

    @property
    def recon_anomalies(self) -> dict[str, str]:
        """Banks whose R5 timing is impossible (a result before its batch, a time after the report), with why."""
        return {r.bank_code: odd for r in self.recon if (odd := r.anomaly(self.made_at))}


_TOTALS = text("""
SELECT m.n, m.amount, b.batches, b.n, b.amount, r.n, r.amount,
       (SELECT count(*) FROM recon_exception
         WHERE business_date = :d AND status IN ('open', 'in_clarification'))
  FROM (SELECT coalesce(sum(payment_count), 0) AS n, coalesce(sum(payment_amount), 0) AS amount
          FROM mpn_bank_day WHERE business_date = :d) m,
       (SELECT count(*) AS batches, coalesce(sum(row_count), 0) AS n, coalesce(sum(total_amount), 0) AS amount
          FROM bank_batch WHERE business_date = :d AND superseded_at IS NULL) b,
       (SELECT coalesce(sum(matched_count), 0) AS n, coalesce(sum(matched_amount), 0) AS amount
          FROM recon_result WHERE business_date = :d) r""")

_OPEN = text(f"""
SELECT category, {AROSE_ON} AS opened, count(*),
       count(*) FILTER (WHERE status = 'in_clarification'),
       coalesce(sum(coalesce(mpn_amount, bank_amount)), 0), min(business_date)
  FROM recon_exception e WHERE status IN ('open', 'in_clarification') GROUP BY 1, 2""")

_HELD = text("""
SELECT h.reason, h.bank_code, coalesce(b.name, ''), count(DISTINCT d.business_date), min(d.business_date),
       sum(h.row_count), sum(h.amount)
  FROM dist_held h JOIN distribution d ON d.distribution_id = h.distribution_id
  LEFT JOIN bank b ON b.bank_code = h.bank_code
 WHERE d.distribution_id IN (SELECT max(distribution_id) FROM distribution WHERE status <> 'discarded'
                              GROUP BY business_date)
 GROUP BY 1, 2, 3 ORDER BY sum(h.amount) DESC, 2, 1""")

_UNCONFIRMED = text("""
SELECT b.target, b.state, count(*), coalesce(sum(b.row_count), 0), coalesce(sum(b.amount), 0), min(d.business_date)
  FROM dist_batch b JOIN distribution d ON d.distribution_id = b.distribution_id
 WHERE d.status IN ('approved', 'delivering') AND b.state <> 'confirmed'
 GROUP BY 1, 2 ORDER BY 1, 2""")


def _bucket(age: int) -> int:
    """The index in AGE_BUCKETS of an age in working days."""
    return next(i for i, (_, lo, hi) in enumerate(AGE_BUCKETS) if age >= lo and (hi is None or age <= hi))


def _open_exceptions(conn: Connection, as_of: date) -> list[OpenCategory]:
    """Open exceptions per category with their ages in working days from the day each arose (grouped in SQL)."""
    rows = conn.execute(_OPEN).all()
    if not rows:
        return []
    calendar = calendar_from_db(conn)
    first = min(r.opened for r in rows)
    working = [
        first + timedelta(days=i)
        for i in range((as_of - first).days + 1)
        if calendar.is_working(first + timedelta(days=i))
    ]
    upto = bisect_right(working, as_of)
    out = []
    for category in CATEGORIES:
        mine = [r for r in rows if r[0] == category]
        if not mine:
            continue
        ages = [0] * len(AGE_BUCKETS)
        for r in mine:
            age = max(0, upto - bisect_right(working, r.opened))
            ages[_bucket(age)] += r[2]
        out.append(
            OpenCategory(
                category,
                sum(r[2] for r in mine),
                sum(r[3] for r in mine),
                int(sum(r[4] for r in mine)),
                min(r[5] for r in mine),
                tuple(ages),
            )
        )
    return out


def _signer(conn: Connection, made_by: str) -> Person | None:
    user = None if made_by.startswith("system:") else user_by_name(conn, made_by)
    return None if user is None else Person(user.username, user.full_name, user.nip)


def _distribution(conn: Connection, business_date: date, made_by: str, now: datetime) -> DistributionReportData | None:
    try:
        return dist_report.report_data(conn, business_date, made_by=made_by, now=now)
    except NoDistribution:
        return None


def daily_data(
    conn: Connection, business_date: date, *, made_by: str = SYSTEM_MAKER, now: datetime | None = None
) -> DailyReportData:
    """The daily report's content for `business_date` as of `now` (any date, with or without a distribution)."""
    made_at = now or datetime.now(UTC)
    today = made_at.astimezone(WIB).date()
    totals = DayTotals(*(int(v) for v in conn.execute(_TOTALS, {"d": business_date}).one()))
    distribution = _distribution(conn, business_date, made_by, made_at)
    return DailyReportData(
        business_date=business_date,
        made_at=made_at,
        made_by=made_by,
        signer=_signer(conn, made_by),
        totals=totals,
        completeness=day_completeness(conn, business_date=business_date, now=made_at),
        recon=tuple(date_summary(conn, business_date=business_date)),
        names=bank_names(conn),
        statements=tuple(statement_cells(conn, first=business_date, last=business_date)),
        appeal_counts={
            r[0]: int(r[1]) for r in conn.execute(text("SELECT status, count(*) FROM appeal_letter GROUP BY status"))
        },
        unanswered=tuple(
            sorted(appeal_letters(conn, statuses=("sent",)), key=lambda a: (a.sent_on or date.min, a.letter_id))
        ),
        distribution=distribution,
        open_exceptions=tuple(_open_exceptions(conn, today)),
        held=tuple(HeldOpen(r[0], r[1], r[2], int(r[3]), r[4], int(r[5]), int(r[6])) for r in conn.execute(_HELD)),
        unconfirmed=tuple(
            Unconfirmed(r[0], r[1], int(r[2]), int(r[3]), int(r[4]), r[5]) for r in conn.execute(_UNCONFIRMED)
        ),
        approvals=tuple(pending_approval_list(conn)),
        audit=distribution.audit if distribution else verify_chain(conn),
    )
