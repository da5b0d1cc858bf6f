"""Reading alerts: the list (open or all, by rule and date), one alert, and the bell's count of a role's open ones.

Every read takes `now`: a snoozed alert whose time has passed reads `open` (re-armed) before the next evaluation
stores it, so the page, the bell and the command line never show a snooze that is over.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import Connection, text

from queries.alerts.model import RULES, Alert

_EFFECTIVE = "CASE WHEN a.status = 'snoozed' AND a.snoozed_until <= :now THEN 'open' ELSE a.status END"

_SELECT = f"""
SELECT a.alert_id, a.rule, a.business_date, a.bank_code, coalesce(b.name, ''), {_EFFECTIVE}, a.opened_at,
       a.deadline, a.resolved_at, a.late_minutes, a.acknowledged_by, a.acknowledged_at,
       CASE WHEN a.status = 'snoozed' AND a.snoozed_until > :now THEN a.snoozed_until END, a.note, a.detail
  FROM alert a LEFT JOIN bank b ON b.bank_code = a.bank_code
"""


def alerts(
    conn: Connection,
    *,
    now: datetime,
    status: str = "open",
    rule: str | None = None,
    first: date | None = None,
    last: date | None = None,
    limit: int | None = None,
) -> list[Alert]:
    """Alerts newest first: `open` the unresolved ones (open, acknowledged, snoozed), `resolved`, or `all`;
    optionally of one rule and business dates `first`..`last`."""
    if status not in ("open", "resolved", "all"):
        raise ValueError(f"unknown alert status filter {status!r}")
    if rule is not None and rule not in RULES:
        raise ValueError(f"unknown alert rule {rule!r}")
    where = {"open": "a.status <> 'resolved'", "resolved": "a.status = 'resolved'", "all": "true"}[status]
    sql = (
        _SELECT + f" WHERE {where} AND (CAST(:rule AS text) IS NULL OR a.rule = :rule)"
        " AND (CAST(:first AS date) IS NULL OR a.business_date >= :first)"
        " AND (CAST(:last AS date) IS NULL OR a.business_date <= :last)"
        " ORDER BY a.opened_at DESC, a.alert_id DESC LIMIT :limit"
    )
    rows = conn.execute(text(sql), {"now": now, "rule": rule, "first": first, "last": last, "limit": limit})
    return [Alert(*row) for row in rows]


def alert_by_id(conn: Connection, alert_id: int, *, now: datetime) -> Alert | None:
    """One alert, or None."""
    row = conn.execute(text(_SELECT + " WHERE a.alert_id = :id"), {"id": alert_id, "now": now}).first()
    return None if row is None else Alert(*row)


def open_count(conn: Connection, *, rules: Sequence[str], now: datetime) -> int:
    """How many alerts of `rules` are open now (acknowledged ones and running snoozes not counted): the bell."""
    if not rules:
        return 0
    return int(
        conn.execute(
            text(f"""
        SELECT count(*) FROM alert a WHERE a.rule = ANY(:rules) AND {_EFFECTIVE} = 'open'"""),
            {"rules": list(rules), "now": now},
        ).scalar_one()
    )


def unresolved_count(conn: Connection) -> int:
    """Alerts not resolved (open, acknowledged or snoozed): the `open K` of `mpn alerts evaluate`."""
    return int(conn.execute(text("SELECT count(*) FROM alert WHERE status <> 'resolved'")).scalar_one())
