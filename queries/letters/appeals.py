"""Appeal letters (Surat Himbauan, SE-127 steps 5-8): draft, paraf, signature, sending, answer.

Status flow::

    draft --paraf (kasi)--> initialled --sign (kasubdit)--> signed --send (tu)--> sent --letters arrive--> answered
      ^  \\--return (kasi)--> returned     \\--return (kasubdit)--> returned
      \\---------- revise (pelaksana/kasi) ----/

Paraf and signature are the two steps of one `approval_request` (kind `appeal_letter`, chain kasi then
kasubdit) made by the drafter, so the database itself refuses self-approval, a step taken twice and a
step out of order; a revision makes a new request. Who takes each act is `queries.permissions.ACTIONS`
(`letters.appeal_*`), checked inside each act. A draft the system proposes is made by the disabled
account `sistem`. A letter whose business dates all get their statement letters before it is sent is
voided (`void`); once sent, it becomes `answered`. Every act locks the letter row first, refuses with
`LetterRefused` (Indonesian message, nothing written), audits, and never commits.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, text

from queries import config, db, permissions, plausibility
from queries.accounts import approvals
from queries.accounts.approvals import ApprovalRefused
from queries.accounts.audit import Actor, record
from queries.accounts.users import User, system_user, user_by_name
from queries.calendar import WorkingCalendar, calendar_from_db
from queries.letters.statements import missing_pairs
from queries.settings import Settings, current_settings

KIND = "appeal_letter"
OBJECT_TYPE = "appeal_letter"
STEPS = ("kasi", "kasubdit")
#: Who drafts letters (SE-127 step 5 on demand) and makes their paraf-and-signature requests.
DRAFT_ACTION = "letters.appeal_draft"
MAX_TEXT = plausibility.MAX_TEXT  # the schema's limit too (migration 0010)

#: Statuses in workflow order, with their Indonesian labels.
STATUSES: dict[str, str] = {
    "draft": "Konsep (menunggu paraf Kasi)",
    "returned": "Dikembalikan untuk diperbaiki",
    "initialled": "Diparaf (menunggu tanda tangan Kasubdit)",
    "signed": "Ditandatangani (menunggu dikirim TU)",
    "sent": "Terkirim (menunggu jawaban)",
    "answered": "Dijawab",
    "void": "Dibatalkan",
}
OPEN_STATUSES = ("draft", "returned", "initialled", "signed", "sent")

#: Each act: the action of `permissions.ACTIONS` whose roles take it, and the statuses it is taken from.
ACTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "initial": ("letters.appeal_initial", ("draft",)),
    "sign": ("letters.appeal_sign", ("initialled",)),
    "return": ("letters.appeal_return", ("draft", "initialled")),
    "revise": ("letters.appeal_revise", ("draft", "returned")),
    "send": ("letters.appeal_send", ("signed",)),
}
ACT_LABELS = {
    "initial": "Paraf",
    "sign": "Tanda tangani",
    "return": "Kembalikan",
    "revise": "Perbaiki & ajukan",
    "send": "Catat pengiriman",
    "draft": "Buat konsep",
}
#: What each act needs, said when a letter is in another status.
ACT_REQUIRES = {
    "initial": "paraf hanya untuk konsep yang menunggu paraf",
    "sign": "tanda tangan hanya untuk surat yang sudah diparaf",
    "return": "pengembalian hanya untuk konsep atau surat yang sudah diparaf",
    "revise": "perbaikan hanya untuk konsep atau surat yang dikembalikan",
    "send": "pengiriman hanya untuk surat yang sudah ditandatangani",
}
#: Whose step a return is: the kasi's before the paraf, the kasubdit's after it (the approval chain refuses
#: the other).
RETURNER = {"draft": "kasi", "initialled": "kasubdit"}
ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")


class LetterRefused(ApprovalRefused):
    """An act on an appeal letter that is not allowed; `message` says why, in Indonesian. Nothing was written."""


@dataclass(frozen=True, slots=True)
class AppealLetter:
    """One appeal letter with who did each step; `received_dates` are the asked dates that now have a letter."""

    letter_id: int
    bank_code: str
    bank_name: str
    bank_kind: str
    business_dates: tuple[date, ...]
    received_dates: tuple[date, ...]
    addressee: str
    note: str
    status: str
    request_id: int | None
    drafted_by: str
    drafted_at: datetime
    initialled_by: str | None
    initialled_at: datetime | None
    signed_by: str | None
    signed_at: datetime | None
    returned_by: str | None
    returned_at: datetime | None
    returned_note: str | None
    letter_number: str | None
    letter_date: date | None
    signer_name: str | None
    signer_nip: str | None
    agenda_number: str | None
    sent_on: date | None
    sent_by: str | None
    answered_at: datetime | None
    void_reason: str | None
    updated_at: datetime
    due_on: date | None = None

    @property
    def status_title(self) -> str:
        """The status in Indonesian."""
        return STATUSES[self.status]

    @property
    def missing_dates(self) -> tuple[date, ...]:
        """Asked dates still without a statement letter."""
        return tuple(d for d in self.business_dates if d not in self.received_dates)

    def overdue(self, today: date) -> bool:
        """Sent, not answered, and its reply period (working days) is over: escalate."""
        return self.status == "sent" and self.due_on is not None and today > self.due_on

    def acts_for(self, user: User) -> list[str]:
        """The acts `user` may take on this letter now (the page shows these buttons)."""
        acts = [
            act for act, (action, statuses) in ACTS.items() if permissions.may(user, action) and self.status in statuses
        ]
        if "return" in acts and RETURNER.get(self.status) != user.role:
            acts.remove("return")  # each decides (approves or returns) their own step only
        if self.drafted_by == user.username:  # a kasi never initials, nor returns, a draft they wrote
            acts = [a for a in acts if a not in ("initial", "return")]
        return acts


_LETTERS = """
SELECT a.letter_id, a.bank_code, b.name AS bank_name, b.kind AS bank_kind, a.business_dates,
       coalesce((SELECT array_agg(d ORDER BY d) FROM unnest(a.business_dates) d
                  WHERE EXISTS (SELECT 1 FROM statement_letter sl WHERE sl.bank_code = a.bank_code
                                   AND sl.business_date = d AND sl.superseded_at IS NULL)), '{{}}') AS received_dates,
       a.addressee, a.note, a.status, a.request_id, a.drafted_by, a.drafted_at,
       i.username AS initialled_by, i.decided_at AS initialled_at,
       s.username AS signed_by, s.decided_at AS signed_at,
       r.username AS returned_by, r.decided_at AS returned_at, a.returned_note,
       a.letter_number, a.letter_date, a.signer_name, a.signer_nip, a.agenda_number, a.sent_on, a.sent_by,
       a.answered_at, a.void_reason, a.updated_at
  FROM appeal_letter a
  JOIN bank b ON b.bank_code = a.bank_code
  LEFT JOIN LATERAL (SELECT u.username, d.decided_at FROM approval_decision d
                       JOIN app_user u ON u.user_id = d.decided_by
                      WHERE d.request_id = a.request_id AND d.step = 1 AND d.decision = 'approved') i ON true
  LEFT JOIN LATERAL (SELECT u.username, d.decided_at FROM approval_decision d
                       JOIN app_user u ON u.user_id = d.decided_by
                      WHERE d.request_id = a.request_id AND d.step = 2 AND d.decision = 'approved') s ON true
  LEFT JOIN LATERAL (SELECT u.username, d.decided_at FROM approval_decision d
                       JOIN approval_request q ON q.request_id = d.request_id
                       JOIN app_user u ON u.user_id = d.decided_by
                      WHERE q.kind = 'appeal_letter' AND q.object_key = a.letter_id::text AND d.decision = 'rejected'
                      ORDER BY d.decided_at DESC LIMIT 1) r ON true  -- the last return, kept in the history
 WHERE {where}
 ORDER BY a.letter_id DESC
"""


def _due(sent_on: date | None, days: int, calendar: WorkingCalendar) -> date | None:
    if sent_on is None:
        return None
    due = sent_on
    for _ in range(days):
        due = calendar.next_after(due)
    return due


def _read(
    conn: Connection,
    where: str,
    params: dict[str, Any],
    *,
    lock: bool = False,
    settings: Settings | None = None,
    calendar: WorkingCalendar | None = None,
) -> list[AppealLetter]:
    if lock:  # lock the letter rows first (the read below joins, and FOR UPDATE cannot cross aggregates)
        conn.execute(text(f"SELECT 1 FROM appeal_letter a WHERE {where} FOR UPDATE"), params)
    rows = conn.execute(text(_LETTERS.format(where=where)), params).all()
    if not rows:
        return []
    settings = settings or current_settings(conn)
    calendar = calendar or calendar_from_db(conn)
    letters = []
    for row in rows:
        values = dict(row._mapping)
        values["business_dates"] = tuple(sorted(values["business_dates"]))
        values["received_dates"] = tuple(values["received_dates"])
        values["due_on"] = _due(values["sent_on"], settings.letter_reply_days, calendar)
        letters.append(AppealLetter(**values))
    return letters


def appeal_letter(conn: Connection, letter_id: int) -> AppealLetter:
    """One letter; LookupError when there is none."""
    found = _read(conn, "a.letter_id = :id", {"id": letter_id})
    if not found:
        raise LookupError(f"no appeal letter {letter_id}")
    return found[0]


def appeal_letters(
    conn: Connection,
    *,
    statuses: Sequence[str] | None = None,
    bank_code: str | None = None,
    ids: Sequence[int] | None = None,
) -> list[AppealLetter]:
    """Letters, newest first, optionally of some statuses, one bank or only the letter ids given."""
    where: list[str] = ["true"]
    params: dict[str, Any] = {}
    if statuses:
        where.append("a.status = ANY(:statuses)")
        params["statuses"] = list(statuses)
    if bank_code:
        where.append("a.bank_code = :bank")
        params["bank"] = bank_code
    if ids is not None:
        if not ids:
            return []
        where.append("a.letter_id = ANY(:ids)")
        params["ids"] = list(ids)
    return _read(conn, " AND ".join(where), params)


def asked_payments(conn: Connection, letter: AppealLetter) -> dict[date, tuple[int, int]]:
    """(MPN payments, amount) of the letter's bank on each asked date that has MPN data (the letter's table)."""
    rows = conn.execute(
        text("""SELECT business_date, payment_count, payment_amount FROM mpn_bank_day
                                 WHERE bank_code = :bank AND business_date = ANY(:days)"""),
        {"bank": letter.bank_code, "days": list(letter.business_dates)},
    )
    return {row.business_date: (int(row.payment_count), int(row.payment_amount)) for row in rows}


def overdue_letters(conn: Connection, today: date) -> list[AppealLetter]:
    """Sent letters the bank has not answered within the reply period (the escalation list)."""
    return [a for a in appeal_letters(conn, statuses=("sent",)) if a.overdue(today)]


def today_local() -> date:
    """Today in the schedule time zone."""
    return datetime.now(config.timezone()).date()


def _at(moment: datetime | None) -> str:
    return "-" if moment is None else moment.astimezone(config.timezone()).strftime("%d-%m-%Y %H:%M")


def _locked(conn: Connection, letter_id: int) -> AppealLetter:
    found = _read(conn, "a.letter_id = :id", {"id": letter_id}, lock=True)
    if not found:
        raise LetterRefused(f"Surat Himbauan #{letter_id} tidak ditemukan.")
    return found[0]


def _acting(conn: Connection, actor: User, act: str) -> User:
    """The actor as stored now, refused when their role does not hold `act` (an act of `ACTS`, or `draft`)."""
    user = user_by_name(conn, actor.username)
    if user is None or not user.active:
        raise LetterRefused("Akun Anda tidak aktif; hubungi administrator.")
    action = DRAFT_ACTION if act == "draft" else ACTS[act][0]
    permissions.require(user, action, f"'{ACT_LABELS[act]}'", LetterRefused)
    return user


def _state_refusal(letter: AppealLetter, act: str) -> str | None:
    """Why `act` cannot happen in the letter's status (the slower of two clicks hears this)."""
    if letter.status in ACTS[act][1]:
        return None
    s = letter.status
    if s == "initialled":
        why = f"sudah diparaf oleh {letter.initialled_by} pada {_at(letter.initialled_at)}"
    elif s == "signed":
        why = (
            f"sudah ditandatangani oleh {letter.signed_by} pada {_at(letter.signed_at)} (nomor {letter.letter_number})"
        )
    elif s == "sent":
        why = f"sudah dikirim pada {letter.sent_on:%d-%m-%Y} (agenda {letter.agenda_number})"
    elif s == "answered":
        why = f"sudah dijawab bank pada {_at(letter.answered_at)}"
    elif s == "void":
        why = f"sudah dibatalkan: {letter.void_reason}"
    elif s == "returned":
        why = f"sedang dikembalikan untuk diperbaiki ({letter.returned_note})"
    else:
        why = "masih berupa konsep yang menunggu paraf Kasi"
    return f"Surat Himbauan #{letter.letter_id} {why}; {ACT_REQUIRES[act]}."


def _content_hash(bank_code: str, dates: Iterable[date], addressee: str, note: str) -> str:
    body = json.dumps(
        {"bank": bank_code, "dates": sorted(d.isoformat() for d in dates), "addressee": addressee, "note": note},
        sort_keys=True,
        ensure_ascii=False,
    )
    return hashlib.sha256(body.encode()).hexdigest()


def _summary(bank_code: str, dates: Sequence[date]) -> dict[str, Any]:
    return {"bank_code": bank_code, "dates": [d.isoformat() for d in sorted(dates)]}


def _clean(value: str | None, what: str, *, required: bool, multiline: bool = True) -> str:
    """A form's text stripped, refused when empty (if `required`), too long or holding control characters
    (`multiline`: a text area, line feeds allowed; CONTRACT §2 plausibility)."""
    value, problem = plausibility.form_text(value, what, required=required, limit=MAX_TEXT, multiline=multiline)
    if problem:
        raise LetterRefused(problem)
    return value


def default_addressee(bank_name: str) -> str:
    """The addressee block of a new draft: the collecting agent's head office."""
    return f"Pemimpin Kantor Pusat\n{bank_name}"


def _ask(
    conn: Connection, letter_id: int, bank_code: str, dates: Sequence[date], addressee: str, note: str, maker: User
) -> int:
    """A new paraf-and-signature request for the letter, made by `maker`; returns its id."""
    made = approvals.request_approval(
        conn,
        kind=KIND,
        object_key=str(letter_id),
        steps=STEPS,
        actor=maker,
        content_hash=_content_hash(bank_code, dates, addressee, note),
        summary=_summary(bank_code, dates),
        maker_roles=permissions.roles_for(DRAFT_ACTION),
    )
    return made.request_id


def _covered(conn: Connection, bank_code: str) -> set[date]:
    """Dates already asked for by the bank's letters on their way or sent (not drafts, not void)."""
    rows = conn.execute(
        text("""SELECT DISTINCT d FROM appeal_letter a, unnest(a.business_dates) d
                                 WHERE a.bank_code = :bank AND a.status IN ('initialled', 'signed', 'sent')"""),
        {"bank": bank_code},
    ).scalars()
    return set(rows)


@dataclass(frozen=True, slots=True)
class Proposed:
    """One bank's draft after `propose_drafts`: created, extended with new dates, or already covering them."""

    letter_id: int
    bank_code: str
    status: str
    outcome: str  # created | extended | unchanged


def propose_drafts(
    conn: Connection, business_date: date, *, actor: User | None = None, audit_actor: Actor | None = None
) -> list[Proposed]:
    """SE-127 step 5: a draft per bank whose statement letter for `business_date` (or an earlier date not yet
    asked for) is missing. A bank's open draft is extended rather than doubled; dates asked for by a letter
    already initialled, signed or sent are left to that letter. `actor` (default: the account `sistem`)
    is the drafter; a user must hold `letters.appeal_draft`."""
    maker = actor if actor is not None else system_user(conn)
    if actor is not None:
        maker = _acting(conn, actor, "draft")
    who = audit_actor or maker.actor()
    settle(conn, actor=who)
    proposed: list[Proposed] = []
    for bank_code, dates in sorted(missing_pairs(conn, until=business_date).items()):
        db.xact_lock(conn, "appeal_letter", bank_code)
        wanted = sorted(set(dates) - _covered(conn, bank_code))
        if not wanted:
            continue
        found = _read(conn, "a.bank_code = :bank AND a.status IN ('draft', 'returned')", {"bank": bank_code}, lock=True)
        if found:
            proposed.append(_extend(conn, found[0], wanted, maker, who))
            continue
        name = conn.execute(text("SELECT name FROM bank WHERE bank_code = :b"), {"b": bank_code}).scalar_one()
        addressee = default_addressee(name)
        letter_id = conn.execute(
            text("""
            INSERT INTO appeal_letter (bank_code, business_dates, addressee, status, drafted_by)
            VALUES (:bank, :dates, :addressee, 'draft', :by) RETURNING letter_id"""),
            {"bank": bank_code, "dates": wanted, "addressee": addressee, "by": maker.username},
        ).scalar_one()
        request_id = _ask(conn, letter_id, bank_code, wanted, addressee, "", maker)
        conn.execute(
            text("UPDATE appeal_letter SET request_id = :r WHERE letter_id = :id"), {"r": request_id, "id": letter_id}
        )
        record(
            conn,
            who,
            "letter.draft",
            object_type=OBJECT_TYPE,
            object_id=str(letter_id),
            after=_summary(bank_code, wanted),
        )
        proposed.append(Proposed(letter_id, bank_code, "draft", "created"))
    return proposed


def _extend(conn: Connection, letter: AppealLetter, wanted: Sequence[date], maker: User, who: Actor) -> Proposed:
    """Add `wanted` dates to the bank's open draft; a draft waiting for paraf is asked again with them."""
    dates = sorted(set(letter.business_dates) | set(wanted))
    if dates == list(letter.business_dates):
        return Proposed(letter.letter_id, letter.bank_code, letter.status, "unchanged")
    _store_revision(
        conn,
        letter,
        dates,
        letter.addressee,
        letter.note,
        maker,
        who,
        reason="tanggal bertambah",
        resubmit=letter.status == "draft",
    )
    return Proposed(letter.letter_id, letter.bank_code, letter.status, "extended")


def _store_revision(
    conn: Connection,
    letter: AppealLetter,
    dates: Sequence[date],
    addressee: str,
    note: str,
    maker: User,
    who: Actor,
    *,
    reason: str,
    resubmit: bool,
) -> None:
    """Write new content; with `resubmit`, void the old request and ask for paraf and signature again."""
    approvals.lapse(conn, KIND, str(letter.letter_id), actor=who, reason=reason)
    request_id = _ask(conn, letter.letter_id, letter.bank_code, dates, addressee, note, maker) if resubmit else None
    conn.execute(
        text("""
        UPDATE appeal_letter
           SET business_dates = :dates, addressee = :addressee, note = :note, updated_at = now(),
               status = CASE WHEN :resubmit THEN 'draft' ELSE status END,
               request_id = CASE WHEN :resubmit THEN :request ELSE request_id END,
               returned_note = CASE WHEN :resubmit THEN NULL ELSE returned_note END
         WHERE letter_id = :id"""),
        {
            "dates": list(dates),
            "addressee": addressee,
            "note": note,
            "resubmit": resubmit,
            "request": request_id,
            "id": letter.letter_id,
        },
    )
    record(
        conn,
        who,
        "letter.revise",
        object_type=OBJECT_TYPE,
        object_id=str(letter.letter_id),
        before={"dates": [d.isoformat() for d in letter.business_dates], "status": letter.status},
        after={**_summary(letter.bank_code, dates), "reason": reason, "resubmitted": resubmit},
    )


def revise(
    conn: Connection, letter_id: int, *, actor: User, dates: Sequence[date], addressee: str, note: str = ""
) -> AppealLetter:
    """Edit a draft or a returned letter and submit it for paraf again (a new approval request)."""
    user = _acting(conn, actor, "revise")
    letter = _locked(conn, letter_id)
    if (why := _state_refusal(letter, "revise")) is not None:
        raise LetterRefused(why)
    chosen = sorted(set(dates))
    if not chosen:
        raise LetterRefused("Pilih paling sedikit satu tanggal buku yang diminta.")
    missing = set(missing_pairs(conn, until=max(chosen), since=min(chosen)).get(letter.bank_code, []))
    have = [d for d in chosen if d not in missing]
    if have:
        listed = ", ".join(f"{d:%d-%m-%Y}" for d in have)
        raise LetterRefused(
            f"Tanggal {listed} tidak dapat diminta: surat pernyataannya sudah diterima "
            "atau tidak ada data bank pada tanggal itu."
        )
    addressee = _clean(addressee, "Alamat tujuan", required=True)
    note = _clean(note, "Catatan", required=False)
    _store_revision(conn, letter, chosen, addressee, note, user, user.actor(), reason="diperbaiki", resubmit=True)
    return appeal_letter(conn, letter_id)


def initial(conn: Connection, letter_id: int, *, actor: User, note: str = "") -> AppealLetter:
    """SE-127 step 6: the kasi initials (paraf) the draft and passes it to the kasubdit."""
    user = _acting(conn, actor, "initial")
    letter = _locked(conn, letter_id)
    if (why := _state_refusal(letter, "initial")) is not None:
        raise LetterRefused(why)
    note = _clean(note, "Catatan", required=False)
    assert letter.request_id is not None
    approvals.approve(
        conn,
        letter.request_id,
        actor=user,
        note=note,
        content_hash=_content_hash(letter.bank_code, letter.business_dates, letter.addressee, letter.note),
    )
    conn.execute(
        text("UPDATE appeal_letter SET status = 'initialled', updated_at = now() WHERE letter_id = :id"),
        {"id": letter_id},
    )
    record(
        conn,
        user.actor(),
        "letter.initial",
        object_type=OBJECT_TYPE,
        object_id=str(letter_id),
        before={"status": letter.status},
        after={"status": "initialled", "note": note},
    )
    return appeal_letter(conn, letter_id)


def _number(conn: Connection, pattern: str, day: date, bank_code: str) -> str:
    """The next letter number of `day`'s year, from `pattern`."""
    seq = conn.execute(
        text("""INSERT INTO letter_sequence AS s (year, last_seq) VALUES (:y, 1)
                               ON CONFLICT (year) DO UPDATE SET last_seq = s.last_seq + 1
                               RETURNING last_seq"""),
        {"y": day.year},
    ).scalar_one()
    return pattern.format(seq=seq, year=day.year, month=day.month, roman=ROMAN[day.month - 1], bank=bank_code)


def sign(conn: Connection, letter_id: int, *, actor: User, note: str = "", today: date | None = None) -> AppealLetter:
    """SE-127 step 7: the kasubdit signs; the letter gets its number and date (`today`, default the local
    date; the demo's history passes earlier days), and the signer's name and NIP."""
    user = _acting(conn, actor, "sign")
    letter = _locked(conn, letter_id)
    if (why := _state_refusal(letter, "sign")) is not None:
        raise LetterRefused(why)
    note = _clean(note, "Catatan", required=False)
    assert letter.request_id is not None
    settings = current_settings(conn)
    name = settings.signer_name or user.full_name or user.username
    nip = settings.signer_nip or user.nip
    approvals.approve(
        conn,
        letter.request_id,
        actor=user,
        note=note,
        content_hash=_content_hash(letter.bank_code, letter.business_dates, letter.addressee, letter.note),
    )
    day = today or today_local()
    number = _number(conn, settings.letter_number_pattern, day, letter.bank_code)
    while conn.execute(text("SELECT 1 FROM appeal_letter WHERE letter_number = :n"), {"n": number}).first():
        number = _number(conn, settings.letter_number_pattern, day, letter.bank_code)  # a pattern without {year}
    conn.execute(
        text("""UPDATE appeal_letter SET status = 'signed', letter_number = :n, letter_date = :d,
                                signer_name = :name, signer_nip = :nip, updated_at = now()
                          WHERE letter_id = :id"""),
        {"n": number, "d": day, "name": name, "nip": nip, "id": letter_id},
    )
    record(
        conn,
        user.actor(),
        "letter.sign",
        object_type=OBJECT_TYPE,
        object_id=str(letter_id),
        before={"status": letter.status},
        after={"status": "signed", "letter_number": number, "letter_date": day.isoformat(), "signer": name},
    )
    return appeal_letter(conn, letter_id)


def return_letter(conn: Connection, letter_id: int, *, actor: User, note: str) -> AppealLetter:
    """The kasi (before paraf) or kasubdit (before signing) sends the draft back with a note."""
    user = _acting(conn, actor, "return")
    letter = _locked(conn, letter_id)
    if (why := _state_refusal(letter, "return")) is not None:
        raise LetterRefused(why)
    note = _clean(note, "Catatan pengembalian", required=True)
    assert letter.request_id is not None
    approvals.reject(conn, letter.request_id, actor=user, note=note)
    conn.execute(
        text("""UPDATE appeal_letter SET status = 'returned', returned_note = :note, updated_at = now()
                          WHERE letter_id = :id"""),
        {"note": note, "id": letter_id},
    )
    record(
        conn,
        user.actor(),
        "letter.return",
        object_type=OBJECT_TYPE,
        object_id=str(letter_id),
        before={"status": letter.status},
        after={"status": "returned", "note": note},
    )
    return appeal_letter(conn, letter_id)


def send(
    conn: Connection,
    letter_id: int,
    *,
    actor: User,
    agenda_number: str,
    sent_on: date | None = None,
    today: date | None = None,
) -> AppealLetter:
    """SE-127 step 8: TU registers the signed letter (agenda number) and the date it was sent (default
    `today`, itself by default the local date), which lies between the letter's date and today."""
    user = _acting(conn, actor, "send")
    letter = _locked(conn, letter_id)
    if (why := _state_refusal(letter, "send")) is not None:
        raise LetterRefused(why)
    agenda = _clean(agenda_number, "Nomor agenda", required=True, multiline=False)
    today = today or today_local()
    day = sent_on or today
    assert letter.letter_date is not None
    if day < letter.letter_date:
        raise LetterRefused(f"Tanggal kirim {day:%d-%m-%Y} mendahului tanggal surat {letter.letter_date:%d-%m-%Y}.")
    if day > today:
        raise LetterRefused(f"Tanggal kirim {day:%d-%m-%Y} belum terjadi.")
    conn.execute(
        text("""UPDATE appeal_letter SET status = 'sent', agenda_number = :agenda, sent_on = :day,
                                sent_by = :by, updated_at = now() WHERE letter_id = :id"""),
        {"agenda": agenda, "day": day, "by": user.username, "id": letter_id},
    )
    record(
        conn,
        user.actor(),
        "letter.send",
        object_type=OBJECT_TYPE,
        object_id=str(letter_id),
        before={"status": letter.status},
        after={"status": "sent", "agenda_number": agenda, "sent_on": day.isoformat()},
    )
    settle(conn, actor=user.actor(), bank_codes=[letter.bank_code])  # letters may have arrived meanwhile
    return appeal_letter(conn, letter_id)


_SETTLE = text(f"""
WITH covered AS (
    SELECT a.letter_id, a.status AS old_status,
           bool_and(sl.letter_id IS NOT NULL) AS complete,
           -- an old row's implausible time (before migration 0010) never becomes the answer's time
           max(sl.received_at) FILTER (WHERE sl.received_at >= {plausibility.SQL_EARLIEST_TS}
                                         AND sl.received_at < {plausibility.SQL_LATEST_TS}) AS last_received
      FROM appeal_letter a
     CROSS JOIN LATERAL unnest(a.business_dates) d
      LEFT JOIN statement_letter sl ON sl.bank_code = a.bank_code AND sl.business_date = d AND sl.superseded_at IS NULL
     WHERE a.status IN ('draft', 'returned', 'initialled', 'signed', 'sent')
       AND (CAST(:banks AS text[]) IS NULL OR a.bank_code = ANY(CAST(:banks AS text[])))
     GROUP BY a.letter_id, a.status
)
UPDATE appeal_letter a
   SET status = CASE WHEN c.old_status = 'sent' THEN 'answered' ELSE 'void' END,
       answered_at = CASE WHEN c.old_status = 'sent' THEN c.last_received END,
       void_reason = CASE WHEN c.old_status <> 'sent'
                          THEN 'Surat pernyataan untuk semua tanggal sudah diterima sebelum surat dikirim' END,
       updated_at = now()
  FROM covered c
 WHERE c.letter_id = a.letter_id AND c.complete
RETURNING a.letter_id, a.bank_code, c.old_status, a.status, c.last_received
""")


def settle(conn: Connection, *, actor: Actor, bank_codes: Sequence[str] | None = None) -> list[int]:
    """Letters whose dates all have statement letters now: a sent one is answered, an unsent one is voided
    (its open paraf/signature request lapses). Call it in the transaction that stores statement letters."""
    changed = conn.execute(_SETTLE, {"banks": list(bank_codes) if bank_codes is not None else None}).all()
    for row in changed:
        if row.status == "void":
            approvals.lapse(
                conn,
                KIND,
                str(row.letter_id),
                actor=actor,
                reason="surat pernyataan sudah diterima untuk semua tanggal",
            )
        record(
            conn,
            actor,
            "letter.answered" if row.status == "answered" else "letter.void",
            object_type=OBJECT_TYPE,
            object_id=str(row.letter_id),
            before={"status": row.old_status},
            after={"status": row.status, "bank_code": row.bank_code, "last_received": row.last_received},
        )
    return [row.letter_id for row in changed]


def escalation_days_left(letter: AppealLetter, today: date, calendar: WorkingCalendar) -> int | None:
    """Working days until the reply is due (negative once overdue), or None when not sent."""
    if letter.status != "sent" or letter.due_on is None:
        return None
    if today <= letter.due_on:
        n, day = 0, today
        while day < letter.due_on:
            day = calendar.next_after(day)
            n += 1
        return n
    n, day = 0, letter.due_on
    while day < today:
        day += timedelta(days=1)
        if calendar.is_working(day):
            n -= 1
    return n
