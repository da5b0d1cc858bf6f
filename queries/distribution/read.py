"""What the Distribusi page reads beyond `queries.distribution.prepare` (SE-127 steps 15-17), and its one write.

Per business date and target: batches and rows confirmed (the success rate) and how long delivery took, both
per confirming HTTP attempt (`dist_attempt.latency_ms`) and from the second approval to the confirmation; per
KPP: when its data of the date arrived at both targets (available to the KPP, step 17); whether a delivery is
queued or running. Only approved rounds count: a round still being prepared is not due yet. All set-based.

`mark_for_redistribution` (step 16) sends failed batches back to `approved` and asks the scheduler to run the
delivery job; it never commits (the caller owns the transaction).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Connection, text

from queries.accounts import approvals
from queries.accounts.approvals import Approval
from queries.accounts.audit import Actor, record
from queries.accounts.users import User
from queries.distribution import delivery
from queries.distribution.delivery import LIVE, BatchKey
from queries.distribution.prepare import KIND, DistributionRefused, acting, distributions
from queries.scheduling.store import request_run

JOB_ID = "distribution"


@dataclass(frozen=True, slots=True)
class TargetDay:
    """One business date at one target: batches and rows by state, and delivery times of confirmed batches."""

    business_date: date
    target: str
    batches: int
    batches_confirmed: int
    batches_failed: int
    batches_sending: int
    rows: int
    rows_confirmed: int
    rows_failed: int
    amount: int
    amount_confirmed: int
    median_latency_ms: float | None
    p95_latency_ms: float | None
    median_to_confirm_s: float | None
    p95_to_confirm_s: float | None
    last_confirmed_at: datetime | None

    @property
    def batches_waiting(self) -> int:
        """Approved batches not sent yet (or sent back for redistribution)."""
        return self.batches - self.batches_confirmed - self.batches_failed - self.batches_sending

    @property
    def success_rate(self) -> float:
        """Confirmed rows over all rows due, 0..1 (1 when nothing is due)."""
        return self.rows_confirmed / self.rows if self.rows else 1.0


_TARGET_DAYS = text("""
WITH b AS (
    SELECT d.business_date, b.target, b.batch_id, b.row_count, b.amount, b.state, b.confirmed_at, d.approved_at
      FROM dist_batch b JOIN distribution d ON d.distribution_id = b.distribution_id
     WHERE d.business_date = ANY(CAST(:days AS date[])) AND d.status = ANY(CAST(:live AS text[]))
), latency AS (
    SELECT b.business_date, b.target,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY a.latency_ms) AS median_ms,
           percentile_cont(0.95) WITHIN GROUP (ORDER BY a.latency_ms) AS p95_ms
      FROM b JOIN dist_attempt a ON a.target = b.target AND a.batch_id = b.batch_id AND a.outcome = 'confirmed'
     GROUP BY b.business_date, b.target
)
SELECT b.business_date, b.target, count(*),
       count(*) FILTER (WHERE b.state = 'confirmed'), count(*) FILTER (WHERE b.state = 'failed'),
       count(*) FILTER (WHERE b.state = 'sending'),
       sum(b.row_count), coalesce(sum(b.row_count) FILTER (WHERE b.state = 'confirmed'), 0),
       coalesce(sum(b.row_count) FILTER (WHERE b.state = 'failed'), 0),
       sum(b.amount), coalesce(sum(b.amount) FILTER (WHERE b.state = 'confirmed'), 0),
       l.median_ms, l.p95_ms,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM b.confirmed_at - b.approved_at))
           FILTER (WHERE b.state = 'confirmed'),
       percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM b.confirmed_at - b.approved_at))
           FILTER (WHERE b.state = 'confirmed'),
       max(b.confirmed_at)
  FROM b LEFT JOIN latency l ON l.business_date = b.business_date AND l.target = b.target
 GROUP BY b.business_date, b.target, l.median_ms, l.p95_ms
 ORDER BY b.business_date, b.target
""")


def target_days(conn: Connection, days: Sequence[date]) -> list[TargetDay]:
    """Per business date of `days` (e.g. the last 30 working days) and target: delivery totals and times."""
    if not days:
        return []
    rows = conn.execute(_TARGET_DAYS, {"days": list(days), "live": list(LIVE)})
    return [
        TargetDay(
            r[0],
            r[1],
            int(r[2]),
            int(r[3]),
            int(r[4]),
            int(r[5]),
            int(r[6]),
            int(r[7]),
            int(r[8]),
            int(r[9]),
            int(r[10]),
            _float(r[11]),
            _float(r[12]),
            _float(r[13]),
            _float(r[14]),
            r[15],
        )
        for r in rows
    ]


def _float(value: object) -> float | None:
    return None if value is None else float(value)  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class KppAvailability:
    """One KPP's data of the date: rows, rows confirmed per target, and when it was complete at both."""

    kpp_code: str
    kpp_name: str
    rows: int
    rows_sidjp: int
    rows_sipmod: int
    available_at: datetime | None

    @property
    def available(self) -> bool:
        """Every batch of the KPP confirmed at both targets (SE-127 step 17)."""
        return self.available_at is not None


def kpp_availability(conn: Connection, business_date: date) -> list[KppAvailability]:
    """Per KPP with approved data on the date: confirmed rows per target and `available_at` (None until all are)."""
    rows = conn.execute(
        text("""
        SELECT b.kpp_code, coalesce(k.name, ''),
               coalesce(sum(b.row_count) FILTER (WHERE b.target = 'sidjp'), 0),
               coalesce(sum(b.row_count) FILTER (WHERE b.target = 'sidjp' AND b.state = 'confirmed'), 0),
               coalesce(sum(b.row_count) FILTER (WHERE b.target = 'sipmod' AND b.state = 'confirmed'), 0),
               CASE WHEN bool_and(b.state = 'confirmed') THEN max(b.confirmed_at) END
          FROM dist_batch b JOIN distribution d ON d.distribution_id = b.distribution_id
          LEFT JOIN kpp k ON k.kpp_code = b.kpp_code
         WHERE d.business_date = :d AND d.status = ANY(CAST(:live AS text[]))
         GROUP BY b.kpp_code, k.name ORDER BY b.kpp_code"""),
        {"d": business_date, "live": list(LIVE)},
    )
    return [KppAvailability(r[0], r[1], int(r[2]), int(r[3]), int(r[4]), r[5]) for r in rows]


def kpp_names(conn: Connection) -> dict[str, str]:
    """Every KPP's name by its code (master data), so a page never shows a KPP code alone."""
    return {code: name for code, name in conn.execute(text("SELECT kpp_code, name FROM kpp"))}


def round_approvals(conn: Connection, business_date: date) -> dict[int, Approval]:
    """The latest approval request of each round of the date, by distribution id (rounds are few)."""
    found = {}
    for d in distributions(conn, business_date):
        a = approvals.latest_for_object(conn, KIND, d.object_key)
        if a is not None:
            found[d.distribution_id] = a
    return found


@dataclass(frozen=True, slots=True)
class DeliveryQueue:
    """Whether the date's delivery is moving: batches due and confirmed, a scheduler run asked for or running."""

    batches: int
    confirmed: int
    sending: int
    waiting: int
    failed: int
    requested: bool
    running: bool

    @property
    def busy(self) -> bool:
        """Something will change soon (the page keeps refreshing): batches on the way, or not all confirmed while
        a run is asked for or due."""
        due = self.confirmed < self.batches and (self.requested or self.waiting > 0)
        return self.sending > 0 or self.running or due


def delivery_queue(conn: Connection, business_date: date) -> DeliveryQueue:
    """The date's batches due by state, and the delivery job's open request and running run."""
    r = conn.execute(
        text("""
        SELECT count(*), count(*) FILTER (WHERE b.state = 'confirmed'), count(*) FILTER (WHERE b.state = 'sending'),
               count(*) FILTER (WHERE b.state = 'approved'), count(*) FILTER (WHERE b.state = 'failed'),
               EXISTS (SELECT 1 FROM job_request WHERE job_id = :j AND picked_at IS NULL),
               EXISTS (SELECT 1 FROM job_run WHERE job_id = :j AND status = 'running')
          FROM dist_batch b JOIN distribution d ON d.distribution_id = b.distribution_id
         WHERE d.business_date = :d AND d.status = ANY(CAST(:live AS text[]))"""),
        {"d": business_date, "j": JOB_ID, "live": list(LIVE)},
    ).one()
    return DeliveryQueue(int(r[0]), int(r[1]), int(r[2]), int(r[3]), int(r[4]), bool(r[5]), bool(r[6]))


def mark_for_redistribution(
    conn: Connection, business_date: date, batches: Sequence[BatchKey] | None, *, actor: User | Actor
) -> list[BatchKey]:
    """SE-127 step 16: the chosen failed batches of the date (None: all failed) back to `approved`, audited, and a
    scheduler run of the delivery job asked for; the batches reset. `DistributionRefused` when the role may not
    (`distribution.redistribute`) or none was failed."""
    actor = acting(conn, actor, "redistribute")
    if batches is not None and not batches:
        raise DistributionRefused("Pilih batch yang akan didistribusikan ulang.")
    reset = delivery.redistribute(conn, business_date, batches)
    if not reset:
        raise DistributionRefused(
            f"Tidak ada batch gagal tanggal buku {business_date:%d-%m-%Y} yang dapat "
            "didistribusikan ulang; mungkin sudah dikirim ulang atau terkonfirmasi."
        )
    record(
        conn,
        actor,
        "distribution.redistribute",
        object_type="business_date",
        object_id=business_date.isoformat(),
        before={"state": "failed"},
        after={"state": "approved", "batches": [f"{k.target}:{k.batch_id}" for k in reset]},
    )
    request_run(conn, JOB_ID, actor=actor)
    return reset
