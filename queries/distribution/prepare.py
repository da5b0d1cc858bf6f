"""Distribution to SIDJP and SIPMOD (SE-127 steps 9-14, 17): sort, prepare per KPP and target, approve twice.

`prepare` sorts a business date's payments (one per NTPN, reversed ones never) into distributable and
held, in one set-based pass: a row goes only when its bank's statement letter is on file and agrees with
the batch, the bank's current batch was reconciled, and no exception on the NTPN is open (matched, or
resolved by people); otherwise it is held with the first reason that applies. Rows already in an approved
round never go again (unique index), so preparing later makes a new round of what was released since.
The distributable rows are cut into batches of at most `CHUNK` rows per KPP, the same for both targets;
each batch carries the SHA-256 of its sorted NTPNs, which the target's receipt must repeat.

Approval: one `approval_request` (kind `distribution`, chain kasi then kasubdit, made by a pelaksana)
pinned to the round's content hash; preparing again changes the hash and lapses it. Functions never
commit; refusals are `DistributionRefused` (Indonesian message, nothing written).

Who may do what is `queries.permissions` (`distribution.prepare`, `.request`, `.approve`, `.redistribute`):
every command takes the acting `User` (or, for the scheduler and the command line, a system `Actor`), checks
the role it holds as stored now, and derives the audit actor itself; `acts_for` tells a page which of the acts
that user may take on the date's latest round now.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, text

from queries import labels
from queries.accounts import approvals
from queries.accounts.approvals import Approval, ApprovalRefused
from queries.accounts.audit import Actor, record
from queries.accounts.users import ROLES, SYSTEM_ACCOUNT, User, user_by_id
from queries.db import use_temp_tables, xact_lock
from queries.distribution import delivery
from queries.distribution.delivery import BATCH_STATES, STATUSES
from queries.permissions import may, role_titles, roles_for
from queries.reconciliation.classify import analyze_stale
from queries.reconciliation.revenue import OPEN_EXCEPTIONS, payments_of
from queries.scheduling.store import request_run

KIND = "distribution"
#: What `prepare` writes in bulk.
WRITTEN = ("dist_item", "dist_batch", "dist_held")
STEPS = ("kasi", "kasubdit")
TARGETS = ("sidjp", "sipmod")
TARGET_TITLES = labels.TARGETS
CHUNK = 5000
REASONS: dict[str, str] = labels.HOLD_REASONS


class DistributionRefused(ApprovalRefused):
    """An act on a distribution that is not allowed; `message` says why, in Indonesian. Nothing was written."""


#: Every act on a distribution: its action in `queries.permissions` and how a refusal of the role names it.
ACTS: dict[str, tuple[str, str]] = {
    "prepare": ("distribution.prepare", "tidak berwenang menyiapkan distribusi"),
    "request": ("distribution.request", "tidak dapat mengajukan persetujuan distribusi"),
    "approve": ("distribution.approve", "tidak berwenang menyetujui distribusi"),
    "reject": ("distribution.approve", "tidak berwenang mengembalikan pengajuan distribusi"),
    "redistribute": ("distribution.redistribute", "tidak berwenang mendistribusikan ulang"),
}


def acting(conn: Connection, who: User | Actor, act: str) -> Actor:
    """The audit actor of `who` taking `act` (a key of ACTS), once its role as stored now holds the act's action;
    `DistributionRefused` otherwise. A system actor (the scheduler, the command line) is the product itself and
    always holds it; the account `sistem` (disabled) acts with its stored role."""
    if isinstance(who, Actor) and who.role == "system":
        return who
    user = None if who.user_id is None else user_by_id(conn, who.user_id)
    if user is None or not (user.active or user.username == SYSTEM_ACCOUNT):
        raise DistributionRefused("Akun Anda tidak aktif; hubungi administrator.")
    action, refusal = ACTS[act]
    if not may(user, action):
        raise DistributionRefused(
            f"Peran Anda ({ROLES.get(user.role, user.role)}) {refusal}; yang berwenang: {role_titles(action)}."
        )
    return user.actor()


@dataclass(frozen=True, slots=True)
class Distribution:
    """One round of one business date, with its totals and approval."""

    distribution_id: int
    business_date: date
    round: int
    status: str
    prepared_at: datetime
    prepared_by: str
    row_count: int
    amount: int
    batch_count: int
    held_count: int
    held_amount: int
    content_hash: str
    approved_at: datetime | None
    delivered_at: datetime | None

    @property
    def status_title(self) -> str:
        """The status in Indonesian."""
        return STATUSES[self.status]

    @property
    def object_key(self) -> str:
        """The approval layer's key for this round."""
        return str(self.distribution_id)


_COLUMNS = """distribution_id, business_date, round, status, prepared_at, prepared_by, row_count, amount,
              batch_count, held_count, held_amount, content_hash, approved_at, delivered_at"""


def distributions(conn: Connection, business_date: date) -> list[Distribution]:
    """The rounds of a date, oldest first."""
    rows = conn.execute(
        text(f"SELECT {_COLUMNS} FROM distribution WHERE business_date = :d ORDER BY round"), {"d": business_date}
    )
    return [Distribution(*row) for row in rows]


def distribution(conn: Connection, distribution_id: int) -> Distribution | None:
    """One round, or None."""
    row = conn.execute(
        text(f"SELECT {_COLUMNS} FROM distribution WHERE distribution_id = :i"), {"i": distribution_id}
    ).first()
    return None if row is None else Distribution(*row)


def open_round(conn: Connection, business_date: date, *, lock: bool = False) -> Distribution | None:
    """The date's round still being prepared (not yet approved), or None."""
    row = conn.execute(
        text(
            f"SELECT {_COLUMNS} FROM distribution WHERE business_date = :d AND status = 'prepared'"
            + (" FOR UPDATE" if lock else "")
        ),
        {"d": business_date},
    ).first()
    return None if row is None else Distribution(*row)


# Statistics: the payments are read from the date's partition by name (`{payments}`, `revenue.payments_of`), so the
# planner sizes them by the partition's statistics, not the partitioned parent's (never kept: 3,000,000 rows would
# be taken for 200); the open exceptions come from `dp_open`, staged and analysed just before, not from
# `recon_exception`'s statistics, stale right after a reconciliation wrote the date's exceptions.
_OPEN = "CREATE TEMP TABLE dp_open ON COMMIT DROP AS " + OPEN_EXCEPTIONS
_SORT = """
CREATE TEMP TABLE dp_row ON COMMIT DROP AS
WITH pay AS (
    SELECT DISTINCT ON (m.ntpn) m.ntpn, m.bank_code, m.kpp_code, m.amount, m.import_id, m.line
      FROM {payments} m
     WHERE m.business_date = :d AND m.record_type = 'payment'
       AND NOT EXISTS (SELECT 1 FROM mpn_record r WHERE r.record_type = 'reversal' AND r.ntpn = m.ntpn)
     ORDER BY m.ntpn, m.line
), bank_state AS (
    SELECT b.bank_code,
           bb.batch_id IS NOT NULL AS has_batch,
           sl.letter_id IS NOT NULL AS has_letter,
           (sl.letter_id IS NOT NULL AND bb.batch_id IS NOT NULL
            AND (sl.declared_count <> bb.row_count OR sl.declared_amount <> bb.total_amount)) AS letter_differs,
           (rr.batch_id IS NOT NULL AND rr.batch_id = bb.batch_id) AS reconciled
      FROM bank b
      LEFT JOIN bank_batch bb ON bb.bank_code = b.bank_code AND bb.business_date = :d AND bb.superseded_at IS NULL
      LEFT JOIN statement_letter sl
             ON sl.bank_code = b.bank_code AND sl.business_date = :d AND sl.superseded_at IS NULL
      LEFT JOIN recon_result rr ON rr.bank_code = b.bank_code AND rr.business_date = :d
), open_exc AS (
    SELECT ntpn FROM dp_open
)
, sorted AS (
    SELECT p.ntpn, p.bank_code, p.kpp_code, p.amount, p.import_id, p.line,
           CASE WHEN NOT s.has_letter THEN 'no_statement'
                WHEN s.letter_differs THEN 'statement_mismatch'
                WHEN NOT s.has_batch THEN 'no_batch'
                WHEN NOT s.reconciled THEN 'not_reconciled'
                WHEN o.ntpn IS NOT NULL THEN 'open_exception' END AS reason
      FROM pay p
      JOIN bank_state s ON s.bank_code = p.bank_code
      LEFT JOIN open_exc o ON o.ntpn = p.ntpn
     WHERE NOT EXISTS (SELECT 1 FROM dist_item i JOIN distribution d ON d.distribution_id = i.distribution_id
                        WHERE i.business_date = :d AND i.ntpn = p.ntpn AND d.status <> 'prepared')
)
SELECT ntpn, bank_code, kpp_code, amount, import_id, line, reason,
       CASE WHEN reason IS NULL
            THEN (row_number() OVER (PARTITION BY kpp_code, reason IS NULL ORDER BY ntpn) - 1) / :chunk END AS chunk
  FROM sorted
"""

# The rows go in NTPN order: the order of the primary key, while each batch's entries in `ix_dist_item_batch`
# grow at their own end, so neither index is written page by random page. Batches and totals are counted from the
# staged rows, not read back from `dist_item`.
_ITEMS = """
INSERT INTO dist_item (distribution_id, ntpn, business_date, kpp_code, chunk, bank_code, amount, import_id, line)
SELECT :id, ntpn, :d, kpp_code, chunk, bank_code, amount, import_id, line
  FROM dp_row WHERE reason IS NULL
 ORDER BY ntpn
"""

_HELD = """
INSERT INTO dist_held (distribution_id, bank_code, reason, row_count, amount)
SELECT :id, bank_code, reason, count(*), sum(amount) FROM dp_row WHERE reason IS NOT NULL
 GROUP BY bank_code, reason
"""

_BATCHES = """
INSERT INTO dist_batch (target, batch_id, distribution_id, kpp_code, chunk, row_count, amount, ntpn_sha256)
SELECT t.target, 'MPN-' || to_char(CAST(:d AS date), 'YYYYMMDD') || '-R' || :round || '-' || c.kpp_code || '-'
                 || lpad(c.chunk::text, 4, '0'),
       :id, c.kpp_code, c.chunk, c.n, c.amount, c.sha
  FROM (SELECT kpp_code, chunk, count(*) AS n, sum(amount) AS amount,
               encode(sha256(convert_to(string_agg(ntpn, E'\\n' ORDER BY ntpn), 'UTF8')), 'hex') AS sha
          FROM dp_row WHERE reason IS NULL
         GROUP BY kpp_code, chunk) c
 CROSS JOIN unnest(CAST(:targets AS text[])) AS t(target)
"""


def _content_hash(conn: Connection, distribution_id: int) -> str:
    """SHA-256 over the round's batches (id, rows, amount, NTPN hash) and holds: what an approval covers."""
    lines = conn.execute(
        text("""
        SELECT string_agg(line, E'\\n' ORDER BY line) FROM (
            SELECT 'B ' || target || ' ' || batch_id || ' ' || row_count || ' ' || amount || ' ' || ntpn_sha256
              FROM dist_batch WHERE distribution_id = :i
            UNION ALL
            SELECT 'H ' || bank_code || ' ' || reason || ' ' || row_count || ' ' || amount
              FROM dist_held WHERE distribution_id = :i) x(line)"""),
        {"i": distribution_id},
    ).scalar_one()
    return hashlib.sha256((lines or "").encode()).hexdigest()


def prepare(conn: Connection, business_date: date, *, actor: User | Actor, chunk: int = CHUNK) -> Distribution:
    """SE-127 steps 9-11: sort the date's payments and (re)build its open round; returns it.

    An open (not yet approved) round is rebuilt in place (its approval request lapses if its content
    changed); otherwise a new round is made from what no approved round carries yet.
    """
    actor = acting(conn, actor, "prepare")
    xact_lock(conn, "distribution", business_date)
    conn.execute(text("SET LOCAL work_mem = '256MB'"))
    use_temp_tables(conn)
    current = open_round(conn, business_date, lock=True)
    if current is None:
        next_round = conn.execute(
            text("SELECT coalesce(max(round), 0) + 1 FROM distribution WHERE business_date = :d"), {"d": business_date}
        ).scalar_one()
        distribution_id = conn.execute(
            text("""INSERT INTO distribution (business_date, round, status, prepared_by)
                                                VALUES (:d, :r, 'prepared', :by) RETURNING distribution_id"""),
            {"d": business_date, "r": next_round, "by": actor.name},
        ).scalar_one()
        round_ = next_round
    else:
        distribution_id, round_ = current.distribution_id, current.round
        for table in ("dist_batch", "dist_item", "dist_held"):
            conn.execute(text(f"DELETE FROM {table} WHERE distribution_id = :i"), {"i": distribution_id})
    conn.execute(text("DROP TABLE IF EXISTS dp_row, dp_open"))
    conn.execute(text(_OPEN), {"d": business_date})
    conn.execute(text("ANALYZE dp_open"))
    conn.execute(text(_SORT.format(payments=payments_of(conn, business_date))), {"d": business_date, "chunk": chunk})
    params = {"id": distribution_id, "d": business_date, "round": round_, "chunk": chunk, "targets": list(TARGETS)}
    conn.execute(text(_ITEMS), params)
    conn.execute(text(_HELD), params)
    conn.execute(text(_BATCHES), params)
    content = _content_hash(conn, distribution_id)
    conn.execute(
        text("""
        UPDATE distribution d SET prepared_at = now(), prepared_by = :by, content_hash = :h,
               row_count = coalesce(i.n, 0), amount = coalesce(i.amount, 0),
               batch_count = (SELECT count(*) FROM dist_batch b WHERE b.distribution_id = d.distribution_id),
               held_count = coalesce(h.n, 0), held_amount = coalesce(h.amount, 0)
          FROM (SELECT count(*) AS n, sum(amount) AS amount FROM dp_row WHERE reason IS NULL) i,
               (SELECT sum(row_count) AS n, sum(amount) AS amount FROM dist_held WHERE distribution_id = :i) h
         WHERE d.distribution_id = :i"""),
        {"i": distribution_id, "h": content, "by": actor.name},
    )
    # Rows just written in bulk get statistics with this commit: delivery, the page and the next prepare plan on them.
    analyze_stale(conn, WRITTEN)
    if current is not None:
        approvals.lapse(conn, KIND, str(distribution_id), actor=actor, reason="disiapkan ulang", content_hash=content)
    made = distribution(conn, distribution_id)
    assert made is not None
    record(
        conn,
        actor,
        "distribution.prepare",
        object_type="distribution",
        object_id=str(distribution_id),
        after={
            "business_date": business_date.isoformat(),
            "round": round_,
            "rows": made.row_count,
            "amount": made.amount,
            "batches": made.batch_count,
            "held": made.held_count,
            "content_hash": content,
        },
    )
    return made


def _summary(d: Distribution) -> dict[str, Any]:
    return {
        "business_date": d.business_date.isoformat(),
        "round": d.round,
        "rows": d.row_count,
        "amount": d.amount,
        "batches": d.batch_count,
        "held_rows": d.held_count,
        "held_amount": d.held_amount,
    }


def request(conn: Connection, business_date: date, *, actor: User) -> Approval:
    """SE-127 step 12: the pelaksana asks approval of the date's prepared round."""
    acting(conn, actor, "request")
    d = open_round(conn, business_date, lock=True)
    if d is None:
        raise DistributionRefused(
            f"Belum ada distribusi tanggal buku {business_date:%d-%m-%Y} yang disiapkan; siapkan dahulu."
        )
    if d.row_count == 0:
        raise DistributionRefused(
            f"Distribusi tanggal buku {business_date:%d-%m-%Y} putaran {d.round} tidak "
            "memuat data yang dapat didistribusikan."
        )
    return approvals.request_approval(
        conn,
        kind=KIND,
        object_key=d.object_key,
        steps=STEPS,
        actor=actor,
        content_hash=d.content_hash,
        summary=_summary(d),
        maker_roles=roles_for("distribution.request"),
    )


def pending(conn: Connection, business_date: date) -> tuple[Distribution, Approval] | None:
    """The date's open round and its latest approval request, if any."""
    d = open_round(conn, business_date)
    if d is None:
        return None
    a = approvals.latest_for_object(conn, KIND, d.object_key)
    return None if a is None else (d, a)


def _waiting(conn: Connection, business_date: date, actor: User, act: str) -> tuple[Distribution, Approval]:
    """The open round and its pending request; else refused, naming who decided the latest round and when."""
    d = open_round(conn, business_date, lock=True)
    found = None if d is None else approvals.latest_for_object(conn, KIND, d.object_key)
    if d is None or found is None or found.status != "pending":
        rounds = [d] if d is not None else distributions(conn, business_date)
        why = approvals.settled(conn, KIND, rounds[-1].object_key, actor=actor, act=act) if rounds else None
        raise DistributionRefused(
            why or f"Tidak ada permintaan persetujuan distribusi tanggal buku {business_date:%d-%m-%Y} yang menunggu."
        )
    return d, found


def approve(conn: Connection, business_date: date, *, actor: User, note: str = "") -> Approval:
    """SE-127 steps 13-14: kasi then kasubdit approve; the second approval freezes the round for delivery."""
    by = acting(conn, actor, "approve")
    d, waiting = _waiting(conn, business_date, actor, "approve")
    done = approvals.approve(conn, waiting.request_id, actor=actor, note=note, content_hash=d.content_hash)
    if done.status == "approved":
        delivery.approve_round(conn, d.distribution_id)
        record(conn, by, "distribution.approved", object_type="distribution", object_id=d.object_key, after=_summary(d))
        request_run(conn, "distribution", actor=by)  # step 15: the scheduler sends at once
    return done


def reject(conn: Connection, business_date: date, *, actor: User, note: str) -> Approval:
    """Return the request with a note; the round stays prepared, to be prepared or requested again."""
    acting(conn, actor, "reject")
    _, waiting = _waiting(conn, business_date, actor, "reject")
    return approvals.reject(conn, waiting.request_id, actor=actor, note=note)


def acts_for(user: User | None, latest: Distribution | None, approval: Approval | None) -> frozenset[str]:
    """The acts (keys of ACTS) `user` may take now, given the date's latest round and its latest approval request:
    prepare and redistribute by role; request a prepared round not waiting for approval; approve or return it at
    the step of the user's role."""
    if user is None:
        return frozenset()
    acts = {act for act in ("prepare", "redistribute") if may(user, ACTS[act][0])}
    if latest is not None and latest.status == "prepared":
        waiting = approval is not None and approval.status == "pending"
        if not waiting and may(user, ACTS["request"][0]):
            acts.add("request")
        if waiting and approval is not None and approval.next_role == user.role and may(user, ACTS["approve"][0]):
            acts |= {"approve", "reject"}
    return frozenset(acts)


@dataclass(frozen=True, slots=True)
class TargetStatus:
    """Per target and KPP: rows prepared, delivered, confirmed, failed, attempts (CONTRACT §3 `status`)."""

    target: str
    kpp_code: str
    batches: int
    rows_prepared: int
    amount: int
    rows_sending: int
    rows_confirmed: int
    rows_failed: int
    attempts: int


def target_status(conn: Connection, business_date: date) -> list[TargetStatus]:
    """Every target and KPP of the date's approved and prepared rounds."""
    rows = conn.execute(
        text("""
        SELECT b.target, b.kpp_code, count(*) AS batches, sum(b.row_count) AS rows_prepared, sum(b.amount) AS amount,
               coalesce(sum(b.row_count) FILTER (WHERE b.state = 'sending'), 0) AS rows_sending,
               coalesce(sum(b.row_count) FILTER (WHERE b.state = 'confirmed'), 0) AS rows_confirmed,
               coalesce(sum(b.row_count) FILTER (WHERE b.state = 'failed'), 0) AS rows_failed,
               sum(b.attempts) AS attempts
          FROM dist_batch b JOIN distribution d ON d.distribution_id = b.distribution_id
         WHERE d.business_date = :d AND d.status <> 'discarded'
         GROUP BY b.target, b.kpp_code ORDER BY b.target, b.kpp_code"""),
        {"d": business_date},
    )
    return [TargetStatus(*row) for row in rows]


@dataclass(frozen=True, slots=True)
class Held:
    """Rows held back, per bank and reason."""

    distribution_id: int
    round: int
    bank_code: str
    bank_name: str
    reason: str
    row_count: int
    amount: int

    @property
    def reason_title(self) -> str:
        """Why, in Indonesian."""
        return REASONS[self.reason]


def held(conn: Connection, business_date: date) -> list[Held]:
    """What the date's latest round held back, per bank and reason (largest first)."""
    rows = conn.execute(
        text("""
        SELECT h.distribution_id, d.round, h.bank_code, b.name, h.reason, h.row_count, h.amount
          FROM dist_held h JOIN distribution d ON d.distribution_id = h.distribution_id
          JOIN bank b ON b.bank_code = h.bank_code
         WHERE d.distribution_id = (SELECT max(distribution_id) FROM distribution WHERE business_date = :d)
         ORDER BY h.amount DESC, h.bank_code"""),
        {"d": business_date},
    )
    return [Held(*row) for row in rows]


@dataclass(frozen=True, slots=True)
class BatchRow:
    """One batch as the page and the report list it."""

    target: str
    batch_id: str
    distribution_id: int
    kpp_code: str
    row_count: int
    amount: int
    state: str
    attempts: int
    last_error: str | None
    first_sent_at: datetime | None
    confirmed_at: datetime | None

    @property
    def state_title(self) -> str:
        """The state in Indonesian."""
        return BATCH_STATES[self.state]


def batches(conn: Connection, business_date: date, *, states: Sequence[str] | None = None) -> list[BatchRow]:
    """The date's batches (optionally of some states), by target and id."""
    rows = conn.execute(
        text("""
        SELECT b.target, b.batch_id, b.distribution_id, b.kpp_code, b.row_count, b.amount, b.state, b.attempts,
               b.last_error, b.first_sent_at, b.confirmed_at
          FROM dist_batch b JOIN distribution d ON d.distribution_id = b.distribution_id
         WHERE d.business_date = :d AND (CAST(:s AS text[]) IS NULL OR b.state = ANY(CAST(:s AS text[])))
         ORDER BY b.target, b.batch_id"""),
        {"d": business_date, "s": list(states) if states else None},
    )
    return [BatchRow(*row) for row in rows]
