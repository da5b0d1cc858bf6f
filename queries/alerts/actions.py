"""What people do to an alert: acknowledge it, or snooze it until a time, with a note; both audited.

Only the roles that own the rule's duty may (`acts_for`); a refusal is a typed `AlertError` in Indonesian. An
acknowledged alert stays listed until its duty is done (it resolves itself); a snoozed one reads open again once
its time passes (re-armed).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, text

from queries.accounts.audit import record
from queries.accounts.users import ROLES
from queries.alerts.model import NOTE_LIMIT, OWNERS, Alert, AlertError, NotOwner, acts_for
from queries.alerts.read import alert_by_id
from queries.plausibility import form_text

#: The longest snooze: a week (a longer silence is an acknowledgement).
MAX_SNOOZE = timedelta(days=7)


def _checked(conn: Connection, alert_id: int, user: Any, now: datetime) -> Alert:  # noqa: ANN401 - a User
    alert = alert_by_id(conn, alert_id, now=now)
    if alert is None:
        raise AlertError(f"Peringatan {alert_id} tidak ditemukan.")
    if alert.resolved:
        raise AlertError(f"Peringatan {alert_id} sudah selesai: tugasnya sudah dikerjakan.")
    if not acts_for(user, alert):
        owners = ", ".join(ROLES.get(r, r) for r in OWNERS.get(alert.rule, ()))
        raise NotOwner(
            f"Peran {ROLES.get(user.role, user.role)} tidak memegang tugas ini; yang dapat menindaklanjuti "
            f"peringatan {alert.rule_title.lower()}: {owners}."
        )
    return alert


def _note(note: str | None) -> str:
    value, problem = form_text(note, "Catatan", required=False, limit=NOTE_LIMIT)
    if problem:
        raise AlertError(problem)
    return value


def acknowledge(conn: Connection, alert_id: int, *, user: Any, note: str = "", now: datetime) -> Alert:  # noqa: ANN401
    """Mark the alert known to `user` (who owns its duty), with a note; audited. It resolves itself when done."""
    alert = _checked(conn, alert_id, user, now)
    value = _note(note)
    conn.execute(
        text("""UPDATE alert SET status = 'acknowledged', acknowledged_by = :by, acknowledged_at = :now,
                                snoozed_until = NULL, note = :note WHERE alert_id = :id"""),
        {"id": alert_id, "by": user.username, "now": now, "note": value},
    )
    record(
        conn,
        user.actor(),
        "alert.acknowledge",
        object_type="alert",
        object_id=str(alert_id),
        before={"status": alert.status},
        after={"status": "acknowledged", "rule": alert.rule, "note": value},
    )
    return _reread(conn, alert_id, now)


def snooze(
    conn: Connection,
    alert_id: int,
    *,
    user: Any,
    until: datetime,
    note: str = "",  # noqa: ANN401
    now: datetime,
) -> Alert:
    """Silence the alert until `until` (after now, at most a week ahead), with a note; audited. Re-arms after."""
    if until.tzinfo is None:
        raise AlertError("Waktu tunda harus menyertakan zona waktu.")
    if until <= now:
        raise AlertError("Waktu tunda harus setelah sekarang.")
    if until > now + MAX_SNOOZE:
        raise AlertError("Penundaan paling lama 7 hari; untuk yang lebih lama, tandai diketahui.")
    alert = _checked(conn, alert_id, user, now)
    value = _note(note)
    conn.execute(
        text("""UPDATE alert SET status = 'snoozed', snoozed_until = :until, acknowledged_by = :by,
                                acknowledged_at = :now, note = :note WHERE alert_id = :id"""),
        {"id": alert_id, "until": until, "by": user.username, "now": now, "note": value},
    )
    record(
        conn,
        user.actor(),
        "alert.snooze",
        object_type="alert",
        object_id=str(alert_id),
        before={"status": alert.status},
        after={"status": "snoozed", "rule": alert.rule, "until": until, "note": value},
    )
    return _reread(conn, alert_id, now)


def _reread(conn: Connection, alert_id: int, now: datetime) -> Alert:
    alert = alert_by_id(conn, alert_id, now=now)
    assert alert is not None  # noqa: S101 - updated in this transaction
    return alert
