"""The two rules that are not a bank's duty on Kelengkapan: `file_rejected` and `scheduler_down`.

- `file_rejected`: an input file was rejected. Its deadline is the moment of the rejection (it opens at once), keyed
  by the business date the file was meant for (`queries.imports.rejected.meant_for`, as the Data masuk banner) and its
  bank when known; further rejections of the same key join it (`facts.files`). It resolves when every file in it
  has a later imported file of the same kind (and bank) covering that date; lateness is counted to that import.
- `scheduler_down`: no live scheduler heartbeat (`queries.scheduling.store`, 90 s). Opens 90 s after the last sign
  of life of any instance that ever ran; resolves when an instance beats again, lateness to its start. An outage
  nobody saw live (the minute job is the scheduler's own, and nobody opened Peringatan or ran `mpn alerts evaluate`
  meanwhile) is recorded afterwards: `scheduler_gaps` reads the instances' lives (start to last heartbeat or stop),
  and the first evaluation after the return opens-and-resolves an alert covering each gap longer than 90 s, with its
  length (`record_gaps`). The alert key is one row per rule and day, so a day's further outages are added to its
  `facts.gaps` and its sentence; a gap already in `facts.gaps` (or the live alert's span) is never added twice.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Connection, text

from queries import config
from queries.calendar import WorkingCalendar
from queries.imports.rejected import meant_for
from queries.imports.store import ImportFileRow
from queries.scheduling.store import HEARTBEAT_STALE

KIND_TITLES = {
    "mpn": "data MPN",
    "bank": "batch bank",
    "statements": "surat pernyataan",
    "notices": "surat pemberitahuan gangguan",
}


@dataclass(frozen=True, slots=True)
class Opening:
    """An alert to open: its key, deadline, the sentence that explains it, and what the rule keeps to decide later."""

    rule: str
    business_date: date
    bank_code: str | None
    deadline: datetime
    detail: str
    facts: dict[str, Any] = field(default_factory=dict)


_NEW_REJECTED = text("""
SELECT import_id, kind, file_name, status, sha256, size_bytes, received_at, started_at, finished_at, row_count,
       total_amount, first_date, last_date, bank_code, error_count, report, kept_path
  FROM import_file f
 WHERE f.status = 'rejected' AND f.received_at >= :since AND f.received_at <= :now
   AND NOT EXISTS (SELECT 1 FROM alert a WHERE a.rule = 'file_rejected' AND a.facts -> 'files' @> to_jsonb(f.import_id))
 ORDER BY f.received_at, f.import_id
""")


def rejected_openings(conn: Connection, *, first: date, now: datetime, calendar: WorkingCalendar) -> list[Opening]:
    """Rejected files received since the window's first day that no alert holds yet, grouped by key."""
    since = datetime.combine(first, time(), config.timezone())
    grouped: dict[tuple[date, str | None], list[ImportFileRow]] = {}
    for row in conn.execute(_NEW_REJECTED, {"since": since, "now": now}):
        f = ImportFileRow(**row._mapping)
        grouped.setdefault((meant_for(f, calendar), f.bank_code), []).append(f)
    openings = []
    for (day, bank), files in grouped.items():
        names = ", ".join(f"{f.file_name} ({KIND_TITLES.get(f.kind, f.kind)})" for f in files[:5])
        more = f" dan {len(files) - 5} lainnya" if len(files) > 5 else ""
        detail = f"{len(files)} berkas ditolak: {names}{more}. Perbaiki dan kirim ulang; laporan ada di Data masuk."
        openings.append(
            Opening(
                "file_rejected", day, bank, files[0].received_at, detail[:2000], {"files": [f.import_id for f in files]}
            )
        )
    return openings


_REJECTED_DONE = text("""
WITH open_alert AS (
    SELECT a.alert_id, a.business_date, a.deadline, CAST(f.value AS bigint) AS import_id
      FROM alert a CROSS JOIN LATERAL jsonb_array_elements_text(a.facts -> 'files') f
     WHERE a.rule = 'file_rejected' AND a.status <> 'resolved'
), replaced AS (
    SELECT o.alert_id, o.deadline, o.import_id,
           (SELECT min(g.received_at) FROM import_file g
             WHERE g.status = 'imported' AND g.kind = r.kind AND g.received_at > r.received_at
               AND g.received_at <= :now AND (r.bank_code IS NULL OR g.bank_code = r.bank_code)
               AND o.business_date BETWEEN coalesce(g.first_date, o.business_date)
                                       AND coalesce(g.last_date, o.business_date)) AS at
      FROM open_alert o JOIN import_file r ON r.import_id = o.import_id
)
SELECT alert_id, max(at), bool_and(at IS NOT NULL) FROM replaced GROUP BY alert_id
""")


def rejected_resolutions(conn: Connection, now: datetime) -> list[tuple[int, datetime]]:
    """Unresolved `file_rejected` alerts every file of which a later good file replaced: (alert id, when)."""
    return [(r[0], r[1]) for r in conn.execute(_REJECTED_DONE, {"now": now}) if r[2]]


_HEARTBEATS = text("""
SELECT bool_or(stopped_at IS NULL AND heartbeat_at <= :now AND heartbeat_at >= :now - :stale),
       max(least(coalesce(stopped_at, heartbeat_at), :now)),
       min(started_at) FILTER (WHERE stopped_at IS NULL AND heartbeat_at <= :now AND heartbeat_at >= :now - :stale)
  FROM scheduler_instance WHERE started_at <= :now
""")


def scheduler_state(conn: Connection, now: datetime) -> tuple[bool | None, datetime | None, datetime | None]:
    """(alive, last sign of life, since when the live instances run); alive None when no scheduler ever ran."""
    alive, last, since = conn.execute(_HEARTBEATS, {"now": now, "stale": HEARTBEAT_STALE}).one()
    return alive, last, since


def scheduler_opening(conn: Connection, now: datetime) -> Opening | None:
    """`scheduler_down` when no instance beat for 90 s (and none is already open)."""
    alive, last, _ = scheduler_state(conn, now)
    if alive is None or alive or last is None or now <= last + HEARTBEAT_STALE:
        return None
    deadline = last + HEARTBEAT_STALE
    from queries.formatting import waktu_wib

    return Opening(
        "scheduler_down",
        deadline.astimezone(config.timezone()).date(),
        None,
        deadline,
        f"Tidak ada detak penjadwal sejak {waktu_wib(last)}: pekerjaan terjadwal (impor inbox, "
        "rekonsiliasi, distribusi, surat elektronik) tidak berjalan. Jalankan `mpn scheduler`.",
    )


def scheduler_resolution(conn: Connection, now: datetime) -> datetime | None:
    """When the scheduler came back (its live instance's start, or now), None while it is still down."""
    alive, _, since = scheduler_state(conn, now)
    if not alive:
        return None
    return since or now


_LIVES = text("""SELECT started_at, least(coalesce(stopped_at, heartbeat_at), :now) FROM scheduler_instance
                  WHERE started_at <= :now ORDER BY started_at""")


def scheduler_gaps(conn: Connection, now: datetime) -> list[tuple[datetime, datetime]]:
    """(last sign of life, next start) of every time no instance lived for more than 90 s, ended by `now`."""
    gaps: list[tuple[datetime, datetime]] = []
    alive_until: datetime | None = None
    for started, ended in conn.execute(_LIVES, {"now": now}):
        if alive_until is not None and started - alive_until > HEARTBEAT_STALE:
            gaps.append((alive_until, started))
        alive_until = ended if alive_until is None else max(alive_until, ended)
    return gaps


def _gap_text(start: datetime, end: datetime) -> str:
    from queries.formatting import waktu_wib

    minutes = -(-int((end - start).total_seconds()) // 60)
    return f"penjadwal berhenti dari {waktu_wib(start)} sampai {waktu_wib(end)} ({minutes} menit)"


def _known(
    facts: dict[str, Any], deadline: datetime, resolved: datetime | None, gap: tuple[datetime, datetime]
) -> bool:
    """Is the outage already held: listed in `facts.gaps` (as instants), or inside the live alert's span?"""
    if any(
        datetime.fromisoformat(a) == gap[0] and datetime.fromisoformat(b) == gap[1] for a, b in facts.get("gaps", [])
    ):
        return True
    return deadline <= gap[1] and (resolved is None or resolved >= gap[0] + HEARTBEAT_STALE)


def record_gaps(conn: Connection, now: datetime, since: datetime) -> int:
    """Open-and-resolve a `scheduler_down` alert for each outage that ended after `since` and that no alert holds
    (recorded afterwards, lateness to the return); alerts written or extended."""
    written = 0
    for gap in scheduler_gaps(conn, now):
        if gap[1] <= since:
            continue
        day = (gap[0] + HEARTBEAT_STALE).astimezone(config.timezone()).date()
        old = conn.execute(
            text("""SELECT alert_id, deadline, resolved_at, facts FROM alert
                                    WHERE rule = 'scheduler_down' AND business_date = :d AND bank_code IS NULL
                                      FOR UPDATE"""),
            {"d": day},
        ).first()
        if old is None:
            _insert_gap(conn, day, gap)
        elif _known(old.facts, old.deadline, old.resolved_at, gap):
            continue
        else:
            _extend_gap(conn, old.alert_id, gap)
        written += 1
    return written


def _pair(gap: tuple[datetime, datetime]) -> str:
    return json.dumps([[gap[0].isoformat(), gap[1].isoformat()]])


def _insert_gap(conn: Connection, day: date, gap: tuple[datetime, datetime]) -> None:
    deadline = gap[0] + HEARTBEAT_STALE
    late = -(-int((gap[1] - deadline).total_seconds()) // 60)
    conn.execute(
        text("""
        INSERT INTO alert (rule, business_date, bank_code, opened_at, deadline, detail, facts, status, resolved_at,
                           late_minutes)
        VALUES ('scheduler_down', :d, NULL, :due, :due, :detail, jsonb_build_object('gaps', CAST(:pair AS jsonb)),
                'resolved', :end, :late)"""),
        {
            "d": day,
            "due": deadline,
            "end": gap[1],
            "late": late,
            "pair": _pair(gap),
            "detail": f"Tercatat setelahnya: {_gap_text(*gap)}; pekerjaan terjadwal tidak berjalan selama itu.",
        },
    )


def _extend_gap(conn: Connection, alert_id: int, gap: tuple[datetime, datetime]) -> None:
    conn.execute(
        text("""
        UPDATE alert SET detail = left(detail || ' Tercatat setelahnya: ' || :said || '.', 2000),
                         facts = facts || jsonb_build_object('gaps', coalesce(facts -> 'gaps', '[]')
                                                                     || CAST(:pair AS jsonb))
         WHERE alert_id = :id"""),
        {"said": _gap_text(*gap), "pair": _pair(gap), "id": alert_id},
    )


def remember_gap(conn: Connection, alert_id: int, deadline: datetime, back: datetime) -> None:
    """A live `scheduler_down` alert resolved at `back`: its outage joins `facts.gaps`, never recorded again."""
    conn.execute(
        text("""UPDATE alert SET facts = facts || jsonb_build_object('gaps', coalesce(facts -> 'gaps', '[]')
                                                                              || CAST(:pair AS jsonb))
                          WHERE alert_id = :id"""),
        {"pair": _pair((deadline - HEARTBEAT_STALE, back)), "id": alert_id},
    )


#: How far back an outage is still recorded afterwards.
GAP_LOOKBACK = timedelta(days=7)
