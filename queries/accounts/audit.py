"""The audit trail: append one row per state change, verify the hash chain, list rows for the page.

Rows are only ever inserted (the table's triggers refuse UPDATE, DELETE and TRUNCATE). The chain
position, time and hashes are set by the insert trigger under the head row's lock, which is held until
the transaction commits: append audit rows at the end of a transaction, not before long work.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import Connection, text

from queries.labels import ACTIONS  # action codes with their Indonesian names, re-exported here

GENESIS = "0" * 64


class Actor(NamedTuple):
    """Who acts: a user (name and role) or a part of the system (`system:cli`, `system:scheduler`)."""

    name: str
    role: str
    user_id: int | None = None

    @classmethod
    def system(cls, part: str) -> Actor:
        """The product itself acting, e.g. `Actor.system("cli")` for a command run from a shell."""
        return cls(f"system:{part}", "system", None)


def record(
    conn: Connection,
    actor: Actor,
    action: str,
    *,
    object_type: str = "",
    object_id: str = "",
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
) -> int:
    """Append one audit row; returns its position in the chain. `before`/`after` are short summaries."""
    return conn.execute(
        text("""INSERT INTO audit_log (seq, at, actor, actor_role, action, object_type, object_id,
                                       before, after, prev_hash, row_hash)
                VALUES (0, now(), :actor, :role, :action, :otype, :oid,
                        CAST(:before AS jsonb), CAST(:after AS jsonb), '', '')
                RETURNING seq"""),
        {
            "actor": actor.name,
            "role": actor.role,
            "action": action,
            "otype": object_type,
            "oid": str(object_id),
            "before": _json(before),
            "after": _json(after),
        },
    ).scalar_one()


def _json(summary: Mapping[str, Any] | None) -> str | None:
    return None if summary is None else json.dumps(summary, default=str, ensure_ascii=False, sort_keys=True)


class ChainCheck(NamedTuple):
    """The outcome of `verify_chain`: intact, or the first row that is altered, missing or out of place."""

    ok: bool
    rows: int
    head_hash: str
    broken_seq: int | None = None
    reason: str = ""
    kind: str = ""  # missing | relinked | altered | tail_missing | head_mismatch


_VERIFY = text("""
    WITH chain AS (
        SELECT a.seq, a.prev_hash, a.row_hash, audit_row_hash(a) AS recomputed,
               lag(a.seq, 1, 0::bigint) OVER w AS prev_seq,
               lag(a.row_hash, 1, :genesis) OVER w AS prev_row_hash
          FROM audit_log a
        WINDOW w AS (ORDER BY a.seq)
    ), broken AS (
        SELECT seq,
               CASE WHEN seq <> prev_seq + 1 THEN 'missing'
                    WHEN prev_hash <> prev_row_hash THEN 'relinked'
                    ELSE 'altered' END AS reason,
               prev_seq
          FROM chain
         WHERE seq <> prev_seq + 1 OR prev_hash <> prev_row_hash OR row_hash <> recomputed
         ORDER BY seq
         LIMIT 1
    ), last AS (
        SELECT seq, row_hash FROM audit_log ORDER BY seq DESC LIMIT 1
    )
    SELECT h.seq, h.row_hash, b.seq, b.reason, b.prev_seq,
           coalesce(l.seq, 0), coalesce(l.row_hash, :genesis)
      FROM audit_head h
      LEFT JOIN broken b ON true
      LEFT JOIN last l ON true
""")


def verify_chain(conn: Connection) -> ChainCheck:
    """Recompute every row's hash and link, and check the head against the last row.

    One statement, so one snapshot: rows committed while it runs cannot look like a break.
    """
    head_seq, head_hash, seq, reason, prev_seq, last_seq, last_hash = conn.execute(_VERIFY, {"genesis": GENESIS}).one()
    if reason == "missing":
        return ChainCheck(
            False,
            head_seq,
            head_hash,
            prev_seq + 1,
            f"rows {prev_seq + 1}..{seq - 1} are missing (row {seq} follows row {prev_seq})",
            "missing",
        )
    if reason == "relinked":
        return ChainCheck(
            False,
            head_seq,
            head_hash,
            seq,
            f"row {seq} does not link to row {seq - 1}: row {seq - 1} was altered or replaced",
            "relinked",
        )
    if reason == "altered":
        return ChainCheck(
            False, head_seq, head_hash, seq, f"row {seq} was altered: its hash does not match its content", "altered"
        )
    if last_seq < head_seq:
        return ChainCheck(
            False,
            head_seq,
            head_hash,
            last_seq + 1,
            f"rows {last_seq + 1}..{head_seq} are missing from the end of the trail",
            "tail_missing",
        )
    if last_seq > head_seq or last_hash != head_hash:
        return ChainCheck(
            False,
            head_seq,
            head_hash,
            last_seq,
            f"row {last_seq} does not match the chain head (seq {head_seq})",
            "head_mismatch",
        )
    return ChainCheck(True, head_seq, head_hash)


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One audit row as the page shows it."""

    seq: int
    at: datetime
    actor: str
    actor_role: str
    action: str
    object_type: str
    object_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    row_hash: str

    @property
    def action_label(self) -> str:
        """The action in Indonesian (the code itself when it has no label)."""
        return ACTIONS.get(self.action, self.action)


class AuditFilter(NamedTuple):
    """What the audit page filters on; None or empty means no filter. Dates are WIB calendar days."""

    actor: str | None = None
    action: str | None = None
    object_text: str | None = None
    date_from: date | None = None
    date_to: date | None = None


class AuditPage(NamedTuple):
    """A slice of the filtered trail, newest first, and how many rows match the filter in all."""

    rows: list[AuditEntry]
    total: int


_SORTS = {"seq": "seq", "at": "seq", "actor": "actor", "action": "action", "object": "object_type, object_id"}


def _where(f: AuditFilter) -> tuple[str, dict[str, Any]]:
    clauses: list[str] = []
    params: dict[str, Any] = {}
    if f.actor:
        clauses.append("actor = :actor")
        params["actor"] = f.actor
    if f.action:
        clauses.append("action = :action")
        params["action"] = f.action
    if f.object_text:
        clauses.append("(object_type || ':' || object_id) ILIKE :obj")
        params["obj"] = "%" + f.object_text.replace("\\", "\\\\").replace("%", r"\%").replace("_", r"\_") + "%"
    if f.date_from:
        clauses.append("at >= (CAST(:dfrom AS timestamp) AT TIME ZONE 'Asia/Jakarta')")
        params["dfrom"] = f.date_from
    if f.date_to:
        clauses.append("at < (CAST(:dto AS timestamp) AT TIME ZONE 'Asia/Jakarta')")
        params["dto"] = f.date_to + timedelta(days=1)
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


NO_FILTER = AuditFilter()


def audit_entries(
    conn: Connection,
    flt: AuditFilter = NO_FILTER,
    *,
    offset: int = 0,
    limit: int = 100,
    sort: str = "seq",
    descending: bool = True,
) -> AuditPage:
    """Rows matching `flt`, sorted by a whitelisted column (newest first by default), `limit` from `offset`."""
    where, params = _where(flt)
    order = _SORTS.get(sort, "seq")
    direction = "DESC" if descending else "ASC"
    rows = conn.execute(
        text(f"""SELECT seq, at, actor, actor_role, action, object_type, object_id, before, after, row_hash
                   FROM audit_log{where}
                  ORDER BY {order} {direction}, seq {direction}
                  LIMIT :limit OFFSET :offset"""),  # noqa: S608 - where/order built from whitelists only
        {**params, "limit": max(1, min(limit, 1000)), "offset": max(0, offset)},
    ).all()
    total = conn.execute(text(f"SELECT count(*) FROM audit_log{where}"), params).scalar_one()  # noqa: S608
    return AuditPage([AuditEntry(*row) for row in rows], total)


def audit_actors(conn: Connection) -> list[str]:
    """Every name that appears in the trail, for the user filter."""
    return list(conn.execute(text("SELECT DISTINCT actor FROM audit_log ORDER BY actor")).scalars())


def audit_actions(conn: Connection) -> list[str]:
    """Every action code that appears in the trail, for the action filter."""
    return list(conn.execute(text("SELECT DISTINCT action FROM audit_log ORDER BY action")).scalars())


def audit_entry(conn: Connection, seq: int) -> AuditEntry | None:
    """One row of the trail by its position, or None."""
    row = conn.execute(
        text("""SELECT seq, at, actor, actor_role, action, object_type, object_id, before, after, row_hash
                  FROM audit_log WHERE seq = :seq"""),
        {"seq": seq},
    ).first()
    return None if row is None else AuditEntry(*row)
