"""The content of the end-of-distribution report (SE-127 step 18), read from one business date, and the reports
kept on file (`dist_report`).

`report_data` reads what the report shows (tens of rows, plus the attempt count); `attempt_rows` streams the
attempt log; `keep` stores one made file and audits it; `latest_report` / `stored` read kept ones; `report_due`
says whether a round was delivered since the last report the delivery made. Rendering (PDF, XLSX) is
`jobs.documents.distribution_report`'s. Nothing here commits.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, text

from queries.accounts import approvals
from queries.accounts.approvals import Approval
from queries.accounts.audit import Actor, ChainCheck, record, verify_chain
from queries.accounts.users import user_by_name
from queries.calendar import WIB
from queries.distribution.prepare import KIND, TARGETS, Distribution, Held, distributions, held
from queries.formatting import waktu_wib
from queries.letters.appeals import AppealLetter, overdue_letters
from queries.permissions import Refused

ATTEMPT_CAP = 100_000  # rows of the XLSX attempt log
#: Who makes the report the delivery keeps when a round is delivered.
SYSTEM_MAKER = "system:distribution"


class NoDistribution(Refused, LookupError):
    """The business date has no distribution to report on; `message` says so, in Indonesian."""

    def __init__(self, business_date: date) -> None:
        self.message = f"Tidak ada distribusi untuk tanggal buku {business_date:%d-%m-%Y}; tidak ada yang dilaporkan."
        super().__init__(self.message)


@dataclass(frozen=True, slots=True)
class Person:
    """An account as the report names it."""

    username: str
    full_name: str
    nip: str

    @property
    def name(self) -> str:
        """Full name when known, else the user name."""
        return self.full_name or self.username


@dataclass(frozen=True, slots=True)
class ApprovalLine:
    """One line of a round's approval history: the request itself (step 0) or one step's decision."""

    round: int
    request_id: int
    step: int
    role: str
    who: str
    outcome: str
    at: datetime
    note: str


@dataclass(frozen=True, slots=True)
class RoundLine:
    """One round with who prepared it and who approved each step (or returned it) and when."""

    distribution: Distribution
    prepared_by: str
    request_status: str
    requested_by: str
    kasi: str
    kasubdit: str
    first_post_at: datetime | None
    last_confirmed_at: datetime | None
    all_confirmed: bool


@dataclass(frozen=True, slots=True)
class KppLine:
    """Per target and KPP: batches, rows and amount prepared, confirmed, failed; attempts."""

    target: str
    kpp_code: str
    kpp_name: str
    batches: int
    rows: int
    amount: int
    rows_confirmed: int
    amount_confirmed: int
    rows_failed: int
    amount_failed: int
    attempts: int


@dataclass(frozen=True, slots=True)
class TargetTiming:
    """Per target: attempts, confirmed ones, median and p95 latency (ms), first POST, last confirmation."""

    target: str
    attempts: int
    confirmed: int
    median_ms: float | None
    p95_ms: float | None
    first_post_at: datetime | None
    last_confirmed_at: datetime | None


@dataclass(frozen=True, slots=True)
class KppAvailable:
    """A KPP whose batches both targets confirmed: its data is available to it since `since` (step 17)."""

    kpp_code: str
    kpp_name: str
    rows: int
    amount: int
    since: datetime


@dataclass(frozen=True, slots=True)
class DistributionReportData:
    """Everything the report shows, read at `made_at`."""

    business_date: date
    made_at: datetime
    made_by: str
    signer: Person | None
    rounds: tuple[RoundLine, ...]
    approvals: tuple[ApprovalLine, ...]
    per_kpp: tuple[KppLine, ...]
    held: tuple[Held, ...]
    timings: tuple[TargetTiming, ...]
    available: tuple[KppAvailable, ...]
    escalations: tuple[AppealLetter, ...]
    audit: ChainCheck
    attempt_count: int

    def target_total(self, target: str) -> KppLine:
        """The per-KPP lines of `target` summed (kpp_code empty)."""
        lines = [k for k in self.per_kpp if k.target == target]
        return KppLine(
            target,
            "",
            "",
            *(
                sum(getattr(k, f) for k in lines)
                for f in (
                    "batches",
                    "rows",
                    "amount",
                    "rows_confirmed",
                    "amount_confirmed",
                    "rows_failed",
                    "amount_failed",
                    "attempts",
                )
            ),
        )

    @property
    def rows(self) -> int:
        """Rows prepared for distribution (each goes to both targets)."""
        return sum(r.distribution.row_count for r in self.rounds)

    @property
    def amount(self) -> int:
        """Their amount."""
        return sum(r.distribution.amount for r in self.rounds)

    @property
    def complete(self) -> bool:
        """Every round approved and every batch confirmed by both targets."""
        return bool(self.rounds) and all(r.distribution.status == "delivered" for r in self.rounds)


_PER_KPP = text("""
SELECT b.target, b.kpp_code, coalesce(k.name, '') AS kpp_name, count(*) AS batches,
       sum(b.row_count) AS rows, sum(b.amount) AS amount,
       coalesce(sum(b.row_count) FILTER (WHERE b.state = 'confirmed'), 0) AS rows_confirmed,
       coalesce(sum(b.amount) FILTER (WHERE b.state = 'confirmed'), 0) AS amount_confirmed,
       coalesce(sum(b.row_count) FILTER (WHERE b.state = 'failed'), 0) AS rows_failed,
       coalesce(sum(b.amount) FILTER (WHERE b.state = 'failed'), 0) AS amount_failed,
       coalesce(sum(a.n), 0) AS attempts
  FROM dist_batch b JOIN distribution d ON d.distribution_id = b.distribution_id
  LEFT JOIN kpp k ON k.kpp_code = b.kpp_code
  LEFT JOIN LATERAL (SELECT count(*) AS n FROM dist_attempt a
                      WHERE a.target = b.target AND a.batch_id = b.batch_id) a ON true
 WHERE d.business_date = :d AND d.status <> 'discarded'
 GROUP BY b.target, b.kpp_code, k.name ORDER BY b.target, b.kpp_code""")

_ROUND_TIMES = text("""
SELECT b.distribution_id, min(b.first_sent_at), max(b.confirmed_at), bool_and(b.state = 'confirmed')
  FROM dist_batch b JOIN distribution d ON d.distribution_id = b.distribution_id
 WHERE d.business_date = :d GROUP BY b.distribution_id""")

_TARGET_TIMES = text("""
SELECT b.target, min(b.first_sent_at), max(b.confirmed_at)
  FROM dist_batch b JOIN distribution d ON d.distribution_id = b.distribution_id
 WHERE d.business_date = :d AND d.status <> 'discarded' GROUP BY b.target""")

_LATENCY = text("""
SELECT a.target, count(*), count(*) FILTER (WHERE a.outcome = 'confirmed'),
       percentile_cont(0.5) WITHIN GROUP (ORDER BY a.latency_ms),
       percentile_cont(0.95) WITHIN GROUP (ORDER BY a.latency_ms)
  FROM dist_attempt a JOIN dist_batch b ON b.target = a.target AND b.batch_id = a.batch_id
  JOIN distribution d ON d.distribution_id = b.distribution_id
 WHERE d.business_date = :d AND d.status <> 'discarded' GROUP BY a.target""")

_AVAILABLE = text("""
SELECT b.kpp_code, coalesce(k.name, ''), sum(b.row_count) FILTER (WHERE b.target = 'sidjp'),
       sum(b.amount) FILTER (WHERE b.target = 'sidjp'), max(b.confirmed_at)
  FROM dist_batch b JOIN distribution d ON d.distribution_id = b.distribution_id
  LEFT JOIN kpp k ON k.kpp_code = b.kpp_code
 WHERE d.business_date = :d AND d.status IN ('approved', 'delivering', 'delivered')
 GROUP BY b.kpp_code, k.name
HAVING bool_and(b.state = 'confirmed') AND count(DISTINCT b.target) = :targets
 ORDER BY b.kpp_code""")

_ATTEMPTS = """
SELECT a.attempt_id, a.target, a.batch_id, b.kpp_code, d.round, a.method, a.started_at, a.latency_ms,
       a.http_status, a.outcome, a.error, a.run_by
  FROM dist_attempt a JOIN dist_batch b ON b.target = a.target AND b.batch_id = a.batch_id
  JOIN distribution d ON d.distribution_id = b.distribution_id
 WHERE d.business_date = :d AND d.status <> 'discarded'"""
ATTEMPT_HEADER = (
    "attempt_id",
    "target",
    "batch_id",
    "kpp_code",
    "round",
    "method",
    "started_at",
    "latency_ms",
    "http_status",
    "outcome",
    "error",
    "run_by",
)


def _people(conn: Connection, usernames: Iterable[str]) -> dict[str, Person]:
    rows = conn.execute(
        text("SELECT username, full_name, nip FROM app_user WHERE username = ANY(:u)"), {"u": sorted(set(usernames))}
    )
    return {r.username: Person(r.username, r.full_name or "", r.nip or "") for r in rows}


def _requests(conn: Connection, d: Distribution) -> list[Approval]:
    """Every approval request of the round, oldest first (earlier ones may have been returned or lapsed)."""
    ids = (
        conn.execute(
            text("""SELECT request_id FROM approval_request WHERE kind = :k AND object_key = :o
                                ORDER BY request_id"""),
            {"k": KIND, "o": d.object_key},
        )
        .scalars()
        .all()
    )
    return [approvals.approval(conn, i) for i in ids]


def _decided(a: Approval | None, step: int, name: dict[str, str]) -> str:
    found = None if a is None else a.decision_for(step)
    if found is None:
        return "-"
    verb = "" if found.decision == "approved" else "dikembalikan: "
    return f"{verb}{name.get(found.username, found.username)}, {waktu_wib(found.decided_at)}"


def _rounds(conn: Connection, business_date: date) -> tuple[list[RoundLine], list[ApprovalLine]]:
    """The rounds (not discarded) and their approval history, people by name."""
    live = [d for d in distributions(conn, business_date) if d.status != "discarded"]
    times = {r[0]: r[1:] for r in conn.execute(_ROUND_TIMES, {"d": business_date})}
    history = {d.distribution_id: _requests(conn, d) for d in live}
    names = [d.prepared_by for d in live] + [
        x for reqs in history.values() for a in reqs for x in (a.made_by, *(s.username for s in a.decisions))
    ]
    who = {u: p.name for u, p in _people(conn, names).items()}
    rounds, lines = [], []
    for d in live:
        reqs = history[d.distribution_id]
        last = reqs[-1] if reqs else None
        first_post, last_confirmed, all_confirmed = times.get(d.distribution_id, (None, None, False))
        rounds.append(
            RoundLine(
                d,
                who.get(d.prepared_by, d.prepared_by),
                last.status if last else "",
                who.get(last.made_by, last.made_by) if last else "-",
                _decided(last, 1, who),
                _decided(last, 2, who),
                first_post,
                last_confirmed if all_confirmed else None,
                bool(all_confirmed),
            )
        )
        for a in reqs:
            lines.append(
                ApprovalLine(
                    d.round, a.request_id, 0, a.maker_role, who.get(a.made_by, a.made_by), a.status, a.made_at, a.note
                )
            )
            lines += [
                ApprovalLine(
                    d.round,
                    a.request_id,
                    s.step,
                    s.role,
                    who.get(s.username, s.username),
                    s.decision,
                    s.decided_at,
                    s.note,
                )
                for s in a.decisions
            ]
    return rounds, lines


def _timings(conn: Connection, business_date: date) -> list[TargetTiming]:
    spans = {r[0]: r[1:] for r in conn.execute(_TARGET_TIMES, {"d": business_date})}
    stats = {r[0]: r[1:] for r in conn.execute(_LATENCY, {"d": business_date})}
    out = []
    for t in TARGETS:
        n, ok, median, p95 = stats.get(t, (0, 0, None, None))
        first, last = spans.get(t, (None, None))
        out.append(TargetTiming(t, n, ok, median, p95, first, last))
    return out


def _signer(conn: Connection, made_by: str, rounds: Sequence[RoundLine]) -> Person | None:
    """Who signs "Dibuat oleh": the maker when a user, else the pelaksana who asked approval of the last round."""
    candidates = [made_by]
    last = rounds[-1].distribution if rounds else None
    if last is not None:
        found = approvals.latest_for_object(conn, KIND, last.object_key)
        candidates += [found.made_by] if found else []
        candidates.append(last.prepared_by)
    known = _people(conn, candidates)
    return next((known[c] for c in candidates if c in known), None)


def report_data(
    conn: Connection, business_date: date, *, made_by: str = SYSTEM_MAKER, now: datetime | None = None
) -> DistributionReportData:
    """The report's content for `business_date` as of `now`; `NoDistribution` when the date has none."""
    made_at = now or datetime.now(UTC)
    rounds, lines = _rounds(conn, business_date)
    if not rounds:
        raise NoDistribution(business_date)
    per_kpp = tuple(KppLine(*r) for r in conn.execute(_PER_KPP, {"d": business_date}))
    available = tuple(KppAvailable(*r) for r in conn.execute(_AVAILABLE, {"d": business_date, "targets": len(TARGETS)}))
    attempts = conn.execute(text(f"SELECT count(*) FROM ({_ATTEMPTS}) x"), {"d": business_date}).scalar_one()
    return DistributionReportData(
        business_date=business_date,
        made_at=made_at,
        made_by=made_by,
        signer=_signer(conn, made_by, rounds),
        rounds=tuple(rounds),
        approvals=tuple(lines),
        per_kpp=per_kpp,
        held=tuple(held(conn, business_date)),
        timings=tuple(_timings(conn, business_date)),
        available=available,
        escalations=tuple(overdue_letters(conn, made_at.astimezone(WIB).date())),
        audit=verify_chain(conn),
        attempt_count=int(attempts),
    )


def attempt_rows(conn: Connection, business_date: date, *, cap: int = ATTEMPT_CAP) -> Iterator[tuple[Any, ...]]:
    """The date's attempt log (ATTEMPT_HEADER), oldest first, at most `cap` rows, streamed."""
    sql = text(_ATTEMPTS + " ORDER BY a.attempt_id LIMIT :cap").execution_options(stream_results=True, yield_per=5000)
    result = conn.execute(sql, {"d": business_date, "cap": cap})  # options on the statement, not the connection
    try:
        for row in result:
            yield tuple(row)
    finally:
        result.close()


# ---------------------------------------------------------------- kept on file


@dataclass(frozen=True, slots=True)
class StoredReport:
    """A report as it was made and kept (`dist_report`)."""

    report_id: int
    business_date: date
    format: str
    file_name: str
    sha256: str
    content: bytes
    made_by: str
    made_at: datetime
    kind: str = "distribution"


def keep(
    conn: Connection,
    *,
    kind: str,
    business_date: date,
    fmt: str,
    name: str,
    content: bytes,
    made_by: str,
    made_at: datetime,
    audit: ChainCheck,
) -> int:
    """Keep one made report in `dist_report` with its SHA-256 and audit it (`<kind>.report`); its id."""
    sha = hashlib.sha256(content).hexdigest()
    report_id = int(
        conn.execute(
            text("""
        INSERT INTO dist_report (kind, business_date, format, file_name, sha256, content, made_by, made_at)
        VALUES (:k, :d, :f, :n, :s, :c, :by, :at) RETURNING report_id"""),
            {"k": kind, "d": business_date, "f": fmt, "n": name, "s": sha, "c": content, "by": made_by, "at": made_at},
        ).scalar_one()
    )
    user = None if made_by.startswith("system:") else user_by_name(conn, made_by)
    actor = user.actor() if user else Actor(made_by, "system", None)
    record(
        conn,
        actor,
        f"{kind}.report",
        object_type="dist_report",
        object_id=str(report_id),
        after={
            "business_date": business_date.isoformat(),
            "format": fmt,
            "sha256": sha,
            "audit_head": audit.head_hash,
            "audit_rows": audit.rows,
        },
    )
    return report_id


def latest_report(
    conn: Connection, business_date: date, fmt: str, *, kind: str = "distribution"
) -> StoredReport | None:
    """The last report of `kind` and `fmt` kept for the date, or None."""
    row = conn.execute(
        text("""
        SELECT report_id, business_date, format, file_name, sha256, content, made_by, made_at, kind FROM dist_report
         WHERE business_date = :d AND format = :f AND kind = :k ORDER BY report_id DESC LIMIT 1"""),
        {"d": business_date, "f": fmt, "k": kind},
    ).first()
    return None if row is None else stored(row)


def stored(row: Any) -> StoredReport:
    """A `dist_report` row (every column, `content` as bytes) as a StoredReport."""
    return StoredReport(
        report_id=row.report_id,
        business_date=row.business_date,
        format=row.format,
        file_name=row.file_name,
        sha256=row.sha256,
        content=bytes(row.content),
        made_by=row.made_by,
        made_at=row.made_at,
        kind=row.kind,
    )


def report_due(conn: Connection, business_date: date, made_by: str) -> bool:
    """Was a round of the date delivered after the last distribution report `made_by` kept for it?"""
    return bool(
        conn.execute(
            text("""
        SELECT EXISTS (SELECT 1 FROM distribution d WHERE d.business_date = :d AND d.status = 'delivered'
                          AND d.delivered_at > coalesce((SELECT max(made_at) FROM dist_report r
                                                          WHERE r.business_date = :d AND r.made_by = :by
                                                            AND r.kind = 'distribution'),
                                                         '-infinity'))"""),
            {"d": business_date, "by": made_by},
        ).scalar_one()
    )


def database_now(conn: Connection) -> datetime:
    """The database's clock (the one `delivered_at` is written by), at the start of this transaction."""
    return conn.execute(text("SELECT now()")).scalar_one()  # type: ignore[no-any-return]
