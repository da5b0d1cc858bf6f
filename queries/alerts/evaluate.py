"""Evaluating every alert rule as of `now` (CONTRACT §6 `mpn alerts evaluate`): open, resolve, re-arm, notify.

One transaction under an advisory lock (the scheduler's minute job and a `mpn alerts evaluate` never interleave).
Only the open window is read (`duties.window`: the recent working days, back to the oldest unresolved alert), with
the Kelengkapan model's handful of set-based queries, so an evaluation stays well under a second on a year of data.
Idempotent: the unique key (rule, business date, bank) and "open only what has no row" make a second evaluation at
the same moment change nothing. More than `STORM_LIMIT` new alerts in one evaluation become ONE `storm` alert
covering them (an outage is one alert, not fifty); while it is unresolved the duties it covers open nothing more,
and it resolves when none of them is still missing.

A resolved duty alert whose duty goes back to missing (it can: a resent batch supersedes the one that was reconciled
and sent, so the result duty starts again from the new batch; the statement may no longer agree with it; a new
distribution round needs its confirmations) re-opens the same row (the key is one per rule, date and bank) with
`REOPEN` before its sentence, the earlier episode kept in `facts.history`, and its subscribers are told again.
Only an alert resolved before the evaluation's `now` re-opens, so replaying an earlier moment changes nothing.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, text

from queries.alerts.duties import DUTY_RULES, Key, describe, duty_states, window
from queries.alerts.model import RULES, late_minutes
from queries.alerts.notify import notify_opened
from queries.alerts.read import unresolved_count
from queries.alerts.system import (
    GAP_LOOKBACK,
    Opening,
    record_gaps,
    rejected_openings,
    rejected_resolutions,
    remember_gap,
    scheduler_opening,
    scheduler_resolution,
)
from queries.calendar import WorkingCalendar, calendar_from_db
from queries.db import xact_lock
from queries.formatting import tanggal_pendek
from queries.letters.notices import acknowledge_alerts
from queries.monitoring.completeness import DutyStatus
from queries.settings import Settings, current_settings

LOCK = ("alerts", "evaluate")
#: More new alerts than this in one evaluation open one summary alert instead.
STORM_LIMIT = 50
#: The sentence before a duty alert that opens again: a resolved duty went back to missing (a resent batch whose
#: new result is not at the bank within its hour, a statement letter that no longer agrees with the resent batch, a
#: new distribution round not confirmed); the earlier episode is kept in `facts.history`.
REOPEN = "Terbuka lagi: tugas ini sempat selesai {when}, kini belum terpenuhi lagi."
GONE = "Selesai tanpa keterlambatan tercatat: tugas ini tidak lagi diharapkan (data berubah atau batas bergeser)."


@dataclass(frozen=True, slots=True)
class Evaluation:
    """What one evaluation did: ids opened (new or re-opened), how many resolved and re-armed, how many unresolved."""

    opened: tuple[int, ...]
    resolved: int
    rearmed: int
    open: int

    @property
    def message(self) -> str:
        """`opened N, resolved M, open K` (CONTRACT §6)."""
        return f"opened {len(self.opened)}, resolved {self.resolved}, open {self.open}"


def evaluate(
    conn: Connection,
    *,
    now: datetime,
    settings: Settings | None = None,
    calendar: WorkingCalendar | None = None,
    notify: bool = True,
) -> Evaluation:
    """Evaluate every rule as of `now` in the caller's transaction; e-mail the subscribers of what opened."""
    if now.tzinfo is None:
        raise ValueError("now must be time-zone aware")
    xact_lock(conn, *LOCK)
    settings = settings or current_settings(conn)
    calendar = calendar or calendar_from_db(conn)
    first, last = window(conn, now, settings, calendar)
    dues = duty_states(conn, first=first, last=last, now=now, settings=settings, calendar=calendar)
    resolved = _resolve_duties(conn, dues, first, last, now) + _resolve_storms(conn, dues, now)
    resolved += _resolve_system(conn, now)
    resolved += record_gaps(conn, now, now - GAP_LOOKBACK)  # outages nobody saw live, recorded afterwards
    duties = _duty_openings(conn, dues, first, last, now)
    others = rejected_openings(conn, first=first, now=now, calendar=calendar)
    if not _unresolved(conn, "scheduler_down") and (down := scheduler_opening(conn, now)) is not None:
        others.append(down)
    if len(duties) + len(others) > STORM_LIMIT:
        opened = _storm(conn, duties, now)
    else:
        opened = [i for o in duties if (i := _upsert(conn, o, now)) is not None]
    opened += [i for o in others if (i := _upsert(conn, o, now)) is not None]
    rearmed = conn.execute(
        text("""UPDATE alert SET status = 'open', snoozed_until = NULL
                                    WHERE status = 'snoozed' AND snoozed_until <= :now"""),
        {"now": now},
    ).rowcount
    # a duty a bank's disruption notice excuses: its alert is acknowledged by the notice
    acknowledge_alerts(
        conn, {k: s.notice_id for k, s in dues.items() if s.notice_id is not None and s.state == "missing"}, now=now
    )
    if notify and opened:
        notify_opened(conn, opened, now)
    return Evaluation(tuple(opened), resolved, rearmed, unresolved_count(conn))


def _unresolved(conn: Connection, rule: str) -> bool:
    return conn.execute(
        text("SELECT EXISTS (SELECT 1 FROM alert WHERE rule = :r AND status <> 'resolved')"), {"r": rule}
    ).scalar_one()


def _resolve(conn: Connection, done: Iterable[tuple[int, datetime, int | None, str]]) -> int:
    """Mark alerts resolved: (id, when, late minutes or None, a sentence appended to the detail)."""
    rows = list(done)
    if rows:
        conn.execute(
            text("""
            UPDATE alert a SET status = 'resolved', resolved_at = x.at, late_minutes = x.late, snoozed_until = NULL,
                               detail = left(trim(a.detail || ' ' || x.why), 2000)
              FROM unnest(CAST(:ids AS bigint[]), CAST(:ats AS timestamptz[]), CAST(:lates AS integer[]),
                          CAST(:whys AS text[])) AS x(id, at, late, why)
             WHERE a.alert_id = x.id"""),
            {
                "ids": [r[0] for r in rows],
                "ats": [r[1] for r in rows],
                "lates": [r[2] for r in rows],
                "whys": [r[3] for r in rows],
            },
        )
    return len(rows)


def _resolve_duties(conn: Connection, dues: dict[Key, DutyStatus], first: date, last: date, now: datetime) -> int:
    rows = conn.execute(
        text("""SELECT alert_id, rule, business_date, bank_code, deadline FROM alert
                                 WHERE status <> 'resolved' AND rule = ANY(:rules)
                                   AND business_date BETWEEN :first AND :last"""),
        {"rules": list(DUTY_RULES), "first": first, "last": last},
    )
    done: list[tuple[Any, datetime, int | None, str]] = []
    for alert_id, rule, day, bank, deadline in rows:
        status = dues.get((rule, day, bank))
        if status is None or status.state in ("na", "waiting"):
            done.append((alert_id, now, None, GONE))
        elif status.state in ("done", "late"):
            at = status.at or now
            done.append((alert_id, at, late_minutes(at, deadline), ""))
    return _resolve(conn, done)


def _covers(facts: dict) -> list[Key]:
    return [(r, date.fromisoformat(d), b) for r, d, b in facts.get("covers", [])]


def _resolve_storms(conn: Connection, dues: dict[Key, DutyStatus], now: datetime) -> int:
    done = []
    for alert_id, deadline, facts in conn.execute(
        text("SELECT alert_id, deadline, facts FROM alert WHERE rule = 'storm' AND status <> 'resolved'")
    ):
        covered = [dues.get(key) for key in _covers(facts)]
        if any(s is not None and s.state == "missing" for s in covered):
            continue
        ats = [s.at for s in covered if s is not None and s.state in ("done", "late") and s.at is not None]
        at = max(ats) if ats else now
        done.append((alert_id, at, late_minutes(at, deadline), ""))
    return _resolve(conn, done)


def _resolve_system(conn: Connection, now: datetime) -> int:
    done = [(i, at, None, "") for i, at in rejected_resolutions(conn, now)]
    back = scheduler_resolution(conn, now)
    if back is not None:
        for alert_id, deadline in conn.execute(
            text("SELECT alert_id, deadline FROM alert WHERE rule = 'scheduler_down' AND status <> 'resolved'")
        ):
            done.append((alert_id, back if back > deadline else now, None, ""))
            remember_gap(conn, alert_id, deadline, back if back > deadline else now)
    return _resolve(conn, [(i, at, late_minutes(at, _deadline(conn, i)), why) for i, at, _, why in done])


def _deadline(conn: Connection, alert_id: int) -> datetime:
    return conn.execute(text("SELECT deadline FROM alert WHERE alert_id = :i"), {"i": alert_id}).scalar_one()


def _duty_openings(
    conn: Connection, dues: dict[Key, DutyStatus], first: date, last: date, now: datetime
) -> list[Opening]:
    """Missing duties with no alert row yet, or whose alert was resolved before `now` (the duty went back to
    missing: it re-opens, `REOPEN`), and not covered by an unresolved storm."""
    existing: set[Key] = set()
    again: dict[Key, datetime] = {}
    for rule, day, bank, resolved_at in conn.execute(
        text(
            "SELECT rule, business_date, bank_code, resolved_at FROM alert"
            " WHERE rule = ANY(:rules) AND business_date BETWEEN :f AND :l"
        ),
        {"rules": list(DUTY_RULES), "f": first, "l": last},
    ):
        if resolved_at is not None and resolved_at < now:
            again[(rule, day, bank)] = resolved_at
        else:
            existing.add((rule, day, bank))
    for (facts,) in conn.execute(text("SELECT facts FROM alert WHERE rule = 'storm' AND status <> 'resolved'")):
        existing.update(_covers(facts))
    return [
        Opening(
            rule, day, bank, status.due, _reopen_text(again.get((rule, day, bank))) + describe(rule, status, bank or "")
        )
        for (rule, day, bank), status in sorted(dues.items(), key=lambda kv: (kv[0][1], kv[0][0], kv[0][2] or ""))
        if status.state == "missing" and status.due is not None and (rule, day, bank) not in existing
    ]


def _reopen_text(resolved_at: datetime | None) -> str:
    if resolved_at is None:
        return ""
    from queries.formatting import waktu_wib

    return REOPEN.format(when=waktu_wib(resolved_at)) + " "


def _upsert(conn: Connection, o: Opening, now: datetime) -> int | None:
    """Open `o`; a resolved alert of the same key re-opens, an unresolved one takes its files. The id when it
    opened (new or re-opened), else None."""
    old = conn.execute(
        text("""SELECT alert_id, status FROM alert WHERE rule = :r AND business_date = :d
                                  AND bank_code IS NOT DISTINCT FROM :b FOR UPDATE"""),
        {"r": o.rule, "d": o.business_date, "b": o.bank_code},
    ).first()
    values = {
        "r": o.rule,
        "d": o.business_date,
        "b": o.bank_code,
        "now": now,
        "due": o.deadline,
        "detail": o.detail[:2000],
        "facts": json.dumps(o.facts),
    }
    if old is None:
        return conn.execute(
            text("""
            INSERT INTO alert (rule, business_date, bank_code, opened_at, deadline, detail, facts)
            VALUES (:r, :d, :b, :now, :due, :detail, CAST(:facts AS jsonb))
            ON CONFLICT ON CONSTRAINT uq_alert_rule_day_bank DO NOTHING RETURNING alert_id"""),
            values,
        ).scalar()
    files = o.facts.get("files", [])
    if old.status == "resolved":
        conn.execute(
            text("""
            UPDATE alert SET status = 'open', opened_at = :now, deadline = :due, resolved_at = NULL,
                             late_minutes = NULL, acknowledged_by = NULL, acknowledged_at = NULL, note = '',
                             detail = :detail, facts = facts || CAST(:facts AS jsonb)
                                                   || jsonb_build_object('files', coalesce(facts -> 'files', '[]')
                                                                                  || CAST(:files AS jsonb))
                                                   || jsonb_build_object('history', coalesce(facts -> 'history', '[]')
                                                      || jsonb_build_array(jsonb_build_object(
                                                             'opened_at', opened_at, 'deadline', deadline,
                                                             'resolved_at', resolved_at,
                                                             'late_minutes', late_minutes, 'detail', detail)))
             WHERE alert_id = :id"""),
            {**values, "id": old.alert_id, "files": json.dumps(files)},
        )
        return int(old.alert_id)
    if files:
        conn.execute(
            text("""UPDATE alert SET facts = jsonb_set(facts, '{files}', coalesce(facts -> 'files', '[]')
                                                                           || CAST(:files AS jsonb)),
                                    detail = left(detail || ' ' || :detail, 2000) WHERE alert_id = :id"""),
            {"id": old.alert_id, "files": json.dumps(files), "detail": o.detail},
        )
    return None


def _storm(conn: Connection, duties: Sequence[Opening], now: datetime) -> list[int]:
    """One summary alert for every duty opening of this evaluation (merged into a storm still unresolved)."""
    covers = [[o.rule, o.business_date.isoformat(), o.bank_code] for o in duties]
    old = conn.execute(
        text("""SELECT alert_id, facts FROM alert WHERE rule = 'storm' AND status <> 'resolved'
                                ORDER BY alert_id DESC LIMIT 1 FOR UPDATE""")
    ).first()
    if old is not None:
        every = old.facts.get("covers", []) + covers
        conn.execute(
            text("""UPDATE alert SET facts = jsonb_set(facts, '{covers}', CAST(:c AS jsonb)), detail = :d,
                                    deadline = least(deadline, :due) WHERE alert_id = :id"""),
            {
                "c": json.dumps(every),
                "d": storm_detail(every),
                "id": old.alert_id,
                "due": min(o.deadline for o in duties),
            },
        )
        return []
    opening = Opening(
        "storm",
        min(o.business_date for o in duties),
        None,
        min(o.deadline for o in duties),
        storm_detail(covers),
        {"covers": covers},
    )
    opened = _upsert(conn, opening, now)
    return [] if opened is None else [opened]


def storm_detail(covers: Sequence[Sequence[str | None]]) -> str:
    """`62 peringatan sekaligus, diringkas menjadi satu: Distribusi ... terlambat 60 bank (19/11/2026); ...`."""
    per_rule = Counter(str(c[0]) for c in covers)
    parts = []
    for rule, count in per_rule.most_common():
        days = sorted({date.fromisoformat(str(c[1])) for c in covers if c[0] == rule})
        shown = ", ".join(tanggal_pendek(d) for d in days[:3]) + (" …" if len(days) > 3 else "")
        parts.append(f"{RULES[rule]}: {count} bank ({shown})")
    return (
        f"{len(covers)} peringatan sekaligus, diringkas menjadi satu (gangguan menyeluruh?): " + "; ".join(parts) + "."
    )[:2000]
