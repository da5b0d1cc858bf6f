"""The bank scorecard (Rapor bank): how each collecting agent kept its duties over a period.

Per bank: working days with data, batches late (after 16:00 WIB, PER-78 Ps.9(5)) and missing (payments but no
batch once due), statement letters missing past their deadline, late and not matching the batch (the rule of
`queries.letters.statements`), the exception rate (transaction exceptions found over payments) and appeal letters sent
and not answered, overdue among them, and results that reached the bank after R5's hour (or not at all once it
passed; `queries.reconciliation.bank_results.delivery_times`). It is the evidence for PER-78 Pasal 4(e): revoking a
bank's right to
collect online. One pass over the small per-day tables; nothing scans the payment partitions. A batch or letter
"received" after now is an anomaly (`queries.timeline`), not a late one: Kelengkapan shows it as such.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

from sqlalchemy import Connection, text

from queries import config
from queries.calendar import WIB, WorkingCalendar, calendar_from_db
from queries.letters.appeals import appeal_letters
from queries.letters.notices import EXCUSED, active_notices
from queries.letters.statements import statement_cells
from queries.monitoring.completeness import BATCH_DUE, NOTICE_REACH_DAYS, bank_days
from queries.reconciliation.bank_results import delivery_times
from queries.timeline import in_future, result_anomaly

#: The export's columns (and the grid's), in order, with their Indonesian headers.
COLUMNS: dict[str, str] = {
    "bank_code": "Kode",
    "bank_name": "Bank/Pos persepsi",
    "days_with_data": "Hari kerja dengan data",
    "batches_late": "Batch terlambat",
    "batches_missing": "Batch tidak ada",
    "statements_missing": "Surat pernyataan tidak ada",
    "statements_late": "Surat pernyataan terlambat",
    "statements_mismatch": "Surat pernyataan tidak sesuai",
    "payments": "Transaksi MPN",
    "exceptions": "Selisih transaksi",
    "exception_rate": "Rasio selisih",
    "appeals_unanswered": "Surat himbauan belum dijawab",
    "appeals_overdue": "Surat himbauan lewat batas",
    "results_late": "Hasil rekonsiliasi terlambat sampai ke bank (R5)",
    "excused": "Terlambat — ada pemberitahuan (tidak dihitung sebagai pelanggaran)",
}


@dataclass(frozen=True, slots=True)
class BankScore:
    """One collecting agent's record over the period."""

    bank_code: str
    bank_name: str
    bank_kind: str
    days_with_data: int
    batches_late: int
    batches_missing: int
    statements_missing: int
    statements_late: int
    statements_mismatch: int
    payments: int
    exceptions: int
    appeals_unanswered: int
    appeals_overdue: int
    results_late: int = 0  # R5: results that reached the bank after the hour, or not at all once it passed
    excused: int = 0  # late or missing duties a disruption notice covers: counted apart, not a breach

    @property
    def exception_rate(self) -> float | None:
        """Transaction exceptions over payments, None without payments."""
        return self.exceptions / self.payments if self.payments else None

    @property
    def failures(self) -> int:
        """Every breach counted, for ordering the worst first."""
        return (
            self.batches_late
            + self.batches_missing
            + self.statements_missing
            + self.statements_late
            + self.statements_mismatch
            + self.appeals_overdue
            + self.results_late
        )

    @property
    def failures_with_excused(self) -> int:
        """The breaches counting the excused duties too (the record without the notices)."""
        return self.failures + self.excused


_DAYS = text("""
WITH day AS (
    SELECT bank_code, business_date FROM mpn_bank_day
     WHERE business_date BETWEEN :first AND :last AND payment_count > 0
    UNION
    SELECT bank_code, business_date FROM bank_batch
     WHERE business_date BETWEEN :first AND :last AND superseded_at IS NULL
), exc AS (
    SELECT bank_code, count(*) AS n FROM recon_exception
     WHERE business_date BETWEEN :first AND :last AND level = 'transaction' GROUP BY bank_code
), pay AS (
    SELECT bank_code, sum(payment_count) AS n FROM mpn_bank_day
     WHERE business_date BETWEEN :first AND :last GROUP BY bank_code
), late AS (
    SELECT bb.bank_code,
           count(*) FILTER (WHERE bb.received_at > (bb.business_date + CAST(:due AS time)) AT TIME ZONE :zone
                              AND bb.received_at <= CAST(:now AS timestamptz) + interval '5 minutes') AS n
      FROM bank_batch bb
     WHERE bb.business_date BETWEEN :first AND :last AND bb.superseded_at IS NULL GROUP BY bb.bank_code
), missing AS (
    SELECT m.bank_code, count(*) AS n FROM mpn_bank_day m
     WHERE m.business_date BETWEEN :first AND :last AND m.payment_count > 0
       AND (m.business_date + CAST(:due AS time)) AT TIME ZONE :zone < :now
       AND NOT EXISTS (SELECT 1 FROM bank_batch bb WHERE bb.bank_code = m.bank_code
                          AND bb.business_date = m.business_date AND bb.superseded_at IS NULL)
     GROUP BY m.bank_code
)
SELECT b.bank_code, b.name, b.kind, array_agg(d.business_date) AS days,
       coalesce(max(l.n), 0), coalesce(max(mi.n), 0), coalesce(max(p.n), 0), coalesce(max(e.n), 0)
  FROM day d JOIN bank b ON b.bank_code = d.bank_code
  LEFT JOIN late l ON l.bank_code = d.bank_code
  LEFT JOIN missing mi ON mi.bank_code = d.bank_code
  LEFT JOIN pay p ON p.bank_code = d.bank_code
  LEFT JOIN exc e ON e.bank_code = d.bank_code
 GROUP BY b.bank_code, b.name, b.kind
""")


def default_period(today: date) -> tuple[date, date]:
    """The last three months up to `today`: the same day three months earlier (clamped to the month's end)."""
    year, month = (today.year, today.month - 3) if today.month > 3 else (today.year - 1, today.month + 9)
    day = today.day
    while True:
        try:
            return date(year, month, day), today
        except ValueError:
            day -= 1


def bank_scores(conn: Connection, *, first: date, last: date, now: datetime) -> list[BankScore]:
    """Per collecting agent with data in `first`..`last`: its record as of `now`, the worst first."""
    if last < first:
        return []
    calendar = calendar_from_db(conn)
    found = conn.execute(_DAYS, {"first": first, "last": last, "due": BATCH_DUE, "zone": str(WIB), "now": now}).all()
    letters: dict[str, list[int]] = {}
    # only the breaches come back: a year of cells is tens of thousands, nearly all received
    for cell in statement_cells(
        conn, first=first, last=last, calendar=calendar, statuses=("missing", "late", "mismatch")
    ):
        counts = letters.setdefault(cell.bank_code, [0, 0, 0])
        counts[0] += cell.overdue(now)
        counts[1] += cell.status == "late" and not in_future(cell.received_at, now, "")  # an anomaly is not late
        counts[2] += cell.status == "mismatch"
    today = now.astimezone(config.timezone()).date()
    results_late: dict[str, int] = {}
    for d in delivery_times(conn, first=first, last=last).values():  # R5: the result's delivery to the bank
        sent, _ = d.r5
        deadline = d.deadline
        if (
            d.batch_received_at is not None
            and deadline is not None
            and d.batch_received_at <= now
            and (sent or now) > deadline
            and not result_anomaly(d.batch_received_at, sent, d.minutes, now)
        ):
            results_late[d.bank_code] = results_late.get(d.bank_code, 0) + 1
    appeals: dict[str, list[int]] = {}
    for letter in appeal_letters(conn, statuses=("sent",)):
        if any(first <= d <= last for d in letter.business_dates):
            counts = appeals.setdefault(letter.bank_code, [0, 0])
            counts[0] += 1
            counts[1] += letter.overdue(today)
    excused = _excused(conn, first, last, now, calendar)
    scores = []
    for code, name, kind, days, late, missing, payments, exceptions in found:
        s, a = letters.get(code, [0, 0, 0]), appeals.get(code, [0, 0])
        scores.append(
            _apart(
                BankScore(
                    code,
                    name,
                    kind,
                    sum(calendar.is_working(d) for d in days),
                    int(late),
                    int(missing),
                    s[0],
                    s[1],
                    s[2],
                    int(payments),
                    int(exceptions),
                    a[0],
                    a[1],
                    results_late.get(code, 0),
                ),
                excused.get(code, {}),
            )
        )
    return sorted(scores, key=lambda r: (-r.failures, -(r.exception_rate or 0), r.bank_code))


#: The scorecard's counts an excused duty leaves (by Kelengkapan duty and the state it would have without notice).
_APART = {
    ("batch", "late"): "batches_late",
    ("batch", "missing"): "batches_missing",
    ("statement", "late"): "statements_late",
    ("statement", "missing"): "statements_missing",
    ("recon", "late"): "results_late",
    ("recon", "missing"): "results_late",
}


def _excused(
    conn: Connection, first: date, last: date, now: datetime, calendar: WorkingCalendar
) -> dict[str, dict[tuple[str, str], int]]:
    """Per bank, the excused duties of `first`..`last` by (duty, plain state): Kelengkapan read only around the
    periods of the notices (few days), never over the whole period."""
    tz = config.timezone()
    found = active_notices(
        conn,
        start=datetime.combine(first, time(0), tz),
        end=datetime.combine(last + timedelta(days=NOTICE_REACH_DAYS), time(0), tz),
    )
    if not found:
        return {}
    start = max(first, min(n.period_from.astimezone(tz).date() for n in found) - timedelta(days=NOTICE_REACH_DAYS))
    end = min(last, max(n.period_to.astimezone(tz).date() for n in found))
    out: dict[str, dict[tuple[str, str], int]] = {}
    banks = {n.bank_code for n in found}
    for row in bank_days(conn, first=start, last=end, now=now, calendar=calendar) if start <= end else []:
        if row.bank_code in banks:
            for status in row.duties.values():
                if status.state == EXCUSED:
                    key = (status.duty, status.plain_state)
                    out.setdefault(row.bank_code, {})[key] = out.get(row.bank_code, {}).get(key, 0) + 1
    return out


def _apart(score: BankScore, excused: dict[tuple[str, str], int]) -> BankScore:
    """The bank's record with its excused duties moved out of the breaches into `excused`."""
    if not excused:
        return score
    less: dict[str, int] = {}
    for key, n in excused.items():
        if key in _APART:
            less[_APART[key]] = less.get(_APART[key], 0) + n
    return replace(score, excused=sum(excused.values()), **{f: max(0, getattr(score, f) - n) for f, n in less.items()})
