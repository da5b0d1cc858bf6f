"""Tugas saya: everything waiting for one user, across all dates and kinds.

Sources, one query each: approval requests at the user's step (distribution rounds, also those the system asked
for, exception resolutions and adjustments, results for banks, any other kind), appeal letters the user may
initial, sign, send or must revise (`AppealLetter.acts_for`), exceptions assigned to them, and rejected input
files of their role not yet handled. Each `Task` names its business date, bank, size, since when it waits, its
deadline and the address that opens the item. `token` is what the user saw (approval request and content hash):
a bulk act (`queries.tasks.acts`) skips an item whose token changed. Who has tasks and takes each bulk act is
`queries.permissions.ACTIONS` (`tasks.*`, `imports.handle_*`); the page asks `acts_for`.

Deadlines (design, where no regulation sets one): a distribution round and an exception are due by the date's
distribution deadline (`completeness.distribution_due`; a held row waits for them); a result for a bank one hour
after its batch (its request carries it); a letter's paraf, signature and sending one working day after the step
began, at `LETTER_STEP_DUE`; a rejected file by the deadline of the duty it was meant for.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import quote_plus

from sqlalchemy import Connection, text

from queries import config, labels, permissions
from queries.accounts.users import User
from queries.calendar import WorkingCalendar, calendar_from_db
from queries.imports.rejected import meant_for
from queries.imports.store import ImportFileRow
from queries.letters.appeals import ACTS, AppealLetter, appeal_letters
from queries.letters.statements import deadline as statement_deadline
from queries.monitoring.completeness import batch_due, distribution_due
from queries.reconciliation.classify import CATEGORY_LABELS
from queries.settings import Settings, current_settings

#: Task kinds, in the page's group order, with their Indonesian labels.
KINDS: dict[str, str] = labels.TASK_KINDS
#: Approval kinds with a task kind of their own (any other pending kind is listed as `approval`).
APPROVAL_KINDS = ("distribution", "exception_resolution", "exception_adjustment", "bank_result")
LETTER_KIND = "appeal_letter"
#: Bulk acts, with the page's button label, and who may take them.
BULK_ACTS: dict[str, str] = {
    "paraf": "Paraf terpilih",
    "setujui": "Setujui terpilih",
    "tandai": "Tandai sudah ditangani",
}
BULK_OF: dict[str, str] = {
    "letter_initial": "paraf",
    "letter_sign": "setujui",
    "distribution": "setujui",
    "exception_resolution": "setujui",
    "exception_adjustment": "setujui",
    "bank_result": "setujui",
    "file_rejected": "tandai",
}
#: The input file kinds whose rejected files someone handles; who does is the action `file_action(kind)`.
FILE_KINDS = ("mpn", "bank", "statements", "notices")
#: Letter acts that are tasks, per the status that waits for them.
LETTER_TASKS: dict[str, tuple[str, str]] = {
    "draft": ("initial", "letter_initial"),
    "initialled": ("sign", "letter_sign"),
    "signed": ("send", "letter_send"),
    "returned": ("revise", "letter_revise"),
}
#: Whom a returned letter waits for (the kasi may revise it too, but it waits for the pelaksana).
REVISE_WAITS = "tasks.letter_revise"
LETTER_STEP_DUE = time(16, 0)
#: The roles that can have a task (the page's and the badge's audience).
TASK_ACTION = "tasks.have"


def bulk_action(act: str) -> str:
    """The action of `permissions.ACTIONS` that holds the bulk act `act` (`paraf` -> `tasks.paraf`)."""
    return f"tasks.{act}"


def file_action(kind: str) -> str:
    """The action of `permissions.ACTIONS` whose roles handle a rejected input file of `kind`."""
    return f"imports.handle_{kind}"


def has_tasks(user: User | None) -> bool:
    """Can `user` have tasks at all (the page and the navbar badge)?"""
    return permissions.may(user, TASK_ACTION)


def handled_kinds(user: User) -> list[str]:
    """The input file kinds whose rejected files `user`'s role handles."""
    return [kind for kind in FILE_KINDS if permissions.may(user, file_action(kind))]


@dataclass(frozen=True, slots=True)
class Task:
    """One item waiting for the user: what, for which date and bank, how big, since when, by when, where."""

    kind: str
    object_key: str
    title: str
    business_date: date | None
    bank_code: str | None
    bank_name: str | None
    amount: int | None
    rows: int | None
    waiting_since: datetime
    deadline: datetime | None
    link: str
    token: str
    request_id: int | None = None

    @property
    def key(self) -> str:
        """Unique among one user's tasks: `distribution:12`."""
        return f"{self.kind}:{self.object_key}"

    @property
    def kind_title(self) -> str:
        """The kind in Indonesian."""
        return KINDS.get(self.kind, self.kind)

    @property
    def bulk_act(self) -> str | None:
        """The bulk act this kind of item takes (`paraf`, `setujui`, `tandai`), if any."""
        return BULK_OF.get(self.kind)

    @property
    def name(self) -> str:
        """How a message names it: `Distribusi putaran 1, 20/11/2026, BRI`."""
        parts = [self.title]
        if self.business_date is not None:
            parts.append(f"{self.business_date:%d/%m/%Y}")
        if self.bank_code:
            parts.append(self.bank_code)
        return ", ".join(parts)

    def overdue(self, now: datetime) -> bool:
        """Its deadline has passed."""
        return self.deadline is not None and now > self.deadline


def acts_for(user: User, task: Task) -> list[str]:
    """The bulk acts `user` may take on `task` (its own act, when the user's role takes it in bulk)."""
    act = task.bulk_act
    return [act] if act is not None and permissions.may(user, bulk_action(act)) else []


_PLAIN = re.compile(r"[A-Za-z0-9_.-]+")  # query values that need no quoting (dates, codes, ids)


def link(path: str, **params: object) -> str:
    """`path?a=1&b=2` without the empty parameters."""
    kept = [(k, str(v)) for k, v in params.items() if v not in (None, "")]
    query = "&".join(f"{k}={v if _PLAIN.fullmatch(v) else quote_plus(v)}" for k, v in kept)
    return path + ("?" + query if query else "")


def exception_link(business_date: date, bank_code: str, ntpn: str | None, status: str) -> str:
    """The Rekonsiliasi page filtered to the exception (its NTPN) with `status` (`menunggu`, `belum`)."""
    return link("/rekonsiliasi", tanggal=business_date.isoformat(), bank=bank_code, status=status, ntpn=ntpn)


def _day(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def _moment(value: Any) -> datetime | None:
    try:
        moment = datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None
    return moment if moment is not None and moment.tzinfo is not None else None


# --- approval requests at the user's step ----------------------------------------------------------------------

_APPROVALS = text("""
WITH waiting AS (
    SELECT r.request_id, r.kind, r.object_key, r.made_at, r.content_hash, r.summary,
           r.steps[1 + coalesce(d.approved, 0)::int] AS next_role, d.last_at, coalesce(d.mine, false) AS mine,
           CASE WHEN r.object_key ~ '^[0-9]{1,18}$' THEN CAST(r.object_key AS bigint) END AS object_id
      FROM approval_request r
      LEFT JOIN LATERAL (SELECT count(*) FILTER (WHERE x.decision = 'approved') AS approved,
                                max(x.decided_at) AS last_at, bool_or(x.decided_by = :uid) AS mine
                           FROM approval_decision x WHERE x.request_id = r.request_id) d ON true
     WHERE r.status = 'pending' AND r.kind <> 'appeal_letter' AND r.made_by <> :uid
)
SELECT * FROM (
SELECT w.request_id, w.kind, w.object_key, w.content_hash, w.summary, coalesce(w.last_at, w.made_at) AS since,
       row_number() OVER (PARTITION BY CASE WHEN w.kind = ANY(:kinds) THEN w.kind ELSE 'approval' END
                          ORDER BY coalesce(dd.business_date, e.business_date), coalesce(w.last_at, w.made_at),
                                   w.request_id) AS urgency,
       dd.business_date AS dist_date, dd.round, dd.amount AS dist_amount, dd.row_count AS dist_rows,
       dd.content_hash AS dist_hash,
       e.business_date AS exc_date, e.bank_code AS exc_bank, e.ntpn, e.level, e.category,
       coalesce(e.mpn_amount, e.bank_amount) AS exc_amount, b.bank_code, b.name AS bank_name
  FROM waiting w
  LEFT JOIN distribution dd ON w.kind = 'distribution' AND dd.distribution_id = w.object_id
  LEFT JOIN recon_exception e
         ON w.kind IN ('exception_resolution', 'exception_adjustment') AND e.exception_id = w.object_id
  LEFT JOIN bank b ON b.bank_code = coalesce(e.bank_code, w.summary->>'bank_code')
 WHERE w.next_role = :role AND NOT w.mine
) x WHERE x.urgency <= coalesce(CAST(:limit AS integer), x.urgency)
 ORDER BY since, request_id
""")

_APPROVAL_COUNTS = text("""
SELECT CASE WHEN r.kind = ANY(:kinds) THEN r.kind ELSE 'approval' END AS kind, count(*)
  FROM approval_request r
  LEFT JOIN LATERAL (SELECT count(*) FILTER (WHERE x.decision = 'approved') AS approved,
                            bool_or(x.decided_by = :uid) AS mine
                       FROM approval_decision x WHERE x.request_id = r.request_id) d ON true
 WHERE r.status = 'pending' AND r.kind <> 'appeal_letter' AND r.made_by <> :uid
   AND r.steps[1 + coalesce(d.approved, 0)::int] = :role AND NOT coalesce(d.mine, false)
 GROUP BY 1
""")


def approval_token(request_id: int, content_hash: str, extra: str | None = None) -> str:
    """What a user saw of an approval item: the request and its content hash (and the round's own hash)."""
    return f"{request_id}:{content_hash}" + (f":{extra}" if extra else "")


def _approval_task(row: Any, due: Any) -> Task:
    """One pending request as a task; `due(day)` gives a date's distribution deadline."""
    kind = row.kind if row.kind in APPROVAL_KINDS else "approval"
    summary = row.summary or {}
    common = {
        "object_key": row.object_key,
        "waiting_since": row.since,
        "request_id": row.request_id,
        "bank_code": row.bank_code,
        "bank_name": row.bank_name,
    }
    if kind == "distribution" and row.dist_date is not None:
        return Task(
            kind,
            title=f"Distribusi putaran {row.round}",
            business_date=row.dist_date,
            amount=row.dist_amount,
            rows=row.dist_rows,
            deadline=due(row.dist_date),
            link=link("/distribusi", tanggal=row.dist_date.isoformat()),
            token=approval_token(row.request_id, row.content_hash, row.dist_hash),
            **common,
        )
    if kind.startswith("exception_") and row.exc_date is not None:
        category = CATEGORY_LABELS.get(row.category, row.category)
        title = f"Selisih #{row.object_key} · {category}" + (f" · NTPN {row.ntpn}" if row.ntpn else "")
        return Task(
            kind,
            title=title,
            business_date=row.exc_date,
            amount=row.exc_amount,
            rows=None,
            deadline=due(row.exc_date),
            link=exception_link(row.exc_date, row.exc_bank, row.ntpn or None, "menunggu"),
            token=approval_token(row.request_id, row.content_hash),
            **common,
        )
    day = _day(summary.get("business_date"))
    title = str(summary.get("subject") or f"Pengajuan #{row.request_id} ({row.kind})")
    target = (
        link("/rekonsiliasi", tanggal=day.isoformat(), bank=row.bank_code) if day is not None else link("/kelengkapan")
    )
    return Task(
        kind,
        title=title,
        business_date=day,
        amount=None,
        rows=None,
        deadline=_moment(summary.get("deadline")),
        link=target,
        token=approval_token(row.request_id, row.content_hash),
        **common,
    )


def approval_tasks(
    conn: Connection, user: User, *, settings: Settings, calendar: WorkingCalendar, limit: int | None = None
) -> list[Task]:
    """Pending approval requests (not letters) whose next step is the user's role, made and not yet decided by
    someone else: the system's own requests included (at most `limit` of each kind, the earliest dates first)."""
    rows = conn.execute(
        _APPROVALS, {"uid": user.user_id, "role": user.role, "kinds": list(APPROVAL_KINDS), "limit": limit}
    ).all()
    due = distribution_dues(settings, calendar)
    return [_approval_task(row, due) for row in rows]


def distribution_dues(settings: Settings, calendar: WorkingCalendar) -> Callable[[date], datetime]:
    """`completeness.distribution_due` of a date, computed once per date."""
    dues: dict[date, datetime] = {}

    def due(day: date) -> datetime:
        if day not in dues:
            dues[day] = distribution_due(day, settings, calendar)
        return dues[day]

    return due


# --- appeal letters --------------------------------------------------------------------------------------------


def _step_due(since: datetime, calendar: WorkingCalendar) -> datetime:
    """`LETTER_STEP_DUE` on the working day after the step began (schedule time zone)."""
    day = calendar.next_after(since.astimezone(config.timezone()).date())
    return datetime.combine(day, LETTER_STEP_DUE, tzinfo=config.timezone())


def _letter_since(a: AppealLetter) -> datetime:
    """When the letter's current step began."""
    by_status = {"initialled": a.initialled_at, "signed": a.signed_at, "returned": a.returned_at}
    return by_status.get(a.status) or a.updated_at


def letter_token(a: AppealLetter) -> str:
    """What a user saw of a letter: its approval request and its last change."""
    return f"{a.request_id}:{a.updated_at.isoformat()}"


def letter_task(a: AppealLetter, kind: str, calendar: WorkingCalendar) -> Task:
    """One letter waiting for its paraf, signature, sending or revision."""
    since = _letter_since(a)
    dates = ", ".join(f"{d:%d/%m}" for d in a.business_dates)
    return Task(
        kind,
        str(a.letter_id),
        title=f"Surat Himbauan #{a.letter_id} · tanggal {dates}",
        business_date=max(a.business_dates) if a.business_dates else None,
        bank_code=a.bank_code,
        bank_name=a.bank_name,
        amount=None,
        rows=len(a.business_dates),
        waiting_since=since,
        deadline=_step_due(since, calendar),
        link=link("/surat-himbauan", surat=a.letter_id),
        token=letter_token(a),
        request_id=a.request_id,
    )


def letter_tasks(
    conn: Connection, user: User, *, settings: Settings, calendar: WorkingCalendar, limit: int | None = None
) -> list[Task]:
    """Letters whose status waits for an act the letter itself allows this user (`AppealLetter.acts_for`); all of
    them (a few dozen at most: `limit` is not applied, so their count is exact)."""
    del limit
    waits = permissions.may(user, REVISE_WAITS)
    wanted = [
        s
        for s, (act, _kind) in LETTER_TASKS.items()
        if permissions.may(user, ACTS[act][0]) and (act != "revise" or waits)
    ]
    if not wanted:
        return []
    letters = appeal_letters(conn, statuses=wanted)
    tasks = []
    for a in letters:
        act, kind = LETTER_TASKS[a.status]
        if act in a.acts_for(user) and (act != "revise" or waits):
            tasks.append(letter_task(a, kind, calendar))
    return tasks


# --- exceptions assigned to the user ---------------------------------------------------------------------------

_ASSIGNED = text("""
SELECT e.exception_id, e.business_date, e.bank_code, b.name AS bank_name, e.ntpn, e.category, e.status,
       coalesce(e.mpn_amount, e.bank_amount) AS amount,
       coalesce((SELECT max(a.assigned_at) FROM exception_assignment a
                  WHERE a.exception_id = e.exception_id AND a.assignee = e.assignee), e.opened_at) AS since
  FROM recon_exception e JOIN bank b ON b.bank_code = e.bank_code
 WHERE e.assignee = :who AND e.status IN ('open', 'in_clarification')
 ORDER BY e.business_date, since, e.exception_id
 LIMIT :limit
""")
_ASSIGNED_COUNT = text("""SELECT count(*) FROM recon_exception
                           WHERE assignee = :who AND status IN ('open', 'in_clarification')""")


def assigned_tasks(
    conn: Connection, user: User, *, settings: Settings, calendar: WorkingCalendar, limit: int | None = None
) -> list[Task]:
    """Open exceptions assigned to the user (the `limit` earliest dates, LIMIT NULL being all)."""
    tasks = []
    due = distribution_dues(settings, calendar)
    for r in conn.execute(_ASSIGNED, {"who": user.username, "limit": limit}):
        category = CATEGORY_LABELS.get(r.category, r.category)
        tasks.append(
            Task(
                "exception_assigned",
                str(r.exception_id),
                title=f"Selisih #{r.exception_id} · {category}" + (f" · NTPN {r.ntpn}" if r.ntpn else ""),
                business_date=r.business_date,
                bank_code=r.bank_code,
                bank_name=r.bank_name,
                amount=r.amount,
                rows=None,
                waiting_since=r.since,
                deadline=due(r.business_date),
                link=exception_link(r.business_date, r.bank_code, r.ntpn or None, "belum"),
                token=f"{r.exception_id}:{r.status}",
            )
        )
    return tasks


# --- rejected input files ----------------------------------------------------------------------------------------

HANDLED_ACTION = "import.handled"

_REJECTED = text("""
SELECT f.import_id, f.kind, f.file_name, f.status, f.sha256, f.size_bytes, f.received_at, f.started_at,
       f.finished_at, f.row_count, f.total_amount, f.first_date, f.last_date, f.bank_code, f.error_count, f.report,
       f.kept_path, b.name AS bank_name
  FROM import_file f LEFT JOIN bank b ON b.bank_code = f.bank_code
 WHERE f.status = 'rejected' AND f.kind = ANY(:kinds)
   AND NOT EXISTS (SELECT 1 FROM import_file g
                    WHERE g.status = 'imported' AND g.kind = f.kind AND g.file_name = f.file_name
                      AND g.received_at > f.received_at)
   AND NOT EXISTS (SELECT 1 FROM audit_log a
                    WHERE a.object_type = 'import_file' AND a.object_id = CAST(f.import_id AS text)
                      AND a.action = :handled)
 ORDER BY f.received_at, f.import_id
 LIMIT :limit
""")


def _file_due(kind: str, day: date, settings: Settings, calendar: WorkingCalendar) -> datetime:
    """The deadline of the duty the file was for: the statement letter's, else the batch's (16:00 WIB)."""
    return statement_deadline(day, settings, calendar) if kind == "statements" else batch_due(day)


def file_tasks(
    conn: Connection, user: User, *, settings: Settings, calendar: WorkingCalendar, limit: int | None = None
) -> list[Task]:
    """Rejected input files of the kinds the user's role handles, neither imported again (a later file of the
    same name) nor marked handled (the `limit` earliest received)."""
    kinds = handled_kinds(user)
    if not kinds:
        return []
    tasks = []
    for row in conn.execute(_REJECTED, {"kinds": kinds, "handled": HANDLED_ACTION, "limit": limit}):
        values = dict(row._mapping)
        bank_name = values.pop("bank_name")
        f = ImportFileRow(**values)
        day = meant_for(f, calendar)
        errors = f"{f.error_count} kesalahan" if f.error_count else "ditolak"
        tasks.append(
            Task(
                "file_rejected",
                str(f.import_id),
                title=f"{f.file_name} · {errors}",
                business_date=day,
                bank_code=f.bank_code,
                bank_name=bank_name,
                amount=None,
                rows=None,
                waiting_since=f.received_at,
                deadline=_file_due(f.kind, day, settings, calendar),
                link=link("/data-masuk", tanggal=day.isoformat(), bank=f.bank_code),
                token=str(f.import_id),
            )
        )
    return tasks


# --- all of them -------------------------------------------------------------------------------------------------

#: The sources, in order. A new kind of work adds its function here (and its label to KINDS).
SOURCES = (approval_tasks, letter_tasks, assigned_tasks, file_tasks)


LETTER_KINDS = tuple(kind for _act, kind in LETTER_TASKS.values())


def source_of(kind: str) -> Any:
    """The source function that lists tasks of `kind` (a bulk act lists its item again under the item's lock)."""
    if kind in LETTER_KINDS:
        return letter_tasks
    return {"exception_assigned": assigned_tasks, "file_rejected": file_tasks}.get(kind, approval_tasks)


def tasks_for(conn: Connection, user: User, *, limit: int | None = None) -> list[Task]:
    """Everything waiting for `user` (at most `limit` of each kind, its most urgent, when given), most urgent first
    (earliest deadline, then longest waiting)."""
    if not has_tasks(user):
        return []
    settings, calendar = current_settings(conn), calendar_from_db(conn)
    found = [t for source in SOURCES for t in source(conn, user, settings=settings, calendar=calendar, limit=limit)]
    far = datetime.max.replace(tzinfo=config.timezone()) - timedelta(days=1)
    return sorted(found, key=lambda t: (t.deadline or far, t.waiting_since, t.key))


@dataclass(frozen=True, slots=True)
class TaskList:
    """What the page shows: the `SHOWN` most urgent items of each kind, and how many of each kind wait in all."""

    tasks: list[Task]
    totals: dict[str, int]

    @property
    def total(self) -> int:
        """Every item waiting, shown or not."""
        return sum(self.totals.values())


#: Rows fetched and built per kind for the page: someone holding thousands of exceptions sees the most urgent.
SHOWN = 200


def task_list(conn: Connection, user: User, *, limit: int = SHOWN) -> TaskList:
    """The page's list: each source's `limit` most urgent rows (SQL LIMIT) and the exact counts (SQL COUNT)."""
    tasks = tasks_for(conn, user, limit=limit)
    found = counts(tasks)
    letters = {k: n for k, n in found.items() if k in LETTER_KINDS}
    return TaskList(tasks, _ordered({**task_totals(conn, user, letters=False), **letters}))


def _ordered(totals: dict[str, int]) -> dict[str, int]:
    return {kind: totals[kind] for kind in KINDS if totals.get(kind)}


def task_totals(conn: Connection, user: User, *, letters: bool = True) -> dict[str, int]:
    """Items per kind waiting for `user`, counted in SQL (letters, a few, by their list), in KINDS order."""
    if not has_tasks(user):
        return {}
    totals: dict[str, int] = dict(
        conn.execute(_APPROVAL_COUNTS, {"uid": user.user_id, "role": user.role, "kinds": list(APPROVAL_KINDS)}).all()
    )
    totals["exception_assigned"] = conn.execute(_ASSIGNED_COUNT, {"who": user.username}).scalar_one()
    kinds = handled_kinds(user)
    if kinds:
        totals["file_rejected"] = conn.execute(
            text(f"SELECT count(*) FROM ({_REJECTED.text}) f"),
            {"kinds": kinds, "handled": HANDLED_ACTION, "limit": None},
        ).scalar_one()
    if letters:
        calendar = calendar_from_db(conn)
        settings = current_settings(conn)
        totals.update(counts(letter_tasks(conn, user, settings=settings, calendar=calendar)))
    return _ordered(totals)


def task_count(conn: Connection, user: User) -> int:
    """How many items wait for `user` (the navbar badge): SQL counts, no row built."""
    return sum(task_totals(conn, user).values())


def counts(tasks: Sequence[Task]) -> dict[str, int]:
    """Items per kind, in KINDS order, kinds with none left out."""
    found = {kind: sum(1 for t in tasks if t.kind == kind) for kind in KINDS}
    return {kind: n for kind, n in found.items() if n}
