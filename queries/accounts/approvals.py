"""Maker-checker approvals: a request by one user, decided step by step by other users holding each step's role.

A request names its chain of roles (`steps`, e.g. kasi then kasubdit) and may pin the content it covers
(`content_hash`, `summary`). The rules hold when two people click at the same moment because the database
enforces them (one decision per step, never by the maker, role and order checked by a trigger) and each
decision is taken under the request's row lock; the checks here turn them into clear messages. A refusal
(`ApprovalRefused`) writes nothing. Functions never commit: the caller owns the transaction.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, text
from sqlalchemy.exc import IntegrityError

from queries import labels
from queries.accounts.audit import Actor, record
from queries.accounts.users import ROLES, SYSTEM_ACCOUNT, User, user_by_id
from queries.calendar import WIB
from queries.permissions import Refused

MAX_STEPS = 5  # as the table's CHECK allows
SYSTEM_MAKER = SYSTEM_ACCOUNT  # the disabled account that makes the requests of system-proposed work

#: Request statuses with the Indonesian label pages show.
STATUSES: dict[str, str] = labels.APPROVAL_STATUSES


class ApprovalRefused(Refused):
    """An act on an approval that is not allowed; `message` says why, in Bahasa Indonesia. Nothing was written."""


@dataclass(frozen=True, slots=True)
class Decision:
    """One step's decision: who (role, user name) approved or returned it, when, with what note."""

    step: int
    role: str
    username: str
    decision: str
    note: str
    decided_at: datetime


@dataclass(frozen=True, slots=True)
class Approval:
    """A request with its decisions so far; `next_role` is whose turn it is (None once closed)."""

    request_id: int
    kind: str
    object_key: str
    steps: tuple[str, ...]
    made_by: str
    maker_role: str
    made_at: datetime
    content_hash: str
    summary: dict[str, Any]
    note: str
    status: str
    closed_at: datetime | None
    decisions: tuple[Decision, ...] = ()

    @property
    def approved_steps(self) -> tuple[int, ...]:
        """The steps approved so far, in order."""
        return tuple(d.step for d in self.decisions if d.decision == "approved")

    @property
    def next_step(self) -> int | None:
        """The step waiting for a decision (1-based), or None when the request is closed."""
        return len(self.approved_steps) + 1 if self.status == "pending" else None

    @property
    def next_role(self) -> str | None:
        """The role that decides next, or None when the request is closed."""
        step = self.next_step
        return None if step is None else self.steps[step - 1]

    @property
    def status_title(self) -> str:
        """The status in Indonesian."""
        return STATUSES.get(self.status, self.status)

    def decision_for(self, step: int) -> Decision | None:
        """The decision taken on `step`, if any."""
        return next((d for d in self.decisions if d.step == step), None)


_REQUESTS = """
    SELECT r.request_id, r.kind, r.object_key, r.steps, u.username, r.maker_role, r.made_at,
           r.content_hash, r.summary, r.note, r.status, r.closed_at
      FROM approval_request r JOIN app_user u ON u.user_id = r.made_by
     WHERE {where}
     ORDER BY r.made_at, r.request_id"""

_DECISIONS = text("""
    SELECT d.request_id, d.step, d.decided_role, u.username, d.decision, d.note, d.decided_at
      FROM approval_decision d JOIN app_user u ON u.user_id = d.decided_by
     WHERE d.request_id = ANY(:ids)
     ORDER BY d.request_id, d.step""")

_LATEST = """r.request_id = (SELECT max(request_id) FROM approval_request
                             WHERE kind = :kind AND object_key = :key{extra})"""


def _load(conn: Connection, where: str, params: Mapping[str, Any], *, lock: bool = False) -> list[Approval]:
    """Requests matching `where` (a literal of this module) with their decisions; `lock` takes their row locks."""
    sql = _REQUESTS.format(where=where) + (" FOR UPDATE OF r" if lock else "")
    rows = conn.execute(text(sql), params).all()
    if not rows:
        return []
    decisions: dict[int, list[Decision]] = {}
    for request_id, *rest in conn.execute(_DECISIONS, {"ids": [row[0] for row in rows]}):
        decisions.setdefault(request_id, []).append(Decision(*rest))
    return [
        Approval(
            request_id=row.request_id,
            kind=row.kind,
            object_key=row.object_key,
            steps=tuple(row.steps),
            made_by=row.username,
            maker_role=row.maker_role,
            made_at=row.made_at,
            content_hash=row.content_hash,
            summary=row.summary,
            note=row.note,
            status=row.status,
            closed_at=row.closed_at,
            decisions=tuple(decisions.get(row.request_id, ())),
        )
        for row in rows
    ]


def approval(conn: Connection, request_id: int) -> Approval:
    """The request with its decisions; LookupError when there is none."""
    found = _load(conn, "r.request_id = :id", {"id": request_id})
    if not found:
        raise LookupError(f"no approval request {request_id}")
    return found[0]


def latest_for_object(conn: Connection, kind: str, object_key: str) -> Approval | None:
    """The newest request of any status for this object, or None."""
    found = _load(conn, _LATEST.format(extra=""), {"kind": kind, "key": object_key})
    return found[0] if found else None


def pending_for_role(conn: Connection, role: str) -> list[Approval]:
    """Pending requests whose next step belongs to `role`, oldest first (a role's "waiting for me" list)."""
    where = """r.status = 'pending' AND r.steps[1 + (SELECT count(*) FROM approval_decision d
                                                    WHERE d.request_id = r.request_id
                                                      AND d.decision = 'approved')::int] = :role"""
    return _load(conn, where, {"role": role})


def _title(role: str | None) -> str:
    return ROLES.get(role or "", role or "-")


def _at(moment: datetime | None) -> str:
    return "-" if moment is None else moment.astimezone(WIB).strftime("%d-%m-%Y %H:%M WIB")


def _current(conn: Connection, actor: User, *, maker: bool = False) -> User:
    """The acting account as stored now (role and active may have changed since the page loaded).

    The disabled account `sistem` (the product proposing a draft) may make requests, never decide them.
    """
    user = user_by_id(conn, actor.user_id)
    if maker and user is not None and user.username == SYSTEM_MAKER:
        return user
    if user is None or not user.active:
        raise ApprovalRefused("Akun Anda tidak aktif; hubungi administrator.")
    return user


def _locked(conn: Connection, request_id: int) -> Approval:
    """The request under its row lock (held to commit): concurrent decisions on it queue here."""
    found = _load(conn, "r.request_id = :id", {"id": request_id}, lock=True)
    if not found:
        raise ApprovalRefused(f"Pengajuan #{request_id} tidak ditemukan.")
    return found[0]


def _closed(a: Approval) -> str:
    """Why a closed request takes no more acts."""
    if a.status == "approved":
        return f"Pengajuan ini sudah disetujui penuh pada {_at(a.closed_at)}."
    if a.status == "rejected":
        d = next((d for d in a.decisions if d.decision == "rejected"), None)
        who = f" oleh {d.username}" if d else ""
        why = f" dengan catatan: {d.note}" if d and d.note else ""
        return f"Pengajuan ini sudah dikembalikan{who} pada {_at(a.closed_at)}{why}."
    if a.status == "withdrawn":
        return f"Pengajuan ini sudah ditarik oleh {a.made_by} pada {_at(a.closed_at)}."
    return f"Pengajuan ini sudah gugur pada {_at(a.closed_at)} karena isinya berubah; ajukan ulang."


def _refusal(a: Approval, user: User, act: str) -> str | None:
    """Why `user` may not approve/reject (`act`) the request now, or None when they may."""
    verb = "menyetujui" if act == "approve" else "mengembalikan"
    if user.username == a.made_by:
        return f"Anda tidak dapat {verb} pengajuan Anda sendiri."
    if user.role not in a.steps:
        allowed = _title(a.next_role) if a.next_role else ", ".join(_title(r) for r in a.steps)
        return f"Peran Anda ({_title(user.role)}) tidak berwenang {verb} langkah ini; yang berwenang: {allowed}."
    if a.status not in ("pending", "approved"):
        return _closed(a)
    step = a.steps.index(user.role) + 1
    done = a.decision_for(step)
    if done is not None:  # also what the slower of two simultaneous clicks hears
        return f"Langkah {step} ({_title(done.role)}) sudah disetujui oleh {done.username} pada {_at(done.decided_at)}."
    mine = next((d for d in a.decisions if d.username == user.username), None)
    if mine is not None:
        return f"Anda sudah memutuskan langkah {mine.step} pengajuan ini; langkah {step} harus diputuskan orang lain."
    if step != a.next_step:
        return f"Pengajuan ini menunggu persetujuan {_title(a.next_role)} terlebih dahulu."
    return None


def settled(conn: Connection, kind: str, object_key: str, *, actor: User, act: str = "approve") -> str | None:
    """Why the object's latest request takes no decision from `actor` now, naming who decided it and when.

    For callers that find no pending request: the slower of two clicks on a request's last step, which the
    faster one closed, hears "Langkah 2 (Kepala Subdirektorat) sudah disetujui oleh dedi pada ..." instead of
    "nothing is waiting". None when the object never had a request or its latest one is still pending.
    """
    latest = latest_for_object(conn, kind, object_key)
    if latest is None or latest.status == "pending":
        return None
    user = user_by_id(conn, actor.user_id) or actor
    return _refusal(latest, user, act) or _closed(latest)


def _constraint(err: IntegrityError) -> str:
    """The constraint the database named, else its message (a trigger's RAISE names none)."""
    diag = getattr(err.orig, "diag", None)
    return getattr(diag, "constraint_name", None) or getattr(diag, "message_primary", None) or str(err.orig)


def _json(summary: Mapping[str, Any] | None) -> str:
    return json.dumps(dict(summary or {}), default=str, ensure_ascii=False, sort_keys=True)


def request_approval(
    conn: Connection,
    *,
    kind: str,
    object_key: str,
    steps: Sequence[str],
    actor: User,
    content_hash: str = "",
    summary: Mapping[str, Any] | None = None,
    note: str = "",
    maker_roles: Collection[str] | None = None,
) -> Approval:
    """Ask for approval of `object_key` by each role of `steps` in turn; one pending request per object.

    `maker_roles`, when given, are the roles that may ask. `content_hash`/`summary` pin what is approved.
    A bad chain (empty, unknown or repeated roles) is the caller's mistake: ValueError.
    """
    chain = tuple(steps)
    if not kind or not object_key:
        raise ValueError("an approval request needs a kind and an object key")
    if not 1 <= len(chain) <= MAX_STEPS or len(set(chain)) != len(chain) or any(r not in ROLES for r in chain):
        raise ValueError(f"invalid approval chain {chain!r}: 1-{MAX_STEPS} distinct roles of {', '.join(ROLES)}")
    user = _current(conn, actor, maker=True)
    if maker_roles is not None and user.role not in maker_roles:
        allowed = ", ".join(_title(r) for r in maker_roles)
        raise ApprovalRefused(
            f"Peran Anda ({_title(user.role)}) tidak dapat mengajukan persetujuan ini; yang dapat: {allowed}."
        )
    try:
        with conn.begin_nested():
            request_id = conn.execute(
                text("""INSERT INTO approval_request (kind, object_key, steps, made_by, maker_role,
                                                      content_hash, summary, note)
                        VALUES (:kind, :key, :steps, :maker, :role, :hash, CAST(:summary AS jsonb), :note)
                        RETURNING request_id"""),
                {
                    "kind": kind,
                    "key": object_key,
                    "steps": list(chain),
                    "maker": user.user_id,
                    "role": user.role,
                    "hash": content_hash,
                    "summary": _json(summary),
                    "note": note,
                },
            ).scalar_one()
    except IntegrityError as err:
        if _constraint(err) != "uq_approval_request_pending":
            raise
        other = latest_for_object(conn, kind, object_key)
        if other is None or other.status != "pending":
            raise ApprovalRefused("Sudah ada pengajuan lain untuk objek ini yang menunggu persetujuan.") from err
        raise ApprovalRefused(
            f"Sudah ada pengajuan #{other.request_id} untuk objek ini dari {other.made_by} pada {_at(other.made_at)} "
            f"yang menunggu persetujuan {_title(other.next_role)}; tunggu keputusannya atau tarik pengajuan itu."
        ) from err
    made = approval(conn, request_id)
    record(
        conn,
        user.actor(),
        "approval.request",
        object_type=kind,
        object_id=object_key,
        after={
            "request_id": request_id,
            "steps": list(chain),
            "content_hash": content_hash,
            "summary": made.summary,
            "note": note,
        },
    )
    return made


def _decide(
    conn: Connection, request_id: int, actor: User, act: str, note: str, content_hash: str | None = None
) -> Approval:
    """Record the actor's decision on their role's step under the request's row lock."""
    user = _current(conn, actor)
    a = _locked(conn, request_id)
    if (why := _refusal(a, user, act)) is not None:
        raise ApprovalRefused(why)
    if content_hash is not None and content_hash != a.content_hash:
        raise ApprovalRefused(
            "Isi data sudah berubah sejak diajukan, sehingga tidak dapat disetujui; pengajuan ini harus diajukan ulang."
        )
    step = a.steps.index(user.role) + 1
    decision = "approved" if act == "approve" else "rejected"
    try:
        with conn.begin_nested():  # the database's constraints are the backstop; the caller's transaction survives
            conn.execute(
                text("""INSERT INTO approval_decision (request_id, step, made_by, decided_by, decided_role,
                                                       decision, note)
                        SELECT request_id, :step, made_by, :user, :role, :decision, :note
                          FROM approval_request WHERE request_id = :id"""),
                {
                    "id": request_id,
                    "step": step,
                    "user": user.user_id,
                    "role": user.role,
                    "decision": decision,
                    "note": note,
                },
            )
    except IntegrityError as err:
        why = _refusal(_locked(conn, request_id), user, act)
        raise ApprovalRefused(why or f"Basis data menolak keputusan ini ({_constraint(err)}).") from err
    if decision == "rejected" or step == len(a.steps):
        conn.execute(
            text("UPDATE approval_request SET status = :s, closed_at = now() WHERE request_id = :id"),
            {"s": decision, "id": request_id},
        )
    done = approval(conn, request_id)
    record(
        conn,
        user.actor(),
        f"approval.{act}",
        object_type=a.kind,
        object_id=a.object_key,
        before={"status": a.status},
        after={"request_id": request_id, "step": step, "role": user.role, "status": done.status, "note": note},
    )
    return done


def approve(
    conn: Connection, request_id: int, *, actor: User, note: str = "", content_hash: str | None = None
) -> Approval:
    """Approve the step of the actor's role; the last step approves the request.

    `content_hash`, when given, is the hash of the content as it is now: if it differs from the one
    requested, the approval is refused (the owner of the content calls `lapse` when it changes).
    """
    return _decide(conn, request_id, actor, "approve", note, content_hash)


def reject(conn: Connection, request_id: int, *, actor: User, note: str) -> Approval:
    """Return the request to its maker with a note (required): it closes as `rejected`, a new one may follow."""
    if not note.strip():
        raise ApprovalRefused("Tuliskan catatan alasan pengembalian.")
    return _decide(conn, request_id, actor, "reject", note.strip())


def withdraw(conn: Connection, request_id: int, *, actor: User) -> Approval:
    """The maker takes back a pending request (e.g. to edit the content and ask again)."""
    user = _current(conn, actor)
    a = _locked(conn, request_id)
    if a.made_by != user.username:
        raise ApprovalRefused(f"Hanya pengaju ({a.made_by}) yang dapat menarik pengajuan ini.")
    if a.status != "pending":
        raise ApprovalRefused(_closed(a))
    conn.execute(
        text("UPDATE approval_request SET status = 'withdrawn', closed_at = now() WHERE request_id = :id"),
        {"id": request_id},
    )
    record(
        conn,
        user.actor(),
        "approval.withdraw",
        object_type=a.kind,
        object_id=a.object_key,
        before={"status": a.status},
        after={"request_id": request_id, "status": "withdrawn"},
    )
    return approval(conn, request_id)


def lapse(
    conn: Connection, kind: str, object_key: str, *, actor: Actor, reason: str, content_hash: str | None = None
) -> Approval | None:
    """Void the object's open (pending or approved, not yet used) request because its content changed.

    Call it in the transaction that changes the content. With `content_hash` (the new content's hash)
    a request whose hash still matches is kept. Returns the lapsed request, or None when none lapsed.
    """
    found = _load(
        conn,
        _LATEST.format(extra=" AND status IN ('pending', 'approved')"),
        {"kind": kind, "key": object_key},
        lock=True,
    )
    if not found or found[0].status not in ("pending", "approved"):  # closed while we waited for the lock
        return None
    a = found[0]
    if content_hash is not None and content_hash == a.content_hash:
        return None
    conn.execute(
        text("UPDATE approval_request SET status = 'lapsed', closed_at = now() WHERE request_id = :id"),
        {"id": a.request_id},
    )
    record(
        conn,
        actor,
        "approval.lapse",
        object_type=kind,
        object_id=object_key,
        before={"status": a.status, "content_hash": a.content_hash},
        after={"request_id": a.request_id, "status": "lapsed", "reason": reason, "content_hash": content_hash},
    )
    return approval(conn, a.request_id)
