"""Bulk acts from Tugas saya: paraf, approve, mark a rejected file handled; each item its own decision.

Each selected item runs in its own savepoint: its object is locked as its own act locks it, it is listed again
under that lock and its token (the approval request and content hash the user saw) compared: an item that changed
since the list was shown is skipped and named; otherwise the item's own function decides it (`distribution.
approve`, `exception_work.approve_resolution`, `appeal_letters.initial`, ...), so every maker-checker rule still
holds per item, and a refusal is reported with its reason while the others go on. Nothing here commits.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, text

from queries import permissions
from queries.accounts import approvals
from queries.accounts.approvals import ApprovalRefused
from queries.accounts.audit import record
from queries.accounts.users import ROLES, User, user_by_id
from queries.calendar import calendar_from_db
from queries.distribution import prepare as dist
from queries.formatting import waktu_wib
from queries.letters import appeals as letters
from queries.reconciliation.adjust import approve_adjustment
from queries.reconciliation.work import approve_resolution, exception_row
from queries.settings import current_settings
from queries.tasks.waiting import (
    BULK_ACTS,
    HANDLED_ACTION,
    Task,
    acts_for,
    bulk_action,
    file_action,
    source_of,
    tasks_for,
)

#: What a message says of the items each act did.
DONE_VERBS = {"paraf": "Diparaf", "setujui": "Disetujui", "tandai": "Ditandai sudah ditangani"}
CHANGED = "berubah sejak ditampilkan"
#: How a message says a step was approved, where it is not simply "disetujui".
STEP_VERBS = {("appeal_letter", 1): "diparaf", ("appeal_letter", 2): "ditandatangani"}


class TaskRefused(ApprovalRefused):
    """A bulk act or a mark that is not allowed; `message` says why, in Indonesian. Nothing was written."""


@dataclass(frozen=True, slots=True)
class Seen:
    """One selected item as the list showed it: its key, its token then, and its name for the message."""

    key: str
    token: str
    name: str = ""


@dataclass(frozen=True, slots=True)
class BulkOutcome:
    """What a bulk act did: the items done, those skipped because they changed, and those refused (name, why)."""

    act: str
    done: tuple[str, ...] = ()
    skipped: tuple[str, ...] = ()
    refused: tuple[tuple[str, str], ...] = field(default_factory=tuple)

    def message(self) -> str:
        """The result in one paragraph of Indonesian."""
        parts = []
        if self.done:
            parts.append(f"{DONE_VERBS[self.act]} {len(self.done)} butir: {'; '.join(self.done)}.")
        if self.skipped:
            parts.append(
                "Dilewati: "
                + "; ".join(f"{n} {CHANGED}" for n in self.skipped)
                + ". Buka butir itu dan periksa isinya yang baru."
            )
        if self.refused:
            parts.append("Ditolak: " + "; ".join(f"{n}: {why}" for n, why in self.refused))
        return " ".join(parts) or "Tidak ada butir yang dipilih."


class _Changed(Exception):
    """The item's token under its lock differs from the one shown."""


def _acting(conn: Connection, actor: User) -> User:
    user = user_by_id(conn, actor.user_id)
    if user is None or not user.active:
        raise TaskRefused("Akun Anda tidak aktif; hubungi administrator.")
    return user


def _lock(conn: Connection, task: Task) -> None:
    """Lock the item's object the way its own act does first (so nothing changes it between check and act)."""
    key = int(task.object_key)
    if task.kind == "distribution" and task.business_date is not None:
        dist.open_round(conn, task.business_date, lock=True)
    elif task.kind.startswith("exception_"):
        exception_row(conn, key, lock=True)
    elif task.kind.startswith("letter_"):
        conn.execute(text("SELECT 1 FROM appeal_letter WHERE letter_id = :i FOR UPDATE"), {"i": key})
    elif task.kind == "file_rejected":
        conn.execute(text("SELECT 1 FROM import_file WHERE import_id = :i FOR UPDATE"), {"i": key})


def _approve_result(conn: Connection, task: Task, user: User) -> None:
    from queries.reconciliation import bank_results as results  # the results sent to the banks

    results.approve_result(conn, int(task.object_key), actor=user)


def _approve_round(conn: Connection, task: Task, user: User) -> None:
    if task.business_date is None:
        raise TaskRefused("Putaran distribusi ini tidak lagi ditemukan.")
    dist.approve(conn, task.business_date, actor=user)


RUNNERS: dict[str, Callable[[Connection, Task, User], Any]] = {
    "distribution": _approve_round,
    "exception_resolution": lambda conn, t, u: approve_resolution(conn, int(t.object_key), actor=u),
    "exception_adjustment": lambda conn, t, u: approve_adjustment(conn, int(t.object_key), actor=u),
    "bank_result": _approve_result,
    "letter_initial": lambda conn, t, u: letters.initial(conn, int(t.object_key), actor=u),
    "letter_sign": lambda conn, t, u: letters.sign(conn, int(t.object_key), actor=u),
    "file_rejected": lambda conn, t, u: mark_handled(conn, int(t.object_key), actor=u),
}


def _listed_now(conn: Connection, user: User, task: Task) -> Task | None:
    """The item as its source lists it for `user` now (under the item's lock), or None."""
    source = source_of(task.kind)
    fresh = source(conn, user, settings=current_settings(conn), calendar=calendar_from_db(conn))
    return next((t for t in fresh if t.key == task.key), None)


def _why_gone(conn: Connection, user: User, seen: Seen) -> str | None:
    """Why an item shown is no longer waiting for `user`: None when its content changed (skip it), else the
    reason (someone else decided it, ...)."""
    head = seen.token.split(":", 1)[0]
    if seen.key.startswith("file_rejected:") or seen.key.startswith("exception_assigned:") or not head.isdigit():
        return "tidak lagi menunggu Anda"
    try:
        shown = approvals.approval(conn, int(head))
    except LookupError:
        return None
    latest = approvals.latest_for_object(conn, shown.kind, shown.object_key)
    if shown.status == "lapsed" or (latest is not None and latest.request_id != shown.request_id):
        return None
    if shown.status == "pending" and shown.decisions:  # a step was decided since, by someone else
        d = shown.decisions[-1]
        verb = STEP_VERBS.get((shown.kind, d.step), "disetujui") if d.decision == "approved" else "dikembalikan"
        return f"sudah {verb} oleh {d.username} pada {waktu_wib(d.decided_at)}"
    return approvals.settled(conn, shown.kind, shown.object_key, actor=user) or "tidak lagi menunggu Anda"


def _one(conn: Connection, user: User, act: str, seen: Seen, task: Task | None) -> tuple[str, str | None]:
    """Take `act` on one item in its own savepoint: ('done'|'skipped'|'refused', reason)."""
    if task is None:
        why = _why_gone(conn, user, seen)
        return ("skipped", None) if why is None else ("refused", why)
    if task.token != seen.token:
        return "skipped", None
    if act not in acts_for(user, task):
        return "refused", f"bukan butir untuk '{BULK_ACTS[act]}'"
    try:
        with conn.begin_nested():
            _lock(conn, task)
            now = _listed_now(conn, user, task)
            if now is None or now.token != seen.token:
                raise _Changed
            RUNNERS[task.kind](conn, task, user)
    except _Changed:
        why = _why_gone(conn, user, seen)
        return ("skipped", None) if why is None else ("refused", why)
    except (permissions.Refused, LookupError) as err:  # every area's refusal, in its own words
        return "refused", getattr(err, "message", None) or str(err)
    return "done", None


def decide_many(conn: Connection, *, actor: User, act: str, seen: Sequence[Seen]) -> BulkOutcome:
    """Take the bulk `act` (`paraf`, `setujui`, `tandai`) on each item the user selected, as it was shown."""
    user = _acting(conn, actor)
    if act not in BULK_ACTS or not permissions.may(user, bulk_action(act)):
        allowed = permissions.role_titles(bulk_action(act)) if act in BULK_ACTS else ""
        raise TaskRefused(
            f"Peran Anda ({ROLES.get(user.role, user.role)}) tidak dapat melakukan "
            f"'{BULK_ACTS.get(act, act)}'; yang dapat: {allowed or '-'}."
        )
    current = {t.key: t for t in tasks_for(conn, user)}
    done: list[str] = []
    skipped: list[str] = []
    refused: list[tuple[str, str]] = []
    for s in sorted(seen, key=lambda s: s.key):
        task = current.get(s.key)
        name = task.name if task is not None else (s.name or s.key)
        outcome, why = _one(conn, user, act, s, task)
        if outcome == "done":
            done.append(name)
        elif outcome == "skipped":
            skipped.append(name)
        else:
            refused.append((name, why or ""))
    return BulkOutcome(act, tuple(done), tuple(skipped), tuple(refused))


def mark_handled(conn: Connection, import_id: int, *, actor: User, note: str = "") -> None:
    """A rejected input file is handled (sent again under another name, or answered otherwise): it leaves the
    Tugas saya of its role. The mark is an audit row (`import.handled`)."""
    user = _acting(conn, actor)
    row = conn.execute(
        text("SELECT kind, file_name, status FROM import_file WHERE import_id = :i FOR UPDATE"), {"i": import_id}
    ).first()
    if row is None or row.status != "rejected":
        raise TaskRefused(f"Berkas #{import_id} tidak ditemukan atau tidak ditolak.")
    if not permissions.may(user, file_action(row.kind)):
        raise TaskRefused(
            f"Peran Anda ({ROLES.get(user.role, user.role)}) tidak menangani berkas ini; yang "
            f"menangani: {permissions.role_titles(file_action(row.kind))}."
        )
    done = conn.execute(
        text("""SELECT actor, at FROM audit_log WHERE object_type = 'import_file'
                                   AND object_id = :i AND action = :a ORDER BY seq LIMIT 1"""),
        {"i": str(import_id), "a": HANDLED_ACTION},
    ).first()
    if done is not None:
        raise TaskRefused(
            f"Berkas {row.file_name} sudah ditandai ditangani oleh {done.actor} pada {waktu_wib(done.at)}."
        )
    record(
        conn,
        user.actor(),
        HANDLED_ACTION,
        object_type="import_file",
        object_id=str(import_id),
        after={"file_name": row.file_name, "kind": row.kind, "note": note},
    )
