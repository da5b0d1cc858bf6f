"""Storing a reconciliation run: the run row, the exceptions (upsert, reopen, auto-close) and per-bank results.

Works from the temporary tables `queries.reconciliation.classify` leaves (`rc_found`, `rc_bank`, `rc_pair`). People's
decisions are never undone: exceptions `resolved` by a person or `adjusted` stay closed; only those the
data closed (`closed_by_data`) reopen when detected again. Nothing here commits.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy import Connection, text

from queries.accounts import approvals
from queries.accounts.audit import Actor
from queries.reconciliation.work import KIND_ADJUSTMENT, KIND_RESOLUTION, content_hash, exception_row

SYSTEM = "system"


def start_run(conn: Connection, *, business_date: date, bank_code: str | None, actor: str) -> int:
    """Open a run row; returns its id."""
    return int(
        conn.execute(
            text("INSERT INTO recon_run (business_date, bank_code, actor) VALUES (:d, :bank, :actor) RETURNING run_id"),
            {"d": business_date, "bank": bank_code, "actor": actor},
        ).scalar_one()
    )


def finish_run(conn: Connection, run_id: int, counts: dict[str, Any]) -> datetime:
    """Close a run row with its counts; returns when it finished."""
    return conn.execute(
        text(
            "UPDATE recon_run SET finished_at = clock_timestamp(), status = 'finished',"
            " counts = CAST(:counts AS jsonb) WHERE run_id = :id RETURNING finished_at"
        ),
        {"id": run_id, "counts": json.dumps(counts, sort_keys=True)},
    ).scalar_one()


class ExceptionChanges(NamedTuple):
    """What one run changed in `recon_exception` (within its date and bank scope)."""

    opened: int
    reopened: int
    closed: int
    detected: int


_SCOPE = "(CAST(:bank AS text) IS NULL OR {alias}bank_code = CAST(:bank AS text))"
_SAME = (
    "e.business_date = :d AND e.level = f.level AND e.bank_code = f.bank_code AND e.ntpn = f.ntpn"
    " AND e.category = f.category"
)

_REOPEN = f"""
    UPDATE recon_exception e
       SET status = 'open', resolved_at = NULL, resolved_by = NULL, closed_by_data = false,
           note = 'reopened: detected again by run ' || :run, updated_at = now()
      FROM rc_found f
     WHERE {_SAME} AND e.closed_by_data AND {_SCOPE.format(alias="f.")}
"""

# Exceptions detected again: refresh what the data say. Reconciles of a date serialise on its advisory lock
# and nothing else inserts exceptions, so an UPDATE of the known ones then a plain INSERT of the new ones is
# safe, and cheaper than INSERT ... ON CONFLICT (a speculative insertion per row).
_SEEN = f"""
    UPDATE recon_exception e
       SET fields = f.fields, mpn_amount = f.mpn_amount, bank_amount = f.bank_amount, other_date = f.other_date,
           batch_id = k.batch_id, last_seen_run = :run,
           updated_at = CASE WHEN (e.fields, e.mpn_amount, e.bank_amount, e.other_date, e.batch_id)
                                  IS DISTINCT FROM (f.fields, f.mpn_amount, f.bank_amount, f.other_date, k.batch_id)
                             THEN now() ELSE e.updated_at END
      FROM rc_found f
      LEFT JOIN rc_bank k ON k.bank_code = f.bank_code
     WHERE {_SAME} AND {_SCOPE.format(alias="f.")}
"""

_NEW = f"""
    INSERT INTO recon_exception (business_date, level, bank_code, ntpn, category, fields, mpn_amount, bank_amount,
                                 other_date, batch_id, first_seen_run, last_seen_run)
    SELECT :d, f.level, f.bank_code, f.ntpn, f.category, f.fields, f.mpn_amount, f.bank_amount, f.other_date,
           k.batch_id, :run, :run
      FROM rc_found f
      LEFT JOIN rc_bank k ON k.bank_code = f.bank_code
     WHERE {_SCOPE.format(alias="f.")}
       AND NOT EXISTS (SELECT 1 FROM recon_exception e WHERE {_SAME})
"""

# Why an exception no longer detected closed by itself (shown to people as its note).
_CLOSE = f"""
    UPDATE recon_exception e
       SET status = 'resolved', closed_by_data = true, resolved_by = '{SYSTEM}', resolved_at = now(),
           updated_at = now(),
           note = CASE
               WHEN nf.category IS NOT NULL THEN 'reclassified as ' || nf.category
               WHEN e.category = 'missing_batch' THEN 'batch arrived'
               WHEN e.category = 'missing_statement' THEN 'statement letter arrived'
               WHEN e.category = 'statement_mismatch' THEN 'statement letter or batch corrected'
               WHEN EXISTS (SELECT 1 FROM cancelled_number c WHERE c.kind = 'ntpn' AND c.number = e.ntpn)
                    THEN 'payment cancelled by reversal'
               WHEN d.deferred_to IS NOT NULL THEN 'in the batch of ' || d.deferred_to || ' (cut-off)'
               WHEN e.batch_id IS DISTINCT FROM k.batch_id THEN 'resend matched'
               WHEN e.category IN ('missing_in_mpn', 'cutoff_mismatch', 'amount_mismatch', 'attribute_mismatch')
                    THEN 're-recorded payment matched'
               ELSE 'no longer detected' END
      FROM recon_exception e0
      LEFT JOIN rc_bank k ON k.bank_code = e0.bank_code
      LEFT JOIN LATERAL (SELECT f.category FROM rc_found f
                          WHERE f.level = 'transaction' AND e0.level = 'transaction' AND f.ntpn = e0.ntpn
                          LIMIT 1) nf ON true
      LEFT JOIN LATERAL (SELECT p.deferred_to FROM rc_pair p
                          WHERE p.ntpn = e0.ntpn AND p.deferred_to IS NOT NULL LIMIT 1) d ON true
     WHERE e.exception_id = e0.exception_id
       AND e0.business_date = :d AND e0.status IN ('open', 'in_clarification') AND {_SCOPE.format(alias="e0.")}
       AND NOT EXISTS (SELECT 1 FROM rc_found f WHERE {_SAME.replace("e.", "e0.")})
"""


def store_exceptions(conn: Connection, *, run_id: int, business_date: date, bank: str | None) -> ExceptionChanges:
    """Bring `recon_exception` of the date (and bank) in line with `rc_found`."""
    params = {"d": business_date, "run": run_id, "bank": bank}
    reopened = conn.execute(text(_REOPEN), params).rowcount
    seen = conn.execute(text(_SEEN), params).rowcount
    opened = conn.execute(text(_NEW), params).rowcount
    closed = conn.execute(text(_CLOSE), params).rowcount
    return ExceptionChanges(opened=opened, reopened=reopened, closed=closed, detected=seen + opened)


# Open maker-checker requests on the date's (and bank's) exceptions; few, so they are lapsed one by one.
_OPEN_REQUESTS = f"""
    SELECT a.kind, a.object_key, e.exception_id
      FROM approval_request a
      JOIN recon_exception e ON e.exception_id::text = a.object_key
     WHERE a.kind IN ('{KIND_RESOLUTION}', '{KIND_ADJUSTMENT}') AND a.status IN ('pending', 'approved')
       AND e.business_date = :d AND {_SCOPE.format(alias="e.")}
       AND (e.status IN ('open', 'in_clarification') OR e.closed_by_data)
     ORDER BY a.request_id
"""


def lapse_stale_requests(conn: Connection, *, run_id: int, business_date: date, bank: str | None, actor: Actor) -> int:
    """Lapse the requests whose exception this run closed or changed; returns how many lapsed.

    A request pins the exception's content (`exception_work.content_hash`); one whose exception the data
    closed, or whose content (amounts, fields, other date, batch) is no longer what was asked on, lapses with
    the reason instead of waiting for a kasi who could only refuse it. Unchanged ones stay pending.
    """
    lapsed = 0
    rows = conn.execute(text(_OPEN_REQUESTS), {"d": business_date, "bank": bank}).all()
    for kind, key, exception_id in rows:
        exc = exception_row(conn, exception_id)
        if exc.is_open:
            request = approvals.latest_for_object(conn, kind, key)
            pinned = content_hash(exc, request.summary) if request is not None else None
            reason = f"isi selisih diubah oleh rekonsiliasi (run {run_id})"
        else:
            pinned = None
            reason = f"selisih ditutup otomatis oleh rekonsiliasi (run {run_id}): {exc.note}"
        if approvals.lapse(conn, kind, key, actor=actor, reason=reason, content_hash=pinned) is not None:
            lapsed += 1
    return lapsed


_RESULTS = f"""
    INSERT INTO recon_result AS r (business_date, bank_code, mpn_count, mpn_amount, bank_count, bank_amount,
                                   matched_count, matched_amount, exception_counts, batch_id, batch_received_at,
                                   result_at, result_minutes, last_run_id)
    SELECT :d, k.bank_code, k.mpn_count, k.mpn_amount, k.bank_count, k.bank_amount,
           k.mpn_count - coalesce(u.n, 0), k.mpn_amount - coalesce(u.amount, 0),
           coalesce(c.counts, '{{}}'::jsonb), k.batch_id, k.batch_received_at,
           CASE WHEN k.batch_id IS NOT NULL THEN CAST(:finished AS timestamptz) END,
           CASE WHEN k.batch_id IS NOT NULL
                THEN round(extract(epoch FROM CAST(:finished AS timestamptz) - k.batch_received_at) / 60, 1) END,
           :run
      FROM rc_bank k
      LEFT JOIN (SELECT m_bank_code, count(*) AS n, sum(m_amount) AS amount
                   FROM (SELECT DISTINCT m_import, m_line, m_bank_code, m_amount FROM rc_pair
                          WHERE m_line IS NOT NULL) x GROUP BY 1) u ON u.m_bank_code = k.bank_code
      LEFT JOIN (SELECT bank_code, jsonb_object_agg(category, n) AS counts
                   FROM (SELECT bank_code, category, count(*) AS n FROM rc_found GROUP BY 1, 2) x
                  GROUP BY 1) c ON c.bank_code = k.bank_code
     WHERE {_SCOPE.format(alias="k.")}
    ON CONFLICT ON CONSTRAINT pk_recon_result DO UPDATE
       SET mpn_count = EXCLUDED.mpn_count, mpn_amount = EXCLUDED.mpn_amount, bank_count = EXCLUDED.bank_count,
           bank_amount = EXCLUDED.bank_amount, matched_count = EXCLUDED.matched_count,
           matched_amount = EXCLUDED.matched_amount, exception_counts = EXCLUDED.exception_counts,
           batch_id = EXCLUDED.batch_id, batch_received_at = EXCLUDED.batch_received_at,
           -- R5: the result time of a batch is the end of the first run that saw it
           result_at = CASE WHEN r.batch_id IS NOT DISTINCT FROM EXCLUDED.batch_id AND r.result_at IS NOT NULL
                            THEN r.result_at ELSE EXCLUDED.result_at END,
           result_minutes = CASE WHEN r.batch_id IS NOT DISTINCT FROM EXCLUDED.batch_id
                                      AND r.result_at IS NOT NULL
                                 THEN r.result_minutes ELSE EXCLUDED.result_minutes END,
           last_run_id = EXCLUDED.last_run_id, updated_at = now()
"""


def store_results(
    conn: Connection, *, run_id: int, business_date: date, bank: str | None, finished: datetime | None = None
) -> int:
    """Upsert `recon_result` for every bank of the date (or the one bank); returns rows written.

    `finished` is when the result counts as delivered (R5); now, unless history is being replayed.
    """
    if finished is None:
        finished = conn.execute(text("SELECT clock_timestamp()")).scalar_one()
    return conn.execute(
        text(_RESULTS), {"d": business_date, "run": run_id, "bank": bank, "finished": finished}
    ).rowcount
