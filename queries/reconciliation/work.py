"""Working an exception (DOMAIN R7): assign it, comment, take it up with the bank, close it with a cause.

Status flow: `open` -> `in_clarification` -> `resolved` (a cause code and a note, approved by a kasi through
`queries.accounts.approvals`) or `adjusted` (a recorded adjustment, `queries.reconciliation.adjust`). People's
closures are
never undone by reconciliation; `open` and `in_clarification` exceptions still close by themselves when
later data resolves them (`queries.reconciliation.store`). Every function locks the exception row first, refuses
with `WorkRefused` (a message in Bahasa Indonesia; nothing written), audits last, and never commits.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import Connection, text

from queries import config, permissions, plausibility
from queries.accounts import approvals
from queries.accounts.approvals import Approval, ApprovalRefused
from queries.accounts.audit import record
from queries.accounts.users import ROLES, User, user_by_id, user_by_name
from queries.reconciliation.model import CAUSES, KIND_ADJUSTMENT, KIND_RESOLUTION, ExceptionRow, row_columns
from queries.reconciliation.revenue import exception_closed

OBJECT_TYPE = "recon_exception"
# Who may do what is `queries.permissions.ACTIONS`: `reconciliation.read` (see, comment, take up), `.work` (the maker
# of resolutions and adjustments, Berita Acara, Nota Perbaikan), `.be_assigned` (who an exception can be given to),
# `.assign_others` (give it to someone else) and `.approve` (the checker).
READ, WORK, BE_ASSIGNED, ASSIGN_OTHERS, APPROVE = (
    f"reconciliation.{act}" for act in ("read", "work", "be_assigned", "assign_others", "approve")
)
#: The checker chain of a resolution or an adjustment: one step, by the holder of `reconciliation.approve`.
CHECKER_STEPS = permissions.roles_for(APPROVE)[:1]
MAX_TEXT = plausibility.MAX_TEXT  # the schema's limit too (migration 0010)


class WorkRefused(ApprovalRefused):
    """An act on an exception that is not allowed now; `message` says why in Bahasa Indonesia. Nothing was written."""


def exception_row(conn: Connection, exception_id: int, *, lock: bool = False) -> ExceptionRow:
    """The exception; `lock` takes its row lock (held to commit). WorkRefused when there is none."""
    row = conn.execute(
        text(
            f"SELECT {row_columns()} FROM recon_exception e WHERE e.exception_id = :id"
            + (" FOR UPDATE" if lock else "")
        ),
        {"id": exception_id},
    ).first()
    if row is None:
        raise WorkRefused(f"Selisih #{exception_id} tidak ditemukan.")
    return ExceptionRow(*row)


def title(role: str | None) -> str:
    """A role's Indonesian title."""
    return ROLES.get(role or "", role or "-")


def acting(conn: Connection, actor: User, action: str, what: str) -> User:
    """The actor as stored now, refused unless active and holding `action` (`what`: the act, for the message)."""
    user = user_by_id(conn, actor.user_id)
    if user is None or not user.active:
        raise WorkRefused("Akun Anda tidak aktif; hubungi administrator.")
    if not permissions.may(user, action):
        raise WorkRefused(
            f"Peran Anda ({title(user.role)}) tidak dapat {what}; yang dapat: {permissions.role_titles(action)}."
        )
    return user


def acts_for(user: User | None, exc: ExceptionRow) -> frozenset[str]:
    """What `user` may do now on `exc` (the page shows these forms; the commands refuse the rest themselves):
    `assign` (take it), `reassign` (give it to someone), `comment`, `clarify` (ask the bank), `request` (propose a
    resolution), `decide` (approve or return the pending request), `adjust`, `ba` (Berita Acara), `nota` (Nota
    Perbaikan). `exc.pending` says whether a request awaits approval."""
    if user is None:
        return frozenset()
    works, is_open, free = permissions.may(user, WORK), exc.is_open, exc.is_open and not exc.pending
    acts = {
        "assign": is_open and permissions.may(user, BE_ASSIGNED) and exc.assignee != user.username,
        "reassign": is_open and permissions.may(user, ASSIGN_OTHERS),
        "comment": permissions.may(user, READ),
        "clarify": exc.status == "open" and works,
        "request": free and works,
        "decide": is_open and exc.pending and permissions.may(user, APPROVE),
        "adjust": free and works and bool(exc.ntpn),
        "ba": works and bool(exc.ntpn),
        "nota": works,
    }
    return frozenset(act for act, allowed in acts.items() if allowed)


def locked_open(conn: Connection, exception_id: int, what: str) -> ExceptionRow:
    """The exception under its row lock, refused when it is already closed."""
    exc = exception_row(conn, exception_id, lock=True)
    if not exc.is_open:
        who = "otomatis oleh data yang datang kemudian" if exc.closed_by_data else f"oleh {exc.resolved_by}"
        raise WorkRefused(f"Selisih #{exc.exception_id} sudah {exc.status_label.lower()} {who}; tidak dapat {what}.")
    return exc


def clean_text(value: str | None, what: str, *, required: bool = True, multiline: bool = True) -> str:
    """`value` stripped; refused when empty (if `required`), longer than MAX_TEXT or holding control characters
    (`multiline`: a text area's value, line feeds allowed; CONTRACT §2 plausibility)."""
    value, problem = plausibility.form_text(value, what, required=required, limit=MAX_TEXT, multiline=multiline)
    if problem:
        raise WorkRefused(problem)
    return value


def check_date(value: date, what: str) -> date:
    """`value`, refused when implausible (before 2000, more than a week after today)."""
    problem = plausibility.form_date_problem(value, what, today=config.now().date())
    if problem:
        raise WorkRefused(problem)
    return value


def check_cause(cause: str) -> str:
    """The cause code, refused unless it is one of CAUSES."""
    if cause not in CAUSES:
        raise WorkRefused(f"Penyebab '{cause}' tidak dikenal; pilih salah satu: {', '.join(CAUSES.values())}.")
    return cause


def content_hash(exc: ExceptionRow, proposal: Mapping[str, Any]) -> str:
    """The hash pinning a request: the exception's reconciled content and what is proposed."""
    body = json.dumps(
        {"exception": exc.content(), "proposal": proposal}, default=str, sort_keys=True, ensure_ascii=False
    )
    return hashlib.sha256(body.encode()).hexdigest()


def pending_request(conn: Connection, exception_id: int) -> Approval | None:
    """The pending resolution or adjustment request of the exception, or None."""
    for kind in (KIND_RESOLUTION, KIND_ADJUSTMENT):
        found = approvals.latest_for_object(conn, kind, str(exception_id))
        if found is not None and found.status == "pending":
            return found
    return None


def ask(
    conn: Connection, exc: ExceptionRow, *, kind: str, actor: User, proposal: Mapping[str, Any], note: str
) -> Approval:
    """File a maker-checker request for `exc` (one pending request of either kind per exception)."""
    other = pending_request(conn, exc.exception_id)
    if other is not None:
        raise WorkRefused(
            f"Selisih #{exc.exception_id} sudah memiliki pengajuan #{other.request_id} dari "
            f"{other.made_by} yang menunggu persetujuan; tunggu keputusannya atau tarik pengajuan itu."
        )
    try:
        return approvals.request_approval(
            conn,
            kind=kind,
            object_key=str(exc.exception_id),
            steps=CHECKER_STEPS,
            actor=actor,
            content_hash=content_hash(exc, proposal),
            summary=proposal,
            note=note,
            maker_roles=permissions.roles_for(WORK),
        )
    except ApprovalRefused as err:
        raise WorkRefused(err.message) from err


def waiting(
    conn: Connection, exc: ExceptionRow, kind: str, actor: User | None = None, act: str = "approve"
) -> Approval:
    """The pending request of `kind` for `exc`, refused when there is none (naming who decided it, for `actor`)."""
    found = approvals.latest_for_object(conn, kind, str(exc.exception_id))
    if found is None or found.status != "pending":
        what = "penyelesaian" if kind == KIND_RESOLUTION else "penyesuaian"
        why = None if actor is None else approvals.settled(conn, kind, str(exc.exception_id), actor=actor, act=act)
        raise WorkRefused(
            why or f"Tidak ada pengajuan {what} untuk selisih #{exc.exception_id} yang menunggu persetujuan."
        )
    return found


def decide(
    conn: Connection, request: Approval, *, actor: User, approve: bool, note: str, pinned: str | None = None
) -> Approval:
    """Approve (with the content hash as it is now) or return the request, as WorkRefused on refusal."""
    try:
        if approve:
            return approvals.approve(conn, request.request_id, actor=actor, note=note, content_hash=pinned)
        return approvals.reject(conn, request.request_id, actor=actor, note=note)
    except ApprovalRefused as err:
        raise WorkRefused(err.message) from err


def close(conn: Connection, exc: ExceptionRow, done: Approval, *, status: str, cause: str, note: str) -> ExceptionRow:
    """Close `exc` as decided by the approved request `done` (resolved_by: its maker)."""
    conn.execute(
        text("""
        UPDATE recon_exception
           SET status = :status, cause = :cause, note = :note, resolved_by = :maker, resolved_at = now(),
               closed_by_data = false, request_id = :request, updated_at = now()
         WHERE exception_id = :id"""),
        {
            "status": status,
            "cause": cause,
            "note": note,
            "maker": done.made_by,
            "request": done.request_id,
            "id": exc.exception_id,
        },
    )
    exception_closed(conn, exc.business_date, exc.ntpn)  # R13: its payment may now count as received
    return exception_row(conn, exc.exception_id)


# --- acts without approval --------------------------------------------------------------------------------------


def assign(conn: Connection, exception_id: int, *, assignee: str | None, actor: User) -> ExceptionRow:
    """Give the exception to `assignee` (a user name; None unassigns it); the change is kept in history.

    Staff may take an exception themselves; giving it to someone else (or taking it away) is for the
    heads: kasi and kasubdit.
    """
    user = acting(conn, actor, READ, "menugaskan selisih")
    exc = locked_open(conn, exception_id, "ditugaskan")
    if assignee != user.username and not permissions.may(user, ASSIGN_OTHERS):
        heads = " atau ".join(title(r) for r in permissions.roles_for(ASSIGN_OTHERS))
        raise WorkRefused(
            f"Hanya {heads} yang dapat menugaskan selisih kepada orang lain; Anda dapat mengambilnya "
            "untuk diri sendiri."
        )
    if assignee is not None:
        target = user_by_name(conn, assignee)
        if target is None or not target.active:
            raise WorkRefused(f"Pengguna '{assignee}' tidak ditemukan atau tidak aktif.")
        if not permissions.may(target, BE_ASSIGNED):
            raise WorkRefused(
                f"Selisih hanya dapat ditugaskan kepada {permissions.role_titles(BE_ASSIGNED)};"
                f" {assignee} adalah {title(target.role)}."
            )
    if assignee == exc.assignee:
        raise WorkRefused(
            f"Selisih #{exception_id} sudah ditugaskan kepada {assignee}."
            if assignee
            else f"Selisih #{exception_id} memang belum ditugaskan."
        )
    conn.execute(
        text("""INSERT INTO exception_assignment (exception_id, assignee, previous, assigned_by)
                         VALUES (:id, :to, :prev, :by)"""),
        {"id": exception_id, "to": assignee, "prev": exc.assignee, "by": user.username},
    )
    conn.execute(
        text("UPDATE recon_exception SET assignee = :to, updated_at = now() WHERE exception_id = :id"),
        {"id": exception_id, "to": assignee},
    )
    record(
        conn,
        user.actor(),
        "exception.assign",
        object_type=OBJECT_TYPE,
        object_id=str(exception_id),
        before={"assignee": exc.assignee},
        after={"assignee": assignee},
    )
    return exception_row(conn, exception_id)


def comment(conn: Connection, exception_id: int, *, body: str, actor: User) -> int:
    """Add a comment (also on a closed exception); returns its id."""
    user = acting(conn, actor, READ, "memberi komentar")
    body = clean_text(body, "Komentar")
    exception_row(conn, exception_id, lock=True)
    comment_id = int(
        conn.execute(
            text("""INSERT INTO exception_comment (exception_id, author, author_role, body)
                VALUES (:id, :who, :role, :body) RETURNING comment_id"""),
            {"id": exception_id, "who": user.username, "role": user.role, "body": body},
        ).scalar_one()
    )
    record(
        conn,
        user.actor(),
        "exception.comment",
        object_type=OBJECT_TYPE,
        object_id=str(exception_id),
        after={"comment_id": comment_id, "body": body[:200]},
    )
    return comment_id


def start_clarification(conn: Connection, exception_id: int, *, actor: User, note: str = "") -> ExceptionRow:
    """`open` -> `in_clarification`: the difference is being taken up with the collecting agent (R7)."""
    user = acting(conn, actor, WORK, "memulai klarifikasi")
    note = clean_text(note, "Catatan", required=False)
    exc = locked_open(conn, exception_id, "diklarifikasi")
    if exc.status != "open":
        raise WorkRefused(f"Selisih #{exception_id} sudah dalam klarifikasi.")
    conn.execute(
        text("""UPDATE recon_exception SET status = 'in_clarification', updated_at = now()
                          WHERE exception_id = :id"""),
        {"id": exception_id},
    )
    if note:
        conn.execute(
            text("""INSERT INTO exception_comment (exception_id, author, author_role, body)
                             VALUES (:id, :who, :role, :body)"""),
            {"id": exception_id, "who": user.username, "role": user.role, "body": note},
        )
    record(
        conn,
        user.actor(),
        "exception.clarify",
        object_type=OBJECT_TYPE,
        object_id=str(exception_id),
        before={"status": exc.status},
        after={"status": "in_clarification", "note": note},
    )
    return exception_row(conn, exception_id)


# --- resolution (maker-checker) ---------------------------------------------------------------------------------


def request_resolution(conn: Connection, exception_id: int, *, cause: str, note: str, actor: User) -> Approval:
    """Ask a kasi to close the exception as `resolved` with `cause` (a CAUSES code) and `note` (why)."""
    user = acting(conn, actor, WORK, "mengajukan penyelesaian selisih")
    proposal = {"cause": check_cause(cause), "note": clean_text(note, "Keterangan penyelesaian")}
    exc = locked_open(conn, exception_id, "diajukan penyelesaiannya")
    return ask(conn, exc, kind=KIND_RESOLUTION, actor=user, proposal=proposal, note=proposal["note"])


def approve_resolution(conn: Connection, exception_id: int, *, actor: User, note: str = "") -> ExceptionRow:
    """The kasi approves the pending resolution: the exception becomes `resolved` with its cause and note.

    Refused when reconciliation changed the exception since the request (it must be asked again).
    """
    exc = locked_open(conn, exception_id, "diselesaikan")
    request = waiting(conn, exc, KIND_RESOLUTION)
    done = decide(conn, request, actor=actor, approve=True, note=note, pinned=content_hash(exc, request.summary))
    closed = close(conn, exc, done, status="resolved", cause=request.summary["cause"], note=request.summary["note"])
    record(
        conn,
        actor.actor(),
        "exception.resolve",
        object_type=OBJECT_TYPE,
        object_id=str(exception_id),
        before={"status": exc.status},
        after={
            "status": "resolved",
            "cause": closed.cause,
            "note": closed.note,
            "request_id": done.request_id,
            "maker": done.made_by,
        },
    )
    return closed


def reject_resolution(conn: Connection, exception_id: int, *, actor: User, note: str) -> Approval:
    """The kasi returns the pending resolution with a note; the exception stays as it was."""
    exc = exception_row(conn, exception_id, lock=True)
    request = waiting(conn, exc, KIND_RESOLUTION, actor, "reject")
    return decide(conn, request, actor=actor, approve=False, note=clean_text(note, "Alasan pengembalian"))
