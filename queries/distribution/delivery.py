"""Delivery bookkeeping (SE-127 steps 14-17): the states of a round and of its batches, and every transition.

A round (`distribution.status`):

    prepared --approve_round--> approved --start_delivering--> delivering --mark_delivered--> delivered
    (an empty round made by the scheduler is dropped again: `drop_empty_round`)

A batch at one target (`dist_batch.state`):

    prepared --approve_round--> approved --start_sending--> sending --confirm--> confirmed (final)
    sending --note_attempt--> sending          (outcome unknown, or not stored yet: settled by GET, then POST)
    sending --fail / give_up--> failed         (receipt differs or 4xx; out of attempts)
    failed --redistribute--> approved          (people, step 16; a later run also resends `failed` itself)

A run sends the batches of live rounds in `DUE` (a `sending` one is first settled by GET, a `failed` one is sent
again); `confirmed` is final. Every attempt is one `dist_attempt` row, written with its batch's transition in one
statement pair. The delivery job (`jobs.distribution.deliver`) owns connections, HTTP, retries and threads; this
module owns the SQL. Nothing here commits.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy import Connection, text

#: A round's statuses, in Indonesian.
STATUSES: dict[str, str] = {
    "prepared": "Disiapkan",
    "approved": "Disetujui",
    "delivering": "Sedang dikirim",
    "delivered": "Terkirim seluruhnya",
    "discarded": "Dibatalkan",
}
#: A batch's states, in Indonesian.
BATCH_STATES: dict[str, str] = {
    "prepared": "Disiapkan",
    "approved": "Disetujui",
    "sending": "Sedang dikirim",
    "confirmed": "Terkonfirmasi",
    "failed": "Gagal",
}
#: Rounds whose batches are due for delivery.
LIVE = ("approved", "delivering", "delivered")
#: Batches a run sends (or, when `sending`, settles first).
DUE = ("approved", "sending", "failed")


@dataclass(frozen=True, slots=True)
class Batch:
    """One batch due at one target, as a delivery run reads it."""

    target: str
    batch_id: str
    distribution_id: int
    kpp_code: str
    chunk: int
    row_count: int
    ntpn_sha256: str
    state: str
    attempts: int


class Chunk(NamedTuple):
    """One (KPP, chunk) of a round: its rows, the hash of its sorted NTPNs and its rows as JSON text."""

    rows: int
    ntpn_sha256: str
    rows_json: str


@dataclass(frozen=True, slots=True)
class Attempt:
    """One HTTP attempt on a batch: what was asked, how long it took and what came of it."""

    batch: Batch
    method: str
    started_at: datetime
    latency_ms: int
    http_status: int | None
    outcome: str
    error: str | None
    run_by: str
    receipt: dict[str, Any] | None = None


class BatchKey(NamedTuple):
    """A batch at one target (the same batch id goes to both)."""

    target: str
    batch_id: str


# ---------------------------------------------------------------- rounds


def approve_round(conn: Connection, distribution_id: int) -> None:
    """The second approval: the round and all its batches `approved` (due for delivery)."""
    conn.execute(
        text("UPDATE distribution SET status = 'approved', approved_at = now() WHERE distribution_id = :i"),
        {"i": distribution_id},
    )
    conn.execute(
        text("UPDATE dist_batch SET state = 'approved', updated_at = now() WHERE distribution_id = :i"),
        {"i": distribution_id},
    )


def start_delivering(conn: Connection, distribution_ids: Sequence[int]) -> None:
    """A run begins on these rounds: `approved` ones become `delivering`."""
    conn.execute(
        text("""UPDATE distribution SET status = 'delivering'
                          WHERE distribution_id = ANY(:ids) AND status = 'approved'"""),
        {"ids": list(distribution_ids)},
    )


def mark_delivered(conn: Connection, business_date: date) -> None:
    """Rounds of the date whose every batch is confirmed become `delivered`."""
    conn.execute(
        text("""
        UPDATE distribution d SET status = 'delivered', delivered_at = now()
         WHERE d.business_date = :d AND d.status IN ('approved', 'delivering')
           AND NOT EXISTS (SELECT 1 FROM dist_batch b WHERE b.distribution_id = d.distribution_id
                              AND b.state <> 'confirmed')"""),
        {"d": business_date},
    )


def drop_empty_round(conn: Connection, business_date: date, distribution_id: int, round_: int) -> None:
    """A round the scheduler prepared that released nothing is removed again, and the round before it notes that
    its holds were checked now (so the same events do not make it try again)."""
    conn.execute(text("DELETE FROM distribution WHERE distribution_id = :i"), {"i": distribution_id})
    conn.execute(
        text("UPDATE distribution SET held_checked_at = now() WHERE business_date = :d AND round = :r"),
        {"d": business_date, "r": round_ - 1},
    )


# ---------------------------------------------------------------- what a run sends

_PENDING = text("""
SELECT b.target, b.batch_id, b.distribution_id, b.kpp_code, b.chunk, b.row_count, b.ntpn_sha256, b.state, b.attempts
  FROM dist_batch b JOIN distribution d ON d.distribution_id = b.distribution_id
 WHERE d.business_date = :d AND d.status = ANY(CAST(:live AS text[]))
   AND b.state = ANY(CAST(:due AS text[]))
   AND (CAST(:only AS text[]) IS NULL OR b.batch_id = ANY(CAST(:only AS text[])))
 ORDER BY b.distribution_id, b.kpp_code, b.chunk, b.target
""")


def due_batches(conn: Connection, business_date: date, only: Sequence[str] | None = None) -> list[Batch]:
    """The date's batches a run sends (all, or only the batch ids in `only`), by round, KPP, chunk and target."""
    rows = conn.execute(
        _PENDING,
        {"d": business_date, "live": list(LIVE), "due": list(DUE), "only": None if only is None else list(only)},
    )
    return [Batch(*row) for row in rows]


def due_days(conn: Connection) -> list[date]:
    """Business dates with a live round and a batch not yet confirmed."""
    return list(
        conn.execute(
            text("""
        SELECT DISTINCT d.business_date FROM distribution d JOIN dist_batch b USING (distribution_id)
         WHERE d.status = ANY(CAST(:live AS text[])) AND b.state <> 'confirmed'
         ORDER BY 1"""),
            {"live": list(LIVE)},
        ).scalars()
    )


def unconfirmed(conn: Connection, business_date: date) -> int:
    """Batches of the date's live rounds not confirmed yet."""
    return int(
        conn.execute(
            text("""
        SELECT count(*) FROM dist_batch b JOIN distribution d ON d.distribution_id = b.distribution_id
         WHERE d.business_date = :d AND d.status = ANY(CAST(:live AS text[])) AND b.state <> 'confirmed'"""),
            {"d": business_date, "live": list(LIVE)},
        ).scalar_one()
    )


# One batch's rows as JSON text, built by PostgreSQL (in C) in NTPN order, with the hash of its NTPNs: a
# 5,000-row batch is one index range on dist_item and one NTPN index probe per row, and Python only wraps it.
# `paid_at` is written in the branch's own offset, as the input file had it: the same text on every run
# whatever the session's time zone (a target compares a resent batch with what it stored).
_CHUNK = text("""
SELECT count(*) AS n,
       encode(sha256(convert_to(string_agg(i.ntpn, E'\\n' ORDER BY i.ntpn), 'UTF8')), 'hex') AS sha,
       '[' || string_agg(json_build_object(
           'ntpn', m.ntpn, 'npwp', m.npwp, 'kap', m.kap, 'kjs', m.kjs, 'tax_period', m.tax_period,
           'amount', m.amount,
           'paid_at', to_char(m.paid_at AT TIME ZONE 'UTC' + make_interval(hours => m.utc_offset),
                              'YYYY-MM-DD"T"HH24:MI:SS')
                      || CASE WHEN extract(microseconds FROM m.paid_at)::bigint % 1000000 <> 0
                              THEN to_char(m.paid_at, '.US') ELSE '' END
                      || '+' || lpad(m.utc_offset::text, 2, '0') || ':' || '00',
           'business_date', m.business_date, 'bank_code', m.bank_code, 'ntb', m.ntb)::text, ','
           ORDER BY i.ntpn) || ']' AS rows_json
  FROM dist_item i
  JOIN mpn_record m ON m.business_date = i.business_date AND m.ntpn = i.ntpn AND m.import_id = i.import_id
                   AND m.line = i.line
 WHERE i.distribution_id = :id AND i.kpp_code = :kpp AND i.chunk = :chunk
""")


def chunk(conn: Connection, distribution_id: int, kpp_code: str, chunk_no: int) -> Chunk:
    """One (KPP, chunk) of a round as the targets receive it, read in one statement."""
    row = conn.execute(_CHUNK, {"id": distribution_id, "kpp": kpp_code, "chunk": chunk_no}).one()
    return Chunk(int(row.n), str(row.sha), str(row.rows_json))


# ---------------------------------------------------------------- a batch's transitions


def start_sending(conn: Connection, batch: Batch) -> None:
    """About to POST: the batch is `sending` until an answer settles it (a run that dies leaves it so)."""
    conn.execute(
        text("""UPDATE dist_batch SET state = 'sending', updated_at = now()
                          WHERE target = :t AND batch_id = :b"""),
        {"t": batch.target, "b": batch.batch_id},
    )


def note_attempt(conn: Connection, attempt: Attempt) -> None:
    """An attempt whose outcome leaves the batch's state as it is (unknown, or not stored at the target)."""
    _attempted(conn, attempt, None)


def confirm(conn: Connection, attempt: Attempt) -> None:
    """The target's receipt repeats the batch's rows and hash: `confirmed` (final)."""
    _attempted(conn, attempt, "confirmed")


def fail(conn: Connection, attempt: Attempt) -> None:
    """The target refused the batch or its receipt differs: `failed`, sent again by a later run."""
    _attempted(conn, attempt, "failed")


def give_up(conn: Connection, batch: Batch) -> None:
    """Out of attempts with the outcome still unknown: `failed` unless it was confirmed meanwhile."""
    conn.execute(
        text("""UPDATE dist_batch SET state = 'failed', updated_at = now()
                          WHERE target = :t AND batch_id = :b AND state <> 'confirmed'"""),
        {"t": batch.target, "b": batch.batch_id},
    )


def _attempted(conn: Connection, a: Attempt, state: str | None) -> None:
    """The attempt's row, and the batch counted, moved to `state` (None: kept) with its error and receipt."""
    conn.execute(
        text("""INSERT INTO dist_attempt (target, batch_id, method, started_at, latency_ms, http_status,
                                                   outcome, error, run_by)
                         VALUES (:t, :b, :m, :s, :l, :h, :o, :e, :r)"""),
        {
            "t": a.batch.target,
            "b": a.batch.batch_id,
            "m": a.method,
            "s": a.started_at,
            "l": a.latency_ms,
            "h": a.http_status,
            "o": a.outcome,
            "e": a.error,
            "r": a.run_by,
        },
    )
    conn.execute(
        text("""
        UPDATE dist_batch SET attempts = attempts + 1, updated_at = now(),
               state = coalesce(:state, state), last_error = :error,
               first_sent_at = coalesce(first_sent_at, CASE WHEN :m = 'POST' THEN CAST(:s AS timestamptz) END),
               confirmed_at = CASE WHEN :state = 'confirmed' THEN now() ELSE confirmed_at END,
               receipt = coalesce(CAST(:receipt AS jsonb), receipt)
         WHERE target = :t AND batch_id = :b"""),
        {
            "state": state,
            "error": a.error,
            "m": a.method,
            "s": a.started_at,
            "t": a.batch.target,
            "b": a.batch.batch_id,
            "receipt": None if a.receipt is None else json.dumps(a.receipt),
        },
    )


def redistribute(conn: Connection, business_date: date, batches: Sequence[BatchKey] | None) -> list[BatchKey]:
    """SE-127 step 16: the chosen failed batches of the date's live rounds (None: every failed one) back to
    `approved`; the batches moved, sorted."""
    chosen = None if batches is None else [f"{t}/{b}" for t, b in batches]
    rows = conn.execute(
        text("""
        UPDATE dist_batch b SET state = 'approved', updated_at = now()
          FROM distribution d
         WHERE d.distribution_id = b.distribution_id AND d.business_date = :d AND d.status = ANY(CAST(:live AS text[]))
           AND b.state = 'failed'
           AND (CAST(:chosen AS text[]) IS NULL OR b.target || '/' || b.batch_id = ANY(CAST(:chosen AS text[])))
        RETURNING b.target, b.batch_id"""),
        {"d": business_date, "live": list(LIVE), "chosen": chosen},
    ).all()
    return sorted(BatchKey(r[0], r[1]) for r in rows)


# ---------------------------------------------------------------- held data released

# Dates whose latest round is frozen, held rows back, and saw something since that may release them: a
# statement letter, a reconciliation run or an exception closed by people after the round was prepared.
_RELEASABLE = text("""
SELECT d.business_date
  FROM distribution d
 WHERE d.distribution_id = (SELECT max(distribution_id) FROM distribution x WHERE x.business_date = d.business_date)
   AND d.status = ANY(CAST(:live AS text[])) AND d.held_count > 0
   AND d.business_date >= CAST(:since AS date)
   AND (EXISTS (SELECT 1 FROM statement_letter s WHERE s.business_date = d.business_date
                   AND s.created_at > greatest(d.prepared_at, d.held_checked_at))
        OR EXISTS (SELECT 1 FROM recon_run r WHERE r.business_date = d.business_date
                      AND r.finished_at > greatest(d.prepared_at, d.held_checked_at))
        OR EXISTS (SELECT 1 FROM recon_exception e WHERE e.business_date = d.business_date
                      AND e.resolved_at > greatest(d.prepared_at, d.held_checked_at)))
 ORDER BY 1
""")


def releasable_days(conn: Connection, since: date) -> list[date]:
    """Dates from `since` whose holds may have been lifted since their latest (frozen) round was prepared."""
    return list(conn.execute(_RELEASABLE, {"since": since, "live": list(LIVE)}).scalars())
