"""Server-side login sessions and the failed-login throttle, both in PostgreSQL (shared by every web worker).

A session is a random token in the signed cookie; `user_session` keeps its SHA-256 with the account, the
account's `session_epoch` at login, and when it was opened, last seen, expires and ended. Logout ends it
on the server at once, so a copied cookie opens nothing afterwards. The epoch rule stays: disabling an
account or changing its role or password ends every session opened before.

The throttle counts login attempts per client address and per account name in fixed windows
(`login_throttle`): one UPSERT per attempt counts it and says whether the limit is reached, so a flood is
answered at once (429) without a password hash check and without holding a worker. Functions never commit:
the caller owns the transaction.
"""

from __future__ import annotations

import hashlib
import math
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, text

from queries.accounts.audit import Actor, record
from queries.accounts.users import User, user_columns
from queries.db import try_xact_lock

SESSION_HOURS = 10  # a working day and some
TOUCH_SECONDS = 60  # `last_seen` is written at most once a minute per session
KEEP_ENDED_DAYS = 30  # ended and expired sessions are kept this long, then deleted at the user's next login

WINDOW_SECONDS = 300  # the throttle's fixed window
#: Attempts per window before refusal: one address may try many names (an office behind one NAT), one name fewer.
LIMITS = {"address": 20, "account": 10}
KEEP_THROTTLE_HOURS = 24
CHECK_LOCK = ("login", "password_check")  # what the advisory lock of the password-check slot is named by


def new_token() -> str:
    """A fresh session token for the cookie (256 random bits)."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """What the table stores of a token: its SHA-256, hex."""
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def open_session(conn: Connection, user: User, token: str, *, now: datetime, source: str = "") -> None:
    """Record a new session of `user` for `token`, valid SESSION_HOURS; forget the user's long-ended ones."""
    conn.execute(
        text("""INSERT INTO user_session (token_hash, user_id, epoch, source, created_at, last_seen,
                                                   expires_at)
                         VALUES (:h, :u, :e, :s, :now, :now, :exp)"""),
        {
            "h": token_hash(token),
            "u": user.user_id,
            "e": user.session_epoch,
            "s": source[:64],
            "now": now,
            "exp": now + timedelta(hours=SESSION_HOURS),
        },
    )
    conn.execute(
        text("DELETE FROM user_session WHERE user_id = :u AND expires_at < :old"),
        {"u": user.user_id, "old": now - timedelta(days=KEEP_ENDED_DAYS)},
    )


@dataclass(frozen=True, slots=True)
class LiveSession:
    """A valid session: its user (as stored now) and when it was last seen."""

    user: User
    last_seen: datetime

    def stale(self, now: datetime) -> bool:
        """Is `last_seen` old enough to be written again?"""
        return (now - self.last_seen).total_seconds() >= TOUCH_SECONDS


_LIVE = text(f"""
    SELECT {user_columns("u")}, s.last_seen
      FROM user_session s JOIN app_user u ON u.user_id = s.user_id
     WHERE s.token_hash = :h AND s.ended_at IS NULL AND s.expires_at > :now
       AND u.active AND u.session_epoch = s.epoch""")


def live_session(conn: Connection, token: str, *, now: datetime) -> LiveSession | None:
    """The session of `token` when it is open, unexpired and its account unchanged since; else None.

    One lookup by primary key (joined to the account by its key): cheap enough for every request.
    """
    row = conn.execute(_LIVE, {"h": token_hash(token), "now": now}).first()
    return None if row is None else LiveSession(User(*row[:-1]), row[-1])


def touch(conn: Connection, token: str, *, now: datetime) -> None:
    """Note that the session was used (at most once per TOUCH_SECONDS, so most requests write nothing)."""
    conn.execute(
        text("""UPDATE user_session SET last_seen = :now
                          WHERE token_hash = :h AND ended_at IS NULL AND last_seen < :before"""),
        {"h": token_hash(token), "now": now, "before": now - timedelta(seconds=TOUCH_SECONDS)},
    )


def end_session(conn: Connection, token: str, *, reason: str = "logout") -> bool:
    """End the session of `token` now (logout); False when it was already ended or unknown."""
    return (
        conn.execute(
            text("""UPDATE user_session SET ended_at = now(), end_reason = :r
                                 WHERE token_hash = :h AND ended_at IS NULL"""),
            {"h": token_hash(token), "r": reason},
        ).rowcount
        > 0
    )


def keep_session(conn: Connection, token: str, epoch: int) -> None:
    """After the user changed their own account (epoch bumped): this session goes on, the others end."""
    conn.execute(
        text("UPDATE user_session SET epoch = :e WHERE token_hash = :h AND ended_at IS NULL"),
        {"h": token_hash(token), "e": epoch},
    )


# --- the failed-login throttle ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Refusal:
    """A login attempt refused by the throttle: which counter (`address` or `account`), for how long."""

    kind: str
    key: str
    window_start: datetime
    attempts: int
    retry_after: int  # seconds until the window ends


def window_start(now: datetime) -> datetime:
    """The start of the throttle window holding `now`."""
    seconds = math.floor(now.timestamp())
    return datetime.fromtimestamp(seconds - seconds % WINDOW_SECONDS, UTC)


@dataclass(frozen=True, slots=True)
class Claim:
    """A counted login attempt: refused by the throttle, or let through (`suspect`: earlier attempts this window)."""

    refusal: Refusal | None
    suspect: bool


def claim_attempt(conn: Connection, *, address: str, account: str, now: datetime) -> Claim:
    """Count one login attempt for the address and the account name; refused when either is over its limit.

    One UPSERT counts both (its row locks last only for this short transaction: the caller commits it before
    checking the password). The attempt that first goes over a limit writes the one audit row of that flood
    for the window; later ones write nothing but their count, and commit without waiting for the disk (a
    counter lost in a crash costs nothing; an audit row is never written that way).
    """
    start = window_start(now)
    rows = conn.execute(
        text("""
        INSERT INTO login_throttle AS t (kind, key, window_start, attempts)
        VALUES ('address', :a, :w, 1), ('account', :u, :w, 1)
        ON CONFLICT (kind, key, window_start) DO UPDATE SET attempts = t.attempts + 1
        RETURNING kind, key, attempts"""),
        {"a": address[:128], "u": account[:128], "w": start},
    ).all()
    retry = max(1, math.ceil((start + timedelta(seconds=WINDOW_SECONDS) - now).total_seconds()))
    over = [
        Refusal(kind, key, start, attempts, retry) for kind, key, attempts in sorted(rows) if attempts > LIMITS[kind]
    ]
    firsts = [refusal for refusal in over if refusal.attempts == LIMITS[refusal.kind] + 1]
    for refusal in firsts:
        _audit_flood(conn, refusal)
    if not firsts:
        conn.execute(text("SET LOCAL synchronous_commit = off"))
    return Claim(over[0] if over else None, any(attempts > 1 for _, _, attempts in rows))


def try_check_slot(conn: Connection) -> bool:
    """Take the server-wide slot for one password check, held to the end of the transaction; False when taken.

    A suspect attempt (its address or name failed earlier this window) checks its password only in this one
    slot, never waiting for it: a flood's hash checks use at most one core, whatever the workers and threads.
    """
    return try_xact_lock(conn, *CHECK_LOCK)


def _audit_flood(conn: Connection, refusal: Refusal) -> None:
    by_address = refusal.kind == "address"
    record(
        conn,
        Actor(refusal.key if by_address else refusal.key or "?", ""),
        "auth.throttled",
        object_type="address" if by_address else "user",
        object_id=refusal.key,
        after={
            "limit": LIMITS[refusal.kind],
            "window_start": refusal.window_start.isoformat(),
            "window_seconds": WINDOW_SECONDS,
            "retry_after": refusal.retry_after,
        },
    )


def release_attempt(conn: Connection, *, address: str, account: str, now: datetime) -> None:
    """A successful login does not count against its address and name; old windows are forgotten."""
    conn.execute(
        text("""UPDATE login_throttle SET attempts = greatest(attempts - 1, 0)
                          WHERE window_start = :w AND ((kind = 'address' AND key = :a)
                                                       OR (kind = 'account' AND key = :u))"""),
        {"a": address[:128], "u": account[:128], "w": window_start(now)},
    )
    conn.execute(
        text("DELETE FROM login_throttle WHERE window_start < :old"),
        {"old": now - timedelta(hours=KEEP_THROTTLE_HOURS)},
    )
